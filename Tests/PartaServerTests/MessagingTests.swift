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

    /// Files: type from the content, programs refused, images inline and everything else
    /// downloaded, for the chat's readers only; a deleted message's files go with it.
    func testAttachmentsAreTypedByContentAndReadByTheChatOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let removed = try await h.person(school, .student, name: "Бывший Участник")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student, removed])
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 32))
            let image = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", "photo.jpg", png), token: teacher.token)
            XCTAssertEqual(image.status, .created, String(buffer: image.body))
            XCTAssertEqual(image.json["contentType"] as? String, "image/png", "the content decides, not the name")
            XCTAssertEqual(image.json["image"] as? Bool, true)
            let page = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:],
                                             file: ("file", "../../<img src=x onerror=alert(1)>.html", Data("<script>alert(1)</script>".utf8)), token: teacher.token)
            XCTAssertEqual(page.json["contentType"] as? String, "text/plain; charset=utf-8")
            XCTAssertEqual(page.json["fileName"] as? String, "<img src=x onerror=alert(1)>.html", "no path")
            let exe = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", "game.pdf", Data([0x4D, 0x5A, 0x90, 0, 3])), token: student.token)
            XCTAssertEqual(exe.status, .unsupportedMediaType)
            let empty = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", "x.txt", Data()), token: student.token)
            XCTAssertEqual(empty.status, .badRequest)
            let imageID = image.json["id"] as! String, pageID = page.json["id"] as! String

            // Not yet sent: only the uploader reads it; another person cannot attach it.
            try await h.expect(.ok, .GET, "/api/v1/files/\(imageID)", token: teacher.token)
            try await h.expect(.notFound, .GET, "/api/v1/files/\(imageID)", token: student.token)
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chat)/messages", token: student.token, json: ["text": "моё", "attachments": [imageID]])
            let sent = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "", "attachments": [imageID, pageID]])
            XCTAssertEqual(sent.status, .created, String(buffer: sent.body))
            XCTAssertEqual((sent.json["attachments"] as? [[String: Any]])?.count, 2)
            try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "снова", "attachments": [imageID]])

            let shown = try await h.request(.GET, "/api/v1/files/\(imageID)", token: student.token)
            XCTAssertEqual(shown.status, .ok)
            XCTAssertEqual(shown.headers.first(name: .contentType), "image/png")
            XCTAssertTrue(shown.headers.first(name: .contentDisposition)?.hasPrefix("inline;") ?? false)
            let downloaded = try await h.request(.GET, "/api/v1/files/\(pageID)", token: student.token)
            XCTAssertEqual(downloaded.headers.first(name: .contentType), "application/octet-stream")
            XCTAssertTrue(downloaded.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") ?? false)
            XCTAssertEqual(downloaded.headers.first(name: "X-Content-Type-Options"), "nosniff")
            XCTAssertEqual(String(buffer: downloaded.body), "<script>alert(1)</script>")

            // Outside the chat — a member removed a moment ago, a schoolmate, another school — nothing.
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(removed.id)", token: teacher.token)
            for token in [removed.token, outsider.token, otherAdmin] {
                try await h.expect(.notFound, .GET, "/api/v1/files/\(imageID)", token: token)
                let upload = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", "a.png", png), token: token)
                XCTAssertEqual(upload.status, .notFound)
            }
            try await h.expect(.notFound, .GET, "/api/v1/files/\(UUID().uuidString)", token: teacher.token)
            try await h.expect(.unauthorized, .GET, "/api/v1/files/\(imageID)")

            // Deleted: the files go too.
            let before = h.storedFiles().count
            try await h.expect(.ok, .DELETE, "/api/v1/messages/\(sent.json["id"] as! String)", token: teacher.token)
            try await h.expect(.notFound, .GET, "/api/v1/files/\(imageID)", token: teacher.token)
            XCTAssertEqual(h.storedFiles().count, before - 2)

            // Uploads never sent are dropped after a day by the housekeeping.
            let stray = try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", "a.png", png), token: teacher.token)
            h.clock.advance(25 * 3600)
            let ctx = h.app.parta.context
            try await AttachmentService.dropUnsent(olderThan: ctx.clock.now().addingTimeInterval(-24 * 3600), ctx)
            try await h.expect(.notFound, .GET, "/api/v1/files/\(stray.json["id"] as! String)", token: teacher.token)
            XCTAssertEqual(h.storedFiles().count, before - 2)
        }
    }

    /// Polls: single and multiple choice, anonymous or named, live results, closed by the author.
    func testPollsCountVotesOncePerPersonAndClose() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let a = try await h.person(school, .student, name: "Ученик А")
            let b = try await h.person(school, .student, name: "Ученик Б")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [a, b])
            for bad: [String: Any] in [["question": "Один вариант?", "options": ["да"]], ["question": "", "options": ["да", "нет"]],
                                       ["question": "Повтор?", "options": ["да", "Да"]], ["question": "x", "options": "да"]] {
                try await h.expect(.badRequest, .POST, "/api/v1/chats/\(chat)/polls", token: teacher.token, json: bad)
            }
            let trip = try await h.request(.POST, "/api/v1/chats/\(chat)/polls", token: teacher.token,
                                           json: ["question": "Куда поедем?", "options": ["Музей", "Театр", "<b>Парк</b>"]])
            XCTAssertEqual(trip.status, .created, String(buffer: trip.body))
            let poll = trip.json["poll"] as! [String: Any]
            let pollID = poll["id"] as! String
            XCTAssertEqual(poll["multiple"] as? Bool, false)

            let voted = try await h.request(.POST, "/api/v1/polls/\(pollID)/vote", token: a.token, json: ["options": [2]])
            XCTAssertEqual(voted.json["myVotes"] as? [Int], [2])
            try await h.expect(.badRequest, .POST, "/api/v1/polls/\(pollID)/vote", token: a.token, json: ["options": [0, 1]])
            try await h.expect(.badRequest, .POST, "/api/v1/polls/\(pollID)/vote", token: a.token, json: ["options": [7]])
            _ = try await h.request(.POST, "/api/v1/polls/\(pollID)/vote", token: a.token, json: ["options": [1]])   // changes their mind
            let results = try await h.request(.POST, "/api/v1/polls/\(pollID)/vote", token: b.token, json: ["options": [1]])
            let options = results.json["options"] as! [[String: Any]]
            XCTAssertEqual(options.map { $0["votes"] as! Int }, [0, 2, 0])
            XCTAssertEqual(results.json["voters"] as? Int, 2)
            XCTAssertEqual(Set((options[1]["voters"] as! [String]).map { $0.lowercased() }), Set([a.id, b.id].map { $0.lowercased() }), "named poll")

            // Not the chat's: nothing; only the author or a moderator closes.
            for token in [outsider.token, otherAdmin] {
                try await h.expect(.notFound, .POST, "/api/v1/polls/\(pollID)/vote", token: token, json: ["options": [0]])
                try await h.expect(.notFound, .POST, "/api/v1/polls/\(pollID)/close", token: token)
            }
            try await h.expect(.forbidden, .POST, "/api/v1/polls/\(pollID)/close", token: a.token)
            let closed = try await h.request(.POST, "/api/v1/polls/\(pollID)/close", token: teacher.token)
            XCTAssertEqual(closed.json["closed"] as? Bool, true)
            try await h.expect(.conflict, .POST, "/api/v1/polls/\(pollID)/vote", token: b.token, json: ["options": [0]])

            // Anonymous, multiple choice: counts without names.
            let anon = try await h.request(.POST, "/api/v1/chats/\(chat)/polls", token: teacher.token,
                                           json: ["question": "Что повторить?", "options": ["Дроби", "Уравнения", "Задачи"], "multiple": true, "anonymous": true])
            let anonID = (anon.json["poll"] as! [String: Any])["id"] as! String
            let two = try await h.request(.POST, "/api/v1/polls/\(anonID)/vote", token: a.token, json: ["options": [0, 2]])
            XCTAssertEqual((two.json["options"] as! [[String: Any]]).map { $0["votes"] as! Int }, [1, 0, 1])
            XCTAssertNil((two.json["options"] as! [[String: Any]])[0]["voters"])
            let page = try await h.request(.GET, "/api/v1/chats/\(chat)/messages", token: b.token)
            let last = (page.json["items"] as! [[String: Any]]).last!["poll"] as! [String: Any]
            XCTAssertEqual(last["myVotes"] as? [Int], [])
            XCTAssertEqual(last["voters"] as? Int, 1)
            let votes = try await h.count("poll_votes")
            XCTAssertEqual(votes, 4)
        }
    }

    /// Search finds words regardless of case, only in the chats one reads, never deleted text.
    func testSearchFindsWordsInTheChatsOneReadsOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student])
            let secret = try await h.chat(school, teacher, kind: "group", title: "Учительская беседа", members: [])
            _ = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "Домашнее задание: параграф 5, задачи 1–3"])
            _ = try await h.request(.POST, "/api/v1/chats/\(secret)/messages", token: teacher.token, json: ["text": "Домашнее задание проверим в пятницу"])
            let gone = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "Ёлка в актовом зале"]).json["id"] as! String
            let channels = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: admin).json["items"] as! [[String: Any]]
            let all = channels.first { $0["audience"] as? String == "school" }!["id"] as! String
            _ = try await h.request(.POST, "/api/v1/chats/\(all)/messages", token: admin, json: ["text": "ДОМАШНЕЕ задание на каникулы — на сайте"])

            func found(_ token: String, _ q: String, chat: String? = nil) async throws -> [String] {
                var path = "/api/v1/schools/\(school)/search?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                if let chat { path += "&chatId=\(chat)" }
                let reply = try await h.request(.GET, path, token: token)
                XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
                return (reply.json["items"] as? [[String: Any]] ?? []).map { ($0["message"] as! [String: Any])["text"] as! String }
            }
            let byStudent = try await found(student.token, "домашнее ЗАДАНИЕ")
            XCTAssertEqual(Set(byStudent), ["Домашнее задание: параграф 5, задачи 1–3", "ДОМАШНЕЕ задание на каникулы — на сайте"])
            let byTeacher = try await found(teacher.token, "домашнее")
            XCTAssertEqual(byTeacher.count, 3)
            let inOne = try await found(teacher.token, "домашнее", chat: secret)
            XCTAssertEqual(inOne, ["Домашнее задание проверим в пятницу"])
            let yo = try await found(student.token, "елка")
            XCTAssertEqual(yo, ["Ёлка в актовом зале"])
            try await h.expect(.ok, .DELETE, "/api/v1/messages/\(gone)", token: teacher.token)
            let afterDelete = try await found(student.token, "елка")
            XCTAssertTrue(afterDelete.isEmpty)
            let byOutsider = try await found(outsider.token, "параграф")
            XCTAssertTrue(byOutsider.isEmpty)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/search?q=x&chatId=\(secret)", token: student.token)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/search?q=домашнее", token: otherAdmin)
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/search?q=%20%2A%22", token: student.token)
            let quotes = try await found(student.token, "\"задание\" OR NEAR(")
            XCTAssertTrue(quotes.count <= 2, "operators are plain words")
        }
    }

    /// The SQLite batch writer: a send whose sender was removed between its check and the batch
    /// fails alone; the others of the batch are stored with consecutive numbers and events.
    func testABatchRefusesOnlyTheSendsThatMayNoLongerBeWritten() async throws {
        try await withHarness { h in
            guard h.app.parta.context.store.dialect == .sqlite else { throw XCTSkip("the batch writer is SQLite's") }
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let ctx = h.app.parta.context
            let auth = AuthService(ctx)
            let teacherActor = try await auth.authenticate(token: teacher.token)!, studentActor = try await auth.authenticate(token: student.token)!
            func prepared(_ actor: Actor, _ text: String) -> SendQueue.Prepared {
                SendQueue.Prepared(actor: actor, chatID: UUID(uuidString: chat)!, text: text, extras: .init())
            }
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(student.id)", token: teacher.token)
            let batch = [prepared(teacherActor, "Первое"), prepared(studentActor, "Уже не участник"), prepared(teacherActor, "Второе")]
            let results = try await ctx.store.writeBatch { db in try SendQueue.write(batch, now: Date(), in: db) }
            XCTAssertEqual(results.count, 3)
            guard case let .success(.stored(first, _)) = results[0], case .failure = results[1], case let .success(.stored(second, event)) = results[2] else {
                return XCTFail("expected success, refusal, success: \(results)")
            }
            XCTAssertEqual(second.seq, first.seq + 1)
            XCTAssertEqual(event.type, "message.created")
            let page = try await h.request(.GET, "/api/v1/chats/\(chat)/messages", token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(page.map { $0["text"] as! String }, ["Первое", "Второе"])

            // A clientId twice in one batch is stored once; used again later, the earlier message
            // answers; used in another chat, refused.
            func retry(_ text: String, clientID: String, chat chatID: String = chat) -> SendQueue.Prepared {
                SendQueue.Prepared(actor: teacherActor, chatID: UUID(uuidString: chatID)!, text: text, extras: .init(clientID: clientID))
            }
            let pair = [retry("Раз", clientID: "k1"), retry("Раз", clientID: "k1")]
            let twice = try await ctx.store.writeBatch { db in try SendQueue.write(pair, now: Date(), in: db) }
            guard case let .success(.stored(once, _)) = twice[0], case let .success(.earlier(sameID)) = twice[1] else {
                return XCTFail("expected stored, earlier: \(twice)")
            }
            XCTAssertEqual(sameID, once.id)
            let other = try await h.chat(school, teacher, kind: "group", title: "Другой", members: [])
            let again = [retry("Раз", clientID: "k1"), retry("Раз", clientID: "k1", chat: other)]
            let later = try await ctx.store.writeBatch { db in try SendQueue.write(again, now: Date(), in: db) }
            guard case let .success(.earlier(laterID)) = later[0], case let .failure(reused as PartaError) = later[1] else {
                return XCTFail("expected earlier, refusal: \(later)")
            }
            XCTAssertEqual(laterID, once.id)
            XCTAssertEqual(reused.code, "client_id_reused")
            let count = try await h.request(.GET, "/api/v1/chats/\(chat)/messages", token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(count.count, 3)
        }
    }

    /// A batch of 131 sends across two chats (one statement for 256 rows, 125 of them spare): every message
    /// stored with consecutive numbers per chat and one event each, the chats' counters and the
    /// sender's read mark where the last message left them, every message found by search.
    func testALargeBatchIsStoredWholeInOrderAndSearchable() async throws {
        try await withHarness { h in
            guard h.app.parta.context.store.dialect == .sqlite else { throw XCTSkip("the batch writer is SQLite's") }
            let (school, teacher, student) = try await h.teacherAndStudent()
            let first = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let second = try await h.chat(school, teacher, kind: "group", title: "6В", members: [student])
            try await h.expect(.created, .POST, "/api/v1/chats/\(first)/messages", token: teacher.token, json: ["text": "До пачки"])
            let ctx = h.app.parta.context
            let actor = try await AuthService(ctx).authenticate(token: teacher.token)!
            let sends = (0..<131).map { i in
                SendQueue.Prepared(actor: actor, chatID: UUID(uuidString: i % 3 == 0 ? second : first)!,
                                   text: "Сообщение к\(i)щ ёжик", extras: .init(clientID: "batch-\(i)"))
            }
            let results = try await ctx.store.writeBatch { db in try SendQueue.write(sends, now: Date(), in: db) }
            var seqs: [UUID: [Int]] = [:], events: [UUID: [Int]] = [:]
            for result in results {
                guard case let .success(.stored(view, event)) = result else { return XCTFail("not stored: \(result)") }
                seqs[view.chatId, default: []].append(view.seq)
                events[view.chatId, default: []].append(event.seq)
            }
            let firstID = UUID(uuidString: first)!, secondID = UUID(uuidString: second)!
            XCTAssertEqual(seqs[firstID], Array(2...88), "after the one message before the batch")
            XCTAssertEqual(seqs[secondID], Array(1...44))
            XCTAssertEqual(events[secondID], Array((events[secondID]!.first!)...(events[secondID]!.first! + 43)))
            XCTAssertEqual(events[firstID], Array((events[firstID]!.first!)...(events[firstID]!.first! + 86)))
            let counters = try await ctx.store.sql.raw("SELECT id, last_seq, last_event FROM chats WHERE id IN (\(bind: first), \(bind: second))")
                .all().map { (try $0.decode(column: "id", as: String.self),
                              try $0.decode(column: "last_seq", as: Int.self), try $0.decode(column: "last_event", as: Int.self)) }
            for (id, lastSeq, lastEvent) in counters {
                let chatID = UUID(uuidString: id)!
                XCTAssertEqual(lastSeq, seqs[chatID]!.last!)
                XCTAssertEqual(lastEvent, events[chatID]!.last!)
            }
            let logged = try await ctx.store.sql.raw("SELECT COUNT(*) AS n FROM chat_events WHERE type = 'message.created' AND chat_id IN (\(bind: first), \(bind: second))")
                .first()!.decode(column: "n", as: Int.self)
            XCTAssertEqual(logged, 132)
            // The teacher has read up to their last message; the student has 88 + 44 unread.
            let teacherChats = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: teacher.token).json["items"] as! [[String: Any]]
            let studentChats = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: student.token).json["items"] as! [[String: Any]]
            func unread(_ list: [[String: Any]], _ id: String) -> Int? { list.first { $0["id"] as? String == id }?["unread"] as? Int }
            XCTAssertEqual(unread(teacherChats, first), 0)
            XCTAssertEqual(unread(teacherChats, second), 0)
            XCTAssertEqual(unread(studentChats, first), 88)
            XCTAssertEqual(unread(studentChats, second), 44)
            // Every message of the batch is in the full-text index, once («ё» read as «е»).
            func found(_ q: String) async throws -> [String] {
                let reply = try await h.request(.GET, "/api/v1/schools/\(school)/search?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                                token: student.token)
                XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
                return (reply.json["items"] as? [[String: Any]] ?? []).map { ($0["message"] as! [String: Any])["text"] as! String }
            }
            for (i, send) in sends.enumerated() {
                let hits = try await found("к\(i)щ")
                XCTAssertEqual(hits, [send.text])
            }
            let many = try await found("ежик")
            XCTAssertEqual(many.count, SearchService.limit)
        }
    }

    /// Safe mode in the people finder: children and parents find staff only, by name only.
    func testTheDirectoryFindsByNameAndKeepsChildrenSafe() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Орлова Нина Петровна")
            let unconfirmed = try await h.person(school, .teacher, verified: false, name: "Новикова Ольга")
            let student = try await h.person(school, .student, name: "Соколов Миша")
            _ = try await h.person(school, .student, name: "Орлов Артём")
            let parent = try await h.person(school, .parent, name: "Соколова Ирина")
            func names(_ token: String, _ q: String = "") async throws -> Set<String> {
                let reply = try await h.request(.GET, "/api/v1/schools/\(school)/directory?q=\(q.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", token: token)
                XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
                return Set((reply.json["items"] as? [[String: Any]] ?? []).map { $0["fullName"] as! String })
            }
            let byStudent = try await names(student.token, "орлов")
            XCTAssertEqual(byStudent, ["Орлова Нина Петровна"], "a student finds staff, not other children")
            let byParent = try await names(parent.token)
            XCTAssertFalse(byParent.contains("Соколов Миша"))
            XCTAssertFalse(byParent.contains("Новикова Ольга"), "an unconfirmed teacher is not offered")
            let byUnconfirmed = try await names(unconfirmed.token, "орлов")
            XCTAssertEqual(byUnconfirmed, ["Орлова Нина Петровна"])
            let byTeacher = try await names(teacher.token, "ОРЛОВ")
            XCTAssertEqual(byTeacher, ["Орлов Артём"], "case and «ё» ignored; not oneself")
            let byAdmin = try await names(admin, "соколов")
            XCTAssertEqual(byAdmin, ["Соколов Миша", "Соколова Ирина"])
            // Never by phone or email.
            let byPhone = try await names(admin, "912")
            XCTAssertTrue(byPhone.isEmpty)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/directory?q=орлов", token: otherAdmin)
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/directory?role=king", token: admin)
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

/// Reports, mutes, read-only chats, chat admins (PRODUCT.md flow 11).
final class ModerationTests: XCTestCase {
    func testReportsReachModeratorsKeepTheOriginalAndLeadToMutesAndRemovals() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let bully = try await h.person(school, .student, name: "Задира")
            let victim = try await h.person(school, .student, name: "Тихоня")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [bully, victim])
            let sent = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: bully.token, json: ["text": "Обидные слова"])
            let message = sent.json["id"] as! String

            // Report: any reader but the author; once per person; the original text is kept.
            try await h.expect(.conflict, .POST, "/api/v1/messages/\(message)/report", token: bully.token, json: ["reason": "bullying"])
            try await h.expect(.badRequest, .POST, "/api/v1/messages/\(message)/report", token: victim.token, json: ["reason": "boring"])
            for token in [outsider.token, otherAdmin] {
                try await h.expect(.notFound, .POST, "/api/v1/messages/\(message)/report", token: token, json: ["reason": "bullying"])
            }
            let reported = try await h.request(.POST, "/api/v1/messages/\(message)/report", token: victim.token,
                                               json: ["reason": "bullying", "comment": "уже не первый раз"])
            XCTAssertEqual(reported.status, .created, String(buffer: reported.body))
            let reportID = reported.json["id"] as! String
            try await h.expect(.ok, .PATCH, "/api/v1/messages/\(message)", token: bully.token, json: ["text": "Ничего такого"])

            // The queue: the school's administrators and the chat's owner; nobody else.
            for token in [admin, teacher.token] {
                let queue = try await h.request(.GET, "/api/v1/schools/\(school)/reports?status=open", token: token).json["items"] as! [[String: Any]]
                XCTAssertEqual(queue.count, 1)
                XCTAssertEqual(queue.first?["originalText"] as? String, "Обидные слова")
                XCTAssertEqual(queue.first?["currentText"] as? String, "Ничего такого")
            }
            let notMine = try await h.request(.GET, "/api/v1/schools/\(school)/reports", token: victim.token).json["items"] as! [Any]
            XCTAssertTrue(notMine.isEmpty)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/reports", token: otherAdmin)
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/reports?status=maybe", token: admin)

            // Resolve: not by a reader or a stranger; the administrator (not in the chat) mutes the author.
            for token in [victim.token, outsider.token, otherAdmin] {
                try await h.expect(.notFound, .POST, "/api/v1/reports/\(reportID)/resolve", token: token, json: ["action": "mute"])
            }
            let resolved = try await h.request(.POST, "/api/v1/reports/\(reportID)/resolve", token: admin, json: ["action": "mute", "minutes": 30])
            XCTAssertEqual(resolved.json["status"] as? String, "resolved")
            XCTAssertEqual(resolved.json["resolution"] as? String, "mute")
            try await h.expect(.conflict, .POST, "/api/v1/reports/\(reportID)/resolve", token: admin, json: ["action": "delete"])
            let mutedView = try await h.request(.GET, "/api/v1/chats/\(chat)", token: bully.token)
            XCTAssertNotNil(mutedView.json["mutedUntil"])
            let refused = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: bully.token, json: ["text": "А если так?"])
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["code"] as? String, "muted")
            try await h.expect(.forbidden, .PATCH, "/api/v1/messages/\(message)", token: bully.token, json: ["text": "а если исправить?"])
            try await h.expect(.forbidden, .DELETE, "/api/v1/chats/\(chat)/members/\(bully.id)/mute", token: victim.token)
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(bully.id)/mute", token: teacher.token)
            try await h.expect(.created, .POST, "/api/v1/chats/\(chat)/messages", token: bully.token, json: ["text": "Извините"])

            // A second report, resolved by deleting: the report still shows what was said.
            let second = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: bully.token, json: ["text": "Снова грубость"]).json["id"] as! String
            let r2 = try await h.request(.POST, "/api/v1/messages/\(second)/report", token: victim.token, json: ["reason": "insult"]).json["id"] as! String
            let deleted = try await h.request(.POST, "/api/v1/reports/\(r2)/resolve", token: teacher.token, json: ["action": "delete"])
            XCTAssertEqual(deleted.json["messageDeleted"] as? Bool, true)
            XCTAssertEqual(deleted.json["originalText"] as? String, "Снова грубость")
            // A third, resolved by removing the author from the chat.
            let third = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: bully.token, json: ["text": "И ещё"]).json["id"] as! String
            let r3 = try await h.request(.POST, "/api/v1/messages/\(third)/report", token: victim.token, json: ["reason": "spam"]).json["id"] as! String
            try await h.expect(.ok, .POST, "/api/v1/reports/\(r3)/resolve", token: teacher.token, json: ["action": "remove"])
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(chat)/messages", token: bully.token)
            // …and cannot come back by the chat's link.
            let link = try await h.request(.POST, "/api/v1/chats/\(chat)/invites", token: teacher.token, json: [:]).json["token"] as! String
            try await h.expect(.forbidden, .POST, "/api/v1/chat-join/\(link)", token: bully.token)
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(chat)/messages", token: bully.token)

            // Read-only mode and chat admins: the owner decides; a member cannot.
            try await h.expect(.forbidden, .PATCH, "/api/v1/chats/\(chat)", token: victim.token, json: ["readOnly": true])
            try await h.expect(.notFound, .PATCH, "/api/v1/chats/\(chat)", token: otherAdmin, json: ["readOnly": true])
            let ro = try await h.request(.PATCH, "/api/v1/chats/\(chat)", token: teacher.token, json: ["readOnly": true, "title": "5Б — объявления"])
            XCTAssertEqual(ro.json["readOnly"] as? Bool, true)
            XCTAssertEqual(ro.json["title"] as? String, "5Б — объявления")
            try await h.expect(.forbidden, .POST, "/api/v1/chats/\(chat)/messages", token: victim.token, json: ["text": "можно?"])
            try await h.expect(.forbidden, .PUT, "/api/v1/chats/\(chat)/members/\(victim.id)/role", token: victim.token, json: ["role": "admin"])
            try await h.expect(.badRequest, .PUT, "/api/v1/chats/\(chat)/members/\(victim.id)/role", token: teacher.token, json: ["role": "owner"])
            try await h.expect(.noContent, .PUT, "/api/v1/chats/\(chat)/members/\(victim.id)/role", token: teacher.token, json: ["role": "admin"])
            try await h.expect(.created, .POST, "/api/v1/chats/\(chat)/messages", token: victim.token, json: ["text": "Теперь я модератор"])
            try await h.expect(.conflict, .PUT, "/api/v1/chats/\(chat)/members/\(teacher.id)/mute", token: victim.token, json: ["minutes": 5])
            try await h.expect(.badRequest, .PUT, "/api/v1/chats/\(chat)/members/\(victim.id)/mute", token: teacher.token, json: ["minutes": -1])
        }
    }
}

