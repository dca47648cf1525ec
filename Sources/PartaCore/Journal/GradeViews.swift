import Foundation

// What the grades and attendance services return (issue 14 items 8, 9, 11).

public struct WorkKindView: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var weight: Double
    public var archived: Bool
}

public struct GradingView: Sendable, Codable, Equatable {
    /// Whether the school uses «1» (a school chooses; off by default).
    public var usesOne: Bool
    /// The kinds of work in the school's order; the first active one is the default.
    public var workKinds: [WorkKindView]
    /// Whether the actor may change them (the timetable's keepers).
    public var canEdit: Bool
}

public struct GradeView: Sendable, Codable, Equatable {
    public var id: UUID
    public var lessonId: UUID
    public var studentId: UUID
    public var workKindId: UUID
    public var value: GradeValue
    public var comment: String
    public var submissionId: UUID?
    /// Entered more than 7 days after the lesson's end (or after the submission arrived).
    public var late: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

public struct AttendanceView: Sendable, Codable, Equatable {
    public var studentId: UUID
    public var status: AttendanceStatus
    public var reason: AbsenceReason?
    public var source: AttendanceSource
    public var setAt: Date
}

/// One lesson's students with their attendance and grades, as the actor may see them.
public struct LessonMarksView: Sendable, Codable, Equatable {
    public struct Student: Sendable, Codable, Equatable {
        public var id: UUID
        public var fullName: String
        public var attendance: AttendanceView?
        public var grades: [GradeView]
    }
    public var lessonId: UUID
    public var classId: UUID
    public var subjectId: UUID
    /// The lesson's teacher may mark it now (confirmed, the lesson not cancelled, its day come).
    public var canMark: Bool
    /// Why not, when the teacher may not yet: «Урок ещё не начался», «Урок отменён».
    public var markBlocked: String?
    /// Grades entered after this instant are marked late (§5.2: 7 days after the lesson's end).
    public var lateAfter: Date
    public var usesOne: Bool
    public var workKinds: [WorkKindView]
    public var defaultWorkKindId: UUID?
    public var students: [Student]
}

public struct TermMarkView: Sendable, Codable, Equatable {
    public var id: UUID
    public var studentId: UUID
    public var period: MarkPeriod
    public var value: TermMarkValue
    public var setAt: Date
}

/// A class × subject grade sheet for a term (or the year): students × lessons.
public struct GradeSheetView: Sendable, Codable, Equatable {
    public struct Group: Sendable, Codable, Equatable {
        public var id: UUID
        public var name: String
    }
    public struct Lesson: Sendable, Codable, Equatable {
        public var id: UUID
        public var date: LocalDate
        public var period: Int?
        public var topic: String
        public var teacherId: UUID
        public var cancelled: Bool
        /// The actor may grade it now (their own lesson, confirmed, its day come, not cancelled).
        public var canMark: Bool
        /// Grades entered after this are late.
        public var lateAfter: Date
    }
    /// One column: a lesson and a kind of work (a lesson with grades of two kinds has two).
    public struct Column: Sendable, Codable, Equatable {
        public var lessonId: UUID
        public var workKindId: UUID
    }
    public struct Mark: Sendable, Codable, Equatable {
        public var id: UUID
        public var lessonId: UUID
        public var workKindId: UUID
        public var value: GradeValue
        public var late: Bool
    }
    public struct Absence: Sendable, Codable, Equatable {
        public var lessonId: UUID
        public var status: AttendanceStatus
        public var reason: AbsenceReason?
    }
    public struct Student: Sendable, Codable, Equatable {
        public var id: UUID
        public var fullName: String
        public var grades: [Mark]
        /// Absences and lateness (present is not listed).
        public var absences: [Absence]
        /// For the year: the terms' marks.
        public var termMarks: [TermMarkView]
        /// The weighted average of the numbers (of the term marks, for the year), to two decimals.
        public var average: Double?
        /// Proposed from the average as shown: x.50 and above rounds up.
        public var proposed: TermMarkValue?
        /// The mark the teacher set for this term (or the year).
        public var mark: TermMarkView?
    }
    public var classId: UUID
    public var className: String
    public var subjectId: UUID
    public var subjectName: String
    public var academicYear: Int
    public var period: MarkPeriod
    public var terms: [SchoolCalendar.Term]
    public var groupId: UUID?
    /// The class's groups taught this subject apart (empty when it is taught to the whole class).
    public var groups: [Group]
    public var usesOne: Bool
    public var workKinds: [WorkKindView]
    public var defaultWorkKindId: UUID?
    /// The actor may set this period's marks (a confirmed teacher assigned to the subject).
    public var canSetMarks: Bool
    /// The actor reads every student's row (else only their own or their children's).
    public var seesAll: Bool
    public var lessons: [Lesson]
    public var columns: [Column]
    public var students: [Student]
}

/// One change of a grade, an attendance mark or a term mark.
public struct JournalChangeView: Sendable, Codable, Equatable {
    public var id: UUID
    public var at: Date
    /// "grade", "attendance" or "term_mark".
    public var kind: String
    public var detail: String
    public var oldValue: String
    public var newValue: String
    public var actorId: UUID
    public var actorName: String
    public var studentId: UUID
    public var studentName: String
    public var classId: UUID
    public var className: String
    public var subjectId: UUID
    public var subjectName: String
    public var lessonId: UUID?
}
