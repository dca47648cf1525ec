import Foundation
@testable import PartaCore
import XCTest
import XCTVapor

/// Membership (§2.1–§2.6): parents linked to their children, homeroom teachers, join requests,
/// movement with its history, roles in place, search, children's accounts, the audit log — and
/// everyone without the right refused (404 for what they cannot see).
final class MembershipTests: XCTestCase {
    struct World {
        let admin: String, schoolID: String, classA: String, classB: String, staffRoom: String
    }

    /// A school with classes 5А and 5Б (and «Учительская»).
    func makeWorld(_ h: TestHarness, op: String, email: String = "admin@school1.test", phone: String = "+7 912 345-67-89") async throws -> World {
        let (admin, school) = try await h.makeSchool(operatorToken: op, email: email, phone: phone)
        let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А, 5Б"])
        let items = made.json["items"] as! [[String: Any]]
        let classes = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin).json["items"] as! [[String: Any]]
        func id(_ name: String) -> String { items.first { $0["name"] as? String == name }!["id"] as! String }
        return World(admin: admin, schoolID: school, classA: id("5А"), classB: id("5Б"),
                     staffRoom: classes.first { $0["kind"] as? String == "staff_room" }!["id"] as! String)
    }

    func link(_ h: TestHarness, _ token: String, classID: String, role: String, approval: Bool = false) async throws -> String {
        let reply = try await h.request(.POST, "/api/v1/classes/\(classID)/invites", token: token,
                                        json: ["role": role, "needsApproval": approval])
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json["token"] as? String ?? ""
    }

    /// Name + phone (+ child) → code → inside: the number of form submissions is counted by the caller.
    func joinNew(_ h: TestHarness, link: String, name: String, phone: String, child: String? = nil) async throws -> TestHarness.Reply {
        var body: [String: Any] = ["fullName": name, "login": phone]
        if let child { body["childName"] = child }
        let sent = try await h.request(.POST, "/api/v1/join/\(link)/code", json: body)
        guard sent.status == .accepted else { return sent }
        let code = try XCTUnwrap(h.lastCode(to: Phone.normalize(phone)!))
        var second: [String: Any] = ["login": phone, "code": code]
        if let child { second["childName"] = child }
        return try await h.request(.POST, "/api/v1/join/\(link)", json: second)
    }

    func userID(_ h: TestHarness, _ token: String) async throws -> String {
        try await h.request(.GET, "/api/v1/me", token: token).json["id"] as! String
    }

    func addStudent(_ h: TestHarness, _ w: World, classID: String, name: String) async throws -> String {
        let reply = try await h.request(.POST, "/api/v1/classes/\(classID)/students", token: w.admin, json: ["fullName": name])
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json["userId"] as! String
    }

    func members(_ h: TestHarness, _ w: World, _ query: String) async throws -> [[String: Any]] {
        let reply = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/members?\(query)", token: w.admin)
        XCTAssertEqual(reply.status, .ok, String(buffer: reply.body))
        return reply.json["items"] as? [[String: Any]] ?? []
    }

    // MARK: Parents

    func testANewParentJoinsInTwoSubmissionsAndIsLinkedToTheirChild() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let petya = try await addStudent(h, w, classID: w.classB, name: "Иванов Пётр Сергеевич")
            _ = try await addStudent(h, w, classID: w.classB, name: "Смирнова Анна")
            let parentLink = try await link(h, w.admin, classID: w.classB, role: "parent")

            // A child who is not in the class is refused at the first step, before any code is sent.
            let wrong = try await h.request(.POST, "/api/v1/join/\(parentLink)/code",
                                            json: ["fullName": "Иванова Мария", "login": "+79005550001", "childName": "Сидоров Коля"])
            XCTAssertEqual(wrong.errorCode, "child_not_found")
            let missing = try await h.request(.POST, "/api/v1/join/\(parentLink)/code", json: ["fullName": "Иванова Мария", "login": "+79005550001"])
            XCTAssertEqual(missing.status, .badRequest)
            XCTAssertNil(h.lastCode(to: "+79005550001"))

            // Case and «ё» do not matter; two submissions and the parent is inside, linked to Пётр.
            let joined = try await joinNew(h, link: parentLink, name: "Иванова Мария", phone: "+79005550001", child: "иванов петр")
            XCTAssertEqual(joined.status, .ok, String(buffer: joined.body))
            let answer = joined.json["joined"] as! [String: Any]
            XCTAssertEqual(answer["childName"] as? String, "Иванов Пётр Сергеевич")
            let parent = joined.json["token"] as! String
            let children = try await h.request(.GET, "/api/v1/me/children", token: parent).json["items"] as! [[String: Any]]
            XCTAssertEqual(children.map { $0["userId"] as? String }, [petya])
            XCTAssertEqual(children.first?["className"] as? String, "5Б")

            // A second child in another class, with that class's parent link: one parent, two children.
            let sister = try await addStudent(h, w, classID: w.classA, name: "Иванова Ольга")
            let linkA = try await link(h, w.admin, classID: w.classA, role: "parent")
            let again = try await h.request(.POST, "/api/v1/join/\(linkA)", token: parent, json: ["childName": "Иванова Ольга"])
            XCTAssertEqual(again.status, .ok, String(buffer: again.body))
            let both = try await h.request(.GET, "/api/v1/me/children", token: parent).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(both.compactMap { $0["userId"] as? String }), [petya, sister])

            // Two students with the same name: the parent is asked for more (the patronymic).
            _ = try await addStudent(h, w, classID: w.classB, name: "Смирнова Анна Олеговна")
            let ambiguous = try await h.request(.POST, "/api/v1/join/\(parentLink)", token: parent, json: ["childName": "Смирнова Анна"])
            XCTAssertEqual(ambiguous.errorCode, "child_ambiguous")

            // The parent sees their children only: no roster, no members list.
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classB)/roster", token: parent)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.schoolID)/members", token: parent)
            // The admin sees the family on both sides.
            let row = try await members(h, w, "q=\("Иванова Мария".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            XCTAssertEqual((row.first?["children"] as? [[String: Any]])?.count, 2)
        }
    }

    /// Issue 13: «Соколов Михаил» for a child listed as «Соколов Миша» is not a dead end: the parent
    /// asks the homeroom teacher, who picks the student; nobody else can decide it.
    func testAParentWhoseChildsNameMatchesNobodyAsksTheHomeroomTeacherWhoPicksTheStudent() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let misha = try await addStudent(h, w, classID: w.classB, name: "Соколов Миша")
            let stranger = try await addStudent(h, w, classID: w.classA, name: "Соколов Михаил")
            let homeroom = try await h.addMember(schoolID: w.schoolID, role: .teacher, name: "Орлова Нина Петровна")
            let otherHomeroom = try await h.addMember(schoolID: w.schoolID, role: .teacher, name: "Лебедева Ольга")
            let assigned = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/homeroom", token: w.admin,
                                               json: ["teacherId": try await userID(h, homeroom)])
            XCTAssertEqual(assigned.status, .ok, String(buffer: assigned.body))
            _ = try await h.request(.PUT, "/api/v1/classes/\(w.classA)/homeroom", token: w.admin, json: ["teacherId": try await userID(h, otherHomeroom)])
            let parentLink = try await link(h, w.admin, classID: w.classB, role: "parent")

            // Without asking: refused as before, nothing sent.
            let refused = try await h.request(.POST, "/api/v1/join/\(parentLink)/code",
                                              json: ["fullName": "Соколова Анна", "login": "+79005550077", "childName": "Соколов Михаил"])
            XCTAssertEqual(refused.errorCode, "child_not_found")
            // Asking the homeroom teacher: the code goes out; joining makes a request, not a membership.
            let bad = try await h.request(.POST, "/api/v1/join/\(parentLink)/code",
                                          json: ["fullName": "Соколова Анна", "login": "+79005550077", "childName": "Миша", "askHomeroom": true])
            XCTAssertEqual(bad.status, .badRequest, "surname and name are still needed")
            let sent = try await h.request(.POST, "/api/v1/join/\(parentLink)/code",
                                           json: ["fullName": "Соколова Анна", "login": "+79005550077", "childName": "Соколов Михаил", "askHomeroom": true])
            XCTAssertEqual(sent.status, .accepted, String(buffer: sent.body))
            let code = try XCTUnwrap(h.lastCode(to: "+79005550077"))
            let joined = try await h.request(.POST, "/api/v1/join/\(parentLink)",
                                             json: ["login": "+79005550077", "code": code, "childName": "Соколов Михаил", "askHomeroom": true])
            XCTAssertEqual(joined.status, .ok, String(buffer: joined.body))
            XCTAssertEqual((joined.json["joined"] as? [String: Any])?["pending"] as? Bool, true)
            let parent = joined.json["token"] as! String
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)", token: parent)

            // The homeroom teacher of 5Б sees it with the name as typed; the other class's teacher does not.
            let queue = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/join-requests?status=pending", token: homeroom)
            let request = try XCTUnwrap((queue.json["items"] as? [[String: Any]])?.first)
            XCTAssertEqual(request["childNameTyped"] as? String, "Соколов Михаил")
            XCTAssertNil(request["childName"] as? String)
            let requestID = request["id"] as! String
            let theirs = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/join-requests?status=pending", token: otherHomeroom)
            XCTAssertEqual((theirs.json["items"] as? [[String: Any]])?.count, 0)
            try await h.expect(.forbidden, .POST, "/api/v1/join-requests/decide", token: otherHomeroom,
                               json: ["ids": [requestID], "approve": true, "childId": misha])
            try await h.expect(.notFound, .POST, "/api/v1/join-requests/decide", token: other.admin,
                               json: ["ids": [requestID], "approve": true, "childId": misha])
            // Approving needs the student picked, from this class; nothing changes until then.
            let unpicked = try await h.request(.POST, "/api/v1/join-requests/decide", token: homeroom, json: ["ids": [requestID], "approve": true])
            XCTAssertEqual(unpicked.status, .badRequest)
            try await h.expect(.badRequest, .POST, "/api/v1/join-requests/decide", token: homeroom,
                               json: ["ids": [requestID], "approve": true, "childId": stranger])
            try await h.expect(.badRequest, .POST, "/api/v1/join-requests/decide", token: homeroom,
                               json: ["ids": [requestID], "approve": true, "childId": "not-an-id"])
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)", token: parent)
            let approved = try await h.request(.POST, "/api/v1/join-requests/decide", token: homeroom,
                                               json: ["ids": [requestID], "approve": true, "childId": misha])
            XCTAssertEqual(approved.status, .ok, String(buffer: approved.body))
            let children = try await h.request(.GET, "/api/v1/me/children", token: parent).json["items"] as! [[String: Any]]
            XCTAssertEqual(children.map { $0["userId"] as? String }, [misha])
        }
    }

    // MARK: Homeroom teachers

    func testTheHomeroomTeacherManagesTheirOwnClassOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let homeroom = try await h.addMember(schoolID: w.schoolID, role: .teacher, name: "Классная Руководительница")
            let homeroomID = try await userID(h, homeroom)
            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            let unverified = try await h.addMember(schoolID: w.schoolID, role: .teacher, verified: false)
            let unverifiedID = try await userID(h, unverified)
            let student = try await h.addMember(schoolID: w.schoolID, role: .student)
            let parent = try await h.addMember(schoolID: w.schoolID, role: .parent)

            // Only the school's administrator assigns; an unconfirmed teacher cannot be assigned.
            for token in [homeroom, teacher, student, parent] {
                try await h.expect(.forbidden, .PUT, "/api/v1/classes/\(w.classB)/homeroom", token: token, json: ["teacherId": homeroomID])
            }
            try await h.expect(.notFound, .PUT, "/api/v1/classes/\(w.classB)/homeroom", token: other.admin, json: ["teacherId": homeroomID])
            try await h.expect(.conflict, .PUT, "/api/v1/classes/\(w.classB)/homeroom", token: w.admin, json: ["teacherId": unverifiedID])
            try await h.expect(.notFound, .PUT, "/api/v1/classes/\(w.classB)/homeroom", token: w.admin, json: ["teacherId": UUID().uuidString])
            let assigned = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/homeroom", token: w.admin, json: ["teacherId": homeroomID])
            XCTAssertEqual((assigned.json["homeroom"] as? [String: Any])?["userId"] as? String, homeroomID)

            // The homeroom teacher invites students and parents of 5Б — not of 5А, not teachers.
            _ = try await link(h, homeroom, classID: w.classB, role: "student")
            let parentLink = try await link(h, homeroom, classID: w.classB, role: "parent")
            try await h.expect(.forbidden, .POST, "/api/v1/classes/\(w.classA)/invites", token: homeroom, json: ["role": "student"])
            try await h.expect(.forbidden, .POST, "/api/v1/classes/\(w.staffRoom)/invites", token: homeroom, json: ["role": "teacher"])
            let own = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/invites", token: homeroom).json["items"] as! [[String: Any]]
            XCTAssertEqual(own.count, 2)
            XCTAssertTrue(own.allSatisfy { $0["classId"] as? String == w.classB })
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(w.schoolID)/invites/revoke-unused", token: homeroom)

            // The roster of 5Б: the homeroom teacher and the administration; nobody else.
            let kid = try await addStudent(h, w, classID: w.classB, name: "Кузнецов Миша")
            _ = try await joinNew(h, link: parentLink, name: "Кузнецова Ирина", phone: "+79005550002", child: "Кузнецов Миша")
            let roster = try await h.request(.GET, "/api/v1/classes/\(w.classB)/roster", token: homeroom)
            XCTAssertEqual(roster.status, .ok)
            let students = roster.json["students"] as! [[String: Any]]
            XCTAssertEqual((students.first?["person"] as? [String: Any])?["userId"] as? String, kid)
            XCTAssertEqual(((students.first?["parents"] as? [[String: Any]])?.first)?["fullName"] as? String, "Кузнецова Ирина")
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classA)/roster", token: homeroom)
            for token in [teacher, unverified, student, parent] {
                try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classB)/roster", token: token)
            }
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classB)/roster", token: other.admin)

            // A new homeroom teacher: the previous one loses the class at once; the history keeps both.
            let successor = try await h.addMember(schoolID: w.schoolID, role: .teacher, name: "Новый Классный")
            let changed = try await h.request(.PUT, "/api/v1/classes/\(w.classB)/homeroom", token: w.admin,
                                              json: ["teacherId": try await userID(h, successor)])
            XCTAssertEqual((changed.json["homeroomHistory"] as? [[String: Any]])?.count, 2)
            try await h.expect(.notFound, .GET, "/api/v1/classes/\(w.classB)/roster", token: homeroom)
            try await h.expect(.forbidden, .POST, "/api/v1/classes/\(w.classB)/invites", token: homeroom, json: ["role": "student"])
        }
    }

    // MARK: Join requests

    func testJoinRequestsWaitForApprovalAndTheRequesterSeesTheOutcome() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let gated = try await link(h, w.admin, classID: w.classB, role: "student", approval: true)
            let preview = try await h.request(.GET, "/api/v1/join/\(gated)")
            XCTAssertEqual(preview.json["needsApproval"] as? Bool, true)

            var tokens: [String] = []
            for (i, name) in ["Орлов Денис", "Белова Катя", "Зайцев Илья"].enumerated() {
                let reply = try await joinNew(h, link: gated, name: name, phone: "+7900555010\(i)")
                XCTAssertEqual((reply.json["joined"] as? [String: Any])?["pending"] as? Bool, true)
                tokens.append(reply.json["token"] as! String)
            }
            // Waiting is not membership.
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)", token: tokens[0])
            let mine = try await h.request(.GET, "/api/v1/me/join-requests", token: tokens[0]).json["items"] as! [[String: Any]]
            XCTAssertEqual(mine.first?["status"] as? String, "pending")

            let queue = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/join-requests", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(queue.count, 3)
            let ids = ["Орлов Денис", "Белова Катя", "Зайцев Илья"].map { name in queue.first { $0["fullName"] as? String == name }!["id"] as! String }
            let seatsBefore = try await h.count("class_members")
            // Refused: another school's admin (404), a teacher who is not the homeroom teacher, a student.
            try await h.expect(.notFound, .POST, "/api/v1/join-requests/decide", token: other.admin, json: ["ids": [ids[0]], "approve": true])
            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            try await h.expect(.forbidden, .POST, "/api/v1/join-requests/decide", token: teacher, json: ["ids": [ids[0]], "approve": true])
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.schoolID)/join-requests", token: teacher)
            // A rejection needs a reason; nothing is half-done when one id in a batch is unknown.
            try await h.expect(.badRequest, .POST, "/api/v1/join-requests/decide", token: w.admin, json: ["ids": [ids[2]], "approve": false])
            try await h.expect(.notFound, .POST, "/api/v1/join-requests/decide", token: w.admin,
                               json: ["ids": [ids[0], UUID().uuidString], "approve": true])
            let value1 = try await h.count("class_members")
            XCTAssertEqual(value1, seatsBefore)

            let approved = try await h.request(.POST, "/api/v1/join-requests/decide", token: w.admin, json: ["ids": Array(ids.prefix(2)), "approve": true])
            XCTAssertEqual(approved.status, .ok, String(buffer: approved.body))
            let rejected = try await h.request(.POST, "/api/v1/join-requests/decide", token: w.admin,
                                               json: ["ids": [ids[2]], "approve": false, "reason": "Не ученик этого класса"])
            XCTAssertEqual(rejected.status, .ok)
            try await h.expect(.conflict, .POST, "/api/v1/join-requests/decide", token: w.admin, json: ["ids": [ids[0]], "approve": true])

            try await h.expect(.ok, .GET, "/api/v1/schools/\(w.schoolID)", token: tokens[0])
            let outcome = try await h.request(.GET, "/api/v1/me/join-requests", token: tokens[2]).json["items"] as! [[String: Any]]
            XCTAssertEqual(outcome.first?["status"] as? String, "rejected")
            XCTAssertEqual(outcome.first?["reason"] as? String, "Не ученик этого класса")
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)", token: tokens[2])
        }
    }

    // MARK: Movement

    func testATransferredStudentLosesTheOldClassAtOnceAndTheirParentFollows() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            let studentLink = try await link(h, w.admin, classID: w.classA, role: "student")
            let joined = try await joinNew(h, link: studentLink, name: "Волков Артём", phone: "+79005550201")
            let student = joined.json["token"] as! String
            let studentID = try await userID(h, student)
            let parentLink = try await link(h, w.admin, classID: w.classA, role: "parent")
            let parent = try await joinNew(h, link: parentLink, name: "Волкова Елена", phone: "+79005550202", child: "Волков Артём")
            let parentID = try await userID(h, parent.json["token"] as! String)

            let path = "/api/v1/schools/\(w.schoolID)/members/\(studentID)/transfer"
            for token in [student, parent.json["token"] as! String, try await h.addMember(schoolID: w.schoolID, role: .teacher)] {
                try await h.expect(.forbidden, .POST, path, token: token, json: ["classId": w.classB])
            }
            try await h.expect(.notFound, .POST, "/api/v1/schools/\(other.schoolID)/members/\(studentID)/transfer", token: other.admin,
                               json: ["classId": other.classB])
            try await h.expect(.notFound, .POST, path, token: w.admin, json: ["classId": other.classB])
            try await h.expect(.badRequest, .POST, path, token: w.admin, json: ["classId": w.staffRoom])

            let moved = try await h.request(.POST, path, token: w.admin, json: ["classId": w.classB, "note": "по заявлению родителей"])
            XCTAssertEqual(moved.status, .ok, String(buffer: moved.body))
            XCTAssertEqual((moved.json["classes"] as? [[String: Any]])?.map { $0["name"] as? String }, ["5Б"])
            let inA = try await members(h, w, "classId=\(w.classA)")
            XCTAssertTrue(inA.isEmpty, "nobody is left in 5А: the parent followed")
            let inB = try await members(h, w, "classId=\(w.classB)")
            XCTAssertEqual(Set(inB.compactMap { $0["userId"] as? String }), [studentID, parentID])

            let history = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/members/\(studentID)/history", token: w.admin)
            let first = (history.json["items"] as! [[String: Any]])[0]
            XCTAssertEqual(first["kind"] as? String, "transferred")
            XCTAssertEqual(first["fromClass"] as? String, "5А")
            XCTAssertEqual(first["toClass"] as? String, "5Б")
            let audit = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/audit?action=member", token: w.admin)
            XCTAssertEqual((audit.json["items"] as? [[String: Any]])?.first?["action"] as? String, "member.transfer")
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.schoolID)/audit", token: student)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)/audit", token: other.admin)
            let csv = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/audit.csv", token: w.admin)
            XCTAssertTrue(String(buffer: csv.body).contains("member.transfer"))
            XCTAssertEqual(csv.headers.first(name: .contentType), "text/csv; charset=utf-8")
        }
    }

    func testAMemberWhoLeavesLosesEverythingAtOnceButTheLastAdminStays() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let studentLink = try await link(h, w.admin, classID: w.classA, role: "student")
            let joined = try await joinNew(h, link: studentLink, name: "Уходящий Ученик", phone: "+79005550301")
            let student = joined.json["token"] as! String
            let studentID = try await userID(h, student)
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(w.schoolID)/members/\(studentID)/remove", token: w.admin,
                               json: ["note": "переезд"])
            try await h.expect(.unauthorized, .GET, "/api/v1/me", token: student)   // no school left: sessions end
            let leftA = try await members(h, w, "classId=\(w.classA)")
            XCTAssertTrue(leftA.isEmpty)
            let history = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/members/\(studentID)/history", token: w.admin)
            XCTAssertEqual((history.json["items"] as! [[String: Any]]).first?["kind"] as? String, "left")

            // The last administrator can neither leave nor lose the role.
            let adminID = try await userID(h, w.admin)
            try await h.expect(.conflict, .POST, "/api/v1/schools/\(w.schoolID)/members/\(adminID)/remove", token: w.admin)
            try await h.expect(.conflict, .DELETE, "/api/v1/schools/\(w.schoolID)/members/\(adminID)/roles/admin", token: w.admin)
        }
    }

    func testRolesChangeInPlaceAndAdditionalAdminsComeFromConfirmedTeachers() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let unverified = try await h.addMember(schoolID: w.schoolID, role: .teacher, verified: false)
            let unverifiedID = try await userID(h, unverified)
            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            let teacherID = try await userID(h, teacher)
            let base = "/api/v1/schools/\(w.schoolID)/members"
            try await h.expect(.conflict, .PUT, "\(base)/\(unverifiedID)/roles/admin", token: w.admin)
            try await h.expect(.forbidden, .PUT, "\(base)/\(unverifiedID)/roles/admin", token: teacher)
            try await h.expect(.badRequest, .PUT, "\(base)/\(teacherID)/roles/student", token: w.admin)
            let promoted = try await h.request(.PUT, "\(base)/\(teacherID)/roles/admin", token: w.admin)
            XCTAssertEqual(Set((promoted.json["roles"] as! [[String: Any]]).map { $0["role"] as! String }), ["admin", "teacher"])
            // The same account, now an administrator: it sees the audit log at once.
            try await h.expect(.ok, .GET, "/api/v1/schools/\(w.schoolID)/audit", token: teacher)
            try await h.expect(.ok, .PUT, "\(base)/\(teacherID)/roles/deputy", token: w.admin)
            let back = try await h.request(.DELETE, "\(base)/\(teacherID)/roles/admin", token: w.admin)
            XCTAssertEqual(Set((back.json["roles"] as! [[String: Any]]).map { $0["role"] as! String }), ["deputy", "teacher"])
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.schoolID)/audit", token: teacher)
            try await h.expect(.notFound, .PUT, "\(base)/\(UUID())/roles/deputy", token: w.admin)
            try await h.expect(.notFound, .PUT, "\(base)/\(teacherID)/roles/emperor", token: w.admin)
        }
    }

    // MARK: Search

    func testSearchFindsPeopleByAnyPartOfNamePhoneOrEmailRegardlessOfCase() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let studentLink = try await link(h, w.admin, classID: w.classA, role: "student")
            _ = try await joinNew(h, link: studentLink, name: "Ёлкина Алёна", phone: "+79005550401")
            _ = try await joinNew(h, link: studentLink, name: "Петров_Максим 100%", phone: "+79005550402")
            func names(_ q: String) async throws -> [String] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await members(h, w, "q=\(encoded)").compactMap { $0["fullName"] as? String }
            }
            let byName = try await names("ЕЛКИНА")
            XCTAssertEqual(byName, ["Ёлкина Алёна"])
            let byPhone = try await names("8 900 555-04-01")
            XCTAssertEqual(byPhone, ["Ёлкина Алёна"])
            let byDigits = try await names("5550402")
            XCTAssertEqual(byDigits, ["Петров_Максим 100%"])
            let wildcard = try await names("%")
            XCTAssertEqual(wildcard, ["Петров_Максим 100%"], "LIKE wildcards are literal")
            let none = try await names("Сидоров")
            XCTAssertEqual(none, [])
            try await h.expect(.badRequest, .GET, "/api/v1/schools/\(w.schoolID)/members?classId=nope", token: w.admin)
        }
    }

    // MARK: Children without phones

    func testChildAccountsByLoginByActivationCodeAndByTheirParent() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            // A login and password now: the child signs in with them.
            let made = try await h.request(.POST, "/api/v1/classes/\(w.classA)/students", token: w.admin,
                                           json: ["fullName": "Морозова Вика", "login": "vika.m", "password": "vika-pass-1"])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            try await h.expect(.ok, .POST, "/api/v1/auth/password", json: ["login": "Vika.M", "password": "vika-pass-1"])
            try await h.expect(.conflict, .POST, "/api/v1/classes/\(w.classA)/students", token: w.admin,
                               json: ["fullName": "Другая Вика", "login": "vika.m", "password": "vika-pass-2"])

            // Printed codes for those who cannot sign in yet; the child picks a login and password.
            let kolya = try await addStudent(h, w, classID: w.classA, name: "Соколов Коля")
            let cards = try await h.request(.POST, "/api/v1/classes/\(w.classA)/activation-codes", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(cards.map { $0["fullName"] as? String }, ["Соколов Коля"])
            let code = cards[0]["code"] as! String
            try await h.expect(.badRequest, .POST, "/api/v1/child-activation", json: ["code": "AAAAA-BBBBB", "login": "kolya", "password": "kolya-pass"])
            let activated = try await h.request(.POST, "/api/v1/child-activation", json: ["code": code.lowercased(), "login": "kolya", "password": "kolya-pass"])
            XCTAssertEqual(activated.status, .ok, String(buffer: activated.body))
            XCTAssertEqual((activated.json["user"] as? [String: Any])?["id"] as? String, kolya)
            try await h.expect(.badRequest, .POST, "/api/v1/child-activation", json: ["code": code, "login": "kolya2", "password": "kolya-pass"])

            // A linked parent sets their own child's login; another parent and another school cannot.
            let lena = try await addStudent(h, w, classID: w.classA, name: "Лебедева Лена")
            let parentLink = try await link(h, w.admin, classID: w.classA, role: "parent")
            let mother = try await joinNew(h, link: parentLink, name: "Лебедева Ольга", phone: "+79005550501", child: "Лебедева Лена")
            let motherToken = mother.json["token"] as! String
            let stranger = try await joinNew(h, link: parentLink, name: "Соколова Анна", phone: "+79005550502", child: "Соколов Коля")
            let strangerToken = stranger.json["token"] as! String
            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            for token in [strangerToken, teacher, other.admin] {
                try await h.expect(.notFound, .PUT, "/api/v1/students/\(lena)/credentials", token: token, json: ["login": "lena", "password": "lena-pass-1"])
            }
            try await h.expect(.forbidden, .POST, "/api/v1/classes/\(w.classA)/activation-codes", token: teacher)
            try await h.expect(.forbidden, .POST, "/api/v1/classes/\(w.classA)/students", token: motherToken, json: ["fullName": "Новый Ученик"])
            try await h.expect(.ok, .PUT, "/api/v1/students/\(lena)/credentials", token: motherToken, json: ["login": "lena", "password": "lena-pass-1"])
            try await h.expect(.ok, .POST, "/api/v1/auth/password", json: ["login": "lena", "password": "lena-pass-1"])
        }
    }

    // MARK: Roster import

    func testRosterImportShowsEveryBadRowFirstThenImportsAllInOneGo() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let bad = """
            Класс;Ученик;Телефон ученика;Email ученика;Родитель;Телефон родителя;Email родителя
            5А;Новиков Саша;;;Новикова Марина;+7 900 555-06-01;
            5Я;Неизвестный Класс;;;;;
            5Б;Плохой Телефон;12345;;;;
            5А;Новиков Саша;;;;;
            """
            let preview = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/roster/preview", token: w.admin, raw: bad, contentType: "text/csv")
            XCTAssertEqual(preview.status, .ok, String(buffer: preview.body))
            let errors = preview.json["errors"] as! [[String: Any]]
            XCTAssertEqual(errors.map { $0["line"] as! Int }, [3, 4, 5])
            try await h.expect(.unsupportedMediaType, .POST, "/api/v1/schools/\(w.schoolID)/roster/import", token: w.admin)
            let seatsBefore = try await h.count("class_members")
            let refused = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/roster/import", token: w.admin, raw: bad, contentType: "text/csv")
            XCTAssertEqual(refused.errorCode, "import_has_errors")
            let value2 = try await h.count("class_members")
            XCTAssertEqual(value2, seatsBefore, "nothing written")

            let good = "Класс,Ученик,Родитель,Телефон родителя\r\n5А,Новиков Саша,Новикова Марина,+7 900 555-06-01\r\n\"5Б\",\"Орлова, Дарья\",,\r\n5Б,Орлов Гоша,Новикова Марина,89005550601\r\n"
            let imported = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/roster/import", token: w.admin, raw: good, contentType: "text/csv")
            XCTAssertEqual(imported.status, .created, String(buffer: imported.body))
            XCTAssertEqual(imported.json["newStudents"] as? Int, 3)
            XCTAssertEqual(imported.json["newParents"] as? Int, 1, "one mother of two, by phone")
            // Importing the same file again adds nobody.
            let again = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/roster/import", token: w.admin, raw: good, contentType: "text/csv")
            XCTAssertEqual(again.json["newStudents"] as? Int, 0)
            let value3 = try await members(h, w, "role=student").count
            XCTAssertEqual(value3, 3)
            let mother = try await members(h, w, "role=parent")
            XCTAssertEqual((mother.first?["children"] as? [[String: Any]])?.count, 2)
            let export = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/roster.csv", token: w.admin)
            XCTAssertTrue(String(buffer: export.body).contains("\"Орлова, Дарья\""))
            XCTAssertTrue(String(buffer: export.body).contains("+79005550601"))

            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            try await h.expect(.forbidden, .GET, "/api/v1/schools/\(w.schoolID)/roster.csv", token: teacher)
            let wrongType = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/roster/preview", token: w.admin, json: ["csv": good])
            XCTAssertEqual(wrongType.status, .unsupportedMediaType)
        }
    }

    /// A roster saved by Excel in Russian («CSV (разделители — запятые)»: Windows-1251, `;`, CRLF)
    /// imports; it used to be refused with «Файл должен быть в кодировке UTF-8». The export is what
    /// Excel opens: BOM, `;`, CRLF.
    func testAnExcelRosterInWindows1251WithSemicolonsImports() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            // Класс;Ученик;Родитель;Телефон родителя / 5А;Ёлкина Алёна;Ёлкин Пётр;+7 900 555-07-01 /
            // 5Б;"Щукин-Эрдман, Юрий";; — each line ending in CRLF, in Windows-1251.
            let excel: [UInt8] = [
                0xCA, 0xEB, 0xE0, 0xF1, 0xF1, 0x3B, 0xD3, 0xF7, 0xE5, 0xED, 0xE8, 0xEA, 0x3B, 0xD0, 0xEE, 0xE4,
                0xE8, 0xF2, 0xE5, 0xEB, 0xFC, 0x3B, 0xD2, 0xE5, 0xEB, 0xE5, 0xF4, 0xEE, 0xED, 0x20, 0xF0, 0xEE,
                0xE4, 0xE8, 0xF2, 0xE5, 0xEB, 0xFF, 0x0D, 0x0A, 0x35, 0xC0, 0x3B, 0xA8, 0xEB, 0xEA, 0xE8, 0xED,
                0xE0, 0x20, 0xC0, 0xEB, 0xB8, 0xED, 0xE0, 0x3B, 0xA8, 0xEB, 0xEA, 0xE8, 0xED, 0x20, 0xCF, 0xB8,
                0xF2, 0xF0, 0x3B, 0x2B, 0x37, 0x20, 0x39, 0x30, 0x30, 0x20, 0x35, 0x35, 0x35, 0x2D, 0x30, 0x37,
                0x2D, 0x30, 0x31, 0x0D, 0x0A, 0x35, 0xC1, 0x3B, 0x22, 0xD9, 0xF3, 0xEA, 0xE8, 0xED, 0x2D, 0xDD,
                0xF0, 0xE4, 0xEC, 0xE0, 0xED, 0x2C, 0x20, 0xDE, 0xF0, 0xE8, 0xE9, 0x22, 0x3B, 0x3B, 0x0D, 0x0A,
            ]
            // 5Я;Новиков Саша;; CRLF — a class the school does not have.
            let unknownClass: [UInt8] = [
                0x35, 0xDF, 0x3B, 0xCD, 0xEE, 0xE2, 0xE8, 0xEA, 0xEE, 0xE2, 0x20, 0xD1, 0xE0, 0xF8, 0xE0, 0x3B,
                0x3B, 0x0D, 0x0A,
            ]
            let path = "/api/v1/schools/\(w.schoolID)/roster"
            let checked = try await h.request(.POST, path + "/preview", token: w.admin, bytes: excel + unknownClass, contentType: "text/csv")
            XCTAssertEqual(checked.status, .ok, String(buffer: checked.body))
            let errors = try XCTUnwrap(checked.json["errors"] as? [[String: Any]])
            XCTAssertEqual(errors.map { $0["line"] as? Int }, [4])
            XCTAssertEqual(errors.first?["message"] as? String, "Нет такого класса: «5Я».", "the same message as from a UTF-8 file")

            let imported = try await h.request(.POST, path + "/import", token: w.admin, bytes: excel, contentType: "text/csv")
            XCTAssertEqual(imported.status, .created, String(buffer: imported.body))
            XCTAssertEqual(imported.json["newStudents"] as? Int, 2)
            XCTAssertEqual(imported.json["newParents"] as? Int, 1)
            let students = try await members(h, w, "role=student").compactMap { $0["fullName"] as? String }
            XCTAssertEqual(students.sorted(), ["Ёлкина Алёна", "Щукин-Эрдман, Юрий"])
            let parents = try await members(h, w, "role=parent").compactMap { $0["fullName"] as? String }
            XCTAssertEqual(parents, ["Ёлкин Пётр"])

            let export = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/roster.csv", token: w.admin)
            let text = String(buffer: export.body)
            XCTAssertTrue(text.hasPrefix("\u{FEFF}Класс;Ученик;Телефон ученика;"), text)
            XCTAssertTrue(text.contains("\r\n5А;Ёлкина Алёна;;;Ёлкин Пётр;+79005550701;;;;\r\n"), text)
            XCTAssertTrue(text.contains("\r\n5Б;\"Щукин-Эрдман, Юрий\";;;;;;;;\r\n"), text)
            // The export imports again as it is, and changes nothing.
            let again = try await h.request(.POST, path + "/import", token: w.admin, raw: text, contentType: "text/csv")
            XCTAssertEqual(again.status, .created, String(buffer: again.body))
            XCTAssertEqual(again.json["newStudents"] as? Int, 0)
            XCTAssertEqual(again.json["newParents"] as? Int, 0)
        }
    }

    // MARK: The new school year

    func testPromotionMovesEveryClassUpAndGraduatesTheEleventh() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let eleven = try await h.request(.POST, "/api/v1/schools/\(w.schoolID)/classes", token: w.admin, json: ["names": "11А"])
            let elevenID = (eleven.json["items"] as! [[String: Any]])[0]["id"] as! String
            let graduateLink = try await link(h, w.admin, classID: elevenID, role: "student")
            let graduate = try await joinNew(h, link: graduateLink, name: "Выпускник Первый", phone: "+79005550701")
            _ = try await addStudent(h, w, classID: w.classB, name: "Пятиклассник Вася")

            let plan = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/promotion", token: w.admin)
            let steps = plan.json["classes"] as! [[String: Any]]
            XCTAssertEqual(steps.map { $0["from"] as? String }, ["5А", "5Б", "11А"])
            XCTAssertEqual(steps.map { $0["to"] as? String }, ["6А", "6Б", nil])
            let value4 = try await h.count("audit_log") > 0
            XCTAssertEqual(value4, true)
            let year = plan.json["fromYear"] as! Int
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(w.schoolID)/promotion", token: graduate.json["token"] as! String,
                               json: ["fromYear": year])
            try await h.expect(.ok, .POST, "/api/v1/schools/\(w.schoolID)/promotion", token: w.admin, json: ["fromYear": year])
            let classes = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/classes", token: w.admin).json["items"] as! [[String: Any]]
            XCTAssertEqual(Set(classes.compactMap { $0["name"] as? String }), ["Учительская", "6А", "6Б"])
            let value5 = try await members(h, w, "classId=\(w.classB)").first?["fullName"] as? String
            XCTAssertEqual(value5, "Пятиклассник Вася")
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(w.schoolID)", token: graduate.json["token"] as! String)
            try await h.expect(.conflict, .POST, "/api/v1/schools/\(w.schoolID)/promotion", token: w.admin, json: ["fromYear": year])
        }
    }
}

