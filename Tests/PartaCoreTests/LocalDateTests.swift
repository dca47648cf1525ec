import Foundation
@testable import PartaCore
import XCTest

/// Days of the school's calendar, times of day, and which days are school days.
final class LocalDateTests: XCTestCase {
    func testParsingWeekdaysAndArithmetic() {
        XCTAssertEqual(LocalDate("2026-12-07")?.weekday, 1)   // a Monday
        XCTAssertEqual(LocalDate("2027-01-03")?.weekday, 7)   // a Sunday
        XCTAssertEqual(LocalDate("1970-01-01")?.weekday, 4)   // a Thursday
        XCTAssertEqual(LocalDate("2028-02-29")?.description, "2028-02-29")
        for bad in ["2027-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00:00", "２０２６-01-01", ""] {
            XCTAssertNil(LocalDate(bad), bad)
        }
        let d = LocalDate("2026-12-31")!
        XCTAssertEqual(d.adding(days: 1).description, "2027-01-01")
        XCTAssertEqual(d.weekStart.description, "2026-12-28")
        XCTAssertEqual(LocalDate("2026-08-31")!.academicYear, 2025)
        XCTAssertEqual(LocalDate("2026-09-01")!.academicYear, 2026)
        // Round trip over many years.
        for n in stride(from: -20_000, to: 60_000, by: 37) {
            let day = LocalDate(dayNumber: n)
            XCTAssertEqual(LocalDate(day.description)?.dayNumber, n)
        }
    }

    func testInstantsInTheSchoolsTimeZone() {
        let moscow = TimeZone(identifier: "Europe/Moscow")!, yekaterinburg = TimeZone(identifier: "Asia/Yekaterinburg")!
        let day = LocalDate("2026-12-07")!
        XCTAssertEqual(day.instant(atMinute: 8 * 60 + 30, in: moscow), ISO8601DateFormatter().date(from: "2026-12-07T05:30:00Z"))
        XCTAssertEqual(day.instant(atMinute: 8 * 60 + 30, in: yekaterinburg), ISO8601DateFormatter().date(from: "2026-12-07T03:30:00Z"))
        XCTAssertEqual(LocalDate(ISO8601DateFormatter().date(from: "2026-12-06T21:30:00Z")!, in: moscow).description, "2026-12-07")
        XCTAssertEqual(ClockTime("8:05")?.description, "08:05")
        XCTAssertNil(ClockTime("24:00"))
        XCTAssertNil(ClockTime("08:5"))
    }

    func testSchoolDaysFollowTermsHolidaysAndTheWorkingWeek() {
        let calendar = SchoolCalendar.proposal(for: 2026)
        XCTAssertTrue(calendar.problems().isEmpty, "\(calendar.problems())")
        XCTAssertTrue(calendar.isSchoolDay(LocalDate("2026-12-07")!))
        XCTAssertEqual(calendar.dayOffTitle(LocalDate("2026-12-30")!), "Зимние каникулы")
        XCTAssertEqual(calendar.dayOffTitle(LocalDate("2026-11-04")!), "День народного единства")
        XCTAssertEqual(calendar.dayOffTitle(LocalDate("2026-12-12")!), "Выходной")
        XCTAssertEqual(calendar.dayOffTitle(LocalDate("2027-06-15")!), "Каникулы")
        var sixDays = calendar
        sixDays.weekDays = 6
        XCTAssertTrue(sixDays.isSchoolDay(LocalDate("2026-12-12")!))
        // A week of five school days.
        XCTAssertEqual(calendar.schoolDays(from: LocalDate("2026-12-07")!, to: LocalDate("2026-12-13")!).count, 5)
        XCTAssertNil(BellPeriod.problems(BellPeriod.proposal))
    }
}
