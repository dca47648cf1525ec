import Foundation

// Values that services return. They are not storage rows; the transport encodes them as JSON.

public struct UserView: Sendable, Codable, Equatable {
    public struct MembershipView: Sendable, Codable, Equatable {
        public var schoolId: UUID
        public var schoolName: String
        public var role: SchoolRole
        public var verified: Bool
    }
    public var id: UUID
    public var fullName: String
    public var phone: String?
    public var email: String?
    public var login: String?
    public var status: AccountStatus
    public var isOperator: Bool
    public var hasPassword: Bool
    public var locale: String
    public var memberships: [MembershipView]
    /// The profile photo's version (`UserPhoto.token`), nil without one: the picture is
    /// `GET /users/{id}/photo?size=96|256&v=<photo>`.
    public var photo: String?
}

public struct SessionView: Sendable, Codable, Equatable {
    public var id: UUID
    public var createdAt: Date
    public var lastSeenAt: Date
    /// When it ends if not used again (moves with use, never past `endsAt`).
    public var expiresAt: Date
    /// When it ends however much it is used (from sign-in).
    public var endsAt: Date
    public var userAgent: String
    public var ip: String
    public var current: Bool
}

/// A new session: the token is shown once, to its owner, and stored only as a hash.
public struct SignedIn: Sendable {
    public var token: String
    public var session: SessionView
    public var user: UserView
}

public struct CodeSent: Sendable, Codable, Equatable {
    public var sentTo: String
    public var channel: String
    public var expiresInSeconds: Int
}

public struct SchoolView: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var shortName: String
    public var address: String
    public var region: String
    public var inn: String
    public var phone: String
    public var email: String
    public var website: String
    public var directorName: String
    public var timezone: String
    public var createdAt: Date
    public var updatedAt: Date
    public var canEdit: Bool
    /// Chat moderators see who reported a message (administrators always do); the administrators' setting.
    public var moderatorsSeeReporters: Bool
    /// What else the asking person may do in this school, as `Policy` decides: the web client shows
    /// the matching pages and buttons from these, never from roles of its own.
    public var permissions: SchoolPermissions
    public var classes: [ClassSummary]
    public var channels: [ChannelSummary]
}

public struct SchoolPermissions: Sendable, Codable, Equatable {
    public var manageStructure: Bool
    public var manageInvites: Bool
    public var viewMembers: Bool
    public var verifyTeachers: Bool
    /// Roles, movement, roster import, homeroom assignments and the audit log.
    public var manageMembers: Bool
    /// The classes this person is the homeroom teacher of (their roster, links, requests, children's accounts).
    public var homeroomClassIds: [UUID]
    /// The join-request queue: administrators, and homeroom teachers for their classes.
    public var decideJoinRequests: Bool
    /// The school year, bells, subjects and timetables (administrators, the director, deputies).
    public var manageTimetable: Bool

    public init(_ actor: Actor, schoolID: UUID) {
        manageStructure = Policy.canManageStructure(actor, schoolID: schoolID)
        manageInvites = Policy.canManageInvites(actor, schoolID: schoolID)
        viewMembers = Policy.canViewMembers(actor, schoolID: schoolID)
        verifyTeachers = Policy.canVerifyTeachers(actor, schoolID: schoolID)
        manageMembers = Policy.canManageMembers(actor, schoolID: schoolID)
        homeroomClassIds = actor.homeroomClassIDs.filter { Policy.isHomeroomTeacher(actor, schoolID: schoolID, classID: $0) }.sorted { $0.uuidString < $1.uuidString }
        decideJoinRequests = manageInvites || !homeroomClassIds.isEmpty
        manageTimetable = Policy.canManageTimetable(actor, schoolID: schoolID)
    }
}

public struct ClassSummary: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var kind: ClassKind
    public var grade: Int?
    public var academicYear: Int
}

