import Foundation
@testable import PartaCore
import XCTest
import XCTVapor

/// Classes (§2.1): administrators create, rename and archive; members see; everyone else is refused.
final class ClassTests: XCTestCase {
    func testAdminCreatesAParallelRenamesAndArchives() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А–5Г"])
            XCTAssertEqual(made.status, .created, String(buffer: made.body))
            let items = made.json["items"] as! [[String: Any]]
            XCTAssertEqual(items.map { $0["name"] as! String }, ["5А", "5Б", "5В", "5Г"])
            XCTAssertEqual(items[1]["grade"] as? Int, 5)
            XCTAssertEqual(items[1]["letter"] as? String, "Б")

            let list = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin)
            let names = (list.json["items"] as! [[String: Any]]).map { $0["name"] as! String }
            XCTAssertEqual(names, ["Учительская", "5А", "5Б", "5В", "5Г"])

            // Rename «5Г» to «5Д»; renaming onto an existing name is a conflict.
            let g = items[3]["id"] as! String
            let renamed = try await h.request(.PATCH, "/api/v1/classes/\(g)", token: admin, json: ["name": "5д"])
            XCTAssertEqual(renamed.json["name"] as? String, "5Д")
            let clash = try await h.request(.PATCH, "/api/v1/classes/\(g)", token: admin, json: ["name": "5А"])
            XCTAssertEqual(clash.status, .conflict)
            XCTAssertEqual(clash.errorCode, "class_exists")

            // Archive: gone from the default list, shown with includeArchived; restore works.
            try await h.expect(.ok, .PATCH, "/api/v1/classes/\(g)", token: admin, json: ["archived": true])
            let active = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin)
            XCTAssertEqual((active.json["items"] as! [[String: Any]]).count, 4)
            let all = try await h.request(.GET, "/api/v1/schools/\(school)/classes?includeArchived=true", token: admin)
            XCTAssertEqual((all.json["items"] as! [[String: Any]]).count, 5)
            try await h.expect(.ok, .PATCH, "/api/v1/classes/\(g)", token: admin, json: ["archived": false])

            // «Учительская» is fixed.
            let staffRoom = (list.json["items"] as! [[String: Any]])[0]["id"] as! String
            let fixed = try await h.request(.PATCH, "/api/v1/classes/\(staffRoom)", token: admin, json: ["archived": true])
            XCTAssertEqual(fixed.errorCode, "staff_room_fixed")
        }
    }

    func testAParallelIsCreatedWhollyOrNotAtAll() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            try await h.expect(.created, .POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5В"])
            let before = try await h.count("classes")
            let clash = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А–5Г"])
            XCTAssertEqual(clash.status, .conflict)
            XCTAssertEqual((clash.json["error"] as? [String: Any])?["fields"] as? [String: String], ["names": "Уже есть: 5В."])
            for bad: [String: Any] in [["names": "5Г–5А"], ["names": "12А"], ["names": ""], ["names": 5],
                                        ["names": "5А", "academicYear": 1990], ["names": "5А", "grade": 5]] {
                let reply = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: bad)
                XCTAssertEqual(reply.status, .badRequest, "\(bad): \(String(buffer: reply.body))")
            }
            let after = try await h.count("classes")
            XCTAssertEqual(after, before)
            // The same names in the next school year are a different set of classes.
            let next = AcademicYear.containing(h.clock.now()) + 1
            try await h.expect(.created, .POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "5А–5Г", "academicYear": next])
        }
    }

    func testOnlyTheSchoolsAdministratorsChangeTheStructure() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (admin, school) = try await h.makeSchool(operatorToken: op)
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let made = try await h.request(.POST, "/api/v1/schools/\(school)/classes", token: admin, json: ["names": "7А"])
            let classID = (made.json["items"] as! [[String: Any]])[0]["id"] as! String
            let teacher = try await h.addMember(schoolID: school, role: .teacher)
            let unverified = try await h.addMember(schoolID: school, role: .teacher, verified: false)
            let student = try await h.addMember(schoolID: school, role: .student)
            let parent = try await h.addMember(schoolID: school, role: .parent)
            let director = try await h.addMember(schoolID: school, role: .director)

            // Members of the school see the classes but may not change them: 403.
            for token in [teacher, unverified, student, parent, director, op] {
                try await h.expect(.ok, .GET, "/api/v1/schools/\(school)/classes", token: token)
                try await h.expect(.forbidden, .POST, "/api/v1/schools/\(school)/classes", token: token, json: ["names": "8А"])
                try await h.expect(.forbidden, .PATCH, "/api/v1/classes/\(classID)", token: token, json: ["archived": true])
            }
            // Another school's administrator does not see them at all: 404, as for an unknown id.
            try await h.expect(.notFound, .GET, "/api/v1/schools/\(school)/classes", token: otherAdmin)
            try await h.expect(.notFound, .POST, "/api/v1/schools/\(school)/classes", token: otherAdmin, json: ["names": "8А"])
            try await h.expect(.notFound, .PATCH, "/api/v1/classes/\(classID)", token: otherAdmin, json: ["name": "7Б"])
            try await h.expect(.notFound, .PATCH, "/api/v1/classes/\(UUID())", token: admin, json: ["name": "7Б"])
            try await h.expect(.unauthorized, .GET, "/api/v1/schools/\(school)/classes")
            let after = try await h.request(.GET, "/api/v1/schools/\(school)/classes", token: admin)
            XCTAssertEqual((after.json["items"] as! [[String: Any]]).map { $0["name"] as! String }, ["Учительская", "7А"])
        }
    }
}
