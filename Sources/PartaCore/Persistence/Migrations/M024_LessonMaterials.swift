import FluentKit
import Foundation

/// A lesson's materials (issue 14 item 5): links and files, in the teacher's order. A file is one of
/// the journal files (`journal_files`, uploaded first) and belongs to one lesson's materials at most.
struct M024_LessonMaterials: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("lesson_materials")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("lesson_id", .uuid, .required, .references("lessons", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("url", .string)
            .field("journal_file_id", .uuid, .references("journal_files", "id", onDelete: .cascade))
            .field("created_by", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await Index.create("lesson_materials_lesson_idx", on: "lesson_materials", columns: ["lesson_id"], db: db)
        // A file is attached once: to one lesson's materials (homework and hand-ins are checked by the service).
        try await Index.createUnique("lesson_materials_file_key", on: "lesson_materials", columns: ["journal_file_id"],
                                     where: "journal_file_id IS NOT NULL", db: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("lesson_materials").delete()
    }
}
