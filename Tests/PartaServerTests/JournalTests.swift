import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// The e-journal's base (issue 14): the school year, subjects, the timetable and the lessons made
/// from it, each person's week, substitutions that survive a regeneration — and everyone outside
/// refused with 404, nothing written.
final class JournalTests: XCTestCase {
    typealias Person = TestHarness.Person

    func world(_ h: TestHarness) async throws -> JournalWorld { try await h.journalWorld() }
    func enrol(_ h: TestHarness, _ userID: String, in classID: String) async throws { try await h.enrol(userID, in: classID) }
    func cell(_ weekday: Int, _ period: Int, _ subject: String, _ teacher: Person, room: String = "", group: String? = nil) -> [String: Any] {
        TestHarness.cell(weekday, period, subject, teacher, room: room, group: group)
    }

    /// The Monday of the current week, in the school's time zone (the test school is in Moscow's).
    func thisMonday(_ h: TestHarness) -> LocalDate {
        LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).weekStart
    }

    func testTheSchoolYearIsProposedThenSavedByItsKeepersOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let proposal = try await h.request(.GET, "/api/v1/schools/\(school)/school-year", token: admin)
            XCTAssertEqual(proposal.status, .ok)
            XCTAssertEqual(proposal.json["configured"] as? Bool, false)
            XCTAssertEqual((proposal.json["terms"] as? [Any])?.count, 4)
            XCTAssertEqual(((proposal.json["bells"] as? [[String: Any]])?.first)?["startsAt"] as? String, "08:30")
            let year = proposal.json["academicYear"] as! Int

            var body = proposal.json
            for key in ["configured", "bellsConfigured"] { body.removeValue(forKey: key) }
            // Wrong shapes: three terms for quarters, overlapping terms, a bell ending before it starts, a year far off.
            var threeTerms = body; threeTerms["terms"] = Array((body["terms"] as! [Any]).prefix(3))
            var overlap = body
            var terms = body["terms"] as! [[String: Any]]; terms[1]["startsOn"] = terms[0]["endsOn"]; overlap["terms"] = terms
            var badBell = body; badBell["bells"] = [["shift": 1, "number": 1, "startsAt": "09:00", "endsAt": "08:15"]]
            var farYear = body; farYear["academicYear"] = year + 5
            for bad in [threeTerms, overlap, badBell, farYear] {
                let r = try await h.request(.PUT, "/api/v1/schools/\(school)/school-year", token: admin, json: bad)
                XCTAssertEqual(r.status, .badRequest, String(buffer: r.body))
            }
            let terms0 = try await h.count("terms")
            XCTAssertEqual(terms0, 0)

            // Not the keepers: a teacher (403), another school's admin (404); nothing written.
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            try await h.expect(.forbidden, .PUT, "/api/v1/schools/\(school)/school-year", token: teacher.token, json: body)
            try await h.expect(.notFound, .PUT, "/api/v1/schools/\(school)/school-year", token: otherAdmin, json: body)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/school-year", token: otherAdmin)
            let years0 = try await h.count("school_years")
            XCTAssertEqual(years0, 0)

            var trimesters = body
            trimesters["termSystem"] = "trimesters"; trimesters["weekDays"] = 6
            trimesters["terms"] = [["number": 1, "startsOn": "\(year)-09-01", "endsOn": "\(year)-11-30"],
                                   ["number": 2, "startsOn": "\(year)-12-01", "endsOn": "\(year + 1)-02-28"],
                                   ["number": 3, "startsOn": "\(year + 1)-03-01", "endsOn": "\(year + 1)-05-31"]]
            let saved = try await h.request(.PUT, "/api/v1/schools/\(school)/school-year", token: admin, json: trimesters)
            XCTAssertEqual(saved.status, .ok, String(buffer: saved.body))
            XCTAssertEqual(saved.json["configured"] as? Bool, true)
            XCTAssertEqual(saved.json["bellsConfigured"] as? Bool, true)
            // Every member reads it.
            let student = try await h.person(school, .student, name: "Ученик")
            let read = try await h.request(.GET, "/api/v1/schools/\(school)/school-year", token: student.token)
            XCTAssertEqual(read.json["termSystem"] as? String, "trimesters")
            XCTAssertEqual(read.json["weekDays"] as? Int, 6)
        }
    }

    func testATimetableMakesLessonsAndRefusesClashesWholly() async throws {
        try await withHarness { h in
            let w = try await world(h)
            let saved = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                cell(1, 1, w.math, w.teacher, room: "21"), cell(1, 2, w.russian, w.colleague, room: "14"), cell(3, 1, w.math, w.teacher, room: "21")]])
            XCTAssertEqual(saved.status, .ok, String(buffer: saved.body))
            let generated = saved.json["lessonsGenerated"] as! [String: Any]
            XCTAssertGreaterThan(generated["created"] as! Int, 10)
            XCTAssertEqual((saved.json["entries"] as? [Any])?.count, 3)

            // No lesson on a weekend, a holiday or outside the terms; each on the weekday of its cell.
            let lessons = try await h.services.context.store.db.query(LessonRecord.self).all()
            let calendar = SchoolCalendar.proposal(for: LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).academicYear)
            for l in lessons {
                let day = LocalDate(l.date)!
                XCTAssertTrue(calendar.isSchoolDay(day), l.date)
                XCTAssertTrue([1, 3].contains(day.weekday), l.date)
            }
            let winter = LocalDate(year: calendar.academicYear, month: 12, day: 30)!
            XCTAssertFalse(lessons.contains { $0.date == winter.description })

            // 5Б may not have the same teacher or room at the same time; an unconfirmed teacher is refused; nothing written.
            let before = try await h.count("lessons")
            for (entry, code) in [(cell(1, 1, w.russian, w.teacher), "timetable_invalid"), (cell(1, 2, w.math, w.teacher, room: "14"), "timetable_invalid"),
                                  (cell(2, 1, w.math, w.fresh), "timetable_invalid"), (cell(2, 9, w.math, w.teacher), "timetable_invalid"),
                                  (cell(7, 1, w.math, w.teacher), "timetable_invalid")] {
                let r = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin,
                                            json: ["entries": [cell(4, 1, w.math, w.colleague), entry]])
                XCTAssertEqual(r.status, .badRequest, String(buffer: r.body))
                XCTAssertEqual(r.errorCode, code)
                XCTAssertNotNil((r.json["error"] as? [String: Any]).flatMap { $0["fields"] as? [String: String] }?["entries[1]"], String(buffer: r.body))
            }
            // Two lessons in one slot of one class only for two different groups.
            let twice = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin,
                                            json: ["entries": [cell(4, 1, w.math, w.colleague), cell(4, 1, w.russian, w.teacher)]])
            XCTAssertEqual(twice.errorCode, "timetable_invalid")
            let after = try await h.count("lessons")
            XCTAssertEqual(after, before)
            let emptyB = try await h.request(.GET, "/api/v1/classes/\(w.classB)/timetable", token: w.admin)
            XCTAssertEqual((emptyB.json["entries"] as? [Any])?.count, 0)

            // Groups: two halves of 5Б at once, with two teachers.
            let g1 = try await h.request(.POST, "/api/v1/classes/\(w.classB)/groups", token: w.admin,
                                         json: ["name": "Группа 1", "memberIds": [w.otherStudent.id]]).json["id"] as! String
            let g2 = try await h.request(.POST, "/api/v1/classes/\(w.classB)/groups", token: w.admin, json: ["name": "Группа 2"]).json["id"] as! String
            // A student of another class is not a member of 5Б's group.
            try await h.expect(.badRequest, .PATCH, "/api/v1/groups/\(g2)", token: w.admin, json: ["memberIds": [w.student.id]])
            let split = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin, json: ["entries": [
                cell(4, 1, w.math, w.colleague, group: g1), cell(4, 1, w.russian, w.teacher, group: g2)]])
            XCTAssertEqual(split.status, .ok, String(buffer: split.body))
            try await h.expect(.conflict, .DELETE, "/api/v1/groups/\(g1)", token: w.admin)

            // The teachers' load follows (§5.1), and the assignments were recorded.
            let load = try await h.request(.GET, "/api/v1/schools/\(w.school)/teaching-load", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(load.first { $0["teacherId"] as? String == w.teacher.id }?["hoursPerWeek"] as? Int, 3)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.school)/teaching-load", token: w.teacher.token)
            let mine = try await h.request(.GET, "/api/v1/schools/\(w.school)/assignments", token: w.teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(mine.map { $0["className"] as! String }), ["5А", "5Б"])
            XCTAssertTrue(mine.allSatisfy { $0["teacherId"] as? String == w.teacher.id })

            // Outsiders: a teacher cannot save a timetable (403); another school's admin sees nothing (404).
            try await h.expect(.forbidden, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.teacher.token, json: ["entries": []])
            try await h.expect(.notFound, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.stranger.token, json: ["entries": []])
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/timetable", token: w.stranger.token)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.school)/subjects", token: w.stranger.token)
        }
    }

    func testEachPersonSeesTheirOwnWeekAndNoOneElses() async throws {
        try await withHarness { h in
            let w = try await world(h)
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                cell(1, 1, w.math, w.teacher, room: "21"), cell(2, 2, w.russian, w.colleague), cell(3, 3, w.math, w.teacher),
                cell(4, 1, w.russian, w.colleague), cell(5, 2, w.math, w.teacher)]])
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classB)/timetable", token: w.admin, json: ["entries": [cell(1, 2, w.math, w.teacher)]])
            // A week that has lessons: the first Monday of the third term.
            let monday = LocalDate(year: LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).academicYear + 1, month: 1, day: 11)!.weekStart
            let week = "from=\(monday.adding(days: 7))"

            let student = try await h.request(.GET, "/api/v1/me/schedule?\(week)", token: w.student.token)
            XCTAssertEqual(student.status, .ok, String(buffer: student.body))
            let days = student.json["days"] as! [[String: Any]]
            XCTAssertEqual(days.count, 7)
            let lessons = days.flatMap { $0["lessons"] as! [[String: Any]] }
            XCTAssertEqual(lessons.count, 5)
            XCTAssertEqual(Set(lessons.map { $0["className"] as! String }), ["5А"])
            XCTAssertEqual(lessons[0]["startsAt"] as? String, "08:30")
            XCTAssertEqual(lessons[0]["subjectName"] as? String, "Математика")
            XCTAssertEqual(days[6]["dayOff"] as? String, "Выходной")

            // The parent sees the child's week; a parent of nobody here, another family, a student asking for another — 404.
            let parent = try await h.request(.GET, "/api/v1/me/schedule?\(week)&childId=\(w.student.id)", token: w.parent.token)
            XCTAssertEqual((parent.json["days"] as! [[String: Any]]).flatMap { $0["lessons"] as! [[String: Any]] }.count, 5)
            XCTAssertEqual(parent.json["personName"] as? String, "Соколов Миша")
            try await h.expect(.notFound, .GET, "/api/v1/me/schedule?childId=\(w.otherStudent.id)", token: w.parent.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/schedule?childId=\(w.student.id)", token: w.otherStudent.token)
            try await h.expect(.notFound, .GET, "/api/v1/me/schedule?childId=\(w.student.id)", token: w.stranger.token)

            // The teacher sees their own lessons across classes.
            let teacher = try await h.request(.GET, "/api/v1/me/schedule?\(week)", token: w.teacher.token)
            let taught = (teacher.json["days"] as! [[String: Any]]).flatMap { $0["lessons"] as! [[String: Any]] }
            XCTAssertEqual(taught.count, 4)
            XCTAssertEqual(Set(taught.map { $0["className"] as! String }), ["5А", "5Б"])

            // One lesson: the class's people see it; another class's student, another school — 404.
            let lessonID = lessons[0]["id"] as! String
            for token in [w.student.token, w.parent.token, w.teacher.token, w.colleague.token, w.admin] {
                try await h.expect(.ok, .GET, "/api/v1/lessons/\(lessonID)", token: token)
            }
            for token in [w.otherStudent.token, w.stranger.token, w.fresh.token] {
                try await h.expect(.notFound, .GET, "/api/v1/lessons/\(lessonID)", token: token)
            }
            let classWeek = try await h.request(.GET, "/api/v1/classes/\(w.classA)/lessons?\(week)", token: w.otherStudent.token)
            XCTAssertEqual((classWeek.json["items"] as? [Any])?.count, 0)
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/lessons?\(week)", token: w.stranger.token)
            try await h.expect(.badRequest, .GET, "/api/v1/me/schedule?days=100", token: w.student.token)
            try await h.expect(.badRequest, .GET, "/api/v1/me/schedule?from=2026-02-30", token: w.student.token)
        }
    }

    func testTopicsByTheirTeacherSubstitutionsByTheKeepersAndBothSurviveARegeneration() async throws {
        try await withHarness { h in
            let w = try await world(h)
            let entries = [cell(1, 1, w.math, w.teacher), cell(2, 1, w.russian, w.colleague)]
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": entries])
            let monday = LocalDate(year: LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).academicYear + 1, month: 1, day: 18)!.weekStart
            let week = try await h.request(.GET, "/api/v1/classes/\(w.classA)/lessons?from=\(monday)", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(week.count, 2)
            let math = week.first { $0["subjectName"] as? String == "Математика" }!["id"] as! String
            let russian = week.first { $0["subjectName"] as? String == "Русский язык" }!["id"] as! String

            // The topic: its own teacher; not a colleague who teaches the class, not a student; an unknown field is refused.
            let topic = try await h.request(.PATCH, "/api/v1/lessons/\(math)", token: w.teacher.token, json: ["topic": "Дроби"])
            XCTAssertEqual(topic.json["topic"] as? String, "Дроби")
            try await h.expect(.forbidden, .PATCH, "/api/v1/lessons/\(math)", token: w.colleague.token, json: ["topic": "Чужая тема"])
            try await h.expect(.forbidden, .PATCH, "/api/v1/lessons/\(math)", token: w.student.token, json: ["topic": "Каникулы!"])
            try await h.expect(.notFound, .PATCH, "/api/v1/lessons/\(math)", token: w.stranger.token, json: ["topic": "x"])
            // The teacher cannot substitute themselves away; the keepers can.
            try await h.expect(.forbidden, .PATCH, "/api/v1/lessons/\(math)", token: w.teacher.token, json: ["teacherId": w.colleague.id])
            let sub = try await h.request(.PATCH, "/api/v1/lessons/\(math)", token: w.admin, json: ["teacherId": w.colleague.id, "room": "7"])
            XCTAssertEqual(sub.status, .ok, String(buffer: sub.body))
            XCTAssertEqual(sub.json["change"] as? String, "substitution")
            XCTAssertEqual(sub.json["plannedTeacherName"] as? String, "Иванова Мария Петровна")
            let cancelled = try await h.request(.PATCH, "/api/v1/lessons/\(russian)", token: w.admin, json: ["status": "cancelled"])
            XCTAssertEqual(cancelled.json["status"] as? String, "cancelled")
            // A move onto a day off is refused.
            let sunday = monday.adding(days: 6)
            try await h.expect(.badRequest, .PATCH, "/api/v1/lessons/\(russian)", token: w.admin, json: ["date": sunday.description])

            // Saving the same timetable again keeps both hand edits; the substitute now teaches it.
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": entries])
            let again = try await h.request(.GET, "/api/v1/lessons/\(math)", token: w.admin).json
            XCTAssertEqual(again["teacherName"] as? String, "Петров Пётр Петрович")
            XCTAssertEqual(again["topic"] as? String, "Дроби")
            let russianAgain = try await h.request(.GET, "/api/v1/lessons/\(russian)", token: w.admin)
            XCTAssertEqual(russianAgain.json["status"] as? String, "cancelled")

            // A lesson with a topic stays when its cell leaves the timetable; the others go.
            let other = try await h.request(.GET, "/api/v1/classes/\(w.classA)/lessons?from=\(monday.adding(days: 7))", token: w.admin).json["items"] as! [[String: Any]]
            let nextMath = other.first { $0["subjectName"] as? String == "Математика" }!["id"] as! String
            try await h.expect(.ok, .PATCH, "/api/v1/lessons/\(nextMath)", token: w.teacher.token, json: ["topic": "Проценты"])
            let emptied = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [] as [Any]])
            let result = emptied.json["lessonsGenerated"] as! [String: Any]
            XCTAssertEqual(result["kept"] as? Int, 1)
            XCTAssertGreaterThan(result["removed"] as! Int, 10)
            try await h.expect(.ok, .GET, "/api/v1/lessons/\(nextMath)", token: w.admin)

            // The changes are in the audit log in words.
            let audit = try await h.request(.GET, "/api/v1/schools/\(w.school)/audit?action=lesson", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertTrue(audit.contains { ($0["details"] as? String)?.contains("замена учителя") == true })
        }
    }

    func testExtraLessonsGoOnSchoolDaysAndNeverDoubleBookATeacher() async throws {
        try await withHarness { h in
            let w = try await world(h)
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [cell(1, 1, w.math, w.teacher)]])
            let monday = LocalDate(year: LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).academicYear + 1, month: 2, day: 1)!.weekStart
            func extra(_ date: LocalDate, _ period: Int, _ teacher: Person) -> [String: Any] {
                ["classId": w.classB, "subjectId": w.math, "teacherId": teacher.id, "date": date.description, "period": period]
            }
            try await h.expect(.conflict, .POST, "/api/v1/schools/\(w.school)/lessons", token: w.admin, json: extra(monday, 1, w.teacher))
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(w.school)/lessons", token: w.admin, json: extra(monday.adding(days: 5), 1, w.teacher))
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(w.school)/lessons", token: w.admin, json: extra(monday, 1, w.fresh))
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(w.school)/lessons", token: w.teacher.token, json: extra(monday, 2, w.teacher))
            let made = try await h.request(.POST, "/api/v1/schools/\(w.school)/lessons", token: w.admin, json: extra(monday, 2, w.teacher))
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            XCTAssertEqual(made.json["change"] as? String, "extra")
            XCTAssertEqual(made.json["startsAt"] as? String, "09:25")
            // The regeneration of the whole school leaves it.
            try await h.expect(.ok, .POST, "/api/v1/schools/\(w.school)/lessons/generate", token: w.admin,
                               json: ["from": monday.description, "to": monday.adding(days: 6).description])
            try await h.expect(.ok, .GET, "/api/v1/lessons/\(made.json["id"] as! String)", token: w.otherStudent.token)
            try await h.expect(.notFound, .GET, "/api/v1/lessons/\(made.json["id"] as! String)", token: w.student.token)
        }
    }
}

