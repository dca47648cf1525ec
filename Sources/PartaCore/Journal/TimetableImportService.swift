import FluentKit
import Foundation

/// The timetable import (issue 14 item 3): a CSV of lessons «Класс;День;Урок;Предмет;Учитель;
/// Группа;Кабинет», one row a lesson of the week. The preview checks every row — an unknown class,
/// day, subject, teacher (by full name, one of the school's confirmed teachers) or group, a period
/// not in the bells, a teacher or a room in two places at once (`TimetableService.problems`, the
/// editor's own rules, across the file and the classes it leaves alone) — and writes nothing. The
/// import checks again and, with no error left, replaces the weeks of the file's classes in one
/// transaction and brings their lessons in line, as saving each week in the editor does. Keepers of
/// the timetable only. Also the export of the current timetables in the same format (the template).
public struct TimetableImportService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxRows = 10_000
    public static let header = ["Класс", "День", "Урок", "Предмет", "Учитель", "Группа", "Кабинет"]
    static let dayNames = ["", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]

    /// The report's rows, each meaning one lesson of a class's week.
    struct Row {
        var line: Int
        var cls: ClassRecord
        var cell: TimetableService.Cell
    }

    struct Checked {
        var rows: [Row]
        var report: TimetableImportReport
        var school: SchoolRecord
    }

    public func preview(_ actor: Actor, schoolID: UUID, csv: Data) async throws -> TimetableImportReport {
        try await check(actor, schoolID: schoolID, csv: csv, on: ctx.store.db).report
    }

    public func run(_ actor: Actor, schoolID: UUID, csv: Data) async throws -> TimetableImportReport {
        let now = ctx.clock.now()
        let report: TimetableImportReport = try await ctx.store.write { db in
            let checked = try await check(actor, schoolID: schoolID, csv: csv, on: db)
            var report = checked.report
            guard report.errors.isEmpty else {
                throw PartaError(.badRequest, "import_has_errors", "В файле есть ошибки (\(report.errors.count)): ничего не загружено.")
            }
            let classes = Dictionary(grouping: checked.rows, by: { $0.cls.id! }).mapValues { $0[0].cls }
            for cls in classes.values {
                try await TimetableEntryRecord.query(on: db).filter(\.$classID == cls.id!).filter(\.$academicYear == cls.academicYear).delete()
            }
            let entries: [TimetableEntryRecord] = checked.rows.map { r in
                let e = TimetableEntryRecord()
                e.id = UUID()
                e.schoolID = schoolID; e.classID = r.cls.id!; e.academicYear = r.cls.academicYear; e.weekday = r.cell.weekday
                e.period = r.cell.period; e.subjectID = r.cell.subjectID; e.teacherID = r.cell.teacherID; e.groupID = r.cell.groupID
                e.room = r.cell.room
                return e
            }
            for chunk in entries.chunked(400) { try await chunk.create(on: db) }
            try await Self.ensureAssignments(schoolID: schoolID, rows: checked.rows, now: now, on: db)
            try await Audit.record(actor, schoolID: schoolID, action: "timetable.import", target: "классов: \(classes.count)",
                                   details: "уроков в неделю: \(entries.count); " + report.classes.map(\.name).joined(separator: ", "),
                                   at: now, on: db)
            // The lessons from today to the year's end follow the new weeks (as after saving each in the editor).
            let today = LocalDate(now, in: Journal.timeZone(checked.school))
            var generated = LessonsGenerated(created: 0, updated: 0, removed: 0, kept: 0)
            for (year, sameYear) in Dictionary(grouping: classes.values, by: \.academicYear) {
                guard let calendar = try await SchoolCalendar.load(schoolID: schoolID, year: year, on: db),
                      let first = calendar.firstDay, let last = calendar.lastDay else { continue }
                let made = try await LessonGenerator(db: db, now: now)
                    .regenerate(schoolID: schoolID, classIDs: sameYear.compactMap(\.id), from: max(today, first), to: last)
                generated.created += made.created; generated.updated += made.updated
                generated.removed += made.removed; generated.kept += made.kept
            }
            report.lessonsGenerated = generated
            report.imported = true
            return report
        }
        try await RosterChats.syncClassTeachers(ctx, schoolID: schoolID, classIDs: report.classes.map(\.classId))
        return report
    }

    /// The school's current timetables (this academic year's classes) in the import's format; with
    /// none yet, only the header — the template to fill.
    public func export(_ actor: Actor, schoolID: UUID) async throws -> String {
        let db = ctx.store.db
        let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        try Journal.requireTimetableRights(actor, schoolID: schoolID)
        let year = LocalDate(ctx.clock.now(), in: Journal.timeZone(school)).academicYear
        let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
        let classes = refs.classes.values.filter { !$0.archived }
        let current = Set(classes.filter { $0.academicYear == year }.compactMap(\.id))
        let entries = try await TimetableEntryRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).all()
            .filter { current.contains($0.classID) }
        let names = try await Journal.names(entries.map(\.teacherID), on: db)
        var out = CSVWriter(header: Self.header)
        let sorted = entries.sorted {
            let a = refs.classes[$0.classID], b = refs.classes[$1.classID]
            return (a?.grade ?? 0, a?.name ?? "", $0.weekday, $0.period, $0.groupID.flatMap { refs.groups[$0]?.name } ?? "")
                < (b?.grade ?? 0, b?.name ?? "", $1.weekday, $1.period, $1.groupID.flatMap { refs.groups[$0]?.name } ?? "")
        }
        for e in sorted {
            out.append([refs.classes[e.classID]?.name ?? "", Self.dayNames[min(max(e.weekday, 0), 7)], String(e.period),
                        refs.subjects[e.subjectID]?.name ?? "", names[e.teacherID] ?? "",
                        e.groupID.flatMap { refs.groups[$0]?.name } ?? "", e.room])
        }
        return out.text
    }

    // MARK: Checking

    private func check(_ actor: Actor, schoolID: UUID, csv: Data, on db: any Database) async throws -> Checked {
        let school = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        try Journal.requireTimetableRights(actor, schoolID: schoolID)
        let table = try CSVReader.read(csv).rows
        guard let head = table.first else { throw PartaError.invalid("file", "Файл пуст.") }
        let names = head.map { Self.fold($0) }
        func column(_ aliases: [String]) -> Int? { names.firstIndex { aliases.contains($0) } }
        guard let classCol = column(["класс", "class"]), let dayCol = column(["день", "день недели", "day", "weekday"]),
              let periodCol = column(["урок", "номер урока", "№ урока", "№", "period"]),
              let subjectCol = column(["предмет", "subject"]), let teacherCol = column(["учитель", "фио учителя", "teacher"]) else {
            throw PartaError.invalid("file", "Первая строка — заголовки: «Класс», «День», «Урок», «Предмет», «Учитель» и, по желанию, «Группа», «Кабинет».")
        }
        let groupCol = column(["группа", "group"]), roomCol = column(["кабинет", "каб", "room"])
        let body = table.dropFirst().enumerated().filter { !$0.element.allSatisfy { Text.cleanLine($0).isEmpty } }
        guard body.count <= Self.maxRows else { throw PartaError.invalid("file", "Не больше \(Self.maxRows) строк за один раз.") }

        let refs = try await TimetableRefs.load(schoolID: schoolID, on: db)
        // A class by its name: of those not archived, the latest year's.
        let byName = Dictionary(refs.classes.values.filter { !$0.archived }.map { ($0.name, $0) },
                                uniquingKeysWith: { a, b in a.academicYear >= b.academicYear ? a : b })
        let subjects = Dictionary(refs.subjects.values.map { (Self.fold($0.name), $0) }, uniquingKeysWith: { a, b in a.archived ? b : a })
        let teachers = TeacherNames(refs.teachers)
        let unconfirmed = try await unconfirmedTeacherNames(schoolID: schoolID, on: db)
        let groups = Dictionary(refs.groups.values.map { ("\($0.classID)|\(Self.fold($0.name))", $0) }, uniquingKeysWith: { a, _ in a })

        var errors: [TimetableImportReport.RowError] = []
        if body.isEmpty { errors.append(.init(line: 1, field: "file", message: "В файле нет ни одного урока.")) }
        var rows: [Row] = []
        for (index, cells) in body {
            let line = index + 2
            func cell(_ i: Int?) -> String { i.flatMap { $0 < cells.count ? Text.cleanLine(cells[$0]) : nil } ?? "" }
            func fail(_ field: String, _ message: String) { errors.append(.init(line: line, field: field, message: message)) }
            let rawClass = cell(classCol), rawDay = cell(dayCol), rawPeriod = cell(periodCol)
            let rawSubject = cell(subjectCol), rawTeacher = cell(teacherCol), rawGroup = cell(groupCol), room = cell(roomCol)

            let cls = ClassName.parse(rawClass).flatMap { byName[$0.description] }
            if cls == nil { fail("class", rawClass.isEmpty ? "Не указан класс." : "Нет такого класса: «\(rawClass)».") }
            let day = Self.weekday(rawDay)
            if day == nil { fail("day", rawDay.isEmpty ? "Не указан день недели." : "Не понятен день недели: «\(rawDay)» (Пн, Вт… или 1–6).") }
            let period = rawPeriod.count <= 2 ? Int(rawPeriod) : nil
            if period == nil || !(1...12).contains(period!) {
                fail("period", rawPeriod.isEmpty ? "Не указан номер урока." : "Номер урока — число от 1 до 12: «\(rawPeriod)».")
            }
            var subject: SubjectRecord?
            if rawSubject.isEmpty { fail("subject", "Не указан предмет.") }
            else if let s = subjects[Self.fold(rawSubject)] { subject = s }
            else { fail("subject", "Нет такого предмета в школе: «\(rawSubject)».") }
            var teacher: UUID?
            switch teachers.find(rawTeacher) {
            case .found(let id): teacher = id
            case .none where rawTeacher.isEmpty: fail("teacher", "Не указан учитель.")
            case .none where unconfirmed.contains(Self.fold(rawTeacher)):
                fail("teacher", "«\(rawTeacher)» ещё не подтверждён(а) администратором как учитель.")
            case .none: fail("teacher", "Нет такого учителя среди подтверждённых учителей школы: «\(rawTeacher)».")
            case .ambiguous(let n): fail("teacher", "«\(rawTeacher)» — так зовут \(n) учителей: укажите полное ФИО.")
            }
            var group: ClassGroupRecord?
            if !rawGroup.isEmpty, let cls {
                group = groups["\(cls.id!)|\(Self.fold(rawGroup))"]
                if group == nil { fail("group", "В классе \(cls.name) нет группы «\(rawGroup)».") }
            }
            guard let cls, let day, let period, let subject, let teacher, rawGroup.isEmpty || group != nil else { continue }
            rows.append(Row(line: line, cls: cls, cell: .init(weekday: day, period: period, subjectID: subject.id!, teacherID: teacher,
                                                              groupID: group?.id, room: room)))
        }

        // The editor's rules, class by class: each week against the file's other classes and the
        // weeks of the classes the file leaves as they are.
        let bells = try await Journal.bells(schoolID: schoolID, on: db)
        let fileClasses = Set(rows.map { $0.cls.id! })
        var weekDays: [Int: Int] = [:]
        let byClass = Dictionary(grouping: rows, by: { $0.cls.id! })
        // The other classes' lessons (the file's and the weeks it leaves alone), each made once with
        // what a clash is about: a class is checked only against those with one of its teachers or
        // rooms (the same answer as against all of them — `problems` looks at nothing else — and a
        // school's 3,850 lessons are not walked for each of its 110 classes).
        struct Other { var year: Int; var classID: UUID; var teacherID: UUID; var room: String; var entry: TimetableEntryRecord }
        var pool: [Other] = rows.map { r in
            let e = TimetableEntryRecord()
            e.classID = r.cls.id!; e.weekday = r.cell.weekday; e.period = r.cell.period; e.subjectID = r.cell.subjectID
            e.teacherID = r.cell.teacherID; e.groupID = r.cell.groupID; e.room = r.cell.room
            return Other(year: r.cls.academicYear, classID: r.cls.id!, teacherID: r.cell.teacherID, room: r.cell.room.lowercased(), entry: e)
        }
        for year in Set(rows.map(\.cls.academicYear)) {
            weekDays[year] = try await SchoolCalendar.load(schoolID: schoolID, year: year, on: db)?.weekDays ?? 6
            pool += try await TimetableEntryRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year).all()
                .filter { !fileClasses.contains($0.classID) }
                .map { Other(year: year, classID: $0.classID, teacherID: $0.teacherID, room: $0.room.lowercased(), entry: $0) }
        }
        for (classID, classRows) in byClass {
            let cls = classRows[0].cls, year = cls.academicYear
            let teachers = Set(classRows.map(\.cell.teacherID)), rooms = Set(classRows.map { $0.cell.room.lowercased() }.filter { !$0.isEmpty })
            let others = pool.filter { $0.year == year && $0.classID != classID && (teachers.contains($0.teacherID) || rooms.contains($0.room)) }
                .map(\.entry)
            if classRows.count > 120 {
                errors.append(.init(line: classRows[120].line, field: "class", message: "У класса \(cls.name) больше 120 уроков в неделю."))
            }
            // A cell's own problem (a period not in the bells…) stops the clash checks: the rest are checked again for them.
            var left = Array(classRows.indices)
            for _ in 0..<2 where !left.isEmpty {
                let problems = TimetableService.problems(left.map { classRows[$0].cell }, cls: cls, shift: cls.shift ?? 1,
                                                         weekDays: weekDays[year]!, bells: bells, refs: refs, others: others)
                var bad = Set<Int>()
                for (key, message) in problems {
                    guard let i = Int(key.dropFirst("entries[".count).dropLast()), i < left.count else { continue }
                    bad.insert(i)
                    errors.append(.init(line: classRows[left[i]].line, field: Self.field(of: message), message: "\(cls.name), " + message))
                }
                left = left.enumerated().filter { !bad.contains($0.offset) }.map(\.element)
                if bad.isEmpty { break }
            }
        }
        errors.sort { ($0.line, $0.field, $0.message) < ($1.line, $1.field, $1.message) }
        let counts = byClass.map { TimetableImportReport.ClassCount(classId: $0.key, name: $0.value[0].cls.name, lessons: $0.value.count) }
            .sorted { (refs.classes[$0.classId]?.grade ?? 0, $0.name) < (refs.classes[$1.classId]?.grade ?? 0, $1.name) }
        let report = TimetableImportReport(rows: body.count, errors: errors, classes: counts, imported: false, lessonsGenerated: nil)
        return Checked(rows: rows, report: report, school: school)
    }

    /// Which column a problem of `TimetableService.problems` is about, for the report.
    static func field(of message: String) -> String {
        if message.contains("у класса уже есть урок") || message.contains("смене") || message.contains("звонков") { return "period" }
        if message.contains("кабинет") { return "room" }
        if message.contains("учител") || message.contains("ведёт урок") { return "teacher" }
        if message.contains("предмет") { return "subject" }
        if message.contains("групп") { return "group" }
        if message.contains("день недели") { return "day" }
        return "class"
    }

    /// Lower case, «ё» as «е», one space between words, no dot at the end («Пн.»).
    static func fold(_ raw: String) -> String {
        var s = UserSearchKey.fold(Text.cleanLine(raw)).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while s.hasSuffix(".") && s.count > 1 { s.removeLast() }
        return s
    }

    /// «Пн», «пн.», «Понедельник», «1» (Monday) … «Вс», «7»; «Mon», «Monday».
    static func weekday(_ raw: String) -> Int? {
        let s = fold(raw)
        if s.count == 1, let n = Int(s), (1...7).contains(n) { return n }
        let names: [[String]] = [
            ["пн", "пон", "понедельник", "mon", "monday"], ["вт", "втр", "вторник", "tue", "tuesday"],
            ["ср", "срд", "среда", "wed", "wednesday"], ["чт", "чтв", "четверг", "thu", "thursday"],
            ["пт", "птн", "пятница", "fri", "friday"], ["сб", "суб", "суббота", "sat", "saturday"],
            ["вс", "вск", "воскресенье", "sun", "sunday"],
        ]
        return names.firstIndex { $0.contains(s) }.map { $0 + 1 }
    }

    /// The school's confirmed teachers by full name: a name written in full (case and «ё» aside) is
    /// one teacher, or several (two «Иванова Мария Петровна» — then it is ambiguous); a name that
    /// leaves out the patronymic or the name («Иванова Мария», «Иванова») is taken when exactly one
    /// teacher's full name begins with it.
    struct TeacherNames {
        enum Match: Equatable { case found(UUID), none, ambiguous(Int) }
        var full: [String: [UUID]] = [:]
        init(_ teachers: [UUID: String]) {
            for (id, name) in teachers { full[TimetableImportService.fold(name), default: []].append(id) }
        }
        func find(_ raw: String) -> Match {
            let name = TimetableImportService.fold(raw)
            guard !name.isEmpty else { return .none }
            if let ids = full[name] { return ids.count == 1 ? .found(ids[0]) : .ambiguous(ids.count) }
            let words = name.split(separator: " ")
            let matches = full.filter { key, _ in key.split(separator: " ").starts(with: words) }.flatMap(\.value)
            if matches.count == 1 { return .found(matches[0]) }
            return matches.isEmpty ? .none : .ambiguous(matches.count)
        }
    }

    private func unconfirmedTeacherNames(schoolID: UUID, on db: any Database) async throws -> Set<String> {
        let ids = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$role == SchoolRole.teacher.rawValue).filter(\.$verified == false).all().map(\.userID)
        return Set(try await Journal.names(ids, on: db).values.map { Self.fold($0) })
    }

    /// Who teaches what follows the timetable: the assignments the file's lessons need, made in one go.
    static func ensureAssignments(schoolID: UUID, rows: [Row], now: Date, on db: any Database) async throws {
        func key(_ classID: UUID, _ subjectID: UUID, _ groupID: UUID?, _ teacherID: UUID) -> String {
            "\(classID)|\(subjectID)|\(groupID?.uuidString ?? "")|\(teacherID)"
        }
        let have = Set(try await TeachingAssignmentRecord.query(on: db).filter(\.$schoolID == schoolID).all()
            .map { key($0.classID, $0.subjectID, $0.groupID, $0.teacherID) })
        var made: [String: TeachingAssignmentRecord] = [:]
        for r in rows {
            let k = key(r.cls.id!, r.cell.subjectID, r.cell.groupID, r.cell.teacherID)
            guard !have.contains(k), made[k] == nil else { continue }
            let a = TeachingAssignmentRecord()
            a.id = UUID()
            a.schoolID = schoolID; a.classID = r.cls.id!; a.subjectID = r.cell.subjectID; a.groupID = r.cell.groupID
            a.teacherID = r.cell.teacherID; a.createdAt = now
            made[k] = a
        }
        for chunk in Array(made.values).chunked(400) { try await chunk.create(on: db) }
    }
}

/// What a timetable file holds and every row's problem (and, with `imported`, what was written).
public struct TimetableImportReport: Sendable, Codable, Equatable {
    public struct RowError: Sendable, Codable, Equatable {
        /// The file's line (the header is line 1).
        public var line: Int
        /// The column: class, day, period, subject, teacher, group, room (or the file).
        public var field: String
        public var message: String
    }
    public struct ClassCount: Sendable, Codable, Equatable {
        public var classId: UUID
        public var name: String
        public var lessons: Int
    }
    public var rows: Int
    public var errors: [RowError]
    /// The classes whose weeks the file replaces, with their lessons a week.
    public var classes: [ClassCount]
    public var imported: Bool
    /// After an import: how the lessons from today to the year's end followed.
    public var lessonsGenerated: LessonsGenerated?
}
