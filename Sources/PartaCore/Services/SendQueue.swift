import FluentKit
import Foundation
import SQLKit

/// Group commit for sends on SQLite, written as a batch: sends that arrive while a batch is being
/// committed are stored together with a handful of statements for the whole batch — the senders'
/// places re-read, every chat's two counters taken in one UPDATE, the messages in one multi-row
/// INSERT, the authors' read marks in one UPDATE, the events in one INSERT — and one commit (one
/// fsync). SQLite has one writer and every statement is a round trip to its thread, so statements
/// per send, not CPU, bound the rate. A send refused in the batch (removed from the chat or muted a
/// moment ago) fails alone; a batch that fails otherwise is retried send by send
/// (`MessageService.sendAlone`), so only the faulty one fails. Events go out after the commit, in
/// commit order.
public final class SendQueue: @unchecked Sendable {
    // @unchecked: `pending` and `draining` are guarded by `lock`.

    /// A send checked on a read connection, ready to be written.
    struct Prepared: Sendable {
        let actor: Actor
        let chatID: UUID
        let schoolID: UUID
        let systemChat: Bool
        let memberID: UUID?
        let text: String
        let clientID: String?
        let replyTo: UUID?
        let mentions: [UUID]
        let mentionAll: Bool
        let authorName: String
        /// For a retry on its own.
        let extras: MessageService.Extras
    }

    struct Job {
        let send: Prepared
        let done: CheckedContinuation<MessageView, any Error>
    }

    static let maxBatch = 256
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false

    public init() {}

    func submit(_ send: Prepared, ctx: PartaContext) async throws -> MessageView {
        try await withCheckedThrowingContinuation { done in
            let start = lock.withLock { () -> Bool in
                pending.append(Job(send: send, done: done))
                if draining { return false }
                draining = true
                return true
            }
            if start { Task { await self.drain(ctx) } }
        }
    }

