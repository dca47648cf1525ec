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

    /// A lesson's materials (links and files): the same people as its topic. Whoever reads the
    /// lesson (`canReadLesson`) reads them and downloads their files.
    public static func canWriteLessonMaterials(_ actor: Actor, schoolID: UUID, teacherID: UUID) -> Bool {
        canWriteLessonTopic(actor, schoolID: schoolID, teacherID: teacherID)
    }
}

// MARK: Grades and attendance (issue 14 items 8, 9, 11)

extension Policy {
    /// Grades and attendance of one lesson are written by the lesson's own teacher, confirmed —
    /// not a colleague, not the leadership (who read), never a student or a parent.
    public static func canMarkLesson(_ actor: Actor, schoolID: UUID, teacherID: UUID) -> Bool {
        teacherID == actor.userID && isConfirmedTeacher(actor, schoolID: schoolID)
    }

    /// Term and year marks: a confirmed teacher assigned to the subject in the class (`assigned`,
    /// for the student's group when the subject is split), found by the service.
    public static func canSetTermMarks(_ actor: Actor, schoolID: UUID, assigned: Bool) -> Bool {
        assigned && isConfirmedTeacher(actor, schoolID: schoolID)
    }

    /// The kinds of work, their weights and whether «1» is used: the timetable's keepers.
    public static func canManageGrading(_ actor: Actor, schoolID: UUID) -> Bool {
        canManageTimetable(actor, schoolID: schoolID)
    }

    /// Every change of a grade, an attendance mark or a term mark: the school's administration.
    public static func canReadJournalChanges(_ actor: Actor, schoolID: UUID) -> Bool {
        canReadSchoolJournal(actor, schoolID: schoolID)
    }

    /// Whose grades and attendance in one class's subject the actor reads.
    public enum MarksScope: Sendable, Equatable {
        /// Every student's.
        case all
        /// Only these students' (oneself as a student, one's children as a parent).
        case students(Set<UUID>)
        case none

        public func includes(_ studentID: UUID) -> Bool {
            switch self { case .all: true; case .students(let s): s.contains(studentID); case .none: false }
        }
    }

    /// The leadership reads the school's journal and a homeroom teacher their class's whole journal;
    /// a confirmed teacher of the subject in the class (`teachesSubject`: an assignment, or the
    /// lesson at hand is theirs) reads that subject's; a student only their own marks; a parent
    /// only their children's. An unconfirmed teacher reads none.
    public static func marksScope(_ actor: Actor, schoolID: UUID, classID: UUID, teachesSubject: Bool, ties: ClassTies) -> MarksScope {
        if canReadSchoolJournal(actor, schoolID: schoolID) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID) { return .all }
        if teachesSubject && isConfirmedTeacher(actor, schoolID: schoolID) { return .all }
        let roles = actor.roles(in: schoolID)
        var own = Set<UUID>()
        if ties.isStudent && roles.contains(.student) { own.insert(actor.userID) }
        if roles.contains(.parent) { own.formUnion(ties.children.keys) }
        return own.isEmpty ? .none : .students(own)
    }
}
