import FluentKit
import Foundation

/// A class's weekly timetable (issue 14 item 3): every member of the school reads it; the
/// timetable's keepers save it whole. Saving checks every cell — the subject, a confirmed teacher,
/// the group, a period of the class's shift — and that no teacher or room is in two places at
/// once; with any problem nothing is written. Then the class's lessons from today on follow it.
public struct TimetableService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public struct Cell: Sendable {
        public var weekday: Int
        public var period: Int
        public var subjectID: UUID
        public var teacherID: UUID
        public var groupID: UUID?
        public var room: String
        public init(weekday: Int, period: Int, subjectID: UUID, teacherID: UUID, groupID: UUID?, room: String) {
            self.weekday = weekday; self.period = period; self.subjectID = subjectID; self.teacherID = teacherID
            self.groupID = groupID; self.room = room
        }
    }

    public func get(_ actor: Actor, classID: UUID) async throws -> ClassTimetableView {
        let db = ctx.store.db
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        return try await Self.view(cls, on: db)
    }

    /// Replaces the class's timetable (and its shift, when given).
    public func put(_ actor: Actor, classID: UUID, shift: Int?, cells: [Cell]) async throws -> ClassTimetableView {
        let now = ctx.clock.now()
        let (cls, generated): (ClassRecord, LessonsGenerated) = try await ctx.store.write { db in
            let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: cls.schoolID)
            guard cells.count <= 120 else { throw PartaError.invalid("entries", "Не больше 120 уроков в неделю.") }
            if let shift, !(1...2).contains(shift) { throw PartaError.invalid("shift", "Смена — 1 или 2.") }
            guard cls.kind == ClassKind.regular.rawValue else {
                throw PartaError(.conflict, "not_a_class", "У «Учительской» нет расписания.")
            }
            if let shift { cls.shift = shift; try await cls.save(on: db) }
            let schoolID = cls.schoolID
            let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
            let bells = try await Journal.bells(schoolID: schoolID, on: db)
            let calendar = try await SchoolCalendar.load(schoolID: schoolID, year: cls.academicYear, on: db)
            let cleaned = cells.map { Cell(weekday: $0.weekday, period: $0.period, subjectID: $0.subjectID, teacherID: $0.teacherID,
                                           groupID: $0.groupID, room: Text.cleanLine($0.room)) }
            let others = try await TimetableEntryRecord.query(on: db).filter(\.$schoolID == schoolID)
                .filter(\.$academicYear == cls.academicYear).filter(\.$classID != classID).all()
            let problems = Self.problems(cleaned, cls: cls, shift: cls.shift ?? 1, weekDays: calendar?.weekDays ?? 6,
                                         bells: bells, refs: refs, others: others)
            if !problems.isEmpty {
                throw PartaError(.badRequest, "timetable_invalid",
                                 "В расписании \(problems.count == 1 ? "ошибка" : "ошибки"): " + problems.values.sorted().prefix(5).joined(separator: " "),
                                 fields: problems)
            }
            try await TimetableEntryRecord.query(on: db).filter(\.$classID == classID).filter(\.$academicYear == cls.academicYear).delete()
            for c in cleaned {
                let e = TimetableEntryRecord()
                e.schoolID = schoolID; e.classID = classID; e.academicYear = cls.academicYear; e.weekday = c.weekday
                e.period = c.period; e.subjectID = c.subjectID; e.teacherID = c.teacherID; e.groupID = c.groupID; e.room = c.room
                try await e.create(on: db)
                _ = try await AssignmentService.ensure(schoolID: schoolID, classID: classID, subjectID: c.subjectID, groupID: c.groupID,
                                                       teacherID: c.teacherID, now: now, on: db)
            }
            try await Audit.record(actor, schoolID: schoolID, action: "timetable.save", target: cls.name,
                                   details: "уроков в неделю: \(cleaned.count)", at: now, on: db)
            var generated = LessonsGenerated(created: 0, updated: 0, removed: 0, kept: 0)
            if let school = try await SchoolRecord.find(schoolID, on: db), let last = calendar?.lastDay, let first = calendar?.firstDay {
                let today = LocalDate(now, in: Journal.timeZone(school))
                generated = try await LessonGenerator(db: db, now: now).regenerate(schoolID: schoolID, classIDs: [classID],
                                                                                   from: max(today, first), to: last)
            }
            return (cls, generated)
        }
        try await RosterChats.syncClassTeachers(ctx, schoolID: cls.schoolID, classIDs: [classID])
        var view = try await Self.view(cls, on: ctx.store.db)
        view.lessonsGenerated = generated
        return view
    }

    /// Every problem of a timetable, keyed `entries[i]` (the cell's index) so a form can mark the cell.
    static func problems(_ cells: [Cell], cls: ClassRecord, shift: Int, weekDays: Int, bells: [BellPeriod],
                         refs: TimetableRefs, others: [TimetableEntryRecord]) -> [String: String] {
        var problems: [String: String] = [:]
        let dayNames = ["", "пн", "вт", "ср", "чт", "пт", "сб", "вс"]
        let bell = Dictionary(bells.map { ($0.shift * 100 + $0.number, $0) }, uniquingKeysWith: { a, _ in a })
        func at(_ c: Cell) -> String { "\(c.weekday >= 1 && c.weekday <= 7 ? dayNames[c.weekday] : "?"), \(c.period)-й урок" }
        for (i, c) in cells.enumerated() {
            let key = "entries[\(i)]"
            func fail(_ message: String) { if problems[key] == nil { problems[key] = message } }
            if !(1...weekDays).contains(c.weekday) { fail("\(at(c)): день недели 1–\(weekDays)."); continue }
            if bell[shift * 100 + c.period] == nil {
                fail(bells.isEmpty ? "Сначала задайте расписание звонков." : "\(at(c)): в \(shift)-й смене нет такого урока."); continue
            }
            guard let subject = refs.subjects[c.subjectID] else { fail("\(at(c)): такого предмета нет в школе."); continue }
            if subject.archived { fail("\(at(c)): предмет «\(subject.name)» в архиве.") }
            if refs.teachers[c.teacherID] == nil { fail("\(at(c)): учитель не найден среди подтверждённых учителей школы.") }
            if let g = c.groupID, refs.groups[g]?.classID != cls.id { fail("\(at(c)): такой группы нет в классе \(cls.name).") }
            if c.room.count > 30 { fail("\(at(c)): кабинет — до 30 знаков.") }
        }
        guard problems.isEmpty else { return problems }

        // Within the class: one lesson a slot, or several for different groups and none for the whole class.
        let slots = Dictionary(grouping: cells.indices, by: { cells[$0].weekday * 100 + cells[$0].period })
        for (_, indices) in slots where indices.count > 1 {
            let groups = indices.map { cells[$0].groupID }
            if groups.contains(where: { $0 == nil }) || Set(groups).count != groups.count {
                for i in indices.dropFirst() {
                    problems["entries[\(i)]"] = "\(at(cells[i])): в это время у класса уже есть урок (разные уроки в одно время — только для разных групп)."
                }
            }
        }
        // Across the school: a teacher or a room in two places at once (by the times of each class's shift).
        func times(_ shift: Int, _ period: Int) -> (Int, Int)? {
            bell[shift * 100 + period].map { ($0.startsAt.minutes, $0.endsAt.minutes) }
        }
        for (i, c) in cells.enumerated() {
            guard let mine = times(shift, c.period) else { continue }
            for o in others where o.weekday == c.weekday {
                guard let otherClass = refs.classes[o.classID], !otherClass.archived,
                      let theirs = times(otherClass.shift ?? 1, o.period), mine.0 < theirs.1 && theirs.0 < mine.1 else { continue }
                if o.teacherID == c.teacherID {
                    problems["entries[\(i)]"] = "\(at(c)): \(refs.teachers[c.teacherID] ?? "учитель") в это время ведёт урок в \(otherClass.name)."
                } else if !c.room.isEmpty, o.room.lowercased() == c.room.lowercased() {
                    problems["entries[\(i)]"] = "\(at(c)): кабинет \(c.room) в это время занят (\(otherClass.name))."
                }
            }
            // The same teacher twice in this class at one time (two groups) is a clash too.
            if cells[..<i].contains(where: { $0.weekday == c.weekday && $0.period == c.period && $0.teacherID == c.teacherID }) {
                problems["entries[\(i)]"] = "\(at(c)): один учитель на двух уроках в одно время."
            }
        }
        return problems
    }

    static func view(_ cls: ClassRecord, on db: any Database) async throws -> ClassTimetableView {
        let classID = cls.id!
        let entries = try await TimetableEntryRecord.query(on: db).filter(\.$classID == classID)
            .filter(\.$academicYear == cls.academicYear).all()
        let subjectIDs = Set(entries.map(\.subjectID)), groupIDs = Set(entries.compactMap(\.groupID))
        let subjects = subjectIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await SubjectRecord.query(on: db).filter(\.$id ~~ Array(subjectIDs)).all().map { ($0.id!, $0.name) })
        let groups = groupIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await ClassGroupRecord.query(on: db).filter(\.$id ~~ Array(groupIDs)).all().map { ($0.id!, $0.name) })
        let names = try await Journal.names(entries.map(\.teacherID), on: db)
        let shift = cls.shift ?? 1
        let calendar = try await SchoolCalendar.load(schoolID: cls.schoolID, year: cls.academicYear, on: db)
        let bells = try await Journal.bells(schoolID: cls.schoolID, on: db).filter { $0.shift == shift }
        let views = entries.map { e in
            TimetableEntryView(id: e.id!, weekday: e.weekday, period: e.period, subjectId: e.subjectID,
                               subjectName: subjects[e.subjectID] ?? "", teacherId: e.teacherID, teacherName: names[e.teacherID] ?? "",
                               groupId: e.groupID, groupName: e.groupID.flatMap { groups[$0] }, room: e.room)
        }.sorted { ($0.weekday, $0.period, $0.groupName ?? "") < ($1.weekday, $1.period, $1.groupName ?? "") }
        return ClassTimetableView(classId: classID, className: cls.name, academicYear: cls.academicYear, shift: shift,
                                  weekDays: calendar?.weekDays ?? 5, bells: bells, entries: views, lessonsGenerated: nil,
                                  heavyDays: try await heavyDays(classID: classID, entries: entries, names: subjects, on: db))
    }

    /// The days on which two or more of the class's three subjects with the most homework (by the
    /// minutes set so far) fall: their homework is due together.
    static func heavyDays(classID: UUID, entries: [TimetableEntryRecord], names: [UUID: String], on db: any Database) async throws -> [HeavyDay] {
        guard !entries.isEmpty else { return [] }
        var minutes: [UUID: Int] = [:]
        for hw in try await HomeworkRecord.query(on: db).filter(\.$classID == classID).all() { minutes[hw.subjectID, default: 0] += hw.minutes }
        let top = Set(minutes.sorted { ($0.value, $0.key.uuidString) > ($1.value, $1.key.uuidString) }.prefix(3).map(\.key))
        guard top.count >= 2 else { return [] }
        return (1...7).compactMap { day in
            let subjects = Set(entries.filter { $0.weekday == day && top.contains($0.subjectID) }.map(\.subjectID))
            return subjects.count >= 2 ? HeavyDay(weekday: day, subjects: subjects.compactMap { names[$0] }.sorted()) : nil
        }
    }

    /// Each confirmed teacher's lessons a week by the timetables of the year (§5.1): the keepers see all.
    public func teachingLoad(_ actor: Actor, schoolID: UUID, academicYear: Int?) async throws -> [TeacherLoadView] {
        let db = ctx.store.db
        let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canReadSchoolJournal(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Нагрузку учителей видят администратор, директор и завучи.")
        }
        let year = academicYear ?? LocalDate(ctx.clock.now(), in: Journal.timeZone(school)).academicYear
        let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
        let entries = try await TimetableEntryRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).all()
        let names = try await Journal.names(entries.map(\.teacherID), on: db)
        return Dictionary(grouping: entries, by: \.teacherID).map { teacher, rows in
            let parts = Dictionary(grouping: rows, by: { "\($0.classID)|\($0.subjectID)|\($0.groupID?.uuidString ?? "")" }).values.map { same in
                TeacherLoadView.Part(className: refs.classes[same[0].classID]?.name ?? "", subjectName: refs.subjects[same[0].subjectID]?.name ?? "",
                                     groupName: same[0].groupID.flatMap { refs.groups[$0]?.name }, hours: same.count)
            }.sorted { ($0.className, $0.subjectName) < ($1.className, $1.subjectName) }
            return TeacherLoadView(teacherId: teacher, teacherName: names[teacher] ?? "", hoursPerWeek: rows.count, parts: parts)
        }.sorted { $0.teacherName < $1.teacherName }
    }
}
