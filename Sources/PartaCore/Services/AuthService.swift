import FluentKit
import Foundation
import SQLKit

/// Sign-in by password or one-time code, sessions, and the account's own password.
public struct AuthService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct ClientInfo: Sendable {
        public var ip: String
        public var userAgent: String
        public init(ip: String, userAgent: String) { self.ip = ip; self.userAgent = String(userAgent.prefix(300)) }
    }

    static let invalidCredentials = PartaError(.unauthorized, "invalid_credentials", "Неверный логин или пароль.")

    // MARK: Password sign-in

    public func signInWithPassword(identifier raw: String, password: String, client: ClientInfo) async throws -> SignedIn {
        guard let identifier = LoginIdentifier.parse(raw) else {
            throw PartaError.invalid("login", "Введите телефон, email или логин.")
        }
        try ctx.limiter.hit("signin:ip:\(client.ip)", ctx.rules.signInPerIP)
        try ctx.limiter.hit("signin:acct:\(identifier.value)", ctx.rules.signInPerAccount)
        guard let user = try await Self.findUser(identifier, on: ctx.store.db),
              let hash = user.passwordHash,
              try await ctx.hasher.verify(password, against: hash) else {
            throw Self.invalidCredentials
        }
        guard user.status == AccountStatus.active.rawValue else { throw Self.inactive(user) }
        ctx.limiter.reset("signin:acct:\(identifier.value)")
        return try await openSession(userID: user.requireID(), client: client)
    }

    // MARK: One-time codes

    /// Sends a sign-in code. Answers the same whether or not the account exists, so it cannot be
    /// used to learn who is registered.
    public func requestCode(identifier raw: String, client: ClientInfo) async throws -> CodeSent {
        guard let identifier = LoginIdentifier.parse(raw) else {
            throw PartaError.invalid("login", "Введите телефон или email.")
        }
        guard let channel = Self.codeChannel(for: identifier) else {
            throw PartaError(.badRequest, "code_unavailable", "Для входа по логину используйте пароль.")
        }
        try throttleCodeRequest(to: identifier.value, ip: client.ip)
        let sent = CodeSent(sentTo: identifier.masked, channel: channel.rawValue,
                            expiresInSeconds: Int(ctx.rules.codeLifetime))
        guard let user = try await Self.findUser(identifier, on: ctx.store.db),
              user.status == AccountStatus.active.rawValue else {
            return sent
        }
        try await sendSignInCode(userID: user.requireID(), to: identifier, via: channel, purpose: "signin")
        return sent
    }

    /// Where a one-time code for this identifier goes; nil for a login (a child's account has no phone).
    static func codeChannel(for identifier: LoginIdentifier) -> OutgoingMessage.Channel? {
        switch identifier {
        case .phone: return .sms
        case .email: return .email
        case .login: return nil
        }
    }

    /// Code requests are limited per client address and per destination (a phone or an email).
    func throttleCodeRequest(to destination: String, ip: String) throws {
        try ctx.limiter.hit("code:ip:\(ip)", ctx.rules.codeRequestsPerIP)
        try ctx.limiter.hit("code:acct:\(destination)", ctx.rules.codeRequestsPerAccount)
    }

    /// Issues a code and sends it as the sign-in message (sign-in by code, joining by an invite link).
    func sendSignInCode(userID: UUID, to identifier: LoginIdentifier, via channel: OutgoingMessage.Channel, purpose: String) async throws {
        let code = try await issueCode(userID: userID, destination: identifier.value, purpose: purpose)
        try await ctx.outbox.send(OutgoingMessage(
            channel: channel, to: identifier.value, subject: "Код для входа в Parta",
            text: "Код для входа в Parta: \(code). Он действует 10 минут. Никому не сообщайте его."))
    }

    public func verifyCode(identifier raw: String, code: String, client: ClientInfo) async throws -> SignedIn {
        guard let identifier = LoginIdentifier.parse(raw) else {
            throw PartaError.invalid("login", "Введите телефон или email.")
        }
        try ctx.limiter.hit("signin:ip:\(client.ip)", ctx.rules.signInPerIP)
        guard let user = try await Self.findUser(identifier, on: ctx.store.db) else { throw Self.wrongCode }
        let userID = try user.requireID()
        try await consumeCode(userID: userID, purpose: "signin", code: code)
        guard user.status == AccountStatus.active.rawValue else { throw Self.inactive(user) }
        return try await openSession(userID: userID, client: client)
    }

    static let wrongCode = PartaError(.unauthorized, "invalid_code", "Неверный или устаревший код.")

    /// Creates a code, replacing any earlier unused one of the same purpose. Returns the plain code
    /// for the caller to send; only its hash is stored.
    func issueCode(userID: UUID, destination: String, purpose: String) async throws -> String {
        let code = Secrets.sixDigitCode()
        let now = ctx.clock.now()
        let lifetime = ctx.rules.codeLifetime
        try await ctx.store.write { db in
            try await OneTimeCodeRecord.query(on: db)
                .filter(\.$userID == userID).filter(\.$purpose == purpose).filter(\.$consumedAt == nil)
                .set(\.$consumedAt, to: now).update()
            let record = OneTimeCodeRecord()
            let id = UUID()
            record.id = id
            record.userID = userID
            record.destination = destination
            record.purpose = purpose
            record.codeHash = Secrets.sha256Hex(id.uuidString + code)
            record.attempts = 0
            record.createdAt = now
            record.expiresAt = now.addingTimeInterval(lifetime)
            try await record.create(on: db)
        }
        return code
    }

    /// Checks a code: at most `codeAttempts` tries, valid for `codeLifetime`, used once.
    func consumeCode(userID: UUID, purpose: String, code: String) async throws {
        let now = ctx.clock.now()
        let maxAttempts = ctx.rules.codeAttempts
        let digits = code.trimmingCharacters(in: .whitespaces)
        let outcome: PartaError? = try await ctx.store.write { db in
            guard let record = try await OneTimeCodeRecord.query(on: db)
                .filter(\.$userID == userID).filter(\.$purpose == purpose).filter(\.$consumedAt == nil)
                .sort(\.$createdAt, .descending).first() else {
                return Self.wrongCode
            }
            if record.expiresAt <= now {
                record.consumedAt = now
                try await record.save(on: db)
                return PartaError(.unauthorized, "code_expired", "Срок действия кода истёк. Запросите новый.")
            }
            if record.attempts >= maxAttempts {
                return PartaError(.unauthorized, "code_attempts_exceeded", "Превышено число попыток. Запросите новый код.")
            }
            record.attempts += 1
            let expected = record.codeHash
            let given = Secrets.sha256Hex((record.id?.uuidString ?? "") + digits)
            if Secrets.constantTimeEquals(expected, given) {
                record.consumedAt = now
                try await record.save(on: db)
                return nil
            }
            if record.attempts >= maxAttempts { record.consumedAt = now }
            try await record.save(on: db)
            return record.attempts >= maxAttempts
                ? PartaError(.unauthorized, "code_attempts_exceeded", "Превышено число попыток. Запросите новый код.")
                : Self.wrongCode
        }
        if let outcome { throw outcome }
    }

    // MARK: Sessions

    func openSession(userID: UUID, client: ClientInfo, on database: (any Database)? = nil) async throws -> SignedIn {
        let token = Secrets.token()
        let now = ctx.clock.now()
        let record = SessionRecord()
        record.id = UUID()
        record.userID = userID
        record.tokenHash = Secrets.sha256Hex(token)
        record.createdAt = now
        record.lastSeenAt = now
        let strict = try await Self.hasStrictSessions(userID: userID, on: database ?? ctx.store.db)
        let limits = ctx.rules.sessionLimits(strict: strict)
        record.expiresAt = now.addingTimeInterval(min(limits.idle, limits.max))
        record.userAgent = client.userAgent
        record.ip = client.ip
        if let database {
            try await record.create(on: database)
        } else {
            try await ctx.store.write { db in try await record.create(on: db) }
        }
        let user = try await UserQueries.view(userID: userID, on: database ?? ctx.store.db)
        return SignedIn(token: token, session: Self.view(record, current: true, limits: limits), user: user)
    }

    static func hasStrictSessions(userID: UUID, on db: any Database) async throws -> Bool {
        let isOperator = try await UserRecord.find(userID, on: db)?.isOperator == true
        let roles = try await MembershipRecord.query(on: db).filter(\.$userID == userID).all().compactMap { SchoolRole(rawValue: $0.role) }
        return Policy.hasStrictSessions(isOperator: isOperator, roles: roles)
    }

    /// A session's two ends: the idle one (last use + idle timeout, stored as `expires_at` and
    /// never past the other) and the absolute one (sign-in + lifetime; nothing moves it). The
    /// limits are those of the person's roles now, so one made administrator gets the shorter ones.
    static func ends(_ s: SessionRecord, limits: (idle: TimeInterval, max: TimeInterval)) -> (idle: Date, absolute: Date) {
        ends(createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt, limits: limits)
    }

    static func ends(createdAt: Date, lastSeenAt: Date, expiresAt: Date,
                     limits: (idle: TimeInterval, max: TimeInterval)) -> (idle: Date, absolute: Date) {
        let absolute = createdAt.addingTimeInterval(limits.max)
        return (min(expiresAt, lastSeenAt.addingTimeInterval(limits.idle), absolute), absolute)
    }

    /// Resolves a bearer token or cookie to the acting person. Nil for unknown, expired or disabled.
    public func authenticate(token: String) async throws -> Actor? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        let db = ctx.store.db
        let tokenHash = Secrets.sha256Hex(token)
        let now = ctx.clock.now()
        if let cached = ctx.actors.get(tokenHash, now: now) { return cached }
        let generation = ctx.actors.currentGeneration()
        // One statement for the session, its person and their roles (a row per role), decoded by
        // column: this runs for every socket of the 8 a.m. bell, and Fluent's models (decoded
        // through reflection) made it most of the server's work at a connect.
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            SELECT s.id AS session_id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.status, u.is_operator,
              m.school_id, m.role, m.verified
            FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN memberships m ON m.user_id = s.user_id
            WHERE s.token_hash = \(bind: tokenHash)
            """).all()
        guard let first = rows.first else { return nil }
        let sessionID = try first.decode(column: "session_id", as: UUID.self)
        let userID = try first.decode(column: "user_id", as: UUID.self)
        let expiresAt = try first.decode(column: "expires_at", as: Date.self)
        let lastSeenAt = try first.decode(column: "last_seen_at", as: Date.self)
        let createdAt = try first.decode(column: "created_at", as: Date.self)
        let isOperator = try first.decode(column: "is_operator", as: Bool.self)
        guard expiresAt > now, try first.decode(column: "status", as: String.self) == AccountStatus.active.rawValue else { return nil }
        var memberships: [Actor.Membership] = []
        for row in rows {
            guard let school = try row.decode(column: "school_id", as: UUID?.self),
                  let role = SchoolRole(rawValue: try row.decode(column: "role", as: String?.self) ?? "") else { continue }
            memberships.append(.init(schoolID: school, role: role, verified: try row.decode(column: "verified", as: Bool?.self) ?? false))
        }
        let limits = ctx.rules.sessionLimits(strict: Policy.hasStrictSessions(isOperator: isOperator, roles: memberships.map(\.role)))
        let ends = Self.ends(createdAt: createdAt, lastSeenAt: lastSeenAt, expiresAt: expiresAt, limits: limits)
        let absoluteEnd = ends.absolute
        var idleEnd = ends.idle
        guard idleEnd > now else { return nil }
        // The idle end follows use (written at most every five minutes to keep reads cheap), never
        // past the absolute end.
        if now.timeIntervalSince(lastSeenAt) > 300 {
            idleEnd = min(now.addingTimeInterval(limits.idle), absoluteEnd)
            let newEnd = idleEnd
            try await ctx.store.write { db in
                try await SessionRecord.query(on: db).filter(\.$id == sessionID)
                    .set(\.$lastSeenAt, to: now).set(\.$expiresAt, to: newEnd).update()
            }
        }
        let homerooms = memberships.contains { $0.role == .teacher }
            ? try await sql.raw("""
                SELECT class_id FROM homeroom_assignments WHERE user_id = \(bind: userID) AND ended_at IS NULL
                """).all().map { try $0.decode(column: "class_id", as: UUID.self) }
            : []
        let actor = Actor(userID: userID, sessionID: sessionID, isOperator: isOperator, memberships: memberships,
                          homeroomClassIDs: Set(homerooms), sessionEndsAt: absoluteEnd)
        // Never served from the cache past the session's end.
        ctx.actors.put(tokenHash, actor, until: min(now.addingTimeInterval(ActorCache.lifetime), idleEnd), readAt: generation)
        return actor
    }

    public func me(_ actor: Actor) async throws -> UserView {
        try await UserQueries.view(userID: actor.userID, on: ctx.store.db)
    }

    public func sessions(_ actor: Actor) async throws -> [SessionView] {
        let now = ctx.clock.now()
        let limits = ctx.rules.sessionLimits(strict: actor.hasStrictSessions)
        return try await SessionRecord.query(on: ctx.store.db)
            .filter(\.$userID == actor.userID).filter(\.$expiresAt > now)
            .sort(\.$lastSeenAt, .descending).all()
            .map { Self.view($0, current: $0.id == actor.sessionID, limits: limits) }
            .filter { $0.expiresAt > now }
    }

    /// Ends one of the actor's own sessions; another person's session id answers "not found".
    public func revokeSession(_ actor: Actor, sessionID: UUID) async throws {
        let userID = actor.userID
        let deleted: Bool = try await ctx.store.write { db in
            guard let s = try await SessionRecord.query(on: db)
                .filter(\.$id == sessionID).filter(\.$userID == userID).first() else { return false }
            try await s.delete(on: db)
            return true
        }
        guard deleted else { throw PartaError.notFound("Сеанс") }
        await ctx.events.publish(.sessionsRevoked(userID: userID, sessionIDs: [sessionID]))
    }

    public func signOut(_ actor: Actor) async throws {
        try await revokeSession(actor, sessionID: actor.sessionID)
    }

    /// Ends all of the actor's sessions, or all but the current one.
    public func revokeAllSessions(_ actor: Actor, keepCurrent: Bool) async throws {
        let userID = actor.userID, current = actor.sessionID
        let ids: [UUID] = try await ctx.store.write { db in
            var query = SessionRecord.query(on: db).filter(\.$userID == userID)
            if keepCurrent { query = query.filter(\.$id != current) }
            let ids = try await query.all().compactMap(\.id)
            if !ids.isEmpty { try await SessionRecord.query(on: db).filter(\.$id ~~ ids).delete() }
            return ids
        }
        await ctx.events.publish(.sessionsRevoked(userID: userID, sessionIDs: ids))
    }

    public func changePassword(_ actor: Actor, current: String?, new: String) async throws {
        try Self.checkPassword(new, rules: ctx.rules)
        let db = ctx.store.db
        guard let user = try await UserRecord.find(actor.userID, on: db) else { throw PartaError.unauthenticated }
        if let hash = user.passwordHash {
            guard let current, try await ctx.hasher.verify(current, against: hash) else {
                throw PartaError(.badRequest, "wrong_password", "Текущий пароль указан неверно.", fields: ["currentPassword": "Неверный пароль."])
            }
        }
        let newHash = try await ctx.hasher.hash(new)
        let userID = actor.userID, sessionID = actor.sessionID
        let ended: [UUID] = try await ctx.store.write { db in
            try await UserRecord.query(on: db).filter(\.$id == userID).set(\.$passwordHash, to: newHash).update()
            // A new password ends every other session: whoever knew the old one is out.
            let others = try await SessionRecord.query(on: db).filter(\.$userID == userID).filter(\.$id != sessionID).all().compactMap(\.id)
            if !others.isEmpty { try await SessionRecord.query(on: db).filter(\.$id ~~ others).delete() }
            return others
        }
        if !ended.isEmpty { await ctx.events.publish(.sessionsRevoked(userID: userID, sessionIDs: ended)) }
    }

    // MARK: Helpers

    static func checkPassword(_ password: String, rules: AuthRules) throws {
        if password.count < rules.minimumPasswordLength {
            throw PartaError.invalid("password", "Пароль должен быть не короче \(rules.minimumPasswordLength) символов.")
        }
        if password.utf8.count > 72 {
            // Bcrypt reads only the first 72 bytes; refuse rather than silently truncate.
            throw PartaError.invalid("password", "Пароль слишком длинный (не больше 72 байт).")
        }
    }

    static func inactive(_ user: UserRecord) -> PartaError {
        user.status == AccountStatus.disabled.rawValue
            ? PartaError(.forbidden, "account_disabled", "Учётная запись отключена.")
            : PartaError(.forbidden, "account_not_activated", "Учётная запись ещё не активирована: откройте ссылку активации.")
    }

    static func findUser(_ identifier: LoginIdentifier, on db: any Database) async throws -> UserRecord? {
        switch identifier {
        case .phone(let p): return try await UserRecord.query(on: db).filter(\.$phone == p).first()
        case .email(let e): return try await UserRecord.query(on: db).filter(\.$email == e).first()
        case .login(let l): return try await UserRecord.query(on: db).filter(\.$login == l).first()
        }
    }

    static func view(_ s: SessionRecord, current: Bool, limits: (idle: TimeInterval, max: TimeInterval)) -> SessionView {
        let (idle, absolute) = ends(s, limits: limits)
        return SessionView(id: s.id!, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: idle, endsAt: absolute,
                           userAgent: s.userAgent, ip: s.ip, current: current)
    }
}

enum UserQueries {
    static func view(userID: UUID, on db: any Database) async throws -> UserView {
        guard let user = try await UserRecord.find(userID, on: db) else { throw PartaError.unauthenticated }
        let memberships = try await MembershipRecord.query(on: db).filter(\.$userID == userID).all()
        let schoolIDs = Array(Set(memberships.map(\.schoolID)))
        let schools = schoolIDs.isEmpty ? [] : try await SchoolRecord.query(on: db).filter(\.$id ~~ schoolIDs).all()
        let names = Dictionary(uniqueKeysWithValues: schools.map { ($0.id!, $0.shortName.isEmpty ? $0.name : $0.shortName) })
        return UserView(
            id: userID, fullName: user.fullName, phone: user.phone, email: user.email, login: user.login,
            status: AccountStatus(rawValue: user.status) ?? .disabled, isOperator: user.isOperator,
            hasPassword: user.passwordHash != nil, locale: user.locale,
            memberships: memberships.compactMap { m in
                guard let role = SchoolRole(rawValue: m.role) else { return nil }
                return .init(schoolId: m.schoolID, schoolName: names[m.schoolID] ?? "", role: role, verified: m.verified)
            }.sorted { ($0.schoolName, $0.role.rawValue) < ($1.schoolName, $1.role.rawValue) },
            photo: try await UserPhoto.tokens(of: [userID], on: db)[userID])
    }
}
