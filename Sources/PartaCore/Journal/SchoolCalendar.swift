import FluentKit
import Foundation
import SQLKit

/// How a school divides its year.
public enum TermSystem: String, Sendable, Codable, CaseIterable {
    case quarters, trimesters, halves

    public var termCount: Int {
        switch self { case .quarters: 4; case .trimesters: 3; case .halves: 2 }
    }
}

/// A school's year as days: which are school days (inside a term, on a working weekday, not a
/// holiday or a day off). Pure: built from the rows, asked many times while lessons are made.
public struct SchoolCalendar: Sendable {
    public struct Term: Sendable, Codable, Equatable {
        public var number: Int
        public var startsOn: LocalDate
        public var endsOn: LocalDate
        public init(number: Int, startsOn: LocalDate, endsOn: LocalDate) {
            self.number = number; self.startsOn = startsOn; self.endsOn = endsOn
        }
    }
    public struct DayOff: Sendable, Codable, Equatable {
        public var startsOn: LocalDate
        public var endsOn: LocalDate
        public var title: String
        public init(startsOn: LocalDate, endsOn: LocalDate, title: String) {
            self.startsOn = startsOn; self.endsOn = endsOn; self.title = title
        }
    }

    public var academicYear: Int
    public var termSystem: TermSystem
    /// 5 (Monday–Friday) or 6 (Monday–Saturday).
    public var weekDays: Int
    public var terms: [Term]
    public var daysOff: [DayOff]

    public init(academicYear: Int, termSystem: TermSystem, weekDays: Int, terms: [Term], daysOff: [DayOff]) {
        self.academicYear = academicYear; self.termSystem = termSystem; self.weekDays = weekDays
        self.terms = terms.sorted { $0.number < $1.number }; self.daysOff = daysOff.sorted { $0.startsOn < $1.startsOn }
    }

    public var firstDay: LocalDate? { terms.map(\.startsOn).min() }
    public var lastDay: LocalDate? { terms.map(\.endsOn).max() }

    public func term(containing day: LocalDate) -> Term? {
        terms.first { $0.startsOn <= day && day <= $0.endsOn }
    }

    /// The period a sheet or a report card shows: the one asked for (a term the year does not have
    /// is "not found"), else the term `today` falls in — or the last begun, or the first — else the year.
    func markPeriod(_ requested: MarkPeriod?, today: LocalDate) throws -> MarkPeriod {
        if let requested {
            if case .term(let n) = requested, !terms.contains(where: { $0.number == n }) { throw PartaError.notFound("Период") }
            return requested
        }
        let current = term(containing: today) ?? terms.last(where: { $0.startsOn <= today }) ?? terms.first
        return current.map { .term($0.number) } ?? .year
    }

    /// The title of the holiday or day off `day` falls on, or «Выходной» on a weekend; nil on a school day.
    public func dayOffTitle(_ day: LocalDate) -> String? {
        if let off = daysOff.first(where: { $0.startsOn <= day && day <= $0.endsOn }) { return off.title }
        if day.weekday > weekDays { return "Выходной" }
        if term(containing: day) == nil { return "Каникулы" }
        return nil
    }

    public func isSchoolDay(_ day: LocalDate) -> Bool { dayOffTitle(day) == nil }

    /// The school days from `from` to `to`, both included.
    public func schoolDays(from: LocalDate, to: LocalDate) -> [LocalDate] {
        guard from <= to else { return [] }
        return (0...from.days(to: to)).map { from.adding(days: $0) }.filter(isSchoolDay)
    }

