import Foundation
import PartaCore
import Vapor

/// Files in chats: uploading and downloading them.
struct FileController {
    func upload(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Файл отправляется как multipart/form-data (поле file).")
        }
        guard let form = try? MultipartForm(request: req), let part = form.file("file") else {
            throw PartaError(.badRequest, "invalid_body", "Не удалось прочитать файл (multipart/form-data, поле file).")
        }
        let view = try await AttachmentService(req.parta.context).upload(actor, chatID: try req.id("chatId"),
                                                                         fileName: part.filename ?? "", data: part.data)
        return try .json(view, status: .created)
    }

    /// Images are shown inline; everything else is downloaded (`Content-Disposition: attachment`).
    /// The type is the one detected at upload, never the name's; `nosniff` keeps browsers to it.
    func download(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (file, url) = try await AttachmentService(req.parta.context).download(actor, attachmentID: try req.id("fileId"))
        let response = try await req.fileio.asyncStreamFile(at: url.path, mediaType: HTTPMediaType(type: "application", subType: "octet-stream"))
        response.headers.replaceOrAdd(name: .contentType, value: file.image ? file.contentType : "application/octet-stream")
        let disposition = SchoolController.attachment(file.fileName)
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: file.image ? disposition.replacingOccurrences(of: "attachment;", with: "inline;") : disposition)
        // Not kept by the browser or any cache: the next reader of a shared device must not find it.
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// An image's preview (a JPEG made at upload), with the download's access check and headers.
    func thumbnail(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (_, url) = try await AttachmentService(req.parta.context).thumbnail(actor, attachmentID: try req.id("fileId"))
        return try await Self.jpeg(req, at: url, cache: "private, no-store")
    }

    /// A JPEG made by the server, streamed with the headers every served file has here.
    static func jpeg(_ req: Request, at url: URL, cache: String) async throws -> Response {
        guard FileManager.default.fileExists(atPath: url.path) else { throw PartaError.notFound("Файл") }
        let response = try await req.fileio.asyncStreamFile(at: url.path, mediaType: .jpeg)
        response.headers.replaceOrAdd(name: .contentType, value: "image/jpeg")
        response.headers.replaceOrAdd(name: .cacheControl, value: cache)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
