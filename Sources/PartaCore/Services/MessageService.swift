import FluentKit
import Foundation
import SQLKit

/// Messages (PRODUCT.md flow 9): numbered per chat (1, 2, 3…) so a client knows exactly what it has;
/// a send carries the client's own id so a retried send is stored once; replies; edits marked as
/// edited; deletion leaves a tombstone; read state per member. Events go out after the commit.
public struct MessageService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxLength = 4_000
    public static let maxPage = 100

    public func send(_ actor: Actor, chatID: UUID, text raw: String, clientID: String?, replyTo: UUID?) async throws -> MessageView {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.maxLength).contains(text.count) else {
            throw PartaError.invalid("text", "Сообщение: от 1 до \(Self.maxLength) символов.")
        }
        if let clientID, !(1...64).contains(clientID.count) { throw PartaError.invalid("clientId", "clientId: от 1 до 64 символов.") }
        try ctx.limiter.hit("send:\(actor.userID)", ctx.rules.messagesPerUser)
        let now = ctx.clock.now()
        let (message, fresh): (MessageRecord, Bool)
        do {
            (message, fresh) = try await ctx.store.write { db in
                let access = try await ChatService.access(actor, chatID: chatID, on: db)
                guard access.canPost else {
                    throw PartaError(.forbidden, "read_only", "В этом чате пишут только его администраторы.")
                }
                if let clientID, let earlier = try await MessageRecord.query(on: db).filter(\.$authorID == actor.userID)
                    .filter(\.$clientID == clientID).first() {
                    guard earlier.chatID == chatID else { throw PartaError(.conflict, "client_id_reused", "Этот clientId уже использован в другом чате.") }
                    return (earlier, false)   // a retried send: the same message, stored once
                }
                if let replyTo {
                    guard try await MessageRecord.query(on: db).filter(\.$id == replyTo).filter(\.$chatID == chatID).first() != nil else {
                        throw PartaError.invalid("replyTo", "Ответ — на сообщение этого чата.")
                    }
                }
                // The next number of this chat, taken atomically (concurrent sends never share one).
                guard let sql = db as? any SQLDatabase,
                      let row = try await sql.raw("UPDATE chats SET last_seq = last_seq + 1 WHERE id = \(bind: chatID) RETURNING last_seq").first()
                else { throw PartaError.notFound("Чат") }
                let m = MessageRecord()
                m.chatID = chatID; m.seq = try row.decode(column: "last_seq", as: Int.self); m.authorID = actor.userID
                m.clientID = clientID; m.text = text; m.replyTo = replyTo; m.createdAt = now
                try await m.create(on: db)
                // The author has read their own message.
                if let member = access.member, member.lastReadSeq < m.seq {
                    member.lastReadSeq = m.seq
                    try await member.save(on: db)
                }
                return (m, true)
            }
        } catch {
            // The same clientId sent twice at the same instant: the other request stored it.
            guard let dbError = error as? any DatabaseError, dbError.isConstraintFailure, let clientID,
                  let earlier = try await MessageRecord.query(on: ctx.store.db).filter(\.$authorID == actor.userID)
                    .filter(\.$clientID == clientID).first() else { throw error }
            (message, fresh) = (earlier, false)
        }
        if fresh { await ctx.events.publish(.messageCreated(chatID: chatID, seq: message.seq)) }
        return try await Self.views([message], on: ctx.store.db)[0]
    }

    /// A page of the chat's history, oldest first: the newest `limit` messages before `beforeSeq`
    /// (or the newest of all), or those after `afterSeq` (catching up after a gap).
    public func history(_ actor: Actor, chatID: UUID, beforeSeq: Int?, afterSeq: Int?, limit: Int) async throws -> MessagePage {
        let db = ctx.store.db
        let access = try await ChatService.access(actor, chatID: chatID, on: db)
        let limit = min(max(1, limit), Self.maxPage)
        var query = MessageRecord.query(on: db).filter(\.$chatID == chatID)
        let rows: [MessageRecord]
        if let afterSeq {
            rows = try await query.filter(\.$seq > afterSeq).sort(\.$seq).range(..<limit).all()
        } else {
            if let beforeSeq { query = query.filter(\.$seq < beforeSeq) }
            rows = try await query.sort(\.$seq, .descending).range(..<limit).all().reversed()
        }
        return MessagePage(items: try await Self.views(rows, on: db), lastSeq: access.chat.lastSeq,
                           lastReadSeq: access.member?.lastReadSeq ?? 0)
    }

    /// The author edits their message's text; the message is marked as edited.
    public func edit(_ actor: Actor, messageID: UUID, text raw: String) async throws -> MessageView {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.maxLength).contains(text.count) else { throw PartaError.invalid("text", "Сообщение: от 1 до \(Self.maxLength) символов.") }
        let now = ctx.clock.now()
        let message: MessageRecord = try await ctx.store.write { db in
            let (m, _) = try await Self.visible(actor, messageID: messageID, on: db)
            guard m.authorID == actor.userID else { throw PartaError(.forbidden, "forbidden", "Изменить можно только своё сообщение.") }
            guard m.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение удалено.") }
            if m.text != text { m.text = text; m.editedAt = now; try await m.save(on: db) }
            return m
        }
        await ctx.events.publish(.messageChanged(chatID: message.chatID, messageID: try message.requireID()))
        return try await Self.views([message], on: ctx.store.db)[0]
    }

    /// The author, the chat's moderators or the school's administrators delete a message: its text
    /// goes, a tombstone stays in its place.
    public func delete(_ actor: Actor, messageID: UUID) async throws -> MessageView {
        let now = ctx.clock.now()
        let message: MessageRecord = try await ctx.store.write { db in
            let (m, access) = try await Self.visible(actor, messageID: messageID, on: db)
            guard m.authorID == actor.userID || access.canModerate else {
                throw PartaError(.forbidden, "forbidden", "Удалить чужое сообщение может модератор чата.")
            }
            if m.deletedAt == nil { m.deletedAt = now; m.text = ""; try await m.save(on: db) }
            return m
        }
        await ctx.events.publish(.messageChanged(chatID: message.chatID, messageID: try message.requireID()))
        return try await Self.views([message], on: ctx.store.db)[0]
    }

    /// Marks the chat read up to `seq` (never backwards). System channels get a read-state row on first read.
    public func markRead(_ actor: Actor, chatID: UUID, seq: Int) async throws -> Int {
        do {
            return try await markReadOnce(actor, chatID: chatID, seq: seq)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two first reads of a system channel at once: the other made the row; move it on.
            return try await markReadOnce(actor, chatID: chatID, seq: seq)
        }
    }

    private func markReadOnce(_ actor: Actor, chatID: UUID, seq: Int) async throws -> Int {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            let upTo = min(max(0, seq), access.chat.lastSeq)
            if let member = access.member {
                if member.lastReadSeq < upTo { member.lastReadSeq = upTo; try await member.save(on: db) }
                return max(member.lastReadSeq, upTo)
            }
            let row = ChatService.member(chatID, actor.userID, .member, now)
            row.lastReadSeq = upTo
            try await row.create(on: db)
            return upTo
        }
    }

    // MARK: Helpers

    static func visible(_ actor: Actor, messageID: UUID, on db: any Database) async throws -> (MessageRecord, ChatService.Access) {
        guard let m = try await MessageRecord.find(messageID, on: db) else { throw PartaError.notFound("Сообщение") }
        do {
            return (m, try await ChatService.access(actor, chatID: m.chatID, on: db))
        } catch { throw PartaError.notFound("Сообщение") }
    }

    static func lastMessages(of chats: [ChatRecord], on db: any Database) async throws -> [UUID: MessageView] {
        let withMessages = chats.filter { $0.lastSeq > 0 }
        guard !withMessages.isEmpty else { return [:] }
        var rows: [MessageRecord] = []
        for chat in withMessages {
            if let m = try await MessageRecord.query(on: db).filter(\.$chatID == chat.id!).filter(\.$seq == chat.lastSeq).first() { rows.append(m) }
        }
        return Dictionary(uniqueKeysWithValues: try await views(rows, on: db).map { ($0.chatId, $0) })
    }

    static func views(_ rows: [MessageRecord], on db: any Database) async throws -> [MessageView] {
        let authors = Array(Set(rows.map(\.authorID)))
        let names = authors.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ authors).all()
            .map { ($0.id!, $0.fullName) })
        return rows.map { m in
            MessageView(id: m.id!, chatId: m.chatID, seq: m.seq, authorId: m.authorID, authorName: names[m.authorID] ?? "",
                        text: m.text, replyTo: m.replyTo, clientId: m.clientID, createdAt: m.createdAt, editedAt: m.editedAt,
                        deleted: m.deletedAt != nil)
        }
    }
}
