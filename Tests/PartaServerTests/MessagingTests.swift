import Foundation
import NIOConcurrencyHelpers
@testable import PartaCore
@testable import PartaServer
import Vapor
import WebSocketKit
import XCTest
import XCTVapor

/// Reactions, pins, forwards, mentions; who may do them (and that nobody outside the chat can).
final class MessagingTests: XCTestCase {
    func testReactionsPinsForwardsAndMentions() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (adminToken, school) = try await h.makeSchool(operatorToken: op)
            let admin = TestHarness.Person(token: adminToken, id: try await h.request(.GET, "/api/v1/me", token: adminToken).json["id"] as! String)
            let teacher = try await h.person(school, .teacher, name: "Учитель Физики")
            let student = try await h.person(school, .student, name: "Ученик Пятого")
            let other = try await h.person(school, .student, name: "Ученик Другой")
            let physics = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student, other])
            let second = try await h.chat(school, teacher, kind: "group", title: "5Б — Кружок", members: [student])
            let sent = try await h.request(.POST, "/api/v1/chats/\(physics)/messages", token: teacher.token,
                                           json: ["text": "Контрольная в пятницу, @Ученик Пятого", "mentions": [student.id]])
            XCTAssertEqual(sent.status, .created)
            XCTAssertEqual(sent.json["mentions"] as? [String], [student.id.uppercased()])
            let messageID = sent.json["id"] as! String
            let m = "/api/v1/messages/\(messageID)"

            // Reactions: one emoji each time, the same again changes nothing, at most three per person.
            let liked = try await h.request(.POST, "\(m)/reactions", token: student.token, json: ["emoji": "👍"])
            XCTAssertEqual(liked.status, .ok)
            XCTAssertEqual(liked.json["myReactions"] as? [String], ["👍"])
            _ = try await h.request(.POST, "\(m)/reactions", token: student.token, json: ["emoji": "👍"])
            _ = try await h.request(.POST, "\(m)/reactions", token: other.token, json: ["emoji": "👍"])
            let both = try await h.request(.POST, "\(m)/reactions", token: student.token, json: ["emoji": "👨‍👩‍👧"])
            let reactions = both.json["reactions"] as! [[String: Any]]
            XCTAssertEqual(reactions.map { $0["emoji"] as! String }, ["👍", "👨‍👩‍👧"])
            XCTAssertEqual(reactions.map { $0["count"] as! Int }, [2, 1])
            _ = try await h.request(.POST, "\(m)/reactions", token: student.token, json: ["emoji": "🔥"])
            try await h.expect(.conflict, .POST, "\(m)/reactions", token: student.token, json: ["emoji": "🎉"])
            for bad in ["a", "👍👍", "", "1", "<script>"] {
                try await h.expect(.badRequest, .POST, "\(m)/reactions", token: student.token, json: ["emoji": bad])
            }
            let undone = try await h.request(.POST, "\(m)/reactions", token: student.token, json: ["emoji": "🔥", "add": false])
            XCTAssertEqual(undone.json["myReactions"] as? [String], ["👍", "👨‍👩‍👧"])
            let countReactions = try await h.count("message_reactions")
            XCTAssertEqual(countReactions, 3)

            // Pins: the chat's moderators; listed newest first.
            try await h.expect(.forbidden, .PUT, "\(m)/pin", token: student.token)
            let pinned = try await h.request(.PUT, "\(m)/pin", token: teacher.token)
            XCTAssertEqual(pinned.json["pinned"] as? Bool, true)
            let pins = try await h.request(.GET, "/api/v1/chats/\(physics)/pins", token: student.token)
            XCTAssertEqual((pins.json["items"] as! [[String: Any]]).map { $0["id"] as! String }, [messageID.uppercased()])
            try await h.expect(.ok, .DELETE, "\(m)/pin", token: teacher.token)
            let none = try await h.request(.GET, "/api/v1/chats/\(physics)/pins", token: student.token)
            XCTAssertEqual((none.json["items"] as! [Any]).count, 0)

            // Forward: to a chat of the same school where one may write; the original author is named.
            let forwarded = try await h.request(.POST, "\(m)/forward", token: student.token, json: ["chatId": second])
            XCTAssertEqual(forwarded.status, .created)
            XCTAssertEqual(forwarded.json["forwardedFrom"] as? String, "Учитель Физики")
            XCTAssertEqual(forwarded.json["authorId"] as? String, student.id.uppercased())
            // Not to a chat one is not in; not into the school channel where only administrators write.
            let staffOnly = try await h.chat(school, teacher, kind: "group", title: "Без учеников", members: [])
            try await h.expect(.notFound, .POST, "\(m)/forward", token: student.token, json: ["chatId": staffOnly])
            let channel = try await h.chat(school, admin, kind: "channel", title: "Новости 5Б", members: [student])
            try await h.expect(.forbidden, .POST, "\(m)/forward", token: student.token, json: ["chatId": channel])

            // Mentions: only of the chat's readers; @all only for its admins.
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(second)/messages", token: student.token,
                               json: ["text": "@Ученик Другой", "mentions": [other.id]])
            try await h.expect(.forbidden, .POST, "/api/v1/chats/\(physics)/messages", token: student.token,
                               json: ["text": "@all", "mentionAll": true])
            let all = try await h.request(.POST, "/api/v1/chats/\(physics)/messages", token: teacher.token,
                                          json: ["text": "@all завтра экскурсия", "mentionAll": true])
            XCTAssertEqual(all.json["mentionsAll"] as? Bool, true)

            // "Read by N": the teacher's message has been read by nobody else yet; then by one.
            let page = try await h.request(.GET, "/api/v1/chats/\(physics)/messages", token: teacher.token)
            let first = (page.json["items"] as! [[String: Any]])[0]
            XCTAssertEqual(first["readBy"] as? Int, 0)
            try await h.expect(.ok, .POST, "/api/v1/chats/\(physics)/read", token: student.token, json: ["seq": 1])
            let later = try await h.request(.GET, "/api/v1/chats/\(physics)/messages", token: teacher.token)
            XCTAssertEqual((later.json["items"] as! [[String: Any]])[0]["readBy"] as? Int, 1)

            // Deleting takes the reactions and the pin with it.
            _ = try await h.request(.PUT, "\(m)/pin", token: teacher.token)
            try await h.expect(.ok, .DELETE, m, token: teacher.token)
            try await h.expect(.conflict, .POST, "\(m)/reactions", token: student.token, json: ["emoji": "👍"])
            let afterDelete = try await h.count("message_reactions")
            XCTAssertEqual(afterDelete, 0)
        }
    }

    /// Another school's administrator, a member of the school outside the chat, a removed member and
    /// an unconfirmed teacher: every message action answers 404 and changes nothing.
    func testNobodyOutsideTheChatReachesItsMessages() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель Физики")
            let student = try await h.person(school, .student, name: "Ученик Пятого")
            let removed = try await h.person(school, .student, name: "Ученик Ушедший")
            let outsider = try await h.person(school, .student, name: "Ученик Вне Чата")
            let parent = try await h.person(school, .parent, name: "Родитель Чужой")
            let unconfirmed = try await h.person(school, .teacher, verified: false, name: "Учитель Новый")
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student, removed])
            let messageID = try await h.request(.POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Тема"])
                .json["id"] as! String
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chatID)/members/\(removed.id)", token: teacher.token)
            let foreignChat = try await h.request(.GET, "/api/v1/schools/\(otherSchool)/chats", token: otherAdmin)
                .json["items"] as! [[String: Any]]
            let foreignChannel = foreignChat[0]["id"] as! String
            let studentsOwnChat = try await h.chat(school, teacher, kind: "group", title: "Куда пересылать", members: [student])

            let before = try await (h.count("messages"), h.count("message_reactions"), h.count("chat_events"))
            let m = "/api/v1/messages/\(messageID)"
            for token in [otherAdmin, outsider.token, removed.token, parent.token, unconfirmed.token] {
                try await h.expect(.notFound, .POST, "\(m)/reactions", token: token, json: ["emoji": "👍"])
                try await h.expect(.notFound, .PUT, "\(m)/pin", token: token)
                try await h.expect(.notFound, .DELETE, "\(m)/pin", token: token)
                try await h.expect(.notFound, .POST, "\(m)/forward", token: token, json: ["chatId": studentsOwnChat])
                try await h.expect(.notFound, .GET, "/api/v1/chats/\(chatID)/pins", token: token)
                try await h.expect(.notFound, .POST, "/api/v1/chats/\(chatID)/messages", token: token, json: ["text": "x"])
            }
            // A member cannot forward into another school's channel, nor mention a stranger.
            try await h.expect(.notFound, .POST, "\(m)/forward", token: student.token, json: ["chatId": foreignChannel])
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token,
                               json: ["text": "@кто-то", "mentions": [outsider.id]])
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token,
                               json: ["text": "@кто-то", "mentions": [UUID().uuidString]])
            let after = try await (h.count("messages"), h.count("message_reactions"), h.count("chat_events"))
            XCTAssertEqual(before.0, after.0); XCTAssertEqual(before.1, after.1); XCTAssertEqual(before.2, after.2)
        }
    }
}

