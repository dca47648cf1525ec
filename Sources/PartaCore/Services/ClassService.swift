import FluentKit
import Foundation

/// The school's classes by the nomenclature (§2.1 "формирует структуру"): every member sees the
/// list; administrators create them (one or a parallel at once), rename and archive them.
/// «Учительская» is fixed: it cannot be renamed or archived.
public struct ClassService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func list(_ actor: Actor, schoolID: UUID, includeArchived: Bool) async throws -> [ClassView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var query = ClassRecord.query(on: db).filter(\.$schoolID == schoolID)
        if !includeArchived { query = query.filter(\.$archived == false) }
        let classes = try await query.all()
        return try await views(classes, on: db).sorted(by: ClassView.schoolOrder)
    }

    /// Creates the classes a spec names («5А», «5А–5Г», «5А, 5В»): all of them, or none when one
    /// already exists in that academic year.
    public func create(_ actor: Actor, schoolID: UUID, names spec: String, academicYear: Int?) async throws -> [ClassView] {
        guard spec.count <= 200, let names = ClassName.parseList(spec) else {
            throw PartaError.invalid("names", "Укажите класс или параллель: «5Б», «5А–5Г» или «5А, 5В» (1–11 и буква, до 30 классов).")
        }
        let now = ctx.clock.now()
        let current = AcademicYear.containing(now)
        let year = academicYear ?? current
        guard (current - 1)...(current + 1) ~= year else {
            throw PartaError.invalid("academicYear", "Учебный год: \(current - 1), \(current) или \(current + 1) (год начала).")
        }
        let created: [ClassRecord] = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Self.requireStructureRights(actor, schoolID: schoolID)
            let taken = try await Self.takenNames(names.map(\.description), schoolID: schoolID, year: year, excluding: nil, on: db)
            guard taken.isEmpty else {
                throw PartaError(.conflict, "class_exists", "Уже есть в \(year)/\(year + 1) учебном году: \(taken.joined(separator: ", ")).",
                                 fields: ["names": "Уже есть: \(taken.joined(separator: ", "))."])
            }
            var out: [ClassRecord] = []
            for name in names {
                let c = ClassRecord()
                c.schoolID = schoolID; c.kind = ClassKind.regular.rawValue; c.name = name.description
                c.grade = name.grade; c.letter = String(name.letter); c.academicYear = year
                c.archived = false; c.createdAt = now
                try await c.create(on: db)
                out.append(c)
            }
            return out
        }
        return try await views(created, on: ctx.store.db)
    }

    public struct Patch: Sendable {
        public var name: String?
        public var archived: Bool?
        public init(name: String? = nil, archived: Bool? = nil) { self.name = name; self.archived = archived }
    }

    public func update(_ actor: Actor, classID: UUID, patch: Patch) async throws -> ClassView {
        let newName: ClassName? = try patch.name.map { raw in
            guard raw.count <= 20, let parsed = ClassName.parse(raw) else {
                throw PartaError.invalid("name", "Название класса: номер 1–11 и буква, например «5Б».")
            }
            return parsed
        }
        let updated: ClassRecord = try await ctx.store.write { db in
            let record = try await Self.visibleClass(actor, id: classID, on: db)
            try Self.requireStructureRights(actor, schoolID: record.schoolID)
            if record.kind == ClassKind.staffRoom.rawValue {
                throw PartaError(.conflict, "staff_room_fixed", "«Учительскую» нельзя переименовать или архивировать.")
            }
            if let archived = patch.archived { record.archived = archived }
            if let newName { record.name = newName.description; record.grade = newName.grade; record.letter = String(newName.letter) }
            if !record.archived {
                let clash = try await Self.takenNames([record.name], schoolID: record.schoolID, year: record.academicYear,
                                                      excluding: classID, on: db)
                if !clash.isEmpty {
                    throw PartaError(.conflict, "class_exists", "Класс «\(record.name)» уже есть в этом учебном году.",
                                     fields: ["name": "Уже есть."])
                }
            }
            try await record.save(on: db)
            return record
        }
        return try await views([updated], on: ctx.store.db)[0]
    }

    /// Loads a class the actor may see (a member of its school, or the operator); "not found" otherwise.
    static func visibleClass(_ actor: Actor, id: UUID, on db: any Database) async throws -> ClassRecord {
        guard let record = try await ClassRecord.find(id, on: db),
              Policy.canViewSchool(actor, schoolID: record.schoolID) else { throw PartaError.notFound("Класс") }
        return record
    }

    /// Which of `names` an active class of the school already has in that academic year.
    static func takenNames(_ names: [String], schoolID: UUID, year: Int, excluding classID: UUID?, on db: any Database) async throws -> [String] {
        var query = ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year)
            .filter(\.$archived == false).filter(\.$name ~~ names)
        if let classID { query = query.filter(\.$id != classID) }
        let existing = Set(try await query.all().map(\.name))
        return names.filter(existing.contains)
    }

    static func requireStructureRights(_ actor: Actor, schoolID: UUID) throws {
        guard Policy.canManageStructure(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Структуру школы меняет администратор.")
        }
    }

    func views(_ classes: [ClassRecord], on db: any Database) async throws -> [ClassView] {
        let ids = classes.compactMap(\.id)
        var students: [UUID: Int] = [:]
        if !ids.isEmpty {
            for m in try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ ids).filter(\.$role == SchoolRole.student.rawValue).all() {
                students[m.classID, default: 0] += 1
            }
        }
        return classes.map { c in
            ClassView(id: c.id!, schoolId: c.schoolID, name: c.name, kind: ClassKind(rawValue: c.kind) ?? .regular,
                      grade: c.grade, letter: c.letter, academicYear: c.academicYear, archived: c.archived,
                      studentCount: students[c.id!] ?? 0, createdAt: c.createdAt)
        }
    }
}
