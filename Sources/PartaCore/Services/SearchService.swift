import FluentKit
import Foundation
import SQLKit

public struct SearchHit: Sendable, Codable, Equatable {
    public var chatId: UUID
    public var chatTitle: String
    public var message: MessageView
}

/// Full-text search in the chats one reads (member chats and one's system channels), newest first.
/// Words are found regardless of case (and «ё»/«е») and in any of their forms (Russian stemming:
/// «контрольную» finds «контрольная»); on SQLite each word's stem also as a prefix («домашн» finds
/// «домашнее», «контр» finds «контрольная»; `MessageSearch`).
public struct SearchService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let limit = 50

    public func search(_ actor: Actor, schoolID: UUID, query: String, chatID: UUID?) async throws -> [SearchHit] {
        let words = MessageSearch.words(query).prefix(8)
        guard !words.isEmpty, query.count <= 200 else { throw PartaError.invalid("q", "Слова для поиска: до 200 символов.") }
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var chats = try await Recipients(ctx).readableChats(actor).keys.map { $0 }
        let inSchool = Set(try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id ~~ chats).all().compactMap(\.id))
        chats = chats.filter(inSchool.contains)
        if let chatID {
            guard chats.contains(chatID) else { throw PartaError.notFound("Чат") }
            chats = [chatID]
        }
        guard !chats.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        let rows: [any SQLRow]
        if sql.dialect.name == "sqlite" {
            // Every term is letters, digits and marks only (no quote, no operator), quoted all the same;
            // all must be found, each as the beginning of an indexed stem.
            let match = words.map { "\"\(MessageSearch.term($0).replacingOccurrences(of: "\"", with: ""))\"*" }.joined(separator: " ")
            rows = try await sql.raw("""
                SELECT m.id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
                WHERE messages_fts MATCH \(bind: match) AND m.chat_id IN (\(binds: chats)) AND m.deleted_at IS NULL
                ORDER BY m.created_at DESC LIMIT \(bind: Self.limit)
                """).all()
        } else {
            rows = try await sql.raw("""
                SELECT id FROM messages WHERE \(unsafeRaw: MessageSearch.foldedSQL) @@ plainto_tsquery('russian', \(bind: words.joined(separator: " ")))
                AND chat_id IN (\(binds: chats)) AND deleted_at IS NULL ORDER BY created_at DESC LIMIT \(bind: Self.limit)
                """).all()
        }
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        let messages = try await MessageRecord.query(on: db).filter(\.$id ~~ ids).all()
        let views = Dictionary(uniqueKeysWithValues: try await MessageService.views(messages, viewer: actor.userID, on: db).map { ($0.id, $0) })
        let chatViews = Dictionary(uniqueKeysWithValues: try await ChatService(ctx).views(
            actor, try await ChatRecord.query(on: db).filter(\.$id ~~ Array(Set(messages.map(\.chatID)))).all(),
            members: try await ChatMemberRecord.query(on: db).filter(\.$userID == actor.userID).all(), on: db).map { ($0.id, $0.title) })
        return ids.compactMap { id in
            views[id].map { SearchHit(chatId: $0.chatId, chatTitle: chatViews[$0.chatId] ?? "", message: $0) }
        }
    }
}
