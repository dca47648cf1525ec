import FluentKit
import Foundation

/// Makes the lessons of a date range from the weekly timetable, the school year and the bells, and
/// keeps them in line when any of these change: a lesson follows its timetable slot (class, day,
/// period, group) until someone edits it by hand (a substitution, a move, a cancellation), after
/// which it is left alone. A lesson that no longer matches the timetable is removed — unless it
/// already holds journal entries (a topic, a note, grades, attendance), which are never thrown away: it is then kept.
struct LessonGenerator {
    let db: any Database
    let now: Date

    private struct Slot: Hashable {
        var classID: UUID
        var date: String
        var period: Int
        var groupID: UUID?
    }

    private struct Planned {
        var entry: TimetableEntryRecord
        var date: LocalDate
        var starts: Date
        var ends: Date
    }

    /// Brings the lessons of `classIDs` (all the school's classes when nil) from `from` to `to` in line.
    func regenerate(schoolID: UUID, classIDs: [UUID]?, from: LocalDate, to: LocalDate) async throws -> LessonsGenerated {
        var total = LessonsGenerated(created: 0, updated: 0, removed: 0, kept: 0)
        guard from <= to, let school = try await SchoolRecord.find(schoolID, on: db) else { return total }
        let tz = Journal.timeZone(school)
        let bells = Dictionary(try await Journal.bells(schoolID: schoolID, on: db).map { (($0.shift * 100 + $0.number), $0) },
                               uniquingKeysWith: { a, _ in a })
        for year in from.academicYear...to.academicYear {
            guard let calendar = try await SchoolCalendar.load(schoolID: schoolID, year: year, on: db),
                  let first = calendar.firstDay, let last = calendar.lastDay else { continue }
            let start = max(from, first), end = min(to, last)
            guard start <= end else { continue }
            var classQuery = ClassRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$academicYear == year)
                .filter(\.$kind == ClassKind.regular.rawValue)
            if let classIDs { classQuery = classQuery.filter(\.$id ~~ classIDs) }
            let classes = try await classQuery.all()
            let ids = classes.compactMap(\.id)
            guard !ids.isEmpty else { continue }
            let shifts = Dictionary(uniqueKeysWithValues: classes.map { ($0.id!, $0.archived ? 0 : ($0.shift ?? 1)) })
            let entries = try await TimetableEntryRecord.query(on: db).filter(\.$classID ~~ ids)
                .filter(\.$academicYear == year).all()
            let byWeekday = Dictionary(grouping: entries, by: \.weekday)

            // What the timetable asks for, by slot (archived classes have no lessons ahead).
            var planned: [Slot: Planned] = [:]
            for day in calendar.schoolDays(from: start, to: end) {
                for entry in byWeekday[day.weekday] ?? [] {
                    guard let shift = shifts[entry.classID], shift > 0, let bell = bells[shift * 100 + entry.period] else { continue }
                    planned[Slot(classID: entry.classID, date: day.description, period: entry.period, groupID: entry.groupID)] =
                        Planned(entry: entry, date: day, starts: day.instant(atMinute: bell.startsAt.minutes, in: tz),
                                ends: day.instant(atMinute: bell.endsAt.minutes, in: tz))
                }
            }

            // What exists, slot by slot.
            let existing = try await LessonRecord.query(on: db).filter(\.$classID ~~ ids).filter(\.$origin == "timetable")
                .filter(\.$slotDate >= start.description).filter(\.$slotDate <= end.description).all()
            let marked = try await MarksData.markedLessons(classIDs: ids, from: start, to: end, on: db)
            var remove: [UUID] = []
            for lesson in existing {
                guard let date = lesson.slotDate, let period = lesson.slotPeriod else { continue }
                let slot = Slot(classID: lesson.classID, date: date, period: period, groupID: lesson.groupID)
                let plan = planned.removeValue(forKey: slot)
                if lesson.edited { continue }
                guard let plan else {
                    if (Self.holdsEntries(lesson) || marked.contains(lesson.id!)) { total.kept += 1 } else { remove.append(lesson.id!) }
                    continue
                }
                if lesson.subjectID != plan.entry.subjectID && (Self.holdsEntries(lesson) || marked.contains(lesson.id!)) { total.kept += 1; continue }
                if lesson.subjectID != plan.entry.subjectID || lesson.teacherID != plan.entry.teacherID
                    || lesson.room != plan.entry.room || lesson.startsAt != plan.starts || lesson.endsAt != plan.ends
                    || lesson.status != LessonStatus.scheduled.rawValue {
                    lesson.subjectID = plan.entry.subjectID; lesson.teacherID = plan.entry.teacherID
                    lesson.room = plan.entry.room; lesson.startsAt = plan.starts; lesson.endsAt = plan.ends
                    lesson.status = LessonStatus.scheduled.rawValue; lesson.updatedAt = now
                    try await lesson.save(on: db)
                    total.updated += 1
                }
            }
            for chunk in stride(from: 0, to: remove.count, by: 500).map({ Array(remove[$0..<min($0 + 500, remove.count)]) }) {
                try await LessonRecord.query(on: db).filter(\.$id ~~ chunk).delete()
            }
            total.removed += remove.count

            let made: [LessonRecord] = planned.values.map { plan in
                let l = LessonRecord()
                l.id = UUID()
                l.schoolID = schoolID; l.classID = plan.entry.classID; l.groupID = plan.entry.groupID
                l.subjectID = plan.entry.subjectID; l.teacherID = plan.entry.teacherID
                l.date = plan.date.description; l.period = plan.entry.period
                l.startsAt = plan.starts; l.endsAt = plan.ends; l.room = plan.entry.room
                l.status = LessonStatus.scheduled.rawValue; l.origin = "timetable"
                l.slotDate = plan.date.description; l.slotPeriod = plan.entry.period; l.plannedTeacherID = nil
                l.edited = false; l.topic = ""; l.note = ""; l.createdAt = now; l.updatedAt = now
                return l
            }
            // One INSERT per few hundred rows: well under both databases' limits on bound values.
            for chunk in stride(from: 0, to: made.count, by: 400).map({ Array(made[$0..<min($0 + 400, made.count)]) }) {
                try await chunk.create(on: db)
            }
            total.created += made.count
        }
        return total
    }

    /// Whether a lesson holds anything a teacher wrote (and so is never removed by a regeneration).
    static func holdsEntries(_ lesson: LessonRecord) -> Bool {
        !lesson.topic.isEmpty || !lesson.note.isEmpty
    }
}
