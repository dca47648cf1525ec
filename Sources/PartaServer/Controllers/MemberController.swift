import Foundation
import PartaCore
import Vapor

/// The school's people (§2.1): list and search, teacher verification, roles in place, movement
/// and its history, the audit log, and the roster's import and export.
struct MemberController {
    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let role: String?; let verified: String?; let classId: String?; let q: String?; let page: String?; let perPage: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query(role: nil, verified: nil, classId: nil, q: nil, page: nil, perPage: nil)
        var filter = MemberService.Filter()
        if let raw = q.role, !raw.isEmpty {
            guard let role = SchoolRole(rawValue: raw) else { throw PartaError.invalid("role", "Неизвестная роль.") }
            filter.role = role
        }
        filter.verified = try QueryFlag.parse(q.verified, "verified")
        filter.classID = try QueryID.parse(q.classId, "classId")
        filter.query = q.q
        let (page, perPage) = try Paging.parse(page: q.page, perPage: q.perPage)
        return try .json(try await req.parta.members.list(actor, schoolID: try req.id("schoolId"), filter: filter, page: page, perPage: perPage))
    }

    func verify(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.members.verifyTeacher(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"))
        return .noContent()
    }

    func history(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await req.parta.members.history(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"))))
    }

    func grantRole(_ req: Request) async throws -> Response { try await setRole(req, granted: true) }
    func revokeRole(_ req: Request) async throws -> Response { try await setRole(req, granted: false) }

    private func setRole(_ req: Request, granted: Bool) async throws -> Response {
        let actor = try await req.actor()
        guard let role = req.parameters.get("role").flatMap(SchoolRole.init(rawValue:)) else { throw PartaError.notFound("Роль") }
        return try .json(try await req.parta.members.setRole(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"),
                                                             role: role, granted: granted))
    }

    func transfer(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(TransferBody.self)
        guard let classID = UUID(uuidString: body.classId) else { throw PartaError.invalid("classId", "Выберите класс.") }
        return try .json(try await req.parta.members.transfer(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"),
                                                              toClassID: classID, note: body.note ?? ""))
    }

    func remove(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let body = hasBody ? try req.decodeStrict(NoteBody.self) : NoteBody(note: nil)
        try await req.parta.members.remove(actor, schoolID: try req.id("schoolId"), userID: try req.id("userId"), note: body.note ?? "")
        return .noContent()
    }

    // MARK: Audit log

    func audit(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (filter, page, perPage) = try auditQuery(req)
        return try .json(try await req.parta.audit.list(actor, schoolID: try req.id("schoolId"), filter: filter, page: page, perPage: perPage))
    }

    func auditCSV(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (filter, _, _) = try auditQuery(req)
        return .csv(try await req.parta.audit.csv(actor, schoolID: try req.id("schoolId"), filter: filter), fileName: "audit.csv")
    }

    private func auditQuery(_ req: Request) throws -> (AuditService.Filter, Int, Int) {
        struct Query: Decodable { let action: String?; let actorId: String?; let targetUserId: String?; let from: String?; let to: String?; let page: String?; let perPage: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query(action: nil, actorId: nil, targetUserId: nil, from: nil, to: nil, page: nil, perPage: nil)
        func date(_ raw: String?, _ name: String) throws -> Date? {
            guard let raw, !raw.isEmpty else { return nil }
            if let d = JSONCoding.iso.date(from: raw) ?? ISO8601DateFormatter().date(from: raw) { return d }
            let day = DateFormatter(); day.dateFormat = "yyyy-MM-dd"; day.timeZone = TimeZone(identifier: "UTC")
            guard let d = day.date(from: raw) else { throw PartaError.invalid(name, "Дата: ГГГГ-ММ-ДД.") }
            return d
        }
        if let action = q.action, action.count > 60 { throw PartaError.invalid("action", "Слишком длинно.") }
        var to = try date(q.to, "to")
        if let raw = q.to, raw.count == 10, let end = to { to = end.addingTimeInterval(86_400) }   // a whole day
        let filter = AuditService.Filter(action: q.action, actorID: try QueryID.parse(q.actorId, "actorId"),
                                         targetUserID: try QueryID.parse(q.targetUserId, "targetUserId"), from: try date(q.from, "from"), to: to)
        let (page, perPage) = try Paging.parse(page: q.page, perPage: q.perPage)
        return (filter, page, perPage)
    }

    // MARK: Roster import and export

    func importPreview(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.rosterImport.preview(actor, schoolID: try req.id("schoolId"), csv: try req.csvBody()))
    }

    func importRun(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let report = try await req.parta.rosterImport.run(actor, schoolID: try req.id("schoolId"), csv: try req.csvBody())
        return try .json(report, status: .created)
    }

    func exportRoster(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return .csv(try await req.parta.rosterImport.export(actor, schoolID: try req.id("schoolId")), fileName: "roster.csv")
    }
}

struct TransferBody: StrictBody {
    static let allowedKeys: Set<String> = ["classId", "note"]
    let classId: String
    let note: String?
}

struct NoteBody: StrictBody {
    static let allowedKeys: Set<String> = ["note"]
    let note: String?
}
