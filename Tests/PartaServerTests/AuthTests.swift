import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

final class AuthTests: XCTestCase {
    func testPasswordSignInAndMe() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            let bad = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "wrong-pass"])
            XCTAssertEqual(bad.status, .unauthorized)
            XCTAssertEqual(bad.errorCode, "invalid_credentials")
            let unknown = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "nobody@parta.test", "password": "wrong-pass"])
            XCTAssertEqual(unknown.errorCode, "invalid_credentials")   // same answer: no account enumeration

            let ok = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "OPERATOR@parta.test", "password": "operator-pass"])
            XCTAssertEqual(ok.status, .ok)
            let cookie = try XCTUnwrap(ok.headers.setCookie?["parta_session"])
            XCTAssertTrue(cookie.isHTTPOnly)
            XCTAssertEqual(cookie.sameSite, .lax)
            let token = ok.json["token"] as! String
            XCTAssertGreaterThanOrEqual(token.count, 43)

            let me = try await h.request(.GET, "/api/v1/me", token: token)
            XCTAssertEqual(me.status, .ok)
            XCTAssertEqual(me.json["isOperator"] as? Bool, true)
            // the cookie alone works too
            let viaCookie = try await h.request(.GET, "/api/v1/me", headers: [("Cookie", "parta_session=\(token)")])
            XCTAssertEqual(viaCookie.status, .ok)
            let anonymous = try await h.request(.GET, "/api/v1/me")
            XCTAssertEqual(anonymous.status, .unauthorized)
            XCTAssertEqual(anonymous.errorCode, "unauthenticated")
        }
    }

    func testTokensAreStoredOnlyAsHashes() async throws {
        try await withHarness { h in
            let token = try await h.makeOperator()
            let stored = try await SessionRecord.query(on: h.app.db).all().map(\.tokenHash)
            XCTAssertFalse(stored.contains(token))
            XCTAssertTrue(stored.contains(Secrets.sha256Hex(token)))
        }
    }

    func testPasswordSignInIsThrottledPerAccount() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            for _ in 0..<10 {
                let r = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "wrong-pass"])
                XCTAssertEqual(r.status, .unauthorized)
            }
            // Even the right password is refused while the account is throttled.
            let limited = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"])
            XCTAssertEqual(limited.status, .tooManyRequests)
            XCTAssertEqual(limited.errorCode, "rate_limited")
            let retryAfter = Int(limited.headers.first(name: .retryAfter) ?? "") ?? 0
            XCTAssertTrue((1...900).contains(retryAfter), "Retry-After \(retryAfter)")
            h.clock.advance(15 * 60 + 1)
            let later = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"])
            XCTAssertEqual(later.status, .ok)
        }
    }

    func testSignInIsThrottledPerAddress() async throws {
        var rules = AuthRules()
        rules.signInPerIP = .init(limit: 5, window: 60)
        try await withHarness(rules: rules) { h in
            for i in 0..<5 {
                let r = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "user\(i)@parta.test", "password": "whatever1"])
                XCTAssertEqual(r.status, .unauthorized)
            }
            let r = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "another@parta.test", "password": "whatever1"])
            XCTAssertEqual(r.status, .tooManyRequests)
            XCTAssertNotNil(r.headers.first(name: .retryAfter))
        }
    }

    func testCodeRequestsAreThrottled() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            for _ in 0..<5 {
                let r = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
                XCTAssertEqual(r.status, .accepted)
            }
            let r = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            XCTAssertEqual(r.status, .tooManyRequests)
            XCTAssertNotNil(r.headers.first(name: .retryAfter))
        }
    }

    func testSignInByEmailCode() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            let sent = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            XCTAssertEqual(sent.status, .accepted)
            XCTAssertEqual(sent.json["sentTo"] as? String, "o***@parta.test")
            XCTAssertEqual(sent.json["expiresInSeconds"] as? Int, 600)
            let code = try XCTUnwrap(h.lastCode(to: "operator@parta.test"))
            let ok = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": code])
            XCTAssertEqual(ok.status, .ok, String(buffer: ok.body))
            // used once
            let again = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": code])
            XCTAssertEqual(again.status, .unauthorized)

            // An unknown account gets the same answer and nothing is sent.
            let before = h.sender.messages.count
            let ghost = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "ghost@parta.test"])
            XCTAssertEqual(ghost.status, .accepted)
            XCTAssertEqual(h.sender.messages.count, before)
        }
    }

    func testCodeExpiresAfterTenMinutes() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            let code = try XCTUnwrap(h.lastCode(to: "operator@parta.test"))
            h.clock.advance(10 * 60 + 1)
            let r = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": code])
            XCTAssertEqual(r.status, .unauthorized)
            XCTAssertEqual(r.errorCode, "code_expired")
        }
    }

    func testCodeAllowsFiveAttempts() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            let code = try XCTUnwrap(h.lastCode(to: "operator@parta.test"))
            let wrong = code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let r = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": wrong])
                XCTAssertEqual(r.status, .unauthorized)
                XCTAssertEqual(r.errorCode, attempt < 5 ? "invalid_code" : "code_attempts_exceeded")
            }
            // The right code no longer works after five wrong ones.
            let r = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": code])
            XCTAssertEqual(r.status, .unauthorized)
        }
    }

    func testNewCodeReplacesTheOld() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            let first = try XCTUnwrap(h.lastCode(to: "operator@parta.test"))
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "operator@parta.test"])
            let second = try XCTUnwrap(h.lastCode(to: "operator@parta.test"))
            if first != second {
                let old = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": first])
                XCTAssertEqual(old.status, .unauthorized)
            }
            let ok = try await h.request(.POST, "/api/v1/auth/code/verify", json: ["login": "operator@parta.test", "code": second])
            XCTAssertEqual(ok.status, .ok)
        }
    }

    func testSessionsListRevokeAndSignOut() async throws {
        try await withHarness { h in
            let first = try await h.makeOperator()
            let second = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"])
                .json["token"] as! String
            let list = try await h.request(.GET, "/api/v1/sessions", token: first)
            let items = list.json["items"] as! [[String: Any]]
            XCTAssertEqual(items.count, 2)
            XCTAssertEqual(items.filter { $0["current"] as? Bool == true }.count, 1)
            let secondID = items.first { $0["current"] as? Bool == false }!["id"] as! String

            let revoked = try await h.request(.DELETE, "/api/v1/sessions/\(secondID)", token: first)
            XCTAssertEqual(revoked.status, .noContent)
            let dead = try await h.request(.GET, "/api/v1/me", token: second)
            XCTAssertEqual(dead.status, .unauthorized)   // at once

            // Someone else's session id is "not found".
            let other = try await h.makeOperator(email: "second-operator@parta.test")
            let otherID = (try await h.request(.GET, "/api/v1/sessions", token: other).json["items"] as! [[String: Any]])[0]["id"] as! String
            let foreign = try await h.request(.DELETE, "/api/v1/sessions/\(otherID)", token: first)
            XCTAssertEqual(foreign.status, .notFound)
            try await h.expect(.ok, .GET, "/api/v1/me", token: other)

            let out = try await h.request(.POST, "/api/v1/auth/signout", token: first)
            XCTAssertEqual(out.status, .noContent)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: first)
        }
    }

    func testRevokeAllKeepsOnlyTheCurrentSession() async throws {
        try await withHarness { h in
            let current = try await h.makeOperator()
            var others: [String] = []
            for _ in 0..<3 {
                others.append(try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"]).json["token"] as! String)
            }
            let r = try await h.request(.POST, "/api/v1/sessions/revoke-all", token: current, json: ["keepCurrent": true])
            XCTAssertEqual(r.status, .noContent)
            for t in others { try await h.expect(.unauthorized, .GET, "/api/v1/me", token: t) }
            try await h.expect(.ok, .GET, "/api/v1/me", token: current)
        }
    }

    func testChangingThePasswordEndsOtherSessions() async throws {
        try await withHarness { h in
            let current = try await h.makeOperator()
            let other = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"]).json["token"] as! String
            let wrong = try await h.request(.PUT, "/api/v1/me/password", token: current, json: ["currentPassword": "nope-nope", "newPassword": "new-password-1"])
            XCTAssertEqual(wrong.status, .badRequest)
            let short = try await h.request(.PUT, "/api/v1/me/password", token: current, json: ["currentPassword": "operator-pass", "newPassword": "short"])
            XCTAssertEqual(short.status, .badRequest)
            let ok = try await h.request(.PUT, "/api/v1/me/password", token: current, json: ["currentPassword": "operator-pass", "newPassword": "new-password-1"])
            XCTAssertEqual(ok.status, .noContent)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: other)
            try await h.expect(.ok, .GET, "/api/v1/me", token: current)
            let signIn = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "new-password-1"])
            XCTAssertEqual(signIn.status, .ok)
        }
    }

    func testDisablingAnAccountEndsItsSessionsAtOnce() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, _) = try await h.makeSchool(operatorToken: op)
            let me = try await h.request(.GET, "/api/v1/me", token: admin)
            let adminID = me.json["id"] as! String

            // Only the operator may disable; for others the user "does not exist".
            let refused = try await h.request(.POST, "/api/v1/users/\(adminID)/disable", token: admin)
            XCTAssertEqual(refused.status, .notFound)

            let r = try await h.request(.POST, "/api/v1/users/\(adminID)/disable", token: op)
            XCTAssertEqual(r.status, .noContent)
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: admin)
            let again = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "admin@school1.test", "password": "admin-pass-1"])
            XCTAssertEqual(again.status, .forbidden)
            XCTAssertEqual(again.errorCode, "account_disabled")
            // No code is sent to a disabled account.
            let before = h.sender.messages.count
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "+79123456789"])
            XCTAssertEqual(h.sender.messages.count, before)

            try await h.expect(.noContent, .POST, "/api/v1/users/\(adminID)/enable", token: op)
            let back = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "admin@school1.test", "password": "admin-pass-1"])
            XCTAssertEqual(back.status, .ok)
            try await h.expect(.notFound, .POST, "/api/v1/users/\(UUID())/disable", token: op)
        }
    }

    func testCookieWritesFromAnotherSiteAreRefused() async throws {
        try await withHarness { h in
            let token = try await h.makeOperator()
            let r = try await h.request(.POST, "/api/v1/sessions/revoke-all", json: ["keepCurrent": true],
                                        headers: [("Cookie", "parta_session=\(token)"), ("Origin", "https://evil.example")])
            XCTAssertEqual(r.status, .forbidden)
            XCTAssertEqual(r.errorCode, "bad_origin")
            try await h.expect(.ok, .GET, "/api/v1/me", token: token)
        }
    }
}
