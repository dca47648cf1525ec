import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import PartaCore
import Metrics
import Vapor

enum RealtimeGateway {
    /// `GET /api/v1/ws`: authenticated by the cookie or a bearer header at upgrade, or by a first
    /// frame `{"type":"auth","token":"…"}` within 10 seconds. Then the client may send
    /// `{"type":"resume","chats":{"<chatId>":<last event seq>,…}}`, `{"type":"typing","chatId":…}`,
    /// `{"type":"send","chatId":…,"clientId":…,"text":…}` (a message, as `POST /chats/{id}/messages`)
    /// and `{"type":"ping"}`. The protocol is in docs/ARCHITECTURE.md ("Realtime").
    static func register(on routes: any RoutesBuilder, hub: SocketHub) {
        // Authentication runs in the route handler, before the upgrade response is built: an error
        // thrown from `shouldUpgrade` leaves the client waiting for an answer that never comes.
        routes.get("ws") { req async throws -> Response in
            guard req.headers[.upgrade].contains(where: { $0.lowercased() == "websocket" }) else {
                throw PartaError(.badRequest, "websocket_required", "This address takes a WebSocket connection.")
            }
            if hub.isStopping {
                throw PartaError(.serviceUnavailable, "server_stopping", "Сервер перезапускается. Подключитесь снова через несколько секунд.")
            }
            let address = req.clientInfo.ip
            if hub.isFull(address: address) { throw PartaError.rateLimited(10) }
            var preauthenticated: (actor: Actor, token: String)?
            if let (token, fromCookie) = req.sessionToken {
                if fromCookie { try req.checkSameOrigin() }
                preauthenticated = (try await req.actor(), token)   // 401 before the upgrade for a bad token
            }
            let context = req.parta.context
            let held = req.query[String.self, at: "resume"] == "1"
            // The event-loop variant of `webSocket` runs `onUpgrade` before the first frame is read, so
            // the handler below sees every frame (the async variant starts a Task and may miss some).
            return req.webSocket(maxFrameSize: .init(integerLiteral: 64 * 1024)) { req, ws in
                // Counted per address from here (racing upgrades past the cap are closed at once).
                guard hub.admit(ws, address: address) else {
                    ws.close(code: hub.isStopping ? .goingAway : .unknown(1013), promise: nil)   // 1013: try again later
                    return
                }
                ws.onClose.whenComplete { _ in hub.release(ws, address: address) }
                InboundTextGuard.install(on: ws)
                serve(ws, context: context, eventLoop: req.eventLoop, preauthenticated: preauthenticated, held: held, hub: hub)
            }
        }
    }

