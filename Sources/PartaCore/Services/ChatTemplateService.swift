import FluentKit
import Foundation
import SQLKit

/// The chats a director or homeroom teacher makes in one action (§2.2 а–д, §2.3). Most are bound to
/// a roster — a class's students or parents, or everyone of the school with a role — and their
/// members follow it: a student transferred to another class leaves the old class's chats and joins
/// the new one's at once (`RosterChats.sync`, run after every change of membership).
public enum ChatTemplate: String, Codable, Sendable, CaseIterable {
    case directorDeputies = "director_deputies"
    case directorTeachers = "director_teachers"
    case directorParentActivists = "director_parent_activists"
    case directorStudentActivists = "director_student_activists"
    case classStudents = "class_students"
    case classParents = "class_parents"
    case classTeachers = "class_teachers"
    /// «5Б — Физика»: a subject teacher with the class's students.
    case subject

    var needsClass: Bool { [.classStudents, .classParents, .classTeachers, .subject].contains(self) }
    var forDirector: Bool { [.directorDeputies, .directorTeachers, .directorParentActivists, .directorStudentActivists].contains(self) }

    /// The roster the members follow (nil: the people picked when it is made).
    var rosterRole: SchoolRole? {
        switch self {
        case .directorDeputies: .deputy
        case .directorTeachers: .teacher
        case .classStudents, .subject: .student
        case .classParents: .parent
        case .directorParentActivists, .directorStudentActivists, .classTeachers: nil
        }
    }

    /// Whom one picks for a chat without a roster.
    var pickedRole: SchoolRole? {
        switch self {
        case .directorParentActivists: .parent
        case .directorStudentActivists: .student
        case .classTeachers: .teacher
        default: nil
        }
    }

    func title(className: String?, subject: String?) -> String {
        switch self {
        case .directorDeputies: "Директор и заместители"
        case .directorTeachers: "Директор и учителя"
        case .directorParentActivists: "Родительский актив"
        case .directorStudentActivists: "Ученический актив"
        case .classStudents: "\(className ?? "") — ученики"
        case .classParents: "\(className ?? "") — родители"
        case .classTeachers: "\(className ?? "") — учителя класса"
        case .subject: "\(className ?? "") — \(subject ?? "")"
        }
    }
}

public struct ChatTemplateView: Sendable, Codable, Equatable {
    public var template: ChatTemplate
    public var title: String
    public var classId: UUID?
    /// Members follow the roster (class students/parents, a school role).
    public var bound: Bool
    /// For chats without a roster: the role of the people to pick.
    public var picks: SchoolRole?
    /// The subject must be named («Физика»).
    public var needsSubject: Bool
    /// The chat already made from this template by the asking person, if any.
    public var existingChatId: UUID?
}

