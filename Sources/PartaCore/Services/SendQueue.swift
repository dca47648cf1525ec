import Foundation

/// Group commit for sends on SQLite: sends that arrive while a batch is being committed are checked
/// and stored together in one transaction — one commit, one fsync — on Parta's own SQLite connection
/// (`SQLiteWriter`), with statements prepared once and run synchronously on its queue: per send, its
/// place in the chat, its author and any earlier message with its clientId are read; then the
/// batch's messages and events are written with one statement each, and each chat's two counters
/// and each author's read mark once. Who may write is
/// decided by the same rules as everywhere (`Policy.chatRights`, `MessageService.checkNotMuted`),
/// inside the transaction, so a plain send needs no statement before it reaches the batch. A send
/// refused in the batch fails alone; a batch that fails otherwise is retried send by send
/// (`MessageService.sendAlone`), so only the faulty one fails. Events go out after the commit, in
/// commit order, while the next batch is being written.
public final class SendQueue: @unchecked Sendable {
    // @unchecked: `pending`, `draining`, `written`, `publishing` and `idleWaiters` are guarded by `lock`.

    /// A send whose text and extras are checked (`MessageService.send`), ready to be written.
    struct Prepared: Sendable {
        let actor: Actor
        let chatID: UUID
        let text: String
        let extras: MessageService.Extras
    }

    /// What the batch did with a send.
    enum Written: Sendable {
        /// Stored now: the message and its event (published after the commit).
        case stored(MessageView, ChatEvent)
        /// A retried send (its clientId was used before): the message stored then.
        case earlier(UUID)
    }

    /// The answer to a send (a send retried alone has published its event itself).
    enum Reply: Sendable {
        case stored(MessageView)
        case earlier(UUID)
    }

    struct Job: Sendable {
        let send: Prepared
        let done: CheckedContinuation<Reply, any Error>
    }

    static let maxBatch = 256
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    /// Written batches whose events are still to be published and senders answered, oldest first.
    private var written: [(jobs: [Job], results: [Result<Written, any Error>])] = []
    private var publishing = false
    /// Waiting for the publisher to have published everything written (`publisherIdle`).
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    func submit(_ send: Prepared, ctx: PartaContext) async throws -> Reply {
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

    /// Writes batch after batch while sends wait: back to back on the writer's queue for as long as
    /// no other writer waits for its turn (then the turn is passed on and taken again). A written
    /// batch goes to the publisher (`publish`), so the next batch is written while the last one's
    /// events go out: the writer never waits for sockets.
    private func drain(_ ctx: PartaContext) async {
        enum TurnEnded: Sendable { case noMoreSends, othersWait, failed([Job]) }
        while true {
            let ended: TurnEnded
            do {
                ended = try await ctx.store.withSQLiteWriter { writer in
                    while let batch = self.nextBatch() {
                        let sends = batch.map(\.send)
                        let now = ctx.clock.now()
                        do {
                            let results = try writer.transaction { session in try Self.write(sends, now: now, in: session) }
                            self.toPublish(batch, results, ctx)
                        } catch {
                            ctx.logger.warning("send batch of \(batch.count) failed (\(error)); sending one by one")
                            return .failed(batch)
                        }
                        if ctx.store.othersWaiting { return .othersWait }
                    }
                    return .noMoreSends
                }
            } catch {
                // No writer to write with: the sends waiting fail.
                ctx.logger.warning("send batches stopped: \(error)")
                for job in lock.withLock({ () -> [Job] in defer { pending = []; draining = false }; return pending }) {
                    job.done.resume(throwing: error)
                }
                return
            }
            switch ended {
            case .noMoreSends: return
            case .othersWait: continue
            case let .failed(batch):
                // Something unexpected failed the batch: nothing of it was stored; each send alone —
                // after the batches before it are published (a send alone publishes its own event).
                await publisherIdle()
                for job in batch {
                    let s = job.send
                    do {
                        job.done.resume(returning: .stored(try await MessageService(ctx).sendAlone(
                            s.actor, chatID: s.chatID, text: s.text, extras: s.extras, now: ctx.clock.now())))
                    } catch { job.done.resume(throwing: error) }
                }
            }
        }
    }

    /// The next sends to write, or nil — and then this drain ends (`draining` is cleared under the
    /// same lock `submit` takes, so a send that arrives later starts a new drain).
    private func nextBatch() -> [Job]? {
        lock.withLock {
            let batch = Array(pending.prefix(Self.maxBatch))
            pending.removeFirst(batch.count)
            if batch.isEmpty { draining = false }
            return batch.isEmpty ? nil : batch
        }
    }

    private func toPublish(_ jobs: [Job], _ results: [Result<Written, any Error>], _ ctx: PartaContext) {
        let start = lock.withLock { () -> Bool in
            written.append((jobs, results))
            if publishing { return false }
            publishing = true
            return true
        }
        if start { Task { await self.publish(ctx) } }
    }

    /// Publishes written batches one at a time, in the order they were committed — one publisher at
    /// a time across drains (an event published out of order sends every socket of its chat to the
    /// log to catch up) — then answers their senders.
    private func publish(_ ctx: PartaContext) async {
        while true {
            let (next, idle) = lock.withLock { () -> ((jobs: [Job], results: [Result<Written, any Error>])?, [CheckedContinuation<Void, Never>]) in
                if written.isEmpty {
                    publishing = false
                    defer { idleWaiters = [] }
                    return (nil, idleWaiters)
                }
                return (written.removeFirst(), [])
            }
            guard let (jobs, results) = next else {
                for waiter in idle { waiter.resume() }
                return
            }
            for result in results {
                if case let .success(.stored(_, event)) = result { await ctx.events.publish(.chat(event)) }
            }
            for (job, result) in zip(jobs, results) {
                job.done.resume(with: result.map { written in
                    switch written {
                    case let .stored(view, _): .stored(view)
                    case let .earlier(id): .earlier(id)
                    }
                })
            }
        }
    }

    /// Returns once no send waits, none is being written and every written one is published and
    /// answered — or after `limit` (a graceful stop waits for it before the writer closes).
    public func idle(waitingAtMost limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            let busy = lock.withLock { !pending.isEmpty || draining || publishing || !written.isEmpty }
            if !busy { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Returns once everything written so far is published.
    private func publisherIdle() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if !publishing { return true }
                idleWaiters.append(done)
                return false
            }
            if now { done.resume() }
        }
    }

