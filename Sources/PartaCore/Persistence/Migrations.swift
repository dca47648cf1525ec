import FluentKit
import FluentSQL
import SQLKit
import Foundation

/// Append-only: never edit a migration that has shipped; add a new one. Each has a revert.
public enum PartaMigrations {
    public static let all: [any AsyncMigration] = [
        M001_Identity(),
        M002_Schools(),
        M003_Invites(),
        M004_Membership(),
        M005_Messages(),
        M006_ChatEvents(),
        M007_RosterChats(),
        M008_Attachments(),
        M009_Polls(),
        M010_MessageSearch(),
        M011_ChatInvites(),
        M012_PinnedMessagesIndex(),
        M013_ChatRemovals(),
        M014_ReportPrivacy(),
    ]
}

struct M001_Identity: AsyncMigration {
    var name: String { "001_identity" }

    func prepare(on db: any Database) async throws {
        try await db.schema("users")
            .id()
            .field("full_name", .string, .required)
            .field("phone", .string)
            .field("email", .string)
            .field("login", .string)
            .field("password_hash", .string)
            .field("status", .string, .required)
            .field("is_operator", .bool, .required)
            .field("locale", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "phone", name: "users_phone_key")
            .unique(on: "email", name: "users_email_key")
            .unique(on: "login", name: "users_login_key")
            .create()

        try await db.schema("sessions")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("user_agent", .string, .required)
            .field("ip", .string, .required)
            .unique(on: "token_hash", name: "sessions_token_hash_key")
            .create()
        try await Index.create("sessions_user_idx", on: "sessions", columns: ["user_id"], db: db)

        try await db.schema("one_time_codes")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("destination", .string, .required)
            .field("purpose", .string, .required)
            .field("code_hash", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("consumed_at", .datetime)
            .create()
        try await Index.create("one_time_codes_user_idx", on: "one_time_codes", columns: ["user_id", "purpose"], db: db)

        try await db.schema("link_tokens")
            .id()
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash", name: "link_tokens_token_hash_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("link_tokens").delete()
        try await db.schema("one_time_codes").delete()
        try await db.schema("sessions").delete()
        try await db.schema("users").delete()
    }
}

struct M002_Schools: AsyncMigration {
    var name: String { "002_schools" }

