import FluentKit
import Foundation

// Homework, hand-ins and the files of both (issue 14 items 6–7).

/// A homework set at a lesson (`lessonID`) for a later day (`dueDate`, or its lesson `dueLessonID`),
/// for the lesson's class, one group of it (`groupID`) or chosen students (`forChosen`, listed in
/// `homework_students`). `minutes` is the teacher's estimate; `late` and `overload` are recorded at
/// posting for the deputies' control.
public final class HomeworkRecord: Model, @unchecked Sendable {
    public static let schema = "homework"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "teacher_id") public var teacherID: UUID
    @Field(key: "lesson_id") public var lessonID: UUID
    @Field(key: "due_date") public var dueDate: String
    @OptionalField(key: "due_lesson_id") public var dueLessonID: UUID?
    /// Hand-ins after this are late: the due lesson's start, or the end of the due day.
    @Field(key: "due_at") public var dueAt: Date
    @Field(key: "text") public var text: String
    @Field(key: "minutes") public var minutes: Int
    @Field(key: "for_chosen") public var forChosen: Bool
    @Field(key: "posted_at") public var postedAt: Date
    /// Posted more than two hours after the lesson ended (§5.1).
    @Field(key: "late") public var late: Bool
    /// Saved although the day's total went over the grade's limit (the teacher was warned).
    @Field(key: "overload") public var overload: Bool
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

public final class HomeworkStudentRecord: Model, @unchecked Sendable {
    public static let schema = "homework_students"
    @ID(key: .id) public var id: UUID?
    @Field(key: "homework_id") public var homeworkID: UUID
    @Field(key: "student_id") public var studentID: UUID
    public init() {}
}

/// A student's hand-in: resubmitted freely until the teacher checks it; returned for rework or accepted.
public final class SubmissionRecord: Model, @unchecked Sendable {
    public static let schema = "submissions"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "homework_id") public var homeworkID: UUID
    @Field(key: "student_id") public var studentID: UUID
    @Field(key: "text") public var text: String
    @Field(key: "status") public var status: String
    @Field(key: "submitted_at") public var submittedAt: Date
    @Field(key: "late") public var late: Bool
    @OptionalField(key: "checked_by") public var checkedBy: UUID?
    @OptionalField(key: "checked_at") public var checkedAt: Date?
    @Field(key: "comment") public var comment: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A file of a homework or of a hand-in: uploaded first (`homeworkID`, `submissionID` empty), then
/// attached by the homework or the hand-in that names it.
public final class JournalFileRecord: Model, @unchecked Sendable {
    public static let schema = "journal_files"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "uploader_id") public var uploaderID: UUID
    @Field(key: "file_id") public var fileID: UUID
    @Field(key: "file_name") public var fileName: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @OptionalField(key: "homework_id") public var homeworkID: UUID?
    @OptionalField(key: "submission_id") public var submissionID: UUID?
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A school's daily homework limit for a grade, when it differs from the default.
public final class HomeworkLimitRecord: Model, @unchecked Sendable {
    public static let schema = "homework_limits"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "grade") public var grade: Int
    @Field(key: "minutes") public var minutes: Int
    public init() {}
}
