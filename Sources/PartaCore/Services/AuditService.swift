import FluentKit
import Foundation

/// The audit log (§2.1): every administrative action — who, what, on whom, when, from which
/// address — for the school's administrators, filterable and exportable as CSV.
public struct AuditService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Filter: Sendable {
        public var action: String?
        public var actorID: UUID?
        public var targetUserID: UUID?
        public var from: Date?
        public var to: Date?
        public init(action: String? = nil, actorID: UUID? = nil, targetUserID: UUID? = nil, from: Date? = nil, to: Date? = nil) {
            self.action = action; self.actorID = actorID; self.targetUserID = targetUserID; self.from = from; self.to = to
        }
    }

    public func list(_ actor: Actor, schoolID: UUID, filter: Filter, page: Int, perPage: Int) async throws -> Page<AuditEntryView> {
        let page = max(1, page), perPage = min(max(1, perPage), 500)
        let query = try await self.query(actor, schoolID: schoolID, filter: filter)
        let total = try await query.copy().count()
        let entries = try await query.sort(\.$at, .descending).sort(\.$id, .descending)
            .range((page - 1) * perPage ..< page * perPage).all()
        return Page(items: entries.map(Self.view), total: total, page: page, perPage: perPage)
    }

    /// The filtered log as CSV (`CSVWriter`: what Excel opens, Cyrillic included), newest first.
    public func csv(_ actor: Actor, schoolID: UUID, filter: Filter) async throws -> String {
        let entries = try await query(actor, schoolID: schoolID, filter: filter).sort(\.$at, .descending).range(..<100_000).all()
        var out = CSVWriter(header: ["Когда (UTC)", "Кто", "Действие", "Над кем", "Подробности", "IP"])
        let formatter = ISO8601DateFormatter()
        for e in entries {
            out.append([formatter.string(from: e.at), e.actorName, e.action, e.target, e.details, e.ip])
        }
        return out.text
    }

    private func query(_ actor: Actor, schoolID: UUID, filter: Filter) async throws -> QueryBuilder<AuditRecord> {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canManageMembers(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Журнал действий видят администраторы школы.")
        }
        var query = AuditRecord.query(on: db).filter(\.$schoolID == schoolID)
        if let action = filter.action, !action.isEmpty {
            guard action.allSatisfy({ $0.isLetter || $0 == "." || $0 == "_" }), action.count <= 60 else {
                throw PartaError.invalid("action", "Действие: например member или member.transfer.")
            }
            // "member" matches every "member.*" action.
            query = action.contains(".") ? query.filter(\.$action == action) : query.filter(\.$action >= action + ".").filter(\.$action < action + "/")
        }
        if let id = filter.actorID { query = query.filter(\.$actorID == id) }
        if let id = filter.targetUserID { query = query.filter(\.$targetUserID == id) }
        if let from = filter.from { query = query.filter(\.$at >= from) }
        if let to = filter.to { query = query.filter(\.$at < to) }
        return query
    }

    static func view(_ e: AuditRecord) -> AuditEntryView {
        AuditEntryView(id: e.id!, at: e.at, actorId: e.actorID, actorName: e.actorName, action: e.action,
                       targetUserId: e.targetUserID, target: e.target, details: e.details, ip: e.ip)
    }
}
