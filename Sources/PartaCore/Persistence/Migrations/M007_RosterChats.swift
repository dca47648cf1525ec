import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
