import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// An over-long request line or header block is answered in the API's JSON shape — 414 or 431 —
/// instead of a dropped connection. Two layers:
/// - requests NIO parsed: `RequestLimitsMiddleware` refuses a target over 8 KB (414) and headers
///   over 32 KB (431);
/// - requests NIO could not parse (its decoder stops at 80 KB of request line and headers): Vapor
///   closes the connection on any `HTTPParserError` without an answer, and its HTTP server has no
///   hook into the connection's pipeline, so `LimitsHTTPServer` wraps it and adds, to every
///   accepted connection, `ParserErrorResponder` just before Vapor's close-on-error handler.
enum RequestLimits {
    static let maxTargetBytes = 8 * 1024
    static let maxHeaderBytes = 32 * 1024

    static func json(_ code: String, _ message: String) -> String {
        #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#
    }
    static let uriTooLong = ("uri_too_long", "Слишком длинный адрес запроса.")
    static let headersTooLarge = ("headers_too_large", "Слишком большие заголовки запроса.")
    static let badRequest = ("bad_request", "Неверный HTTP-запрос.")
}

struct RequestLimitsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.url.string.utf8.count > RequestLimits.maxTargetBytes {
            throw Abort(.uriTooLong)
        }
        var headerBytes = 0
        for (name, value) in request.headers { headerBytes += name.utf8.count + value.utf8.count + 4 }
        if headerBytes > RequestLimits.maxHeaderBytes {
            throw Abort(.requestHeaderFieldsTooLarge)
        }
        return try await next.respond(to: request)
    }
}

/// Sits after NIO's HTTP decoder: on a parse error (`HTTPParserError`: headers over NIO's limit,
/// malformed requests) it writes a complete JSON response straight to the socket — from the
/// context of NIO's response encoder, so none of Vapor's typed handlers sees raw bytes — closes
/// the output side, and closes the connection a moment later (closing at once, with the rest of
/// the client's headers unread, would reset the connection before the client reads the answer).
final class ParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if answered { return }   // the rest of an over-long request: the decoder keeps complaining
        guard let parserError = error as? HTTPParserError ?? Self.underlying(error) else {
            context.fireErrorCaught(error)
            return
        }
        guard let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let overflow: Bool
        if case .headerOverflow = parserError { overflow = true } else { overflow = false }
        let (status, (code, message)) = overflow
            ? (HTTPResponseStatus.requestHeaderFieldsTooLarge, RequestLimits.headersTooLarge)
            : (.badRequest, RequestLimits.badRequest)
        let body = RequestLimits.json(code, message)
        var buffer = context.channel.allocator.buffer(capacity: 256 + body.utf8.count)
        buffer.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        buffer.writeString("Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n")
        buffer.writeString("Connection: close\r\nCache-Control: no-store\r\n\r\n")
        buffer.writeString(body)
        let channel = context.channel
        encoder.writeAndFlush(NIOAny(IOData.byteBuffer(buffer))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    private static func underlying(_ error: any Error) -> HTTPParserError? {
        if case let ByteToMessageDecoderError.dataReceivedInErrorState(inner, _) = error { return inner as? HTTPParserError }
        return nil
    }
}

/// On the listening channel, after the accept handler: every accepted connection arrives here
/// after Vapor's initializer built its pipeline and before it is registered (so before any byte is
/// read); the responder goes in just before Vapor's close-on-error handler.
private final class AcceptedConnectionHook: ChannelInboundHandler {
    typealias InboundIn = Channel

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        child.eventLoop.execute {
            let pipeline = child.pipeline.syncOperations
            if let closer = try? pipeline.handler(type: NIOCloseOnErrorHandler.self) {
                try? pipeline.addHandler(ParserErrorResponder(), position: .before(closer))
            }
        }
        context.fireChannelRead(data)
    }
}

/// Vapor's HTTP server with `AcceptedConnectionHook` on its listening channel. Vapor keeps that
/// channel private; it is found once, at start, by reflection (the first `Channel` held by the
/// server's `connection`), so vapor is pinned to an exact version in Package.swift. Should an
/// update move it, the server runs as before and logs a warning, and two tests fail:
/// `RealtimeTests.testTheListeningChannelIsFoundByReflection` (SocketSafetyTests.swift) and the
/// e2e `test_request_limits.py`.
struct LimitsHTTPServer: Server {
    let inner: HTTPServer
    let logger: Logger

    var onShutdown: EventLoopFuture<Void> { inner.onShutdown }

    func start(address: BindAddress?) throws {
        try inner.start(address: address)
        install()
    }

    func start(address: BindAddress?) async throws {
        try await inner.start(address: address)
        install()
    }

    func shutdown() { inner.shutdown() }
    func shutdown() async { await inner.shutdown() }

    private func install() {
        guard let listener = Self.listeningChannel(of: inner) else {
            logger.warning("over-long request heads will be dropped without an answer: the listening channel was not found")
            return
        }
        let logger = self.logger
        listener.eventLoop.execute {
            do { try listener.pipeline.syncOperations.addHandler(AcceptedConnectionHook(), position: .last) }
            catch { logger.warning("could not watch accepted connections: \(error)") }
        }
    }

    /// The started server's listening channel, read by reflection (nil when Vapor moved it).
    static func listeningChannel(of server: HTTPServer) -> Channel? {
        guard let connection = Mirror(reflecting: server).children.first(where: { $0.label == "connection" })?.value else { return nil }
        return findChannel(in: connection, depth: 6)
    }

    /// Whether accepted connections are watched: the hook is on the started server's listening channel.
    static func isInstalled(on server: HTTPServer) async -> Bool {
        guard let listener = listeningChannel(of: server) else { return false }
        let found = listener.eventLoop.submit { (try? listener.pipeline.syncOperations.handler(type: AcceptedConnectionHook.self)) != nil }
        return (try? await found.get()) ?? false
    }

    static func findChannel(in value: Any, depth: Int) -> Channel? {
        if let channel = value as? Channel { return channel }
        guard depth > 0 else { return nil }
        var mirror: Mirror? = Mirror(reflecting: value)
        while let m = mirror {
            for child in m.children {
                if let found = findChannel(in: child.value, depth: depth - 1) { return found }
            }
            mirror = m.superclassMirror
        }
        return nil
    }
}