public struct ChannelSummary: Sendable, Codable, Equatable {
    public var id: UUID
    public var title: String
    public var audience: ChannelAudience?
}

public struct ApplicationView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolName: String
    public var shortName: String
    public var address: String
    public var region: String
    public var inn: String
    public var adminFullName: String
    public var adminEmail: String
    public var adminPhone: String
    public var orderFile: FileView
    public var status: ApplicationStatus
    public var rejectReason: String?
    public var decidedAt: Date?
    public var schoolId: UUID?
    public var createdAt: Date
}

public struct ApplicationReceipt: Sendable, Codable, Equatable {
    public var id: UUID
    public var status: ApplicationStatus
    public var createdAt: Date
}

public struct FileView: Sendable, Codable, Equatable {
    public var id: UUID
    public var fileName: String
    public var contentType: String
    public var size: Int
}

public struct Page<Item: Sendable & Codable & Equatable>: Sendable, Codable, Equatable {
    public var items: [Item]
    public var total: Int
    public var page: Int
    public var perPage: Int
}

public struct ActivationInfo: Sendable, Codable, Equatable {
    public var fullName: String
    public var schoolName: String?
    public var phone: String?
    public var email: String?
}

public struct ClassView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var name: String
    public var kind: ClassKind
    public var grade: Int?
    public var letter: String?
    public var academicYear: Int
    public var archived: Bool
    public var studentCount: Int
    public var createdAt: Date

    /// «Учительская» first, then by grade and letter in alphabet order.
    public static func schoolOrder(_ a: ClassView, _ b: ClassView) -> Bool {
        if (a.kind == .staffRoom) != (b.kind == .staffRoom) { return a.kind == .staffRoom }
        if a.academicYear != b.academicYear { return a.academicYear > b.academicYear }
        if (a.grade ?? 0) != (b.grade ?? 0) { return (a.grade ?? 0) < (b.grade ?? 0) }
        let ia = a.letter.flatMap { $0.first }.flatMap { ClassName.letters.firstIndex(of: $0) } ?? 0
        let ib = b.letter.flatMap { $0.first }.flatMap { ClassName.letters.firstIndex(of: $0) } ?? 0
        return ia != ib ? ia < ib : a.name < b.name
    }
}

public enum InviteState: String, Codable, Sendable {
    case active, expired, revoked
    /// The use limit is reached.
    case usedUp = "used_up"
}

public struct InviteView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var classId: UUID
    public var className: String
    public var role: SchoolRole
    public var url: String
    public var token: String
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var maxUses: Int?
    public var uses: Int
    public var revokedAt: Date?
    public var state: InviteState
    public var needsApproval: Bool
}

/// What a person opening an invite link sees before joining (no secrets, no member data).
public struct InvitePreview: Sendable, Codable, Equatable {
    public var schoolName: String
    public var className: String
    public var role: SchoolRole
    public var state: InviteState
    public var expiresAt: Date?
    /// Joining waits for the administrator's or homeroom teacher's approval.
    public var needsApproval: Bool
}

public struct Joined: Sendable, Codable, Equatable {
    public var schoolId: UUID
    public var classId: UUID
    public var className: String
    public var role: SchoolRole
    /// False when the person already was there: nothing changed and no use of the link was spent.
    public var joined: Bool
    /// Teachers wait for an administrator's confirmation (§2.3, §2.4).
    public var verified: Bool
    /// The link needs approval: the person waits in the join-request queue.
    public var pending: Bool
    /// A parent's child this link linked them to.
    public var childName: String?
}

public enum JoinRequestStatus: String, Codable, Sendable {
    case pending, approved, rejected
}

public struct JoinRequestView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var schoolName: String
    public var classId: UUID
    public var className: String
    public var role: SchoolRole
    public var userId: UUID
    public var fullName: String
    public var contact: String?
    public var childName: String?
    /// A parent's request naming a child who is not in the class list as typed: the child's name
    /// as the parent wrote it; approving it needs the student picked (`childId` of the decision).
    public var childNameTyped: String?
    public var status: JoinRequestStatus
    public var reason: String?
    public var createdAt: Date
    public var decidedAt: Date?
}