    /// Checks the shape a school sends: terms numbered 1…n without gaps, in order, not
    /// overlapping, inside 1 August – 30 June of the year; days off inside the year.
    public func problems() -> [String: String] {
        var problems: [String: String] = [:]
        guard let yearStart = LocalDate(year: academicYear, month: 8, day: 1),
              let yearEnd = LocalDate(year: academicYear + 1, month: 6, day: 30) else { return ["academicYear": "Неверный учебный год."] }
        if ![5, 6].contains(weekDays) { problems["weekDays"] = "Пятидневная (5) или шестидневная (6) неделя." }
        if terms.count != termSystem.termCount {
            problems["terms"] = "Нужно \(termSystem.termCount) периода(ов): \(termSystem == .quarters ? "четверти" : termSystem == .trimesters ? "триместры" : "полугодия")."
        } else if terms.map(\.number) != Array(1...terms.count) {
            problems["terms"] = "Периоды нумеруются с 1 по порядку."
        } else {
            for (i, t) in terms.enumerated() {
                if t.endsOn < t.startsOn { problems["terms"] = "\(t.number)-й период кончается раньше, чем начинается."; break }
                if t.startsOn < yearStart || t.endsOn > yearEnd {
                    problems["terms"] = "Периоды — внутри учебного года \(academicYear)/\(academicYear + 1) (с 1 августа по 30 июня)."; break
                }
                if i > 0, terms[i - 1].endsOn >= t.startsOn { problems["terms"] = "\(t.number)-й период начинается раньше конца \(t.number - 1)-го."; break }
            }
        }
        if daysOff.count > 100 { problems["daysOff"] = "Не больше 100 каникул и выходных." }
        for off in daysOff {
            if off.endsOn < off.startsOn || off.startsOn < yearStart || off.endsOn > yearEnd {
                problems["daysOff"] = "«\(off.title)»: даты внутри учебного года, конец не раньше начала."; break
            }
            if off.title.isEmpty || off.title.count > 100 { problems["daysOff"] = "У каждых каникул или выходного — название до 100 знаков."; break }
        }
        return problems
    }

    /// What a school is offered before it sets its own year: the usual Russian calendar of quarters
    /// with holidays between them and the public holidays that fall on school days.
    public static func proposal(for year: Int) -> SchoolCalendar {
        func d(_ y: Int, _ m: Int, _ day: Int) -> LocalDate { LocalDate(year: y, month: m, day: day)! }
        let n = year + 1
        return SchoolCalendar(
            academicYear: year, termSystem: .quarters, weekDays: 5,
            terms: [Term(number: 1, startsOn: d(year, 9, 1), endsOn: d(year, 10, 24)),
                    Term(number: 2, startsOn: d(year, 11, 3), endsOn: d(year, 12, 27)),
                    Term(number: 3, startsOn: d(n, 1, 11), endsOn: d(n, 3, 21)),
                    Term(number: 4, startsOn: d(n, 3, 30), endsOn: d(n, 5, 26))],
            daysOff: [DayOff(startsOn: d(year, 10, 25), endsOn: d(year, 11, 2), title: "Осенние каникулы"),
                      DayOff(startsOn: d(year, 11, 4), endsOn: d(year, 11, 4), title: "День народного единства"),
                      DayOff(startsOn: d(year, 12, 28), endsOn: d(n, 1, 10), title: "Зимние каникулы"),
                      DayOff(startsOn: d(n, 2, 23), endsOn: d(n, 2, 23), title: "День защитника Отечества"),
                      DayOff(startsOn: d(n, 3, 8), endsOn: d(n, 3, 8), title: "Международный женский день"),
                      DayOff(startsOn: d(n, 3, 22), endsOn: d(n, 3, 29), title: "Весенние каникулы"),
                      DayOff(startsOn: d(n, 5, 1), endsOn: d(n, 5, 1), title: "Праздник Весны и Труда"),
                      DayOff(startsOn: d(n, 5, 9), endsOn: d(n, 5, 9), title: "День Победы")])
    }

