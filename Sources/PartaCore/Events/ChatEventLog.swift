import FluentKit
import Foundation
import SQLKit

/// One realtime event of a chat. Events are numbered per chat (1, 2, 3… without gaps, in commit
/// order: the number is taken by an UPDATE of the chat's row inside the transaction that makes the
/// change), stored in `chat_events`, and go over the socket as
/// `{"type","chatId","seq","data"}`. A client that knows the last number it saw of each chat gets
/// exactly what it missed after a reconnect.
public struct ChatEvent: Sendable, Equatable {
    public let chatID: UUID
    public let seq: Int
    public let type: String
    /// The event's data: a JSON object.
    public let data: String
    /// People who join the chat with this event (their sockets subscribe before it is delivered)
    /// and who leave it (they receive this event, then nothing more of the chat).
    public var joined: [UUID] = []
    public var left: [UUID] = []

    public init(chatID: UUID, seq: Int, type: String, data: String, joined: [UUID] = [], left: [UUID] = []) {
        self.chatID = chatID; self.seq = seq; self.type = type; self.data = data; self.joined = joined; self.left = left
    }

    /// The frame as it goes over the socket (built once per event for all recipients).
    public var frame: String {
        #"{"chatId":"\#(chatID.upperText)","data":\#(data),"seq":\#(seq),"type":"\#(type)"}"#
    }
}

/// The chat event log: append inside a service's transaction, read for replay.
public enum ChatEventLog {
    /// How long events are kept for replay; a client away longer is told to resync.
    public static let retention: TimeInterval = 7 * 24 * 3600
    /// The most events replayed for one chat; beyond that the client resyncs (reloads the chat).
    public static let maxReplay = 500

    /// Numbers and stores an event of the chat. Call inside the transaction that makes the change.
    static func append(_ type: String, chatID: UUID, data: some Encodable, messageID: UUID? = nil,
                       joined: [UUID] = [], left: [UUID] = [], now: Date, on db: any Database) async throws -> ChatEvent {
        guard let sql = db as? any SQLDatabase,
              let row = try await sql.raw("UPDATE chats SET last_event = last_event + 1 WHERE id = \(bind: chatID) RETURNING last_event").first()
        else { throw PartaError.notFound("Чат") }
        return try await appendNumbered(type, chatID: chatID, seq: try row.decode(column: "last_event", as: Int.self), data: data,
                                        messageID: messageID, joined: joined, left: left, now: now, on: db)
    }

    /// Stores an event whose number the caller has already taken (`last_event + 1` in its own UPDATE).
    static func appendNumbered(_ type: String, chatID: UUID, seq: Int, data: some Encodable, messageID: UUID? = nil,
                               joined: [UUID] = [], left: [UUID] = [], now: Date, on db: any Database) async throws -> ChatEvent {
        let sql = db as! any SQLDatabase
        let json = try encode(data)
        try await sql.insert(into: "chat_events")
            .columns("chat_id", "seq", "type", "message_id", "data", "created_at")
            .values(SQLBind(chatID), SQLBind(seq), SQLBind(type), SQLBind(messageID), SQLBind(json), SQLBind(now))
            .run()
        return ChatEvent(chatID: chatID, seq: seq, type: type, data: json, joined: joined, left: left)
    }

    /// A message changed (edited, deleted, pinned): the events about it kept for replay carry its
    /// current state from now on, so a deleted message's text is never replayed.
    static func refresh(messageID: UUID, data: some Encodable, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.update("chat_events").set("data", to: SQLBind(try encode(data)))
            .where("message_id", .equal, SQLBind(messageID)).run()
    }

    public enum Replay: Sendable, Equatable {
        case events([ChatEvent])
        /// The gap is older than the log keeps, or longer than `maxReplay`: reload the chat.
        case resync(lastSeq: Int)
    }

    /// The chat's events after `after`, in order; `.resync` when they cannot all be given.
    public static func replay(chatID: UUID, after: Int, on db: any Database) async throws -> Replay {
        guard let sql = db as? any SQLDatabase else { return .resync(lastSeq: 0) }
        guard let last = try await sql.raw("SELECT last_event FROM chats WHERE id = \(bind: chatID)").first()?
            .decode(column: "last_event", as: Int.self) else { return .resync(lastSeq: 0) }
        guard after >= 0, after <= last else { return .resync(lastSeq: last) }
        guard last - after <= maxReplay else { return .resync(lastSeq: last) }
        guard last > after else { return .events([]) }
        let rows = try await sql.raw("""
            SELECT seq, type, data FROM chat_events WHERE chat_id = \(bind: chatID) AND seq > \(bind: after) AND seq <= \(bind: last) ORDER BY seq
            """).all()
        let events = try rows.map { row in
            withMembers(ChatEvent(chatID: chatID, seq: try row.decode(column: "seq", as: Int.self), type: try row.decode(column: "type", as: String.self),
                                  data: try row.decode(column: "data", as: String.self)))
        }
        // Pruned events leave a hole at the start: the client reloads instead.
        guard events.count == last - after else { return .resync(lastSeq: last) }
        return .events(events)
    }

    /// One logged event (as another process published it), with `joined`/`left` for `chat.members`.
    public static func event(chatID: UUID, seq: Int, on db: any Database) async throws -> ChatEvent? {
        guard let sql = db as? any SQLDatabase,
              let row = try await sql.raw("SELECT type, data FROM chat_events WHERE chat_id = \(bind: chatID) AND seq = \(bind: seq)").first()
        else { return nil }
        return withMembers(ChatEvent(chatID: chatID, seq: seq, type: try row.decode(column: "type", as: String.self),
                                     data: try row.decode(column: "data", as: String.self)))
    }

    /// A logged `chat.members` event with its `joined`/`left` lists read back from its data (so a
    /// replayed or remote removal ends the subscription like a live one).
    static func withMembers(_ event: ChatEvent) -> ChatEvent {
        guard event.type == "chat.members" else { return event }
        struct Members: Decodable { let joined: [UUID]; let left: [UUID] }
        guard let m = try? JSONDecoder().decode(Members.self, from: Data(event.data.utf8)) else { return event }
        var out = event
        out.joined = m.joined; out.left = m.left
        return out
    }

    /// Drops events older than the retention period.
    public static func prune(olderThan date: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.delete(from: "chat_events").where("created_at", .lessThan, SQLBind(date)).run()
    }

    /// The message a `message.*` event carries.
    static func decodeMessage(_ event: ChatEvent) throws -> MessageView {
        try JSONCoding.decoder.decode(MessageView.self, from: Data(event.data.utf8))
    }

    static func encode(_ data: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(data), as: UTF8.self)
    }
}