    /// Checks and writes a batch inside one transaction; a result per send, in order.
    static func write(_ sends: [Prepared], now: Date, in db: SQLiteWriter.Session) throws -> [Result<Written, any Error>] {
        struct Chat { let schoolID: UUID; let readOnly: Bool; let audience: String?; var lastSeq: Int; var lastEvent: Int; var taken = false }
        struct Place { let memberID: UUID; let role: ChatRole; let muted: Date? }
        struct Author { let name: String; let photo: String? }
        var chats: [UUID: Chat?] = [:]
        struct Seat: Hashable { let chat: UUID; let user: UUID }
        struct ClientKey: Hashable { let user: UUID; let clientID: String }
        var places: [Seat: Place?] = [:]
        var names: [UUID: Author?] = [:]
        var storedHere: [ClientKey: (id: UUID, chatID: UUID)] = [:]   // stored by this batch
        var readUpTo: [UUID: Int] = [:]   // chat member → the seq of their last message in this batch
        var messageRows: [[SQLiteValue]] = [], eventRows: [[SQLiteValue]] = []
        var results: [Result<Written, any Error>] = []
        results.reserveCapacity(sends.count)
        let formattedNow = JSONCoding.iso.string(from: now)
        for s in sends {
            let user = s.actor.userID
            // 1. The chat and the sender's place in it, as they are inside the transaction. (Two plain
            //    lookups: the same as one LEFT JOIN, which SQLite re-prepared on every run.)
            if chats[s.chatID] == nil {
                chats[s.chatID] = .some(try db.first("SELECT school_id, read_only, system_audience, last_seq, last_event FROM chats WHERE id = ?1",
                                                     [SQLiteValue(s.chatID)]).flatMap { r in
                    r[0].uuid.map { Chat(schoolID: $0, readOnly: r[1].bool, audience: r[2].string,
                                         lastSeq: r[3].int ?? 0, lastEvent: r[4].int ?? 0) }
                })
            }
            let key = Seat(chat: s.chatID, user: user)
            if places[key] == nil {
                places[key] = .some(try db.first("SELECT id, role, muted_until FROM chat_members WHERE chat_id = ?1 AND user_id = ?2",
                                                 [SQLiteValue(s.chatID), SQLiteValue(user)]).flatMap { r in
                    r[0].uuid.map { Place(memberID: $0, role: r[1].string.flatMap(ChatRole.init(rawValue:)) ?? .member, muted: r[2].date) }
                })
            }
            let place = places[key] ?? nil
            guard let chat = chats[s.chatID] ?? nil,
                  let rights = ChatService.rights(s.actor, schoolID: chat.schoolID, systemAudience: chat.audience,
                                                  readOnly: chat.readOnly, memberRole: place?.role) else {
                results.append(.failure(PartaError.notFound("Чат")))
                continue
            }
            // 2. A retried send (this clientId used before, or earlier in this batch): stored once.
            if let clientID = s.extras.clientID {
                var before = storedHere[ClientKey(user: user, clientID: clientID)]
                if before == nil, let r = try db.first("SELECT id, chat_id FROM messages WHERE author_id = ?1 AND client_id = ?2",
                                                       [SQLiteValue(user), .text(clientID)]),
                   let id = r[0].uuid, let chatID = r[1].uuid {
                    before = (id, chatID)
                }
                if let before {
                    results.append(before.chatID == s.chatID ? .success(.earlier(before.id)) : .failure(MessageService.clientIDReused))
                    continue
                }
            }
            // 3. May write now.
            guard rights.canPost else { results.append(.failure(MessageService.readOnly)); continue }
            do { try MessageService.checkNotMuted(until: place?.muted, now: now) } catch { results.append(.failure(error)); continue }
            if s.extras.mentionAll && !Policy.canMentionAll(rights) { results.append(.failure(MessageService.mentionAllForbidden)); continue }
            if names[user] == nil {
                names[user] = .some(try db.first("SELECT full_name, photo_id FROM users WHERE id = ?1", [SQLiteValue(user)]).flatMap { r in
                    r[0].string.map { Author(name: $0, photo: UserPhoto.token(r[1].uuid)) }
                })
            }
            // The author's row exists (the writer's connection does not check foreign keys).
            guard let author = names[user] ?? nil else { results.append(.failure(PartaError.notFound("Пользователь"))); continue }
            // 4. The chat's next numbers (written back once per chat, after the batch's sends: the
            //    transaction holds the write lock, nobody else takes one meanwhile), the message, the
            //    event; the author's read mark after the batch as well.
            chats[s.chatID]??.lastSeq += 1
            chats[s.chatID]??.lastEvent += 1
            chats[s.chatID]??.taken = true
            let seq = chat.lastSeq + 1, eventSeq = chat.lastEvent + 1
            let id = UUID.timeOrdered(at: now)
            messageRows.append([SQLiteValue(id), SQLiteValue(s.chatID), SQLiteValue(seq), SQLiteValue(user), SQLiteValue(s.extras.clientID),
                                .text(s.text), SQLiteValue(s.extras.replyTo), SQLiteValue(now), SQLiteValue(s.extras.mentionsColumn)])
            if let memberID = place?.memberID { readUpTo[memberID] = seq }
            let view = s.extras.newMessage(id: id, chatID: s.chatID, seq: seq, author: user, authorName: author.name, authorPhoto: author.photo,
                                           text: s.text, at: now)
            let data = try view.json(createdAt: formattedNow)
            eventRows.append([SQLiteValue(s.chatID), SQLiteValue(eventSeq), .text("message.created"), SQLiteValue(id), .text(data), SQLiteValue(now)])
            if let clientID = s.extras.clientID { storedHere[ClientKey(user: user, clientID: clientID)] = (id, s.chatID) }
            results.append(.success(.stored(view, ChatEvent(chatID: s.chatID, seq: eventSeq, type: "message.created", data: data))))
        }
        // 5. The batch's rows, a statement per many rows (see `Session.insert`: the full-text index
        //    of the messages is written once per batch, not once per message).
        try db.insert(into: "messages", columns: ["id", "chat_id", "seq", "author_id", "client_id", "text", "reply_to", "created_at", "mentions"],
                      rows: messageRows)
        try db.insert(into: "chat_events", columns: ["chat_id", "seq", "type", "message_id", "data", "created_at"], rows: eventRows)
        for (id, chat) in chats {
            guard let chat, chat.taken else { continue }
            try db.rows("UPDATE chats SET last_seq = ?2, last_event = ?3 WHERE id = ?1",
                        [SQLiteValue(id), SQLiteValue(chat.lastSeq), SQLiteValue(chat.lastEvent)])
        }
        for (memberID, seq) in readUpTo {
            try db.rows("UPDATE chat_members SET last_read_seq = MAX(last_read_seq, ?1) WHERE id = ?2",
                        [SQLiteValue(seq), SQLiteValue(memberID)])
        }
        return results
    }
}
