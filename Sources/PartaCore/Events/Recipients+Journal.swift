import FluentKit
import Foundation
import SQLKit

/// Who receives the e-journal's notices (issue 14) — one function per event type, like the rest of `Recipients`.
extension Recipients {
    /// `grade.changed` (a grade or a term mark set, changed or removed): the student and their
    /// parents in the school (§6.5 «информируют родителей … о результатах»). Not the teacher who
    /// made the change, nor anyone else.
    public func ofMarks(studentID: UUID, schoolID: UUID) async throws -> [UUID] {
        let sql = ctx.store.sql, ids = RowIDs(sql)
        let parents = try await sql.raw("""
            SELECT parent_id FROM family_links WHERE child_id = \(bind: studentID) AND school_id = \(bind: schoolID)
            """).all().map { try ids.id($0, "parent_id") }
        var seen = Set<UUID>()
        return ([studentID] + parents).filter { seen.insert($0).inserted }
    }
}
