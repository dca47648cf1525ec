import FluentKit
import Foundation
import SQLKit

/// Polls (PRODUCT.md flow 9): a message of the chat carries the poll; single or multiple choice,
/// anonymous or named; every reader votes (channels too), results go out live; the author or the
/// chat's moderators close it.
public struct PollService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func create(_ actor: Actor, chatID: UUID, question raw: String, options rawOptions: [String], multiple: Bool,
                       anonymous: Bool) async throws -> MessageView {
        let question = Text.cleanLine(raw)
        guard (1...300).contains(question.count) else { throw PartaError.invalid("question", "Вопрос: от 1 до 300 символов.") }
        let options = rawOptions.map(Text.cleanLine)
        guard (2...10).contains(options.count), options.allSatisfy({ (1...100).contains($0.count) }) else {
            throw PartaError.invalid("options", "От 2 до 10 вариантов, каждый от 1 до 100 символов.")
        }
        guard Set(options.map(UserSearchKey.fold)).count == options.count else { throw PartaError.invalid("options", "Варианты не должны повторяться.") }
        try ctx.limiter.hitCreation(.polls, by: actor.userID, ctx.rules.creation)
        try ctx.limiter.hit("send:\(actor.userID)", ctx.rules.messagesPerUser)
        let now = ctx.clock.now()
        let messages = MessageService(ctx)
        let (message, event): (MessageRecord, ChatEvent) = try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            try MessageService.checkMayWrite(access, now: now)
            let m = MessageRecord()
            m.id = .timeOrdered(at: now); m.chatID = chatID; m.authorID = actor.userID; m.text = question; m.createdAt = now
            // The poll goes in before the message's event is logged, so the event carries it.
            let poll = PollRecord()
            poll.chatID = chatID; poll.question = question; poll.options = try ChatEventLog.encode(options)
            poll.multiple = multiple; poll.anonymous = anonymous
            let event = try await messages.store(m, access: access, now: now, before: { db in
                poll.messageID = m.id!
                try await poll.create(on: db)
            }, on: db)
            return (m, event)
        }
        await ctx.events.publish(.chat(event))
        return try await MessageService.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// The actor's choice, replacing any earlier one (none: takes the vote back).
    public func vote(_ actor: Actor, pollID: UUID, options chosen: [Int]) async throws -> PollView {
        let picks = Array(Set(chosen)).sorted()
        let now = ctx.clock.now()
        let (poll, event): (PollRecord, ChatEvent) = try await ctx.store.write { db in
            let poll = try await Self.visible(actor, pollID: pollID, on: db).0
            guard poll.closedAt == nil else { throw PartaError(.conflict, "poll_closed", "Опрос закрыт.") }
            let count = try Self.options(of: poll).count
            guard picks.allSatisfy({ (0..<count).contains($0) }) else { throw PartaError.invalid("options", "Нет такого варианта.") }
            guard poll.multiple || picks.count <= 1 else { throw PartaError.invalid("options", "В этом опросе — один вариант.") }
            try await PollVoteRecord.query(on: db).filter(\.$pollID == pollID).filter(\.$userID == actor.userID).delete()
            for option in picks {
                let v = PollVoteRecord()
                v.pollID = pollID; v.userID = actor.userID; v.option = option; v.createdAt = now
                try await v.create(on: db)
            }
            return (poll, try await Self.updated(poll, now: now, on: db))
        }
        await ctx.events.publish(.chat(event))
        return try await Self.views([poll], viewer: actor.userID, on: ctx.store.db)[poll.id!]!
    }

    public func close(_ actor: Actor, pollID: UUID) async throws -> PollView {
        let now = ctx.clock.now()
        let (poll, event): (PollRecord, ChatEvent?) = try await ctx.store.write { db in
            let (poll, access, author) = try await Self.visible(actor, pollID: pollID, on: db)
            guard author == actor.userID || access.canModerate else {
                throw PartaError(.forbidden, "forbidden", "Закрывает опрос его автор или модератор чата.")
            }
            guard poll.closedAt == nil else { return (poll, nil) }
            poll.closedAt = now
            try await poll.save(on: db)
            return (poll, try await Self.updated(poll, now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await Self.views([poll], viewer: actor.userID, on: ctx.store.db)[poll.id!]!
    }

    // MARK: Helpers

    /// The poll if the actor reads its chat and its message is not deleted; "not found" otherwise.
    static func visible(_ actor: Actor, pollID: UUID, on db: any Database) async throws -> (PollRecord, ChatService.Access, UUID) {
        guard let poll = try await PollRecord.find(pollID, on: db),
              let access = try? await ChatService.access(actor, chatID: poll.chatID, on: db),
              let m = try await MessageRecord.find(poll.messageID, on: db), m.deletedAt == nil
        else { throw PartaError.notFound("Опрос") }
        return (poll, access, m.authorID)
    }

    static func options(of poll: PollRecord) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(poll.options.utf8))
    }

    /// `poll.updated`: the results as they are now, for everyone reading the chat.
    static func updated(_ poll: PollRecord, now: Date, on db: any Database) async throws -> ChatEvent {
        let view = try await views([poll], viewer: nil, on: db)[poll.id!]!
        struct Updated: Encodable { let messageId: UUID; let poll: PollView }
        return try await ChatEventLog.append("poll.updated", chatID: poll.chatID, data: Updated(messageId: poll.messageID, poll: view),
                                             now: now, on: db)
    }

    static func views(_ polls: [PollRecord], viewer: UUID?, on db: any Database) async throws -> [UUID: PollView] {
        guard !polls.isEmpty else { return [:] }
        let votes = try await PollVoteRecord.query(on: db).filter(\.$pollID ~~ polls.map { $0.id! }).sort(\.$createdAt).all()
        let byPoll = Dictionary(grouping: votes, by: \.pollID)
        var out: [UUID: PollView] = [:]
        for poll in polls {
            let id = poll.id!, mine = byPoll[id] ?? []
            let options = try options(of: poll).enumerated().map { index, text in
                let chose = mine.filter { $0.option == index }.map(\.userID)
                return PollView.Option(text: text, votes: chose.count, voters: poll.anonymous ? nil : chose)
            }
            out[id] = PollView(id: id, question: poll.question, options: options, multiple: poll.multiple, anonymous: poll.anonymous,
                               closed: poll.closedAt != nil, voters: Set(mine.map(\.userID)).count,
                               myVotes: viewer.map { v in mine.filter { $0.userID == v }.map(\.option).sorted() })
        }
        return out
    }
}
