import Foundation
import Vapor

/// The web client's files (Public/) are read with GET and HEAD only. Vapor's `FileMiddleware` serves
/// a file whatever the method, so `POST /` or `DELETE /js/app.js` answered 200 with the file; here a
/// request for one of those files with another method answers 405 with `Allow: GET, HEAD`, as
/// `MethodNotAllowedMiddleware` does for the API's routes. Everything else passes through.
struct WebClientFilesMethods: AsyncMiddleware {
    let publicDirectory: String
    let defaultFile: String

    init(publicDirectory: String, defaultFile: String) {
        self.publicDirectory = publicDirectory.hasSuffix("/") ? publicDirectory : publicDirectory + "/"
        self.defaultFile = defaultFile
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method != .GET, request.method != .HEAD, servesFile(request.url.path) else {
            return try await next.respond(to: request)
        }
        throw MethodNotAllowedMiddleware.refusal(request.method, allowed: ["GET"])
    }

    /// Whether `FileMiddleware` would answer this path with a file (or the directory's default file).
    private func servesFile(_ rawPath: String) -> Bool {
        guard !rawPath.hasPrefix("/api/"), let path = rawPath.removingPercentEncoding,
              !path.contains("../"), !path.hasSuffix("/..") else { return false }
        var isDirectory: ObjCBool = false
        let full = publicDirectory + path.drop { $0 == "/" }
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { return false }
        return !isDirectory.boolValue || FileManager.default.fileExists(atPath: full + (full.hasSuffix("/") ? "" : "/") + defaultFile)
    }
}
