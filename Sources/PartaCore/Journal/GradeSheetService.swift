import FluentKit
import Foundation
import SQLKit

/// The class × subject grade sheet for a term or the year (issue 14 item 8): students × the
/// subject's lessons of the term (of one group when the subject is split), their grades and
/// absences, weighted averages, proposed and set term marks. Reads are batched: a fixed number of
/// queries whatever the class's size. Term and year marks are set here too.
public struct GradeSheetService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func sheet(_ actor: Actor, classID: UUID, subjectID: UUID, period requested: MarkPeriod?, groupID requestedGroup: UUID?,
                      academicYear: Int?) async throws -> GradeSheetView {
        let db = ctx.store.db
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        guard cls.kind == ClassKind.regular.rawValue else { throw PartaError.notFound("Класс") }
        guard let subject = try await SubjectRecord.find(subjectID, on: db), subject.schoolID == cls.schoolID else {
            throw PartaError.notFound("Предмет")
        }
        guard let school = try await SchoolRecord.find(cls.schoolID, on: db) else { throw PartaError.notFound("Класс") }
        let tz = Journal.timeZone(school), now = ctx.clock.now(), today = LocalDate(now, in: tz)
        let year = academicYear ?? today.academicYear
        // Another year's journal is not kept here: "not found", like a term the year does not have.
        guard (try? SchoolYearService.checkYear(year, now: now)) != nil else { throw PartaError.notFound("Учебный год") }
        let calendar = try await SchoolCalendar.load(schoolID: cls.schoolID, year: year, on: db) ?? SchoolCalendar.proposal(for: year)

        // The subject's groups in this class (from who teaches it and from its lessons this year).
        let assignments = try await TeachingAssignmentRecord.query(on: db).filter(\.$classID == classID).filter(\.$subjectID == subjectID).all()
        let yearStart = calendar.firstDay ?? LocalDate(year: year, month: 9, day: 1)!
        let yearEnd = calendar.lastDay ?? LocalDate(year: year + 1, month: 6, day: 30)!
        // The subject's lessons of the class this year, by column, in one read: their groups, and
        // below the term's (a year holds a few hundred).
        let sql = ctx.store.sql
        let ids = RowIDs(sql)
        let yearLessons = try await sql.select().columns(LessonService.lessonColumns.map { SQLIdentifier($0) }).from(LessonRecord.schema)
            .where("class_id", .equal, classID).where("subject_id", .equal, subjectID)
            .where("date", .greaterThanOrEqual, yearStart.description).where("date", .lessThanOrEqual, yearEnd.description)
            .all().map { try LessonService.lessonRecord($0, ids: ids) }
        let lessonGroups = Set(yearLessons.map(\.groupID))
        let groupIDs = Set(assignments.compactMap(\.groupID)).union(lessonGroups.compactMap { $0 })
        let groups = groupIDs.isEmpty ? [] : try await ClassGroupRecord.query(on: db).filter(\.$id ~~ Array(groupIDs)).all()
            .filter { $0.classID == classID }.sorted { ($0.name, $0.id!.uuidString) < ($1.name, $1.id!.uuidString) }
        let group: UUID?
        if let requestedGroup {
            guard groups.contains(where: { $0.id == requestedGroup }) else { throw PartaError.notFound("Группа") }
            group = requestedGroup
        } else if let mine = assignments.first(where: { $0.teacherID == actor.userID && $0.groupID != nil })?.groupID {
            group = mine
        } else if lessonGroups.contains(nil) || assignments.contains(where: { $0.groupID == nil }) || groups.isEmpty {
            group = nil
        } else {
            group = groups.first?.id
        }

        let period = try calendar.markPeriod(requested, today: today)

        // Who sees what: the subject's teachers, the homeroom teacher and the leadership every row;
        // a student their own, a parent their children's.
        let ties = try await LessonService.ties(actor, classID: classID, on: db)
        var lessons: [LessonRecord] = []
        if case .term(let n) = period, let term = calendar.terms.first(where: { $0.number == n }) {
            let from = term.startsOn.description, to = term.endsOn.description
            lessons = yearLessons.filter { $0.date >= from && $0.date <= to && $0.groupID == group }
            if term.startsOn < yearStart || term.endsOn > yearEnd {   // a term outside the year's days (not saved so): read it
                var q = sql.select().columns(LessonService.lessonColumns.map { SQLIdentifier($0) }).from(LessonRecord.schema)
                    .where("class_id", .equal, classID).where("subject_id", .equal, subjectID)
                    .where("date", .greaterThanOrEqual, from).where("date", .lessThanOrEqual, to)
                q = group.map { q.where("group_id", .equal, $0) } ?? q.where("group_id", .is, SQLLiteral.null)
                lessons = try await q.all().map { try LessonService.lessonRecord($0, ids: ids) }
            }
        }
        let teaches = assignments.contains { $0.teacherID == actor.userID } || lessons.contains { $0.teacherID == actor.userID }
        let scope = Policy.marksScope(actor, schoolID: cls.schoolID, classID: classID, teachesSubject: teaches, ties: ties)
        guard scope != .none else { throw PartaError.notFound("Журнал") }

        let studentIDs = try await MarksData.students(classID: classID, groupID: group, on: db).filter(scope.includes)
        let names = try await Journal.names(studentIDs, on: db)
        let lessonIDs = lessons.compactMap(\.id)
        let grades = try await MarksData.sheetGrades(lessonIDs: lessonIDs, studentIDs: studentIDs, on: sql)
        let absences = try await MarksData.sheetAbsences(lessonIDs: lessonIDs, studentIDs: studentIDs, on: sql)
        let termMarks = try await MarksData.termMarks(classID: classID, subjectID: subjectID, year: year, studentIDs: studentIDs, on: sql)
        let usesOne = try await MarksData.usesOne(schoolID: cls.schoolID, on: db)
        let kinds = try await MarksData.workKinds(schoolID: cls.schoolID, on: db)
        let halves = Dictionary(uniqueKeysWithValues: kinds.map { ($0.id!, Grading.halves($0.weight) ?? 2) })
        let defaultKind = kinds.first { !$0.archived }?.id

        // A cancelled lesson shows only when it holds grades.
        let graded = Set(grades.map(\.lessonId))
        lessons = lessons.filter { $0.status != LessonStatus.cancelled.rawValue || graded.contains($0.id!) }
            .sorted { ($0.date, $0.period ?? 0, $0.startsAt) < ($1.date, $1.period ?? 0, $1.startsAt) }
        let position = Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($0.element.id!, $0.offset) })
        let kindsByLesson = Dictionary(grouping: grades, by: \.lessonId).mapValues { Set($0.map(\.workKindId)) }
        var columns: [GradeSheetView.Column] = []
        for l in lessons {
            let used = (kindsByLesson[l.id!] ?? []).sorted { (position[$0] ?? 0) < (position[$1] ?? 0) }
            for k in used.isEmpty ? [defaultKind].compactMap({ $0 }) : used { columns.append(.init(lessonId: l.id!, workKindId: k)) }
        }

        let gradesBy = Dictionary(grouping: grades, by: \.studentId)
        let absencesBy = Dictionary(grouping: absences, by: \.studentId)
        let marksBy = Dictionary(grouping: termMarks, by: \.studentID)
        let students: [GradeSheetView.Student] = studentIDs.map { id in
            let own = gradesBy[id] ?? []
            let marks = (marksBy[id] ?? []).compactMap(Self.view)
            var average = Grading.Average()
            switch period {
            case .term:
                for g in own { if let n = g.value.number { average.add(n, halves: halves[g.workKindId] ?? 2) } }
            case .year:
                for m in marks where m.period != .year { if let n = m.value.number { average.add(n, halves: 2) } }
            }
            return GradeSheetView.Student(
                id: id, fullName: names[id] ?? "",
                grades: own.map { GradeSheetView.Mark(id: $0.id, lessonId: $0.lessonId, workKindId: $0.workKindId, value: $0.value, late: $0.late) },
                absences: (absencesBy[id] ?? []).map { GradeSheetView.Absence(lessonId: $0.lessonId, status: $0.status, reason: $0.reason) },
                termMarks: period == .year ? marks.filter { $0.period != .year }.sorted { $0.period.description < $1.period.description } : [],
                average: average.value, proposed: average.proposal(usesOne: usesOne).flatMap { TermMarkValue(rawValue: String($0)) },
                mark: marks.first { $0.period == period })
        }
        .sorted { ($0.fullName, $0.id.uuidString) < ($1.fullName, $1.id.uuidString) }

        let confirmed = Policy.isConfirmedTeacher(actor, schoolID: cls.schoolID)
        let assigned = assignments.contains { $0.teacherID == actor.userID && ($0.groupID == nil || $0.groupID == group) }
        return GradeSheetView(
            classId: classID, className: cls.name, subjectId: subjectID, subjectName: subject.name, academicYear: year, period: period,
            terms: calendar.terms, groupId: group, groups: groups.map { GradeSheetView.Group(id: $0.id!, name: $0.name) }, usesOne: usesOne,
            workKinds: kinds.map(MarksData.view), defaultWorkKindId: defaultKind,
            canSetMarks: Policy.canSetTermMarks(actor, schoolID: cls.schoolID, assigned: assigned),
            seesAll: scope == .all,
            lessons: lessons.map { l in
                let blocked = MarksData.blocked(l, today: today)
                return GradeSheetView.Lesson(id: l.id!, date: LocalDate(l.date) ?? today, period: l.period, topic: l.topic, teacherId: l.teacherID,
                             cancelled: l.status == LessonStatus.cancelled.rawValue,
                             canMark: confirmed && l.teacherID == actor.userID && blocked == nil,
                             lateAfter: l.endsAt.addingTimeInterval(Grading.deadline))
            },
            columns: columns, students: students)
    }

    // MARK: Term and year marks

    /// Sets a student's mark for a term or the year of the current school year: a confirmed
    /// teacher assigned to the subject in the class (for the student's group, when it is split).
    public func setTermMark(_ actor: Actor, classID: UUID, subjectID: UUID, studentID: UUID, period: MarkPeriod,
                            value: TermMarkValue) async throws -> TermMarkView {
        let now = ctx.clock.now()
        let (mark, notice): (TermMarkRecord, GradeService.Notice?) = try await ctx.store.write { db in
            let (cls, subject, year) = try await Self.markable(actor, classID: classID, subjectID: subjectID, studentID: studentID, now: now, on: db)
            if case .term(let n) = period {
                let calendar = try await SchoolCalendar.load(schoolID: cls.schoolID, year: year, on: db) ?? SchoolCalendar.proposal(for: year)
                guard calendar.terms.contains(where: { $0.number == n }) else {
                    throw PartaError(.conflict, "no_such_term", "В учебном году школы нет \(n)-го периода.")
                }
            }
            guard value.allowed(usesOne: try await MarksData.usesOne(schoolID: cls.schoolID, on: db)) else {
                throw PartaError(.conflict, "mark_not_in_scale", "В школе не ставят «1»: её шкала — от 2 до 5.")
            }
            let existing = try await TermMarkRecord.query(on: db).filter(\.$classID == classID).filter(\.$subjectID == subjectID)
                .filter(\.$studentID == studentID).filter(\.$academicYear == year).filter(\.$period == period.description).first()
            if let existing, existing.value == value.rawValue { return (existing, nil) }
            let m = existing ?? TermMarkRecord()
            let old = existing.flatMap { TermMarkValue(rawValue: $0.value) }
            if existing == nil {
                m.schoolID = cls.schoolID; m.classID = classID; m.subjectID = subjectID; m.studentID = studentID
                m.academicYear = year; m.period = period.description
            }
            m.value = value.rawValue; m.setBy = actor.userID; m.setAt = now
            try await m.save(on: db)
            try await MarksData.recordChange(actor, lesson: nil, classID: classID, subjectID: subjectID, schoolID: cls.schoolID,
                                             studentID: studentID, kind: "term_mark", detail: "\(subject.name), \(period.russian)",
                                             old: old?.russian ?? "", new: value.russian, at: now, on: db)
            return (m, GradeService.Notice(studentID: studentID, schoolID: cls.schoolID, lessonID: nil, subjectID: subjectID, date: nil,
                                           kindName: period == .year ? "Годовая отметка" : "Отметка за \(period.russian)",
                                           value: value.rawValue, text: value.russian, period: period.description))
        }
        if let notice { await GradeService(ctx).publish(notice) }
        return Self.view(mark)!
    }

    public func deleteTermMark(_ actor: Actor, markID: UUID) async throws {
        let now = ctx.clock.now()
        let notice: GradeService.Notice = try await ctx.store.write { db in
            guard let m = try await TermMarkRecord.find(markID, on: db), Policy.canViewSchool(actor, schoolID: m.schoolID) else {
                throw PartaError.notFound("Отметка")
            }
            let (cls, subject, _) = try await Self.markable(actor, classID: m.classID, subjectID: m.subjectID, studentID: m.studentID,
                                                            now: now, on: db)
            guard let row = try await TermMarkRecord.find(markID, on: db) else { throw PartaError.notFound("Отметка") }
            try await row.delete(on: db)
            let period = MarkPeriod(row.period) ?? .year
            let old = TermMarkValue(rawValue: row.value)?.russian ?? row.value
            try await MarksData.recordChange(actor, lesson: nil, classID: row.classID, subjectID: row.subjectID, schoolID: cls.schoolID,
                                             studentID: row.studentID, kind: "term_mark", detail: "\(subject.name), \(period.russian)",
                                             old: old, new: "", at: now, on: db)
            return GradeService.Notice(studentID: row.studentID, schoolID: cls.schoolID, lessonID: nil, subjectID: row.subjectID, date: nil,
                                       kindName: period == .year ? "Годовая отметка" : "Отметка за \(period.russian)", value: nil,
                                       text: "отметка «\(old)» удалена", period: period.description)
        }
        await GradeService(ctx).publish(notice)
    }

    /// The class (404), the subject (404), the student of the class (404), an assigned confirmed
    /// teacher acting (403); the class locked on PostgreSQL until the commit.
    static func markable(_ actor: Actor, classID: UUID, subjectID: UUID, studentID: UUID, now: Date,
                         on db: any Database) async throws -> (ClassRecord, SubjectRecord, Int) {
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        guard cls.kind == ClassKind.regular.rawValue else { throw PartaError.notFound("Класс") }
        guard let subject = try await SubjectRecord.find(subjectID, on: db), subject.schoolID == cls.schoolID else {
            throw PartaError.notFound("Предмет")
        }
        guard try await MarksData.students(classID: classID, groupID: nil, on: db).contains(studentID) else { throw PartaError.notFound("Ученик") }
        let groups = Set(try await ClassGroupMemberRecord.query(on: db).filter(\.$userID == studentID).all().map(\.groupID))
        let assigned = try await TeachingAssignmentRecord.query(on: db).filter(\.$classID == classID).filter(\.$subjectID == subjectID)
            .filter(\.$teacherID == actor.userID).all().contains { $0.groupID.map(groups.contains) ?? true }
        guard Policy.canSetTermMarks(actor, schoolID: cls.schoolID, assigned: assigned) else {
            throw PartaError(.forbidden, "forbidden", "Отметки за период ставит учитель этого предмета в классе (подтверждённый администратором).")
        }
        try await MarksData.lock("classes", classID, on: db)
        guard let school = try await SchoolRecord.find(cls.schoolID, on: db) else { throw PartaError.notFound("Класс") }
        return (cls, subject, LocalDate(now, in: Journal.timeZone(school)).academicYear)
    }

    static func view(_ m: TermMarkRecord) -> TermMarkView? {
        guard let period = MarkPeriod(m.period), let value = TermMarkValue(rawValue: m.value) else { return nil }
        return TermMarkView(id: m.id!, studentId: m.studentID, period: period, value: value, setAt: m.setAt)
    }
}

