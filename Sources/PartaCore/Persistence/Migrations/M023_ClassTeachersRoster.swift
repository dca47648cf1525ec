import FluentKit
import Foundation
import SQLKit

/// «5А — учителя класса» chats follow who teaches in the class (issue 14): made before, their
/// members were picked by hand. They become roster-bound (`roster_role = 'teacher'` with the
/// class); the people picked stay as ordinary members, and the class's teachers join at the next
/// change of its assignments, timetable or homeroom teacher.
struct M023_ClassTeachersRoster: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE chats SET roster_role = 'teacher' WHERE template = 'class_teachers' AND roster_class_id IS NOT NULL").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE chats SET roster_role = NULL WHERE template = 'class_teachers'").run()
    }
}
