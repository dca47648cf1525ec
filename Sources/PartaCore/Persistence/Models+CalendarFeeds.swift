import FluentKit
import Foundation

/// A person's calendar feed: `userID` owns it (made it, may revoke it); `personID` is whose
/// lessons it carries — the owner's own, or a parent's child's. The token is kept as its SHA-256.
public final class CalendarFeedRecord: Model, @unchecked Sendable {
    public static let schema = "calendar_feeds"
    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "person_id") public var personID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    public init() {}
}
