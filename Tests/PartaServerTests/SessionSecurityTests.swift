import Foundation
import NIOConcurrencyHelpers
import NIOWebSocket
@testable import PartaCore
@testable import PartaServer
import Vapor
import WebSocketKit
import XCTest

/// Sessions from the outside: where cookie writes may come from, and when a session ends.
final class SessionSecurityTests: XCTestCase {
    /// `Origin: null` (sandboxed frames, `data:` pages, some redirects) is not our origin.
    func testOriginNullIsRefusedForCookieWritesAndSocketsButNotForBearerTokens() async throws {
        try await withHarness { h in
            let token = try await h.makeOperator()
            let cookie = ("Cookie", "parta_session=\(token)")
            let refused = try await h.request(.POST, "/api/v1/sessions/revoke-all", json: ["keepCurrent": true],
                                              headers: [cookie, ("Origin", "null")])
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual(refused.errorCode, "bad_origin")
            XCTAssertNotNil((refused.json["error"] as? [String: Any])?["message"] as? String)
            // The same origin and no Origin at all still pass.
            try await h.expect(.noContent, .POST, "/api/v1/sessions/revoke-all", json: ["keepCurrent": true],
                               headers: [cookie, ("Origin", "http://parta.test")])
            try await h.expect(.noContent, .POST, "/api/v1/sessions/revoke-all", json: ["keepCurrent": true], headers: [cookie])
            // A bearer token is not sent by browsers on their own: no origin check.
            try await h.expect(.noContent, .POST, "/api/v1/sessions/revoke-all", token: token, json: ["keepCurrent": true],
                               headers: [("Origin", "null")])

            let upgrade = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                           ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")]
            let socket = try await h.request(.GET, "/api/v1/ws", headers: upgrade + [cookie, ("Origin", "null")])
            XCTAssertEqual(socket.status, .forbidden)
            XCTAssertEqual(socket.errorCode, "bad_origin")
            let evil = try await h.request(.GET, "/api/v1/ws", headers: upgrade + [cookie, ("Origin", "https://evil.example")])
            XCTAssertEqual(evil.status, .forbidden)
            let same = try await h.request(.GET, "/api/v1/ws", headers: upgrade + [cookie, ("Origin", "http://parta.test")])
            XCTAssertEqual(same.status, .switchingProtocols)
        }
    }
}
