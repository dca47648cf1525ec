import FluentKit
import Foundation

/// A lesson's materials (issue 14 item 5): links and files the teacher gives the class with the
/// lesson. Read with the lesson (`LessonService.get`) by whoever may read it; the whole list is
/// replaced at once by the lesson's own confirmed teacher or a keeper of the timetable. Files are
/// journal files (`JournalFileService`): uploaded first, attached by their uploader, once.
public struct LessonMaterialService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxItems = 20
    public static let maxTitle = 200

    public enum Input: Sendable, Equatable {
        case link(url: String, title: String?)
        case file(id: UUID, title: String?)
    }

    /// Replaces the lesson's materials with `items`, in their order, in one transaction: with any
    /// problem (`fields` keyed `items[i].…`) nothing is written.
    public func replace(_ actor: Actor, lessonID: UUID, items: [Input]) async throws -> [LessonMaterialView] {
        let now = ctx.clock.now()
        do {
            try await ctx.store.write { db in
                let (lesson, _) = try await LessonService.visibleLesson(actor, lessonID, on: db)
                guard Policy.canWriteLessonMaterials(actor, schoolID: lesson.schoolID, teacherID: lesson.teacherID) else {
                    throw PartaError(.forbidden, "forbidden", "Материалы урока добавляет его учитель (подтверждённый администратором).")
                }
                guard items.count <= Self.maxItems else {
                    throw PartaError.invalid("items", "У урока — не больше \(Self.maxItems) материалов.")
                }
                // One replacement at a time per lesson (PostgreSQL; SQLite's writes are one at a time already).
                try await MarksData.lock("lessons", lessonID, on: db)
                let existing = try await LessonMaterialRecord.query(on: db).filter(\.$lessonID == lessonID).all()
                let fileIDs = items.compactMap { if case .file(let id, _) = $0 { id } else { nil } }
                let files = fileIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
                    try await JournalFileRecord.query(on: db).filter(\.$id ~~ fileIDs).all().map { ($0.id!, $0) })
                let elsewhere = fileIDs.isEmpty ? [] : Set(try await LessonMaterialRecord.query(on: db)
                    .filter(\.$journalFileID ~~ fileIDs).filter(\.$lessonID != lessonID).all().compactMap(\.journalFileID))
                let kept = Set(existing.compactMap(\.journalFileID))

                var problems: [String: String] = [:]
                var rows: [LessonMaterialRecord] = []
                var seenFiles = Set<UUID>(), seenLinks = Set<String>()
                for (i, item) in items.enumerated() {
                    let r = LessonMaterialRecord()
                    r.schoolID = lesson.schoolID; r.lessonID = lessonID; r.position = i
                    r.createdBy = actor.userID; r.createdAt = now
                    let rawTitle: String?
                    switch item {
                    case .link(let raw, let title):
                        rawTitle = title
                        switch LessonLinks.check(raw) {
                        case .failure(let problem): problems["items[\(i)].url"] = problem.message; continue
                        case .success(let link):
                            guard seenLinks.insert(link.url).inserted else { problems["items[\(i)].url"] = "Эта ссылка уже есть в списке."; continue }
                            r.kind = LessonMaterialKind.link.rawValue; r.url = link.url; r.title = link.host
                            if let old = existing.first(where: { $0.url == link.url }) { r.createdBy = old.createdBy; r.createdAt = old.createdAt }
                        }
                    case .file(let id, let title):
                        rawTitle = title
                        guard seenFiles.insert(id).inserted else { problems["items[\(i)].fileId"] = "Этот файл уже есть в списке."; continue }
                        // A file already among this lesson's materials stays (whoever saves the list);
                        // a new one is the saver's own upload of this school, attached nowhere yet.
                        guard let f = files[id], f.schoolID == lesson.schoolID,
                              kept.contains(id) || (f.uploaderID == actor.userID && f.homeworkID == nil && f.submissionID == nil && !elsewhere.contains(id))
                        else {
                            problems["items[\(i)].fileId"] = "Прикладываются только ваши загруженные файлы, ещё не приложенные к заданию или другому уроку."
                            continue
                        }
                        r.kind = LessonMaterialKind.file.rawValue; r.journalFileID = id; r.title = f.fileName
                        if let old = existing.first(where: { $0.journalFileID == id }) { r.createdBy = old.createdBy; r.createdAt = old.createdAt }
                    }
                    let title = Text.cleanLine(rawTitle ?? "")
                    if title.count > Self.maxTitle { problems["items[\(i)].title"] = "Название — до \(Self.maxTitle) знаков."; continue }
                    if !title.isEmpty { r.title = title }
                    r.title = String(r.title.prefix(Self.maxTitle))
                    rows.append(r)
                }
                if !problems.isEmpty { throw PartaError.validation(problems) }
                try await LessonMaterialRecord.query(on: db).filter(\.$lessonID == lessonID).delete()
                for r in rows { try await r.create(on: db) }
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The same file attached to another lesson by a request at the same instant.
            throw PartaError(.conflict, "file_already_attached", "Этот файл уже приложен к другому уроку.")
        }
        return try await Self.materials(lessonID: lessonID, on: ctx.store.db)
    }

    /// A lesson's materials in order (two queries).
    static func materials(lessonID: UUID, on db: any Database) async throws -> [LessonMaterialView] {
        let rows = try await LessonMaterialRecord.query(on: db).filter(\.$lessonID == lessonID).sort(\.$position).all()
        let fileIDs = rows.compactMap(\.journalFileID)
        let files = fileIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues:
            try await JournalFileRecord.query(on: db).filter(\.$id ~~ fileIDs).all().map { ($0.id!, JournalFileService.view($0)) })
        return rows.map { r in
            LessonMaterialView(id: r.id!, kind: LessonMaterialKind(rawValue: r.kind) ?? .link, title: r.title, url: r.url,
                               file: r.journalFileID.flatMap { files[$0] }, createdAt: r.createdAt)
        }
    }
}

