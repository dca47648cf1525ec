import FluentKit
import Foundation

/// The school's profile: seen by its members, edited by its administrators (§2.1).
public struct SchoolService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// Loads a school the actor may see; "not found" for both missing and not visible.
    static func visibleSchool(_ actor: Actor, id: UUID, on db: any Database) async throws -> SchoolRecord {
        guard Policy.canViewSchool(actor, schoolID: id),
              let school = try await SchoolRecord.find(id, on: db) else { throw PartaError.notFound("Школа") }
        return school
    }

    public func get(_ actor: Actor, id: UUID) async throws -> SchoolView {
        let db = ctx.store.db
        let school = try await Self.visibleSchool(actor, id: id, on: db)
        return try await view(school, actor: actor, on: db)
    }

    /// Partial update: only the fields present change.
    public struct Patch: Sendable {
        public var name, shortName, address, region, inn, phone, email, website, directorName, timezone: String?
        public var moderatorsSeeReporters: Bool?
        public init(name: String? = nil, shortName: String? = nil, address: String? = nil, region: String? = nil,
                    inn: String? = nil, phone: String? = nil, email: String? = nil, website: String? = nil,
                    directorName: String? = nil, timezone: String? = nil, moderatorsSeeReporters: Bool? = nil) {
            self.moderatorsSeeReporters = moderatorsSeeReporters
            self.name = name; self.shortName = shortName; self.address = address; self.region = region
            self.inn = inn; self.phone = phone; self.email = email; self.website = website
            self.directorName = directorName; self.timezone = timezone
        }
    }

    public func update(_ actor: Actor, id: UUID, patch: Patch) async throws -> SchoolView {
        var problems: [String: String] = [:]
        func text(_ value: String?, _ field: String, min: Int, max: Int, _ message: String) -> String? {
            guard let value else { return nil }
            let v = Text.cleanLine(value)
            if v.count < min || v.count > max { problems[field] = message }
            return v
        }
        let name = text(patch.name, "name", min: 3, max: 300, "Название: от 3 до 300 символов.")
        let shortName = text(patch.shortName, "shortName", min: 2, max: 100, "Краткое название: от 2 до 100 символов.")
        let address = text(patch.address, "address", min: 5, max: 500, "Адрес: от 5 до 500 символов.")
        let region = text(patch.region, "region", min: 2, max: 200, "Регион: от 2 до 200 символов.")
        let directorName = text(patch.directorName, "directorName", min: 0, max: 200, "ФИО директора: до 200 символов.")
        let inn = patch.inn.map(Text.cleanLine)
        if let inn, !(INN.isValid(inn) && inn.count == 10) { problems["inn"] = "ИНН организации — 10 цифр с верной контрольной суммой." }
        var phone: String?
        if let raw = patch.phone.map(Text.cleanLine) {
            let digits = raw.filter(\.isNumber)
            let allowed = CharacterSet(charactersIn: "+0123456789 ()-")
            if raw.isEmpty { phone = "" }
            else if digits.count < 6 || digits.count > 15 || !raw.unicodeScalars.allSatisfy({ allowed.contains($0) }) {
                problems["phone"] = "Неверный номер телефона."
            } else { phone = raw }
        }
        var email: String?
        if let raw = patch.email.map(Text.cleanLine) {
            if raw.isEmpty { email = "" } else if let e = Email.normalize(raw) { email = e } else { problems["email"] = "Неверный email." }
        }
        var website: String?
        if let raw = patch.website.map(Text.cleanLine) {
            if raw.isEmpty { website = "" }
            else if raw.count <= 300, let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil {
                website = raw
            } else { problems["website"] = "Адрес сайта должен начинаться с https://." }
        }
        if let tz = patch.timezone, TimeZone(identifier: tz) == nil || !tz.contains("/") { problems["timezone"] = "Неизвестный часовой пояс." }
        if !problems.isEmpty { throw PartaError.validation(problems) }

        let now = ctx.clock.now()
        let (newPhone, newEmail, newWebsite) = (phone, email, website)
        let updated: SchoolRecord = try await ctx.store.write { db in
            let school = try await Self.visibleSchool(actor, id: id, on: db)
            guard Policy.canEditSchool(actor, schoolID: id) else {
                throw PartaError(.forbidden, "forbidden", "Изменять профиль школы может только администратор.")
            }
            if let name { school.name = name }
            if let shortName { school.shortName = shortName }
            if let address { school.address = address }
            if let region { school.region = region }
            if let inn { school.inn = inn }
            if let newPhone { school.phone = newPhone }
            if let newEmail { school.email = newEmail }
            if let newWebsite { school.website = newWebsite }
            if let directorName { school.directorName = directorName }
            if let tz = patch.timezone { school.timezone = tz }
            if let see = patch.moderatorsSeeReporters { school.moderatorsSeeReporters = see }
            school.updatedAt = now
            try await school.save(on: db)
            return school
        }
        await ctx.events.publish(.schoolUpdated(schoolID: id))
        return try await view(updated, actor: actor, on: ctx.store.db)
    }

    private func view(_ s: SchoolRecord, actor: Actor, on db: any Database) async throws -> SchoolView {
        let id = try s.requireID()
        let classes = try await ClassRecord.query(on: db).filter(\.$schoolID == id).filter(\.$archived == false)
            .sort(\.$grade).sort(\.$name).all()
        let channels = try await ChatRecord.query(on: db).filter(\.$schoolID == id).filter(\.$kind == "channel")
            .sort(\.$createdAt).all()
            .filter { Policy.canSeeSystemChannel(actor, schoolID: id, audience: $0.systemAudience.flatMap(ChannelAudience.init(rawValue:))) }
        return SchoolView(
            id: id, name: s.name, shortName: s.shortName, address: s.address, region: s.region, inn: s.inn,
            phone: s.phone, email: s.email, website: s.website, directorName: s.directorName, timezone: s.timezone,
            createdAt: s.createdAt, updatedAt: s.updatedAt, canEdit: Policy.canEditSchool(actor, schoolID: id),
            moderatorsSeeReporters: s.moderatorsSeeReporters,
            permissions: SchoolPermissions(actor, schoolID: id),
            classes: classes.map { ClassSummary(id: $0.id!, name: $0.name, kind: ClassKind(rawValue: $0.kind) ?? .regular, grade: $0.grade, academicYear: $0.academicYear) },
            channels: channels.map { ChannelSummary(id: $0.id!, title: $0.title, audience: $0.systemAudience.flatMap(ChannelAudience.init(rawValue:))) })
    }
}
