import Foundation
import PartaCore
import Vapor

/// Messages of a chat: history, sending, forwarding, reactions, pins, editing, deleting, read marks.
struct MessageController {
    func history(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let before: String?; let after: String?; let limit: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query(before: nil, after: nil, limit: nil)
        func number(_ raw: String?, _ name: String, max: Int) throws -> Int? {
            guard let raw, !raw.isEmpty else { return nil }
            guard let n = Int(raw), n >= 0, n <= max else { throw PartaError.invalid(name, "Целое число от 0 до \(max).") }
            return n
        }
        let page = try await req.parta.messages.history(
            actor, chatID: try req.id("chatId"), beforeSeq: try number(q.before, "before", max: Int(Int32.max)),
            afterSeq: try number(q.after, "after", max: Int(Int32.max)), limit: try number(q.limit, "limit", max: MessageService.maxPage) ?? 50)
        return try .json(page)
    }

    func send(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(MessageBody.self)
        let extras = try MessageBody.extras(clientId: body.clientId, replyTo: body.replyTo, mentions: body.mentions,
                                            mentionAll: body.mentionAll, attachments: body.attachments)
        let message = try await req.parta.messages.send(actor, chatID: try req.id("chatId"), text: body.text, extras: extras)
        return .json(encoded: try message.json(), status: .created)
    }

    func forward(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ForwardBody.self)
        guard let target = UUID(uuidString: body.chatId) else { throw PartaError.notFound("Чат") }
        return try .json(try await req.parta.messages.forward(actor, messageID: try req.id("messageId"), toChat: target), status: .created)
    }

    func react(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ReactionBody.self)
        return try .json(try await req.parta.messages.react(actor, messageID: try req.id("messageId"), emoji: body.emoji, add: body.add ?? true))
    }

    func pin(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.messages.pin(actor, messageID: try req.id("messageId"), pinned: req.method == .PUT))
    }

    func pins(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.messages.pins(actor, chatID: try req.id("chatId"))))
    }

    func edit(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(MessageEditBody.self)
        return try .json(try await req.parta.messages.edit(actor, messageID: try req.id("messageId"), text: body.text))
    }

    func delete(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.messages.delete(actor, messageID: try req.id("messageId")))
    }

    func markRead(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ReadBody.self)
        return try .json(["lastReadSeq": try await req.parta.messages.markRead(actor, chatID: try req.id("chatId"), seq: body.seq)])
    }
}

struct MessageBody: StrictBody {
    static let allowedKeys: Set<String> = ["text", "clientId", "replyTo", "mentions", "mentionAll", "attachments"]
    let text: String
    let attachments: [String]?
    let clientId: String?
    let replyTo: String?
    let mentions: [String]?
    let mentionAll: Bool?
}

extension MessageBody {
    /// What a send carries besides its text, from the fields of a body or of a socket's `send` frame.
    static func extras(clientId: String?, replyTo: String?, mentions: [String]?, mentionAll: Bool?,
                       attachments: [String]?) throws -> MessageService.Extras {
        let reply = try replyTo.map { raw -> UUID in
            guard let id = UUID(uuidString: raw) else { throw PartaError.invalid("replyTo", "Ответ — на сообщение этого чата.") }
            return id
        }
        return MessageService.Extras(clientID: clientId, replyTo: reply, mentions: try BodyIDs.parse(mentions ?? [], "Участник"),
                                     mentionAll: mentionAll ?? false, attachments: try BodyIDs.parse(attachments ?? [], "Вложение"))
    }
}

struct ForwardBody: StrictBody {
    static let allowedKeys: Set<String> = ["chatId"]
    let chatId: String
}

struct ReactionBody: StrictBody {
    static let allowedKeys: Set<String> = ["emoji", "add"]
    let emoji: String
    let add: Bool?
}

struct MessageEditBody: StrictBody {
    static let allowedKeys: Set<String> = ["text"]
    let text: String
}

struct ReadBody: StrictBody {
    static let allowedKeys: Set<String> = ["seq"]
    let seq: Int
}
