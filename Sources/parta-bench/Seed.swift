// Seeding a fresh SQLite data directory in this process, through PartaCore's models: a school (with
// its two system channels, as an approved school has), people with memberships and sessions, chats.
// The server then runs on it as a separate process.
import FluentKit
import Foundation
import PartaCore
import PartaServer
import Vapor

/// A person with an open session: the bearer token is what the server's sign-in would have returned.
struct Person: Sendable {
    let id: UUID
    let token: String
}

final class Seeder: @unchecked Sendable {
    let app: Application
    let db: any Database
    let dataDirectory: URL
    let now = Date()
    var schoolID = UUID()
    /// «Общешкольный канал» (audience: the whole school) and «Сотрудники» (staff).
    var schoolChannelID = UUID()
    var staffChannelID = UUID()
    private var serial = 0

    private init(app: Application, dataDirectory: URL) {
        self.app = app; self.db = app.db; self.dataDirectory = dataDirectory
    }

    /// A new data directory, migrated, with one school.
    static func open() async throws -> Seeder {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("parta-bench-\(UUID().uuidString)")
        var environment = Environment.production
        environment.arguments = [CommandLine.arguments[0]]   // Vapor must not read the bench's own options
        let app = try await Application.make(environment)
        app.logger.logLevel = .warning
        let config = PartaConfig(dataDirectory: dataDirectory, publicURL: "http://127.0.0.1", bcryptCost: 4, logLevel: .warning)
        try await configure(app, config: config)
        app.logger.logLevel = .warning
        try await app.autoMigrate()
        let seeder = Seeder(app: app, dataDirectory: dataDirectory)
        try await seeder.school()
        return seeder
    }

    func close() async throws {
        try await app.asyncShutdown()
    }

    private func school() async throws {
        let school = SchoolRecord()
        school.id = schoolID
        school.name = "МБОУ «Школа № 1 (нагрузочный тест)»"; school.shortName = "Школа № 1"; school.address = "г. Киров"
        school.region = "Кировская область"; school.inn = "7707083893"; school.phone = ""; school.email = ""; school.website = ""
        school.directorName = ""; school.timezone = "Europe/Moscow"; school.createdAt = now; school.updatedAt = now; school.moderatorsSeeReporters = false
        try await [school].create(on: db)
        // The system channels an approved school gets (ApplicationService.approve).
        var chats: [ChatRecord] = []
        for (id, title, audience) in [(schoolChannelID, "Общешкольный канал", ChannelAudience.school), (staffChannelID, "Сотрудники", .staff)] {
            let chat = ChatRecord()
            chat.id = id; chat.schoolID = schoolID; chat.kind = ChatKind.channel.rawValue; chat.title = title
            chat.systemAudience = audience.rawValue; chat.createdAt = now; chat.readOnly = true; chat.lastSeq = 0; chat.lastEvent = 0
            chats.append(chat)
        }
        try await chats.create(on: db)
    }

    /// `count` active people of the school with `role` (verified), each with one session.
    func people(_ count: Int, role: SchoolRole, name: String) async throws -> [Person] {
        var out: [Person] = []
        out.reserveCapacity(count)
        let now = self.now, schoolID = self.schoolID
        for start in stride(from: 0, to: count, by: 500) {
            let n = min(500, count - start)
            var users: [UserRecord] = [], memberships: [MembershipRecord] = [], sessions: [SessionRecord] = []
            for _ in 0..<n {
                serial += 1
                let u = UserRecord()
                u.id = UUID(); u.fullName = "\(name) Нагрузочный \(serial)"; u.email = "bench\(serial)@bench.test"
                u.status = AccountStatus.active.rawValue; u.isOperator = false; u.locale = "ru"; u.createdAt = now
                u.searchKey = UserSearchKey.make(u)
                users.append(u)
                let m = MembershipRecord()
                m.schoolID = schoolID; m.userID = u.id!; m.role = role.rawValue; m.verified = true; m.createdAt = now
                memberships.append(m)
                // A session as AuthService.openSession makes it: only the token's SHA-256 is stored.
                let token = Secrets.token()
                let s = SessionRecord()
                s.id = UUID(); s.userID = u.id!; s.tokenHash = Secrets.sha256Hex(token); s.createdAt = now; s.lastSeenAt = now
                s.expiresAt = now.addingTimeInterval(30 * 24 * 3600); s.userAgent = "parta-bench"; s.ip = "127.0.0.1"
                sessions.append(s)
                out.append(Person(id: u.id!, token: token))
            }
            let (u, m, s) = (users, memberships, sessions)
            try await db.transaction { tx in
                try await u.create(on: tx)
                try await m.create(on: tx)
                try await s.create(on: tx)
            }
        }
        return out
    }

    /// A chat with member rows; `members` in order, the first usually its owner.
    @discardableResult
    func chat(kind: ChatKind, title: String, readOnly: Bool, createdBy: UUID, members: [(UUID, ChatRole)]) async throws -> UUID {
        let chat = ChatRecord()
        chat.id = UUID(); chat.schoolID = schoolID; chat.kind = kind.rawValue; chat.title = title; chat.createdAt = now
        chat.createdBy = createdBy; chat.readOnly = readOnly; chat.lastSeq = 0; chat.lastEvent = 0
        try await [chat].create(on: db)
        try await addMembers(chat.id!, members)
        return chat.id!
    }

    /// Many small chats at once: (kind, title, members).
    func chats(_ specs: [(title: String, members: [(UUID, ChatRole)])], kind: ChatKind) async throws -> [UUID] {
        var ids: [UUID] = []
        for start in stride(from: 0, to: specs.count, by: 500) {
            let part = specs[start..<min(specs.count, start + 500)]
            var chats: [ChatRecord] = [], members: [ChatMemberRecord] = []
            for spec in part {
                let chat = ChatRecord()
                chat.id = UUID(); chat.schoolID = schoolID; chat.kind = kind.rawValue; chat.title = spec.title; chat.createdAt = now
                chat.createdBy = spec.members.first?.0; chat.readOnly = false; chat.lastSeq = 0; chat.lastEvent = 0
                chats.append(chat)
                ids.append(chat.id!)
                members += spec.members.map { member(chat.id!, $0.0, $0.1) }
            }
            let (c, m) = (chats, members)
            try await db.transaction { tx in
                try await c.create(on: tx)
                for chunk in stride(from: 0, to: m.count, by: 500) { try await Array(m[chunk..<min(m.count, chunk + 500)]).create(on: tx) }
            }
        }
        return ids
    }

    func addMembers(_ chatID: UUID, _ members: [(UUID, ChatRole)]) async throws {
        let rows = members.map { member(chatID, $0.0, $0.1) }
        try await db.transaction { tx in
            for chunk in stride(from: 0, to: rows.count, by: 500) { try await Array(rows[chunk..<min(rows.count, chunk + 500)]).create(on: tx) }
        }
    }

    private func member(_ chatID: UUID, _ userID: UUID, _ role: ChatRole) -> ChatMemberRecord {
        let m = ChatMemberRecord()
        m.chatID = chatID; m.userID = userID; m.role = role.rawValue; m.lastReadSeq = 0; m.joinedAt = now; m.viaRoster = false
        return m
    }
}