extension MarksData {
    struct SheetGrade: Sendable {
        var id: UUID, lessonId: UUID, studentId: UUID, workKindId: UUID, value: GradeValue, late: Bool
    }
    struct SheetAbsence: Sendable {
        var lessonId: UUID, studentId: UUID, status: AttendanceStatus, reason: AbsenceReason?
    }

    /// The grades of these lessons and students, decoded by column (no model reflection: a
    /// sheet holds a thousand or more).
    static func sheetGrades(lessonIDs: [UUID], studentIDs: [UUID], on sql: any SQLDatabase) async throws -> [SheetGrade] {
        guard !lessonIDs.isEmpty, !studentIDs.isEmpty else { return [] }
        let wanted = Set(studentIDs), ids = RowIDs(sql)
        var out: [SheetGrade] = []
        for chunk in stride(from: 0, to: lessonIDs.count, by: 500).map({ Array(lessonIDs[$0..<min($0 + 500, lessonIDs.count)]) }) {
            for row in try await sql.raw("""
                SELECT id, lesson_id, student_id, work_kind_id, value, late FROM grades WHERE lesson_id IN (\(binds: chunk))
                """).all() {
                let student = try ids.id(row, "student_id")
                guard wanted.contains(student), let value = GradeValue(rawValue: try row.decode(column: "value", as: String.self)) else { continue }
                out.append(SheetGrade(id: try ids.id(row, "id"), lessonId: try ids.id(row, "lesson_id"),
                                      studentId: student, workKindId: try ids.id(row, "work_kind_id"),
                                      value: value, late: try row.decode(column: "late", as: Bool.self)))
            }
        }
        return out
    }

