import FluentKit
import Foundation

// Grades and attendance (issue 14 items 8, 9 and 11; migration M021_Grades).

/// A school's choice about its scale: whether «1» is used.
public final class GradingSettingsRecord: Model, @unchecked Sendable {
    public static let schema = "grading_settings"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "uses_one") public var usesOne: Bool
    @Field(key: "updated_at") public var updatedAt: Date
    @Field(key: "updated_by") public var updatedBy: UUID
    public init() {}
}

/// A kind of work (answer in class, test, control work …) and its weight in the average.
public final class WorkKindRecord: Model, @unchecked Sendable {
    public static let schema = "work_kinds"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "name") public var name: String
    /// 0.5 … 10, in steps of 0.5.
    @Field(key: "weight") public var weight: Double
    @Field(key: "position") public var position: Int
    @Field(key: "archived") public var archived: Bool
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A grade: one per student, lesson and kind of work. A grade for a submission (a homework hand-in)
/// also names the lesson whose column it appears in, and its clock starts when the work arrived.
public final class GradeRecord: Model, @unchecked Sendable {
    public static let schema = "grades"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "lesson_id") public var lessonID: UUID
    @Field(key: "student_id") public var studentID: UUID
    @Field(key: "work_kind_id") public var workKindID: UUID
    @Field(key: "value") public var value: String
    @Field(key: "comment") public var comment: String
    /// A submission's grade (no foreign key: submissions come with homework).
    @OptionalField(key: "submission_id") public var submissionID: UUID?
    /// When the 7-day clock started: the lesson's end, or when the submission arrived.
    @Field(key: "basis_at") public var basisAt: Date
    /// Entered more than 7 days after `basisAt` (decided when it was first entered).
    @Field(key: "late") public var late: Bool
    @Field(key: "created_by") public var createdBy: UUID
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_by") public var updatedBy: UUID
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// A student's attendance at one lesson.
public final class AttendanceRecord: Model, @unchecked Sendable {
    public static let schema = "attendance"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "lesson_id") public var lessonID: UUID
    @Field(key: "student_id") public var studentID: UUID
    @Field(key: "status") public var status: String
    @OptionalField(key: "reason") public var reason: String?
    /// "teacher" or "call" (an online lesson's joins and leaves, later).
    @Field(key: "source") public var source: String
    @Field(key: "set_by") public var setBy: UUID
    @Field(key: "set_at") public var setAt: Date
    public init() {}
}

/// A term's or the year's mark, set by a teacher of the subject in the class.
public final class TermMarkRecord: Model, @unchecked Sendable {
    public static let schema = "term_marks"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "student_id") public var studentID: UUID
    @Field(key: "academic_year") public var academicYear: Int
    /// "1"…"4" or "year".
    @Field(key: "period") public var period: String
    @Field(key: "value") public var value: String
    @Field(key: "set_by") public var setBy: UUID
    @Field(key: "set_at") public var setAt: Date
    public init() {}
}

/// Every change of a grade, an attendance mark or a term mark: who, when, old → new. Never
/// updated or deleted.
public final class JournalChangeRecord: Model, @unchecked Sendable {
    public static let schema = "journal_changes"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "subject_id") public var subjectID: UUID
    @OptionalField(key: "lesson_id") public var lessonID: UUID?
    @Field(key: "student_id") public var studentID: UUID
    /// "grade", "attendance" or "term_mark".
    @Field(key: "kind") public var kind: String
    /// The kind of work («Контрольная работа»), the lesson's day, or the period («2-й период»).
    @Field(key: "detail") public var detail: String
    /// Empty when there was none (a new mark) or is none (a removed one).
    @Field(key: "old_value") public var oldValue: String
    @Field(key: "new_value") public var newValue: String
    @Field(key: "actor_id") public var actorID: UUID
    @Field(key: "at") public var at: Date
    public init() {}
}
