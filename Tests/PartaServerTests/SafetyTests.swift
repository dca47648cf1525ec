import Foundation
import NIOConcurrencyHelpers
@testable import PartaCore
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor

/// Issue 11, child safety: a report stays out of the accused's hands; safe mode holds when a chat is
/// made by id; a student does not become staff by a link; the director confirms teachers.
final class ReportPrivacyTests: XCTestCase {
    /// Who got which `report.created` notice (from the event bus, as the socket gateway gets it).
    final class Notices: @unchecked Sendable {
        let box = NIOLockedValueBox<[(users: [UUID], data: String)]>([])
        init(_ h: TestHarness) {
            h.services.context.events.subscribeToAllProcesses { [box] event in
                if case let .notice(users, "report.created", data) = event { box.withLockedValue { $0.append((users, data)) } }
            }
        }
        func reached(_ id: String) -> [String] {
            box.withLockedValue { $0.filter { $0.users.contains(UUID(uuidString: id)!) }.map(\.data) }
        }
    }

    func report(_ h: TestHarness, _ message: String, by person: TestHarness.Person, reason: String = "bullying") async throws -> String {
        let reply = try await h.request(.POST, "/api/v1/messages/\(message)/report", token: person.token, json: ["reason": reason])
        XCTAssertEqual(reply.status, .created, String(buffer: reply.body))
        return reply.json["id"] as? String ?? ""
    }

    func queue(_ h: TestHarness, _ school: String, _ token: String, status: String = "open") async throws -> [[String: Any]] {
        try await h.request(.GET, "/api/v1/schools/\(school)/reports?status=\(status)", token: token).json["items"] as? [[String: Any]] ?? []
    }

    func testAReportAboutAModeratorGoesToAdministratorsOnlyAndTheReporterStaysHidden() async throws {
        try await withHarness { h in
            let notices = Notices(h)
            let (admin, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let adminID = try await h.request(.GET, "/api/v1/me", token: admin).json["id"] as! String
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let child = try await h.person(school, .student, name: "Ребёнок")
            let classmate = try await h.person(school, .student, name: "Одноклассник")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [child, classmate])

            // The teacher (the chat's owner) writes something a child reports.
            let own = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "Грубость учителя"]).json["id"] as! String
            let aboutTeacher = try await report(h, own, by: child)
            // The accused sees nothing: not in the queue, not resolvable, no live notice.
            let q1 = try await queue(h, school, teacher.token)
            XCTAssertTrue(q1.isEmpty)
            try await h.expect(.notFound, .POST, "/api/v1/reports/\(aboutTeacher)/resolve", token: teacher.token, json: ["action": "dismiss"])
            XCTAssertTrue(notices.reached(teacher.id).isEmpty)
            // The administrators see it, with the reporter's name.
            let adminQueue = try await queue(h, school, admin)
            XCTAssertEqual(adminQueue.count, 1)
            XCTAssertEqual(adminQueue.first?["reporterName"] as? String, "Ребёнок")
            XCTAssertEqual(notices.reached(adminID).count, 1)
            XCTAssertTrue(notices.reached(adminID)[0].contains("Ребёнок"))

