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
        /// Order of attachment: past the per-account cap the oldest socket is closed.
        let serial: UInt64
        /// The client asked (`?resume=1`) to resume before it gets live chat events: until its
        /// `resume` frame (or `holdLimit`), events are not written to it, only remembered as missed,
        /// so its replay and what came live meanwhile arrive once and in order.
        var held: Bool
        init(ws: WebSocket, actor: Actor, serial: UInt64, held: Bool) {
            self.ws = ws; self.writer = FrameWriter(ws); self.actor = actor; self.serial = serial; self.held = held
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
        /// An event came while the connection was held: catch up when it resumes.
        var missed = false
        init(_ connection: Connection, chatID: UUID, cursor: Int) { self.connection = connection; self.chatID = chatID; self.cursor = cursor }
    }

    struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var byUser: [UUID: [ObjectIdentifier: Connection]] = [:]
        var rooms: [UUID: [ObjectIdentifier: Subscription]] = [:]
        /// Open sockets (authenticated or not yet) per client address.
        var byAddress: [String: Int] = [:]
        /// Every open socket, authenticated or still waiting for its first frame (a stop closes them all).
        var open: [ObjectIdentifier: WebSocket] = [:]
        var nextSerial: UInt64 = 0
        /// The server is stopping: no new sockets, no new work from frames.
        var stopping = false
        /// Frames being handled that need the database (sends, resumes, authentication).
        var inflight = 0

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
    /// The account opened more sockets than `socketsPerUser`: its oldest is closed with this code
    /// (frame `{"type":"too_many_connections"}` first); the client should not reconnect it.
    static let tooManyConnectionsCode = WebSocketErrorCode.unknown(4429)
    /// How long a held connection (`?resume=1`) waits for its `resume` frame.
    static let holdLimit = TimeAmount.seconds(10)

    /// Sockets per account and per client address (0: no limit for addresses).
    let socketsPerUser: Int
    let socketsPerAddress: Int

    init(replay: @escaping @Sendable (UUID, Int) async throws -> ChatEventLog.Replay, logger: Logger,
         socketsPerUser: Int = 20, socketsPerAddress: Int = 0) {
        self.replay = replay; self.logger = logger
        self.socketsPerUser = socketsPerUser; self.socketsPerAddress = socketsPerAddress
    }

    /// Registers an authenticated socket reading the given chats (chat → its newest event number).
    /// Past the per-account cap, the account's oldest socket is closed.
    func add(_ ws: WebSocket, actor: Actor, chats: [UUID: Recipients.Readable], held: Bool = false) -> Connection {
        let (c, evicted): (Connection, Connection?) = state.withLockedValue { st in
            st.nextSerial += 1
            let c = Connection(ws: ws, actor: actor, serial: st.nextSerial, held: held)
            let first = (st.byUser[c.userID] ?? [:]).isEmpty
            st.connections[c.key] = c
            st.byUser[c.userID, default: [:]][c.key] = c
            for (chatID, chat) in chats {
                st.subscribe(c, chatID: chatID, cursor: chat.lastEvent)
                c.subscriptions[chatID]?.canWrite = chat.mayWrite
                c.subscriptions[chatID]?.direct = chat.direct
            }
            if first { Self.announce(c, online: true, in: st) }
            var evicted: Connection?
            if let mine = st.byUser[c.userID], mine.count > socketsPerUser {
                evicted = mine.values.min { $0.serial < $1.serial }
                if let evicted { st.remove(evicted) }
            }
            report(st)
            return (c, evicted)
        }
        if let evicted {
            evicted.ws.send(#"{"type":"too_many_connections"}"#, promise: nil)
            evicted.ws.close(code: Self.tooManyConnectionsCode, promise: nil)
        }
        return c
    }

    // MARK: Limits per address, and stopping

    /// Counts a new socket of an address (before it authenticates); false past the cap or while
    /// the server stops — the caller closes it.
    func admit(_ ws: WebSocket, address: String) -> Bool {
        state.withLockedValue { st in
            guard !st.stopping else { return false }
            let count = st.byAddress[address] ?? 0
            if socketsPerAddress > 0 && count >= socketsPerAddress { return false }
            st.byAddress[address] = count + 1
            st.open[ObjectIdentifier(ws)] = ws
            return true
        }
    }

    func release(_ ws: WebSocket, address: String) {
        state.withLockedValue { st in
            let count = (st.byAddress[address] ?? 1) - 1
            st.byAddress[address] = count > 0 ? count : nil
            st.open[ObjectIdentifier(ws)] = nil
        }
    }

    /// Whether a new socket from this address would be refused (answered before the upgrade).
    func isFull(address: String) -> Bool {
        state.withLockedValue { st in socketsPerAddress > 0 && (st.byAddress[address] ?? 0) >= socketsPerAddress }
    }

    var isStopping: Bool { state.withLockedValue { $0.stopping } }

    /// Runs frame work that needs the database, unless the server stops (then false, nothing runs).
    /// A graceful stop waits for the work already started (`stop`).
    func beginWork() -> Bool {
        state.withLockedValue { st in
            guard !st.stopping else { return false }
            st.inflight += 1
            return true
        }
    }

    func endWork() { state.withLockedValue { $0.inflight -= 1 } }

    /// A graceful stop: refuses new sockets and frame work, waits (at most `limit`) for the work in
    /// progress — sends being written are answered —, then closes every socket with 1001 (going
    /// away): clients reconnect, to this server once it is back or to another process, and resume.
    func stop(waitingAtMost limit: TimeAmount = .seconds(5)) async {
        state.withLockedValue { $0.stopping = true }
        let deadline = NIODeadline.now() + limit
        while state.withLockedValue({ $0.inflight }) > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        // Authenticated sockets and those still waiting for their first frame (which would otherwise
        // hold the HTTP server's stop for up to their 10 s).
        let everyone: [WebSocket] = state.withLockedValue { st in
            for c in Array(st.connections.values) { st.remove(c) }
            report(st)
            return Array(st.open.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for ws in everyone {
                group.addTask {
                    try? await ws.send(#"{"type":"server_stopping"}"#)
                    try? await ws.close(code: .goingAway)
                }
            }
        }
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
                if sub.connection.held {
                    sub.missed = true   // sent with the replay when the client resumes
                } else if sub.cursor == event.seq - 1 {
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

    /// Closes, as a revoked session's, the sockets whose session has reached its absolute end
    /// (`Actor.sessionEndsAt`, read at connect). `configure` runs it every minute.
    func endSessions(endedBy now: Date) async {
        let ended: [UUID: UUID] = state.withLockedValue { st in
            var ended: [UUID: UUID] = [:]   // session → user
            for c in st.connections.values where c.actor.sessionEndsAt <= now { ended[c.sessionID] = c.userID }
            return ended
        }
        for (sessionID, userID) in ended { await closeSessions(userID: userID, sessionIDs: [sessionID]) }
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

    /// A held connection whose `resume` did not come in time gets what it missed from the log and
    /// live events from then on.
    func releaseHold(_ c: Connection) async {
        let subs: [Subscription] = state.withLockedValue { _ in
            guard c.held else { return [] }
            c.held = false
            let missed = c.subscriptions.values.filter(\.missed)
            for sub in missed { sub.missed = false }
            return missed
        }
        await withTaskGroup(of: Void.self) { group in
            for sub in subs { group.addTask { await self.catchUp(sub) } }
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
                sub.missed = false
                subs.append(sub)
            }
            // Held until now: the chats it did not name catch up on what came meanwhile.
            if c.held {
                c.held = false
                for sub in c.subscriptions.values where sub.missed { sub.missed = false; subs.append(sub) }
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
