import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
