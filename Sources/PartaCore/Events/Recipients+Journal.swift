import FluentKit
import Foundation

/// Who receives the e-journal's notices (issue 14) — one function per event type, like the rest of `Recipients`.
extension Recipients {
    /// `grade.changed` (a grade or a term mark set, changed or removed): the student and their
    /// parents in the school (§6.5 «информируют родителей … о результатах»). Not the teacher who
    /// made the change, nor anyone else.
    public func ofMarks(studentID: UUID, schoolID: UUID) async throws -> [UUID] {
        let parents = try await FamilyLinkRecord.query(on: ctx.store.db).filter(\.$childID == studentID)
            .filter(\.$schoolID == schoolID).all().map(\.parentID)
        var seen = Set<UUID>()
        return ([studentID] + parents).filter { seen.insert($0).inserted }
    }
}
