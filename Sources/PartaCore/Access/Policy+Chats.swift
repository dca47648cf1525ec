import Foundation

// Chats: who starts them, who reads, writes and moderates one, who makes the template chats.
extension Policy {
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

    /// The school's administrators write and moderate its system channels (and are their admins).
    public static func runsSystemChannels(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// What a person may do in one chat.
    public struct ChatRights: Sendable, Equatable {
        /// Their role there (a system channel's readers are members, its writers admins).
        public var role: ChatRole
        public var canPost: Bool
        public var canModerate: Bool
        public init(role: ChatRole, canPost: Bool, canModerate: Bool) {
            self.role = role; self.canPost = canPost; self.canModerate = canModerate
        }
    }

    /// The one rule for what a person may do in a chat (nil: they may not read it). System channels:
    /// their audience reads, the school's administrators write and moderate. Other chats: members
    /// read; in a read-only chat only its owner and admins write; they and the school's
    /// administrators moderate. Used for requests, the send queue and realtime subscriptions alike.
    public static func chatRights(_ actor: Actor, schoolID: UUID, systemAudience: ChannelAudience?, readOnly: Bool,
                                  memberRole: ChatRole?) -> ChatRights? {
        guard isMember(actor, schoolID: schoolID) else { return nil }
        let schoolAdmin = runsSystemChannels(actor, schoolID: schoolID)
        if let audience = systemAudience {
            guard canSeeSystemChannel(actor, schoolID: schoolID, audience: audience) else { return nil }
            return ChatRights(role: schoolAdmin ? .admin : .member, canPost: schoolAdmin, canModerate: schoolAdmin)
        }
        guard let role = memberRole else { return nil }
        return ChatRights(role: role, canPost: !readOnly || role != .member, canModerate: role != .member || schoolAdmin)
    }

    /// @all notifies everyone of the chat: its moderators only.
    public static func canMentionAll(_ rights: ChatRights) -> Bool { rights.canModerate }

    /// Any role in the school: chats, chat links and the people finder are for its members only.
    public static func isMember(_ actor: Actor, schoolID: UUID) -> Bool {
        !actor.roles(in: schoolID).isEmpty
    }

    /// Who removes a person from a chat: a moderator, or the person themselves (leaving). The
    /// owner is never removed by others (`isRemovableFromChat`).
    public static func canRemoveChatMember(_ actor: Actor, userID: UUID, rights: ChatRights) -> Bool {
        userID == actor.userID || rights.canModerate
    }

    /// The chat's owner stays; its admins and members may be removed.
    public static func isRemovableFromChat(_ role: ChatRole) -> Bool { role != .owner }

    /// Only plain members are muted: the owner and the chat's admins are not.
    public static func isMutable(_ role: ChatRole) -> Bool { role == .member }

    /// The chat's admins are appointed by its owner or by a school administrator.
    public static func canAppointChatAdmins(_ actor: Actor, schoolID: UUID, rights: ChatRights) -> Bool {
        rights.role == .owner || actor.roles(in: schoolID).contains(.admin)
    }

    /// A chat link is as good as its maker: it works while the maker still moderates the chat or
    /// is an administrator of the school.
    public static func chatLinkStillValid(makerRole: ChatRole?, makerIsSchoolAdmin: Bool) -> Bool {
        (makerRole.map { $0 != .member } ?? false) || makerIsSchoolAdmin
    }

    // MARK: Template chats (issue 4)

    /// The director's chats (with deputies, teachers, activists): the director and administrators.
    public static func canMakeDirectorChats(_ actor: Actor, schoolID: UUID) -> Bool {
        !actor.roles(in: schoolID).isDisjoint(with: [.director, .admin])
    }

    /// A class's chats (students, parents, its teachers): administrators and the class's homeroom
    /// teacher — a confirmed one (`isHomeroomTeacher`).
    public static func canMakeClassChats(_ actor: Actor, schoolID: UUID, classID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin) || isHomeroomTeacher(actor, schoolID: schoolID, classID: classID)
    }

    /// «5Б — Физика»: confirmed teachers and administrators.
    public static func canMakeSubjectChats(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.isVerified(.teacher, in: schoolID) || actor.roles(in: schoolID).contains(.admin)
    }

    /// Whether the actor may make a chat from this template (for this class, when it needs one).
    public static func canUseChatTemplate(_ actor: Actor, schoolID: UUID, template: ChatTemplate, classID: UUID?) -> Bool {
        if template.forDirector { return canMakeDirectorChats(actor, schoolID: schoolID) }
        if template == .subject { return canMakeSubjectChats(actor, schoolID: schoolID) }
        guard let classID else { return false }
        return canMakeClassChats(actor, schoolID: schoolID, classID: classID)
    }

    // MARK: The people finder

    /// Whom the people finder offers: confirmed teachers and the administration find everyone of
    /// their school; students and parents find its staff only (safe mode). Nobody outside the school
    /// finds anyone. (Unconfirmed teachers are never offered: `ChatPeer.isTrustedStaff`.)
    public static func findableRoles(_ actor: Actor, schoolID: UUID) -> [SchoolRole] {
        let mine = actor.roles(in: schoolID)
        guard !mine.isEmpty else { return [] }
        let seesEveryone = !mine.isDisjoint(with: [.admin, .director, .deputy]) || actor.isVerified(.teacher, in: schoolID)
        return seesEveryone ? SchoolRole.allCases : SchoolRole.allCases.filter(\.isStaff)
    }
}
