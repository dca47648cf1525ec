import Foundation
import NIOCore
import Vapor

/// The web client's files (Public/), read once at start-up and served from memory.
///
/// They are read only while the server runs, and small (a few hundred KB, most of it pages loaded
/// on demand), so each is kept as it is and, when that is smaller, gzip-compressed once (level 6),
/// with a strong ETag per form. A request is a dictionary lookup: no disk, no compression work.
///
/// **The release id** is a short hash of every file's path and bytes: it changes whenever any file
/// does. Every file answers at its plain path (`/js/app.js`) and under `/v/<release>/…`
/// (`/v/3f9a1c2b/js/app.js`):
/// - under the current release: `Cache-Control: public, max-age=31536000, immutable` — a browser
///   keeps it a year and never asks again; a new release is a new URL;
/// - at the plain path, and under any other id (a page of an older release still open, asking for
///   a module it had not loaded yet): `no-cache` — the current file, revalidated by its ETag every
///   time (304 while it is unchanged). An old id's URL is never cached for a year with new bytes.
/// - HTML pages (index.html, for `/` too): always `no-cache`, so a new release is seen at once.
///
/// index.html is rewritten at start-up: each `href="/…"` and `src="/…"` naming one of these files
/// (the stylesheet, the modules and their preloads, the icon) points under `/v/<release>/`. The
/// modules import each other by relative specifiers (`./dom.js`, `'./pages/' + name + '.js'`), so
/// everything `/v/<release>/js/app.js` loads resolves under the same prefix by itself. The web app
/// manifest (`.webmanifest`) keeps its plain URL: browsers know an installed app by it.
///
/// Only GET and HEAD are answered (405 with `Allow: GET, HEAD` otherwise; Vapor's `FileMiddleware`
/// served a file for any method). Paths are looked up, never joined to a directory: nothing
/// outside Public/ can be named (`/v/x/../../etc/passwd` is just an unknown key, 404). Dot files are
/// not served (`.well-known/` is). `Range` is not supported (the files are small; a `Range` header
/// gets the whole file, as RFC 9110 allows).
struct WebClientFiles: Sendable {
    struct File: Sendable {
        let contentType: String
        let identity: ByteBuffer
        let identityTag: String
        /// Present when gzip makes the file smaller.
        let gzip: ByteBuffer?
        let gzipTag: String
        /// HTML: never cached without revalidation, whatever its URL.
        let isPage: Bool
    }

    let release: String
    let files: [String: File]   // by path relative to Public/: "index.html", "js/app.js"
    let defaultFile: String

    static let versionPrefix = "v"
    static let immutable = "public, max-age=31536000, immutable"
    static let revalidate = "no-cache"

    /// Reads every file under `directory` (an empty set when it does not exist).
    init(directory: String, defaultFile: String = "index.html", logger: Logger? = nil) throws {
        let root = URL(fileURLWithPath: directory, isDirectory: true).resolvingSymlinksInPath()
        var raw: [(path: String, bytes: [UInt8])] = []
        let manager = FileManager.default
        if let walker = manager.enumerator(at: root, includingPropertiesForKeys: nil) {
            let base = root.path.hasSuffix("/") ? root.path : root.path + "/"
            for case let url as URL in walker {
                let full = url.path
                guard full.hasPrefix(base) else { continue }
                let relative = String(full.dropFirst(base.count))
                var isDirectory: ObjCBool = false
                // Symlinked files are served (a packaged library may be linked in); symlinked
                // directories are not entered.
                guard manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                      !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") && $0 != ".well-known" })
                else { continue }
                raw.append((relative, Array(try Data(contentsOf: url))))
            }
        }
        raw.sort { $0.path < $1.path }

        // The release: SHA-256 over every (path, length, bytes), 8 hex digits.
        var hasher = SHA256()
        for (path, bytes) in raw {
            hasher.update(data: Array(path.utf8) + [0] + Array(String(bytes.count).utf8) + [0])
            hasher.update(data: bytes)
        }
        let release = hasher.finalize().hex.prefix(8)
        self.release = String(release)
        self.defaultFile = defaultFile

        let names = Set(raw.map(\.path))
        var files: [String: File] = [:]
        var identityTotal = 0, gzipTotal = 0
        for (path, original) in raw {
            let type = Self.contentType(of: path)
            let isPage = type.hasPrefix("text/html")
            let bytes = isPage ? Self.versioned(page: original, release: self.release, names: names) : original
            let identity = ByteBuffer(bytes: bytes)
            let tag = SHA256.hash(data: bytes).hex.prefix(16)
            var gzip: ByteBuffer?
            if ResponseCompressionPolicy.compressible(type), let packed = try? Gzip.compress(identity),
               packed.readableBytes < identity.readableBytes {
                gzip = packed
            }
            identityTotal += identity.readableBytes
            gzipTotal += gzip?.readableBytes ?? identity.readableBytes
            files[path] = File(contentType: type, identity: identity, identityTag: "\"\(tag)\"", gzip: gzip,
                               gzipTag: "\"\(tag)-gzip\"", isPage: isPage)
        }
        self.files = files
        logger?.info("web client: \(files.count) files, \(identityTotal) bytes (\(gzipTotal) gzip), release \(self.release)")
    }

