import Foundation
import PartaCore
import Vapor

/// A lesson's materials (issue 14 item 5): the whole list replaced at once.
struct LessonMaterialController {
    func replace(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let lessonID = try req.id("lessonId")
        let b = try req.decodeStrict(MaterialsBody.self)
        try req.refuseUnknownItemKeys(MaterialsBody.itemKeys)
        let items = try b.items.enumerated().map { i, item -> LessonMaterialService.Input in
            switch item.kind {
            case "link":
                guard item.fileId == nil else { throw PartaError.invalid("items[\(i)].fileId", "У ссылки нет файла: fileId только у kind=file.") }
                guard let url = item.url else { throw PartaError.invalid("items[\(i)].url", "Укажите адрес ссылки.") }
                return .link(url: url, title: item.title)
            case "file":
                guard item.url == nil else { throw PartaError.invalid("items[\(i)].url", "У файла нет адреса: url только у kind=link.") }
                guard let id = item.fileId else { throw PartaError.invalid("items[\(i)].fileId", "Укажите загруженный файл (fileId).") }
                return .file(id: id, title: item.title)
            default:
                throw PartaError.invalid("items[\(i)].kind", "Материал — link (ссылка) или file (файл).")
            }
        }
        let saved = try await LessonMaterialService(req.parta.context).replace(actor, lessonID: lessonID, items: items)
        return try .json(ItemsResponse(items: saved))
    }
}

/// The teacher's "my day" (issue 14 item 5).
struct TeacherDayController {
    func day(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let date: String? }
        let date = try QueryDate.parse((try? req.query.decode(Query.self))?.date, "date")
        return try .json(try await TeacherDayService(req.parta.context).day(actor, date: date))
    }
}

struct MaterialsBody: StrictBody {
    struct Item: Decodable {
        let kind: String
        let url: String?
        let fileId: UUID?
        let title: String?
    }
    static let allowedKeys: Set<String> = ["items"]
    static let itemKeys: Set<String> = ["kind", "url", "fileId", "title"]
    let items: [Item]
}

extension Request {
    /// `decodeStrict` refuses unknown keys of the body; this refuses those of each object of its
    /// `items` array (a typo in `fileld` must not pass silently either).
    func refuseUnknownItemKeys(_ allowed: Set<String>) throws {
        guard let buffer = body.data,
              let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any],
              let items = object["items"] as? [[String: Any]] else { return }
        var unknown: [String: String] = [:]
        for (i, item) in items.enumerated() {
            for key in Set(item.keys).subtracting(allowed) { unknown["items[\(i)].\(key)"] = "Неизвестное поле." }
        }
        if !unknown.isEmpty {
            throw PartaError(.badRequest, "unknown_fields", "Неизвестные поля: \(unknown.keys.sorted().joined(separator: ", ")).", fields: unknown)
        }
    }
}
