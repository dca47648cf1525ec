// parta-bench history: opening a chat with a long history (issue 4: "opening a chat with 10,000
// messages shows the last page at once").
import FluentKit
import Foundation
import NIOHTTP1
import NIOPosix
import PartaCore

extension Seeder {
    /// `count` messages in `chatID`, numbered 1…count a few seconds apart, every tenth a reply to the
    /// one before it, by the given authors in turn (inserted as rows; the full-text trigger indexes them).
    func history(_ chatID: UUID, count: Int, authors: [UUID]) async throws {
        var previous: UUID?
        for start in stride(from: 1, through: count, by: 500) {
            var rows: [MessageRecord] = []
            for seq in start..<min(count + 1, start + 500) {
                let m = MessageRecord()
                m.id = .timeOrdered(at: now.addingTimeInterval(Double(seq - count) * 5))
                m.chatID = chatID; m.seq = seq; m.authorID = authors[seq % authors.count]
                m.text = "Сообщение \(seq): домашнее задание на завтра — параграф \(seq % 40 + 1), упражнения \(seq % 9 + 1)–\(seq % 9 + 5)."
                m.createdAt = now.addingTimeInterval(Double(seq - count) * 5)
                if seq % 10 == 0 { m.replyTo = previous }
                previous = m.id
                rows.append(m)
            }
            let batch = rows
            try await db.transaction { tx in try await batch.create(on: tx) }
        }
        try await ChatRecord.query(on: db).filter(\.$id == chatID).set(\.$lastSeq, to: count).update()
    }
}

func history(_ o: Options) async throws -> Bool {
    let count = max(100, o.messages ?? 10_000), requests = o.requests
    say("parta-bench history: a group chat of 30 with \(count) messages; a member opens it as the web client does "
        + "(the chat, its newest 50 messages and its pins at once) \(requests) times, then loads 50 older ones from "
        + "random places \(requests) times; one client at a time")
    struct Seeded: Sendable { let reader: Person; let chat: UUID }
    return try await withServer(o) { s in
        let teachers = try await s.people(2, role: .teacher, name: "Учитель")
        let students = try await s.people(28, role: .student, name: "Ученик")
        let members = [(teachers[0].id, ChatRole.owner), (teachers[1].id, ChatRole.admin)] + students.map { ($0.id, ChatRole.member) }
        let chat = try await s.chat(kind: .group, title: "5Б — все", readOnly: false, createdBy: teachers[0].id, members: members)
        try await s.history(chat, count: count, authors: [teachers[0].id, teachers[1].id] + students.prefix(5).map(\.id))
        return Seeded(reader: students[10], chat: chat)
    } body: { server, seeded in
        let group = MultiThreadedEventLoopGroup.singleton
        let conns = [try await HTTPConnection.connect(group: group, port: server.port),
                     try await HTTPConnection.connect(group: group, port: server.port),
                     try await HTTPConnection.connect(group: group, port: server.port)]
        let base = "/api/v1/chats/\(seeded.chat.uuidString)"
        let token = seeded.reader.token
        // What the conversation page asks for when it opens (Public/js/pages/chats.js), in parallel.
        func open() async throws -> (UInt64, Int, Int) {
            let start = monotonicNanos()
            async let chat = conns[0].request(.GET, base, token: token)
            async let page = conns[1].request(.GET, base + "/messages?limit=50", token: token)
            async let pins = conns[2].request(.GET, base + "/pins", token: token)
            let (a, b, c) = try await (chat, page, pins)
            let statuses = [a.status, b.status, c.status]
            return ((monotonicNanos() - start) / 1000, statuses.allSatisfy { $0 == 200 } ? 200 : statuses.first { $0 != 200 }!,
                    b.body.readableBytes)
        }
        for _ in 0..<20 { _ = try await open() }   // warm-up
        var opened = makeLatencies(), older = makeLatencies()
        var failures = 0, pageBytes = 0
        let cpu0 = server.sample
        for _ in 0..<requests {
            let (micros, status, bytes) = try await open()
            opened.record(micros)
            if status != 200 { failures += 1 }
            pageBytes = bytes
        }
        let cpu1 = server.sample
        for _ in 0..<requests {
            let before = Int.random(in: 51...count)
            let start = monotonicNanos()
            let r = try await conns[0].request(.GET, base + "/messages?limit=50&before=\(before)", token: token)
            older.record((monotonicNanos() - start) / 1000)
            if r.status != 200 { failures += 1 }
        }
        for c in conns { await c.close() }
        say("open (chat + newest 50 messages + pins, in parallel): \(opened.summary); newest page \(pageBytes / 1024) KB")
        say("older page (50 messages before a random one): \(older.summary)")
        say("failed requests: \(failures)")
        serverLine("while opening", cpu0, cpu1)
        return goal(failures == 0 && opened.p99ms <= 100,
                    String(format: "a %d-message chat opens (newest page) within 100 ms at p99: %.2f ms", count, opened.p99ms))
            && goal(older.p99ms <= 100, String(format: "an older page within 100 ms at p99: %.2f ms", older.p99ms))
    }
}
