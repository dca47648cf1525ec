import Foundation
import PartaCore
import Vapor

/// Homework, hand-ins and their files (issue 14 items 6–7).
struct HomeworkController {
    func forLesson(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await HomeworkService(req.parta.context).forLesson(actor, lessonID: try req.id("lessonId")))
    }

    func create(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let lessonID = try req.id("lessonId")
        let b = try req.decodeStrict(HomeworkBody.self)
        return try .json(try await HomeworkService(req.parta.context).create(actor, lessonID: lessonID, input: b.input), status: .created)
    }

    func load(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let dueDate: String?; let minutes: String?; let groupId: String?; let excluding: String? }
        let q = try? req.query.decode(Query.self)
        let view = try await HomeworkService(req.parta.context).load(
            actor, lessonID: try req.id("lessonId"), dueDate: try QueryDate.parse(q?.dueDate, "dueDate"),
            minutes: try QueryInt.parse(q?.minutes, "minutes") ?? 0, groupID: try QueryID.parse(q?.groupId, "groupId"), studentIDs: nil,
            excluding: try QueryID.parse(q?.excluding, "excluding"))
        return try .json(view)
    }

    func get(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await HomeworkService(req.parta.context).get(actor, homeworkID: try req.id("homeworkId")))
    }

    func update(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let homeworkID = try req.id("homeworkId")
        let b = try req.decodeStrict(HomeworkPatchBody.self)
        let input = HomeworkService.Input(text: b.text, minutes: b.minutes, dueDate: b.dueDate, dueLessonID: b.dueLessonId,
                                          fileIDs: b.fileIds, confirmOverload: b.confirmOverload ?? false)
        return try .json(try await HomeworkService(req.parta.context).update(actor, homeworkID: homeworkID, input: input))
    }

    func delete(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await HomeworkService(req.parta.context).delete(actor, homeworkID: try req.id("homeworkId"))
        return .noContent()
    }

    func mine(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let from: String?; let to: String?; let childId: String? }
        let q = try? req.query.decode(Query.self)
        guard let from = try QueryDate.parse(q?.from, "from") else { throw PartaError.invalid("from", "Укажите начало: ГГГГ-ММ-ДД.") }
        let to = try QueryDate.parse(q?.to, "to") ?? from.adding(days: 6)
        let items = try await HomeworkService(req.parta.context).mine(actor, personID: try QueryID.parse(q?.childId, "childId"), from: from, to: to)
        return try .json(ItemsResponse(items: items))
    }

    func handIns(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await SubmissionService(req.parta.context).handIns(actor, homeworkID: try req.id("homeworkId")))
    }

    func handIn(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let homeworkID = try req.id("homeworkId")
        let b = try req.decodeStrict(HandInBody.self)
        return try .json(try await SubmissionService(req.parta.context).handIn(actor, homeworkID: homeworkID, text: b.text ?? "", fileIDs: b.fileIds ?? []))
    }

    func check(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let submissionID = try req.id("submissionId")
        let b = try req.decodeStrict(CheckBody.self)
        guard let decision = SubmissionService.Decision(rawValue: b.decision) else {
            throw PartaError.invalid("decision", "Решение: return (вернуть на доработку) или accept (принять).")
        }
        let grade = try b.grade.map { g -> (GradeValue, UUID?) in
            guard let value = GradeValue(rawValue: g.value) else { throw PartaError.invalid("grade", "Оценка: 5, 4, 3, 2, 1, pass, fail.") }
            return (value, g.workKindId)
        }
        return try .json(try await SubmissionService(req.parta.context).check(actor, submissionID: submissionID, decision: decision,
                                                                               comment: b.comment ?? "", grade: grade))
    }

    func limits(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await HomeworkService(req.parta.context).limits(actor, schoolID: try req.id("schoolId")))
    }

    func setLimits(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let b = try req.decodeStrict(LimitsBody.self)
        return try .json(try await HomeworkService(req.parta.context).setLimits(actor, schoolID: schoolID, limits: b.limits))
    }

    func upload(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Файл отправляется как multipart/form-data (поле file).")
        }
        guard let form = try? MultipartForm(request: req), let part = form.file("file") else {
            throw PartaError(.badRequest, "invalid_body", "Не удалось прочитать файл (multipart/form-data, поле file).")
        }
        let view = try await JournalFileService(req.parta.context).upload(actor, schoolID: try req.id("schoolId"), fileName: part.filename ?? "", data: part.data)
        return try .json(view, status: .created)
    }

    /// Downloaded, never shown inline: a hand-in is whatever a student uploaded.
    func download(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (file, url) = try await JournalFileService(req.parta.context).download(actor, fileID: try req.id("journalFileId"))
        let response = try await req.fileio.asyncStreamFile(at: url.path, mediaType: HTTPMediaType(type: "application", subType: "octet-stream"))
        response.headers.replaceOrAdd(name: .contentType, value: "application/octet-stream")
        response.headers.replaceOrAdd(name: .contentDisposition, value: SchoolController.attachment(file.fileName))
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}

struct HomeworkBody: StrictBody {
    static let allowedKeys: Set<String> = ["text", "minutes", "dueDate", "dueLessonId", "groupId", "studentIds", "fileIds", "confirmOverload"]
    let text: String
    let minutes: Int
    let dueDate: LocalDate?
    let dueLessonId: UUID?
    let groupId: UUID?
    let studentIds: [UUID]?
    let fileIds: [UUID]?
    let confirmOverload: Bool?

    var input: HomeworkService.Input {
        .init(text: text, minutes: minutes, dueDate: dueDate, dueLessonID: dueLessonId, groupID: groupId, studentIDs: studentIds,
              fileIDs: fileIds, confirmOverload: confirmOverload ?? false)
    }
}

struct HomeworkPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["text", "minutes", "dueDate", "dueLessonId", "fileIds", "confirmOverload"]
    let text: String?
    let minutes: Int?
    let dueDate: LocalDate?
    let dueLessonId: UUID?
    let fileIds: [UUID]?
    let confirmOverload: Bool?
}

struct HandInBody: StrictBody {
    static let allowedKeys: Set<String> = ["text", "fileIds"]
    let text: String?
    let fileIds: [UUID]?
}

struct CheckBody: StrictBody {
    struct Grade: Decodable { let value: String; let workKindId: UUID? }
    static let allowedKeys: Set<String> = ["decision", "comment", "grade"]
    let decision: String
    let comment: String?
    let grade: Grade?
}

struct LimitsBody: StrictBody {
    static let allowedKeys: Set<String> = ["limits"]
    let limits: [String: Int]
}
