import FluentKit
import Foundation
@testable import PartaCore
@testable import PartaServer
import SQLKit
import XCTest
import XCTVapor

/// Message search by the forms of a word (Russian stemming), on SQLite (our stemmer, in the
/// full-text table through `parta_stem`) and on PostgreSQL (`to_tsvector('russian')`) alike.
final class MessageSearchTests: XCTestCase {
    struct Search {
        let h: TestHarness
        let school: String
        let token: String

        func ids(_ q: String, file: StaticString = #filePath, line: UInt = #line) async throws -> [String] {
            let reply = try await h.request(.GET, "/api/v1/schools/\(school)/search?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                            token: token, file: file, line: line)
            XCTAssertEqual(reply.status, .ok, "\(q): \(String(buffer: reply.body))", file: file, line: line)
            return (reply.json["items"] as? [[String: Any]] ?? []).map { ($0["message"] as! [String: Any])["id"] as! String }
        }
    }

    func testAMessageIsFoundByTheFormsOfItsWords() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "7А — Алгебра", members: [student])
            let test = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                           json: ["text": "Завтра контрольная по алгебре"]).json["id"] as! String
            let other = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                            json: ["text": "Учебники принесите в пятницу"]).json["id"] as! String
            let search = Search(h: h, school: school, token: student.token)
            for q in ["контрольную", "контрольной", "Контрольная", "КОНТРОЛЬНЫМИ", "алгебры", "алгеброй", "контрольную алгебры", "завтра"] {
                let found = try await search.ids(q)
                XCTAssertEqual(found, [test], q)
            }
            for q in ["физика", "контрольную физики", "диктант"] {
                let found = try await search.ids(q)
                XCTAssertEqual(found, [], q)
            }
            let books = try await search.ids("учебник пятница")
            XCTAssertEqual(books, [other])
            if h.app.parta.context.store.dialect == .sqlite {
                // SQLite: a stem's beginning is found too, as before stemming.
                for q in ["контр", "алг", "контрольн"] {
                    let found = try await search.ids(q)
                    XCTAssertEqual(found, [test], q)
                }
            }
            // A quote, a star, parentheses, a column name or an operator is never the index's syntax.
            for q in ["\"контрольную", "контрольную\" OR \"учебники", "NEAR(алгебры", "text:контрольную", "алгебр*", "-алгебры", "^завтра", "контрольную AND"] {
                _ = try await search.ids(q)
            }
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/search?q=%22%20%2A%20%28%29", token: student.token)
        }
    }

    /// An edit re-indexes the message; a deletion leaves nothing of it in the index.
    func testEditsAndDeletionsKeepTheIndexInStep() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "7А", members: [student])
            let id = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                         json: ["text": "Завтра контрольная по алгебре"]).json["id"] as! String
            let search = Search(h: h, school: school, token: student.token)
            try await h.expect(.ok, .PATCH, "/api/v1/messages/\(id)", token: teacher.token, json: ["text": "Завтра диктант по русскому языку"])
            let old = try await search.ids("контрольную")
            XCTAssertEqual(old, [])
            let new = try await search.ids("диктанты русский")
            XCTAssertEqual(new, [id])
            try await h.expect(.ok, .DELETE, "/api/v1/messages/\(id)", token: teacher.token)
            let gone = try await search.ids("диктант")
            XCTAssertEqual(gone, [])
            if h.app.parta.context.store.dialect == .sqlite {
                // Not merely filtered out: the index itself holds no word of it.
                let sql = h.app.db as! any SQLDatabase
                let indexed = try await sql.raw("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'диктант OR контрольн OR русск'")
                    .first()!.decode(column: "n", as: Int.self)
                XCTAssertEqual(indexed, 0)
                // A row removed outright (no tombstone) leaves the index too.
                let kept = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                               json: ["text": "Экскурсия в театр"]).json["id"] as! String
                try await sql.raw("DELETE FROM messages WHERE id = \(bind: UUID(uuidString: kept)!)").run()
                let left = try await sql.raw("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'экскурс'")
                    .first()!.decode(column: "n", as: Int.self)
                XCTAssertEqual(left, 0)
            }
        }
    }

    /// Every way a message is written is indexed the same: the batched send (SQLite's writer),
    /// a forward and a message with a poll (Fluent's connections).
    func testEveryWriterIndexesStems() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "7А", members: [student])
            let second = try await h.chat(school, teacher, kind: "group", title: "7Б", members: [student])
            let sent = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                           json: ["text": "Контрольная работа перенесена"]).json["id"] as! String
            let forwarded = try await h.request(.POST, "/api/v1/messages/\(sent)/forward", token: teacher.token, json: ["chatId": second])
            XCTAssertEqual(forwarded.status, .created, String(buffer: forwarded.body))
            let poll = try await h.request(.POST, "/api/v1/chats/\(chat)/polls", token: teacher.token,
                                           json: ["question": "Когда писать контрольные работы?", "options": ["Во вторник", "В среду"]])
            XCTAssertEqual(poll.status, .created, String(buffer: poll.body))
            let search = Search(h: h, school: school, token: student.token)
            let found = try await search.ids("контрольной работы")
            XCTAssertEqual(Set(found), [sent, forwarded.json["id"] as! String, poll.json["id"] as! String])
        }
    }

    /// SQLite: M015 rebuilds the index of the messages written before it with stems; its revert
    /// goes back to M010's folded words.
    func testTheMigrationIndexesTheMessagesThereAre() async throws {
        try await withHarness { h in
            guard h.app.parta.context.store.dialect == .sqlite else { throw XCTSkip("the full-text table is SQLite's") }
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "7А", members: [student])
            let search = Search(h: h, school: school, token: student.token)
            let sql = h.app.db as! any SQLDatabase
            func indexed(_ term: String) async throws -> Int {   // rows holding exactly this term
                try await sql.raw("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH \(bind: "\"\(term)\"")")
                    .first()!.decode(column: "n", as: Int.self)
            }
            try await M015_MessageStems().revert(on: h.app.db)
            let before = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                             json: ["text": "Завтра контрольная по алгебре"]).json["id"] as! String
            let word = try await indexed("контрольная"), stem = try await indexed("контрольн")
            XCTAssertEqual([word, stem], [1, 0], "M010 indexes the words as they are")
            try await M015_MessageStems().prepare(on: h.app.db)
            let after = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token,
                                            json: ["text": "Контрольные работы проверены"]).json["id"] as! String
            let words = try await indexed("контрольная"), stems = try await indexed("контрольн")
            XCTAssertEqual([words, stems], [0, 2], "the message written before M015 is indexed by stems too")
            let both = try await search.ids("контрольную")
            XCTAssertEqual(Set(both), [before, after])
            let rows = try await sql.raw("SELECT COUNT(*) AS n FROM messages_fts").first()!.decode(column: "n", as: Int.self)
            let messages = try await h.count("messages")
            XCTAssertEqual(rows, messages)
        }
    }

    /// SQLite: every connection has `parta_stem` — Fluent's and the writer's — and it is the one
    /// `MessageSearch.indexText`.
    func testEverySQLiteConnectionHasTheStemFunction() async throws {
        try await withHarness { h in
            guard h.app.parta.context.store.dialect == .sqlite else { throw XCTSkip("SQLite only") }
            for loop in h.app.eventLoopGroup.makeIterator() {
                let sql = h.app.databases.database(logger: h.app.logger, on: loop) as! any SQLDatabase
                let row = try await sql.raw("SELECT parta_stem('Завтра КОНТРОЛЬНАЯ по алгебре, ёлки!') AS s, parta_stem(NULL) AS n").first()!
                XCTAssertEqual(try row.decode(column: "s", as: String.self), "завтр контрольн по алгебр елк")
                XCTAssertNil(try row.decode(column: "n", as: String?.self))
            }
            let onWriter = try await h.app.parta.context.store.writeBatch { session in
                try session.first("SELECT parta_stem(?)", [.text("Учителями уроков")])
            }
            XCTAssertEqual(onWriter, [.text("учител урок")])
        }
    }
}
