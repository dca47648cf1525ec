import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// Homework and hand-ins (issue 14 items 6–7): the 2-hour posting clock, the daily limits at their
/// boundaries, warned overloads saved on purpose, hand-ins returned and accepted, files and notices
/// — and another class, another school, another family, a student, refused with nothing written.
final class HomeworkTests: XCTestCase {
    typealias Person = TestHarness.Person

    /// 5А's week: maths (the teacher) on Monday and Wednesday at the first period, Russian (the
    /// colleague) on Monday and Wednesday at the second; a classmate; the first Monday of the third term.
    func setUp(_ h: TestHarness) async throws -> (JournalWorld, classmate: Person, monday: LocalDate) {
        // The clock goes to early Monday morning of a week of the third term first, so that
        // everyone's sessions start then (an administrator's lasts 12 idle hours) and the lessons
        // are made from that day on, whatever today is.
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        let year = LocalDate(h.clock.now(), in: moscow).academicYear
        let monday = LocalDate(year: year + 1, month: 1, day: 18)!.weekStart
        h.clock.advance(monday.instant(atMinute: 6 * 60, in: moscow).timeIntervalSince(h.clock.now()))
        let w = try await h.journalWorld()
        try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
            TestHarness.cell(1, 1, w.math, w.teacher), TestHarness.cell(3, 1, w.math, w.teacher),
            TestHarness.cell(1, 2, w.russian, w.colleague), TestHarness.cell(3, 2, w.russian, w.colleague)]])
        let classmate = try await h.person(w.school, .student, name: "Кузнецова Оля")
        try await h.enrol(classmate.id, in: w.classA)
        return (w, classmate, monday)
    }

    func lesson(_ h: TestHarness, _ w: JournalWorld, on day: LocalDate, subject: String) async throws -> [String: Any] {
        let items = try await h.request(.GET, "/api/v1/classes/\(w.classA)/lessons?from=\(day)&to=\(day)", token: w.admin).json["items"] as! [[String: Any]]
        return items.first { $0["subjectName"] as? String == subject }!
    }

    /// Moves the test clock to `seconds` after the lesson's end.
    func setClock(_ h: TestHarness, after lesson: [String: Any], seconds: TimeInterval) {
        let end = ISO8601DateFormatter().date(from: (lesson["end"] as! String).replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression))!
        h.clock.advance(end.addingTimeInterval(seconds).timeIntervalSince(h.clock.now()))
    }

    func testPostingIsLateOnlyPastTwoHoursAndTheDayLimitHoldsToTheMinute() async throws {
        try await withHarness { h in
            let (w, _, monday) = try await setUp(h)
            let math = try await lesson(h, w, on: monday, subject: "Математика")
            let russian = try await lesson(h, w, on: monday, subject: "Русский язык")
            let mathID = math["id"] as! String, russianID = russian["id"] as! String
            let wednesday = monday.adding(days: 2)

            // Exactly two hours after the lesson: on time; by default due at the next maths lesson.
            setClock(h, after: math, seconds: 2 * 3600)
            let first = try await h.request(.POST, "/api/v1/lessons/\(mathID)/homework", token: w.teacher.token,
                                            json: ["text": "№ 245, 247", "minutes": 60])
            XCTAssertEqual(first.status, .created, String(buffer: first.body))
            XCTAssertEqual(first.json["late"] as? Bool, false)
            XCTAssertEqual(first.json["dueDate"] as? String, wednesday.description)
            XCTAssertNotNil(first.json["dueLessonId"] as? String)
            // Russian: a second past two hours after its lesson is late.
            setClock(h, after: russian, seconds: 2 * 3600 + 1)
            let russianHW = try await h.request(.POST, "/api/v1/lessons/\(russianID)/homework", token: w.colleague.token,
                                               json: ["text": "Упр. 112", "minutes": 60, "dueDate": wednesday.description])
            XCTAssertEqual(russianHW.status, .created, String(buffer: russianHW.body))
            XCTAssertEqual(russianHW.json["late"] as? Bool, true)

            // 120 minutes on Wednesday is 5th grade's limit exactly: not an overload. One more minute is.
            let load = try await h.request(.GET, "/api/v1/lessons/\(mathID)/homework-load?minutes=1", token: w.teacher.token).json
            XCTAssertEqual(load["limitMinutes"] as? Int, 120)
            XCTAssertEqual(load["minutes"] as? Int, 121)
            XCTAssertEqual(load["overload"] as? Bool, true)
            let before = try await h.count("homework")
            let over = try await h.request(.POST, "/api/v1/lessons/\(mathID)/homework", token: w.teacher.token,
                                           json: ["text": "Ещё одна задача", "minutes": 1])
            XCTAssertEqual(over.status, .conflict)
            XCTAssertEqual(over.errorCode, "homework_overload")
            XCTAssertTrue(((over.json["error"] as? [String: Any])?["message"] as? String ?? "").contains("121"))
            let afterRefusal = try await h.count("homework")
            XCTAssertEqual(afterRefusal, before)
            let anyway = try await h.request(.POST, "/api/v1/lessons/\(mathID)/homework", token: w.teacher.token,
                                             json: ["text": "Ещё одна задача", "minutes": 1, "confirmOverload": true])
            XCTAssertEqual(anyway.status, .created)
            XCTAssertEqual(anyway.json["overload"] as? Bool, true)

            // The school may change the limit; only its keepers may.
            try await h.expect(.forbidden, .PUT, "/api/v1/schools/\(w.school)/homework-limits", token: w.teacher.token, json: ["limits": ["5": 200]])
            let limits = try await h.request(.PUT, "/api/v1/schools/\(w.school)/homework-limits", token: w.admin, json: ["limits": ["5": 200]])
            XCTAssertEqual((limits.json["limits"] as? [String: Int])?["5"], 200)
            let relaxed = try await h.request(.GET, "/api/v1/lessons/\(mathID)/homework-load?minutes=1", token: w.teacher.token).json
            XCTAssertEqual(relaxed["overload"] as? Bool, false)

            // Who may set it: the lesson's own teacher only.
            try await h.expect(.forbidden, .POST, "/api/v1/lessons/\(mathID)/homework", token: w.colleague.token, json: ["text": "Чужое", "minutes": 5])
            try await h.expect(.forbidden, .POST, "/api/v1/lessons/\(mathID)/homework", token: w.student.token, json: ["text": "Отменить всё", "minutes": 5])
            try await h.expect(.notFound, .POST, "/api/v1/lessons/\(mathID)/homework", token: w.stranger.token, json: ["text": "x", "minutes": 5])
            try await h.expect(.notFound, .POST, "/api/v1/lessons/\(mathID)/homework", token: w.otherStudent.token, json: ["text": "x", "minutes": 5])
            // Due before the lesson, too long, no estimate.
            for bad: [String: Any] in [["text": "x", "minutes": 5, "dueDate": monday.description], ["text": "x", "minutes": 601], ["text": "x"]] {
                let r = try await h.request(.POST, "/api/v1/lessons/\(mathID)/homework", token: w.teacher.token, json: bad)
                XCTAssertEqual(r.status, .badRequest, "\(bad): \(String(buffer: r.body))")
            }
            let afterAll = try await h.count("homework")
            XCTAssertEqual(afterAll, 3)

            // Maths and Russian take the most homework time and both fall on Mondays and Wednesdays.
            let timetable = try await h.request(.GET, "/api/v1/classes/\(w.classA)/timetable", token: w.admin).json
            let heavy = timetable["heavyDays"] as! [[String: Any]]
            XCTAssertEqual(heavy.map { $0["weekday"] as! Int }, [1, 3])
            XCTAssertEqual(heavy.first?["subjects"] as? [String], ["Математика", "Русский язык"])
        }
    }

    func testTheDayLoadCountsEachStudentsOwnHomework() {
        let a = UUID(), b = UUID(), g1 = UUID(), g2 = UUID()
        let students: [UUID: Set<UUID>] = [a: [g1], b: [g2]]
        // 60 for everyone, 40 for group 1, 50 for group 2: the heaviest student has 110, not 150.
        let items: [(minutes: Int, audience: HomeworkRules.Audience)] = [(60, .wholeClass), (40, .group(g1)), (50, .group(g2))]
        XCTAssertEqual(HomeworkRules.dayLoad(items, students: students), 110)
        XCTAssertEqual(HomeworkRules.dayLoad(items + [(30, .students([a]))], students: students), 130)
        XCTAssertEqual(HomeworkRules.dayLoad(items, students: [:]), 110)
        XCTAssertFalse(HomeworkRules.isOverload(minutes: 90, limit: 90))
        XCTAssertTrue(HomeworkRules.isOverload(minutes: 91, limit: 90))
        XCTAssertEqual(HomeworkRules.defaultLimits[1], 60)
        XCTAssertEqual(HomeworkRules.defaultLimits[3], 90)
        XCTAssertEqual(HomeworkRules.defaultLimits[9], 210)
        let end = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertFalse(HomeworkRules.isLate(postedAt: end.addingTimeInterval(7200), lessonEndsAt: end))
        XCTAssertTrue(HomeworkRules.isLate(postedAt: end.addingTimeInterval(7201), lessonEndsAt: end))
    }

    func testHandInsAreReturnedAcceptedAndSeenOnlyByTheirPeople() async throws {
        try await withHarness { h in
            let (w, classmate, monday) = try await setUp(h)
            let math = try await lesson(h, w, on: monday, subject: "Математика")
            let mathID = math["id"] as! String
            setClock(h, after: math, seconds: 60)
            // The teacher attaches a worksheet.
            let sheet = try await h.multipart("/api/v1/schools/\(w.school)/journal-files", fields: [:],
                                              file: (name: "file", filename: "Карточка.pdf", data: Data("%PDF-1.4 карточка".utf8)), token: w.teacher.token)
            XCTAssertEqual(sheet.status, .created, String(buffer: sheet.body))
            let sheetID = sheet.json["id"] as! String
            let hw = try await h.request(.POST, "/api/v1/lessons/\(mathID)/homework", token: w.teacher.token,
                                         json: ["text": "Решить карточку", "minutes": 30, "fileIds": [sheetID]])
            XCTAssertEqual(hw.status, .created, String(buffer: hw.body))
            let hwID = hw.json["id"] as! String
            XCTAssertEqual((hw.json["files"] as? [[String: Any]])?.count, 1)
            XCTAssertEqual(hw.json["audienceCount"] as? Int, 2)

            // The class sees it; another class, another school, another family do not.
            try await h.expect(.ok, .GET, "/api/v1/homework/\(hwID)", token: w.student.token)
            try await h.expect(.ok, .GET, "/api/v1/homework/\(hwID)", token: w.parent.token)
            try await h.expect(.ok, .GET, "/api/v1/journal-files/\(sheetID)", token: w.student.token)
            for token in [w.otherStudent.token, w.stranger.token] {
                try await h.expect(.notFound, .GET, "/api/v1/homework/\(hwID)", token: token)
                try await h.expect(.notFound, .GET, "/api/v1/journal-files/\(sheetID)", token: token)
            }
            let otherParent = try await h.person(w.school, .parent, name: "Орлова Вера")
            try await h.expect(.notFound, .GET, "/api/v1/homework/\(hwID)", token: otherParent.token)
            let lessonHW = try await h.request(.GET, "/api/v1/lessons/\(mathID)/homework", token: w.student.token).json
            XCTAssertEqual((lessonHW["setHere"] as? [Any])?.count, 1)

            // The student hands in a photo of the work, then again (not yet checked).
            let photo = try await h.multipart("/api/v1/schools/\(w.school)/journal-files", fields: [:],
                                              file: (name: "file", filename: "решение.pdf", data: Data("%PDF-1.4 решение".utf8)), token: w.student.token)
            let photoID = photo.json["id"] as! String
            let handed = try await h.request(.PUT, "/api/v1/homework/\(hwID)/submission", token: w.student.token,
                                             json: ["text": "Ответ: 42", "fileIds": [photoID]])
            XCTAssertEqual(handed.status, .ok, String(buffer: handed.body))
            XCTAssertEqual(handed.json["status"] as? String, "submitted")
            XCTAssertEqual(handed.json["late"] as? Bool, false)
            try await h.expect(.ok, .PUT, "/api/v1/homework/\(hwID)/submission", token: w.student.token, json: ["text": "Ответ: 42 (исправлено)", "fileIds": [photoID]])
            // Not for the parent, not for another class's student, nor with someone else's file.
            try await h.expect(.forbidden, .PUT, "/api/v1/homework/\(hwID)/submission", token: w.parent.token, json: ["text": "Я сделала за него"])
            try await h.expect(.notFound, .PUT, "/api/v1/homework/\(hwID)/submission", token: w.otherStudent.token, json: ["text": "x"])
            try await h.expect(.badRequest, .PUT, "/api/v1/homework/\(hwID)/submission", token: classmate.token, json: ["text": "x", "fileIds": [photoID]])
            // The hand-in's file: the teacher and the parent; not the classmate.
            try await h.expect(.ok, .GET, "/api/v1/journal-files/\(photoID)", token: w.teacher.token)
            try await h.expect(.ok, .GET, "/api/v1/journal-files/\(photoID)", token: w.parent.token)
            try await h.expect(.notFound, .GET, "/api/v1/journal-files/\(photoID)", token: classmate.token)

            // Who handed in and who did not; a classmate cannot see the list.
            let list = try await h.request(.GET, "/api/v1/homework/\(hwID)/submissions", token: w.teacher.token)
            let rows = list.json["students"] as! [[String: Any]]
            XCTAssertEqual(rows.count, 2)
            XCTAssertEqual(rows.filter { $0["submission"] != nil }.count, 1)
            try await h.expect(.forbidden, .GET, "/api/v1/homework/\(hwID)/submissions", token: classmate.token)
            let submissionID = (rows.first { $0["submission"] != nil }!["submission"] as! [String: Any])["id"] as! String

            // Returned with a comment (a comment is needed); the student and the parent see it.
            try await h.expect(.badRequest, .POST, "/api/v1/submissions/\(submissionID)/check", token: w.teacher.token, json: ["decision": "return"])
            try await h.expect(.forbidden, .POST, "/api/v1/submissions/\(submissionID)/check", token: w.colleague.token,
                               json: ["decision": "accept"])
            try await h.expect(.notFound, .POST, "/api/v1/submissions/\(submissionID)/check", token: w.student.token, json: ["decision": "accept"])
            let returned = try await h.request(.POST, "/api/v1/submissions/\(submissionID)/check", token: w.teacher.token,
                                               json: ["decision": "return", "comment": "Покажите решение, не только ответ"])
            XCTAssertEqual(returned.json["status"] as? String, "returned")
            let parentView = try await h.request(.GET, "/api/v1/homework/\(hwID)", token: w.parent.token).json
            XCTAssertEqual((parentView["submission"] as? [String: Any])?["comment"] as? String, "Покажите решение, не только ответ")

            // Handed in again after the deadline: late. Accepted: no more hand-ins.
            h.clock.advance(3 * 24 * 3600)
            let again = try await h.request(.PUT, "/api/v1/homework/\(hwID)/submission", token: w.student.token, json: ["text": "Решение: …"])
            XCTAssertEqual(again.json["status"] as? String, "submitted")
            XCTAssertEqual(again.json["late"] as? Bool, true)
            // Accepted and graded from the same screen; the grade is in the journal and on the hand-in.
            try await h.expect(.badRequest, .POST, "/api/v1/submissions/\(submissionID)/check", token: w.teacher.token,
                               json: ["decision": "accept", "grade": ["value": "6"]])
            let accepted = try await h.request(.POST, "/api/v1/submissions/\(submissionID)/check", token: w.teacher.token,
                                               json: ["decision": "accept", "grade": ["value": "5"]])
            XCTAssertEqual(accepted.status, .ok, String(buffer: accepted.body))
            XCTAssertEqual(accepted.json["grade"] as? String, "5")
            let graded = try await h.request(.GET, "/api/v1/homework/\(hwID)", token: w.parent.token).json
            XCTAssertEqual((graded["submission"] as? [String: Any])?["grade"] as? String, "5")
            let gradeRows = try await h.count("grades")
            XCTAssertEqual(gradeRows, 1)
            let closed = try await h.request(.PUT, "/api/v1/homework/\(hwID)/submission", token: w.student.token, json: ["text": "Ещё"])
            XCTAssertEqual(closed.errorCode, "submission_accepted")
            // A homework already handed in is not deleted.
            let deleted = try await h.request(.DELETE, "/api/v1/homework/\(hwID)", token: w.teacher.token)
            XCTAssertEqual(deleted.errorCode, "homework_has_submissions")

            // The student's own list for the week.
            let mine = try await h.request(.GET, "/api/v1/me/homework?from=\(monday)", token: w.student.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(mine.count, 1)
            XCTAssertEqual((mine[0]["submission"] as? [String: Any])?["status"] as? String, "accepted")
            let childs = try await h.request(.GET, "/api/v1/me/homework?from=\(monday)&childId=\(w.student.id)", token: w.parent.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(childs.count, 1)
            try await h.expect(.notFound, .GET, "/api/v1/me/homework?from=\(monday)&childId=\(w.student.id)", token: otherParent.token)
        }
    }

    /// A child's photo of their work keeps no GPS position (as chat images do not).
    func testAHandedInPhotoKeepsNoLocation() async throws {
        try await withHarness { h in
            let (w, _, _) = try await setUp(h)
            let phone = TestImages.phonePhoto(TestImages.jpeg(120, 80), orientation: 6)
            XCTAssertTrue(TestImages.contains(phone, TestImages.gpsMarker))
            let up = try await h.multipart("/api/v1/schools/\(w.school)/journal-files", fields: [:],
                                           file: (name: "file", filename: "тетрадь.jpg", data: phone), token: w.student.token)
            XCTAssertEqual(up.status, .created, String(buffer: up.body))
            let files = h.storedFiles().map { h.dataDirectory.appendingPathComponent("files").appendingPathComponent($0) }
            XCTAssertFalse(files.isEmpty)
            for file in files {
                let bytes = try Data(contentsOf: file)
                XCTAssertFalse(TestImages.contains(bytes, TestImages.gpsMarker), file.lastPathComponent)
            }
        }
    }

    func testAGroupsHomeworkIsForItsMembersOnly() async throws {
        try await withHarness { h in
            let (w, classmate, monday) = try await setUp(h)
            let group = try await h.request(.POST, "/api/v1/classes/\(w.classA)/groups", token: w.admin,
                                            json: ["name": "Группа 1", "memberIds": [w.student.id]]).json["id"] as! String
            let math = try await lesson(h, w, on: monday, subject: "Математика")
            setClock(h, after: math, seconds: 0)
            let hw = try await h.request(.POST, "/api/v1/lessons/\(math["id"] as! String)/homework", token: w.teacher.token,
                                         json: ["text": "Для первой группы", "minutes": 20, "groupId": group])
            XCTAssertEqual(hw.status, .created, String(buffer: hw.body))
            let id = hw.json["id"] as! String
            try await h.expect(.ok, .GET, "/api/v1/homework/\(id)", token: w.student.token)
            try await h.expect(.notFound, .GET, "/api/v1/homework/\(id)", token: classmate.token)
            let chosen = try await h.request(.POST, "/api/v1/lessons/\(math["id"] as! String)/homework", token: w.teacher.token,
                                             json: ["text": "Индивидуально", "minutes": 20, "studentIds": [classmate.id]])
            let chosenID = chosen.json["id"] as! String
            try await h.expect(.ok, .GET, "/api/v1/homework/\(chosenID)", token: classmate.token)
            try await h.expect(.notFound, .GET, "/api/v1/homework/\(chosenID)", token: w.student.token)
            try await h.expect(.badRequest, .POST, "/api/v1/lessons/\(math["id"] as! String)/homework", token: w.teacher.token,
                               json: ["text": "Чужому", "minutes": 5, "studentIds": [w.otherStudent.id]])
        }
    }
}