    /// A class's marks of a subject for the school year, for these students, by column.
    static func termMarks(classID: UUID, subjectID: UUID, year: Int, studentIDs: [UUID], on sql: any SQLDatabase) async throws -> [TermMarkRecord] {
        guard !studentIDs.isEmpty else { return [] }
        let ids = RowIDs(sql), wanted = Set(studentIDs)
        return try await sql.raw("""
            SELECT id, school_id, student_id, period, value, set_by, set_at FROM term_marks
            WHERE class_id = \(bind: classID) AND subject_id = \(bind: subjectID) AND academic_year = \(bind: year)
            """).all().compactMap { r -> TermMarkRecord? in
            let student = try ids.id(r, "student_id")
            guard wanted.contains(student) else { return nil }
            let m = TermMarkRecord()
            m.id = try ids.id(r, "id"); m.schoolID = try ids.id(r, "school_id"); m.classID = classID; m.subjectID = subjectID
            m.studentID = student; m.academicYear = year; m.period = try r.decode(column: "period", as: String.self)
            m.value = try r.decode(column: "value", as: String.self); m.setBy = try ids.id(r, "set_by")
            m.setAt = try r.decode(column: "set_at", as: Date.self)
            return m
        }
    }

    /// Absences and lateness at these lessons (present is the rule and is not sent).
    static func sheetAbsences(lessonIDs: [UUID], studentIDs: [UUID], on sql: any SQLDatabase) async throws -> [SheetAbsence] {
        guard !lessonIDs.isEmpty, !studentIDs.isEmpty else { return [] }
        let wanted = Set(studentIDs), ids = RowIDs(sql)
        var out: [SheetAbsence] = []
        for chunk in stride(from: 0, to: lessonIDs.count, by: 500).map({ Array(lessonIDs[$0..<min($0 + 500, lessonIDs.count)]) }) {
            for row in try await sql.raw("""
                SELECT lesson_id, student_id, status, reason FROM attendance
                WHERE lesson_id IN (\(binds: chunk)) AND status <> \(bind: AttendanceStatus.present.rawValue)
                """).all() {
                let student = try ids.id(row, "student_id")
                guard wanted.contains(student), let status = AttendanceStatus(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
                out.append(SheetAbsence(lessonId: try ids.id(row, "lesson_id"), studentId: student, status: status,
                                        reason: try row.decode(column: "reason", as: String?.self).flatMap(AbsenceReason.init)))
            }
        }
        return out
    }
}
