import Foundation
import PartaCore
import Vapor

/// The school's classes (§2.1): list, create one or a parallel, rename, archive.
struct ClassController {
    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let includeArchived: String? }
        let includeArchived = try QueryFlag.parse((try? req.query.decode(Query.self))?.includeArchived, "includeArchived") ?? false
        let items = try await req.parta.classes.list(actor, schoolID: try req.id("schoolId"), includeArchived: includeArchived)
        return try .json(ItemsResponse(items: items))
    }

    func create(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let body = try req.decodeStrict(ClassCreateBody.self)
        let items = try await req.parta.classes.create(actor, schoolID: schoolID, names: body.names, academicYear: body.academicYear)
        return try .json(ItemsResponse(items: items), status: .created)
    }

    func update(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let classID = try req.id("classId")
        let body = try req.decodeStrict(ClassPatchBody.self)
        return try .json(try await req.parta.classes.update(actor, classID: classID, patch: .init(name: body.name, archived: body.archived)))
    }
}

struct ClassCreateBody: StrictBody {
    static let allowedKeys: Set<String> = ["names", "academicYear"]
    let names: String
    let academicYear: Int?
}

struct ClassPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "archived"]
    let name: String?
    let archived: Bool?
}
