import Foundation
import PartaCore
import Vapor

/// The school's people and teacher verification (§2.1, §2.3, §2.4).
struct MemberController {
    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let role: String?; let verified: String?; let page: String?; let perPage: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query(role: nil, verified: nil, page: nil, perPage: nil)
        var filter = MemberService.Filter()
        if let raw = q.role, !raw.isEmpty {
            guard let role = SchoolRole(rawValue: raw) else { throw PartaError.invalid("role", "Неизвестная роль.") }
            filter.role = role
        }
        filter.verified = try QueryFlag.parse(q.verified, "verified")
        let (page, perPage) = try Paging.parse(page: q.page, perPage: q.perPage)
        return try .json(try await req.parta.members.list(actor, schoolID: try req.id("schoolId"), filter: filter, page: page, perPage: perPage))
    }

    func verify(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.members.verifyTeacher(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"))
        return .noContent()
    }
}