            // A report about a member: the owner handles it but does not learn who reported.
            let rude = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: classmate.token, json: ["text": "Обидное"]).json["id"] as! String
            let aboutMember = try await report(h, rude, by: child)
            let teacherQueue = try await queue(h, school, teacher.token)
            XCTAssertEqual(teacherQueue.map { $0["id"] as? String }, [aboutMember])
            XCTAssertNil(teacherQueue[0]["reporterId"])
            XCTAssertNil(teacherQueue[0]["reporterName"])
            let live = notices.reached(teacher.id)
            XCTAssertEqual(live.count, 1)
            XCTAssertFalse(live[0].contains("Ребёнок"), live[0])
            XCTAssertFalse(live[0].contains(child.id.lowercased()) || live[0].contains(child.id.uppercased()), live[0])
            // Nor does the reported child.
            let q2 = try await queue(h, school, classmate.token)
            XCTAssertTrue(q2.isEmpty)
            XCTAssertTrue(notices.reached(classmate.id).isEmpty)

            // The school may let chat moderators see the reporter (off by default).
            let school0 = try await h.request(.GET, "/api/v1/schools/\(school)", token: admin)
            XCTAssertEqual(school0.json["moderatorsSeeReporters"] as? Bool, false)
            try await h.expect(.forbidden, .PATCH, "/api/v1/schools/\(school)", token: teacher.token, json: ["moderatorsSeeReporters": true])
            try await h.expect(.ok, .PATCH, "/api/v1/schools/\(school)", token: admin, json: ["moderatorsSeeReporters": true])
            let q3 = try await queue(h, school, teacher.token)
            XCTAssertEqual(q3.first?["reporterName"] as? String, "Ребёнок")
            // …but never a report about themselves.
            let q4 = try await queue(h, school, teacher.token)
            XCTAssertEqual(q4.count, 1)

            // Resolutions record who resolved, shown to the administrators.
            let resolved = try await h.request(.POST, "/api/v1/reports/\(aboutMember)/resolve", token: teacher.token, json: ["action": "dismiss"])
            XCTAssertEqual(resolved.status, .ok)
            XCTAssertNil(resolved.json["resolvedByName"])
            let done = try await queue(h, school, admin, status: "resolved")
            XCTAssertEqual(done.first?["resolvedByName"] as? String, "Учитель")
            XCTAssertEqual(done.first?["resolvedById"] as? String, teacher.id)
            // The report about the teacher is still open for the administrators: dismissing the other did not touch it.
            let q5 = try await queue(h, school, admin)
            XCTAssertEqual(q5.map { $0["id"] as? String }, [aboutTeacher])
            try await h.expect(.ok, .POST, "/api/v1/reports/\(aboutTeacher)/resolve", token: admin, json: ["action": "delete"])
        }
    }

    func testNobodyHandlesAReportAboutThemselves() async throws {
        try await withHarness { h in
            let (admin, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let adminPerson = TestHarness.Person(token: admin, id: try await h.request(.GET, "/api/v1/me", token: admin).json["id"] as! String)
            let second = try await h.person(school, .admin, name: "Второй Администратор")
            let child = try await h.person(school, .student, name: "Ребёнок")
            let chat = try await h.chat(school, adminPerson, kind: "group", title: "Кружок", members: [child, second])
            let message = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: admin, json: ["text": "Резкость"]).json["id"] as! String
            let id = try await report(h, message, by: child)
            // The administrator who wrote it neither sees nor resolves it; another administrator does.
            let q6 = try await queue(h, school, admin)
            XCTAssertTrue(q6.isEmpty)
            try await h.expect(.notFound, .POST, "/api/v1/reports/\(id)/resolve", token: admin, json: ["action": "dismiss"])
            let q7 = try await queue(h, school, second.token)
            XCTAssertEqual(q7.count, 1)
            try await h.expect(.ok, .POST, "/api/v1/reports/\(id)/resolve", token: second.token, json: ["action": "dismiss"])
        }
    }

    func testSafeModeAndStaffLinksAndTheDirectorConfirmingTeachers() async throws {
        try await withHarness { h in
            let (admin, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let unconfirmed = try await h.person(school, .teacher, verified: false, name: "Новый Учитель")
            let confirmed = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let parent = try await h.person(school, .parent, name: "Родитель")
            let director = try await h.person(school, .director, name: "Директор")

            // Safe mode: a student or parent writes to confirmed staff only, also when naming the id.
            _ = try await h.chat(school, student, kind: "direct", members: [unconfirmed], expect: .forbidden)
            _ = try await h.chat(school, parent, kind: "direct", members: [unconfirmed], expect: .forbidden)
            _ = try await h.chat(school, student, kind: "direct", members: [confirmed])
            _ = try await h.chat(school, student, kind: "direct", members: [director])

            // The director confirms a teacher (§2.2); a teacher does not.
            try await h.expect(.forbidden, .POST, "/api/v1/schools/\(school)/members/\(unconfirmed.id)/verify-teacher", token: confirmed.token)
            try await h.expect(.noContent, .POST, "/api/v1/schools/\(school)/members/\(unconfirmed.id)/verify-teacher", token: director.token)
            _ = try await h.chat(school, student, kind: "direct", members: [unconfirmed])

            // A student of the school does not become staff by opening the staff room's link.
            let classes = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin).json["items"] as! [[String: Any]]
            let staffRoom = classes.first { $0["kind"] as? String == "staff_room" }!["id"] as! String
            let link = try await h.request(.POST, "/api/v1/classes/\(staffRoom)/invites", token: admin, json: ["role": "teacher"]).json["token"] as! String
            let refused = try await h.request(.POST, "/api/v1/join/\(link)", token: student.token, json: [:])
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual(refused.errorCode, "student_cannot_join_staff")
            let roles = try await h.request(.GET, "/api/v1/me", token: student.token)
            XCTAssertFalse(String(buffer: roles.body).contains("\"teacher\""), String(buffer: roles.body))
            // A parent may (a parent can also work at the school).
            try await h.expect(.ok, .POST, "/api/v1/join/\(link)", token: parent.token, json: [:])
        }
    }
}