public struct MemberView: Sendable, Codable, Equatable {
    public struct RoleView: Sendable, Codable, Equatable {
        public var role: SchoolRole
        public var verified: Bool
    }
    public struct ClassRef: Sendable, Codable, Equatable {
        public var classId: UUID
        public var name: String
        public var role: SchoolRole
    }
    public struct PersonRef: Sendable, Codable, Equatable {
        public var userId: UUID
        public var fullName: String
    }
    public var userId: UUID
    public var fullName: String
    public var phone: String?
    public var email: String?
    public var login: String?
    public var status: AccountStatus
    public var roles: [RoleView]
    public var classes: [ClassRef]
    /// A parent's children in this school, and a student's parents.
    public var children: [PersonRef]
    public var parents: [PersonRef]
}

/// One move in a person's history in a school.
public struct MemberEventView: Sendable, Codable, Equatable {
    public var kind: String
    public var role: SchoolRole?
    public var fromClass: String?
    public var toClass: String?
    public var by: String?
    public var note: String
    public var at: Date
}

public struct AuditEntryView: Sendable, Codable, Equatable {
    public var id: UUID
    public var at: Date
    public var actorId: UUID
    public var actorName: String
    public var action: String
    public var targetUserId: UUID?
    public var target: String
    public var details: String
    public var ip: String
}

public struct ClassRosterView: Sendable, Codable, Equatable {
    public struct Person: Sendable, Codable, Equatable {
        public var userId: UUID
        public var fullName: String
        public var phone: String?
        public var email: String?
        public var login: String?
        public var status: AccountStatus
    }
    public struct Student: Sendable, Codable, Equatable {
        public var person: Person
        public var parents: [Person]
    }
    public struct Tenure: Sendable, Codable, Equatable {
        public var person: Person
        public var from: Date
        public var to: Date?
    }
    public struct Permissions: Sendable, Codable, Equatable {
        public var invite: Bool
        public var manageMembers: Bool
        public var childAccounts: Bool
    }
    public var `class`: ClassView
    public var homeroom: Person?
    public var homeroomHistory: [Tenure]
    public var students: [Student]
    public var parents: [Person]
    public var staff: [Person]
    public var permissions: Permissions
}

/// The new school year: each class of `fromYear` one grade up (`to`), or graduating (`to` nil).
public struct PromotionPlan: Sendable, Codable, Equatable {
    public struct Step: Sendable, Codable, Equatable {
        public var classId: UUID
        public var from: String
        public var to: String?
        public var students: Int
    }
    public var fromYear: Int
    public var classes: [Step]
    /// Names already taken in the next year: the promotion cannot run until they are resolved.
    public var conflicts: [String]
}

/// A parent's child, as the parent sees them.
public struct ChildView: Sendable, Codable, Equatable {
    public var userId: UUID
    public var fullName: String
    public var login: String?
    public var status: AccountStatus
    public var schoolId: UUID
    public var schoolName: String
    public var classId: UUID?
    public var className: String?
}

/// One printed card: a child's one-time activation code.
public struct ActivationCard: Sendable, Codable, Equatable {
    public var userId: UUID
    public var fullName: String
    public var className: String
    public var code: String
    public var expiresAt: Date
}

