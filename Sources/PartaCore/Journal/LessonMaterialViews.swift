import Foundation

// What lesson materials and the teacher's day return (issue 14 item 5).

public enum LessonMaterialKind: String, Sendable, Codable { case link, file }

public struct LessonMaterialView: Sendable, Codable, Equatable {
    public var id: UUID
    public var kind: LessonMaterialKind
    public var title: String
    /// A link's address (http or https).
    public var url: String?
    /// A file's name, type and size; downloaded at `GET /journal-files/{id}`.
    public var file: JournalFileView?
    public var createdAt: Date
}

/// A teacher's lessons of one day with what each still needs.
public struct TeacherDayView: Sendable, Codable, Equatable {
    public struct Attendance: Sendable, Codable, Equatable {
        /// Students of the lesson (its group's, when it has one) with a mark.
        public var marked: Int
        public var students: Int
    }

    public struct Item: Sendable, Codable, Equatable {
        public var lesson: LessonView
        /// The lesson has begun (its start is not after now).
        public var started: Bool
        /// What is missing: "topic", "attendance" — only for a lesson that has begun, never for a cancelled one.
        public var needs: [String]
        /// Homework set at this lesson.
        public var homework: Int
        /// Grades given at this lesson.
        public var grades: Int
        public var attendance: Attendance
        /// Hand-ins of homework due at this lesson still waiting to be checked.
        public var handInsToCheck: Int
    }

    public var date: LocalDate
    /// The server's now (the "needs" were decided against it).
    public var now: Date
    public var lessons: [Item]
    /// All hand-ins of the teacher's homework waiting to be checked, whatever lesson they are due at.
    public var handInsToCheck: Int
}