/// Chats from templates (§2.2, §2.3): made in one action, filled from the roster, in step with it.
final class ChatTemplateTests: XCTestCase {
    func testClassChatsFollowTheRosterThroughTransferAndLeaving() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let classes = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А, 5Б"])
                .json["items"] as! [[String: Any]]
            let a = classes.first { $0["name"] as? String == "5А" }!["id"] as! String
            let b = classes.first { $0["name"] as? String == "5Б" }!["id"] as! String
            let homeroom = try await h.person(school, .teacher, name: "Классная Руководительница")
            let otherTeacher = try await h.person(school, .teacher, name: "Другой Учитель")
            let unconfirmed = try await h.person(school, .teacher, verified: false, name: "Новый Учитель")
            let student = try await h.person(school, .student, name: "Просто Ученик")
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(a)/homeroom", token: admin, json: ["teacherId": homeroom.id])
            var pupils: [String] = []
            for name in ["Иванов Пётр", "Петрова Анна", "Сидоров Олег"] {
                pupils.append(try await h.request(.POST, "/api/v1/classes/\(a)/students", token: admin, json: ["fullName": name]).json["userId"] as! String)
            }
            let inB = try await h.request(.POST, "/api/v1/classes/\(b)/students", token: admin, json: ["fullName": "Кузнецова Ира"]).json["userId"] as! String

