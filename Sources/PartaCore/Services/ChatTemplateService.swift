import FluentKit
import Foundation
import SQLKit

/// The chats a director or homeroom teacher makes in one action (§2.2 а–д, §2.3). Most are bound to
/// a roster — a class's students or parents, or everyone of the school with a role — and their
/// members follow it: a student transferred to another class leaves the old class's chats and joins
/// the new one's at once (`RosterChats.sync`, run after every change of membership).
public enum ChatTemplate: String, Codable, Sendable, CaseIterable {
    case directorDeputies = "director_deputies"
    case directorTeachers = "director_teachers"
    case directorParentActivists = "director_parent_activists"
    case directorStudentActivists = "director_student_activists"
    case classStudents = "class_students"
    case classParents = "class_parents"
    case classTeachers = "class_teachers"
    /// «5Б — Физика»: a subject teacher with the class's students.
    case subject

    var needsClass: Bool { [.classStudents, .classParents, .classTeachers, .subject].contains(self) }
    var forDirector: Bool { [.directorDeputies, .directorTeachers, .directorParentActivists, .directorStudentActivists].contains(self) }

    /// The roster the members follow (nil: the people picked when it is made).
    var rosterRole: SchoolRole? {
        switch self {
        case .directorDeputies: .deputy
        case .directorTeachers: .teacher
        case .classStudents, .subject: .student
        case .classParents: .parent
        // The class's teachers by the teaching assignments and its homeroom teacher (issue 14).
        case .classTeachers: .teacher
        case .directorParentActivists, .directorStudentActivists: nil
        }
    }

    /// Whom one picks for a chat without a roster.
    var pickedRole: SchoolRole? {
        switch self {
        case .directorParentActivists: .parent
        case .directorStudentActivists: .student
        default: nil
        }
    }

    func title(className: String?, subject: String?) -> String {
        switch self {
        case .directorDeputies: "Директор и заместители"
        case .directorTeachers: "Директор и учителя"
        case .directorParentActivists: "Родительский актив"
        case .directorStudentActivists: "Ученический актив"
        case .classStudents: "\(className ?? "") — ученики"
        case .classParents: "\(className ?? "") — родители"
        case .classTeachers: "\(className ?? "") — учителя класса"
        case .subject: "\(className ?? "") — \(subject ?? "")"
        }
    }
}

public struct ChatTemplateView: Sendable, Codable, Equatable {
    public var template: ChatTemplate
    public var title: String
    public var classId: UUID?
    /// Members follow the roster (class students/parents, a school role).
    public var bound: Bool
    /// For chats without a roster: the role of the people to pick.
    public var picks: SchoolRole?
    /// The subject must be named («Физика»).
    public var needsSubject: Bool
    /// The chat already made from this template by the asking person, if any.
    public var existingChatId: UUID?
}

