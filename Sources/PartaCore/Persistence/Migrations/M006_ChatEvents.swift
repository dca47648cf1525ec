import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
