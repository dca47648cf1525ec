import FluentKit
import Foundation

/// The school's grading (issue 14 item 8): whether «1» is used, and the kinds of work with their
/// weights — a Russian default list the timetable's keepers edit. Every member reads them.
public struct GradingService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxKinds = 40

    public func get(_ actor: Actor, schoolID: UUID) async throws -> GradingView {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        return try await view(actor, schoolID: schoolID, on: db)
    }

    public func setUsesOne(_ actor: Actor, schoolID: UUID, usesOne: Bool) async throws -> GradingView {
        let now = ctx.clock.now()
        try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Self.requireRights(actor, schoolID: schoolID)
            let row = try await GradingSettingsRecord.query(on: db).filter(\.$schoolID == schoolID).first() ?? GradingSettingsRecord()
            guard row.id == nil || row.usesOne != usesOne else { return }
            row.schoolID = schoolID; row.usesOne = usesOne; row.updatedAt = now; row.updatedBy = actor.userID
            try await row.save(on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "grading.scale", target: "Шкала оценок",
                                   details: usesOne ? "от 1 до 5" : "от 2 до 5", at: now, on: db)
        }
        return try await view(actor, schoolID: schoolID, on: ctx.store.db)
    }

    public func createKind(_ actor: Actor, schoolID: UUID, name raw: String, weight: Double) async throws -> WorkKindView {
        let now = ctx.clock.now()
        let made: WorkKindRecord = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Self.requireRights(actor, schoolID: schoolID)
            let name = try Self.cleanName(raw)
            try Self.checkWeight(weight)
            try await Self.ensureFree(name, schoolID: schoolID, excluding: nil, on: db)
            let count = try await WorkKindRecord.query(on: db).filter(\.$schoolID == schoolID).count()
            guard count < Self.maxKinds else { throw PartaError(.conflict, "too_many_work_kinds", "В школе не больше \(Self.maxKinds) видов работ.") }
            let k = WorkKindRecord()
            k.schoolID = schoolID; k.name = name; k.weight = weight; k.position = count; k.archived = false; k.createdAt = now
            try await k.create(on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "grading.kind", target: name, details: "новый, вес \(Self.format(weight))",
                                   at: now, on: db)
            return k
        }
        return MarksData.view(made)
    }

    public func updateKind(_ actor: Actor, kindID: UUID, name raw: String?, weight: Double?, archived: Bool?) async throws -> WorkKindView {
        let now = ctx.clock.now()
        let saved: WorkKindRecord = try await ctx.store.write { db in
            guard let k = try await WorkKindRecord.find(kindID, on: db), Policy.canViewSchool(actor, schoolID: k.schoolID) else {
                throw PartaError.notFound("Вид работы")
            }
            try Self.requireRights(actor, schoolID: k.schoolID)
            var changes: [String] = []
            if let raw {
                let name = try Self.cleanName(raw)
                if name != k.name {
                    try await Self.ensureFree(name, schoolID: k.schoolID, excluding: kindID, on: db)
                    changes.append("название «\(k.name)» → «\(name)»"); k.name = name
                }
            }
            if let weight {
                try Self.checkWeight(weight)
                if weight != k.weight { changes.append("вес \(Self.format(k.weight)) → \(Self.format(weight))"); k.weight = weight }
            }
            if let archived, archived != k.archived {
                if archived {
                    let active = try await WorkKindRecord.query(on: db).filter(\.$schoolID == k.schoolID).filter(\.$archived == false).count()
                    guard active > 1 else { throw PartaError(.conflict, "last_work_kind", "Должен остаться хотя бы один вид работы.") }
                }
                changes.append(archived ? "в архиве" : "снова в списке"); k.archived = archived
            }
            guard !changes.isEmpty else { return k }
            try await k.save(on: db)
            try await Audit.record(actor, schoolID: k.schoolID, action: "grading.kind", target: k.name, details: changes.joined(separator: ", "),
                                   at: now, on: db)
            return k
        }
        return MarksData.view(saved)
    }

    func view(_ actor: Actor, schoolID: UUID, on db: any Database) async throws -> GradingView {
        GradingView(usesOne: try await MarksData.usesOne(schoolID: schoolID, on: db),
                    workKinds: try await MarksData.workKinds(schoolID: schoolID, on: db).map(MarksData.view),
                    canEdit: Policy.canManageGrading(actor, schoolID: schoolID))
    }

    static func requireRights(_ actor: Actor, schoolID: UUID) throws {
        guard Policy.canManageGrading(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Виды работ, их вес и шкалу оценок задают администратор, директор и завучи.")
        }
    }

    static func cleanName(_ raw: String) throws -> String {
        let name = Text.cleanLine(raw)
        guard (2...60).contains(name.count) else { throw PartaError.invalid("name", "Вид работы: от 2 до 60 символов.") }
        return name
    }

    static func checkWeight(_ weight: Double) throws {
        guard Grading.halves(weight) != nil else { throw PartaError.invalid("weight", "Вес — от 0,5 до 10 с шагом 0,5.") }
    }

    static func format(_ w: Double) -> String {
        w == w.rounded() ? String(Int(w)) : String(format: "%.1f", w).replacingOccurrences(of: ".", with: ",")
    }

    static func ensureFree(_ name: String, schoolID: UUID, excluding: UUID?, on db: any Database) async throws {
        var q = WorkKindRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$name == name)
        if let excluding { q = q.filter(\.$id != excluding) }
        if try await q.first() != nil {
            throw PartaError(.conflict, "work_kind_exists", "Вид работы «\(name)» уже есть.", fields: ["name": "Уже есть."])
        }
    }
}