/// The access matrix of issue 3: every administrative action of the membership features, tried by
/// another school's administrator, the homeroom teacher of another class, a teacher who is not a
/// homeroom teacher, an unconfirmed teacher, a student and a parent — each refused (404 for what
/// they cannot see), and nothing changes.
extension MembershipTests {
    func testEveryAdministrativeActionIsRefusedToEveryoneElse() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let w = try await makeWorld(h, op: op)
            let other = try await makeWorld(h, op: op, email: "admin@school2.test", phone: "+79220000002")
            // The homeroom teacher of 5А, acting on 5Б.
            let homeroomA = try await h.addMember(schoolID: w.schoolID, role: .teacher, name: "Классный Пятого А")
            try await h.expect(.ok, .PUT, "/api/v1/classes/\(w.classA)/homeroom", token: w.admin, json: ["teacherId": try await userID(h, homeroomA)])
            let teacher = try await h.addMember(schoolID: w.schoolID, role: .teacher)
            let unverified = try await h.addMember(schoolID: w.schoolID, role: .teacher, verified: false)
            let studentLink = try await link(h, w.admin, classID: w.classB, role: "student")
            let student = try await joinNew(h, link: studentLink, name: "Ученик Пятого Б", phone: "+79005550801").json["token"] as! String
            let studentID = try await userID(h, student)
            let parentLink = try await link(h, w.admin, classID: w.classB, role: "parent")
            let parent = try await joinNew(h, link: parentLink, name: "Родитель Пятого Б", phone: "+79005550802", child: "Ученик Пятого Б")
                .json["token"] as! String
            let gated = try await link(h, w.admin, classID: w.classB, role: "student", approval: true)
            _ = try await joinNew(h, link: gated, name: "Ждущий Ответа", phone: "+79005550803")
            let requestID = (try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/join-requests", token: w.admin)
                .json["items"] as! [[String: Any]])[0]["id"] as! String
            let teacherID = try await userID(h, teacher)
            let inviteID = try await h.request(.GET, "/api/v1/schools/\(w.schoolID)/invites", token: w.admin)
                .json["items"].flatMap { ($0 as? [[String: Any]])?.first?["id"] as? String } ?? ""

