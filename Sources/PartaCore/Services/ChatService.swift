import FluentKit
import Foundation
import SQLKit

/// Chats and channels (§2.2–§2.6, PRODUCT.md flows 8–10): direct and group chats with roles (owner,
/// admin, member), channels where only admins post, and the school's two system channels, whose
/// audience is the school roster itself (everyone, or staff) rather than member rows. A person sees
/// a chat only as its member (or as the system channel's audience): "not found" otherwise.
public struct ChatService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxMembers = 2_000
    public static let maxTitle = 120

    /// What the actor may do in a chat, resolved once per request.
    struct Access {
        let chat: ChatRecord
        /// The member row (system channels: the reader's read-state row, if any).
        let member: ChatMemberRecord?
        /// What the actor may do there (`Policy.chatRights`).
        let rights: Policy.ChatRights
        var role: ChatRole { rights.role }
        var canPost: Bool { rights.canPost }
        var canModerate: Bool { rights.canModerate }
    }

    // MARK: Creating

    public func create(_ actor: Actor, schoolID: UUID, kind: ChatKind, title rawTitle: String?, memberIDs: [UUID],
                       readOnly: Bool) async throws -> ChatView {
        let title = Text.cleanLine(rawTitle ?? "")
        let others = Array(Set(memberIDs)).filter { $0 != actor.userID }
        switch kind {
        case .direct: guard others.count == 1 else { throw PartaError.invalid("memberIds", "Личный чат — с одним человеком.") }
        case .group, .channel:
            guard (1...Self.maxTitle).contains(title.count) else { throw PartaError.invalid("title", "Название: от 1 до \(Self.maxTitle) символов.") }
            guard others.count < Self.maxMembers else { throw PartaError.invalid("memberIds", "Не больше \(Self.maxMembers) участников.") }
        }
        try ctx.limiter.hitCreation(.chats, by: actor.userID, ctx.rules.creation)
        let now = ctx.clock.now()
        let (chatID, event): (UUID, ChatEvent?) = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            let peers = try await Self.schoolPeers(of: others, schoolID: schoolID, on: db)
            guard Policy.canStartChat(actor, schoolID: schoolID, kind: kind, with: others.compactMap { peers[$0] }) else {
                throw PartaError(.forbidden, "forbidden", kind == .direct
                    ? "Ученики и родители пишут сотрудникам школы; неподтверждённый учитель не пишет ученикам."
                    : "Чаты создают администрация и учителя (неподтверждённый учитель — без учеников).")
            }
            if kind == .direct, let existing = try await Self.direct(between: actor.userID, and: others[0], schoolID: schoolID, on: db) {
                return (try existing.requireID(), nil)
            }
            let chat = ChatRecord()
            chat.schoolID = schoolID; chat.kind = kind.rawValue; chat.title = kind == .direct ? "" : title
            chat.createdAt = now; chat.createdBy = actor.userID; chat.readOnly = kind == .channel || readOnly; chat.lastSeq = 0
            chat.lastEvent = 0
            try await chat.create(on: db)
            let id = try chat.requireID()
            var members = [Self.member(id, actor.userID, kind == .direct ? .member : .owner, now)]
            members += others.map { Self.member(id, $0, .member, now) }
            try await members.create(on: db)
            return (id, try await Self.membersEvent(id, joined: members.map(\.userID), left: [], now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await view(actor, chatID: chatID)
    }

    /// The chats the actor reads, newest activity first: their own and the school's system channels.
    public func list(_ actor: Actor, schoolID: UUID) async throws -> [ChatView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        let mine = try await ChatMemberRecord.query(on: db).filter(\.$userID == actor.userID).all()
        var chats = mine.isEmpty ? [] : try await ChatRecord.query(on: db).filter(\.$id ~~ mine.map(\.chatID))
            .filter(\.$schoolID == schoolID).all()
        let system = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$systemAudience != nil).all()
            .filter { Policy.canSeeSystemChannel(actor, schoolID: schoolID, audience: $0.systemAudience.flatMap(ChannelAudience.init(rawValue:))) }
        for s in system where !chats.contains(where: { $0.id == s.id }) { chats.append(s) }
        return try await views(actor, chats, members: mine, on: db)
    }

    public func view(_ actor: Actor, chatID: UUID) async throws -> ChatView {
        let db = ctx.store.db
        let access = try await Self.access(actor, chatID: chatID, on: db)
        return try await views(actor, [access.chat], members: access.member.map { [$0] } ?? [], on: db)[0]
    }

    // MARK: Members

    public func members(_ actor: Actor, chatID: UUID) async throws -> [ChatMemberView] {
        let db = ctx.store.db
        let access = try await Self.access(actor, chatID: chatID, on: db)
        guard access.chat.systemAudience == nil else { return [] }   // the roster is the school's members list
        let rows = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).all()
        let users = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ rows.map(\.userID)).all()
            .map { ($0.id!, $0.fullName) })
        let photos = try await UserPhoto.tokens(of: rows.map(\.userID), on: db)
        return rows.map { ChatMemberView(userId: $0.userID, fullName: users[$0.userID] ?? "", role: ChatRole(rawValue: $0.role) ?? .member,
                                         photo: photos[$0.userID]) }
            .sorted { $0.fullName < $1.fullName }
    }

    /// Whose presence the actor may see in this chat: its members in a direct chat, nobody in
    /// groups and channels (their members do not watch each other); "not found" for a stranger.
    public func presencePeers(_ actor: Actor, chatID: UUID) async throws -> [UUID] {
        let db = ctx.store.db
        let access = try await Self.access(actor, chatID: chatID, on: db)
        guard access.chat.kind == ChatKind.direct.rawValue else { return [] }
        return try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).all().map(\.userID)
    }

    /// The chat's owner or admins (or the school's administrators) add people of the school.
    public func addMembers(_ actor: Actor, chatID: UUID, userIDs: [UUID]) async throws -> [ChatMemberView] {
        let ids = Array(Set(userIDs))
        guard (1...500).contains(ids.count) else { throw PartaError.invalid("userIds", "От 1 до 500 человек за раз.") }
        let now = ctx.clock.now()
        let event: ChatEvent? = try await ctx.store.write { db in
            let access = try await Self.access(actor, chatID: chatID, on: db)
            let chat = access.chat
            guard chat.systemAudience == nil, chat.kind != ChatKind.direct.rawValue else {
                throw PartaError(.conflict, "fixed_members", "В этот чат нельзя добавлять людей.")
            }
            guard access.canModerate else { throw Self.notModerator }
            let peers = try await Self.schoolPeers(of: ids, schoolID: chat.schoolID, on: db)
            guard Policy.canStartChat(actor, schoolID: chat.schoolID, kind: .group, with: ids.compactMap { peers[$0] }) else {
                throw PartaError(.forbidden, "forbidden", "Неподтверждённый учитель не добавляет учеников.")
            }
            let present = Set(try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID ~~ ids).all().map(\.userID))
            let new = ids.filter { !present.contains($0) }
            guard !new.isEmpty else { return nil }
            try await new.map { Self.member(chatID, $0, .member, now) }.create(on: db)
            // Added again by a moderator: a removal no longer stands.
            try await ChatRemovalRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID ~~ new).delete()
            return try await Self.membersEvent(chatID, joined: new, left: [], now: now, on: db)
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await members(actor, chatID: chatID)
    }

    /// Removes a person (moderators), or the actor leaves. Whoever is removed stops receiving at once.
    public func removeMember(_ actor: Actor, chatID: UUID, userID: UUID) async throws {
        let now = ctx.clock.now()
        let event = try await ctx.store.write { db in
            let access = try await Self.access(actor, chatID: chatID, on: db)
            guard access.chat.systemAudience == nil, access.chat.kind != ChatKind.direct.rawValue else {
                throw PartaError(.conflict, "fixed_members", "Из этого чата нельзя удалить участника.")
            }
            guard Policy.canRemoveChatMember(actor, userID: userID, rights: access.rights) else { throw Self.notModerator }
            guard let row = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == userID).first() else {
                throw PartaError.notFound("Участник")
            }
            if !Policy.isRemovableFromChat(ChatRole(rawValue: row.role) ?? .member) && userID != actor.userID { throw PartaError(.conflict, "owner", "Владельца чата удалить нельзя.") }
            try await row.delete(on: db)
            if userID != actor.userID { try await Self.recordRemoval(chatID, userID, by: actor.userID, now: now, on: db) }
            return try await Self.membersEvent(chatID, joined: [], left: [userID], now: now, on: db)
        }
        await ctx.events.publish(.chat(event))
    }

    // MARK: Helpers

    /// `chat.members`: who joined and who left; subscriptions follow as it is delivered.
    static func membersEvent(_ chatID: UUID, joined: [UUID], left: [UUID], now: Date, on db: any Database) async throws -> ChatEvent {
        struct Members: Encodable { let joined: [UUID]; let left: [UUID] }
        return try await ChatEventLog.append("chat.members", chatID: chatID, data: Members(joined: joined, left: left),
                                             joined: joined, left: left, now: now, on: db)
    }

    static let notModerator = PartaError(.forbidden, "forbidden", "Это делают владелец и администраторы чата.")

    /// A moderator removed `userID`: an invite link no longer lets them back in (`ChatInviteService.join`)
    /// until a moderator adds them again (`addMembers`).
    static func recordRemoval(_ chatID: UUID, _ userID: UUID, by moderator: UUID, now: Date, on db: any Database) async throws {
        try await ChatRemovalRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == userID).delete()
        let r = ChatRemovalRecord()
        r.chatID = chatID; r.userID = userID; r.removedBy = moderator; r.removedAt = now
        try await r.create(on: db)
    }

    static func wasRemoved(_ chatID: UUID, _ userID: UUID, on db: any Database) async throws -> Bool {
        try await ChatRemovalRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == userID).first() != nil
    }

    /// Everyone added to a chat must be a member of its school ("not found" otherwise); their roles
    /// there decide what is allowed.
    static func schoolRoles(of ids: [UUID], schoolID: UUID, on db: any Database) async throws -> [UUID: Set<SchoolRole>] {
        try await schoolPeers(of: ids, schoolID: schoolID, on: db).mapValues(\.roles)
    }

    /// The same, with whether each is a confirmed teacher (safe mode asks it).
    static func schoolPeers(of ids: [UUID], schoolID: UUID, on db: any Database) async throws -> [UUID: Policy.ChatPeer] {
        guard !ids.isEmpty else { return [:] }
        var peers: [UUID: Policy.ChatPeer] = [:]
        for m in try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID ~~ ids).all() {
            guard let r = SchoolRole(rawValue: m.role) else { continue }
            peers[m.userID, default: .init(roles: [], confirmedTeacher: false)].roles.insert(r)
            if r == .teacher && m.verified { peers[m.userID]?.confirmedTeacher = true }
        }
        guard peers.count == ids.count else { throw PartaError.notFound("Участник") }
        return peers
    }

    static func member(_ chatID: UUID, _ userID: UUID, _ role: ChatRole, _ now: Date) -> ChatMemberRecord {
        let m = ChatMemberRecord()
        m.chatID = chatID; m.userID = userID; m.role = role.rawValue; m.lastReadSeq = 0; m.joinedAt = now; m.viaRoster = false
        return m
    }

    static func direct(between a: UUID, and b: UUID, schoolID: UUID, on db: any Database) async throws -> ChatRecord? {
        let mine = Set(try await ChatMemberRecord.query(on: db).filter(\.$userID == a).all().map(\.chatID))
        let theirs = try await ChatMemberRecord.query(on: db).filter(\.$userID == b).all().map(\.chatID).filter(mine.contains)
        guard !theirs.isEmpty else { return nil }
        return try await ChatRecord.query(on: db).filter(\.$id ~~ theirs).filter(\.$kind == ChatKind.direct.rawValue)
            .filter(\.$schoolID == schoolID).first()
    }

    /// The chat if the actor may read it, with what they may do there; "not found" otherwise.
    static func access(_ actor: Actor, chatID: UUID, on db: any Database) async throws -> Access {
        guard let chat = try await ChatRecord.find(chatID, on: db), Policy.isMember(actor, schoolID: chat.schoolID) else {
            throw PartaError.notFound("Чат")
        }
        let member = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == actor.userID).first()
        guard let r = rights(actor, schoolID: chat.schoolID, systemAudience: chat.systemAudience, readOnly: chat.readOnly,
                             memberRole: member.map { ChatRole(rawValue: $0.role) ?? .member }) else { throw PartaError.notFound("Чат") }
        return Access(chat: chat, member: member, rights: r)
    }

    /// `Policy.chatRights` for a chat row's stored values.
    static func rights(_ actor: Actor, schoolID: UUID, systemAudience: String?, readOnly: Bool,
                       memberRole: ChatRole?) -> Policy.ChatRights? {
        Policy.chatRights(actor, schoolID: schoolID, systemAudience: systemAudience.flatMap(ChannelAudience.init(rawValue:)),
                          readOnly: readOnly, memberRole: memberRole)
    }

    func views(_ actor: Actor, _ chats: [ChatRecord], members mine: [ChatMemberRecord], on db: any Database) async throws -> [ChatView] {
        guard !chats.isEmpty else { return [] }
        let ids = chats.compactMap(\.id)
        let readState = Dictionary(uniqueKeysWithValues: mine.map { ($0.chatID, $0) })
        // Direct chats are titled with the other person's name.
        let directIDs = chats.filter { $0.kind == ChatKind.direct.rawValue }.compactMap(\.id)
        var peer: [UUID: UserRecord] = [:]
        var peerPhotos: [UUID: String] = [:]
        if !directIDs.isEmpty {
            let peers = try await ChatMemberRecord.query(on: db).filter(\.$chatID ~~ directIDs).filter(\.$userID != actor.userID).all()
            let users = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ peers.map(\.userID)).all()
                .map { ($0.id!, $0) })
            for p in peers { peer[p.chatID] = users[p.userID] }
            peerPhotos = try await UserPhoto.tokens(of: peers.map(\.userID), on: db)
        }
        var counts: [UUID: Int] = [:]
        for row in try await (db as! any SQLDatabase).raw("""
            SELECT chat_id, COUNT(*) AS n FROM chat_members WHERE chat_id IN (\(binds: ids)) GROUP BY chat_id
            """).all() {
            counts[try row.decode(column: "chat_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
        }
        let lastMessages = try await MessageService.lastMessages(of: chats, on: db)
        let out = try chats.map { c -> ChatView in
            let id = try c.requireID()
            let read = readState[id]
            return ChatView(
                id: id, schoolId: c.schoolID, kind: ChatKind(rawValue: c.kind) ?? .group,
                title: c.kind == ChatKind.direct.rawValue ? (peer[id]?.fullName ?? "") : c.title,
                audience: c.systemAudience.flatMap(ChannelAudience.init(rawValue:)), readOnly: c.readOnly,
                // System channels: the school's administrators are the channel's admins.
                role: c.systemAudience != nil ? (Policy.runsSystemChannels(actor, schoolID: c.schoolID) ? .admin : nil)
                    : read.flatMap { ChatRole(rawValue: $0.role) }, memberCount: c.systemAudience == nil ? (counts[id] ?? 0) : nil,
                lastSeq: c.lastSeq, lastReadSeq: read?.lastReadSeq ?? 0, unread: max(0, c.lastSeq - (read?.lastReadSeq ?? 0)),
                lastMessage: lastMessages[id], createdAt: c.createdAt, lastEvent: c.lastEvent,
                mutedUntil: read?.mutedUntil, template: c.template, rosterBound: c.rosterRole != nil,
                peerId: peer[id]?.id, peerPhoto: peer[id]?.id.flatMap { peerPhotos[$0] })
        }
        return out.sorted { ($0.lastMessage?.createdAt ?? $0.createdAt) > ($1.lastMessage?.createdAt ?? $1.createdAt) }
    }
}
