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
    /// Every route of the app's route table that docs/openapi.yaml says takes a JSON body gets the
    /// same bad bodies — malformed, an array, wrong types, unknown keys, 200 KB, a form, nothing —
    /// with real ids in its path, as someone allowed there: each is a 4xx JSON error with a code and
    /// a message, and no table changes.
    func testEveryJSONEndpointRefusesBadBodies() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            let appID = try await h.submitApplication(email: "second@school.test", phone: "+79220000009")
            let made = try await h.request(.POST, "/api/v1/schools/\(schoolID)/classes", token: admin, json: ["names": "1А"])
            let classID = (made.json["items"] as! [[String: Any]])[0]["id"] as! String
            let invite = try await h.request(.POST, "/api/v1/classes/\(classID)/invites", token: admin, json: ["role": "student"]).json
            let teacher = try await h.person(schoolID, .teacher, name: "Учитель")
            let student = try await h.person(schoolID, .student, name: "Ученик")
            let chatID = try await h.chat(schoolID, teacher, kind: "group", title: "5Б", members: [student])
            let messageID = try await h.request(.POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token,
                                                json: ["text": "Здравствуйте"]).json["id"] as! String
            let pollID = try await h.request(.POST, "/api/v1/chats/\(chatID)/polls", token: teacher.token,
                                             json: ["question": "Когда?", "options": ["Сегодня", "Завтра"]]).json["id"] as! String
            let reportID = try await h.request(.POST, "/api/v1/messages/\(messageID)/report", token: student.token,
                                               json: ["reason": "spam"]).json["id"] as! String
            let chatLink = try await h.request(.POST, "/api/v1/chats/\(chatID)/invites", token: teacher.token, json: [:]).json["token"] as! String
            let subjectID = (try await h.request(.GET, "/api/v1/schools/\(schoolID)/subjects", token: admin).json["items"] as! [[String: Any]])[0]["id"] as! String
            let groupID = try await h.request(.POST, "/api/v1/classes/\(classID)/groups", token: admin, json: ["name": "Группа 1"]).json["id"] as! String
            let ids = ["schoolId": schoolID, "classId": classID, "applicationId": appID, "userId": teacher.id, "role": "teacher",
                       "inviteId": invite["id"] as! String, "chatId": chatID, "messageId": messageID, "pollId": pollID, "reportId": reportID,
                       // No lesson exists without a school year and a timetable; a body is refused before the id is looked up.
                       "subjectId": subjectID, "groupId": groupID, "lessonId": UUID().uuidString,
                       "homeworkId": UUID().uuidString, "submissionId": UUID().uuidString,
                       // Grades (issue 14): a body is refused before any id is looked up.
                       "workKindId": UUID().uuidString, "gradeId": UUID().uuidString, "termMarkId": UUID().uuidString]
            let tokens = ["activation": String(repeating: "a", count: 43), "join": invite["token"] as! String, "chat-join": chatLink]

            // The operations whose documented body is JSON.
            let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
            let paths = try XCTUnwrap((try Yams.load(yaml: yaml) as? [String: Any])?["paths"] as? [String: Any])
            /// Whether the operation takes a JSON body, and whether that body may be left out.
            func jsonBody(_ method: HTTPMethod, _ path: String) -> (takes: Bool, optional: Bool) {
                let operation = (paths[path] as? [String: Any])?[method.rawValue.lowercased()] as? [String: Any]
                let body = operation?["requestBody"] as? [String: Any]
                let content = body?["content"] as? [String: Any]
                return (content?["application/json"] != nil, body?["required"] as? Bool != true)
            }
            var walked: [String] = []
            let tables = try await h.tableNames()
            func snapshot() async throws -> [String: Int] { var out: [String: Int] = [:]; for t in tables { out[t] = try await h.count(t) }; return out }
            let before = try await snapshot()
            let schoolBefore = String(buffer: try await h.request(.GET, "/api/v1/schools/\(schoolID)", token: admin).body)

            for route in h.app.routes.all where [.POST, .PUT, .PATCH].contains(route.method) {
                let components = route.path.map { c -> String in
                    if case .parameter(let name) = c { return "{\(name)}" }
                    return c.description
                }
                let documented = "/" + components.joined(separator: "/")
                let body = jsonBody(route.method, documented)
                guard body.takes else { continue }
                let first = components.dropFirst(2).first ?? ""   // after "api", "v1"
                let path = "/" + route.path.map { c -> String in
                    guard case .parameter(let name) = c else { return c.description }
                    return name == "token" ? tokens[first]! : ids[name]!
                }.joined(separator: "/")
                let token: String? = switch first {
                case "school-applications", "users": op
                case "chats", "messages", "polls": teacher.token
                default: admin
                }
                let label = "\(route.method) \(documented)"
                walked.append(label)

                let malformed = try await h.request(route.method, path, token: token, raw: "{\"login\": ")
                XCTAssertEqual(malformed.status, .badRequest, label)
                XCTAssertEqual(malformed.errorCode, "invalid_json", label)

                let array = try await h.request(route.method, path, token: token, raw: "[1, 2, 3]")
                XCTAssertEqual(array.status, .badRequest, label)

                let wrongTypes = try await h.request(route.method, path, token: token, json: [
                    "login": 42, "password": ["x"], "code": true, "newPassword": 1, "keepCurrent": "yes", "text": 5, "options": "a",
                    "token": 5, "fullName": [], "email": 1, "reason": ["a": 1], "name": 7, "names": 5, "archived": "yes", "role": 1,
                    "maxUses": "many", "userIds": "x", "memberIds": 3, "kind": [], "title": 1, "minutes": "soon", "action": 2])
                XCTAssertEqual(wrongTypes.status, .badRequest, label)
                XCTAssertNotNil(wrongTypes.errorCode, label)

                let unknown = try await h.request(route.method, path, token: token, json: ["isOperator": true, "role": "admin"])
                XCTAssertEqual(unknown.status, .badRequest, label)
                XCTAssertEqual(unknown.errorCode, "unknown_fields", label)

                let huge = try await h.request(route.method, path, token: token,
                                               raw: "{\"login\": \"" + String(repeating: "x", count: 200_000) + "\"}")
                XCTAssertEqual(huge.status, .payloadTooLarge, label)
                XCTAssertEqual(huge.errorCode, "payload_too_large", label)

                let notJSON = try await h.request(route.method, path, token: token, raw: "login=x", contentType: "application/x-www-form-urlencoded")
                XCTAssertEqual(notJSON.status, .unsupportedMediaType, label)

                // An optional body may be left out (the operation then does its plain thing).
                var replies = [malformed, array, wrongTypes, unknown, huge, notJSON]
                if !body.optional {
                    let empty = try await h.request(route.method, path, token: token, raw: "")
                    XCTAssertEqual(empty.status, .badRequest, label)
                    replies.append(empty)
                }
                for reply in replies {
                    XCTAssertNotNil((reply.json["error"] as? [String: Any])?["message"] as? String, label)
                }
            }
            // The walk covered every documented JSON operation (the table and the document agree: OpenAPIContractTests).
            let documentedJSON = paths.flatMap { path, item in
                ((item as? [String: Any]) ?? [:]).keys.compactMap { HTTPMethod(rawValue: $0.uppercased()) }
                    .filter { jsonBody($0, path).takes }.map { "\($0) \(path)" }
            }
            XCTAssertEqual(walked.sorted(), documentedJSON.sorted())
            XCTAssertGreaterThan(walked.count, 30)
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
