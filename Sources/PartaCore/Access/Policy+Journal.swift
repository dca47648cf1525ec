import Foundation

/// The e-journal's rules (issue 14; PRODUCT.md's role table: timetable; homework, grades, attendance).
extension Policy {
    /// The school year, bells, subjects, groups, assignments and the timetable: administrators and
    /// the school's leadership (the director and deputies draw up the timetable).
    public static func canManageTimetable(_ actor: Actor, schoolID: UUID) -> Bool {
        let roles = actor.roles(in: schoolID)
        return roles.contains(.admin) || actor.isVerified(.director, in: schoolID) || actor.isVerified(.deputy, in: schoolID)
    }

    /// The whole school's journal (every class, every teacher's load): administrators, the
    /// director and deputies.
    public static func canReadSchoolJournal(_ actor: Actor, schoolID: UUID) -> Bool {
        canManageTimetable(actor, schoolID: schoolID)
    }

    /// A confirmed teacher of the school: the only one who may be put in the timetable, and (for
    /// their own lessons) write topics, homework, grades and attendance. An unconfirmed teacher reads.
    public static func isConfirmedTeacher(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.isVerified(.teacher, in: schoolID)
    }

    /// What ties a person to one class's lessons, found by the service.
    public struct ClassTies: Sendable {
        /// A confirmed teacher who teaches this class (by an assignment or the lesson itself).
        public var teachesClass = false
        public var isStudent = false
        /// The groups of the class the person (as a student) is in.
        public var groupIDs: Set<UUID> = []
        /// The person's children in this class, with their groups.
        public var children: [UUID: Set<UUID>] = [:]
        public init() {}
    }

    /// Whether a lesson of the class (of `groupID`, nil = the whole class) is visible: the school's
    /// leadership; the class's homeroom teacher and its teachers; a student of the class (of that
    /// group); a parent of such a student.
    public static func canReadLesson(_ actor: Actor, schoolID: UUID, classID: UUID, groupID: UUID?, teacherID: UUID,
                                     ties: ClassTies) -> Bool {
        if canReadSchoolJournal(actor, schoolID: schoolID) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID) { return true }
        if teacherID == actor.userID || (ties.teachesClass && isConfirmedTeacher(actor, schoolID: schoolID)) { return true }
        func inGroup(_ groups: Set<UUID>) -> Bool { groupID.map(groups.contains) ?? true }
        if ties.isStudent && actor.roles(in: schoolID).contains(.student) && inGroup(ties.groupIDs) { return true }
        if actor.roles(in: schoolID).contains(.parent) && ties.children.values.contains(where: inGroup) { return true }
        return false
    }

    /// Whose week a person may follow — on the schedule page and by a calendar feed: their own,
    /// while they belong to a school; a child's, as that child's parent in a school that records the
    /// link (`parentLinksIn`: the schools of the family links between them).
    public static func canFollowSchedule(_ actor: Actor, of personID: UUID, parentLinksIn linkSchools: [UUID]) -> Bool {
        if personID == actor.userID { return !actor.memberships.isEmpty }
        return linkSchools.contains { actor.roles(in: $0).contains(.parent) }
    }

    /// A lesson's topic and note: its own teacher (confirmed) and those who manage the timetable.
    public static func canWriteLessonTopic(_ actor: Actor, schoolID: UUID, teacherID: UUID) -> Bool {
        (teacherID == actor.userID && isConfirmedTeacher(actor, schoolID: schoolID)) || canManageTimetable(actor, schoolID: schoolID)
    }
}