    /// Frames are handled in websocket-kit's callback on the socket's event loop (no task per socket
    /// while it idles: memory per connection matters with thousands of them); only what needs the
    /// database (authenticating, a resume) starts a task.
    private static func serve(_ ws: WebSocket, context: PartaContext, eventLoop: any EventLoop,
                              preauthenticated: (actor: Actor, token: String)?, held: Bool, hub: SocketHub) {
        // A client that vanishes without closing (a phone off the network) answers no ping: the
        // socket is closed after one missed pong, so it does not linger as "online".
        ws.pingInterval = .seconds(30)
        ws.onClose.whenComplete { _ in
            if let c = hub.connection(of: ws) { hub.remove(c) }
            ws.releaseAfterClose()   // nothing may hold a closed socket (SocketMemory.swift)
        }
        if let (actor, token) = preauthenticated {
            guard hub.beginWork() else { ws.close(code: .goingAway, promise: nil); return }
            Task {
                defer { hub.endWork() }
                guard await attach(ws, actor: actor, context: context, held: held, hub: hub) != nil else { return }
                // The session may have ended between the check before the upgrade and `attach`.
                if (try? await AuthService(context).authenticate(token: token)) == nil {
                    await hub.closeSessions(userID: actor.userID, sessionIDs: [actor.sessionID])
                }
            }
        } else {
            eventLoop.scheduleTask(in: .seconds(10)) { [weak ws] in
                if let ws, hub.connection(of: ws) == nil { _ = ws.close(code: .policyViolation) }
            }
        }
        let authenticating = NIOLockedValueBox(false)
        ws.onText { ws, text in
            if let connection = hub.connection(of: ws) {
                handle(text, from: connection, hub: hub, context: context)
                return
            }
            // Not attached yet: with a token at the upgrade, frames before `hello` are not expected;
            // otherwise the first frame authenticates.
            guard preauthenticated == nil, !authenticating.withLockedValue({ busy in defer { busy = true }; return busy }) else { return }
            guard hub.beginWork() else { ws.close(code: .goingAway, promise: nil); return }
            Task {
                defer { hub.endWork() }
                struct Auth: Decodable { let type: String; let token: String }
                guard let frame = try? JSONDecoder().decode(Auth.self, from: Data(text.utf8)), frame.type == "auth",
                      let actor = try? await AuthService(context).authenticate(token: frame.token) else {
                    try? await ws.send(#"{"type":"error","code":"unauthenticated"}"#)
                    try? await ws.close(code: SocketHub.sessionEndedCode)
                    return
                }
                _ = await attach(ws, actor: actor, context: context, held: held, hub: hub)
            }
        }
    }

    private static func attach(_ ws: WebSocket, actor: Actor, context: PartaContext, held: Bool,
                               hub: SocketHub) async -> SocketHub.Connection? {
        do {
            let chats = try await Recipients(context).readableChats(actor)
            let connection = hub.add(ws, actor: actor, chats: chats, held: held)
            if held {
                ws.eventLoop.scheduleTask(in: SocketHub.holdLimit) { Task { await hub.releaseHold(connection) } }
            }
            do {
                try await ws.send(#"{"type":"hello","userId":"\#(actor.userID.uuidString.lowercased())"}"#)
            } catch {
                hub.remove(connection)   // closed while attaching: never leave it registered
                return nil
            }
            // Closed during the attach (the close may have come before `add`): unregister now.
            if ws.isClosed { hub.remove(connection); return nil }
            return connection
        } catch {
            context.logger.error("realtime attach failed: \(error)")
            try? await ws.close(code: .unexpectedServerError)
            return nil
        }
    }

    /// A frame from an authenticated client. Unknown or malformed frames get an error frame.
    private static func handle(_ text: String, from connection: SocketHub.Connection, hub: SocketHub, context: PartaContext) {
        guard let frame = try? JSONDecoder().decode(ClientFrame.self, from: Data(text.utf8)) else {
            connection.ws.send(#"{"type":"error","code":"bad_frame"}"#)
            return
        }
        switch frame.type {
        case "resume":
            var known: [UUID: Int] = [:]
            for (key, seq) in frame.chats ?? [:] { if let id = UUID(uuidString: key) { known[id] = seq } }
            guard hub.beginWork() else { return }
            Task { defer { hub.endWork() }; await hub.resume(connection, known: known) }
        case "typing":
            if let chatID = frame.chatId.flatMap(UUID.init(uuidString:)) { hub.typing(connection, chatID: chatID) }
        case "send":
            send(frame, from: connection, context: context, hub: hub)
        case "ping":
            connection.ws.send(#"{"type":"pong"}"#)
        default:
            connection.ws.send(#"{"type":"error","code":"unknown_frame"}"#)
        }
    }

    /// What a client may send over the socket (each `type` uses some of the fields).
    struct ClientFrame: Decodable {
        let type: String
        let chats: [String: Int]?
        let chatId: String?
        // "send": the fields of `POST /chats/{chatId}/messages`.
        let clientId: String?
        let text: String?
        let replyTo: String?
        let mentions: [String]?
        let mentionAll: Bool?
        let attachments: [String]?
    }

    /// A message sent over the socket, by the same service and rules as over HTTP; answered with
    /// `{"type":"sent","clientId","message"}` once it is stored, or `{"type":"send.failed","clientId",
    /// "status","error":{"code","message"},"retryAfter"?}` (the status the HTTP route would answer:
    /// 404, 403, 429 with the seconds to wait…).
    /// The clientId (required here) tells the answers apart and makes a resent frame store one message.
    private static func send(_ frame: ClientFrame, from connection: SocketHub.Connection, context: PartaContext, hub: SocketHub) {
        let ws = connection.ws
        guard let clientID = frame.clientId, (1...64).contains(clientID.count) else {
            ws.send(#"{"error":{"code":"invalid_client_id","message":"clientId: от 1 до 64 символов."},"status":400,"type":"send.failed"}"#)
            return
        }
        let quotedID = { () -> String in var out = ""; MessageView.quote(clientID, into: &out); return out }()
        // Stopping: not taken (nothing stored); the client sends it again after reconnecting.
        guard hub.beginWork() else {
            ws.send(#"{"clientId":\#(quotedID),"error":{"code":"server_stopping","message":"Сервер перезапускается. Сообщение не отправлено — повторите."},"status":503,"type":"send.failed"}"#, promise: nil)
            return
        }
        Task {
            defer { hub.endWork() }
            let answer: String
            do {
                guard let chatID = frame.chatId.flatMap(UUID.init(uuidString:)) else { throw PartaError.notFound("Чат") }
                let extras = try MessageBody.extras(clientId: clientID, replyTo: frame.replyTo, mentions: frame.mentions,
                                                    mentionAll: frame.mentionAll, attachments: frame.attachments)
                let message = try await MessageService(context).send(connection.actor, chatID: chatID, text: frame.text ?? "", extras: extras)
                answer = #"{"clientId":\#(quotedID),"message":\#(try message.json()),"type":"sent"}"#
            } catch {
                let (status, body, headers) = PartaErrorMiddleware.describe(error, logger: context.logger)
                var code = "", message = ""
                MessageView.quote(body.error.code, into: &code)
                MessageView.quote(body.error.message, into: &message)
                // 429: when to try again, as the HTTP route's Retry-After.
                let retry = headers.first(name: .retryAfter).flatMap(Int.init).map { #","retryAfter":\#($0)"# } ?? ""
                answer = #"{"clientId":\#(quotedID),"error":{"code":\#(code),"message":\#(message)}\#(retry),"status":\#(status.code),"type":"send.failed"}"#
            }
            ws.send(answer, promise: nil)
        }
    }
}
