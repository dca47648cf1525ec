import Foundation
@testable import PartaCore
import NIOConcurrencyHelpers
import Vapor
import XCTest
import XCTVapor

/// Chats and messages (issue 4, first part): who may start what (PRODUCT.md's role table, safe
/// mode for students), messages numbered per chat, a retried send stored once, edits and
/// tombstones, read state, channels where only admins post — and everyone outside refused with 404.
final class ChatTests: XCTestCase {
    typealias Person = TestHarness.Person
    func person(_ h: TestHarness, _ schoolID: String, _ role: SchoolRole, verified: Bool = true, name: String) async throws -> Person {
        try await h.person(schoolID, role, verified: verified, name: name)
    }
    func chat(_ h: TestHarness, _ school: String, _ by: Person, kind: String, title: String? = nil, members: [Person],
              expect status: HTTPResponseStatus = .created, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        try await h.chat(school, by, kind: kind, title: title, members: members, expect: status, file: file, line: line)
    }

    func testWhoMayStartWhichChat() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (_, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await person(h, school, .teacher, name: "Учитель Подтверждённый")
            let fresh = try await person(h, school, .teacher, verified: false, name: "Учитель Новый")
            let student = try await person(h, school, .student, name: "Ученик Один")
            let classmate = try await person(h, school, .student, name: "Ученик Два")
            let parent = try await person(h, school, .parent, name: "Родитель Один")
            let stranger = try await person(h, otherSchool, .student, name: "Чужой Ученик")

            _ = try await chat(h, school, teacher, kind: "group", title: "5Б — Физика", members: [student, classmate])
            // An unconfirmed teacher: not with students (§2.3, §2.4), but with colleagues.
            _ = try await chat(h, school, fresh, kind: "group", title: "Кружок", members: [student], expect: .forbidden)
            _ = try await chat(h, school, fresh, kind: "direct", members: [student], expect: .forbidden)
            _ = try await chat(h, school, fresh, kind: "group", title: "МО учителей", members: [teacher])
            // Students and parents do not create groups; they write to staff directly, not to each other.
            _ = try await chat(h, school, student, kind: "group", title: "Свой чат", members: [classmate], expect: .forbidden)
            _ = try await chat(h, school, student, kind: "direct", members: [classmate], expect: .forbidden)
            _ = try await chat(h, school, parent, kind: "direct", members: [student], expect: .forbidden)
            let direct = try await chat(h, school, student, kind: "direct", members: [teacher])
            let again = try await chat(h, school, teacher, kind: "direct", members: [student])
            XCTAssertEqual(direct, again, "one direct chat per pair")
            // Nobody outside the school can be found or added.
            _ = try await chat(h, school, teacher, kind: "direct", members: [stranger], expect: .notFound)
            _ = try await chat(h, school, teacher, kind: "group", title: "Смешанный", members: [student, stranger], expect: .notFound)
            _ = try await chat(h, otherSchool, teacher, kind: "group", title: "Туда", members: [stranger], expect: .notFound)
            // Channels are the administrators'.
            _ = try await chat(h, school, teacher, kind: "channel", title: "Канал 5Б", members: [student], expect: .forbidden)
            let list = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: student.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(list.compactMap { $0["title"] as? String }), ["5Б — Физика", "Учитель Подтверждённый", "Общешкольный канал"])
        }
    }

    func testMessagesAreNumberedStoredOnceEditedDeletedAndReadByMembersOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await person(h, school, .teacher, name: "Учитель Физики")
            let student = try await person(h, school, .student, name: "Ученик Пятого")
            let outsider = try await person(h, school, .student, name: "Ученик Другого")
            let chatID = try await chat(h, school, teacher, kind: "group", title: "5Б — Физика", members: [student])
            let base = "/api/v1/chats/\(chatID)"

            for i in 1...5 {
                let sent = try await h.request(.POST, "\(base)/messages", token: i % 2 == 0 ? student.token : teacher.token,
                                               json: ["text": "Сообщение \(i)", "clientId": "c-\(i)"])
                XCTAssertEqual(sent.json["seq"] as? Int, i)
            }
            // A retried send with the same clientId is the same message, stored once.
            let retried = try await h.request(.POST, "\(base)/messages", token: teacher.token, json: ["text": "Сообщение 5", "clientId": "c-5"])
            XCTAssertEqual(retried.json["seq"] as? Int, 5)
            let value1 = try await h.count("messages")
            XCTAssertEqual(value1, 5)

            let last = try await h.request(.GET, "\(base)/messages?limit=2", token: student.token)
            XCTAssertEqual((last.json["items"] as! [[String: Any]]).map { $0["seq"] as! Int }, [4, 5])
            let earlier = try await h.request(.GET, "\(base)/messages?before=4&limit=2", token: student.token)
            XCTAssertEqual((earlier.json["items"] as! [[String: Any]]).map { $0["seq"] as! Int }, [2, 3])
            let missed = try await h.request(.GET, "\(base)/messages?after=3", token: student.token)
            XCTAssertEqual((missed.json["items"] as! [[String: Any]]).map { $0["seq"] as! Int }, [4, 5])

            // Unread: the student wrote 2 and 4, so has read up to 4; one unread.
            let view = try await h.request(.GET, base, token: student.token)
            XCTAssertEqual(view.json["unread"] as? Int, 1)
            try await h.expect(.ok, .POST, "\(base)/read", token: student.token, json: ["seq": 99])
            let read = try await h.request(.GET, base, token: student.token)
            XCTAssertEqual(read.json["unread"] as? Int, 0)

            // Edit: the author only; delete: the author or the chat's owner; a tombstone stays.
            let items = last.json["items"] as! [[String: Any]]
            let studentsMessage = items[0]["id"] as! String, teachersMessage = items[1]["id"] as! String
            try await h.expect(.forbidden, .PATCH, "/api/v1/messages/\(teachersMessage)", token: student.token, json: ["text": "взлом"])
            let edited = try await h.request(.PATCH, "/api/v1/messages/\(studentsMessage)", token: student.token, json: ["text": "Исправил"])
            XCTAssertNotNil(edited.json["editedAt"])
            try await h.expect(.forbidden, .DELETE, "/api/v1/messages/\(teachersMessage)", token: student.token)
            let gone = try await h.request(.DELETE, "/api/v1/messages/\(studentsMessage)", token: teacher.token)
            XCTAssertEqual(gone.json["deleted"] as? Bool, true)
            XCTAssertEqual(gone.json["text"] as? String, "")

            // Outside the chat — a classmate not in it, another school's admin — nothing exists.
            for token in [outsider.token, otherAdmin] {
                try await h.expect(.notFound, .GET, base, token: token)
                try await h.expect(.notFound, .GET, "\(base)/messages", token: token)
                try await h.expect(.notFound, .POST, "\(base)/messages", token: token, json: ["text": "привет"])
                try await h.expect(.notFound, .PATCH, "/api/v1/messages/\(teachersMessage)", token: token, json: ["text": "x"])
                try await h.expect(.notFound, .DELETE, "/api/v1/messages/\(teachersMessage)", token: token)
                try await h.expect(.notFound, .POST, "\(base)/read", token: token, json: ["seq": 1])
                try await h.expect(.notFound, .GET, "\(base)/members", token: token)
            }
            // The school's administrator is not a member of a teacher's chat either.
            try await h.expect(.notFound, .GET, "\(base)/messages", token: admin)
            // A removed member stops at once.
            try await h.expect(.forbidden, .DELETE, "\(base)/members/\(teacher.id)", token: student.token)
            try await h.expect(.noContent, .DELETE, "\(base)/members/\(student.id)", token: teacher.token)
            try await h.expect(.notFound, .GET, "\(base)/messages", token: student.token)
            try await h.expect(.notFound, .POST, "\(base)/messages", token: student.token, json: ["text": "я тут?"])
            // Bad input: empty and oversize text, an unknown reply, a foreign clientId chat.
            try await h.expect(.badRequest, .POST, "\(base)/messages", token: teacher.token, json: ["text": "   "])
            try await h.expect(.badRequest, .POST, "\(base)/messages", token: teacher.token, json: ["text": String(repeating: "я", count: 4001)])
            try await h.expect(.badRequest, .POST, "\(base)/messages", token: teacher.token, json: ["text": "ответ", "replyTo": UUID().uuidString])
        }
    }

    func testSystemChannelsAreReadByTheirAudienceAndWrittenByAdministrators() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await person(h, school, .teacher, name: "Учитель")
            let student = try await person(h, school, .student, name: "Ученик")
            let chats = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: admin).json["items"] as! [[String: Any]]
            let all = chats.first { $0["audience"] as? String == "school" }!["id"] as! String
            let staff = chats.first { $0["audience"] as? String == "staff" }!["id"] as! String

            let posted = try await h.request(.POST, "/api/v1/chats/\(all)/messages", token: admin, json: ["text": "Завтра линейка в 9:00"])
            XCTAssertEqual(posted.status, .created)
            try await h.expect(.forbidden, .POST, "/api/v1/chats/\(all)/messages", token: teacher.token, json: ["text": "можно?"])
            try await h.expect(.forbidden, .POST, "/api/v1/chats/\(all)/messages", token: student.token, json: ["text": "можно?"])
            let read = try await h.request(.GET, "/api/v1/chats/\(all)/messages", token: student.token)
            XCTAssertEqual((read.json["items"] as! [[String: Any]]).first?["text"] as? String, "Завтра линейка в 9:00")
            let unread = try await h.request(.GET, "/api/v1/chats/\(all)", token: student.token)
            XCTAssertEqual(unread.json["unread"] as? Int, 1)
            try await h.expect(.ok, .POST, "/api/v1/chats/\(all)/read", token: student.token, json: ["seq": 1])
            let after = try await h.request(.GET, "/api/v1/chats/\(all)", token: student.token)
            XCTAssertEqual(after.json["unread"] as? Int, 0)
            // «Сотрудники» is staff only.
            try await h.expect(.ok, .GET, "/api/v1/chats/\(staff)/messages", token: teacher.token)
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(staff)/messages", token: student.token)
        }
    }
}

