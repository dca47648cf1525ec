import FluentKit
import Foundation
import SQLKit

public struct ReportView: Sendable, Codable, Equatable {
    public var id: UUID
    public var schoolId: UUID
    public var chatId: UUID
    public var chatTitle: String
    public var messageId: UUID
    public var authorId: UUID
    public var authorName: String
    /// Who reported: shown to the school's administrators, and to the chat's moderators only when
    /// the school allows it (`moderatorsSeeReporters`); absent otherwise.
    public var reporterId: UUID?
    public var reporterName: String?
    /// The text when it was reported, kept whatever the author does to the message afterwards.
    public var originalText: String
    /// The message as it is now (empty when deleted).
    public var currentText: String
    public var messageDeleted: Bool
    public var reason: String
    public var status: String
    public var resolution: String?
    public var createdAt: Date
    public var resolvedAt: Date?
    /// Who resolved it: shown to the school's administrators.
    public var resolvedById: UUID?
    public var resolvedByName: String?
}

/// Safety and moderation (PRODUCT.md flow 11): any reader reports a message to the chat's
/// moderators and the school's administrators (the original text kept); moderators delete, mute for
/// a time, remove, make a chat read-only, name other admins.
///
/// A report never reaches the person it is about: a report of a chat moderator's own message goes
/// to the school's administrators only, nobody handles a report about themselves, and the
/// reporter's name is the administrators' to see (`Policy.canHandleReport`, `canSeeReporter`).
public struct ModerationService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let reasons: Set<String> = ["insult", "bullying", "spam", "inappropriate", "danger", "other"]

    public func report(_ actor: Actor, messageID: UUID, reason: String, comment: String?) async throws -> ReportView {
        guard Self.reasons.contains(reason) else {
            throw PartaError.invalid("reason", "Причина: " + Self.reasons.sorted().joined(separator: ", ") + ".")
        }
        let note = Text.cleanLines(comment ?? "")
        guard note.count <= 500 else { throw PartaError.invalid("comment", "Комментарий — до 500 символов.") }
        try ctx.limiter.hitCreation(.reports, by: actor.userID, ctx.rules.creation)
        let now = ctx.clock.now()
        let (report, handlers): (MessageReportRecord, [Handler]) = try await ctx.store.write { db in
            let (m, access) = try await MessageService.visible(actor, messageID: messageID, on: db)
            guard m.authorID != actor.userID else { throw PartaError(.conflict, "own_message", "Своё сообщение можно удалить, а не пожаловаться.") }
            guard m.deletedAt == nil else { throw PartaError(.conflict, "deleted", "Сообщение уже удалено.") }
            if let earlier = try await MessageReportRecord.query(on: db).filter(\.$messageID == messageID)
                .filter(\.$reporterID == actor.userID).first() { return (earlier, []) }
            let r = MessageReportRecord()
            r.schoolID = access.chat.schoolID; r.chatID = m.chatID; r.messageID = messageID; r.reporterID = actor.userID
            r.authorID = m.authorID; r.originalText = m.text; r.reason = note.isEmpty ? reason : "\(reason): \(note)"
            r.status = "open"; r.createdAt = now
            try await r.create(on: db)
            return (r, try await Self.handlers(of: r, on: db))
        }
        // The reporter sees their report whole; each handler as they may see it (the reporter's name or not).
        let full = try await views([report], showReporter: { _ in true }, showResolver: { _ in false })[0]
        var anonymous = full
        anonymous.reporterId = nil; anonymous.reporterName = nil
        let school = try await SchoolRecord.find(report.schoolID, on: ctx.store.db)
        let admins = handlers.filter(\.isSchoolAdmin)
        let others = handlers.filter { !$0.isSchoolAdmin }
        for (group, seesReporter) in [(admins, true), (others, school?.moderatorsSeeReporters ?? false)] where !group.isEmpty {
            await ctx.events.publish(.notice(userIDs: group.map(\.userID), type: "report.created",
                                             data: try ChatEventLog.encode(seesReporter ? full : anonymous)))
        }
        return full
    }

    /// Open (or all) reports the actor moderates: the whole school for its administrators, the
    /// chats they own or administer for others.
    public func reports(_ actor: Actor, schoolID: UUID, status: String?) async throws -> [ReportView] {
        let db = ctx.store.db
        let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var query = MessageReportRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$authorID != actor.userID)
        var moderated: Set<UUID> = []
        if !Policy.seesEveryReport(actor, schoolID: schoolID) {
            moderated = Set(try await ChatMemberRecord.query(on: db).filter(\.$userID == actor.userID)
                .filter(\.$role ~~ ChatRole.moderatorRoles).all().map(\.chatID))
            guard !moderated.isEmpty else { return [] }
            query = query.filter(\.$chatID ~~ Array(moderated))
        }
        if let status { query = query.filter(\.$status == status) }
        var rows = try await query.sort(\.$createdAt, .descending).range(..<500).all()
        if !moderated.isEmpty {
            // Reports about a moderator of the chat are the school administrators' alone.
            let moderators = try await Self.moderatorPairs(chatIDs: Array(Set(rows.map(\.chatID))), on: db)
            rows = rows.filter { r in
                Policy.canHandleReport(actor, schoolID: schoolID, authorID: r.authorID, actorModeratesChat: true,
                                       authorModeratesChat: moderators.contains(ChatUser(chatID: r.chatID, userID: r.authorID)))
            }
        }
        let seesReporter = Policy.canSeeReporter(actor, schoolID: schoolID, schoolAllowsModerators: school.moderatorsSeeReporters)
        let seesResolver = Policy.canSeeReportResolver(actor, schoolID: schoolID)
        return try await views(rows, showReporter: { _ in seesReporter }, showResolver: { _ in seesResolver })
    }

    public enum Action: String, Sendable {
        case dismiss, delete, mute, remove
        /// In words, for the audit log.
        var russianName: String {
            switch self {
            case .dismiss: return "жалоба отклонена"
            case .delete: return "сообщение удалено"
            case .mute: return "автору запрещено писать"
            case .remove: return "автор удалён из чата"
            }
        }
    }

    /// A report's reason in words («травля», not `bullying`), with the reporter's comment after it.
    static func reasonInWords(_ stored: String) -> String {
        let words = ["insult": "оскорбление", "bullying": "травля", "spam": "спам", "inappropriate": "неуместное",
                     "danger": "опасность", "other": "другое"]
        let code = String(stored.prefix { $0 != ":" })
        guard let word = words[code] else { return stored }
        return word + stored.dropFirst(code.count)
    }

    /// Resolves a report, in one transaction: dismiss, delete the message, mute its author for
    /// `minutes`, or remove the author from the chat. The chat's moderators and the school's
    /// administrators may (an administrator need not be a member of the chat).
    public func resolve(_ actor: Actor, reportID: UUID, action: Action, minutes: Int?) async throws -> ReportView {
        let now = ctx.clock.now()
        let muteMinutes = minutes ?? 60
        guard (1...43_200).contains(muteMinutes) else { throw PartaError.invalid("minutes", "От 1 до 43 200 минут (30 дней).") }
        let (reportID, events, removedFiles): (UUID, [ChatEvent], [UUID]) = try await ctx.store.write { db in
            var files: [UUID] = []
            guard let report = try await MessageReportRecord.find(reportID, on: db),
                  try await Self.mayHandle(actor, report, on: db)
            else { throw PartaError.notFound("Жалоба") }
            guard report.status == "open" else { throw PartaError(.conflict, "already_resolved", "Жалоба уже рассмотрена.") }
            var events: [ChatEvent] = []
            let authorRow = try await ChatMemberRecord.query(on: db).filter(\.$chatID == report.chatID).filter(\.$userID == report.authorID).first()
            switch action {
            case .dismiss: break
            case .delete:
                if let m = try await MessageRecord.find(report.messageID, on: db), m.deletedAt == nil {
                    files = try await MessageService.tombstone(m, now: now, on: db)
                    events.append(try await MessageService.changed(m, "message.deleted", now: now, on: db))
                }
            case .mute:
                guard let row = authorRow, Policy.isMutable(ChatRole(rawValue: row.role) ?? .owner) else {
                    throw PartaError(.conflict, "not_mutable", "Автор не участник чата или его администратор.")
                }
                row.mutedUntil = now.addingTimeInterval(TimeInterval(muteMinutes * 60))
                try await row.save(on: db)
                events.append(try await Self.mutedEvent(report.chatID, report.authorID, row.mutedUntil, now: now, on: db))
            case .remove:
                guard let chat = try await ChatRecord.find(report.chatID, on: db), chat.systemAudience == nil,
                      chat.kind != ChatKind.direct.rawValue else {
                    throw PartaError(.conflict, "fixed_members", "Из этого чата нельзя удалить участника.")
                }
                guard let row = authorRow, Policy.isRemovableFromChat(ChatRole(rawValue: row.role) ?? .owner) else {
                    throw PartaError(.conflict, "not_removable", "Автор не участник чата или его владелец.")
                }
                try await row.delete(on: db)
                try await ChatService.recordRemoval(report.chatID, report.authorID, by: actor.userID, now: now, on: db)
                events.append(try await ChatService.membersEvent(report.chatID, joined: [], left: [report.authorID], now: now, on: db))
            }
            // Every open report of the same message is settled with it.
            try await MessageReportRecord.query(on: db).filter(\.$messageID == report.messageID).filter(\.$status == "open")
                .set(\.$status, to: "resolved").set(\.$resolvedBy, to: actor.userID).set(\.$resolvedAt, to: now)
                .set(\.$resolution, to: action.rawValue).update()
            try await Audit.record(actor, schoolID: report.schoolID, action: "report.resolve", targetUserID: report.authorID,
                                   target: try await UserRecord.find(report.authorID, on: db)?.fullName ?? "",
                                   details: "\(action.russianName); причина: \(Self.reasonInWords(report.reason))", at: now, on: db)
            return (try report.requireID(), events, files)
        }
        for file in removedFiles { ctx.files.delete(file) }
        for event in events { await ctx.events.publish(.chat(event)) }
        guard let fresh = try await MessageReportRecord.find(reportID, on: ctx.store.db),
              let school = try await SchoolRecord.find(fresh.schoolID, on: ctx.store.db) else { throw PartaError.notFound("Жалоба") }
        let seesReporter = Policy.canSeeReporter(actor, schoolID: fresh.schoolID, schoolAllowsModerators: school.moderatorsSeeReporters)
        let seesResolver = Policy.canSeeReportResolver(actor, schoolID: fresh.schoolID)
        return try await views([fresh], showReporter: { _ in seesReporter }, showResolver: { _ in seesResolver })[0]
    }

    /// Mutes a member (not the owner or an admin of the chat) for 1 minute … 30 days; 0 unmutes.
    public func mute(_ actor: Actor, chatID: UUID, userID: UUID, minutes: Int) async throws {
        guard (0...43_200).contains(minutes) else { throw PartaError.invalid("minutes", "От 0 до 43 200 минут (30 дней).") }
        let now = ctx.clock.now()
        let event: ChatEvent = try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            guard access.canModerate else { throw ChatService.notModerator }
            guard let row = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == userID).first() else {
                throw PartaError.notFound("Участник")
            }
            guard Policy.isMutable(ChatRole(rawValue: row.role) ?? .owner) else { throw PartaError(.conflict, "moderator", "Владельца и администраторов чата не заглушают.") }
            row.mutedUntil = minutes == 0 ? nil : now.addingTimeInterval(TimeInterval(minutes * 60))
            try await row.save(on: db)
            return try await Self.mutedEvent(chatID, userID, row.mutedUntil, now: now, on: db)
        }
        await ctx.events.publish(.chat(event))
    }

    /// Title and read-only mode (moderators; not for direct chats or system channels).
    public func update(_ actor: Actor, chatID: UUID, title rawTitle: String?, readOnly: Bool?) async throws -> ChatView {
        let now = ctx.clock.now()
        let event: ChatEvent? = try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            guard access.canModerate else { throw ChatService.notModerator }
            let chat = access.chat
            guard chat.systemAudience == nil, chat.kind != ChatKind.direct.rawValue else {
                throw PartaError(.conflict, "fixed_chat", "Этот чат не настраивается.")
            }
            var changed = false
            if let rawTitle {
                let title = Text.cleanLine(rawTitle)
                guard (1...ChatService.maxTitle).contains(title.count) else { throw PartaError.invalid("title", "Название: от 1 до \(ChatService.maxTitle) символов.") }
                if title != chat.title { chat.title = title; changed = true }
            }
            if let readOnly, chat.kind != ChatKind.channel.rawValue, readOnly != chat.readOnly { chat.readOnly = readOnly; changed = true }
            guard changed else { return nil }
            try await chat.save(on: db)
            struct Settings: Encodable { let title: String; let readOnly: Bool }
            return try await ChatEventLog.append("chat.updated", chatID: chatID, data: Settings(title: chat.title, readOnly: chat.readOnly), now: now, on: db)
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await ChatService(ctx).view(actor, chatID: chatID)
    }

    /// The owner (or a school administrator) makes a member an admin of the chat, or back.
    public func setRole(_ actor: Actor, chatID: UUID, userID: UUID, role: ChatRole) async throws {
        guard role != .owner else { throw PartaError.invalid("role", "Роль: admin или member.") }
        let now = ctx.clock.now()
        let event: ChatEvent? = try await ctx.store.write { db in
            let access = try await ChatService.access(actor, chatID: chatID, on: db)
            guard Policy.canAppointChatAdmins(actor, schoolID: access.chat.schoolID, rights: access.rights) else {
                throw PartaError(.forbidden, "forbidden", "Администраторов чата назначает его владелец.")
            }
            guard access.chat.systemAudience == nil, access.chat.kind != ChatKind.direct.rawValue else {
                throw PartaError(.conflict, "fixed_chat", "В этом чате нет ролей.")
            }
            guard let row = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$userID == userID).first() else {
                throw PartaError.notFound("Участник")
            }
            guard row.role != ChatRole.owner.rawValue else { throw PartaError(.conflict, "owner", "Роль владельца не меняется.") }
            guard row.role != role.rawValue else { return nil }
            row.role = role.rawValue; row.mutedUntil = nil
            try await row.save(on: db)
            struct Role: Encodable { let userId: UUID; let role: ChatRole }
            return try await ChatEventLog.append("chat.role", chatID: chatID, data: Role(userId: userID, role: role), now: now, on: db)
        }
        if let event { await ctx.events.publish(.chat(event)) }
    }

    // MARK: Helpers

    static func mutedEvent(_ chatID: UUID, _ userID: UUID, _ until: Date?, now: Date, on db: any Database) async throws -> ChatEvent {
        struct Muted: Encodable { let userId: UUID; let until: Date? }
        return try await ChatEventLog.append("chat.muted", chatID: chatID, data: Muted(userId: userID, until: until), now: now, on: db)
    }

    /// Whether the actor may see and resolve this report (`Policy.canHandleReport`).
    static func mayHandle(_ actor: Actor, _ report: MessageReportRecord, on db: any Database) async throws -> Bool {
        let actorModerates = (try? await ChatService.access(actor, chatID: report.chatID, on: db))?.canModerate ?? false
        let authorModerates = try await ChatMemberRecord.query(on: db).filter(\.$chatID == report.chatID)
            .filter(\.$userID == report.authorID).filter(\.$role ~~ ChatRole.moderatorRoles).count() > 0
        return Policy.canHandleReport(actor, schoolID: report.schoolID, authorID: report.authorID,
                                      actorModeratesChat: actorModerates, authorModeratesChat: authorModerates)
    }

    struct ChatUser: Hashable { let chatID: UUID; let userID: UUID }

    /// (chat, moderator) pairs of these chats.
    static func moderatorPairs(chatIDs: [UUID], on db: any Database) async throws -> Set<ChatUser> {
        guard !chatIDs.isEmpty else { return [] }
        return Set(try await ChatMemberRecord.query(on: db).filter(\.$chatID ~~ chatIDs).filter(\.$role ~~ ChatRole.moderatorRoles)
            .all().map { ChatUser(chatID: $0.chatID, userID: $0.userID) })
    }

    /// A person who handles a report.
    struct Handler { let userID: UUID; let isSchoolAdmin: Bool }

    /// Who handles a new report (`Policy.canHandleReport`): the school's administrators and the chat's
    /// owner and admins — never its author, and only administrators when the author moderates the chat.
    static func handlers(of report: MessageReportRecord, on db: any Database) async throws -> [Handler] {
        let chatMods = Set(try await ChatMemberRecord.query(on: db).filter(\.$chatID == report.chatID)
            .filter(\.$role ~~ ChatRole.moderatorRoles).all().map(\.userID))
        let admins = Set(try await MembershipRecord.query(on: db).filter(\.$schoolID == report.schoolID)
            .filter(\.$role == SchoolRole.admin.rawValue).all().map(\.userID))
        let authorModerates = chatMods.contains(report.authorID)
        return chatMods.union(admins).compactMap { userID in
            // Only what the policy reads: the person's admin role in this school.
            let actor = Actor(userID: userID, sessionID: userID, isOperator: false,
                              memberships: admins.contains(userID) ? [.init(schoolID: report.schoolID, role: .admin, verified: true)] : [])
            guard Policy.canHandleReport(actor, schoolID: report.schoolID, authorID: report.authorID,
                                         actorModeratesChat: chatMods.contains(userID), authorModeratesChat: authorModerates) else { return nil }
            return Handler(userID: userID, isSchoolAdmin: admins.contains(userID))
        }
    }

    func views(_ rows: [MessageReportRecord], showReporter: (MessageReportRecord) -> Bool,
               showResolver: (MessageReportRecord) -> Bool) async throws -> [ReportView] {
        guard !rows.isEmpty else { return [] }
        let db = ctx.store.db
        let people = Array(Set(rows.flatMap { [$0.authorID, $0.reporterID] + ($0.resolvedBy.map { [$0] } ?? []) }))
        let names = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ people).all().map { ($0.id!, $0.fullName) })
        let chats = Dictionary(uniqueKeysWithValues: try await ChatRecord.query(on: db).filter(\.$id ~~ Array(Set(rows.map(\.chatID)))).all()
            .map { ($0.id!, $0.title) })
        let messages = Dictionary(uniqueKeysWithValues: try await MessageRecord.query(on: db).filter(\.$id ~~ rows.map(\.messageID)).all()
            .map { ($0.id!, $0) })
        return rows.map { r in
            ReportView(id: r.id!, schoolId: r.schoolID, chatId: r.chatID, chatTitle: chats[r.chatID] ?? "", messageId: r.messageID,
                       authorId: r.authorID, authorName: names[r.authorID] ?? "",
                       reporterId: showReporter(r) ? r.reporterID : nil, reporterName: showReporter(r) ? names[r.reporterID] ?? "" : nil,
                       originalText: r.originalText, currentText: messages[r.messageID]?.text ?? "",
                       messageDeleted: messages[r.messageID]?.deletedAt != nil, reason: r.reason, status: r.status,
                       resolution: r.resolution, createdAt: r.createdAt, resolvedAt: r.resolvedAt,
                       resolvedById: showResolver(r) ? r.resolvedBy : nil,
                       resolvedByName: showResolver(r) ? r.resolvedBy.flatMap { names[$0] } : nil)
        }
    }
}
