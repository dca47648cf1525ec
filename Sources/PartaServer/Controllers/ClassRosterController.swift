import Foundation
import PartaCore
import Vapor

/// A class's roster and homeroom teacher, children's accounts, the join-request queue, families,
/// and the new school year.
struct ClassRosterController {
    func roster(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.rosters.roster(actor, classID: try req.id("classId")))
    }

    func assignHomeroom(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(HomeroomBody.self)
        let teacher = try body.teacherId.map { raw -> UUID in
            guard let id = UUID(uuidString: raw) else { throw PartaError.invalid("teacherId", "Выберите учителя.") }
            return id
        }
        return try .json(try await req.parta.rosters.assignHomeroom(actor, classID: try req.id("classId"), teacherID: teacher))
    }

    func addStudent(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(StudentBody.self)
        let student = try await req.parta.families.addStudent(actor, classID: try req.id("classId"), fullName: body.fullName,
                                                              login: body.login, password: body.password)
        return try .json(student, status: .created)
    }

    func activationCodes(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.families.activationCodes(actor, classID: try req.id("classId"))))
    }

    func setCredentials(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(CredentialsBody.self)
        return try .json(try await req.parta.families.setCredentials(actor, childID: try req.id("userId"), login: body.login, password: body.password))
    }

    func activateChild(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(ChildActivationBody.self)
        let signedIn = try await req.parta.families.activateChild(code: body.code, login: body.login, password: body.password, client: req.clientInfo)
        let response = try Response.json(SignedInResponse(token: signedIn.token, user: signedIn.user, session: signedIn.session))
        SessionCookie.set(signedIn, on: response, for: req)
        return response
    }

    func myChildren(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.families.myChildren(actor)))
    }

    // MARK: Join requests

    func joinRequests(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let status: String? }
        let raw = (try? req.query.decode(Query.self))?.status ?? ""
        let status: JoinRequestStatus?
        switch raw {
        case "", "pending": status = .pending
        case "all": status = nil
        default:
            guard let s = JoinRequestStatus(rawValue: raw) else { throw PartaError.invalid("status", "Допустимо: pending, approved, rejected, all.") }
            status = s
        }
        return try .json(ItemsResponse(items: try await req.parta.joinRequests.list(actor, schoolID: try req.id("schoolId"), status: status)))
    }

    func myJoinRequests(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.joinRequests.mine(actor)))
    }

    func decideJoinRequests(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(DecisionBody.self)
        let ids = try BodyIDs.parse(body.ids, "Заявка")
        let childID = try body.childId.map { raw -> UUID in
            guard let id = UUID(uuidString: raw) else { throw PartaError.invalid("childId", "Выберите ученика из списка класса.") }
            return id
        }
        let decided = try await req.parta.joinRequests.decide(actor, ids: ids, approve: body.approve, reason: body.reason, childID: childID)
        return try .json(ItemsResponse(items: decided))
    }

    // MARK: The new school year

    func promotionPlan(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.rosters.promotionPlan(actor, schoolID: try req.id("schoolId")))
    }

    func promote(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(PromotionBody.self)
        return try .json(try await req.parta.rosters.promote(actor, schoolID: try req.id("schoolId"), fromYear: body.fromYear))
    }
}

struct HomeroomBody: StrictBody {
    static let allowedKeys: Set<String> = ["teacherId"]
    let teacherId: String?
}

struct StudentBody: StrictBody {
    static let allowedKeys: Set<String> = ["fullName", "login", "password"]
    let fullName: String
    let login: String?
    let password: String?
}

struct CredentialsBody: StrictBody {
    static let allowedKeys: Set<String> = ["login", "password"]
    let login: String
    let password: String
}

struct ChildActivationBody: StrictBody {
    static let allowedKeys: Set<String> = ["code", "login", "password"]
    let code: String
    let login: String
    let password: String
}

struct DecisionBody: StrictBody {
    static let allowedKeys: Set<String> = ["ids", "approve", "reason", "childId"]
    let ids: [String]
    let approve: Bool
    let reason: String?
    /// Approving a parent's request whose child was not found as typed: the student, picked.
    let childId: String?
}

struct PromotionBody: StrictBody {
    static let allowedKeys: Set<String> = ["fromYear"]
    let fromYear: Int
}
