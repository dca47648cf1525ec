import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest

/// Free text goes through `Text` on the way in: bidirectional controls, zero-width and other
/// invisible characters are stripped, the rest NFC-normalised; nothing but them is refused.
final class TextHygieneTests: XCTestCase {
    func testChatsPollsFilesAndMessagesAreStoredClean() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            // A chat title with an override, a zero-width space and a decomposed «ё».
            let chat = try await h.chat(school, teacher, kind: "group", title: "\u{202E}Клас\u{200B}с 5Б — учёба\u{0301}\u{FEFF}", members: [student])
            let read = try await h.request(.GET, "/api/v1/chats/\(chat)", token: student.token)
            XCTAssertEqual(read.json["title"] as? String, "Класс 5Б — учёба\u{0301}".precomposedStringWithCanonicalMapping)
            XCTAssertFalse((read.json["title"] as? String ?? "").unicodeScalars.contains { $0.properties.generalCategory == .format })
            // Only invisible characters: refused like an empty title.
            _ = try await h.chat(school, teacher, kind: "group", title: "\u{2066}\u{200B}\u{2069}", members: [student], expect: .badRequest)
            let renamed = try await h.request(.PATCH, "/api/v1/chats/\(chat)", token: teacher.token, json: ["title": "Ново\u{0435}\u{0308} \u{2067}имя"])
            XCTAssertEqual(renamed.status, .ok, String(buffer: renamed.body))
            XCTAssertEqual(renamed.json["title"] as? String, "Новоё имя")

            // A file name that would read «отчётexe.pdf» on screen: cleaned; its type still from the content.
            let upload = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:],
                                               file: ("file", "отчёт\u{202E}fdp.exe", TestHarness.pdf), token: teacher.token)
            XCTAssertEqual(upload.status, .created, String(buffer: upload.body))
            XCTAssertEqual(upload.json["fileName"] as? String, "отчётfdp.exe")
            XCTAssertEqual(upload.json["contentType"] as? String, "application/pdf")
            let fileID = upload.json["id"] as! String
            let download = try await h.request(.GET, "/api/v1/files/\(fileID)", token: teacher.token)
            XCTAssertFalse((download.headers.first(name: .contentDisposition) ?? "").contains("%E2%80%AE"), "no U+202E in the header either")

            // A poll: question and options cleaned; options that differ only by invisible characters are the same option.
            let poll = try await h.request(.POST, "/api/v1/chats/\(chat)/polls", token: teacher.token,
                                           json: ["question": "Куда\u{200D} поедем\u{202E}?", "options": ["Му\u{00AD}зей", "\u{2066}Театр\u{2069}"]])
            XCTAssertEqual(poll.status, .created, String(buffer: poll.body))
            let p = poll.json["poll"] as! [String: Any]
            XCTAssertEqual(p["question"] as? String, "Куда поедем?")
            XCTAssertEqual((p["options"] as! [[String: Any]]).map { $0["text"] as? String }, ["Музей", "Театр"])
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chat)/polls", token: teacher.token,
                               json: ["question": "Повтор?", "options": ["Да", "Д\u{200B}а"]])

            // Message text: overrides go, line breaks and emoji joiners stay, NFC.
            let family = "👨\u{200D}👩\u{200D}👧"
            let sent = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: student.token,
                                           json: ["text": "\u{202E}Приве\u{0301}т\n\(family)\u{2066}"])
            XCTAssertEqual(sent.status, .created, String(buffer: sent.body))
            XCTAssertEqual(sent.json["text"] as? String, "Приве\u{0301}т\n\(family)".precomposedStringWithCanonicalMapping)
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chat)/messages", token: student.token, json: ["text": "\u{202E}\u{200B}"])
            let edited = try await h.request(.PATCH, "/api/v1/messages/\(sent.json["id"] as! String)", token: student.token,
                                             json: ["text": "испра\u{202D}влено"])
            XCTAssertEqual(edited.json["text"] as? String, "исправлено")
        }
    }

    func testPeopleAndSchoolFieldsAreStoredClean() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let patched = try await h.request(.PATCH, "/api/v1/schools/\(school)", token: admin,
                                              json: ["shortName": "Школа\u{200B} №\u{00A0}1\u{202E}", "directorName": "Семе\u{0308}нов\u{2069} С. С."])
            XCTAssertEqual(patched.status, .ok, String(buffer: patched.body))
            XCTAssertEqual(patched.json["shortName"] as? String, "Школа №\u{00A0}1")
            XCTAssertEqual(patched.json["directorName"] as? String, "Семёнов С. С.")
        }
    }
}
