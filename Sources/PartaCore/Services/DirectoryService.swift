import FluentKit
import Foundation
import SQLKit

public struct DirectoryEntry: Sendable, Codable, Equatable {
    public var userId: UUID
    public var fullName: String
    public var roles: [SchoolRole]
    /// Class names (students' and parents' classes).
    public var classes: [String]
}

/// Finding people to write to or add to a chat, by name only (never by phone or email), with safe
/// mode for children: students, parents and unconfirmed teachers find the school's staff only;
/// confirmed teachers and the administration find everyone of their school. Nobody outside the
/// school finds anyone ("not found").
public struct DirectoryService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let limit = 50

    public func find(_ actor: Actor, schoolID: UUID, query: String?, role: SchoolRole?) async throws -> [DirectoryEntry] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard let sql = db as? any SQLDatabase else { return [] }
        var roles = Policy.findableRoles(actor, schoolID: schoolID)
        if let role { roles = roles.filter { $0 == role } }
        guard !roles.isEmpty else { return [] }
        let folded = query.map(UserSearchKey.fold)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var condition = SQLQueryString("m.school_id = \(bind: schoolID) AND m.role IN (\(binds: roles.map(\.rawValue))) AND u.id <> \(bind: actor.userID)")
        if let pattern = UserSearchKey.pattern(folded), !folded.isEmpty {
            condition = condition + " AND u.search_key LIKE \(bind: pattern) ESCAPE '\\'"
        }
        // Staff need a confirmed role to be offered (an unconfirmed teacher is not yet "the school").
        condition = condition + " AND (m.verified = \(bind: true) OR m.role NOT IN (\(binds: [SchoolRole.teacher.rawValue])))"
        let rows = try await sql.raw("""
            SELECT u.id, u.full_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE \(condition) ORDER BY u.full_name, u.id LIMIT 400
            """).all()
        var order: [UUID] = []
        var entries: [UUID: DirectoryEntry] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self), name = try row.decode(column: "full_name", as: String.self)
            // By name only: the search key also holds phones and emails.
            guard folded.isEmpty || UserSearchKey.fold(name).contains(folded) else { continue }
            guard let r = SchoolRole(rawValue: try row.decode(column: "role", as: String.self)) else { continue }
            if entries[id] == nil { order.append(id); entries[id] = DirectoryEntry(userId: id, fullName: name, roles: [], classes: []) }
            if !entries[id]!.roles.contains(r) { entries[id]!.roles.append(r) }
        }
        let ids = Array(order.prefix(Self.limit))
        if !ids.isEmpty {
            for row in try await sql.raw("""
                SELECT cm.user_id, c.name FROM class_members cm JOIN classes c ON c.id = cm.class_id
                WHERE cm.user_id IN (\(binds: ids)) AND c.school_id = \(bind: schoolID) AND c.kind = 'regular' AND c.archived = \(bind: false)
                """).all() {
                let id = try row.decode(column: "user_id", as: UUID.self), name = try row.decode(column: "name", as: String.self)
                if entries[id]?.classes.contains(name) == false { entries[id]?.classes.append(name) }
            }
        }
        return ids.compactMap { entries[$0] }
    }
}
