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
        if role == .student, existing != nil, !inClass {
            throw PartaError(.conflict, "already_in_another_class", "Уже ученик другого класса этой школы. Перевод оформляет администратор.")
        }
        var membership = existing
        if membership == nil {
            let m = MembershipRecord()
            m.schoolID = schoolID; m.userID = userID; m.role = role.rawValue
            m.verified = Policy.isConfirmedOnJoining(role)   // teachers wait (§2.3, §2.4)
            m.createdAt = now
            try await m.create(on: db)
            membership = m
        }
        if !inClass {
            let cm = ClassMemberRecord()
            cm.classID = classID; cm.userID = userID; cm.role = role.rawValue; cm.createdAt = now
            try await cm.create(on: db)
            try await History.record(schoolID: schoolID, userID: userID, kind: .joined, role: role, from: nil, to: cls.name,
                                     actorID: actorID, note: note, at: now, on: db)
        }
        var linked = false
        if role == .parent, let childID {
            linked = try await linkFamily(schoolID: schoolID, parentID: userID, childID: childID, now: now, on: db)
        }
        return Result(membership: membership!, added: !inClass || linked)
    }

    /// Links a parent to a child; false when they were linked already.
    @discardableResult
    static func linkFamily(schoolID: UUID, parentID: UUID, childID: UUID, now: Date, on db: any Database) async throws -> Bool {
        let exists = try await FamilyLinkRecord.query(on: db).filter(\.$parentID == parentID).filter(\.$childID == childID).count() > 0
        guard !exists else { return false }
        let link = FamilyLinkRecord()
        link.schoolID = schoolID; link.parentID = parentID; link.childID = childID; link.createdAt = now
        try await link.create(on: db)
        return true
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
