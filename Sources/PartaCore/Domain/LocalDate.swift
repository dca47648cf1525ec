import Foundation

/// A day on the school's wall calendar («2026-12-07»), with no time and no zone: terms, holidays
/// and lessons are kept by such days, and turned into instants only with the school's time zone.
/// Stored and sent as `YYYY-MM-DD`, which sorts as the days do.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2200).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        dayNumber = Self.daysFromCivil(year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The day it is now in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        let seconds = Int(floor(instant.timeIntervalSince1970)) + timeZone.secondsFromGMT(for: instant)
        dayNumber = Int(floor(Double(seconds) / 86_400))
    }

    public var components: (year: Int, month: Int, day: Int) { Self.civil(from: dayNumber) }
    public var year: Int { components.year }
    public var month: Int { components.month }

    /// 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((dayNumber % 7 + 7) % 7 + 3) % 7 + 1 }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }
    public func days(to other: LocalDate) -> Int { other.dayNumber - dayNumber }
    /// The Monday of this day's week.
    public var weekStart: LocalDate { adding(days: 1 - weekday) }

    /// The instant when the wall clock of `timeZone` shows `minutes` after this day's midnight.
    public func instant(atMinute minutes: Int, in timeZone: TimeZone) -> Date {
        let naive = Double(dayNumber * 86_400 + minutes * 60)
        // The offset at the naive instant, corrected once for a transition in between.
        let first = naive - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: naive)))
        return Date(timeIntervalSince1970: naive - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: first))))
    }

    /// The academic year (the year it starts in, on 1 September) this day belongs to.
    public var academicYear: Int { month >= 9 ? year : year - 1 }

    public var description: String {
        let c = components
        return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
    }

    /// «7 декабря», for people.
    public var russianDayAndMonth: String {
        let months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]
        let c = components
        return "\(c.day) \(months[c.month - 1])"
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Ожидается дата ГГГГ-ММ-ДД."))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's civil-date algorithms (days from 1970-01-01 and back).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(from days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// A wall-clock time of day in minutes after midnight, sent as «08:30».
public struct ClockTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let minutes: Int
    public init?(minutes: Int) {
        guard (0..<24 * 60).contains(minutes) else { return nil }
        self.minutes = minutes
    }
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        minutes = h * 60 + m
    }
    public var description: String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
    public static func < (a: ClockTime, b: ClockTime) -> Bool { a.minutes < b.minutes }
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ClockTime(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Ожидается время ЧЧ:ММ."))
        }
        self = parsed
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
