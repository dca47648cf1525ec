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

    /// Issue 11: who handles a report — (who, moderates the chat, the author moderates it, it is about them) → allowed.
    func testAReportNeverReachesThePersonItIsAbout() {
        let admin = actor([(school, .admin)]), teacher = actor([(school, .teacher)]), otherAdmin = actor([(other, .admin)])
        let cases: [(Actor, Bool, Bool, Bool, Bool, String)] = [
            (admin, false, false, false, true, "an administrator, not in the chat"),
            (admin, false, true, false, true, "an administrator, about a chat's moderator"),
            (admin, true, false, true, false, "an administrator, about themselves"),
            (teacher, true, false, false, true, "the chat's owner, about a member"),
            (teacher, true, true, false, false, "a chat moderator, about another moderator"),
            (teacher, true, true, true, false, "the chat's owner, about themselves"),
            (teacher, false, false, false, false, "a teacher who does not moderate the chat"),
            (otherAdmin, false, false, false, false, "another school's administrator"),
        ]
        for (who, moderates, authorModerates, aboutSelf, allowed, what) in cases {
            let author = aboutSelf ? who.userID : UUID()
            XCTAssertEqual(Policy.canHandleReport(who, schoolID: school, authorID: author, actorModeratesChat: moderates,
                                                  authorModeratesChat: authorModerates), allowed, what)
        }
    }

    func testTheReporterIsTheAdministratorsToSeeUnlessTheSchoolAllows() {
        XCTAssertTrue(Policy.canSeeReporter(actor([(school, .admin)]), schoolID: school, schoolAllowsModerators: false))
        XCTAssertFalse(Policy.canSeeReporter(actor([(school, .teacher)]), schoolID: school, schoolAllowsModerators: false))
        XCTAssertTrue(Policy.canSeeReporter(actor([(school, .teacher)]), schoolID: school, schoolAllowsModerators: true))
        XCTAssertFalse(Policy.canSeeReportResolver(actor([(school, .teacher)]), schoolID: school))
        XCTAssertTrue(Policy.canSeeReportResolver(actor([(school, .admin)]), schoolID: school))
    }

    /// Safe mode by id: students and parents write directly to the administration and confirmed teachers only.
    func testStudentsWriteDirectlyToTrustedStaffOnly() {
        let peers: [(Policy.ChatPeer, Bool, String)] = [
            (.init(roles: [.teacher], confirmedTeacher: true), true, "a confirmed teacher"),
            (.init(roles: [.teacher], confirmedTeacher: false), false, "an unconfirmed teacher"),
            (.init(roles: [.teacher, .parent], confirmedTeacher: false), false, "an unconfirmed teacher who is a parent"),
            (.init(roles: [.director], confirmedTeacher: false), true, "the director"),
            (.init(roles: [.admin], confirmedTeacher: false), true, "an administrator"),
            (.init(roles: [.student], confirmedTeacher: false), false, "another student"),
            (.init(roles: [.parent], confirmedTeacher: false), false, "a parent"),
        ]
        for asker in [SchoolRole.student, .parent] {
            for (peer, allowed, what) in peers {
                XCTAssertEqual(Policy.canStartChat(actor([(school, asker)]), schoolID: school, kind: .direct, with: [peer]), allowed,
                               "\(asker) → \(what)")
            }
        }
    }

    func testAStudentTakesNoStaffRoleByALinkAndTheDirectorConfirmsTeachers() {
        XCTAssertFalse(Policy.mayJoinByLink(existing: [.student], role: .teacher))
        XCTAssertFalse(Policy.mayJoinByLink(existing: [.student], role: .director))
        XCTAssertTrue(Policy.mayJoinByLink(existing: [.parent], role: .teacher))
        XCTAssertTrue(Policy.mayJoinByLink(existing: [], role: .teacher))
        XCTAssertTrue(Policy.mayJoinByLink(existing: [.student], role: .student))
        XCTAssertTrue(Policy.canVerifyTeachers(actor([(school, .director)]), schoolID: school))
        XCTAssertFalse(Policy.canVerifyTeachers(actor([(school, .deputy)]), schoolID: school))
        XCTAssertFalse(Policy.canVerifyTeachers(actor([(other, .director)]), schoolID: school))
        let unconfirmedDirector = Actor(userID: UUID(), sessionID: UUID(), isOperator: false,
                                        memberships: [.init(schoolID: school, role: .director, verified: false)])
        XCTAssertFalse(Policy.canVerifyTeachers(unconfirmedDirector, schoolID: school))
    }

    /// Issue 13: a profile photo — a child's face — is the person's school's and chats' to see.
    func testAPhotoIsSeenByTheSchoolAndTheChatsOnly() {
        let owner = UUID()
        let schoolmate = actor([(school, .parent)])
        let stranger = actor([(other, .admin)])
        XCTAssertTrue(Policy.canSeePhoto(schoolmate, ownerID: owner, ownerSchoolIDs: [school], sharesChat: false))
        XCTAssertFalse(Policy.photoNeedsSharedChat(schoolmate, ownerID: owner, ownerSchoolIDs: [school]))
        XCTAssertFalse(Policy.canSeePhoto(stranger, ownerID: owner, ownerSchoolIDs: [school], sharesChat: false))
        XCTAssertTrue(Policy.photoNeedsSharedChat(stranger, ownerID: owner, ownerSchoolIDs: [school]))
        XCTAssertTrue(Policy.canSeePhoto(stranger, ownerID: owner, ownerSchoolIDs: [school], sharesChat: true))
        XCTAssertFalse(Policy.canSeePhoto(actor([], operator: true), ownerID: owner, ownerSchoolIDs: [school], sharesChat: false))
        XCTAssertFalse(Policy.canSeePhoto(actor([]), ownerID: owner, ownerSchoolIDs: [], sharesChat: false))
        let me = actor([])
        XCTAssertTrue(Policy.canSeePhoto(me, ownerID: me.userID, ownerSchoolIDs: [], sharesChat: false))
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

    func testCreationLimitsPerMinuteAndPerDayAndTheirText() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(clock: clock)
        var limits = CreationLimits()
        limits[.chats] = .init(perMinute: 2, perDay: 3)
        let me = UUID()
        for _ in 0..<2 { try limiter.hitCreation(.chats, by: me, limits) }
        XCTAssertThrowsError(try limiter.hitCreation(.chats, by: me, limits))
        try limiter.hitCreation(.polls, by: me, limits)   // kinds are counted apart
        try limiter.hitCreation(.chats, by: UUID(), limits)   // and people
        clock.current += 61
        try limiter.hitCreation(.chats, by: me, limits)
        clock.current += 61
        XCTAssertThrowsError(try limiter.hitCreation(.chats, by: me, limits)) { error in
            guard case .tooManyRequests(let seconds) = (error as? PartaError)?.kind else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(seconds, 80_000)   // the day's limit: wait for the day's window
        }
        XCTAssertEqual(CreationLimits.PerPerson(text: "20/200"), .init(perMinute: 20, perDay: 200))
        for bad in ["20", "0/10", "30/20", "a/b", "1/2/3", ""] { XCTAssertNil(CreationLimits.PerPerson(text: bad), bad) }
    }
}
