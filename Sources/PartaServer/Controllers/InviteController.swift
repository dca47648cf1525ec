import Foundation
import PartaCore
import Vapor

/// Invite links (§2.1): the administrators' side and the joining side.
struct InviteController {
    func create(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let classID = try req.id("classId")
        let body = try req.decodeStrict(InviteCreateBody.self)
        guard let role = SchoolRole(rawValue: body.role) else {
            throw PartaError.invalid("role", "Роль: student, parent, teacher, director или deputy.")
        }
        let invite = try await req.parta.invites.create(actor, classID: classID, role: role, expiresInDays: body.expiresInDays,
                                                        maxUses: body.maxUses, needsApproval: body.needsApproval ?? false)
        return try .json(invite, status: .created)
    }

    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let state: String? }
        let activeOnly: Bool
        switch (try? req.query.decode(Query.self))?.state {
        case nil, "", "active": activeOnly = true
        case "all": activeOnly = false
        default: throw PartaError.invalid("state", "Допустимо: active или all.")
        }
        let items = try await req.parta.invites.list(actor, schoolID: try req.id("schoolId"), activeOnly: activeOnly)
        return try .json(ItemsResponse(items: items))
    }

    func revoke(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.invites.revoke(actor, inviteID: try req.id("inviteId")))
    }

    func revokeUnused(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let count = try await req.parta.invites.revokeUnused(actor, schoolID: try req.id("schoolId"))
        return try .json(["revoked": count])
    }

    // MARK: Joining

    func preview(_ req: Request) async throws -> Response {
        try .json(try await req.parta.invites.preview(token: req.parameters.get("token") ?? ""))
    }

    func requestCode(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(JoinCodeBody.self)
        let sent = try await req.parta.invites.requestCode(token: req.parameters.get("token") ?? "", fullName: body.fullName,
                                                           login: body.login, childName: body.childName,
                                                           askHomeroom: body.askHomeroom ?? false, client: req.clientInfo)
        return try .json(sent, status: .accepted)
    }

    /// With `login` + `code`: the person is identified (a new account is activated), joins and is
    /// signed in. Otherwise (no body, or only `childName`): the signed-in person joins.
    func join(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let body = hasBody ? try req.decodeStrict(JoinBody.self) : nil
        if let body, body.login != nil || body.code != nil {
            guard let login = body.login, let code = body.code else {
                throw PartaError.validation(["login": "Укажите телефон или email.", "code": "Укажите код."])
            }
            let (signedIn, joined) = try await req.parta.invites.joinWithCode(token: token, login: login, code: code,
                                                                              childName: body.childName, askHomeroom: body.askHomeroom ?? false,
                                                                              client: req.clientInfo)
            let response = try Response.json(JoinedResponse(joined: joined, token: signedIn.token, user: signedIn.user, session: signedIn.session))
            SessionCookie.set(signedIn, on: response, for: req)
            return response
        }
        let actor = try await req.actor()
        let joined = try await req.parta.invites.join(actor, token: token, childName: body?.childName, askHomeroom: body?.askHomeroom ?? false)
        return try .json(JoinedResponse(joined: joined, token: nil, user: try await req.parta.auth.me(actor), session: nil))
    }
}

struct InviteCreateBody: StrictBody {
    static let allowedKeys: Set<String> = ["role", "expiresInDays", "maxUses", "needsApproval"]
    let role: String
    let expiresInDays: Int?
    let maxUses: Int?
    let needsApproval: Bool?
}

struct JoinCodeBody: StrictBody {
    static let allowedKeys: Set<String> = ["fullName", "login", "childName", "askHomeroom"]
    let fullName: String
    let login: String
    /// On a parent link: the child's name as the school knows it.
    let childName: String?
    /// A name that matches nobody becomes a request to the homeroom teacher instead of a refusal.
    let askHomeroom: Bool?
}

struct JoinBody: StrictBody {
    static let allowedKeys: Set<String> = ["login", "code", "childName", "askHomeroom"]
    let login: String?
    let code: String?
    let childName: String?
    let askHomeroom: Bool?
}

struct JoinedResponse: Encodable {
    let joined: Joined
    let token: String?
    let user: UserView
    let session: SessionView?
}
