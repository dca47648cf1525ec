import FluentKit
import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

/// The timetable from CSV (issue 14 item 3): the preview lists every bad row with its line and
/// reason and writes nothing; the import replaces the weeks of the file's classes in one go (and
/// their lessons follow), or with any error left writes nothing; keepers only.
final class TimetableImportTests: XCTestCase {
    typealias World = CalendarFeedTests.World

    func upload(_ h: TestHarness, _ path: String, token: String, _ csv: String) async throws -> TestHarness.Reply {
        try await h.request(.POST, path, token: token, bytes: Array(csv.utf8), contentType: "text/csv")
    }

    /// What the journal holds: entries and lessons of every class.
    func state(_ h: TestHarness) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for t in ["timetable_entries", "lessons", "teaching_assignments", "audit_log"] { out[t] = try await h.count(t) }
        return out
    }

    func testThePreviewListsEveryBadRowAndNothingIsWritten() async throws {
        try await withHarness { h in
            let w = try await CalendarFeedTests.world(h)
            _ = try await h.request(.POST, "/api/v1/classes/\(w.classB)/groups", token: w.admin, json: ["name": "Английский 1"])
            // 5В keeps its week (it is not in the file): Петров teaches there on Tuesdays at the first lesson.
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classC)/timetable", token: w.admin, json: ["entries": [
                CalendarFeedTests.cell(2, 1, w.russian, w.colleague, room: "7")]])
            let csv = """
            Класс;День;Урок;Предмет;Учитель;Группа;Кабинет
            5А;Пн;1;Математика;Иванова Мария Петровна;;21
            5Г;Пн;2;Математика;Иванова Мария Петровна;;
            5А;пн.;2;Астрономия;Петров Пётр Петрович;;
            5А;Вторник;3;Математика;Сидоров Сидор;;
            5А;3;1;Математика;Новенький Учитель;;
            5а;Чт;9;Математика;Иванова Мария Петровна;;
            5Б;1;1;Русский язык;иванова мария петровна;;14
            5Б;Пн;3;Русский язык;Петров Пётр Петрович;Группа 9;
            5Б;Пт;4;Русский язык;Петров Пётр Петрович;;30
            5А;Пт;4;Математика;Иванова Мария;;30
            5А;Сб;1;Математика;Иванова Мария Петровна;;
            5А;Хз;1;Математика;Иванова Мария Петровна;;
            5А;Вт;1;Русский язык;Петров;;

            5Б;Пн;5;Русский язык;Петров Пётр Петрович;Английский 1;

            """
            let before = try await state(h)
            let r = try await upload(h, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin, csv)
            XCTAssertEqual(r.status, .ok, String(buffer: r.body))
            let errors = (r.json["errors"] as! [[String: Any]]).map { "\($0["line"] as! Int) \($0["field"] as! String)" }
            XCTAssertEqual(errors, ["2 teacher",      // Иванова teaches 5Б at the same time (line 8): both rows named
                                    "3 class", "4 subject", "5 teacher", "6 teacher", "7 period",
                                    "8 teacher", "9 group", "10 room", "11 room", "12 day", "13 day",
                                    "14 teacher"],     // Петров teaches 5В then, and 5В is not in the file
                           String(buffer: r.body))
            let messages = (r.json["errors"] as! [[String: Any]]).map { $0["message"] as! String }
            XCTAssertTrue(messages.contains("Нет такого класса: «5Г»."), messages.joined(separator: "\n"))
            XCTAssertTrue(messages.contains { $0.contains("ещё не подтверждён") }, messages.joined(separator: "\n"))
            XCTAssertTrue(messages.contains { $0.hasPrefix("5А, вт, 1-й урок: Петров Пётр Петрович в это время ведёт урок в 5В") },
                          messages.joined(separator: "\n"))
            XCTAssertEqual(r.json["rows"] as? Int, 14)
            XCTAssertEqual(r.json["imported"] as? Bool, false)
            XCTAssertEqual(Set((r.json["classes"] as! [[String: Any]]).map { $0["name"] as! String }), ["5А", "5Б"])

            // The import refuses the same file whole; nothing was written by either.
            let refused = try await upload(h, "/api/v1/schools/\(w.school)/timetable/import", token: w.admin, csv)
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(refused.errorCode, "import_has_errors")
            let after = try await state(h)
            XCTAssertEqual(after, before)

            // Keepers only: a teacher is refused, another school sees nothing; not CSV, not a table.
            let lesson = "Класс;День;Урок;Предмет;Учитель\n5А;Пн;1;Математика;Иванова Мария Петровна\n"
            let teacher = try await upload(h, "/api/v1/schools/\(w.school)/timetable/preview", token: w.teacher.token, lesson)
            XCTAssertEqual(teacher.status, .forbidden)
            let stranger = try await upload(h, "/api/v1/schools/\(w.school)/timetable/import", token: w.stranger.token, lesson)
            XCTAssertEqual(stranger.status, .notFound)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.school)/timetable.csv", token: w.teacher.token)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.school)/timetable.csv", token: w.stranger.token)
            let json = try await h.request(.POST, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin, json: ["x": 1])
            XCTAssertEqual(json.status, .unsupportedMediaType)
            let notTimetable = try await upload(h, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin, "Ученик;Класс\nИванов;5А\n")
            XCTAssertEqual(notTimetable.status, .badRequest)
            let empty = try await upload(h, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin, "Класс;День;Урок;Предмет;Учитель\n")
            XCTAssertEqual((empty.json["errors"] as? [[String: Any]])?.map { $0["field"] as! String }, ["file"], String(buffer: empty.body))
            let end = try await state(h)
            XCTAssertEqual(end, before)
        }
    }

    func testAnImportReplacesTheFilesClassesAndTheirLessonsFollow() async throws {
        try await withHarness { h in
            let w = try await CalendarFeedTests.world(h)
            // Before: 5А has Friday lessons, 5В its own week; the file brings 5А and 5Б.
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/timetable", token: w.admin, json: ["entries": [
                CalendarFeedTests.cell(5, 1, w.russian, w.colleague)]])
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classC)/timetable", token: w.admin, json: ["entries": [
                CalendarFeedTests.cell(2, 1, w.russian, w.colleague, room: "7")]])
            let group = try await h.request(.POST, "/api/v1/classes/\(w.classB)/groups", token: w.admin, json: ["name": "Группа 1"]).json["id"] as! String
            let csv = """
            Класс;День;Урок;Предмет;Учитель;Группа;Кабинет
            5А;Пн;1;Математика;Иванова Мария Петровна;;21
            5А;Ср;2;Русский язык;Петров Пётр Петрович;;14
            5Б;Пн;2;Математика;Иванова Мария Петровна;Группа 1;21
            5Б;Пн;2;Русский язык;Петров Пётр Петрович;;14
            """
            // Windows-1251, as Excel in Russian saves «CSV (разделители — запятые)».
            let cp1251 = try XCTUnwrap(csv.data(using: .windowsCP1251))
            let preview = try await h.request(.POST, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin,
                                              bytes: Array(cp1251), contentType: "text/csv")
            let previewErrors = (preview.json["errors"] as? [[String: Any]]) ?? []
            // The group lesson and a whole-class lesson at once: not allowed.
            XCTAssertEqual(previewErrors.map { $0["line"] as! Int }, [5], String(buffer: preview.body))
            let fixed = csv.replacingOccurrences(of: "5Б;Пн;2;Русский язык;Петров Пётр Петрович;;14", with: "5Б;Вт;3;Русский язык;Петров Пётр Петрович;;14")
            let ok = try await h.request(.POST, "/api/v1/schools/\(w.school)/timetable/preview", token: w.admin,
                                         bytes: Array(fixed.data(using: .windowsCP1251)!), contentType: "text/csv")
            XCTAssertEqual((ok.json["errors"] as? [Any])?.count, 0, String(buffer: ok.body))

            let fridayLessons = try await LessonRecord.query(on: h.services.context.store.db)
                .filter(\.$classID == UUID(uuidString: w.classA)!).count()
            XCTAssertGreaterThan(fridayLessons, 5)
            let imported = try await h.request(.POST, "/api/v1/schools/\(w.school)/timetable/import", token: w.admin,
                                               bytes: Array(fixed.data(using: .windowsCP1251)!), contentType: "text/csv")
            XCTAssertEqual(imported.status, .created, String(buffer: imported.body))
            XCTAssertEqual(imported.json["imported"] as? Bool, true)
            let generated = try XCTUnwrap(imported.json["lessonsGenerated"] as? [String: Any])
            XCTAssertGreaterThan(generated["created"] as! Int, 10)
            XCTAssertGreaterThan(generated["removed"] as! Int, 5)   // 5А's Fridays from today on

            // 5А's week is the file's (the Friday is gone), 5Б has its group lesson, 5В is untouched.
            let a = try await h.request(.GET, "/api/v1/classes/\(w.classA)/timetable", token: w.admin).json["entries"] as! [[String: Any]]
            XCTAssertEqual(a.map { "\($0["weekday"]!) \($0["period"]!) \($0["subjectName"]!) \($0["room"]!)" }.sorted(),
                           ["1 1 Математика 21", "3 2 Русский язык 14"])
            let b = try await h.request(.GET, "/api/v1/classes/\(w.classB)/timetable", token: w.admin).json["entries"] as! [[String: Any]]
            XCTAssertEqual(b.first { $0["weekday"] as? Int == 1 }?["groupId"] as? String, group)
            let c = try await h.request(.GET, "/api/v1/classes/\(w.classC)/timetable", token: w.admin).json["entries"] as! [[String: Any]]
            XCTAssertEqual(c.count, 1)
            let db = h.services.context.store.db
            let fridays = try await LessonRecord.query(on: db).filter(\.$classID == UUID(uuidString: w.classA)!).all()
                .filter { LocalDate($0.date)!.weekday == 5 && $0.date >= LocalDate(h.clock.now(), in: TimeZone(identifier: "Europe/Moscow")!).description }
            XCTAssertEqual(fridays.count, 0)
            let mondays = try await LessonRecord.query(on: db).filter(\.$classID == UUID(uuidString: w.classB)!).all()
            XCTAssertTrue(mondays.contains { $0.groupID?.uuidString == group })
            // Who teaches what follows, and the audit log says it in words.
            let assignments = try await h.request(.GET, "/api/v1/schools/\(w.school)/assignments?classId=\(w.classB)", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(assignments.map { $0["subjectName"] as! String }), ["Математика", "Русский язык"])
            let audit = try await h.request(.GET, "/api/v1/schools/\(w.school)/audit?action=timetable.import", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(audit.count, 1)

            // The export is the import's format: it reads back to the same weeks, changing nothing.
            let export = try await h.request(.GET, "/api/v1/schools/\(w.school)/timetable.csv", token: w.admin)
            XCTAssertEqual(export.status, .ok)
            XCTAssertEqual(export.headers.first(name: .contentType), "text/csv; charset=utf-8")
            let text = String(buffer: export.body)
            XCTAssertTrue(text.hasPrefix("\u{FEFF}Класс;День;Урок;Предмет;Учитель;Группа;Кабинет\r\n"), text)
            XCTAssertTrue(text.contains("5Б;Пн;2;Математика;Иванова Мария Петровна;Группа 1;21\r\n"), text)
            XCTAssertTrue(text.contains("5В;Вт;1;Русский язык;Петров Пётр Петрович;;7\r\n"), text)
            let before = try await state(h)
            let again = try await h.request(.POST, "/api/v1/schools/\(w.school)/timetable/import", token: w.admin,
                                            bytes: Array(export.body.readableBytesView), contentType: "text/csv")
            XCTAssertEqual(again.status, .created, String(buffer: again.body))
            let regenerated = try XCTUnwrap(again.json["lessonsGenerated"] as? [String: Any])
            XCTAssertEqual(regenerated["created"] as? Int, 0)
            XCTAssertEqual(regenerated["removed"] as? Int, 0)
            var after = try await state(h)
            after["audit_log"]! -= 1
            XCTAssertEqual(after, before)
        }
    }
}
