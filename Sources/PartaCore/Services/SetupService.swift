import FluentKit
import Foundation

/// The operator's first account, created through a one-time setup link printed on first start.
public struct SetupService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func operatorExists() async throws -> Bool {
        try await UserRecord.query(on: ctx.store.db).filter(\.$isOperator == true).count() > 0
    }

    /// Makes a new setup link (valid for `setupLinkLifetime`, usable once) and returns its URL.
    public func makeSetupLink() async throws -> String {
        let token = Secrets.token()
        let now = ctx.clock.now()
        let lifetime = ctx.rules.setupLinkLifetime
        try await ctx.store.write { db in
            let link = LinkTokenRecord()
            link.purpose = "setup"
            link.tokenHash = Secrets.sha256Hex(token)
            link.createdAt = now
            link.expiresAt = now.addingTimeInterval(lifetime)
            try await link.create(on: db)
        }
        return "\(ctx.publicURL)/#/setup/\(token)"
    }

    /// On start: a link only while there is no operator yet.
    public func setupLinkIfNeeded() async throws -> String? {
        try await operatorExists() ? nil : try await makeSetupLink()
    }

    public func checkToken(_ token: String) async throws {
        _ = try await LinkTokens.find(token, purpose: "setup", now: ctx.clock.now(), on: ctx.store.db)
    }

    public struct OperatorForm: Sendable {
        public var fullName: String, email: String, phone: String, password: String
        public init(fullName: String, email: String, phone: String, password: String) {
            self.fullName = fullName; self.email = email; self.phone = phone; self.password = password
        }
    }

    public func completeSetup(token: String, form: OperatorForm, client: AuthService.ClientInfo) async throws -> SignedIn {
        var problems: [String: String] = [:]
        let name = Text.cleanLine(form.fullName)
        if name.count < 2 || name.count > 200 { problems["fullName"] = "Укажите ФИО." }
        let email = Email.normalize(form.email)
        if email == nil { problems["email"] = "Неверный email." }
        let phone = form.phone.trimmingCharacters(in: .whitespaces).isEmpty ? nil : Phone.normalize(form.phone)
        if phone == nil && !form.phone.trimmingCharacters(in: .whitespaces).isEmpty { problems["phone"] = "Неверный номер мобильного телефона." }
        do { try AuthService.checkPassword(form.password, rules: ctx.rules) } catch let e as PartaError { problems.merge(e.fields) { a, _ in a } }
        if !problems.isEmpty { throw PartaError.validation(problems) }

        let hash = try await ctx.hasher.hash(form.password)
        let now = ctx.clock.now()
        let auth = AuthService(ctx)
        return try await ctx.store.write { db in
            let link = try await LinkTokens.find(token, purpose: "setup", now: now, on: db)
            try await Users.ensureFree(phone: phone, email: email, on: db)
            let user = UserRecord()
            user.fullName = name
            user.email = email
            user.phone = phone
            user.passwordHash = hash
            user.status = AccountStatus.active.rawValue
            user.isOperator = true
            user.locale = "ru"
            user.createdAt = now
            try await user.create(on: db)
            link.usedAt = now
            link.userID = user.id
            try await link.save(on: db)
            // Once an operator exists, other outstanding setup links are void.
            try await LinkTokenRecord.query(on: db).filter(\.$purpose == "setup").filter(\.$usedAt == nil)
                .set(\.$usedAt, to: now).update()
            return try await auth.openSession(userID: user.requireID(), client: client, on: db)
        }
    }
}

enum LinkTokens {
    /// Finds a live single-use link. Unknown, used and expired links are told apart, so a person
    /// knows to ask for a new one; none of them grants anything.
    static func find(_ token: String, purpose: String, now: Date, on db: any Database) async throws -> LinkTokenRecord {
        guard token.count >= 20, token.count <= 100,
              let link = try await LinkTokenRecord.query(on: db)
                .filter(\.$tokenHash == Secrets.sha256Hex(token)).filter(\.$purpose == purpose).first() else {
            throw PartaError(.notFound, "link_not_found", "Ссылка не найдена. Проверьте, что она скопирована целиком.")
        }
        if link.usedAt != nil { throw PartaError(.gone, "link_used", "Эта ссылка уже использована.") }
        if link.expiresAt <= now { throw PartaError(.gone, "link_expired", "Срок действия ссылки истёк. Запросите новую.") }
        return link
    }
}

enum Users {
    static func ensureFree(phone: String?, email: String?, on db: any Database) async throws {
        if let phone, try await UserRecord.query(on: db).filter(\.$phone == phone).count() > 0 {
            throw PartaError(.conflict, "phone_taken", "Этот номер телефона уже зарегистрирован.", fields: ["phone": "Номер уже зарегистрирован."])
        }
        if let email, try await UserRecord.query(on: db).filter(\.$email == email).count() > 0 {
            throw PartaError(.conflict, "email_taken", "Этот email уже зарегистрирован.", fields: ["email": "Email уже зарегистрирован."])
        }
    }
}