extension RealtimeTests {
    /// A message reaches the sockets of the chat's members — not a classmate outside the chat, and
    /// not a member removed a moment ago; a channel post reaches its audience.
    func testMessagesReachTheChatsMembersOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик В Чате")
            let outsider = try await h.person(school, .student, name: "Ученик Вне Чата")
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student])
            let port = try await h.startServer()
            let inside = Probe(), outside = Probe(), otherSchool = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: inside)
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(outsider.token)"], probe: outside)
            let otherSocket = try await connect(h, port: port, headers: ["Authorization": "Bearer \(otherAdmin)"], probe: otherSchool)
            try await waitUntil { !inside.texts.withLockedValue { $0 }.isEmpty && !outside.texts.withLockedValue { $0 }.isEmpty
                && !otherSchool.texts.withLockedValue { $0 }.isEmpty }

            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Домашнее задание: §5"])
            try await waitUntil { inside.texts.withLockedValue { $0.contains { $0.contains("message.created") && $0.contains("§5") } } }
            // The school-wide channel reaches everyone of the school.
            let channels = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: admin).json["items"] as! [[String: Any]]
            let all = channels.first { $0["audience"] as? String == "school" }!["id"] as! String
            try await h.expect(.created, .POST, "/api/v1/chats/\(all)/messages", token: admin, json: ["text": "Линейка в 9:00"])
            try await waitUntil { outside.texts.withLockedValue { $0.contains { $0.contains("Линейка") } } }
            XCTAssertFalse(outside.texts.withLockedValue { $0.contains { $0.contains("§5") } }, "not a member: nothing from the chat")
            // Another school's people get nothing of this school, not even its school-wide channel; a
            // resume naming this school's chats gets them named "gone".
            XCTAssertFalse(otherSchool.texts.withLockedValue { $0.contains { $0.contains("Линейка") || $0.contains("§5") } })
            try await otherSocket.send(#"{"type":"resume","chats":{"\#(chatID)":0,"\#(all)":0}}"#)
            try await waitUntil { otherSchool.texts.withLockedValue { $0.contains { $0.contains("resumed") } } }
            let resumed = otherSchool.texts.withLockedValue { $0.first { $0.contains("resumed") } } ?? ""
            XCTAssertTrue(resumed.lowercased().contains(chatID.lowercased()) && resumed.lowercased().contains(all.lowercased()), resumed)
            XCTAssertFalse(otherSchool.texts.withLockedValue { $0.contains { $0.contains("Линейка") || $0.contains("§5") } })

            // Removed: the next message does not reach them.
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chatID)/members/\(student.id)", token: teacher.token)
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Только для оставшихся"])
            // A later event they do read: once it has arrived, the message before it would have too.
            try await h.expect(.created, .POST, "/api/v1/chats/\(all)/messages", token: admin, json: ["text": "Звонок с урока"])
            try await waitUntil { inside.texts.withLockedValue { $0.contains { $0.contains("Звонок с урока") } } }
            XCTAssertFalse(inside.texts.withLockedValue { $0.contains { $0.contains("Только для оставшихся") } })
        }
    }
}

