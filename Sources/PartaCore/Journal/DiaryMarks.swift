import FluentKit
import Foundation
import SQLKit

/// A student's own grades and attendance at the lessons of a week (issue 14 item 10, the diary):
/// what a student sees of themselves and a parent of their child, beside each lesson.
public struct DiaryGradeView: Sendable, Codable, Equatable {
    public var id: UUID
    public var lessonId: UUID
    public var value: GradeValue
    /// The kind of work («Ответ на уроке», «Контрольная работа») and its weight.
    public var workKind: String
    public var weight: Double
    public var comment: String
    /// Given for a hand-in (its homework's lesson shows it).
    public var submissionId: UUID?
    public var late: Bool
    public var updatedAt: Date
}

public struct DiaryAttendanceView: Sendable, Codable, Equatable {
    public var lessonId: UUID
    public var status: AttendanceStatus
    public var reason: AbsenceReason?
    public var setAt: Date
}

enum DiaryMarks {
    /// Two statements whatever the week holds: the student's grades at these lessons (with their
    /// kinds of work) and their attendance marks. "Present" is left out: the diary shows what is not
    /// the usual.
    static func load(student: UUID, lessonIDs: [UUID], on db: any Database) async throws -> ([DiaryGradeView], [DiaryAttendanceView]) {
        guard !lessonIDs.isEmpty, let sql = db as? any SQLDatabase else { return ([], []) }
        let grades = try await sql.raw("""
            SELECT g.id, g.lesson_id, g.value, k.name AS kind_name, k.weight, g.comment, g.submission_id, g.late, g.updated_at
            FROM grades g JOIN work_kinds k ON k.id = g.work_kind_id
            WHERE g.student_id = \(bind: student) AND g.lesson_id IN (\(binds: lessonIDs))
            ORDER BY g.created_at
            """).all().compactMap { r -> DiaryGradeView? in
            guard let value = GradeValue(rawValue: try r.decode(column: "value", as: String.self)) else { return nil }
            return DiaryGradeView(id: try r.decode(column: "id", as: UUID.self), lessonId: try r.decode(column: "lesson_id", as: UUID.self),
                                  value: value, workKind: try r.decode(column: "kind_name", as: String.self),
                                  weight: try r.decode(column: "weight", as: Double.self), comment: try r.decode(column: "comment", as: String.self),
                                  submissionId: try r.decode(column: "submission_id", as: UUID?.self), late: try r.decode(column: "late", as: Bool.self),
                                  updatedAt: try r.decode(column: "updated_at", as: Date.self))
        }
        let attendance = try await sql.raw("""
            SELECT lesson_id, status, reason, set_at FROM attendance
            WHERE student_id = \(bind: student) AND lesson_id IN (\(binds: lessonIDs)) AND status <> 'present'
            """).all().compactMap { r -> DiaryAttendanceView? in
            guard let status = AttendanceStatus(rawValue: try r.decode(column: "status", as: String.self)) else { return nil }
            return DiaryAttendanceView(lessonId: try r.decode(column: "lesson_id", as: UUID.self), status: status,
                                       reason: try r.decode(column: "reason", as: String?.self).flatMap(AbsenceReason.init(rawValue:)),
                                       setAt: try r.decode(column: "set_at", as: Date.self))
        }
        return (grades, attendance)
    }
}
