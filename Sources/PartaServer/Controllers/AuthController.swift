import Foundation
import PartaCore
import Vapor

/// Sign-in, sessions, the operator's setup link and the administrator's activation.
struct AuthController {
    func signInWithPassword(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(PasswordSignInBody.self)
        return try signedIn(req, try await req.parta.auth.signInWithPassword(identifier: body.login, password: body.password, client: req.clientInfo))
    }

    func requestCode(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(CodeRequestBody.self)
        return try .json(try await req.parta.auth.requestCode(identifier: body.login, client: req.clientInfo), status: .accepted)
    }

    func verifyCode(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(CodeVerifyBody.self)
        return try signedIn(req, try await req.parta.auth.verifyCode(identifier: body.login, code: body.code, client: req.clientInfo))
    }

    func signOut(_ req: Request) async throws -> Response {
        try await req.parta.auth.signOut(try await req.actor())
        let response = Response.noContent()
        response.cookies[SessionCookie.name] = expiredCookie(req)
        return response
    }

    func me(_ req: Request) async throws -> Response {
        try .json(try await req.parta.auth.me(try await req.actor()))
    }

    /// What waits for the person (the navigation's badges): unread chats, requests, reports, applications.
    func badges(_ req: Request) async throws -> Response {
        try .json(try await BadgeService(req.parta.context).badges(try await req.actor()))
    }

    func changePassword(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(ChangePasswordBody.self)
        try await req.parta.auth.changePassword(actor, current: body.currentPassword, new: body.newPassword)
        return .noContent()
    }

    func sessions(_ req: Request) async throws -> Response {
        try .json(ItemsResponse(items: try await req.parta.auth.sessions(try await req.actor())))
    }

    func revokeSession(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.auth.revokeSession(actor, sessionID: try req.id("sessionId"))
        return .noContent()
    }

    func revokeAll(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(RevokeAllBody.self)
        let keep = body.keepCurrent ?? true
        try await req.parta.auth.revokeAllSessions(actor, keepCurrent: keep)
        let response = Response.noContent()
        if !keep { response.cookies[SessionCookie.name] = expiredCookie(req) }
        return response
    }

    // MARK: Operator setup

    func checkSetup(_ req: Request) async throws -> Response {
        try await req.parta.setup.checkToken(req.parameters.get("token") ?? "")
        return try .json(ValidResponse(valid: true))
    }

    func completeSetup(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(SetupBody.self)
        let form = SetupService.OperatorForm(fullName: body.fullName, email: body.email, phone: body.phone ?? "", password: body.password)
        return try signedIn(req, try await req.parta.setup.completeSetup(token: body.token, form: form, client: req.clientInfo), status: .created)
    }

    // MARK: Activation

    func activationInfo(_ req: Request) async throws -> Response {
        try .json(try await req.parta.applications.activationInfo(token: req.parameters.get("token") ?? ""))
    }

    func activationCode(_ req: Request) async throws -> Response {
        try .json(try await req.parta.applications.requestActivationCode(token: req.parameters.get("token") ?? "", client: req.clientInfo), status: .accepted)
    }

    func activate(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(ActivateBody.self)
        return try signedIn(req, try await req.parta.applications.activate(
            token: req.parameters.get("token") ?? "", code: body.code, password: body.password, client: req.clientInfo))
    }

    // MARK: Helpers

    /// Answers a new session: the token in the body for API clients, and an HttpOnly cookie for the browser.
    private func signedIn(_ req: Request, _ s: SignedIn, status: HTTPResponseStatus = .ok) throws -> Response {
        let response = try Response.json(SignedInResponse(token: s.token, user: s.user, session: s.session), status: status)
        SessionCookie.set(s, on: response, for: req)
        return response
    }

    private func expiredCookie(_ req: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: req.parta.config.cookieSecure, isHTTPOnly: true, sameSite: .lax)
    }
}