    private func drain(_ ctx: PartaContext) async {
        while true {
            let batch = lock.withLock { () -> [Job] in
                let batch = Array(pending.prefix(Self.maxBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let sends = batch.map(\.send)
            let now = ctx.clock.now()
            do {
                let results = try await ctx.store.write { db in try await Self.write(sends, now: now, on: db) }
                for result in results {
                    if case let .success((_, event)) = result { await ctx.events.publish(.chat(event)) }
                }
                for (job, result) in zip(batch, results) { job.done.resume(with: result.map(\.0)) }
            } catch {
                // Something unexpected failed: nothing of the batch was stored; each send alone.
                ctx.logger.warning("send batch of \(batch.count) failed (\(error)); sending one by one")
                for job in batch {
                    let s = job.send
                    do {
                        job.done.resume(returning: try await MessageService(ctx).sendAlone(
                            s.actor, chatID: s.chatID, text: s.text, extras: s.extras, now: ctx.clock.now()))
                    } catch { job.done.resume(throwing: error) }
                }
            }
        }
    }

    /// Writes a batch in one transaction; a result per send, in order.
    static func write(_ sends: [Prepared], now: Date, on db: any Database) async throws -> [Result<(MessageView, ChatEvent), any Error>] {
        let sql = db as! any SQLDatabase
        var results = [Result<(MessageView, ChatEvent), any Error>?](repeating: nil, count: sends.count)

        // 1. The senders' places, as they are inside the transaction (removed or muted a moment ago: refused).
        let pairs = sends.filter { !$0.systemChat }
        var places: [String: (muted: Date?, role: String, readOnly: Bool)] = [:]
        if !pairs.isEmpty {
            // IN lists use the (chat_id, user_id) index; a long OR of pairs made SQLite scan.
            let chats = Array(Set(pairs.map(\.chatID))), users = Array(Set(pairs.map(\.actor.userID)))
            for row in try await sql.raw("""
                SELECT m.chat_id, m.user_id, m.muted_until, m.role, c.read_only FROM chat_members m JOIN chats c ON c.id = m.chat_id
                WHERE m.chat_id IN (\(binds: chats)) AND m.user_id IN (\(binds: users))
                """).all() {
                places["\(try row.decode(column: "chat_id", as: UUID.self))/\(try row.decode(column: "user_id", as: UUID.self))"] =
                    (try row.decode(column: "muted_until", as: Date?.self), try row.decode(column: "role", as: String.self),
                     try row.decode(column: "read_only", as: Bool.self))
            }
        }
        var writing: [Int] = []
        for (i, s) in sends.enumerated() {
            if !s.systemChat {
                guard let place = places["\(s.chatID)/\(s.actor.userID)"] else { results[i] = .failure(PartaError.notFound("Чат")); continue }
                // Made read-only, or the sender no longer an admin of it, since the check.
                if place.readOnly && place.role == ChatRole.member.rawValue && !s.actor.roles(in: s.schoolID).contains(.admin) {
                    results[i] = .failure(MessageService.readOnly)
                    continue
                }
                do { try MessageService.checkNotMuted(until: place.muted, now: now) } catch {
                    results[i] = .failure(error)
                    continue
                }
            }
            writing.append(i)
        }
        guard !writing.isEmpty else { return results.map { $0! } }

        // 2. Every chat's numbers, taken at once.
        var perChat: [UUID: Int] = [:]
        var order: [UUID] = []
        for i in writing {
            if perChat[sends[i].chatID] == nil { order.append(sends[i].chatID) }
            perChat[sends[i].chatID, default: 0] += 1
        }
        var seqCase = SQLQueryString("CASE id")
        for chat in order { seqCase = seqCase + " WHEN \(bind: chat) THEN \(bind: perChat[chat]!)" }
        seqCase = seqCase + " END"
        var last: [UUID: (seq: Int, event: Int)] = [:]
        for row in try await sql.raw("""
            UPDATE chats SET last_seq = last_seq + \(seqCase), last_event = last_event + \(seqCase)
            WHERE id IN (\(binds: order)) RETURNING id, last_seq, last_event
            """).all() {
            last[try row.decode(column: "id", as: UUID.self)] = (try row.decode(column: "last_seq", as: Int.self), try row.decode(column: "last_event", as: Int.self))
        }
        var next: [UUID: (seq: Int, event: Int)] = [:]
        for chat in order {
            guard let l = last[chat] else { continue }
            next[chat] = (l.seq - perChat[chat]! + 1, l.event - perChat[chat]! + 1)
        }

        // 3. The messages, the read marks, the events.
        var messages = sql.insert(into: "messages")
            .columns("id", "chat_id", "seq", "author_id", "client_id", "text", "reply_to", "created_at", "mentions")
        var eventsInsert = sql.insert(into: "chat_events").columns("chat_id", "seq", "type", "message_id", "data", "created_at")
        var reads: [UUID: Int] = [:]   // member row → the highest number they sent
        var made: [(Int, MessageView, ChatEvent)] = []
        for i in writing {
            let s = sends[i]
            guard let n = next[s.chatID] else { results[i] = .failure(PartaError.notFound("Чат")); continue }
            next[s.chatID] = (n.seq + 1, n.event + 1)
            let id = UUID()
            let mentionsValue = s.mentionAll ? "all" : (s.mentions.isEmpty ? nil : s.mentions.map(\.uuidString).joined(separator: ","))
            messages = messages.values(SQLBind(id), SQLBind(s.chatID), SQLBind(n.seq), SQLBind(s.actor.userID), SQLBind(s.clientID),
                                       SQLBind(s.text), SQLBind(s.replyTo), SQLBind(now), SQLBind(mentionsValue))
            let view = MessageView(id: id, chatId: s.chatID, seq: n.seq, authorId: s.actor.userID, authorName: s.authorName, text: s.text,
                                   replyTo: s.replyTo, clientId: s.clientID, createdAt: now, editedAt: nil, deleted: false,
                                   pinned: false, forwardedFrom: nil, mentions: s.mentionAll ? [] : s.mentions,
                                   mentionsAll: s.mentionAll, reactions: [], myReactions: nil, readBy: nil, attachments: [], poll: nil)
            let data = try ChatEventLog.encode(view)
            eventsInsert = eventsInsert.values(SQLBind(s.chatID), SQLBind(n.event), SQLBind("message.created"), SQLBind(id), SQLBind(data), SQLBind(now))
            if let member = s.memberID { reads[member] = max(reads[member] ?? 0, n.seq) }
            made.append((i, view, ChatEvent(chatID: s.chatID, seq: n.event, type: "message.created", data: data)))
        }
        guard !made.isEmpty else { return results.map { $0! } }
        try await messages.run()
        if !reads.isEmpty {
            var readCase = SQLQueryString("CASE id")
            for (member, seq) in reads { readCase = readCase + " WHEN \(bind: member) THEN \(bind: seq)" }
            readCase = readCase + " END"
            try await sql.raw("""
                UPDATE chat_members SET last_read_seq = MAX(last_read_seq, \(readCase)) WHERE id IN (\(binds: Array(reads.keys)))
                """).run()
        }
        try await eventsInsert.run()
        for (i, view, event) in made { results[i] = .success((view, event)) }
        return results.map { $0! }
    }
}
