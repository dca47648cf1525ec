import FluentKit
import Foundation

/// The audit log of administrative actions: written in the same transaction as the action itself.
enum Audit {
    static func record(_ actor: Actor, schoolID: UUID, action: String, targetUserID: UUID? = nil, target: String,
                       details: String = "", at: Date, on db: any Database) async throws {
        let name = try await UserRecord.find(actor.userID, on: db)?.fullName ?? ""
        let entry = AuditRecord()
        entry.schoolID = schoolID; entry.actorID = actor.userID; entry.actorName = name; entry.action = action
        entry.targetUserID = targetUserID; entry.target = String(target.prefix(300)); entry.details = String(details.prefix(1000))
        entry.ip = actor.ip; entry.at = at
        try await entry.create(on: db)
    }
}
