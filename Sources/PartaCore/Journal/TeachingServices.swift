import FluentKit
import Foundation

/// The school's subjects (issue 14 item 2): every member reads them; the timetable's keepers add,
/// rename and archive (a subject in use is archived, never deleted).
public struct SubjectService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func list(_ actor: Actor, schoolID: UUID, includeArchived: Bool) async throws -> [SubjectView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var q = SubjectRecord.query(on: db).filter(\.$schoolID == schoolID)
        if !includeArchived { q = q.filter(\.$archived == false) }
        return try await q.sort(\.$position).sort(\.$name).all().map(Self.view)
    }

    public func create(_ actor: Actor, schoolID: UUID, name raw: String) async throws -> SubjectView {
        let made: SubjectRecord = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: schoolID)
            let name = try Self.cleanName(raw)
            try await Self.ensureFree(name, schoolID: schoolID, excluding: nil, on: db)
            let count = try await SubjectRecord.query(on: db).filter(\.$schoolID == schoolID).count()
            guard count < 200 else { throw PartaError(.conflict, "too_many_subjects", "В школе не больше 200 предметов.") }
            let s = SubjectRecord()
            s.schoolID = schoolID; s.name = name; s.position = count; s.archived = false; s.createdAt = ctx.clock.now()
            try await s.create(on: db)
            return s
        }
        return Self.view(made)
    }

    public func update(_ actor: Actor, subjectID: UUID, name: String?, archived: Bool?) async throws -> SubjectView {
        let saved: SubjectRecord = try await ctx.store.write { db in
            guard let s = try await SubjectRecord.find(subjectID, on: db), Policy.canViewSchool(actor, schoolID: s.schoolID) else {
                throw PartaError.notFound("Предмет")
            }
            try Journal.requireTimetableRights(actor, schoolID: s.schoolID)
            let newName = try name.map(Self.cleanName)
            if let newName { try await Self.ensureFree(newName, schoolID: s.schoolID, excluding: subjectID, on: db); s.name = newName }
            if let archived { s.archived = archived }
            try await s.save(on: db)
            return s
        }
        return Self.view(saved)
    }

    static func cleanName(_ raw: String) throws -> String {
        let name = Text.cleanLine(raw)
        guard (2...100).contains(name.count) else { throw PartaError.invalid("name", "Название предмета: от 2 до 100 символов.") }
        return name
    }

    static func ensureFree(_ name: String, schoolID: UUID, excluding: UUID?, on db: any Database) async throws {
        var q = SubjectRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$name == name)
        if let excluding { q = q.filter(\.$id != excluding) }
        if try await q.first() != nil {
            throw PartaError(.conflict, "subject_exists", "Предмет «\(name)» уже есть.", fields: ["name": "Уже есть."])
        }
    }

    static func view(_ s: SubjectRecord) -> SubjectView { SubjectView(id: s.id!, name: s.name, archived: s.archived) }
}

