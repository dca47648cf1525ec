import FluentKit
import Foundation

/// The history of a person's moves in a school (§2.1 "движение"), one row per move.
enum History {
    enum Kind: String { case joined, transferred, left, graduated, promoted, roleAdded = "role_added", roleRemoved = "role_removed" }

    static func record(schoolID: UUID, userID: UUID, kind: Kind, role: SchoolRole?, from: String?, to: String?,
                       actorID: UUID?, note: String, at: Date, on db: any Database) async throws {
        try await row(schoolID: schoolID, userID: userID, kind: kind, role: role, from: from, to: to,
                      actorID: actorID, note: note, at: at).create(on: db)
    }

    /// The row of one move, not yet written (batches write many at once).
    static func row(schoolID: UUID, userID: UUID, kind: Kind, role: SchoolRole?, from: String?, to: String?,
                    actorID: UUID?, note: String, at: Date) -> MemberEventRecord {
        let event = MemberEventRecord()
        event.schoolID = schoolID; event.userID = userID; event.kind = kind.rawValue; event.role = role?.rawValue
        event.fromClass = from; event.toClass = to; event.actorID = actorID; event.note = String(note.prefix(500)); event.at = at
        return event
    }
}