/// Issue 11, abuse limits: what one person creates, wrong tokens per address.
final class AbuseLimitTests: XCTestCase {
    func testCreatingChatsLinksPollsAndReportsIsLimitedPerPersonPerMinuteAndPerDay() async throws {
        var rules = AuthRules()
        rules.creation[.chats] = .init(perMinute: 3, perDay: 5)
        rules.creation[.chatLinks] = .init(perMinute: 2, perDay: 10)
        rules.creation[.polls] = .init(perMinute: 1, perDay: 10)
        rules.creation[.reports] = .init(perMinute: 1, perDay: 10)
        rules.creation[.invites] = .init(perMinute: 2, perDay: 10)
        try await withHarness(rules: rules) { h in
            let (admin, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let other = try await h.person(school, .teacher, name: "Другой Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            var chats: [String] = []
            for i in 0..<3 { chats.append(try await h.chat(school, teacher, kind: "group", title: "Группа \(i)", members: [student])) }
            let over = try await h.request(.POST, "/api/v1/schools/\(school)/chats", token: teacher.token,
                                           json: ["kind": "group", "title": "Лишняя", "memberIds": [student.id]])
            XCTAssertEqual(over.status, .tooManyRequests)
            XCTAssertEqual(over.errorCode, "rate_limited")
            XCTAssertNotNil(over.headers.first(name: .retryAfter).flatMap(Int.init))
            // Per person: another teacher is not affected.
            _ = try await h.chat(school, other, kind: "group", title: "Своя", members: [student])
            // A minute later, two more; then the day's limit of five holds.
            h.clock.advance(61)
            for i in 3..<5 { chats.append(try await h.chat(school, teacher, kind: "group", title: "Группа \(i)", members: [student])) }
            h.clock.advance(61)
            let daily = try await h.request(.POST, "/api/v1/schools/\(school)/chats", token: teacher.token,
                                            json: ["kind": "group", "title": "Шестая", "memberIds": [student.id]])
            XCTAssertEqual(daily.status, .tooManyRequests)
            XCTAssertGreaterThan(Int(daily.headers.first(name: .retryAfter) ?? "0") ?? 0, 3600)
            let count = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(count.filter { ($0["title"] as? String ?? "").hasPrefix("Группа") }.count, 5)

            // Chat links.
            for _ in 0..<2 { try await h.expect(.created, .POST, "/api/v1/chats/\(chats[0])/invites", token: teacher.token, json: [:]) }
            try await h.expect(.tooManyRequests, .POST, "/api/v1/chats/\(chats[0])/invites", token: teacher.token, json: [:])
            // Polls.
            let poll: [String: Any] = ["question": "Когда собрание?", "options": ["Во вторник", "В четверг"]]
            try await h.expect(.created, .POST, "/api/v1/chats/\(chats[0])/polls", token: teacher.token, json: poll)
            try await h.expect(.tooManyRequests, .POST, "/api/v1/chats/\(chats[0])/polls", token: teacher.token, json: poll)
            // Reports.
            var messages: [String] = []
            for text in ["раз", "два"] {
                messages.append(try await h.request(.POST, "/api/v1/chats/\(chats[0])/messages", token: teacher.token, json: ["text": text]).json["id"] as! String)
            }
            try await h.expect(.created, .POST, "/api/v1/messages/\(messages[0])/report", token: student.token, json: ["reason": "spam"])
            try await h.expect(.tooManyRequests, .POST, "/api/v1/messages/\(messages[1])/report", token: student.token, json: ["reason": "spam"])
            let got1 = try await h.count("message_reports")
            XCTAssertEqual(got1, 1)
            // Invite links.
            let classID = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А"])
                .json["items"].flatMap { ($0 as? [[String: Any]])?.first?["id"] as? String } ?? ""
            for _ in 0..<2 { try await h.expect(.created, .POST, "/api/v1/classes/\(classID)/invites", token: admin, json: ["role": "student"]) }
            try await h.expect(.tooManyRequests, .POST, "/api/v1/classes/\(classID)/invites", token: admin, json: ["role": "student"])
        }
    }

    func testWrongTokensFromOneAddressAreThrottledLikeWrongPasswords() async throws {
        var rules = AuthRules()
        rules.wrongTokensPerIP = .init(limit: 3, window: 900)
        try await withHarness(rules: rules) { h in
            let (admin, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let student = try await h.person(school, .student, name: "Ученик")
            let classID = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А"])
                .json["items"].flatMap { ($0 as? [[String: Any]])?.first?["id"] as? String } ?? ""
            let good = try await h.request(.POST, "/api/v1/classes/\(classID)/invites", token: admin, json: ["role": "student"]).json["token"] as! String
            try await h.expect(.ok, .GET, "/api/v1/join/\(good)")   // a right token costs nothing
            let guesses = ["/api/v1/join/\(String(repeating: "a", count: 43))",
                           "/api/v1/chat-join/\(String(repeating: "b", count: 43))",
                           "/api/v1/activation/\(String(repeating: "c", count: 43))"]
            for path in guesses {
                let r = try await h.request(.GET, path, token: path.contains("chat-join") ? student.token : nil)
                XCTAssertEqual(r.status, .notFound, path)
            }
            // Past the limit every token route answers 429 for this address, a right token too.
            for path in ["/api/v1/join/\(String(repeating: "d", count: 43))", "/api/v1/join/\(good)"] {
                let r = try await h.request(.GET, path)
                XCTAssertEqual(r.status, .tooManyRequests, path)
                XCTAssertEqual(r.errorCode, "rate_limited")
                XCTAssertNotNil(r.headers.first(name: .retryAfter))
            }
            try await h.expect(.tooManyRequests, .POST, "/api/v1/join/\(good)", token: student.token, json: [:])
            h.clock.advance(901)
            try await h.expect(.ok, .GET, "/api/v1/join/\(good)")
        }
    }
}
