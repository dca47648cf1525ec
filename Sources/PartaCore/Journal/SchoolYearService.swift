import FluentKit
import Foundation
import SQLKit

/// The school year (issue 14 item 1): terms, holidays and days off, the working week and the bell
/// schedule. Members read it; administrators and the leadership set it. Until a school saves its
/// year, reading it returns the usual Russian calendar as a proposal to edit.
public struct SchoolYearService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func get(_ actor: Actor, schoolID: UUID, academicYear: Int?) async throws -> SchoolYearView {
        let db = ctx.store.db
        let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        let year = academicYear ?? LocalDate(ctx.clock.now(), in: Journal.timeZone(school)).academicYear
        try Self.checkYear(year, now: ctx.clock.now())
        return try await Self.view(schoolID: schoolID, year: year, on: db)
    }

    public struct Input: Sendable {
        public var academicYear: Int
        public var termSystem: TermSystem
        public var weekDays: Int
        public var terms: [SchoolCalendar.Term]
        public var daysOff: [SchoolCalendar.DayOff]
        /// Nil keeps the bells as they are.
        public var bells: [BellPeriod]?
        public init(academicYear: Int, termSystem: TermSystem, weekDays: Int, terms: [SchoolCalendar.Term],
                    daysOff: [SchoolCalendar.DayOff], bells: [BellPeriod]?) {
            self.academicYear = academicYear; self.termSystem = termSystem; self.weekDays = weekDays
            self.terms = terms; self.daysOff = daysOff; self.bells = bells
        }
    }

    /// Saves the year (and the bells), then brings the lessons from today to the year's end in line.
    public func put(_ actor: Actor, schoolID: UUID, input: Input) async throws -> SchoolYearView {
        let now = ctx.clock.now()
        let daysOff = input.daysOff.map { SchoolCalendar.DayOff(startsOn: $0.startsOn, endsOn: $0.endsOn, title: Text.cleanLine($0.title)) }
        let calendar = SchoolCalendar(academicYear: input.academicYear, termSystem: input.termSystem, weekDays: input.weekDays,
                                      terms: input.terms, daysOff: daysOff)
        try await ctx.store.write { db in
            // Who may, first: a stranger learns nothing from the shape of their input.
            let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: schoolID)
            try Self.checkYear(input.academicYear, now: now)
            var problems = calendar.problems()
            if let bells = input.bells, let problem = BellPeriod.problems(bells) { problems["bells"] = problem }
            if !problems.isEmpty { throw PartaError.validation(problems) }
            let year = input.academicYear
            let row = try await SchoolYearRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).first()
                ?? SchoolYearRecord()
            row.schoolID = schoolID; row.academicYear = year; row.termSystem = calendar.termSystem.rawValue
            row.weekDays = calendar.weekDays; row.updatedAt = now; row.updatedBy = actor.userID
            try await row.save(on: db)
            try await TermRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).delete()
            for t in calendar.terms {
                let r = TermRecord()
                r.schoolID = schoolID; r.academicYear = year; r.number = t.number
                r.startsOn = t.startsOn.description; r.endsOn = t.endsOn.description
                try await r.create(on: db)
            }
            try await DayOffRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).delete()
            for o in calendar.daysOff {
                let r = DayOffRecord()
                r.schoolID = schoolID; r.academicYear = year; r.startsOn = o.startsOn.description
                r.endsOn = o.endsOn.description; r.title = o.title
                try await r.create(on: db)
            }
            if let bells = input.bells {
                try await BellPeriodRecord.query(on: db).filter(\.$schoolID == schoolID).delete()
                for b in bells {
                    let r = BellPeriodRecord()
                    r.schoolID = schoolID; r.shift = b.shift; r.number = b.number
                    r.startsMinute = b.startsAt.minutes; r.endsMinute = b.endsAt.minutes
                    try await r.create(on: db)
                }
            }
            try await Audit.record(actor, schoolID: schoolID, action: "school_year.save", target: "\(year)/\(year + 1)",
                                   details: "периодов: \(calendar.terms.count), каникул и выходных: \(calendar.daysOff.count)\(input.bells == nil ? "" : ", звонки")",
                                   at: now, on: db)
            let today = LocalDate(now, in: Journal.timeZone(school))
            if let last = calendar.lastDay, let first = calendar.firstDay {
                _ = try await LessonGenerator(db: db, now: now).regenerate(schoolID: schoolID, classIDs: nil,
                                                                           from: max(today, first), to: last)
            }
        }
        return try await Self.view(schoolID: schoolID, year: input.academicYear, on: ctx.store.db)
    }

    static func checkYear(_ year: Int, now: Date) throws {
        let current = AcademicYear.containing(now)
        guard (current - 1)...(current + 1) ~= year else {
            throw PartaError.invalid("academicYear", "Учебный год: \(current - 1), \(current) или \(current + 1) (год начала).")
        }
    }

    static func view(schoolID: UUID, year: Int, on db: any Database) async throws -> SchoolYearView {
        let stored = try await SchoolCalendar.load(schoolID: schoolID, year: year, on: db)
        let calendar = stored ?? SchoolCalendar.proposal(for: year)
        let bells = try await Journal.bells(schoolID: schoolID, on: db)
        return SchoolYearView(academicYear: year, configured: stored != nil, termSystem: calendar.termSystem,
                              weekDays: calendar.weekDays, terms: calendar.terms, daysOff: calendar.daysOff,
                              bells: bells.isEmpty ? BellPeriod.proposal : bells, bellsConfigured: !bells.isEmpty)
    }
}

/// Small lookups the journal's services share.
enum Journal {
    static func timeZone(_ school: SchoolRecord) -> TimeZone {
        TimeZone(identifier: school.timezone) ?? TimeZone(identifier: "Europe/Moscow")!
    }

    static func requireTimetableRights(_ actor: Actor, schoolID: UUID) throws {
        guard Policy.canManageTimetable(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Расписание и учебный год ведут администратор, директор и завучи.")
        }
    }

    static func bells(schoolID: UUID, on db: any Database) async throws -> [BellPeriod] {
        try await BellPeriodRecord.query(on: db).filter(\.$schoolID == schoolID).all()
            .compactMap { b in
                guard let s = ClockTime(minutes: b.startsMinute), let e = ClockTime(minutes: b.endsMinute) else { return nil }
                return BellPeriod(shift: b.shift, number: b.number, startsAt: s, endsAt: e)
            }
            .sorted { ($0.shift, $0.number) < ($1.shift, $1.number) }
    }

    /// People's names by id.
    static func names(_ ids: some Collection<UUID>, on db: any Database) async throws -> [UUID: String] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        var out: [UUID: String] = [:]
        guard let sql = db as? any SQLDatabase else { return [:] }
        let ids = RowIDs(sql)
        // Two columns, not the user model: Fluent's reflection over every field of every row cost
        // more than the query (a class's roster on each grade sheet).
        for chunk in stride(from: 0, to: unique.count, by: 500).map({ Array(unique[$0..<min($0 + 500, unique.count)]) }) {
            for r in try await sql.raw("SELECT id, full_name FROM users WHERE id IN (\(binds: chunk))").all() {
                out[try ids.id(r, "id")] = try r.decode(column: "full_name", as: String.self)
            }
        }
        return out
    }
}
