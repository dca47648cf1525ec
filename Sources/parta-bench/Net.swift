// Lean clients for the load scenarios, straight on SwiftNIO: the load generator shares the machine's
// two cores with the server, so each frame costs a header parse and one memchr scan, nothing more.
//
// - `HTTPConnection`: one keep-alive HTTP/1.1 connection, one request at a time.
// - `WSPool` / `WSClient`: WebSocket clients. The upgrade request is written by hand and the
//   server's (unmasked) frames parsed in place; a `message.created` frame's send stamp
//   (`"text":"bench:<monotonic ns>"`) is found with memchr/memcmp and its latency recorded in the
//   histogram of the client's event loop (no locks: one histogram per loop).
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

// MARK: HTTP

struct HTTPResult: Sendable {
    let status: Int
    let body: ByteBuffer
    var text: String { String(buffer: body) }
}

struct HTTPOutbound: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let promise: EventLoopPromise<HTTPResult>
}

final class HTTPConnection: @unchecked Sendable {
    let channel: any Channel

    private init(_ channel: any Channel) { self.channel = channel }

    static func connect(group: any EventLoopGroup, port: Int) async throws -> HTTPConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHTTPClientHandlers()
                    try ch.pipeline.syncOperations.addHandler(HTTPExchangeHandler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return HTTPConnection(channel)
    }

    /// One request; `json` is sent as the body with its content type.
    func request(_ method: HTTPMethod, _ path: String, token: String? = nil, json: ByteBuffer? = nil) async throws -> HTTPResult {
        let promise = channel.eventLoop.makePromise(of: HTTPResult.self)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1")
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(json.readableBytes)")
        } else if method == .POST {
            head.headers.add(name: "Content-Length", value: "0")
        }
        channel.writeAndFlush(HTTPOutbound(head: head, body: json, promise: promise), promise: nil)
        return try await promise.futureResult.get()
    }

    func close() async { try? await channel.close() }

    /// One request on a fresh connection (readiness checks).
    static func oneShot(port: Int, method: HTTPMethod, path: String) async throws -> Int {
        let c = try await connect(group: MultiThreadedEventLoopGroup.singleton, port: port)
        defer { Task { await c.close() } }
        return try await c.request(method, path).status
    }
}

private final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPOutbound
    typealias OutboundOut = HTTPClientRequestPart

    private var waiting = CircularBuffer<EventLoopPromise<HTTPResult>>()
    private var status = 0
    private var body: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.promise)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code); body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            if !waiting.isEmpty {
                waiting.removeFirst().succeed(HTTPResult(status: status, body: body ?? ByteBuffer()))
            }
            body = nil
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(BenchError("connection closed"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while !waiting.isEmpty { waiting.removeFirst().fail(error) }
    }
}

/// Idle keep-alive connections handed out one request at a time; a new one is opened when all are
/// busy (an open-loop sender must not wait for a connection).
actor ConnectionPool {
    private var free: [HTTPConnection]
    private let group: any EventLoopGroup
    private let port: Int
    private(set) var opened: Int
    init(_ connections: [HTTPConnection], group: any EventLoopGroup, port: Int) {
        free = connections; self.group = group; self.port = port; opened = connections.count
    }

    func acquire() async throws -> HTTPConnection {
        if let c = free.popLast() { return c }
        opened += 1
        return try await HTTPConnection.connect(group: group, port: port)
    }

    func release(_ c: HTTPConnection) { free.append(c) }
}

/// A histogram and counters shared by concurrent tasks.
final class LockedLatencies: @unchecked Sendable {
    private let lock = NSLock()
    private var histogram = makeLatencies()
    private var counts: [Int: Int] = [:]
    func record(micros: UInt64, status: Int) {
        lock.lock(); defer { lock.unlock() }
        histogram.record(micros)
        counts[status, default: 0] += 1
    }
    var snapshot: (Latencies, [Int: Int]) { lock.lock(); defer { lock.unlock() }; return (histogram, counts) }
}

// MARK: WebSocket

