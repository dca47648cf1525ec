import Foundation
import PartaCore
import XCTest

/// Grades' rules without a database (issue 14 items 8, 11): the scale, weights, the weighted
/// average and the proposed mark, the 7-day clock, and who reads and writes marks.
final class GradeRulesTests: XCTestCase {
    let school = UUID(), other = UUID()

    func actor(_ roles: [(UUID, SchoolRole, Bool)], homeroom: Set<UUID> = []) -> Actor {
        Actor(userID: UUID(), sessionID: UUID(), isOperator: false,
              memberships: roles.map { .init(schoolID: $0.0, role: $0.1, verified: $0.2) }, homeroomClassIDs: homeroom)
    }

    func testTheSevenDayClockIsOnTimeAtExactlySevenDays() {
        let end = Date(timeIntervalSince1970: 1_760_000_000)
        XCTAssertFalse(Grading.isLate(enteredAt: end, basis: end))
        XCTAssertFalse(Grading.isLate(enteredAt: end.addingTimeInterval(7 * 86_400 - 1), basis: end))
        XCTAssertFalse(Grading.isLate(enteredAt: end.addingTimeInterval(7 * 86_400), basis: end), "7 days exactly is on time")
        XCTAssertTrue(Grading.isLate(enteredAt: end.addingTimeInterval(7 * 86_400 + 1), basis: end))
        XCTAssertTrue(Grading.isLate(enteredAt: end.addingTimeInterval(30 * 86_400), basis: end))
    }

    func testTheScaleWithoutOne() {
        XCTAssertFalse(GradeValue.one.allowed(usesOne: false))
        XCTAssertTrue(GradeValue.one.allowed(usesOne: true))
        for v in GradeValue.allCases where v != .one { XCTAssertTrue(v.allowed(usesOne: false), v.rawValue) }
        XCTAssertFalse(TermMarkValue.one.allowed(usesOne: false))
        XCTAssertEqual(GradeValue.absent.russian, "н")
        XCTAssertEqual(GradeValue.exempt.russian, "осв")
        XCTAssertNil(GradeValue.pass.number)
        XCTAssertEqual(MarkPeriod("year"), .year)
        XCTAssertEqual(MarkPeriod("3"), .term(3))
        XCTAssertNil(MarkPeriod("5"))
        XCTAssertNil(MarkPeriod("01"))
    }

    func testWeightsAreHalvesFromHalfToTen() {
        XCTAssertEqual(Grading.halves(1), 2)
        XCTAssertEqual(Grading.halves(0.5), 1)
        XCTAssertEqual(Grading.halves(10), 20)
        XCTAssertEqual(Grading.halves(2.5), 5)
        for bad in [0, 0.25, 1.3, 10.5, -1, 1e308, .nan, .infinity, -.infinity] { XCTAssertNil(Grading.halves(bad), "\(bad)") }
    }

    func testTheWeightedAverageAndTheProposal() {
        func average(_ marks: [(Int, Double)]) -> Grading.Average {
            var a = Grading.Average()
            for (m, w) in marks { a.add(m, halves: Grading.halves(w)!) }
            return a
        }
        // 5 in class (weight 1) and 3 for a control work (weight 3): (5 + 9) / 4 = 3,5 → 4.
        XCTAssertEqual(average([(5, 1), (3, 3)]).value, 3.5)
        XCTAssertEqual(average([(5, 1), (3, 3)]).proposal(usesOne: false), 4)
        // 4,50 exactly → 5; 4,49 → 4.
        XCTAssertEqual(average([(4, 1), (5, 1)]).proposal(usesOne: false), 5)
        XCTAssertEqual(average([(4, 1), (4, 1), (5, 1)]).value, 4.33)
        XCTAssertEqual(average([(4, 1), (4, 1), (5, 1)]).proposal(usesOne: false), 4)
        // 4,495… shows as 4,50, and the proposal follows what is shown: 5.
        // (4·100 + 5·99) / 199 = 4,4974… → «4,50».
        var a = Grading.Average()
        a.add(4, halves: 200); a.add(5, halves: 198)
        XCTAssertEqual(a.hundredths, 450)
        XCTAssertEqual(a.proposal(usesOne: false), 5)
        // 2,2 → 2; nothing below the school's lowest mark.
        XCTAssertEqual(average([(2, 1), (2, 1), (3, 0.5)]).proposal(usesOne: false), 2)
        XCTAssertEqual(average([(1, 1), (1, 1)]).proposal(usesOne: true), 1)
        XCTAssertEqual(average([(1, 1), (1, 1)]).proposal(usesOne: false), 2)
        // Weights move it: a 2 for a control work (weight 3) against two 5s in class.
        XCTAssertEqual(average([(5, 1), (5, 1), (2, 3)]).value, 3.2)
        XCTAssertNil(Grading.Average().value)
        XCTAssertNil(Grading.Average().proposal(usesOne: false))
    }

