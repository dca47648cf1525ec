import FluentKit
import Foundation
import SQLKit

/// A student's grades subject by subject for a term or the year (issue 14 item 10, the diary's
/// «Оценки»): what a student sees of themselves and a parent of their child — every grade of the
/// term with its kind of work, the weighted average and the proposed mark as the grade sheet makes
/// them, and the marks set for the terms and the year.
public struct ReportCardView: Sendable, Codable, Equatable {
    public struct Grade: Sendable, Codable, Equatable {
        public var id: UUID
        public var lessonId: UUID
        public var date: LocalDate
        public var value: GradeValue
        public var workKind: String
        public var weight: Double
        public var comment: String
        public var late: Bool
        public var updatedAt: Date
    }
    public struct Subject: Sendable, Codable, Equatable {
        public var subjectId: UUID
        public var subjectName: String
        /// The term's grades in date order (none for the year).
        public var grades: [Grade]
        /// Lessons missed in the term (absent), late arrivals not counted.
        public var absences: Int
        /// The weighted average of the term's numeric grades (two decimals), or of the terms'
        /// marks for the year.
        public var average: Double?
        public var proposed: TermMarkValue?
        /// The mark set for this period, and for the year the terms' marks.
        public var mark: TermMarkValue?
        public var termMarks: [TermMarkView]
    }
    public var personId: UUID
    public var personName: String
    public var classId: UUID?
    public var className: String?
    public var academicYear: Int
    public var period: MarkPeriod
    public var terms: [SchoolCalendar.Term]
    public var subjects: [Subject]
}

