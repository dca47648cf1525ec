import FluentKit
import Foundation
import SQLKit

/// Grades and attendance of a lesson (issue 14 items 8, 9, 11; §5.2). The lesson's own confirmed
/// teacher writes them, from the lesson's day on and not on a cancelled lesson; every change is
/// kept (`journal_changes`); a grade set, changed or removed sends the student and their parents a
/// `grade.changed` notice after the commit. Reads follow `Policy.marksScope`.
public struct GradeService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let changedNotice = "grade.changed"

    // MARK: Reading a lesson's marks

    public func lessonMarks(_ actor: Actor, lessonID: UUID) async throws -> LessonMarksView {
        let db = ctx.store.db
        let (lesson, school) = try await LessonService.visibleLesson(actor, lessonID, on: db)
        let ties = try await LessonService.ties(actor, classID: lesson.classID, on: db)
        let teaches = try await MarksData.teachesSubject(actor.userID, lesson: lesson, on: db)
        let scope = Policy.marksScope(actor, schoolID: lesson.schoolID, classID: lesson.classID, teachesSubject: teaches, ties: ties)
        let usesOne = try await MarksData.usesOne(schoolID: lesson.schoolID, on: db)
        let kinds = try await MarksData.workKinds(schoolID: lesson.schoolID, on: db)
        var students: [LessonMarksView.Student] = []
        let ids = try await MarksData.lessonStudents(lesson, on: db).filter(scope.includes)
        if !ids.isEmpty {
            let names = try await Journal.names(ids, on: db)
            let grades = Dictionary(grouping: try await GradeRecord.query(on: db).filter(\.$lessonID == lessonID)
                .filter(\.$studentID ~~ ids).all(), by: \.studentID)
            let marks = Dictionary(try await AttendanceRecord.query(on: db).filter(\.$lessonID == lessonID)
                .filter(\.$studentID ~~ ids).all().map { ($0.studentID, $0) }, uniquingKeysWith: { a, _ in a })
            students = ids.map { id in
                LessonMarksView.Student(id: id, fullName: names[id] ?? "", attendance: marks[id].map(MarksData.view),
                                        grades: (grades[id] ?? []).map(MarksData.view))
            }
            .sorted { ($0.fullName, $0.id.uuidString) < ($1.fullName, $1.id.uuidString) }
        }
        let blocked = MarksData.blocked(lesson, today: LocalDate(ctx.clock.now(), in: Journal.timeZone(school)))
        return LessonMarksView(
            lessonId: lessonID, classId: lesson.classID, subjectId: lesson.subjectID,
            canMark: Policy.canMarkLesson(actor, schoolID: lesson.schoolID, teacherID: lesson.teacherID) && blocked == nil,
            markBlocked: Policy.canMarkLesson(actor, schoolID: lesson.schoolID, teacherID: lesson.teacherID) ? blocked : nil,
            lateAfter: lesson.endsAt.addingTimeInterval(Grading.deadline), usesOne: usesOne,
            workKinds: kinds.map(MarksData.view), defaultWorkKindId: kinds.first { !$0.archived }?.id, students: students)
    }

    // MARK: Grades

    public struct GradeInput: Sendable {
        public var studentID: UUID
        /// Nil: the school's default kind (the first active one).
        public var workKindID: UUID?
        public var value: GradeValue
        public var comment: String?
        public init(studentID: UUID, workKindID: UUID?, value: GradeValue, comment: String? = nil) {
            self.studentID = studentID; self.workKindID = workKindID; self.value = value; self.comment = comment
        }
    }

    /// Sets a student's grade of one kind at a lesson (made, or changed). Its 7-day clock runs from
    /// the lesson's end.
    public func setGrade(_ actor: Actor, lessonID: UUID, input: GradeInput) async throws -> GradeView {
        try await set(actor, lessonID: lessonID, input: input, submission: nil)
    }

    /// A grade for a submission (a homework hand-in) that appears in `lessonID`'s column: its
    /// 7-day clock runs from when the work arrived (§5.2 «после получения и проверки заданий»).
    /// The submission's owner checks that `studentID` handed it in; the rules of the lesson apply.
    public func setGradeForSubmission(_ actor: Actor, lessonID: UUID, submissionID: UUID, arrivedAt: Date,
                                      input: GradeInput) async throws -> GradeView {
        try await set(actor, lessonID: lessonID, input: input, submission: (submissionID, arrivedAt))
    }

    /// The checks read first, outside the write (who may, the student at the lesson, the kind, the
    /// scale); the write itself is four statements — the lesson again (locked on PostgreSQL: a
    /// lesson's marks change one request at a time; cancelled meanwhile → 409), the grade there,
    /// its insert or update, the change kept — so the serial part of a save stays short when many
    /// teachers grade at once.
    private func set(_ actor: Actor, lessonID: UUID, input: GradeInput, submission: (id: UUID, arrivedAt: Date)?) async throws -> GradeView {
        let comment = Text.cleanLines(input.comment ?? "")
        let now = ctx.clock.now()
        let db = ctx.store.db
        let lesson = try await MarksData.markable(actor, lessonID: lessonID, now: now, workArrived: submission != nil, lock: false, on: db)
        guard try await MarksData.attends(lesson, studentID: input.studentID, on: db) else { throw PartaError.notFound("Ученик") }
        let kind = try await MarksData.workKind(input.workKindID, schoolID: lesson.schoolID, on: db)
        let usesOne = input.value == .one ? try await MarksData.usesOne(schoolID: lesson.schoolID, on: db) : true
        guard input.value.allowed(usesOne: usesOne) else {
            throw PartaError(.conflict, "mark_not_in_scale", "В школе не ставят «1»: её шкала — от 2 до 5.")
        }
        guard comment.count <= 300 else { throw PartaError.invalid("comment", "Комментарий — до 300 знаков.") }
        let kindID = kind.id!, kindName = kind.name, student = input.studentID, value = input.value
        let (grade, notice): (GradeView, Notice?) = try await ctx.store.write { db in
            let sql = db as! any SQLDatabase   // both drivers' databases are
            let ids = RowIDs(sql)
            let lock: SQLQueryString = sql.dialect.name == "sqlite" ? "" : " FOR UPDATE"
            guard let status = try await sql.raw("SELECT status FROM lessons WHERE id = \(bind: lessonID)\(lock)").first()?
                .decode(column: "status", as: String.self) else { throw PartaError.notFound("Урок") }
            guard status != LessonStatus.cancelled.rawValue else { throw PartaError(.conflict, "lesson_cancelled", "Урок отменён.") }
            let existing = try await sql.raw("""
                SELECT id, value, comment, submission_id, late, created_at, updated_at FROM grades
                WHERE lesson_id = \(bind: lessonID) AND student_id = \(bind: student) AND work_kind_id = \(bind: kindID)
                """).first()
            var view: GradeView
            var old: GradeValue?
            if let existing {
                old = GradeValue(rawValue: try existing.decode(column: "value", as: String.self))
                view = GradeView(id: try ids.id(existing, "id"), lessonId: lessonID, studentId: student, workKindId: kindID,
                                 value: old ?? value, comment: try existing.decode(column: "comment", as: String.self),
                                 submissionId: try ids.optionalID(existing, "submission_id"), late: try existing.decode(column: "late", as: Bool.self),
                                 createdAt: try existing.decode(column: "created_at", as: Date.self),
                                 updatedAt: try existing.decode(column: "updated_at", as: Date.self))
                if old == value, view.comment == comment, submission == nil || view.submissionId == submission?.id {
                    return (view, nil)   // nothing changes
                }
                view.value = value; view.comment = comment; view.updatedAt = now
                if let submission { view.submissionId = submission.id }
                try await sql.raw("""
                    UPDATE grades SET value = \(bind: value.rawValue), comment = \(bind: comment), submission_id = \(bind: view.submissionId),
                      updated_by = \(bind: actor.userID), updated_at = \(bind: now) WHERE id = \(bind: view.id)
                    """).run()
            } else {
                let basis = submission?.arrivedAt ?? lesson.endsAt
                view = GradeView(id: UUID(), lessonId: lessonID, studentId: student, workKindId: kindID, value: value, comment: comment,
                                 submissionId: submission?.id, late: Grading.isLate(enteredAt: now, basis: basis), createdAt: now, updatedAt: now)
                try await sql.raw("""
                    INSERT INTO grades (id, school_id, class_id, subject_id, lesson_id, student_id, work_kind_id, value, comment, submission_id,
                      basis_at, late, created_by, created_at, updated_by, updated_at)
                    VALUES (\(bind: view.id), \(bind: lesson.schoolID), \(bind: lesson.classID), \(bind: lesson.subjectID), \(bind: lessonID),
                      \(bind: student), \(bind: kindID), \(bind: value.rawValue), \(bind: comment), \(bind: submission?.id), \(bind: basis),
                      \(bind: view.late), \(bind: actor.userID), \(bind: now), \(bind: actor.userID), \(bind: now))
                    """).run()
            }
            guard old != value else { return (view, nil) }
            try await MarksData.recordChange(actor, lesson: lesson, studentID: student, kind: "grade",
                                             detail: "\(kindName), \(LocalDate(lesson.date)?.russianDayAndMonth ?? lesson.date)",
                                             old: old?.russian ?? "", new: value.russian, at: now, on: db)
            return (view, Notice(studentID: student, schoolID: lesson.schoolID, lessonID: lessonID, subjectID: lesson.subjectID,
                                 date: lesson.date, kindName: kindName, value: value.rawValue, text: value.russian))
        }
        if let notice { await publish(notice) }
        return grade
    }

    public func deleteGrade(_ actor: Actor, gradeID: UUID) async throws {
        let now = ctx.clock.now()
        let notice: Notice = try await ctx.store.write { db in
            guard let g = try await GradeRecord.find(gradeID, on: db), Policy.canViewSchool(actor, schoolID: g.schoolID) else {
                throw PartaError.notFound("Оценка")
            }
            let lesson = try await MarksData.markable(actor, lessonID: g.lessonID, now: now, on: db)
            // Locked now: the row may have gone meanwhile.
            guard let row = try await GradeRecord.find(gradeID, on: db) else { throw PartaError.notFound("Оценка") }
            let kind = try await WorkKindRecord.find(row.workKindID, on: db)?.name ?? ""
            try await row.delete(on: db)
            let old = GradeValue(rawValue: row.value)?.russian ?? row.value
            try await MarksData.recordChange(actor, lesson: lesson, studentID: row.studentID, kind: "grade",
                                             detail: "\(kind), \(LocalDate(lesson.date)?.russianDayAndMonth ?? lesson.date)",
                                             old: old, new: "", at: now, on: db)
            return Notice(studentID: row.studentID, schoolID: lesson.schoolID, lessonID: lesson.id, subjectID: lesson.subjectID,
                          date: lesson.date, kindName: kind, value: nil, text: "оценка «\(old)» удалена")
        }
        await publish(notice)
    }

    // MARK: Attendance

    public struct AttendanceInput: Sendable {
        public var studentID: UUID
        public var status: AttendanceStatus
        /// Kept for an absence only.
        public var reason: AbsenceReason?
        public init(studentID: UUID, status: AttendanceStatus, reason: AbsenceReason? = nil) {
            self.studentID = studentID; self.status = status; self.reason = reason
        }
    }

    /// Marks the given students, then (with `allPresent`) everyone not marked yet as present — one
    /// tap at the start of a lesson. Returns the lesson's marks.
    public func setAttendance(_ actor: Actor, lessonID: UUID, marks: [AttendanceInput], allPresent: Bool,
                              source: AttendanceSource = .teacher) async throws -> [AttendanceView] {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            let lesson = try await MarksData.markable(actor, lessonID: lessonID, now: now, on: db)
            let students = Set(try await MarksData.lessonStudents(lesson, on: db))
            var wanted: [UUID: AttendanceInput] = [:]
            for m in marks {
                guard students.contains(m.studentID) else { throw PartaError.notFound("Ученик") }
                wanted[m.studentID] = AttendanceInput(studentID: m.studentID, status: m.status, reason: m.status == .absent ? m.reason : nil)
            }
            let rows = try await AttendanceRecord.query(on: db).filter(\.$lessonID == lessonID).all()
            var byStudent = Dictionary(rows.map { ($0.studentID, $0) }, uniquingKeysWith: { a, _ in a })
            if allPresent {
                for s in students where wanted[s] == nil && byStudent[s] == nil { wanted[s] = AttendanceInput(studentID: s, status: .present) }
            }
            let day = LocalDate(lesson.date)?.russianDayAndMonth ?? lesson.date
            for (student, m) in wanted.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                let existing = byStudent[student]
                if let existing, existing.status == m.status.rawValue, existing.reason == m.reason?.rawValue { continue }
                let row = existing ?? AttendanceRecord()
                let old = existing.map(Self.describe) ?? ""
                if existing == nil { row.schoolID = lesson.schoolID; row.lessonID = lessonID; row.studentID = student }
                row.status = m.status.rawValue; row.reason = m.reason?.rawValue; row.source = source.rawValue
                row.setBy = actor.userID; row.setAt = now
                try await row.save(on: db)
                byStudent[student] = row
                try await MarksData.recordChange(actor, lesson: lesson, studentID: student, kind: "attendance", detail: day,
                                                 old: old, new: Self.describe(row), at: now, on: db)
            }
            return byStudent.values.filter { students.contains($0.studentID) }.map(MarksData.view)
                .sorted { $0.studentId.uuidString < $1.studentId.uuidString }
        }
    }

    static func describe(_ a: AttendanceRecord) -> String {
        let status = AttendanceStatus(rawValue: a.status) ?? .present
        guard status == .absent, let reason = a.reason.flatMap(AbsenceReason.init) else { return status.russian }
        return "н (\(reason.russian))"
    }

    // MARK: Notices

    struct Notice: Sendable {
        var studentID: UUID
        var schoolID: UUID
        var lessonID: UUID?
        var subjectID: UUID
        var date: String?
        var kindName: String
        /// Nil when removed.
        var value: String?
        var text: String
        var period: String?
    }

    /// After the commit: the student and their parents (`Recipients.ofMarks`).
    func publish(_ n: Notice) async {
        guard let recipients = try? await Recipients(ctx).ofMarks(studentID: n.studentID, schoolID: n.schoolID), !recipients.isEmpty else { return }
        let names = try? await ctx.store.sql.raw("""
            SELECT (SELECT name FROM subjects WHERE id = \(bind: n.subjectID)) AS subject, (SELECT full_name FROM users WHERE id = \(bind: n.studentID)) AS student
            """).first()
        let subject = (try? names?.decode(column: "subject", as: String?.self)) ?? ""
        let studentName = (try? names?.decode(column: "student", as: String?.self)) ?? ""
        struct Payload: Encodable {
            var studentId: UUID, studentName: String, lessonId: UUID?, subjectId: UUID, subjectName: String, date: String?
            var workKind: String, value: String?, text: String, period: String?
        }
        let data = Payload(studentId: n.studentID, studentName: studentName, lessonId: n.lessonID, subjectId: n.subjectID,
                        subjectName: subject, date: n.date, workKind: n.kindName, value: n.value, text: n.text, period: n.period)
        guard let json = try? ChatEventLog.encode(data) else { return }
        await ctx.events.publish(.notice(userIDs: recipients, type: Self.changedNotice, data: json))
    }
}

