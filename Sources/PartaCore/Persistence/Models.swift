import FluentKit
import Foundation

// Fluent models: the storage shape. Services map them to the values they return; the API's
// shapes live in the transport layer's DTOs, never here.

public final class UserRecord: Model, @unchecked Sendable {
    // @unchecked: Fluent models are mutable classes by design; each instance is used by one task.
    public static let schema = "users"
    @ID(key: .id) public var id: UUID?
    @Field(key: "full_name") public var fullName: String
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "login") public var login: String?
    @OptionalField(key: "password_hash") public var passwordHash: String?
    @Field(key: "status") public var status: String
    @Field(key: "is_operator") public var isOperator: Bool
    @Field(key: "locale") public var locale: String
    @Field(key: "created_at") public var createdAt: Date
    /// Name, phone, email and login folded for search (lower case, ё→е); kept by `UserSearchKey`.
    @OptionalField(key: "search_key") public var searchKey: String?
    // `photo_id` (M020, the current profile photo) is read and written with SQL only
    // (`UserPhoto`, `ProfilePhotoService`): M004 loads this model while that column does not exist yet.
    public init() {}
}

public final class SessionRecord: Model, @unchecked Sendable {
    public static let schema = "sessions"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "user_agent") public var userAgent: String
    @Field(key: "ip") public var ip: String
    public init() {}
}

public final class OneTimeCodeRecord: Model, @unchecked Sendable {
    public static let schema = "one_time_codes"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "destination") public var destination: String
    @Field(key: "purpose") public var purpose: String
    @Field(key: "code_hash") public var codeHash: String
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "consumed_at") public var consumedAt: Date?
    public init() {}
}

/// Single-use links: operator setup and account activation. Only a hash of the token is stored.
public final class LinkTokenRecord: Model, @unchecked Sendable {
    public static let schema = "link_tokens"
    @ID(key: .id) public var id: UUID?
    @Field(key: "purpose") public var purpose: String
    @Field(key: "token_hash") public var tokenHash: String
    @OptionalField(key: "user_id") public var userID: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?
    public init() {}
}

public final class StoredFileRecord: Model, @unchecked Sendable {
    public static let schema = "stored_files"
    @ID(key: .id) public var id: UUID?
    @Field(key: "file_name") public var fileName: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @Field(key: "sha256") public var sha256: String
    @Field(key: "created_at") public var createdAt: Date
    /// An image's size as shown and its preview's (M019); nil for other files.
    @OptionalField(key: "width") public var width: Int?
    @OptionalField(key: "height") public var height: Int?
    @OptionalField(key: "thumb_width") public var thumbWidth: Int?
    @OptionalField(key: "thumb_height") public var thumbHeight: Int?
    public init() {}
}

public final class SchoolApplicationRecord: Model, @unchecked Sendable {
    public static let schema = "school_applications"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_name") public var schoolName: String
    @Field(key: "short_name") public var shortName: String
    @Field(key: "address") public var address: String
    @Field(key: "region") public var region: String
    @Field(key: "inn") public var inn: String
    @Field(key: "admin_full_name") public var adminFullName: String
    @Field(key: "admin_email") public var adminEmail: String
    @Field(key: "admin_phone") public var adminPhone: String
    @Field(key: "order_file_id") public var orderFileID: UUID
    @Field(key: "status") public var status: String
    @OptionalField(key: "reject_reason") public var rejectReason: String?
    @OptionalField(key: "decided_by") public var decidedBy: UUID?
    @OptionalField(key: "decided_at") public var decidedAt: Date?
    @OptionalField(key: "school_id") public var schoolID: UUID?
    @Field(key: "submitted_ip") public var submittedIP: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class SchoolRecord: Model, @unchecked Sendable {
    public static let schema = "schools"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "short_name") public var shortName: String
    @Field(key: "address") public var address: String
    @Field(key: "region") public var region: String
    @Field(key: "inn") public var inn: String
    @Field(key: "phone") public var phone: String
    @Field(key: "email") public var email: String
    @Field(key: "website") public var website: String
    @Field(key: "director_name") public var directorName: String
    @Field(key: "timezone") public var timezone: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    /// Chat moderators see who reported a message (administrators always do). Off by default.
    @Field(key: "moderators_see_reporters") public var moderatorsSeeReporters: Bool
    public init() {}
}

/// One role of one person in one school.
public final class MembershipRecord: Model, @unchecked Sendable {
    public static let schema = "memberships"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "role") public var role: String
    /// Teachers wait for an administrator's confirmation (§2.3, §2.4); others are verified on joining.
    @Field(key: "verified") public var verified: Bool
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

