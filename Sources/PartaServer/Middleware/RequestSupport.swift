import Foundation
import PartaCore
import Vapor

/// The services of this application, reachable from any request.
struct PartaServices: Sendable {
    let context: PartaContext
    let config: PartaConfig
    var auth: AuthService { AuthService(context) }
    var setup: SetupService { SetupService(context) }
    var applications: ApplicationService { ApplicationService(context) }
    var schools: SchoolService { SchoolService(context) }
    var classes: ClassService { ClassService(context) }
    var invites: InviteService { InviteService(context) }
    var members: MemberService { MemberService(context) }
    var accounts: AccountService { AccountService(context) }
    var rosters: ClassRosterService { ClassRosterService(context) }
    var joinRequests: JoinRequestService { JoinRequestService(context) }
    var families: FamilyService { FamilyService(context) }
    var audit: AuditService { AuditService(context) }
    var rosterImport: RosterImportService { RosterImportService(context) }
    var chats: ChatService { ChatService(context) }
    var messages: MessageService { MessageService(context) }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = PartaServices }
    var parta: PartaServices {
        get {
            guard let services = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

enum SessionCookie {
    static let name = "parta_session"

    /// The new session as an HttpOnly, SameSite=Lax cookie for the web client. It lasts until the
    /// session's absolute end: the idle end moves with use, and the cookie is not set again then.
    static func set(_ s: SignedIn, on response: Response, for req: Request) {
        response.cookies[name] = HTTPCookies.Value(
            string: s.token, expires: s.session.endsAt, maxAge: nil, domain: nil, path: "/",
            isSecure: req.parta.config.cookieSecure, isHTTPOnly: true, sameSite: .lax)
    }
}

extension Request {
    var parta: PartaServices { application.parta }

    var clientInfo: AuthService.ClientInfo {
        var ip = remoteAddress?.ipAddress ?? "unknown"
        if parta.config.trustProxy, let forwarded = headers.first(name: "X-Forwarded-For")?
            .split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !forwarded.isEmpty {
            ip = forwarded
        }
        return .init(ip: ip, userAgent: headers.first(name: .userAgent) ?? "")
    }

    private struct ActorKey: StorageKey { typealias Value = Actor }

    /// The token this request carries: `Authorization: Bearer` first, then the session cookie.
    var sessionToken: (token: String, fromCookie: Bool)? {
        if let bearer = headers.bearerAuthorization?.token { return (bearer, false) }
        if let cookie = cookies[SessionCookie.name]?.string, !cookie.isEmpty { return (cookie, true) }
        return nil
    }

    /// The signed-in person, or 401. Cookie-authenticated writes must come from our own origin.
    func actor() async throws -> Actor {
        if let cached = storage[ActorKey.self] { return cached }
        guard let (token, fromCookie) = sessionToken,
              var actor = try await parta.auth.authenticate(token: token) else {
            throw PartaError.unauthenticated
        }
        actor.ip = clientInfo.ip
        if fromCookie && ![.GET, .HEAD, .OPTIONS].contains(method) { try checkSameOrigin() }
        storage[ActorKey.self] = actor
        return actor
    }

    func optionalActor() async throws -> Actor? {
        guard sessionToken != nil else { return nil }
        return try? await actor()
    }

    /// Cross-site request forgery guard for cookie sessions (on top of SameSite=Lax). No `Origin`
    /// (same-origin GETs, older clients) passes; `Origin: null` does not: browsers send it from
    /// sandboxed frames, `data:` pages and some redirects — never from our own pages.
    func checkSameOrigin() throws {
        guard let origin = headers.first(name: .origin) else { return }
        let host = headers.first(name: .host) ?? ""
        let allowed = ["http://\(host)", "https://\(host)", parta.context.publicURL]
        if !allowed.contains(origin) {
            throw PartaError(.forbidden, "bad_origin", "Запрос с чужого сайта отклонён.")
        }
    }

    /// A path parameter that must be a UUID; anything else is "not found".
    func id(_ name: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw PartaError.notFound() }
        return id
    }

    static let maxJSONBodySize = 64 * 1024

    /// Decodes a JSON body, refusing keys the endpoint does not know (a typo must not pass silently).
    func decodeStrict<T: StrictBody>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.type == "application", contentType.subType == "json" else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Ожидается тело в формате JSON (Content-Type: application/json).")
        }
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            throw PartaError(.badRequest, "invalid_json", "Пустое тело запроса: ожидается JSON-объект.")
        }
        // The route's collect limit refuses larger bodies on the wire; this also covers bodies that
        // arrive already collected (in-process tests, proxies that buffer).
        if buffer.readableBytes > Self.maxJSONBodySize {
            throw PartaError(.payloadTooLarge, "payload_too_large", "Слишком большой запрос.")
        }
        let data = Data(buffer: buffer)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw PartaError(.badRequest, "invalid_json", "Тело запроса — не корректный JSON.")
        }
        guard let dictionary = object as? [String: Any] else {
            throw PartaError(.badRequest, "invalid_body", "Тело запроса должно быть JSON-объектом.")
        }
        let unknown = Set(dictionary.keys).subtracting(T.allowedKeys)
        if !unknown.isEmpty {
            let list = unknown.sorted().joined(separator: ", ")
            throw PartaError(.badRequest, "unknown_fields", "Неизвестные поля: \(list).",
                             fields: Dictionary(uniqueKeysWithValues: unknown.map { ($0, "Неизвестное поле.") }))
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// A request body whose accepted keys are listed, so unknown keys are refused.
protocol StrictBody: Decodable {
    static var allowedKeys: Set<String> { get }
}

extension Response {
    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(value, using: JSONCoding.encoder)
        return response
    }

    /// JSON already encoded (a new message's, `MessageView.json`).
    static func json(encoded: String, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(string: encoded))
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

/// An optional UUID query parameter; a malformed one is a 400 naming the parameter.
enum QueryID {
    static func parse(_ raw: String?, _ name: String) throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw PartaError.invalid(name, "Ожидается идентификатор (UUID).") }
        return id
    }
}

