import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// The index of pinned messages holds pinned messages only (a partial index): sending a message no
/// longer writes an entry into it (durable sends, docs/ARCHITECTURE.md "Hot paths").
struct M012_PinnedMessagesIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.drop(index: "messages_pinned_idx").run()
        try await sql.raw("CREATE INDEX messages_pinned_idx ON messages (chat_id, pinned_at) WHERE pinned_at IS NOT NULL").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.drop(index: "messages_pinned_idx").run()
        try await Index.create("messages_pinned_idx", on: "messages", columns: ["chat_id", "pinned_at"], db: db)
    }
}
