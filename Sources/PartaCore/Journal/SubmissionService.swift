import FluentKit
import Foundation

/// Hand-ins (issue 14 item 7; §6.3): a student hands in text and files for a homework that is for
/// them, and may hand in again until the teacher checks it; after the deadline it is marked late.
/// The homework's teacher sees who handed in and who did not, returns a hand-in for rework with a
/// comment or accepts it; the student and the parents see the feedback and get a notice.
public struct SubmissionService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let noticeType = "journal.changed"

    public func handIn(_ actor: Actor, homeworkID: UUID, text raw: String, fileIDs: [UUID]) async throws -> SubmissionView {
        let now = ctx.clock.now()
        let (saved, teacherID): (SubmissionRecord, UUID) = try await ctx.store.write { db in
            let hw = try await HomeworkService.visibleHomework(actor, homeworkID, on: db)
            let ties = try await LessonService.ties(actor, classID: hw.classID, on: db)
            let h = try await HomeworkService.homeworkTies(actor, hw, ties: ties, on: db)
            guard Policy.canHandIn(actor, schoolID: hw.schoolID, homework: h) else {
                throw PartaError(.forbidden, "forbidden", "Сдаёт работу ученик, которому задано задание.")
            }
            let text = Text.cleanLines(raw)
            guard text.count <= 10_000 else { throw PartaError.invalid("text", "Ответ — до 10 000 знаков.") }
            guard !text.isEmpty || !fileIDs.isEmpty else { throw PartaError.invalid("text", "Напишите ответ или приложите файл.") }
            let existing = try await SubmissionRecord.query(on: db).filter(\.$homeworkID == homeworkID).filter(\.$studentID == actor.userID).first()
            if existing?.status == SubmissionStatus.accepted.rawValue {
                throw PartaError(.conflict, "submission_accepted", "Работа уже принята учителем.")
            }
            let s = existing ?? SubmissionRecord()
            if existing == nil {
                s.schoolID = hw.schoolID; s.homeworkID = homeworkID; s.studentID = actor.userID; s.createdAt = now; s.comment = ""
            }
            s.text = text; s.status = SubmissionStatus.submitted.rawValue; s.submittedAt = now; s.late = now > hw.dueAt
            try await s.save(on: db)
            var dropped = JournalFileRecord.query(on: db).filter(\.$submissionID == s.id!)
            if !fileIDs.isEmpty { dropped = dropped.filter(\.$id !~ fileIDs) }
            try await dropped.set(\.$submissionID, to: nil).update()
            try await JournalFileService.attach(fileIDs, by: actor, schoolID: hw.schoolID, submissionID: s.id!, on: db)
            return (s, hw.teacherID)
        }
        await ctx.events.publish(.notice(userIDs: [teacherID], type: Self.noticeType, data: Self.noticeData("handedIn", homeworkID)))
        return try await Self.views([saved], on: ctx.store.db)[0]
    }

    /// Everyone the homework is for, with their hand-ins: its teacher, the class's homeroom
    /// teacher and teachers, the leadership.
    public func handIns(_ actor: Actor, homeworkID: UUID) async throws -> HandInsView {
        let db = ctx.store.db
        let hw = try await HomeworkService.visibleHomework(actor, homeworkID, on: db)
        let ties = try await LessonService.ties(actor, classID: hw.classID, on: db)
        guard Policy.readsClassHomework(actor, schoolID: hw.schoolID, classID: hw.classID, homeworkTeacherID: hw.teacherID, ties: ties) else {
            throw PartaError(.forbidden, "forbidden", "Сданные работы видят учителя класса.")
        }
        let students = try await Self.audienceStudents(hw, on: db)
        let names = try await Journal.names(students, on: db)
        let submissions = try await Self.views(try await SubmissionRecord.query(on: db).filter(\.$homeworkID == homeworkID).all(), on: db)
        let byStudent = Dictionary(uniqueKeysWithValues: submissions.map { ($0.studentId, $0) })
        let rows = Set(students).union(byStudent.keys).map { id in
            HandInsView.Row(studentId: id, studentName: names[id] ?? byStudent[id]?.studentName ?? "", submission: byStudent[id])
        }.sorted { $0.studentName < $1.studentName }
        return HandInsView(homework: try await HomeworkService.views(actor, [hw], on: db)[0], students: rows)
    }

    public enum Decision: String, Sendable { case `return`, accept }

    /// The homework's teacher returns a hand-in for rework or accepts it, with a comment, and may
    /// grade it from the same screen: the grade goes to the homework's lesson, its 7-day clock
    /// running from when the work arrived (`GradeService.setGradeForSubmission`).
    public func check(_ actor: Actor, submissionID: UUID, decision: Decision, comment raw: String,
                      grade: (value: GradeValue, workKindID: UUID?)? = nil) async throws -> SubmissionView {
        let now = ctx.clock.now()
        if let grade {
            // Who may and what is said are checked first; the grade, then the decision.
            let db = ctx.store.db
            guard let s = try await SubmissionRecord.find(submissionID, on: db) else { throw PartaError.notFound("Работа") }
            let hw = try await HomeworkService.visibleHomework(actor, s.homeworkID, on: db)
            guard Policy.canCheckHandIns(actor, schoolID: hw.schoolID, homeworkTeacherID: hw.teacherID) else {
                throw PartaError(.forbidden, "forbidden", "Работы проверяет учитель, который задал задание.")
            }
            if decision == .return && Text.cleanLines(raw).isEmpty { throw PartaError.invalid("comment", "Напишите, что доработать.") }
            _ = try await GradeService(ctx).setGradeForSubmission(actor, lessonID: hw.lessonID, submissionID: submissionID, arrivedAt: s.submittedAt,
                                                                 input: .init(studentID: s.studentID, workKindID: grade.workKindID, value: grade.value))
        }
        let (saved, notify): (SubmissionRecord, [UUID]) = try await ctx.store.write { db in
            guard let s = try await SubmissionRecord.find(submissionID, on: db) else { throw PartaError.notFound("Работа") }
            let hw = try await HomeworkService.visibleHomework(actor, s.homeworkID, on: db)
            let ties = try await LessonService.ties(actor, classID: hw.classID, on: db)
            guard Policy.readsClassHomework(actor, schoolID: hw.schoolID, classID: hw.classID, homeworkTeacherID: hw.teacherID, ties: ties) else {
                throw PartaError.notFound("Работа")
            }
            guard Policy.canCheckHandIns(actor, schoolID: hw.schoolID, homeworkTeacherID: hw.teacherID) else {
                throw PartaError(.forbidden, "forbidden", "Работы проверяет учитель, который задал задание.")
            }
            let comment = Text.cleanLines(raw)
            guard comment.count <= 2_000 else { throw PartaError.invalid("comment", "Комментарий — до 2000 знаков.") }
            if decision == .return && comment.isEmpty { throw PartaError.invalid("comment", "Напишите, что доработать.") }
            s.status = (decision == .accept ? SubmissionStatus.accepted : .returned).rawValue
            s.comment = comment; s.checkedBy = actor.userID; s.checkedAt = now
            try await s.save(on: db)
            let parents = try await FamilyLinkRecord.query(on: db).filter(\.$childID == s.studentID).filter(\.$schoolID == hw.schoolID).all().map(\.parentID)
            return (s, [s.studentID] + parents)
        }
        await ctx.events.publish(.notice(userIDs: notify, type: Self.noticeType,
                                         data: Self.noticeData(decision == .accept ? "accepted" : "returned", saved.homeworkID)))
        return try await Self.views([saved], on: ctx.store.db)[0]
    }

    static func noticeData(_ kind: String, _ homeworkID: UUID) -> String {
        #"{"kind":"\#(kind)","homeworkId":"\#(homeworkID.uuidString)"}"#
    }

    /// The students a homework is for, now.
    static func audienceStudents(_ hw: HomeworkRecord, on db: any Database) async throws -> [UUID] {
        if hw.forChosen {
            return try await HomeworkStudentRecord.query(on: db).filter(\.$homeworkID == hw.id!).all().map(\.studentID)
        }
        if let group = hw.groupID {
            return try await ClassGroupMemberRecord.query(on: db).filter(\.$groupID == group).all().map(\.userID)
        }
        return try await ClassMemberRecord.query(on: db).filter(\.$classID == hw.classID).filter(\.$role == SchoolRole.student.rawValue).all().map(\.userID)
    }

    static func views(_ rows: [SubmissionRecord], on db: any Database) async throws -> [SubmissionView] {
        guard !rows.isEmpty else { return [] }
        let names = try await Journal.names(rows.map(\.studentID), on: db)
        let files = Dictionary(grouping: try await JournalFileRecord.query(on: db).filter(\.$submissionID ~~ rows.compactMap(\.id)).all(),
                               by: { $0.submissionID! })
        var grades: [UUID: String] = [:]
        for g in try await GradeRecord.query(on: db).filter(\.$submissionID ~~ rows.compactMap(\.id)).all() {
            if let id = g.submissionID { grades[id] = GradeValue(rawValue: g.value)?.russian ?? g.value }
        }
        return rows.map { s in
            SubmissionView(id: s.id!, homeworkId: s.homeworkID, studentId: s.studentID, studentName: names[s.studentID] ?? "", text: s.text,
                           status: SubmissionStatus(rawValue: s.status) ?? .submitted, submittedAt: s.submittedAt, late: s.late,
                           checkedAt: s.checkedAt, comment: s.comment, files: (files[s.id!] ?? []).map(JournalFileService.view),
                           grade: grades[s.id!])
        }
    }
}
