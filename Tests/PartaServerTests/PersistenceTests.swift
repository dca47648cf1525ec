import FluentKit
import Foundation
@testable import PartaCore
@testable import PartaServer
import SQLKit
import XCTest
import XCTVapor

/// Storage behaviour: on SQLite by default, on PostgreSQL when PARTA_TEST_DATABASE_URL is set.
final class PersistenceTests: XCTestCase {
    func testDataSurvivesARestart() async throws {
        let first = try await TestHarness()
        let op: String, schoolID: String
        do {
            op = try await first.makeOperator()
            (_, schoolID) = try await first.makeSchool(operatorToken: op)
            _ = try await first.request(.PATCH, "/api/v1/schools/\(schoolID)", token: try await first.request(
                .POST, "/api/v1/auth/password", json: ["login": "admin@school1.test", "password": "admin-pass-1"]).json["token"] as? String,
                json: ["directorName": "Сидорова Анна Викторовна"])
        } catch { try? await first.shutdown(); throw error }
        try await first.shutdown()

        // A new application process on the same data directory / database.
        let second = try await TestHarness(dataDirectory: first.dataDirectory, fresh: false)
        do {
            let me = try await second.request(.GET, "/api/v1/me", token: op)
            XCTAssertEqual(me.status, .ok, "sessions survive a restart")
            let signIn = try await second.request(.POST, "/api/v1/auth/password", json: ["login": "admin@school1.test", "password": "admin-pass-1"])
            XCTAssertEqual(signIn.status, .ok)
            let school = try await second.request(.GET, "/api/v1/schools/\(schoolID)", token: signIn.json["token"] as? String)
            XCTAssertEqual(school.json["directorName"] as? String, "Сидорова Анна Викторовна")
            let apps = try await second.request(.GET, "/api/v1/school-applications?status=approved", token: op)
            let appID = (apps.json["items"] as! [[String: Any]])[0]["id"] as! String
            let file = try await second.request(.GET, "/api/v1/school-applications/\(appID)/order-file", token: op)
            XCTAssertEqual(Data(buffer: file.body), TestHarness.pdf)
            // No new setup link once an operator exists.
            let link = try await second.services.setup.setupLinkIfNeeded()
            XCTAssertNil(link)
        } catch { try? await second.shutdown(); throw error }
        try await second.shutdown()
    }

    func testMigrationsRevertAndReapply() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            try await h.app.autoRevert()
            let sql = h.app.db as! any SQLDatabase
            // Every table is gone (only Fluent's own bookkeeping may remain).
            for table in ["users", "sessions", "schools", "school_applications", "chats"] {
                do {
                    _ = try await sql.raw("SELECT COUNT(*) FROM \(unsafeRaw: table)").all()
                    XCTFail("\(table) still exists after revert")
                } catch {}
            }
            try await h.app.autoMigrate()
            do { let value = try await h.count("users"); XCTAssertEqual(value, 0) }
            _ = try await h.makeOperator()
            do { let value = try await h.count("users"); XCTAssertEqual(value, 1) }
        }
    }

    func testSQLiteRunsInWALMode() async throws {
        guard TestHarness.postgresURL == nil else { throw XCTSkip("SQLite only") }
        try await withHarness { h in
            let sql = h.app.db as! any SQLDatabase
            let rows = try await sql.raw("PRAGMA journal_mode").all()
            let mode = try rows.first?.decode(column: "journal_mode", as: String.self)
            XCTAssertEqual(mode, "wal")
            XCTAssertTrue(FileManager.default.fileExists(atPath: h.dataDirectory.appendingPathComponent("parta.sqlite").path))
        }
    }

    /// Concurrent writers on SQLite wait their turn instead of failing with "database is locked".
    func testConcurrentWritesAllLand() async throws {
        try await withHarness { h in
            _ = try await h.makeOperator()
            let ctx = h.services.context
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await ctx.store.write { db in
                            let f = StoredFileRecord()
                            f.fileName = "f\(i)"; f.contentType = "application/pdf"; f.size = i; f.sha256 = ""; f.createdAt = Date()
                            try await f.create(on: db)
                            _ = try await StoredFileRecord.query(on: db).count()
                        }
                    }
                }
                try await group.waitForAll()
            }
            do { let value = try await h.count("stored_files"); XCTAssertEqual(value, 40) }
        }
    }
}
