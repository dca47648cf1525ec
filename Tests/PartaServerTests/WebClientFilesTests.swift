import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPCompression
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor

/// The web client's files from memory: gzip when asked for, ETags and 304, the release id in
/// versioned URLs and their caching, index.html rewritten to them, read only, nothing outside
/// Public/. And gzip for the API's larger answers, done by Vapor's compressor on a real socket.
final class WebClientFilesTests: XCTestCase {
    static let publicDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Public")

    func onDisk(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.publicDirectory.appendingPathComponent(path)))
    }

    /// The stylesheets and modules of Public/ (what a browser loads besides index.html), of 1 KB or
    /// more (gzip may not shrink a tiny one, which is then served as it is).
    func assets() throws -> [String] {
        let root = Self.publicDirectory.path + "/"
        let all = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        var found: [String] = []
        for path in all.sorted() where path.hasSuffix(".js") || path.hasSuffix(".css") {
            if try onDisk(path).count >= 1024 { found.append(path) }
        }
        XCTAssertTrue(found.contains("js/app.js") && found.contains("css/app.css"), "\(found)")
        return found
    }

    func testGzipWhenAcceptedWithTheFilesBytesInside() async throws {
        try await withHarness { h in
            for path in try assets() + ["index.html"] {
                let r = try await h.request(.GET, "/" + path, headers: [("Accept-Encoding", "gzip, deflate, br")])
                XCTAssertEqual(r.status, .ok, path)
                XCTAssertEqual(r.headers.first(name: .contentEncoding), "gzip", path)
                XCTAssertEqual(r.headers.first(name: .vary), "Accept-Encoding", path)
                XCTAssertEqual(r.headers.first(name: .contentLength), String(r.body.readableBytes), path)
                XCTAssertLessThan(r.body.readableBytes, try onDisk(path).count, path)
                let plain = try Self.gunzip(r.body)
                if path == "index.html" {
                    XCTAssertTrue(String(buffer: plain).contains("/v/\(h.app.webClient!.release)/js/app.js"))
                } else {
                    XCTAssertEqual(Array(buffer: plain), try onDisk(path), path)
                }
            }
            let types = [("/js/app.js", "text/javascript; charset=utf-8"), ("/css/app.css", "text/css; charset=utf-8"),
                         ("/favicon.svg", "image/svg+xml"), ("/", "text/html; charset=utf-8")]
            for (path, type) in types {
                let r = try await h.request(.GET, path, headers: [("Accept-Encoding", "gzip")])
                XCTAssertEqual(r.headers.first(name: .contentType), type, path)
                XCTAssertEqual(r.headers.first(name: "X-Content-Type-Options"), "nosniff", path)
                XCTAssertNotNil(r.headers.first(name: "Content-Security-Policy"), path)
            }
        }
    }

    func testIdentityWhenGzipIsNotAccepted() async throws {
        try await withHarness { h in
            let file = try onDisk("js/app.js")
            for accept in [nil, "identity", "br", "gzip;q=0", "deflate, gzip; q=0.0", "*;q=0"] {
                let r = try await h.request(.GET, "/js/app.js", headers: accept.map { [("Accept-Encoding", $0)] } ?? [])
                XCTAssertEqual(r.status, .ok)
                XCTAssertNil(r.headers.first(name: .contentEncoding), accept ?? "none")
                XCTAssertEqual(r.headers.first(name: .vary), "Accept-Encoding", accept ?? "none")
                XCTAssertEqual(Array(buffer: r.body), file, accept ?? "none")
                XCTAssertEqual(r.headers.first(name: .contentLength), String(file.count))
            }
            for accept in ["*", "x-gzip", "GZIP;q=0.5, identity"] {
                let r = try await h.request(.GET, "/js/app.js", headers: [("Accept-Encoding", accept)])
                XCTAssertEqual(r.headers.first(name: .contentEncoding), "gzip", accept)
            }
        }
    }

    func testNotModifiedForTheSameETag() async throws {
        try await withHarness { h in
            let release = h.app.webClient!.release
            for (path, accept) in [("/js/app.js", "gzip"), ("/js/app.js", "identity"), ("/", "gzip"), ("/v/\(release)/css/app.css", "gzip")] {
                let first = try await h.request(.GET, path, headers: [("Accept-Encoding", accept)])
                let tag = try XCTUnwrap(first.headers.first(name: .eTag), path)
                XCTAssertTrue(tag.hasPrefix("\"") && tag.hasSuffix("\""), tag)
                for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
                    let again = try await h.request(.GET, path, headers: [("Accept-Encoding", accept), ("If-None-Match", condition)])
                    XCTAssertEqual(again.status, .notModified, "\(path) \(condition)")
                    XCTAssertEqual(again.body.readableBytes, 0)
                    XCTAssertEqual(again.headers.first(name: .eTag), tag)
                    XCTAssertEqual(again.headers.first(name: .cacheControl), first.headers.first(name: .cacheControl))
                }
                let changed = try await h.request(.GET, path, headers: [("Accept-Encoding", accept), ("If-None-Match", "\"old\"")])
                XCTAssertEqual(changed.status, .ok, path)
                XCTAssertEqual(changed.body, first.body, path)
            }
            // The gzip and the plain form are different representations, with different tags.
            let gz = try await h.request(.GET, "/js/app.js", headers: [("Accept-Encoding", "gzip")])
            let plain = try await h.request(.GET, "/js/app.js")
            XCTAssertNotEqual(gz.headers.first(name: .eTag), plain.headers.first(name: .eTag))
        }
    }

    func testCachingByURL() async throws {
        try await withHarness { h in
            let release = h.app.webClient!.release
            XCTAssertNotNil(release.range(of: #"^[0-9a-f]{8}$"#, options: .regularExpression), release)
            let plain = try await h.request(.GET, "/js/app.js")
            for (path, cache) in [("/js/app.js", "no-cache"), ("/v/\(release)/js/app.js", "public, max-age=31536000, immutable"),
                                  ("/v/0badc0de/js/app.js", "no-cache"), ("/v/\(release)/js/pages/signin.js", "public, max-age=31536000, immutable"),
                                  ("/v/\(release)/css/app.css", "public, max-age=31536000, immutable"), ("/css/app.css", "no-cache"),
                                  ("/", "no-cache"), ("/index.html", "no-cache"), ("/v/\(release)/index.html", "no-cache"),
                                  ("/v/\(release)/", "no-cache")] {
                let r = try await h.request(.GET, path)
                XCTAssertEqual(r.status, .ok, path)
                XCTAssertEqual(r.headers.first(name: .cacheControl), cache, path)
                if path.hasSuffix("js/app.js") { XCTAssertEqual(r.body, plain.body, path) }   // the current file under any id
            }
        }
    }

    func testIndexPointsAtTheCurrentRelease() async throws {
        try await withHarness { h in
            let release = h.app.webClient!.release
            for path in ["/", "/index.html"] {
                let html = String(buffer: try await h.request(.GET, path).body)
                XCTAssertTrue(html.contains(#"href="/v/\#(release)/css/app.css""#), html)
                XCTAssertTrue(html.contains(#"src="/v/\#(release)/js/app.js""#), html)
                XCTAssertTrue(html.contains(#"href="/v/\#(release)/favicon.svg""#), html)
                XCTAssertTrue(html.contains(#"<link rel="modulepreload" href="/v/\#(release)/js/api.js">"#), html)
                for plain in [#"="/js/"#, #"="/css/"#, #"="/favicon.svg"#] { XCTAssertFalse(html.contains(plain), plain) }
                // Every versioned URL in it is served, for a year.
                let urls = html.matches(of: /(?:href|src)="(\/v\/[^"]+)"/).map { String($0.output.1) }
                XCTAssertGreaterThan(urls.count, 5)
                for url in urls {
                    let r = try await h.request(.GET, url)
                    XCTAssertEqual(r.status, .ok, url)
                    XCTAssertEqual(r.headers.first(name: .cacheControl), WebClientFiles.immutable, url)
                }
            }
            // Everything else in the page is as on disk: only those attribute values changed.
            let original = String(decoding: try onDisk("index.html"), as: UTF8.self)
            let served = String(buffer: try await h.request(.GET, "/").body)
            XCTAssertEqual(served.replacingOccurrences(of: "/v/\(release)/", with: "/"), original)
        }
    }

    /// On a real socket (in memory, XCTVapor hands back a HEAD answer's body): the headers a GET
    /// gets, Content-Length included, and no body — the next answer on the connection follows the head.
    func testHeadGetsTheHeadersWithoutABody() async throws {
        try await withHarness { h in
            let port = try await h.startServer()
            let release = h.app.webClient!.release
            for path in ["/js/app.js", "/v/\(release)/css/app.css", "/"] {
                for accept in ["gzip", "identity"] {
                    let get = try Self.exchange(port: port, requests: [
                        "GET \(path) HTTP/1.1\r\nHost: x\r\nAccept-Encoding: \(accept)\r\nConnection: close\r\n\r\n"])
                    let head = try Self.exchange(port: port, requests: [
                        "HEAD \(path) HTTP/1.1\r\nHost: x\r\nAccept-Encoding: \(accept)\r\n\r\n",
                        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])
                    let parts = head.components(separatedBy: "\r\n\r\n")
                    XCTAssertEqual(parts.count, 3, head)
                    XCTAssertTrue(parts[1].hasPrefix("HTTP/1.1 200 OK\r\n"), "no body after the head: \(head)")
                    func fields(_ text: String) -> [String: String] {
                        var out: [String: String] = [:]
                        for line in text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n").dropFirst() {
                            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                            if kv.count == 2 { out[kv[0].lowercased()] = kv[1] }
                        }
                        return out
                    }
                    let (g, hd) = (fields(get), fields(head))
                    XCTAssertEqual(g["content-encoding"], accept == "gzip" ? "gzip" : nil, path)
                    for name in ["content-length", "content-type", "content-encoding", "etag", "cache-control", "vary"] {
                        XCTAssertEqual(hd[name], g[name], "\(path) \(accept) \(name)")
                    }
                }
            }
        }
    }

    func testReadOnlyAndNothingOutsidePublic() async throws {
        try await withHarness { h in
            let release = h.app.webClient!.release
            for path in ["/v/\(release)/js/app.js", "/v/old/js/app.js", "/v/\(release)/"] {
                for method in [HTTPMethod.POST, .PUT, .DELETE, .PATCH] {
                    let r = try await h.request(method, path, raw: "{}")
                    XCTAssertEqual(r.status, .methodNotAllowed, "\(method) \(path)")
                    XCTAssertEqual(r.headers.first(name: .allow), "GET, HEAD")
                }
            }
            for path in ["/v/\(release)/../../etc/passwd", "/v/\(release)/..%2F..%2Fetc%2Fpasswd", "/v/\(release)/%2e%2e/%2e%2e/etc/passwd",
                         "/v/\(release)/../Package.swift", "/v/\(release)/..%2FPackage.swift", "/..%2FPackage.swift", "/js/../../Package.swift",
                         "/js/..%2F..%2FPackage.swift", "/%2e%2e/Package.swift", "/v/\(release)/js/../../../Package.swift",
                         "/v//js/app.js", "/v/\(release)/no-such-file.js", "/js/app.js%00.png", "/js"] {
                for method in [HTTPMethod.GET, .HEAD] {
                    let r = try await h.request(method, path)
                    XCTAssertEqual(r.status, .notFound, "\(method) \(path)")
                }
                let post = try await h.request(.POST, path, raw: "{}")
                XCTAssertEqual(post.status, .notFound, "POST \(path)")
            }
        }
    }

    /// The set of files itself: the release follows every byte and name; pages are rewritten only
    /// where an attribute names one of the files; dot files stay private.
    func testTheReleaseFollowsTheFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parta-web-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ path: String, _ text: String) throws {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let page = """
            <link rel="stylesheet" href="/css/a.css"><link rel="manifest" href="/app.webmanifest">
            <script type="module" src='/js/app.js?x=1'></script><a href="#main">skip</a><a href="/missing.js">x</a>
            <img src="https://example.org/js/app.js"><a href="/sub/">sub</a>
            """
        try write("index.html", page)
        try write("css/a.css", String(repeating: "body { color: red }\n", count: 50))
        try write("js/app.js", "import './b.js';\n")
        try write("app.webmanifest", #"{"name":"Parta"}"#)
        try write("sub/index.html", "<p>sub</p>")
        try write(".secret", "no")
        try write("js/.hidden.js", "no")
        try write(".well-known/security.txt", "Contact: mailto:x@example.org\n")

        let web = try WebClientFiles(directory: dir.path)
        let r = web.release
        XCTAssertEqual(Set(web.files.keys), ["index.html", "css/a.css", "js/app.js", "app.webmanifest", "sub/index.html", ".well-known/security.txt"])
        let served = String(buffer: web.files["index.html"]!.identity)
        XCTAssertEqual(served, """
            <link rel="stylesheet" href="/v/\(r)/css/a.css"><link rel="manifest" href="/app.webmanifest">
            <script type="module" src='/v/\(r)/js/app.js?x=1'></script><a href="#main">skip</a><a href="/missing.js">x</a>
            <img src="https://example.org/js/app.js"><a href="/sub/">sub</a>
            """)
        XCTAssertEqual(web.files["app.webmanifest"]?.contentType, "application/manifest+json")
        XCTAssertNotNil(web.files["css/a.css"]?.gzip)
        XCTAssertNil(web.files["js/app.js"]?.gzip)   // 17 bytes: gzip would be longer
        XCTAssertEqual(web.lookup("/sub/")?.file.contentType, "text/html; charset=utf-8")
        XCTAssertEqual(web.lookup("/v/\(r)/css/a.css")?.current, true)
        XCTAssertEqual(web.lookup("/v/abc/css/a.css")?.current, false)
        XCTAssertNil(web.lookup("/.secret"))

        try write("js/app.js", "import './c.js';\n")
        let changed = try WebClientFiles(directory: dir.path)
        XCTAssertNotEqual(changed.release, r)
        XCTAssertNotEqual(changed.files["index.html"]!.identityTag, web.files["index.html"]!.identityTag)
        XCTAssertEqual(changed.files["css/a.css"]!.identityTag, web.files["css/a.css"]!.identityTag)
        try write("js/app.js", "import './b.js';\n")
        XCTAssertEqual(try WebClientFiles(directory: dir.path).release, r)
        try FileManager.default.moveItem(at: dir.appendingPathComponent("css/a.css"), to: dir.appendingPathComponent("css/b.css"))
        XCTAssertNotEqual(try WebClientFiles(directory: dir.path).release, r)

        XCTAssertEqual(try WebClientFiles(directory: dir.appendingPathComponent("none").path).files.count, 0)
    }

    // MARK: On a real socket: Vapor's compressor and the policy

    func testTheAPIsLargerAnswersAreCompressedOnTheWire() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            for i in 1...3 { _ = try await h.submitApplication(email: "admin\(i)@school.test", phone: "+7 912 345-67-8\(i)") }
            let port = try await h.startServer()
            let base = "http://127.0.0.1:\(port)"
            let auth: HTTPHeaders = ["Authorization": "Bearer \(op)"]

            // A list of applications: JSON of a few KB.
            let plain = try await h.app.client.get(URI(string: base + "/api/v1/school-applications"), headers: auth)
            XCTAssertEqual(plain.status, .ok)
            XCTAssertNil(plain.headers.first(name: .contentEncoding))
            XCTAssertEqual(plain.headers.first(name: .vary), "Accept-Encoding")
            let json = try XCTUnwrap(plain.body)
            XCTAssertGreaterThan(json.readableBytes, ResponseCompressionPolicy.minimumSize)
            var gzipHeaders = auth
            gzipHeaders.add(name: .acceptEncoding, value: "gzip")
            let packed = try await h.app.client.get(URI(string: base + "/api/v1/school-applications"), headers: gzipHeaders)
            XCTAssertEqual(packed.status, .ok)
            XCTAssertEqual(packed.headers.first(name: .contentEncoding), "gzip")
            XCTAssertEqual(packed.headers.first(name: .vary), "Accept-Encoding")
            XCTAssertEqual(packed.headers.first(name: .cacheControl), "no-store")
            XCTAssertTrue(packed.headers.first(name: .contentType)?.hasPrefix("application/json") == true)
            XCTAssertNil(packed.headers.first(name: "x-vapor-response-compression"))
            let body = try XCTUnwrap(packed.body)
            XCTAssertEqual(packed.headers.first(name: .contentLength), String(body.readableBytes))
            XCTAssertLessThan(body.readableBytes, json.readableBytes / 2)
            XCTAssertEqual(try Self.gunzip(body), json)
            // Asked as browsers ask, NIO's compressor takes deflate (zlib's format; the same DEFLATE
            // inside): it prefers it when both are listed with the same weight.
            var browserHeaders = auth
            browserHeaders.add(name: .acceptEncoding, value: "gzip, deflate, br, zstd")
            let asBrowsers = try await h.app.client.get(URI(string: base + "/api/v1/school-applications"), headers: browserHeaders)
            let encoding = try XCTUnwrap(asBrowsers.headers.first(name: .contentEncoding))
            XCTAssertTrue(["gzip", "deflate"].contains(encoding), encoding)
            XCTAssertEqual(try Self.gunzip(try XCTUnwrap(asBrowsers.body), encoding: encoding), json)

            // A small answer stays as it is (gzip would gain nothing), and so do error bodies.
            let me = try await h.app.client.get(URI(string: base + "/api/v1/me"), headers: gzipHeaders)
            XCTAssertEqual(me.status, .ok)
            XCTAssertNil(me.headers.first(name: .contentEncoding))
            let missing = try await h.app.client.get(URI(string: base + "/api/v1/no-such-thing"), headers: gzipHeaders)
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertNil(missing.headers.first(name: .contentEncoding))

            // A streamed file (the API document): compressed chunk by chunk.
            let document = try await h.app.client.get(URI(string: base + "/api/openapi.yaml"), headers: ["Accept-Encoding": "gzip"])
            XCTAssertEqual(document.headers.first(name: .contentEncoding), "gzip")
            let yaml = try Data(contentsOf: URL(fileURLWithPath: h.app.openAPIPath!))
            XCTAssertEqual(Data(buffer: try Self.gunzip(try XCTUnwrap(document.body))), yaml)

            // The web client's precompressed files go out as they are: not compressed twice.
            let release = h.app.webClient!.release
            for path in ["/js/app.js", "/v/\(release)/js/i18n.js", "/"] {
                let r = try await h.app.client.get(URI(string: base + path), headers: ["Accept-Encoding": "gzip"])
                XCTAssertEqual(r.headers[.contentEncoding], ["gzip"], path)
                let inMemory = try await h.request(.GET, path, headers: [("Accept-Encoding", "gzip")])
                XCTAssertEqual(r.body, inMemory.body, path)
                XCTAssertEqual(r.headers.first(name: .contentLength), String(inMemory.body.readableBytes), path)
            }
        }
    }

    /// HEAD with `Accept-Encoding: gzip` on a kept-alive connection: the answer has no body at all,
    /// so the next answer on that connection is read right (NIO's compressor, left to itself, wrote
    /// a gzip trailer after the head of a HEAD answer).
    func testHeadWithGzipLeavesTheConnectionClean() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            for i in 1...3 { _ = try await h.submitApplication(email: "admin\(i)@school.test", phone: "+7 912 345-67-8\(i)") }
            let port = try await h.startServer()
            for path in ["/api/v1/school-applications", "/api/openapi.yaml", "/js/app.js"] {
                let answers = try Self.exchange(port: port, requests: [
                    "HEAD \(path) HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nAuthorization: Bearer \(op)\r\n\r\n",
                    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                ])
                XCTAssertTrue(answers.hasPrefix("HTTP/1.1 200 OK\r\n"), answers)
                let heads = answers.components(separatedBy: "\r\n\r\n")
                XCTAssertEqual(heads.count, 3, answers)   // head, head, the health body
                XCTAssertTrue(heads[1].hasPrefix("HTTP/1.1 200 OK\r\n"), "\(path): \(answers)")
            }
        }
    }

    func testAWebSocketUpgradeIsNotCompressed() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let port = try await h.startServer()
            let answer = try Self.exchange(port: port, requests: [
                "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAccept-Encoding: gzip\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(op)\r\n\r\n",
            ], until: "\r\n\r\n")
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 101"), answer)
            XCTAssertFalse(answer.lowercased().contains("content-encoding"), answer)
        }
    }

    // MARK: Helpers

    /// Writes the requests on one connection and reads until the server closes it (or `until` is seen).
    static func exchange(port: Int, requests: [String], until marker: String? = nil) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Abort(.internalServerError, reason: "socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Abort(.internalServerError, reason: "connect") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let text = requests.joined()
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
            if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// gzip's (or deflate's) bytes decompressed by NIO's HTTP decompressor (Foundation on Linux has
    /// no gzip); a truncated or corrupt stream throws.
    static func gunzip(_ bytes: ByteBuffer, encoding: String = "gzip") throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: NIOHTTPResponseDecompressor(limit: .none))
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Encoding", value: encoding)
        head.headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        try channel.writeInbound(HTTPClientResponsePart.head(head))
        try channel.writeInbound(HTTPClientResponsePart.body(bytes))
        try channel.writeInbound(HTTPClientResponsePart.end(nil))
        var out = ByteBuffer()
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            if case .body(var chunk) = part { out.writeBuffer(&chunk) }
        }
        _ = try channel.finish()
        XCTAssertGreaterThan(out.readableBytes, 0)
        return out
    }
}