/// Groups of a class taught apart (languages, labour): made by the timetable's keepers and the
/// class's homeroom teacher; members are the class's students.
public struct ClassGroupService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func list(_ actor: Actor, classID: UUID) async throws -> [ClassGroupView] {
        let db = ctx.store.db
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        let groups = try await ClassGroupRecord.query(on: db).filter(\.$classID == classID).sort(\.$name).all()
        // Who is in which group is the class's roster: its keepers, its teachers and its homeroom teacher.
        let teaches = Policy.isConfirmedTeacher(actor, schoolID: cls.schoolID) ? try await Self.teaches(actor.userID, classID: classID, on: db) : false
        let seesMembers = teaches || Policy.canManageTimetable(actor, schoolID: cls.schoolID)
            || Policy.isHomeroomTeacher(actor, schoolID: cls.schoolID, classID: classID)
        return try await views(groups, withMembers: seesMembers, on: db)
    }

    public func create(_ actor: Actor, classID: UUID, name: String, memberIDs: [UUID]) async throws -> ClassGroupView {
        let group: ClassGroupRecord = try await ctx.store.write { db in
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            try Self.requireGroupRights(actor, cls)
            let clean = try Self.cleanName(name)
            let count = try await ClassGroupRecord.query(on: db).filter(\.$classID == classID).count()
            guard count < 20 else { throw PartaError(.conflict, "too_many_groups", "В классе не больше 20 групп.") }
            try await Self.ensureFree(clean, classID: classID, excluding: nil, on: db)
            let g = ClassGroupRecord()
            g.schoolID = cls.schoolID; g.classID = classID; g.name = clean; g.createdAt = ctx.clock.now()
            try await g.create(on: db)
            try await Self.setMembers(g, memberIDs, on: db)
            return g
        }
        return try await views([group], withMembers: true, on: ctx.store.db)[0]
    }

    public func update(_ actor: Actor, groupID: UUID, name: String?, memberIDs: [UUID]?) async throws -> ClassGroupView {
        let group: ClassGroupRecord = try await ctx.store.write { db in
            let (g, cls) = try await Self.visibleGroup(actor, groupID, on: db)
            try Self.requireGroupRights(actor, cls)
            let clean = try name.map(Self.cleanName)
            if let clean { try await Self.ensureFree(clean, classID: g.classID, excluding: groupID, on: db); g.name = clean; try await g.save(on: db) }
            if let memberIDs {
                try await ClassGroupMemberRecord.query(on: db).filter(\.$groupID == groupID).delete()
                try await Self.setMembers(g, memberIDs, on: db)
            }
            return g
        }
        return try await views([group], withMembers: true, on: ctx.store.db)[0]
    }

    /// A group in the timetable or with lessons stays (its history would lose its meaning).
    public func delete(_ actor: Actor, groupID: UUID) async throws {
        try await ctx.store.write { db in
            let (g, cls) = try await Self.visibleGroup(actor, groupID, on: db)
            try Self.requireGroupRights(actor, cls)
            let inTimetable = try await TimetableEntryRecord.query(on: db).filter(\.$groupID == groupID).first() != nil
            let inJournal = try await LessonRecord.query(on: db).filter(\.$groupID == groupID).first() != nil
            if inTimetable || inJournal { throw PartaError(.conflict, "group_in_use", "Группа есть в расписании или в журнале: её нельзя удалить.") }
            try await TeachingAssignmentRecord.query(on: db).filter(\.$groupID == groupID).delete()
            try await g.delete(on: db)
        }
    }

    static func visibleGroup(_ actor: Actor, _ id: UUID, on db: any Database) async throws -> (ClassGroupRecord, ClassRecord) {
        guard let g = try await ClassGroupRecord.find(id, on: db) else { throw PartaError.notFound("Группа") }
        let cls = try await ClassService.visibleClass(actor, id: g.classID, on: db)
        return (g, cls)
    }

    static func requireGroupRights(_ actor: Actor, _ cls: ClassRecord) throws {
        guard cls.kind == ClassKind.regular.rawValue else { throw PartaError(.conflict, "not_a_class", "У «Учительской» нет групп.") }
        guard Policy.canManageTimetable(actor, schoolID: cls.schoolID)
            || Policy.isHomeroomTeacher(actor, schoolID: cls.schoolID, classID: cls.id!) else {
            throw PartaError(.forbidden, "forbidden", "Группы класса делят администратор, завучи и классный руководитель.")
        }
    }

    static func cleanName(_ raw: String) throws -> String {
        let name = Text.cleanLine(raw)
        guard (1...60).contains(name.count) else { throw PartaError.invalid("name", "Название группы: до 60 символов.") }
        return name
    }

    static func ensureFree(_ name: String, classID: UUID, excluding: UUID?, on db: any Database) async throws {
        var q = ClassGroupRecord.query(on: db).filter(\.$classID == classID).filter(\.$name == name)
        if let excluding { q = q.filter(\.$id != excluding) }
        if try await q.first() != nil { throw PartaError(.conflict, "group_exists", "Группа «\(name)» уже есть.", fields: ["name": "Уже есть."]) }
    }

    /// Members are students of the group's class; anyone else is refused by name of the field.
    static func setMembers(_ g: ClassGroupRecord, _ ids: [UUID], on db: any Database) async throws {
        let unique = Array(Set(ids))
        guard unique.count <= 60 else { throw PartaError.invalid("memberIds", "В группе не больше 60 учеников.") }
        guard !unique.isEmpty else { return }
        let students = Set(try await ClassMemberRecord.query(on: db).filter(\.$classID == g.classID)
            .filter(\.$role == SchoolRole.student.rawValue).filter(\.$userID ~~ unique).all().map(\.userID))
        guard students.count == unique.count else { throw PartaError.invalid("memberIds", "В группу входят только ученики этого класса.") }
        for id in unique {
            let m = ClassGroupMemberRecord()
            m.groupID = g.id!; m.userID = id
            try await m.create(on: db)
        }
    }

    static func teaches(_ userID: UUID, classID: UUID, on db: any Database) async throws -> Bool {
        try await TeachingAssignmentRecord.query(on: db).filter(\.$classID == classID).filter(\.$teacherID == userID).first() != nil
    }

    func views(_ groups: [ClassGroupRecord], withMembers: Bool, on db: any Database) async throws -> [ClassGroupView] {
        let ids = groups.compactMap(\.id)
        var members: [UUID: [UUID]] = [:]
        if withMembers && !ids.isEmpty {
            for m in try await ClassGroupMemberRecord.query(on: db).filter(\.$groupID ~~ ids).all() { members[m.groupID, default: []].append(m.userID) }
        }
        return groups.map { ClassGroupView(id: $0.id!, classId: $0.classID, name: $0.name, memberIds: (members[$0.id!] ?? []).sorted { $0.uuidString < $1.uuidString }) }
    }
}

