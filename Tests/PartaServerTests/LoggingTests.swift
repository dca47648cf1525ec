@testable import PartaServer
import XCTest

/// Invite, setup and activation tokens travel in paths; the request log must not show them.
final class LoggingTests: XCTestCase {
    func testTokensInPathsAreRedacted() {
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/join/AbC123-_xyz/code"), "/api/v1/join/…/code")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/chat-join/AbC123-_xyz"), "/api/v1/chat-join/…")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/setup/tok"), "/api/v1/setup/…")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/activation/tok/code"), "/api/v1/activation/…/code")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/ical/AbC123-_xyz.ics"), "/api/v1/ical/…")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/schools/1/join-requests"), "/api/v1/schools/1/join-requests")
        XCTAssertEqual(RedactingRouteLogger.redact("/api/v1/join-requests/decide"), "/api/v1/join-requests/decide")
        XCTAssertEqual(RedactingRouteLogger.redact("/"), "/")
    }
}
