import Foundation
@testable import PartaServer
import XCTest

/// PARTA_LISTEN_BACKLOG: read from the environment, applied to the HTTP server, and a warning when
/// the kernel's net.core.somaxconn would cap it.
final class ListenBacklogTests: XCTestCase {
    func testTheBacklogIsReadFromTheEnvironment() throws {
        XCTAssertEqual(try PartaConfig.fromEnvironment([:]).listenBacklog, 4096)
        XCTAssertEqual(try PartaConfig.fromEnvironment(["PARTA_LISTEN_BACKLOG": "8192"]).listenBacklog, 8192)
        XCTAssertThrowsError(try PartaConfig.fromEnvironment(["PARTA_LISTEN_BACKLOG": "0"]))
        XCTAssertThrowsError(try PartaConfig.fromEnvironment(["PARTA_LISTEN_BACKLOG": "many"]))
    }

    func testTheOperatorIsToldWhenTheKernelCapsTheBacklog() throws {
        XCTAssertNil(ListenBacklog.warning(backlog: 4096, somaxconn: 4096))
        XCTAssertNil(ListenBacklog.warning(backlog: 4096, somaxconn: nil))
        let warning = try XCTUnwrap(ListenBacklog.warning(backlog: 4096, somaxconn: 128))
        XCTAssertTrue(warning.contains("net.core.somaxconn"), warning)
        XCTAssertTrue(warning.contains("128"), warning)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("somaxconn-\(UUID().uuidString)")
        try "128\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(ListenBacklog.readLimit(file.path), 128)
        XCTAssertNil(ListenBacklog.readLimit(file.path + "-missing"))
    }

    func testConfigureAppliesTheBacklog() async throws {
        try await withHarness { h in
            XCTAssertEqual(h.app.http.server.configuration.backlog, 4096)
        }
    }
}
