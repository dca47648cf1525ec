import Foundation
import NIOConcurrencyHelpers
import NIOWebSocket
import PartaCore
import Vapor

/// The WebSocket gateway's registry of open sockets by session. It only delivers and closes;
/// what reaches whom is decided in PartaCore. Sessions that end (sign-out, revoke, disabled
/// account) have their sockets closed at once with code 4401.
final class SocketHub: Sendable {
    struct Entry: Sendable { let userID: UUID; let memberships: [Actor.Membership]; let socket: WebSocket }
    private let sockets = NIOLockedValueBox<[UUID: [ObjectIdentifier: Entry]]>([:])

    static let sessionEndedCode = WebSocketErrorCode.unknown(4401)
    /// Roles or classes changed: the client reconnects and is authorised afresh.
    static let membershipChangedCode = WebSocketErrorCode.unknown(4409)

    func add(_ socket: WebSocket, actor: Actor) {
        sockets.withLockedValue { $0[actor.sessionID, default: [:]][ObjectIdentifier(socket)] = Entry(userID: actor.userID, memberships: actor.memberships, socket: socket) }
    }

    func remove(_ socket: WebSocket, sessionID: UUID) {
        sockets.withLockedValue { all in
            all[sessionID]?[ObjectIdentifier(socket)] = nil
            if all[sessionID]?.isEmpty == true { all[sessionID] = nil }
        }
    }

    var count: Int { sockets.withLockedValue { $0.values.reduce(0) { $0 + $1.count } } }

    /// Closes the sockets of the given sessions of a user (all of the user's sessions when nil).
    func closeSessions(userID: UUID, sessionIDs: [UUID]?, reason: String = "session_ended",
                       code: WebSocketErrorCode = sessionEndedCode) async {
        let doomed: [WebSocket] = sockets.withLockedValue { all in
            var out: [WebSocket] = []
            for (sessionID, entries) in all {
                let matches = sessionIDs.map { $0.contains(sessionID) } ?? entries.values.contains { $0.userID == userID }
                guard matches else { continue }
                out += entries.values.filter { $0.userID == userID }.map(\.socket)
                all[sessionID] = nil
            }
            return out
        }
        for socket in doomed {
            try? await socket.send(#"{"type":"\#(reason)"}"#)
            try? await socket.close(code: code)
        }
    }

    func handle(_ event: DomainEvent, recipients: Recipients, logger: Logger) async {
        switch event {
        case let .sessionsRevoked(userID, sessionIDs):
            await closeSessions(userID: userID, sessionIDs: sessionIDs)
        case let .membershipChanged(userID):
            await closeSessions(userID: userID, sessionIDs: nil, reason: "membership_changed", code: Self.membershipChangedCode)
        case .schoolUpdated:
            break // delivered to members once messaging brings per-school subscriptions
        case .messageCreated, .messageChanged, .chatMembershipChanged:
            do {
                guard let (target, payload) = try await recipients.delivery(for: event) else { return }
                deliver(payload, to: target)
            } catch {
                logger.error("realtime delivery failed: \(error)")
            }
        }
    }

    /// Sends one encoded frame to every socket of the target. (The fan-out for large rooms —
    /// sockets indexed by chat, one shared buffer, one flush per event-loop tick — comes with the
    /// messaging issue's load scenarios.)
    func deliver(_ payload: Recipients.Payload, to target: Recipients.Target) {
        guard let data = try? JSONCoding.encoder.encode(payload), let text = String(data: data, encoding: .utf8) else { return }
        let receivers: [WebSocket] = sockets.withLockedValue { all in
            all.values.flatMap(\.values).filter { entry in
                switch target {
                case let .users(ids): return ids.contains(entry.userID)
                case let .audience(schoolID, audience):
                    let roles = Set(entry.memberships.filter { $0.schoolID == schoolID }.map(\.role))
                    return audience == .school ? !roles.isEmpty : roles.contains(where: \.isStaff)
                }
            }.map(\.socket)
        }
        for socket in receivers { socket.send(text) }
    }
}

enum RealtimeGateway {
    /// `GET /api/v1/ws`: authenticated by the cookie or a bearer header at upgrade, or by a first
    /// frame `{"type":"auth","token":"…"}` within 10 seconds.
    static func register(on routes: any RoutesBuilder, hub: SocketHub) {
        // Authentication runs in the route handler, before the upgrade response is built: an error
        // thrown from `shouldUpgrade` leaves the client waiting for an answer that never comes.
        routes.get("ws") { req async throws -> Response in
            guard req.headers[.upgrade].contains(where: { $0.lowercased() == "websocket" }) else {
                throw PartaError(.badRequest, "websocket_required", "This address takes a WebSocket connection.")
            }
            var preauthenticated: (actor: Actor, token: String)?
            if let (token, fromCookie) = req.sessionToken {
                if fromCookie { try req.checkSameOrigin() }
                preauthenticated = (try await req.actor(), token)   // 401 before the upgrade for a bad token
            }
            // The event-loop variant of `webSocket` runs `onUpgrade` before the first frame is read, so
            // the handlers below see every frame (the async variant starts a Task and may miss some).
            return req.webSocket(maxFrameSize: .init(integerLiteral: 64 * 1024)) { req, ws in
                serve(ws, auth: req.parta.auth, eventLoop: req.eventLoop, preauthenticated: preauthenticated, hub: hub)
            }
        }
    }

    private static func serve(_ ws: WebSocket, auth: AuthService, eventLoop: any EventLoop,
                              preauthenticated: (actor: Actor, token: String)?, hub: SocketHub) {
        if let (actor, token) = preauthenticated {
            attach(ws, actor: actor, hub: hub)
            // The session may have ended between the check before the upgrade and `attach`.
            Task {
                if (try? await auth.authenticate(token: token)) == nil {
                    await hub.closeSessions(userID: actor.userID, sessionIDs: [actor.sessionID])
                }
            }
            return
        }
        let authenticated = NIOLockedValueBox(false)
        ws.onText { ws, text async in
            guard !authenticated.withLockedValue({ $0 }) else { return }
            struct Auth: Decodable { let type: String; let token: String }
            guard let frame = try? JSONDecoder().decode(Auth.self, from: Data(text.utf8)), frame.type == "auth",
                  let actor = try? await auth.authenticate(token: frame.token) else {
                try? await ws.send(#"{"type":"error","code":"unauthenticated"}"#)
                try? await ws.close(code: SocketHub.sessionEndedCode)
                return
            }
            authenticated.withLockedValue { $0 = true }
            attach(ws, actor: actor, hub: hub)
        }
        eventLoop.scheduleTask(in: .seconds(10)) {
            if !authenticated.withLockedValue({ $0 }) { _ = ws.close(code: .policyViolation) }
        }
    }

    private static func attach(_ ws: WebSocket, actor: Actor, hub: SocketHub) {
        hub.add(ws, actor: actor)
        let sessionID = actor.sessionID
        ws.onClose.whenComplete { _ in hub.remove(ws, sessionID: sessionID) }
        ws.send(#"{"type":"hello","userId":"\#(actor.userID.uuidString.lowercased())"}"#)
    }
}
