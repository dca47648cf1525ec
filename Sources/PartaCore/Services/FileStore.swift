import Foundation

/// Files kept on disk under `<data>/files/<uuid>`; metadata lives in `stored_files`.
/// Writes go to a temporary name, are flushed to disk, then renamed, so a crash never leaves half a file.
public struct FileStore: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func url(for id: UUID) -> URL {
        directory.appendingPathComponent(id.uuidString.lowercased())
    }

    public func save(_ data: Data, id: UUID) throws {
        let temp = directory.appendingPathComponent(".\(id.uuidString.lowercased()).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        var ok = true
        data.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { ok = false; break }
                offset += n
            }
        }
        if fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok else { unlink(temp.path); throw CocoaError(.fileWriteUnknown) }
        guard rename(temp.path, url(for: id).path) == 0 else {
            unlink(temp.path); throw CocoaError(.fileWriteUnknown)
        }
    }

    public func delete(_ id: UUID) {
        unlink(url(for: id).path)
    }
}

/// Recognises a file's type from its first bytes, never from its name or the client's claim.
public enum ContentSniffer {
    public static func detect(_ data: Data) -> String? {
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8]) -> Bool { head.count >= bytes.count && Array(head.prefix(bytes.count)) == bytes }
        if starts([0x25, 0x50, 0x44, 0x46, 0x2D]) { return "application/pdf" }           // %PDF-
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.count >= 12, starts([0x52, 0x49, 0x46, 0x46]), Array(head[8..<12]) == [0x57, 0x45, 0x42, 0x50] {
            return "image/webp"
        }
        return nil
    }
}
