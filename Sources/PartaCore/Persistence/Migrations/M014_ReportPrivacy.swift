import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Whether a chat's moderators (not only the school's administrators) see who reported a message;
/// off by default (issue 11: a child's report stays out of the accused's hands).
struct M014_ReportPrivacy: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("schools")
            .field("moderators_see_reporters", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("schools").deleteField("moderators_see_reporters").update()
    }
}
