import FluentKit
import Foundation
import SQLKit

/// The school's people (§2.1): who holds which roles, in which classes — searched and paged on the
/// server; teacher confirmation (§2.3, §2.4); roles changed in place; movement — transfer, leaving
/// the school — with a history of every move (§2.1 "движение обучающихся и педагогических работников").
public struct MemberService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Filter: Sendable {
        public var role: SchoolRole?
        public var verified: Bool?
        public var classID: UUID?
        /// Any part of a name, phone, email or login.
        public var query: String?
        public init(role: SchoolRole? = nil, verified: Bool? = nil, classID: UUID? = nil, query: String? = nil) {
            self.role = role; self.verified = verified; self.classID = classID; self.query = query
        }
    }

    /// People of the school by name, each with all their roles there and their classes.
    public func list(_ actor: Actor, schoolID: UUID, filter: Filter, page: Int, perPage: Int) async throws -> Page<MemberView> {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canViewMembers(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Список участников школы видят администраторы и руководство.")
        }
        if let query = filter.query, query.count > 100 { throw PartaError.invalid("q", "Поиск — до 100 символов.") }
        let page = max(1, page), perPage = min(max(1, perPage), 100)
        // One SQL query for the page's ids and one for the total; the page's details come after.
        // EXISTS per person, walking users in name order (index users(full_name, id)), stops after
        // one page; an `IN (subquery)` would sort every member of the school for each page.
        var membership: SQLQueryString = "SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.school_id = \(bind: schoolID)"
        var byMembership: SQLQueryString = "SELECT COUNT(DISTINCT m.user_id) AS n FROM memberships m WHERE m.school_id = \(bind: schoolID)"
        if let role = filter.role {
            membership = membership + " AND m.role = \(bind: role.rawValue)"
            byMembership = byMembership + " AND m.role = \(bind: role.rawValue)"
        }
        if let verified = filter.verified {
            membership = membership + " AND m.verified = \(bind: verified)"
            byMembership = byMembership + " AND m.verified = \(bind: verified)"
        }
        var condition: SQLQueryString = "EXISTS (" + membership + ")"
        if let classID = filter.classID {
            // A class is a few dozen people: start from them (IN) rather than from everyone by name.
            condition = "u.id IN (SELECT c.user_id FROM class_members c WHERE c.class_id = \(bind: classID)) AND " + condition
        }
        let pattern = filter.query.flatMap(UserSearchKey.pattern)
        if let pattern {
            condition = condition + " AND u.search_key LIKE \(bind: pattern) ESCAPE '\\'"
        }
        let sql = ctx.store.sql
        // Without a class or text filter, the total is counted on the memberships index alone.
        let countQuery: SQLQueryString = filter.classID == nil && pattern == nil
            ? byMembership : "SELECT COUNT(*) AS n FROM users u WHERE " + condition
        let total = try await sql.raw(countQuery).first()?.decode(column: "n", as: Int.self) ?? 0
        let ids = try await sql.raw("SELECT u.id FROM users u WHERE " + condition
            + " ORDER BY u.full_name, u.id LIMIT \(bind: perPage) OFFSET \(bind: (page - 1) * perPage)").all()
            .map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return Page(items: [], total: total, page: page, perPage: perPage) }
        return Page(items: try await Self.views(ids: ids, schoolID: schoolID, on: db), total: total, page: page, perPage: perPage)
    }

    /// Confirms a teacher (§2.3, §2.4): until then they read but cannot create chats with students,
    /// post homework or grade. Confirming twice is harmless.
    public func verifyTeacher(_ actor: Actor, schoolID: UUID, userID: UUID) async throws {
        let now = ctx.clock.now()
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
                try await Audit.record(actor, schoolID: schoolID, action: "teacher.verify", targetUserID: userID,
                                       target: try await Self.name(userID, on: db), at: now, on: db)
            }
        }
        await ctx.events.publish(.membershipChanged(userID: userID))
        await BadgeService(ctx).schoolQueuesChanged(schoolID: schoolID, classID: nil)
    }

    // MARK: Roles in place (§2.1)


    public func setRole(_ actor: Actor, schoolID: UUID, userID: UUID, role: SchoolRole, granted: Bool) async throws -> MemberView {
        guard Policy.assignableRoles.contains(role) else {
            throw PartaError.invalid("role", "Назначаются роли: администратор, директор, заместитель, учитель.")
        }
        let now = ctx.clock.now()
        try await ctx.store.write { db in
            try await Self.requireMember(actor, schoolID: schoolID, userID: userID, on: db)
            let roles = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).all()
            let current = roles.first { $0.role == role.rawValue }
            if granted {
                guard current == nil else { return }
                if role == .admin, !Policy.mayBecomeAdmin(current: roles.compactMap { r in SchoolRole(rawValue: r.role).map { ($0, r.verified) } }) {
                    throw PartaError(.conflict, "not_verified_teacher", "Администратором назначают подтверждённого учителя (§2.1).")
                }
                let m = MembershipRecord()
                m.schoolID = schoolID; m.userID = userID; m.role = role.rawValue; m.verified = true; m.createdAt = now
                try await m.create(on: db)
                if role != .admin, let staffRoom = try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID)
                    .filter(\.$kind == ClassKind.staffRoom.rawValue).first() {
                    _ = try await Enrollment.enroll(userID: userID, in: staffRoom, role: role, childID: nil, actorID: actor.userID,
                                                    note: "назначен администратором", now: now, on: db)
                }
            } else {
                guard let current else { return }
                if role == .admin { try await Self.requireAnotherAdmin(schoolID: schoolID, besides: userID, on: db) }
                if roles.count == 1 {
                    throw PartaError(.conflict, "last_role", "Это единственная роль человека в школе: чтобы убрать её, оформите выбытие.")
                }
                try await current.delete(on: db)
                let classIDs = try await Self.classIDs(of: schoolID, on: db)
                try await ClassMemberRecord.query(on: db).filter(\.$userID == userID).filter(\.$role == role.rawValue)
                    .filter(\.$classID ~~ classIDs).delete()
                if role == .teacher { try await Self.endHomerooms(userID: userID, schoolID: schoolID, at: now, on: db) }
            }
            try await History.record(schoolID: schoolID, userID: userID, kind: granted ? .roleAdded : .roleRemoved, role: role,
                                     from: nil, to: nil, actorID: actor.userID, note: "", at: now, on: db)
            try await Audit.record(actor, schoolID: schoolID, action: granted ? "role.grant" : "role.revoke", targetUserID: userID,
                                   target: try await Self.name(userID, on: db), details: role.russianName, at: now, on: db)
        }
        await ctx.events.publish(.membershipChanged(userID: userID))
        return try await member(schoolID: schoolID, userID: userID)
    }

    // MARK: Movement (§2.1)

    /// Moves a student to another class of the school: the old class's access ends and the new
    /// one's begins in the same transaction; their parents follow them.
    public func transfer(_ actor: Actor, schoolID: UUID, userID: UUID, toClassID: UUID, note: String) async throws -> MemberView {
        guard note.count <= 500 else { throw PartaError.invalid("note", "Примечание — до 500 символов.") }
        let now = ctx.clock.now()
        let movedParents: [UUID] = try await ctx.store.write { db in
            var movedParents: [UUID] = []
            try await Self.requireMember(actor, schoolID: schoolID, userID: userID, on: db)
            guard let target = try await ClassRecord.find(toClassID, on: db), target.schoolID == schoolID else {
                throw PartaError.notFound("Класс")
            }
            guard target.kind == ClassKind.regular.rawValue, !target.archived else {
                throw PartaError.invalid("classId", "Переводят в действующий класс.")
            }
            let classIDs = try await Self.classIDs(of: schoolID, on: db)
            guard let seat = try await ClassMemberRecord.query(on: db).filter(\.$userID == userID)
                .filter(\.$role == SchoolRole.student.rawValue).filter(\.$classID ~~ classIDs).first() else {
                throw PartaError(.conflict, "not_a_student", "Переводят учеников: этот человек не ученик класса.")
            }
            let oldClassID = seat.classID
            guard oldClassID != toClassID else { throw PartaError(.conflict, "same_class", "Ученик уже в этом классе.") }
            let oldName = try await ClassRecord.find(oldClassID, on: db)?.name ?? ""
            seat.classID = toClassID
            try await seat.save(on: db)
            // Parents follow: into the new class; out of the old one unless another child of theirs stays there.
            let parents = try await FamilyLinkRecord.query(on: db).filter(\.$childID == userID).filter(\.$schoolID == schoolID).all()
            for parent in parents {
                let children = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == parent.parentID)
                    .filter(\.$schoolID == schoolID).all().map(\.childID).filter { $0 != userID }
                let siblingsStay = children.isEmpty ? false : try await ClassMemberRecord.query(on: db)
                    .filter(\.$classID == oldClassID).filter(\.$userID ~~ children).filter(\.$role == SchoolRole.student.rawValue).count() > 0
                if !siblingsStay {
                    try await ClassMemberRecord.query(on: db).filter(\.$classID == oldClassID).filter(\.$userID == parent.parentID)
                        .filter(\.$role == SchoolRole.parent.rawValue).delete()
                }
                let there = try await ClassMemberRecord.query(on: db).filter(\.$classID == toClassID).filter(\.$userID == parent.parentID)
                    .filter(\.$role == SchoolRole.parent.rawValue).count() > 0
                if !there {
                    let cm = ClassMemberRecord()
                    cm.classID = toClassID; cm.userID = parent.parentID; cm.role = SchoolRole.parent.rawValue; cm.createdAt = now
                    try await cm.create(on: db)
                }
                movedParents.append(parent.parentID)
            }
            try await History.record(schoolID: schoolID, userID: userID, kind: .transferred, role: .student, from: oldName, to: target.name,
                                     actorID: actor.userID, note: note, at: now, on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "member.transfer", targetUserID: userID,
                                   target: try await Self.name(userID, on: db), details: "\(oldName) → \(target.name)", at: now, on: db)
            return movedParents
        }
        for id in [userID] + movedParents { await ctx.events.publish(.membershipChanged(userID: id)) }
        return try await member(schoolID: schoolID, userID: userID)
    }

    /// The person leaves the school: every role, class and family link there ends at once; their
    /// invite links pass to the administrator who did it. Without a role anywhere else, their
    /// sessions end too. The last administrator cannot leave.
    public func remove(_ actor: Actor, schoolID: UUID, userID: UUID, note: String) async throws {
        guard note.count <= 500 else { throw PartaError.invalid("note", "Примечание — до 500 символов.") }
        let now = ctx.clock.now()
        let remaining: Int = try await ctx.store.write { db in
            try await Self.requireMember(actor, schoolID: schoolID, userID: userID, on: db)
            let roles = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).all()
            if roles.contains(where: { $0.role == SchoolRole.admin.rawValue }) {
                try await Self.requireAnotherAdmin(schoolID: schoolID, besides: userID, on: db)
            }
            let name = try await Self.name(userID, on: db)
            try await Self.leave(userID: userID, schoolID: schoolID, kind: .left, actorID: actor.userID, note: note, now: now, on: db)
            try await InviteLinkRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$createdBy == userID)
                .set(\.$createdBy, to: actor.userID).update()
            try await Audit.record(actor, schoolID: schoolID, action: "member.remove", targetUserID: userID, target: name,
                                   details: [roles.compactMap { SchoolRole(rawValue: $0.role)?.russianName }.sorted().joined(separator: ", "), note].filter { !$0.isEmpty }.joined(separator: "; "),
                                   at: now, on: db)
            return try await MembershipRecord.query(on: db).filter(\.$userID == userID).count()
        }
        try await RosterChats.sync(ctx, userIDs: [userID])   // out of every chat of the school
        let isOperator = try await UserRecord.find(userID, on: ctx.store.db)?.isOperator ?? false
        if remaining == 0 && !isOperator {
            try await ctx.store.write { db in try await SessionRecord.query(on: db).filter(\.$userID == userID).delete() }
            await ctx.events.publish(.sessionsRevoked(userID: userID, sessionIDs: nil))
        } else {
            await ctx.events.publish(.membershipChanged(userID: userID))
        }
    }

    /// Ends everything a person has in a school (leaving, graduation), writing the history.
    static func leave(userID: UUID, schoolID: UUID, kind: History.Kind, actorID: UUID?, note: String, now: Date, on db: any Database) async throws {
        let classIDs = try await classIDs(of: schoolID, on: db)
        let seats = try await ClassMemberRecord.query(on: db).filter(\.$userID == userID).filter(\.$classID ~~ classIDs).all()
        let classNames = Dictionary(uniqueKeysWithValues: try await ClassRecord.query(on: db)
            .filter(\.$id ~~ Array(Set(seats.map(\.classID)))).all().map { ($0.id!, $0.name) })
        try await ClassMemberRecord.query(on: db).filter(\.$userID == userID).filter(\.$classID ~~ classIDs).delete()
        try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).delete()
        try await FamilyLinkRecord.query(on: db).filter(\.$schoolID == schoolID).group(.or) {
            $0.filter(\.$parentID == userID).filter(\.$childID == userID)
        }.delete()
        try await endHomerooms(userID: userID, schoolID: schoolID, at: now, on: db)
        try await JoinRequestRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID)
            .filter(\.$status == JoinRequestStatus.pending.rawValue).delete()
        let from = seats.compactMap { classNames[$0.classID] }.sorted().joined(separator: ", ")
        try await History.record(schoolID: schoolID, userID: userID, kind: kind, role: nil, from: from.isEmpty ? nil : from, to: nil,
                                 actorID: actorID, note: note, at: now, on: db)
    }

    /// The history of a person's moves in the school, newest first.
    public func history(_ actor: Actor, schoolID: UUID, userID: UUID) async throws -> [MemberEventView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canViewMembers(actor, schoolID: schoolID) else { throw PartaError.notFound("Участник") }
        let events = try await MemberEventRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID)
            .sort(\.$at, .descending).range(..<500).all()
        guard !events.isEmpty else {
            _ = try await member(schoolID: schoolID, userID: userID)   // unknown person → 404
            return []
        }
        let actorIDs = Array(Set(events.compactMap(\.actorID)))
        let names = actorIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db)
            .filter(\.$id ~~ actorIDs).all().map { ($0.id!, $0.fullName) })
        return events.map { e in
            MemberEventView(kind: e.kind, role: e.role.flatMap(SchoolRole.init(rawValue:)), fromClass: e.fromClass, toClass: e.toClass,
                            by: e.actorID.flatMap { names[$0] }, note: e.note, at: e.at)
        }
    }

    /// One member as the members list shows them.
    public func member(schoolID: UUID, userID: UUID) async throws -> MemberView {
        let db = ctx.store.db
        let isMember = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).count() > 0
        let wasMember = try await MemberEventRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).count() > 0
        guard isMember || wasMember, let user = try await UserRecord.find(userID, on: db) else { throw PartaError.notFound("Участник") }
        return try await Self.views(ids: [try user.requireID()], schoolID: schoolID, on: db)[0]
    }

    // MARK: Helpers

    /// The acting administrator and a person who is (or was) a member of that school; 404 otherwise.
    static func requireMember(_ actor: Actor, schoolID: UUID, userID: UUID, on db: any Database) async throws {
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canManageMembers(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Движение и роли участников оформляет администратор школы.")
        }
        guard try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID).count() > 0 else {
            throw PartaError.notFound("Участник")
        }
    }

    static func requireAnotherAdmin(schoolID: UUID, besides userID: UUID, on db: any Database) async throws {
        let others = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$role == SchoolRole.admin.rawValue).filter(\.$userID != userID).count()
        guard others > 0 else {
            throw PartaError(.conflict, "last_admin", "Это единственный администратор школы: сначала назначьте другого.")
        }
    }

    static func endHomerooms(userID: UUID, schoolID: UUID, at now: Date, on db: any Database) async throws {
        try await HomeroomAssignmentRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID)
            .filter(\.$endedAt == nil).set(\.$endedAt, to: now).update()
    }

    static func classIDs(of schoolID: UUID, on db: any Database) async throws -> [UUID] {
        try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).all().compactMap(\.id)
    }

    static func name(_ userID: UUID, on db: any Database) async throws -> String {
        try await UserRecord.find(userID, on: db)?.fullName ?? ""
    }

    /// Members as the list shows them, in the order of `ids`. Plain SQL and column decoding: this
    /// runs for every page of the members list, and Fluent's row decoding costs more than the queries.
    static func views(ids: [UUID], schoolID: UUID, on db: any Database) async throws -> [MemberView] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        struct Person { var fullName: String; var phone: String?; var email: String?; var login: String?; var status: String }
        var people: [UUID: Person] = [:]
        for row in try await sql.raw("SELECT id, full_name, phone, email, login, status FROM users WHERE id IN (\(binds: ids))").all() {
            people[try row.decode(column: "id", as: UUID.self)] = Person(
                fullName: try row.decode(column: "full_name", as: String.self), phone: try row.decode(column: "phone", as: String?.self),
                email: try row.decode(column: "email", as: String?.self), login: try row.decode(column: "login", as: String?.self),
                status: try row.decode(column: "status", as: String.self))
        }
        var roles: [UUID: [MemberView.RoleView]] = [:]
        for row in try await sql.raw("""
            SELECT user_id, role, verified FROM memberships WHERE school_id = \(bind: schoolID) AND user_id IN (\(binds: ids))
            """).all() {
            let role = SchoolRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .student
            roles[try row.decode(column: "user_id", as: UUID.self), default: []].append(.init(role: role, verified: try row.decode(column: "verified", as: Bool.self)))
        }
        var classes: [UUID: [MemberView.ClassRef]] = [:]
        for row in try await sql.raw("""
            SELECT cm.user_id, cm.class_id, cm.role, c.name FROM class_members cm JOIN classes c ON c.id = cm.class_id
            WHERE c.school_id = \(bind: schoolID) AND cm.user_id IN (\(binds: ids))
            """).all() {
            classes[try row.decode(column: "user_id", as: UUID.self), default: []].append(.init(
                classId: try row.decode(column: "class_id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                role: SchoolRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .student))
        }
        var links: [(parent: UUID, child: UUID)] = []
        for row in try await sql.raw("""
            SELECT parent_id, child_id FROM family_links
            WHERE school_id = \(bind: schoolID) AND (parent_id IN (\(binds: ids)) OR child_id IN (\(binds: ids)))
            """).all() {
            links.append((try row.decode(column: "parent_id", as: UUID.self), try row.decode(column: "child_id", as: UUID.self)))
        }
        var names = people.mapValues(\.fullName)
        let relatives = Array(Set(links.flatMap { [$0.parent, $0.child] }).subtracting(ids))
        if !relatives.isEmpty {
            for row in try await sql.raw("SELECT id, full_name FROM users WHERE id IN (\(binds: relatives))").all() {
                names[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "full_name", as: String.self)
            }
        }
        return ids.compactMap { id -> MemberView? in
            guard let p = people[id] else { return nil }
            return MemberView(
                userId: id, fullName: p.fullName, phone: p.phone, email: p.email, login: p.login,
                status: AccountStatus(rawValue: p.status) ?? .active,
                roles: (roles[id] ?? []).sorted { $0.role.rawValue < $1.role.rawValue },
                classes: classes[id] ?? [],
                children: links.filter { $0.parent == id }.map { .init(userId: $0.child, fullName: names[$0.child] ?? "") },
                parents: links.filter { $0.child == id }.map { .init(userId: $0.parent, fullName: names[$0.parent] ?? "") })
        }
    }
}