/// The kinds of work a new school starts with.
enum WorkKinds {
    static func seed(schoolID: UUID, now: Date, on db: any Database) async throws {
        for (i, kind) in WorkKindCatalog.defaults.enumerated() {
            let k = WorkKindRecord()
            k.schoolID = schoolID; k.name = kind.name; k.weight = kind.weight; k.position = i; k.archived = false; k.createdAt = now
            try await k.create(on: db)
        }
    }
}

/// Every change of a grade, an attendance mark or a term mark (issue 14 item 11), for the school's
/// administration: who, when, old → new.
public struct JournalChangeService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Filter: Sendable {
        public var classID: UUID?
        public var studentID: UUID?
        public var lessonID: UUID?
        public init(classID: UUID? = nil, studentID: UUID? = nil, lessonID: UUID? = nil) {
            self.classID = classID; self.studentID = studentID; self.lessonID = lessonID
        }
    }

    public func list(_ actor: Actor, schoolID: UUID, filter: Filter, page: Int, perPage: Int) async throws -> Page<JournalChangeView> {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canReadJournalChanges(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Историю изменений журнала видят администратор, директор и завучи.")
        }
        let page = max(1, page), perPage = min(max(1, perPage), 200)
        var q = JournalChangeRecord.query(on: db).filter(\.$schoolID == schoolID)
        if let id = filter.classID { q = q.filter(\.$classID == id) }
        if let id = filter.studentID { q = q.filter(\.$studentID == id) }
        if let id = filter.lessonID { q = q.filter(\.$lessonID == id) }
        let total = try await q.copy().count()
        let rows = try await q.sort(\.$at, .descending).sort(\.$id, .descending).range((page - 1) * perPage ..< page * perPage).all()
        let names = try await Journal.names(rows.map(\.actorID) + rows.map(\.studentID), on: db)
        let classIDs = Array(Set(rows.map(\.classID))), subjectIDs = Array(Set(rows.map(\.subjectID)))
        let classes = classIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await ClassRecord.query(on: db).filter(\.$id ~~ classIDs).all().map { ($0.id!, $0.name) })
        let subjects = subjectIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await SubjectRecord.query(on: db).filter(\.$id ~~ subjectIDs).all().map { ($0.id!, $0.name) })
        return Page(items: rows.map { c in
            JournalChangeView(id: c.id!, at: c.at, kind: c.kind, detail: c.detail, oldValue: c.oldValue, newValue: c.newValue,
                              actorId: c.actorID, actorName: names[c.actorID] ?? "", studentId: c.studentID, studentName: names[c.studentID] ?? "",
                              classId: c.classID, className: classes[c.classID] ?? "", subjectId: c.subjectID,
                              subjectName: subjects[c.subjectID] ?? "", lessonId: c.lessonID)
        }, total: total, page: page, perPage: perPage)
    }
}