            // The homeroom teacher sees the class's templates; makes the students' chat in one action.
            let templates = try await h.request(.GET, "/api/v1/schools/\(school)/chat-templates", token: homeroom.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(templates.compactMap { $0["title"] as? String }), ["5А — ученики", "5А — родители", "5А — учителя класса", "Класс — предмет"])
            let made = try await h.request(.POST, "/api/v1/schools/\(school)/chat-templates", token: homeroom.token,
                                           json: ["template": "class_students", "classId": a])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            XCTAssertEqual(made.json["title"] as? String, "5А — ученики")
            XCTAssertEqual(made.json["memberCount"] as? Int, 4)
            let chat = made.json["id"] as! String
            let again = try await h.request(.POST, "/api/v1/schools/\(school)/chat-templates", token: homeroom.token,
                                            json: ["template": "class_students", "classId": a])
            XCTAssertEqual(again.json["id"] as? String, chat, "the same template again is the same chat")
            // A subject chat of 5Б by its physics teacher (by the assignments); not for a subject she does not teach there.
            let subjects = try await h.request(.GET, "/api/v1/schools/\(school)/subjects", token: admin).json["items"] as! [[String: Any]]
            let physicsSubject = subjects.first { $0["name"] as? String == "Физика" }!["id"] as! String
            try await h.expect(.created, .POST, "/api/v1/schools/\(school)/assignments", token: admin,
                               json: ["classId": b, "subjectId": physicsSubject, "teacherId": otherTeacher.id])
            let chemistry = try await h.request(.POST, "/api/v1/schools/\(school)/chat-templates", token: otherTeacher.token,
                                                json: ["template": "subject", "classId": b, "subject": "Химия"])
            XCTAssertEqual(chemistry.errorCode, "not_subject_teacher")
            let physics = try await h.request(.POST, "/api/v1/schools/\(school)/chat-templates", token: otherTeacher.token,
                                              json: ["template": "subject", "classId": b, "subject": "Физика"])
            XCTAssertEqual(physics.json["title"] as? String, "5Б — Физика")
            let physicsID = physics.json["id"] as! String

