import FluentKit
import Foundation
import SQLKit

/// Keeps roster-bound chats in step with the school: run after anything that changes who is in a
/// class or has a role (joining, approval, transfer, leaving, graduation, import, role changes).
public enum RosterChats {
    /// Everyone on a roster: a class's students or parents, or the school's people with a role
    /// (teachers only once confirmed). A class's teachers (the «учителя класса» chat) are the
    /// confirmed teachers who teach there by the assignments, and its homeroom teacher.
    static func roster(schoolID: UUID, classID: UUID?, role: SchoolRole, on db: any Database) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = if let classID, role == .teacher {
            try await sql.raw("""
                SELECT DISTINCT t.user_id FROM (
                  SELECT teacher_id AS user_id FROM teaching_assignments WHERE class_id = \(bind: classID)
                  UNION SELECT user_id FROM homeroom_assignments WHERE class_id = \(bind: classID) AND ended_at IS NULL) t
                JOIN memberships m ON m.user_id = t.user_id AND m.school_id = \(bind: schoolID)
                  AND m.role = \(bind: SchoolRole.teacher.rawValue) AND m.verified = \(bind: true)
                """).all()
        } else if let classID {
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
                // A class's teachers: by the teaching assignments and the homeroom (counted for a
                // confirmed teacher only, below).
                var teaches: [UUID: Set<UUID>] = [:]           // user → classes
                for row in try await sql.raw("""
                    SELECT teacher_id AS user_id, class_id FROM teaching_assignments WHERE teacher_id IN (\(binds: chunk))
                    UNION SELECT user_id, class_id FROM homeroom_assignments WHERE user_id IN (\(binds: chunk)) AND ended_at IS NULL
                    """).all() {
                    teaches[try row.decode(column: "user_id", as: UUID.self), default: []].insert(try row.decode(column: "class_id", as: UUID.self))
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
                func onRoster(_ user: UUID, _ b: Bound) -> Bool {
                    let confirmed = roles[user]?[b.school]?.contains(b.role) ?? false
                    guard let classID = b.classID else { return confirmed }
                    if b.role == SchoolRole.teacher.rawValue { return confirmed && (teaches[user]?.contains(classID) ?? false) }
                    return seats[user]?.contains("\(classID):\(b.role)") ?? false
                }
                for user in chunk {
                    let mine = current[user] ?? []
                    let present = Set(mine.map(\.chat))
                    for b in bound where !present.contains(b.chat) && !removed.contains(Seat(user: user, chat: b.chat)) {
                        let belongs = onRoster(user, b)
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
                            goes = !onRoster(user, b)
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
        try await syncChats(ctx, schoolID: schoolID, teachersOf: nil)
    }

    /// The «учителя класса» chats of these classes brought in line with who teaches there (after a
    /// change of the assignments, the timetable or a homeroom teacher).
    public static func syncClassTeachers(_ ctx: PartaContext, schoolID: UUID, classIDs: [UUID]) async throws {
        guard !classIDs.isEmpty else { return }
        try await syncChats(ctx, schoolID: schoolID, teachersOf: classIDs)
    }

    static func syncChats(_ ctx: PartaContext, schoolID: UUID, teachersOf classIDs: [UUID]?) async throws {
        let now = ctx.clock.now()
        let events: [ChatEvent] = try await ctx.store.write { db in
            var query = ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$rosterRole != nil)
            if let classIDs {
                query = query.filter(\.$rosterRole == SchoolRole.teacher.rawValue).filter(\.$rosterClassID ~~ classIDs)
            }
            let chats = try await query.all()
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
