import Foundation

public struct JournalFileView: Sendable, Codable, Equatable {
    public var id: UUID
    public var fileName: String
    public var contentType: String
    public var size: Int
}

public enum SubmissionStatus: String, Sendable, Codable { case submitted, returned, accepted }

public struct SubmissionView: Sendable, Codable, Equatable {
    public var id: UUID
    public var homeworkId: UUID
    public var studentId: UUID
    public var studentName: String
    public var text: String
    public var status: SubmissionStatus
    public var submittedAt: Date
    public var late: Bool
    public var checkedAt: Date?
    public var comment: String
    public var files: [JournalFileView]
    /// The grade given for it, as the journal writes it («5», «зач»).
    public var grade: String?
}

public struct HomeworkView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var lessonId: UUID
    public var classId: UUID
    public var className: String
    public var groupId: UUID?
    public var groupName: String?
    public var subjectId: UUID
    public var subjectName: String
    public var teacherId: UUID
    public var teacherName: String
    public var text: String
    public var minutes: Int
    public var dueDate: LocalDate
    public var dueLessonId: UUID?
    public var dueAt: Date
    public var postedAt: Date
    public var late: Bool
    public var overload: Bool
    /// The chosen students, when it is for them only (shown to staff).
    public var studentIds: [UUID]?
    public var files: [JournalFileView]
    /// A student's own hand-in (a parent's: the child's).
    public var submission: SubmissionView?
    /// For staff: how many it is for, how many handed in.
    public var audienceCount: Int?
    public var handedIn: Int?
}

public struct LessonHomeworkView: Sendable, Codable, Equatable {
    /// Set at this lesson.
    public var setHere: [HomeworkView]
    /// Due at this lesson.
    public var dueHere: [HomeworkView]
}

public struct DayLoadView: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var homeworkId: UUID?
        public var subjectName: String
        public var minutes: Int
    }
    public var date: LocalDate
    public var classId: UUID
    public var className: String
    public var grade: Int
    public var limitMinutes: Int
    /// The most any one student has that day (with the homework being written, when given).
    public var minutes: Int
    public var overload: Bool
    public var items: [Item]
}

public struct HandInsView: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var studentId: UUID
        public var studentName: String
        public var submission: SubmissionView?
    }
    public var homework: HomeworkView
    public var students: [Row]
}

public struct HomeworkLimitsView: Sendable, Codable, Equatable {
    /// Minutes a day by grade, 1–11.
    public var limits: [String: Int]
    public var defaults: [String: Int]
}