            func members(_ chat: String, _ token: String) async throws -> Set<String> {
                Set((try await h.request(.GET, "/api/v1/chats/\(chat)/members", token: token).json["items"] as! [[String: Any]])
                    .map { ($0["userId"] as! String).lowercased() })
            }
            let startA = try await members(chat, homeroom.token)
            XCTAssertEqual(startA, Set((pupils + [homeroom.id]).map { $0.lowercased() }))
            let startB = try await members(physicsID, otherTeacher.token)
            XCTAssertEqual(startB, Set([inB, otherTeacher.id].map { $0.lowercased() }))

            // Transfer: the student leaves 5А's chat and joins 5Б's at once.
            try await h.expect(.ok, .POST, "/api/v1/schools/\(school)/members/\(pupils[0])/transfer", token: admin, json: ["classId": b])
            let afterA = try await members(chat, homeroom.token)
            XCTAssertFalse(afterA.contains(pupils[0].lowercased()))
            let afterB = try await members(physicsID, otherTeacher.token)
            XCTAssertTrue(afterB.contains(pupils[0].lowercased()))
            // A new student of 5А joins its chat; one who leaves the school leaves every chat of it.
            let newcomer = try await h.request(.POST, "/api/v1/classes/\(a)/students", token: admin, json: ["fullName": "Новиков Илья"]).json["userId"] as! String
            let withNewcomer = try await members(chat, homeroom.token)
            XCTAssertTrue(withNewcomer.contains(newcomer.lowercased()))
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(pupils[1])/remove", token: admin, json: [:])
            let afterLeaving = try await members(chat, homeroom.token)
            XCTAssertFalse(afterLeaving.contains(pupils[1].lowercased()))
            // Removed by the chat's moderator, a student stays out when the roster is brought in line
            // again (here: transferred away and back), until a moderator adds them again.
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(pupils[2])", token: homeroom.token)
            try await h.expect(.ok, .POST, "/api/v1/schools/\(school)/members/\(pupils[2])/transfer", token: admin, json: ["classId": b])
            try await h.expect(.ok, .POST, "/api/v1/schools/\(school)/members/\(pupils[2])/transfer", token: admin, json: ["classId": a])
            let stillOut = try await members(chat, homeroom.token)
            XCTAssertFalse(stillOut.contains(pupils[2].lowercased()))
            try await RosterChats.syncSchool(h.app.parta.context, schoolID: UUID(uuidString: school)!)   // as an import or a new year does
            let afterSchoolSync = try await members(chat, homeroom.token)
            XCTAssertFalse(afterSchoolSync.contains(pupils[2].lowercased()))
            XCTAssertTrue(afterSchoolSync.contains(newcomer.lowercased()))
            let inPhysics = try await members(physicsID, otherTeacher.token)
            XCTAssertFalse(inPhysics.contains(pupils[2].lowercased()), "left 5Б's chat when transferred back")
            try await h.expect(.ok, .POST, "/api/v1/chats/\(chat)/members", token: homeroom.token, json: ["userIds": [pupils[2]]])
            let back = try await members(chat, homeroom.token)
            XCTAssertTrue(back.contains(pupils[2].lowercased()))
            // The owner leaves: the chat passes to the school's administrator.
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(otherTeacher.id)/remove", token: admin, json: [:])
            let owned = try await h.request(.GET, "/api/v1/chats/\(physicsID)", token: admin)
            XCTAssertEqual(owned.json["role"] as? String, "owner")