public struct ChatTemplateService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// What the actor may make: the director's four (directors, administrators), a homeroom
    /// teacher's three per class of theirs, and a subject chat (confirmed teachers).
    public func list(_ actor: Actor, schoolID: UUID) async throws -> [ChatTemplateView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var out: [ChatTemplateView] = []
        let existing = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$createdBy == actor.userID)
            .filter(\.$template != nil).all()
        func made(_ t: ChatTemplate, _ classID: UUID?) -> UUID? {
            existing.first { $0.template == t.rawValue && $0.rosterClassID == classID }?.id
        }
        if Policy.canMakeDirectorChats(actor, schoolID: schoolID) {
            for t in ChatTemplate.allCases where t.forDirector {
                out.append(ChatTemplateView(template: t, title: t.title(className: nil, subject: nil), classId: nil, bound: t.rosterRole != nil,
                                            picks: t.pickedRole, needsSubject: false, existingChatId: made(t, nil)))
            }
        }
        let ownClasses = actor.homeroomClassIDs.filter { Policy.canMakeClassChats(actor, schoolID: schoolID, classID: $0) }
        let homeroom = ownClasses.isEmpty ? [] : try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$id ~~ Array(ownClasses)).filter(\.$archived == false).sort(\.$name).all()
        for cls in homeroom {
            for t in [ChatTemplate.classStudents, .classParents, .classTeachers] {
                out.append(ChatTemplateView(template: t, title: t.title(className: cls.name, subject: nil), classId: cls.id, bound: t.rosterRole != nil,
                                            picks: t.pickedRole, needsSubject: false, existingChatId: made(t, cls.id)))
            }
        }
        if Policy.canMakeSubjectChats(actor, schoolID: schoolID) {
            out.append(ChatTemplateView(template: .subject, title: "Класс — предмет", classId: nil, bound: true, picks: nil,
                                        needsSubject: true, existingChatId: nil))
        }
        return out
    }

    /// Makes the chat (a group; the actor its owner) and fills it from the roster at once. The same
    /// template for the same class (and subject) again returns the chat already made.
    public func create(_ actor: Actor, schoolID: UUID, template: ChatTemplate, classID: UUID?, subject rawSubject: String?,
                       memberIDs: [UUID]) async throws -> ChatView {
        let subject = Text.cleanLine(rawSubject ?? "")
        if template == .subject {
            guard (1...60).contains(subject.count) else { throw PartaError.invalid("subject", "Предмет: от 1 до 60 символов.") }
        }
        if template.needsClass && classID == nil { throw PartaError.invalid("classId", "Укажите класс.") }
        try ctx.limiter.hitCreation(.chats, by: actor.userID, ctx.rules.creation)
        let picked = Array(Set(memberIDs)).filter { $0 != actor.userID }
        if template.pickedRole == nil && !picked.isEmpty {
            throw PartaError.invalid("memberIds", "Участники этого чата следуют составу; выбирать их не нужно.")
        }
        guard picked.count < ChatService.maxMembers else { throw PartaError.invalid("memberIds", "Не больше \(ChatService.maxMembers) участников.") }
        let now = ctx.clock.now()
        let (chatID, event): (UUID, ChatEvent?) = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            var cls: ClassRecord?
            if let classID {
                guard let found = try await ClassRecord.find(classID, on: db), found.schoolID == schoolID else { throw PartaError.notFound("Класс") }
                guard found.kind == ClassKind.regular.rawValue, !found.archived else {
                    throw PartaError.invalid("classId", "Чат класса — для действующего класса.")
                }
                cls = found
            }
            guard Policy.canUseChatTemplate(actor, schoolID: schoolID, template: template, classID: classID) else {
                throw PartaError(.forbidden, "forbidden", template.forDirector ? "Эти чаты создают директор и администраторы."
                    : template == .subject ? "Чат предмета создаёт подтверждённый учитель." : "Чаты класса создаёт его классный руководитель.")
            }
            let title = template.title(className: cls?.name, subject: subject)
            if let same = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$template == template.rawValue)
                .filter(\.$rosterClassID == classID).filter(\.$createdBy == actor.userID).filter(\.$title == title).first() {
                return (try same.requireID(), nil)
            }
            if let role = template.pickedRole {
                let found = try await ChatService.schoolRoles(of: picked, schoolID: schoolID, on: db)
                guard found.values.allSatisfy({ $0.contains(role) }) else {
                    throw PartaError.invalid("memberIds", "В этот чат выбирают: \(role.rawValue).")
                }
            }
            let chat = ChatRecord()
            chat.schoolID = schoolID; chat.kind = ChatKind.group.rawValue; chat.title = title; chat.createdAt = now
            chat.createdBy = actor.userID; chat.readOnly = false; chat.lastSeq = 0; chat.lastEvent = 0
            chat.template = template.rawValue; chat.rosterClassID = template.rosterRole == nil ? nil : classID
            chat.rosterRole = template.rosterRole?.rawValue
            // A roster chat for a class keeps the class even when picked (class teachers), for the listing.
            if template == .classTeachers { chat.rosterClassID = classID }
            try await chat.create(on: db)
            let id = try chat.requireID()
            var rows = [ChatService.member(id, actor.userID, .owner, now)]
            rows += picked.map { ChatService.member(id, $0, .member, now) }
            var joined = rows.map(\.userID)
            if let role = template.rosterRole {
                let roster = try await RosterChats.roster(schoolID: schoolID, classID: chat.rosterClassID, role: role, on: db)
                    .filter { !joined.contains($0) }
                rows += roster.map { let m = ChatService.member(id, $0, .member, now); m.viaRoster = true; return m }
                joined += roster
            }
            for chunk in rows.chunked(500) { try await chunk.create(on: db) }
            return (id, try await ChatService.membersEvent(id, joined: joined, left: [], now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await ChatService(ctx).view(actor, chatID: chatID)
    }
}

