import FluentKit
import Foundation
import SQLKit

/// Makes the lessons of a date range from the weekly timetable, the school year and the bells, and
/// keeps them in line when any of these change: a lesson follows its timetable slot (class, day,
/// period, group) until someone edits it by hand (a substitution, a move, a cancellation), after
/// which it is left alone. A lesson that no longer matches the timetable is removed — unless it
/// already holds journal entries (a topic, a note, grades, attendance, materials), which are never thrown away: it is then kept.
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

            // What the timetable asks for, by slot (archived classes have no lessons ahead). A day's
            // bells are turned into instants once (a time zone lookup is not free).
            var planned: [Slot: Planned] = [:]
            for day in calendar.schoolDays(from: start, to: end) {
                let dayText = day.description
                var instants: [Int: Date] = [:]
                func at(_ minute: Int) -> Date {
                    if let known = instants[minute] { return known }
                    let made = day.instant(atMinute: minute, in: tz)
                    instants[minute] = made
                    return made
                }
                for entry in byWeekday[day.weekday] ?? [] {
                    guard let shift = shifts[entry.classID], shift > 0, let bell = bells[shift * 100 + entry.period] else { continue }
                    planned[Slot(classID: entry.classID, date: dayText, period: entry.period, groupID: entry.groupID)] =
                        Planned(entry: entry, date: day, starts: at(bell.startsAt.minutes), ends: at(bell.endsAt.minutes))
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

            // New lessons go in by plain multi-row INSERTs (Fluent's models cost most of the time
            // for tens of thousands of rows), a few hundred rows each: well under both databases'
            // limits on bound values. The columns are M017_Journal's `lessons`.
            let plans = Array(planned.values)
            let sql = db as! any SQLDatabase
            let columns = ["id", "school_id", "class_id", "group_id", "subject_id", "teacher_id", "date", "period", "starts_at", "ends_at",
                           "room", "status", "origin", "slot_date", "slot_period", "planned_teacher_id", "edited", "topic", "note",
                           "created_at", "updated_at"]
            for chunk in stride(from: 0, to: plans.count, by: 400).map({ plans[$0..<min($0 + 400, plans.count)] }) {
                var insert = sql.insert(into: LessonRecord.schema).columns(columns)
                for plan in chunk {
                    let day = plan.date.description
                    let row: [any Encodable & Sendable] = [
                        UUID(), schoolID, plan.entry.classID, plan.entry.groupID, plan.entry.subjectID, plan.entry.teacherID, day,
                        plan.entry.period, plan.starts, plan.ends, plan.entry.room, LessonStatus.scheduled.rawValue, "timetable",
                        day, plan.entry.period, UUID?.none, false, "", "", now, now]
                    insert = insert.values(row.map { SQLBind($0) })
                }
                try await insert.run()
            }
            total.created += plans.count
        }
        return total
    }

    /// Whether a lesson holds anything a teacher wrote (and so is never removed by a regeneration).
    static func holdsEntries(_ lesson: LessonRecord) -> Bool {
        !lesson.topic.isEmpty || !lesson.note.isEmpty
    }
}
