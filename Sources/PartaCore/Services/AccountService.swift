import FluentKit
import Foundation

/// Instance-wide account management by the operator.
public struct AccountService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// Disables an account: every session ends at once, HTTP and WebSocket alike.
    public func disable(_ actor: Actor, userID: UUID) async throws {
        guard Policy.canManageAccounts(actor) else { throw PartaError.notFound("Пользователь") }
        if userID == actor.userID {
            throw PartaError(.conflict, "cannot_disable_self", "Нельзя отключить собственную учётную запись.")
        }
        try await ctx.store.write { db in
            guard let user = try await UserRecord.find(userID, on: db) else { throw PartaError.notFound("Пользователь") }
            user.status = AccountStatus.disabled.rawValue
            try await user.save(on: db)
            try await SessionRecord.query(on: db).filter(\.$userID == userID).delete()
        }
        await ctx.events.publish(.sessionsRevoked(userID: userID, sessionIDs: nil))
    }

    public func enable(_ actor: Actor, userID: UUID) async throws {
        guard Policy.canManageAccounts(actor) else { throw PartaError.notFound("Пользователь") }
        try await ctx.store.write { db in
            guard let user = try await UserRecord.find(userID, on: db) else { throw PartaError.notFound("Пользователь") }
            guard user.status == AccountStatus.disabled.rawValue else { return }
            user.status = (user.passwordHash == nil && user.phone == nil && user.email == nil)
                ? AccountStatus.pending.rawValue : AccountStatus.active.rawValue
            try await user.save(on: db)
        }
    }
}
