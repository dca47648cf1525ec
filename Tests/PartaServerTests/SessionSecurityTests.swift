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

    // MARK: Session ends (idle timeout, absolute lifetime)

    static let hour: TimeInterval = 3600, day: TimeInterval = 24 * 3600

    func session(_ h: TestHarness, _ token: String) async throws -> [String: Any] {
        let items = try await h.request(.GET, "/api/v1/sessions", token: token).json["items"] as! [[String: Any]]
        return try XCTUnwrap(items.first { $0["current"] as? Bool == true })
    }

    func date(_ value: Any?) throws -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let text = try XCTUnwrap(value as? String)
        return try XCTUnwrap(f.date(from: text) ?? ISO8601DateFormatter().date(from: text), text)
    }

    /// Unused for longer than the idle timeout: 12 hours for administrators, 30 days for the others.
    func testSessionsEndWhenIdle() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.addMember(schoolID: school, role: .teacher)
            let signedIn = h.clock.now()
            let shown = try await session(h, admin)
            XCTAssertEqual(try date(shown["expiresAt"]).timeIntervalSince(signedIn), 12 * Self.hour, accuracy: 1)
            XCTAssertEqual(try date(shown["endsAt"]).timeIntervalSince(signedIn), 7 * Self.day, accuracy: 1)
            let teachers = try await session(h, teacher)
            XCTAssertEqual(try date(teachers["expiresAt"]).timeIntervalSince(signedIn), 30 * Self.day, accuracy: 1)
            XCTAssertEqual(try date(teachers["endsAt"]).timeIntervalSince(signedIn), 90 * Self.day, accuracy: 1)

            h.clock.advance(12 * Self.hour + 60)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: admin)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: op)
            try await h.expect(.ok, .GET, "/api/v1/me", token: teacher)
            // Used now: the idle end moves on from here, the absolute end stays.
            let used = try await session(h, teacher)
            XCTAssertEqual(try date(used["expiresAt"]).timeIntervalSince(h.clock.now()), 30 * Self.day, accuracy: 1)
            XCTAssertEqual(try date(used["endsAt"]).timeIntervalSince(signedIn), 90 * Self.day, accuracy: 1)
            h.clock.advance(30 * Self.day + 60)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: teacher)
        }
    }

    /// Used regularly, a session still ends at its absolute lifetime: 7 days for administrators, 90 for the others.
    func testSessionsEndAtTheirLifetimeHoweverUsed() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let parent = try await h.addMember(schoolID: school, role: .parent)
            for _ in 1...27 {
                h.clock.advance(6 * Self.hour)
                try await h.expect(.ok, .GET, "/api/v1/me", token: admin)
            }
            // Just past 7 days after sign-in, used six hours ago.
            h.clock.advance(6 * Self.hour + 1)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: admin)
            let before = try await session(h, parent)
            let endsAt = try date(before["endsAt"])
            // Used every 20 days; seven hours before the end, the idle end is the absolute one.
            while h.clock.now().addingTimeInterval(20 * Self.day) < endsAt.addingTimeInterval(-7 * Self.hour) {
                h.clock.advance(20 * Self.day)
                try await h.expect(.ok, .GET, "/api/v1/me", token: parent)
            }
            h.clock.advance(endsAt.addingTimeInterval(-7 * Self.hour).timeIntervalSince(h.clock.now()))
            try await h.expect(.ok, .GET, "/api/v1/me", token: parent)
            h.clock.advance(Self.hour)
            let late = try await session(h, parent)
            XCTAssertEqual(try date(late["expiresAt"]), endsAt, "the idle end never passes the absolute one")
            XCTAssertEqual(try date(late["endsAt"]), endsAt)
            h.clock.advance(6 * Self.hour + 1)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: parent)
            try await h.expect(.unauthorized, .GET, "/api/v1/sessions", token: parent)
        }
    }

    /// A sign-in cached for a few seconds is not served past its session's end.
    func testACachedSignInEndsWithItsSession() async throws {
        var rules = AuthRules()
        rules.adminSessionIdle = 2 * Self.hour
        rules.adminSessionMaxLifetime = Self.hour
        try await withHarness(rules: rules) { h in
            let op = try await h.makeOperator()
            h.clock.advance(Self.hour - 10)
            try await h.expect(.ok, .GET, "/api/v1/me", token: op)   // cached, 10 s before the end
            h.clock.advance(11)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: op)
        }
    }
}

extension RealtimeTests {
    /// A socket closes with 4401 when its session reaches its absolute end.
    func testASocketClosesWhenItsSessionEnds() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.addMember(schoolID: school, role: .teacher)
            let port = try await h.startServer()
            let adminSocket = Probe(), teacherSocket = Probe()
            let adminWS = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: adminSocket)
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(teacher)"], probe: teacherSocket)
            try await waitUntil { adminSocket.texts.withLockedValue { !$0.isEmpty } && teacherSocket.texts.withLockedValue { !$0.isEmpty } }
            let hub = try XCTUnwrap(h.app.socketHub)
            await hub.endSessions(endedBy: h.clock.now().addingTimeInterval(7 * 24 * 3600 - 60))
            try await assertStillOpen(adminWS, adminSocket, "a minute before the end")
            await hub.endSessions(endedBy: h.clock.now().addingTimeInterval(7 * 24 * 3600 + 1))
            try await waitUntil { adminSocket.closed.withLockedValue { $0 } }
            XCTAssertEqual(adminSocket.closeCode.withLockedValue { $0 }, .unknown(4401))
            XCTAssertTrue(adminSocket.texts.withLockedValue { $0.contains(#"{"type":"session_ended"}"#) })
            XCTAssertFalse(teacherSocket.closed.withLockedValue { $0 }, "a teacher's session lasts 90 days")
        }
    }
}
