import Foundation
import PartaCore
import XCTest

/// Whose week a person may follow (the schedule page, a calendar feed), as a table:
/// (who, whose, the schools of the family links between them) → allowed.
final class SchedulePolicyTests: XCTestCase {
    let school = UUID(), other = UUID(), child = UUID()

    func actor(_ memberships: [(UUID, SchoolRole)], operator isOperator: Bool = false) -> Actor {
        Actor(userID: UUID(), sessionID: UUID(), isOperator: isOperator,
              memberships: memberships.map { .init(schoolID: $0.0, role: $0.1, verified: true) })
    }

    func testOwnWeekWhileInASchoolAChildsAsTheirParentThere() {
        let student = actor([(school, .student)]), parent = actor([(school, .parent)]), teacher = actor([(school, .teacher)])
        let rows: [(Actor, UUID?, [UUID], Bool, String)] = [
            (student, nil, [], true, "a student, their own week"),
            (teacher, nil, [], true, "a teacher, their own lessons"),
            (actor([]), nil, [], false, "someone in no school (left it)"),
            (actor([], operator: true), nil, [], false, "the operator"),
            (parent, child, [school], true, "a parent, their child (linked in this school)"),
            (parent, child, [], false, "a parent, a child not theirs (the link removed)"),
            (parent, child, [other], false, "linked in a school where they are not a parent"),
            (teacher, child, [school], false, "a link, but not a parent there"),
            (student, child, [school], false, "a student, another student"),
            (actor([(school, .parent), (other, .teacher)]), child, [other, school], true, "a parent in one of the link's schools"),
        ]
        for (who, whose, links, allowed, label) in rows {
            XCTAssertEqual(Policy.canFollowSchedule(who, of: whose ?? who.userID, parentLinksIn: links), allowed, label)
        }
    }
}
