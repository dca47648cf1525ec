import Foundation
import PartaCore
import Vapor

/// A chat's invite links and joining a chat by one.
struct ChatLinkController {
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
}

struct ChatInviteBody: StrictBody {
    static let allowedKeys: Set<String> = ["expiresInHours", "maxUses"]
    let expiresInHours: Int?
    let maxUses: Int?
}
