import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import PartaCore
import Metrics
import Vapor

/// The WebSocket gateway's registry of open sockets, indexed by session, by user and by chat. It
/// only delivers and closes; what reaches whom is decided in PartaCore (`Recipients`: the chats a
/// person reads, and who joins or leaves with an event).
///
/// Chat events are numbered per chat. Each socket keeps, per chat it reads, the number of the last
/// event it was sent (its cursor): an event one past the cursor goes out at once; a later one means
/// the socket missed something (events published out of order, or a client that resumed from an
/// older point), and the socket catches up from the event log, in order, before anything newer. So
/// every socket receives each chat's events exactly once and in order, or a `resync` when the log
/// no longer has them.
///
/// Fan-out: the frame is encoded once into one `ByteBuffer`; the room's sockets are grouped by
/// event loop and written from that loop in one task each.
final class SocketHub: Sendable {
    /// One authenticated socket. Mutable state is guarded by the hub's lock.
    final class Connection: @unchecked Sendable {
        let ws: WebSocket
        let writer: FrameWriter
        /// Who is signed in on this socket (the socket closes when their session ends or their
        /// roles or classes change, so this stays true while it is open).
        let actor: Actor
        var userID: UUID { actor.userID }
        var sessionID: UUID { actor.sessionID }
        var subscriptions: [UUID: Subscription] = [:]
        var resumeWindow = NIODeadline.uptimeNanoseconds(0)
        var resumes = 0
        init(ws: WebSocket, actor: Actor) {
            self.ws = ws; self.writer = FrameWriter(ws); self.actor = actor
        }
        var key: ObjectIdentifier { ObjectIdentifier(ws) }
    }

    /// A socket reading a chat. Guarded by the hub's lock.
    final class Subscription: @unchecked Sendable {
        unowned(unsafe) let connection: Connection   // the connection owns its subscriptions
        let chatID: UUID
        var cursor: Int
        var catchingUp = false
        var again = false
        var active = true
        var lastTyping = NIODeadline.uptimeNanoseconds(0)
        /// May write in the chat (typing indicators come only from writers). Set at connect; a
        /// change of role in the chat is seen after the next reconnect.
        var canWrite = false
        /// A direct chat: presence goes to the other person.
        var direct = false
        init(_ connection: Connection, chatID: UUID, cursor: Int) { self.connection = connection; self.chatID = chatID; self.cursor = cursor }
    }

    struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var byUser: [UUID: [ObjectIdentifier: Connection]] = [:]
        var rooms: [UUID: [ObjectIdentifier: Subscription]] = [:]

        mutating func subscribe(_ c: Connection, chatID: UUID, cursor: Int) {
            guard c.subscriptions[chatID] == nil else { return }
            let sub = Subscription(c, chatID: chatID, cursor: cursor)
            c.subscriptions[chatID] = sub
            rooms[chatID, default: [:]][c.key] = sub
        }

        mutating func unsubscribe(_ c: Connection, chatID: UUID) {
            guard let sub = c.subscriptions.removeValue(forKey: chatID) else { return }
            sub.active = false
            rooms[chatID]?[c.key] = nil
            if rooms[chatID]?.isEmpty == true { rooms[chatID] = nil }
        }