extension Request {
    /// A CSV upload: `text/csv` (or `text/plain`), within the route's collect limit, as its bytes
    /// (`CSVReader` decodes them: UTF-8, Windows-1251…; a `charset` parameter is not trusted —
    /// browsers send none for files).
    func csvBody() throws -> Data {
        guard let type = headers.contentType, type.type == "text", ["csv", "plain"].contains(type.subType) else {
            throw PartaError(.unsupportedMedia, "unsupported_media_type", "Ожидается файл CSV (Content-Type: text/csv).")
        }
        guard let buffer = body.data, buffer.readableBytes > 0 else { throw PartaError.invalid("file", "Файл пуст.") }
        return Data(buffer: buffer)
    }
}

extension Response {
    /// A CSV download with a file name.
    static func csv(_ text: String, fileName: String) -> Response {
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(fileName)\"")
        return response
    }
}

/// Ids in a request body: a malformed one names nothing that exists, so it is "not found" like an unknown one.
enum BodyIDs {
    static func parse(_ raws: [String], _ what: String) throws -> [UUID] {
        try raws.map { raw in
            guard let id = UUID(uuidString: raw) else { throw PartaError.notFound(what) }
            return id
        }
    }
}

/// A `true`/`false` query parameter; nil when absent or empty.
enum QueryFlag {
    static func parse(_ raw: String?, _ name: String) throws -> Bool? {
        switch raw {
        case nil, "": return nil
        case "true": return true
        case "false": return false
        default: throw PartaError.invalid(name, "Допустимо: true или false.")
        }
    }
}

/// `page` and `perPage` query parameters: whole numbers, 1-based, at most 100 per page.
enum Paging {
    static func parse(page: String?, perPage: String?) throws -> (page: Int, perPage: Int) {
        func number(_ raw: String?, _ name: String, default d: Int, max m: Int) throws -> Int {
            guard let raw, !raw.isEmpty else { return d }
            guard let n = Int(raw), n >= 1, n <= m else { throw PartaError.invalid(name, "Целое число от 1 до \(m).") }
            return n
        }
        return (try number(page, "page", default: 1, max: 100_000), try number(perPage, "perPage", default: 20, max: 100))
    }
}