public struct ChatTemplateService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    /// What the actor may make: the director's four (directors, administrators), a homeroom
    /// teacher's three per class of theirs, and a subject chat (confirmed teachers).
    public func list(_ actor: Actor, schoolID: UUID) async throws -> [ChatTemplateView] {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        var out: [ChatTemplateView] = []
        let existing = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$createdBy == actor.userID)
            .filter(\.$template != nil).all()
        func made(_ t: ChatTemplate, _ classID: UUID?) -> UUID? {
            existing.first { $0.template == t.rawValue && $0.rosterClassID == classID }?.id
        }
        if Policy.canMakeDirectorChats(actor, schoolID: schoolID) {
            for t in ChatTemplate.allCases where t.forDirector {
                out.append(ChatTemplateView(template: t, title: t.title(className: nil, subject: nil), classId: nil, bound: t.rosterRole != nil,
                                            picks: t.pickedRole, needsSubject: false, existingChatId: made(t, nil)))
            }
        }
        let ownClasses = actor.homeroomClassIDs.filter { Policy.canMakeClassChats(actor, schoolID: schoolID, classID: $0) }
        let homeroom = ownClasses.isEmpty ? [] : try await ClassRecord.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$id ~~ Array(ownClasses)).filter(\.$archived == false).sort(\.$name).all()
        for cls in homeroom {
            for t in [ChatTemplate.classStudents, .classParents, .classTeachers] {
                out.append(ChatTemplateView(template: t, title: t.title(className: cls.name, subject: nil), classId: cls.id, bound: t.rosterRole != nil,
                                            picks: t.pickedRole, needsSubject: false, existingChatId: made(t, cls.id)))
            }
        }
        if Policy.canMakeSubjectChats(actor, schoolID: schoolID) {
            out.append(ChatTemplateView(template: .subject, title: "Класс — предмет", classId: nil, bound: true, picks: nil,
                                        needsSubject: true, existingChatId: nil))
        }
        return out
    }

    /// Makes the chat (a group; the actor its owner) and fills it from the roster at once. The same
    /// template for the same class (and subject) again returns the chat already made.
    public func create(_ actor: Actor, schoolID: UUID, template: ChatTemplate, classID: UUID?, subject rawSubject: String?,
                       memberIDs: [UUID]) async throws -> ChatView {
        let subject = Text.cleanLine(rawSubject ?? "")
        if template == .subject {
            guard (1...60).contains(subject.count) else { throw PartaError.invalid("subject", "Предмет: от 1 до 60 символов.") }
        }
        if template.needsClass && classID == nil { throw PartaError.invalid("classId", "Укажите класс.") }
        try ctx.limiter.hitCreation(.chats, by: actor.userID, ctx.rules.creation)
        let picked = Array(Set(memberIDs)).filter { $0 != actor.userID }
        if template.pickedRole == nil && !picked.isEmpty {
            throw PartaError.invalid("memberIds", "Участники этого чата следуют составу; выбирать их не нужно.")
        }
        guard picked.count < ChatService.maxMembers else { throw PartaError.invalid("memberIds", "Не больше \(ChatService.maxMembers) участников.") }
        let now = ctx.clock.now()
        let (chatID, event): (UUID, ChatEvent?) = try await ctx.store.write { db in
            _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
            var cls: ClassRecord?
            if let classID {
                guard let found = try await ClassRecord.find(classID, on: db), found.schoolID == schoolID else { throw PartaError.notFound("Класс") }
                guard found.kind == ClassKind.regular.rawValue, !found.archived else {
                    throw PartaError.invalid("classId", "Чат класса — для действующего класса.")
                }
                cls = found
            }
            guard Policy.canUseChatTemplate(actor, schoolID: schoolID, template: template, classID: classID) else {
                throw PartaError(.forbidden, "forbidden", template.forDirector ? "Эти чаты создают директор и администраторы."
                    : template == .subject ? "Чат предмета создаёт подтверждённый учитель." : "Чаты класса создаёт его классный руководитель.")
            }
            // «5Б — Физика»: that subject's teacher of 5Б, by the teaching assignments (issue 14);
            // administrators make any chat.
            if template == .subject, let cls, !actor.roles(in: schoolID).contains(.admin) {
                let mine = try await TeachingAssignmentRecord.query(on: db).filter(\.$classID == cls.id!).filter(\.$teacherID == actor.userID).all()
                let fold = { (s: String) in s.lowercased().replacingOccurrences(of: "ё", with: "е") }
                let taught = mine.isEmpty ? [] : try await SubjectRecord.query(on: db).filter(\.$id ~~ mine.map(\.subjectID)).all().map { fold($0.name) }
                guard taught.contains(fold(subject)) else {
                    throw PartaError(.forbidden, "not_subject_teacher",
                                     "Чат «\(cls.name) — \(subject)» создаёт учитель этого предмета в \(cls.name) (по расписанию).")
                }
            }
            let title = template.title(className: cls?.name, subject: subject)
            if let same = try await ChatRecord.query(on: db).filter(\.$schoolID == schoolID).filter(\.$template == template.rawValue)
                .filter(\.$rosterClassID == classID).filter(\.$createdBy == actor.userID).filter(\.$title == title).first() {
                return (try same.requireID(), nil)
            }
            if let role = template.pickedRole {
                let found = try await ChatService.schoolRoles(of: picked, schoolID: schoolID, on: db)
                guard found.values.allSatisfy({ $0.contains(role) }) else {
                    throw PartaError.invalid("memberIds", "В этот чат выбирают: \(role.rawValue).")
                }
            }
            let chat = ChatRecord()
            chat.schoolID = schoolID; chat.kind = ChatKind.group.rawValue; chat.title = title; chat.createdAt = now
            chat.createdBy = actor.userID; chat.readOnly = false; chat.lastSeq = 0; chat.lastEvent = 0
            chat.template = template.rawValue; chat.rosterClassID = template.rosterRole == nil ? nil : classID
            chat.rosterRole = template.rosterRole?.rawValue
            try await chat.create(on: db)
            let id = try chat.requireID()
            var rows = [ChatService.member(id, actor.userID, .owner, now)]
            rows += picked.map { ChatService.member(id, $0, .member, now) }
            var joined = rows.map(\.userID)
            if let role = template.rosterRole {
                let roster = try await RosterChats.roster(schoolID: schoolID, classID: chat.rosterClassID, role: role, on: db)
                    .filter { !joined.contains($0) }
                rows += roster.map { let m = ChatService.member(id, $0, .member, now); m.viaRoster = true; return m }
                joined += roster
            }
            for chunk in rows.chunked(500) { try await chunk.create(on: db) }
            return (id, try await ChatService.membersEvent(id, joined: joined, left: [], now: now, on: db))
        }
        if let event { await ctx.events.publish(.chat(event)) }
        return try await ChatService(ctx).view(actor, chatID: chatID)
    }
}