    func prepare(on db: any Database) async throws {
        try await db.schema("stored_files")
            .id()
            .field("file_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int64, .required)
            .field("sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .create()

        try await db.schema("schools")
            .id()
            .field("name", .string, .required)
            .field("short_name", .string, .required)
            .field("address", .string, .required)
            .field("region", .string, .required)
            .field("inn", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .field("website", .string, .required)
            .field("director_name", .string, .required)
            .field("timezone", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await db.schema("school_applications")
            .id()
            .field("school_name", .string, .required)
            .field("short_name", .string, .required)
            .field("address", .string, .required)
            .field("region", .string, .required)
            .field("inn", .string, .required)
            .field("admin_full_name", .string, .required)
            .field("admin_email", .string, .required)
            .field("admin_phone", .string, .required)
            .field("order_file_id", .uuid, .required, .references("stored_files", "id"))
            .field("status", .string, .required)
            .field("reject_reason", .string)
            .field("decided_by", .uuid, .references("users", "id"))
            .field("decided_at", .datetime)
            .field("school_id", .uuid, .references("schools", "id"))
            .field("submitted_ip", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("school_applications_status_idx", on: "school_applications", columns: ["status", "created_at"], db: db)

        try await db.schema("memberships")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("verified", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "school_id", "user_id", "role", name: "memberships_school_user_role_key")
            .create()
        try await Index.create("memberships_user_idx", on: "memberships", columns: ["user_id"], db: db)

        try await db.schema("classes")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("grade", .int)
            .field("letter", .string)
            .field("academic_year", .int, .required)
            .field("archived", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("classes_school_idx", on: "classes", columns: ["school_id"], db: db)

        try await db.schema("class_members")
            .id()
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "class_id", "user_id", "role", name: "class_members_class_user_role_key")
            .create()

        try await db.schema("chats")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("system_audience", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("chats_school_idx", on: "chats", columns: ["school_id"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("chats").delete()
        try await db.schema("class_members").delete()
        try await db.schema("classes").delete()
        try await db.schema("memberships").delete()
        try await db.schema("school_applications").delete()
        try await db.schema("schools").delete()
        try await db.schema("stored_files").delete()
    }
}

/// Invite links for (class, role) (§2.1). The token is kept as it is, not hashed: administrators
/// see and re-share their links (QR codes on a parents' meeting); it is 256 random bits.
struct M003_Invites: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("invite_links")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("token", .string, .required)
            .field("created_by", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime)
            .field("max_uses", .int)
            .field("uses", .int, .required)
            .field("revoked_at", .datetime)
            .field("revoked_by", .uuid, .references("users", "id"))
            .unique(on: "token", name: "invite_links_token_key")
            .create()
        try await Index.create("invite_links_school_idx", on: "invite_links", columns: ["school_id", "created_at"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("invite_links").delete()
    }
}

/// Membership (§2.1–§2.6): homeroom teachers, families, the history of moves, the audit log,
/// join requests and links that need approval, and a folded search key on people.
struct M004_Membership: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("users").field("search_key", .string).update()
        try await db.schema("invite_links").field("needs_approval", .bool, .required, .sql(.default(false))).update()
        // Existing people get their search key.
        for user in try await UserRecord.query(on: db).all() {
            user.searchKey = UserSearchKey.make(user)
            try await user.save(on: db)
        }
        try await Index.create("users_search_key_idx", on: "users", columns: ["search_key"], db: db)
        // A person's classes (members list, transfer, leaving) and people by name (the list's order).
        try await Index.create("class_members_user_idx", on: "class_members", columns: ["user_id"], db: db)
        try await Index.create("users_full_name_idx", on: "users", columns: ["full_name", "id"], db: db)

        try await db.schema("homeroom_assignments")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("assigned_by", .uuid, .required, .references("users", "id"))
            .field("started_at", .datetime, .required)
            .field("ended_at", .datetime)
            .create()
        try await Index.create("homeroom_user_idx", on: "homeroom_assignments", columns: ["user_id"], db: db)
        // One current homeroom teacher per class; the history keeps the earlier ones.
        try await Index.createUnique("homeroom_current_key", on: "homeroom_assignments", columns: ["class_id"],
                                     where: "ended_at IS NULL", db: db)

        try await db.schema("family_links")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("parent_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("child_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .unique(on: "parent_id", "child_id", name: "family_links_pair_key")
            .create()
        try await Index.create("family_links_child_idx", on: "family_links", columns: ["child_id"], db: db)

        try await db.schema("member_events")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("role", .string)
            .field("from_class", .string)
            .field("to_class", .string)
            .field("actor_id", .uuid)
            .field("note", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await Index.create("member_events_user_idx", on: "member_events", columns: ["school_id", "user_id", "at"], db: db)

        try await db.schema("audit_log")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("actor_id", .uuid, .required)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("target_user_id", .uuid)
            .field("target", .string, .required)
            .field("details", .string, .required)
            .field("ip", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await Index.create("audit_log_school_idx", on: "audit_log", columns: ["school_id", "at"], db: db)

        try await db.schema("join_requests")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("invite_id", .uuid, .required, .references("invite_links", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("child_id", .uuid, .references("users", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("reason", .string)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("join_requests_school_idx", on: "join_requests", columns: ["school_id", "status", "created_at"], db: db)
        try await Index.create("join_requests_user_idx", on: "join_requests", columns: ["user_id"], db: db)
        try await Index.createUnique("join_requests_pending_key", on: "join_requests", columns: ["class_id", "user_id", "role"],
                                     where: "status = 'pending'", db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("join_requests").delete()
        try await db.schema("audit_log").delete()
        try await db.schema("member_events").delete()
        try await db.schema("family_links").delete()
        try await db.schema("homeroom_assignments").delete()
        try await db.schema("invite_links").deleteField("needs_approval").update()
        if let sql = db as? any SQLDatabase {
            for index in ["users_search_key_idx", "class_members_user_idx", "users_full_name_idx"] {
                try await sql.raw("DROP INDEX IF EXISTS \(ident: index)").run()
            }
        }
        try await db.schema("users").deleteField("search_key").update()
    }
}

/// Chats and messages (issue 4): chat members with read state, messages numbered per chat.
struct M005_Messages: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chats").field("created_by", .uuid).update()
        try await db.schema("chats").field("read_only", .bool, .required, .sql(.default(false))).update()
        try await db.schema("chats").field("last_seq", .int, .required, .sql(.default(0))).update()

        try await db.schema("chat_members")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("last_read_seq", .int, .required)
            .field("joined_at", .datetime, .required)
            .unique(on: "chat_id", "user_id", name: "chat_members_chat_user_key")
            .create()
        try await Index.create("chat_members_user_idx", on: "chat_members", columns: ["user_id"], db: db)

        try await db.schema("messages")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("author_id", .uuid, .required, .references("users", "id"))
            .field("client_id", .string)
            .field("text", .string, .required)
            .field("reply_to", .uuid)
            .field("created_at", .datetime, .required)
            .field("edited_at", .datetime)
            .field("deleted_at", .datetime)
            .unique(on: "chat_id", "seq", name: "messages_chat_seq_key")
            .unique(on: "author_id", "client_id", name: "messages_author_client_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("messages").delete()
        try await db.schema("chat_members").delete()
        try await db.schema("chats").deleteField("last_seq").update()
        try await db.schema("chats").deleteField("read_only").update()
        try await db.schema("chats").deleteField("created_by").update()
    }
}

/// The realtime event log (every chat event numbered per chat, kept for replay after a gap),
/// reactions, pins, forwards and mentions.
struct M006_ChatEvents: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chats").field("last_event", .int, .required, .sql(.default(0))).update()
        try await db.schema("chat_events")
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("type", .string, .required)
            .field("message_id", .uuid)
            .field("data", .string, .required)
            .field("created_at", .datetime, .required)
            .compositeIdentifier(over: "chat_id", "seq")
            .create()
        try await Index.create("chat_events_message_idx", on: "chat_events", columns: ["message_id"], db: db)
        try await Index.create("chat_events_created_idx", on: "chat_events", columns: ["created_at"], db: db)

        try await db.schema("messages").field("pinned_at", .datetime).update()
        try await db.schema("messages").field("forwarded_from", .string).update()
        try await db.schema("messages").field("mentions", .string).update()
        try await Index.create("messages_pinned_idx", on: "messages", columns: ["chat_id", "pinned_at"], db: db)

        try await db.schema("message_reactions")
            .id()
            .field("message_id", .uuid, .required, .references("messages", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("emoji", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "message_id", "user_id", "emoji", name: "message_reactions_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("message_reactions").delete()
        if let sql = db as? any SQLDatabase { try await sql.drop(index: "messages_pinned_idx").run() }
        try await db.schema("messages").deleteField("mentions").update()
        try await db.schema("messages").deleteField("forwarded_from").update()
        try await db.schema("messages").deleteField("pinned_at").update()
        try await db.schema("chat_events").delete()
        try await db.schema("chats").deleteField("last_event").update()
    }
}

/// Chats made from templates (§2.2, §2.3): bound to a roster — a class's students or parents, or a
/// school role — whose members follow it; moderation (muted until, reports).
struct M007_RosterChats: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chats").field("template", .string).update()
        try await db.schema("chats").field("roster_class_id", .uuid).update()
        try await db.schema("chats").field("roster_role", .string).update()
        try await db.schema("chat_members").field("via_roster", .bool, .required, .sql(.default(false))).update()
        try await db.schema("chat_members").field("muted_until", .datetime).update()
        try await Index.create("chats_roster_idx", on: "chats", columns: ["school_id", "roster_role"], db: db)

        try await db.schema("message_reports")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("message_id", .uuid, .required, .references("messages", "id", onDelete: .cascade))
            .field("reporter_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("author_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("original_text", .string, .required)
            .field("reason", .string, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("resolved_by", .uuid)
            .field("resolved_at", .datetime)
            .field("resolution", .string)
            .unique(on: "message_id", "reporter_id", name: "message_reports_once_key")
            .create()
        try await Index.create("message_reports_school_idx", on: "message_reports", columns: ["school_id", "status", "created_at"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("message_reports").delete()
        if let sql = db as? any SQLDatabase { try await sql.drop(index: "chats_roster_idx").run() }
        try await db.schema("chat_members").deleteField("muted_until").update()
        try await db.schema("chat_members").deleteField("via_roster").update()
        try await db.schema("chats").deleteField("roster_role").update()
        try await db.schema("chats").deleteField("roster_class_id").update()
        try await db.schema("chats").deleteField("template").update()
    }
}

/// Files and images in messages: uploaded first (bound to nothing), attached when the message is sent.
struct M008_Attachments: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("attachments")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("message_id", .uuid, .references("messages", "id", onDelete: .cascade))
            .field("uploader_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("file_id", .uuid, .required, .references("stored_files", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("attachments_message_idx", on: "attachments", columns: ["message_id"], db: db)
        try await Index.create("attachments_chat_idx", on: "attachments", columns: ["chat_id", "uploader_id"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("attachments").delete()
    }
}

/// Polls in chats: a message carries the poll; votes per person and option.
struct M009_Polls: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("polls")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("message_id", .uuid, .required, .references("messages", "id", onDelete: .cascade))
            .field("question", .string, .required)
            .field("options", .string, .required)
            .field("multiple", .bool, .required)
            .field("anonymous", .bool, .required)
            .field("closed_at", .datetime)
            .unique(on: "message_id", name: "polls_message_key")
            .create()
        try await db.schema("poll_votes")
            .id()
            .field("poll_id", .uuid, .required, .references("polls", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("option", .int, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "poll_id", "user_id", "option", name: "poll_votes_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("poll_votes").delete()
        try await db.schema("polls").delete()
    }
}

/// Full-text search of messages, «ё» read as «е» and case ignored: SQLite a contentless FTS5 table
/// of the folded text kept in step by triggers; PostgreSQL a GIN index on the `russian` tsvector of
/// the folded text (`MessageSearch.foldedSQL`, the same expression in queries).
struct M010_MessageSearch: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            let folded = { (row: String) in "replace(replace(\(row).text, 'ё', 'е'), 'Ё', 'Е')" }
            try await sql.raw("CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')").run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
                  INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, \(unsafeRaw: folded("new")));
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, \(unsafeRaw: folded("old")));
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
                  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, \(unsafeRaw: folded("old")));
                  INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, \(unsafeRaw: folded("new")));
                END
                """).run()
            try await sql.raw("INSERT INTO messages_fts(rowid, text) SELECT rowid, \(unsafeRaw: folded("messages")) FROM messages").run()
        } else {
            try await sql.raw("CREATE INDEX messages_fts_idx ON messages USING GIN (\(unsafeRaw: MessageSearch.foldedSQL))").run()
        }
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            for trigger in ["messages_fts_insert", "messages_fts_delete", "messages_fts_update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
            }
            try await sql.raw("DROP TABLE IF EXISTS messages_fts").run()
        } else {
            try await sql.raw("DROP INDEX IF EXISTS messages_fts_idx").run()
        }
    }
}

/// Links with which students and parents join a chat (§2.5, §2.6): expiry, use limit, revocation.
struct M011_ChatInvites: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chat_invites")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("token", .string, .required)
            .field("created_by", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("max_uses", .int)
            .field("uses", .int, .required)
            .field("revoked_at", .datetime)
            .unique(on: "token", name: "chat_invites_token_key")
            .create()
        try await Index.create("chat_invites_chat_idx", on: "chat_invites", columns: ["chat_id"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("chat_invites").delete()
    }
}

public enum MessageSearch {
    /// PostgreSQL: the indexed expression; queries must repeat it exactly to use the index.
    static let foldedSQL = "to_tsvector('russian', replace(replace(text, 'ё', 'е'), 'Ё', 'Е'))"
}

/// Plain indexes through SQLKit (Fluent's schema builder has no CREATE INDEX); the same SQL runs
/// on SQLite and PostgreSQL.
/// The index of pinned messages holds pinned messages only (a partial index): sending a message no
/// longer writes an entry into it (durable sends, docs/ARCHITECTURE.md "Hot paths").
struct M012_PinnedMessagesIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.drop(index: "messages_pinned_idx").run()
        try await sql.raw("CREATE INDEX messages_pinned_idx ON messages (chat_id, pinned_at) WHERE pinned_at IS NOT NULL").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.drop(index: "messages_pinned_idx").run()
        try await Index.create("messages_pinned_idx", on: "messages", columns: ["chat_id", "pinned_at"], db: db)
    }
}

/// Who was removed from a chat by its moderators: they cannot come back by an invite link until a
/// moderator adds them again (leaving on one's own leaves no record).
struct M013_ChatRemovals: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("chat_removals")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("removed_by", .uuid, .required)
            .field("removed_at", .datetime, .required)
            .unique(on: "chat_id", "user_id", name: "chat_removals_chat_user_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("chat_removals").delete()
    }
}

/// Whether a chat's moderators (not only the school's administrators) see who reported a message;
/// off by default (issue 11: a child's report stays out of the accused's hands).
struct M014_ReportPrivacy: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("schools")
            .field("moderators_see_reporters", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("schools").deleteField("moderators_see_reporters").update()
    }
}

enum Index {
    static func create(_ name: String, on table: String, columns: [String], db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }

    /// A unique index over the rows matching `predicate` (a partial index: the same SQL on both databases).
    static func createUnique(_ name: String, on table: String, columns: [String], where predicate: String, db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("CREATE UNIQUE INDEX \(ident: name) ON \(ident: table) (\(unsafeRaw: columns.joined(separator: ", "))) WHERE \(unsafeRaw: predicate)").run()
    }
}