            // Refused: a student, a teacher for a class not theirs, an unconfirmed teacher's subject
            // chat, another school's administrator (not found); picking people for a roster chat.
            let before = try await h.count("chats")
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(school)/chat-templates", token: student.token, json: ["template": "director_teachers"])
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(school)/chat-templates", token: homeroom.token,
                               json: ["template": "class_parents", "classId": b])
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(school)/chat-templates", token: unconfirmed.token,
                               json: ["template": "subject", "classId": a, "subject": "Химия"])
            try await h.expect(.notFound, .POST, "/api/v1/schools/\(school)/chat-templates", token: otherAdmin,
                               json: ["template": "director_teachers"])
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/chat-templates", token: otherAdmin)
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(school)/chat-templates", token: admin,
                               json: ["template": "director_teachers", "memberIds": [student.id]])
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(school)/chat-templates", token: admin, json: ["template": "nope"])
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(school)/chat-templates", token: admin, json: ["template": "class_students"])
            try await h.expect(.badRequest, .POST, "/api/v1/schools/\(school)/chat-templates", token: admin,
                               json: ["template": "director_student_activists", "memberIds": [homeroom.id]])
            let after = try await h.count("chats")
            XCTAssertEqual(before, after)

            // The director's chat with the teachers follows the school's confirmed teachers.
            let staff = try await h.request(.POST, "/api/v1/schools/\(school)/chat-templates", token: admin, json: ["template": "director_teachers"])
            let staffMembers = try await members(staff.json["id"] as! String, admin)
            XCTAssertTrue(staffMembers.contains(homeroom.id.lowercased()))
            XCTAssertFalse(staffMembers.contains(unconfirmed.id.lowercased()), "not before confirmation")
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(unconfirmed.id)/verify-teacher", token: admin)
            let confirmed = try await members(staff.json["id"] as! String, admin)
            XCTAssertTrue(confirmed.contains(unconfirmed.id.lowercased()), "confirmed: joins")
        }
    }
}

