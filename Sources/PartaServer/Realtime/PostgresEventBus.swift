import FluentPostgresDriver
import Foundation
import Logging
import NIOConcurrencyHelpers
import PartaCore
import Vapor

/// The event bus when several server processes share one PostgreSQL: each process delivers its own
/// events at once (like `InMemoryEventBus`) and tells the others with `NOTIFY parta_events`; a
/// dedicated connection per process LISTENs and hands the others' events to the handlers that
/// asked for them (`subscribeToAllProcesses`: the WebSocket gateway; the roster follower runs once,
/// where the change was made).
///
/// A notification carries only references (≤ 8,000 bytes): a chat event is read back from the
/// event log (`chat_events`), so its content and its `joined`/`left` lists are exactly what was
/// committed. If the listening connection drops, it reconnects; sockets catch up on the next event
/// of each chat (their cursors see the gap), and reconnecting clients resume as always.
final class PostgresEventBus: EventBus, @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`.
    static let channel = "parta_events"

    private let local = InMemoryEventBus()
    private let lock = NIOLock()
    private var everywhere: [@Sendable (DomainEvent) async -> Void] = []
    private var listener: Task<Void, Never>?
    private var connection: PostgresConnection?
    private var stopped = false
    private let origin = UUID()
    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Set once the context exists (the store is built with the bus).
    private var store: Store?
    /// Runs when listening starts again after the connection was lost: events of the other
    /// processes may have been missed meanwhile (configure: drop cached sign-ins, make every socket
    /// reconnect and resume).
    var onRelisten: (@Sendable () async -> Void)?
    /// Runs when the listening connection is lost (configure: probe the database at once).
    var onConnectionLost: (@Sendable () -> Void)?
    private var listenedBefore = false

    init(url: String, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        self.configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    func publish(_ event: DomainEvent) async {
        await local.publish(event)
        guard let store, let payload = Wire.encode(event, origin: origin) else { return }
        do {
            try await store.sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: payload))").run()
        } catch {
            logger.error("events: NOTIFY failed: \(error)")
        }
    }

    func subscribe(_ handler: @escaping @Sendable (DomainEvent) async -> Void) {
        local.subscribe(handler)
    }

    func subscribeToAllProcesses(_ handler: @escaping @Sendable (DomainEvent) async -> Void) {
        local.subscribe(handler)
        lock.withLock { everywhere.append(handler) }
    }

    /// Starts listening for the other processes' events.
    func start(store: Store) {
        lock.withLock { self.store = store }
        listener = Task { [weak self] in
            while !Task.isCancelled {
                guard let self, !self.lock.withLock({ self.stopped }) else { return }
                do {
                    try await self.listenOnce()
                } catch {
                    if Task.isCancelled { return }
                    self.logger.warning("events: LISTEN connection lost (\(String(reflecting: error))); reconnecting")
                    self.onConnectionLost?()
                }
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
    }

    /// Ends listening: the task and its connection (closing it ends the notification sequence).
    func stop() {
        let (task, connection) = lock.withLock { () -> (Task<Void, Never>?, PostgresConnection?) in
            stopped = true
            return (listener, self.connection)
        }
        task?.cancel()
        _ = connection?.close() as EventLoopFuture<Void>?
    }

    private func listenOnce() async throws {
        let connection = try await PostgresConnection.connect(
            on: eventLoopGroup.any(), configuration: configuration, id: 1, logger: logger)
        let keep = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            self.connection = connection
            return true
        }
        guard keep else { try? await connection.close(); return }
        defer { _ = connection.close() as EventLoopFuture<Void> }
        let notifications = try await connection.listen(Self.channel)
        logger.debug("events: listening on \(Self.channel)")
        let again = lock.withLock { () -> Bool in defer { listenedBefore = true }; return listenedBefore }
        if again, let onRelisten { await onRelisten() }
        for try await notification in notifications {
            if Task.isCancelled { return }
            await received(notification.payload)
        }
    }

    private func received(_ payload: String) async {
        guard let store, let wire = Wire.decode(payload), wire.o != origin else { return }
        let event: DomainEvent?
        do { event = try await wire.event(store: store) } catch {
            logger.error("events: a remote event could not be read: \(error)")
            return
        }
        guard let event else { return }
        let handlers = lock.withLock { everywhere }
        for handler in handlers { await handler(event) }
    }

    /// What crosses between processes.
    struct Wire: Codable {
        var o: UUID
        var k: String
        var chat: UUID?
        var seq: Int?
        var user: UUID?
        var ids: [UUID]?
        var users: [UUID]?
        var type: String?
        var data: String?

        static func encode(_ event: DomainEvent, origin: UUID) -> String? {
            var w = Wire(o: origin, k: "")
            switch event {
            case let .chat(e): w.k = "chat"; w.chat = e.chatID; w.seq = e.seq
            case let .sessionsRevoked(userID, sessionIDs): w.k = "sessions"; w.user = userID; w.ids = sessionIDs
            case let .membershipChanged(userID): w.k = "membership"; w.user = userID
            case let .schoolUpdated(schoolID): w.k = "school"; w.user = schoolID
            case let .notice(userIDs, type, data): w.k = "notice"; w.users = userIDs; w.type = type; w.data = data
            }
            guard let data = try? JSONEncoder().encode(w), data.count < 7_900 else { return nil }   // NOTIFY's limit is 8,000 bytes
            return String(decoding: data, as: UTF8.self)
        }

        static func decode(_ text: String) -> Wire? { try? JSONDecoder().decode(Wire.self, from: Data(text.utf8)) }

        func event(store: Store) async throws -> DomainEvent? {
            switch k {
            case "chat":
                guard let chat, let seq else { return nil }
                return try await ChatEventLog.event(chatID: chat, seq: seq, on: store.db).map(DomainEvent.chat)
            case "sessions": return user.map { .sessionsRevoked(userID: $0, sessionIDs: ids) }
            case "membership": return user.map { .membershipChanged(userID: $0) }
            case "school": return user.map { .schoolUpdated(schoolID: $0) }
            case "notice":
                guard let users, let type, let data else { return nil }
                return .notice(userIDs: users, type: type, data: data)
            default: return nil
            }
        }
    }
}
