import FluentKit
import Foundation
import SQLKit

/// Lessons by date (issue 14 items 3 and 5): each person's week (a parent's: each child's), a
/// class's lessons, one lesson; its topic and note by its teacher; substitutions, moves,
/// cancellations and extra lessons by the timetable's keepers.
public struct LessonService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxScheduleDays = 42

    /// The lessons of `personID` (the actor, or one of the actor's children) for `days` days from
    /// `from` (this week's Monday by default): a teacher's own lessons, a student's class lessons
    /// (of the student's groups), with the days off named.
    public func schedule(_ actor: Actor, personID: UUID?, from: LocalDate?, days: Int?) async throws -> ScheduleView {
        let db = ctx.store.db
        let count = days ?? 7
        guard (1...Self.maxScheduleDays).contains(count) else {
            throw PartaError.invalid("days", "От 1 до \(Self.maxScheduleDays) дней.")
        }
        let (person, asChild) = try await LessonService.followed(actor, personID, on: db)
        guard let user = try await UserRecord.find(person, on: db) else { throw PartaError.notFound("Ученик") }
        // The calendar and time zone of the school the schedule belongs to (shared with the calendar feed).
        let scope = try await Self.scope(of: person, asChild: asChild, fallbackSchool: actor.memberships.first?.schoolID, on: db)
        let schoolID = scope.schoolID, tz = scope.timeZone
        let start = from ?? LocalDate(ctx.clock.now(), in: tz).weekStart
        let end = start.adding(days: count - 1)
        // One joined read of the lessons with their names (a parent's diary is the busiest page):
        // the student's class lessons of their groups, and a teacher's own (`lessons(of:)` is the
        // calendar feed's read of the same rows, which it needs whole).
        var views: [LessonView] = []
        if !scope.classIDs.isEmpty {
            let groups = Set(try await ClassGroupMemberRecord.query(on: db).filter(\.$userID == person).all().map(\.groupID))
            views += try await Self.joinedViews("l.class_id IN", scope.classIDs, from: start, to: end, tz: tz, on: db)
                .filter { $0.groupId.map(groups.contains) ?? true }
        }
        if !scope.teacherSchools.isEmpty {
            // A teacher's own lessons in the schools they still teach in (the calendar feed's rule too).
            views += try await Self.joinedViews("l.teacher_id IN", [person], from: start, to: end, tz: tz, on: db)
                .filter { scope.teacherSchools.contains($0.schoolId) }
        }
        var seen = Set<UUID>()
        views = views.filter { seen.insert($0.id).inserted }
            .sorted { ($0.date, $0.startsAt, $0.className, $0.groupName ?? "") < ($1.date, $1.startsAt, $1.className, $1.groupName ?? "") }
        let byDate = Dictionary(grouping: views, by: \.date)
        var calendar: SchoolCalendar?
        if let schoolID {
            calendar = try await SchoolCalendar.load(schoolID: schoolID, year: start.academicYear, on: db)
        }
        let dayList = (0..<count).map { offset -> ScheduleView.Day in
            let day = start.adding(days: offset)
            let off: String? = calendar?.dayOffTitle(day) ?? (day.weekday == 7 ? "Выходной" : nil)
            return ScheduleView.Day(date: day, dayOff: off, lessons: byDate[day] ?? [])
        }
        var view = ScheduleView(personId: person, personName: user.fullName, from: start, to: end, days: dayList)
        if !scope.classIDs.isEmpty {
            // The diary: the student's own marks (a parent's child's), beside their lessons.
            (view.grades, view.attendance) = try await DiaryMarks.load(student: person, lessonIDs: views.map(\.id), on: db)
        }
        return view
    }

    /// Whose journal the actor asks for: their own, or a child of theirs (`Policy.canFollowSchedule`,
    /// the rule of the week, the diary, «Оценки» and the calendar feed); anyone else's is "not found".
    static func followed(_ actor: Actor, _ personID: UUID?, on db: any Database) async throws -> (person: UUID, asChild: Bool) {
        let person = personID ?? actor.userID
        guard person != actor.userID else { return (person, false) }
        let links = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == actor.userID).filter(\.$childID == person).all()
        guard Policy.canFollowSchedule(actor, of: person, parentLinksIn: links.map(\.schoolID)) else { throw PartaError.notFound("Ученик") }
        return (person, true)
    }

    /// A class's lessons over up to 100 days, those the actor may see.
    public func classLessons(_ actor: Actor, classID: UUID, from: LocalDate, to: LocalDate) async throws -> [LessonView] {
        let db = ctx.store.db
        let cls = try await ClassService.visibleClass(actor, id: classID, on: db)
        guard from <= to, from.days(to: to) < 100 else { throw PartaError.invalid("to", "Не больше 100 дней за раз.") }
        let ties = try await Self.ties(actor, classID: classID, on: db)
        let rows = try await LessonRecord.query(on: db).filter(\.$classID == classID)
            .filter(\.$date >= from.description).filter(\.$date <= to.description).all()
            .filter { Policy.canReadLesson(actor, schoolID: cls.schoolID, classID: classID, groupID: $0.groupID, teacherID: $0.teacherID, ties: ties) }
        guard let school = try await SchoolRecord.find(cls.schoolID, on: db) else { throw PartaError.notFound("Класс") }
        return try await Self.views(rows, tz: Journal.timeZone(school), on: db)
    }

    public func get(_ actor: Actor, lessonID: UUID) async throws -> LessonView {
        let db = ctx.store.db
        let (lesson, school) = try await Self.visibleLesson(actor, lessonID, on: db)
        var view = try await Self.views([lesson], tz: Journal.timeZone(school), on: db)[0]
        view.materials = try await LessonMaterialService.materials(lessonID: lessonID, on: db)
        view.canEditMaterials = Policy.canWriteLessonMaterials(actor, schoolID: lesson.schoolID, teacherID: lesson.teacherID)
        return view
    }

    public struct Patch: Sendable {
        public var topic, note, room: String?
        public var teacherID: UUID?
        public var date: LocalDate?
        public var period: Int?
        public var status: LessonStatus?
        public init(topic: String? = nil, note: String? = nil, room: String? = nil, teacherID: UUID? = nil,
                    date: LocalDate? = nil, period: Int? = nil, status: LessonStatus? = nil) {
            self.topic = topic; self.note = note; self.room = room; self.teacherID = teacherID
            self.date = date; self.period = period; self.status = status
        }
        var changesPlan: Bool { room != nil || teacherID != nil || date != nil || period != nil || status != nil }
    }

    /// The topic and the note: the lesson's own teacher (confirmed) or a keeper of the timetable.
    /// A substitution, a move, a cancellation: the keepers only; the lesson then leaves the
    /// timetable's care (a later regeneration keeps it as it is).
    public func update(_ actor: Actor, lessonID: UUID, patch: Patch) async throws -> LessonView {
        let topic = patch.topic.map(Text.cleanLine), note = patch.note.map(Text.cleanLines), room = patch.room.map(Text.cleanLine)
        let now = ctx.clock.now()
        let (saved, school): (LessonRecord, SchoolRecord) = try await ctx.store.write { db in
            let (lesson, school) = try await Self.visibleLesson(actor, lessonID, on: db)
            var problems: [String: String] = [:]
            if let topic, topic.count > 300 { problems["topic"] = "Тема урока — до 300 знаков." }
            if let note, note.count > 2000 { problems["note"] = "Заметка — до 2000 знаков." }
            if let room, room.count > 30 { problems["room"] = "Кабинет — до 30 знаков." }
            if !problems.isEmpty { throw PartaError.validation(problems) }
            let schoolID = lesson.schoolID
            if topic != nil || note != nil {
                guard Policy.canWriteLessonTopic(actor, schoolID: schoolID, teacherID: lesson.teacherID) else {
                    throw PartaError(.forbidden, "forbidden", "Тему урока записывает его учитель (подтверждённый администратором).")
                }
            }
            if patch.changesPlan {
                try Journal.requireTimetableRights(actor, schoolID: schoolID)
                let tz = Journal.timeZone(school)
                if let teacherID = patch.teacherID, teacherID != lesson.teacherID {
                    let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
                    guard refs.teachers[teacherID] != nil else {
                        throw PartaError.invalid("teacherId", "Это не подтверждённый учитель школы.")
                    }
                    if lesson.plannedTeacherID == nil { lesson.plannedTeacherID = lesson.teacherID }
                    lesson.teacherID = teacherID
                }
                if patch.date != nil || patch.period != nil {
                    let date = patch.date ?? LocalDate(lesson.date)!
                    let period = patch.period ?? lesson.period ?? 1
                    let (starts, ends) = try await Self.placement(schoolID: schoolID, classID: lesson.classID, date: date, period: period, tz: tz, on: db)
                    lesson.date = date.description; lesson.period = period; lesson.startsAt = starts; lesson.endsAt = ends
                }
                if let room { lesson.room = room }
                if let status = patch.status { lesson.status = status.rawValue }
                if lesson.status == LessonStatus.scheduled.rawValue {
                    try await Self.checkTeacherFree(lesson, on: db)
                }
                lesson.edited = true
            }
            if let topic { lesson.topic = topic }
            if let note { lesson.note = note }
            lesson.updatedAt = now
            try await lesson.save(on: db)
            if patch.changesPlan {
                let subject = try await SubjectRecord.find(lesson.subjectID, on: db)?.name ?? ""
                let className = try await ClassRecord.find(lesson.classID, on: db)?.name ?? ""
                try await Audit.record(actor, schoolID: schoolID, action: "lesson.change", target: "\(className), \(subject), \(lesson.date)",
                                       details: Self.describe(patch), at: now, on: db)
            }
            return (lesson, school)
        }
        return try await Self.views([saved], tz: Journal.timeZone(school), on: ctx.store.db)[0]
    }

    public struct Extra: Sendable {
        public var classID: UUID
        public var groupID: UUID?
        public var subjectID: UUID
        public var teacherID: UUID
        public var date: LocalDate
        public var period: Int
        public var room: String
        public init(classID: UUID, groupID: UUID?, subjectID: UUID, teacherID: UUID, date: LocalDate, period: Int, room: String) {
            self.classID = classID; self.groupID = groupID; self.subjectID = subjectID; self.teacherID = teacherID
            self.date = date; self.period = period; self.room = room
        }
    }

    /// A one-off lesson outside the weekly timetable (a make-up lesson, an extra class).
    public func createExtra(_ actor: Actor, schoolID: UUID, extra: Extra) async throws -> LessonView {
        let now = ctx.clock.now()
        let room = Text.cleanLine(extra.room)
        let (made, school): (LessonRecord, SchoolRecord) = try await ctx.store.write { db in
            let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: schoolID)
            guard room.count <= 30 else { throw PartaError.invalid("room", "Кабинет — до 30 знаков.") }
            let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
            var problems: [String: String] = [:]
            if refs.classes[extra.classID] == nil { problems["classId"] = "Такого класса нет в школе." }
            if refs.subjects[extra.subjectID].map({ !$0.archived }) != true { problems["subjectId"] = "Такого предмета нет в школе." }
            if refs.teachers[extra.teacherID] == nil { problems["teacherId"] = "Это не подтверждённый учитель школы." }
            if let g = extra.groupID, refs.groups[g]?.classID != extra.classID { problems["groupId"] = "Такой группы нет в этом классе." }
            if !problems.isEmpty { throw PartaError.validation(problems) }
            let (starts, ends) = try await Self.placement(schoolID: schoolID, classID: extra.classID, date: extra.date,
                                                          period: extra.period, tz: Journal.timeZone(school), on: db)
            let l = LessonRecord()
            l.schoolID = schoolID; l.classID = extra.classID; l.groupID = extra.groupID; l.subjectID = extra.subjectID
            l.teacherID = extra.teacherID; l.date = extra.date.description; l.period = extra.period
            l.startsAt = starts; l.endsAt = ends; l.room = room; l.status = LessonStatus.scheduled.rawValue
            l.origin = "extra"; l.slotDate = nil; l.slotPeriod = nil; l.plannedTeacherID = nil; l.edited = true
            l.topic = ""; l.note = ""; l.createdAt = now; l.updatedAt = now
            try await Self.checkTeacherFree(l, on: db)
            try await l.create(on: db)
            _ = try await AssignmentService.ensure(schoolID: schoolID, classID: extra.classID, subjectID: extra.subjectID,
                                                   groupID: extra.groupID, teacherID: extra.teacherID, now: now, on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "lesson.extra",
                                   target: "\(refs.classes[extra.classID]?.name ?? ""), \(refs.subjects[extra.subjectID]?.name ?? ""), \(extra.date)",
                                   details: "\(extra.period)-й урок", at: now, on: db)
            return (l, school)
        }
        return try await Self.views([made], tz: Journal.timeZone(school), on: ctx.store.db)[0]
    }

    /// Makes (or brings in line) the school's lessons of a date range from the timetable.
    public func generate(_ actor: Actor, schoolID: UUID, from: LocalDate, to: LocalDate) async throws -> LessonsGenerated {
        let now = ctx.clock.now()
        return try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            try Journal.requireTimetableRights(actor, schoolID: schoolID)
            guard from <= to, from.days(to: to) <= 366 else { throw PartaError.invalid("to", "Не больше года за раз, конец не раньше начала.") }
            return try await LessonGenerator(db: db, now: now).regenerate(schoolID: schoolID, classIDs: nil, from: from, to: to)
        }
    }

    // MARK: - Shared

    static func visibleLesson(_ actor: Actor, _ id: UUID, on db: any Database) async throws -> (LessonRecord, SchoolRecord) {
        guard let lesson = try await LessonRecord.find(id, on: db), Policy.canViewSchool(actor, schoolID: lesson.schoolID),
              let school = try await SchoolRecord.find(lesson.schoolID, on: db) else { throw PartaError.notFound("Урок") }
        let ties = try await ties(actor, classID: lesson.classID, on: db)
        guard Policy.canReadLesson(actor, schoolID: lesson.schoolID, classID: lesson.classID, groupID: lesson.groupID,
                                   teacherID: lesson.teacherID, ties: ties) else { throw PartaError.notFound("Урок") }
        return (lesson, school)
    }

    /// What ties the actor to a class: teaching it, studying in it (and in which groups), children in it.
    static func ties(_ actor: Actor, classID: UUID, on db: any Database) async throws -> Policy.ClassTies {
        var ties = Policy.ClassTies()
        guard let sql = db as? any SQLDatabase else { return ties }
        let ids = RowIDs(sql)
        // Two statements, by column: whether the actor teaches in the class, and the actor's and
        // their children's places among its students with their groups of the class (every lesson,
        // sheet and diary read asks).
        ties.teachesClass = try await sql.raw("""
            SELECT 1 AS one FROM teaching_assignments WHERE class_id = \(bind: classID) AND teacher_id = \(bind: actor.userID)
            """).first() != nil
        let rows = try await sql.raw("""
            SELECT m.user_id, g.group_id FROM class_members m
              LEFT JOIN class_group_members g ON g.user_id = m.user_id
                AND g.group_id IN (SELECT id FROM class_groups WHERE class_id = \(bind: classID))
            WHERE m.class_id = \(bind: classID) AND m.role = \(bind: SchoolRole.student.rawValue)
              AND (m.user_id = \(bind: actor.userID) OR m.user_id IN (SELECT child_id FROM family_links WHERE parent_id = \(bind: actor.userID)))
            """).all()
        for r in rows {
            let user = try ids.id(r, "user_id"), group = try ids.optionalID(r, "group_id")
            if user == actor.userID {
                ties.isStudent = true
                if let group { ties.groupIDs.insert(group) }
            } else {
                if ties.children[user] == nil { ties.children[user] = [] }
                if let group { ties.children[user]?.insert(group) }
            }
        }
        return ties
    }

    /// When a lesson of the class on `date` at `period` runs: a school day and a period of the class's shift.
    static func placement(schoolID: UUID, classID: UUID, date: LocalDate, period: Int, tz: TimeZone,
                          on db: any Database) async throws -> (Date, Date) {
        guard let cls = try await ClassRecord.find(classID, on: db) else { throw PartaError.invalid("classId", "Такого класса нет в школе.") }
        guard let calendar = try await SchoolCalendar.load(schoolID: schoolID, year: date.academicYear, on: db) else {
            throw PartaError(.conflict, "school_year_missing", "Сначала задайте учебный год \(date.academicYear)/\(date.academicYear + 1).")
        }
        if let off = calendar.dayOffTitle(date) {
            throw PartaError.invalid("date", "\(date.russianDayAndMonth) — не учебный день (\(off.lowercased())).")
        }
        let shift = cls.shift ?? 1
        guard let bell = try await Journal.bells(schoolID: schoolID, on: db).first(where: { $0.shift == shift && $0.number == period }) else {
            throw PartaError.invalid("period", "В \(shift)-й смене нет \(period)-го урока.")
        }
        return (date.instant(atMinute: bell.startsAt.minutes, in: tz), date.instant(atMinute: bell.endsAt.minutes, in: tz))
    }

    /// A teacher is not given two lessons at once.
    static func checkTeacherFree(_ lesson: LessonRecord, on db: any Database) async throws {
        var q = LessonRecord.query(on: db).filter(\.$teacherID == lesson.teacherID).filter(\.$date == lesson.date)
            .filter(\.$status == LessonStatus.scheduled.rawValue)
        if let id = lesson.id { q = q.filter(\.$id != id) }
        if let clash = try await q.all().first(where: { $0.startsAt < lesson.endsAt && lesson.startsAt < $0.endsAt }) {
            let className = try await ClassRecord.find(clash.classID, on: db)?.name ?? ""
            throw PartaError(.conflict, "teacher_busy", "У учителя в это время урок в \(className).")
        }
    }

    static func describe(_ p: Patch) -> String {
        var parts: [String] = []
        if p.teacherID != nil { parts.append("замена учителя") }
        if p.date != nil || p.period != nil { parts.append("перенос") }
        if p.room != nil { parts.append("кабинет") }
        if let s = p.status { parts.append(s == .cancelled ? "отмена" : "урок возвращён") }
        return parts.joined(separator: ", ")
    }

    /// Lessons from `from` to `to` whose `column` ("l.class_id IN" or "l.teacher_id IN") is one of
    /// `ids`, read with their class, group, subject and teachers' names in one statement.
    static func joinedViews(_ column: String, _ ids: [UUID], from: LocalDate, to: LocalDate, tz: TimeZone,
                            on db: any Database) async throws -> [LessonView] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        let filter: SQLQueryString = column == "l.teacher_id IN" ? "l.teacher_id IN (\(binds: ids))" : "l.class_id IN (\(binds: ids))"
        let rows = try await sql.raw("""
            SELECT l.id, l.school_id, l.class_id, c.name AS class_name, l.group_id, g.name AS group_name, l.subject_id,
              s.name AS subject_name, l.teacher_id, u.full_name AS teacher_name, l.date, l.period, l.starts_at, l.ends_at, l.room,
              l.status, l.origin, l.slot_date, l.slot_period, l.planned_teacher_id, p.full_name AS planned_name, l.topic, l.note
            FROM lessons l JOIN classes c ON c.id = l.class_id JOIN subjects s ON s.id = l.subject_id JOIN users u ON u.id = l.teacher_id
              LEFT JOIN class_groups g ON g.id = l.group_id LEFT JOIN users p ON p.id = l.planned_teacher_id
            WHERE \(filter) AND l.date >= \(bind: from.description) AND l.date <= \(bind: to.description)
            """).all()
        return try rows.map { r in
            let date = try r.decode(column: "date", as: String.self), period = try r.decode(column: "period", as: Int?.self)
            let slotDate = try r.decode(column: "slot_date", as: String?.self), slotPeriod = try r.decode(column: "slot_period", as: Int?.self)
            let teacher = try r.decode(column: "teacher_id", as: UUID.self), planned = try r.decode(column: "planned_teacher_id", as: UUID?.self)
            let starts = try r.decode(column: "starts_at", as: Date.self), ends = try r.decode(column: "ends_at", as: Date.self)
            let change = Self.change(origin: try r.decode(column: "origin", as: String.self), teacher: teacher, planned: planned,
                                     date: date, period: period, slotDate: slotDate, slotPeriod: slotPeriod)
            return LessonView(id: try r.decode(column: "id", as: UUID.self), schoolId: try r.decode(column: "school_id", as: UUID.self),
                              classId: try r.decode(column: "class_id", as: UUID.self), className: try r.decode(column: "class_name", as: String.self),
                              groupId: try r.decode(column: "group_id", as: UUID?.self), groupName: try r.decode(column: "group_name", as: String?.self),
                              subjectId: try r.decode(column: "subject_id", as: UUID.self), subjectName: try r.decode(column: "subject_name", as: String.self),
                              teacherId: teacher, teacherName: try r.decode(column: "teacher_name", as: String.self),
                              date: LocalDate(date) ?? LocalDate(dayNumber: 0), period: period,
                              startsAt: Self.clock(starts, tz), endsAt: Self.clock(ends, tz), start: starts, end: ends,
                              room: try r.decode(column: "room", as: String.self),
                              status: LessonStatus(rawValue: try r.decode(column: "status", as: String.self)) ?? .scheduled, change: change,
                              plannedTeacherName: change == "substitution" ? try r.decode(column: "planned_name", as: String?.self) : nil,
                              topic: try r.decode(column: "topic", as: String.self), note: try r.decode(column: "note", as: String.self))
        }
    }

    /// What differs from the weekly timetable: an extra lesson, a substitute, a move, or nothing.
    static func change(origin: String, teacher: UUID, planned: UUID?, date: String, period: Int?,
                       slotDate: String?, slotPeriod: Int?) -> String? {
        if origin == "extra" { return "extra" }
        if let planned, planned != teacher { return "substitution" }
        if slotDate != date || slotPeriod != period { return "moved" }
        return nil
    }

    /// The school's wall-clock time of an instant.
    static func clock(_ d: Date, _ tz: TimeZone) -> ClockTime {
        let local = Int(d.timeIntervalSince1970) + tz.secondsFromGMT(for: d)
        return ClockTime(minutes: ((local % 86_400) + 86_400) % 86_400 / 60)!
    }

    static func views(_ lessons: [LessonRecord], tz: TimeZone, on db: any Database) async throws -> [LessonView] {
        guard !lessons.isEmpty else { return [] }
        let classIDs = Array(Set(lessons.map(\.classID))), subjectIDs = Array(Set(lessons.map(\.subjectID)))
        let groupIDs = Array(Set(lessons.compactMap(\.groupID)))
        let classes = Dictionary(uniqueKeysWithValues: try await ClassRecord.query(on: db).filter(\.$id ~~ classIDs).all().map { ($0.id!, $0.name) })
        let subjects = Dictionary(uniqueKeysWithValues: try await SubjectRecord.query(on: db).filter(\.$id ~~ subjectIDs).all().map { ($0.id!, $0.name) })
        let groups = groupIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await ClassGroupRecord.query(on: db).filter(\.$id ~~ groupIDs).all().map { ($0.id!, $0.name) })
        let names = try await Journal.names(lessons.map(\.teacherID) + lessons.compactMap(\.plannedTeacherID), on: db)
        func clock(_ d: Date) -> ClockTime { Self.clock(d, tz) }
        return lessons.map { l in
            let change = Self.change(origin: l.origin, teacher: l.teacherID, planned: l.plannedTeacherID,
                                     date: l.date, period: l.period, slotDate: l.slotDate, slotPeriod: l.slotPeriod)
            return LessonView(id: l.id!, schoolId: l.schoolID, classId: l.classID, className: classes[l.classID] ?? "",
                              groupId: l.groupID, groupName: l.groupID.flatMap { groups[$0] },
                              subjectId: l.subjectID, subjectName: subjects[l.subjectID] ?? "",
                              teacherId: l.teacherID, teacherName: names[l.teacherID] ?? "",
                              date: LocalDate(l.date) ?? LocalDate(dayNumber: 0), period: l.period,
                              startsAt: clock(l.startsAt), endsAt: clock(l.endsAt), start: l.startsAt, end: l.endsAt,
                              room: l.room, status: LessonStatus(rawValue: l.status) ?? .scheduled, change: change,
                              plannedTeacherName: change == "substitution" ? l.plannedTeacherID.flatMap { names[$0] } : nil,
                              topic: l.topic, note: l.note)
        }
        .sorted { ($0.date, $0.startsAt, $0.className, $0.groupName ?? "") < ($1.date, $1.startsAt, $1.className, $1.groupName ?? "") }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self { case .some(let w): return try await transform(w); case .none: return nil }
    }
}