    /// Loads a school's year, or nil when the school has not set it.
    static func load(schoolID: UUID, year: Int, on db: any Database) async throws -> SchoolCalendar? {
        // Read by column: every week, diary and grade sheet loads the calendar.
        guard let sql = db as? any SQLDatabase else { return nil }
        guard let row = try await sql.raw("""
            SELECT term_system, week_days FROM school_years WHERE school_id = \(bind: schoolID) AND academic_year = \(bind: year)
            """).first() else { return nil }
        let terms = try await sql.raw("""
            SELECT number, starts_on, ends_on FROM terms WHERE school_id = \(bind: schoolID) AND academic_year = \(bind: year) ORDER BY number
            """).all().compactMap { t -> Term? in
            guard let s = LocalDate(try t.decode(column: "starts_on", as: String.self)),
                  let e = LocalDate(try t.decode(column: "ends_on", as: String.self)) else { return nil }
            return Term(number: try t.decode(column: "number", as: Int.self), startsOn: s, endsOn: e)
        }
        let off = try await sql.raw("""
            SELECT starts_on, ends_on, title FROM days_off WHERE school_id = \(bind: schoolID) AND academic_year = \(bind: year)
            """).all().compactMap { o -> DayOff? in
            guard let s = LocalDate(try o.decode(column: "starts_on", as: String.self)),
                  let e = LocalDate(try o.decode(column: "ends_on", as: String.self)) else { return nil }
            return DayOff(startsOn: s, endsOn: e, title: try o.decode(column: "title", as: String.self))
        }
        return SchoolCalendar(
            academicYear: year, termSystem: TermSystem(rawValue: try row.decode(column: "term_system", as: String.self)) ?? .quarters,
            weekDays: try row.decode(column: "week_days", as: Int.self), terms: terms, daysOff: off)
    }
}

/// One period of the bell schedule.
public struct BellPeriod: Sendable, Codable, Equatable {
    public var shift: Int
    public var number: Int
    public var startsAt: ClockTime
    public var endsAt: ClockTime
    public init(shift: Int, number: Int, startsAt: ClockTime, endsAt: ClockTime) {
        self.shift = shift; self.number = number; self.startsAt = startsAt; self.endsAt = endsAt
    }

    /// Eight 45-minute lessons from 8:30 with the usual breaks, first shift.
    public static let proposal: [BellPeriod] = {
        let times = [("08:30", "09:15"), ("09:25", "10:10"), ("10:30", "11:15"), ("11:35", "12:20"),
                     ("12:30", "13:15"), ("13:25", "14:10"), ("14:20", "15:05"), ("15:15", "16:00")]
        return times.enumerated().map { BellPeriod(shift: 1, number: $0.offset + 1, startsAt: ClockTime($0.element.0)!, endsAt: ClockTime($0.element.1)!) }
    }()

    /// Periods of one shift numbered 1…n, each ending after it starts and before the next begins.
    public static func problems(_ bells: [BellPeriod]) -> String? {
        if bells.count > 40 { return "Не больше 40 уроков в расписании звонков." }
        for shift in Set(bells.map(\.shift)) {
            guard (1...2).contains(shift) else { return "Смена — 1 или 2." }
            let periods = bells.filter { $0.shift == shift }.sorted { $0.number < $1.number }
            guard periods.map(\.number) == Array(1...periods.count), periods.count <= 12 else {
                return "Уроки \(shift)-й смены нумеруются с 1 по порядку (не больше 12)."
            }
            for (i, p) in periods.enumerated() {
                if p.endsAt <= p.startsAt { return "\(p.number)-й урок \(shift)-й смены кончается не позже, чем начинается." }
                if i > 0, periods[i - 1].endsAt > p.startsAt { return "\(p.number)-й урок \(shift)-й смены начинается до конца \(p.number - 1)-го." }
            }
        }
        return nil
    }
}

/// The school's subjects: a default Russian list that administrators edit.
public enum SubjectCatalog {
    public static let defaults = [
        "Русский язык", "Литературное чтение", "Литература", "Родной язык", "Иностранный язык (английский)",
        "Математика", "Алгебра", "Геометрия", "Вероятность и статистика", "Информатика",
        "Окружающий мир", "История", "Обществознание", "География", "Биология", "Физика", "Химия",
        "Музыка", "Изобразительное искусство", "Труд (технология)", "Физическая культура",
        "Основы безопасности и защиты Родины", "Основы религиозных культур и светской этики", "Разговоры о важном",
    ]

    static func seed(schoolID: UUID, now: Date, on db: any Database) async throws {
        for (i, name) in defaults.enumerated() {
            let s = SubjectRecord()
            s.schoolID = schoolID; s.name = name; s.position = i; s.archived = false; s.createdAt = now
            try await s.create(on: db)
        }
    }
}
