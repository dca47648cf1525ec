import Foundation
import PartaCore
import XCTest

final class PolicyTests: XCTestCase {
    let school = UUID(), other = UUID()

    func actor(_ memberships: [(UUID, SchoolRole)], operator isOperator: Bool = false) -> Actor {
        Actor(userID: UUID(), sessionID: UUID(), isOperator: isOperator,
              memberships: memberships.map { .init(schoolID: $0.0, role: $0.1, verified: true) })
    }

    func testOnlyTheOperatorReviewsApplications() {
        XCTAssertTrue(Policy.canReviewApplications(actor([], operator: true)))
        XCTAssertFalse(Policy.canReviewApplications(actor([(school, .admin)])))
    }

    func testOnlyTheSchoolsAdminEditsItsProfile() {
        XCTAssertTrue(Policy.canEditSchool(actor([(school, .admin)]), schoolID: school))
        XCTAssertFalse(Policy.canEditSchool(actor([(other, .admin)]), schoolID: school))
        XCTAssertFalse(Policy.canEditSchool(actor([(school, .teacher), (school, .director)]), schoolID: school))
        XCTAssertFalse(Policy.canEditSchool(actor([], operator: true), schoolID: school))
    }

    func testMembersSeeTheirSchoolOnly() {
        XCTAssertTrue(Policy.canViewSchool(actor([(school, .parent)]), schoolID: school))
        XCTAssertFalse(Policy.canViewSchool(actor([(other, .admin)]), schoolID: school))
        XCTAssertTrue(Policy.canViewSchool(actor([], operator: true), schoolID: school))
    }

    func testStaffChannelIsForStaff() {
        XCTAssertTrue(Policy.canSeeSystemChannel(actor([(school, .student)]), schoolID: school, audience: .school))
        XCTAssertFalse(Policy.canSeeSystemChannel(actor([(school, .student)]), schoolID: school, audience: .staff))
        XCTAssertFalse(Policy.canSeeSystemChannel(actor([(school, .parent)]), schoolID: school, audience: .staff))
        XCTAssertTrue(Policy.canSeeSystemChannel(actor([(school, .teacher)]), schoolID: school, audience: .staff))
        XCTAssertFalse(Policy.canSeeSystemChannel(actor([(other, .teacher)]), schoolID: school, audience: .school))
    }
}

final class RateLimiterTests: XCTestCase {
    final class ManualClock: PartaClock, @unchecked Sendable {
        var current = Date(timeIntervalSince1970: 1_000_000)
        func now() -> Date { current }
    }

    func testLimitThenResetAfterWindow() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        let rule = RateLimiter.Rule(limit: 3, window: 60)
        for _ in 0..<3 { try limiter.hit("k", rule) }
        XCTAssertThrowsError(try limiter.hit("k", rule)) { error in
            guard case .tooManyRequests(let seconds) = (error as? PartaError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(seconds, 60)
        }
        try limiter.hit("other", rule)          // keys are independent
        clock.current += 61
        XCTAssertNoThrow(try limiter.hit("k", rule))
    }
}