    /// The file a path names, and whether it was asked for under the current release.
    /// `path` is the request's path, percent-encoded as sent.
    func lookup(_ rawPath: String) -> (file: File, current: Bool)? {
        guard let path = rawPath.removingPercentEncoding, path.hasPrefix("/") else { return nil }
        let parts = path.dropFirst().split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == Self.versionPrefix, !parts[1].isEmpty, let file = file(at: String(parts[2])) {
            return (file, parts[1] == release)
        }
        return file(at: String(path.dropFirst())).map { ($0, false) }
    }

    private func file(at relative: String) -> File? {
        if relative.isEmpty || relative.hasSuffix("/") { return files[relative + defaultFile] }
        return files[relative]
    }

    /// `href="/css/app.css"` → `href="/v/<release>/css/app.css"` for every attribute naming one of
    /// the files (not pages, not the manifest). Other attributes and text stay byte for byte.
    static func versioned(page: [UInt8], release: String, names: Set<String>) -> [UInt8] {
        let html = String(decoding: page, as: UTF8.self)
        let pattern = /(?<attribute>\b(?:href|src)=)(?<quote>["'])\/(?<path>[^"'?#]+)(?<rest>[^"']*)\k<quote>/
        let rewritten = html.replacing(pattern) { match -> String in
            let path = String(match.output.path)
            let type = contentType(of: path)
            guard names.contains(path), !type.hasPrefix("text/html"), !path.hasSuffix(".webmanifest") else {
                return String(match.output.0)
            }
            let q = match.output.quote
            return "\(match.output.attribute)\(q)/\(versionPrefix)/\(release)/\(path)\(match.output.rest)\(q)"
        }
        return Array(rewritten.utf8)
    }

    static func contentType(of path: String) -> String {
        let ext = path.split(separator: "/").last.flatMap { name in name.contains(".") ? name.split(separator: ".").last : nil }
            .map { $0.lowercased() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "webmanifest": return "application/manifest+json"
        case "json": return "application/json; charset=utf-8"
        case "txt": return "text/plain; charset=utf-8"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "webp": return "image/webp"
        case "jpg", "jpeg": return "image/jpeg"
        default: return HTTPMediaType.fileExtension(ext)?.serialize() ?? "application/octet-stream"
        }
    }
}

/// Serves `WebClientFiles` (see there); everything else goes on to the routes.
struct WebClientFilesMiddleware: AsyncMiddleware {
    let web: WebClientFiles

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard !request.url.path.hasPrefix("/api/"), let (file, current) = web.lookup(request.url.path) else {
            return try await next.respond(to: request)
        }
        guard request.method == .GET || request.method == .HEAD else {
            throw MethodNotAllowedMiddleware.refusal(request.method, allowed: ["GET"])
        }
        let gzip = file.gzip.flatMap { ResponseCompressionPolicy.acceptsGzip(request.headers) ? $0 : nil }
        let tag = gzip == nil ? file.identityTag : file.gzipTag
        var headers = HTTPHeaders()
        headers.add(name: .eTag, value: tag)
        headers.add(name: .cacheControl, value: current && !file.isPage ? WebClientFiles.immutable : WebClientFiles.revalidate)
        if file.gzip != nil { headers.add(name: .vary, value: "Accept-Encoding") }
        // Already in its final form: Vapor's compressor must not touch it.
        headers.responseCompression = .disable
        let body = gzip ?? file.identity
        if Self.matches(request.headers[.ifNoneMatch], tag) {
            let response = Response(status: .notModified, headers: headers)
            // What a 200 would have carried (RFC 9110 §8.6), as Vapor's own file responses do.
            response.headers.replaceOrAdd(name: .contentLength, value: String(body.readableBytes))
            return response
        }
        headers.add(name: .contentType, value: file.contentType)
        if gzip != nil { headers.add(name: .contentEncoding, value: "gzip") }
        // A HEAD request gets the same headers (Content-Length included) and no body: Vapor drops it.
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }

    /// `If-None-Match` by the weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag, `W/` or not.
    static func matches(_ values: [String], _ tag: String) -> Bool {
        for value in values {
            for candidate in value.split(separator: ",") {
                var t = candidate.trimmingCharacters(in: .whitespaces)
                if t == "*" { return true }
                if t.hasPrefix("W/") { t.removeFirst(2) }
                if t == tag { return true }
            }
        }
        return false
    }
}

private extension Sequence where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