/// Links given to a class: an http or https address with a host, no user name or password in it
/// (`https://school.ru@evil.example` shows one site and opens another), no spaces; `javascript:`,
/// `data:`, `ftp:` and the rest are refused. Pure, so the API document's pattern is tested against it.
public enum LessonLinks {
    public static let maxLength = 2000

    public struct Problem: Error, Equatable { public let message: String }

    /// The address as stored (cleaned, the scheme in lower case) and its host (a title by default).
    public static func check(_ raw: String) -> Result<(url: String, host: String), Problem> {
        let bad = Problem(message: "Ссылка — адрес сайта, начинается с http:// или https://.")
        let text = Text.cleanLine(raw)
        guard !text.isEmpty else { return .failure(Problem(message: "Укажите адрес ссылки.")) }
        guard text.count <= maxLength else { return .failure(Problem(message: "Адрес ссылки — до \(maxLength) знаков.")) }
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            return .failure(Problem(message: "В адресе ссылки не бывает пробелов."))
        }
        let lower = text.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https" : lower.hasPrefix("http://") ? "http" : nil
        guard let scheme else { return .failure(bad) }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { !"/?#".contains($0) }
        var host = authority, port: Substring?
        if host.hasPrefix("[") {
            // An IPv6 address: [2001:db8::1] or [2001:db8::1]:8080.
            guard let close = host.firstIndex(of: "]") else { return .failure(bad) }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return .failure(bad) }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return .failure(bad) }
                port = after.dropFirst()
            }
            host = host[...close]
        } else {
            if let colon = host.lastIndex(of: ":") { port = host[host.index(after: colon)...]; host = host[..<colon] }
            // Letters of any script (an address like правительство.рф), ASCII digits, hyphens, dots;
            // an `@`, `\` or `%` in the host is refused.
            guard host.contains(where: { $0.isLetter || ("0"..."9").contains($0) }),
                  host.allSatisfy({ $0.isLetter || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }) else { return .failure(bad) }
        }
        if let port {
            guard (1...5).contains(port.count), port.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(port), (1...65535).contains(n) else {
                return .failure(bad)
            }
        }
        return .success((url: scheme + "://" + rest, host: host.lowercased()))
    }
}
