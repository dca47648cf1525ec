import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
