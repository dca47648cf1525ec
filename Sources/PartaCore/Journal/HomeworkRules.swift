import Foundation

/// The homework rules of §5.1–§5.2 as pure functions: the daily limits by grade, when a posting is
/// late, and a class's load on a day.
public enum HomeworkRules {
    /// Minutes of homework a day by grade (§5.1 for grades 2–11; grade 1 by the Ministry's 2025
    /// order on homework). A school may set its own.
    public static let defaultLimits: [Int: Int] = [1: 60, 2: 90, 3: 90, 4: 120, 5: 120, 6: 150, 7: 150, 8: 150, 9: 210, 10: 210, 11: 210]

    /// A homework posted more than this after its lesson ended is late (exactly two hours is on time).
    public static let postingDeadline: TimeInterval = 2 * 3600

    public static func isLate(postedAt: Date, lessonEndsAt: Date) -> Bool {
        postedAt.timeIntervalSince(lessonEndsAt) > postingDeadline
    }

    /// Over the limit only past it: 90 minutes of a 90-minute limit is not an overload; 91 is.
    public static func isOverload(minutes: Int, limit: Int) -> Bool { minutes > limit }

    /// Whom a homework is for.
    public enum Audience: Sendable, Equatable {
        case wholeClass
        case group(UUID)
        case students(Set<UUID>)

        func includes(_ student: UUID, groups: Set<UUID>) -> Bool {
            switch self {
            case .wholeClass: true
            case .group(let g): groups.contains(g)
            case .students(let s): s.contains(student)
            }
        }
    }

    /// The day's load of a class: the most minutes any one of its students has that day (each
    /// homework counts for the students it is for). With no students on the roster yet, the
    /// whole-class homework plus the heaviest group's or chosen set's.
    public static func dayLoad(_ items: [(minutes: Int, audience: Audience)], students: [UUID: Set<UUID>]) -> Int {
        if !students.isEmpty {
            return students.map { id, groups in
                items.filter { $0.audience.includes(id, groups: groups) }.reduce(0) { $0 + $1.minutes }
            }.max() ?? 0
        }
        let whole = items.filter { $0.audience == .wholeClass }.reduce(0) { $0 + $1.minutes }
        var parts: [String: Int] = [:]
        for item in items {
            switch item.audience {
            case .wholeClass: continue
            case .group(let g): parts[g.uuidString, default: 0] += item.minutes
            case .students(let s): parts[s.map(\.uuidString).sorted().joined(), default: 0] += item.minutes
            }
        }
        return whole + (parts.values.max() ?? 0)
    }
}
