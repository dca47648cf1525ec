import FluentKit
import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// A lesson's materials and the teacher's "my day" (issue 14 item 5): links and files replaced as a
/// whole, bad addresses and outsiders refused with nothing written, a material file downloaded by
/// the class and its parents only; the day's lessons with what each still needs, a group's lesson
/// counting its group only, a cancelled lesson needing nothing, an empty day for a student.
final class LessonMaterialsTests: XCTestCase {
    typealias Person = TestHarness.Person

    struct World {
        let w: JournalWorld
        let classmate: Person, otherParent: Person
        let monday: LocalDate
        /// 5А's Monday: maths (the teacher, 1st period), Russian (the colleague, 2nd), maths for
        /// group 1 only (the teacher, 3rd); 5Б's maths (the teacher, 4th).
        let math: String, russian: String, groupMath: String, otherClassMath: String
        let group: String
    }

    /// The clock goes to 06:00 on a Monday of the third term before anyone signs in (lessons are
    /// made from "today" on; an administrator's session idles out after 12 hours), as in HomeworkTests.
    func setUp(_ h: TestHarness) async throws -> World {
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        let year = LocalDate(h.clock.now(), in: moscow).academicYear
        let monday = LocalDate(year: year + 1, month: 1, day: 18)!.weekStart
        h.clock.advance(monday.instant(atMinute: 6 * 60, in: moscow).timeIntervalSince(h.clock.now()))
        let w = try await h.journalWorld()
        let classmate = try await h.person(w.school, .student, name: "Кузнецова Оля")
        try await h.enrol(classmate.id, in: w.classA)
        let otherParent = try await h.person(w.school, .parent, name: "Орлов Иван")
        try await h.services.context.store.write { db in
            let link = FamilyLinkRecord()
            link.schoolID = UUID(uuidString: w.school)!; link.parentID = UUID(uuidString: otherParent.id)!
            link.childID = UUID(uuidString: w.otherStudent.id)!; link.createdAt = Date()
            try await link.create(on: db)
        }
        let group = try await h.request(.POST, "/api/v1/classes/\(w.classA)/groups", token: w.admin,
                                        json: ["name": "Группа 1", "memberIds": [w.student.id]]).json["id"] as! String
        try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
            TestHarness.cell(1, 1, w.math, w.teacher), TestHarness.cell(1, 2, w.russian, w.colleague),
            TestHarness.cell(1, 3, w.math, w.teacher, group: group), TestHarness.cell(3, 1, w.math, w.teacher)]])
        try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin, json: ["entries": [
            TestHarness.cell(1, 4, w.math, w.teacher)]])
        func lesson(_ cls: String, period: Int) async throws -> String {
            let items = try await h.request(.GET, "/api/v1/classes/\(cls)/lessons?from=\(monday)&to=\(monday)", token: w.admin).json["items"] as! [[String: Any]]
            return items.first { $0["period"] as? Int == period }!["id"] as! String
        }
        return World(w: w, classmate: classmate, otherParent: otherParent, monday: monday,
                     math: try await lesson(w.classA, period: 1), russian: try await lesson(w.classA, period: 2),
                     groupMath: try await lesson(w.classA, period: 3), otherClassMath: try await lesson(w.classB, period: 4), group: group)
    }

    func upload(_ h: TestHarness, _ school: String, _ by: Person, name: String = "Карточка.pdf") async throws -> String {
        let r = try await h.multipart("/api/v1/schools/\(school)/journal-files", fields: [:],
                                      file: (name: "file", filename: name, data: Data("%PDF-1.4 \(name)".utf8)), token: by.token)
        XCTAssertEqual(r.status, .created, String(buffer: r.body))
        return r.json["id"] as! String
    }

    func materials(_ h: TestHarness, _ lesson: String, as person: String) async throws -> [[String: Any]]? {
        let r = try await h.request(.GET, "/api/v1/lessons/\(lesson)", token: person)
        return r.json["materials"] as? [[String: Any]]
    }

    /// The stored rows of the lesson, in order: what a refused request must leave alone.
    func rows(_ h: TestHarness, _ lesson: String) async throws -> [String] {
        try await h.services.context.store.db.query(LessonMaterialRecord.self).filter(\.$lessonID == UUID(uuidString: lesson)!)
            .sort(\.$position).all().map { "\($0.kind):\($0.title):\($0.url ?? $0.journalFileID?.uuidString ?? "")" }
    }

    func moveClock(_ h: TestHarness, to day: LocalDate, minute: Int) {
        h.clock.advance(day.instant(atMinute: minute, in: TimeZone(identifier: "Europe/Moscow")!).timeIntervalSince(h.clock.now()))
    }

    // MARK: Materials

    func testMaterialsAreReplacedWholeAndReadByWhoeverReadsTheLesson() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            let sheet = try await upload(h, w.school, w.teacher)
            let put = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token, json: ["items": [
                ["kind": "link", "url": "HTTPS://Example.COM/Дроби?x=1#p2"],
                ["kind": "file", "fileId": sheet, "title": " Карточка\u{202E} к уроку "],
                ["kind": "link", "url": "http://[2001:db8::1]:8080/a", "title": "Опыт"]]])
            XCTAssertEqual(put.status, .ok, String(buffer: put.body))
            let items = try XCTUnwrap(put.json["items"] as? [[String: Any]])
            XCTAssertEqual(items.map { $0["kind"] as? String }, ["link", "file", "link"])
            XCTAssertEqual(items[0]["url"] as? String, "https://Example.COM/Дроби?x=1#p2", "the scheme in lower case, the rest as given")
            XCTAssertEqual(items[0]["title"] as? String, "example.com", "a link's title defaults to its host")
            XCTAssertEqual(items[1]["title"] as? String, "Карточка к уроку", "titles are cleaned")
            XCTAssertEqual((items[1]["file"] as? [String: Any])?["fileName"] as? String, "Карточка.pdf")
            XCTAssertNil(items[1]["url"])

            // With the lesson, to its readers; not in week lists.
            for reader in [w.teacher.token, w.student.token, w.parent.token, w.colleague.token, w.admin] {
                let got = try await materials(h, s.math, as: reader)
                XCTAssertEqual(got?.map { $0["title"] as? String }, ["example.com", "Карточка к уроку", "Опыт"])
            }
            let mine = try await h.request(.GET, "/api/v1/lessons/\(s.math)", token: w.teacher.token).json
            XCTAssertEqual(mine["canEditMaterials"] as? Bool, true)
            let theirs = try await h.request(.GET, "/api/v1/lessons/\(s.math)", token: w.student.token).json
            XCTAssertEqual(theirs["canEditMaterials"] as? Bool, false)
            let week = try await h.request(.GET, "/api/v1/me/schedule", token: w.student.token).json
            let listed = ((week["days"] as? [[String: Any]])?.first?["lessons"] as? [[String: Any]])?.first
            XCTAssertNotNil(listed)
            XCTAssertNil(listed?["materials"])

            // The material file: the class's student and the parent download it; another class's
            // student, another family's parent and another school do not.
            for ok in [w.teacher.token, w.student.token, w.parent.token, w.colleague.token, w.admin] {
                try await h.expect(.ok, .GET, "/api/v1/journal-files/\(sheet)", token: ok)
            }
            for refused in [w.otherStudent.token, s.otherParent.token, w.stranger.token] {
                try await h.expect(.notFound, .GET, "/api/v1/journal-files/\(sheet)", token: refused)
            }

            // Replaced whole: one link left, the order given; the file is no longer the class's.
            let again = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                                            json: ["items": [["kind": "link", "url": "https://school.example/2"], ["kind": "link", "url": "https://school.example/1"]]])
            XCTAssertEqual(again.status, .ok, String(buffer: again.body))
            let now = try await rows(h, s.math)
            XCTAssertEqual(now, ["link:school.example:https://school.example/2", "link:school.example:https://school.example/1"])
            try await h.expect(.notFound, .GET, "/api/v1/journal-files/\(sheet)", token: w.student.token)
            try await h.expect(.ok, .GET, "/api/v1/journal-files/\(sheet)", token: w.teacher.token)
            // Emptied.
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token, json: ["items": []])
            let none = try await h.count("lesson_materials")
            XCTAssertEqual(none, 0)

            // A keeper of the timetable may change them too, and keeps the teacher's file in the list.
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": sheet]]])
            let byAdmin = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.admin,
                                              json: ["items": [["kind": "file", "fileId": sheet], ["kind": "link", "url": "https://edu.example"]]])
            XCTAssertEqual(byAdmin.status, .ok, String(buffer: byAdmin.body))
            let kept = try await rows(h, s.math)
            XCTAssertEqual(kept.count, 2)
        }
    }

    func testBadLinksTooManyAndTooLongAreRefusedWithNothingWritten() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "link", "url": "https://school.example/ok", "title": "Было"]]])
            let before = try await rows(h, s.math)
            let good: [String: Any] = ["kind": "link", "url": "https://school.example/new"]
            let long = "https://school.example/" + String(repeating: "a", count: LessonLinks.maxLength - 22)
            XCTAssertEqual(long.count, LessonLinks.maxLength + 1)
            let bad: [[[String: Any]]] = [
                [good, ["kind": "link", "url": "javascript:alert(1)"]],
                [["kind": "link", "url": "JavaScript://school.example/%0aalert(1)"]],
                [["kind": "link", "url": "data:text/html,<script>alert(1)</script>"]],
                [["kind": "link", "url": "ftp://school.example/file.pdf"]],
                [["kind": "link", "url": "//school.example/x"]],
                [["kind": "link", "url": "https://"]],
                [["kind": "link", "url": "https://school.example@evil.example/"]],
                [["kind": "link", "url": "https://school.example\\@evil.example/"]],
                [["kind": "link", "url": "https://school.example:0/"]],
                [["kind": "link", "url": "https://school.example:99999/"]],
                [["kind": "link", "url": "https://school .example/"]],
                [["kind": "link", "url": "   "]],
                [["kind": "link", "url": long]],
                [["kind": "link", "url": "https://school.example/t", "title": String(repeating: "я", count: 201)]],
                [good, good],
                Array(repeating: good, count: 21),
                [["kind": "video", "url": "https://school.example/v"]],
                [["kind": "link", "url": "https://school.example/v", "fileId": UUID().uuidString]],
                [["kind": "file", "fileId": UUID().uuidString]],
                [["kind": "file"]],
                [["kind": "link", "url": "https://school.example/v", "colour": "red"]],
                [["kind": "link", "url": 5]],
                [["kind": "file", "fileId": "not-an-id"]],
            ]
            for items in bad {
                let r = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token, json: ["items": items])
                XCTAssertEqual(r.status, .badRequest, "\(items.prefix(2)): \(String(buffer: r.body))")
                XCTAssertNotNil(r.errorCode)
            }
            let unknownTop = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token, json: ["items": [], "extra": 1])
            XCTAssertEqual(unknownTop.status, .badRequest)
            // The problem is named by its place in the list.
            let named = try await h.request(.PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                                            json: ["items": [good, ["kind": "link", "url": "javascript:alert(1)"]]])
            XCTAssertNotNil(((named.json["error"] as? [String: Any])?["fields"] as? [String: Any])?["items[1].url"])
            let after = try await rows(h, s.math)
            XCTAssertEqual(after, before)
        }
    }

    func testOnlyTheLessonsConfirmedTeacherOrAKeeperWrites() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            let body: [String: Any] = ["items": [["kind": "link", "url": "https://school.example/x"]]]
            // Readers who may not change it: 403; those who may not see it: 404. Nothing written.
            for reader in [w.colleague.token, w.student.token, w.parent.token] {
                try await h.expect(.forbidden, .PUT, "/api/v1/lessons/\(s.math)/materials", token: reader, json: body)
            }
            for outsider in [w.otherStudent.token, s.otherParent.token, w.stranger.token, w.fresh.token] {
                try await h.expect(.notFound, .PUT, "/api/v1/lessons/\(s.math)/materials", token: outsider, json: body)
            }
            // The teacher of another lesson (Russian) may not change this one's either, nor this teacher Russian's.
            try await h.expect(.forbidden, .PUT, "/api/v1/lessons/\(s.russian)/materials", token: w.teacher.token, json: body)
            try await h.expect(.notFound, .PUT, "/api/v1/lessons/\(UUID())/materials", token: w.teacher.token, json: body)
            let none = try await h.count("lesson_materials")
            XCTAssertEqual(none, 0)

            // A teacher whose confirmation is withdrawn still reads their lesson, and may no longer write.
            try await h.services.context.store.write { db in
                try await MembershipRecord.query(on: db).filter(\.$userID == UUID(uuidString: w.teacher.id)!)
                    .filter(\.$role == SchoolRole.teacher.rawValue).set(\.$verified, to: false).update()
            }
            h.services.context.actors.forget(userID: UUID(uuidString: w.teacher.id)!)
            try await h.expect(.ok, .GET, "/api/v1/lessons/\(s.math)", token: w.teacher.token)
            try await h.expect(.forbidden, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token, json: body)
            let stillNone = try await h.count("lesson_materials")
            XCTAssertEqual(stillNone, 0)
        }
    }

    func testAFileIsAttachedOnceByItsUploaderWithinTheSchool() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            // A file attached to homework cannot be a lesson's material too…
            let forHomework = try await upload(h, w.school, w.teacher, name: "Задание.pdf")
            moveClock(h, to: s.monday, minute: 9 * 60 + 30)
            let hw = try await h.request(.POST, "/api/v1/lessons/\(s.math)/homework", token: w.teacher.token,
                                         json: ["text": "№ 12", "minutes": 20, "fileIds": [forHomework]])
            XCTAssertEqual(hw.status, .created, String(buffer: hw.body))
            try await h.expect(.badRequest, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": forHomework]]])
            // …nor a material of one lesson a material of another, or homework's file.
            let sheet = try await upload(h, w.school, w.teacher)
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": sheet]]])
            try await h.expect(.badRequest, .PUT, "/api/v1/lessons/\(s.groupMath)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": sheet]]])
            try await h.expect(.badRequest, .POST, "/api/v1/lessons/\(s.math)/homework", token: w.teacher.token,
                               json: ["text": "№ 13", "minutes": 20, "fileIds": [sheet]])
            // Someone else's upload (a colleague's, a student's) is not attached by this teacher.
            let colleagues = try await upload(h, w.school, w.colleague, name: "Чужое.pdf")
            let students = try await upload(h, w.school, w.student, name: "Ученика.pdf")
            for other in [colleagues, students, UUID().uuidString] {
                try await h.expect(.badRequest, .PUT, "/api/v1/lessons/\(s.groupMath)/materials", token: w.teacher.token,
                                   json: ["items": [["kind": "file", "fileId": other]]])
            }
            let count = try await h.count("lesson_materials")
            XCTAssertEqual(count, 1)
            // The same file twice in one list.
            let twice = try await upload(h, w.school, w.teacher, name: "Дважды.pdf")
            try await h.expect(.badRequest, .PUT, "/api/v1/lessons/\(s.groupMath)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": twice], ["kind": "file", "fileId": twice]]])
            // A group's lesson: its group's student downloads, the classmate outside the group does not.
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.groupMath)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": twice]]])
            try await h.expect(.ok, .GET, "/api/v1/journal-files/\(twice)", token: w.student.token)
            try await h.expect(.notFound, .GET, "/api/v1/journal-files/\(twice)", token: s.classmate.token)
            try await h.expect(.notFound, .GET, "/api/v1/lessons/\(s.groupMath)", token: s.classmate.token)
        }
    }

    func testAFileOfAnotherSchoolIsNotAttached() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            // The teacher also teaches in a second school and uploads there.
            let other = try await h.services.context.store.db.query(SchoolRecord.self).filter(\.$id != UUID(uuidString: w.school)!).first()!
            try await h.services.context.store.write { db in
                let m = MembershipRecord()
                m.schoolID = other.id!; m.userID = UUID(uuidString: w.teacher.id)!; m.role = SchoolRole.teacher.rawValue
                m.verified = true; m.createdAt = Date()
                try await m.create(on: db)
            }
            h.services.context.actors.forget(userID: UUID(uuidString: w.teacher.id)!)
            let there = try await upload(h, other.id!.uuidString, w.teacher, name: "Другая школа.pdf")
            try await h.expect(.badRequest, .PUT, "/api/v1/lessons/\(s.math)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "file", "fileId": there]]])
            let count = try await h.count("lesson_materials")
            XCTAssertEqual(count, 0)
        }
    }

    func testALessonWithMaterialsIsKeptWhenItsSlotGoes() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.groupMath)/materials", token: w.teacher.token,
                               json: ["items": [["kind": "link", "url": "https://school.example/x"]]])
            // The 3rd period leaves the timetable: its lesson holds materials and is kept.
            let saved = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                TestHarness.cell(1, 1, w.math, w.teacher), TestHarness.cell(1, 2, w.russian, w.colleague)]])
            XCTAssertEqual(saved.status, .ok, String(buffer: saved.body))
            try await h.expect(.ok, .GET, "/api/v1/lessons/\(s.groupMath)", token: w.teacher.token)
            let rows = try await rows(h, s.groupMath)
            XCTAssertEqual(rows.count, 1)
        }
    }

    func testLinkRules() {
        func ok(_ s: String) -> String? { if case .success(let l) = LessonLinks.check(s) { return l.url } else { return nil } }
        XCTAssertEqual(ok(" https://school.example "), "https://school.example")
        XCTAssertEqual(ok("http://правительство.рф/путь"), "http://правительство.рф/путь")
        XCTAssertEqual(ok("HTTP://a.b:65535"), "http://a.b:65535")
        for bad in ["javascript:alert(1)", "jav\u{200B}ascript:alert(1)", "vbscript:x", "data:,x", "file:///etc/passwd", "ftp://a.b",
                    "mailto:a@b.c", "https:/a.b", "https://a.b:65536", "https://a.b:", "https://user@a.b", "https://[zz]/",
                    "https://-/", "https://./", "https://a b", "http://a.b/\u{3000}x", ""] {
            XCTAssertNil(ok(bad), bad)
        }
        // Invisible characters go before the check: «java\u{200B}script:» is «javascript:».
        XCTAssertEqual(ok("https://\u{202E}school.example"), "https://school.example")
    }

    // MARK: My day

    func testMyDayListsTheTeachersLessonsWithWhatEachStillNeeds() async throws {
        try await withHarness { h in
            let s = try await setUp(h)
            let w = s.w
            func day(_ token: String, _ date: LocalDate? = nil) async throws -> [String: Any] {
                let r = try await h.request(.GET, "/api/v1/me/day" + (date.map { "?date=\($0)" } ?? ""), token: token)
                XCTAssertEqual(r.status, .ok, String(buffer: r.body))
                return r.json
            }
            func items(_ d: [String: Any]) -> [[String: Any]] { d["lessons"] as? [[String: Any]] ?? [] }
            func find(_ d: [String: Any], _ id: String) -> [String: Any] {
                items(d).first { ($0["lesson"] as? [String: Any])?["id"] as? String == id } ?? [:]
            }
            func attendance(_ item: [String: Any]) -> [Int] {
                let a = item["attendance"] as? [String: Any]
                return [a?["marked"] as? Int ?? -1, a?["students"] as? Int ?? -1]
            }

            // 06:00: nothing has begun, nothing is demanded yet. Today by default.
            var d = try await day(w.teacher.token)
            XCTAssertEqual(d["date"] as? String, s.monday.description)
            XCTAssertEqual(items(d).map { ($0["lesson"] as? [String: Any])?["id"] as? String }, [s.math, s.groupMath, s.otherClassMath],
                           "the teacher's own lessons in time order, not the colleague's")
            XCTAssertEqual(items(d).map { $0["needs"] as? [String] }, [[], [], []])
            XCTAssertEqual(attendance(find(d, s.math)), [0, 2])
            XCTAssertEqual(attendance(find(d, s.groupMath)), [0, 1], "a group's lesson counts the group's students")
            XCTAssertEqual(attendance(find(d, s.otherClassMath)), [0, 1])

            // The 4th period is cancelled; at noon the first three have begun.
            try await h.expect(.ok, .PATCH, "/api/v1/lessons/\(s.otherClassMath)", token: w.admin, json: ["status": "cancelled"])
            moveClock(h, to: s.monday, minute: 13 * 60)
            d = try await day(w.teacher.token, s.monday)
            XCTAssertEqual(find(d, s.math)["needs"] as? [String], ["topic", "attendance"])
            XCTAssertEqual(find(d, s.groupMath)["needs"] as? [String], ["topic", "attendance"])
            XCTAssertEqual(find(d, s.otherClassMath)["needs"] as? [String], [], "a cancelled lesson needs nothing")
            XCTAssertEqual(find(d, s.math)["started"] as? Bool, true)

            // The first lesson: a topic, everyone present, a grade, homework due on Wednesday.
            try await h.expect(.ok, .PATCH, "/api/v1/lessons/\(s.math)", token: w.teacher.token, json: ["topic": "Дроби"])
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/attendance", token: w.teacher.token, json: ["allPresent": true])
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.math)/grades", token: w.teacher.token, json: ["studentId": w.student.id, "value": "5"])
            let hw = try await h.request(.POST, "/api/v1/lessons/\(s.math)/homework", token: w.teacher.token, json: ["text": "№ 1", "minutes": 15, "dueDate": s.monday.adding(days: 2).description])
            XCTAssertEqual(hw.status, .created, String(buffer: hw.body))
            // The group's lesson: its one student marked; the topic still missing.
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(s.groupMath)/attendance", token: w.teacher.token,
                               json: ["marks": [["studentId": w.student.id, "status": "absent", "reason": "illness"]]])
            d = try await day(w.teacher.token, s.monday)
            let first = find(d, s.math)
            XCTAssertEqual(first["needs"] as? [String], [])
            XCTAssertEqual(attendance(first), [2, 2])
            XCTAssertEqual(first["homework"] as? Int, 1)
            XCTAssertEqual(first["grades"] as? Int, 1)
            XCTAssertEqual((first["lesson"] as? [String: Any])?["topic"] as? String, "Дроби")
            XCTAssertEqual(find(d, s.groupMath)["needs"] as? [String], ["topic"])
            XCTAssertEqual(attendance(find(d, s.groupMath)), [1, 1])
            XCTAssertEqual(d["handInsToCheck"] as? Int, 0)

            // A hand-in waits to be checked: on the day, and at the Wednesday lesson it is due at.
            try await h.expect(.ok, .PUT, "/api/v1/homework/\(hw.json["id"] as! String)/submission", token: w.student.token, json: ["text": "Готово"])
            d = try await day(w.teacher.token, s.monday)
            XCTAssertEqual(d["handInsToCheck"] as? Int, 1)
            let wednesday = try await day(w.teacher.token, s.monday.adding(days: 2))
            XCTAssertEqual(items(wednesday).count, 1)
            XCTAssertEqual(items(wednesday).first?["handInsToCheck"] as? Int, 1)
            XCTAssertEqual(items(wednesday).first?["needs"] as? [String], [], "Wednesday's lesson has not begun")

            // The colleague's day has only the Russian lesson; a student, a parent, another school: an empty day.
            let colleague = try await day(w.colleague.token, s.monday)
            XCTAssertEqual(items(colleague).map { ($0["lesson"] as? [String: Any])?["id"] as? String }, [s.russian])
            for nobody in [w.student.token, w.parent.token, w.stranger.token, w.admin] {
                let empty = try await day(nobody, s.monday)
                XCTAssertEqual(items(empty).count, 0)
            }
            try await h.expect(.badRequest, .GET, "/api/v1/me/day?date=2025-13-40", token: w.teacher.token)
            try await h.expect(.unauthorized, .GET, "/api/v1/me/day")
        }
    }
}
