import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import WebSocketKit

/// Fan-out writes without websocket-kit's per-send work. An event is encoded once into one
/// complete WebSocket text frame (header and payload in one `ByteBuffer`, shared by every socket);
/// writes for a socket go straight below its frame encoder, and each event loop writes everything
/// queued for it in one pass and then flushes each socket once — several frames in one `writev`
/// when events come faster than the loop turns.
///
/// websocket-kit keeps the socket's `Channel` internal; it is read once by reflection at attach
/// (`Mirror`). Without it (a future websocket-kit), frames go through `WebSocket.send`.
///
/// A reader that falls behind is not followed forever: once a socket has stopped taking frames
/// (NIO's write buffer past its high-water mark when a pass of its loop begins) and `maxBacklog`
/// more bytes have been queued for it in later passes without it becoming writable again, it is
/// closed. The client reconnects and resumes from the event log — exactly what it missed, or
/// `resync` — instead of the server holding an ever longer queue for it. (Writability is read at
/// the start of a pass: frames queued within one pass are not flushed yet, so a large catch-up
/// written in one pass says nothing about the reader.)
final class FrameWriter: @unchecked Sendable {
    // @unchecked: `context`, `looked`, `pass`, `behind`, `backlog` and `dropped` are touched only on the channel's event loop.
    let ws: WebSocket
    let channel: (any Channel)?
    private var context: ChannelHandlerContext?
    private var looked = false
    /// The loop's pass this socket last wrote in, and whether the socket was not writable when it began.
    private var pass = 0
    private var behind = false
    /// Bytes queued in passes that began with the socket not writable (since it last was).
    private var backlog = 0
    /// Closed for falling behind: nothing more is queued.
    private var dropped = false

    /// How far a reader may fall behind (beyond NIO's own 64 KB high-water mark) before it is closed.
    static let maxBacklog = 1 << 20

    init(_ ws: WebSocket) {
        self.ws = ws
        self.channel = Self.channel(of: ws)
    }

    /// websocket-kit keeps the socket's NIO channel private; it is read by reflection (pinned
    /// version in Package.swift; a test fails if the lookup stops finding it).
    static func channel(of ws: WebSocket) -> (any Channel)? {
        Mirror(reflecting: ws).descendant("channel") as? any Channel
    }

    var eventLoop: any EventLoop { channel?.eventLoop ?? ws.eventLoop }

    /// Whether the socket takes more without buffering (a slow reader's typing frames are dropped).
    var isWritable: Bool { channel?.isWritable ?? true }

    /// On the event loop: queue a complete frame (not flushed) in the loop's pass number `pass`.
    func write(_ frame: ByteBuffer, payload: ByteBuffer, pass: Int) {
        if !looked {
            looked = true
            context = try? channel?.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        }
        guard !dropped else { return }
        if let channel {
            if pass != self.pass {
                self.pass = pass
                behind = !channel.isWritable
                if !behind { backlog = 0 }
            }
            if behind {
                backlog += frame.readableBytes
                if backlog > Self.maxBacklog {
                    dropped = true
                    channel.close(promise: nil)
                    return
                }
            }
        }
        if let context, channel?.isActive == true {
            context.write(NIOAny(frame), promise: nil)
        } else {
            ws.send(payload, opcode: .text)
        }
    }

    /// On the event loop.
    func flush() {
        if let context { context.flush() }
    }

    /// A server-to-client text frame: FIN + opcode 1, the length, no mask, the payload.
    static func textFrame(_ payload: ByteBuffer) -> ByteBuffer {
        var frame = ByteBufferAllocator().buffer(capacity: payload.readableBytes + 10)
        frame.writeInteger(UInt8(0x81))
        let n = payload.readableBytes
        if n < 126 {
            frame.writeInteger(UInt8(n))
        } else if n <= Int(UInt16.max) {
            frame.writeInteger(UInt8(126)); frame.writeInteger(UInt16(n))
        } else {
            frame.writeInteger(UInt8(127)); frame.writeInteger(UInt64(n))
        }
        var copy = payload
        frame.writeBuffer(&copy)
        return frame
    }
}

/// Per event loop: the frames queued for its sockets since it last turned, written in one pass.
final class LoopOutbox: @unchecked Sendable {
    // @unchecked: `pending` and `scheduled` are guarded by `lock`.
    let loop: any EventLoop
    private let lock = NIOLock()
    private var pending: [(FrameWriter, ByteBuffer, ByteBuffer)] = []
    private var scheduled = false
    private var passes = 0   // touched only on `loop`

    init(_ loop: any EventLoop) { self.loop = loop }

    /// Frames waiting for the next pass.
    var queued: Int { lock.withLock { pending.count } }

    /// Queues frames (callers hold the hub's lock, so every socket's frames keep their order).
    func enqueue(_ writers: [FrameWriter], frame: ByteBuffer, payload: ByteBuffer) {
        let schedule = lock.withLock { () -> Bool in
            for w in writers { pending.append((w, frame, payload)) }
            if scheduled { return false }
            scheduled = true
            return true
        }
        if schedule { loop.execute { self.drain() } }
    }

    private func drain() {
        let batch = lock.withLock { () -> [(FrameWriter, ByteBuffer, ByteBuffer)] in
            scheduled = false
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        passes &+= 1
        var touched: [ObjectIdentifier: FrameWriter] = [:]
        for (writer, frame, payload) in batch {
            writer.write(frame, payload: payload, pass: passes)
            touched[ObjectIdentifier(writer)] = writer
        }
        for writer in touched.values { writer.flush() }
    }
}