/// A school with a saved year (the proposal), bells, classes 5А and 5Б, two confirmed teachers, an
/// unconfirmed one, a student of each class with a parent of the first; another school's admin.
struct JournalWorld {
    typealias Person = TestHarness.Person
    let admin: String, school: String, classA: String, classB: String
    let math: String, russian: String
    let teacher: Person, colleague: Person, fresh: Person
    let student: Person, otherStudent: Person, parent: Person, stranger: Person
    let h: TestHarness
}

extension TestHarness {
    func journalWorld() async throws -> JournalWorld {
        let h = self
        let op = try await h.makeOperator()
        let (admin, school) = try await h.makeSchool(operatorToken: op)
        let (_, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
        let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А, 5Б"])
        let classes = made.json["items"] as! [[String: Any]]
        let year = try await h.request(.GET, "/api/v1/schools/\(school)/school-year", token: admin).json
        var body = year
        for key in ["configured", "bellsConfigured"] { body.removeValue(forKey: key) }
        try await h.expect(.ok, .PUT, "/api/v1/schools/\(school)/school-year", token: admin, json: body)
        let subjects = try await h.request(.GET, "/api/v1/schools/\(school)/subjects", token: admin).json["items"] as! [[String: Any]]
        func subject(_ name: String) -> String { subjects.first { $0["name"] as? String == name }!["id"] as! String }
        let w = JournalWorld(admin: admin, school: school, classA: classes[0]["id"] as! String, classB: classes[1]["id"] as! String,
                      math: subject("Математика"), russian: subject("Русский язык"),
                      teacher: try await h.person(school, .teacher, name: "Иванова Мария Петровна"),
                      colleague: try await h.person(school, .teacher, name: "Петров Пётр Петрович"),
                      fresh: try await h.person(school, .teacher, verified: false, name: "Новенький Учитель"),
                      student: try await h.person(school, .student, name: "Соколов Миша"),
                      otherStudent: try await h.person(school, .student, name: "Орлова Аня"),
                      parent: try await h.person(school, .parent, name: "Соколова Анна"),
                      stranger: try await h.person(otherSchool, .admin, name: "Чужой Админ"), h: h)
        try await enrol(w.student.id, in: w.classA)
        try await enrol(w.otherStudent.id, in: w.classB)
        try await services.context.store.write { db in
            let link = FamilyLinkRecord()
            link.schoolID = UUID(uuidString: school)!; link.parentID = UUID(uuidString: w.parent.id)!
            link.childID = UUID(uuidString: w.student.id)!; link.createdAt = Date()
            try await link.create(on: db)
        }
        return w
    }

    func enrol(_ userID: String, in classID: String) async throws {
        try await services.context.store.write { db in
            let m = ClassMemberRecord()
            m.classID = UUID(uuidString: classID)!; m.userID = UUID(uuidString: userID)!
            m.role = SchoolRole.student.rawValue; m.createdAt = Date()
            try await m.create(on: db)
        }
    }

    static func cell(_ weekday: Int, _ period: Int, _ subject: String, _ teacher: Person, room: String = "", group: String? = nil) -> [String: Any] {
        var c: [String: Any] = ["weekday": weekday, "period": period, "subjectId": subject, "teacherId": teacher.id, "room": room]
        if let group { c["groupId"] = group }
        return c
    }
}
