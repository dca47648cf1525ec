import Foundation
import PartaCore
import Vapor

/// School applications (public form, the operator's queue) and school profiles.
struct SchoolController {
    func submitApplication(_ req: Request) async throws -> Response {
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Заявка отправляется как multipart/form-data.")
        }
        guard let form = try? MultipartForm(request: req) else {
            throw PartaError(.badRequest, "invalid_body", "Не удалось прочитать форму заявки (multipart/form-data).")
        }
        let upload = form.file("orderFile").flatMap { part in
            part.data.isEmpty ? nil : ApplicationService.Upload(fileName: part.filename ?? "", data: part.data)
        }
        func field(_ name: String) throws -> String { try form.text(name) ?? "" }
        let receipt = try await req.parta.applications.submit(
            .init(schoolName: try field("schoolName"), shortName: try field("shortName"), address: try field("address"),
                  region: try field("region"), inn: try field("inn"), adminFullName: try field("adminFullName"),
                  adminEmail: try field("adminEmail"), adminPhone: try field("adminPhone")),
            order: upload, ip: req.clientInfo.ip)
        return try .json(receipt, status: .created)
    }

    func listApplications(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        struct Query: Decodable { let status: String?; let page: String?; let perPage: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query(status: nil, page: nil, perPage: nil)
        var status: ApplicationStatus?
        if let raw = q.status, !raw.isEmpty {
            guard let s = ApplicationStatus(rawValue: raw) else {
                throw PartaError.invalid("status", "Допустимо: pending, approved, rejected.")
            }
            status = s
        }
        let (page, perPage) = try Paging.parse(page: q.page, perPage: q.perPage)
        return try .json(try await req.parta.applications.list(actor, status: status, page: page, perPage: perPage))
    }

    func getApplication(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.applications.get(actor, id: try req.id("applicationId")))
    }

    func orderFile(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let (file, url) = try await req.parta.applications.orderFile(actor, id: try req.id("applicationId"))
        let response = try await req.fileio.asyncStreamFile(at: url.path, mediaType: HTTPMediaType(type: "application", subType: "octet-stream"))
        response.headers.replaceOrAdd(name: .contentType, value: file.contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: Self.attachment(file.fileName))
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        response.headers.remove(name: .eTag)
        return response
    }

    func approve(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.applications.approve(actor, id: try req.id("applicationId")))
    }

    func reject(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(RejectBody.self)
        return try .json(try await req.parta.applications.reject(actor, id: try req.id("applicationId"), reason: body.reason))
    }

    func getSchool(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await req.parta.schools.get(actor, id: try req.id("schoolId")))
    }

    /// The school's confirmed teachers and administration, marked beside their names in the web client.
    func staffMarks(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await BadgeService(req.parta.context).staffMarks(actor, schoolID: try req.id("schoolId"))))
    }

    func updateSchool(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let id = try req.id("schoolId")
        let body = try req.decodeStrict(SchoolPatchBody.self)
        return try .json(try await req.parta.schools.update(actor, id: id, patch: body.patch))
    }

    func disableUser(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.accounts.disable(actor, userID: try req.id("userId"))
        return .noContent()
    }

    func enableUser(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await req.parta.accounts.enable(actor, userID: try req.id("userId"))
        return .noContent()
    }

    /// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266), so Cyrillic names survive.
    static func attachment(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
