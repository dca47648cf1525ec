import Foundation
@testable import PartaCore
import XCTest
import XCTVapor

/// The navigation's badges (`GET /me/badges`) and the staff marks beside names
/// (`GET /schools/{id}/staff-marks`): each counts only what its list shows the person, and nobody
/// outside the school learns anything.
final class BadgeTests: XCTestCase {
    func school(_ badges: TestHarness.Reply, _ id: String) -> [String: Any]? {
        (badges.json["schools"] as? [[String: Any]])?.first { ($0["schoolId"] as? String)?.lowercased() == id.lowercased() }
    }

    func testBadgesCountWhatWaitsForEachPersonAndNothingElse() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, otherSchool) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            var ops = try await h.request(.GET, "/api/v1/me/badges", token: op)
            XCTAssertEqual(ops.json["applications"] as? Int, 0)
            _ = try await h.submitApplication(email: "admin@school3.test", phone: "+79220000003")
            ops = try await h.request(.GET, "/api/v1/me/badges", token: op)
            XCTAssertEqual(ops.json["applications"] as? Int, 1, "the operator's queue")
            let adminApplications = try await h.request(.GET, "/api/v1/me/badges", token: admin).json["applications"] as? Int
            XCTAssertEqual(adminApplications, 0)

            // Two people wait behind a link that needs approval; one teacher waits for confirmation.
            let made = try await h.request(.POST, "/api/v1/schools/\(schoolID)/classes", token: admin, json: ["names": "5Б"])
            let classID = (made.json["items"] as! [[String: Any]])[0]["id"] as! String
            let gated = try await h.request(.POST, "/api/v1/classes/\(classID)/invites", token: admin,
                                            json: ["role": "student", "needsApproval": true]).json["token"] as! String
            for (i, name) in ["Орлов Денис", "Белова Катя"].enumerated() {
                let phone = "+7900555020\(i)"
                let sent = try await h.request(.POST, "/api/v1/join/\(gated)/code", json: ["fullName": name, "login": phone])
                XCTAssertEqual(sent.status, .accepted)
                let code = try XCTUnwrap(h.lastCode(to: Phone.normalize(phone)!))
                let joined = try await h.request(.POST, "/api/v1/join/\(gated)", json: ["login": phone, "code": code])
                XCTAssertEqual(joined.status, .ok)
            }
            let newcomer = try await h.addMember(schoolID: schoolID, role: .teacher, verified: false, name: "Новикова Анна")
            let teacher = try await h.addMember(schoolID: schoolID, role: .teacher, name: "Орлова Нина")
            let student = try await h.addMember(schoolID: schoolID, role: .student, name: "Соколов Миша")

            let mine = try await h.request(.GET, "/api/v1/me/badges", token: admin)
            XCTAssertEqual(mine.status, .ok, String(buffer: mine.body))
            let counts = try XCTUnwrap(school(mine, schoolID))
            XCTAssertEqual(counts["joinRequests"] as? Int, 2)
            XCTAssertEqual(counts["teachersToConfirm"] as? Int, 1)
            XCTAssertEqual(counts["reports"] as? Int, 0)
            XCTAssertNil(school(mine, otherSchool), "only the person's own schools")
            // Another school's administrator, a teacher, a student: none of it is theirs.
            let other = try await h.request(.GET, "/api/v1/me/badges", token: otherAdmin)
            XCTAssertNil(school(other, schoolID))
            XCTAssertEqual(school(other, otherSchool)?["joinRequests"] as? Int, 0)
            for token in [teacher, newcomer, student] {
                let reply = try await h.request(.GET, "/api/v1/me/badges", token: token)
                let theirs = try XCTUnwrap(school(reply, schoolID))
                XCTAssertEqual(theirs["joinRequests"] as? Int, 0)
                XCTAssertEqual(theirs["teachersToConfirm"] as? Int, 0)
            }

            // A post in the school-wide channel is one unread chat for the student, none for its author.
            let chats = try await h.request(.GET, "/api/v1/schools/\(schoolID)/chats", token: admin).json["items"] as! [[String: Any]]
            let channel = chats.first { $0["audience"] as? String == "school" }!["id"] as! String
            // (A reader of a system channel has a read mark from their first read: the web client marks on opening.)
            _ = try await h.request(.POST, "/api/v1/chats/\(channel)/read", token: admin, json: ["seq": 0])
            let posted = try await h.request(.POST, "/api/v1/chats/\(channel)/messages", token: admin, json: ["text": "Линейка в 9:00"])
            XCTAssertEqual(posted.status, .created)
            let studentBadges = try await h.request(.GET, "/api/v1/me/badges", token: student)
            let adminBadges = try await h.request(.GET, "/api/v1/me/badges", token: admin)
            XCTAssertEqual(school(studentBadges, schoolID)?["unreadChats"] as? Int, 1)
            XCTAssertEqual((school(studentBadges, schoolID)?["unreadChatIds"] as? [String])?.map { $0.lowercased() }, [channel.lowercased()])
            XCTAssertEqual(school(adminBadges, schoolID)?["unreadChats"] as? Int, 0)
            try await h.expect(.unauthorized, .GET, "/api/v1/me/badges")
        }
    }

    func testStaffMarksShowConfirmedTeachersAndTheAdministrationToTheSchoolOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let teacher = try await h.addMember(schoolID: schoolID, role: .teacher, name: "Орлова Нина")
            let newcomer = try await h.addMember(schoolID: schoolID, role: .teacher, verified: false, name: "Новикова Анна")
            let parent = try await h.addMember(schoolID: schoolID, role: .parent, name: "Соколова Анна")
            func id(_ token: String) async throws -> String { try await h.request(.GET, "/api/v1/me", token: token).json["id"] as! String }

            let reply = try await h.request(.GET, "/api/v1/schools/\(schoolID)/staff-marks", token: parent)
            XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
            var marks: [String: String] = [:]
            for item in reply.json["items"] as! [[String: Any]] { marks[(item["userId"] as! String).lowercased()] = item["mark"] as? String }
            let (teacherID, adminID, newcomerID, parentID) = (try await id(teacher), try await id(admin), try await id(newcomer), try await id(parent))
            XCTAssertEqual(marks[teacherID.lowercased()], "teacher")
            XCTAssertEqual(marks[adminID.lowercased()], "administration")
            XCTAssertNil(marks[newcomerID.lowercased()], "an unconfirmed teacher is not marked")
            XCTAssertNil(marks[parentID.lowercased()])
            // Another school's administrator and the unauthenticated learn nothing.
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(schoolID)/staff-marks", token: otherAdmin)
            try await h.expect(.unauthorized, .GET, "/api/v1/schools/\(schoolID)/staff-marks")
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(UUID().uuidString)/staff-marks", token: admin)
        }
    }
}