            let s = "/api/v1/schools/\(w.schoolID)"
            let actions: [(HTTPMethod, String, [String: Any]?)] = [
                (.GET, "\(s)/members", nil),
                (.GET, "\(s)/members/\(studentID)/history", nil),
                (.POST, "\(s)/members/\(studentID)/transfer", ["classId": w.classA]),
                (.POST, "\(s)/members/\(studentID)/remove", ["note": "—"]),
                (.PUT, "\(s)/members/\(teacherID)/roles/admin", nil),
                (.DELETE, "\(s)/members/\(teacherID)/roles/teacher", nil),
                (.POST, "\(s)/members/\(teacherID)/verify-teacher", nil),
                (.GET, "\(s)/audit", nil),
                (.GET, "\(s)/audit.csv", nil),
                (.GET, "\(s)/roster.csv", nil),
                (.GET, "\(s)/promotion", nil),
                (.POST, "\(s)/promotion", ["fromYear": 2026]),
                (.POST, "\(s)/invites/revoke-unused", nil),
                (.GET, "\(s)/join-requests", nil),
                (.POST, "/api/v1/join-requests/decide", ["ids": [requestID], "approve": true]),
                (.POST, "/api/v1/invites/\(inviteID)/revoke", nil),
                (.POST, "/api/v1/classes/\(w.classB)/invites", ["role": "student"]),
                (.GET, "/api/v1/classes/\(w.classB)/roster", nil),
                (.PUT, "/api/v1/classes/\(w.classB)/homeroom", ["teacherId": teacherID]),
                (.POST, "/api/v1/classes/\(w.classB)/students", ["fullName": "Новый Ученик"]),
                (.POST, "/api/v1/classes/\(w.classB)/activation-codes", nil),
                (.PUT, "/api/v1/students/\(studentID)/credentials", ["login": "pupil.b", "password": "pupil-pass-1"]),
            ]
            let seats = try await h.count("class_members"), roles = try await h.count("memberships")
            let audit = try await h.count("audit_log"), users = try await h.count("users")
            for (who, token) in [("another school's admin", other.admin), ("homeroom teacher of 5А", homeroomA), ("a teacher", teacher),
                                 ("an unconfirmed teacher", unverified), ("a student", student), ("a parent", parent)] {
                for (method, path, body) in actions {
                    // (Setting this student's login is the one thing their own parent may do.)
                    if who == "a parent" && path.hasSuffix("/credentials") { continue }
                    let reply = try await h.request(method, path, token: token, json: body)
                    if who == "homeroom teacher of 5А" && path.hasSuffix("/join-requests") {
                        // Their own queue: 5А's requests only, so not the one for 5Б.
                        XCTAssertEqual((reply.json["items"] as? [Any])?.count, 0)
                        continue
                    }
                    XCTAssertTrue([.forbidden, .notFound].contains(reply.status),
                                  "\(who): \(method) \(path) answered \(reply.status): \(String(buffer: reply.body))")
                    if who == "another school's admin" {
                        XCTAssertEqual(reply.status, .notFound, "\(who): \(method) \(path) must not reveal the other school")
                    }
                }
            }
            let seatsAfter = try await h.count("class_members"), rolesAfter = try await h.count("memberships")
            let auditAfter = try await h.count("audit_log"), usersAfter = try await h.count("users")
            XCTAssertEqual([seats, roles, audit, users], [seatsAfter, rolesAfter, auditAfter, usersAfter], "nothing changed")
        }
    }
}
