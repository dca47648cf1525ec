import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPCompression
import Vapor

/// Which responses go out compressed (gzip, or deflate when a client lists both with the same
/// weight, as browsers do: NIO's choice) when the request's `Accept-Encoding` allows it.
///
/// The compressing itself is Vapor's: `HTTPServer.Configuration.responseCompression` puts NIO's
/// `HTTPResponseCompressor` in every HTTP/1 connection's pipeline. Its configuration is left
/// `.disabled` — nothing is compressed by default — and this middleware, the one place that decides,
/// marks a response `.enable` (Vapor's `x-vapor-response-compression` marker, removed before the
/// response is written) or `.disable`. What NIO's compressor would otherwise get wrong decides the rules:
/// - **HEAD**: it would "compress" the empty body of a HEAD answer into a 20-byte gzip trailer, write
///   it after the head and set `Content-Length` to 20 — bytes the client takes for the start of the
///   next response on that connection. Never compressed.
/// - **A `Content-Encoding` already set** (the web client's precompressed files): it would replace
///   the header and compress the gzip again. Never compressed.
/// - **Small bodies** (below `minimumSize`, most of the API's answers): gzip would save a few hundred
///   bytes at most, or add some (its header and trailer are 18 bytes). A streamed body (the API
///   document, read from disk in chunks: 136 KB → 26 KB) is compressed chunk by chunk and sent
///   with `Transfer-Encoding: chunked`.
/// - **What does not compress**: only text, JSON, JavaScript, YAML, XML and SVG are; uploaded files
///   (`/api/v1/files/…`: JPEG, PNG, PDF) never are — images are compressed already.
/// - **WebSocket upgrades** (101) have no body; NIO's compressor leaves them alone, and the
///   upgrade removes it from the connection's pipeline.
/// A response that may be compressed gets `Vary: Accept-Encoding`, so a shared cache never hands
/// the gzip bytes to a client that did not ask for them.
struct ResponseCompressionPolicy: AsyncMiddleware {
    /// Bodies shorter than this go out as they are.
    static let minimumSize = 1024

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if response.headers.responseCompression == .disable { return response }   // decided already (WebClientFiles)
        let size = response.body.count   // -1: streamed, length unknown
        let compress = request.method != .HEAD
            && !response.headers.contains(name: .contentEncoding)
            && response.status.mayHaveResponseBody
            && response.status != .partialContent
            && (size < 0 || size >= Self.minimumSize)
            && !request.url.path.hasPrefix("/api/v1/files/")
            && Self.compressible(response.headers.first(name: .contentType))
        response.headers.responseCompression = compress ? .enable : .disable
        if compress { Self.addVary(to: &response.headers) }
        return response
    }

    /// Text, JSON, JavaScript, YAML, XML, SVG, the web app manifest: what gzip shrinks.
    static func compressible(_ contentType: String?) -> Bool {
        guard let essence = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        let parts = essence.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let sub = String(parts[1])
        switch parts[0] {
        case "text": return true
        case "application": return ["json", "javascript", "yaml", "xml"].contains(sub) || sub.hasSuffix("+json") || sub.hasSuffix("+xml")
        case "image": return sub == "svg+xml"
        default: return false
        }
    }

    static func addVary(to headers: inout HTTPHeaders) {
        let listed = headers[canonicalForm: "vary"].contains { $0.lowercased() == "accept-encoding" || $0 == "*" }
        if !listed { headers.add(name: .vary, value: "Accept-Encoding") }
    }

    /// Whether the request's `Accept-Encoding` takes gzip: `gzip` (or `x-gzip`) with a q-value above
    /// zero, or `*` above zero when gzip is not named (RFC 9110 §12.5.3).
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        var gzip: Double?
        var any: Double?
        for value in headers[.acceptEncoding] {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let name = parts.first?.lowercased(), !name.isEmpty else { continue }
                var q = 1.0
                for parameter in parts.dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    if pair.count == 2, pair[0].lowercased() == "q" { q = Double(pair[1]) ?? 0 }
                }
                if name == "gzip" || name == "x-gzip" { gzip = max(gzip ?? 0, q) } else if name == "*" { any = q }
            }
        }
        return (gzip ?? any ?? 0) > 0
    }
}

/// gzip without a system library of our own: the bytes go once through NIO's `HTTPResponseCompressor`
/// on an in-memory channel — the same zlib (swift-nio-extras' copy) that compresses the API's
/// responses. zlib's default level (6); at start-up only (the web client's files).
enum Gzip {
    static func compress(_ bytes: ByteBuffer) throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: HTTPResponseCompressor())
        defer { _ = try? channel.finish() }
        var request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        try channel.writeInbound(HTTPServerRequestPart.head(request))
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        // Written without a flush until the end: the compressor sees the whole body at once and
        // makes one gzip member without intermediate flush blocks.
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(bytes)), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        var out = ByteBuffer()
        var encoded = false
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let h): encoded = h.headers.first(name: "Content-Encoding") == "gzip"
            case .body(.byteBuffer(var b)): out.writeBuffer(&b)
            default: break
            }
        }
        guard encoded, out.readableBytes >= 18 else { throw GzipError.notCompressed }
        return out
    }

    enum GzipError: Error { case notCompressed }
}
