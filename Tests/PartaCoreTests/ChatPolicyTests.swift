import Foundation
@testable import PartaCore
import XCTest

/// Issue 12: the chat rules that lived in services, as tables (who × what × whose → allowed).
final class ChatPolicyTests: XCTestCase {
    let school = UUID(), other = UUID(), homeroomClass = UUID(), anotherClass = UUID()

    func actor(_ memberships: [(UUID, SchoolRole, Bool)], homerooms: Set<UUID> = []) -> Actor {
        Actor(userID: UUID(), sessionID: UUID(), isOperator: false,
              memberships: memberships.map { .init(schoolID: $0.0, role: $0.1, verified: $0.2) }, homeroomClassIDs: homerooms)
    }
    var admin: Actor { actor([(school, .admin, true), (school, .teacher, true)]) }
    var director: Actor { actor([(school, .director, true)]) }
    var teacher: Actor { actor([(school, .teacher, true)]) }
    var homeroomTeacher: Actor { actor([(school, .teacher, true)], homerooms: [homeroomClass]) }
    /// Named homeroom teacher of the class, but not yet confirmed as a teacher.
    var unconfirmedHomeroomTeacher: Actor { actor([(school, .teacher, false)], homerooms: [homeroomClass]) }
    var student: Actor { actor([(school, .student, true)]) }
    var parent: Actor { actor([(school, .parent, true)]) }
    var otherSchoolsAdmin: Actor { actor([(other, .admin, true)]) }

    func testWhatEachPersonMayDoInAChat() {
        typealias R = Policy.ChatRights
        // (who, system audience, read-only, their role in the chat) → rights (nil: may not read it)
        let cases: [(Actor, ChannelAudience?, Bool, ChatRole?, R?, String)] = [
            (student, nil, false, .member, R(role: .member, canPost: true, canModerate: false), "a member of an open group"),
            (student, nil, true, .member, R(role: .member, canPost: false, canModerate: false), "a member of a read-only group"),
            (teacher, nil, true, .owner, R(role: .owner, canPost: true, canModerate: true), "the owner of a read-only group"),
            (teacher, nil, true, .admin, R(role: .admin, canPost: true, canModerate: true), "an admin of a read-only group"),
            (admin, nil, true, .member, R(role: .member, canPost: false, canModerate: true), "a school administrator, a member of a read-only group"),
            (admin, nil, false, nil, nil, "a school administrator, not a member"),
            (student, nil, false, nil, nil, "not a member"),
            (otherSchoolsAdmin, nil, false, .member, nil, "a member row, but no role in the chat's school"),
            (student, .school, true, nil, R(role: .member, canPost: false, canModerate: false), "a student reads the school channel"),
            (student, .staff, true, nil, nil, "a student and the staff channel"),
            (parent, .staff, true, nil, nil, "a parent and the staff channel"),
            (teacher, .staff, true, nil, R(role: .member, canPost: false, canModerate: false), "a teacher reads the staff channel"),
            (admin, .school, true, nil, R(role: .admin, canPost: true, canModerate: true), "an administrator runs the school channel"),
            (director, .school, true, nil, R(role: .member, canPost: false, canModerate: false), "the director reads the school channel"),
            (otherSchoolsAdmin, .school, true, nil, nil, "another school's administrator"),
        ]
        for (who, audience, readOnly, role, expected, what) in cases {
            XCTAssertEqual(Policy.chatRights(who, schoolID: school, systemAudience: audience, readOnly: readOnly, memberRole: role),
                           expected, what)
        }
    }

    func testWhoRemovesMutesAndAppointsInAChat() {
        let member = Policy.ChatRights(role: .member, canPost: true, canModerate: false)
        let owner = Policy.ChatRights(role: .owner, canPost: true, canModerate: true)
        let chatAdmin = Policy.ChatRights(role: .admin, canPost: true, canModerate: true)
        let s = student
        XCTAssertTrue(Policy.canRemoveChatMember(s, userID: s.userID, rights: member), "anyone leaves")
        XCTAssertFalse(Policy.canRemoveChatMember(s, userID: UUID(), rights: member), "a member removes nobody")
        XCTAssertTrue(Policy.canRemoveChatMember(teacher, userID: UUID(), rights: chatAdmin), "a chat admin removes")
        XCTAssertFalse(Policy.isRemovableFromChat(.owner))
        XCTAssertTrue(Policy.isRemovableFromChat(.admin))
        XCTAssertTrue(Policy.isMutable(.member))
        XCTAssertFalse(Policy.isMutable(.admin))
        XCTAssertFalse(Policy.isMutable(.owner))
        XCTAssertTrue(Policy.canAppointChatAdmins(teacher, schoolID: school, rights: owner), "the owner")
        XCTAssertFalse(Policy.canAppointChatAdmins(teacher, schoolID: school, rights: chatAdmin), "a chat admin")
        XCTAssertTrue(Policy.canAppointChatAdmins(admin, schoolID: school, rights: member), "a school administrator")
        XCTAssertFalse(Policy.canAppointChatAdmins(otherSchoolsAdmin, schoolID: school, rights: member), "another school's")
        XCTAssertTrue(Policy.canMentionAll(chatAdmin))
        XCTAssertFalse(Policy.canMentionAll(member))
    }

