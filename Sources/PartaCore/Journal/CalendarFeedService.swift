import FluentKit
import Foundation
import SQLKit

/// A calendar feed's owner sees: whose lessons, since when, and — only right after it was made —
/// the secret address (stored as a hash, it cannot be shown again).
public struct CalendarFeedView: Sendable, Codable, Equatable {
    public var id: UUID
    /// Whose lessons: the owner, or the owner's child.
    public var personId: UUID
    public var personName: String
    public var createdAt: Date
    /// When a calendar app last fetched it (written at most once an hour).
    public var lastUsedAt: Date?
    /// `https://…/api/v1/ical/<token>.ics` — only in the answer that made it.
    public var url: String?
    /// The same address as `webcal://…`, which opens the calendar app on a phone.
    public var webcalUrl: String?
}

/// The calendar's text and its entity tag (the same lessons give the same bytes).
public struct CalendarDocument: Sendable {
    public var text: String
    public var etag: String
}

/// iCalendar feeds (issue 14 item 4): a secret address per person — for a parent, per child —
/// that calendar apps (Google, Apple, Outlook, Yandex) subscribe to; made again on demand (the old
/// address stops) and revoked. The feed carries the lessons `LessonService.schedule` shows the same
/// person, from two weeks back to the end of the school year, and is computed at each fetch: when
/// the owner may no longer see them (left the school, a parent's link removed, the account
/// disabled) it answers "not found", like a revoked or unknown address.
public struct CalendarFeedService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// Days before today a feed still carries (a calendar keeps what it saw; two weeks of the past
    /// are enough to look back at, and keep the file small).
    public static let daysBack = 14

    public func list(_ actor: Actor) async throws -> [CalendarFeedView] {
        let db = ctx.store.db
        let feeds = try await CalendarFeedRecord.query(on: db).filter(\.$userID == actor.userID).all()
        let names = try await Journal.names(feeds.map(\.personID), on: db)
        return feeds.map { view($0, name: names[$0.personID] ?? "", token: nil) }
            .sorted { ($0.personId != actor.userID ? 1 : 0, $0.personName) < ($1.personId != actor.userID ? 1 : 0, $1.personName) }
    }

    /// Makes the feed of the actor's own lessons (`childID` nil) or of their child's — or, when it
    /// exists, gives it a new token: the old address stops at once.
    public func create(_ actor: Actor, childID: UUID?) async throws -> CalendarFeedView {
        let token = Secrets.token()
        let now = ctx.clock.now()
        let person = childID ?? actor.userID
        let (feed, name): (CalendarFeedRecord, String) = try await ctx.store.write { db in
            var linkSchools: [UUID] = []
            if person != actor.userID {
                linkSchools = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID)
                    .filter(\.$childID == person).all().map(\.schoolID)
            }
            guard Policy.canFollowSchedule(actor, of: person, parentLinksIn: linkSchools) else {
                if person != actor.userID { throw PartaError.notFound("Ученик") }
                throw PartaError(.forbidden, "no_school", "Календарь уроков — для участников школы.")
            }
            guard let user = try await UserRecord.find(person, on: db) else { throw PartaError.notFound("Ученик") }
            let feed = try await CalendarFeedRecord.query(on: db).filter(\.$userID == actor.userID)
                .filter(\.$personID == person).first() ?? CalendarFeedRecord()
            feed.userID = actor.userID; feed.personID = person
            feed.tokenHash = Secrets.sha256Hex(token); feed.createdAt = now; feed.lastUsedAt = nil
            try await feed.save(on: db)
            return (feed, user.fullName)
        }
        return view(feed, name: name, token: token)
    }

    public func revoke(_ actor: Actor, feedID: UUID) async throws {
        try await ctx.store.write { db in
            guard let feed = try await CalendarFeedRecord.find(feedID, on: db), feed.userID == actor.userID else {
                throw PartaError.notFound("Календарь")
            }
            try await feed.delete(on: db)
        }
    }

    func view(_ f: CalendarFeedRecord, name: String, token: String?) -> CalendarFeedView {
        let url = token.map { ctx.publicURL + "/api/v1/ical/" + $0 + ".ics" }
        let webcal = url.map { u -> String in
            if let colon = u.firstIndex(of: ":") { return "webcal" + u[colon...] }
            return u
        }
        return CalendarFeedView(id: f.id!, personId: f.personID, personName: name, createdAt: f.createdAt,
                                lastUsedAt: f.lastUsedAt, url: url, webcalUrl: webcal)
    }

    // MARK: - The feed

    /// The calendar behind a secret address (`<token>` or `<token>.ics`). Anything that is not a
    /// live feed its owner may still follow answers the same "not found".
    public func document(token raw: String) async throws -> CalendarDocument {
        let token = raw.hasSuffix(".ics") ? String(raw.dropLast(4)) : raw
        let missing = PartaError.notFound("Календарь")
        guard token.utf8.count == 43, token.utf8.allSatisfy({ Self.base64url.contains($0) }) else { throw missing }
        let db = ctx.store.db
        guard let feed = try await CalendarFeedRecord.query(on: db).filter(\.$tokenHash == Secrets.sha256Hex(token)).first(),
              let owner = try await UserRecord.find(feed.userID, on: db), owner.status == AccountStatus.active.rawValue else { throw missing }
        let memberships = try await MembershipRecord.query(on: db).filter(\.$userID == feed.userID).all().compactMap { m in
            SchoolRole(rawValue: m.role).map { Actor.Membership(schoolID: m.schoolID, role: $0, verified: m.verified) }
        }
        let actor = Actor(userID: feed.userID, sessionID: feed.id!, isOperator: owner.isOperator, memberships: memberships)
        let asChild = feed.personID != feed.userID
        let linkSchools = asChild ? try await FamilyLinkRecord.query(on: db).filter(\.$parentID == feed.userID)
            .filter(\.$childID == feed.personID).all().map(\.schoolID) : []
        guard Policy.canFollowSchedule(actor, of: feed.personID, parentLinksIn: linkSchools),
              let person = asChild ? try await UserRecord.find(feed.personID, on: db) : owner else { throw missing }

        let now = ctx.clock.now()
        let scope = try await LessonService.scope(of: person.id!, asChild: asChild, fallbackSchool: memberships.first?.schoolID, on: db)
        let today = LocalDate(now, in: scope.timeZone)
        let from = today.adding(days: -Self.daysBack)
        // To the end of the school year — in August, of the one about to begin.
        let to = LocalDate(year: today.adding(days: 31).academicYear + 1, month: 8, day: 31)!
        let records = try await LessonService.lessons(of: person.id!, in: scope, from: from, to: to, on: db)
        let views = try await LessonService.views(records, tz: scope.timeZone, on: db)
        let document = Self.render(views, records: records, person: person, school: scope.school, zone: scope.timeZone,
                                   from: from, to: to, publicURL: ctx.publicURL)

        if feed.lastUsedAt.map({ now.timeIntervalSince($0) >= 3600 }) ?? true {
            // Shown to the owner ("your calendar last fetched …"); at most one write an hour per feed.
            let id = feed.id!
            try? await ctx.store.write { db in
                try await CalendarFeedRecord.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: now).update()
            }
        }
        return document
    }

    static let base64url = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The VCALENDAR of a person's lessons: one VEVENT per lesson, local times in the school's zone.
    static func render(_ lessons: [LessonView], records: [LessonRecord], person: UserRecord, school: SchoolRecord?,
                       zone: TimeZone, from: LocalDate, to: LocalDate, publicURL: String) -> CalendarDocument {
        let host = URL(string: publicURL)?.host ?? "parta"
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id!, $0) })
        var w = ICalendarWriter(capacity: 600 * lessons.count + 1024)
        let title = "Расписание: " + person.fullName
        w.line("BEGIN", "VCALENDAR")
        w.line("VERSION", "2.0")
        w.line("PRODID", "-//Parta//Parta school timetable 1.0//RU")
        w.line("CALSCALE", "GREGORIAN")
        w.line("X-WR-CALNAME", ICalendarWriter.text(title))
        w.line("NAME", ICalendarWriter.text(title))
        if let school { w.line("X-WR-CALDESC", ICalendarWriter.text("Уроки из Parta — " + (school.shortName.isEmpty ? school.name : school.shortName))) }
        w.line("X-WR-TIMEZONE", zone.identifier)
        w.line("REFRESH-INTERVAL;VALUE=DURATION", "PT1H")
        w.line("X-PUBLISHED-TTL", "PT1H")
        // The zone over the feed's days (a day either side: an event's local time must fall inside).
        let first = from.adding(days: -1).instant(atMinute: 0, in: zone)
        let last = to.adding(days: 2).instant(atMinute: 0, in: zone)
        let offsets = ICalendarWriter.Offsets(of: zone, from: first, to: last)
        w.timeZone(zone, offsets)
        let tzid = "TZID=" + zone.identifier
        for l in lessons {
            guard let record = byID[l.id] else { continue }
            let own = l.teacherId == person.id
            var summary = own ? l.subjectName + " — " + l.className : l.subjectName
            if let group = l.groupName { summary += " (" + group + ")" }
            if l.status == .cancelled { summary = "Отменён: " + summary }
            var about: [String] = []
            if !l.topic.isEmpty { about.append("Тема: " + l.topic) }
            if !own { about.append("Учитель: " + l.teacherName) }
            if l.change == "substitution", let planned = l.plannedTeacherName { about.append("Замена: вместо " + planned) }
            if l.change == "moved" { about.append("Урок перенесён") }
            if l.change == "extra" { about.append("Дополнительный урок") }
            if l.status == .cancelled { about.append("Урок отменён") }
            if !l.note.isEmpty { about.append("Заметка: " + l.note) }
            if let period = l.period { about.append("\(period)-й урок") }

            w.line("BEGIN", "VEVENT")
            w.line("UID", l.id.uuidString.lowercased() + "@" + host)
            w.line("DTSTAMP", ICalendarWriter.utc(record.updatedAt))
            w.line("DTSTART;" + tzid, ICalendarWriter.local(l.start, offset: offsets.offset(at: l.start)))
            w.line("DTEND;" + tzid, ICalendarWriter.local(l.end, offset: offsets.offset(at: l.end)))
            w.line("SUMMARY", ICalendarWriter.text(summary))
            if !l.room.isEmpty { w.line("LOCATION", ICalendarWriter.text("Кабинет " + l.room)) }
            w.line("DESCRIPTION", ICalendarWriter.text(about.joined(separator: "\n")))
            w.line("STATUS", l.status == .cancelled ? "CANCELLED" : "CONFIRMED")
            w.line("TRANSP", l.status == .cancelled ? "TRANSPARENT" : "OPAQUE")
            w.line("LAST-MODIFIED", ICalendarWriter.utc(record.updatedAt))
            // Grows with every change (seconds since the lesson was made), as RFC 5545 asks.
            w.line("SEQUENCE", String(max(0, Int(record.updatedAt.timeIntervalSince(record.createdAt)))))
            w.line("URL", publicURL + "/#/lesson/" + l.id.uuidString.lowercased())
            w.line("END", "VEVENT")
        }
        w.line("END", "VCALENDAR")
        let text = w.text
        return CalendarDocument(text: text, etag: "\"" + Secrets.sha256Hex(text).prefix(32) + "\"")
    }
}

