import Foundation
import PartaCore
import Vapor

/// Grades, attendance, term marks, the grade sheet, the school's kinds of work and the journal's
/// change history (issue 14 items 8, 9, 11).
struct GradeController {
    // MARK: The school's grading

    func grading(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await GradingService(req.parta.context).get(actor, schoolID: try req.id("schoolId")))
    }

    func saveGrading(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let body = try req.decodeStrict(GradingBody.self)
        return try .json(try await GradingService(req.parta.context).setUsesOne(actor, schoolID: schoolID, usesOne: body.usesOne))
    }

    func createWorkKind(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let body = try req.decodeStrict(WorkKindCreateBody.self)
        let made = try await GradingService(req.parta.context).createKind(actor, schoolID: schoolID, name: body.name, weight: body.weight)
        return try .json(made, status: .created)
    }

    func updateWorkKind(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let kindID = try req.id("workKindId")
        let body = try req.decodeStrict(WorkKindPatchBody.self)
        return try .json(try await GradingService(req.parta.context).updateKind(actor, kindID: kindID, name: body.name, weight: body.weight,
                                                                                archived: body.archived))
    }

    // MARK: A lesson's grades and attendance

    func lessonMarks(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await GradeService(req.parta.context).lessonMarks(actor, lessonID: try req.id("lessonId")))
    }

    func setGrade(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let lessonID = try req.id("lessonId")
        let b = try req.decodeStrict(GradeBody.self)
        let input = GradeService.GradeInput(studentID: b.studentId, workKindID: b.workKindId, value: b.value, comment: b.comment)
        return try .json(try await GradeService(req.parta.context).setGrade(actor, lessonID: lessonID, input: input))
    }

    func deleteGrade(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await GradeService(req.parta.context).deleteGrade(actor, gradeID: try req.id("gradeId"))
        return .noContent()
    }

    func setAttendance(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let lessonID = try req.id("lessonId")
        let b = try req.decodeStrict(AttendanceBody.self)
        guard (b.marks?.count ?? 0) <= 60 else { throw PartaError.invalid("marks", "Не больше 60 отметок за раз.") }
        let marks = (b.marks ?? []).map { GradeService.AttendanceInput(studentID: $0.studentId, status: $0.status, reason: $0.reason) }
        let items = try await GradeService(req.parta.context).setAttendance(actor, lessonID: lessonID, marks: marks, allPresent: b.allPresent ?? false)
        return try .json(ItemsResponse(items: items))
    }

    // MARK: The grade sheet and term marks

    func sheet(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let subjectId: String?; let term: String?; let groupId: String?; let academicYear: String? }
        let q = try? req.query.decode(Query.self)
        let classID = try req.id("classId")
        guard let subjectID = try QueryID.parse(q?.subjectId, "subjectId") else { throw PartaError.invalid("subjectId", "Укажите предмет.") }
        var period: MarkPeriod?
        if let raw = q?.term, !raw.isEmpty {
            guard let p = MarkPeriod(raw) else { throw PartaError.invalid("term", "Период: 1–4 или year.") }
            period = p
        }
        let sheet = try await GradeSheetService(req.parta.context).sheet(
            actor, classID: classID, subjectID: subjectID, period: period, groupID: try QueryID.parse(q?.groupId, "groupId"),
            academicYear: try QueryInt.parse(q?.academicYear, "academicYear"))
        return .json(encoded: sheet.json())
    }

    func setTermMark(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let classID = try req.id("classId")
        let b = try req.decodeStrict(TermMarkBody.self)
        return try .json(try await GradeSheetService(req.parta.context).setTermMark(actor, classID: classID, subjectID: b.subjectId,
                                                                                   studentID: b.studentId, period: b.term, value: b.value))
    }

    func deleteTermMark(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await GradeSheetService(req.parta.context).deleteTermMark(actor, markID: try req.id("termMarkId"))
        return .noContent()
    }

    // MARK: The history

    func changes(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let classId: String?; let studentId: String?; let lessonId: String?; let page: String?; let perPage: String? }
        let q = try? req.query.decode(Query.self)
        let filter = JournalChangeService.Filter(classID: try QueryID.parse(q?.classId, "classId"),
                                                 studentID: try QueryID.parse(q?.studentId, "studentId"),
                                                 lessonID: try QueryID.parse(q?.lessonId, "lessonId"))
        let (page, perPage) = try Paging.parse(page: q?.page, perPage: q?.perPage)
        return try .json(try await JournalChangeService(req.parta.context).list(actor, schoolID: try req.id("schoolId"), filter: filter,
                                                                               page: page, perPage: perPage))
    }
}

struct GradingBody: StrictBody {
    static let allowedKeys: Set<String> = ["usesOne"]
    let usesOne: Bool
}

struct WorkKindCreateBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "weight"]
    let name: String
    let weight: Double
}

struct WorkKindPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "weight", "archived"]
    let name: String?
    let weight: Double?
    let archived: Bool?
}

struct GradeBody: StrictBody {
    static let allowedKeys: Set<String> = ["studentId", "workKindId", "value", "comment"]
    let studentId: UUID
    let workKindId: UUID?
    let value: GradeValue
    let comment: String?
}

struct AttendanceBody: StrictBody {
    struct Mark: Decodable {
        let studentId: UUID
        let status: AttendanceStatus
        let reason: AbsenceReason?
    }
    static let allowedKeys: Set<String> = ["marks", "allPresent"]
    let marks: [Mark]?
    let allPresent: Bool?
}

struct TermMarkBody: StrictBody {
    static let allowedKeys: Set<String> = ["subjectId", "studentId", "term", "value"]
    let subjectId: UUID
    let studentId: UUID
    let term: MarkPeriod
    let value: TermMarkValue
}