/// Per-event-loop delivery counters; touched only on their loop.
final class LoopStats: @unchecked Sendable {
    var latency = makeLatencies()
    var deliveries = 0
    var lastAt: UInt64 = 0
    func reset() { latency.reset(); deliveries = 0; lastAt = 0 }
}

struct DeliverySnapshot: Sendable {
    var latency = makeLatencies()
    var deliveries = 0
    var lastAt: UInt64 = 0
}

/// One WebSocket client. Its fields are written on its event loop; read them after `WSPool.barrier()`.
final class WSClient: @unchecked Sendable {
    let index: Int
    let token: String
    /// Sent once `hello` arrives (e.g. a `resume`); the client is then ready at `resumed`.
    var afterHello: String?
    var channel: (any Channel)?
    var startedAt: UInt64 = 0
    var helloAt: UInt64 = 0
    var readyAt: UInt64 = 0
    var messages = 0
    var failure: String?
    var closed = false
    var ready: EventLoopPromise<Void>?
    fileprivate var readyDone = false
    /// The answer awaited to a `send` frame (its status: 201 for `sent`), touched on the channel's loop.
    var ackWaiter: EventLoopPromise<Int>?

    init(index: Int, token: String) { self.index = index; self.token = token }

    fileprivate func finish(_ error: String?) {
        guard !readyDone, let ready else { return }
        readyDone = true
        if let error { failure = error; ready.fail(BenchError(error)) } else { readyAt = monotonicNanos(); ready.succeed(()) }
    }

    /// Resets the per-connection fields for a new connection of the same person.
    func prepare() {
        channel = nil; startedAt = 0; helloAt = 0; readyAt = 0; failure = nil; closed = false; ready = nil; readyDone = false
    }
}

final class WSPool: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let port: Int
    private var stats: [ObjectIdentifier: LoopStats] = [:]
    private let loops: [any EventLoop]

    init(threads: Int, port: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.port = port
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() {
            loops.append(loop)
            stats[ObjectIdentifier(loop)] = LoopStats()
        }
        self.loops = loops
    }

    /// Connects each client (at most `concurrency` handshakes in flight) and waits until every one is
    /// ready (`hello`, or `resumed` when it sends a frame after hello) or failed; `timeout` seconds at most each.
    func connect(_ clients: [WSClient], concurrency: Int, timeout: Double) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                let client = clients[next]; next += 1
                group.addTask { await self.connectOne(client, timeout: timeout) }
            }
            while next < min(concurrency, clients.count) { start() }
            for await _ in group where next < clients.count { start() }
        }
    }

    private func connectOne(_ client: WSClient, timeout: Double) async {
        let loop = group.next()
        let stats = self.stats[ObjectIdentifier(loop)]!
        let port = self.port
        client.prepare()
        let ready = loop.makePromise(of: Void.self)
        client.ready = ready
        client.startedAt = monotonicNanos()
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
            client.finish("no hello within \(Int(timeout)) s")
            client.channel?.close(promise: nil)
        }
        let connected = ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(Int64(timeout)))
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(WSFrameDecoder(client: client, stats: stats)))
                }
            }
            .connect(host: "127.0.0.1", port: port)
        connected.whenComplete { result in
            switch result {
            case .failure(let error):
                client.finish("connect: \(error)")
            case .success(let channel):
                client.channel = channel
                channel.closeFuture.whenComplete { _ in
                    client.closed = true
                    client.finish("closed before hello")
                }
                var request = channel.allocator.buffer(capacity: 300)
                request.writeString("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    + "Sec-WebSocket-Key: cGFydGEtYmVuY2gtY2xpZW50IQ==\r\nSec-WebSocket-Version: 13\r\n"
                                    + "Authorization: Bearer \(client.token)\r\n\r\n")
                channel.writeAndFlush(request, promise: nil)
            }
        }
        _ = try? await ready.futureResult.get()
        timer.cancel()
    }

    /// Closes every client's connection at once and waits until all are closed.
    func closeAll(_ clients: [WSClient]) async {
        let futures = clients.compactMap { $0.channel?.close() }
        for f in futures { _ = try? await f.get() }
    }

    /// Runs on every loop, so fields written there are visible afterwards.
    func barrier() async {
        for loop in loops { _ = try? await loop.submit {}.get() }
    }

    /// Deliveries counted since the last reset, merged over the loops.
    func deliveries(reset: Bool = false) async -> DeliverySnapshot {
        var out = DeliverySnapshot()
        for loop in loops {
            let s = stats[ObjectIdentifier(loop)]!
            let part: DeliverySnapshot = (try? await loop.submit { () -> DeliverySnapshot in
                let snap = DeliverySnapshot(latency: s.latency, deliveries: s.deliveries, lastAt: s.lastAt)
                if reset { s.reset() }
                return snap
            }.get()) ?? DeliverySnapshot()
            out.latency.add(part.latency)
            out.deliveries += part.deliveries
            out.lastAt = max(out.lastAt, part.lastAt)
        }
        return out
    }

    /// Just the delivery count (cheap enough to poll).
    func deliveryCount() async -> Int {
        var n = 0
        for loop in loops {
            let s = stats[ObjectIdentifier(loop)]!
            n += (try? await loop.submit { s.deliveries }.get()) ?? 0
        }
        return n
    }

    func shutdown() async { try? await group.shutdownGracefully() }
}

