import Foundation

// What the e-journal's services return.

public struct SchoolYearView: Sendable, Codable, Equatable {
    public var academicYear: Int
    /// False while the school has not saved its year: the rest is then a proposal to edit.
    public var configured: Bool
    public var termSystem: TermSystem
    public var weekDays: Int
    public var terms: [SchoolCalendar.Term]
    public var daysOff: [SchoolCalendar.DayOff]
    public var bells: [BellPeriod]
    public var bellsConfigured: Bool
}

public struct SubjectView: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var archived: Bool
}

public struct ClassGroupView: Sendable, Codable, Equatable {
    public var id: UUID
    public var classId: UUID
    public var name: String
    public var memberIds: [UUID]
}

public struct AssignmentView: Sendable, Codable, Equatable {
    public var id: UUID
    public var classId: UUID
    public var className: String
    public var subjectId: UUID
    public var subjectName: String
    public var groupId: UUID?
    public var groupName: String?
    public var teacherId: UUID
    public var teacherName: String
}

public struct TimetableEntryView: Sendable, Codable, Equatable {
    public var id: UUID
    public var weekday: Int
    public var period: Int
    public var subjectId: UUID
    public var subjectName: String
    public var teacherId: UUID
    public var teacherName: String
    public var groupId: UUID?
    public var groupName: String?
    public var room: String
}

public struct ClassTimetableView: Sendable, Codable, Equatable {
    public var classId: UUID
    public var className: String
    public var academicYear: Int
    public var shift: Int
    public var weekDays: Int
    /// The bells of the class's shift.
    public var bells: [BellPeriod]
    public var entries: [TimetableEntryView]
    /// After a save: how the lessons from today to the year's end followed the new timetable.
    public var lessonsGenerated: LessonsGenerated?
    /// Days on which two or more of the class's three subjects with the most homework time fall
    /// (§5.1: the subjects that take the most homework time are not to fall on one day).
    public var heavyDays: [HeavyDay]
}

public struct HeavyDay: Sendable, Codable, Equatable {
    public var weekday: Int
    public var subjects: [String]
}

public struct TeacherLoadView: Sendable, Codable, Equatable {
    public struct Part: Sendable, Codable, Equatable {
        public var className: String
        public var subjectName: String
        public var groupName: String?
        public var hours: Int
    }
    public var teacherId: UUID
    public var teacherName: String
    /// Lessons a week by the timetable (§5.1).
    public var hoursPerWeek: Int
    public var parts: [Part]
}

public enum LessonStatus: String, Sendable, Codable { case scheduled, cancelled }

public struct LessonView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var classId: UUID
    public var className: String
    public var groupId: UUID?
    public var groupName: String?
    public var subjectId: UUID
    public var subjectName: String
    public var teacherId: UUID
    public var teacherName: String
    public var date: LocalDate
    public var period: Int?
    /// Local wall-clock times of the school («08:30»).
    public var startsAt: ClockTime
    public var endsAt: ClockTime
    /// The same start as an instant (for calendars and countdowns).
    public var start: Date
    public var end: Date
    public var room: String
    public var status: LessonStatus
    /// What changed against the timetable: "substitution", "moved", "extra" or nil.
    public var change: String?
    public var plannedTeacherName: String?
    public var topic: String
    public var note: String
    /// The lesson's links and files: only in the answer about one lesson (`GET /lessons/{id}`),
    /// never in week lists.
    public var materials: [LessonMaterialView]? = nil
    /// Whether the caller may change the materials (given with them).
    public var canEditMaterials: Bool? = nil
}

public struct ScheduleView: Sendable, Codable, Equatable {
    public struct Day: Sendable, Codable, Equatable {
        public var date: LocalDate
        /// «Зимние каникулы», «Выходной»… nil on a school day.
        public var dayOff: String?
        public var lessons: [LessonView]
    }
    /// Whose schedule it is (the person, or the parent's child).
    public var personId: UUID
    public var personName: String
    public var from: LocalDate
    public var to: LocalDate
    public var days: [Day]
    /// A student's week (their own, or a parent's child's): their grades and the lessons they
    /// missed or came late to, by lesson. Absent from a teacher's own week.
    public var grades: [DiaryGradeView]?
    public var attendance: [DiaryAttendanceView]?
}

public struct LessonsGenerated: Sendable, Codable, Equatable {
    public var created: Int
    public var updated: Int
    public var removed: Int
    /// Lessons that no longer match the timetable but keep journal entries, left as they are.
    public var kept: Int
}
