import Foundation
import PartaCore
import Vapor

/// The e-journal's base (issue 14): the school year and bells, subjects, class groups, teaching
/// assignments, the weekly timetable, lessons and each person's week.
struct JournalController {
    // MARK: School year

    func schoolYear(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let academicYear: String? }
        let year = try QueryInt.parse((try? req.query.decode(Query.self))?.academicYear, "academicYear")
        return try .json(try await SchoolYearService(req.parta.context).get(actor, schoolID: try req.id("schoolId"), academicYear: year))
    }

    func saveSchoolYear(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let body = try req.decodeStrict(SchoolYearBody.self)
        let input = SchoolYearService.Input(academicYear: body.academicYear, termSystem: body.termSystem, weekDays: body.weekDays,
                                            terms: body.terms, daysOff: body.daysOff ?? [], bells: body.bells)
        return try .json(try await SchoolYearService(req.parta.context).put(actor, schoolID: schoolID, input: input))
    }

    // MARK: Subjects

    func subjects(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let includeArchived: String? }
        let all = try QueryFlag.parse((try? req.query.decode(Query.self))?.includeArchived, "includeArchived") ?? false
        let items = try await SubjectService(req.parta.context).list(actor, schoolID: try req.id("schoolId"), includeArchived: all)
        return try .json(ItemsResponse(items: items))
    }

    func createSubject(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let body = try req.decodeStrict(SubjectCreateBody.self)
        return try .json(try await SubjectService(req.parta.context).create(actor, schoolID: schoolID, name: body.name), status: .created)
    }

    func updateSubject(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let subjectID = try req.id("subjectId")
        let body = try req.decodeStrict(SubjectPatchBody.self)
        return try .json(try await SubjectService(req.parta.context).update(actor, subjectID: subjectID, name: body.name, archived: body.archived))
    }

    // MARK: Groups

    func groups(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await ClassGroupService(req.parta.context).list(actor, classID: try req.id("classId"))))
    }

    func createGroup(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let classID = try req.id("classId")
        let body = try req.decodeStrict(GroupBody.self)
        guard let name = body.name else { throw PartaError.invalid("name", "Укажите название группы.") }
        let group = try await ClassGroupService(req.parta.context).create(actor, classID: classID, name: name, memberIDs: body.memberIds ?? [])
        return try .json(group, status: .created)
    }

    func updateGroup(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let groupID = try req.id("groupId")
        let body = try req.decodeStrict(GroupBody.self)
        return try .json(try await ClassGroupService(req.parta.context).update(actor, groupID: groupID, name: body.name, memberIDs: body.memberIds))
    }

    func deleteGroup(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await ClassGroupService(req.parta.context).delete(actor, groupID: try req.id("groupId"))
        return .noContent()
    }

    // MARK: Assignments and load

    func assignments(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let classId: String?; let teacherId: String? }
        let q = try? req.query.decode(Query.self)
        let items = try await AssignmentService(req.parta.context).list(actor, schoolID: try req.id("schoolId"),
                                                                        classID: try QueryID.parse(q?.classId, "classId"),
                                                                        teacherID: try QueryID.parse(q?.teacherId, "teacherId"))
        return try .json(ItemsResponse(items: items))
    }

    func createAssignment(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let b = try req.decodeStrict(AssignmentBody.self)
        let made = try await AssignmentService(req.parta.context).create(actor, schoolID: schoolID, classID: b.classId, subjectID: b.subjectId,
                                                                         groupID: b.groupId, teacherID: b.teacherId)
        return try .json(made, status: .created)
    }

    func deleteAssignment(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await AssignmentService(req.parta.context).delete(actor, assignmentID: try req.id("assignmentId"))
        return .noContent()
    }

    func teachingLoad(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let academicYear: String? }
        let year = try QueryInt.parse((try? req.query.decode(Query.self))?.academicYear, "academicYear")
        let items = try await TimetableService(req.parta.context).teachingLoad(actor, schoolID: try req.id("schoolId"), academicYear: year)
        return try .json(ItemsResponse(items: items))
    }

    // MARK: Timetable

    func timetable(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await TimetableService(req.parta.context).get(actor, classID: try req.id("classId")))
    }

    func saveTimetable(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let classID = try req.id("classId")
        let body = try req.decodeStrict(TimetableBody.self)
        let cells = body.entries.map {
            TimetableService.Cell(weekday: $0.weekday, period: $0.period, subjectID: $0.subjectId, teacherID: $0.teacherId,
                                  groupID: $0.groupId, room: $0.room ?? "")
        }
        return try .json(try await TimetableService(req.parta.context).put(actor, classID: classID, shift: body.shift, cells: cells))
    }

    // MARK: Lessons

    func mySchedule(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let from: String?; let days: String?; let childId: String? }
        let q = try? req.query.decode(Query.self)
        let from = try QueryDate.parse(q?.from, "from")
        let days = try QueryInt.parse(q?.days, "days")
        let child = try QueryID.parse(q?.childId, "childId")
        return try .json(try await LessonService(req.parta.context).schedule(actor, personID: child, from: from, days: days))
    }

    /// `GET /me/grades?childId=&term=`: a student's grades by subject (their own, or a parent's child's).
    func myGrades(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let childId: String?; let term: String? }
        let q = try? req.query.decode(Query.self)
        let child = try QueryID.parse(q?.childId, "childId")
        var period: MarkPeriod?
        if let raw = q?.term {
            guard let p = MarkPeriod(raw) else { throw PartaError.invalid("term", "Четверть (1–4) или «year».") }
            period = p
        }
        return try .json(try await ReportCardService(req.parta.context).card(actor, personID: child, period: period))
    }

    func classLessons(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let from: String?; let to: String? }
        let q = try? req.query.decode(Query.self)
        guard let from = try QueryDate.parse(q?.from, "from") else { throw PartaError.invalid("from", "Укажите начало: ГГГГ-ММ-ДД.") }
        let to = try QueryDate.parse(q?.to, "to") ?? from.adding(days: 6)
        let items = try await LessonService(req.parta.context).classLessons(actor, classID: try req.id("classId"), from: from, to: to)
        return try .json(ItemsResponse(items: items))
    }

    func lesson(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await LessonService(req.parta.context).get(actor, lessonID: try req.id("lessonId")))
    }

    func updateLesson(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let lessonID = try req.id("lessonId")
        let b = try req.decodeStrict(LessonPatchBody.self)
        let patch = LessonService.Patch(topic: b.topic, note: b.note, room: b.room, teacherID: b.teacherId, date: b.date,
                                        period: b.period, status: b.status)
        return try .json(try await LessonService(req.parta.context).update(actor, lessonID: lessonID, patch: patch))
    }

    func createLesson(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let b = try req.decodeStrict(ExtraLessonBody.self)
        let extra = LessonService.Extra(classID: b.classId, groupID: b.groupId, subjectID: b.subjectId, teacherID: b.teacherId,
                                        date: b.date, period: b.period, room: b.room ?? "")
        return try .json(try await LessonService(req.parta.context).createExtra(actor, schoolID: schoolID, extra: extra), status: .created)
    }

    func generateLessons(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let schoolID = try req.id("schoolId")
        let b = try req.decodeStrict(GenerateBody.self)
        return try .json(try await LessonService(req.parta.context).generate(actor, schoolID: schoolID, from: b.from, to: b.to))
    }
}

