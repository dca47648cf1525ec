import FluentKit
import Foundation
import NIOConcurrencyHelpers
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// Grades and attendance (issue 14 items 8, 9, 11; §5.2): the 7-day clock with its boundary, the
/// scale without «1», kinds of work with weights and the weighted average, term marks, the access
/// matrix (another class, another school, another family, an unconfirmed teacher, a student
/// writing a grade — refused, nothing written), attendance with one tap, the change history and
/// the notices to the student and their parents.
final class GradeTests: XCTestCase {
    typealias Person = TestHarness.Person

    /// 5А with a Monday maths lesson by `teacher` and a Tuesday Russian one by `colleague`; three
    /// students of 5А (Соколов with a parent), a student of 5Б with a parent of their own; an
    /// unconfirmed teacher, a homeroom teacher of 5А, the director, another school's teacher.
    struct World {
        let school: String, classA: String, classB: String, math: String, russian: String
        let adminEmail: String
        var admin: String
        let teacher: Person, colleague: Person, fresh: Person, homeroom: Person, director: Person
        let student: Person, classmate: Person, third: Person, otherStudent: Person
        let parent: Person, otherParent: Person, stranger: Person
        /// The first maths lesson after today; the clock is moved to just after it ends.
        let lesson: String
        let lessonEnd: Date
        let nextLesson: String
    }

    func world(_ h: TestHarness) async throws -> World {
        let op = try await h.makeOperator()
        let (admin, school) = try await h.makeSchool(operatorToken: op)
        let (_, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
        let classes = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А, 5Б"]).json["items"] as! [[String: Any]]
        let classA = classes[0]["id"] as! String, classB = classes[1]["id"] as! String
        var year = try await h.request(.GET, "/api/v1/schools/\(school)/school-year", token: admin).json
        for key in ["configured", "bellsConfigured"] { year.removeValue(forKey: key) }
        try await h.expect(.ok, .PUT, "/api/v1/schools/\(school)/school-year", token: admin, json: year)
        let subjects = try await h.request(.GET, "/api/v1/schools/\(school)/subjects", token: admin).json["items"] as! [[String: Any]]
        func subject(_ name: String) -> String { subjects.first { $0["name"] as? String == name }!["id"] as! String }
        let math = subject("Математика"), russian = subject("Русский язык")
        let teacher = try await h.person(school, .teacher, name: "Иванова Мария Петровна")
        let colleague = try await h.person(school, .teacher, name: "Петров Пётр Петрович")
        let homeroom = try await h.person(school, .teacher, name: "Классная Руководительница")
        let student = try await h.person(school, .student, name: "Соколов Миша")
        let classmate = try await h.person(school, .student, name: "Андреева Оля")
        let third = try await h.person(school, .student, name: "Борисов Коля")
        let otherStudent = try await h.person(school, .student, name: "Орлова Аня")
        let parent = try await h.person(school, .parent, name: "Соколова Анна")
        let otherParent = try await h.person(school, .parent, name: "Орлов Иван")
        for (s, c) in [(student, classA), (classmate, classA), (third, classA), (otherStudent, classB)] { try await enrol(h, s.id, in: c) }
        try await link(h, school, parent: parent, child: student)
        try await link(h, school, parent: otherParent, child: otherStudent)
        try await h.expect(.ok, .PUT, "/api/v1/classes/\(classA)/homeroom", token: admin, json: ["teacherId": homeroom.id])
        try await h.expect(.ok, .PUT, "/api/v1/classes/\(classA)/timetable", token: admin, json: ["entries": [
            ["weekday": 1, "period": 1, "subjectId": math, "teacherId": teacher.id],
            ["weekday": 2, "period": 1, "subjectId": russian, "teacherId": colleague.id],
            ["weekday": 3, "period": 1, "subjectId": math, "teacherId": teacher.id]]])
        // The next two maths lessons.
        let today = LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!)
        let lessons = try await h.services.context.store.db.query(LessonRecord.self).filter(\.$subjectID == UUID(uuidString: math)!)
            .filter(\.$date > today.description).sort(\.$date).all()
        guard lessons.count >= 2 else { throw XCTSkip("no maths lessons ahead in this school year (the summer)") }
        let w = World(school: school, classA: classA, classB: classB, math: math, russian: russian, adminEmail: "admin@school1.test",
                      admin: admin, teacher: teacher, colleague: colleague,
                      fresh: try await h.person(school, .teacher, verified: false, name: "Новенький Учитель"), homeroom: homeroom,
                      director: try await h.person(school, .director, name: "Директор Школы"),
                      student: student, classmate: classmate, third: third, otherStudent: otherStudent,
                      parent: parent, otherParent: otherParent, stranger: try await h.person(otherSchool, .teacher, name: "Чужой Учитель"),
                      lesson: lessons[0].id!.uuidString, lessonEnd: lessons[0].endsAt, nextLesson: lessons[1].id!.uuidString)
        // Just after the first one ends.
        h.clock.advance(lessons[0].endsAt.timeIntervalSince(h.clock.now()) + 60)
        return w
    }