extension TestHarness {
    struct Person { let token: String; let id: String }

    /// A signed-in member of the school with one role, and their id.
    func person(_ schoolID: String, _ role: SchoolRole, verified: Bool = true, name: String) async throws -> Person {
        let token = try await addMember(schoolID: schoolID, role: role, verified: verified, name: name)
        return Person(token: token, id: try await request(.GET, "/api/v1/me", token: token).json["id"] as! String)
    }

    /// A school of its own with a confirmed teacher «Учитель» and a student «Ученик»: the cast of
    /// most chat tests.
    func teacherAndStudent() async throws -> (school: String, teacher: Person, student: Person) {
        let (_, school) = try await makeSchool(operatorToken: try await makeOperator())
        return (school, try await person(school, .teacher, name: "Учитель"), try await person(school, .student, name: "Ученик"))
    }

    /// Creates a chat and checks the answer's status; the new chat's id ("" when refused).
    func chat(_ school: String, _ by: Person, kind: String, title: String? = nil, members: [Person],
              expect status: HTTPResponseStatus = .created, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        var body: [String: Any] = ["kind": kind, "memberIds": members.map(\.id)]
        if let title { body["title"] = title }
        let reply = try await request(.POST, "/api/v1/schools/\(school)/chats", token: by.token, json: body)
        XCTAssertEqual(reply.status, status, String(buffer: reply.body), file: file, line: line)
        return reply.json["id"] as? String ?? ""
    }
}
