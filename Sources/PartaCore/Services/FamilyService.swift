import FluentKit
import Foundation

/// Families and children without phones (§2.6): a parent sees their own children only; the
/// homeroom teacher (or an administrator) adds a student, gives a child a login and a password,
/// or prints one-time activation codes for the whole class; a linked parent sets their own
/// child's login and password.
public struct FamilyService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// Activation codes live 30 days; 10 characters of an alphabet without look-alikes (≈50 bits),
    /// and every attempt counts against the sign-in limit of the address.
    public static let codeLifetime: TimeInterval = 30 * 86_400
    static let codeAlphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    static let codePurpose = "child_activation"

    /// The signed-in parent's children, in every school, with their classes.
    public func myChildren(_ actor: Actor) async throws -> [ChildView] {
        let db = ctx.store.db
        let links = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID).all()
        guard !links.isEmpty else { return [] }
        let childIDs = links.map(\.childID)
        let users = try await UserRecord.query(on: db).filter(\.$id ~~ childIDs).all()
        let seats = try await ClassMemberRecord.query(on: db).filter(\.$userID ~~ childIDs).filter(\.$role == SchoolRole.student.rawValue).all()
        let classes = seats.isEmpty ? [] : try await ClassRecord.query(on: db).filter(\.$id ~~ seats.map(\.classID)).all()
        let schools = try await SchoolRecord.query(on: db).filter(\.$id ~~ Array(Set(links.map(\.schoolID)))).all()
        return links.compactMap { link in
            guard let child = users.first(where: { $0.id == link.childID }) else { return nil }
            let cls = classes.first { c in seats.contains { $0.userID == link.childID && $0.classID == c.id } && c.schoolID == link.schoolID }
            let school = schools.first { $0.id == link.schoolID }
            return ChildView(userId: link.childID, fullName: child.fullName, login: child.login,
                             status: AccountStatus(rawValue: child.status) ?? .pending, schoolId: link.schoolID,
                             schoolName: school.map { $0.shortName.isEmpty ? $0.name : $0.shortName } ?? "",
                             classId: cls?.id, className: cls?.name)
        }.sorted { $0.fullName < $1.fullName }
    }

    /// A student added to the class by hand (a child without a phone), with a login and password
    /// now or an activation code later.
    public func addStudent(_ actor: Actor, classID: UUID, fullName raw: String, login: String?, password: String?) async throws -> ClassRosterView.Person {
        let fullName = Text.cleanLine(raw)
        guard (2...200).contains(fullName.count), fullName.split(separator: " ").count >= 2 else {
            throw PartaError.invalid("fullName", "Укажите фамилию и имя ученика.")
        }
        let credentials = try await self.credentials(login: login, password: password, required: false)
        let now = ctx.clock.now()
        let userID: UUID = try await ctx.store.write { db in
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            guard Policy.canManageChildAccounts(actor, schoolID: cls.schoolID, classID: classID) else { throw Self.refused }
            guard cls.kind == ClassKind.regular.rawValue, !cls.archived else { throw PartaError.invalid("classId", "Учеников добавляют в действующий класс.") }
            if let login = credentials?.login { try await Self.ensureLoginFree(login, on: db) }
            let user = UserRecord()
            user.fullName = fullName; user.login = credentials?.login; user.passwordHash = credentials?.hash
            user.status = (credentials == nil ? AccountStatus.pending : .active).rawValue
            user.isOperator = false; user.locale = "ru"; user.createdAt = now
            try await user.create(on: db)
            let id = try user.requireID()
            _ = try await Enrollment.enroll(userID: id, in: cls, role: .student, childID: nil, actorID: actor.userID,
                                            note: "добавлен вручную", now: now, on: db)
            try await Audit.record(actor, schoolID: cls.schoolID, action: "student.add", targetUserID: id, target: fullName,
                                   details: cls.name, at: now, on: db)
            return id
        }
        try await RosterChats.sync(ctx, userIDs: [userID])
        return try await person(userID)
    }

    /// Sets a child's login and password (and activates the account): the homeroom teacher or an
    /// administrator of the child's class, or a parent linked to the child.
    public func setCredentials(_ actor: Actor, childID: UUID, login: String, password: String) async throws -> ClassRosterView.Person {
        guard let credentials = try await self.credentials(login: login, password: password, required: true) else { throw Self.refused }
        let now = ctx.clock.now()
        try await ctx.store.write { db in
            let schoolID = try await requireChildRights(actor, childID: childID, on: db)
            guard let child = try await UserRecord.find(childID, on: db) else { throw PartaError.notFound("Ученик") }
            guard child.phone == nil && child.email == nil else {
                throw PartaError(.conflict, "has_contact", "У ученика есть телефон или email: он входит по ним сам.")
            }
            if child.login != credentials.login { try await Self.ensureLoginFree(credentials.login, on: db) }
            guard child.status != AccountStatus.disabled.rawValue else { throw AuthService.inactive(child) }
            child.login = credentials.login; child.passwordHash = credentials.hash; child.status = AccountStatus.active.rawValue
            try await child.save(on: db)
            try await LinkTokenRecord.query(on: db).filter(\.$userID == childID).filter(\.$purpose == Self.codePurpose)
                .filter(\.$usedAt == nil).set(\.$usedAt, to: now).update()
            try await Audit.record(actor, schoolID: schoolID, action: "student.credentials", targetUserID: childID, target: child.fullName,
                                   details: credentials.login, at: now, on: db)
        }
        await ctx.events.publish(.sessionsRevoked(userID: childID, sessionIDs: nil))
        return try await person(childID)
    }

    /// One-time activation codes for every student of the class who has no way to sign in yet
    /// (no password, phone or email). Issuing again replaces the earlier unused codes.
    public func activationCodes(_ actor: Actor, classID: UUID) async throws -> [ActivationCard] {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            guard Policy.canManageChildAccounts(actor, schoolID: cls.schoolID, classID: classID) else { throw Self.refused }
            let ids = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID)
                .filter(\.$role == SchoolRole.student.rawValue).all().map(\.userID)
            let students = ids.isEmpty ? [] : try await UserRecord.query(on: db).filter(\.$id ~~ ids).sort(\.$fullName).all()
                .filter { $0.passwordHash == nil && $0.phone == nil && $0.email == nil && $0.status == AccountStatus.pending.rawValue }
            var cards: [ActivationCard] = []
            for student in students {
                let id = try student.requireID()
                try await LinkTokenRecord.query(on: db).filter(\.$userID == id).filter(\.$purpose == Self.codePurpose)
                    .filter(\.$usedAt == nil).delete()
                let code = Self.newCode()
                let token = LinkTokenRecord()
                token.purpose = Self.codePurpose; token.tokenHash = Secrets.sha256Hex(code); token.userID = id
                token.createdAt = now; token.expiresAt = now.addingTimeInterval(Self.codeLifetime)
                try await token.create(on: db)
                cards.append(ActivationCard(userId: id, fullName: student.fullName, className: cls.name,
                                            code: Self.display(code), expiresAt: token.expiresAt))
            }
            try await Audit.record(actor, schoolID: cls.schoolID, action: "student.activation_codes", target: cls.name,
                                   details: "кодов: \(cards.count)", at: now, on: db)
            return cards
        }
    }

    /// A child enters the printed code, picks a login and a password, and is signed in.
    public func activateChild(code raw: String, login: String, password: String, client: AuthService.ClientInfo) async throws -> SignedIn {
        try ctx.limiter.hit("signin:ip:\(client.ip)", ctx.rules.signInPerIP)
        let code = raw.uppercased().filter { $0.isLetter || $0.isNumber }
        guard let credentials = try await self.credentials(login: login, password: password, required: true) else { throw Self.badCode }
        let now = ctx.clock.now()
        let auth = AuthService(ctx)
        return try await ctx.store.write { db in
            guard code.count == 10, let token = try await LinkTokenRecord.query(on: db).filter(\.$tokenHash == Secrets.sha256Hex(code))
                .filter(\.$purpose == Self.codePurpose).first(), token.usedAt == nil, token.expiresAt > now,
                  let userID = token.userID, let child = try await UserRecord.find(userID, on: db) else { throw Self.badCode }
            guard child.status != AccountStatus.disabled.rawValue else { throw AuthService.inactive(child) }
            try await Self.ensureLoginFree(credentials.login, on: db)
            child.login = credentials.login; child.passwordHash = credentials.hash; child.status = AccountStatus.active.rawValue
            try await child.save(on: db)
            token.usedAt = now
            try await token.save(on: db)
            return try await auth.openSession(userID: userID, client: client, on: db)
        }
    }

    // MARK: Helpers

    static let refused = PartaError(.forbidden, "forbidden", "Учётные записи учеников ведут классный руководитель, администратор и родители.")
    static let badCode = PartaError(.badRequest, "bad_activation_code", "Код не подходит: проверьте его или попросите новый у классного руководителя.",
                                    fields: ["code": "Код не подходит."])

    /// The school of the child, if the actor may manage the child's account; "not found" otherwise.
    private func requireChildRights(_ actor: Actor, childID: UUID, on db: any Database) async throws -> UUID {
        let seats = try await ClassMemberRecord.query(on: db).filter(\.$userID == childID).filter(\.$role == SchoolRole.student.rawValue).all()
        let classes = seats.isEmpty ? [] : try await ClassRecord.query(on: db).filter(\.$id ~~ seats.map(\.classID)).all()
        for cls in classes where Policy.canManageChildAccounts(actor, schoolID: cls.schoolID, classID: cls.id!) { return cls.schoolID }
        if let link = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID).filter(\.$childID == childID).first(),
           Policy.canManageChildAccountAsParent(actor, schoolID: link.schoolID) {
            return link.schoolID
        }
        throw PartaError.notFound("Ученик")
    }

    private func credentials(login: String?, password: String?, required: Bool) async throws -> (login: String, hash: String)? {
        let login = login?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = password ?? ""
        if !required && login.isEmpty && password.isEmpty { return nil }
        guard let normalized = Login.normalize(login) else {
            throw PartaError.invalid("login", "Логин: 3–32 латинские буквы, цифры, точка, дефис или подчёркивание; начинается с буквы.")
        }
        try AuthService.checkPassword(password, rules: ctx.rules)
        return (normalized, try await ctx.hasher.hash(password))
    }

    static func ensureLoginFree(_ login: String, on db: any Database) async throws {
        if try await UserRecord.query(on: db).filter(\.$login == login).count() > 0 {
            throw PartaError(.conflict, "login_taken", "Этот логин уже занят.", fields: ["login": "Логин занят."])
        }
    }

    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in codeAlphabet.randomElement(using: &generator)! })
    }

    /// «ABCDE-FGHJK»: easier to copy from paper.
    static func display(_ code: String) -> String { String(code.prefix(5)) + "-" + String(code.suffix(5)) }

    private func person(_ id: UUID) async throws -> ClassRosterView.Person {
        guard let u = try await UserRecord.find(id, on: ctx.store.db) else { throw PartaError.notFound("Ученик") }
        return ClassRosterService.person(id, u)
    }
}
