import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOWebSocket
@testable import PartaCore
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

    func connect(_ h: TestHarness, port: Int, headers: HTTPHeaders, probe: Probe, query: String = "") async throws -> WebSocket {
        let box = NIOLockedValueBox<WebSocket?>(nil)
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/api/v1/ws\(query)", headers: headers, on: h.app.eventLoopGroup) { ws in
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

    /// A sentinel instead of a pause: the socket answers a ping after everything the server did
    /// before it, so it is open now (a close already on its way would have arrived first).
    func assertStillOpen(_ ws: WebSocket, _ probe: Probe, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) async throws {
        let pongs = { probe.texts.withLockedValue { $0.filter { $0.contains(#""pong""#) }.count } }
        let before = pongs()
        try await ws.send(#"{"type":"ping"}"#)
        try await waitUntil { pongs() > before || probe.closed.withLockedValue { $0 } }
        XCTAssertFalse(probe.closed.withLockedValue { $0 }, "closed: \(what)", file: file, line: line)
    }

    func waitUntil(_ condition: @escaping () -> Bool, timeout: TimeInterval = 5) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { XCTFail("timed out"); return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    func testSocketsCloseWhenTheAccountIsDisabledOrTheSessionRevoked() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, _) = try await h.makeSchool(operatorToken: op)
            let adminID = try await h.request(.GET, "/api/v1/me", token: admin).json["id"] as! String
            let port = try await h.startServer()

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
            let bystanderSocket = try await connect(h, port: port, headers: ["Authorization": "Bearer \(op)"], probe: bystander)
            try await waitUntil { bystander.texts.withLockedValue { !$0.isEmpty } }

            try await h.expect(.noContent, .POST, "/api/v1/users/\(adminID)/disable", token: op)
            try await waitUntil { viaHeader.closed.withLockedValue { $0 } && viaFrame.closed.withLockedValue { $0 } }
            XCTAssertEqual(viaHeader.closeCode.withLockedValue { $0 }, .unknown(4401))
            XCTAssertTrue(viaHeader.texts.withLockedValue { $0.contains(#"{"type":"session_ended"}"#) })
            try await assertStillOpen(bystanderSocket, bystander, "the operator's socket")

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
            let port = try await h.startServer()
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

/// A reader that stops reading is closed once it falls `FrameWriter.maxBacklog` behind (it then
/// reconnects and resumes from the log) — the server does not queue for it without end.
extension RealtimeTests {
    func testASocketThatStopsReadingIsClosedOnceFarBehind() async throws {
        try await withHarness(rules: AuthRules(messagesPerMinute: 100_000)) { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let port = try await h.startServer()

            // A raw socket with a tiny receive buffer: the upgrade, its answer, then no more reading.
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            XCTAssertGreaterThanOrEqual(fd, 0)
            defer { close(fd) }
            var small: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(connected, 0)
            let upgrade = "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer \(student.token)\r\n\r\n"
            XCTAssertEqual(upgrade.utf8.count, upgrade.withCString { send(fd, $0, strlen($0), 0) })
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var head = [UInt8]()
            var byte: UInt8 = 0
            while !head.suffix(4).elementsEqual([13, 10, 13, 10]), recv(fd, &byte, 1, 0) == 1 { head.append(byte) }
            XCTAssertTrue(String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101"), String(decoding: head, as: UTF8.self))

            // About 8 MB of events for it (messages of 4,000 Cyrillic letters), far past what the
            // kernel's buffers and the backlog allowance hold.
            let text = String(repeating: "ж", count: MessageService.maxLength)
            let count = 1_000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<10 {
                    group.addTask {
                        for i in stride(from: worker, to: count, by: 10) {
                            let r = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": text, "clientId": "big-\(i)"])
                            XCTAssertEqual(r.status, .created)
                        }
                    }
                }
                try await group.waitForAll()
            }

            // Reading now: what the kernel kept, then the end — the server closed the socket.
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var received = 0
            var ended = false
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += n; continue }
                ended = n == 0 || errno == ECONNRESET
                break
            }
            XCTAssertTrue(ended, "the socket was not closed (errno \(errno)) after \(received) bytes")
            XCTAssertLessThan(received, count * text.utf8.count, "it did not get everything: it was dropped")
        }
    }
}
