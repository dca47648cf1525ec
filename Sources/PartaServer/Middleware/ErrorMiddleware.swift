import Foundation
import PartaCore
import FluentPostgresDriver
import Vapor

/// Renders every failure as `{"error":{"code","message","fields"?}}` with the right status.
/// Anything unexpected is logged with the request id and answered 500 without internals.
struct PartaErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let (status, body, headers) = Self.describe(error, logger: request.logger)
            let response = Response(status: status, headers: headers)
            try? response.content.encode(body, as: .json)
            return response
        }
    }

    struct Body: Content {
        struct Inner: Content { let code: String; let message: String; let fields: [String: String]? }
        let error: Inner
    }

    static func describe(_ error: any Error, logger: Logger) -> (HTTPResponseStatus, Body, HTTPHeaders) {
        var headers = HTTPHeaders()
        func body(_ code: String, _ message: String, _ fields: [String: String]? = nil) -> Body {
            Body(error: .init(code: code, message: message, fields: fields?.isEmpty == false ? fields : nil))
        }
        // A full disk, wherever it was met, is one answer: 507 and a message people understand.
        if isDiskFull(error) {
            logger.critical("storage full, write refused: \(String(reflecting: error))")
            let e = PartaError.insufficientStorage
            return (.insufficientStorage, body(e.code, e.message), headers)
        }
        switch error {
        case let e as PartaError:
            let status: HTTPResponseStatus
            switch e.kind {
            case .badRequest: status = .badRequest
            case .unauthorized: status = .unauthorized
            case .forbidden: status = .forbidden
            case .notFound: status = .notFound
            case .conflict: status = .conflict
            case .gone: status = .gone
            case .payloadTooLarge: status = .payloadTooLarge
            case .unsupportedMedia: status = .unsupportedMediaType
            case .tooManyRequests(let seconds):
                status = .tooManyRequests
                headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            case .serviceUnavailable:
                status = .serviceUnavailable
                headers.replaceOrAdd(name: .retryAfter, value: "2")
            case .insufficientStorage: status = .insufficientStorage
            }
            return (status, body(e.code, e.message, e.fields), headers)
        case let e as DecodingError:
            return (.badRequest, describeDecoding(e), headers)
        case let e where DatabaseAvailability.isUnavailability(e):
            headers.replaceOrAdd(name: .retryAfter, value: "2")
            let unavailable = DatabaseAvailability.unavailable
            return (.serviceUnavailable, body(unavailable.code, unavailable.message), headers)
        case let abort as any AbortError:
            headers = abort.headers
            let code: String
            let message: String
            switch abort.status {
            case .notFound: code = "not_found"; message = "Не найдено."
            case .payloadTooLarge: code = "payload_too_large"; message = "Слишком большой запрос."
            case .uriTooLong: (code, message) = RequestLimits.uriTooLong
            case .requestHeaderFieldsTooLarge: (code, message) = RequestLimits.headersTooLarge
            case .unsupportedMediaType: code = "unsupported_media_type"; message = "Неподдерживаемый тип содержимого: ожидается JSON."
            case .methodNotAllowed:
                // `MethodNotAllowedMiddleware` names the methods the path has (also in `Allow`).
                code = "method_not_allowed"
                message = abort.reason == abort.status.reasonPhrase ? "Метод не поддерживается." : abort.reason
            case .unauthorized: code = "unauthenticated"; message = "Войдите в систему."
            case .badRequest: code = "bad_request"; message = "Неверный запрос: \(abort.reason)"
            case .badGateway: code = "upstream_failed"; message = "Внешний сервис недоступен."
            default: code = abort.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"); message = abort.reason
            }
            if abort.status.code >= 500 {
                logger.error("request failed: \(String(reflecting: error))")
            }
            return (abort.status, body(code, message), headers)
        default:
            logger.error("request failed: \(String(reflecting: error))")
            return (.internalServerError, body("internal", "Внутренняя ошибка сервера. Мы уже знаем о ней."), headers)
        }
    }

    /// SQLite, files, POSIX (`StorageFull`) and PostgreSQL's 53100 disk_full.
    static func isDiskFull(_ error: any Error) -> Bool {
        if let e = error as? PSQLError, e.serverInfo?[.sqlState] == "53100" { return true }
        return StorageFull.matches(error)
    }

    static func describeDecoding(_ error: DecodingError) -> Body {
        func path(_ ctx: DecodingError.Context) -> String {
            ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        let code: String, message: String
        var fields: [String: String]? = nil
        switch error {
        case .dataCorrupted(let ctx) where ctx.codingPath.isEmpty:
            code = "invalid_json"; message = "Тело запроса — не корректный JSON."
        case .dataCorrupted(let ctx):
            code = "invalid_body"; message = "Неверное значение поля \(path(ctx))."
            fields = [path(ctx): "Неверное значение."]
        case .keyNotFound(let key, let ctx):
            let name = (ctx.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            code = "invalid_body"; message = "Не хватает поля \(name)."
            fields = [name: "Обязательное поле."]
        case .typeMismatch(let type, let ctx), .valueNotFound(let type, let ctx):
            code = "invalid_body"; message = "Поле \(path(ctx).isEmpty ? "тела" : path(ctx)) должно быть типа \(jsonTypeName(type))."
            if !path(ctx).isEmpty { fields = [path(ctx): "Неверный тип."] }
        @unknown default:
            code = "invalid_body"; message = "Неверное тело запроса."
        }
        return Body(error: .init(code: code, message: message, fields: fields))
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "строка"
        case is Bool.Type: return "логическое значение"
        case is Int.Type, is Double.Type: return "число"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Dictionary") { return "объект" }
            if name.hasPrefix("Array") { return "массив" }
            return "объект"
        }
    }
}

/// Headers that make the web client harder to attack: no framing, no sniffing, a strict CSP.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let h = response.headers
        if !h.contains(name: "X-Content-Type-Options") { response.headers.add(name: "X-Content-Type-Options", value: "nosniff") }
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        if !h.contains(name: "Content-Security-Policy") {
            response.headers.add(name: "Content-Security-Policy",
                                 value: "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        }
        if request.url.path.hasPrefix("/api/") && !h.contains(name: .cacheControl) {
            response.headers.add(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
