import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
