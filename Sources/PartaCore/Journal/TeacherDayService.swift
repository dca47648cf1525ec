import FluentKit
import Foundation
import SQLKit

/// The teacher's "my day" (issue 14 item 5): their own lessons of one day in time order, each with
/// what it still needs — a lesson that has begun needs its topic and its attendance; homework,
/// grades and hand-ins to check are counts, not demands; a cancelled lesson needs nothing.
/// A fixed number of statements whatever the day holds: the school, the lessons (one joined read,
/// `LessonService.joinedViews`), their counts (one statement), the hand-ins waiting overall.
public struct TeacherDayService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// The actor's lessons on `date` (today in the school's time zone by default). Only a teacher
    /// has lessons of their own: anyone else gets an empty day, not an error.
    public func day(_ actor: Actor, date: LocalDate?) async throws -> TeacherDayView {
        let db = ctx.store.db
        let now = ctx.clock.now()
        // The schools where the person teaches (selecting, not deciding access: the lessons read
        // below are the person's own).
        let teacherSchools = actor.memberships.filter { $0.role == .teacher }.map(\.schoolID)
        var tz = TimeZone(identifier: "Europe/Moscow")!
        if let first = teacherSchools.first, let school = try await SchoolRecord.find(first, on: db) { tz = Journal.timeZone(school) }
        let day = date ?? LocalDate(now, in: tz)
        guard !teacherSchools.isEmpty else { return TeacherDayView(date: day, now: now, lessons: [], handInsToCheck: 0) }

        let schools = Set(teacherSchools)
        let lessons = try await LessonService.joinedViews("l.teacher_id IN", [actor.userID], from: day, to: day, tz: tz, on: db)
            .filter { schools.contains($0.schoolId) }
            .sorted { ($0.start, $0.className, $0.groupName ?? "") < ($1.start, $1.className, $1.groupName ?? "") }
        let counts = try await Self.counts(lessons.map(\.id), on: db)
        let items = lessons.map { l -> TeacherDayView.Item in
            let c = counts[l.id] ?? Counts()
            let started = l.start <= now
            var needs: [String] = []
            if l.status == .scheduled && started {
                if l.topic.isEmpty { needs.append("topic") }
                if c.marked < c.students { needs.append("attendance") }
            }
            return TeacherDayView.Item(lesson: l, started: started, needs: needs, homework: c.homework, grades: c.grades,
                                       attendance: .init(marked: c.marked, students: c.students), handInsToCheck: c.handIns)
        }
        return TeacherDayView(date: day, now: now, lessons: items,
                              handInsToCheck: try await Self.handInsWaiting(teacherID: actor.userID, schools: teacherSchools, on: db))
    }

    struct Counts { var students = 0, marked = 0, homework = 0, grades = 0, handIns = 0 }

    /// Per lesson, in one statement: its students (of its group, when it has one), how many of them
    /// have an attendance mark, the homework set at it, the grades given at it, and the hand-ins
    /// waiting to be checked of its teacher's homework due at it.
    static func counts(_ lessonIDs: [UUID], on db: any Database) async throws -> [UUID: Counts] {
        guard !lessonIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let inGroup: SQLQueryString = "(l.group_id IS NULL OR EXISTS (SELECT 1 FROM class_group_members gm WHERE gm.group_id = l.group_id AND gm.user_id = m.user_id))"
        let rows = try await sql.raw("""
            SELECT l.id,
              (SELECT COUNT(*) FROM class_members m WHERE m.class_id = l.class_id AND m.role = 'student' AND \(inGroup)) AS students,
              (SELECT COUNT(*) FROM attendance a JOIN class_members m ON m.user_id = a.student_id AND m.class_id = l.class_id AND m.role = 'student'
                 WHERE a.lesson_id = l.id AND \(inGroup)) AS marked,
              (SELECT COUNT(*) FROM homework h WHERE h.lesson_id = l.id) AS homework,
              (SELECT COUNT(*) FROM grades g WHERE g.lesson_id = l.id) AS grades,
              (SELECT COUNT(*) FROM submissions s JOIN homework h ON h.id = s.homework_id
                 WHERE h.due_lesson_id = l.id AND h.teacher_id = l.teacher_id AND s.status = 'submitted') AS hand_ins
            FROM lessons l WHERE l.id IN (\(binds: lessonIDs))
            """).all()
        var out: [UUID: Counts] = [:]
        for r in rows {
            out[try r.decode(column: "id", as: UUID.self)] = Counts(
                students: try r.decode(column: "students", as: Int.self), marked: try r.decode(column: "marked", as: Int.self),
                homework: try r.decode(column: "homework", as: Int.self), grades: try r.decode(column: "grades", as: Int.self),
                handIns: try r.decode(column: "hand_ins", as: Int.self))
        }
        return out
    }

    /// Hand-ins of the teacher's homework (in the schools they teach in) waiting to be checked.
    static func handInsWaiting(teacherID: UUID, schools: [UUID], on db: any Database) async throws -> Int {
        guard !schools.isEmpty, let sql = db as? any SQLDatabase else { return 0 }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM submissions s JOIN homework h ON h.id = s.homework_id
            WHERE h.teacher_id = \(bind: teacherID) AND h.school_id IN (\(binds: schools)) AND s.status = 'submitted'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
