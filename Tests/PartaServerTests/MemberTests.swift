import Foundation
@testable import PartaCore
import XCTest
import XCTVapor

/// The school's people and teacher verification (§2.1, §2.3, §2.4).
final class MemberTests: XCTestCase {
    func testTheAdministratorConfirmsATeacherWhoJoinedByTheStaffRoomLink() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let staffRoom = (try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin).json["items"] as! [[String: Any]])[0]["id"] as! String
            let link = try await h.request(.POST, "/api/v1/classes/\(staffRoom)/invites", token: admin, json: ["role": "teacher"]).json["token"] as! String
            try await h.expect(.accepted, .POST, "/api/v1/join/\(link)/code", json: ["fullName": "Андреева Ольга Ивановна", "login": "+79005550011"])
            let joined = try await h.request(.POST, "/api/v1/join/\(link)", json: ["login": "+79005550011", "code": h.lastCode(to: "+79005550011")!])
            let teacherID = (joined.json["user"] as! [String: Any])["id"] as! String

            let waiting = try await h.request(.GET, "/api/v1/schools/\(school)/members?role=teacher&verified=false", token: admin)
            let items = waiting.json["items"] as! [[String: Any]]
            XCTAssertEqual(items.map { $0["fullName"] as! String }, ["Андреева Ольга Ивановна"])
            XCTAssertEqual((items[0]["classes"] as! [[String: Any]]).map { $0["name"] as! String }, ["Учительская"])
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(teacherID)/verify-teacher", token: admin)
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(teacherID)/verify-teacher", token: admin)
            let after = try await h.request(.GET, "/api/v1/schools/\(school)/members?role=teacher&verified=false", token: admin)
            XCTAssertEqual(after.json["total"] as? Int, 0)
            let me = try await h.request(.GET, "/api/v1/me", token: joined.json["token"] as? String)
            XCTAssertEqual((me.json["memberships"] as! [[String: Any]])[0]["verified"] as? Bool, true)

            // Everyone, by name, paged; the administrator is one of them.
            let all = try await h.request(.GET, "/api/v1/schools/\(school)/members?perPage=1&page=2", token: admin)
            XCTAssertEqual(all.json["total"] as? Int, 2)
            XCTAssertEqual((all.json["items"] as! [[String: Any]]).map { $0["fullName"] as! String }, ["Петров Пётр Петрович"])
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/members?role=king", token: admin)
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(school)/members?perPage=1000", token: admin)
            // Only teachers are confirmed: a non-teacher id is not found.
            let adminID = try await h.request(.GET, "/api/v1/me", token: admin).json["id"] as! String
            try await h.expect(.notFound, .POST, "/api/v1/schools/\(school)/members/\(adminID)/verify-teacher", token: admin)
        }
    }

    func testWhoMaySeeThePeopleAndConfirmTeachers() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let director = try await h.addMember(schoolID: school, role: .director)
            let teacher = try await h.addMember(schoolID: school, role: .teacher)
            let unverified = try await h.addMember(schoolID: school, role: .teacher, verified: false, name: "Новенький Учитель")
            let student = try await h.addMember(schoolID: school, role: .student)
            let parent = try await h.addMember(schoolID: school, role: .parent)
            let unverifiedID = try await h.request(.GET, "/api/v1/me", token: unverified).json["id"] as! String
            let verify = "/api/v1/schools/\(school)/members/\(unverifiedID)/verify-teacher"

            // The school view tells each person what they may do, as Policy decides.
            func permissions(_ token: String) async throws -> [String: Bool] {
                let all = try await h.request(.GET, "/api/v1/schools/\(school)", token: token).json["permissions"] as! [String: Any]
                XCTAssertEqual((all["homeroomClassIds"] as? [String])?.count, 0)
                return all.compactMapValues { $0 as? Bool }
            }
            let byDirector = try await permissions(director)
            // The director confirms teachers (§2.2 «подтверждает статус педагога»), as administrators do,
            // and keeps the timetable with the deputies (issue 14).
            XCTAssertEqual(byDirector, ["manageStructure": false, "manageInvites": false, "viewMembers": true, "verifyTeachers": true,
                                        "manageMembers": false, "decideJoinRequests": false, "manageTimetable": true])
            let byTeacher = try await permissions(teacher)
            XCTAssertEqual(byTeacher, ["manageStructure": false, "manageInvites": false, "viewMembers": false, "verifyTeachers": false,
                                       "manageMembers": false, "decideJoinRequests": false, "manageTimetable": false])
            try await h.expect(.ok, .GET, "/api/v1/schools/\(school)/members", token: director)
            for token in [teacher, unverified, student, parent] {
                try await h.expect(.forbidden, .GET, "/api/v1/schools/\(school)/members", token: token)
                try await h.expect(.forbidden, .POST, verify, token: token)
            }
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(school)/members", token: op)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/members", token: otherAdmin)
            try await h.expect(.notFound, .POST, verify, token: otherAdmin)
            let still = try await h.request(.GET, "/api/v1/me", token: unverified)
            XCTAssertEqual((still.json["memberships"] as! [[String: Any]])[0]["verified"] as? Bool, false)
            try await h.expect(.noContent, .POST, verify, token: director)
            let confirmed = try await h.request(.GET, "/api/v1/me", token: unverified)
            XCTAssertEqual((confirmed.json["memberships"] as! [[String: Any]])[0]["verified"] as? Bool, true)
        }
    }
}