    func testOnlyTheLessonsConfirmedTeacherMarksIt() {
        let teacher = actor([(school, .teacher, true)])
        let fresh = actor([(school, .teacher, false)])
        let director = actor([(school, .director, true)])
        XCTAssertTrue(Policy.canMarkLesson(teacher, schoolID: school, teacherID: teacher.userID))
        XCTAssertFalse(Policy.canMarkLesson(teacher, schoolID: school, teacherID: UUID()), "a colleague's lesson")
        XCTAssertFalse(Policy.canMarkLesson(fresh, schoolID: school, teacherID: fresh.userID), "an unconfirmed teacher")
        XCTAssertFalse(Policy.canMarkLesson(director, schoolID: school, teacherID: UUID()), "the director reads")
        XCTAssertFalse(Policy.canMarkLesson(teacher, schoolID: other, teacherID: teacher.userID), "another school")
        XCTAssertTrue(Policy.canSetTermMarks(teacher, schoolID: school, assigned: true))
        XCTAssertFalse(Policy.canSetTermMarks(teacher, schoolID: school, assigned: false))
        XCTAssertFalse(Policy.canSetTermMarks(fresh, schoolID: school, assigned: true))
        XCTAssertTrue(Policy.canManageGrading(actor([(school, .deputy, true)]), schoolID: school))
        XCTAssertFalse(Policy.canManageGrading(teacher, schoolID: school))
        XCTAssertTrue(Policy.canReadJournalChanges(actor([(school, .admin, true)]), schoolID: school))
        XCTAssertFalse(Policy.canReadJournalChanges(teacher, schoolID: school))
        XCTAssertFalse(Policy.canReadJournalChanges(actor([(other, .admin, true)]), schoolID: school))
    }

    /// A lesson's materials: its own confirmed teacher and the timetable's keepers write them.
    func testWhoWritesALessonsMaterials() {
        let teacher = actor([(school, .teacher, true)])
        let cases: [(String, Actor, UUID, Bool)] = [
            ("its teacher", teacher, teacher.userID, true),
            ("a colleague", teacher, UUID(), false),
            ("its teacher, unconfirmed", actor([(school, .teacher, false)]), UUID(), false),
            ("an administrator", actor([(school, .admin, true)]), UUID(), true),
            ("a deputy", actor([(school, .deputy, true)]), UUID(), true),
            ("a student", actor([(school, .student, true)]), UUID(), false),
            ("a parent", actor([(school, .parent, true)]), UUID(), false),
            ("another school's administrator", actor([(other, .admin, true)]), UUID(), false),
        ]
        for (who, a, lessonTeacher, allowed) in cases {
            let teacherID = who == "its teacher, unconfirmed" ? a.userID : lessonTeacher
            XCTAssertEqual(Policy.canWriteLessonMaterials(a, schoolID: school, teacherID: teacherID), allowed, who)
        }
    }

    /// Who reads whose marks in a class: who × ties → scope.
    func testWhoReadsWhoseMarks() {
        let classID = UUID(), childA = UUID(), childB = UUID()
        var studentTies = Policy.ClassTies(); studentTies.isStudent = true
        var parentTies = Policy.ClassTies(); parentTies.children = [childA: [], childB: []]
        let none = Policy.ClassTies()
        let student = actor([(school, .student, true)])
        let cases: [(Actor, Bool, Policy.ClassTies, Policy.MarksScope, String)] = [
            (actor([(school, .admin, true)]), false, none, .all, "an administrator"),
            (actor([(school, .director, true)]), false, none, .all, "the director"),
            (actor([(school, .deputy, true)]), false, none, .all, "a deputy"),
            (actor([(school, .teacher, true)], homeroom: [classID]), false, none, .all, "the homeroom teacher"),
            (actor([(school, .teacher, false)], homeroom: [classID]), false, none, .none, "an unconfirmed homeroom teacher"),
            (actor([(school, .teacher, true)]), true, none, .all, "the subject's teacher"),
            (actor([(school, .teacher, false)]), true, none, .none, "an unconfirmed teacher of the subject"),
            (actor([(school, .teacher, true)]), false, none, .none, "a teacher of another subject"),
            (student, false, studentTies, .students([student.userID]), "a student of the class"),
            (actor([(school, .student, true)]), false, none, .none, "a student of another class"),
            (actor([(school, .parent, true)]), false, parentTies, .students([childA, childB]), "a parent"),
            (actor([(school, .parent, true)]), false, none, .none, "a parent of another family"),
            (actor([(other, .admin, true)]), false, none, .none, "another school's administrator"),
        ]
        for (who, teaches, ties, expected, what) in cases {
            XCTAssertEqual(Policy.marksScope(who, schoolID: school, classID: classID, teachesSubject: teaches, ties: ties), expected, what)
        }
        XCTAssertTrue(Policy.MarksScope.students([childA]).includes(childA))
        XCTAssertFalse(Policy.MarksScope.students([childA]).includes(childB))
    }
}
