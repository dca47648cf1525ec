import FluentKit
import Foundation

/// A class's people and its homeroom teacher (§2.1 "назначает классных руководителей"): the
/// administration and the homeroom teacher see the roster with each student's parents; the
/// administrator assigns the homeroom teacher (one per class, history kept); the new school year
/// promotes every class one grade, graduating the 11th, in one action with a preview.
public struct ClassRosterService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public func roster(_ actor: Actor, classID: UUID) async throws -> ClassRosterView {
        let db = ctx.store.db
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        guard Policy.canViewClassRoster(actor, schoolID: cls.schoolID, classID: classID) else { throw PartaError.notFound("Класс") }
        let seats = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID).all()
        let studentIDs = seats.filter { $0.role == SchoolRole.student.rawValue }.map(\.userID)
        let links = studentIDs.isEmpty ? [] : try await FamilyLinkRecord.query(on: db).filter(\.$childID ~~ studentIDs).all()
        let assignments = try await HomeroomAssignmentRecord.query(on: db).filter(\.$classID == classID).sort(\.$startedAt, .descending).all()
        let people = Array(Set(seats.map(\.userID) + links.map(\.parentID) + assignments.map(\.userID)))
        let users = people.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db)
            .filter(\.$id ~~ people).all().map { ($0.id!, $0) })
        func person(_ id: UUID) -> ClassRosterView.Person { Self.person(id, users[id]) }
        let byName: (ClassRosterView.Person, ClassRosterView.Person) -> Bool = { $0.fullName < $1.fullName }
        let students = studentIDs.map { id in
            ClassRosterView.Student(person: person(id), parents: links.filter { $0.childID == id }.map { person($0.parentID) }.sorted(by: byName))
        }.sorted { $0.person.fullName < $1.person.fullName }
        let current = assignments.first { $0.endedAt == nil }
        let view = try await ClassService(ctx).views([cls], on: db)[0]
        return ClassRosterView(
            class: view, homeroom: current.map { person($0.userID) },
            homeroomHistory: assignments.map { .init(person: person($0.userID), from: $0.startedAt, to: $0.endedAt) },
            students: students,
            parents: seats.filter { $0.role == SchoolRole.parent.rawValue }.map { person($0.userID) }.sorted(by: byName),
            staff: seats.filter { SchoolRole(rawValue: $0.role)?.isStaff == true }.map { person($0.userID) }.sorted(by: byName),
            permissions: .init(invite: Policy.canInvite(actor, schoolID: cls.schoolID, classID: classID, role: .student),
                               manageMembers: Policy.canManageMembers(actor, schoolID: cls.schoolID),
                               childAccounts: Policy.canManageChildAccounts(actor, schoolID: cls.schoolID, classID: classID)))
    }

    /// A person as a roster shows them.
    static func person(_ id: UUID, _ u: UserRecord?) -> ClassRosterView.Person {
        .init(userId: id, fullName: u?.fullName ?? "", phone: u?.phone, email: u?.email, login: u?.login,
              status: u.flatMap { AccountStatus(rawValue: $0.status) } ?? .pending)
    }

    /// Makes a confirmed teacher of the school the class's homeroom teacher (nil: none); the
    /// previous assignment ends and stays in the history.
    public func assignHomeroom(_ actor: Actor, classID: UUID, teacherID: UUID?) async throws -> ClassRosterView {
        let now = ctx.clock.now()
        let affected: [UUID] = try await ctx.store.write { db in
            var affected: [UUID] = []
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            guard Policy.canManageMembers(actor, schoolID: cls.schoolID) else {
                throw PartaError(.forbidden, "forbidden", "Классных руководителей назначает администратор школы.")
            }
            guard cls.kind == ClassKind.regular.rawValue, !cls.archived else {
                throw PartaError(.conflict, "not_a_class", "Классного руководителя назначают действующему классу.")
            }
            let current = try await HomeroomAssignmentRecord.query(on: db).filter(\.$classID == classID).filter(\.$endedAt == nil).first()
            if current?.userID == teacherID { return [] }
            if let teacherID {
                guard try await MembershipRecord.query(on: db).filter(\.$schoolID == cls.schoolID).filter(\.$userID == teacherID)
                    .filter(\.$role == SchoolRole.teacher.rawValue).first() != nil else { throw PartaError.notFound("Учитель") }
                guard try await MembershipRecord.query(on: db).filter(\.$schoolID == cls.schoolID).filter(\.$userID == teacherID)
                    .filter(\.$role == SchoolRole.teacher.rawValue).filter(\.$verified == true).first() != nil else {
                    throw PartaError(.conflict, "not_verified_teacher", "Сначала подтвердите, что это учитель школы.")
                }
            }
            if let current {
                current.endedAt = now
                try await current.save(on: db)
                affected.append(current.userID)
            }
            var name = ""
            if let teacherID {
                let a = HomeroomAssignmentRecord()
                a.schoolID = cls.schoolID; a.classID = classID; a.userID = teacherID; a.assignedBy = actor.userID; a.startedAt = now
                try await a.create(on: db)
                affected.append(teacherID)
                name = try await MemberService.name(teacherID, on: db)
            }
            try await Audit.record(actor, schoolID: cls.schoolID, action: "class.homeroom", targetUserID: teacherID,
                                   target: name.isEmpty ? "—" : name, details: cls.name, at: now, on: db)
            return affected
        }
        for id in affected { await ctx.events.publish(.membershipChanged(userID: id)) }
        return try await roster(actor, classID: classID)
    }

    // MARK: The new school year

    /// What promoting the school's classes of `fromYear` would do: each goes one grade up into the
    /// next year; the 11th graduate and are archived. Nothing is written.
    public func promotionPlan(_ actor: Actor, schoolID: UUID) async throws -> PromotionPlan {
        try await plan(actor, schoolID: schoolID, on: ctx.store.db)
    }

    /// Carries out the plan in one transaction. The classes keep their people, chats and homeroom
    /// teacher; graduates leave the school (with their parents when no other child stays).
    public func promote(_ actor: Actor, schoolID: UUID, fromYear: Int) async throws -> PromotionPlan {
        let now = ctx.clock.now()
        let (done, affected): (PromotionPlan, [UUID]) = try await ctx.store.write { db in
            var affected: [UUID] = []
            let plan = try await self.plan(actor, schoolID: schoolID, on: db)
            guard plan.fromYear == fromYear, !plan.classes.isEmpty else {
                throw PartaError(.conflict, "nothing_to_promote", "Нет классов \(fromYear)/\(fromYear + 1) учебного года для перевода.")
            }
            if !plan.conflicts.isEmpty {
                throw PartaError(.conflict, "class_exists", "В \(fromYear + 1)/\(fromYear + 2) уже есть: \(plan.conflicts.joined(separator: ", ")).")
            }
            for step in plan.classes {
                guard let cls = try await ClassRecord.find(step.classId, on: db) else { continue }
                if let to = step.to, let name = ClassName.parse(to) {
                    cls.name = to; cls.grade = name.grade; cls.letter = String(name.letter); cls.academicYear = fromYear + 1
                    let seats = try await ClassMemberRecord.query(on: db).filter(\.$classID == step.classId)
                        .filter(\.$role == SchoolRole.student.rawValue).all()
                    for seat in seats {
                        try await History.record(schoolID: schoolID, userID: seat.userID, kind: .promoted, role: .student, from: step.from,
                                                 to: to, actorID: actor.userID, note: "", at: now, on: db)
                    }
                } else {
                    cls.archived = true
                    try await HomeroomAssignmentRecord.query(on: db).filter(\.$classID == step.classId).filter(\.$endedAt == nil)
                        .set(\.$endedAt, to: now).update()
                    let graduates = try await ClassMemberRecord.query(on: db).filter(\.$classID == step.classId)
                        .filter(\.$role == SchoolRole.student.rawValue).all().map(\.userID)
                    for student in graduates {
                        let parents = try await FamilyLinkRecord.query(on: db).filter(\.$childID == student).all().map(\.parentID)
                        try await MemberService.leave(userID: student, schoolID: schoolID, kind: .graduated, actorID: actor.userID,
                                                      note: "выпуск \(step.from)", now: now, on: db)
                        for parent in parents where try await FamilyLinkRecord.query(on: db).filter(\.$parentID == parent)
                            .filter(\.$schoolID == schoolID).count() == 0 {
                            let staff = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == parent)
                                .filter(\.$role != SchoolRole.parent.rawValue).count()
                            if staff == 0 {
                                try await MemberService.leave(userID: parent, schoolID: schoolID, kind: .graduated, actorID: actor.userID,
                                                              note: "ребёнок окончил школу", now: now, on: db)
                            } else {
                                try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$userID == parent)
                                    .filter(\.$role == SchoolRole.parent.rawValue).delete()
                            }
                            affected.append(parent)
                        }
                        affected.append(student)
                    }
                }
                try await cls.save(on: db)
            }
            try await Audit.record(actor, schoolID: schoolID, action: "class.promote", target: "\(fromYear) → \(fromYear + 1)",
                                   details: "классов: \(plan.classes.count)", at: now, on: db)
            return (plan, affected)
        }
        for id in affected { await ctx.events.publish(.membershipChanged(userID: id)) }
        try await RosterChats.syncSchool(ctx, schoolID: schoolID)
        return done
    }

    private func plan(_ actor: Actor, schoolID: UUID, on db: any Database) async throws -> PromotionPlan {
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canManageStructure(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Перевод на новый учебный год делает администратор школы.")
        }
        let active = try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$archived == false)
            .filter(\.$kind == ClassKind.regular.rawValue).all()
        // The oldest year that still has classes: promoting it twice needs two actions.
        guard let fromYear = active.map(\.academicYear).min() else {
            return PromotionPlan(fromYear: AcademicYear.containing(ctx.clock.now()), classes: [], conflicts: [])
        }
        let source = active.filter { $0.academicYear == fromYear }
        let ids = source.compactMap(\.id)
        var students: [UUID: Int] = [:]
        if !ids.isEmpty {
            for seat in try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ ids).filter(\.$role == SchoolRole.student.rawValue).all() {
                students[seat.classID, default: 0] += 1
            }
        }
        let steps = source.sorted { ($0.grade ?? 0, $0.name) < ($1.grade ?? 0, $1.name) }.map { c -> PromotionPlan.Step in
            let next = (c.grade ?? 0) < 11 ? "\((c.grade ?? 0) + 1)\(c.letter ?? "")" : nil
            return .init(classId: c.id!, from: c.name, to: next, students: students[c.id!] ?? 0)
        }
        let targets = steps.compactMap(\.to)
        let taken = try await ClassService.takenNames(targets, schoolID: schoolID, year: fromYear + 1, excluding: nil, on: db)
        return PromotionPlan(fromYear: fromYear, classes: steps, conflicts: taken)
    }
}
