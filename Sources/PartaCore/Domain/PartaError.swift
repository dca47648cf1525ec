import Foundation

/// The one error type services throw. The transport maps `kind` to an HTTP status and renders
/// `{"error":{"code","message"}}`; `code` is stable for clients, `message` is for people.
public struct PartaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest          // 400: malformed or invalid input
        case unauthorized        // 401: not signed in or bad credentials
        case forbidden           // 403: signed in, but the action is refused and the object is visible
        case notFound            // 404: missing or not visible to this actor (never distinguished)
        case conflict            // 409: the state does not allow it (already decided, duplicate)
        case gone                // 410: an expired or used-up token
        case payloadTooLarge     // 413
        case unsupportedMedia    // 415
        case tooManyRequests(retryAfterSeconds: Int) // 429
        case serviceUnavailable  // 503: stopping, or the database is unreachable; try again shortly
        case insufficientStorage // 507: the disk (or the database's) is full; nothing was written
    }

    public var kind: Kind
    public var code: String
    public var message: String
    /// Per-field problems for forms (field name → message), optional.
    public var fields: [String: String]

    public init(_ kind: Kind, _ code: String, _ message: String, fields: [String: String] = [:]) {
        self.kind = kind
        self.code = code
        self.message = message
        self.fields = fields
    }

    public var description: String { "\(code): \(message)" }

    public static func notFound(_ what: String = "Объект") -> PartaError {
        // «Не найдено: заявка.» agrees with any noun, unlike «… не найден».
        PartaError(.notFound, "not_found", "Не найдено: \(what.prefix(1).lowercased() + what.dropFirst()).")
    }
    public static func validation(_ fields: [String: String]) -> PartaError {
        PartaError(.badRequest, "validation_failed",
                   fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "),
                   fields: fields)
    }
    public static func invalid(_ field: String, _ message: String) -> PartaError {
        validation([field: message])
    }
    public static let unauthenticated = PartaError(.unauthorized, "unauthenticated", "Войдите в систему.")
    public static let insufficientStorage = PartaError(.insufficientStorage, "insufficient_storage",
        "На сервере закончилось место на диске: изменения не сохранены. Попробуйте позже и сообщите администратору.")
    public static func rateLimited(_ seconds: Int) -> PartaError {
        PartaError(.tooManyRequests(retryAfterSeconds: max(1, seconds)), "rate_limited",
                   "Слишком много попыток. Повторите через \(max(1, seconds)) с.")
    }
}
