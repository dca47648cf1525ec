import FluentKit
import Foundation
import NIOConcurrencyHelpers
@testable import PartaCore
@testable import PartaServer
import SQLKit
import Vapor
import XCTest
import XCTVapor

/// Collects what the server would send by SMS and email, so tests can read codes and links.
final class RecordingSender: MessageSender, Sendable {
    private let box = NIOLockedValueBox<[OutgoingMessage]>([])
    func send(_ message: OutgoingMessage) async throws { box.withLockedValue { $0.append(message) } }
    var messages: [OutgoingMessage] { box.withLockedValue { $0 } }
    func last(to: String) -> OutgoingMessage? { messages.last { $0.to == to } }
}

final class TestClock: PartaClock, Sendable {
    private let box = NIOLockedValueBox(Date())
    func now() -> Date { box.withLockedValue { $0 } }
    func advance(_ seconds: TimeInterval) { box.withLockedValue { $0 += seconds } }
}

/// A configured application on a fresh database: an SQLite file in a temporary directory, or the
/// PostgreSQL database named by `PARTA_TEST_DATABASE_URL` (its schema is emptied first).
final class TestHarness: @unchecked Sendable {
    // @unchecked: used from one test at a time.
    let app: Application
    let sender = RecordingSender()
    let clock = TestClock()
    let dataDirectory: URL
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PARTA_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    init(dataDirectory: URL? = nil, fresh: Bool = true, rules: AuthRules = AuthRules(), environment: Environment = .testing) async throws {
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("parta-test-\(UUID().uuidString)", isDirectory: true)
        app = try await Application.make(environment)
        if let level = ProcessInfo.processInfo.environment["PARTA_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) {
            app.logger = Logger(label: "test", factory: { StreamLogHandler.standardError(label: $0) })
            app.logger.logLevel = level
        }
        do {
            let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let config = PartaConfig(
                dataDirectory: self.dataDirectory, databaseURL: Self.postgresURL, publicURL: "http://parta.test",
                publicDirectory: repoRoot.appendingPathComponent("Public").path + "/",
                openAPIPath: repoRoot.appendingPathComponent("docs/openapi.yaml").path, bcryptCost: 4)
            try await configure(app, config: config, overrides: .init(outbox: Outbox(sms: sender, email: sender), clock: clock, rules: rules))
            if fresh, Self.postgresURL != nil, let sql = app.db as? any SQLDatabase {
                try await sql.raw("DROP SCHEMA public CASCADE").run()
                try await sql.raw("CREATE SCHEMA public").run()
            }
            try await app.autoMigrate()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    func shutdown() async throws {
        try await app.asyncShutdown()   // GracefulStop stops the HTTP server if a test started it
    }

    var services: PartaServices { app.parta }

    // MARK: HTTP helpers

    struct Reply {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: ByteBuffer
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601withFractions
            return try decoder.decode(T.self, from: Data(buffer: body))
        }
    }

    @discardableResult
    func request(_ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil, raw: String? = nil,
                 bytes: [UInt8]? = nil, contentType: String? = nil, headers extra: [(String, String)] = [],
                 file: StaticString = #filePath, line: UInt = #line) async throws -> Reply {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = .init(token: token) }
        var body = ByteBuffer()
        if let json {
            body.writeBytes(try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
            headers.contentType = .json
        }
        if let raw {
            body.writeString(raw)
            headers.replaceOrAdd(name: .contentType, value: contentType ?? "application/json")
        }
        if let bytes {   // a file as some program saved it (not necessarily UTF-8)
            body.writeBytes(bytes)
            headers.replaceOrAdd(name: .contentType, value: contentType ?? "application/octet-stream")
        }
        for (k, v) in extra { headers.replaceOrAdd(name: k, value: v) }
        var reply: Reply?
        try await app.test(method, path, headers: headers, body: body, afterResponse: { res async in
            reply = Reply(status: res.status, headers: res.headers, body: res.body)
        })
        guard let reply else { throw Abort(.internalServerError, reason: "no response") }
        if reply.status.code >= 500 {
            XCTFail("\(method) \(path) answered \(reply.status): \(String(buffer: reply.body))", file: file, line: line)
        }
        return reply
    }

    /// Sends a request and asserts its status.
    func expect(_ status: HTTPResponseStatus, _ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil,
                headers: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) async throws {
        let reply = try await request(method, path, token: token, json: json, headers: headers, file: file, line: line)
        XCTAssertEqual(reply.status, status, "\(method) \(path): \(String(buffer: reply.body))", file: file, line: line)
    }

    func multipart(_ path: String, method: HTTPMethod = .POST, fields: [String: String], file: (name: String, filename: String, data: Data)?,
                   token: String? = nil) async throws -> Reply {
        let boundary = "----parta\(UUID().uuidString)"
        var body = ByteBuffer()
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        if let file {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.data)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        if let token { headers.bearerAuthorization = .init(token: token) }
        var reply: Reply?
        try await app.test(method, path, headers: headers, body: body, afterResponse: { res async in
            reply = Reply(status: res.status, headers: res.headers, body: res.body)
        })
        return reply!
    }

    /// Serves the app on a real socket (127.0.0.1, a free port) for tests that talk to it as a
    /// client does; returns the port.
    func startServer() async throws -> Int {
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        // Open test sockets would hold a graceful shutdown for the default 10 seconds.
        app.http.server.configuration.shutdownTimeout = .milliseconds(300)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        return try XCTUnwrap(app.http.server.shared.localAddress?.port)
    }

    // MARK: Scenario helpers

    static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    func makeOperator(email: String = "operator@parta.test", password: String = "operator-pass") async throws -> String {
        let link = try await services.setup.makeSetupLink()
        let token = String(link.split(separator: "/").last!)
        let reply = try await request(.POST, "/api/v1/setup", json: [
            "token": token, "fullName": "Оператор Системы", "email": email, "phone": "", "password": password])
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json["token"] as! String
    }

    static func applicationFields(email: String = "admin@school1.test", phone: String = "+7 912 345-67-89",
                                  inn: String = "7707083893") -> [String: String] {
        ["schoolName": "МБОУ «Основная школа № 1 г. Кирова»", "shortName": "Школа № 1",
         "address": "г. Киров, ул. Ленина, д. 1", "region": "Кировская область", "inn": inn,
         "adminFullName": "Петров Пётр Петрович", "adminEmail": email, "adminPhone": phone]
    }

    func submitApplication(email: String = "admin@school1.test", phone: String = "+7 912 345-67-89") async throws -> String {
        let reply = try await multipart("/api/v1/school-applications", fields: Self.applicationFields(email: email, phone: phone),
                                        file: ("orderFile", "приказ.pdf", Self.pdf))
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json["id"] as! String
    }

    /// Approves an application and activates its administrator; returns (admin token, school id).
    func makeSchool(operatorToken: String, email: String = "admin@school1.test", phone: String = "+7 912 345-67-89",
                    password: String = "admin-pass-1") async throws -> (token: String, schoolID: String) {
        let appID = try await submitApplication(email: email, phone: phone)
        let approved = try await request(.POST, "/api/v1/school-applications/\(appID)/approve", token: operatorToken)
        XCTAssertEqual(approved.status, .ok, String(buffer: approved.body))
        let schoolID = approved.json["schoolId"] as! String
        let normalizedPhone = Phone.normalize(phone)!
        guard let activation = activationToken(to: email) else { XCTFail("no activation link sent"); return ("", schoolID) }
        let codeReply = try await request(.POST, "/api/v1/activation/\(activation)/code")
        XCTAssertEqual(codeReply.status, .accepted)
        let code = try XCTUnwrap(lastCode(to: normalizedPhone))
        let activated = try await request(.POST, "/api/v1/activation/\(activation)", json: ["code": code, "password": password])
        XCTAssertEqual(activated.status, .ok, String(buffer: activated.body))
        return (activated.json["token"] as! String, schoolID)
    }

    /// A signed-in member of a school with one role, made directly in the database (until invites
    /// exist for every role); returns their token.
    func addMember(schoolID: String, role: SchoolRole, verified: Bool = true, name: String = "Участник Школы") async throws -> String {
        let email = "\(role.rawValue)-\(UUID().uuidString.prefix(8).lowercased())@school.test"
        let ctx = services.context
        let hash = try await ctx.hasher.hash("member-pass-1")
        let now = ctx.clock.now()
        try await ctx.store.write { db in
            let user = UserRecord()
            user.fullName = name; user.email = email; user.passwordHash = hash; user.status = AccountStatus.active.rawValue
            user.isOperator = false; user.locale = "ru"; user.createdAt = now
            try await user.create(on: db)
            let membership = MembershipRecord()
            membership.schoolID = UUID(uuidString: schoolID)!; membership.userID = try user.requireID()
            membership.role = role.rawValue; membership.verified = verified; membership.createdAt = now
            try await membership.create(on: db)
        }
        let reply = try await request(.POST, "/api/v1/auth/password", json: ["login": email, "password": "member-pass-1"])
        XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
        return reply.json["token"] as! String
    }

    func activationToken(to email: String) -> String? {
        guard let text = sender.last(to: email)?.text, let range = text.range(of: "#/activate/") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    func lastCode(to destination: String) -> String? {
        guard let text = sender.last(to: destination)?.text else { return nil }
        let pattern = try! NSRegularExpression(pattern: "\\b(\\d{6})\\b")
        guard let m = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let r = Range(m.range(at: 1), in: text) else { return nil }
        return String(text[r])
    }

    /// Every table of the database (but the migrations' own).
    func tableNames() async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        let query: SQLQueryString = app.parta.context.store.dialect == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_fluent_migrations' ORDER BY name"
            : "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_fluent_migrations' ORDER BY tablename"
        return try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
    }

    func count(_ table: String) async throws -> Int {
        let sql = app.db as! any SQLDatabase
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
        return try row?.decode(column: "n", as: Int.self) ?? -1
    }

    func storedFiles() -> [String] {
        let dir = dataDirectory.appendingPathComponent("files")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static let iso8601withFractions = custom { decoder in
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let d = f.date(from: s) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: s) }
        return d
    }
}

/// Runs `body` with a harness and always shuts it down.
func withHarness(rules: AuthRules = AuthRules(), _ body: (TestHarness) async throws -> Void) async throws {
    let harness = try await TestHarness(rules: rules)
    do { try await body(harness) } catch { try? await harness.shutdown(); throw error }
    try await harness.shutdown()
}
