import FluentKit
import Foundation

/// The roster import (§2.1, §2.6): a CSV of students by class, optionally with a parent's name and
/// phone or email. The preview checks every row — unknown class, bad phone or email, a student twice
/// — and writes nothing; the import re-checks and writes all rows in one transaction, or none.
/// People already known by phone or email keep their accounts. Also the roster export.
public struct RosterImportService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxRows = 5_000
    public static let columns = ["класс", "ученик", "телефон ученика", "email ученика", "родитель", "телефон родителя", "email родителя",
                                 "родитель 2", "телефон родителя 2", "email родителя 2"]

    struct Row {
        var line: Int
        var className: String
        var student: String
        var studentContact: LoginIdentifier?
        /// Up to two parents: «Родитель», «Телефон родителя»… and «Родитель 2», «Телефон родителя 2»…
        var parents: [(name: String, contact: LoginIdentifier)]
    }

    /// `csv` is the uploaded file as it came (`CSVReader` decodes it).
    public func preview(_ actor: Actor, schoolID: UUID, csv: Data) async throws -> ImportReport {
        let (rows, report, _) = try await check(actor, schoolID: schoolID, csv: csv, on: ctx.store.db)
        _ = rows
        return report
    }

    public func run(_ actor: Actor, schoolID: UUID, csv: Data) async throws -> ImportReport {
        let now = ctx.clock.now()
        let done: ImportReport = try await ctx.store.write { db in
            let (rows, report, classes) = try await check(actor, schoolID: schoolID, csv: csv, on: db)
            guard report.errors.isEmpty else {
                throw PartaError(.badRequest, "import_has_errors", "В файле есть ошибки (\(report.errors.count)): ничего не импортировано.")
            }
            try await write(rows, schoolID: schoolID, classes: classes, actor: actor, now: now, on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "roster.import", target: "учеников: \(rows.count)",
                                   details: "новых учеников: \(report.newStudents), новых родителей: \(report.newParents)", at: now, on: db)
            var done = report
            done.imported = true
            return done
        }
        // Thousands of new rows at once: refresh the planner's statistics now rather than when
        // autovacuum gets to it (until then PostgreSQL plans the members list for empty tables).
        if ctx.store.dialect == .postgres, done.rows >= 500 {
            try await ctx.store.sql.raw("ANALYZE users, memberships, class_members, family_links").run()
        }
        try await RosterChats.syncSchool(ctx, schoolID: schoolID)   // the classes' chats take in the new people
        return done
    }

    /// The school's students by class with their parents, as CSV in the import's own format
    /// (`CSVWriter`).
    public func export(_ actor: Actor, schoolID: UUID) async throws -> String {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canManageMembers(actor, schoolID: schoolID) else { throw Self.refused }
        let classes = try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$archived == false)
            .filter(\.$kind == ClassKind.regular.rawValue).all()
        let ids = classes.compactMap(\.id)
        let seats = ids.isEmpty ? [] : try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ ids)
            .filter(\.$role == SchoolRole.student.rawValue).all()
        let links = try await FamilyLinkRecord.query(on: db).filter(\.$schoolID == schoolID).all()
        let users = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db)
            .filter(\.$id ~~ Array(Set(seats.map(\.userID) + links.map(\.parentID)))).all().map { ($0.id!, $0) })
        let className = Dictionary(uniqueKeysWithValues: classes.map { ($0.id!, $0) })
        var out = CSVWriter(header: Self.columns.map { $0.prefix(1).uppercased() + $0.dropFirst() })
        let sorted = seats.sorted {
            let a = className[$0.classID], b = className[$1.classID]
            return ((a?.grade ?? 0), a?.name ?? "", users[$0.userID]?.fullName ?? "") < ((b?.grade ?? 0), b?.name ?? "", users[$1.userID]?.fullName ?? "")
        }
        for seat in sorted {
            let student = users[seat.userID]
            // Two parents in one row (the import's columns); a third and more in rows of their own.
            let parents = links.filter { $0.childID == seat.userID }.compactMap { users[$0.parentID] }.sorted { $0.fullName < $1.fullName }
            func cells(_ u: UserRecord?) -> [String] { [u?.fullName ?? "", u?.phone ?? "", u?.email ?? ""] }
            let name: String = className[seat.classID]?.name ?? ""
            var i = 0
            repeat {
                let first: UserRecord? = i < parents.count ? parents[i] : nil
                let second: UserRecord? = i + 1 < parents.count ? parents[i + 1] : nil
                let fields: [String] = [name] + cells(student) + cells(first) + cells(second)
                out.append(fields)
                i += 2
            } while i < parents.count
        }
        return out.text
    }

    // MARK: Checking

    private func check(_ actor: Actor, schoolID: UUID, csv: Data, on db: any Database) async throws
        -> ([Row], ImportReport, [String: ClassRecord]) {
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canManageMembers(actor, schoolID: schoolID) else { throw Self.refused }
        let table = try CSVReader.read(csv).rows
        guard let header = table.first else { throw PartaError.invalid("file", "Файл пуст.") }
        let names = header.map { UserSearchKey.fold(Text.cleanLine($0)) }
        func column(_ aliases: [String]) -> Int? { names.firstIndex { aliases.contains($0) } }
        guard let classCol = column(["класс", "class"]),
              let studentCol = column(["ученик", "фио ученика", "student"]) else {
            throw PartaError.invalid("file", "Первая строка — заголовки: «Класс», «Ученик» и, по желанию, «Телефон ученика», «Email ученика», «Родитель», «Телефон родителя», «Email родителя».")
        }
        let cols = (phone: column(["телефон ученика", "student phone"]), email: column(["email ученика", "student email"]),
                    parent: column(["родитель", "фио родителя", "parent"]), parentPhone: column(["телефон родителя", "parent phone"]),
                    parentEmail: column(["email родителя", "parent email"]),
                    parent2: column(["родитель 2", "фио родителя 2", "parent 2"]), parent2Phone: column(["телефон родителя 2", "parent 2 phone"]),
                    parent2Email: column(["email родителя 2", "parent 2 email"]))
        let body = table.dropFirst().enumerated().filter { !$0.element.allSatisfy { Text.cleanLine($0).isEmpty } }
        guard body.count <= Self.maxRows else { throw PartaError.invalid("file", "Не больше \(Self.maxRows) строк за один раз.") }

        let classes = try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$archived == false)
            .filter(\.$kind == ClassKind.regular.rawValue).all()
        let byName = Dictionary(classes.map { ($0.name, $0) }, uniquingKeysWith: { a, b in a.academicYear >= b.academicYear ? a : b })
        var errors: [ImportReport.RowError] = []
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        var perClass: [String: Int] = [:]
        for (index, cells) in body {
            let line = index + 2
            func cell(_ i: Int?) -> String { i.flatMap { $0 < cells.count ? Text.cleanLine(cells[$0]) : nil } ?? "" }
            func fail(_ field: String, _ message: String) { errors.append(.init(line: line, field: field, message: message)) }
            var row = Row(line: line, className: "", student: cell(studentCol), studentContact: nil, parents: [])
            let rawClass = cell(classCol)
            if let parsed = ClassName.parse(rawClass), byName[parsed.description] != nil { row.className = parsed.description }
            else { fail("class", rawClass.isEmpty ? "Не указан класс." : "Нет такого класса: «\(rawClass)».") }
            if row.student.split(separator: " ").count < 2 || row.student.count > 200 { fail("student", "Укажите фамилию и имя ученика.") }
            row.studentContact = contact(phone: cell(cols.phone), email: cell(cols.email), field: "student", fail: fail)
            for (name, phone, email) in [(cols.parent, cols.parentPhone, cols.parentEmail), (cols.parent2, cols.parent2Phone, cols.parent2Email)] {
                let parentName = cell(name)
                let parentContact = contact(phone: cell(phone), email: cell(email), field: "parent", fail: fail)
                if parentContact != nil && parentName.split(separator: " ").count < 2 { fail("parent", "Укажите фамилию и имя родителя.") }
                if !parentName.isEmpty && cell(phone).isEmpty && cell(email).isEmpty { fail("parent", "Укажите телефон или email родителя.") }
                if let parentContact { row.parents.append((parentName, parentContact)) }
            }
            let key = row.className + "|" + UserSearchKey.fold(row.student)
            if let first = seen[key] { fail("student", "Этот ученик уже есть в строке \(first).") } else { seen[key] = line }
            if let contact = row.studentContact, row.parents.contains(where: { $0.contact == contact }) {
                fail("parent", "У ученика и родителя один и тот же контакт.")
            }
            perClass[row.className, default: 0] += 1
            rows.append(row)
        }
        // A student's contact used by another student of the file.
        var contacts: [String: Int] = [:]
        for row in rows {
            guard let c = row.studentContact?.value else { continue }
            if let first = contacts[c] { errors.append(.init(line: row.line, field: "student", message: "Этот телефон или email уже у ученика в строке \(first).")) }
            else { contacts[c] = row.line }
        }
        // Known accounts, and students already in another class of the school.
        let known = try await knownUsers(rows.flatMap { [$0.studentContact] + $0.parents.map(\.contact) }.compactMap { $0 }, on: db)
        var newStudents = 0, newParents = 0
        var newParentContacts = Set<String>()
        let studentMemberships = Set(try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$role == SchoolRole.student.rawValue).all().map(\.userID))
        let classIDs = classes.compactMap(\.id)
        let seats = classIDs.isEmpty ? [] : try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ classIDs)
            .filter(\.$role == SchoolRole.student.rawValue).all()
        let byClassAndName = try await studentsByName(classIDs: classIDs, on: db)
        for row in rows {
            if row.studentContact == nil, let cls = byName[row.className], byClassAndName["\(cls.id!)|\(UserSearchKey.fold(row.student))"] != nil {
                // Already in this class (imported before): nothing new.
            } else if let c = row.studentContact, let user = known[c.value] {
                if studentMemberships.contains(user.id!), let cls = byName[row.className],
                   !seats.contains(where: { $0.userID == user.id! && $0.classID == cls.id! }) {
                    errors.append(.init(line: row.line, field: "student", message: "Уже ученик другого класса: оформите перевод."))
                }
            } else { newStudents += 1 }
            for c in row.parents.map(\.contact) where known[c.value] == nil && newParentContacts.insert(c.value).inserted { newParents += 1 }
        }
        errors.sort { ($0.line, $0.field) < ($1.line, $1.field) }
        let report = ImportReport(rows: rows.count, errors: errors, classes: perClass.filter { !$0.key.isEmpty }
            .map { .init(name: $0.key, students: $0.value) }.sorted { $0.name < $1.name },
                                  newStudents: newStudents, newParents: newParents, imported: false)
        return (rows, report, byName)
    }

    /// Students of these classes by class and folded name: a student listed again without a
    /// contact is the same child, not a new one (importing a file twice changes nothing).
    private func studentsByName(classIDs: [UUID], on db: any Database) async throws -> [String: UUID] {
        guard !classIDs.isEmpty else { return [:] }
        let seats = try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ classIDs).filter(\.$role == SchoolRole.student.rawValue).all()
        var names: [UUID: String] = [:]
        for chunk in seats.map(\.userID).chunked(500) {
            for u in try await UserRecord.query(on: db).filter(\.$id ~~ chunk).all() { names[u.id!] = u.fullName }
        }
        var out: [String: UUID] = [:]
        for seat in seats { if let name = names[seat.userID] { out["\(seat.classID)|\(UserSearchKey.fold(name))"] = seat.userID } }
        return out
    }

    private func contact(phone: String, email: String, field: String, fail: (String, String) -> Void) -> LoginIdentifier? {
        if !phone.isEmpty {
            guard let p = Phone.normalize(phone) else { fail(field, "Неверный мобильный телефон: «\(phone)»."); return nil }
            if !email.isEmpty && Email.normalize(email) == nil { fail(field, "Неверный email: «\(email)».") }
            return .phone(p)
        }
        if !email.isEmpty {
            guard let e = Email.normalize(email) else { fail(field, "Неверный email: «\(email)»."); return nil }
            return .email(e)
        }
        return nil
    }

    private func knownUsers(_ contacts: [LoginIdentifier], on db: any Database) async throws -> [String: UserRecord] {
        var out: [String: UserRecord] = [:]
        let phones = Array(Set(contacts.compactMap { if case let .phone(p) = $0 { return p } else { return nil } }))
        let emails = Array(Set(contacts.compactMap { if case let .email(e) = $0 { return e } else { return nil } }))
        for chunk in phones.chunked(500) {
            for u in try await UserRecord.query(on: db).filter(\.$phone ~~ chunk).all() { out[u.phone!] = u }
        }
        for chunk in emails.chunked(500) {
            for u in try await UserRecord.query(on: db).filter(\.$email ~~ chunk).all() { out[u.email!] = u }
        }
        return out
    }

    // MARK: Writing — in batches: a few multi-row INSERTs instead of thousands of statements

    private func write(_ rows: [Row], schoolID: UUID, classes: [String: ClassRecord], actor: Actor, now: Date, on db: any Database) async throws {
        var known = try await knownUsers(rows.flatMap { [$0.studentContact] + $0.parents.map(\.contact) }.compactMap { $0 }, on: db)
        var newUsers: [UserRecord] = []
        func user(named name: String, contact: LoginIdentifier?) -> UUID {
            if let contact, let existing = known[contact.value] { return existing.id! }
            let u = UserRecord()
            u.id = UUID(); u.fullName = name
            if case let .phone(p)? = contact { u.phone = p }
            if case let .email(e)? = contact { u.email = e }
            u.status = AccountStatus.pending.rawValue; u.isOperator = false; u.locale = "ru"; u.createdAt = now
            u.searchKey = UserSearchKey.make(u)
            newUsers.append(u)
            if let contact { known[contact.value] = u }
            return u.id!
        }
        var batch = try await Enrollment.Batch(schoolID: schoolID, classIDs: classes.values.compactMap(\.id), on: db)
        let existing = try await studentsByName(classIDs: classes.values.compactMap(\.id), on: db)
        for row in rows {
            guard let cls = classes[row.className] else { continue }
            let sameChild = row.studentContact == nil ? existing["\(cls.id!)|\(UserSearchKey.fold(row.student))"] : nil
            let student = sameChild ?? user(named: row.student, contact: row.studentContact)
            try batch.enroll(userID: student, in: cls, role: .student, childID: nil, actorID: actor.userID, note: Self.note, now: now)
            for (name, contact) in row.parents {
                try batch.enroll(userID: user(named: name, contact: contact), in: cls, role: .parent, childID: student,
                                 actorID: actor.userID, note: Self.note, now: now)
            }
        }
        try await Enrollment.insert(newUsers, on: db)
        try await batch.write(on: db)
    }

    /// The member history's note for everyone the import enrols.
    static let note = "импорт списка"

    static let refused = PartaError(.forbidden, "forbidden", "Списки учеников загружает администратор школы.")
}

extension Array {
    /// Consecutive slices of at most `size` elements (bind limits of multi-row statements and IN lists).
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// The result of checking (and, with `imported`, of running) a roster import.
public struct ImportReport: Sendable, Codable, Equatable {
    public struct RowError: Sendable, Codable, Equatable {
        public var line: Int
        public var field: String
        public var message: String
    }
    public struct ClassCount: Sendable, Codable, Equatable {
        public var name: String
        public var students: Int
    }
    public var rows: Int
    public var errors: [RowError]
    public var classes: [ClassCount]
    public var newStudents: Int
    public var newParents: Int
    public var imported: Bool
}
