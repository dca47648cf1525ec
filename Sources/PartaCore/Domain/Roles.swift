import Foundation

/// A person's role in one school. A person may hold several in the same school
/// (a teacher who is also a parent); roles change in place.
public enum SchoolRole: String, Codable, Sendable, CaseIterable {
    case admin, director, deputy, teacher, student, parent

    /// The role in words, for what people read (the audit log): «учитель», not `teacher`.
    public var russianName: String {
        switch self {
        case .admin: return "администратор"
        case .director: return "директор"
        case .deputy: return "заместитель директора"
        case .teacher: return "учитель"
        case .student: return "ученик"
        case .parent: return "родитель"
        }
    }

    public var isStaff: Bool {
        switch self {
        case .admin, .director, .deputy, .teacher: return true
        case .student, .parent: return false
        }
    }
}

public enum AccountStatus: String, Codable, Sendable {
    /// Created by someone else (an approved application, an invite); waits for its owner to activate it.
    case pending
    case active
    case disabled
}

public enum ApplicationStatus: String, Codable, Sendable, CaseIterable {
    case pending, approved, rejected
}

public enum ChannelAudience: String, Codable, Sendable {
    /// «Общешкольный канал»: every member of the school reads it.
    case school
    /// «Сотрудники»: staff read it.
    case staff
}

public enum ClassKind: String, Codable, Sendable {
    case regular
    /// «Учительская», the staff room every teacher joins.
    case staffRoom = "staff_room"
}

public enum ChatKind: String, Codable, Sendable {
    case direct, group, channel
}

public enum ChatRole: String, Codable, Sendable {
    case owner, admin, member
    /// The rows' values of the roles that moderate a chat.
    public static let moderatorRoles = [ChatRole.owner.rawValue, ChatRole.admin.rawValue]
}
