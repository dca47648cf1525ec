import FluentKit
import Foundation
import SQLKit

public struct ChatInviteView: Sendable, Codable, Equatable {
    public var id: UUID
    public var chatId: UUID
    public var token: String
    /// `<publicURL>/#/chat-join/<token>`
    public var url: String
    public var createdAt: Date
    public var expiresAt: Date
    public var maxUses: Int?
    public var uses: Int
    public var revoked: Bool
    /// Usable now: not revoked, not expired, uses left.
    public var active: Bool
}

public struct ChatInvitePreview: Sendable, Codable, Equatable {
    public var chatId: UUID
    public var title: String
    public var kind: ChatKind
    public var memberCount: Int
    /// Already in it.
    public var member: Bool
    /// Removed from it by its moderators: the link does not let them back in.
    public var removed: Bool
}

/// Chat invite links (§2.5, §2.6): a teacher gives students and parents of the school a link to
/// join a group or channel; with an expiry, a use limit and revocation. Only people of the chat's
/// school can use one (anyone else: "not found").
public struct ChatInviteService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func create(_ actor: Actor, chatID: UUID, expiresInHours: Int?, maxUses: Int?) async throws -> ChatInviteView {
        let hours = expiresInHours ?? 168
        guard (1...720).contains(hours) else { throw PartaError.invalid("expiresInHours", "Срок: от 1 до 720 часов (30 дней).") }
        if let maxUses, !(1...2_000).contains(maxUses) { throw PartaError.invalid("maxUses", "Использований: от 1 до 2000.") }
        try ctx.limiter.hitCreation(.chatLinks, by: actor.userID, ctx.rules.creation)
        let now = ctx.clock.now()
        let invite: ChatInviteRecord = try await ctx.store.write { db in
            let access = try await Self.moderated(actor, chatID: chatID, on: db)
            // Students may come in by the link: the same rule as adding them.
            guard Policy.canStartChat(actor, schoolID: access.chat.schoolID, kind: .group, with: [.student]) else {
                throw PartaError(.forbidden, "forbidden", "Ссылки для учеников создаёт подтверждённый учитель или администрация.")
            }
            let i = ChatInviteRecord()
            i.chatID = chatID; i.token = Secrets.token(); i.createdBy = actor.userID; i.createdAt = now
            i.expiresAt = now.addingTimeInterval(TimeInterval(hours) * 3600); i.maxUses = maxUses; i.uses = 0
            try await i.create(on: db)
            try await Audit.record(actor, schoolID: access.chat.schoolID, action: "chat.invite", target: access.chat.title,
                                   details: "до \(JSONCoding.iso.string(from: i.expiresAt))" + (maxUses.map { ", не больше \($0)" } ?? ""), at: now, on: db)
            return i
        }
        return view(invite, now: now)
    }

    public func list(_ actor: Actor, chatID: UUID) async throws -> [ChatInviteView] {
        let db = ctx.store.db
        _ = try await Self.moderated(actor, chatID: chatID, on: db)
        let now = ctx.clock.now()
        return try await ChatInviteRecord.query(on: db).filter(\.$chatID == chatID).sort(\.$createdAt, .descending).range(..<200).all()
            .map { view($0, now: now) }
    }

    public func revoke(_ actor: Actor, inviteID: UUID) async throws -> ChatInviteView {
        let now = ctx.clock.now()
        let invite: ChatInviteRecord = try await ctx.store.write { db in
            guard let i = try await ChatInviteRecord.find(inviteID, on: db),
                  (try? await Self.moderated(actor, chatID: i.chatID, on: db)) != nil else { throw PartaError.notFound("Ссылка") }
            if i.revokedAt == nil { i.revokedAt = now; try await i.save(on: db) }
            return i
        }
        return view(invite, now: now)
    }

    public func preview(_ actor: Actor, token: String) async throws -> ChatInvitePreview {
        let db = ctx.store.db
        let (invite, chat) = try await usable(actor, token: token, now: ctx.clock.now(), on: db)
        let members = try await ChatMemberRecord.query(on: db).filter(\.$chatID == invite.chatID).count()
        let mine = try await ChatMemberRecord.query(on: db).filter(\.$chatID == invite.chatID).filter(\.$userID == actor.userID).first() != nil
        let removed = mine ? false : try await ChatService.wasRemoved(invite.chatID, actor.userID, on: db)
        return ChatInvitePreview(chatId: invite.chatID, title: chat.title, kind: ChatKind(rawValue: chat.kind) ?? .group,
                                 memberCount: members, member: mine, removed: removed)
    }

    /// Joins the chat by the link; already a member: nothing changes (no use spent).
    public func join(_ actor: Actor, token: String) async throws -> ChatView {
        let now = ctx.clock.now()
        let (chatID, event): (UUID, ChatEvent?) = try await ctx.store.write { db in
            let (invite, _) = try await usable(actor, token: token, now: now, on: db)
            let chatID = invite.chatID
            if try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == actor.userID).first() != nil {
                return (chatID, nil)
            }
            guard try await !ChatService.wasRemoved(chatID, actor.userID, on: db) else { throw Self.removedByModerators }
            // Spend a use atomically: concurrent joins never exceed the limit.
            guard let sql = db as? any SQLDatabase,
                  try await sql.raw("""
                    UPDATE chat_invites SET uses = uses + 1 WHERE id = \(bind: invite.id!) AND (max_uses IS NULL OR uses < max_uses) RETURNING uses
                    """).first() != nil
            else { throw PartaError(.gone, "invite_used_up", "По этой ссылке уже вступило разрешённое число людей.") }
            try await ChatService.member(chatID, actor.userID, .member, now).create(on: db)
            return (chatID, try await ChatService.membersEvent(chatID, joined: [actor.userID], left: [], now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await ChatService(ctx).view(actor, chatID: chatID)
    }

    static let removedByModerators = PartaError(.forbidden, "removed_from_chat",
                                                "Вас удалили из этого чата — вернуть может его администратор.")

    // MARK: Helpers

    /// A link the actor may use now: of a chat of their school, not revoked, not expired.
    private func usable(_ actor: Actor, token: String, now: Date, on db: any Database) async throws -> (ChatInviteRecord, ChatRecord) {
        guard (20...100).contains(token.count), let invite = try await ChatInviteRecord.query(on: db).filter(\.$token == token).first(),
              let chat = try await ChatRecord.find(invite.chatID, on: db), Policy.isMember(actor, schoolID: chat.schoolID)
        else { throw PartaError.notFound("Ссылка") }
        guard invite.revokedAt == nil else { throw PartaError(.gone, "invite_revoked", "Ссылка отозвана.") }
        guard invite.expiresAt > now else { throw PartaError(.gone, "invite_expired", "Срок действия ссылки истёк.") }
        if let max = invite.maxUses, invite.uses >= max {
            throw PartaError(.gone, "invite_used_up", "По этой ссылке уже вступило разрешённое число людей.")
        }
        // A link is as good as its maker: still an owner or admin of the chat, or an administrator of the school.
        let maker = try await ChatMemberRecord.query(on: db).filter(\.$chatID == invite.chatID).filter(\.$userID == invite.createdBy).first()
        let makerIsAdmin = try await MembershipRecord.query(on: db).filter(\.$schoolID == chat.schoolID).filter(\.$userID == invite.createdBy)
            .filter(\.$role == SchoolRole.admin.rawValue).first() != nil
        guard Policy.chatLinkStillValid(makerRole: maker.flatMap { ChatRole(rawValue: $0.role) }, makerIsSchoolAdmin: makerIsAdmin) else { throw PartaError(.gone, "invite_revoked", "Ссылка больше не действует.") }
        return (invite, chat)
    }

    /// The chat's moderators, for a group or channel (not direct chats or system channels).
    static func moderated(_ actor: Actor, chatID: UUID, on db: any Database) async throws -> ChatService.Access {
        let access = try await ChatService.access(actor, chatID: chatID, on: db)
        guard access.canModerate else { throw ChatService.notModerator }
        guard access.chat.systemAudience == nil, access.chat.kind != ChatKind.direct.rawValue else {
            throw PartaError(.conflict, "fixed_members", "В этот чат не приглашают по ссылке.")
        }
        return access
    }

    func view(_ i: ChatInviteRecord, now: Date) -> ChatInviteView {
        let active = i.revokedAt == nil && i.expiresAt > now && (i.maxUses.map { i.uses < $0 } ?? true)
        return ChatInviteView(id: i.id!, chatId: i.chatID, token: i.token, url: "\(ctx.publicURL)/#/chat-join/\(i.token)", createdAt: i.createdAt,
                              expiresAt: i.expiresAt, maxUses: i.maxUses, uses: i.uses, revoked: i.revokedAt != nil, active: active)
    }
}
