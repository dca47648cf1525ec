import FluentKit
import Foundation
import SQLKit

/// Who receives what in realtime — decided here, in the core; the WebSocket gateway only delivers.
///
/// - Chat events (`DomainEvent.chat`) reach the chat's readers: its member rows, or for a system
///   channel everyone of the school whose roles make them its audience. A socket subscribes at
///   connect to the chats `readableChats` lists; an event's `joined`/`left` add and drop
///   subscriptions as it is delivered (whoever leaves receives that event and nothing after it).
/// - Session and membership events close the person's sockets (`SocketHub`), who reconnect with
///   their new rights and so a fresh `readableChats`.
public struct Recipients: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Readable: Sendable, Equatable {
        /// The number of the chat's newest event.
        public var lastEvent: Int
        /// Whether the actor may write there (typing indicators come only from writers).
        public var mayWrite: Bool
        /// A direct chat: the other person sees when this one is online.
        public var direct: Bool = false
    }

    /// The chats whose events the actor receives.
    public func readableChats(_ actor: Actor) async throws -> [UUID: Readable] {
        guard let sql = ctx.store.db as? any SQLDatabase else { return [:] }
        var out: [UUID: Readable] = [:]
        let schools = Array(Set(actor.memberships.map(\.schoolID)))
        guard !schools.isEmpty else { return out }
        // One statement (this runs for every socket at connect): the chats the person is a member
        // of, then the system channels of their schools (no member rows: their audience reads them).
        // CROSS JOIN keeps SQLite to the person's member rows first (a school has far more chats
        // than a person reads; without it SQLite walked every chat of the school).
        for row in try await sql.raw("""
            SELECT c.id, c.school_id, c.last_event, c.read_only, c.kind, c.system_audience, m.role
            FROM chat_members m CROSS JOIN chats c
            WHERE c.id = m.chat_id AND m.user_id = \(bind: actor.userID) AND c.school_id IN (\(binds: schools)) AND c.system_audience IS NULL
            UNION ALL
            SELECT id, school_id, last_event, read_only, kind, system_audience, NULL FROM chats
            WHERE system_audience IS NOT NULL AND school_id IN (\(binds: schools))
            """).all() {
            let schoolID = try row.decode(column: "school_id", as: UUID.self)
            let audience = try row.decode(column: "system_audience", as: String?.self)
            let rights: Policy.ChatRights?
            if let audience {
                // A system channel of a kind this version does not know: nobody reads it.
                guard let known = ChannelAudience(rawValue: audience) else { continue }
                rights = Policy.chatRights(actor, schoolID: schoolID, systemAudience: known, readOnly: true, memberRole: nil)
            } else {
                rights = Policy.chatRights(actor, schoolID: schoolID, systemAudience: nil,
                                           readOnly: try row.decode(column: "read_only", as: Bool.self),
                                           memberRole: ChatRole(rawValue: try row.decode(column: "role", as: String?.self) ?? "") ?? .member)
            }
            guard let rights else { continue }
            let direct = try audience == nil && row.decode(column: "kind", as: String.self) == ChatKind.direct.rawValue
            out[try row.decode(column: "id", as: UUID.self)] = Readable(
                lastEvent: try row.decode(column: "last_event", as: Int.self), mayWrite: rights.canPost, direct: direct)
        }
        return out
    }
}
