import Foundation
import PartaCore
import Vapor

/// Chats, channels and messages (issue 4): the HTTP side. Realtime delivery is the gateway's.
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

    // MARK: Invite links

    func createInvite(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChatInviteBody.self)
        return try .json(try await ChatInviteService(req.parta.context).create(actor, chatID: try req.id("chatId"),
                                                                               expiresInHours: body.expiresInHours, maxUses: body.maxUses), status: .created)
    }

    func invites(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await ChatInviteService(req.parta.context).list(actor, chatID: try req.id("chatId"))))
    }

    func revokeInvite(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await ChatInviteService(req.parta.context).revoke(actor, inviteID: try req.id("inviteId")))
    }

    func joinPreview(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await ChatInviteService(req.parta.context).preview(actor, token: req.parameters.get("token") ?? ""))
    }

    func join(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await ChatInviteService(req.parta.context).join(actor, token: req.parameters.get("token") ?? ""))
    }

    // MARK: Polls

    func createPoll(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(PollBody.self)
        return try .json(try await PollService(req.parta.context).create(actor, chatID: try req.id("chatId"), question: body.question,
                                                                       options: body.options, multiple: body.multiple ?? false,
                                                                       anonymous: body.anonymous ?? false), status: .created)
    }

    func vote(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(VoteBody.self)
        return try .json(try await PollService(req.parta.context).vote(actor, pollID: try req.id("pollId"), options: body.options))
    }

    func closePoll(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await PollService(req.parta.context).close(actor, pollID: try req.id("pollId")))
    }

    // MARK: Files

    func upload(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Файл отправляется как multipart/form-data (поле file).")
        }
        guard let form = try? MultipartForm(request: req), let part = form.file("file") else {
            throw PartaError(.badRequest, "invalid_body", "Не удалось прочитать файл (multipart/form-data, поле file).")
        }
        let view = try await AttachmentService(req.parta.context).upload(actor, chatID: try req.id("chatId"),
                                                                         fileName: part.filename ?? "", data: part.data)
        return try .json(view, status: .created)
    }

    /// Images are shown inline; everything else is downloaded (`Content-Disposition: attachment`).
    /// The type is the one detected at upload, never the name's; `nosniff` keeps browsers to it.
    func download(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (file, url) = try await AttachmentService(req.parta.context).download(actor, attachmentID: try req.id("fileId"))
        let response = try await req.fileio.asyncStreamFile(at: url.path, mediaType: HTTPMediaType(type: "application", subType: "octet-stream"))
        response.headers.replaceOrAdd(name: .contentType, value: file.image ? file.contentType : "application/octet-stream")
        let disposition = SchoolController.attachment(file.fileName)
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: file.image ? disposition.replacingOccurrences(of: "attachment;", with: "inline;") : disposition)
        // Not kept by the browser or any cache: the next reader of a shared device must not find it.
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    // MARK: Moderation

    func update(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChatPatchBody.self)
        return try .json(try await ModerationService(req.parta.context).update(actor, chatID: try req.id("chatId"), title: body.title, readOnly: body.readOnly))
    }

    func mute(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let minutes = req.method == .DELETE ? 0 : try req.decodeStrict(MuteBody.self).minutes
        try await ModerationService(req.parta.context).mute(actor, chatID: try req.id("chatId"), userID: try req.id("userId"), minutes: minutes)
        return .noContent()
    }

    func setRole(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChatRoleBody.self)
        guard let role = ChatRole(rawValue: body.role), role != .owner else { throw PartaError.invalid("role", "Роль: admin или member.") }
        try await ModerationService(req.parta.context).setRole(actor, chatID: try req.id("chatId"), userID: try req.id("userId"), role: role)
        return .noContent()
    }

    func report(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ReportBody.self)
        return try .json(try await ModerationService(req.parta.context).report(actor, messageID: try req.id("messageId"), reason: body.reason,
                                                                                comment: body.comment), status: .created)
    }

    func reports(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let status = req.query[String.self, at: "status"]
        if let status, !["open", "resolved"].contains(status) { throw PartaError.invalid("status", "Статус: open или resolved.") }
        return try .json(ItemsResponse(items: try await ModerationService(req.parta.context).reports(actor, schoolID: try req.id("schoolId"), status: status)))
    }

    func resolve(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ResolveBody.self)
        guard let action = ModerationService.Action(rawValue: body.action) else {
            throw PartaError.invalid("action", "Действие: dismiss, delete, mute или remove.")
        }
        return try .json(try await ModerationService(req.parta.context).resolve(actor, reportID: try req.id("reportId"), action: action, minutes: body.minutes))
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

struct ChatPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["title", "readOnly"]
    let title: String?
    let readOnly: Bool?
}

struct MuteBody: StrictBody {
    static let allowedKeys: Set<String> = ["minutes"]
    let minutes: Int
}

struct ChatRoleBody: StrictBody {
    static let allowedKeys: Set<String> = ["role"]
    let role: String
}

struct ReportBody: StrictBody {
    static let allowedKeys: Set<String> = ["reason", "comment"]
    let reason: String
    let comment: String?
}

struct ResolveBody: StrictBody {
    static let allowedKeys: Set<String> = ["action", "minutes"]
    let action: String
    let minutes: Int?
}

struct ChatMembersBody: StrictBody {
    static let allowedKeys: Set<String> = ["userIds"]
    let userIds: [String]
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

struct ChatInviteBody: StrictBody {
    static let allowedKeys: Set<String> = ["expiresInHours", "maxUses"]
    let expiresInHours: Int?
    let maxUses: Int?
}

struct PollBody: StrictBody {
    static let allowedKeys: Set<String> = ["question", "options", "multiple", "anonymous"]
    let question: String
    let options: [String]
    let multiple: Bool?
    let anonymous: Bool?
}

struct VoteBody: StrictBody {
    static let allowedKeys: Set<String> = ["options"]
    let options: [Int]
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