    func testAChatLinkIsAsGoodAsItsMaker() {
        XCTAssertTrue(Policy.chatLinkStillValid(makerRole: .owner, makerIsSchoolAdmin: false))
        XCTAssertTrue(Policy.chatLinkStillValid(makerRole: .admin, makerIsSchoolAdmin: false))
        XCTAssertFalse(Policy.chatLinkStillValid(makerRole: .member, makerIsSchoolAdmin: false), "demoted")
        XCTAssertFalse(Policy.chatLinkStillValid(makerRole: nil, makerIsSchoolAdmin: false), "left the chat")
        XCTAssertTrue(Policy.chatLinkStillValid(makerRole: nil, makerIsSchoolAdmin: true))
    }

    /// The homeroom templates now need a *confirmed* homeroom teacher, as `isHomeroomTeacher` says.
    func testWhoMakesTemplateChats() {
        let cases: [(Actor, ChatTemplate, UUID?, Bool, String)] = [
            (director, .directorTeachers, nil, true, "the director"),
            (admin, .directorDeputies, nil, true, "an administrator"),
            (teacher, .directorTeachers, nil, false, "a teacher"),
            (homeroomTeacher, .classParents, homeroomClass, true, "the homeroom teacher, their class"),
            (homeroomTeacher, .classParents, anotherClass, false, "the homeroom teacher, another class"),
            (homeroomTeacher, .classStudents, nil, false, "a class template without a class"),
            (unconfirmedHomeroomTeacher, .classStudents, homeroomClass, false, "an unconfirmed homeroom teacher"),
            (admin, .classTeachers, anotherClass, true, "an administrator, any class"),
            (teacher, .subject, homeroomClass, true, "a confirmed teacher, a subject chat"),
            (unconfirmedHomeroomTeacher, .subject, homeroomClass, false, "an unconfirmed teacher, a subject chat"),
            (student, .subject, homeroomClass, false, "a student"),
            (parent, .classParents, homeroomClass, false, "a parent"),
            (otherSchoolsAdmin, .classParents, homeroomClass, false, "another school's administrator"),
        ]
        for (who, template, classID, allowed, what) in cases {
            XCTAssertEqual(Policy.canUseChatTemplate(who, schoolID: school, template: template, classID: classID), allowed, what)
        }
    }

    func testWhomThePeopleFinderOffers() {
        let everyone = Set(SchoolRole.allCases), staff = Set(SchoolRole.allCases.filter(\.isStaff))
        let cases: [(Actor, Set<SchoolRole>, String)] = [
            (admin, everyone, "an administrator"), (director, everyone, "the director"),
            (teacher, everyone, "a confirmed teacher"), (unconfirmedHomeroomTeacher, staff, "an unconfirmed teacher"),
            (student, staff, "a student"), (parent, staff, "a parent"), (otherSchoolsAdmin, [], "another school's administrator"),
        ]
        for (who, roles, what) in cases {
            XCTAssertEqual(Set(Policy.findableRoles(who, schoolID: school)), roles, what)
        }
    }

    func testMembersRules() {
        XCTAssertTrue(Policy.mayBecomeAdmin(current: [(.teacher, true)]))
        XCTAssertFalse(Policy.mayBecomeAdmin(current: [(.teacher, false)]), "an unconfirmed teacher")
        XCTAssertFalse(Policy.mayBecomeAdmin(current: [(.parent, true), (.deputy, true)]))
        XCTAssertEqual(SchoolRole.allCases.filter { !Policy.isConfirmedOnJoining($0) }, [.teacher])
        XCTAssertTrue(Policy.hasStrictSessions(isOperator: true, roles: []))
        XCTAssertTrue(Policy.hasStrictSessions(isOperator: false, roles: [.teacher, .admin]))
        XCTAssertFalse(Policy.hasStrictSessions(isOperator: false, roles: [.teacher, .director]))
        XCTAssertTrue(Policy.canManageChildAccountAsParent(parent, schoolID: school))
        XCTAssertFalse(Policy.canManageChildAccountAsParent(parent, schoolID: other), "a parent of another school")
        XCTAssertFalse(Policy.canManageChildAccountAsParent(teacher, schoolID: school))
        XCTAssertTrue(Policy.seesEveryReport(admin, schoolID: school))
        XCTAssertFalse(Policy.seesEveryReport(director, schoolID: school))
    }
}
