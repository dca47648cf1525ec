import FluentKit
import Foundation
import SQLKit

/// Files and images in chats: uploaded to a chat one may write in (type from the content,
/// executables refused, size-limited), attached to the next message, downloaded only by the chat's
/// readers — checked on every download.
public struct AttachmentService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxSize = 20 * 1024 * 1024
    public static let maxPerMessage = 10

    public func upload(_ actor: Actor, chatID: UUID, fileName rawName: String, data: Data) async throws -> AttachmentView {
        guard !data.isEmpty else { throw PartaError.invalid("file", "Файл пустой.") }
        guard data.count <= Self.maxSize else {
            throw PartaError(.payloadTooLarge, "file_too_large", "Файл больше \(Self.maxSize / 1024 / 1024) МБ.")
        }
        guard !ContentSniffer.isExecutable(data) else {
            throw PartaError(.unsupportedMedia, "file_type_refused", "Программы и скрипты в чаты не загружаются.")
        }
        let name = Self.cleanName(rawName)
        let type = ContentSniffer.attachmentType(data)
        let now = ctx.clock.now()
        // Access first (nothing on disk for a stranger), then the file, then the rows.
        let access = try await ChatService.access(actor, chatID: chatID, on: ctx.store.db)
        try MessageService.checkMayWrite(access, now: now)
        try ctx.limiter.hit("upload:\(actor.userID)", ctx.rules.messagesPerUser)
        // A JPEG or PNG: its metadata stripped, its preview made (a refusal here writes nothing).
        let image = try await Self.prepareImage(data, type: type)
        let stored = image?.stored ?? data
        let fileID = UUID()
        try ctx.files.save(stored, id: fileID)
        do {
            if let preview = image?.preview { try ctx.files.save(preview.jpeg, id: fileID, variant: .thumbnail) }
            let attachment: AttachmentRecord = try await ctx.store.write { db in
                _ = try await ChatService.access(actor, chatID: chatID, on: db)
                let f = StoredFileRecord()
                f.id = fileID; f.fileName = name; f.contentType = type; f.size = stored.count
                f.sha256 = Secrets.sha256Hex(stored); f.createdAt = now
                f.width = image?.width; f.height = image?.height
                f.thumbWidth = image?.preview?.width; f.thumbHeight = image?.preview?.height
                try await f.create(on: db)
                let a = AttachmentRecord()
                a.chatID = chatID; a.uploaderID = actor.userID; a.fileID = fileID; a.createdAt = now
                try await a.create(on: db)
                return a
            }
            return AttachmentView(id: try attachment.requireID(), fileName: name, contentType: type, size: stored.count,
                                  image: ContentSniffer.isInlineImage(type), width: image?.width, height: image?.height,
                                  thumbWidth: image?.preview?.width, thumbHeight: image?.preview?.height)
        } catch {
            ctx.files.delete(fileID)   // the original and its preview
            throw error
        }
    }

    /// A JPEG or PNG made ready to store: what to keep of it (`ImageMetadata`), its size as shown
    /// and its preview. Nil for other types (stored as they came).
    struct PreparedImage: Sendable {
        var stored: Data
        var width: Int?
        var height: Int?
        var preview: ImageThumbnailer.Thumbnail?
    }

    /// An image over the limits is refused (413, nothing written); one the codec cannot decode (a
    /// damaged file) is kept as a plain file without a preview, as GIF and WebP are.
    static func prepareImage(_ data: Data, type: String) async throws -> PreparedImage? {
        guard let kind = ImageThumbnailer.Kind(contentType: type) else { return nil }
        return try await ImageThumbnailer.run {
            let cleaned = kind == .jpeg ? ImageMetadata.cleanJPEG(data) : ImageMetadata.cleanPNG(data)
            do {
                let made = try ImageThumbnailer.thumbnails(of: cleaned.data, kind: kind, orientation: cleaned.orientation,
                                                           shapes: [.fit(ImageThumbnailer.previewSide)])
                return PreparedImage(stored: cleaned.data, width: made.width, height: made.height, preview: made.thumbnails.first)
            } catch ImageThumbnailer.Problem.tooLarge {
                throw PartaError.imageTooLarge
            } catch {
                return PreparedImage(stored: cleaned.data)
            }
        }
    }

    /// A file for download: only a reader of its chat, of a message not deleted (or its uploader
    /// before it is sent). "Not found" otherwise.
    public func download(_ actor: Actor, attachmentID: UUID) async throws -> (AttachmentView, URL) {
        let file = try await readable(actor, attachmentID: attachmentID)
        return (Self.view(attachmentID, file), ctx.files.url(for: file.id!))
    }

    /// An image's preview, with the download's check; "not found" when it has none.
    public func thumbnail(_ actor: Actor, attachmentID: UUID) async throws -> (AttachmentView, URL) {
        let file = try await readable(actor, attachmentID: attachmentID)
        guard file.thumbWidth != nil else { throw PartaError.notFound("Файл") }
        return (Self.view(attachmentID, file), ctx.files.url(for: file.id!, variant: .thumbnail))
    }

    private func readable(_ actor: Actor, attachmentID: UUID) async throws -> StoredFileRecord {
        let db = ctx.store.db
        guard let a = try await AttachmentRecord.find(attachmentID, on: db),
              (try? await ChatService.access(actor, chatID: a.chatID, on: db)) != nil,
              let file = try await StoredFileRecord.find(a.fileID, on: db)
        else { throw PartaError.notFound("Файл") }
        if let messageID = a.messageID {
            guard let m = try await MessageRecord.find(messageID, on: db), m.deletedAt == nil else { throw PartaError.notFound("Файл") }
        } else if a.uploaderID != actor.userID {
            throw PartaError.notFound("Файл")
        }
        return file
    }

    static func view(_ id: UUID, _ file: StoredFileRecord) -> AttachmentView {
        AttachmentView(id: id, fileName: file.fileName, contentType: file.contentType, size: file.size,
                       image: ContentSniffer.isInlineImage(file.contentType), width: file.width, height: file.height,
                       thumbWidth: file.thumbWidth, thumbHeight: file.thumbHeight)
    }

    /// Binds uploads to a new message, inside the send's transaction: each must be the author's
    /// own, of this chat, not yet sent.
    static func attach(_ ids: [UUID], to messageID: UUID, chatID: UUID, author: UUID, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        try await checkAttachable(ids, chatID: chatID, author: author, on: db)
        // Only uploads still unsent: two sends claiming one upload at once cannot both have it.
        let sql = db as! any SQLDatabase
        let claimed = try await sql.raw("""
            UPDATE attachments SET message_id = \(bind: messageID) WHERE id IN (\(binds: ids)) AND message_id IS NULL RETURNING id
            """).all()
        guard claimed.count == ids.count else {
            throw PartaError(.conflict, "attachment_taken", "Вложение уже отправлено с другим сообщением.")
        }
    }

    /// The refusal of `attach`, to be checked before anything is written.
    static func checkAttachable(_ ids: [UUID], chatID: UUID, author: UUID, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        let rows = try await AttachmentRecord.query(on: db).filter(\.$id ~~ ids).all()
        guard rows.count == ids.count, rows.allSatisfy({ $0.chatID == chatID && $0.uploaderID == author && $0.messageID == nil }) else {
            throw PartaError.invalid("attachments", "Вложения — ваши загрузки в этот чат, ещё не отправленные.")
        }
    }

    static func views(for messageIDs: [UUID], on db: any Database) async throws -> [UUID: [AttachmentView]] {
        guard !messageIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var out: [UUID: [AttachmentView]] = [:]
        for row in try await sql.raw("""
            SELECT a.id, a.message_id, f.file_name, f.content_type, f.size, f.width, f.height, f.thumb_width, f.thumb_height
            FROM attachments a JOIN stored_files f ON f.id = a.file_id
            WHERE a.message_id IN (\(binds: messageIDs)) ORDER BY a.created_at, a.id
            """).all() {
            let type = try row.decode(column: "content_type", as: String.self)
            out[try row.decode(column: "message_id", as: UUID.self), default: []].append(AttachmentView(
                id: try row.decode(column: "id", as: UUID.self), fileName: try row.decode(column: "file_name", as: String.self),
                contentType: type, size: try row.decode(column: "size", as: Int.self), image: ContentSniffer.isInlineImage(type),
                width: try row.decode(column: "width", as: Int?.self), height: try row.decode(column: "height", as: Int?.self),
                thumbWidth: try row.decode(column: "thumb_width", as: Int?.self), thumbHeight: try row.decode(column: "thumb_height", as: Int?.self)))
        }
        return out
    }

    /// A deleted message's files go with it (rows now, bytes after the commit).
    static func detach(messageID: UUID, on db: any Database) async throws -> [UUID] {
        let rows = try await AttachmentRecord.query(on: db).filter(\.$messageID == messageID).all()
        guard !rows.isEmpty else { return [] }
        try await AttachmentRecord.query(on: db).filter(\.$messageID == messageID).delete()
        try await StoredFileRecord.query(on: db).filter(\.$id ~~ rows.map(\.fileID)).delete()
        return rows.map(\.fileID)
    }

    /// Uploads never sent within a day are dropped (rows and bytes).
    public static func dropUnsent(olderThan date: Date, _ ctx: PartaContext) async throws {
        let files: [UUID] = try await ctx.store.write { db in
            let rows = try await AttachmentRecord.query(on: db).filter(\.$messageID == nil).filter(\.$createdAt < date).all()
            guard !rows.isEmpty else { return [] }
            try await AttachmentRecord.query(on: db).filter(\.$id ~~ rows.compactMap(\.id)).delete()
            try await StoredFileRecord.query(on: db).filter(\.$id ~~ rows.map(\.fileID)).delete()
            return rows.map(\.fileID)
        }
        for file in files { ctx.files.delete(file) }
    }

    /// A file name safe to show and to send back (`Text.cleanFileName`: no paths, no control or
    /// bidirectional characters, at most 200 characters). The type still comes from the content.
    static func cleanName(_ raw: String) -> String { Text.cleanFileName(raw) }
}
