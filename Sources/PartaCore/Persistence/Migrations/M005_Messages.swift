import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
