import FluentKit
import FluentSQL
import Foundation
import SQLKit

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