/// Who teaches which subject in which class (issue 14 item 2). Saving a timetable records its
/// pairs here too; assignments can also be made ahead of the timetable.
public struct AssignmentService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// The school's assignments: its keepers see all; a teacher sees their own.
    public func list(_ actor: Actor, schoolID: UUID, classID: UUID?, teacherID: UUID?) async throws -> [AssignmentView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var q = TeachingAssignmentRecord.query(on: db).filter(\.$schoolID == schoolID)
        if !Policy.canReadSchoolJournal(actor, schoolID: schoolID) {
            guard actor.roles(in: schoolID).contains(.teacher) else { throw PartaError.notFound("Школа") }
            q = q.filter(\.$teacherID == actor.userID)
        }
        if let classID { q = q.filter(\.$classID == classID) }
        if let teacherID { q = q.filter(\.$teacherID == teacherID) }
        return try await Self.views(try await q.all(), on: db)
    }

    public func create(_ actor: Actor, schoolID: UUID, classID: UUID, subjectID: UUID, groupID: UUID?, teacherID: UUID) async throws -> AssignmentView {
        let made: TeachingAssignmentRecord = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: schoolID)
            let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
            var problems: [String: String] = [:]
            if refs.classes[classID] == nil { problems["classId"] = "Такого класса нет в школе." }
            if refs.subjects[subjectID] == nil { problems["subjectId"] = "Такого предмета нет в школе." }
            if refs.teachers[teacherID] == nil { problems["teacherId"] = "Это не подтверждённый учитель школы." }
            if let groupID, refs.groups[groupID]?.classID != classID { problems["groupId"] = "Такой группы нет в этом классе." }
            if !problems.isEmpty { throw PartaError.validation(problems) }
            return try await Self.ensure(schoolID: schoolID, classID: classID, subjectID: subjectID, groupID: groupID,
                                         teacherID: teacherID, now: ctx.clock.now(), on: db)
        }
        try await RosterChats.syncClassTeachers(ctx, schoolID: schoolID, classIDs: [classID])
        return try await Self.views([made], on: ctx.store.db)[0]
    }

    /// An assignment the timetable still uses stays: change the timetable first.
    public func delete(_ actor: Actor, assignmentID: UUID) async throws {
        let gone: TeachingAssignmentRecord = try await ctx.store.write { db in
            guard let a = try await TeachingAssignmentRecord.find(assignmentID, on: db),
                  Policy.canViewSchool(actor, schoolID: a.schoolID) else { throw PartaError.notFound("Назначение") }
            try Journal.requireTimetableRights(actor, schoolID: a.schoolID)
            var q = TimetableEntryRecord.query(on: db).filter(\.$classID == a.classID).filter(\.$subjectID == a.subjectID)
                .filter(\.$teacherID == a.teacherID)
            q = a.groupID.map { q.filter(\.$groupID == $0) } ?? q.filter(\.$groupID == nil)
            if try await q.first() != nil {
                throw PartaError(.conflict, "assignment_in_timetable", "Этот урок есть в расписании класса: сначала измените расписание.")
            }
            try await a.delete(on: db)
            return a
        }
        try await RosterChats.syncClassTeachers(ctx, schoolID: gone.schoolID, classIDs: [gone.classID])
    }

    /// The assignment for these four, made if missing.
    static func ensure(schoolID: UUID, classID: UUID, subjectID: UUID, groupID: UUID?, teacherID: UUID, now: Date,
                       on db: any Database) async throws -> TeachingAssignmentRecord {
        var q = TeachingAssignmentRecord.query(on: db).filter(\.$classID == classID).filter(\.$subjectID == subjectID)
            .filter(\.$teacherID == teacherID)
        q = groupID.map { q.filter(\.$groupID == $0) } ?? q.filter(\.$groupID == nil)
        if let existing = try await q.first() { return existing }
        let a = TeachingAssignmentRecord()
        a.schoolID = schoolID; a.classID = classID; a.subjectID = subjectID; a.groupID = groupID
        a.teacherID = teacherID; a.createdAt = now
        try await a.create(on: db)
        return a
    }

    static func views(_ rows: [TeachingAssignmentRecord], on db: any Database) async throws -> [AssignmentView] {
        guard let schoolID = rows.first?.schoolID else { return [] }
        let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
        let names = try await Journal.names(rows.map(\.teacherID), on: db)
        return rows.map { a in
            AssignmentView(id: a.id!, classId: a.classID, className: refs.classes[a.classID]?.name ?? "",
                           subjectId: a.subjectID, subjectName: refs.subjects[a.subjectID]?.name ?? "",
                           groupId: a.groupID, groupName: a.groupID.flatMap { refs.groups[$0]?.name },
                           teacherId: a.teacherID, teacherName: names[a.teacherID] ?? "")
        }
        .sorted { ($0.className, $0.subjectName, $0.groupName ?? "") < ($1.className, $1.subjectName, $1.groupName ?? "") }
    }
}

/// A school's classes, subjects, groups and confirmed teachers, loaded once for checking and naming.
struct TimetableRefs {
    var classes: [UUID: ClassRecord] = [:]
    var subjects: [UUID: SubjectRecord] = [:]
    var groups: [UUID: ClassGroupRecord] = [:]
    /// Confirmed teachers of the school → their names.
    var teachers: [UUID: String] = [:]

    static func load(schoolID: UUID, on db: any Database) async throws -> TimetableRefs {
        var refs = TimetableRefs()
        for c in try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$kind == ClassKind.regular.rawValue).all() {
            refs.classes[c.id!] = c
        }
        for s in try await SubjectRecord.query(on: db).filter(\.$schoolID == schoolID).all() { refs.subjects[s.id!] = s }
        for g in try await ClassGroupRecord.query(on: db).filter(\.$schoolID == schoolID).all() { refs.groups[g.id!] = g }
        let teacherIDs = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$role == SchoolRole.teacher.rawValue).filter(\.$verified == true).all().map(\.userID)
        refs.teachers = try await Journal.names(teacherIDs, on: db)
        return refs
    }
}
