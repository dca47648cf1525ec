import Foundation
import NIOConcurrencyHelpers
@testable import PartaCore
@testable import PartaServer
import Vapor
import WebSocketKit
import XCTest
import XCTVapor

/// Nothing of a socket stays in the server once it has closed: not in the hub's indexes (sockets,
/// people, rooms, subscriptions), not in the per-loop outboxes, and not in objects something else
/// still holds (the server's `WebSocket`, its channel and the hub's `Connection` are freed). With
/// thousands of sockets coming and going every day, anything kept per closed socket is memory that
/// only grows.
extension RealtimeTests {
    final class Weak<T: AnyObject>: @unchecked Sendable {
        weak var object: T?
        init(_ object: T) { self.object = object }
    }

    /// A socket signed in by a bearer header, or by its first frame, once it has its `hello`.
    func signedInSocket(_ h: TestHarness, port: Int, token: String, inFirstFrame: Bool = false) async throws -> (WebSocket, Probe) {
        let probe = Probe()
        let ws = try await connect(h, port: port, headers: inFirstFrame ? [:] : ["Authorization": "Bearer \(token)"], probe: probe)
        if inFirstFrame { try await ws.send(#"{"type":"auth","token":"\#(token)"}"#) }
        try await waitUntil { probe.saw(#""type":"hello""#) }
        return (ws, probe)
    }

    func testNothingOfASocketStaysAfterItCloses() async throws {
        try await withHarness { h in
            let (school, teacher, student) = try await h.teacherAndStudent()
            let group = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            _ = try await h.chat(school, teacher, kind: "direct", members: [student])
            let hub = try XCTUnwrap(h.app.socketHub)
            let port = try await h.startServer()
            XCTAssertEqual(hub.footprint, .init())

            // 8 sockets each by a bearer header, 2 more authenticated by their first frame.
            var opened: [(WebSocket, Probe)] = []
            for person in [teacher, student] {
                for _ in 0..<8 { opened.append(try await signedInSocket(h, port: port, token: person.token)) }
                opened.append(try await signedInSocket(h, port: port, token: person.token, inFirstFrame: true))
            }
            let sockets = opened
            let open = hub.footprint
            XCTAssertEqual(open.connections, 18)
            XCTAssertEqual(open.users, 2)
            XCTAssertGreaterThanOrEqual(open.rooms, 2)   // the group, the direct chat, the school's channels

            // Frames through the outboxes, and frames from the clients.
            let sent = try await h.request(.POST, "/api/v1/chats/\(group)/messages", token: teacher.token,
                                           json: ["text": "Звонок!", "clientId": "bell-1"])
            XCTAssertEqual(sent.status, .created)
            try await waitUntil { sockets.allSatisfy { $0.1.saw("Звонок!") } }
            for (ws, _) in sockets { try await ws.send(#"{"type":"ping"}"#) }
            try await waitUntil { sockets.allSatisfy { $0.1.saw(#""type":"pong""#) } }

            // Weakly held: nothing but the server may keep these alive.
            let connections = hub.connectionsForTesting.map { Weak($0) }
            let webSockets = hub.connectionsForTesting.map { Weak($0.ws) }
            XCTAssertEqual(connections.count, 18)

            // The teacher's sockets close from the client; the student's sessions end on the server.
            for (ws, _) in sockets.prefix(9) { try await ws.close() }
            let studentID = try XCTUnwrap(UUID(uuidString: student.id))
            await hub.closeSessions(userID: studentID, sessionIDs: nil)
            try await waitUntil { sockets.allSatisfy { $0.1.closed.withLockedValue { $0 } } }

            try await waitUntil { hub.footprint == .init() }
            XCTAssertEqual(hub.footprint, .init(), "the hub keeps state of closed sockets")
            XCTAssertEqual(hub.count, 0)
            // No timer, callback or task keeps a closed socket's objects (websocket-kit's ping timer
            // held each closed WebSocket, with its channel, until its next ping up to 30 s later).
            try await waitUntil({ webSockets.allSatisfy { $0.object == nil } }, timeout: 3)
            XCTAssertEqual(webSockets.filter { $0.object != nil }.count, 0, "closed WebSockets still held")
            XCTAssertEqual(connections.filter { $0.object != nil }.count, 0, "closed connections still held")
        }
    }
}

extension RealtimeTests.Probe {
    /// Whether some frame so far contains `part`.
    func saw(_ part: String) -> Bool { texts.withLockedValue { $0.contains { $0.contains(part) } } }
}
