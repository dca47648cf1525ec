import Foundation
import PartaCore
import Vapor

/// Profile photos: one's own (upload, remove) and other people's (the picture, for those who may see it).
struct PhotoController {
    /// `PUT /me/photo`: multipart/form-data with the picture in the field `file`, as chat files go.
    func upload(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Фото отправляется как multipart/form-data (поле file).")
        }
        guard let form = try? MultipartForm(request: req), let part = form.file("file") else {
            throw PartaError(.badRequest, "invalid_body", "Не удалось прочитать фото (multipart/form-data, поле file).")
        }
        return try .json(try await ProfilePhotoService(req.parta.context).upload(actor, data: part.data))
    }

    func remove(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await ProfilePhotoService(req.parta.context).remove(actor))
    }

    /// `GET /users/{userId}/photo?size=96|256&v=<version>`. With the current version in the
    /// address the picture may be kept by the browser (a new photo has a new address); without it,
    /// it is asked for again each time.
    func photo(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let size: Int
        switch req.query[String.self, at: "size"] {
        case nil: size = 96
        case let text?:
            guard let n = Int(text) else { throw PartaError.invalid("size", "Размер фото: 96 или 256.") }
            size = n
        }
        let (url, version) = try await ProfilePhotoService(req.parta.context).photo(actor, userID: try req.id("userId"), size: size)
        let current = req.query[String.self, at: "v"] == version
        return try await FileController.jpeg(req, at: url, cache: current ? "private, max-age=2592000, immutable" : "private, no-cache")
    }
}