    func enrol(_ h: TestHarness, _ userID: String, in classID: String) async throws {
        try await h.services.context.store.write { db in
            let m = ClassMemberRecord()
            m.classID = UUID(uuidString: classID)!; m.userID = UUID(uuidString: userID)!
            m.role = SchoolRole.student.rawValue; m.createdAt = Date()
            try await m.create(on: db)
        }
    }

    func link(_ h: TestHarness, _ school: String, parent: Person, child: Person) async throws {
        try await h.services.context.store.write { db in
            let l = FamilyLinkRecord()
            l.schoolID = UUID(uuidString: school)!; l.parentID = UUID(uuidString: parent.id)!
            l.childID = UUID(uuidString: child.id)!; l.createdAt = Date()
            try await l.create(on: db)
        }
    }

    /// The administrator's session ends after 12 idle hours: a new one after the clock has moved.
    func admin(_ h: TestHarness, _ w: inout World) async throws -> String {
        let reply = try await h.request(.POST, "/api/v1/auth/password", json: ["login": w.adminEmail, "password": "admin-pass-1"])
        w.admin = reply.json["token"] as! String
        return w.admin
    }

    func kinds(_ h: TestHarness, _ w: World) async throws -> [String: String] {
        let items = try await h.request(.GET, "/api/v1/schools/\(w.school)/grading", token: w.teacher.token).json["workKinds"] as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: items.map { ($0["name"] as! String, $0["id"] as! String) })
    }

    func grade(_ h: TestHarness, _ w: World, _ student: Person, _ value: String, kind: String? = nil, lesson: String? = nil,
               by: Person? = nil, expect status: HTTPResponseStatus = .ok, file: StaticString = #filePath, line: UInt = #line) async throws -> [String: Any] {
        var body: [String: Any] = ["studentId": student.id, "value": value]
        if let kind { body["workKindId"] = kind }
        let reply = try await h.request(.PUT, "/api/v1/lessons/\(lesson ?? w.lesson)/grades", token: (by ?? w.teacher).token, json: body,
                                        file: file, line: line)
        XCTAssertEqual(reply.status, status, String(buffer: reply.body), file: file, line: line)
        return reply.json
    }

    func testTheSevenDayClockTheScaleAndTheWeightedAverage() async throws {
        try await withHarness { h in
            var w = try await world(h)
            let k = try await kinds(h, w)
            XCTAssertEqual(k.count, WorkKindCatalog.defaults.count)

            // Not before the lesson's day; the next maths lesson is ahead.
            let early = try await grade(h, w, w.student, "5", lesson: w.nextLesson, expect: .conflict)
            XCTAssertEqual((early["error"] as? [String: Any])?["code"] as? String, "lesson_not_started")

            // The scale: no «1» until the school says so.
            let one = try await grade(h, w, w.student, "1", expect: .conflict)
            XCTAssertEqual((one["error"] as? [String: Any])?["code"] as? String, "mark_not_in_scale")
            let none = try await h.count("grades")
            XCTAssertEqual(none, 0)

            // 7 days after the lesson's end exactly: on time; a second later: late.
            h.clock.advance(w.lessonEnd.addingTimeInterval(7 * 86_400).timeIntervalSince(h.clock.now()))
            let onTime = try await grade(h, w, w.student, "5")
            XCTAssertEqual(onTime["late"] as? Bool, false)
            XCTAssertEqual(onTime["workKindId"] as? String, k["Работа на уроке"], "the default kind")
            h.clock.advance(1)
            let late = try await grade(h, w, w.classmate, "4")
            XCTAssertEqual(late["late"] as? Bool, true)
            // Changing a grade keeps when it was first entered.
            let changed = try await grade(h, w, w.student, "4")
            XCTAssertEqual(changed["late"] as? Bool, false)
            XCTAssertEqual(changed["id"] as? String, onTime["id"] as? String)

            let admin = try await admin(h, &w)
            try await h.expect(.forbidden, .PUT, "/api/v1/schools/\(w.school)/grading", token: w.teacher.token, json: ["usesOne": true])
            try await h.expect(.notFound, .PUT, "/api/v1/schools/\(w.school)/grading", token: w.stranger.token, json: ["usesOne": true])
            let scale = try await h.request(.PUT, "/api/v1/schools/\(w.school)/grading", token: admin, json: ["usesOne": true])
            XCTAssertEqual(scale.json["usesOne"] as? Bool, true)
            _ = try await grade(h, w, w.third, "1")

            // Kinds and weights: 4 in class (1) and 3 for a control work (3) → (4 + 9) / 4 = 3,25 → 3.
            _ = try await grade(h, w, w.student, "3", kind: k["Контрольная работа"])
            // 4 in class and 5 answering (1 each) → 4,5 → 5.
            _ = try await grade(h, w, w.classmate, "5", kind: k["Устный ответ"])
            // Not numbers: they show but do not count.
            _ = try await grade(h, w, w.classmate, "pass", kind: k["Тест"])
            var sheet = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: w.teacher.token)
            XCTAssertEqual(sheet.status, .ok, String(buffer: sheet.body))
            func row(_ p: Person) -> [String: Any] { (sheet.json["students"] as! [[String: Any]]).first { $0["id"] as? String == p.id }! }
            XCTAssertEqual(row(w.student)["average"] as? Double, 3.25)
            XCTAssertEqual(row(w.student)["proposed"] as? String, "3")
            XCTAssertEqual(row(w.classmate)["average"] as? Double, 4.5)
            XCTAssertEqual(row(w.classmate)["proposed"] as? String, "5")
            XCTAssertEqual(row(w.third)["average"] as? Double, 1)
            // The lesson has grades of four kinds, so four columns; the next lesson one (the default kind).
            let columns = sheet.json["columns"] as! [[String: Any]]
            XCTAssertEqual(columns.filter { $0["lessonId"] as? String == w.lesson }.count, 4)
            XCTAssertEqual(columns.filter { $0["lessonId"] as? String == w.nextLesson }.map { $0["workKindId"] as? String }, [k["Работа на уроке"]])

            // The school makes the control work weigh 1: (4 + 3) / 2 = 3,5 → 4. Weights are halves from 0.5 to 10.
            try await h.expect(.badRequest, .PATCH, "/api/v1/work-kinds/\(k["Контрольная работа"]!)", token: admin, json: ["weight": 0.3])
            try await h.expect(.forbidden, .PATCH, "/api/v1/work-kinds/\(k["Контрольная работа"]!)", token: w.teacher.token, json: ["weight": 1])
            try await h.expect(.ok, .PATCH, "/api/v1/work-kinds/\(k["Контрольная работа"]!)", token: admin, json: ["weight": 1])
            sheet = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: w.teacher.token)
            XCTAssertEqual(row(w.student)["average"] as? Double, 3.5)
            XCTAssertEqual(row(w.student)["proposed"] as? String, "4")
            let made = try await h.request(.POST, "/api/v1/schools/\(w.school)/work-kinds", token: admin, json: ["name": "Проект", "weight": 2.5])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            try await h.expect(.conflict, .POST, "/api/v1/schools/\(w.school)/work-kinds", token: admin, json: ["name": "Проект", "weight": 1])

            // The term mark: proposed 4, the teacher sets 4; a colleague who does not teach maths here may not.
            let term = sheet.json["period"] as! String
            try await h.expect(.forbidden, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.colleague.token,
                               json: ["subjectId": w.math, "studentId": w.student.id, "term": term, "value": "4"])
            try await h.expect(.forbidden, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.student.token,
                               json: ["subjectId": w.math, "studentId": w.student.id, "term": term, "value": "5"])
            try await h.expect(.notFound, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.teacher.token,
                               json: ["subjectId": w.math, "studentId": w.otherStudent.id, "term": term, "value": "5"])
            let mark = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.teacher.token,
                                           json: ["subjectId": w.math, "studentId": w.student.id, "term": term, "value": "4"])
            XCTAssertEqual(mark.status, .ok, String(buffer: mark.body))
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.teacher.token,
                               json: ["subjectId": w.math, "studentId": w.classmate.id, "term": term, "value": "5"])
            sheet = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: w.teacher.token)
            XCTAssertEqual((row(w.student)["mark"] as? [String: Any])?["value"] as? String, "4")
            XCTAssertEqual(sheet.json["canSetMarks"] as? Bool, true)
            // The year: the terms' marks and their average.
            let yearSheet = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)&term=year", token: w.teacher.token)
            XCTAssertEqual(yearSheet.status, .ok, String(buffer: yearSheet.body))
            let yearRow = (yearSheet.json["students"] as! [[String: Any]]).first { $0["id"] as? String == w.classmate.id }!
            XCTAssertEqual(yearRow["proposed"] as? String, "5")
            XCTAssertEqual((yearRow["termMarks"] as? [Any])?.count, 1)
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.teacher.token,
                               json: ["subjectId": w.math, "studentId": w.classmate.id, "term": "year", "value": "5"])
            try await h.expect(.badRequest, .GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)&term=5", token: w.teacher.token)
            // Another school year's journal is not kept here.
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)&academicYear=1999", token: w.teacher.token)
        }
    }

    func testWhoReadsAndWritesMarksAndNothingIsWrittenWhenRefused() async throws {
        try await withHarness { h in
            var w = try await world(h)
            _ = try await grade(h, w, w.student, "5")
            _ = try await grade(h, w, w.classmate, "4")
            let admin = try await admin(h, &w)
            let before = try await h.count("grades")
            let changesBefore = try await h.count("journal_changes")

            // Writing: only the lesson's own confirmed teacher. A student, a parent, a colleague, the
            // homeroom teacher, the director and the administrator are refused (403); an unconfirmed
            // teacher and another school do not see the lesson (404).
            for (who, status) in [(w.student.token, HTTPResponseStatus.forbidden), (w.parent.token, .forbidden), (w.colleague.token, .forbidden),
                                  (w.homeroom.token, .forbidden), (w.director.token, .forbidden), (admin, .forbidden),
                                  (w.fresh.token, .notFound), (w.stranger.token, .notFound), (w.otherStudent.token, .notFound), (w.otherParent.token, .notFound)] {
                try await h.expect(status, .PUT, "/api/v1/lessons/\(w.lesson)/grades", token: who, json: ["studentId": w.student.id, "value": "2"])
                try await h.expect(status, .PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: who, json: ["allPresent": true])
            }
            let gradeID = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)/marks", token: w.teacher.token).json["students"]
                .flatMap { ($0 as? [[String: Any]])?.first { $0["id"] as? String == w.student.id } }
                .flatMap { ($0["grades"] as? [[String: Any]])?.first?["id"] as? String }!
            try await h.expect(.forbidden, .DELETE, "/api/v1/grades/\(gradeID)", token: w.student.token)
            try await h.expect(.notFound, .DELETE, "/api/v1/grades/\(gradeID)", token: w.stranger.token)
            // A student of another class is not at the lesson.
            try await h.expect(.notFound, .PUT, "/api/v1/lessons/\(w.lesson)/grades", token: w.teacher.token, json: ["studentId": w.otherStudent.id, "value": "5"])
            try await h.expect(.notFound, .PUT, "/api/v1/lessons/\(w.lesson)/grades", token: w.teacher.token,
                               json: ["studentId": w.student.id, "value": "5", "workKindId": UUID().uuidString])
            let after = try await h.count("grades")
            XCTAssertEqual(after, before)
            let changesAfter = try await h.count("journal_changes")
            XCTAssertEqual(changesAfter, changesBefore)
            let attendance = try await h.count("attendance")
            XCTAssertEqual(attendance, 0)
            let kept = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)/marks", token: w.teacher.token).json["students"] as! [[String: Any]]
            XCTAssertEqual(kept.first { $0["id"] as? String == w.student.id }.flatMap { ($0["grades"] as? [[String: Any]])?.first?["value"] as? String }, "5")

            // Reading a lesson's marks: every student for its teacher, the homeroom teacher, the
            // leadership; a student their own; a parent their child's; a teacher of another subject none.
            func seen(_ token: String) async throws -> Set<String> {
                let r = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)/marks", token: token)
                XCTAssertEqual(r.status, .ok, String(buffer: r.body))
                return Set((r.json["students"] as? [[String: Any]] ?? []).map { $0["id"] as! String })
            }
            let all: Set = [w.student.id, w.classmate.id, w.third.id]
            for token in [w.teacher.token, w.homeroom.token, w.director.token, admin] {
                let s = try await seen(token)
                XCTAssertEqual(s, all)
            }
            let own = try await seen(w.student.token)
            XCTAssertEqual(own, [w.student.id])
            let child = try await seen(w.parent.token)
            XCTAssertEqual(child, [w.student.id])
            let colleague = try await seen(w.colleague.token)
            XCTAssertEqual(colleague, [])
            for token in [w.fresh.token, w.stranger.token, w.otherStudent.token, w.otherParent.token] {
                try await h.expect(.notFound, .GET, "/api/v1/lessons/\(w.lesson)/marks", token: token)
            }

            // The grade sheet: the same people; a student sees one row, a parent their child's.
            func rows(_ token: String) async throws -> Set<String> {
                let r = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: token)
                XCTAssertEqual(r.status, .ok, String(buffer: r.body))
                return Set((r.json["students"] as? [[String: Any]] ?? []).map { $0["id"] as! String })
            }
            for token in [w.teacher.token, w.homeroom.token, w.director.token, admin] {
                let r = try await rows(token)
                XCTAssertEqual(r, all)
            }
            let studentRows = try await rows(w.student.token)
            XCTAssertEqual(studentRows, [w.student.id])
            let parentRows = try await rows(w.parent.token)
            XCTAssertEqual(parentRows, [w.student.id])
            for token in [w.colleague.token, w.fresh.token, w.stranger.token, w.otherStudent.token, w.otherParent.token] {
                try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: token)
            }
            // Another school's subject or class: not found.
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(UUID().uuidString)", token: w.teacher.token)
            try await h.expect(.badRequest, .GET, "/api/v1/classes/\(w.classA)/grade-sheet", token: w.teacher.token)

            // The history is the administration's.
            try await h.expect(.ok, .GET, "/api/v1/schools/\(w.school)/journal-changes", token: w.director.token)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.school)/journal-changes", token: w.teacher.token)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.school)/journal-changes", token: w.parent.token)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.school)/journal-changes", token: w.stranger.token)
        }
    }

    func testAttendanceWithOneTapEveryChangeKeptAndTheFamilyToldOfGrades() async throws {
        try await withHarness { h in
            var w = try await world(h)
            let notices = NIOLockedValueBox<[(users: Set<UUID>, data: String)]>([])
            h.services.context.events.subscribe { event in
                if case let .notice(users, type, data) = event, type == GradeService.changedNotice {
                    notices.withLockedValue { $0.append((Set(users), data)) }
                }
            }
            // Everyone present with one tap; then Соколов turns out to be ill, Андреева late.
            let all = try await h.request(.PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token, json: ["allPresent": true])
            XCTAssertEqual(all.status, .ok, String(buffer: all.body))
            XCTAssertEqual((all.json["items"] as? [[String: Any]])?.filter { $0["status"] as? String == "present" }.count, 3)
            h.clock.advance(1)
            let marked = try await h.request(.PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token, json: ["marks": [
                ["studentId": w.student.id, "status": "absent", "reason": "illness"], ["studentId": w.classmate.id, "status": "late"]]])
            XCTAssertEqual(marked.status, .ok, String(buffer: marked.body))
            // «All present» again leaves marks already made alone.
            let again = try await h.request(.PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token, json: ["allPresent": true])
            let byStudent = Dictionary(uniqueKeysWithValues: (again.json["items"] as! [[String: Any]]).map { ($0["studentId"] as! String, $0) })
            XCTAssertEqual(byStudent[w.student.id]?["status"] as? String, "absent")
            XCTAssertEqual(byStudent[w.student.id]?["reason"] as? String, "illness")
            XCTAssertEqual(byStudent[w.student.id]?["source"] as? String, "teacher")
            XCTAssertEqual(byStudent[w.classmate.id]?["status"] as? String, "late")
            try await h.expect(.notFound, .PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token,
                               json: ["marks": [["studentId": w.otherStudent.id, "status": "present"]]])
            // The sheet shows the absence; the student and the parent see it on the lesson.
            let sheet = try await h.request(.GET, "/api/v1/classes/\(w.classA)/grade-sheet?subjectId=\(w.math)", token: w.teacher.token)
            let row = (sheet.json["students"] as! [[String: Any]]).first { $0["id"] as? String == w.student.id }!
            XCTAssertEqual((row["absences"] as? [[String: Any]])?.first?["reason"] as? String, "illness")
            let mine = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)/marks", token: w.parent.token).json["students"] as! [[String: Any]]
            XCTAssertEqual((mine.first?["attendance"] as? [String: Any])?["status"] as? String, "absent")

            // A grade made, changed and removed: three entries, old → new, by whom; the student and
            // the parent told each time, nobody else.
            h.clock.advance(1)
            let made = try await grade(h, w, w.student, "4")
            _ = try await grade(h, w, w.student, "4")   // the same again: no change, no notice
            h.clock.advance(1)
            _ = try await grade(h, w, w.student, "5")
            h.clock.advance(1)
            try await h.expect(.noContent, .DELETE, "/api/v1/grades/\(made["id"] as! String)", token: w.teacher.token)
            try await h.expect(.notFound, .DELETE, "/api/v1/grades/\(made["id"] as! String)", token: w.teacher.token)
            let admin = try await admin(h, &w)
            let history = try await h.request(.GET, "/api/v1/schools/\(w.school)/journal-changes?studentId=\(w.student.id)", token: admin)
            XCTAssertEqual(history.status, .ok, String(buffer: history.body))
            let items = history.json["items"] as! [[String: Any]]
            let grades = items.filter { $0["kind"] as? String == "grade" }.map { "\($0["oldValue"] as! String)→\($0["newValue"] as! String)" }
            XCTAssertEqual(grades, ["5→", "4→5", "→4"])
            XCTAssertTrue(items.allSatisfy { $0["actorName"] as? String == "Иванова Мария Петровна" && $0["subjectName"] as? String == "Математика" })
            let presence = items.filter { $0["kind"] as? String == "attendance" }.map { "\($0["oldValue"] as! String)→\($0["newValue"] as! String)" }
            XCTAssertEqual(presence, ["был(а)→н (по болезни)", "→был(а)"])
            let byLesson = try await h.request(.GET, "/api/v1/schools/\(w.school)/journal-changes?lessonId=\(w.lesson)", token: admin)
            // Three marked present, two changed, three grade changes (the unchanged save left none).
            XCTAssertEqual(byLesson.json["total"] as? Int, 8)

            let received = notices.withLockedValue { $0 }
            XCTAssertEqual(received.count, 3)
            let family: Set = [UUID(uuidString: w.student.id)!, UUID(uuidString: w.parent.id)!]
            XCTAssertTrue(received.allSatisfy { $0.users == family })
            XCTAssertTrue(received[0].data.contains("Математика") && received[0].data.contains(#""value":"4""#), received[0].data)
            XCTAssertTrue(received[2].data.contains(#""value":null"#) || !received[2].data.contains(#""value""#), received[2].data)
        }
    }

    /// The diary (item 10): a student's week carries their own grades (with the kind of work) and
    /// the lessons they missed, by lesson; a parent's view of the child the child's; nobody sees a
    /// classmate's; a teacher's own week carries none.
    func testTheDiaryWeekShowsTheStudentsOwnGradesAndAbsences() async throws {
        try await withHarness { h in
            let w = try await world(h)
            let k = try await kinds(h, w)
            _ = try await grade(h, w, w.student, "5", kind: k["Контрольная работа"])
            _ = try await grade(h, w, w.classmate, "3")
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token, json: ["allPresent": true, "marks": [
                ["studentId": w.student.id, "status": "late"], ["studentId": w.classmate.id, "status": "absent", "reason": "illness"]]])
            let lessonDay = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)", token: w.teacher.token).json["date"] as! String

            func diary(_ token: String, child: Person? = nil) async throws -> [String: Any] {
                let query = "from=\(lessonDay)&days=1" + (child.map { "&childId=\($0.id)" } ?? "")
                let reply = try await h.request(.GET, "/api/v1/me/schedule?\(query)", token: token)
                XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
                return reply.json
            }
            for (token, child) in [(w.student.token, nil), (w.parent.token, w.student)] as [(String, Person?)] {
                let week = try await diary(token, child: child)
                let grades = week["grades"] as? [[String: Any]] ?? []
                XCTAssertEqual(grades.map { $0["value"] as? String }, ["5"], "only the student's own grade")
                XCTAssertEqual(grades.first?["workKind"] as? String, "Контрольная работа")
                XCTAssertEqual(grades.first?["lessonId"] as? String, w.lesson)
                let attendance = week["attendance"] as? [[String: Any]] ?? []
                XCTAssertEqual(attendance.map { $0["status"] as? String }, ["late"], "only the student's own, present left out")
            }
            let classmate = try await diary(w.classmate.token)
            XCTAssertEqual((classmate["grades"] as? [[String: Any]])?.map { $0["value"] as? String }, ["3"])
            XCTAssertEqual((classmate["attendance"] as? [[String: Any]])?.first?["reason"] as? String, "illness")
            // Another family's parent cannot ask for the child's week; a teacher's own has no marks.
            try await h.expect(.notFound, .GET, "/api/v1/me/schedule?from=\(lessonDay)&childId=\(w.student.id)", token: w.otherParent.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/schedule?from=\(lessonDay)&childId=\(w.student.id)", token: w.stranger.token)
            let teacherWeek = try await diary(w.teacher.token)
            XCTAssertNil(teacherWeek["grades"])
            XCTAssertNil(teacherWeek["attendance"])
        }
    }

    /// «Оценки» (item 10): a student's grades subject by subject for the term — the kinds of work,
    /// the weighted average and the proposed mark as the sheet makes them, absences, the term mark;
    /// a parent's child's; nobody else's.
    func testTheReportCardIsTheStudentsOwnSubjectBySubject() async throws {
        try await withHarness { h in
            let w = try await world(h)
            let k = try await kinds(h, w)
            _ = try await grade(h, w, w.student, "5", kind: k["Контрольная работа"])
            _ = try await grade(h, w, w.student, "3", kind: k["Работа на уроке"])
            _ = try await grade(h, w, w.classmate, "2")
            try await h.expect(.ok, .PUT, "/api/v1/lessons/\(w.lesson)/attendance", token: w.teacher.token,
                               json: ["marks": [["studentId": w.student.id, "status": "absent", "reason": "illness"]]])

            func card(_ token: String, _ query: String = "") async throws -> [String: Any] {
                let reply = try await h.request(.GET, "/api/v1/me/grades\(query)", token: token)
                XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
                return reply.json
            }
            func subject(_ json: [String: Any], _ name: String) -> [String: Any]? {
                (json["subjects"] as? [[String: Any]])?.first { $0["subjectName"] as? String == name }
            }
            let own = try await card(w.student.token)
            XCTAssertEqual(own["className"] as? String, "5А")
            let math = try XCTUnwrap(subject(own, "Математика"))
            XCTAssertEqual((math["grades"] as? [[String: Any]])?.map { $0["value"] as? String }, ["5", "3"])
            XCTAssertEqual((math["grades"] as? [[String: Any]])?.map { $0["workKind"] as? String }, ["Контрольная работа", "Работа на уроке"])
            XCTAssertEqual(math["average"] as? Double, 4.5, "(5×3 + 3×1) / 4")
            XCTAssertEqual(math["proposed"] as? String, "5", "4,50 → 5")
            XCTAssertEqual(math["absences"] as? Int, 1)
            XCTAssertNotNil(subject(own, "Русский язык"), "a subject taught in the class, no grade yet")
            XCTAssertEqual((subject(own, "Русский язык")?["grades"] as? [[String: Any]])?.count, 0)

            // The term mark set by the teacher shows; the parent sees the same, the classmate their own.
            let term = own["period"] as! String
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/term-marks", token: w.teacher.token,
                               json: ["subjectId": w.math, "studentId": w.student.id, "term": term, "value": "5"])
            let parents = try await card(w.parent.token, "?childId=\(w.student.id)&term=\(term)")
            XCTAssertEqual(subject(parents, "Математика")?["mark"] as? String, "5")
            XCTAssertEqual((subject(parents, "Математика")?["grades"] as? [[String: Any]])?.count, 2)
            let classmate = try await card(w.classmate.token)
            XCTAssertEqual((subject(classmate, "Математика")?["grades"] as? [[String: Any]])?.map { $0["value"] as? String }, ["2"])
            let year = try await card(w.student.token, "?term=year")
            XCTAssertEqual((subject(year, "Математика")?["termMarks"] as? [[String: Any]])?.map { $0["value"] as? String }, ["5"])
            XCTAssertEqual(subject(year, "Математика")?["average"] as? Double, 5)

            // Another family, another school, a classmate asking for the child: not found; a bad term: 400.
            try await h.expect(.notFound, .GET, "/api/v1/me/grades?childId=\(w.student.id)", token: w.otherParent.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/grades?childId=\(w.student.id)", token: w.stranger.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/grades?childId=\(w.student.id)", token: w.classmate.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/grades?childId=\(w.student.id)", token: w.teacher.token)
            try await h.expect(.badRequest, .GET, "/api/v1/me/grades?term=9", token: w.student.token)
            // A teacher's own card: no class, no subjects.
            let teachers = try await card(w.teacher.token)
            XCTAssertEqual((teachers["subjects"] as? [Any])?.count, 0)
        }
    }

    func testSubmissionGradesCountFromArrivalAndGradedLessonsSurviveARegeneration() async throws {
        try await withHarness { h in
            var w = try await world(h)
            let ctx = h.services.context
            // The teacher's actor, as the homework screens will pass it.
            let reply = try await h.request(.GET, "/api/v1/me", token: w.teacher.token)
            let teacher = Actor(userID: UUID(uuidString: reply.json["id"] as! String)!, sessionID: UUID(), isOperator: false,
                                memberships: [.init(schoolID: UUID(uuidString: w.school)!, role: .teacher, verified: true)])
            let student = Actor(userID: UUID(uuidString: w.student.id)!, sessionID: UUID(), isOperator: false,
                                memberships: [.init(schoolID: UUID(uuidString: w.school)!, role: .student, verified: true)])
            let k = try await kinds(h, w)
            let homework = UUID(uuidString: k["Домашняя работа"]!)!
            // Handed in 2 days after the lesson: 8 days after the lesson is 6 days after it arrived — on time.
            h.clock.advance(8 * 86_400)
            let arrived = w.lessonEnd.addingTimeInterval(2 * 86_400)
            let g = try await GradeService(ctx).setGradeForSubmission(
                teacher, lessonID: UUID(uuidString: w.lesson)!, submissionID: UUID(), arrivedAt: arrived,
                input: .init(studentID: UUID(uuidString: w.classmate.id)!, workKindID: homework, value: .five))
            XCTAssertFalse(g.late)
            XCTAssertNotNil(g.submissionId)
            // A lesson grade entered now is late (8 days after the lesson).
            let lessonGrade = try await grade(h, w, w.student, "3")
            XCTAssertEqual(lessonGrade["late"] as? Bool, true)
            // A student cannot grade, even through the service; nothing is written.
            let count = try await h.count("grades")
            do {
                _ = try await GradeService(ctx).setGrade(student, lessonID: UUID(uuidString: w.lesson)!,
                                                         input: .init(studentID: student.userID, workKindID: nil, value: .five))
                XCTFail("a student set a grade")
            } catch let e as PartaError { XCTAssertEqual(e.kind, .forbidden) }
            let count2 = try await h.count("grades")
            XCTAssertEqual(count2, count)

            // The timetable emptied and that day's lessons made again: the graded lesson stays
            // (kept), its grades with it.
            let admin = try await admin(h, &w)
            let emptied = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/timetable", token: admin, json: ["entries": [] as [Any]])
            XCTAssertEqual(emptied.status, .ok, String(buffer: emptied.body))
            let day = try await h.request(.GET, "/api/v1/lessons/\(w.lesson)", token: w.teacher.token).json["date"] as! String
            let regenerated = try await h.request(.POST, "/api/v1/schools/\(w.school)/lessons/generate", token: admin,
                                                  json: ["from": day, "to": LocalDate(day)!.adding(days: 2).description])
            XCTAssertEqual(regenerated.status, .ok, String(buffer: regenerated.body))
            XCTAssertEqual(regenerated.json["kept"] as? Int, 1)
            try await h.expect(.ok, .GET, "/api/v1/lessons/\(w.lesson)", token: w.teacher.token)
            let left = try await h.count("grades")
            XCTAssertEqual(left, count)
        }
    }
}
