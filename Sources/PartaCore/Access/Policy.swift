import Foundation

/// Who may do what — the only authorization rules in Parta. Pure functions over (actor, resource),
/// testable without a database. Services call these after loading a resource; a refusal to see
/// something is reported as "not found", never as "forbidden", so ids cannot be probed.
public enum Policy {
    /// The operator reviews school registration applications and reads their files (§2.1).
    public static func canReviewApplications(_ actor: Actor) -> Bool {
        actor.isOperator
    }

    /// The operator manages accounts instance-wide (disable, enable).
    public static func canManageAccounts(_ actor: Actor) -> Bool {
        actor.isOperator
    }

    /// Any member of a school sees its profile; the operator sees every school.
    public static func canViewSchool(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.isOperator || !actor.roles(in: schoolID).isEmpty
    }

    /// Only the school's administrators edit its profile (§2.1 "вносит, редактирует информацию").
    public static func canEditSchool(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// The school's structure — classes, their names, archiving — is the administrators' (§2.1
    /// "формирует структуру"). The operator runs the instance, not the school.
    public static func canManageStructure(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// Invite links: the school's administrators make, list and revoke any of them (§2.1).
    public static func canManageInvites(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// Links of one class: administrators for any class and role; the class's homeroom teacher
    /// for its students and parents (§2.1, §2.5, §2.6).
    public static func canInvite(_ actor: Actor, schoolID: UUID, classID: UUID, role: SchoolRole) -> Bool {
        if canManageInvites(actor, schoolID: schoolID) { return true }
        return isHomeroomTeacher(actor, schoolID: schoolID, classID: classID) && (role == .student || role == .parent)
    }

    /// The homeroom teacher of this class now — a confirmed teacher of its school.
    public static func isHomeroomTeacher(_ actor: Actor, schoolID: UUID, classID: UUID) -> Bool {
        actor.homeroomClassIDs.contains(classID) && actor.isVerified(.teacher, in: schoolID)
    }

    /// A class's roster with contacts and families: the administration and the class's homeroom teacher.
    public static func canViewClassRoster(_ actor: Actor, schoolID: UUID, classID: UUID) -> Bool {
        canViewMembers(actor, schoolID: schoolID) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID)
    }

    /// Join requests of a class, approving and rejecting them: administrators; the homeroom teacher for their class.
    public static func canDecideJoinRequests(_ actor: Actor, schoolID: UUID, classID: UUID) -> Bool {
        canManageInvites(actor, schoolID: schoolID) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID)
    }

    /// Accounts for children without phones (login and password, activation codes): the class's
    /// homeroom teacher and administrators. (A parent does it for their own child: checked by family link.)
    public static func canManageChildAccounts(_ actor: Actor, schoolID: UUID, classID: UUID) -> Bool {
        canDecideJoinRequests(actor, schoolID: schoolID, classID: classID)
    }

    /// People's roles, movement (transfer, leaving, graduation), homeroom assignments, roster
    /// import and the audit log are the administrators' (§2.1).
    public static func canManageMembers(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// Which roles a link of a class may grant: the staff room takes staff, a class its students and parents.
    public static func inviteRoles(for kind: ClassKind) -> Set<SchoolRole> {
        switch kind {
        case .staffRoom: return [.teacher, .director, .deputy]
        case .regular: return [.student, .parent]
        }
    }

    /// The list of the school's people: administrators and the school's leadership (§2.1, §2.2).
    public static func canViewMembers(_ actor: Actor, schoolID: UUID) -> Bool {
        !actor.roles(in: schoolID).isDisjoint(with: [.admin, .director, .deputy])
    }

    /// Confirming that a person is a teacher: the administrators (§2.1) and the director
    /// (§2.2 «подтверждает статус педагога»).
    public static func canVerifyTeachers(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin) || actor.isVerified(.director, in: schoolID)
    }

    /// Whether a person holding `existing` roles in a school may take `role` by opening an invite
    /// link. A student of the school never takes a staff role by a link (a child who finds the staff
    /// link must not become a teacher); the administrator can still give roles in place.
    public static func mayJoinByLink(existing: Set<SchoolRole>, role: SchoolRole) -> Bool {
        !(existing.contains(.student) && role.isStaff)
    }

    /// A parent manages their own child's account (login, password, activation code) while they
    /// are a parent in the child's school; the caller checks the family link itself.
    public static func canManageChildAccountAsParent(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.parent)
    }

    /// Roles an administrator gives or takes: staff roles. Students and parents come by links,
    /// import, transfer and leaving.
    public static let assignableRoles: Set<SchoolRole> = [.admin, .director, .deputy, .teacher]

    /// Additional administrators are made only from confirmed teachers (§2.1). `current` are the
    /// person's roles in the school with whether each is confirmed.
    public static func mayBecomeAdmin(current: [(role: SchoolRole, verified: Bool)]) -> Bool {
        current.contains { $0.role == .teacher && $0.verified }
    }

    /// Whether a role is confirmed the moment a person takes it by a link or an import: every role
    /// but a teacher's, who waits for an administrator or the director (§2.3, §2.4).
    public static func isConfirmedOnJoining(_ role: SchoolRole) -> Bool { role != .teacher }

    /// Operators and school administrators get the shorter session limits.
    public static func hasStrictSessions(isOperator: Bool, roles: some Sequence<SchoolRole>) -> Bool {
        isOperator || roles.contains(.admin)
    }

    /// A person's profile photo — a child's face — is seen by the person and by the people who
    /// share a school (any role in it) or a chat with them; a stranger, another school, the
    /// operator get "not found". `ownerSchoolIDs` are the schools the owner has a role in;
    /// `sharesChat` whether the two are members of one chat (asked only when no school is shared).
    public static func canSeePhoto(_ actor: Actor, ownerID: UUID, ownerSchoolIDs: Set<UUID>, sharesChat: Bool) -> Bool {
        actor.userID == ownerID || actor.memberships.contains { ownerSchoolIDs.contains($0.schoolID) } || sharesChat
    }

    /// Whether `canSeePhoto` needs to know about a shared chat (no school shared, not oneself).
    public static func photoNeedsSharedChat(_ actor: Actor, ownerID: UUID, ownerSchoolIDs: Set<UUID>) -> Bool {
        !canSeePhoto(actor, ownerID: ownerID, ownerSchoolIDs: ownerSchoolIDs, sharesChat: false)
    }
}
