import FluentKit
import Foundation

/// A parent whose child's name did not match the class list asks the homeroom teacher instead of
/// meeting a dead end (issue 13): the request keeps the name as the parent typed it, and the one
/// who approves picks the student.
struct M016_ChildNamedByParent: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("join_requests").field("child_name_typed", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("join_requests").deleteField("child_name_typed").update()
    }
}