public final class ClassRecord: Model, @unchecked Sendable {
    public static let schema = "classes"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "kind") public var kind: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "grade") public var grade: Int?
    @OptionalField(key: "letter") public var letter: String?
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "archived") public var archived: Bool
    @Field(key: "created_at") public var createdAt: Date
    /// The shift the class studies in (1 or 2): which bell schedule its lessons follow; none is the first.
    @OptionalField(key: "shift") public var shift: Int?
    public init() {}
}

public final class ClassMemberRecord: Model, @unchecked Sendable {
    public static let schema = "class_members"
    @ID(key: .id) public var id: UUID?
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "role") public var role: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// Chats and channels. Only the school's system channels exist in the foundation; their audience
/// (`school` or `staff`) decides who reads them, so membership follows the school roster.
public final class ChatRecord: Model, @unchecked Sendable {
    public static let schema = "chats"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "kind") public var kind: String
    @Field(key: "title") public var title: String
    @OptionalField(key: "system_audience") public var systemAudience: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "created_by") public var createdBy: UUID?
    /// Only the chat's owner and admins post (channels always are).
    @Field(key: "read_only") public var readOnly: Bool
    /// The sequence number of the chat's newest message (messages are numbered 1, 2, 3… per chat).
    @Field(key: "last_seq") public var lastSeq: Int
    /// The number of the chat's newest realtime event (`chat_events`; 1, 2, 3… per chat).
    @Field(key: "last_event") public var lastEvent: Int
    /// Made from a template (`ChatTemplate` key), if so.
    @OptionalField(key: "template") public var template: String?
    /// A roster-bound chat's members follow the roster: a class's students or parents
    /// (`rosterClassID` + `rosterRole`), or everyone of the school with a role (`rosterRole` alone).
    @OptionalField(key: "roster_class_id") public var rosterClassID: UUID?
    @OptionalField(key: "roster_role") public var rosterRole: String?
    public init() {}
}

/// A person in a chat: owner, admin or member; `lastReadSeq` is how far they have read.
public final class ChatMemberRecord: Model, @unchecked Sendable {
    public static let schema = "chat_members"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "role") public var role: String
    @Field(key: "last_read_seq") public var lastReadSeq: Int
    @Field(key: "joined_at") public var joinedAt: Date
    /// Added by the chat's roster (and removed by it), not by a person.
    @Field(key: "via_roster") public var viaRoster: Bool
    /// Muted by a moderator: reads, does not write, until then.
    @OptionalField(key: "muted_until") public var mutedUntil: Date?
    public init() {}
}

/// A message: numbered per chat; `clientID` makes a retried send land once; deleting leaves a tombstone.
public final class MessageRecord: Model, @unchecked Sendable {
    public static let schema = "messages"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "seq") public var seq: Int
    @Field(key: "author_id") public var authorID: UUID
    @OptionalField(key: "client_id") public var clientID: String?
    @Field(key: "text") public var text: String
    @OptionalField(key: "reply_to") public var replyTo: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "edited_at") public var editedAt: Date?
    @OptionalField(key: "deleted_at") public var deletedAt: Date?
    @OptionalField(key: "pinned_at") public var pinnedAt: Date?
    /// A forwarded message: the original author's name.
    @OptionalField(key: "forwarded_from") public var forwardedFrom: String?
    /// The people mentioned (@Имя), as comma-separated ids; "all" for @all.
    @OptionalField(key: "mentions") public var mentions: String?
    public init() {}
}

/// One person's reaction (an emoji) to a message.
public final class MessageReactionRecord: Model, @unchecked Sendable {
    public static let schema = "message_reactions"
    @ID(key: .id) public var id: UUID?
    @Field(key: "message_id") public var messageID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "emoji") public var emoji: String
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// An invite link for one (class, role) of a school (§2.1).
public final class InviteLinkRecord: Model, @unchecked Sendable {
    public static let schema = "invite_links"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "role") public var role: String
    @Field(key: "token") public var token: String
    @Field(key: "created_by") public var createdBy: UUID
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    @OptionalField(key: "max_uses") public var maxUses: Int?
    @Field(key: "uses") public var uses: Int
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @OptionalField(key: "revoked_by") public var revokedBy: UUID?
    /// People joining through it wait in the join-request queue (§2.1).
    @Field(key: "needs_approval") public var needsApproval: Bool
    public init() {}
}

/// A class's homeroom teacher (§2.1 "назначает классных руководителей"): one current assignment
/// per class (`endedAt` nil), the earlier ones kept as history.
public final class HomeroomAssignmentRecord: Model, @unchecked Sendable {
    public static let schema = "homeroom_assignments"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "assigned_by") public var assignedBy: UUID
    @Field(key: "started_at") public var startedAt: Date
    @OptionalField(key: "ended_at") public var endedAt: Date?
    public init() {}
}

