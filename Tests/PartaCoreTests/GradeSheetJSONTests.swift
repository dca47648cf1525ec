import Foundation
import XCTest
@testable import PartaCore

/// The hand-written JSON of a grade sheet gives exactly the bytes JSONEncoder gives: every average
/// a sheet can show, weights in halves, optional fields present and absent, text that needs escaping.
final class GradeSheetJSONTests: XCTestCase {
    func testTheSameBytesAsJSONEncoder() throws {
        let day = LocalDate(year: 2027, month: 2, day: 1)!
        let kinds: [GradeSheetView.Column] = (1...20).map { _ in GradeSheetView.Column(lessonId: UUID(), workKindId: UUID()) }
        var lessons: [GradeSheetView.Lesson] = []
        for (i, c) in kinds.enumerated() {
            let period: Int? = i % 3 == 0 ? nil : i % 8 + 1
            let topic = i == 2 ? "Дроби: \"сложение\" \\ вычитание\n<b>" : "Тема \(i)"
            let lateAfter = Date(timeIntervalSince1970: 1_800_000_000.25 + Double(i) * 86_400)
            lessons.append(GradeSheetView.Lesson(id: c.lessonId, date: day.adding(days: i), period: period, topic: topic, teacherId: UUID(),
                                                 cancelled: i == 5, canMark: i % 2 == 0, lateAfter: lateAfter))
        }
        let values: [GradeValue] = [.five, .four, .three, .two, .one, .pass, .fail, .absent, .exempt]
        // Every average from 2,00 to 5,00 in hundredths, as `Grading.Average.value` makes it.
        let averages: [Double?] = [nil] + (200...500).map { Double($0) / 100 }
        var students: [GradeSheetView.Student] = []
        for (i, average) in averages.enumerated() {
            var grades: [GradeSheetView.Mark] = []
            for g in 0..<(i % 4) {
                grades.append(GradeSheetView.Mark(id: UUID(), lessonId: kinds[g].lessonId, workKindId: kinds[g].workKindId,
                                                  value: values[(i + g) % values.count], late: g == 1))
            }
            var absences: [GradeSheetView.Absence] = []
            if i % 5 == 0 {
                absences.append(GradeSheetView.Absence(lessonId: kinds[0].lessonId, status: .absent, reason: i % 10 == 0 ? .illness : nil))
                absences.append(GradeSheetView.Absence(lessonId: kinds[1].lessonId, status: .late, reason: nil))
            }
            let termMarks: [TermMarkView] = i % 7 == 0
                ? [TermMarkView(id: UUID(), studentId: UUID(), period: .term(1), value: .four, setAt: Date(timeIntervalSince1970: 1_790_000_000.5))] : []
            let mark: TermMarkView? = i % 6 == 0
                ? TermMarkView(id: UUID(), studentId: UUID(), period: .year, value: .notAssessed, setAt: Date(timeIntervalSince1970: 0)) : nil
            let name = i == 1 ? "Ёлкин \"Ёж\" Петрович" : "Ученик \(i)"
            students.append(GradeSheetView.Student(id: UUID(), fullName: name, grades: grades, absences: absences, termMarks: termMarks,
                                                   average: average, proposed: i % 3 == 0 ? nil : .five, mark: mark))
        }
        let weights = stride(from: 0.5, through: 10, by: 0.5).map { $0 }
        for (groupId, kind) in [(UUID(), UUID()), (nil, nil)] as [(UUID?, UUID?)] {
            let sheet = GradeSheetView(
                classId: UUID(), className: "5А", subjectId: UUID(), subjectName: "Математика", academicYear: 2026, period: groupId == nil ? .year : .term(3),
                terms: [SchoolCalendar.Term(number: 1, startsOn: day, endsOn: day.adding(days: 60))],
                groupId: groupId, groups: groupId.map { [GradeSheetView.Group(id: $0, name: "Группа «А»")] } ?? [], usesOne: groupId != nil,
                workKinds: weights.map { WorkKindView(id: UUID(), name: "Вид \($0)", weight: $0, archived: $0 == 10) },
                defaultWorkKindId: kind, canSetMarks: true, seesAll: false, lessons: lessons, columns: kinds, students: students)
            let expected = String(decoding: try JSONCoding.encoder.encode(sheet), as: UTF8.self)
            XCTAssertEqual(sheet.json(), expected)
        }
    }
}
