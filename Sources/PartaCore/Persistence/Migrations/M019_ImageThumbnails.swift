import FluentKit
import Foundation

/// Image previews made by the server (issue 13): a JPEG or PNG sent to a chat keeps its size as
/// shown (after the EXIF orientation) and its preview's, so the web client reserves the space
/// before either loads. The preview is the file `<id>.thumb` beside the original (`FileStore`);
/// no width means no preview (another type, or an image the server could not decode).
struct M019_ImageThumbnails: AsyncMigration {
    func prepare(on db: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for field in ["width", "height", "thumb_width", "thumb_height"] {
            try await db.schema("stored_files").field(.string(field), .int).update()
        }
    }

    func revert(on db: any Database) async throws {
        for field in ["thumb_height", "thumb_width", "height", "width"] {
            try await db.schema("stored_files").deleteField(.string(field)).update()
        }
    }
}