extension LessonService {
    /// Where a person's lessons come from: the classes they study in, the schools they teach in
    /// (none for a child seen by a parent), and the school whose calendar and time zone they follow.
    struct Scope {
        var classIDs: [UUID]
        var teacherSchools: [UUID]
        var schoolID: UUID?
        var school: SchoolRecord?
        var timeZone: TimeZone
    }

    static func scope(of person: UUID, asChild: Bool, fallbackSchool: UUID?, on db: any Database) async throws -> Scope {
        // By column: every week, diary and feed starts here.
        guard let sql = db as? any SQLDatabase else { throw PartaError.notFound("Ученик") }
        let ids = RowIDs(sql)
        let classes = try await sql.raw("""
            SELECT c.id, c.school_id, c.archived FROM class_members m JOIN classes c ON c.id = m.class_id
            WHERE m.user_id = \(bind: person) AND m.role = \(bind: SchoolRole.student.rawValue)
            """).all().map { r in (id: try ids.id(r, "id"), schoolID: try ids.id(r, "school_id"), archived: try r.decode(column: "archived", as: Bool.self)) }
        let classIDs = classes.map(\.id)
        let teacherSchools = asChild ? [] : try await sql.raw("""
            SELECT school_id FROM memberships WHERE user_id = \(bind: person) AND role = \(bind: SchoolRole.teacher.rawValue)
            """).all().map { try ids.id($0, "school_id") }
        let schoolID = classes.first(where: { !$0.archived })?.schoolID ?? classes.first?.schoolID ?? teacherSchools.first ?? fallbackSchool
        let school = try await schoolID.asyncMap { try await SchoolRecord.find($0, on: db) } ?? nil
        return Scope(classIDs: classIDs, teacherSchools: teacherSchools, schoolID: schoolID, school: school,
                     timeZone: school.map(Journal.timeZone) ?? TimeZone(identifier: "Europe/Moscow")!)
    }

