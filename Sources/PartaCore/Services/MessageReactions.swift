import FluentKit
import Foundation

/// Reactions and pins: every reader reacts (channels too), moderators pin (in a direct chat, both).
extension MessageService {
    public static let maxReactionsPerPerson = 3

    /// Adds or takes back the actor's reaction; the event carries the message's current reactions.
    public func react(_ actor: Actor, messageID: UUID, emoji raw: String, add: Bool) async throws -> MessageView {
        let emoji = try Self.checkedEmoji(raw)
        let now = ctx.clock.now()
        let (message, event): (MessageRecord, ChatEvent?) = try await ctx.store.write { db in
            let (m, _) = try await Self.visible(actor, messageID: messageID, on: db)
            guard m.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение удалено.") }
            let mine = try await MessageReactionRecord.query(on: db).filter(\.$messageID == messageID)
                .filter(\.$userID == actor.userID).all()
            let existing = mine.first { $0.emoji == emoji }
            if add {
                guard existing == nil else { return (m, nil) }
                guard mine.count < Self.maxReactionsPerPerson else {
                    throw PartaError(.conflict, "too_many_reactions", "Не больше \(Self.maxReactionsPerPerson) реакций на сообщение.")
                }
                let r = MessageReactionRecord()
                r.messageID = messageID; r.userID = actor.userID; r.emoji = emoji; r.createdAt = now
                try await r.create(on: db)
            } else {
                guard let existing else { return (m, nil) }
                try await existing.delete(on: db)
            }
            struct Reaction: Encodable { let messageId: UUID; let userId: UUID; let emoji: String; let added: Bool; let reactions: [ReactionView] }
            let reactions = try await Self.views([m], on: db)[0].reactions
            return (m, try await ChatEventLog.append("message.reaction", chatID: m.chatID,
                                                     data: Reaction(messageId: messageID, userId: actor.userID, emoji: emoji, added: add, reactions: reactions),
                                                     now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await Self.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// Pins or unpins a message: the chat's moderators; in a direct chat either person.
    public func pin(_ actor: Actor, messageID: UUID, pinned: Bool) async throws -> MessageView {
        let now = ctx.clock.now()
        let (message, event): (MessageRecord, ChatEvent?) = try await ctx.store.write { db in
            let (m, access) = try await Self.visible(actor, messageID: messageID, on: db)
            guard access.canModerate || access.chat.kind == ChatKind.direct.rawValue else { throw ChatService.notModerator }
            guard m.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение удалено.") }
            guard (m.pinnedAt != nil) != pinned else { return (m, nil) }
            if pinned {
                let count = try await MessageRecord.query(on: db).filter(\.$chatID == m.chatID).filter(\.$pinnedAt != nil).count()
                guard count < 20 else { throw PartaError(.conflict, "too_many_pins", "Не больше 20 закреплённых сообщений.") }
            }
            m.pinnedAt = pinned ? now : nil
            try await m.save(on: db)
            return (m, try await Self.changed(m, pinned ? "message.pinned" : "message.unpinned", now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await Self.views([message], viewer: actor.userID, on: ctx.store.db)[0]
    }

    /// The chat's pinned messages, newest pin first.
    public func pins(_ actor: Actor, chatID: UUID) async throws -> [MessageView] {
        let db = ctx.store.db
        _ = try await ChatService.access(actor, chatID: chatID, on: db)
        let rows = try await MessageRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$pinnedAt != nil)
            .sort(\.$pinnedAt, .descending).all()
        return try await Self.views(rows, viewer: actor.userID, on: db)
    }

    /// One emoji (a single grapheme of emoji characters, skin tones and joiners included).
    static func checkedEmoji(_ raw: String) throws -> String {
        let e = raw.trimmingCharacters(in: .whitespaces)
        let scalars = e.unicodeScalars
        guard e.count == 1, scalars.count <= 10,
              scalars.contains(where: { $0.properties.isEmojiPresentation || ($0.properties.isEmoji && $0.value > 0xFF) }),
              scalars.allSatisfy({ $0.properties.isEmoji || $0.properties.isEmojiModifier || $0.value == 0x200D || $0.value == 0xFE0F
                  || $0.properties.generalCategory == .enclosingMark })
        else { throw PartaError.invalid("emoji", "Реакция — один эмодзи.") }
        return e
    }
}
