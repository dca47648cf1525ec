import Foundation
import PartaCore
import Vapor

/// Sends SMS through a gateway: POST JSON `{"to": "+79…", "text": "…"}` to the configured URL,
/// with `Authorization: Bearer <token>` when one is configured. Any non-2xx answer is an error.
struct HTTPSMSSender: MessageSender {
    let url: URL
    let token: String?
    let client: any Client

    func send(_ message: OutgoingMessage) async throws {
        struct Payload: Content { let to: String; let text: String }
        let response = try await client.post(URI(string: url.absoluteString)) { req in
            try req.content.encode(Payload(to: message.to, text: message.text))
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
            req.timeout = .seconds(15)
        }
        guard (200..<300).contains(response.status.code) else {
            throw Abort(.badGateway, reason: "SMS gateway answered \(response.status.code)")
        }
    }
}