        mutating func remove(_ c: Connection) {
            for chatID in Array(c.subscriptions.keys) { unsubscribe(c, chatID: chatID) }
            connections[c.key] = nil
            byUser[c.userID]?[c.key] = nil
            if byUser[c.userID]?.isEmpty == true { byUser[c.userID] = nil }
        }
    }

    private let state = NIOLockedValueBox(State())
    /// One outbox per event loop.
    private let _outboxes = NIOLockedValueBox<[ObjectIdentifier: LoopOutbox]>([:])

    private func outbox(for loop: any EventLoop) -> LoopOutbox {
        _outboxes.withLockedValue { boxes in
            if let box = boxes[ObjectIdentifier(loop)] { return box }
            let box = LoopOutbox(loop)
            boxes[ObjectIdentifier(loop)] = box
            return box
        }
    }
    /// Reads a chat's events after a number, for catching up.
    private let replay: @Sendable (UUID, Int) async throws -> ChatEventLog.Replay
    private let logger: Logger

    static let sessionEndedCode = WebSocketErrorCode.unknown(4401)
    /// Roles or classes changed: the client reconnects and is authorised afresh.
    static let membershipChangedCode = WebSocketErrorCode.unknown(4409)

    init(replay: @escaping @Sendable (UUID, Int) async throws -> ChatEventLog.Replay, logger: Logger) {
        self.replay = replay; self.logger = logger
    }

    /// Registers an authenticated socket reading the given chats (chat → its newest event number).
    func add(_ ws: WebSocket, actor: Actor, chats: [UUID: Recipients.Readable]) -> Connection {
        let c = Connection(ws: ws, actor: actor)
        state.withLockedValue { st in
            let first = (st.byUser[c.userID] ?? [:]).isEmpty
            st.connections[c.key] = c
            st.byUser[c.userID, default: [:]][c.key] = c
            for (chatID, chat) in chats {
                st.subscribe(c, chatID: chatID, cursor: chat.lastEvent)
                c.subscriptions[chatID]?.canWrite = chat.mayWrite
                c.subscriptions[chatID]?.direct = chat.direct
            }
            if first { Self.announce(c, online: true, in: st) }
            report(st)
        }
        return c
    }

    func remove(_ c: Connection) {
        state.withLockedValue { st in
            guard st.connections[c.key] != nil else { return }
            let direct = c.subscriptions.values.filter(\.direct).map(\.chatID)
            st.remove(c)
            if (st.byUser[c.userID] ?? [:]).isEmpty { Self.announce(c, online: false, in: st, chats: direct) }
            report(st)
        }
    }

    /// Online presence: `{"type":"presence","userId","online"}` to the other person of each of
    /// the user's direct chats, when their first socket opens and their last one closes (this
    /// process's sockets; see docs/ARCHITECTURE.md).
    private static func announce(_ c: Connection, online: Bool, in st: State, chats: [UUID]? = nil) {
        let frame = ByteBuffer(string: #"{"online":\#(online),"type":"presence","userId":"\#(c.userID.uuidString)"}"#)
        for chatID in chats ?? c.subscriptions.values.filter(\.direct).map(\.chatID) {
            for sub in (st.rooms[chatID] ?? [:]).values where sub.connection.userID != c.userID {
                sub.connection.ws.send(frame, opcode: .text)
            }
        }
    }

    /// Which of these people have a socket open here.
    func online(_ userIDs: [UUID]) -> [UUID] {
        state.withLockedValue { st in userIDs.filter { !(st.byUser[$0] ?? [:]).isEmpty } }
    }

    var count: Int { state.withLockedValue { $0.connections.count } }

    /// Reads the hub's indexes and outboxes under their locks (`SocketHub.footprint`, SocketMemory.swift).
    func inspect<T>(_ body: (State, [LoopOutbox]) -> T) -> T {
        let outboxes = _outboxes.withLockedValue { Array($0.values) }
        return state.withLockedValue { body($0, outboxes) }
    }

    /// `parta_websocket_connections` at /metrics.
    private let gauge = Gauge(label: "parta_websocket_connections")
    private func report(_ st: State) { gauge.record(st.connections.count) }

    /// Closes the sockets of the given sessions of a user (all of the user's sessions when nil).
    func closeSessions(userID: UUID, sessionIDs: [UUID]?, reason: String = "session_ended",
                       code: WebSocketErrorCode = sessionEndedCode) async {
        let doomed: [WebSocket] = state.withLockedValue { st in
            let mine = (st.byUser[userID] ?? [:]).values.filter { c in sessionIDs.map { $0.contains(c.sessionID) } ?? true }
            for c in mine {
                let direct = c.subscriptions.values.filter(\.direct).map(\.chatID)
                st.remove(c)
                if (st.byUser[userID] ?? [:]).isEmpty { Self.announce(c, online: false, in: st, chats: direct) }
            }
            report(st)
            return mine.map(\.ws)
        }
        for socket in doomed {
            try? await socket.send(#"{"type":"\#(reason)"}"#)
            try? await socket.close(code: code)
        }
    }

    func handle(_ event: DomainEvent) async {
        switch event {
        case let .sessionsRevoked(userID, sessionIDs):
            await closeSessions(userID: userID, sessionIDs: sessionIDs)
        case let .membershipChanged(userID):
            await closeSessions(userID: userID, sessionIDs: nil, reason: "membership_changed", code: Self.membershipChangedCode)
        case .schoolUpdated:
            break
        case let .chat(chatEvent):
            deliver(chatEvent)
        case let .notice(userIDs, type, data):
            let frame = ByteBuffer(string: #"{"data":\#(data),"type":"\#(type)"}"#)
            let sockets = state.withLockedValue { st in userIDs.flatMap { (st.byUser[$0] ?? [:]).values.map(\.ws) } }
            for ws in sockets { ws.send(frame, opcode: .text) }
        }
    }

    /// One frame to one socket through its loop's outbox (so it keeps its place among the others).
    private func send(_ c: Connection, _ payload: ByteBuffer) {
        outbox(for: c.writer.eventLoop).enqueue([c.writer], frame: FrameWriter.textFrame(payload), payload: payload)
    }

    /// Sends a chat event to the chat's sockets that are exactly one event behind; sockets further
    /// behind catch up from the log.
    func deliver(_ event: ChatEvent) {
        let payload = ByteBuffer(string: event.frame)
        let frame = FrameWriter.textFrame(payload)   // encoded once for every socket
        let behind: [Subscription] = state.withLockedValue { st in
            for userID in event.joined {
                for c in (st.byUser[userID] ?? [:]).values { st.subscribe(c, chatID: event.chatID, cursor: event.seq - 1) }
            }
            guard let room = st.rooms[event.chatID] else { return [] }
            var behind: [Subscription] = []
            var byLoop: [ObjectIdentifier: (any EventLoop, [FrameWriter])] = [:]
            for sub in room.values {
                if sub.cursor == event.seq - 1 {
                    sub.cursor = event.seq
                    let writer = sub.connection.writer
                    byLoop[ObjectIdentifier(writer.eventLoop), default: (writer.eventLoop, [])].1.append(writer)
                } else if sub.cursor < event.seq - 1 {
                    behind.append(sub)
                }
            }
            // Queued under the lock, so each socket's frames keep the order of the cursor.
            for (loop, writers) in byLoop.values {
                outbox(for: loop).enqueue(writers, frame: frame, payload: payload)
            }
            for userID in event.left {
                for c in (st.byUser[userID] ?? [:]).values { st.unsubscribe(c, chatID: event.chatID) }
            }
            return behind
        }
        for sub in behind { Task { await self.catchUp(sub) } }
    }

    /// Sends a subscription what it missed, in order, from the event log (or `resync`). One catch-up
    /// runs per subscription at a time; a gap found meanwhile makes it go round again.
    func catchUp(_ sub: Subscription) async {
        let start = state.withLockedValue { _ -> Bool in
            if sub.catchingUp { sub.again = true; return false }
            sub.catchingUp = true
            return true
        }
        guard start else { return }
        while true {
            let from = state.withLockedValue { _ in sub.again = false; return sub.cursor }
            let result: ChatEventLog.Replay
            do { result = try await replay(sub.chatID, from) } catch {
                logger.error("realtime replay failed: \(error)")
                result = .resync(lastSeq: from)
            }
            let done = state.withLockedValue { st -> Bool in
                guard sub.active else { return true }
                switch result {
                case let .events(events):
                    for e in events where e.seq == sub.cursor + 1 {
                        send(sub.connection, ByteBuffer(string: e.frame))
                        sub.cursor = e.seq
                        // A replayed removal of this person ends the subscription, as live delivery does.
                        if e.left.contains(sub.connection.userID) {
                            st.unsubscribe(sub.connection, chatID: sub.chatID)
                            return true
                        }
                    }
                case let .resync(last):
                    // A client that claimed a number the chat never reached starts again from the
                    // chat's real last event; otherwise the cursor never moves back.
                    sub.cursor = from > last ? last : max(last, sub.cursor)
                    send(sub.connection, ByteBuffer(string: #"{"chatId":"\#(sub.chatID.uuidString)","seq":\#(sub.cursor),"type":"resync"}"#))
                }
                if sub.again { return false }
                sub.catchingUp = false
                return true
            }
            if done { return }
        }
    }

    /// Closes every socket with 4409 (they reconnect and resume): after this process may have missed
    /// events of the others (the LISTEN connection was lost).
    func closeAll() async {
        let everyone: [UUID] = state.withLockedValue { Array($0.byUser.keys) }
        for userID in everyone {
            await closeSessions(userID: userID, sessionIDs: nil, reason: "membership_changed", code: Self.membershipChangedCode)
        }
    }

    /// The socket's connection, once authenticated.
    func connection(of ws: WebSocket) -> Connection? {
        state.withLockedValue { $0.connections[ObjectIdentifier(ws)] }
    }

    /// "Typing…": to the chat's other sockets, not numbered nor kept (a missed one does not matter).
    /// At most one per person and chat every 3 seconds; only where the person may write.
    func typing(_ c: Connection, chatID: UUID) {
        let now = NIODeadline.now()
        let frame = ByteBuffer(string: #"{"chatId":"\#(chatID.uuidString)","type":"typing","userId":"\#(c.userID.uuidString)"}"#)
        state.withLockedValue { st in
            guard let sub = c.subscriptions[chatID], sub.canWrite, now - sub.lastTyping >= .seconds(3) else { return }
            sub.lastTyping = now
            // Typing is dropped for a socket that is not keeping up.
            for other in (st.rooms[chatID] ?? [:]).values where other.connection.userID != c.userID && other.connection.writer.isWritable {
                send(other.connection, frame)
            }
        }
    }

    /// A reconnecting client says the last event number it has of each chat it knows. Each chat it
    /// still reads is replayed from there; it is told which chats it no longer reads (`gone`) and
    /// which it does not know yet (`new`: load them), then `resumed` once every replay is sent.
    func resume(_ c: Connection, known: [UUID: Int]) async {
        // At most 5 resumes per socket in 10 seconds (each may replay many events).
        let now = NIODeadline.now()
        guard state.withLockedValue({ _ -> Bool in
            if now - c.resumeWindow >= .seconds(10) { c.resumeWindow = now; c.resumes = 0 }
            c.resumes += 1
            return c.resumes <= 5
        }) else {
            try? await c.ws.send(#"{"code":"too_many_resumes","type":"error"}"#)
            return
        }
        let (subs, gone, new): ([Subscription], [UUID], [UUID]) = state.withLockedValue { _ in
            var subs: [Subscription] = []
            for (chatID, seq) in known {
                guard let sub = c.subscriptions[chatID] else { continue }
                sub.cursor = seq
                subs.append(sub)
            }
            return (subs, known.keys.filter { c.subscriptions[$0] == nil },
                    c.subscriptions.keys.filter { known[$0] == nil })
        }
        await withTaskGroup(of: Void.self) { group in
            for sub in subs { group.addTask { await self.catchUp(sub) } }
        }
        struct Resumed: Encodable { let type = "resumed"; let gone: [UUID]; let new: [UUID] }
        if let data = try? JSONCoding.encoder.encode(Resumed(gone: gone, new: new)) {
            try? await c.ws.send(raw: data, opcode: .text)
        }
    }
}

enum RealtimeGateway {
    /// `GET /api/v1/ws`: authenticated by the cookie or a bearer header at upgrade, or by a first
    /// frame `{"type":"auth","token":"…"}` within 10 seconds. Then the client may send
    /// `{"type":"resume","chats":{"<chatId>":<last event seq>,…}}`, `{"type":"typing","chatId":…}`,
    /// `{"type":"send","chatId":…,"clientId":…,"text":…}` (a message, as `POST /chats/{id}/messages`)
    /// and `{"type":"ping"}`. The protocol is in docs/ARCHITECTURE.md ("Realtime").
    static func register(on routes: any RoutesBuilder, hub: SocketHub) {
        // Authentication runs in the route handler, before the upgrade response is built: an error
        // thrown from `shouldUpgrade` leaves the client waiting for an answer that never comes.
        routes.get("ws") { req async throws -> Response in
            guard req.headers[.upgrade].contains(where: { $0.lowercased() == "websocket" }) else {
                throw PartaError(.badRequest, "websocket_required", "This address takes a WebSocket connection.")
            }
            var preauthenticated: (actor: Actor, token: String)?
            if let (token, fromCookie) = req.sessionToken {
                if fromCookie { try req.checkSameOrigin() }
                preauthenticated = (try await req.actor(), token)   // 401 before the upgrade for a bad token
            }
            let context = req.parta.context
            // The event-loop variant of `webSocket` runs `onUpgrade` before the first frame is read, so
            // the handler below sees every frame (the async variant starts a Task and may miss some).
            return req.webSocket(maxFrameSize: .init(integerLiteral: 64 * 1024)) { req, ws in
                serve(ws, context: context, eventLoop: req.eventLoop, preauthenticated: preauthenticated, hub: hub)
            }
        }
    }

    /// Frames are handled in websocket-kit's callback on the socket's event loop (no task per socket
    /// while it idles: memory per connection matters with thousands of them); only what needs the
    /// database (authenticating, a resume) starts a task.
    private static func serve(_ ws: WebSocket, context: PartaContext, eventLoop: any EventLoop,
                              preauthenticated: (actor: Actor, token: String)?, hub: SocketHub) {
        // A client that vanishes without closing (a phone off the network) answers no ping: the
        // socket is closed after one missed pong, so it does not linger as "online".
        ws.pingInterval = .seconds(30)
        ws.onClose.whenComplete { _ in
            if let c = hub.connection(of: ws) { hub.remove(c) }
            ws.releaseAfterClose()   // nothing may hold a closed socket (SocketMemory.swift)
        }
        if let (actor, token) = preauthenticated {
            Task {
                guard await attach(ws, actor: actor, context: context, hub: hub) != nil else { return }
                // The session may have ended between the check before the upgrade and `attach`.
                if (try? await AuthService(context).authenticate(token: token)) == nil {
                    await hub.closeSessions(userID: actor.userID, sessionIDs: [actor.sessionID])
                }
            }
        } else {
            eventLoop.scheduleTask(in: .seconds(10)) { [weak ws] in
                if let ws, hub.connection(of: ws) == nil { _ = ws.close(code: .policyViolation) }
            }
        }
        let authenticating = NIOLockedValueBox(false)
        ws.onText { ws, text in
            if let connection = hub.connection(of: ws) {
                handle(text, from: connection, hub: hub, context: context)
                return
            }
            // Not attached yet: with a token at the upgrade, frames before `hello` are not expected;
            // otherwise the first frame authenticates.
            guard preauthenticated == nil, !authenticating.withLockedValue({ busy in defer { busy = true }; return busy }) else { return }
            Task {
                struct Auth: Decodable { let type: String; let token: String }
                guard let frame = try? JSONDecoder().decode(Auth.self, from: Data(text.utf8)), frame.type == "auth",
                      let actor = try? await AuthService(context).authenticate(token: frame.token) else {
                    try? await ws.send(#"{"type":"error","code":"unauthenticated"}"#)
                    try? await ws.close(code: SocketHub.sessionEndedCode)
                    return
                }
                _ = await attach(ws, actor: actor, context: context, hub: hub)
            }
        }
    }

    private static func attach(_ ws: WebSocket, actor: Actor, context: PartaContext, hub: SocketHub) async -> SocketHub.Connection? {
        do {
            let chats = try await Recipients(context).readableChats(actor)
            let connection = hub.add(ws, actor: actor, chats: chats)
            do {
                try await ws.send(#"{"type":"hello","userId":"\#(actor.userID.uuidString.lowercased())"}"#)
            } catch {
                hub.remove(connection)   // closed while attaching: never leave it registered
                return nil
            }
            // Closed during the attach (the close may have come before `add`): unregister now.
            if ws.isClosed { hub.remove(connection); return nil }
            return connection
        } catch {
            context.logger.error("realtime attach failed: \(error)")
            try? await ws.close(code: .unexpectedServerError)
            return nil
        }
    }

    /// A frame from an authenticated client. Unknown or malformed frames get an error frame.
    private static func handle(_ text: String, from connection: SocketHub.Connection, hub: SocketHub, context: PartaContext) {
        guard let frame = try? JSONDecoder().decode(ClientFrame.self, from: Data(text.utf8)) else {
            connection.ws.send(#"{"type":"error","code":"bad_frame"}"#)
            return
        }
        switch frame.type {
        case "resume":
            var known: [UUID: Int] = [:]
            for (key, seq) in frame.chats ?? [:] { if let id = UUID(uuidString: key) { known[id] = seq } }
            Task { await hub.resume(connection, known: known) }
        case "typing":
            if let chatID = frame.chatId.flatMap(UUID.init(uuidString:)) { hub.typing(connection, chatID: chatID) }
        case "send":
            send(frame, from: connection, context: context)
        case "ping":
            connection.ws.send(#"{"type":"pong"}"#)
        default:
            connection.ws.send(#"{"type":"error","code":"unknown_frame"}"#)
        }
    }

    /// What a client may send over the socket (each `type` uses some of the fields).
    struct ClientFrame: Decodable {
        let type: String
        let chats: [String: Int]?
        let chatId: String?
        // "send": the fields of `POST /chats/{chatId}/messages`.
        let clientId: String?
        let text: String?
        let replyTo: String?
        let mentions: [String]?
        let mentionAll: Bool?
        let attachments: [String]?
    }

    /// A message sent over the socket, by the same service and rules as over HTTP; answered with
    /// `{"type":"sent","clientId","message"}` once it is stored, or `{"type":"send.failed","clientId",
    /// "status","error":{"code","message"},"retryAfter"?}` (the status the HTTP route would answer:
    /// 404, 403, 429 with the seconds to wait…).
    /// The clientId (required here) tells the answers apart and makes a resent frame store one message.
    private static func send(_ frame: ClientFrame, from connection: SocketHub.Connection, context: PartaContext) {
        let ws = connection.ws
        guard let clientID = frame.clientId, (1...64).contains(clientID.count) else {
            ws.send(#"{"error":{"code":"invalid_client_id","message":"clientId: от 1 до 64 символов."},"status":400,"type":"send.failed"}"#)
            return
        }
        let quotedID = { () -> String in var out = ""; MessageView.quote(clientID, into: &out); return out }()
        Task {
            let answer: String
            do {
                guard let chatID = frame.chatId.flatMap(UUID.init(uuidString:)) else { throw PartaError.notFound("Чат") }
                let extras = try MessageBody.extras(clientId: clientID, replyTo: frame.replyTo, mentions: frame.mentions,
                                                    mentionAll: frame.mentionAll, attachments: frame.attachments)
                let message = try await MessageService(context).send(connection.actor, chatID: chatID, text: frame.text ?? "", extras: extras)
                answer = #"{"clientId":\#(quotedID),"message":\#(try message.json()),"type":"sent"}"#
            } catch {
                let (status, body, headers) = PartaErrorMiddleware.describe(error, logger: context.logger)
                var code = "", message = ""
                MessageView.quote(body.error.code, into: &code)
                MessageView.quote(body.error.message, into: &message)
                // 429: when to try again, as the HTTP route's Retry-After.
                let retry = headers.first(name: .retryAfter).flatMap(Int.init).map { #","retryAfter":\#($0)"# } ?? ""
                answer = #"{"clientId":\#(quotedID),"error":{"code":\#(code),"message":\#(message)}\#(retry),"status":\#(status.code),"type":"send.failed"}"#
            }
            ws.send(answer, promise: nil)
        }
    }
}
