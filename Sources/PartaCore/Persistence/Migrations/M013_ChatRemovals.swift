import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
