import FluentKit
import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// Calendar feeds (issue 14 item 4): a secret address per person (a parent's, per child) that
/// carries exactly the lessons the person's week shows, in the school's time zone; made again on
/// demand (the old address stops), revoked, and stopped when its owner may no longer see them.
final class CalendarFeedTests: XCTestCase {
    typealias Person = TestHarness.Person

    /// The classes 5А, 5Б, 5В of a school (in Кировская область: Europe/Kirov, UTC+3) with a saved
    /// year, on a Wednesday of its second term;
    /// two confirmed teachers and an unconfirmed one, a student of 5А with a parent, a student of
    /// 5Б, another school's administrator.
    struct World {
        let admin: String, school: String, classA: String, classB: String, classC: String
        let math: String, russian: String
        let teacher: Person, colleague: Person, fresh: Person
        let student: Person, otherStudent: Person, parent: Person, stranger: Person
    }

    static func world(_ h: TestHarness) async throws -> World {
        // A fixed day: 11 November of this school year, 10:00 at UTC+3 (Moscow, as the test school).
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        let year = LocalDate(h.clock.now(), in: moscow).academicYear
        let target = LocalDate(year: year, month: 11, day: 11)!.instant(atMinute: 600, in: moscow)
        h.clock.advance(target.timeIntervalSince(h.clock.now()))
        let op = try await h.makeOperator()
        let (admin, school) = try await h.makeSchool(operatorToken: op)
        let (_, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
        let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А, 5Б, 5В"])
        let classes = made.json["items"] as! [[String: Any]]
        func classID(_ name: String) -> String { classes.first { $0["name"] as? String == name }!["id"] as! String }
        var body = try await h.request(.GET, "/api/v1/schools/\(school)/school-year", token: admin).json
        for key in ["configured", "bellsConfigured"] { body.removeValue(forKey: key) }
        try await h.expect(.ok, .PUT, "/api/v1/schools/\(school)/school-year", token: admin, json: body)
        let subjects = try await h.request(.GET, "/api/v1/schools/\(school)/subjects", token: admin).json["items"] as! [[String: Any]]
        func subject(_ name: String) -> String { subjects.first { $0["name"] as? String == name }!["id"] as! String }
        let w = World(admin: admin, school: school, classA: classID("5А"), classB: classID("5Б"), classC: classID("5В"),
                      math: subject("Математика"), russian: subject("Русский язык"),
                      teacher: try await h.person(school, .teacher, name: "Иванова Мария Петровна"),
                      colleague: try await h.person(school, .teacher, name: "Петров Пётр Петрович"),
                      fresh: try await h.person(school, .teacher, verified: false, name: "Новенький Учитель"),
                      student: try await h.person(school, .student, name: "Соколов Миша"),
                      otherStudent: try await h.person(school, .student, name: "Орлова Аня"),
                      parent: try await h.person(school, .parent, name: "Соколова Анна"),
                      stranger: try await h.person(otherSchool, .admin, name: "Чужой Админ"))
        try await h.services.context.store.write { db in
            for (user, cls) in [(w.student.id, w.classA), (w.otherStudent.id, w.classB)] {
                let m = ClassMemberRecord()
                m.classID = UUID(uuidString: cls)!; m.userID = UUID(uuidString: user)!
                m.role = SchoolRole.student.rawValue; m.createdAt = Date()
                try await m.create(on: db)
            }
            let link = FamilyLinkRecord()
            link.schoolID = UUID(uuidString: school)!; link.parentID = UUID(uuidString: w.parent.id)!
            link.childID = UUID(uuidString: w.student.id)!; link.createdAt = Date()
            try await link.create(on: db)
        }
        return w
    }

    static func cell(_ weekday: Int, _ period: Int, _ subject: String, _ teacher: Person, room: String = "") -> [String: Any] {
        ["weekday": weekday, "period": period, "subjectId": subject, "teacherId": teacher.id, "room": room]
    }

    /// The feed at `url` (the public address), unfolded into lines.
    func fetch(_ h: TestHarness, _ url: String, headers: [(String, String)] = []) async throws -> (TestHarness.Reply, [String]) {
        let path = String(url.dropFirst("http://parta.test".count))
        let reply = try await h.request(.GET, path, headers: headers)
        let text = String(buffer: reply.body)
        return (reply, text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n"))
    }

    /// The VEVENTs of a calendar, each as its property lines by name (parameters kept in the name).
    func events(_ lines: [String]) -> [[String: String]] {
        var out: [[String: String]] = [], current: [String: String]?
        for line in lines {
            if line == "BEGIN:VEVENT" { current = [:]; continue }
            if line == "END:VEVENT", let c = current { out.append(c); current = nil; continue }
            guard current != nil, let colon = line.firstIndex(of: ":") else { continue }
            current![String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return out
    }

    func lessonIDs(_ h: TestHarness, classID: String, from: LocalDate) async throws -> Set<String> {
        Set(try await LessonRecord.query(on: h.services.context.store.db).filter(\.$classID == UUID(uuidString: classID)!)
            .filter(\.$date >= from.description).all().map { $0.id!.uuidString.lowercased() })
    }

    func testAStudentsFeedCarriesTheirLessonsInTheSchoolsZone() async throws {
        try await withHarness { h in
            let w = try await Self.world(h)
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                Self.cell(1, 1, w.math, w.teacher, room: "21"), Self.cell(2, 2, w.russian, w.colleague, room: "14, левое крыло")]])
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin, json: ["entries": [
                Self.cell(1, 2, w.math, w.teacher)]])

            let made = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.student.token)
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            let url = try XCTUnwrap(made.json["url"] as? String)
            let token = String(url.split(separator: "/").last!.dropLast(4))
            XCTAssertTrue(url.hasPrefix("http://parta.test/api/v1/ical/") && url.hasSuffix(".ics"), url)
            XCTAssertEqual(token.count, 43)   // 256 bits, base64url
            XCTAssertEqual(made.json["webcalUrl"] as? String, "webcal" + url.dropFirst("http".count))
            XCTAssertEqual(made.json["personName"] as? String, "Соколов Миша")
            // Only the hash is kept; the list never shows the address again.
            let stored = try await CalendarFeedRecord.query(on: h.services.context.store.db).all()
            XCTAssertEqual(stored.map(\.tokenHash), [Secrets.sha256Hex(token)])
            let list = try await h.request(.GET, "/api/v1/me/calendar-feeds", token: w.student.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(list.count, 1)
            XCTAssertNil(list[0]["url"] as? String)

            // A teacher writes a topic with the characters iCalendar escapes.
            let today = LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!)
            let monday = today.weekStart.adding(days: 7)
            let week = try await h.request(.GET, "/api/v1/classes/\(w.classA)/lessons?from=\(monday)", token: w.admin).json["items"] as! [[String: Any]]
            let math = (week.first { $0["subjectName"] as? String == "Математика" }!["id"] as! String).lowercased()
            try await h.expect(.ok, .PATCH, "/api/v1/lessons/\(math)", token: w.teacher.token, json: ["topic": "Дроби; сложение, вычитание \\ повторение"])
            h.clock.advance(90)
            let russian = (week.first { $0["subjectName"] as? String == "Русский язык" }!["id"] as! String).lowercased()
            try await h.expect(.ok, .PATCH, "/api/v1/lessons/\(russian)", token: w.admin, json: ["status": "cancelled"])

            // The feed needs no sign-in: the token is the key.
            let (reply, lines) = try await fetch(h, url)
            XCTAssertEqual(reply.status, .ok)
            XCTAssertEqual(reply.headers.first(name: .contentType), "text/calendar; charset=utf-8")
            let raw = String(buffer: reply.body)
            for line in raw.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.utf8.count, 75, line) }
            XCTAssertTrue(raw.hasSuffix("END:VCALENDAR\r\n"))
            for expected in ["BEGIN:VCALENDAR", "VERSION:2.0", "CALSCALE:GREGORIAN", "X-WR-CALNAME:Расписание: Соколов Миша",
                             "BEGIN:VTIMEZONE", "TZID:Europe/Kirov", "TZOFFSETFROM:+0300", "TZOFFSETTO:+0300", "BEGIN:STANDARD"] {
                XCTAssertTrue(lines.contains(expected), expected)
            }
            XCTAssertTrue(lines.contains { $0.hasPrefix("PRODID:") })
            XCTAssertFalse(lines.contains("BEGIN:DAYLIGHT"))   // Russia: no daylight saving time since 2014

            // Exactly 5А's lessons from two weeks back on: none of 5Б's.
            let found = events(lines)
            let expected = try await lessonIDs(h, classID: w.classA, from: today.adding(days: -14))
            XCTAssertGreaterThan(expected.count, 20)
            XCTAssertEqual(Set(found.map { String($0["UID"]!.prefix(36)) }), expected)
            XCTAssertTrue(found.allSatisfy { $0["UID"]!.hasSuffix("@parta.test") && $0["DTSTAMP"]!.hasSuffix("Z") })
            let first = try XCTUnwrap(found.first { $0["UID"] == math + "@parta.test" })
            let day = monday.description.replacingOccurrences(of: "-", with: "")
            XCTAssertEqual(first["DTSTART;TZID=Europe/Kirov"], day + "T083000")
            XCTAssertEqual(first["DTEND;TZID=Europe/Kirov"], day + "T091500")
            XCTAssertEqual(first["SUMMARY"], "Математика")
            XCTAssertEqual(first["LOCATION"], "Кабинет 21")
            XCTAssertEqual(first["STATUS"], "CONFIRMED")
            XCTAssertEqual(first["DESCRIPTION"], "Тема: Дроби\\; сложение\\, вычитание \\\\ повторение\\nУчитель: Иванова Мария Петровна\\n1-й урок")
            XCTAssertEqual(first["URL"], "http://parta.test/#/lesson/" + math)
            let cancelled = try XCTUnwrap(found.first { $0["UID"] == russian + "@parta.test" })
            XCTAssertEqual(cancelled["STATUS"], "CANCELLED")
            XCTAssertEqual(cancelled["SUMMARY"], "Отменён: Русский язык")
            XCTAssertEqual(cancelled["LOCATION"], "Кабинет 14\\, левое крыло")
            XCTAssertEqual(cancelled["SEQUENCE"], "90")   // seconds since it was made: grows with each change
            XCTAssertEqual(first["SEQUENCE"], "0")

            // The same lessons, the same bytes: a calendar that sends the tag back gets 304.
            let etag = try XCTUnwrap(reply.headers.first(name: .eTag))
            let (again, _) = try await fetch(h, url, headers: [("If-None-Match", etag)])
            XCTAssertEqual(again.status, .notModified)
            XCTAssertEqual(again.body.readableBytes, 0)
            // Its last use is shown to its owner.
            let used = try await h.request(.GET, "/api/v1/me/calendar-feeds", token: w.student.token).json["items"] as! [[String: Any]]
            XCTAssertNotNil(used[0]["lastUsedAt"] as? String)

            // A teacher's feed: their own lessons across classes, named with the class.
            let teacherFeed = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.teacher.token, json: [String: Any]())
            let (_, teacherLines) = try await fetch(h, teacherFeed.json["url"] as! String)

            // Over the next six weeks both feeds hold exactly the lessons of the person's own week pages.
            for (token, lines) in [(w.student.token, lines), (w.teacher.token, teacherLines)] {
                let weeks = try await h.request(.GET, "/api/v1/me/schedule?from=\(today)&days=42", token: token).json["days"] as! [[String: Any]]
                let shown = Set(weeks.flatMap { $0["lessons"] as! [[String: Any]] }.map { ($0["id"] as! String).lowercased() })
                let last = today.adding(days: 41).description.replacingOccurrences(of: "-", with: "")
                let inFeed = Set(events(lines).filter { e in
                    let day = String(e.first { $0.key.hasPrefix("DTSTART") }!.value.prefix(8))
                    return day >= today.description.replacingOccurrences(of: "-", with: "") && day <= last
                }.map { String($0["UID"]!.prefix(36)) })
                XCTAssertFalse(shown.isEmpty)
                XCTAssertEqual(inFeed, shown)
            }
            let summaries = Set(events(teacherLines).map { $0["SUMMARY"]! })
            XCTAssertEqual(summaries, ["Математика — 5А", "Математика — 5Б"])
            XCTAssertFalse(events(teacherLines).contains { $0["DESCRIPTION"]?.contains("Учитель:") == true })
        }
    }

    func testAParentsFeedIsTheChildsAndEveryWayOutStopsIt() async throws {
        try await withHarness { h in
            let w = try await Self.world(h)
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                Self.cell(1, 1, w.math, w.teacher), Self.cell(3, 2, w.russian, w.colleague)]])
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin, json: ["entries": [
                Self.cell(1, 2, w.math, w.teacher)]])

            // A parent follows their own child, nobody else's; strangers and classmates follow no one.
            let child = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.parent.token, json: ["childId": w.student.id])
            XCTAssertEqual(child.status, .created, String(buffer: child.body))
            XCTAssertEqual(child.json["personId"] as? String, w.student.id)
            for (token, childID) in [(w.parent.token, w.otherStudent.id), (w.otherStudent.token, w.student.id),
                                     (w.stranger.token, w.student.id), (w.teacher.token, w.student.id), (w.parent.token, UUID().uuidString)] {
                try await h.expect(.notFound, .POST, "/api/v1/me/calendar-feeds", token: token, json: ["childId": childID])
            }
            try await h.expect(.badRequest, .POST, "/api/v1/me/calendar-feeds", token: w.parent.token, json: ["childId": "x"])
            try await h.expect(.badRequest, .POST, "/api/v1/me/calendar-feeds", token: w.parent.token, json: ["personId": w.student.id])
            // Someone with no school has no lessons to follow.
            let op = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"])
            try await h.expect(.forbidden, .POST, "/api/v1/me/calendar-feeds", token: op.json["token"] as? String, json: [String: Any]())
            let feeds = try await h.count("calendar_feeds")
            XCTAssertEqual(feeds, 1)

            // The child's feed holds exactly the child's own lessons.
            let own = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.student.token, json: [String: Any]())
            let (_, childLines) = try await fetch(h, child.json["url"] as! String)
            let (_, ownLines) = try await fetch(h, own.json["url"] as! String)
            XCTAssertEqual(Set(events(childLines).map { $0["UID"]! }), Set(events(ownLines).map { $0["UID"]! }))
            XCTAssertFalse(events(childLines).isEmpty)
            XCTAssertTrue(childLines.contains("X-WR-CALNAME:Расписание: Соколов Миша"))

            // Made again: a new address, the old one stops; still one feed.
            let again = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.student.token, json: [String: Any]())
            XCTAssertEqual(again.status, .created)
            XCTAssertNotEqual(again.json["url"] as? String, own.json["url"] as? String)
            XCTAssertEqual(again.json["id"] as? String, own.json["id"] as? String)
            let (old, _) = try await fetch(h, own.json["url"] as! String)
            XCTAssertEqual(old.status, .notFound)
            let (renewed, _) = try await fetch(h, again.json["url"] as! String)
            XCTAssertEqual(renewed.status, .ok)

            // Revoked: only by its owner.
            let feedID = again.json["id"] as! String
            try await h.expect(.notFound, .DELETE, "/api/v1/me/calendar-feeds/\(feedID)", token: w.parent.token)
            try await h.expect(.noContent, .DELETE, "/api/v1/me/calendar-feeds/\(feedID)", token: w.student.token)
            let (revoked, _) = try await fetch(h, again.json["url"] as! String)
            XCTAssertEqual(revoked.status, .notFound)
            try await h.expect(.notFound, .DELETE, "/api/v1/me/calendar-feeds/\(feedID)", token: w.student.token)

            // Unknown and malformed tokens: the same 404.
            for path in ["/api/v1/ical/\(String(repeating: "A", count: 43)).ics", "/api/v1/ical/\(String(repeating: "A", count: 43))",
                         "/api/v1/ical/short.ics", "/api/v1/ical/%00"] {
                let r = try await h.request(.GET, path)
                XCTAssertEqual(r.status, .notFound, path)
                XCTAssertEqual(r.errorCode, "not_found", path)
            }

            // The parent's link to the child is removed: the child's feed stops.
            try await h.services.context.store.write { db in
                try await FamilyLinkRecord.query(on: db).filter(\.$parentID == UUID(uuidString: w.parent.id)!).delete()
            }
            let (unlinked, _) = try await fetch(h, child.json["url"] as! String)
            XCTAssertEqual(unlinked.status, .notFound)

            // A teacher who leaves the school: their feed stops (their lessons stay with the school).
            let teacherFeed = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.teacher.token, json: [String: Any]())
            let (before, beforeLines) = try await fetch(h, teacherFeed.json["url"] as! String)
            XCTAssertEqual(before.status, .ok)
            XCTAssertFalse(events(beforeLines).isEmpty)
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(w.school)/members/\(w.teacher.id)/remove", token: w.admin)
            let (gone, _) = try await fetch(h, teacherFeed.json["url"] as! String)
            XCTAssertEqual(gone.status, .notFound)

            // A student who leaves: the same.
            let studentFeed = try await h.request(.POST, "/api/v1/me/calendar-feeds", token: w.otherStudent.token, json: [String: Any]())
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(w.school)/members/\(w.otherStudent.id)/remove", token: w.admin)
            let (left, _) = try await fetch(h, studentFeed.json["url"] as! String)
            XCTAssertEqual(left.status, .notFound)
        }
    }
}
