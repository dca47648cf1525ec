import Foundation
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor
import Yams

/// A path the server has, asked with a method it lacks: 405 with `Allow` (the document's methods
/// for that path), in the API's error shape. Unknown paths stay 404; HEAD answers where GET does.
final class MethodNotAllowedTests: XCTestCase {
    /// Every path of docs/openapi.yaml, its parameters filled in, with the methods documented for it.
    func documentedPaths(_ h: TestHarness) throws -> [(path: String, methods: Set<String>)] {
        let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
        let document = try XCTUnwrap(try Yams.load(yaml: yaml) as? [String: Any])
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        let token = String(repeating: "t", count: 43)
        return paths.map { template, value in
            let methods = Set((value as? [String: Any] ?? [:]).keys.map { $0.uppercased() })
                .intersection(["GET", "POST", "PUT", "PATCH", "DELETE"])
            var path = template
            while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
                let name = String(path[path.index(after: open)..<close])
                let value = name.hasSuffix("Id") ? UUID().uuidString : name == "role" ? "teacher" : token
                path.replaceSubrange(open...close, with: value)
            }
            return (path, methods)
        }
    }

    static func allow(_ methods: Set<String>) -> Set<String> {
        methods.contains("GET") ? methods.union(["HEAD"]) : methods
    }

    func testEveryDocumentedPathAnswers405WithAllowForOtherMethods() async throws {
        try await withHarness { h in
            let documented = try documentedPaths(h)
            XCTAssertGreaterThan(documented.count, 80)
            var asked = 0
            for (path, methods) in documented {
                let others: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS, .TRACE, .RAW(value: "QUERY")]
                    .filter { !Self.allow(methods).contains($0.rawValue) }
                for method in others {
                    let r = try await h.request(method, path)
                    let label = "\(method.rawValue) \(path)"
                    XCTAssertEqual(r.status, .methodNotAllowed, label)
                    let allow = Set((r.headers.first(name: .allow) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    XCTAssertEqual(allow, Self.allow(methods), label)
                    if method != .HEAD {
                        XCTAssertEqual(r.errorCode, "method_not_allowed", label)
                        XCTAssertTrue((r.json["error"] as? [String: Any])?["message"] is String, label)
                    }
                    asked += 1
                }
            }
            XCTAssertGreaterThan(asked, 400)
        }
    }

    func testHeadAnswersWhereGetDoes() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let health = try await h.request(.HEAD, "/healthz")
            XCTAssertEqual(health.status, .ok)
            for (path, token, status) in [("/api/v1/me", op, HTTPStatus.ok), ("/api/v1/me", nil, .unauthorized), ("/api/openapi.yaml", nil, .ok)] {
                let r = try await h.request(.HEAD, path, token: token)
                XCTAssertEqual(r.status, status, path)
            }
            let get = try await h.request(.GET, "/api/v1/me", token: op)
            XCTAssertEqual(get.status, .ok)
        }
    }

    func testUnknownPathsStayNotFound() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            for (method, path) in [(HTTPMethod.GET, "/api/v1/no-such-thing"), (.PUT, "/api/v1/no-such-thing"), (.DELETE, "/api/v1/schools"),
                                   (.POST, "/api/v1/schools/\(UUID())/no-such-thing"), (.PATCH, "/nothing-here"),
                                   // An id that is not a UUID names nothing: not the path of the route with that parameter.
                                   (.PUT, "/api/v1/schools/not-a-uuid"), (.DELETE, "/api/v1/sessions/nonsense"),
                                   (.PUT, "/api/v1/chats/42/members")] {
                let r = try await h.request(method, path, token: op)
                XCTAssertEqual(r.status, .notFound, "\(method) \(path)")
                XCTAssertNil(r.headers.first(name: .allow), "\(method) \(path)")
            }
        }
    }

    /// The web client's files are read only: another method is 405 with `Allow: GET, HEAD` (Vapor's
    /// file middleware served the file for any method).
    func testTheWebClientsFilesAreReadOnly() async throws {
        try await withHarness { h in
            for path in ["/", "/index.html", "/favicon.svg", "/js/app.js", "/css/app.css"] {
                let get = try await h.request(.GET, path)
                XCTAssertEqual(get.status, .ok, "GET \(path)")
                for method in [HTTPMethod.POST, .PUT, .DELETE, .PATCH] {
                    let r = try await h.request(method, path, raw: "{}")
                    XCTAssertEqual(r.status, .methodNotAllowed, "\(method) \(path)")
                    XCTAssertEqual(r.headers.first(name: .allow), "GET, HEAD", "\(method) \(path)")
                    XCTAssertEqual(r.errorCode, "method_not_allowed", "\(method) \(path)")
                }
            }
            let missing = try await h.request(.POST, "/no-such-file.js", raw: "{}")
            XCTAssertEqual(missing.status, .notFound)
            let escape = try await h.request(.POST, "/..%2F..%2Fetc/passwd", raw: "{}")
            XCTAssertEqual(escape.status, .notFound)   // a path is looked up among the files, never joined to a directory
        }
    }

    /// `DELETE …/sessions/{sessionId}` cannot take `revoke-all` for an id: that path is `POST` only.
    func testAConstantSegmentIsNotAnId() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let r = try await h.request(.DELETE, "/api/v1/sessions/revoke-all", token: op)
            XCTAssertEqual(r.status, .methodNotAllowed)
            XCTAssertEqual(r.headers.first(name: .allow), "POST")
            XCTAssertEqual(r.errorCode, "method_not_allowed")
            let other = try await h.request(.POST, "/api/v1/sessions/\(UUID())", token: op)
            XCTAssertEqual(other.status, .methodNotAllowed)
            XCTAssertEqual(other.headers.first(name: .allow), "DELETE")
            // The methods a path has still answer as before.
            let delete = try await h.request(.DELETE, "/api/v1/sessions/\(UUID())", token: op)
            XCTAssertEqual(delete.status, .notFound)
        }
    }
}