/// Keeps roster-bound chats in step with the school: run after anything that changes who is in a
/// class or has a role (joining, approval, transfer, leaving, graduation, import, role changes).
public enum RosterChats {
    /// Everyone on a roster: a class's students or parents, or the school's people with a role
    /// (teachers only once confirmed).
    static func roster(schoolID: UUID, classID: UUID?, role: SchoolRole, on db: any Database) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = if let classID {
            try await sql.raw("SELECT DISTINCT user_id FROM class_members WHERE class_id = \(bind: classID) AND role = \(bind: role.rawValue)").all()
        } else {
            try await sql.raw("""
                SELECT DISTINCT user_id FROM memberships WHERE school_id = \(bind: schoolID) AND role = \(bind: role.rawValue) AND verified = \(bind: true)
                """).all()
        }
        return try rows.map { try $0.decode(column: "user_id", as: UUID.self) }
    }

    /// Brings the given people's places in the school's chats in line with the rosters: joins the
    /// bound chats they belong in (unless the chat's moderators removed them from it), leaves the
    /// bound chats they no longer do; someone no longer of the
    /// school leaves every chat of it (a chat they owned passes to the school's first administrator).
    public static func sync(_ ctx: PartaContext, userIDs: [UUID]) async throws {
        let people = Array(Set(userIDs))
        guard !people.isEmpty else { return }
        let now = ctx.clock.now()
        let events: [ChatEvent] = try await ctx.store.write { db in
            guard let sql = db as? any SQLDatabase else { return [] }
            var joined: [UUID: [UUID]] = [:], left: [UUID: [UUID]] = [:]
            for chunk in people.chunked(400) {
                // Roles and class places of these people, by school.
                var roles: [UUID: [UUID: Set<String>]] = [:]   // user → school → verified roles
                var member: [UUID: Set<UUID>] = [:]            // user → schools
                for row in try await sql.raw("SELECT user_id, school_id, role, verified FROM memberships WHERE user_id IN (\(binds: chunk))").all() {
                    let user = try row.decode(column: "user_id", as: UUID.self), school = try row.decode(column: "school_id", as: UUID.self)
                    member[user, default: []].insert(school)
                    if try row.decode(column: "verified", as: Bool.self) { roles[user, default: [:]][school, default: []].insert(try row.decode(column: "role", as: String.self)) }
                }
                var seats: [UUID: Set<String>] = [:]            // user → "classID:role"
                for row in try await sql.raw("SELECT user_id, class_id, role FROM class_members WHERE user_id IN (\(binds: chunk))").all() {
                    seats[try row.decode(column: "user_id", as: UUID.self), default: []]
                        .insert("\(try row.decode(column: "class_id", as: UUID.self)):\(try row.decode(column: "role", as: String.self))")
                }
                // Their rows in chats, and the bound chats of their schools.
                struct Row { let chat: UUID; let school: UUID; let viaRoster: Bool; let role: String; let system: Bool }
                var current: [UUID: [Row]] = [:]
                for row in try await sql.raw("""
                    SELECT m.user_id, m.chat_id, m.via_roster, m.role, c.school_id, c.system_audience FROM chat_members m JOIN chats c ON c.id = m.chat_id
                    WHERE m.user_id IN (\(binds: chunk))
                    """).all() {
                    current[try row.decode(column: "user_id", as: UUID.self), default: []].append(Row(
                        chat: try row.decode(column: "chat_id", as: UUID.self), school: try row.decode(column: "school_id", as: UUID.self),
                        viaRoster: try row.decode(column: "via_roster", as: Bool.self), role: try row.decode(column: "role", as: String.self),
                        system: try row.decode(column: "system_audience", as: String?.self) != nil))
                }
                let schools = Array(Set(member.values.flatMap { $0 }).union(current.values.flatMap { $0.map(\.school) }))
                struct Bound { let chat: UUID; let school: UUID; let classID: UUID?; let role: String }
                let bound = schools.isEmpty ? [] : try await sql.raw("""
                    SELECT id, school_id, roster_class_id, roster_role FROM chats WHERE school_id IN (\(binds: schools)) AND roster_role IS NOT NULL
                    """).all().map { row in
                    Bound(chat: try row.decode(column: "id", as: UUID.self), school: try row.decode(column: "school_id", as: UUID.self),
                          classID: try row.decode(column: "roster_class_id", as: UUID?.self), role: try row.decode(column: "roster_role", as: String.self))
                }
                // Chats their moderators removed them from: the roster does not bring them back.
                struct Seat: Hashable { let user: UUID; let chat: UUID }
                var removed: Set<Seat> = []
                for row in try await sql.raw("SELECT user_id, chat_id FROM chat_removals WHERE user_id IN (\(binds: chunk))").all() {
                    removed.insert(Seat(user: try row.decode(column: "user_id", as: UUID.self), chat: try row.decode(column: "chat_id", as: UUID.self)))
                }
                for user in chunk {
                    let mine = current[user] ?? []
                    let present = Set(mine.map(\.chat))
                    for b in bound where !present.contains(b.chat) && !removed.contains(Seat(user: user, chat: b.chat)) {
                        let belongs = b.classID.map { seats[user]?.contains("\($0):\(b.role)") ?? false }
                            ?? (roles[user]?[b.school]?.contains(b.role) ?? false)
                        if belongs {
                            let m = ChatService.member(b.chat, user, .member, now); m.viaRoster = true
                            try await m.create(on: db)
                            joined[b.chat, default: []].append(user)
                        }
                    }
                    for row in mine where !row.system {
                        let stillOfSchool = member[user]?.contains(row.school) ?? false
                        var goes = !stillOfSchool
                        if stillOfSchool, row.viaRoster, let b = bound.first(where: { $0.chat == row.chat }) {
                            goes = !(b.classID.map { seats[user]?.contains("\($0):\(b.role)") ?? false }
                                     ?? (roles[user]?[b.school]?.contains(b.role) ?? false))
                        }
                        guard goes else { continue }
                        try await ChatMemberRecord.query(on: db).filter(\.$chatID == row.chat).filter(\.$userID == user).delete()
                        left[row.chat, default: []].append(user)
                        if row.role == ChatRole.owner.rawValue, let heir = try await firstAdmin(of: row.school, besides: user, on: db) {
                            if let existing = try await ChatMemberRecord.query(on: db).filter(\.$chatID == row.chat).filter(\.$userID == heir).first() {
                                existing.role = ChatRole.owner.rawValue; existing.viaRoster = false
                                try await existing.save(on: db)
                            } else {
                                try await ChatService.member(row.chat, heir, .owner, now).create(on: db)
                                joined[row.chat, default: []].append(heir)
                            }
                            try await ChatRecord.query(on: db).filter(\.$id == row.chat).set(\.$createdBy, to: heir).update()
                        }
                    }
                }
            }
            var events: [ChatEvent] = []
            for chat in Set(joined.keys).union(left.keys).sorted(by: { $0.uuidString < $1.uuidString }) {
                events.append(try await ChatService.membersEvent(chat, joined: joined[chat] ?? [], left: left[chat] ?? [], now: now, on: db))
            }
            return events
        }
        for event in events { await ctx.events.publish(.chat(event)) }
    }

    /// Brings every roster-bound chat of the school in line with its roster (after an import or the
    /// new school year, which change many people at once) — except for people the chat's moderators
    /// removed from it.
    public static func syncSchool(_ ctx: PartaContext, schoolID: UUID) async throws {
        let now = ctx.clock.now()
        let events: [ChatEvent] = try await ctx.store.write { db in
            let chats = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$rosterRole != nil).all()
            var events: [ChatEvent] = []
            for chat in chats {
                guard let role = chat.rosterRole.flatMap(SchoolRole.init(rawValue:)) else { continue }
                let id = try chat.requireID()
                let roster = Set(try await roster(schoolID: schoolID, classID: chat.rosterClassID, role: role, on: db))
                let rows = try await ChatMemberRecord.query(on: db).filter(\.$chatID == id).all()
                let present = Set(rows.map(\.userID))
                // Removed by the chat's moderators: the roster does not bring them back.
                let removed = Set(try await ChatRemovalRecord.query(on: db).filter(\.$chatID == id).all().map(\.userID))
                let joining = roster.subtracting(present).subtracting(removed).sorted { $0.uuidString < $1.uuidString }
                let leaving = rows.filter { $0.viaRoster && !roster.contains($0.userID) }.map(\.userID)
                guard !joining.isEmpty || !leaving.isEmpty else { continue }
                for chunk in joining.chunked(500) {
                    try await chunk.map { let m = ChatService.member(id, $0, .member, now); m.viaRoster = true; return m }.create(on: db)
                }
                if !leaving.isEmpty { try await ChatMemberRecord.query(on: db).filter(\.$chatID == id).filter(\.$userID ~~ leaving).delete() }
                events.append(try await ChatService.membersEvent(id, joined: joining, left: leaving, now: now, on: db))
            }
            return events
        }
        for event in events { await ctx.events.publish(.chat(event)) }
    }

    /// Follows membership changes published on the bus (transfer, leaving, roles, approvals).
    public static func follow(_ bus: any EventBus, _ ctx: PartaContext) {
        bus.subscribe { event in
            guard case let .membershipChanged(userID) = event else { return }
            do { try await sync(ctx, userIDs: [userID]) } catch { ctx.logger.error("roster chats: sync failed: \(error)") }
        }
    }

    static func firstAdmin(of schoolID: UUID, besides userID: UUID, on db: any Database) async throws -> UUID? {
        try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$role == SchoolRole.admin.rawValue)
            .filter(\.$userID != userID).sort(\.$createdAt).first()?.userID
    }
}
