import FluentKit
import Foundation
import SQLKit

/// What waits for a person, per school: the badges of the web client's navigation (issue 13).
public struct Badges: Sendable, Codable, Equatable {
    public struct School: Sendable, Codable, Equatable {
        public var schoolId: UUID
        /// Chats with messages the person has not read.
        public var unreadChats: Int
        /// Which: the web client keeps the count itself as messages arrive and chats are read, so a
        /// post in a school-wide channel does not send every reader's client back here.
        public var unreadChatIds: [UUID]
        /// Join requests the person may decide (administrators: all; a homeroom teacher: their classes').
        public var joinRequests: Int
        /// Teachers waiting for confirmation, for those who confirm them.
        public var teachersToConfirm: Int
        /// Open reports the person moderates (never reports about their own messages).
        public var reports: Int
    }
    /// School applications waiting in the operator's queue (0 for everyone else).
    public var applications: Int
    public var schools: [School]
}

/// Who is marked beside their name everywhere (issue 13): confirmed teachers and the school's
/// administration, so that a parent sees at a glance who really is the teacher.
public struct StaffMark: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case teacher, administration }
    public var userId: UUID
    public var mark: Kind
}

/// The counts behind the badges, and the live "something changed" notice (`badges.changed`) for
/// the people whose badges a change moves. Every count comes from the same service call that
/// lists the thing, so a badge never counts what its list would not show.
public struct BadgeService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let changedNotice = "badges.changed"

    public func badges(_ actor: Actor) async throws -> Badges {
        let db = ctx.store.db
        var schools: [Badges.School] = []
        for schoolID in Set(actor.memberships.map(\.schoolID)).sorted(by: { $0.uuidString < $1.uuidString }) {
            let chats = try await ChatService(ctx).list(actor, schoolID: schoolID)
            var requests = 0
            if Policy.canManageInvites(actor, schoolID: schoolID)
                || actor.homeroomClassIDs.contains(where: { Policy.isHomeroomTeacher(actor, schoolID: schoolID, classID: $0) }) {
                requests = try await JoinRequestService(ctx).list(actor, schoolID: schoolID, status: .pending).count
            }
            var teachers = 0
            if Policy.canVerifyTeachers(actor, schoolID: schoolID) {
                teachers = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
                    .filter(\.$role == SchoolRole.teacher.rawValue).filter(\.$verified == false).count()
            }
            let reports = try await ModerationService(ctx).reports(actor, schoolID: schoolID, status: "open").count
            let unread = chats.filter { $0.unread > 0 }.map(\.id)
            schools.append(.init(schoolId: schoolID, unreadChats: unread.count, unreadChatIds: unread,
                                 joinRequests: requests, teachersToConfirm: teachers, reports: reports))
        }
        var applications = 0
        if Policy.canReviewApplications(actor) {
            applications = try await SchoolApplicationRecord.query(on: db)
                .filter(\.$status == ApplicationStatus.pending.rawValue).count()
        }
        return Badges(applications: applications, schools: schools)
    }

    /// The school's confirmed teachers and administration (admin, director, deputy), for any member
    /// of the school: the same people the people finder offers to a child.
    public func staffMarks(_ actor: Actor, schoolID: UUID) async throws -> [StaffMark] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        let administration: Set<String> = [SchoolRole.admin.rawValue, SchoolRole.director.rawValue, SchoolRole.deputy.rawValue]
        let rows = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$verified == true)
            .filter(\.$role ~~ (Array(administration) + [SchoolRole.teacher.rawValue])).all()
        var marks: [UUID: StaffMark.Kind] = [:]
        for row in rows {
            if administration.contains(row.role) { marks[row.userID] = .administration }
            else if marks[row.userID] == nil { marks[row.userID] = .teacher }
        }
        return marks.map { StaffMark(userId: $0.key, mark: $0.value) }.sorted { $0.userId.uuidString < $1.userId.uuidString }
    }

    // MARK: Live notices

    /// A join request or a newly joined teacher changed what the school's deciders wait for: its
    /// administrators and confirmed director, and the class's homeroom teacher.
    func schoolQueuesChanged(schoolID: UUID, classID: UUID?) async {
        guard let ids = try? await deciders(schoolID: schoolID, classID: classID), !ids.isEmpty else { return }
        await ctx.events.publish(.notice(userIDs: ids, type: Self.changedNotice, data: "{}"))
    }

    /// The operators' queue changed (an application came, or was decided).
    func applicationsChanged() async {
        guard let operators = try? await UserRecord.query(on: ctx.store.db).filter(\.$isOperator == true).all(),
              !operators.isEmpty else { return }
        await ctx.events.publish(.notice(userIDs: operators.compactMap(\.id), type: Self.changedNotice, data: "{}"))
    }

    private func deciders(schoolID: UUID, classID: UUID?) async throws -> [UUID] {
        let db = ctx.store.db
        var ids = Set(try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).group(.or) {
            $0.filter(\.$role == SchoolRole.admin.rawValue)
            $0.group(.and) { $0.filter(\.$role == SchoolRole.director.rawValue).filter(\.$verified == true) }
        }.all().map(\.userID))
        if let classID {
            ids.formUnion(try await HomeroomAssignmentRecord.query(on: db).filter(\.$classID == classID)
                .filter(\.$endedAt == nil).all().map(\.userID))
        }
        return Array(ids)
    }
}
