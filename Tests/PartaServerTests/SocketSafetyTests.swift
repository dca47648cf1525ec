import Foundation
import NIOConcurrencyHelpers
import NIOWebSocket
@testable import PartaCore
@testable import PartaServer
import Vapor
import WebSocketKit
import XCTest

/// Issue 11 on real sockets: caps per account and per address, strict UTF-8, a resume that never
/// loses or repeats an event.
extension RealtimeTests {
    func testAnAccountKeepsAtMostItsCapOfSocketsTheOldestClosing() async throws {
        var rules = AuthRules()
        rules.socketsPerUser = 3
        try await withHarness(rules: rules) { h in
            let (admin, _) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let port = try await h.startServer()
            var probes: [Probe] = []
            var sockets: [WebSocket] = []
            for _ in 0..<3 {
                let probe = Probe()
                sockets.append(try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: probe))
                try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
                probes.append(probe)
            }
            let newest = Probe()
            let newestSocket = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: newest)
            try await waitUntil { self.frames(newest).contains { $0.type == "hello" } }
            // The oldest is closed with 4429 and told why; the others stay.
            try await waitUntil { probes[0].closed.withLockedValue { $0 } }
            XCTAssertEqual(probes[0].closeCode.withLockedValue { $0 }, .unknown(4429))
            XCTAssertTrue(frames(probes[0]).contains { $0.type == "too_many_connections" })
            for (socket, probe) in zip(sockets[1...] + [newestSocket], probes[1...] + [newest]) { try await assertStillOpen(socket, probe) }
        }
    }

    func testSocketsFromOneAddressAreCapped() async throws {
        var rules = AuthRules()
        rules.socketsPerAddress = 2
        try await withHarness(rules: rules) { h in
            let (admin, _) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let port = try await h.startServer()
            // Not yet authenticated sockets count too (they may wait 10 s for their first frame).
            let first = Probe(), second = Probe()
            let waiting = try await connect(h, port: port, headers: [:], probe: first)
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: second)
            try await waitUntil { self.frames(second).contains { $0.type == "hello" } }
            do {
                _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: Probe())
                XCTFail("a third socket from the same address was accepted")
            } catch {}
            // One closes: a new one is accepted.
            try await waiting.close()
            try await waitUntil { first.closed.withLockedValue { $0 } }
            try await Task.sleep(nanoseconds: 100_000_000)
            let third = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: third)
            try await waitUntil { self.frames(third).contains { $0.type == "hello" } }
        }
    }

    /// RFC 6455 §8.1: a text message that is not UTF-8 fails the connection (1007); websocket-kit
    /// alone replaced the bytes with U+FFFD and went on.
    func testATextFrameThatIsNotUTF8ClosesTheSocketWith1007() async throws {
        try await withHarness { h in
            let (admin, _) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let port = try await h.startServer()
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: probe)
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            try await ws.send(#"{"type":"ping"}"#)
            try await waitUntil { self.frames(probe).contains { $0.type == "pong" } }
            let invalid: [UInt8] = Array(#"{"type":"ping","x":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}"#.utf8)
            ws.send(raw: invalid, opcode: .text, fin: true, promise: nil)
            try await waitUntil { probe.closed.withLockedValue { $0 } }
            XCTAssertEqual(probe.closeCode.withLockedValue { $0 }, .dataInconsistentWithMessage)
            XCTAssertEqual(frames(probe).filter { $0.type == "pong" }.count, 1)
        }
    }

    /// A client that reconnects while its chat is busy: with `?resume=1`, nothing live reaches it
    /// before its replay, so every event arrives exactly once and in order (before, live events
    /// overtook the replay and the web client dropped the replayed ones as old).
    func testAResumingSocketGetsItsReplayBeforeAnythingLive() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let port = try await h.startServer()
            for i in 0..<3 {
                try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "до \(i)"])
            }
            let known = try await h.request(.GET, "/api/v1/chats/\(chatID)", token: student.token).json["lastEvent"] as! Int
            for i in 0..<4 {
                try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "пропущено \(i)"])
            }
            let probe = Probe()
            let ws = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: probe, query: "?resume=1")
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            // Live messages while the client has not resumed yet: held back.
            for i in 0..<3 {
                try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "пока подключался \(i)"])
            }
            try await Task.sleep(nanoseconds: 150_000_000)
            XCTAssertTrue(chatFrames(probe, chatID).isEmpty, "\(chatFrames(probe, chatID).map(\.raw))")
            try await ws.send(#"{"type":"resume","chats":{"\#(chatID)":\#(known)}}"#)
            try await waitUntil { self.frames(probe).contains { $0.type == "resumed" } }
            for i in 0..<2 {
                try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "после \(i)"])
            }
            let last = try await h.request(.GET, "/api/v1/chats/\(chatID)", token: student.token).json["lastEvent"] as! Int
            try await waitUntil { self.chatFrames(probe, chatID).last?.seq == last }
            XCTAssertEqual(chatFrames(probe, chatID).compactMap(\.seq), Array((known + 1)...last))
        }
    }

    /// `?resume=1` without a resume frame: after the hold limit the socket catches up by itself.
    func testAHeldSocketThatNeverResumesCatchesUpAfterTheHold() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let chatID = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let port = try await h.startServer()
            let probe = Probe()
            _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(student.token)"], probe: probe, query: "?resume=1")
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            try await h.expect(.created, .POST, "/api/v1/chats/\(chatID)/messages", token: teacher.token, json: ["text": "ждёт"])
            let last = try await h.request(.GET, "/api/v1/chats/\(chatID)", token: student.token).json["lastEvent"] as! Int
            try await waitUntil({ self.chatFrames(probe, chatID).last?.seq == last }, timeout: 15)
            XCTAssertEqual(chatFrames(probe, chatID).compactMap(\.seq), [last])
        }
    }

    /// A graceful stop closes every socket with 1001 at once — also one still waiting for its first
    /// frame, which would otherwise hold the HTTP server's stop for its 10 s.
    func testAStopClosesEverySocketWith1001EvenOneNotSignedInYet() async throws {
        let h = try await TestHarness()
        let (admin, _) = try await h.makeSchool(operatorToken: try await h.makeOperator())
        let port = try await h.startServer()
        h.app.http.server.configuration.shutdownTimeout = .seconds(10)   // what a real server waits
        let signedIn = Probe(), waiting = Probe()
        _ = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: signedIn)
        try await waitUntil { self.frames(signedIn).contains { $0.type == "hello" } }
        _ = try await connect(h, port: port, headers: [:], probe: waiting)
        let started = Date()
        try await h.shutdown()
        try await waitUntil { signedIn.closed.withLockedValue { $0 } && waiting.closed.withLockedValue { $0 } }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the stop waited for a socket")
        XCTAssertEqual(signedIn.closeCode.withLockedValue { $0 }, .goingAway)
        XCTAssertEqual(waiting.closeCode.withLockedValue { $0 }, .goingAway)
        XCTAssertTrue(frames(signedIn).contains { $0.type == "server_stopping" })
    }

    /// The slow-reader cut-off and the UTF-8 guard reach websocket-kit's private channel by
    /// reflection (websocket-kit is pinned in Package.swift): this fails if a new version renames
    /// it — on the server's own socket, where a failed lookup would silently switch both off.
    func testTheWebSocketsChannelIsFoundByReflection() async throws {
        try await withHarness { h in
            let (admin, _) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let port = try await h.startServer()
            let probe = Probe()
            let client = try await connect(h, port: port, headers: ["Authorization": "Bearer \(admin)"], probe: probe)
            XCTAssertNotNil(FrameWriter.channel(of: client))
            try await waitUntil { self.frames(probe).contains { $0.type == "hello" } }
            let hub = try XCTUnwrap(h.app.socketHub)
            let connection = try XCTUnwrap(hub.connectionsForTesting.first)
            let channel = try XCTUnwrap(connection.writer.channel, "FrameWriter did not find the server socket's channel")
            XCTAssertTrue(channel === FrameWriter.channel(of: connection.ws))
            // What the writer and the guard then use: the frame encoder to write below, the guard in place.
            _ = try await channel.pipeline.handler(type: WebSocketFrameEncoder.self).get()
            _ = try await channel.pipeline.handler(type: InboundTextGuard.self).get()
        }
    }

    /// Over-long request heads are answered through a hook on Vapor's private listening channel,
    /// found by reflection (vapor is pinned in Package.swift): this fails if a new version moves it.
    func testTheListeningChannelIsFoundByReflection() async throws {
        try await withHarness { h in
            _ = try await h.startServer()
            XCTAssertNotNil(LimitsHTTPServer.listeningChannel(of: h.app.http.server.shared))
            let installed = await LimitsHTTPServer.isInstalled(on: h.app.http.server.shared)
            XCTAssertTrue(installed, "accepted connections are not watched")
        }
    }
}
