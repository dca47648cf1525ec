import Foundation
@testable import PartaCore
@testable import PartaServer
import XCTest
import XCTVapor

final class ApplicationTests: XCTestCase {
    func testRegistrationApprovalActivationAndProfileEdit() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let appID = try await h.submitApplication()
            let queue = try await h.request(.GET, "/api/v1/school-applications?status=pending", token: op)
            XCTAssertEqual(queue.json["total"] as? Int, 1)

            let approved = try await h.request(.POST, "/api/v1/school-applications/\(appID)/approve", token: op)
            XCTAssertEqual(approved.status, .ok)
            XCTAssertEqual(approved.json["status"] as? String, "approved")
            let schoolID = try XCTUnwrap(approved.json["schoolId"] as? String)

            // The administrator got the activation link by email and SMS.
            let link = try XCTUnwrap(h.activationToken(to: "admin@school1.test"))
            XCTAssertTrue(h.sender.last(to: "+79123456789")?.text.contains(link) == true)
            let info = try await h.request(.GET, "/api/v1/activation/\(link)")
            XCTAssertEqual(info.json["fullName"] as? String, "Петров Пётр Петрович")
            XCTAssertEqual(info.json["phone"] as? String, "+7 912 ***-**-89")
            // Not activated yet: no password sign-in, no code sign-in.
            do { let value = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "admin@school1.test", "password": "whatever1"]).status; XCTAssertEqual(value, .unauthorized) }

            _ = try await h.request(.POST, "/api/v1/activation/\(link)/code")
            let code = try XCTUnwrap(h.lastCode(to: "+79123456789"))
            let wrong = try await h.request(.POST, "/api/v1/activation/\(link)", json: ["code": code == "000000" ? "000001" : "000000", "password": "admin-pass-1"])
            XCTAssertEqual(wrong.status, .unauthorized)
            let activated = try await h.request(.POST, "/api/v1/activation/\(link)", json: ["code": code, "password": "admin-pass-1"])
            XCTAssertEqual(activated.status, .ok, String(buffer: activated.body))
            let reused = try await h.request(.GET, "/api/v1/activation/\(link)")
            XCTAssertEqual(reused.status, .gone)
            XCTAssertEqual(reused.errorCode, "link_used")

            // The admin signs in by phone and password, sees the school and edits its profile.
            let signIn = try await h.request(.POST, "/api/v1/auth/password", json: ["login": "8 (912) 345-67-89", "password": "admin-pass-1"])
            XCTAssertEqual(signIn.status, .ok)
            let admin = signIn.json["token"] as! String
            let school = try await h.request(.GET, "/api/v1/schools/\(schoolID)", token: admin)
            XCTAssertEqual(school.json["canEdit"] as? Bool, true)
            XCTAssertEqual(school.json["timezone"] as? String, "Europe/Kirov", "the time zone comes from the region («Кировская область»)")
            let classes = school.json["classes"] as! [[String: Any]]
            XCTAssertEqual(classes.map { $0["name"] as? String }, ["Учительская"])
            XCTAssertEqual(classes.first?["kind"] as? String, "staff_room")
            let channels = (school.json["channels"] as! [[String: Any]]).compactMap { $0["title"] as? String }
            XCTAssertEqual(Set(channels), ["Общешкольный канал", "Сотрудники"])

            let edited = try await h.request(.PATCH, "/api/v1/schools/\(schoolID)", token: admin,
                                             json: ["website": "https://school1.kirov.ru", "directorName": "Сидорова Анна Викторовна", "phone": "+7 (8332) 12-34-56"])
            XCTAssertEqual(edited.status, .ok, String(buffer: edited.body))
            XCTAssertEqual(edited.json["website"] as? String, "https://school1.kirov.ru")
            let invalid = try await h.request(.PATCH, "/api/v1/schools/\(schoolID)", token: admin, json: ["inn": "123", "website": "javascript:alert(1)"])
            XCTAssertEqual(invalid.status, .badRequest)
            let fields = (invalid.json["error"] as? [String: Any])?["fields"] as? [String: String]
            XCTAssertNotNil(fields?["inn"]); XCTAssertNotNil(fields?["website"])
            let after = try await h.request(.GET, "/api/v1/schools/\(schoolID)", token: admin)
            XCTAssertEqual(after.json["inn"] as? String, "7707083893")    // nothing partial was written
            XCTAssertEqual(after.json["directorName"] as? String, "Сидорова Анна Викторовна")
        }
    }

    func testRejectedApplicationCannotBeActivated() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let appID = try await h.submitApplication()
            let noReason = try await h.request(.POST, "/api/v1/school-applications/\(appID)/reject", token: op, json: ["reason": " "])
            XCTAssertEqual(noReason.status, .badRequest)
            let rejected = try await h.request(.POST, "/api/v1/school-applications/\(appID)/reject", token: op,
                                               json: ["reason": "Приказ не подписан директором."])
            XCTAssertEqual(rejected.json["status"] as? String, "rejected")
            XCTAssertEqual(rejected.json["rejectReason"] as? String, "Приказ не подписан директором.")
            XCTAssertTrue(h.sender.last(to: "admin@school1.test")?.text.contains("Приказ не подписан директором.") == true)
            XCTAssertNil(h.activationToken(to: "admin@school1.test"))
            XCTAssertNil(h.sender.last(to: "+79123456789"))

            let approve = try await h.request(.POST, "/api/v1/school-applications/\(appID)/approve", token: op)
            XCTAssertEqual(approve.status, .conflict)
            XCTAssertEqual(approve.errorCode, "already_decided")
            do { let value = try await h.count("schools"); XCTAssertEqual(value, 0) }
            do { let value = try await h.count("users"); XCTAssertEqual(value, 1) }  // only the operator
            do { let value = try await h.count("link_tokens WHERE purpose = 'activation'"); XCTAssertEqual(value, 0) }
            // Nobody can sign in as the applicant.
            _ = try await h.request(.POST, "/api/v1/auth/code", json: ["login": "+79123456789"])
            XCTAssertNil(h.sender.last(to: "+79123456789"))
        }
    }

    func testApprovalTwiceIsAConflict() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let appID = try await h.submitApplication()
            try await h.expect(.ok, .POST, "/api/v1/school-applications/\(appID)/approve", token: op)
            try await h.expect(.conflict, .POST, "/api/v1/school-applications/\(appID)/approve", token: op)
            try await h.expect(.conflict, .POST, "/api/v1/school-applications/\(appID)/reject", token: op, json: ["reason": "Передумали"])
            do { let value = try await h.count("schools"); XCTAssertEqual(value, 1) }
        }
    }

    func testOrderFileIsReadableByTheOperatorOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, _) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let list = try await h.request(.GET, "/api/v1/school-applications?status=approved", token: op)
            let appID = (list.json["items"] as! [[String: Any]]).first { $0["adminEmail"] as? String == "admin@school1.test" }!["id"] as! String
            let path = "/api/v1/school-applications/\(appID)/order-file"

            let file = try await h.request(.GET, path, token: op)
            XCTAssertEqual(file.status, .ok)
            XCTAssertEqual(Data(buffer: file.body), TestHarness.pdf)
            XCTAssertEqual(file.headers.first(name: .contentType), "application/pdf")
            XCTAssertTrue(file.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            XCTAssertTrue(file.headers.first(name: .contentDisposition)?.contains("filename*=UTF-8''%D0%BF%D1%80%D0%B8%D0%BA%D0%B0%D0%B7.pdf") == true)

            try await h.expect(.unauthorized, .GET, path)
            try await h.expect(.notFound, .GET, path, token: admin)       // the school's own admin
            try await h.expect(.notFound, .GET, path, token: otherAdmin)  // another school's admin
            try await h.expect(.notFound, .GET, "/api/v1/school-applications/\(appID)", token: admin)
            try await h.expect(.notFound, .GET, "/api/v1/school-applications", token: admin)
            try await h.expect(.notFound, .POST, "/api/v1/school-applications/\(appID)/approve", token: admin)
            try await h.expect(.notFound, .GET, "/api/v1/school-applications/\(UUID())/order-file", token: op)
            // The file is not reachable through the static web root either.
            do { let value = try await h.request(.GET, "/files/\(h.storedFiles().first ?? "x")").status; XCTAssertNotEqual(value, .ok) }
        }
    }

    func testSchoolsAreVisibleToTheirMembersOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin1, school1) = try await h.makeSchool(operatorToken: op)
            let (admin2, school2) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            try await h.expect(.ok, .GET, "/api/v1/schools/\(school1)", token: admin1)
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school1)", token: admin2)
            try await h.expect(.notFound, .PATCH, "/api/v1/schools/\(school1)", token: admin2, json: ["name": "Захвачено"])
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(UUID())", token: admin1)
            try await h.expect(.notFound, .GET, "/api/v1/schools/not-a-uuid", token: admin1)
            // The operator sees every school but does not edit it.
            try await h.expect(.ok, .GET, "/api/v1/schools/\(school2)", token: op)
            try await h.expect(.forbidden, .PATCH, "/api/v1/schools/\(school2)", token: op, json: ["name": "Школа оператора"])
            let unchanged = try await h.request(.GET, "/api/v1/schools/\(school1)", token: admin1)
            XCTAssertEqual(unchanged.json["name"] as? String, "МБОУ «Основная школа № 1 г. Кирова»")
        }
    }

    func testAnExistingAccountBecomesTheAdministratorWithoutActivation() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, _) = try await h.makeSchool(operatorToken: op)
            // The same person registers a second school.
            let appID = try await h.submitApplication()
            let approved = try await h.request(.POST, "/api/v1/school-applications/\(appID)/approve", token: op)
            XCTAssertEqual(approved.status, .ok)
            let me = try await h.request(.GET, "/api/v1/me", token: admin)
            XCTAssertEqual((me.json["memberships"] as! [[String: Any]]).count, 2)
            // Phone of one account with email of another: refused, nothing created.
            let (_, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let mixed = try await h.submitApplication(email: "admin@school2.test", phone: "+79123456789")
            let conflict = try await h.request(.POST, "/api/v1/school-applications/\(mixed)/approve", token: op)
            XCTAssertEqual(conflict.status, .conflict)
            do { let value = try await h.count("schools"); XCTAssertEqual(value, 3) }
        }
    }

    func testInvalidApplicationsWriteNothing() async throws {
        try await withHarness { h in
            var fields = TestHarness.applicationFields()
            fields["inn"] = "7707083894"
            fields["adminPhone"] = "+1 555 0100"
            let bad = try await h.multipart("/api/v1/school-applications", fields: fields, file: ("orderFile", "p.pdf", TestHarness.pdf))
            XCTAssertEqual(bad.status, .badRequest)
            let problems = (bad.json["error"] as? [String: Any])?["fields"] as? [String: String] ?? [:]
            XCTAssertEqual(Set(problems.keys), ["inn", "adminPhone"])

            let noFile = try await h.multipart("/api/v1/school-applications", fields: TestHarness.applicationFields(), file: nil)
            XCTAssertEqual(noFile.status, .badRequest)
            let notPDF = try await h.multipart("/api/v1/school-applications", fields: TestHarness.applicationFields(),
                                               file: ("orderFile", "order.pdf", Data("<html><script>alert(1)</script>".utf8)))
            XCTAssertEqual(notPDF.status, .badRequest)
            let huge = try await h.multipart("/api/v1/school-applications", fields: TestHarness.applicationFields(),
                                             file: ("orderFile", "big.pdf", TestHarness.pdf + Data(count: 11 * 1024 * 1024)))
            XCTAssertEqual(huge.status, .payloadTooLarge)
            XCTAssertEqual(huge.errorCode, "payload_too_large")
            let json = try await h.request(.POST, "/api/v1/school-applications", json: ["schoolName": "x"])
            XCTAssertEqual(json.status, .unsupportedMediaType)

            do { let value = try await h.count("school_applications"); XCTAssertEqual(value, 0) }
            do { let value = try await h.count("stored_files"); XCTAssertEqual(value, 0) }
            XCTAssertEqual(h.storedFiles(), [])
        }
    }

    func testFileNamesAreSanitised() {
        XCTAssertEqual(ApplicationService.safeFileName("../../etc/passwd", contentType: "application/pdf"), "passwd.pdf")
        XCTAssertEqual(ApplicationService.safeFileName("при\"каз\u{0}.PDF", contentType: "application/pdf"), "приказ.PDF")
        XCTAssertEqual(ApplicationService.safeFileName("", contentType: "image/png"), "prikaz.png")
        XCTAssertEqual(ApplicationService.safeFileName("scan.jpeg", contentType: "image/jpeg"), "scan.jpeg")
    }
}