/// The facts the grade services share: the school's scale and kinds, a lesson's students, locks,
/// the change history.
enum MarksData {
    static func usesOne(schoolID: UUID, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        return try await sql.raw("SELECT uses_one FROM grading_settings WHERE school_id = \(bind: schoolID)").first()?
            .decode(column: "uses_one", as: Bool.self) ?? false
    }

    /// The school's kinds of work in its order (archived ones too: old grades keep them).
    static func workKinds(schoolID: UUID, on db: any Database) async throws -> [WorkKindRecord] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let ids = RowIDs(sql)
        return try await sql.raw("""
            SELECT id, name, weight, position, archived, created_at FROM work_kinds WHERE school_id = \(bind: schoolID) ORDER BY position, name
            """).all().map { r in
            let k = WorkKindRecord()
            k.id = try ids.id(r, "id"); k.schoolID = schoolID; k.name = try r.decode(column: "name", as: String.self)
            k.weight = try r.decode(column: "weight", as: Double.self); k.position = try r.decode(column: "position", as: Int.self)
            k.archived = try r.decode(column: "archived", as: Bool.self); k.createdAt = try r.decode(column: "created_at", as: Date.self)
            return k
        }
    }

    /// An active kind of the school, or its default (the first active one).
    static func workKind(_ id: UUID?, schoolID: UUID, on db: any Database) async throws -> WorkKindRecord {
        if let id {
            guard let k = try await WorkKindRecord.find(id, on: db), k.schoolID == schoolID, !k.archived else {
                throw PartaError.notFound("Вид работы")
            }
            return k
        }
        guard let k = try await WorkKindRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$archived == false)
            .sort(\.$position).first() else { throw PartaError.notFound("Вид работы") }
        return k
    }

    /// The lesson's students: the class's, or its group's members among them.
    static func lessonStudents(_ lesson: LessonRecord, on db: any Database) async throws -> [UUID] {
        try await students(classID: lesson.classID, groupID: lesson.groupID, on: db)
    }

    static func students(classID: UUID, groupID: UUID?, on db: any Database) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let ids = RowIDs(sql)
        // Ids only, by column: a class's roster is read on every sheet and lesson page.
        let rows = if let groupID {
            try await sql.raw("""
                SELECT m.user_id FROM class_members m JOIN class_group_members g ON g.user_id = m.user_id AND g.group_id = \(bind: groupID)
                WHERE m.class_id = \(bind: classID) AND m.role = \(bind: SchoolRole.student.rawValue)
                """).all()
        } else {
            try await sql.raw("""
                SELECT user_id FROM class_members WHERE class_id = \(bind: classID) AND role = \(bind: SchoolRole.student.rawValue)
                """).all()
        }
        return try rows.map { try ids.id($0, "user_id") }
    }

    /// Whether the person teaches the lesson's subject in its class: the lesson is theirs, or an assignment says so.
    static func teachesSubject(_ userID: UUID, lesson: LessonRecord, on db: any Database) async throws -> Bool {
        if lesson.teacherID == userID { return true }
        return try await TeachingAssignmentRecord.query(on: db).filter(\.$classID == lesson.classID)
            .filter(\.$subjectID == lesson.subjectID).filter(\.$teacherID == userID).first() != nil
    }

    /// Why the lesson's teacher may not mark it now, or nil.
    static func blocked(_ lesson: LessonRecord, today: LocalDate) -> String? {
        if lesson.status == LessonStatus.cancelled.rawValue { return "Урок отменён." }
        if let day = LocalDate(lesson.date), day > today { return "Урок ещё не начался: отметки ставят с его дня." }
        return nil
    }

    /// The lesson, found and visible (404), its own confirmed teacher acting (403), markable now
    /// (409) — and, on PostgreSQL, locked until the commit, so a lesson's marks change one request
    /// at a time (no grade made twice, each change's "old" is the one before it). Its own teacher
    /// sees it by being its teacher; the ties that decide between 404 and 403 are looked up only
    /// for someone else (this runs inside the write: as few statements as it can).
    /// A hand-in's grade (`workArrived`) may come before the lesson's day: the work is there.
    static func markable(_ actor: Actor, lessonID: UUID, now: Date, workArrived: Bool = false, lock locking: Bool = true,
                         on db: any Database) async throws -> LessonRecord {
        guard let lesson = try await LessonService.record(lessonID, on: db), Policy.canViewSchool(actor, schoolID: lesson.schoolID) else {
            throw PartaError.notFound("Урок")
        }
        guard Policy.canMarkLesson(actor, schoolID: lesson.schoolID, teacherID: lesson.teacherID) else {
            _ = try await LessonService.visibleLesson(actor, lessonID, on: db)
            throw PartaError(.forbidden, "forbidden", "Оценки и посещаемость отмечает учитель этого урока (подтверждённый администратором).")
        }
        if let why = blocked(lesson, today: workArrived ? LocalDate(lesson.date) ?? LocalDate(now, in: .gmt)
                                                        : LocalDate(now, in: try await timeZone(schoolID: lesson.schoolID, on: db))) {
            throw PartaError(.conflict, lesson.status == LessonStatus.cancelled.rawValue ? "lesson_cancelled" : "lesson_not_started", why)
        }
        if locking { try await lock("lessons", lessonID, on: db) }
        return lesson
    }

    static func timeZone(schoolID: UUID, on db: any Database) async throws -> TimeZone {
        let name = try await (db as? any SQLDatabase)?.raw("SELECT timezone FROM schools WHERE id = \(bind: schoolID)").first()?
            .decode(column: "timezone", as: String.self)
        return name.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "Europe/Moscow")!
    }

    /// Whether the student is at the lesson: of its class (and of its group).
    static func attends(_ lesson: LessonRecord, studentID: UUID, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let inGroup: SQLQueryString = lesson.groupID.map {
            "AND EXISTS (SELECT 1 FROM class_group_members g WHERE g.group_id = \(bind: $0) AND g.user_id = m.user_id)"
        } ?? ""
        return try await sql.raw("""
            SELECT 1 AS one FROM class_members m WHERE m.class_id = \(bind: lesson.classID) AND m.user_id = \(bind: studentID)
              AND m.role = \(bind: SchoolRole.student.rawValue) \(inGroup)
            """).first() != nil
    }

    static func lock(_ table: String, _ id: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name != "sqlite" else { return }   // SQLite: one writer at a time already
        try await sql.raw("SELECT id FROM \(ident: table) WHERE id = \(bind: id) FOR UPDATE").run()
    }

    static func recordChange(_ actor: Actor, lesson: LessonRecord?, classID: UUID? = nil, subjectID: UUID? = nil, schoolID: UUID? = nil,
                             studentID: UUID, kind: String, detail: String, old: String, new: String, at: Date,
                             on db: any Database) async throws {
        // One INSERT, not the model's create (its reflection over the fields cost more than the statement).
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("""
            INSERT INTO journal_changes (id, school_id, class_id, subject_id, lesson_id, student_id, kind, detail, old_value, new_value, actor_id, at)
            VALUES (\(bind: UUID()), \(bind: lesson?.schoolID ?? schoolID!), \(bind: lesson?.classID ?? classID!), \(bind: lesson?.subjectID ?? subjectID!),
              \(bind: lesson?.id), \(bind: studentID), \(bind: kind), \(bind: String(detail.prefix(200))), \(bind: old), \(bind: new),
              \(bind: actor.userID), \(bind: at))
            """).run()
    }

    /// Lessons of these classes, from `from` to `to` by their timetable slot, that hold grades,
    /// attendance or materials: a regeneration keeps them (`LessonGenerator`).
    static func markedLessons(classIDs: [UUID], from: LocalDate, to: LocalDate, on db: any Database) async throws -> Set<UUID> {
        guard !classIDs.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        var out = Set<UUID>()
        for table in ["grades", "attendance", "lesson_materials"] {
            for row in try await sql.raw("""
                SELECT DISTINCT x.lesson_id FROM \(ident: table) x JOIN lessons l ON l.id = x.lesson_id
                WHERE l.class_id IN (\(binds: classIDs)) AND l.slot_date >= \(bind: from.description) AND l.slot_date <= \(bind: to.description)
                """).all() {
                out.insert(try row.decode(column: "lesson_id", as: UUID.self))
            }
        }
        return out
    }

    static func view(_ g: GradeRecord) -> GradeView {
        GradeView(id: g.id!, lessonId: g.lessonID, studentId: g.studentID, workKindId: g.workKindID,
                  value: GradeValue(rawValue: g.value) ?? .absent, comment: g.comment, submissionId: g.submissionID,
                  late: g.late, createdAt: g.createdAt, updatedAt: g.updatedAt)
    }

    static func view(_ a: AttendanceRecord) -> AttendanceView {
        AttendanceView(studentId: a.studentID, status: AttendanceStatus(rawValue: a.status) ?? .present,
                       reason: a.reason.flatMap(AbsenceReason.init), source: AttendanceSource(rawValue: a.source) ?? .teacher, setAt: a.setAt)
    }

    static func view(_ k: WorkKindRecord) -> WorkKindView {
        WorkKindView(id: k.id!, name: k.name, weight: k.weight, archived: k.archived)
    }
}
