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

    /// What a send carries besides its text.
    public struct Extras: Sendable {
        public var clientID: String?
        public var replyTo: UUID?
        /// The people mentioned (picked in the client; each must read the chat).
        public var mentions: [UUID]
        /// @all: the chat's admins only.
        public var mentionAll: Bool
        /// Uploads of the author's to this chat (`AttachmentService.upload`), sent with the message.
        public var attachments: [UUID]
        public init(clientID: String? = nil, replyTo: UUID? = nil, mentions: [UUID] = [], mentionAll: Bool = false, attachments: [UUID] = []) {
            self.clientID = clientID; self.replyTo = replyTo; self.mentions = mentions; self.mentionAll = mentionAll
            self.attachments = attachments
        }
        /// The `mentions` column: "all", the ids joined by commas, or nothing.
        var mentionsColumn: String? {
            mentionAll ? "all" : (mentions.isEmpty ? nil : mentions.map(\.upperText).joined(separator: ","))
        }

        /// The view of a message just stored with these extras: no reactions, edits or readers yet.
        func newMessage(id: UUID, chatID: UUID, seq: Int, author: UUID, authorName: String, authorPhoto: String?, text: String, at now: Date,
                        attachments: [AttachmentView] = []) -> MessageView {
            MessageView(id: id, chatId: chatID, seq: seq, authorId: author, authorName: authorName, authorPhoto: authorPhoto, text: text, replyTo: replyTo,
                        clientId: clientID, createdAt: now, editedAt: nil, deleted: false, pinned: false, forwardedFrom: nil,
                        mentions: mentionAll ? [] : mentions, mentionsAll: mentionAll, reactions: [], myReactions: nil, readBy: nil,
                        attachments: attachments, poll: nil)
        }
    }

    public func send(_ actor: Actor, chatID: UUID, text raw: String, extras given: Extras) async throws -> MessageView {
        // Each person and file once; the paths below take them so.
        var extras = given
        extras.mentions = Array(Set(given.mentions))
        extras.attachments = Array(Set(given.attachments))
        let attachments = extras.attachments
        guard attachments.count <= AttachmentService.maxPerMessage else {
            throw PartaError.invalid("attachments", "Не больше \(AttachmentService.maxPerMessage) вложений.")
        }
        // A message with files may have no text.
        let text = attachments.isEmpty || !Text.cleanMessage(raw).isEmpty
            ? try Self.checkedText(raw) : ""
        let clientID = extras.clientID
        if let clientID, !(1...64).contains(clientID.count) { throw PartaError.invalid("clientId", "clientId: от 1 до 64 символов.") }
        guard extras.mentions.count <= 50 else { throw PartaError.invalid("mentions", "Не больше 50 упоминаний.") }
        try ctx.limiter.hit("send:\(actor.userID)", ctx.rules.messagesPerUser)
        let now = ctx.clock.now()
        if ctx.store.sqliteWriter != nil && attachments.isEmpty {
            return try await sendBatched(actor, chatID: chatID, text: text, extras: extras, now: now)
        }
        return try await sendAlone(actor, chatID: chatID, text: text, extras: extras, now: now)
    }

    /// Everything that may refuse a send, read in as few statements as possible: the chat, the
    /// sender's place in it, their name and a message of theirs with this clientId (a retried send)
    /// in one read; then the reply, the mentions and the files. Nothing is written.
    struct SendCheck {
        let schoolID: UUID
        let system: Bool
        let memberID: UUID?
        let lastReadSeq: Int
        let authorName: String
        let authorPhoto: String?
        /// A retried send: the message already stored.
        let earlier: UUID?
    }

    /// `extras` as `send` leaves them (each person and file once).
    static func check(_ actor: Actor, chatID: UUID, extras: Extras, now: Date, on db: any Database) async throws -> SendCheck {
        let sql = db as! any SQLDatabase
        let clientID = extras.clientID
        guard let row = try await sql.raw("""
            SELECT c.school_id, c.read_only, c.system_audience, m.id AS member_id, m.role, m.last_read_seq, m.muted_until,
              (SELECT full_name FROM users WHERE id = \(bind: actor.userID)) AS author_name,
              (SELECT photo_id FROM users WHERE id = \(bind: actor.userID)) AS author_photo,
              (SELECT id FROM messages WHERE author_id = \(bind: actor.userID) AND client_id = \(bind: clientID ?? "")) AS earlier_id,
              (SELECT chat_id FROM messages WHERE author_id = \(bind: actor.userID) AND client_id = \(bind: clientID ?? "")) AS earlier_chat
            FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = \(bind: actor.userID)
            WHERE c.id = \(bind: chatID)
            """).first() else { throw PartaError.notFound("Чат") }
        let schoolID = try row.decode(column: "school_id", as: UUID.self)
        let audience = try row.decode(column: "system_audience", as: String?.self)
        let role = try row.decode(column: "role", as: String?.self).map { ChatRole(rawValue: $0) ?? .member }
        guard let rights = ChatService.rights(actor, schoolID: schoolID, systemAudience: audience,
                                              readOnly: try row.decode(column: "read_only", as: Bool.self), memberRole: role)
        else { throw PartaError.notFound("Чат") }
        guard rights.canPost else { throw Self.readOnly }
        try Self.checkNotMuted(until: try row.decode(column: "muted_until", as: Date?.self), now: now)
        var earlier: UUID?
        if clientID != nil, let found = try row.decode(column: "earlier_id", as: UUID?.self) {
            guard try row.decode(column: "earlier_chat", as: UUID?.self) == chatID else {
                throw clientIDReused
            }
            earlier = found
        } else {
            if let replyTo = extras.replyTo {
                guard try await sql.raw("SELECT 1 AS x FROM messages WHERE id = \(bind: replyTo) AND chat_id = \(bind: chatID)").first() != nil else {
                    throw PartaError.invalid("replyTo", "Ответ — на сообщение этого чата.")
                }
            }
            if extras.mentionAll && !Policy.canMentionAll(rights) { throw mentionAllForbidden }
            try await checkReaders(extras.mentions, chatID: chatID, schoolID: schoolID, system: audience != nil, on: db)
            try await AttachmentService.checkAttachable(extras.attachments, chatID: chatID, author: actor.userID, on: db)
        }
        return SendCheck(schoolID: schoolID, system: audience != nil, memberID: try row.decode(column: "member_id", as: UUID?.self),
                         lastReadSeq: try row.decode(column: "last_read_seq", as: Int?.self) ?? 0,
                         authorName: try row.decode(column: "author_name", as: String?.self) ?? "",
                         authorPhoto: UserPhoto.token(try row.decode(column: "author_photo", as: UUID?.self)), earlier: earlier)
    }

    /// SQLite: hands the send to the batch writer (`SendQueue`), which checks who may write inside
    /// its transaction. A reply or mentions are checked first, on a read connection (with the rest
    /// of the send's checks, so a send refused there never waits for a batch).
    private func sendBatched(_ actor: Actor, chatID: UUID, text: String, extras: Extras, now: Date) async throws -> MessageView {
        let db = ctx.store.db
        if extras.replyTo != nil || !extras.mentions.isEmpty {
            if let earlier = try await Self.check(actor, chatID: chatID, extras: extras, now: now, on: db).earlier {
                return try await stored(earlier, viewer: actor.userID)   // a retried send: stored once
            }
        }
        switch try await ctx.sends.submit(SendQueue.Prepared(actor: actor, chatID: chatID, text: text, extras: extras), ctx: ctx) {
        case var .stored(view):
            view.myReactions = []   // a new message: no reactions, read by nobody else yet
            return view
        case let .earlier(id):
            return try await stored(id, viewer: actor.userID)
        }
    }

    /// A message stored before, as its author sees it (the answer to a retried send).
    private func stored(_ id: UUID, viewer: UUID) async throws -> MessageView {
        guard let m = try await MessageRecord.find(id, on: ctx.store.db) else { throw PartaError.notFound("Сообщение") }
        return try await Self.views([m], viewer: viewer, on: ctx.store.db)[0]
    }

    /// One send in a transaction of its own (PostgreSQL; messages with files; a batch's retry), in
    /// plain SQL: the checks above, one UPDATE for both counters, the view built in memory. The
    /// extras as `send` leaves them (each person and file once).
    func sendAlone(_ actor: Actor, chatID: UUID, text: String, extras: Extras, now: Date) async throws -> MessageView {
        let attachments = extras.attachments
        let clientID = extras.clientID
        let outcome: Sent
        do {
            outcome = try await ctx.store.write { db in
                let sql = db as! any SQLDatabase
                let checked = try await Self.check(actor, chatID: chatID, extras: extras, now: now, on: db)
                if let earlier = checked.earlier { return Sent(earlier: earlier) }   // a retried send: stored once
                guard let numbers = try await sql.raw("""
                    UPDATE chats SET last_seq = last_seq + 1, last_event = last_event + 1 WHERE id = \(bind: chatID) RETURNING last_seq, last_event
                    """).first() else { throw PartaError.notFound("Чат") }
                let seq = try numbers.decode(column: "last_seq", as: Int.self)
                let id = UUID.timeOrdered(at: now)
                try await sql.insert(into: "messages")
                    .columns("id", "chat_id", "seq", "author_id", "client_id", "text", "reply_to", "created_at", "mentions")
                    .values(SQLBind(id), SQLBind(chatID), SQLBind(seq), SQLBind(actor.userID), SQLBind(clientID), SQLBind(text),
                            SQLBind(extras.replyTo), SQLBind(now), SQLBind(extras.mentionsColumn))
                    .run()
                try await AttachmentService.attach(attachments, to: id, chatID: chatID, author: actor.userID, on: db)
                // The author has read their own message.
                if let memberID = checked.memberID, checked.lastReadSeq < seq {
                    try await sql.raw("UPDATE chat_members SET last_read_seq = \(bind: seq) WHERE id = \(bind: memberID)").run()
                }
                let files = attachments.isEmpty ? [] : (try await AttachmentService.views(for: [id], on: db)[id] ?? [])
                let view = extras.newMessage(id: id, chatID: chatID, seq: seq, author: actor.userID, authorName: checked.authorName,
                                             authorPhoto: checked.authorPhoto, text: text, at: now, attachments: files)
                let event = try await ChatEventLog.appendNumbered("message.created", chatID: chatID,
                                                                  seq: try numbers.decode(column: "last_event", as: Int.self),
                                                                  data: view, messageID: id, now: now, on: db)
                return Sent(view: view, event: event)
            }
        } catch {
            // The same clientId sent twice at the same instant: the other request stored it.
            guard let dbError = error as? any DatabaseError, dbError.isConstraintFailure, let clientID,
                  let earlier = try await MessageRecord.query(on: ctx.store.db).filter(\.$authorID == actor.userID)
                    .filter(\.$clientID == clientID).first() else { throw error }
            return try await Self.views([earlier], viewer: actor.userID, on: ctx.store.db)[0]
        }
        if let event = outcome.event { await ctx.events.publish(.chat(event)) }
        if var view = outcome.view {
            view.myReactions = []   // a new message: no reactions, read by nobody else yet
            return view
        }
        guard let earlierID = outcome.earlier else { throw PartaError.notFound("Сообщение") }
        return try await stored(earlierID, viewer: actor.userID)
    }

    /// What a send stored: the new message and its event, or the earlier message of a retried send.
    struct Sent: Sendable {
        var view: MessageView?
        var event: ChatEvent?
        var earlier: UUID?
        init(view: MessageView, event: ChatEvent) { self.view = view; self.event = event }
        init(earlier: UUID) { self.earlier = earlier }
    }

    /// Forwards a message the actor reads to another chat of the same school where they may post.
    public func forward(_ actor: Actor, messageID: UUID, toChat targetID: UUID) async throws -> MessageView {
        try ctx.limiter.hit("send:\(actor.userID)", ctx.rules.messagesPerUser)
        let now = ctx.clock.now()
        let (message, event): (MessageRecord, ChatEvent) = try await ctx.store.write { db in
            let (original, source) = try await Self.visible(actor, messageID: messageID, on: db)
            guard original.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение удалено.") }
            let target = try await ChatService.access(actor, chatID: targetID, on: db)
            guard target.chat.schoolID == source.chat.schoolID else { throw PartaError.notFound("Чат") }
            try Self.checkMayWrite(target, now: now)
            let m = MessageRecord()
            m.id = .timeOrdered(at: now)
            m.chatID = targetID; m.authorID = actor.userID; m.text = original.text; m.createdAt = now
            if let earlier = original.forwardedFrom { m.forwardedFrom = earlier } else {
                m.forwardedFrom = try await UserRecord.find(original.authorID, on: db)?.fullName ?? ""
            }
            return (m, try await store(m, access: target, now: now, on: db))
        }
        await ctx.events.publish(.chat(event))
        return try await Self.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// Numbers the new message, stores it, marks it read for its author, logs `message.created`.
    func store(_ m: MessageRecord, access: ChatService.Access, now: Date, attachments: [UUID] = [],
               before: (@Sendable (any Database) async throws -> Void)? = nil, on db: any Database) async throws -> ChatEvent {
        // The next number of this chat, taken atomically (concurrent sends never share one).
        guard let sql = db as? any SQLDatabase,
              let row = try await sql.raw("UPDATE chats SET last_seq = last_seq + 1 WHERE id = \(bind: m.chatID) RETURNING last_seq").first()
        else { throw PartaError.notFound("Чат") }
        m.seq = try row.decode(column: "last_seq", as: Int.self)
        try await m.create(on: db)
        try await AttachmentService.attach(attachments, to: try m.requireID(), chatID: m.chatID, author: m.authorID, on: db)
        try await before?(db)
        // The author has read their own message.
        if let member = access.member, member.lastReadSeq < m.seq {
            member.lastReadSeq = m.seq
            try await member.save(on: db)
        }
        let view = try await Self.views([m], on: db)[0]
        return try await ChatEventLog.append("message.created", chatID: m.chatID, data: view, messageID: m.id, now: now, on: db)
    }

    /// The one rule for writing in a chat one reads: not read-only for them, not muted now.
    static func checkMayWrite(_ access: ChatService.Access, now: Date) throws {
        guard access.canPost else { throw readOnly }
        try checkNotMuted(access, now: now)
    }

    static func checkNotMuted(_ access: ChatService.Access, now: Date) throws {
        try checkNotMuted(until: access.member?.mutedUntil, now: now)
    }

    static func checkNotMuted(until: Date?, now: Date) throws {
        if let until, until > now {
            throw PartaError(.forbidden, "muted", "Модератор запретил вам писать в этот чат до \(JSONCoding.iso.string(from: until)).")
        }
    }

    static let readOnly = PartaError(.forbidden, "read_only", "В этом чате пишут только его администраторы.")
    static let clientIDReused = PartaError(.conflict, "client_id_reused", "Этот clientId уже использован в другом чате.")
    static let mentionAllForbidden = PartaError(.forbidden, "forbidden", "@all — для администраторов чата.")

    static func checkedText(_ raw: String) throws -> String {
        let text = Text.cleanMessage(raw)
        guard (1...maxLength).contains(text.count) else {
            throw PartaError.invalid("text", "Сообщение: от 1 до \(maxLength) символов.")
        }
        return text
    }

    /// Everyone mentioned must read the chat.
    static func checkReaders(_ ids: [UUID], chatID: UUID, schoolID: UUID, system: Bool, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        if system {
            _ = try await ChatService.schoolRoles(of: ids, schoolID: schoolID, on: db)
            return
        }
        let found = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID ~~ ids).count()
        guard found == ids.count else { throw PartaError.invalid("mentions", "Упомянуть можно только участников чата.") }
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
        var readers: [UUID: Int] = [:]
        for r in try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).field(\.$userID).field(\.$lastReadSeq).all() {
            readers[r.userID] = r.lastReadSeq
        }
        return MessagePage(items: try await Self.views(rows, viewer: actor.userID, readers: readers, on: db), lastSeq: access.chat.lastSeq,
                           lastReadSeq: access.member?.lastReadSeq ?? 0)
    }

    /// The author edits their message's text; the message is marked as edited.
    public func edit(_ actor: Actor, messageID: UUID, text raw: String) async throws -> MessageView {
        let text = try Self.checkedText(raw)
        let now = ctx.clock.now()
        let (message, event): (MessageRecord, ChatEvent?) = try await ctx.store.write { db in
            let (m, access) = try await Self.visible(actor, messageID: messageID, on: db)
            guard m.authorID == actor.userID else { throw PartaError(.forbidden, "forbidden", "Изменить можно только своё сообщение.") }
            try Self.checkNotMuted(access, now: now)   // a mute is not got round by editing
            guard m.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение удалено.") }
            guard m.text != text else { return (m, nil) }
            m.text = text; m.editedAt = now
            try await m.save(on: db)
            return (m, try await Self.changed(m, "message.edited", now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await Self.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// The author, the chat's moderators or the school's administrators delete a message: its text
    /// goes, a tombstone stays in its place (a report keeps its own copy of the original).
    public func delete(_ actor: Actor, messageID: UUID) async throws -> MessageView {
        let now = ctx.clock.now()
        let (message, event, files): (MessageRecord, ChatEvent?, [UUID]) = try await ctx.store.write { db in
            let (m, access) = try await Self.visible(actor, messageID: messageID, on: db)
            guard m.authorID == actor.userID || access.canModerate else {
                throw PartaError(.forbidden, "forbidden", "Удалить чужое сообщение может модератор чата.")
            }
            guard m.deletedAt == nil else { return (m, nil, []) }
            let files = try await Self.tombstone(m, now: now, on: db)
            return (m, try await Self.changed(m, "message.deleted", now: now, on: db), files)
        }
        for file in files { ctx.files.delete(file) }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await Self.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// Empties a deleted message: text, pin, mentions, reactions and files go; the number stays.
    /// Returns the stored files to remove from disk after the commit.
    static func tombstone(_ m: MessageRecord, now: Date, on db: any Database) async throws -> [UUID] {
        m.deletedAt = now; m.text = ""; m.pinnedAt = nil; m.mentions = nil
        try await m.save(on: db)
        try await MessageReactionRecord.query(on: db).filter(\.$messageID == m.id!).delete()
        return try await AttachmentService.detach(messageID: m.id!, on: db)
    }

    /// Logs a change of a message (its current state) and refreshes the earlier logged states.
    static func changed(_ m: MessageRecord, _ type: String, now: Date, on db: any Database) async throws -> ChatEvent {
        let view = try await views([m], on: db)[0]
        try await ChatEventLog.refresh(messageID: m.id!, data: view, on: db)
        return try await ChatEventLog.append(type, chatID: m.chatID, data: view, messageID: m.id, now: now, on: db)
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
        let (upTo, event): (Int, ChatEvent?) = try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            let upTo = min(max(0, seq), access.chat.lastSeq)
            guard let member = access.member else {
                let row = ChatService.member(chatID, actor.userID, .member, now)
                row.lastReadSeq = upTo
                try await row.create(on: db)
                return (upTo, nil)
            }
            guard member.lastReadSeq < upTo else { return (member.lastReadSeq, nil) }
            let from = member.lastReadSeq
            member.lastReadSeq = upTo
            try await member.save(on: db)
            // Senders in chats see "read by N" move; channels show view counts on load instead (a
            // read event per reader per post would multiply a big channel's traffic).
            guard access.chat.kind != ChatKind.channel.rawValue else { return (upTo, nil) }
            struct Read: Encodable { let userId: UUID; let from: Int; let seq: Int }
            return (upTo, try await ChatEventLog.append("message.read", chatID: chatID, data: Read(userId: actor.userID, from: from, seq: upTo),
                                                        now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return upTo
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

    /// Message views: author names, reactions, mentions; with `viewer`, the viewer's own reactions;
    /// with `readers` (every reader's last read number), "read by N".
    static func views(_ rows: [MessageRecord], viewer: UUID? = nil, readers: [UUID: Int]? = nil, on db: any Database) async throws -> [MessageView] {
        guard !rows.isEmpty else { return [] }
        let authors = Array(Set(rows.map(\.authorID)))
        let names = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ authors).all()
            .map { ($0.id!, $0.fullName) })
        let photos = try await UserPhoto.tokens(of: authors, on: db)
        let live = rows.filter { $0.deletedAt == nil }.compactMap(\.id)
        var reactions: [UUID: [ReactionView]] = [:]
        var mine: [UUID: [String]] = [:]
        if !live.isEmpty {
            let all = try await MessageReactionRecord.query(on: db).filter(\.$messageID ~~ live).sort(\.$createdAt).all()
            for (messageID, list) in Dictionary(grouping: all, by: \.messageID) {
                var order: [String] = []
                var by: [String: [UUID]] = [:]
                for r in list {
                    if by[r.emoji] == nil { order.append(r.emoji) }
                    by[r.emoji, default: []].append(r.userID)
                    if r.userID == viewer { mine[messageID, default: []].append(r.emoji) }
                }
                reactions[messageID] = order.map { ReactionView(emoji: $0, count: by[$0]!.count, by: Array(by[$0]!.prefix(50))) }
            }
        }
        let files = try await AttachmentService.views(for: rows.compactMap(\.id), on: db)
        let pollRows = try await PollRecord.query(on: db).filter(\.$messageID ~~ rows.compactMap(\.id)).all()
        let pollViews = try await PollService.views(pollRows, viewer: viewer, on: db)
        let polls = Dictionary(uniqueKeysWithValues: pollRows.map { ($0.messageID, pollViews[$0.id!]!) })
        let readSeqs = readers.map { $0.values.sorted() }
        return rows.map { m in
            let mentionList = m.mentions ?? ""
            var readBy: Int?
            if let readers, let readSeqs {
                // Readers whose last read number reaches this message, the author aside.
                let reached = readSeqs.count - (readSeqs.firstIndex { $0 >= m.seq } ?? readSeqs.count)
                readBy = reached - ((readers[m.authorID] ?? 0) >= m.seq ? 1 : 0)
            }
            return MessageView(id: m.id!, chatId: m.chatID, seq: m.seq, authorId: m.authorID, authorName: names[m.authorID] ?? "",
                               authorPhoto: photos[m.authorID],
                               text: m.text, replyTo: m.replyTo, clientId: m.clientID, createdAt: m.createdAt, editedAt: m.editedAt,
                               deleted: m.deletedAt != nil, pinned: m.pinnedAt != nil, forwardedFrom: m.forwardedFrom,
                               mentions: mentionList == "all" ? [] : mentionList.split(separator: ",").compactMap { UUID(uuidString: String($0)) },
                               mentionsAll: mentionList == "all", reactions: reactions[m.id!] ?? [],
                               myReactions: viewer == nil ? nil : (mine[m.id!] ?? []), readBy: readBy,
                               attachments: files[m.id!] ?? [], poll: m.deletedAt == nil ? polls[m.id!] : nil)
        }
    }
}
