import FluentKit
import Foundation

/// Calendar feeds (issue 14 item 4): a secret address per person — and, for a parent, per child —
/// that a calendar app subscribes to. Only the token's SHA-256 is kept; one feed per (owner,
/// whose lessons), so making it again replaces the token.
struct M022_CalendarFeeds: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("calendar_feeds")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("person_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .unique(on: "token_hash", name: "calendar_feeds_token_key")
            .unique(on: "user_id", "person_id", name: "calendar_feeds_person_key")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("calendar_feeds").delete()
    }
}
