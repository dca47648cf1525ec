import Foundation
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor
import Yams

/// The routes the server registers and the ones docs/openapi.yaml describes are the same set.
final class OpenAPIContractTests: XCTestCase {
    func testRoutesAndDocumentAgree() async throws {
        try await withHarness { h in
            let served = Set(h.app.routes.all.compactMap { route -> String? in
                let path = "/" + route.path.map { component -> String in
                    switch component {
                    case .parameter(let name): return "{\(name)}"
                    default: return component.description
                    }
                }.joined(separator: "/")
                if path.contains("**") || path == "/" { return nil }
                return "\(route.method.rawValue) \(path)"
            })
            let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
            let document = try XCTUnwrap(try Yams.load(yaml: yaml) as? [String: Any])
            let paths = try XCTUnwrap(document["paths"] as? [String: Any])
            var documented = Set<String>()
            for (path, value) in paths {
                for method in (value as? [String: Any] ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            XCTAssertEqual(served.subtracting(documented).sorted(), [], "served but not documented")
            XCTAssertEqual(documented.subtracting(served).sorted(), [], "documented but not served")

            let reply = try await h.request(.GET, "/api/openapi.yaml")
            XCTAssertEqual(reply.status, .ok)
            XCTAssertEqual(String(buffer: reply.body), yaml)
        }
    }
}

/// Bad input on every endpoint: a clear 4xx JSON error, never a 5xx, and nothing written.
final class BadInputTests: XCTestCase {
    struct Endpoint { let method: HTTPMethod; let path: String; let who: Who }
    enum Who { case anonymous, operatorUser, admin }

    func testEveryJSONEndpointRefusesBadBodies() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            let appID = try await h.submitApplication(email: "second@school.test", phone: "+79220000009")
            let sessionID = (try await h.request(.GET, "/api/v1/sessions", token: admin).json["items"] as! [[String: Any]])[0]["id"] as! String
            _ = sessionID
            let made = try await h.request(.POST, "/api/v1/schools/\(schoolID)/classes", token: admin, json: ["names": "1А"])
            let classID = (made.json["items"] as! [[String: Any]])[0]["id"] as! String
            let inviteToken = try await h.request(.POST, "/api/v1/classes/\(classID)/invites", token: admin,
                                                  json: ["role": "student"]).json["token"] as! String
            let endpoints: [Endpoint] = [
                .init(method: .POST, path: "/api/v1/auth/password", who: .anonymous),
                .init(method: .POST, path: "/api/v1/auth/code", who: .anonymous),
                .init(method: .POST, path: "/api/v1/auth/code/verify", who: .anonymous),
                .init(method: .PUT, path: "/api/v1/me/password", who: .admin),
                .init(method: .POST, path: "/api/v1/sessions/revoke-all", who: .admin),
                .init(method: .POST, path: "/api/v1/setup", who: .anonymous),
                .init(method: .POST, path: "/api/v1/school-applications/\(appID)/reject", who: .operatorUser),
                .init(method: .POST, path: "/api/v1/activation/\(String(repeating: "a", count: 43))", who: .anonymous),
                .init(method: .PATCH, path: "/api/v1/schools/\(schoolID)", who: .admin),
                .init(method: .POST, path: "/api/v1/schools/\(schoolID)/classes", who: .admin),
                .init(method: .PATCH, path: "/api/v1/classes/\(classID)", who: .admin),
                .init(method: .POST, path: "/api/v1/classes/\(classID)/invites", who: .admin),
                .init(method: .POST, path: "/api/v1/join/\(inviteToken)/code", who: .anonymous),
            ]
            let tables = ["users", "sessions", "schools", "school_applications", "memberships", "one_time_codes", "link_tokens", "stored_files", "classes", "invite_links", "class_members"]
            func snapshot() async throws -> [Int] { var out: [Int] = []; for t in tables { out.append(try await h.count(t)) }; return out }
            let before = try await snapshot()
            let schoolBefore = String(buffer: try await h.request(.GET, "/api/v1/schools/\(schoolID)", token: admin).body)

            for e in endpoints {
                let token: String? = e.who == .anonymous ? nil : (e.who == .admin ? admin : op)
                let label = "\(e.method) \(e.path)"
                let malformed = try await h.request(e.method, e.path, token: token, raw: "{\"login\": ")
                XCTAssertEqual(malformed.status, .badRequest, label)
                XCTAssertEqual(malformed.errorCode, "invalid_json", label)

                let array = try await h.request(e.method, e.path, token: token, raw: "[1, 2, 3]")
                XCTAssertEqual(array.status, .badRequest, label)

                let wrongTypes = try await h.request(e.method, e.path, token: token, json: [
                    "login": 42, "password": ["x"], "code": true, "newPassword": 1, "keepCurrent": "yes",
                    "token": 5, "fullName": [], "email": 1, "reason": ["a": 1], "name": 7, "names": 5, "archived": "yes", "role": 1, "maxUses": "many"])
                XCTAssertEqual(wrongTypes.status, .badRequest, label)
                XCTAssertNotNil(wrongTypes.errorCode, label)

                let unknown = try await h.request(e.method, e.path, token: token, json: ["isOperator": true, "role": "admin"])
                XCTAssertEqual(unknown.status, .badRequest, label)
                XCTAssertEqual(unknown.errorCode, "unknown_fields", label)

                let huge = try await h.request(e.method, e.path, token: token,
                                               raw: "{\"login\": \"" + String(repeating: "x", count: 200_000) + "\"}")
                XCTAssertEqual(huge.status, .payloadTooLarge, label)
                XCTAssertEqual(huge.errorCode, "payload_too_large", label)

                let notJSON = try await h.request(e.method, e.path, token: token, raw: "login=x", contentType: "application/x-www-form-urlencoded")
                XCTAssertEqual(notJSON.status, .unsupportedMediaType, label)

                let empty = try await h.request(e.method, e.path, token: token, raw: "")
                XCTAssertEqual(empty.status, .badRequest, label)

                for reply in [malformed, array, wrongTypes, unknown, huge, notJSON, empty] {
                    XCTAssertNotNil((reply.json["error"] as? [String: Any])?["message"] as? String, label)
                }
            }
            let after = try await snapshot()
            XCTAssertEqual(before, after, "bad input must write nothing")
            let schoolAfter = String(buffer: try await h.request(.GET, "/api/v1/schools/\(schoolID)", token: admin).body)
            XCTAssertEqual(schoolBefore, schoolAfter)
        }
    }

