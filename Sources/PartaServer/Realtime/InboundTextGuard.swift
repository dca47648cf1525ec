import NIOCore
import NIOWebSocket
import WebSocketKit

/// Closes a socket that sends a text message which is not valid UTF-8, with 1007 (RFC 6455 §8.1:
/// "the endpoint MUST _Fail the WebSocket Connection_"), as the HTTP path answers 400 for such a
/// body. websocket-kit decodes text frames leniently (invalid bytes become U+FFFD), so the check
/// sits in the pipeline between NIO's frame aggregator and websocket-kit's handler, where the
/// message's bytes are whole.
final class InboundTextGuard: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private let ws: WebSocket
    private var failed = false

    init(_ ws: WebSocket) { self.ws = ws }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if failed { return }
        if frame.opcode == .text {
            let bytes = frame.unmaskedData
            if String(validating: bytes.readableBytesView, as: UTF8.self) == nil {
                failed = true
                ws.close(code: .dataInconsistentWithMessage, promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    /// Puts the guard after NIO's aggregator (so it sees whole messages). Runs in websocket-kit's
    /// upgrade callback, on the channel's event loop, before the first frame is read.
    static func install(on ws: WebSocket) {
        guard let channel = FrameWriter.channel(of: ws) else { return }
        do {
            let ops = channel.pipeline.syncOperations
            let aggregator = try ops.handler(type: NIOWebSocketFrameAggregator.self)
            try ops.addHandler(InboundTextGuard(ws), position: .after(aggregator))
        } catch {
            // Without the aggregator in the pipeline there is nothing to guard after.
        }
    }
}