private let helloPrefix = Array(#"{"type":"hello""#.utf8)
private let resumedMarker = Array(#""type":"resumed""#.utf8)
private let stampMarker = Array(#""text":"bench:"#.utf8)
private let ackPrefix = Array(#"{"clientId":"#.utf8)   // "sent" and "send.failed" answers begin so
private let sentMarker = Array(#""type":"sent"}"#.utf8)
private let statusMarker = Array(#""status":"#.utf8)
private let headerEnd = Array("\r\n\r\n".utf8)

/// Finds `needle` in the bytes at `base` (memchr for its first byte, then memcmp); the offset of its first byte.
@inline(__always)
private func find(_ needle: [UInt8], in base: UnsafeRawPointer, count: Int) -> Int? {
    needle.withUnsafeBytes { n -> Int? in
        let first = Int32(n[0]), length = n.count
        var offset = 0
        while count - offset >= length {
            guard let hit = memchr(base + offset, first, count - offset - length + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, n.baseAddress!, length) == 0 { return at }
            offset = at + 1
        }
        return nil
    }
}

/// Sends a message over the client's socket (`{"type":"send"}`) and waits for its answer: the status
/// (201 when stored; 0 when none came within 30 s or the socket is gone).
func sendOverSocket(_ client: WSClient, chatID: UUID, clientID: String, acks: LockedLatencies?) async -> Int {
    guard let channel = client.channel, !client.closed else { return 0 }
    let sent = monotonicNanos()
    let payload = Array(#"{"type":"send","chatId":"\#(chatID.uuidString)","clientId":"\#(clientID)","text":"bench:\#(sent)"}"#.utf8)
    let answer = channel.eventLoop.makePromise(of: Int.self)
    channel.eventLoop.execute {
        client.ackWaiter = answer
        channel.writeAndFlush(maskedFrame(opcode: 0x1, payload: payload, allocator: channel.allocator), promise: nil)
    }
    let timer = channel.eventLoop.scheduleTask(in: .seconds(30)) {
        if client.ackWaiter?.futureResult === answer.futureResult { client.ackWaiter = nil }
        answer.succeed(0)
    }
    let status = (try? await answer.futureResult.get()) ?? 0
    timer.cancel()
    acks?.record(micros: (monotonicNanos() - sent) / 1000, status: status)
    return status
}

/// A client frame: masked, as RFC 6455 requires of clients.
func maskedFrame(opcode: UInt8, payload: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: payload.count + 14)
    buffer.writeInteger(0x80 | opcode)
    if payload.count < 126 {
        buffer.writeInteger(UInt8(0x80 | payload.count))
    } else if payload.count <= 0xFFFF {
        buffer.writeInteger(UInt8(0x80 | 126)); buffer.writeInteger(UInt16(payload.count))
    } else {
        buffer.writeInteger(UInt8(0x80 | 127)); buffer.writeInteger(UInt64(payload.count))
    }
    let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
    buffer.writeBytes(mask)
    buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset & 3] })
    return buffer
}

private struct WSFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let client: WSClient
    let stats: LoopStats
    var upgraded = false
    var waitingResumed = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if !upgraded { return handshake(context: context, buffer: &buffer) }
        let r = buffer.readerIndex
        guard buffer.readableBytes >= 2, let b0 = buffer.getInteger(at: r, as: UInt8.self),
              let b1 = buffer.getInteger(at: r + 1, as: UInt8.self) else { return .needMoreData }
        var header = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard let l = buffer.getInteger(at: r + 2, as: UInt16.self) else { return .needMoreData }
            length = Int(l); header = 4
        } else if length == 127 {
            guard let l = buffer.getInteger(at: r + 2, as: UInt64.self) else { return .needMoreData }
            length = Int(l); header = 10
        }
        if b1 & 0x80 != 0 { header += 4 }   // servers do not mask; skip a key if one came
        guard buffer.readableBytes >= header + length else { return .needMoreData }
        let opcode = b0 & 0x0F
        switch opcode {
        case 0x1, 0x0, 0x2:
            buffer.withUnsafeReadableBytes { raw in
                text(context: context, UnsafeRawPointer(raw.baseAddress! + header), count: length)
            }
        case 0x8:
            context.close(promise: nil)
        case 0x9:
            let payload = buffer.getBytes(at: r + header, length: length) ?? []
            context.writeAndFlush(NIOAny(maskedFrame(opcode: 0xA, payload: payload, allocator: context.channel.allocator)), promise: nil)
        default:
            break
        }
        buffer.moveReaderIndex(forwardBy: header + length)
        return .continue
    }

    mutating func text(context: ChannelHandlerContext, _ base: UnsafeRawPointer, count: Int) {
        if count > ackPrefix.count, memcmp(base, ackPrefix, ackPrefix.count) == 0 {
            var status = 0
            if find(sentMarker, in: base, count: count) != nil {
                status = 201
            } else if let at = find(statusMarker, in: base, count: count) {
                let bytes = base.assumingMemoryBound(to: UInt8.self)
                var i = at + statusMarker.count
                while i < count, bytes[i] >= 48, bytes[i] <= 57 { status = status * 10 + Int(bytes[i] - 48); i += 1 }
            }
            client.ackWaiter?.succeed(status)
            client.ackWaiter = nil
            return
        }
        if let at = find(stampMarker, in: base, count: count) {
            var stamp: UInt64 = 0
            var i = at + stampMarker.count
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            while i < count, bytes[i] >= 48, bytes[i] <= 57 { stamp = stamp &* 10 &+ UInt64(bytes[i] &- 48); i += 1 }
            let now = monotonicNanos()
            stats.latency.record(now > stamp ? (now - stamp) / 1000 : 0)
            stats.deliveries += 1
            stats.lastAt = now
            client.messages += 1
            return
        }
        if client.helloAt == 0, count >= helloPrefix.count,
           memcmp(base, helloPrefix, helloPrefix.count) == 0 {
            client.helloAt = monotonicNanos()
            if let frame = client.afterHello {
                waitingResumed = true
                context.writeAndFlush(NIOAny(maskedFrame(opcode: 0x1, payload: Array(frame.utf8), allocator: context.channel.allocator)),
                                      promise: nil)
            } else {
                client.finish(nil)
            }
            return
        }
        if waitingResumed, find(resumedMarker, in: base, count: count) != nil {
            waitingResumed = false
            client.finish(nil)
        }
    }

    mutating func handshake(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        let end: Int? = buffer.withUnsafeReadableBytes { raw in find(headerEnd, in: raw.baseAddress!, count: raw.count) }
        guard let end else { return .needMoreData }
        let head = buffer.readString(length: end + 4) ?? ""
        guard head.hasPrefix("HTTP/1.1 101") else {
            let status = head.split(separator: "\r\n").first.map(String.init) ?? "?"
            client.finish("upgrade refused: \(status)")
            context.close(promise: nil)
            return .needMoreData
        }
        upgraded = true
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        .needMoreData
    }
}
