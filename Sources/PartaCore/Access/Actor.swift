import Foundation

/// Who is acting: the signed-in person, their session and their roles. Built once per request by
/// the authentication step and handed to services, which decide everything else.
public struct Actor: Sendable {
    public struct Membership: Sendable, Equatable, Codable {
        public var schoolID: UUID
        public var role: SchoolRole
        public var verified: Bool
        public init(schoolID: UUID, role: SchoolRole, verified: Bool) {
            self.schoolID = schoolID; self.role = role; self.verified = verified
        }
    }

    public var userID: UUID
    public var sessionID: UUID
    public var isOperator: Bool
    public var memberships: [Membership]

    public init(userID: UUID, sessionID: UUID, isOperator: Bool, memberships: [Membership]) {
        self.userID = userID; self.sessionID = sessionID
        self.isOperator = isOperator; self.memberships = memberships
    }

    public func roles(in schoolID: UUID) -> Set<SchoolRole> {
        Set(memberships.filter { $0.schoolID == schoolID }.map(\.role))
    }
}
