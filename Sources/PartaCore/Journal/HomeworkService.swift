import FluentKit
import Foundation

/// Homework (issue 14 item 6; §5.1, §5.2): set at a lesson by its teacher for a later lesson or
/// day, for the class, a group or chosen students, with the teacher's estimate of minutes. A
/// posting more than two hours after the lesson is marked late; the day's total for the class is
/// checked against the grade's limit and the teacher is warned before an overload is saved
/// (saving anyway is allowed and recorded).
public struct HomeworkService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxText = 5_000
    public static let maxMinutes = 600

    public struct Input: Sendable {
        public var text: String?
        public var minutes: Int?
        public var dueDate: LocalDate?
        public var dueLessonID: UUID?
        public var groupID: UUID?
        public var studentIDs: [UUID]?
        public var fileIDs: [UUID]?
        public var confirmOverload: Bool
        public init(text: String? = nil, minutes: Int? = nil, dueDate: LocalDate? = nil, dueLessonID: UUID? = nil, groupID: UUID? = nil,
                    studentIDs: [UUID]? = nil, fileIDs: [UUID]? = nil, confirmOverload: Bool = false) {
            self.text = text; self.minutes = minutes; self.dueDate = dueDate; self.dueLessonID = dueLessonID; self.groupID = groupID
            self.studentIDs = studentIDs; self.fileIDs = fileIDs; self.confirmOverload = confirmOverload
        }
    }

    // MARK: Reading

    /// The homework set at a lesson and due at it, those the actor may see.
    public func forLesson(_ actor: Actor, lessonID: UUID) async throws -> LessonHomeworkView {
        let db = ctx.store.db
        let (lesson, _) = try await LessonService.visibleLesson(actor, lessonID, on: db)
        let set = try await HomeworkRecord.query(on: db).filter(\.$lessonID == lessonID).all()
        let due = try await HomeworkRecord.query(on: db).filter(\.$dueLessonID == lessonID).all()
        let ties = try await LessonService.ties(actor, classID: lesson.classID, on: db)
        let seen = try await Self.visible(actor, set + due, ties: ties, on: db)
        let views = try await Self.views(actor, seen, on: db)
        let byID = Dictionary(uniqueKeysWithValues: views.map { ($0.id, $0) })
        return LessonHomeworkView(setHere: set.compactMap { byID[$0.id!] }, dueHere: due.compactMap { byID[$0.id!] })
    }

    public func get(_ actor: Actor, homeworkID: UUID) async throws -> HomeworkView {
        let db = ctx.store.db
        let hw = try await Self.visibleHomework(actor, homeworkID, on: db)
        return try await Self.views(actor, [hw], on: db)[0]
    }

    /// A student's homework (or a parent's child's) due from `from` to `to`, with their hand-ins.
    public func mine(_ actor: Actor, personID: UUID?, from: LocalDate, to: LocalDate) async throws -> [HomeworkView] {
        let db = ctx.store.db
        // At most two months at a time (a longer range is cut, not refused).
        let to = min(to, from.adding(days: 62))
        let person = personID ?? actor.userID
        if person != actor.userID {
            let links = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID).filter(\.$childID == person).all()
            guard links.contains(where: { actor.roles(in: $0.schoolID).contains(.parent) }) else { throw PartaError.notFound("Ученик") }
        }
        let classIDs = try await ClassMemberRecord.query(on: db).filter(\.$userID == person)
            .filter(\.$role == SchoolRole.student.rawValue).all().map(\.classID)
        guard !classIDs.isEmpty else { return [] }
        let rows = try await HomeworkRecord.query(on: db).filter(\.$classID ~~ classIDs)
            .filter(\.$dueDate >= from.description).filter(\.$dueDate <= to.description).all()
        let audience = try await Self.audiences(rows, on: db)
        let groups = Set(try await ClassGroupMemberRecord.query(on: db).filter(\.$userID == person).all().map(\.groupID))
        let mineOnly = rows.filter { audience[$0.id!]?.includes(person, groups: groups) ?? false }
        return try await Self.views(actor, mineOnly, viewer: person, on: db).sorted { ($0.dueAt, $0.subjectName) < ($1.dueAt, $1.subjectName) }
    }

    /// The load of the lesson's class on a day, with a homework being written (`minutes` for
    /// `groupID`/`studentIDs`), against the grade's limit: what the teacher sees before saving.
    public func load(_ actor: Actor, lessonID: UUID, dueDate: LocalDate?, minutes: Int, groupID: UUID?, studentIDs: [UUID]?,
                     excluding: UUID? = nil) async throws -> DayLoadView {
        let db = ctx.store.db
        let (lesson, school) = try await LessonService.visibleLesson(actor, lessonID, on: db)
        guard Policy.canSetHomework(actor, schoolID: lesson.schoolID, lessonTeacherID: lesson.teacherID) else {
            throw PartaError(.forbidden, "forbidden", "Домашнее задание задаёт учитель этого урока.")
        }
        let due = try await Self.resolveDue(lesson, dueDate: dueDate, dueLessonID: nil, groupID: groupID ?? lesson.groupID, school: school, on: db)
        let audience = try await Self.audience(lesson, groupID: groupID, studentIDs: studentIDs, on: db)
        return try await Self.dayLoad(classID: lesson.classID, date: due.date,
                                      adding: (minutes: max(0, min(minutes, Self.maxMinutes)), audience: audience, subjectID: lesson.subjectID),
                                      excluding: excluding, on: db)
    }

    // MARK: Writing

    public func create(_ actor: Actor, lessonID: UUID, input: Input) async throws -> HomeworkView {
        let now = ctx.clock.now()
        let made: HomeworkRecord = try await ctx.store.write { db in
            let (lesson, school) = try await LessonService.visibleLesson(actor, lessonID, on: db)
            guard Policy.canSetHomework(actor, schoolID: lesson.schoolID, lessonTeacherID: lesson.teacherID) else {
                throw PartaError(.forbidden, "forbidden", "Домашнее задание задаёт учитель этого урока (подтверждённый администратором).")
            }
            let (text, minutes) = try Self.checkText(input.text, minutes: input.minutes, required: true)
            let groupID = input.groupID ?? lesson.groupID
            let due = try await Self.resolveDue(lesson, dueDate: input.dueDate, dueLessonID: input.dueLessonID, groupID: groupID, school: school, on: db)
            let audience = try await Self.audience(lesson, groupID: input.groupID, studentIDs: input.studentIDs, on: db)
            let load = try await Self.dayLoad(classID: lesson.classID, date: due.date, adding: (minutes!, audience, lesson.subjectID),
                                              excluding: nil, on: db)
            if load.overload && !input.confirmOverload { throw Self.overloadError(load) }
            let hw = HomeworkRecord()
            hw.schoolID = lesson.schoolID; hw.classID = lesson.classID; hw.subjectID = lesson.subjectID; hw.teacherID = actor.userID
            hw.lessonID = lessonID; hw.dueDate = due.date.description; hw.dueLessonID = due.lessonID; hw.dueAt = due.at
            hw.text = text!; hw.minutes = minutes!; hw.postedAt = now; hw.updatedAt = now
            hw.late = HomeworkRules.isLate(postedAt: now, lessonEndsAt: lesson.endsAt)
            hw.overload = load.overload
            switch audience {
            case .wholeClass: hw.groupID = nil; hw.forChosen = false
            case .group(let g): hw.groupID = g; hw.forChosen = false
            case .students: hw.groupID = nil; hw.forChosen = true
            }
            try await hw.create(on: db)
            if case .students(let ids) = audience {
                for id in ids {
                    let s = HomeworkStudentRecord()
                    s.homeworkID = hw.id!; s.studentID = id
                    try await s.create(on: db)
                }
            }
            try await JournalFileService.attach(input.fileIDs ?? [], by: actor, schoolID: lesson.schoolID, homeworkID: hw.id!, on: db)
            return hw
        }
        return try await Self.views(actor, [made], on: ctx.store.db)[0]
    }

    /// Changes the text, the estimate, the due lesson or day and the files (not whom it is for).
    /// A posting that was late stays late.
    public func update(_ actor: Actor, homeworkID: UUID, input: Input) async throws -> HomeworkView {
        let now = ctx.clock.now()
        let saved: HomeworkRecord = try await ctx.store.write { db in
            let hw = try await Self.visibleHomework(actor, homeworkID, on: db)
            guard Policy.canCheckHandIns(actor, schoolID: hw.schoolID, homeworkTeacherID: hw.teacherID) else {
                throw PartaError(.forbidden, "forbidden", "Задание меняет учитель, который его задал.")
            }
            let (text, minutes) = try Self.checkText(input.text, minutes: input.minutes, required: false)
            guard let lesson = try await LessonRecord.find(hw.lessonID, on: db),
                  let school = try await SchoolRecord.find(hw.schoolID, on: db) else { throw PartaError.notFound("Задание") }
            if input.dueDate != nil || input.dueLessonID != nil {
                let due = try await Self.resolveDue(lesson, dueDate: input.dueDate, dueLessonID: input.dueLessonID, groupID: hw.groupID,
                                                    school: school, on: db)
                hw.dueDate = due.date.description; hw.dueLessonID = due.lessonID; hw.dueAt = due.at
            }
            if let text { hw.text = text }
            if let minutes { hw.minutes = minutes }
            if minutes != nil || input.dueDate != nil || input.dueLessonID != nil {
                let audience = try await Self.audiences([hw], on: db)[hw.id!] ?? .wholeClass
                let load = try await Self.dayLoad(classID: hw.classID, date: LocalDate(hw.dueDate)!, adding: (hw.minutes, audience, hw.subjectID),
                                                  excluding: hw.id, on: db)
                if load.overload && !input.confirmOverload { throw Self.overloadError(load) }
                hw.overload = load.overload
            }
            hw.updatedAt = now
            try await hw.save(on: db)
            if let files = input.fileIDs {
                var dropped = JournalFileRecord.query(on: db).filter(\.$homeworkID == hw.id!)
                if !files.isEmpty { dropped = dropped.filter(\.$id !~ files) }
                try await dropped.set(\.$homeworkID, to: nil).update()
                try await JournalFileService.attach(files, by: actor, schoolID: hw.schoolID, homeworkID: hw.id!, on: db)
            }
            return hw
        }
        return try await Self.views(actor, [saved], on: ctx.store.db)[0]
    }

    /// A homework nobody has handed in yet can be taken back.
    public func delete(_ actor: Actor, homeworkID: UUID) async throws {
        try await ctx.store.write { db in
            let hw = try await Self.visibleHomework(actor, homeworkID, on: db)
            guard Policy.canCheckHandIns(actor, schoolID: hw.schoolID, homeworkTeacherID: hw.teacherID) else {
                throw PartaError(.forbidden, "forbidden", "Задание удаляет учитель, который его задал.")
            }
            if try await SubmissionRecord.query(on: db).filter(\.$homeworkID == homeworkID).first() != nil {
                throw PartaError(.conflict, "homework_has_submissions", "Задание уже сдают: его можно изменить, но не удалить.")
            }
            try await hw.delete(on: db)
        }
    }

    public func limits(_ actor: Actor, schoolID: UUID) async throws -> HomeworkLimitsView {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        let own = try await Self.limits(schoolID: schoolID, on: db)
        return HomeworkLimitsView(limits: Dictionary(uniqueKeysWithValues: own.map { (String($0.key), $0.value) }),
                                  defaults: Dictionary(uniqueKeysWithValues: HomeworkRules.defaultLimits.map { (String($0.key), $0.value) }))
    }

    public func setLimits(_ actor: Actor, schoolID: UUID, limits: [String: Int]) async throws -> HomeworkLimitsView {
        let now = ctx.clock.now()
        try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            guard Policy.canSetHomeworkLimits(actor, schoolID: schoolID) else {
                throw PartaError(.forbidden, "forbidden", "Нормы домашних заданий задают администратор, директор и завучи.")
            }
            var parsed: [Int: Int] = [:]
            for (key, minutes) in limits {
                guard let grade = Int(key), (1...11).contains(grade) else { throw PartaError.invalid("limits", "Классы — от 1 до 11.") }
                guard (10...600).contains(minutes) else { throw PartaError.invalid("limits", "Норма — от 10 до 600 минут в день.") }
                parsed[grade] = minutes
            }
            try await HomeworkLimitRecord.query(on: db).filter(\.$schoolID == schoolID).delete()
            for (grade, minutes) in parsed where HomeworkRules.defaultLimits[grade] != minutes {
                let r = HomeworkLimitRecord()
                r.schoolID = schoolID; r.grade = grade; r.minutes = minutes
                try await r.create(on: db)
            }
            try await Audit.record(actor, schoolID: schoolID, action: "homework.limits", target: "нормы домашних заданий",
                                   details: parsed.sorted { $0.key < $1.key }.map { "\($0.key) кл.: \($0.value) мин" }.joined(separator: ", "),
                                   at: now, on: db)
        }
        return try await self.limits(actor, schoolID: schoolID)
    }

    // MARK: Shared

    static func checkText(_ raw: String?, minutes: Int?, required: Bool) throws -> (String?, Int?) {
        var problems: [String: String] = [:]
        let text = raw.map(Text.cleanLines)
        if let text, text.isEmpty || text.count > maxText { problems["text"] = "Текст задания: от 1 до \(maxText) знаков." }
        if required && text == nil { problems["text"] = "Напишите, что задано." }
        if let minutes, !(1...maxMinutes).contains(minutes) { problems["minutes"] = "Сколько минут займёт: от 1 до \(maxMinutes)." }
        if required && minutes == nil { problems["minutes"] = "Укажите, сколько минут займёт задание." }
        if !problems.isEmpty { throw PartaError.validation(problems) }
        return (text, minutes)
    }

    static func overloadError(_ load: DayLoadView) -> PartaError {
        PartaError(.conflict, "homework_overload",
                   "На \(load.date.russianDayAndMonth) у \(load.className) заданий на \(load.minutes) мин при норме \(load.limitMinutes) мин для \(load.grade)-го класса. Сохранить всё равно?",
                   fields: ["minutes": "\(load.minutes) из \(load.limitMinutes) мин"])
    }

    /// The due lesson and day: a later lesson of the same class and subject (named, or the next
    /// one), or a later school day (to the end of it).
    static func resolveDue(_ lesson: LessonRecord, dueDate: LocalDate?, dueLessonID: UUID?, groupID: UUID?, school: SchoolRecord,
                           on db: any Database) async throws -> (date: LocalDate, lessonID: UUID?, at: Date) {
        let tz = Journal.timeZone(school)
        let lessonDay = LocalDate(lesson.date)!
        if let dueLessonID {
            guard let due = try await LessonRecord.find(dueLessonID, on: db), due.classID == lesson.classID, due.subjectID == lesson.subjectID,
                  due.startsAt > lesson.startsAt, due.status == LessonStatus.scheduled.rawValue else {
                throw PartaError.invalid("dueLessonId", "Срок — один из следующих уроков этого предмета в этом классе.")
            }
            return (LocalDate(due.date)!, dueLessonID, due.startsAt)
        }
        if let dueDate {
            guard dueDate > lessonDay, lessonDay.days(to: dueDate) <= 90 else {
                throw PartaError.invalid("dueDate", "Срок — день после урока, не дальше трёх месяцев.")
            }
            // The day's lesson of this subject, if there is one, is the deadline; else the day's end.
            var q = LessonRecord.query(on: db).filter(\.$classID == lesson.classID).filter(\.$subjectID == lesson.subjectID)
                .filter(\.$date == dueDate.description).filter(\.$status == LessonStatus.scheduled.rawValue)
            if let groupID { q = q.group(.or) { or in or.filter(\.$groupID == groupID); or.filter(\.$groupID == nil) } }
            if let due = try await q.sort(\.$startsAt).first() { return (dueDate, due.id, due.startsAt) }
            return (dueDate, nil, dueDate.adding(days: 1).instant(atMinute: 0, in: tz))
        }
        var q = LessonRecord.query(on: db).filter(\.$classID == lesson.classID).filter(\.$subjectID == lesson.subjectID)
            .filter(\.$startsAt > lesson.startsAt).filter(\.$status == LessonStatus.scheduled.rawValue)
        if let groupID { q = q.group(.or) { or in or.filter(\.$groupID == groupID); or.filter(\.$groupID == nil) } }
        guard let next = try await q.sort(\.$startsAt).first() else {
            throw PartaError.invalid("dueDate", "Следующего урока по предмету нет в расписании: укажите срок.")
        }
        return (LocalDate(next.date)!, next.id, next.startsAt)
    }

    /// Whom a new homework is for: chosen students of the class, a group of it, or the lesson's
    /// group or whole class.
    static func audience(_ lesson: LessonRecord, groupID: UUID?, studentIDs: [UUID]?, on db: any Database) async throws -> HomeworkRules.Audience {
        if let studentIDs, !studentIDs.isEmpty {
            let unique = Set(studentIDs)
            guard unique.count <= 60 else { throw PartaError.invalid("studentIds", "Не больше 60 учеников.") }
            let found = try await ClassMemberRecord.query(on: db).filter(\.$classID == lesson.classID)
                .filter(\.$role == SchoolRole.student.rawValue).filter(\.$userID ~~ Array(unique)).count()
            guard found == unique.count else { throw PartaError.invalid("studentIds", "Задание — только ученикам этого класса.") }
            return .students(unique)
        }
        if let groupID = groupID ?? lesson.groupID {
            guard let g = try await ClassGroupRecord.find(groupID, on: db), g.classID == lesson.classID else {
                throw PartaError.invalid("groupId", "Такой группы нет в этом классе.")
            }
            return .group(groupID)
        }
        return .wholeClass
    }

    static func audiences(_ rows: [HomeworkRecord], on db: any Database) async throws -> [UUID: HomeworkRules.Audience] {
        let chosen = rows.filter(\.forChosen).compactMap(\.id)
        var students: [UUID: Set<UUID>] = [:]
        if !chosen.isEmpty {
            for s in try await HomeworkStudentRecord.query(on: db).filter(\.$homeworkID ~~ chosen).all() { students[s.homeworkID, default: []].insert(s.studentID) }
        }
        return Dictionary(uniqueKeysWithValues: rows.map { hw in
            (hw.id!, hw.forChosen ? .students(students[hw.id!] ?? []) : hw.groupID.map { .group($0) } ?? .wholeClass)
        })
    }

    /// The class's load on a day against its grade's limit, with a homework being added.
    static func dayLoad(classID: UUID, date: LocalDate, adding new: (minutes: Int, audience: HomeworkRules.Audience, subjectID: UUID)?,
                        excluding: UUID?, on db: any Database) async throws -> DayLoadView {
        guard let cls = try await ClassRecord.find(classID, on: db) else { throw PartaError.notFound("Класс") }
        var q = HomeworkRecord.query(on: db).filter(\.$classID == classID).filter(\.$dueDate == date.description)
        if let excluding { q = q.filter(\.$id != excluding) }
        let rows = try await q.all()
        let audiences = try await audiences(rows, on: db)
        let members = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID).filter(\.$role == SchoolRole.student.rawValue).all()
        let groupIDs = try await ClassGroupRecord.query(on: db).filter(\.$classID == classID).all().compactMap(\.id)
        var students = Dictionary(uniqueKeysWithValues: members.map { ($0.userID, Set<UUID>()) })
        if !groupIDs.isEmpty {
            for m in try await ClassGroupMemberRecord.query(on: db).filter(\.$groupID ~~ groupIDs).all() where students[m.userID] != nil {
                students[m.userID]!.insert(m.groupID)
            }
        }
        var items = rows.map { (minutes: $0.minutes, audience: audiences[$0.id!] ?? .wholeClass) }
        if let new { items.append((new.minutes, new.audience)) }
        let minutes = HomeworkRules.dayLoad(items, students: students)
        let grade = cls.grade ?? 1
        let limit = try await limits(schoolID: cls.schoolID, on: db)[grade] ?? HomeworkRules.defaultLimits[grade] ?? 210
        let subjectIDs = Array(Set(rows.map(\.subjectID) + (new.map { [$0.subjectID] } ?? [])))
        let names = subjectIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await SubjectRecord.query(on: db).filter(\.$id ~~ subjectIDs).all().map { ($0.id!, $0.name) })
        var list = rows.map { DayLoadView.Item(homeworkId: $0.id, subjectName: names[$0.subjectID] ?? "", minutes: $0.minutes) }
        if let new { list.append(DayLoadView.Item(homeworkId: nil, subjectName: names[new.subjectID] ?? "", minutes: new.minutes)) }
        return DayLoadView(date: date, classId: classID, className: cls.name, grade: grade, limitMinutes: limit, minutes: minutes,
                           overload: HomeworkRules.isOverload(minutes: minutes, limit: limit), items: list)
    }

    static func limits(schoolID: UUID, on db: any Database) async throws -> [Int: Int] {
        var out = HomeworkRules.defaultLimits
        for r in try await HomeworkLimitRecord.query(on: db).filter(\.$schoolID == schoolID).all() { out[r.grade] = r.minutes }
        return out
    }

    /// Which of these homework rows the actor may see.
    static func visible(_ actor: Actor, _ rows: [HomeworkRecord], ties: Policy.ClassTies, on db: any Database) async throws -> [HomeworkRecord] {
        guard !rows.isEmpty else { return [] }
        let audiences = try await audiences(rows, on: db)
        return rows.filter { hw in
            let audience = audiences[hw.id!] ?? .wholeClass
            var h = Policy.HomeworkTies()
            h.forMe = ties.isStudent && audience.includes(actor.userID, groups: ties.groupIDs)
            h.forMyChildren = ties.children.filter { audience.includes($0.key, groups: $0.value) }.map(\.key)
            return Policy.canReadHomework(actor, schoolID: hw.schoolID, classID: hw.classID, homeworkTeacherID: hw.teacherID, ties: ties, homework: h)
        }
    }

    static func homeworkTies(_ actor: Actor, _ hw: HomeworkRecord, ties: Policy.ClassTies, on db: any Database) async throws -> Policy.HomeworkTies {
        let audience = try await audiences([hw], on: db)[hw.id!] ?? .wholeClass
        var h = Policy.HomeworkTies()
        h.forMe = ties.isStudent && audience.includes(actor.userID, groups: ties.groupIDs)
        h.forMyChildren = ties.children.filter { audience.includes($0.key, groups: $0.value) }.map(\.key)
        return h
    }

    static func visibleHomework(_ actor: Actor, _ id: UUID, on db: any Database) async throws -> HomeworkRecord {
        guard let hw = try await HomeworkRecord.find(id, on: db), Policy.canViewSchool(actor, schoolID: hw.schoolID) else {
            throw PartaError.notFound("Задание")
        }
        let ties = try await LessonService.ties(actor, classID: hw.classID, on: db)
        guard try await !visible(actor, [hw], ties: ties, on: db).isEmpty else { throw PartaError.notFound("Задание") }
        return hw
    }

    /// Views for the actor: a student's (or a parent's child's — `viewer`) own hand-in; staff get counts.
    static func views(_ actor: Actor, _ rows: [HomeworkRecord], viewer: UUID? = nil, on db: any Database) async throws -> [HomeworkView] {
        guard !rows.isEmpty else { return [] }
        let ids = rows.compactMap(\.id)
        let classIDs = Array(Set(rows.map(\.classID))), subjectIDs = Array(Set(rows.map(\.subjectID))), groupIDs = Array(Set(rows.compactMap(\.groupID)))
        let classes = Dictionary(uniqueKeysWithValues: try await ClassRecord.query(on: db).filter(\.$id ~~ classIDs).all().map { ($0.id!, $0.name) })
        let subjects = Dictionary(uniqueKeysWithValues: try await SubjectRecord.query(on: db).filter(\.$id ~~ subjectIDs).all().map { ($0.id!, $0.name) })
        let groups = groupIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await ClassGroupRecord.query(on: db).filter(\.$id ~~ groupIDs).all().map { ($0.id!, $0.name) })
        let names = try await Journal.names(rows.map(\.teacherID), on: db)
        let files = Dictionary(grouping: try await JournalFileRecord.query(on: db).filter(\.$homeworkID ~~ ids).all(), by: { $0.homeworkID! })
        let audiences = try await audiences(rows, on: db)
        // Whose hand-in to show: the viewer's, the actor's own, or (a parent) a child's.
        var subject = viewer ?? actor.userID
        if viewer == nil, !actor.memberships.contains(where: { $0.role == .student }) {
            let children = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID).all().map(\.childID)
            if let child = try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ classIDs).filter(\.$userID ~~ children)
                .filter(\.$role == SchoolRole.student.rawValue).first() { subject = child.userID }
        }
        let own = Dictionary(uniqueKeysWithValues: try await SubmissionRecord.query(on: db).filter(\.$homeworkID ~~ ids)
            .filter(\.$studentID == subject).all().map { ($0.homeworkID, $0) })
        let ownViews = try await SubmissionService.views(Array(own.values), on: db)
        let ownByHomework = Dictionary(uniqueKeysWithValues: ownViews.map { ($0.homeworkId, $0) })
        var counts: [UUID: Int] = [:]
        var audienceSizes: [UUID: Int] = [:]
        let staffRows = rows.filter { hw in
            Policy.canReadSchoolJournal(actor, schoolID: hw.schoolID) || hw.teacherID == actor.userID
                || Policy.isHomeroomTeacher(actor, schoolID: hw.schoolID, classID: hw.classID) || Policy.isConfirmedTeacher(actor, schoolID: hw.schoolID)
        }
        if !staffRows.isEmpty {
            let staffIDs = staffRows.compactMap(\.id)
            for s in try await SubmissionRecord.query(on: db).filter(\.$homeworkID ~~ staffIDs).all() { counts[s.homeworkID, default: 0] += 1 }
            for hw in staffRows { audienceSizes[hw.id!] = try await SubmissionService.audienceStudents(hw, on: db).count }
        }
        return rows.map { hw in
            let isStaff = audienceSizes[hw.id!] != nil
            var chosen: [UUID]?
            if isStaff, case .students(let s) = audiences[hw.id!] ?? .wholeClass { chosen = s.sorted { $0.uuidString < $1.uuidString } }
            return HomeworkView(id: hw.id!, schoolId: hw.schoolID, lessonId: hw.lessonID, classId: hw.classID, className: classes[hw.classID] ?? "",
                                groupId: hw.groupID, groupName: hw.groupID.flatMap { groups[$0] }, subjectId: hw.subjectID,
                                subjectName: subjects[hw.subjectID] ?? "", teacherId: hw.teacherID, teacherName: names[hw.teacherID] ?? "",
                                text: hw.text, minutes: hw.minutes, dueDate: LocalDate(hw.dueDate) ?? LocalDate(dayNumber: 0),
                                dueLessonId: hw.dueLessonID, dueAt: hw.dueAt, postedAt: hw.postedAt, late: hw.late, overload: hw.overload,
                                studentIds: chosen, files: (files[hw.id!] ?? []).map(JournalFileService.view),
                                submission: ownByHomework[hw.id!], audienceCount: audienceSizes[hw.id!], handedIn: isStaff ? (counts[hw.id!] ?? 0) : nil)
        }
    }
}
