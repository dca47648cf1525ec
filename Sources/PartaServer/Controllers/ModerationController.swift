import Foundation
import PartaCore
import Vapor

/// Moderating chats: settings, muting, chat admins, reports of messages and resolving them.
struct ModerationController {
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
