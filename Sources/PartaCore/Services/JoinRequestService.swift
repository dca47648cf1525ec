import FluentKit
import Foundation

/// The join-request queue (§2.1): people who opened a link that needs approval wait here until an
/// administrator — or the homeroom teacher of that class — approves or rejects them with a reason,
/// one by one or many at once. The requester sees the outcome in their own list.
public struct JoinRequestService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxBulk = 500

    /// A school's requests, oldest first; administrators see all, a homeroom teacher their classes'.
    public func list(_ actor: Actor, schoolID: UUID, status: JoinRequestStatus?) async throws -> [JoinRequestView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var query = JoinRequestRecord.query(on: db).filter(\.$schoolID == schoolID)
        if !Policy.canManageInvites(actor, schoolID: schoolID) {
            let own = actor.homeroomClassIDs.filter { Policy.isHomeroomTeacher(actor, schoolID: schoolID, classID: $0) }
            guard !own.isEmpty else { throw Self.refused }
            query = query.filter(\.$classID ~~ Array(own))
        }
        if let status { query = query.filter(\.$status == status.rawValue) }
        return try await views(query.sort(\.$createdAt).sort(\.$id).range(..<1000).all(), on: db)
    }

    /// The signed-in person's own requests, newest first.
    public func mine(_ actor: Actor) async throws -> [JoinRequestView] {
        try await views(JoinRequestRecord.query(on: ctx.store.db).filter(\.$userID == actor.userID)
            .sort(\.$createdAt, .descending).range(..<100).all(), on: ctx.store.db)
    }

    /// Approves or rejects the given requests in one transaction: all of them or, when one cannot
    /// be decided (not visible, decided already), none. A rejection needs a reason.
    /// A parent's request naming a child not found in the class is approved one at a time, with the
    /// student picked (`childID`, a student of the request's class).
    public func decide(_ actor: Actor, ids: [UUID], approve: Bool, reason: String?, childID: UUID? = nil) async throws -> [JoinRequestView] {
        let reason = reason.map(Text.cleanLines)
        guard !ids.isEmpty, ids.count <= Self.maxBulk else { throw PartaError.invalid("ids", "Выберите от 1 до \(Self.maxBulk) заявок.") }
        if !approve, (reason ?? "").isEmpty { throw PartaError.invalid("reason", "Укажите причину отказа.") }
        if let reason, reason.count > 500 { throw PartaError.invalid("reason", "Причина — до 500 символов.") }
        if childID != nil, ids.count != 1 || !approve { throw PartaError.invalid("childId", "Ученика выбирают, одобряя одну заявку.") }
        let now = ctx.clock.now()
        let decided: [JoinRequestRecord] = try await ctx.store.write { db in
            let unique = Array(Set(ids))
            let requests = try await JoinRequestRecord.query(on: db).filter(\.$id ~~ unique).all()
            guard requests.count == unique.count,
                  requests.allSatisfy({ Policy.canViewSchool(actor, schoolID: $0.schoolID) }) else { throw PartaError.notFound("Заявка") }
            for request in requests {
                guard Policy.canDecideJoinRequests(actor, schoolID: request.schoolID, classID: request.classID) else { throw Self.refused }
                guard request.status == JoinRequestStatus.pending.rawValue else {
                    throw PartaError(.conflict, "already_decided", "Заявка уже рассмотрена.")
                }
                let role = SchoolRole(rawValue: request.role) ?? .student
                let cls = try await ClassRecord.find(request.classID, on: db)
                if approve {
                    guard let cls, !cls.archived else { throw PartaError(.conflict, "class_archived", "Класс в архиве.") }
                    if role == .parent, request.childID == nil {
                        // The parent's child was not found as typed: the decider names the student.
                        guard let childID else {
                            throw PartaError.invalid("childId", "Выберите ребёнка из списка класса: родитель написал «\(request.childNameTyped ?? "")».")
                        }
                        guard try await ClassMemberRecord.query(on: db).filter(\.$classID == request.classID).filter(\.$userID == childID)
                            .filter(\.$role == SchoolRole.student.rawValue).count() > 0 else {
                            throw PartaError.invalid("childId", "Этого ученика нет в классе.")
                        }
                        request.childID = childID
                    }
                    try await InviteService.checkMayJoinByLink(userID: request.userID, schoolID: request.schoolID, role: role, on: db)
                    _ = try await Enrollment.enroll(userID: request.userID, in: cls, role: role, childID: request.childID,
                                                    actorID: actor.userID, note: "заявка одобрена", now: now, on: db)
                }
                request.status = (approve ? JoinRequestStatus.approved : .rejected).rawValue
                request.reason = approve ? nil : reason
                request.decidedBy = actor.userID; request.decidedAt = now
                try await request.save(on: db)
                let name = try await UserRecord.find(request.userID, on: db)?.fullName ?? ""
                try await Audit.record(actor, schoolID: request.schoolID, action: approve ? "join_request.approve" : "join_request.reject",
                                       targetUserID: request.userID, target: name,
                                       details: [cls?.name, role.russianName, approve ? nil : reason].compactMap { $0 }.joined(separator: ", "),
                                       at: now, on: db)
            }
            return requests
        }
        for request in decided where approve { await ctx.events.publish(.membershipChanged(userID: request.userID)) }
        for (school, classes) in Dictionary(grouping: decided, by: \.schoolID) {
            for classID in Set(classes.map(\.classID)) { await BadgeService(ctx).schoolQueuesChanged(schoolID: school, classID: classID) }
        }
        return try await views(decided, on: ctx.store.db)
    }

    static let refused = PartaError(.forbidden, "forbidden", "Заявки рассматривают администратор и классный руководитель.")

    private func views(_ requests: [JoinRequestRecord], on db: any Database) async throws -> [JoinRequestView] {
        guard !requests.isEmpty else { return [] }
        let userIDs = Array(Set(requests.map(\.userID) + requests.compactMap(\.childID)))
        let users = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ userIDs).all().map { ($0.id!, $0) })
        let classes = Dictionary(uniqueKeysWithValues: try await ClassRecord.query(on: db)
            .filter(\.$id ~~ Array(Set(requests.map(\.classID)))).all().map { ($0.id!, $0) })
        let schools = Dictionary(uniqueKeysWithValues: try await SchoolRecord.query(on: db)
            .filter(\.$id ~~ Array(Set(requests.map(\.schoolID)))).all().map { ($0.id!, $0) })
        return requests.map { r in
            let user = users[r.userID]
            let school = schools[r.schoolID]
            return JoinRequestView(
                id: r.id!, schoolId: r.schoolID, schoolName: school.map { $0.shortName.isEmpty ? $0.name : $0.shortName } ?? "",
                classId: r.classID, className: classes[r.classID]?.name ?? "", role: SchoolRole(rawValue: r.role) ?? .student,
                userId: r.userID, fullName: user?.fullName ?? "", contact: user?.phone ?? user?.email,
                childName: r.childID.flatMap { users[$0]?.fullName }, childNameTyped: r.childID == nil ? r.childNameTyped : nil, status: JoinRequestStatus(rawValue: r.status) ?? .pending,
                reason: r.reason, createdAt: r.createdAt, decidedAt: r.decidedAt)
        }
    }
}
