import Foundation
import PartaCore
import Vapor

/// Chats and channels (issue 4): listing, making (also from templates), their members, the people
/// finder, search and who is online. Realtime delivery is the gateway's.
struct ChatController {
    /// For presence: who of a chat has a socket open.
    let hub: SocketHub

    func online(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let peers = try await req.parta.chats.presencePeers(actor, chatID: try req.id("chatId"))
        return try .json(ItemsResponse(items: hub.online(peers)))
    }

    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.chats.list(actor, schoolID: try req.id("schoolId"))))
    }

    func create(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChatCreateBody.self)
        guard let kind = ChatKind(rawValue: body.kind) else { throw PartaError.invalid("kind", "Вид чата: direct, group или channel.") }
        let ids = try BodyIDs.parse(body.memberIds, "Участник")
        let chat = try await req.parta.chats.create(actor, schoolID: try req.id("schoolId"), kind: kind, title: body.title,
                                                    memberIDs: ids, readOnly: body.readOnly ?? false)
        return try .json(chat, status: .created)
    }

    func templates(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await ChatTemplateService(req.parta.context).list(actor, schoolID: try req.id("schoolId"))))
    }

    func fromTemplate(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(TemplateChatBody.self)
        guard let template = ChatTemplate(rawValue: body.template) else {
            throw PartaError.invalid("template", "Шаблон: " + ChatTemplate.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let classID = try body.classId.map { raw -> UUID in
            guard let id = UUID(uuidString: raw) else { throw PartaError.notFound("Класс") }
            return id
        }
        let chat = try await ChatTemplateService(req.parta.context).create(
            actor, schoolID: try req.id("schoolId"), template: template, classID: classID, subject: body.subject,
            memberIDs: try BodyIDs.parse(body.memberIds ?? [], "Участник"))
        return try .json(chat, status: .created)
    }

    func directory(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let q = req.query[String.self, at: "q"]
        if let q, q.count > 100 { throw PartaError.invalid("q", "Не длиннее 100 символов.") }
        let role = try req.query[String.self, at: "role"].map { raw -> SchoolRole in
            guard let r = SchoolRole(rawValue: raw) else { throw PartaError.invalid("role", "Неизвестная роль.") }
            return r
        }
        return try .json(ItemsResponse(items: try await DirectoryService(req.parta.context).find(actor, schoolID: try req.id("schoolId"), query: q, role: role)))
    }

    func search(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let chatID = try QueryID.parse(req.query[String.self, at: "chatId"], "chatId")
        return try .json(ItemsResponse(items: try await SearchService(req.parta.context).search(
            actor, schoolID: try req.id("schoolId"), query: req.query[String.self, at: "q"] ?? "", chatID: chatID)))
    }

    func get(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.chats.view(actor, chatID: try req.id("chatId")))
    }

    func members(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.chats.members(actor, chatID: try req.id("chatId"))))
    }

    func addMembers(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChatMembersBody.self)
        let ids = try BodyIDs.parse(body.userIds, "Участник")
        return try .json(ItemsResponse(items: try await req.parta.chats.addMembers(actor, chatID: try req.id("chatId"), userIDs: ids)))
    }

    func removeMember(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.chats.removeMember(actor, chatID: try req.id("chatId"), userID: try req.id("userId"))
        return .noContent()
    }
}

struct ChatCreateBody: StrictBody {
    static let allowedKeys: Set<String> = ["kind", "title", "memberIds", "readOnly"]
    let kind: String
    let title: String?
    let memberIds: [String]
    let readOnly: Bool?
}

struct TemplateChatBody: StrictBody {
    static let allowedKeys: Set<String> = ["template", "classId", "subject", "memberIds"]
    let template: String
    let classId: String?
    let subject: String?
    let memberIds: [String]?
}

struct ChatMembersBody: StrictBody {
    static let allowedKeys: Set<String> = ["userIds"]
    let userIds: [String]
}
