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

    // MARK: Chats (issue 4)

    /// Someone a chat would be started with or a person added: their roles in the chat's school and
    /// whether their teacher status is confirmed.
    public struct ChatPeer: Sendable, Equatable {
        public var roles: Set<SchoolRole>
        public var confirmedTeacher: Bool
        public init(roles: Set<SchoolRole>, confirmedTeacher: Bool) { self.roles = roles; self.confirmedTeacher = confirmedTeacher }
        public static let student = ChatPeer(roles: [.student], confirmedTeacher: false)
        /// Whom a student or parent may write to directly (safe mode): the administration and
        /// confirmed teachers — those the people finder shows them.
        var isTrustedStaff: Bool {
            !roles.isDisjoint(with: [.admin, .director, .deputy]) || (roles.contains(.teacher) && confirmedTeacher)
        }
    }

    /// Who starts chats (PRODUCT.md's role table): the administration and teachers; an unconfirmed
    /// teacher not with students (§2.3, §2.4). Students and parents write directly, and only to the
    /// administration and confirmed teachers (safe mode).
    public static func canStartChat(_ actor: Actor, schoolID: UUID, kind: ChatKind, with peers: [ChatPeer]) -> Bool {
        let mine = actor.roles(in: schoolID)
        guard !mine.isEmpty, peers.allSatisfy({ !$0.roles.isEmpty }) else { return false }
        let leadership = !mine.isDisjoint(with: [.admin, .director, .deputy])
        let teacher = mine.contains(.teacher)
        let confirmed = leadership || actor.isVerified(.teacher, in: schoolID)
        let withStudents = peers.contains { $0.roles.contains(.student) }
        switch kind {
        case .channel: return mine.contains(.admin)
        case .group: return (leadership || teacher) && (confirmed || !withStudents)
        case .direct:
            if leadership || teacher { return confirmed || !withStudents }
            // Students and parents (safe mode): a direct chat with the school's trusted staff only.
            return peers.allSatisfy(\.isTrustedStaff)
        }
    }

    /// «Общешкольный канал» is read by every member; «Сотрудники» by staff only. The operator sees
    /// the structure of every school. (Other channels come with messaging.)
    public static func canSeeSystemChannel(_ actor: Actor, schoolID: UUID, audience: ChannelAudience?) -> Bool {
        if actor.isOperator { return true }
        let roles = actor.roles(in: schoolID)
        switch audience {
        case .school: return !roles.isEmpty
        case .staff: return roles.contains(where: \.isStaff)
        case nil: return false
        }
    }

    // MARK: Reports (moderation)

    /// Who handles a report of a message: never its author; the school's administrators; the chat's
    /// moderators (owner, admins) unless the reported author is a moderator of that chat — a report
    /// about a moderator goes to the school's administrators only.
    public static func canHandleReport(_ actor: Actor, schoolID: UUID, authorID: UUID,
                                       actorModeratesChat: Bool, authorModeratesChat: Bool) -> Bool {
        guard actor.userID != authorID else { return false }
        if actor.roles(in: schoolID).contains(.admin) { return true }
        return actorModeratesChat && !authorModeratesChat
    }

    /// Who the reporter was: the school's administrators see it; chat moderators only when the
    /// school allows it (off by default), so a child's report stays safe with the adults who judge it.
    public static func canSeeReporter(_ actor: Actor, schoolID: UUID, schoolAllowsModerators: Bool) -> Bool {
        actor.roles(in: schoolID).contains(.admin) || schoolAllowsModerators
    }

    /// Who resolved a report is the administrators' to see (they oversee the moderators).
    public static func canSeeReportResolver(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }
}
