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
    /// The classes this person is the homeroom teacher of now (§2.1).
    public var homeroomClassIDs: Set<UUID>
    /// Where the request came from: recorded in the audit log.
    public var ip: String
    /// The session's absolute end (from sign-in; use does not move it): its sockets close then.
    public var sessionEndsAt: Date

    public init(userID: UUID, sessionID: UUID, isOperator: Bool, memberships: [Membership],
                homeroomClassIDs: Set<UUID> = [], ip: String = "", sessionEndsAt: Date = .distantFuture) {
        self.userID = userID; self.sessionID = sessionID
        self.isOperator = isOperator; self.memberships = memberships
        self.homeroomClassIDs = homeroomClassIDs; self.ip = ip; self.sessionEndsAt = sessionEndsAt
    }

    /// Operators and school administrators get the shorter session limits.
    public var hasStrictSessions: Bool { Policy.hasStrictSessions(isOperator: isOperator, roles: memberships.map(\.role)) }

    public func isVerified(_ role: SchoolRole, in schoolID: UUID) -> Bool {
        memberships.contains { $0.schoolID == schoolID && $0.role == role && $0.verified }
    }

    public func roles(in schoolID: UUID) -> Set<SchoolRole> {
        Set(memberships.filter { $0.schoolID == schoolID }.map(\.role))
    }
}