public struct MessageView: Sendable, Codable, Equatable {
    public var id: UUID
    public var chatId: UUID
    /// The message's number in its chat: 1, 2, 3… without gaps.
    public var seq: Int
    public var authorId: UUID
    public var authorName: String
    /// The author's profile photo version (see `UserView.photo`).
    public var authorPhoto: String?
    /// Empty when deleted.
    public var text: String
    public var replyTo: UUID?
    public var clientId: String?
    public var createdAt: Date
    public var editedAt: Date?
    public var deleted: Bool
    public var pinned: Bool
    /// A forwarded message: the original author's name.
    public var forwardedFrom: String?
    /// The people mentioned; `mentionsAll` for @all (chat admins only).
    public var mentions: [UUID]
    public var mentionsAll: Bool
    public var reactions: [ReactionView]
    /// The viewer's own reactions (in answers to the viewer; absent in realtime frames, which are
    /// shared by all readers: there `reactions[].by` tells).
    public var myReactions: [String]?
    /// How many of the chat's other readers have read it ("прочитано N"; in channels, the views);
    /// in history pages only.
    public var readBy: Int?
    public var attachments: [AttachmentView]
    public var poll: PollView?
}

public struct PollView: Sendable, Codable, Equatable {
    public struct Option: Sendable, Codable, Equatable {
        public var text: String
        public var votes: Int
        /// Who chose it — named polls only.
        public var voters: [UUID]?
    }
    public var id: UUID
    public var question: String
    public var options: [Option]
    public var multiple: Bool
    public var anonymous: Bool
    public var closed: Bool
    /// People who voted (for any option).
    public var voters: Int
    /// The asking person's choices (in answers to them; absent in shared realtime frames).
    public var myVotes: [Int]?
}

public struct AttachmentView: Sendable, Codable, Equatable {
    public var id: UUID
    public var fileName: String
    /// Detected from the content.
    public var contentType: String
    public var size: Int
    /// Shown inline (PNG, JPEG, WebP, GIF); everything else is downloaded.
    public var image: Bool
    /// A JPEG's or PNG's size as shown (after its EXIF orientation); nil when not decoded.
    public var width: Int?
    public var height: Int?
    /// The preview's size (`GET /files/{id}/thumbnail`, at most 640 px on its long side, never
    /// larger than the image); nil when there is none (another type, or an image not decoded).
    public var thumbWidth: Int?
    public var thumbHeight: Int?

    public init(id: UUID, fileName: String, contentType: String, size: Int, image: Bool,
                width: Int? = nil, height: Int? = nil, thumbWidth: Int? = nil, thumbHeight: Int? = nil) {
        self.id = id; self.fileName = fileName; self.contentType = contentType; self.size = size; self.image = image
        self.width = width; self.height = height; self.thumbWidth = thumbWidth; self.thumbHeight = thumbHeight
    }
}

public struct ReactionView: Sendable, Codable, Equatable {
    public var emoji: String
    public var count: Int
    /// Who reacted (up to 50, earliest first).
    public var by: [UUID]
}

public struct MessagePage: Sendable, Codable, Equatable {
    public var items: [MessageView]
    public var lastSeq: Int
    public var lastReadSeq: Int
}

public struct ChatView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var kind: ChatKind
    /// A direct chat is titled with the other person's name.
    public var title: String
    /// Set for the school's system channels.
    public var audience: ChannelAudience?
    public var readOnly: Bool
    /// The asking person's role in the chat (nil for a system channel they only read).
    public var role: ChatRole?
    /// Nil for system channels (their audience is the school roster).
    public var memberCount: Int?
    public var lastSeq: Int
    public var lastReadSeq: Int
    public var unread: Int
    public var lastMessage: MessageView?
    public var createdAt: Date
    /// The number of the chat's newest realtime event: where a client resumes the socket from.
    public var lastEvent: Int
    /// The asking person may not write here until then (muted by a moderator).
    public var mutedUntil: Date?
    /// Made from a template; members follow a roster when `rosterBound`.
    public var template: String?
    public var rosterBound: Bool
    /// A direct chat: the other person and their photo's version (see `UserView.photo`).
    public var peerId: UUID?
    public var peerPhoto: String?
}

public struct ChatMemberView: Sendable, Codable, Equatable {
    public var userId: UUID
    public var fullName: String
    public var role: ChatRole
    /// Their photo's version (see `UserView.photo`).
    public var photo: String?
}
