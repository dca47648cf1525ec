import Foundation

/// Homework and hand-ins (issue 14 items 6–7; PRODUCT.md: "homework … write own lessons; read own,
/// submit; read children's").
extension Policy {
    /// A homework is set by the lesson's own teacher, confirmed (§2.3, §2.4: an unconfirmed one reads only).
    public static func canSetHomework(_ actor: Actor, schoolID: UUID, lessonTeacherID: UUID) -> Bool {
        lessonTeacherID == actor.userID && isConfirmedTeacher(actor, schoolID: schoolID)
    }

    /// Whom a homework is for, as the service found it for the actor.
    public struct HomeworkTies: Sendable {
        /// The actor (a student of the class) is one of those it is for.
        public var forMe = false
        /// Children of the actor it is for.
        public var forMyChildren: [UUID] = []
        public init() {}
    }

    /// Staff who read every homework of a class and its hand-ins: the leadership, the class's
    /// homeroom teacher, the homework's own teacher and the class's (confirmed) teachers.
    public static func readsClassHomework(_ actor: Actor, schoolID: UUID, classID: UUID, homeworkTeacherID: UUID, ties: ClassTies) -> Bool {
        canReadSchoolJournal(actor, schoolID: schoolID) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID)
            || homeworkTeacherID == actor.userID || (ties.teachesClass && isConfirmedTeacher(actor, schoolID: schoolID))
    }

    /// A homework is seen by those staff, by the students it is for and by their parents.
    public static func canReadHomework(_ actor: Actor, schoolID: UUID, classID: UUID, homeworkTeacherID: UUID,
                                       ties: ClassTies, homework: HomeworkTies) -> Bool {
        readsClassHomework(actor, schoolID: schoolID, classID: classID, homeworkTeacherID: homeworkTeacherID, ties: ties)
            || (homework.forMe && actor.roles(in: schoolID).contains(.student))
            || (!homework.forMyChildren.isEmpty && actor.roles(in: schoolID).contains(.parent))
    }

    /// A student hands in their own work for a homework that is for them.
    public static func canHandIn(_ actor: Actor, schoolID: UUID, homework: HomeworkTies) -> Bool {
        homework.forMe && actor.roles(in: schoolID).contains(.student)
    }

    /// Hand-ins are checked (returned, accepted) by the homework's own teacher, confirmed.
    public static func canCheckHandIns(_ actor: Actor, schoolID: UUID, homeworkTeacherID: UUID) -> Bool {
        homeworkTeacherID == actor.userID && isConfirmedTeacher(actor, schoolID: schoolID)
    }

    /// Files for homework and hand-ins are uploaded by the school's confirmed teachers and its students.
    public static func canUploadJournalFiles(_ actor: Actor, schoolID: UUID) -> Bool {
        isConfirmedTeacher(actor, schoolID: schoolID) || actor.roles(in: schoolID).contains(.student)
    }

    /// The daily homework limits: the timetable's keepers.
    public static func canSetHomeworkLimits(_ actor: Actor, schoolID: UUID) -> Bool {
        canManageTimetable(actor, schoolID: schoolID)
    }
}
