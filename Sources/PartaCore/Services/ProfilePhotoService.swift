import FluentKit
import Foundation
import SQLKit

/// A person's profile photo (issue 13): uploaded by the person, kept only as two small squares
/// made by the server (96 and 256 px JPEGs, the centre of the picture, upright, no metadata — the
/// original is not stored), shown to the people who share a school or a chat with them
/// (`Policy.canSeePhoto`). A new photo replaces the old one's files.
public struct ProfilePhotoService: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public static let maxSize = 10 * 1024 * 1024
    public static let sizes = [96, 256]

    public func upload(_ actor: Actor, data: Data) async throws -> UserView {
        guard !data.isEmpty else { throw PartaError.invalid("file", "Файл пустой.") }
        guard data.count <= Self.maxSize else {
            throw PartaError(.payloadTooLarge, "file_too_large", "Фото больше \(Self.maxSize / 1024 / 1024) МБ.")
        }
        guard let kind = ImageThumbnailer.Kind(contentType: ContentSniffer.attachmentType(data)) else {
            throw PartaError(.unsupportedMedia, "not_an_image", "Фото — это изображение JPEG или PNG.")
        }
        // Counted with the chat uploads: one limit on what a person sends to the server's disk.
        try ctx.limiter.hit("upload:\(actor.userID)", ctx.rules.messagesPerUser)
        let squares = try await ImageThumbnailer.run { () throws -> [ImageThumbnailer.Thumbnail] in
            let orientation = kind == .jpeg ? ImageMetadata.cleanJPEG(data).orientation : ImageMetadata.cleanPNG(data).orientation
            do {
                return try ImageThumbnailer.thumbnails(of: data, kind: kind, orientation: orientation,
                                                       shapes: Self.sizes.map { .square($0) }).thumbnails
            } catch ImageThumbnailer.Problem.tooLarge {
                throw PartaError.imageTooLarge
            } catch {
                throw PartaError.imageUnreadable
            }
        }
        let photoID = UUID()
        do {
            try ctx.files.save(squares[0].jpeg, id: photoID, variant: .photo96)
            try ctx.files.save(squares[1].jpeg, id: photoID, variant: .photo256)
        } catch {
            ctx.files.delete(photoID)
            throw error
        }
        let old: UUID?
        do {
            old = try await ctx.store.write { db in try await Self.setPhoto(photoID, of: actor.userID, on: db) }
        } catch {
            ctx.files.delete(photoID)
            throw error
        }
        if let old { ctx.files.delete(old) }
        return try await UserQueries.view(userID: actor.userID, on: ctx.store.db)
    }

    public func remove(_ actor: Actor) async throws -> UserView {
        let old = try await ctx.store.write { db in try await Self.setPhoto(nil, of: actor.userID, on: db) }
        if let old { ctx.files.delete(old) }
        return try await UserQueries.view(userID: actor.userID, on: ctx.store.db)
    }

    /// The photo file of `size` (96 or 256) and its version, for a person who may see it;
    /// "not found" for anyone else and when there is no photo.
    public func photo(_ actor: Actor, userID: UUID, size: Int) async throws -> (url: URL, version: String) {
        guard Self.sizes.contains(size) else { throw PartaError.invalid("size", "Размер фото: 96 или 256.") }
        let db = ctx.store.db
        let schools = Set(try await MembershipRecord.query(on: db).filter(\.$userID == userID).all().map(\.schoolID))
        var sharesChat = false
        if Policy.photoNeedsSharedChat(actor, ownerID: userID, ownerSchoolIDs: schools) {
            sharesChat = try await (db as! any SQLDatabase).raw("""
                SELECT 1 AS x FROM chat_members a JOIN chat_members b ON b.chat_id = a.chat_id
                WHERE a.user_id = \(bind: actor.userID) AND b.user_id = \(bind: userID) LIMIT 1
                """).first() != nil
        }
        guard Policy.canSeePhoto(actor, ownerID: userID, ownerSchoolIDs: schools, sharesChat: sharesChat),
              let row = try await (db as! any SQLDatabase).raw("SELECT photo_id FROM users WHERE id = \(bind: userID)").first(),
              let photoID = try row.decode(column: "photo_id", as: UUID?.self), let version = UserPhoto.token(photoID)
        else { throw PartaError.notFound("Фото") }
        return (ctx.files.url(for: photoID, variant: size == 96 ? .photo96 : .photo256), version)
    }

    /// Sets the person's photo and returns the one it replaces. The row is locked first (an UPDATE
    /// that changes nothing), so two uploads at once on PostgreSQL each see the other's photo as
    /// the old one and no file is left behind.
    static func setPhoto(_ photoID: UUID?, of userID: UUID, on db: any Database) async throws -> UUID? {
        let sql = db as! any SQLDatabase
        try await sql.raw("UPDATE users SET photo_id = photo_id WHERE id = \(bind: userID)").run()
        guard let row = try await sql.raw("SELECT photo_id FROM users WHERE id = \(bind: userID)").first() else {
            throw PartaError.unauthenticated
        }
        let old = try row.decode(column: "photo_id", as: UUID?.self)
        try await sql.raw("UPDATE users SET photo_id = \(bind: photoID) WHERE id = \(bind: userID)").run()
        return old
    }
}

/// A profile photo's version as the API gives it (`UserView.photo`, `MessageView.authorPhoto`…):
/// twelve hex digits of the photo's id. A new photo has a new one, so an address carrying it
/// (`?v=`) is never answered from a cache with the old picture.
public enum UserPhoto {
    public static func token(_ photoID: UUID?) -> String? {
        guard let photoID else { return nil }
        return String(photoID.uuidString.lowercased().filter { $0 != "-" }.prefix(12))
    }

    /// The photo versions of those of these people who have a photo (one query).
    static func tokens(of userIDs: [UUID], on db: any Database) async throws -> [UUID: String] {
        let ids = Array(Set(userIDs))
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var out: [UUID: String] = [:]
        for row in try await sql.raw("SELECT id, photo_id FROM users WHERE id IN (\(binds: ids)) AND photo_id IS NOT NULL").all() {
            out[try row.decode(column: "id", as: UUID.self)] = token(try row.decode(column: "photo_id", as: UUID?.self))
        }
        return out
    }
}
