import Foundation
import XCTest
@testable import PartaCore

/// iCalendar text as RFC 5545 wants it: lines folded at 75 octets without cutting a character,
/// TEXT escaped, offsets and their changes right for zones with and without daylight saving time.
final class ICalendarTests: XCTestCase {
    func testLongLinesFoldAt75OctetsNeverInsideACharacter() {
        var w = ICalendarWriter()
        let topic = String(repeating: "Сложение дробей с разными знаменателями, ", count: 6) + "🙂 end"
        w.line("DESCRIPTION", ICalendarWriter.text(topic))
        let text = w.text
        XCTAssertTrue(text.hasSuffix("\r\n"))
        let lines = text.dropLast(2).components(separatedBy: "\r\n")
        XCTAssertGreaterThan(lines.count, 5)
        for (i, line) in lines.enumerated() {
            XCTAssertLessThanOrEqual(line.utf8.count, 75, line)
            if i > 0 { XCTAssertTrue(line.hasPrefix(" "), line) }
        }
        // Each line was cut at a character's boundary (every piece is valid UTF-8), and unfolding restores it.
        let bytes = Array(text.utf8)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), text)
        // ("\r\n" is one Character in Swift.)
        XCTAssertEqual(text.replacingOccurrences(of: "\r\n ", with: "").dropLast(1), "DESCRIPTION:" + ICalendarWriter.text(topic))
        // A short line stays whole.
        var short = ICalendarWriter()
        short.line("SUMMARY", "Математика — 5А")
        XCTAssertEqual(short.text, "SUMMARY:Математика — 5А\r\n")
    }

    func testTextIsEscaped() {
        XCTAssertEqual(ICalendarWriter.text("a,b;c\\d"), "a\\,b\\;c\\\\d")
        XCTAssertEqual(ICalendarWriter.text("одна\nдве\r\nтри\rчетыре"), "одна\\nдве\\nтри\\nчетыре")
        XCTAssertEqual(ICalendarWriter.text("звонок\u{7}\u{0}\tтаб"), "звонок\tтаб")
    }

    func testTimesAndOffsets() {
        let instant = Date(timeIntervalSince1970: 1_799_999_999)   // 2027-01-15T07:59:59Z
        XCTAssertEqual(ICalendarWriter.utc(instant), "20270115T075959Z")
        XCTAssertEqual(ICalendarWriter.local(instant, offset: 3 * 3600), "20270115T105959")
        XCTAssertEqual(ICalendarWriter.local(Date(timeIntervalSince1970: -1), offset: 0), "19691231T235959")
        XCTAssertEqual(ICalendarWriter.offset(3 * 3600), "+0300")
        XCTAssertEqual(ICalendarWriter.offset(-(9 * 3600 + 30 * 60)), "-0930")
        XCTAssertEqual(ICalendarWriter.offset(20_250), "+053730")
    }

    func testRussianZonesHaveOneOffsetAndBerlinItsTwoChanges() throws {
        let year = LocalDate(year: 2026, month: 9, day: 1)!, end = LocalDate(year: 2027, month: 8, day: 31)!
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        XCTAssertEqual(ICalendarWriter.transitions(of: moscow, from: year.instant(atMinute: 0, in: moscow), to: end.instant(atMinute: 0, in: moscow)), [])
        var w = ICalendarWriter()
        w.timeZone(moscow, from: year.instant(atMinute: 0, in: moscow), to: end.instant(atMinute: 0, in: moscow))
        XCTAssertEqual(w.text.components(separatedBy: "\r\n").filter { !$0.hasPrefix("TZNAME") },
                       ["BEGIN:VTIMEZONE", "TZID:Europe/Moscow", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0300",
                        "TZOFFSETTO:+0300", "END:STANDARD", "END:VTIMEZONE", ""])

        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let changes = ICalendarWriter.transitions(of: berlin, from: year.instant(atMinute: 0, in: berlin), to: end.instant(atMinute: 0, in: berlin))
        // 25 October 2026 01:00 UTC back to +01:00; 28 March 2027 01:00 UTC forward to +02:00.
        XCTAssertEqual(changes, [.init(instant: Date(timeIntervalSince1970: 1_792_890_000), from: 7200, to: 3600),
                                 .init(instant: Date(timeIntervalSince1970: 1_806_195_600), from: 3600, to: 7200)])
        var b = ICalendarWriter()
        b.timeZone(berlin, from: year.instant(atMinute: 0, in: berlin), to: end.instant(atMinute: 0, in: berlin))
        let lines = b.text.components(separatedBy: "\r\n")
        XCTAssertTrue(lines.contains("DTSTART:20261025T030000"), b.text)   // the wall clock shows 03:00 (summer time) then
        XCTAssertTrue(lines.contains("DTSTART:20270328T020000"), b.text)
        XCTAssertEqual(lines.filter { $0 == "BEGIN:DAYLIGHT" }.count, 2, b.text)   // in force on 1 September, and from March
        XCTAssertEqual(lines.filter { $0 == "BEGIN:STANDARD" }.count, 1, b.text)
    }
}
