import FluentKit
import Foundation

/// Grades and attendance (issue 14 items 8, 9, 11): the school's scale and kinds of work with their
/// weights, grades per lesson (or submission), attendance per lesson, term and year marks, and the
/// history of every change. Existing schools get the default kinds of work.
struct M021_Grades: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("grading_settings")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("uses_one", .bool, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .uuid, .required)
            .unique(on: "school_id", name: "grading_settings_school_key")
            .create()
        try await db.schema("work_kinds")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("weight", .double, .required)
            .field("position", .int, .required)
            .field("archived", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "school_id", "name", name: "work_kinds_name_key")
            .create()

        try await db.schema("grades")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("subject_id", .uuid, .required, .references("subjects", "id"))
            .field("lesson_id", .uuid, .required, .references("lessons", "id", onDelete: .cascade))
            .field("student_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("work_kind_id", .uuid, .required, .references("work_kinds", "id"))
            .field("value", .string, .required)
            .field("comment", .string, .required)
            .field("submission_id", .uuid)
            .field("basis_at", .datetime, .required)
            .field("late", .bool, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("updated_by", .uuid, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "lesson_id", "student_id", "work_kind_id", name: "grades_key")
            .create()
        try await Index.create("grades_student_idx", on: "grades", columns: ["student_id", "subject_id"], db: db)
        try await Index.create("grades_submission_idx", on: "grades", columns: ["submission_id"], db: db)

        try await db.schema("attendance")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("lesson_id", .uuid, .required, .references("lessons", "id", onDelete: .cascade))
            .field("student_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("reason", .string)
            .field("source", .string, .required)
            .field("set_by", .uuid, .required)
            .field("set_at", .datetime, .required)
            .unique(on: "lesson_id", "student_id", name: "attendance_key")
            .create()
        try await Index.create("attendance_student_idx", on: "attendance", columns: ["student_id"], db: db)

        try await db.schema("term_marks")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required, .references("classes", "id", onDelete: .cascade))
            .field("subject_id", .uuid, .required, .references("subjects", "id"))
            .field("student_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("academic_year", .int, .required)
            .field("period", .string, .required)
            .field("value", .string, .required)
            .field("set_by", .uuid, .required)
            .field("set_at", .datetime, .required)
            .unique(on: "class_id", "subject_id", "student_id", "academic_year", "period", name: "term_marks_key")
            .create()

        try await db.schema("journal_changes")
            .id()
            .field("school_id", .uuid, .required, .references("schools", "id", onDelete: .cascade))
            .field("class_id", .uuid, .required)
            .field("subject_id", .uuid, .required)
            .field("lesson_id", .uuid)
            .field("student_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("detail", .string, .required)
            .field("old_value", .string, .required)
            .field("new_value", .string, .required)
            .field("actor_id", .uuid, .required)
            .field("at", .datetime, .required)
            .create()
        try await Index.create("journal_changes_school_idx", on: "journal_changes", columns: ["school_id", "at"], db: db)
        try await Index.create("journal_changes_student_idx", on: "journal_changes", columns: ["student_id", "at"], db: db)

        let now = Date()
        for school in try await SchoolRecord.query(on: db).all() {
            try await WorkKinds.seed(schoolID: try school.requireID(), now: now, on: db)
        }
    }

    func revert(on db: any Database) async throws {
        for table in ["journal_changes", "term_marks", "attendance", "grades", "work_kinds", "grading_settings"] {
            try await db.schema(table).delete()
        }
    }
}
