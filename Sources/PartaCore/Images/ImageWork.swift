import Foundation
import NIOPosix

extension ImageThumbnailer {
    /// Two threads of their own: decoding takes tens of milliseconds of CPU and up to a few hundred
    /// MB for the largest images allowed, so it stays off the event loops and the concurrency pool,
    /// and at most two images are decoded at once whatever the number of uploads.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// Runs image work on `pool`.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}

extension PartaError {
    public static let imageTooLarge = PartaError(.payloadTooLarge, "image_too_large",
        "Изображение слишком большое: не больше 50 мегапикселей и 12 000 пикселей по каждой стороне.")
    public static let imageUnreadable = PartaError(.badRequest, "image_unreadable",
        "Не удалось прочитать изображение: файл повреждён или это не JPEG и не PNG.")
}