extension ChatTemplateTests {
    /// «5А — учителя класса» follows the teaching assignments and the homeroom (issue 14): a teacher
    /// given a subject in 5А joins, one whose last assignment there ends leaves, and nobody is picked.
    func testTheClassTeachersChatFollowsTheAssignments() async throws {
        try await withHarness { h in
            let w = try await h.journalWorld()
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/homeroom", token: w.admin, json: ["teacherId": w.teacher.id])
            func members(_ chat: String) async throws -> Set<String> {
                Set((try await h.request(.GET, "/api/v1/chats/\(chat)/members", token: w.teacher.token).json["items"] as! [[String: Any]])
                    .map { ($0["userId"] as! String).lowercased() })
            }
            let refused = try await h.request(.POST, "/api/v1/schools/\(w.school)/chat-templates", token: w.teacher.token,
                                              json: ["template": "class_teachers", "classId": w.classA, "memberIds": [w.colleague.id]])
            XCTAssertEqual(refused.status, .badRequest, "the members follow the assignments: nobody is picked")
            let made = try await h.request(.POST, "/api/v1/schools/\(w.school)/chat-templates", token: w.teacher.token,
                                           json: ["template": "class_teachers", "classId": w.classA])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            XCTAssertEqual(made.json["rosterBound"] as? Bool, true)
            let chat = made.json["id"] as! String
            let atStart = try await members(chat)
            XCTAssertEqual(atStart, [w.teacher.id.lowercased()])

            // Given mathematics in 5А: joins at once; the same teacher in 5Б changes nothing here.
            let math = try await h.request(.POST, "/api/v1/schools/\(w.school)/assignments", token: w.admin,
                                           json: ["classId": w.classA, "subjectId": w.math, "teacherId": w.colleague.id])
            XCTAssertEqual(math.status, .created, String(buffer: math.body))
            try await h.expect(.created, .POST, "/api/v1/schools/\(w.school)/assignments", token: w.admin,
                               json: ["classId": w.classB, "subjectId": w.russian, "teacherId": w.colleague.id])
            let withColleague = try await members(chat)
            XCTAssertEqual(withColleague, [w.teacher.id.lowercased(), w.colleague.id.lowercased()])
            // Not a teacher of the class, not confirmed: not on the roster.
            XCTAssertFalse(withColleague.contains(w.fresh.id.lowercased()))

            // The assignment removed: leaves (the 5Б one does not keep them in 5А's chat).
            try await h.expect(.noContent, .DELETE, "/api/v1/assignments/\(math.json["id"] as! String)", token: w.admin)
            let afterRemoval = try await members(chat)
            XCTAssertEqual(afterRemoval, [w.teacher.id.lowercased()])

            // A new homeroom teacher joins (the one before, the chat's owner, stays its owner).
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/homeroom", token: w.admin, json: ["teacherId": w.colleague.id])
            let withNewHomeroom = try await members(chat)
            XCTAssertEqual(withNewHomeroom, [w.teacher.id.lowercased(), w.colleague.id.lowercased()])
            // Confirmed later and given a subject in 5А: the new teacher joins then.
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(w.school)/members/\(w.fresh.id)/verify-teacher", token: w.admin)
            let confirmedOnly = try await members(chat)
            XCTAssertFalse(confirmedOnly.contains(w.fresh.id.lowercased()), "confirmed, but teaches nothing in 5А")
            try await h.expect(.created, .POST, "/api/v1/schools/\(w.school)/assignments", token: w.admin,
                               json: ["classId": w.classA, "subjectId": w.russian, "teacherId": w.fresh.id])
            let withNewTeacher = try await members(chat)
            XCTAssertTrue(withNewTeacher.contains(w.fresh.id.lowercased()))
        }
    }
}

