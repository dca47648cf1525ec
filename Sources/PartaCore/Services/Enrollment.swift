import FluentKit
import Foundation

/// Putting a person into a class in a role — the one path for joining by a link, an approved join
/// request and the roster import — and the records every move leaves: the member history and,
/// for administrative actions, the audit log. All of these run inside the caller's transaction.
enum Enrollment {
    struct Result {
        var membership: MembershipRecord
        /// False when the person already was there in that role.
        var added: Bool
    }

    /// Adds the school role (if missing) and the class membership (if missing); links a parent to
    /// their child. A student belongs to exactly one class: another class is a transfer (409).
    static func enroll(userID: UUID, in cls: ClassRecord, role: SchoolRole, childID: UUID?, actorID: UUID?,
                       note: String, now: Date, on db: any Database) async throws -> Result {
        let classID = try cls.requireID()
        let schoolID = cls.schoolID
        let existing = try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$userID == userID).filter(\.$role == role.rawValue).first()
        let inClass = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID)
            .filter(\.$userID == userID).filter(\.$role == role.rawValue).count() > 0
        let change = try changes(role: role, hasRole: existing != nil, inClass: inClass)
        var membership = existing
        if change.addRole {
            let m = membershipRow(schoolID: schoolID, userID: userID, role: role, now: now)
            try await m.create(on: db)
            membership = m
        }
        if change.addSeat {
            try await seatRow(classID: classID, userID: userID, role: role, now: now).create(on: db)
            try await History.row(schoolID: schoolID, userID: userID, kind: .joined, role: role, from: nil, to: cls.name,
                                  actorID: actorID, note: note, at: now).create(on: db)
        }
        var linked = false
        if role == .parent, let childID {
            linked = try await linkFamily(schoolID: schoolID, parentID: userID, childID: childID, now: now, on: db)
        }
        return Result(membership: membership!, added: change.addSeat || linked)
    }

    /// The rule of both paths: what enrolling adds given what exists — the school role if missing,
    /// the class seat if missing. A student belongs to one class: a student of the school who is
    /// not in this class is a transfer (409), never a second seat.
    static func changes(role: SchoolRole, hasRole: Bool, inClass: Bool) throws -> (addRole: Bool, addSeat: Bool) {
        if role == .student, hasRole, !inClass { throw alreadyInAnotherClass }
        return (!hasRole, !inClass)
    }

    static let alreadyInAnotherClass = PartaError(.conflict, "already_in_another_class",
                                                  "Уже ученик другого класса этой школы. Перевод оформляет администратор.")

    static func membershipRow(schoolID: UUID, userID: UUID, role: SchoolRole, now: Date) -> MembershipRecord {
        let m = MembershipRecord()
        m.schoolID = schoolID; m.userID = userID; m.role = role.rawValue
        m.verified = Policy.isConfirmedOnJoining(role)   // teachers wait (§2.3, §2.4)
        m.createdAt = now
        return m
    }

    static func seatRow(classID: UUID, userID: UUID, role: SchoolRole, now: Date) -> ClassMemberRecord {
        let cm = ClassMemberRecord()
        cm.classID = classID; cm.userID = userID; cm.role = role.rawValue; cm.createdAt = now
        return cm
    }

    static func familyRow(schoolID: UUID, parentID: UUID, childID: UUID, now: Date) -> FamilyLinkRecord {
        let link = FamilyLinkRecord()
        link.schoolID = schoolID; link.parentID = parentID; link.childID = childID; link.createdAt = now
        return link
    }

    /// Links a parent to a child; false when they were linked already.
    @discardableResult
    static func linkFamily(schoolID: UUID, parentID: UUID, childID: UUID, now: Date, on db: any Database) async throws -> Bool {
        let exists = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == parentID).filter(\.$childID == childID).count() > 0
        guard !exists else { return false }
        try await familyRow(schoolID: schoolID, parentID: parentID, childID: childID, now: now).create(on: db)
        return true
    }

    /// Many people into classes of one school at once (the roster import): `enroll`'s rules
    /// (`changes`, the same rows and history) applied to what exists, loaded once, and written as a
    /// few multi-row INSERTs instead of thousands of statements.
    struct Batch {
        let schoolID: UUID
        private var hasRole: Set<String>
        private var seated: Set<String>
        private var families: Set<String>
        private var memberships: [MembershipRecord] = [], seats: [ClassMemberRecord] = [], links: [FamilyLinkRecord] = []
        private var events: [MemberEventRecord] = []

        /// What exists in the school: roles, the seats of `classIDs`, family links.
        init(schoolID: UUID, classIDs: [UUID], on db: any Database) async throws {
            self.schoolID = schoolID
            hasRole = Set(try await MembershipRecord.query(on: db).filter(\.$schoolID == schoolID).all().map { "\($0.userID)|\($0.role)" })
            var seated = Set<String>()
            for chunk in classIDs.chunked(500) {
                for s in try await ClassMemberRecord.query(on: db).filter(\.$classID ~~ chunk).all() {
                    seated.insert("\(s.classID)|\(s.userID)|\(s.role)")
                }
            }
            self.seated = seated
            families = Set(try await FamilyLinkRecord.query(on: db).filter(\.$schoolID == schoolID).all().map { "\($0.parentID)|\($0.childID)" })
        }

        /// As `enroll`, in memory until `write`. `cls` must be one of the classes the batch loaded.
        mutating func enroll(userID: UUID, in cls: ClassRecord, role: SchoolRole, childID: UUID?, actorID: UUID?,
                             note: String, now: Date) throws {
            let classID = try cls.requireID()
            let roleKey = "\(userID)|\(role.rawValue)", seatKey = "\(classID)|\(userID)|\(role.rawValue)"
            let change = try Enrollment.changes(role: role, hasRole: hasRole.contains(roleKey), inClass: seated.contains(seatKey))
            if change.addRole {
                hasRole.insert(roleKey)
                memberships.append(Enrollment.membershipRow(schoolID: schoolID, userID: userID, role: role, now: now))
            }
            if change.addSeat {
                seated.insert(seatKey)
                seats.append(Enrollment.seatRow(classID: classID, userID: userID, role: role, now: now))
                events.append(History.row(schoolID: schoolID, userID: userID, kind: .joined, role: role, from: nil, to: cls.name,
                                          actorID: actorID, note: note, at: now))
            }
            if role == .parent, let childID, families.insert("\(userID)|\(childID)").inserted {
                links.append(Enrollment.familyRow(schoolID: schoolID, parentID: userID, childID: childID, now: now))
            }
        }

        /// Writes what `enroll` collected (inside the caller's transaction, after the new people's rows).
        func write(on db: any Database) async throws {
            try await Enrollment.insert(memberships, on: db)
            try await Enrollment.insert(seats, on: db)
            try await Enrollment.insert(links, on: db)
            try await Enrollment.insert(events, on: db)
        }
    }

    /// Rows as multi-row INSERTs of at most 400 (bind limits of one statement).
    static func insert<M: Model>(_ models: [M], on db: any Database) async throws {
        for chunk in models.chunked(400) { try await chunk.create(on: db) }
    }

    /// The student of a class a parent names: every word they typed must be a word of the student's
    /// full name (case and «ё» ignored), at least two words. One match, or a clear error.
    static func matchChild(named rawName: String, in classID: UUID, on db: any Database) async throws -> UserRecord {
        let raw = Text.cleanLine(rawName)
        let words = UserSearchKey.fold(raw).split(separator: " ").map(String.init)
        guard words.count >= 2, raw.count <= 200 else {
            throw PartaError.invalid("childName", "Укажите фамилию и имя ребёнка, как в школе.")
        }
        let studentIDs = try await ClassMemberRecord.query(on: db).filter(\.$classID == classID)
            .filter(\.$role == SchoolRole.student.rawValue).all().map(\.userID)
        let students = studentIDs.isEmpty ? [] : try await UserRecord.query(on: db).filter(\.$id ~~ studentIDs).all()
        let matches = students.filter { student in
            let name = Set(UserSearchKey.fold(student.fullName).split(separator: " ").map(String.init))
            return words.allSatisfy(name.contains)
        }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw PartaError(.badRequest, "child_not_found",
                                 "В этом классе нет ученика с таким именем. Проверьте написание или спросите классного руководителя.",
                                 fields: ["childName": "Ученик не найден в классе."])
        default: throw PartaError(.conflict, "child_ambiguous", "В классе несколько учеников с таким именем: добавьте отчество.",
                                  fields: ["childName": "Добавьте отчество."])
        }
    }
}
