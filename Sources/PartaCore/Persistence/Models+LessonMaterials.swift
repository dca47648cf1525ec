import FluentKit
import Foundation

/// One of a lesson's materials (issue 14 item 5): a link (`url`) or a journal file (`journalFileID`),
/// at `position` in the lesson's list.
public final class LessonMaterialRecord: Model, @unchecked Sendable {
    public static let schema = "lesson_materials"
    @ID(key: .id) public var id: UUID?
    @Field(key: "school_id") public var schoolID: UUID
    @Field(key: "lesson_id") public var lessonID: UUID
    @Field(key: "position") public var position: Int
    /// "link" or "file".
    @Field(key: "kind") public var kind: String
    @Field(key: "title") public var title: String
    @OptionalField(key: "url") public var url: String?
    @OptionalField(key: "journal_file_id") public var journalFileID: UUID?
    @Field(key: "created_by") public var createdBy: UUID
    @Field(key: "created_at") public var createdAt: Date
    public init() {}
}
