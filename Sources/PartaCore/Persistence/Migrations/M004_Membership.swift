import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