    func testUnknownIdsAndPathsAnswerNotFound() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            for path in ["/api/v1/school-applications/\(UUID())", "/api/v1/school-applications/42", "/api/v1/schools/\(UUID())",
                         "/api/v1/schools/%00", "/api/v1/no-such-thing", "/api/v1/setup/short", "/api/v1/activation/\(String(repeating: "b", count: 43))"] {
                let r = try await h.request(.GET, path, token: op)
                XCTAssertEqual(r.status, .notFound, path)
                XCTAssertNotNil(r.errorCode, path)
            }
            for path in ["/api/v1/school-applications/\(UUID())/approve", "/api/v1/users/\(UUID())/disable", "/api/v1/users/xyz/enable"] {
                let r = try await h.request(.POST, path, token: op)
                XCTAssertEqual(r.status, .notFound, path)
            }
            let r = try await h.request(.DELETE, "/api/v1/sessions/\(UUID())", token: op)
            XCTAssertEqual(r.status, .notFound)
        }
    }

    func testQueryParametersAreValidated() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            for q in ["status=maybe", "page=0", "page=abc", "perPage=1000", "perPage=-1"] {
                let r = try await h.request(.GET, "/api/v1/school-applications?\(q)", token: op)
                XCTAssertEqual(r.status, .badRequest, q)
            }
        }
    }

    func testServiceEndpoints() async throws {
        try await withHarness { h in
            try await h.expect(.ok, .GET, "/healthz")
            try await h.expect(.ok, .GET, "/readyz")
            _ = try await h.request(.GET, "/api/v1/me")
            let metrics = try await h.request(.GET, "/metrics")
            XCTAssertEqual(metrics.status, .ok)
            XCTAssertTrue(String(buffer: metrics.body).contains("http_requests_total"), String(buffer: metrics.body).prefix(500).description)
        }
    }
}