    /// A person's lessons between two days: a student's class lessons (of their groups), a
    /// teacher's own lessons in the schools they still teach in. Read with SQLKit and decoded column
    /// by column: a feed holds a year's lessons, and Fluent's model decoding took most of its time
    /// (861 lessons: 180 ms against 70 ms in a debug build).
    static func lessons(of person: UUID, in scope: Scope, from: LocalDate, to: LocalDate, on db: any Database) async throws -> [LessonRecord] {
        let sql = db as! any SQLDatabase   // both drivers' databases are
        func load(_ narrow: (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [LessonRecord] {
            let query = sql.select().columns(Self.lessonColumns.map { SQLIdentifier($0) }).from(LessonRecord.schema)
                .where("date", .greaterThanOrEqual, from.description).where("date", .lessThanOrEqual, to.description)
            let ids = RowIDs(sql)
            return try await narrow(query).all().map { try Self.lessonRecord($0, ids: ids) }
        }
        var lessons: [LessonRecord] = []
        if !scope.classIDs.isEmpty {
            let groups = Set(try await ClassGroupMemberRecord.query(on: db).filter(\.$userID == person).all().map(\.groupID))
            lessons += try await load { $0.where("class_id", .in, scope.classIDs) }.filter { $0.groupID.map(groups.contains) ?? true }
        }
        if !scope.teacherSchools.isEmpty {
            lessons += try await load { $0.where("teacher_id", .equal, person).where("school_id", .in, scope.teacherSchools) }
        }
        var seen = Set<UUID>()
        return lessons.filter { seen.insert($0.id!).inserted }
    }

    /// One lesson by its id, read by column.
    static func record(_ id: UUID, on db: any Database) async throws -> LessonRecord? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.select().columns(lessonColumns.map { SQLIdentifier($0) }).from(LessonRecord.schema).where("id", .equal, id)
            .first().map { try lessonRecord($0, ids: RowIDs(sql)) }
    }

    static let lessonColumns = ["id", "school_id", "class_id", "group_id", "subject_id", "teacher_id", "date", "period", "starts_at",
                                "ends_at", "room", "status", "origin", "slot_date", "slot_period", "planned_teacher_id", "edited",
                                "topic", "note", "created_at", "updated_at"]

    static func lessonRecord(_ r: any SQLRow, ids: RowIDs) throws -> LessonRecord {
        let l = LessonRecord()
        l.id = try ids.id(r, "id"); l.schoolID = try ids.id(r, "school_id")
        l.classID = try ids.id(r, "class_id"); l.groupID = try ids.optionalID(r, "group_id")
        l.subjectID = try ids.id(r, "subject_id"); l.teacherID = try ids.id(r, "teacher_id")
        l.date = try r.decode(column: "date", as: String.self); l.period = try r.decode(column: "period", as: Int?.self)
        l.startsAt = try r.decode(column: "starts_at", as: Date.self); l.endsAt = try r.decode(column: "ends_at", as: Date.self)
        l.room = try r.decode(column: "room", as: String.self); l.status = try r.decode(column: "status", as: String.self)
        l.origin = try r.decode(column: "origin", as: String.self); l.slotDate = try r.decode(column: "slot_date", as: String?.self)
        l.slotPeriod = try r.decode(column: "slot_period", as: Int?.self)
        l.plannedTeacherID = try ids.optionalID(r, "planned_teacher_id")
        l.edited = try r.decode(column: "edited", as: Bool.self); l.topic = try r.decode(column: "topic", as: String.self)
        l.note = try r.decode(column: "note", as: String.self); l.createdAt = try r.decode(column: "created_at", as: Date.self)
        l.updatedAt = try r.decode(column: "updated_at", as: Date.self)
        return l
    }
}
