import Foundation
import NIOConcurrencyHelpers
import NIOWebSocket
@testable import PartaServer
import Vapor
import WebSocketKit
import XCTest
import XCTVapor

/// The WebSocket gateway on a real socket: sessions that end close their sockets at once.
final class RealtimeTests: XCTestCase {
    final class Probe: @unchecked Sendable {
        let texts = NIOLockedValueBox<[String]>([])
        let closeCode = NIOLockedValueBox<WebSocketErrorCode?>(nil)
        let closed = NIOLockedValueBox(false)
    }

    func connect(_ h: TestHarness, port: Int, headers: HTTPHeaders, probe: Probe) async throws -> WebSocket {
        let box = NIOLockedValueBox<WebSocket?>(nil)
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/api/v1/ws", headers: headers, on: h.app.eventLoopGroup) { ws in
            box.withLockedValue { $0 = ws }
            ws.onText { _, text in probe.texts.withLockedValue { $0.append(text) } }
            ws.onClose.whenComplete { _ in
                probe.closeCode.withLockedValue { $0 = ws.closeCode }
                probe.closed.withLockedValue { $0 = true }
            }
        }.get()
        // The upgrade callback may run just after the connect future completes.
        try await waitUntil { box.withLockedValue { $0 } != nil }
        return try XCTUnwrap(box.withLockedValue { $0 })
    }

    func waitUntil(_ condition: @escaping () -> Bool, timeout: TimeInterval = 5) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { XCTFail("timed out"); return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    func startServer(_ h: TestHarness) async throws -> Int {
        h.app.http.server.configuration.hostname = "127.0.0.1"
        h.app.http.server.configuration.port = 0
        // Open test sockets would hold a graceful shutdown for the default 10 seconds.
        h.app.http.server.configuration.shutdownTimeout = .milliseconds(300)
        try await h.app.server.start(address: .hostname("127.0.0.1", port: 0))
        return try XCTUnwrap(h.app.http.server.shared.localAddress?.port)
    }

    func testSocketsCloseWhenTheAccountIsDisabledOrTheSessionRevoked() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, _) = try await h.makeSchool(operatorToken: op)
            let adminID = try await h.request(.GET, "/api/v1/me", token: admin).json["id"] as! String
            let port = try await startServer(h)

            // Bearer at upgrade.
            let viaHeader = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: viaHeader)
            try await waitUntil { viaHeader.texts.withLockedValue { $0.contains { $0.contains("\"hello\"") } } }
            // Token in the first frame.
            let viaFrame = Probe()
            let ws = try await connect(h, port: port, headers: [:], probe: viaFrame)
            try await ws.send(#"{"type":"auth","token":"\#(admin)"}"#)
            try await waitUntil { viaFrame.texts.withLockedValue { $0.contains { $0.contains("\"hello\"") } } }
            // The operator's socket must stay open.
            let bystander = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(op)"], probe: bystander)
            try await waitUntil { bystander.texts.withLockedValue { !$0.isEmpty } }

            try await h.expect(.noContent, .POST, "/api/v1/users/\(adminID)/disable", token: op)
            try await waitUntil { viaHeader.closed.withLockedValue { $0 } && viaFrame.closed.withLockedValue { $0 } }
            XCTAssertEqual(viaHeader.closeCode.withLockedValue { $0 }, .unknown(4401))
            XCTAssertTrue(viaHeader.texts.withLockedValue { $0.contains(#"{"type":"session_ended"}"#) })
            try await Task.sleep(nanoseconds: 100_000_000)
            XCTAssertFalse(bystander.closed.withLockedValue { $0 })

            // Revoking one session closes only that session's sockets.
            let second = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "operator@parta.test", "password": "operator-pass"]).json["token"] as! String
            let other = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(second)"], probe: other)
            try await waitUntil { other.texts.withLockedValue { !$0.isEmpty } }
            let secondID = (try await h.request(.GET, "/api/v1/sessions", token: second).json["items"] as! [[String: Any]])
                .first { $0["current"] as? Bool == true }!["id"] as! String
            try await h.expect(.noContent, .DELETE, "/api/v1/sessions/\(secondID)", token: op)
            try await waitUntil { other.closed.withLockedValue { $0 } }
            XCTAssertFalse(bystander.closed.withLockedValue { $0 })
        }
    }

    func testABadTokenCannotOpenASocket() async throws {
        try await withHarness { h in
            let port = try await startServer(h)
            do {
                let probe = Probe()
                _ = try await connect(h, port: port, headers: ["Authorization": "Bearer not-a-real-token-but-long-enough"], probe: probe)
                XCTFail("upgrade should be refused")
            } catch {}
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: [:], probe: probe)
            try await ws.send(#"{"type":"auth","token":"wrong-token-wrong-token-wrong"}"#)
            try await waitUntil { probe.closed.withLockedValue { $0 } }
            XCTAssertFalse(probe.texts.withLockedValue { $0.contains { $0.contains("hello") } })
        }
    }
}
