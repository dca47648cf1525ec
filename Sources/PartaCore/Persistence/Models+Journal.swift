import FluentKit
import Foundation

// The e-journal's storage (issue 14): the school year, subjects, groups, who teaches what, the
// weekly timetable and the lessons made from it. Days are `LocalDate` strings (YYYY-MM-DD),
// times of day minutes after midnight; only lessons carry instants (in UTC).

/// A school's year: how it is divided into terms and how many days a week it works.
public final class SchoolYearRecord: Model, @unchecked Sendable {
    public static let schema = "school_years"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "term_system") public var termSystem: String
    @Field(key: "week_days") public var weekDays: Int
    @Field(key: "updated_at") public var updatedAt: Date
    @Field(key: "updated_by") public var updatedBy: UUID
    public init() {}
}

public final class TermRecord: Model, @unchecked Sendable {
    public static let schema = "terms"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "number") public var number: Int
    @Field(key: "starts_on") public var startsOn: String
    @Field(key: "ends_on") public var endsOn: String
    public init() {}
}

/// Holidays (каникулы) and single days off inside the terms: no lessons on them.
public final class DayOffRecord: Model, @unchecked Sendable {
    public static let schema = "days_off"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "starts_on") public var startsOn: String
    @Field(key: "ends_on") public var endsOn: String
    @Field(key: "title") public var title: String
    public init() {}
}

/// The bell schedule: period `number` of shift `shift` runs from `startsMinute` to `endsMinute`.
public final class BellPeriodRecord: Model, @unchecked Sendable {
    public static let schema = "bell_periods"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "shift") public var shift: Int
    @Field(key: "number") public var number: Int
    @Field(key: "starts_minute") public var startsMinute: Int
    @Field(key: "ends_minute") public var endsMinute: Int
    public init() {}
}

public final class SubjectRecord: Model, @unchecked Sendable {
    public static let schema = "subjects"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "position") public var position: Int
    @Field(key: "archived") public var archived: Bool
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A part of a class taught separately (languages, labour): «Группа 1», «Английский — 2».
public final class ClassGroupRecord: Model, @unchecked Sendable {
    public static let schema = "class_groups"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class ClassGroupMemberRecord: Model, @unchecked Sendable {
    public static let schema = "class_group_members"
    @ID(key: .id) public var id: UUID?
    @Field(key: "group_id") public var groupID: UUID
    @Field(key: "user_id") public var userID: UUID
    public init() {}
}

/// Who teaches which subject in which class (or one group of it).
public final class TeachingAssignmentRecord: Model, @unchecked Sendable {
    public static let schema = "teaching_assignments"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "subject_id") public var subjectID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "teacher_id") public var teacherID: UUID
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// One cell of a class's weekly timetable.
public final class TimetableEntryRecord: Model, @unchecked Sendable {
    public static let schema = "timetable_entries"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "weekday") public var weekday: Int
    @Field(key: "period") public var period: Int
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "teacher_id") public var teacherID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "room") public var room: String
    public init() {}
}

/// A lesson on a date. Made from the timetable for its slot (`slotDate`, `slotPeriod`, group), or
/// added by hand (`origin` "extra"). Once edited by hand — a substitution, a move, a cancellation —
/// regenerating the timetable leaves it alone.
public final class LessonRecord: Model, @unchecked Sendable {
    public static let schema = "lessons"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "subject_id") public var subjectID: UUID
    @Field(key: "teacher_id") public var teacherID: UUID
    @Field(key: "date") public var date: String
    @OptionalField(key: "period") public var period: Int?
    @Field(key: "starts_at") public var startsAt: Date
    @Field(key: "ends_at") public var endsAt: Date
    @Field(key: "room") public var room: String
    @Field(key: "status") public var status: String
    @Field(key: "origin") public var origin: String
    @OptionalField(key: "slot_date") public var slotDate: String?
    @OptionalField(key: "slot_period") public var slotPeriod: Int?
    @OptionalField(key: "planned_teacher_id") public var plannedTeacherID: UUID?
    @Field(key: "edited") public var edited: Bool
    @Field(key: "topic") public var topic: String
    @Field(key: "note") public var note: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}
