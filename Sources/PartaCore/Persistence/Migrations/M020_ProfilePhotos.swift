import FluentKit
import Foundation

/// A person's profile photo (issue 13): the id of its current version; the files are that id's
/// 96 and 256 px squares (`<id>.96`, `<id>.256` in `FileStore`). A new photo gets a new id, so its
/// address changes and caches do not show the old one.
struct M020_ProfilePhotos: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("users").field("photo_id", .uuid).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("users").deleteField("photo_id").update()
    }
}
