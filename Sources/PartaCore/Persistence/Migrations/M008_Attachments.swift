import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Files and images in messages: uploaded first (bound to nothing), attached when the message is sent.
struct M008_Attachments: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("attachments")
            .id()
            .field("chat_id", .uuid, .required, .references("chats", "id", onDelete: .cascade))
            .field("message_id", .uuid, .references("messages", "id", onDelete: .cascade))
            .field("uploader_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("file_id", .uuid, .required, .references("stored_files", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("attachments_message_idx", on: "attachments", columns: ["message_id"], db: db)
        try await Index.create("attachments_chat_idx", on: "attachments", columns: ["chat_id", "uploader_id"], db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("attachments").delete()
    }
}