/// A parent and their child in one school (§2.6): the parent sees this child only.
public final class FamilyLinkRecord: Model, @unchecked Sendable {
    public static let schema = "family_links"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "parent_id") public var parentID: UUID
    @Field(key: "child_id") public var childID: UUID
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// One move of a person in a school (§2.1 "движение обучающихся и педагогических работников"):
/// joined, transferred, left, graduated, promoted, role added or removed. Never updated or deleted.
public final class MemberEventRecord: Model, @unchecked Sendable {
    public static let schema = "member_events"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "role") public var role: String?
    @OptionalField(key: "from_class") public var fromClass: String?
    @OptionalField(key: "to_class") public var toClass: String?
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "note") public var note: String
    @Field(key: "at") public var at: Date
    public init() {}
}

/// Every administrative action in a school: who, what, on whom, when, from which address.
public final class AuditRecord: Model, @unchecked Sendable {
    public static let schema = "audit_log"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "actor_id") public var actorID: UUID
    @Field(key: "actor_name") public var actorName: String
    @Field(key: "action") public var action: String
    @OptionalField(key: "target_user_id") public var targetUserID: UUID?
    @Field(key: "target") public var target: String
    @Field(key: "details") public var details: String
    @Field(key: "ip") public var ip: String
    @Field(key: "at") public var at: Date
    public init() {}
}

/// A request to join through a link that needs approval (§2.1): pending until an administrator
/// (or the class's homeroom teacher) approves or rejects it with a reason.
public final class JoinRequestRecord: Model, @unchecked Sendable {
    public static let schema = "join_requests"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "class_id") public var classID: UUID
    @Field(key: "invite_id") public var inviteID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "role") public var role: String
    @OptionalField(key: "child_id") public var childID: UUID?
    /// A parent's child as they typed it, when it matched nobody in the class: whoever approves picks the student.
    @OptionalField(key: "child_name_typed") public var childNameTyped: String?
    @Field(key: "status") public var status: String
    @OptionalField(key: "reason") public var reason: String?
    @OptionalField(key: "decided_by") public var decidedBy: UUID?
    @OptionalField(key: "decided_at") public var decidedAt: Date?
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A member's report of a message to the chat's moderators and the school's administrators; keeps
/// the text as it was when reported, whatever the author does to it afterwards.
public final class MessageReportRecord: Model, @unchecked Sendable {
    public static let schema = "message_reports"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "message_id") public var messageID: UUID
    @Field(key: "reporter_id") public var reporterID: UUID
    @Field(key: "author_id") public var authorID: UUID
    @Field(key: "original_text") public var originalText: String
    @Field(key: "reason") public var reason: String
    /// open | resolved
    @Field(key: "status") public var status: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "resolved_by") public var resolvedBy: UUID?
    @OptionalField(key: "resolved_at") public var resolvedAt: Date?
    /// What the moderator did: dismissed | deleted | muted | removed
    @OptionalField(key: "resolution") public var resolution: String?
    public init() {}
}

/// A file or image in a chat: uploaded (message nil), then part of a message.
public final class AttachmentRecord: Model, @unchecked Sendable {
    public static let schema = "attachments"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @OptionalField(key: "message_id") public var messageID: UUID?
    @Field(key: "uploader_id") public var uploaderID: UUID
    @Field(key: "file_id") public var fileID: UUID
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// A poll, carried by a message of its chat. `options` is a JSON array of strings.
public final class PollRecord: Model, @unchecked Sendable {
    public static let schema = "polls"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "message_id") public var messageID: UUID
    @Field(key: "question") public var question: String
    @Field(key: "options") public var options: String
    @Field(key: "multiple") public var multiple: Bool
    @Field(key: "anonymous") public var anonymous: Bool
    @OptionalField(key: "closed_at") public var closedAt: Date?
    public init() {}
}

public final class PollVoteRecord: Model, @unchecked Sendable {
    public static let schema = "poll_votes"
    @ID(key: .id) public var id: UUID?
    @Field(key: "poll_id") public var pollID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "option") public var option: Int
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}

/// Someone a chat's moderators removed: invite links and the roster do not bring them back.
public final class ChatRemovalRecord: Model, @unchecked Sendable {
    public static let schema = "chat_removals"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "removed_by") public var removedBy: UUID
    @Field(key: "removed_at") public var removedAt: Date
    public init() {}
}

/// A link to join one chat (stored as it is, like school invite links: moderators re-share it).
public final class ChatInviteRecord: Model, @unchecked Sendable {
    public static let schema = "chat_invites"
    @ID(key: .id) public var id: UUID?
    @Field(key: "chat_id") public var chatID: UUID
    @Field(key: "token") public var token: String
    @Field(key: "created_by") public var createdBy: UUID
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "max_uses") public var maxUses: Int?
    @Field(key: "uses") public var uses: Int
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    public init() {}
}
