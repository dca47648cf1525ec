import Foundation
@testable import PartaCore
import XCTest
import XCTVapor

/// Invite links (§2.1): made and revoked by administrators; a link grants exactly its class and
/// role, and nothing once revoked, expired or used up — also when many people use it at once.
final class InviteTests: XCTestCase {
    struct School { let admin: String; let id: String; let classID: String; let staffRoomID: String }

    func makeSchoolWithClass(_ h: TestHarness, op: String, email: String = "admin@school1.test", phone: String = "+7 912 345-67-89") async throws -> School {
        let (admin, school) = try await h.makeSchool(operatorToken: op, email: email, phone: phone)
        let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5Б"])
        let classes = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin).json["items"] as! [[String: Any]]
        return School(admin: admin, id: school, classID: (made.json["items"] as! [[String: Any]])[0]["id"] as! String,
                      staffRoomID: classes.first { $0["kind"] as? String == "staff_room" }!["id"] as! String)
    }

    func invite(_ h: TestHarness, _ s: School, classID: String? = nil, role: String = "student", extra: [String: Any] = [:]) async throws -> [String: Any] {
        let reply = try await h.request(.POST, "/api/v1/classes/\(classID ?? s.classID)/invites", token: s.admin,
                                        json: ["role": role].merging(extra) { $1 })
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json
    }

    /// Everyone in `people` (session tokens) opens the link at the same time; their answers' statuses.
    func joinAtOnce(_ h: TestHarness, token: String, as people: [String]) async throws -> [HTTPResponseStatus] {
        try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for person in people {
                group.addTask { try await h.request(.POST, "/api/v1/join/\(token)", token: person).status }
            }
            var out: [HTTPResponseStatus] = []
            for try await status in group { out.append(status) }
            return out
        }
    }

    /// A new person joins with name + phone + code: two submissions, then they are in the class and signed in.
    func joinAsNewPerson(_ h: TestHarness, token: String, name: String, phone: String) async throws -> TestHarness.Reply {
        let sent = try await h.request(.POST, "/api/v1/join/\(token)/code", json: ["fullName": name, "login": phone])
        XCTAssertEqual(sent.status, .accepted, String(buffer: sent.body))
        let code = try XCTUnwrap(h.lastCode(to: Phone.normalize(phone)!))
        return try await h.request(.POST, "/api/v1/join/\(token)", json: ["login": phone, "code": code])
    }

    func testAStudentJoinsTheClassByTheLinkInTwoSteps() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            let link = try await invite(h, s, extra: ["maxUses": 30, "expiresInDays": 14])
            let token = link["token"] as! String
            XCTAssertTrue((link["url"] as! String).hasSuffix("/#/join/\(token)"))
            XCTAssertGreaterThanOrEqual(token.count, 43, "256 random bits")
            XCTAssertEqual(link["state"] as? String, "active")

            let preview = try await h.request(.GET, "/api/v1/join/\(token)")
            XCTAssertEqual(preview.json["className"] as? String, "5Б")
            XCTAssertEqual(preview.json["role"] as? String, "student")
            XCTAssertEqual(preview.json["schoolName"] as? String, "Школа № 1")

            let joined = try await joinAsNewPerson(h, token: token, name: "Иванов Ваня", phone: "+7 900 111-22-33")
            XCTAssertEqual(joined.status, .ok, String(buffer: joined.body))
            let info = joined.json["joined"] as! [String: Any]
            XCTAssertEqual(info["classId"] as? String, s.classID)
            XCTAssertEqual(info["joined"] as? Bool, true)
            XCTAssertNotNil(joined.headers.setCookie?["parta_session"])
            let student = joined.json["token"] as! String
            let me = try await h.request(.GET, "/api/v1/me", token: student)
            XCTAssertEqual(me.json["status"] as? String, "active")
            XCTAssertEqual((me.json["memberships"] as! [[String: Any]]).map { $0["role"] as! String }, ["student"])
            // The student sees the school and its classes, with one student in 5Б.
            let classes = try await h.request(.GET, "/api/v1/schools/\(s.id)/classes", token: student)
            XCTAssertEqual((classes.json["items"] as! [[String: Any]]).first { $0["name"] as? String == "5Б" }?["studentCount"] as? Int, 1)

            // Opening the link again changes nothing and spends no use.
            let again = try await h.request(.POST, "/api/v1/join/\(token)", token: student)
            XCTAssertEqual((again.json["joined"] as! [String: Any])["joined"] as? Bool, false)
            let list = try await h.request(.GET, "/api/v1/schools/\(s.id)/invites", token: s.admin)
            XCTAssertEqual((list.json["items"] as! [[String: Any]])[0]["uses"] as? Int, 1)
        }
    }

    func testATeacherJoinsTheStaffRoomUnverified() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            try await h.expect(.badRequest, .POST, "/api/v1/classes/\(s.staffRoomID)/invites", token: s.admin, json: ["role": "student"])
            try await h.expect(.badRequest, .POST, "/api/v1/classes/\(s.classID)/invites", token: s.admin, json: ["role": "teacher"])
            try await h.expect(.badRequest, .POST, "/api/v1/classes/\(s.classID)/invites", token: s.admin, json: ["role": "admin"])
            let link = try await invite(h, s, classID: s.staffRoomID, role: "teacher")
            let joined = try await joinAsNewPerson(h, token: link["token"] as! String, name: "Смирнова Анна Павловна", phone: "+79001112244")
            let info = joined.json["joined"] as! [String: Any]
            XCTAssertEqual(info["role"] as? String, "teacher")
            XCTAssertEqual(info["verified"] as? Bool, false)
        }
    }

    func testRevokedExpiredAndUsedUpLinksGrantNothing() async throws {
        // Two days pass below; the administrator's session must outlive its 12-hour idle limit.
        var rules = AuthRules()
        rules.adminSessionIdle = 7 * 86_400
        try await withHarness(rules: rules) { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            let revoked = try await invite(h, s)
            let once = try await invite(h, s, extra: ["maxUses": 1])
            let shortLived = try await invite(h, s, extra: ["expiresInDays": 1])
            let used = try await invite(h, s)
            _ = try await joinAsNewPerson(h, token: used["token"] as! String, name: "Ученица Первая", phone: "+79001110001")

            // Revoke one; then every unused one at once — the used link stays.
            let r = try await h.request(.POST, "/api/v1/invites/\(revoked["id"] as! String)/revoke", token: s.admin)
            XCTAssertEqual(r.json["state"] as? String, "revoked")
            _ = try await joinAsNewPerson(h, token: once["token"] as! String, name: "Ученик Первый", phone: "+79001110002")
            h.clock.advance(2 * 86_400)
            let bulk = try await h.request(.POST, "/api/v1/schools/\(s.id)/invites/revoke-unused", token: s.admin)
            XCTAssertEqual(bulk.json["revoked"] as? Int, 0, "the revoked, used-up and expired links are not 'unused active'")
            let fresh = try await invite(h, s)
            let bulk2 = try await h.request(.POST, "/api/v1/schools/\(s.id)/invites/revoke-unused", token: s.admin)
            XCTAssertEqual(bulk2.json["revoked"] as? Int, 1)

            let before = try await h.count("memberships")
            for (link, code) in [(revoked, "invite_revoked"), (once, "invite_used_up"), (shortLived, "invite_expired"), (fresh, "invite_revoked")] {
                let token = link["token"] as! String
                let preview = try await h.request(.GET, "/api/v1/join/\(token)")
                XCTAssertNotEqual(preview.json["state"] as? String, "active")
                let sent = try await h.request(.POST, "/api/v1/join/\(token)/code", json: ["fullName": "Чужой Человек", "login": "+79009998877"])
                XCTAssertEqual(sent.status, .gone)
                XCTAssertEqual(sent.errorCode, code)
                let signedIn = try await h.request(.POST, "/api/v1/join/\(token)", token: s.admin)
                XCTAssertEqual(signedIn.errorCode, code)
            }
            let after = try await h.count("memberships")
            XCTAssertEqual(before, after)
            try await h.expect(.notFound, .GET, "/api/v1/join/\(String(repeating: "x", count: 43))")
            let active = try await h.request(.GET, "/api/v1/schools/\(s.id)/invites", token: s.admin)
            XCTAssertEqual((active.json["items"] as! [[String: Any]]).count, 1, "only the used link is still active")
            let all = try await h.request(.GET, "/api/v1/schools/\(s.id)/invites?state=all", token: s.admin)
            XCTAssertEqual((all.json["items"] as! [[String: Any]]).count, 5)
        }
    }

    func testTheUseLimitHoldsWhenTwentyJoinAtOnce() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            let link = try await invite(h, s, extra: ["maxUses": 5])
            let token = link["token"] as! String
            // Twenty signed-in people (members of another school) use the same link at once.
            let other = try await makeSchoolWithClass(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            var people: [String] = []
            for _ in 0..<20 { people.append(try await h.addMember(schoolID: other.id, role: .parent)) }
            let membersBefore = try await h.count("class_members")
            let statuses = try await joinAtOnce(h, token: token, as: people)
            XCTAssertEqual(statuses.filter { $0 == .ok }.count, 5)
            XCTAssertEqual(statuses.filter { $0 == .gone }.count, 15)
            let list = try await h.request(.GET, "/api/v1/schools/\(s.id)/invites?state=all", token: s.admin)
            XCTAssertEqual((list.json["items"] as! [[String: Any]])[0]["uses"] as? Int, 5)
            let members = try await h.count("class_members")
            XCTAssertEqual(members, membersBefore + 5)
        }
    }

    func testOnePersonJoiningTenTimesAtOnceJoinsOnce() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            let token = try await invite(h, s)["token"] as! String
            let other = try await makeSchoolWithClass(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let person = try await h.addMember(schoolID: other.id, role: .parent)
            let statuses = try await joinAtOnce(h, token: token, as: Array(repeating: person, count: 10))
            XCTAssertTrue(statuses.allSatisfy { $0 == .ok || $0 == .conflict }, "\(statuses)")
            let list = try await h.request(.GET, "/api/v1/schools/\(s.id)/invites", token: s.admin)
            XCTAssertEqual((list.json["items"] as! [[String: Any]])[0]["uses"] as? Int, 1)
        }
    }

    func testOnlyTheSchoolsAdministratorsManageLinks() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let s = try await makeSchoolWithClass(h, op: op)
            let other = try await makeSchoolWithClass(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let link = try await invite(h, s)
            let id = link["id"] as! String
            let teacher = try await h.addMember(schoolID: s.id, role: .teacher)
            let unverified = try await h.addMember(schoolID: s.id, role: .teacher, verified: false)
            let student = try await h.addMember(schoolID: s.id, role: .student)
            let parent = try await h.addMember(schoolID: s.id, role: .parent)
            for token in [teacher, unverified, student, parent, op] {
                try await h.expect(.forbidden, .POST, "/api/v1/classes/\(s.classID)/invites", token: token, json: ["role": "student"])
                try await h.expect(.forbidden, .GET, "/api/v1/schools/\(s.id)/invites", token: token)
                try await h.expect(.forbidden, .POST, "/api/v1/invites/\(id)/revoke", token: token)
                try await h.expect(.forbidden, .POST, "/api/v1/schools/\(s.id)/invites/revoke-unused", token: token)
            }
            for path in ["/api/v1/classes/\(s.classID)/invites"] {
                try await h.expect(.notFound, .POST, path, token: other.admin, json: ["role": "student"])
            }
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(s.id)/invites", token: other.admin)
            try await h.expect(.notFound, .POST, "/api/v1/invites/\(id)/revoke", token: other.admin)
            try await h.expect(.notFound, .POST, "/api/v1/schools/\(s.id)/invites/revoke-unused", token: other.admin)
            try await h.expect(.notFound, .POST, "/api/v1/invites/\(UUID())/revoke", token: s.admin)
            try await h.expect(.unauthorized, .POST, "/api/v1/join/\(link["token"] as! String)")
            let still = try await h.request(.GET, "/api/v1/join/\(link["token"] as! String)")
            XCTAssertEqual(still.json["state"] as? String, "active")

            // A link grants its own class and role only: the joined parent is no admin and sees no links.
            let joined = try await joinAsNewPerson(h, token: link["token"] as! String, name: "Петров Петя", phone: "+79001110003")
            let newcomer = joined.json["token"] as! String
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(s.id)/invites", token: newcomer)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(other.id)", token: newcomer)
        }
    }
}