/// Chat invite links (§2.5, §2.6).
final class ChatInviteTests: XCTestCase {
    func testStudentsAndParentsJoinByALinkWithinItsLimits() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let unconfirmed = try await h.person(school, .teacher, verified: false, name: "Новый Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let parent = try await h.person(school, .parent, name: "Родитель")
            let late = try await h.person(school, .student, name: "Опоздавший")
            let chat = try await h.chat(school, teacher, kind: "group", title: "Кружок робототехники", members: [])
            let base = "/api/v1/chats/\(chat)/invites"

            try await h.expect(.notFound, .POST, base, token: student.token, json: [:])   // not a member yet
            try await h.expect(.badRequest, .POST, base, token: teacher.token, json: ["expiresInHours": 0])
            try await h.expect(.badRequest, .POST, base, token: teacher.token, json: ["maxUses": 0])
            let made = try await h.request(.POST, base, token: teacher.token, json: ["maxUses": 2, "expiresInHours": 24])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            let token = made.json["token"] as! String
            XCTAssertTrue((made.json["url"] as! String).hasSuffix("#/chat-join/\(token)"))

            let preview = try await h.request(.GET, "/api/v1/chat-join/\(token)", token: student.token)
            XCTAssertEqual(preview.json["title"] as? String, "Кружок робототехники")
            XCTAssertEqual(preview.json["member"] as? Bool, false)
            let joined = try await h.request(.POST, "/api/v1/chat-join/\(token)", token: student.token)
            XCTAssertEqual(joined.status, .ok, String(buffer: joined.body))
            XCTAssertEqual(joined.json["role"] as? String, "member")
            _ = try await h.request(.POST, "/api/v1/chat-join/\(token)", token: student.token)   // again: no use spent
            try await h.expect(.ok, .POST, "/api/v1/chat-join/\(token)", token: parent.token)
            let used = try await h.request(.POST, "/api/v1/chat-join/\(token)", token: late.token)
            XCTAssertEqual(used.status, .gone)
            XCTAssertEqual((used.json["error"] as? [String: Any])?["code"] as? String, "invite_used_up")
            try await h.expect(.created, .POST, "/api/v1/chats/\(chat)/messages", token: parent.token, json: ["text": "Спасибо!"])

            // Another school's people: not found. Revoked and expired: gone.
            let open = try await h.request(.POST, base, token: teacher.token, json: [:]).json
            try await h.expect(.notFound, .GET, "/api/v1/chat-join/\(open["token"] as! String)", token: otherAdmin)
            try await h.expect(.notFound, .POST, "/api/v1/chat-join/\(open["token"] as! String)", token: otherAdmin)
            try await h.expect(.notFound, .GET, "/api/v1/chat-join/not-a-real-token-at-all-000", token: late.token)
            try await h.expect(.notFound, .DELETE, "/api/v1/chat-invites/\(open["id"] as! String)", token: otherAdmin)
            try await h.expect(.notFound, .DELETE, "/api/v1/chat-invites/\(open["id"] as! String)", token: student.token)
            let revoked = try await h.request(.DELETE, "/api/v1/chat-invites/\(open["id"] as! String)", token: teacher.token)
            XCTAssertEqual(revoked.json["active"] as? Bool, false)
            try await h.expect(.gone, .POST, "/api/v1/chat-join/\(open["token"] as! String)", token: late.token)
            let short = try await h.request(.POST, base, token: teacher.token, json: ["expiresInHours": 1]).json["token"] as! String
            h.clock.advance(3601)
            try await h.expect(.gone, .POST, "/api/v1/chat-join/\(short)", token: late.token)
            let list = try await h.request(.GET, base, token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(list.count, 3)
            try await h.expect(.forbidden, .GET, base, token: student.token)
            try await h.expect(.notFound, .GET, base, token: otherAdmin)

            // A link made by a chat admin stops working when they are no longer one.
            let helper = try await h.person(school, .teacher, name: "Второй Учитель")
            try await h.expect(.ok, .POST, "/api/v1/chats/\(chat)/members", token: teacher.token, json: ["userIds": [helper.id]])
            try await h.expect(.noContent, .PUT, "/api/v1/chats/\(chat)/members/\(helper.id)/role", token: teacher.token, json: ["role": "admin"])
            let helpers = try await h.request(.POST, base, token: helper.token, json: [:]).json["token"] as! String
            try await h.expect(.ok, .GET, "/api/v1/chat-join/\(helpers)", token: late.token)
            try await h.expect(.noContent, .PUT, "/api/v1/chats/\(chat)/members/\(helper.id)/role", token: teacher.token, json: ["role": "member"])
            try await h.expect(.gone, .POST, "/api/v1/chat-join/\(helpers)", token: late.token)

            // Removed by a moderator: the link does not let them back in (the preview says so), until a
            // moderator adds them again. Leaving on one's own: the link works again.
            let again = try await h.request(.POST, base, token: teacher.token, json: [:]).json["token"] as! String
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(student.id)", token: teacher.token)
            let barred = try await h.request(.GET, "/api/v1/chat-join/\(again)", token: student.token)
            XCTAssertEqual(barred.json["removed"] as? Bool, true)
            XCTAssertEqual(barred.json["member"] as? Bool, false)
            let refused = try await h.request(.POST, "/api/v1/chat-join/\(again)", token: student.token)
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["code"] as? String, "removed_from_chat")
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(chat)/messages", token: student.token)
            let uses = try await h.request(.GET, base, token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(uses.first { $0["token"] as? String == again }?["uses"] as? Int, 0, "a refused join spends no use")
            try await h.expect(.ok, .POST, "/api/v1/chats/\(chat)/members", token: teacher.token, json: ["userIds": [student.id]])
            try await h.expect(.noContent, .DELETE, "/api/v1/chats/\(chat)/members/\(student.id)", token: student.token)   // leaves
            let back = try await h.request(.GET, "/api/v1/chat-join/\(again)", token: student.token)
            XCTAssertEqual(back.json["removed"] as? Bool, false)
            try await h.expect(.ok, .POST, "/api/v1/chat-join/\(again)", token: student.token)

            // An unconfirmed teacher's own chat: no links for students.
            let own = try await h.chat(school, unconfirmed, kind: "group", title: "Учителя", members: [])
            try await h.expect(.forbidden, .POST, "/api/v1/chats/\(own)/invites", token: unconfirmed.token, json: [:])
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

    /// `{"type":"send"}` over the socket: the same service and rules as `POST …/messages`, answered
    /// by `sent` (a resent frame stores one message) or `send.failed` with the HTTP status.
    func testSendingOverTheSocket() async throws {
        try await withHarness(rules: AuthRules(messagesPerMinute: 4)) { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let port = try await h.startServer()
            func socket(_ token: String) async throws -> (WebSocket, Probe) {
                let probe = Probe()
                let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(token)"], probe: probe)
                try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
                return (ws, probe)
            }
            func answer(_ probe: Probe, _ clientID: String) async throws -> [String: Any] {
                var found: [String: Any]?
                try await waitUntil {
                    found = self.frames(probe).lazy.compactMap { f -> [String: Any]? in
                        guard f.type == "sent" || f.type == "send.failed",
                              let json = try? JSONSerialization.jsonObject(with: Data(f.raw.utf8)) as? [String: Any],
                              json["clientId"] as? String == clientID else { return nil }
                        return json
                    }.first
                    return found != nil
                }
                return found ?? [:]
            }
            let (teacherWS, teacherProbe) = try await socket(teacher.token)
            let (_, studentProbe) = try await socket(student.token)

            try await teacherWS.send(#"{"type":"send","chatId":"\#(chatID)","clientId":"a1","text":"По сокету <b>жирно</b>"}"#)
            let sent = try await answer(teacherProbe, "a1")
            XCTAssertEqual(sent["type"] as? String, "sent")
            let message = try XCTUnwrap(sent["message"] as? [String: Any])
            XCTAssertEqual(message["text"] as? String, "По сокету <b>жирно</b>")
            XCTAssertEqual(message["authorName"] as? String, "Учитель")
            try await waitUntil { self.chatFrames(studentProbe, chatID).contains { $0.type == "message.created" && $0.raw.contains("По сокету") } }

            // The same frame again: the same message, stored once.
            try await teacherWS.send(#"{"type":"send","chatId":"\#(chatID)","clientId":"a1","text":"По сокету <b>жирно</b>"}"#)
            try await waitUntil { self.frames(teacherProbe).filter { $0.type == "sent" }.count == 2 }
            let answers = frames(teacherProbe).filter { $0.type == "sent" }.map { $0.raw }
            XCTAssertEqual(answers[0], answers[1])
            let items = try await h.request(.GET, "/api/v1/chats/\(chatID)/messages", token: student.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(items.filter { $0["text"] as? String == "По сокету <b>жирно</b>" }.count, 1)

            // Not a member, another school: 404 as over HTTP, nothing stored. A bad clientId: 400.
            for token in [outsider.token, otherAdmin] {
                let (ws, probe) = try await socket(token)
                try await ws.send(#"{"type":"send","chatId":"\#(chatID)","clientId":"x","text":"Чужое"}"#)
                let refused = try await answer(probe, "x")
                XCTAssertEqual(refused["type"] as? String, "send.failed")
                XCTAssertEqual(refused["status"] as? Int, 404)
                XCTAssertEqual((refused["error"] as? [String: Any])?["code"] as? String, "not_found")
            }
            try await teacherWS.send(#"{"type":"send","chatId":"\#(chatID)","text":"Без clientId"}"#)
            try await waitUntil { self.frames(teacherProbe).contains { $0.type == "send.failed" && $0.raw.contains("invalid_client_id") } }
            let after = try await h.request(.GET, "/api/v1/chats/\(chatID)/messages", token: student.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(after.count, items.count)

            // Too fast: 429 with the seconds to wait (4 a minute here; one sent above).
            for i in 2...4 {
                try await teacherWS.send(#"{"type":"send","chatId":"\#(chatID)","clientId":"r\#(i)","text":"Ещё \#(i)"}"#)
                _ = try await answer(teacherProbe, "r\(i)")
            }
            try await teacherWS.send(#"{"type":"send","chatId":"\#(chatID)","clientId":"r5","text":"Слишком"}"#)
            let limited = try await answer(teacherProbe, "r5")
            XCTAssertEqual(limited["status"] as? Int, 429)
            XCTAssertNotNil(limited["retryAfter"] as? Int)
        }
    }

    /// Many sends at once into two chats (several batches, written while earlier ones are still being
    /// published): a member's socket gets each message once, numbered one after another.
    func testManySendsAtOnceArriveOnceAndInOrder() async throws {
        try await withHarness(rules: AuthRules(messagesPerMinute: 1_000)) { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chats = [try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student]),
                         try await h.chat(school, teacher, kind: "group", title: "6В", members: [student])]
            // What the services publish, in the order they publish it (the sockets' cursors would
            // hide events published out of order or twice; this does not).
            let published = NIOLockedValueBox<[UUID: [Int]]>([:])
            h.app.parta.context.events.subscribe { event in
                if case let .chat(e) = event, e.type == "message.created" { published.withLockedValue { $0[e.chatID, default: []].append(e.seq) } }
            }
            let port = try await h.startServer()
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: probe)
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            var starts: [String: Int] = [:]
            for chat in chats {
                starts[chat] = try await h.request(.GET, "/api/v1/chats/\(chat)", token: student.token).json["lastEvent"] as? Int
            }
            let perChat = 40
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<perChat * 2 {
                    group.addTask {
                        let reply = try await h.request(.POST, "/api/v1/chats/\(chats[i % 2])/messages", token: teacher.token,
                                                        json: ["text": "Сообщение \(i)", "clientId": "c\(i)"])
                        XCTAssertEqual(reply.status, .created)
                    }
                }
                try await group.waitForAll()
            }
            for chat in chats {
                try await waitUntil { self.chatFrames(probe, chat).count >= perChat }
                let start = starts[chat]!
                XCTAssertEqual(chatFrames(probe, chat).map(\.seq), Array(start + 1...start + perChat).map(Optional.some))
                XCTAssertEqual(published.withLockedValue { $0[UUID(uuidString: chat)!] }, Array(start + 1...start + perChat),
                               "published once each, in commit order")
            }
            try await ws.close().get()
        }
    }

    func testAReconnectGetsExactlyWhatItMissedInOrder() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [student])
            let gone = try await h.chat(school, teacher, kind: "group", title: "Кружок", members: [student])
            let port = try await h.startServer()
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

            // A replayed removal names who left (so a catch-up ends that person's subscription too).
            let replayed = try await ChatEventLog.replay(chatID: UUID(uuidString: gone)!, after: 0, on: h.app.parta.context.store.db)
            guard case let .events(goneEvents) = replayed else { return XCTFail("no replay") }
            XCTAssertEqual(goneEvents.last?.left.map { $0.uuidString.lowercased() }, [student.id.lowercased()])

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

    /// Closed sockets leave nothing behind in the hub (the gauge at /metrics goes back to 0), also
    /// when they close at once, right after connecting.
    func testClosedSocketsAreForgotten() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let student = try await h.person(school, .student, name: "Ученик")
            let port = try await h.startServer()
            var sockets: [WebSocket] = []
            for _ in 0..<10 { sockets.append(try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: Probe())) }
            func gauge() async throws -> String {
                let text = String(buffer: try await h.request(.GET, "/metrics").body)
                return text.split(separator: "\n").first { $0.hasPrefix("parta_websocket_connections ") }.map(String.init) ?? ""
            }
            try await Task.sleep(nanoseconds: 300_000_000)
            let open = try await gauge()
            XCTAssertEqual(open, "parta_websocket_connections 10.0")
            for ws in sockets { try await ws.close().get() }
            // Sockets that close the instant they open.
            for _ in 0..<5 { try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: Probe()).close().get() }
            let deadline = Date().addingTimeInterval(5)
            var last = ""
            while Date() < deadline {
                last = try await gauge()
                if last == "parta_websocket_connections 0.0" { break }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            XCTAssertEqual(last, "parta_websocket_connections 0.0")
        }
    }

    /// Presence: the other person of a direct chat sees one come online and go; only they.
    func testPresenceReachesTheOtherPersonOfADirectChat() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let outsider = try await h.person(school, .student, name: "Посторонний")
            let chat = try await h.chat(school, student, kind: "direct", members: [teacher])
            let port = try await h.startServer()
            let watcher = Probe(), stranger = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(teacher.token)"], probe: watcher)
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(outsider.token)"], probe: stranger)
            try await waitUntil { self.frames(watcher).contains { $0.type == "hello" } && self.frames(stranger).contains { $0.type == "hello" } }
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: probe)
            try await waitUntil { self.frames(watcher).contains { $0.type == "presence" && $0.raw.contains("true") } }
            let online = try await h.request(.GET, "/api/v1/chats/\(chat)/online", token: teacher.token).json["items"] as! [String]
            XCTAssertEqual(Set(online.map { $0.lowercased() }), Set([teacher.id, student.id].map { $0.lowercased() }))
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(chat)/online", token: outsider.token)
            let group = try await h.chat(school, teacher, kind: "group", title: "Группа", members: [student])
            let groupOnline = try await h.request(.GET, "/api/v1/chats/\(group)/online", token: teacher.token).json["items"] as! [String]
            XCTAssertTrue(groupOnline.isEmpty, "presence is for direct chats")
            try await h.expect(.notFound, .GET, "/api/v1/chats/\(chat)/online", token: otherAdmin)
            try await ws.close().get()
            try await waitUntil { self.frames(watcher).contains { $0.type == "presence" && $0.raw.contains("false") } }
            XCTAssertFalse(frames(stranger).contains { $0.type == "presence" })
        }
    }

    /// A member removed from a chat gets that event and nothing more; one added starts receiving at
    /// once, from the event that added them.
    func testJoiningAndLeavingAChatMovesTheSubscriptionAtOnce() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б — Физика", members: [])
            let sentinel = try await h.chat(school, teacher, kind: "group", title: "Классный час", members: [student])
            let port = try await h.startServer()
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
            // A later event of a chat they still read: once it has arrived, the message before it would have too.
            try await h.expect(.created, .POST, "/api/v1/chats/\(sentinel)/messages", token: teacher.token, json: ["text": "Сигнал"])
            try await waitUntil { self.frames(probe).contains { $0.raw.contains("Сигнал") } }
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
