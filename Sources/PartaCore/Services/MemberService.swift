import FluentKit
import Foundation

/// The school's people (§2.1): who holds which roles, in which classes; administrators confirm
/// teachers (§2.3, §2.4 "верификация статуса учитель"). The list pages on the server.
public struct MemberService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Filter: Sendable {
        public var role: SchoolRole?
        public var verified: Bool?
        public init(role: SchoolRole? = nil, verified: Bool? = nil) { self.role = role; self.verified = verified }
    }

    /// People of the school by name, each with all their roles there and their classes.
    public func list(_ actor: Actor, schoolID: UUID, filter: Filter, page: Int, perPage: Int) async throws -> Page<MemberView> {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canViewMembers(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Список участников школы видят администраторы и руководство.")
        }
        let page = max(1, page), perPage = min(max(1, perPage), 100)
        var matching = MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
        if let role = filter.role { matching = matching.filter(\.$role == role.rawValue) }
        if let verified = filter.verified { matching = matching.filter(\.$verified == verified) }
        let userIDs = Array(Set(try await matching.all().map(\.userID)))
        let total = userIDs.count
        guard total > 0 else { return Page(items: [], total: 0, page: page, perPage: perPage) }
        let users = try await UserRecord.query(on: db).filter(\.$id ~~ userIDs)
            .sort(\.$fullName).sort(\.$id).range((page - 1) * perPage ..< page * perPage).all()
        let ids = users.compactMap(\.id)
        guard !ids.isEmpty else { return Page(items: [], total: total, page: page, perPage: perPage) }
        let memberships = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID ~~ ids).all()
        let classes = try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).all()
        let classIDs = classes.compactMap(\.id)
        let classMembers = classIDs.isEmpty ? [] : try await ClassMemberRecord.query(on: db)
            .filter(\.$classID ~~ classIDs).filter(\.$userID ~~ ids).all()
        let className = Dictionary(uniqueKeysWithValues: classes.map { ($0.id!, $0.name) })
        let items = users.map { u -> MemberView in
            let id = u.id!
            return MemberView(
                userId: id, fullName: u.fullName, phone: u.phone, email: u.email, status: AccountStatus(rawValue: u.status) ?? .active,
                roles: memberships.filter { $0.userID == id }.map { .init(role: SchoolRole(rawValue: $0.role) ?? .student, verified: $0.verified) }
                    .sorted { $0.role.rawValue < $1.role.rawValue },
                classes: classMembers.filter { $0.userID == id }.map {
                    .init(classId: $0.classID, name: className[$0.classID] ?? "", role: SchoolRole(rawValue: $0.role) ?? .student)
                })
        }
        return Page(items: items, total: total, page: page, perPage: perPage)
    }

    /// Confirms a teacher (§2.3, §2.4): until then they read but cannot create chats with students,
    /// post homework or grade. Confirming twice is harmless.
    public func verifyTeacher(_ actor: Actor, schoolID: UUID, userID: UUID) async throws {
        try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            guard Policy.canVerifyTeachers(actor, schoolID: schoolID) else {
                throw PartaError(.forbidden, "forbidden", "Подтверждает учителей администратор школы.")
            }
            guard let membership = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
                .filter(\.$userID == userID).filter(\.$role == SchoolRole.teacher.rawValue).first() else {
                throw PartaError.notFound("Учитель")
            }
            if !membership.verified {
                membership.verified = true
                try await membership.save(on: db)
            }
        }
    }
}