public struct ReportCardService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// `personID`: the actor (a student) or one of the actor's children. A fixed number of
    /// statements: the class, the calendar, the subjects taught there, the period's grades joined
    /// with their lessons and kinds, the absences counted by subject, the term marks.
    public func card(_ actor: Actor, personID: UUID?, period requested: MarkPeriod?) async throws -> ReportCardView {
        let db = ctx.store.db
        let (person, asChild) = try await LessonService.followed(actor, personID, on: db)
        guard let personName = try await Journal.names([person], on: db)[person] else { throw PartaError.notFound("Ученик") }
        let scope = try await LessonService.scope(of: person, asChild: asChild, fallbackSchool: actor.memberships.first?.schoolID, on: db)
        let now = ctx.clock.now(), today = LocalDate(now, in: scope.timeZone)
        let year = today.academicYear
        guard let sql = db as? any SQLDatabase else { throw PartaError.notFound("Ученик") }
        let ids = RowIDs(sql)
        // The student's class this year (the first by name when a transfer left two). Read by
        // column here and below: this page is a parent's second most opened.
        struct Class { var id: UUID, schoolID: UUID, name: String, year: Int }
        let classes = scope.classIDs.isEmpty ? [] : try await sql.raw("""
            SELECT id, school_id, name, academic_year FROM classes WHERE id IN (\(binds: scope.classIDs))
              AND archived = \(bind: false) AND kind = \(bind: ClassKind.regular.rawValue)
            """).all().map { r in
            Class(id: try ids.id(r, "id"), schoolID: try ids.id(r, "school_id"), name: try r.decode(column: "name", as: String.self),
                  year: try r.decode(column: "academic_year", as: Int.self))
        }
        let cls = classes.filter { $0.year == year }.sorted { $0.name < $1.name }.first ?? classes.first
        let calendar: SchoolCalendar = if let schoolID = cls?.schoolID {
            try await SchoolCalendar.load(schoolID: schoolID, year: year, on: db) ?? SchoolCalendar.proposal(for: year)
        } else { SchoolCalendar.proposal(for: year) }
        let period = try calendar.markPeriod(requested, today: today)
        guard let cls else {
            return ReportCardView(personId: person, personName: personName, classId: nil, className: nil, academicYear: year,
                                  period: period, terms: calendar.terms, subjects: [])
        }

        let classID = cls.id
        // The subjects taught in the class to the student (the whole class, or one of their groups).
        var subjectIDs = Set(try await sql.raw("""
            SELECT DISTINCT a.subject_id FROM teaching_assignments a WHERE a.class_id = \(bind: classID)
              AND (a.group_id IS NULL OR a.group_id IN (SELECT group_id FROM class_group_members WHERE user_id = \(bind: person)))
            """).all().map { try ids.id($0, "subject_id") })

        var grades: [UUID: [ReportCardView.Grade]] = [:]
        var absences: [UUID: Int] = [:]
        if case .term(let n) = period, let term = calendar.terms.first(where: { $0.number == n }) {
            for r in try await sql.raw("""
                SELECT g.id, g.lesson_id, g.subject_id, l.date, g.value, k.name AS kind_name, k.weight, g.comment, g.late, g.updated_at
                FROM grades g JOIN lessons l ON l.id = g.lesson_id JOIN work_kinds k ON k.id = g.work_kind_id
                WHERE g.student_id = \(bind: person) AND g.class_id = \(bind: classID)
                  AND l.date >= \(bind: term.startsOn.description) AND l.date <= \(bind: term.endsOn.description)
                ORDER BY l.date, l.starts_at, g.created_at
                """).all() {
                guard let value = GradeValue(rawValue: try r.decode(column: "value", as: String.self)),
                      let date = LocalDate(try r.decode(column: "date", as: String.self)) else { continue }
                let subject = try ids.id(r, "subject_id")
                grades[subject, default: []].append(ReportCardView.Grade(
                    id: try ids.id(r, "id"), lessonId: try ids.id(r, "lesson_id"), date: date,
                    value: value, workKind: try r.decode(column: "kind_name", as: String.self), weight: try r.decode(column: "weight", as: Double.self),
                    comment: try r.decode(column: "comment", as: String.self), late: try r.decode(column: "late", as: Bool.self),
                    updatedAt: try r.decode(column: "updated_at", as: Date.self)))
            }
            for r in try await sql.raw("""
                SELECT l.subject_id, COUNT(*) AS n FROM attendance a JOIN lessons l ON l.id = a.lesson_id
                WHERE a.student_id = \(bind: person) AND l.class_id = \(bind: classID) AND a.status = 'absent'
                  AND l.date >= \(bind: term.startsOn.description) AND l.date <= \(bind: term.endsOn.description)
                GROUP BY l.subject_id
                """).all() {
                absences[try ids.id(r, "subject_id")] = try r.decode(column: "n", as: Int.self)
            }
        }
        var marksBy: [UUID: [TermMarkView]] = [:]
        for r in try await sql.raw("""
            SELECT id, subject_id, period, value, set_at FROM term_marks
            WHERE class_id = \(bind: classID) AND student_id = \(bind: person) AND academic_year = \(bind: year)
            """).all() {
            guard let period = MarkPeriod(try r.decode(column: "period", as: String.self)),
                  let value = TermMarkValue(rawValue: try r.decode(column: "value", as: String.self)) else { continue }
            marksBy[try ids.id(r, "subject_id"), default: []].append(TermMarkView(
                id: try ids.id(r, "id"), studentId: person, period: period, value: value, setAt: try r.decode(column: "set_at", as: Date.self)))
        }
        subjectIDs.formUnion(grades.keys)
        subjectIDs.formUnion(marksBy.keys)
        var names: [UUID: String] = [:]
        if !subjectIDs.isEmpty {
            for r in try await sql.raw("SELECT id, name FROM subjects WHERE id IN (\(binds: Array(subjectIDs)))").all() {
                names[try ids.id(r, "id")] = try r.decode(column: "name", as: String.self)
            }
        }
        let usesOne = try await MarksData.usesOne(schoolID: cls.schoolID, on: db)

        let subjects = subjectIDs.map { id -> ReportCardView.Subject in
            let own = grades[id] ?? [], set = marksBy[id] ?? []
            var average = Grading.Average()
            switch period {
            case .term:
                for g in own { if let n = g.value.number { average.add(n, halves: Grading.halves(g.weight) ?? 2) } }
            case .year:
                for m in set where m.period != .year { if let n = m.value.number { average.add(n, halves: 2) } }
            }
            return ReportCardView.Subject(
                subjectId: id, subjectName: names[id] ?? "", grades: own, absences: absences[id] ?? 0, average: average.value,
                proposed: average.proposal(usesOne: usesOne).flatMap { TermMarkValue(rawValue: String($0)) },
                mark: set.first { $0.period == period }?.value,
                termMarks: period == .year ? set.filter { $0.period != .year }.sorted { $0.period.description < $1.period.description } : [])
        }
        .sorted { ($0.subjectName, $0.subjectId.uuidString) < ($1.subjectName, $1.subjectId.uuidString) }
        return ReportCardView(personId: person, personName: personName, classId: classID, className: cls.name, academicYear: year,
                              period: period, terms: calendar.terms, subjects: subjects)
    }
}
