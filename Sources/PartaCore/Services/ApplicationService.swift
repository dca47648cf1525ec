import FluentKit
import Foundation

/// School registration (§2.1): the public application, the operator's queue, approval that creates
/// the school, and the administrator's activation.
public struct ApplicationService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxOrderFileSize = 10 * 1024 * 1024
    static let allowedOrderTypes: Set<String> = ["application/pdf", "image/png", "image/jpeg", "image/webp"]

    public struct Form: Sendable {
        public var schoolName, shortName, address, region, inn: String
        public var adminFullName, adminEmail, adminPhone: String
        public init(schoolName: String, shortName: String, address: String, region: String, inn: String,
                    adminFullName: String, adminEmail: String, adminPhone: String) {
            self.schoolName = schoolName; self.shortName = shortName; self.address = address
            self.region = region; self.inn = inn; self.adminFullName = adminFullName
            self.adminEmail = adminEmail; self.adminPhone = adminPhone
        }
    }

    public struct Upload: Sendable {
        public var fileName: String
        public var data: Data
        public init(fileName: String, data: Data) { self.fileName = fileName; self.data = data }
    }

    // MARK: Submit (public)

    public func submit(_ form: Form, order: Upload?, ip: String) async throws -> ApplicationReceipt {
        var problems: [String: String] = [:]
        func text(_ value: String, _ field: String, min: Int, max: Int, _ message: String) -> String {
            let v = Text.cleanLine(value)
            if v.count < min || v.count > max { problems[field] = message }
            return v
        }
        let schoolName = text(form.schoolName, "schoolName", min: 3, max: 300, "Укажите полное название школы.")
        let shortName = text(form.shortName, "shortName", min: 2, max: 100, "Укажите краткое название.")
        let address = text(form.address, "address", min: 5, max: 500, "Укажите адрес.")
        let region = text(form.region, "region", min: 2, max: 200, "Укажите регион.")
        let inn = Text.cleanLine(form.inn)
        if !INN.isValid(inn) || inn.count != 10 { problems["inn"] = "ИНН организации — 10 цифр с верной контрольной суммой." }
        let adminName = text(form.adminFullName, "adminFullName", min: 5, max: 200, "Укажите ФИО администратора.")
        let email = Email.normalize(form.adminEmail)
        if email == nil { problems["adminEmail"] = "Неверный email." }
        let phone = Phone.normalize(form.adminPhone)
        if phone == nil { problems["adminPhone"] = "Укажите мобильный номер: +7 9XX XXX-XX-XX." }
        var contentType = ""
        if let order {
            if order.data.count > Self.maxOrderFileSize {
                throw PartaError(.payloadTooLarge, "payload_too_large", "Файл приказа больше 10 МБ.")
            }
            if let sniffed = ContentSniffer.detect(order.data), Self.allowedOrderTypes.contains(sniffed) {
                contentType = sniffed
            } else {
                problems["orderFile"] = "Приложите приказ в формате PDF, PNG или JPEG."
            }
        } else {
            problems["orderFile"] = "Приложите приказ о назначении администратора."
        }
        if !problems.isEmpty { throw PartaError.validation(problems) }
        guard let order, let email, let phone else { throw PartaError.validation(problems) }
        try ctx.limiter.hit("apply:ip:\(ip)", ctx.rules.applicationsPerIP)

        let fileID = UUID()
        let orderType = contentType
        try ctx.files.save(order.data, id: fileID)
        let now = ctx.clock.now()
        do {
            let receipt = try await ctx.store.write { db in
                let file = StoredFileRecord()
                file.id = fileID
                file.fileName = Self.safeFileName(order.fileName, contentType: orderType)
                file.contentType = orderType
                file.size = order.data.count
                file.sha256 = Secrets.sha256Hex(order.data)
                file.createdAt = now
                try await file.create(on: db)
                let app = SchoolApplicationRecord()
                app.schoolName = schoolName; app.shortName = shortName; app.address = address
                app.region = region; app.inn = inn; app.adminFullName = adminName
                app.adminEmail = email; app.adminPhone = phone; app.orderFileID = fileID
                app.status = ApplicationStatus.pending.rawValue; app.submittedIP = ip; app.createdAt = now
                try await app.create(on: db)
                return ApplicationReceipt(id: try app.requireID(), status: .pending, createdAt: now)
            }
            await BadgeService(ctx).applicationsChanged()
            return receipt
        } catch {
            ctx.files.delete(fileID)
            throw error
        }
    }

    // MARK: The operator's queue

    public func list(_ actor: Actor, status: ApplicationStatus?, page: Int, perPage: Int) async throws -> Page<ApplicationView> {
        guard Policy.canReviewApplications(actor) else { throw PartaError.notFound("Раздел") }
        let page = max(1, page), perPage = min(max(1, perPage), 100)
        let db = ctx.store.db
        var query = SchoolApplicationRecord.query(on: db)
        if let status { query = query.filter(\.$status == status.rawValue) }
        let total = try await query.count()
        let records = try await query.sort(\.$createdAt, status == .pending ? .ascending : .descending)
            .range((page - 1) * perPage ..< page * perPage).all()
        let files = try await Self.files(for: records, on: db)
        return Page(items: records.map { Self.view($0, file: files[$0.orderFileID]) }, total: total, page: page, perPage: perPage)
    }

    public func get(_ actor: Actor, id: UUID) async throws -> ApplicationView {
        guard Policy.canReviewApplications(actor) else { throw PartaError.notFound("Заявка") }
        let db = ctx.store.db
        guard let record = try await SchoolApplicationRecord.find(id, on: db) else { throw PartaError.notFound("Заявка") }
        return Self.view(record, file: try await StoredFileRecord.find(record.orderFileID, on: db))
    }

    /// The appointing order's file: readable by the operator only.
    public func orderFile(_ actor: Actor, id: UUID) async throws -> (file: FileView, url: URL) {
        let app = try await get(actor, id: id)
        return (app.orderFile, ctx.files.url(for: app.orderFile.id))
    }

    // MARK: Decisions

    public func reject(_ actor: Actor, id: UUID, reason: String) async throws -> ApplicationView {
        guard Policy.canReviewApplications(actor) else { throw PartaError.notFound("Заявка") }
        let reason = Text.cleanLines(reason)
        guard (3...2000).contains(reason.count) else { throw PartaError.invalid("reason", "Укажите причину отказа.") }
        let now = ctx.clock.now()
        let operatorID = actor.userID
        let record: SchoolApplicationRecord = try await ctx.store.write { db in
            guard let app = try await SchoolApplicationRecord.find(id, on: db) else { throw PartaError.notFound("Заявка") }
            try Self.ensurePending(app)
            app.status = ApplicationStatus.rejected.rawValue
            app.rejectReason = reason
            app.decidedBy = operatorID
            app.decidedAt = now
            try await app.save(on: db)
            return app
        }
        await notify(OutgoingMessage(
            channel: .email, to: record.adminEmail, subject: "Заявка на регистрацию школы отклонена",
            text: "Заявка на регистрацию «\(record.schoolName)» в Parta отклонена. Причина: \(reason)"))
        await BadgeService(ctx).applicationsChanged()
        return try await get(actor, id: id)
    }

    /// Approves: creates the school with its administrator, the staff room «Учительская» and the
    /// system channels, in one transaction; then sends the administrator an activation link.
    public func approve(_ actor: Actor, id: UUID) async throws -> ApplicationView {
        guard Policy.canReviewApplications(actor) else { throw PartaError.notFound("Заявка") }
        let now = ctx.clock.now()
        let operatorID = actor.userID
        let activationToken = Secrets.token()
        let lifetime = ctx.rules.activationLinkLifetime
        let outcome: (app: SchoolApplicationRecord, needsActivation: Bool) = try await ctx.store.write { db in
            guard let app = try await SchoolApplicationRecord.find(id, on: db) else { throw PartaError.notFound("Заявка") }
            try Self.ensurePending(app)
            let admin = try await Self.findOrCreateAdmin(app, now: now, on: db)
            let adminID = try admin.requireID()

            let school = SchoolRecord()
            school.name = app.schoolName; school.shortName = app.shortName; school.address = app.address
            school.region = app.region; school.inn = app.inn; school.phone = ""; school.email = ""
            school.website = ""; school.directorName = ""; school.timezone = RegionTimeZones.zone(forRegion: app.region)
            school.createdAt = now; school.updatedAt = now; school.moderatorsSeeReporters = false
            try await school.create(on: db)
            let schoolID = try school.requireID()

            try await Self.addMembership(schoolID: schoolID, userID: adminID, role: .admin, now: now, on: db)

            let staffRoom = ClassRecord()
            staffRoom.schoolID = schoolID; staffRoom.kind = ClassKind.staffRoom.rawValue
            staffRoom.name = "Учительская"; staffRoom.academicYear = AcademicYear.containing(now)
            staffRoom.archived = false; staffRoom.createdAt = now
            try await staffRoom.create(on: db)
            let member = ClassMemberRecord()
            member.classID = try staffRoom.requireID(); member.userID = adminID
            member.role = SchoolRole.admin.rawValue; member.createdAt = now
            try await member.create(on: db)
            try await SubjectCatalog.seed(schoolID: schoolID, now: now, on: db)
            try await WorkKinds.seed(schoolID: schoolID, now: now, on: db)

            for (title, audience) in [("Общешкольный канал", ChannelAudience.school), ("Сотрудники", .staff)] {
                let chat = ChatRecord()
                chat.schoolID = schoolID; chat.kind = "channel"; chat.title = title
                chat.systemAudience = audience.rawValue; chat.createdAt = now
                chat.createdBy = adminID; chat.readOnly = true; chat.lastSeq = 0; chat.lastEvent = 0
                try await chat.create(on: db)
            }

            let needsActivation = admin.status == AccountStatus.pending.rawValue
            if needsActivation {
                let link = LinkTokenRecord()
                link.purpose = "activation"; link.tokenHash = Secrets.sha256Hex(activationToken)
                link.userID = adminID; link.createdAt = now; link.expiresAt = now.addingTimeInterval(lifetime)
                try await link.create(on: db)
            }
            app.status = ApplicationStatus.approved.rawValue
            app.decidedBy = operatorID; app.decidedAt = now; app.schoolID = schoolID
            try await app.save(on: db)
            return (app, needsActivation)
        }
        let app = outcome.app
        if outcome.needsActivation {
            let link = "\(ctx.publicURL)/#/activate/\(activationToken)"
            await notify(OutgoingMessage(
                channel: .email, to: app.adminEmail, subject: "Школа «\(app.shortName)» зарегистрирована в Parta",
                text: "Здравствуйте, \(app.adminFullName)! Заявка одобрена. Чтобы активировать учётную запись администратора, откройте ссылку: \(link)\nСсылка действует 7 дней; вход подтверждается кодом из SMS на номер \(Phone.mask(app.adminPhone))."))
            await notify(OutgoingMessage(
                channel: .sms, to: app.adminPhone, subject: "Parta",
                text: "Школа «\(app.shortName)» зарегистрирована в Parta. Активация: \(link)"))
        } else {
            await notify(OutgoingMessage(
                channel: .email, to: app.adminEmail, subject: "Школа «\(app.shortName)» зарегистрирована в Parta",
                text: "Заявка одобрена: вы администратор школы «\(app.shortName)». Войдите: \(ctx.publicURL)/"))
        }
        await BadgeService(ctx).applicationsChanged()
        return try await get(actor, id: id)
    }

    // MARK: Activation (public, by link)

    public func activationInfo(token: String) async throws -> ActivationInfo {
        let db = ctx.store.db
        let link = try await LinkTokens.find(token, purpose: "activation", now: ctx.clock.now(), on: db)
        guard let userID = link.userID, let user = try await UserRecord.find(userID, on: db) else {
            throw PartaError(.notFound, "link_not_found", "Ссылка не найдена.")
        }
        let membership = try await MembershipRecord.query(on: db).filter(\.$userID == userID).first()
        var school: SchoolRecord?
        if let membership { school = try await SchoolRecord.find(membership.schoolID, on: db) }
        return ActivationInfo(fullName: user.fullName, schoolName: school?.name,
                              phone: user.phone.map(Phone.mask), email: user.email.map(Email.mask))
    }

    public func requestActivationCode(token: String, client: AuthService.ClientInfo) async throws -> CodeSent {
        let db = ctx.store.db
        let link = try await LinkTokens.find(token, purpose: "activation", now: ctx.clock.now(), on: db)
        guard let userID = link.userID, let user = try await UserRecord.find(userID, on: db) else {
            throw PartaError(.notFound, "link_not_found", "Ссылка не найдена.")
        }
        let (channel, destination): (OutgoingMessage.Channel, String)
        if let phone = user.phone { (channel, destination) = (.sms, phone) }
        else if let email = user.email { (channel, destination) = (.email, email) }
        else { throw PartaError(.conflict, "no_contact", "У учётной записи нет телефона или email.") }
        let auth = AuthService(ctx)
        try auth.throttleCodeRequest(to: destination, ip: client.ip)
        let code = try await auth.issueCode(userID: userID, destination: destination, purpose: "activation")
        try await ctx.outbox.send(OutgoingMessage(
            channel: channel, to: destination, subject: "Код активации Parta",
            text: "Код активации учётной записи Parta: \(code). Он действует 10 минут."))
        return CodeSent(sentTo: channel == .sms ? Phone.mask(destination) : Email.mask(destination),
                        channel: channel.rawValue, expiresInSeconds: Int(ctx.rules.codeLifetime))
    }

    /// Confirms the phone by code, sets the password, and signs the administrator in.
    public func activate(token: String, code: String, password: String, client: AuthService.ClientInfo) async throws -> SignedIn {
        try AuthService.checkPassword(password, rules: ctx.rules)
        let now = ctx.clock.now()
        let link = try await LinkTokens.find(token, purpose: "activation", now: now, on: ctx.store.db)
        guard let userID = link.userID else { throw PartaError(.notFound, "link_not_found", "Ссылка не найдена.") }
        try ctx.limiter.hit("signin:ip:\(client.ip)", ctx.rules.signInPerIP)
        let auth = AuthService(ctx)
        try await auth.consumeCode(userID: userID, purpose: "activation", code: code)
        let hash = try await ctx.hasher.hash(password)
        return try await ctx.store.write { db in
            let link = try await LinkTokens.find(token, purpose: "activation", now: now, on: db)
            guard let user = try await UserRecord.find(userID, on: db) else { throw PartaError.notFound("Пользователь") }
            if user.status == AccountStatus.disabled.rawValue { throw AuthService.inactive(user) }
            user.passwordHash = hash
            user.status = AccountStatus.active.rawValue
            try await user.save(on: db)
            link.usedAt = now
            try await link.save(on: db)
            return try await auth.openSession(userID: userID, client: client, on: db)
        }
    }

    // MARK: Helpers

    private func notify(_ message: OutgoingMessage) async {
        do { try await ctx.outbox.send(message) }
        catch { ctx.logger.error("could not send \(message.channel.rawValue) message: \(error)") }
    }

    static func ensurePending(_ app: SchoolApplicationRecord) throws {
        guard app.status == ApplicationStatus.pending.rawValue else {
            throw PartaError(.conflict, "already_decided", "По этой заявке уже принято решение.")
        }
    }

    /// The administrator's account: an existing one with the same phone or email, or a new pending one.
    static func findOrCreateAdmin(_ app: SchoolApplicationRecord, now: Date, on db: any Database) async throws -> UserRecord {
        let byPhone = try await UserRecord.query(on: db).filter(\.$phone == app.adminPhone).first()
        let byEmail = try await UserRecord.query(on: db).filter(\.$email == app.adminEmail).first()
        switch (byPhone, byEmail) {
        case let (p?, e?) where p.id != e.id:
            throw PartaError(.conflict, "contact_conflict", "Телефон и email администратора принадлежат разным учётным записям.")
        case let (p?, _): return p
        case let (nil, e?): return e
        case (nil, nil):
            let user = UserRecord()
            user.fullName = app.adminFullName; user.phone = app.adminPhone; user.email = app.adminEmail
            user.status = AccountStatus.pending.rawValue; user.isOperator = false; user.locale = "ru"
            user.createdAt = now
            try await user.create(on: db)
            return user
        }
    }

    static func addMembership(schoolID: UUID, userID: UUID, role: SchoolRole, now: Date, on db: any Database) async throws {
        let m = MembershipRecord()
        m.schoolID = schoolID; m.userID = userID; m.role = role.rawValue; m.verified = true; m.createdAt = now
        try await m.create(on: db)
    }

    static func files(for apps: [SchoolApplicationRecord], on db: any Database) async throws -> [UUID: StoredFileRecord] {
        let ids = apps.map(\.orderFileID)
        guard !ids.isEmpty else { return [:] }
        let files = try await StoredFileRecord.query(on: db).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: files.map { ($0.id!, $0) })
    }

    static func view(_ r: SchoolApplicationRecord, file: StoredFileRecord?) -> ApplicationView {
        ApplicationView(
            id: r.id!, schoolName: r.schoolName, shortName: r.shortName, address: r.address, region: r.region,
            inn: r.inn, adminFullName: r.adminFullName, adminEmail: r.adminEmail, adminPhone: r.adminPhone,
            orderFile: FileView(id: r.orderFileID, fileName: file?.fileName ?? "order", contentType: file?.contentType ?? "application/octet-stream", size: file?.size ?? 0),
            status: ApplicationStatus(rawValue: r.status) ?? .pending, rejectReason: r.rejectReason,
            decidedAt: r.decidedAt, schoolId: r.schoolID, createdAt: r.createdAt)
    }

    /// Keeps a display name: no path, no control characters, bounded, with an extension that matches the content.
    static func safeFileName(_ raw: String, contentType: String) -> String {
        var cleaned = Text.cleanFileName(raw.replacingOccurrences(of: "\"", with: ""), limit: 150, fallback: "")
        let ext: String = ["application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"][contentType] ?? "bin"
        if cleaned.isEmpty { cleaned = "prikaz" }
        if !cleaned.lowercased().hasSuffix("." + ext) && !(ext == "jpg" && cleaned.lowercased().hasSuffix(".jpeg")) {
            cleaned += "." + ext
        }
        return cleaned
    }
}

public enum AcademicYear {
    /// The year a school year starts in: from 1 September to 31 August (Moscow time is close enough for the year).
    public static func containing(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Moscow") ?? .current
        let c = calendar.dateComponents([.year, .month], from: date)
        return (c.month ?? 1) >= 9 ? (c.year ?? 2026) : (c.year ?? 2026) - 1
    }
}
