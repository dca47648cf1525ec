import FluentKit
import Foundation
import SQLKit

/// Invite links for (class, role) (§2.1, §2.3–§2.6): administrators make them with an expiry and
/// a use limit, see how many joined, revoke one or every unused one. A person opening a link joins
/// that class in that role — signed in already, or identified by a one-time code to their phone or
/// email (a new account is made on the spot). A link grants nothing else, and nothing at all once
/// revoked, expired or used up; the use limit holds under concurrent joins.
public struct InviteService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxLifetimeDays = 365
    public static let maxUsesLimit = 10_000

    // MARK: Administrators

    public func create(_ actor: Actor, classID: UUID, role: SchoolRole, expiresInDays: Int?, maxUses: Int?,
                       needsApproval: Bool = false) async throws -> InviteView {
        var problems: [String: String] = [:]
        if let days = expiresInDays, !(1...Self.maxLifetimeDays ~= days) { problems["expiresInDays"] = "Срок действия: от 1 до \(Self.maxLifetimeDays) дней." }
        if let uses = maxUses, !(1...Self.maxUsesLimit ~= uses) { problems["maxUses"] = "Число использований: от 1 до \(Self.maxUsesLimit)." }
        if !problems.isEmpty { throw PartaError.validation(problems) }
        try ctx.limiter.hitCreation(.invites, by: actor.userID, ctx.rules.creation)
        let now = ctx.clock.now()
        let record: InviteLinkRecord = try await ctx.store.write { db in
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            let kind = ClassKind(rawValue: cls.kind) ?? .regular
            guard Policy.inviteRoles(for: kind).contains(role) else {
                try Self.requireRights(actor, schoolID: cls.schoolID, classID: classID, role: .student)
                throw PartaError.invalid("role", kind == .staffRoom
                    ? "В «Учительскую» приглашают учителей, директора и заместителей."
                    : "В класс приглашают учеников и родителей.")
            }
            try Self.requireRights(actor, schoolID: cls.schoolID, classID: classID, role: role)
            guard !cls.archived else { throw PartaError(.conflict, "class_archived", "Класс в архиве: в него не приглашают.") }
            let link = InviteLinkRecord()
            link.schoolID = cls.schoolID; link.classID = classID; link.role = role.rawValue
            link.token = Secrets.token(); link.createdBy = actor.userID; link.createdAt = now
            link.expiresAt = expiresInDays.map { now.addingTimeInterval(TimeInterval($0) * 86_400) }
            link.maxUses = maxUses; link.uses = 0; link.needsApproval = needsApproval
            try await link.create(on: db)
            try await Audit.record(actor, schoolID: cls.schoolID, action: "invite.create", target: "\(cls.name), \(role.rawValue)",
                                   details: needsApproval ? "с подтверждением" : "", at: now, on: db)
            return link
        }
        return try await views([record], on: ctx.store.db)[0]
    }

    /// The school's links, newest first; `activeOnly` leaves out revoked, expired and used-up ones.
    /// A homeroom teacher sees the links of their own classes.
    public func list(_ actor: Actor, schoolID: UUID, activeOnly: Bool) async throws -> [InviteView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var query = InviteLinkRecord.query(on: db).filter(\.$schoolID == schoolID)
        if !Policy.canManageInvites(actor, schoolID: schoolID) {
            let own = actor.homeroomClassIDs.filter { Policy.isHomeroomTeacher(actor, schoolID: schoolID, classID: $0) }
            guard !own.isEmpty else { try Self.requireRights(actor, schoolID: schoolID, classID: nil, role: .student); return [] }
            query = query.filter(\.$classID ~~ Array(own))
        }
        let all = try await views(query.sort(\.$createdAt, .descending).all(), on: db)
        return activeOnly ? all.filter { $0.state == .active } : all
    }

    public func revoke(_ actor: Actor, inviteID: UUID) async throws -> InviteView {
        let now = ctx.clock.now()
        let record: InviteLinkRecord = try await ctx.store.write { db in
            guard let link = try await InviteLinkRecord.find(inviteID, on: db),
                  Policy.canViewSchool(actor, schoolID: link.schoolID) else { throw PartaError.notFound("Ссылка") }
            try Self.requireRights(actor, schoolID: link.schoolID, classID: link.classID, role: SchoolRole(rawValue: link.role) ?? .teacher)
            if link.revokedAt == nil {
                link.revokedAt = now; link.revokedBy = actor.userID
                try await link.save(on: db)
                try await Audit.record(actor, schoolID: link.schoolID, action: "invite.revoke", target: link.role, at: now, on: db)
            }
            return link
        }
        return try await views([record], on: ctx.store.db)[0]
    }

    /// Revokes every link of the school that is still active and nobody has used (§2.1
    /// "аннулирует невостребованные ссылки"). Returns how many.
    public func revokeUnused(_ actor: Actor, schoolID: UUID) async throws -> Int {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Self.requireRights(actor, schoolID: schoolID, classID: nil, role: .teacher)
            let unused = try await InviteLinkRecord.query(on: db).filter(\.$schoolID == schoolID)
                .filter(\.$revokedAt == nil).filter(\.$uses == 0).all()
                .filter { Self.state(of: $0, now: now) == .active }
            for link in unused {
                link.revokedAt = now; link.revokedBy = actor.userID
                try await link.save(on: db)
            }
            try await Audit.record(actor, schoolID: schoolID, action: "invite.revoke_unused", target: "\(unused.count)", at: now, on: db)
            return unused.count
        }
    }

    // MARK: The person who opens a link

    public func preview(token: String) async throws -> InvitePreview {
        let db = ctx.store.db
        let link = try await Self.find(token: token, on: db)
        guard let school = try await SchoolRecord.find(link.schoolID, on: db),
              let cls = try await ClassRecord.find(link.classID, on: db) else { throw Self.unknownLink }
        var state = Self.state(of: link, now: ctx.clock.now())
        if cls.archived && state == .active { state = .revoked }   // an archived class takes nobody
        return InvitePreview(schoolName: school.shortName.isEmpty ? school.name : school.shortName, className: cls.name,
                             role: SchoolRole(rawValue: link.role) ?? .student, state: state, expiresAt: link.expiresAt,
                             needsApproval: link.needsApproval)
    }

    /// Step 1 for a person without a session: their name and phone or email (and, on a parent
    /// link, their child's name, checked now so step 2 cannot fail on it); a code goes there.
    /// A new account is prepared (inactive until the code is entered); an existing one keeps its name.
    /// `askHomeroom`: on a parent link, a child's name that matches nobody is not refused: joining
    /// then makes a request to the class's homeroom teacher, who picks the student.
    public func requestCode(token: String, fullName rawName: String, login raw: String, childName: String?,
                            askHomeroom: Bool = false, client: AuthService.ClientInfo) async throws -> CodeSent {
        let fullName = Text.cleanLine(rawName)
        var problems: [String: String] = [:]
        if fullName.count < 2 || fullName.count > 200 { problems["fullName"] = "Укажите фамилию и имя." }
        let identifier = LoginIdentifier.parse(raw)
        let channel = identifier.flatMap(AuthService.codeChannel)
        if channel == nil { problems["login"] = "Введите мобильный телефон или email." }
        guard problems.isEmpty, let identifier, let channel else { throw PartaError.validation(problems) }
        let link = try await Self.find(token: token, on: ctx.store.db)
        try Self.requireActive(link, now: ctx.clock.now())
        if link.role == SchoolRole.parent.rawValue {
            if askHomeroom { _ = try Self.typedChildName(childName) }
            else { _ = try await Enrollment.matchChild(named: childName ?? "", in: link.classID, on: ctx.store.db) }
        }
        let auth = AuthService(ctx)
        try auth.throttleCodeRequest(to: identifier.value, ip: client.ip)

        let now = ctx.clock.now()
        let user: UserRecord = try await ctx.store.write { db in
            if let existing = try await AuthService.findUser(identifier, on: db) { return existing }
            let user = UserRecord()
            user.fullName = fullName
            if case let .phone(p) = identifier { user.phone = p }
            if case let .email(e) = identifier { user.email = e }
            user.status = AccountStatus.pending.rawValue; user.isOperator = false; user.locale = "ru"; user.createdAt = now
            try await user.create(on: db)
            return user
        }
        let sent = CodeSent(sentTo: identifier.masked, channel: channel.rawValue, expiresInSeconds: Int(ctx.rules.codeLifetime))
        guard user.status != AccountStatus.disabled.rawValue else { return sent }
        try await auth.sendSignInCode(userID: user.requireID(), to: identifier, via: channel, purpose: "join")
        return sent
    }

    /// Step 2: the code. The account becomes active, the person joins (or waits for approval) and is signed in.
    public func joinWithCode(token: String, login raw: String, code: String, childName: String?, askHomeroom: Bool = false,
                             client: AuthService.ClientInfo) async throws -> (SignedIn, Joined) {
        guard let identifier = LoginIdentifier.parse(raw) else { throw PartaError.invalid("login", "Введите мобильный телефон или email.") }
        try ctx.limiter.hit("signin:ip:\(client.ip)", ctx.rules.signInPerIP)
        let link = try await Self.find(token: token, on: ctx.store.db)
        try Self.requireActive(link, now: ctx.clock.now())
        guard let user = try await AuthService.findUser(identifier, on: ctx.store.db) else { throw AuthService.wrongCode }
        let userID = try user.requireID()
        let auth = AuthService(ctx)
        try await auth.consumeCode(userID: userID, purpose: "join", code: code)
        guard user.status != AccountStatus.disabled.rawValue else { throw AuthService.inactive(user) }
        let joined = try await join(userID: userID, token: token, childName: childName, askHomeroom: askHomeroom, activate: true)
        let signedIn = try await auth.openSession(userID: userID, client: client)
        return (signedIn, joined)
    }

    /// A signed-in person joins with the link (a parent names their child).
    public func join(_ actor: Actor, token: String, childName: String?, askHomeroom: Bool = false) async throws -> Joined {
        try await join(userID: actor.userID, token: token, childName: childName, askHomeroom: askHomeroom, activate: false)
    }

    func join(userID: UUID, token: String, childName: String?, askHomeroom: Bool = false, activate: Bool) async throws -> Joined {
        do {
            let joined = try await joinOnce(userID: userID, token: token, childName: childName, askHomeroom: askHomeroom, activate: activate)
            // New roles or classes: open sockets and cached sign-ins see them at once, and the
            // class's roster-bound chats take them in (`RosterChats.follow`).
            await ctx.events.publish(.membershipChanged(userID: userID))
            // A request to decide, or a teacher to confirm: the deciders' badges move.
            if joined.pending || (joined.joined && joined.role == .teacher && !joined.verified) {
                await BadgeService(ctx).schoolQueuesChanged(schoolID: joined.schoolId, classID: joined.classId)
            }
            return joined
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The same person joining twice at the same instant: the other request wins, this one changes nothing.
            throw Self.joinInProgress
        }
    }

    /// A parent's child as typed, when asking the homeroom teacher: surname and name, as for a match.
    static func typedChildName(_ raw: String?) throws -> String {
        let name = Text.cleanLine(raw ?? "")
        guard UserSearchKey.fold(name).split(separator: " ").count >= 2, name.count <= 200 else {
            throw PartaError.invalid("childName", "Укажите фамилию и имя ребёнка, как в школе.")
        }
        return name
    }

    private func joinOnce(userID: UUID, token: String, childName: String?, askHomeroom: Bool, activate: Bool) async throws -> Joined {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            let link = try await Self.find(token: token, on: db)
            try Self.requireActive(link, now: now)
            guard let cls = try await ClassRecord.find(link.classID, on: db), !cls.archived else { throw Self.unknownLink }
            let role = SchoolRole(rawValue: link.role) ?? .student
            // A parent names their child; a name that matches nobody (or several) goes to the homeroom
            // teacher as a request when the parent asked for that, instead of a refusal.
            var child: UserRecord?
            var unmatchedChild: String?
            if role == .parent {
                do { child = try await Enrollment.matchChild(named: childName ?? "", in: link.classID, on: db) } catch let e as PartaError
                    where askHomeroom && (e.code == "child_not_found" || e.code == "child_ambiguous") {
                    unmatchedChild = try Self.typedChildName(childName)
                }
            }
            if activate, let user = try await UserRecord.find(userID, on: db), user.status == AccountStatus.pending.rawValue {
                user.status = AccountStatus.active.rawValue
                try await user.save(on: db)
            }
            let classID = try cls.requireID()
            let childID = try child?.requireID()
            func answer(joined: Bool, verified: Bool, pending: Bool) -> Joined {
                Joined(schoolId: link.schoolID, classId: classID, className: cls.name, role: role, joined: joined,
                       verified: verified, pending: pending, childName: child?.fullName)
            }
            let membership = try await MembershipRecord.query(on: db).filter(\.$schoolID == link.schoolID)
                .filter(\.$userID == userID).filter(\.$role == role.rawValue).first()
            let inClass = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID)
                .filter(\.$userID == userID).filter(\.$role == role.rawValue).count() > 0
            let alreadyHere = membership != nil && inClass
            if let membership, alreadyHere, unmatchedChild == nil {
                // Already here: a parent may still add another child of this class; no use is spent.
                var linked = false
                if let childID { linked = try await Enrollment.linkFamily(schoolID: link.schoolID, parentID: userID, childID: childID, now: now, on: db) }
                return answer(joined: linked, verified: membership.verified, pending: false)
            }
            try await Self.checkMayJoinByLink(userID: userID, schoolID: link.schoolID, role: role, on: db)
            if role == .student, membership != nil {
                throw PartaError(.conflict, "already_in_another_class", "Вы уже ученик другого класса этой школы. Перевод оформляет администратор.")
            }
            let needsApproval = link.needsApproval || unmatchedChild != nil
            if needsApproval {
                let waiting = try await JoinRequestRecord.query(on: db).filter(\.$classID == classID).filter(\.$userID == userID)
                    .filter(\.$role == role.rawValue).filter(\.$status == JoinRequestStatus.pending.rawValue).count() > 0
                if waiting { return answer(joined: false, verified: false, pending: true) }
            }
            if !alreadyHere { try await Self.spendUse(of: link, on: db) }   // a parent asking about another child spends none
            if needsApproval {
                let request = JoinRequestRecord()
                request.schoolID = link.schoolID; request.classID = classID; request.inviteID = try link.requireID()
                request.userID = userID; request.role = role.rawValue; request.childID = childID; request.childNameTyped = unmatchedChild
                request.status = JoinRequestStatus.pending.rawValue; request.createdAt = now
                try await request.create(on: db)
                return answer(joined: false, verified: false, pending: true)
            }
            let result = try await Enrollment.enroll(userID: userID, in: cls, role: role, childID: childID, actorID: nil,
                                                     note: "по ссылке-приглашению", now: now, on: db)
            // Another request of the same person joined while this one waited for the link's row
            // (PostgreSQL reads what committed meanwhile): roll back, so the use is not spent twice.
            guard result.added else { throw Self.joinInProgress }
            return answer(joined: true, verified: result.membership.verified, pending: false)
        }
    }

    /// A student of the school does not take a staff role by a link (`Policy.mayJoinByLink`).
    static func checkMayJoinByLink(userID: UUID, schoolID: UUID, role: SchoolRole, on db: any Database) async throws {
        let existing = Set(try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == userID)
            .all().compactMap { SchoolRole(rawValue: $0.role) })
        guard Policy.mayJoinByLink(existing: existing, role: role) else {
            throw PartaError(.forbidden, "student_cannot_join_staff",
                             "Вы ученик этой школы: по ссылке для сотрудников войти нельзя. Роль сотрудника назначает администратор школы.")
        }
    }

    /// Spends one use of a link, atomically: the limit holds however many people open it at once.
    static func spendUse(of link: InviteLinkRecord, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw PartaError(.conflict, "unsupported", "SQL database required.") }
        let spent = try await sql.raw("""
            UPDATE invite_links SET uses = uses + 1
            WHERE id = \(bind: try link.requireID()) AND revoked_at IS NULL AND (max_uses IS NULL OR uses < max_uses)
            RETURNING uses
            """).all()
        guard !spent.isEmpty else { throw usedUp }
    }

    // MARK: Helpers

    static let unknownLink = PartaError.notFound("Ссылка-приглашение")
    static let joinInProgress = PartaError(.conflict, "join_in_progress", "Вы уже присоединяетесь по этой ссылке: обновите страницу.")
    static let usedUp = PartaError(.gone, "invite_used_up", "По этой ссылке уже присоединилось максимальное число людей.")

    static func find(token: String, on db: any Database) async throws -> InviteLinkRecord {
        guard token.count >= 20, token.count <= 100,
              let link = try await InviteLinkRecord.query(on: db).filter(\.$token == token).first() else { throw unknownLink }
        return link
    }

    static func state(of link: InviteLinkRecord, now: Date) -> InviteState {
        if link.revokedAt != nil { return .revoked }
        if let expires = link.expiresAt, expires <= now { return .expired }
        if let max = link.maxUses, link.uses >= max { return .usedUp }
        return .active
    }

    static func requireActive(_ link: InviteLinkRecord, now: Date) throws {
        switch state(of: link, now: now) {
        case .active: return
        case .revoked: throw PartaError(.gone, "invite_revoked", "Ссылка-приглашение отозвана. Попросите новую.")
        case .expired: throw PartaError(.gone, "invite_expired", "Срок действия ссылки истёк. Попросите новую.")
        case .usedUp: throw usedUp
        }
    }

    /// Any link of the school (`classID` nil), or a link of one class for one role.
    static func requireRights(_ actor: Actor, schoolID: UUID, classID: UUID?, role: SchoolRole) throws {
        let allowed = classID.map { Policy.canInvite(actor, schoolID: schoolID, classID: $0, role: role) }
            ?? Policy.canManageInvites(actor, schoolID: schoolID)
        guard allowed else {
            throw PartaError(.forbidden, "forbidden", "Ссылками-приглашениями управляет администратор школы.")
        }
    }

    private func views(_ links: [InviteLinkRecord], on db: any Database) async throws -> [InviteView] {
        let classIDs = Array(Set(links.map(\.classID)))
        let userIDs = Array(Set(links.map(\.createdBy)))
        let classes = classIDs.isEmpty ? [] : try await ClassRecord.query(on: db).filter(\.$id ~~ classIDs).all()
        let users = userIDs.isEmpty ? [] : try await UserRecord.query(on: db).filter(\.$id ~~ userIDs).all()
        let className = Dictionary(uniqueKeysWithValues: classes.map { ($0.id!, $0.name) })
        let userName = Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0.fullName) })
        let now = ctx.clock.now()
        return links.map { l in
            InviteView(id: l.id!, schoolId: l.schoolID, classId: l.classID, className: className[l.classID] ?? "",
                       role: SchoolRole(rawValue: l.role) ?? .student, url: ctx.publicURL + "/#/join/" + l.token, token: l.token,
                       createdBy: userName[l.createdBy] ?? "", createdAt: l.createdAt, expiresAt: l.expiresAt,
                       maxUses: l.maxUses, uses: l.uses, revokedAt: l.revokedAt, state: Self.state(of: l, now: now),
                       needsApproval: l.needsApproval)
        }
    }
}
