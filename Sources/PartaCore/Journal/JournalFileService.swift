import FluentKit
import Foundation

/// Files of homework, hand-ins and lessons' materials: uploaded first by a confirmed teacher or a
/// student of the school (type from the content, programs refused, size-limited), then attached by
/// the homework, the hand-in or the lesson's materials that name them (once, by their uploader). Downloaded by the uploader and by whoever may read what they are
/// attached to — checked on every download.
public struct JournalFileService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxPerItem = 10

    public func upload(_ actor: Actor, schoolID: UUID, fileName: String, data: Data) async throws -> JournalFileView {
        let db = ctx.store.db
        _ = try await SchoolService.visibleSchool(actor, id: schoolID, on: db)
        guard Policy.canUploadJournalFiles(actor, schoolID: schoolID) else {
            throw PartaError(.forbidden, "forbidden", "Файлы к заданиям загружают учителя и ученики школы.")
        }
        guard !data.isEmpty else { throw PartaError.invalid("file", "Файл пустой.") }
        guard data.count <= AttachmentService.maxSize else {
            throw PartaError(.payloadTooLarge, "file_too_large", "Файл больше \(AttachmentService.maxSize / 1024 / 1024) МБ.")
        }
        guard !ContentSniffer.isExecutable(data) else {
            throw PartaError(.unsupportedMedia, "file_type_refused", "Программы и скрипты не загружаются.")
        }
        try ctx.limiter.hit("upload:\(actor.userID)", ctx.rules.messagesPerUser)
        let name = Text.cleanFileName(fileName)
        let type = ContentSniffer.attachmentType(data)
        let now = ctx.clock.now()
        // A child's photo of their homework keeps no GPS position nor any other metadata
        // (`ImageMetadata`, as chat images).
        let stored: Data
        if let kind = ImageThumbnailer.Kind(contentType: type) {
            stored = try await ImageThumbnailer.run { (kind == .jpeg ? ImageMetadata.cleanJPEG(data) : ImageMetadata.cleanPNG(data)).data }
        } else {
            stored = data
        }
        let size = stored.count, digest = Secrets.sha256Hex(stored)
        let fileID = UUID()
        try ctx.files.save(stored, id: fileID)
        do {
            let record: JournalFileRecord = try await ctx.store.write { db in
                let f = StoredFileRecord()
                f.id = fileID; f.fileName = name; f.contentType = type; f.size = size
                f.sha256 = digest; f.createdAt = now
                try await f.create(on: db)
                let j = JournalFileRecord()
                j.schoolID = schoolID; j.uploaderID = actor.userID; j.fileID = fileID; j.fileName = name
                j.contentType = type; j.size = size; j.createdAt = now
                try await j.create(on: db)
                return j
            }
            return Self.view(record)
        } catch {
            ctx.files.delete(fileID)
            throw error
        }
    }

    /// The file and where it is on disk, for whoever may read it; "not found" for anyone else.
    public func download(_ actor: Actor, fileID: UUID) async throws -> (JournalFileView, URL) {
        let db = ctx.store.db
        guard let f = try await JournalFileRecord.find(fileID, on: db), Policy.canViewSchool(actor, schoolID: f.schoolID) else {
            throw PartaError.notFound("Файл")
        }
        var allowed = f.uploaderID == actor.userID
        if !allowed, let homeworkID = f.homeworkID {
            allowed = (try? await HomeworkService.visibleHomework(actor, homeworkID, on: db)) != nil
        }
        if !allowed, let submissionID = f.submissionID, let s = try await SubmissionRecord.find(submissionID, on: db),
           let hw = try? await HomeworkService.visibleHomework(actor, s.homeworkID, on: db) {
            let ties = try await LessonService.ties(actor, classID: hw.classID, on: db)
            allowed = s.studentID == actor.userID || ties.children[s.studentID] != nil
                || Policy.readsClassHomework(actor, schoolID: hw.schoolID, classID: hw.classID, homeworkTeacherID: hw.teacherID, ties: ties)
        }
        if !allowed {
            // A lesson's material: whoever may read the lesson (`Policy.canReadLesson`).
            for m in try await LessonMaterialRecord.query(on: db).filter(\.$journalFileID == fileID).all() where !allowed {
                do { _ = try await LessonService.visibleLesson(actor, m.lessonID, on: db); allowed = true } catch is PartaError {}
            }
        }
        guard allowed else { throw PartaError.notFound("Файл") }
        return (Self.view(f), ctx.files.url(for: f.fileID))
    }

    /// Attaches the actor's own uploads of this school, not attached elsewhere, to a homework or a hand-in.
    static func attach(_ ids: [UUID], by actor: Actor, schoolID: UUID, homeworkID: UUID? = nil, submissionID: UUID? = nil,
                       on db: any Database) async throws {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return }
        guard unique.count <= maxPerItem else { throw PartaError.invalid("fileIds", "Не больше \(maxPerItem) файлов.") }
        let rows = try await JournalFileRecord.query(on: db).filter(\.$id ~~ unique).all()
        // A file among a lesson's materials is attached there already.
        let onLessons = Set(try await LessonMaterialRecord.query(on: db).filter(\.$journalFileID ~~ unique).all().compactMap(\.journalFileID))
        let usable = rows.filter { f in
            f.uploaderID == actor.userID && f.schoolID == schoolID && !onLessons.contains(f.id!)
                && (f.homeworkID == nil || (homeworkID != nil && f.homeworkID == homeworkID))
                && (f.submissionID == nil || (submissionID != nil && f.submissionID == submissionID))
                && (f.homeworkID == nil || f.submissionID == nil)
        }
        guard usable.count == unique.count else {
            throw PartaError.invalid("fileIds", "Прикладываются только ваши загруженные файлы, ещё не приложенные к другому заданию или уроку.")
        }
        for f in usable {
            if let homeworkID { f.homeworkID = homeworkID }
            if let submissionID { f.submissionID = submissionID }
            try await f.save(on: db)
        }
    }

    static func view(_ f: JournalFileRecord) -> JournalFileView {
        JournalFileView(id: f.id!, fileName: f.fileName, contentType: f.contentType, size: f.size)
    }
}