struct SchoolYearBody: StrictBody {
    static let allowedKeys: Set<String> = ["academicYear", "termSystem", "weekDays", "terms", "daysOff", "bells"]
    let academicYear: Int
    let termSystem: TermSystem
    let weekDays: Int
    let terms: [SchoolCalendar.Term]
    let daysOff: [SchoolCalendar.DayOff]?
    let bells: [BellPeriod]?
}

struct SubjectCreateBody: StrictBody {
    static let allowedKeys: Set<String> = ["name"]
    let name: String
}

struct SubjectPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "archived"]
    let name: String?
    let archived: Bool?
}

struct GroupBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "memberIds"]
    let name: String?
    let memberIds: [UUID]?
}

struct AssignmentBody: StrictBody {
    static let allowedKeys: Set<String> = ["classId", "subjectId", "groupId", "teacherId"]
    let classId: UUID
    let subjectId: UUID
    let groupId: UUID?
    let teacherId: UUID
}

struct TimetableBody: StrictBody {
    struct Entry: Decodable {
        let weekday: Int
        let period: Int
        let subjectId: UUID
        let teacherId: UUID
        let groupId: UUID?
        let room: String?
    }
    static let allowedKeys: Set<String> = ["shift", "entries"]
    let shift: Int?
    let entries: [Entry]
}

struct LessonPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["topic", "note", "room", "teacherId", "date", "period", "status"]
    let topic: String?
    let note: String?
    let room: String?
    let teacherId: UUID?
    let date: LocalDate?
    let period: Int?
    let status: LessonStatus?
}

struct ExtraLessonBody: StrictBody {
    static let allowedKeys: Set<String> = ["classId", "groupId", "subjectId", "teacherId", "date", "period", "room"]
    let classId: UUID
    let groupId: UUID?
    let subjectId: UUID
    let teacherId: UUID
    let date: LocalDate
    let period: Int
    let room: String?
}

struct GenerateBody: StrictBody {
    static let allowedKeys: Set<String> = ["from", "to"]
    let from: LocalDate
    let to: LocalDate
}

/// An optional integer query parameter; anything else is a 400 naming it.
enum QueryInt {
    static func parse(_ raw: String?, _ name: String) throws -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.count <= 9, let value = Int(raw) else { throw PartaError.invalid(name, "Ожидается целое число.") }
        return value
    }
}

/// An optional `YYYY-MM-DD` query parameter.
enum QueryDate {
    static func parse(_ raw: String?, _ name: String) throws -> LocalDate? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let date = LocalDate(raw) else { throw PartaError.invalid(name, "Ожидается дата ГГГГ-ММ-ДД.") }
        return date
    }
}