/// The realtime protocol: events numbered per chat, exactly once and in order; a reconnect resumes.
extension RealtimeTests {
    struct Frame { let type: String; let chatID: String?; let seq: Int?; let raw: String }

    func frames(_ probe: Probe) -> [Frame] {
        probe.texts.withLockedValue { $0 }.map { raw in
            let json = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:]
            return Frame(type: json["type"] as? String ?? "", chatID: (json["chatId"] as? String)?.lowercased(), seq: json["seq"] as? Int, raw: raw)
        }
    }

    func chatFrames(_ probe: Probe, _ chatID: String) -> [Frame] {
        frames(probe).filter { $0.chatID == chatID.lowercased() && $0.type != "typing" }
    }

    func testAReconnectGetsExactlyWhatItMissedInOrder() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student])
            let gone = try await h.chat(school, teacher, kind: "group", title: "Кружок", members: [student])
            let port = try await startServer(h)
            let headers: HTTPHeaders = ["Authorization": "Bearer \(student.token)"]

            // Live: five sends at once arrive numbered one after another, each once.
            let first = Probe()
            let ws = try await connect(h, port: port, headers: headers, probe: first)
            try await waitUntil { self.frames(first).contains { $0.type == "hello" } }
            let start = try await h.request(.GET, "/api/v1/chats/\(chatID)", token: student.token).json["lastEvent"] as! Int
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 1...5 {
                    group.addTask { _ = try await h.request(.POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Живое \(i)"]) }
                }
                try await group.waitForAll()
            }
            try await waitUntil { self.chatFrames(first, chatID).count == 5 }
            XCTAssertEqual(chatFrames(first, chatID).map(\.seq), Array(start + 1...start + 5).map(Optional.some))
            try await ws.close().get()

            // Offline: a message, an edit, a reaction, a deleted message, a member removed from another chat.
            let seen = start + 5
            let m1 = try await h.request(.POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Пропущенное"]).json["id"] as! String
            try await h.expect(.ok, .PATCH, "/api/v1/messages/\(m1)", token: teacher.token, json: ["text": "Пропущенное, исправлено"])
            try await h.expect(.ok, .POST, "/api/v1/messages/\(m1)/reactions", token: teacher.token, json: ["emoji": "🔥"])
            let secret = try await h.request(.POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Случайно отправил пароль"]).json["id"] as! String
            try await h.expect(.ok, .DELETE, "/api/v1/messages/\(secret)", token: teacher.token)
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(gone)/members/\(student.id)", token: teacher.token)

            let second = Probe()
            let again = try await connect(h, port: port, headers: headers, probe: second)
            try await waitUntil { self.frames(second).contains { $0.type == "hello" } }
            try await again.send(#"{"type":"resume","chats":{"\#(chatID)":\#(seen),"\#(gone)":0}}"#)
            try await waitUntil { self.frames(second).contains { $0.type == "resumed" } }
            let missed = chatFrames(second, chatID)
            XCTAssertEqual(missed.map(\.seq), Array(seen + 1...seen + 5).map(Optional.some), "exactly the missed events, in order")
            XCTAssertEqual(missed.map(\.type), ["message.created", "message.edited", "message.reaction", "message.created", "message.deleted"])
            XCTAssertFalse(missed.contains { $0.raw.contains("пароль") }, "a deleted message's text is never replayed")
            let resumed = frames(second).first { $0.type == "resumed" }!.raw
            XCTAssertTrue(resumed.lowercased().contains(gone.lowercased()), "the chat it no longer reads is named gone: \(resumed)")
            XCTAssertTrue(chatFrames(second, gone).isEmpty)

            // Live again after the replay, with the next number.
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Снова онлайн"])
            try await waitUntil { self.chatFrames(second, chatID).count == 6 }
            XCTAssertEqual(chatFrames(second, chatID).last?.seq, seen + 6)

            // A number the chat never reached, or events no longer kept: resync.
            try await again.send(#"{"type":"resume","chats":{"\#(chatID)":9999}}"#)
            try await waitUntil { self.frames(second).contains { $0.type == "resync" } }
            try await ChatEventLog.prune(olderThan: Date().addingTimeInterval(60), on: h.app.parta.context.store.db)
            let resyncs = frames(second).filter { $0.type == "resync" }.count
            try await again.send(#"{"type":"resume","chats":{"\#(chatID)":1}}"#)
            try await waitUntil { self.frames(second).filter { $0.type == "resync" }.count == resyncs + 1 }
            XCTAssertEqual(frames(second).last { $0.type == "resync" }?.seq, seen + 6)
            try await again.close().get()
        }
    }

    /// A member removed from a chat gets that event and nothing more; one added starts receiving at
    /// once, from the event that added them.
    func testJoiningAndLeavingAChatMovesTheSubscriptionAtOnce() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [])
            let port = try await startServer(h)
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: probe)
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "До тебя"])
            try await h.expect(.ok, .POST, "/api/v1/chats/\(chatID)/members", token: teacher.token, json: ["userIds": [student.id]])
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Добро пожаловать"])
            try await waitUntil { self.chatFrames(probe, chatID).count == 2 }
            XCTAssertEqual(chatFrames(probe, chatID).map(\.type), ["chat.members", "message.created"])
            XCTAssertFalse(frames(probe).contains { $0.raw.contains("До тебя") })
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chatID)/members/\(student.id)", token: teacher.token)
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "Уже без тебя"])
            try await waitUntil { self.chatFrames(probe, chatID).count == 3 }
            try await Task.sleep(nanoseconds: 200_000_000)
            XCTAssertEqual(chatFrames(probe, chatID).map(\.type), ["chat.members", "message.created", "chat.members"])
            XCTAssertFalse(frames(probe).contains { $0.raw.contains("Уже без тебя") })
            // Typing: only to the chat's other readers; frames the server does not know get an error.
            try await ws.send(#"{"type":"typing","chatId":"\#(chatID)"}"#)
            try await ws.send(#"{"type":"nonsense"}"#)
            try await ws.send("not json")
            try await waitUntil { self.frames(probe).filter { $0.type == "error" }.count == 2 }
            try await ws.close().get()
        }
    }
}
