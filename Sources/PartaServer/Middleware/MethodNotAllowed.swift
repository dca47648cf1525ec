import Foundation
import PartaCore
import Vapor

/// A path the server has, asked with a method it does not have, answers 405 `method_not_allowed`
/// with `Allow` listing the methods it has (RFC 9110 §15.5.6); a path it does not have stays 404.
/// Built once from the route table (`app.routes.all`), so it is right for every route, with path
/// parameters too. HEAD goes where GET goes, as Vapor routes it.
///
/// A path parameter named `…Id` is a UUID (the API document says `format: uuid` for each): a
/// segment that is not one does not name such a resource. So `DELETE /api/v1/sessions/revoke-all`
/// is the path `POST …/sessions/revoke-all` asked with the wrong method (405), not an unknown
/// session (Vapor's router took it for `DELETE …/sessions/:sessionId`); `DELETE
/// /api/v1/sessions/nonsense` stays 404.
///
/// Registered after the routes and last of the middleware, so `PartaErrorMiddleware` renders the
/// answer in the API's error shape and the web client's files are served first.
struct MethodNotAllowedMiddleware: AsyncMiddleware {
    struct Pattern: Sendable {
        enum Segment: Sendable, Equatable {
            case constant(String)
            case any
            case uuid
        }
        let method: String
        let segments: [Segment]
    }

    /// The routes that answer a request (catch-alls are only fallbacks for unknown paths).
    let patterns: [Pattern]
    /// Per route (by identity): its catch-all flag and the `…Id` parameters to check.
    private let catchAll: Set<ObjectIdentifier>
    private let idParameters: [ObjectIdentifier: [String]]

    init(routes: [Route]) {
        var patterns: [Pattern] = []
        var catchAll = Set<ObjectIdentifier>()
        var idParameters: [ObjectIdentifier: [String]] = [:]
        for route in routes {
            let path = route.path.filter { $0 != .constant("") }
            if path.contains(.catchall) {
                catchAll.insert(ObjectIdentifier(route))
                continue
            }
            let segments = path.map { component -> Pattern.Segment in
                switch component {
                case .constant(let value): return .constant(value)
                case .parameter(let name): return Self.isID(name) ? .uuid : .any
                case .anything, .catchall: return .any
                }
            }
            patterns.append(Pattern(method: route.method.rawValue, segments: segments))
            let ids = path.compactMap { component -> String? in
                if case .parameter(let name) = component, Self.isID(name) { return name }
                return nil
            }
            if !ids.isEmpty { idParameters[ObjectIdentifier(route)] = ids }
        }
        self.patterns = patterns
        self.catchAll = catchAll
        self.idParameters = idParameters
    }

    static func isID(_ parameter: String) -> Bool { parameter.hasSuffix("Id") }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let route = request.route {
            let id = ObjectIdentifier(route)
            // A route that answers: go on, unless one of its ids is not a UUID (then the path may
            // be another route's, asked with the wrong method).
            if !catchAll.contains(id) {
                guard let names = idParameters[id],
                      names.contains(where: { name in request.parameters.get(name).flatMap { UUID(text: $0) } == nil }) else {
                    return try await next.respond(to: request)
                }
            }
        }
        let allowed = methods(for: request.url.path)
        let asked = request.method == .HEAD ? HTTPMethod.GET.rawValue : request.method.rawValue
        guard !allowed.isEmpty, !allowed.contains(asked) else { return try await next.respond(to: request) }
        throw Self.refusal(request.method, allowed: allowed)
    }

    /// The 405 answer: `Allow` and a message naming the methods (rendered by `PartaErrorMiddleware`).
    static func refusal(_ method: HTTPMethod, allowed: Set<String>) -> Abort {
        Abort(.methodNotAllowed, headers: ["Allow": allowHeader(allowed)],
              reason: "Метод \(method.rawValue) не поддерживается по этому адресу; можно: \(allowHeader(allowed)).")
    }

    /// The methods (`GET`, `POST`…) of every route whose pattern the path fits.
    func methods(for path: String) -> Set<String> {
        let parts = path.split(separator: "/")
        var out = Set<String>()
        for pattern in patterns where pattern.segments.count == parts.count && !out.contains(pattern.method) {
            let fits = zip(pattern.segments, parts).allSatisfy { segment, part in
                switch segment {
                case .constant(let value): return part == value
                case .any: return true
                case .uuid: return UUID(text: String(part)) != nil
                }
            }
            if fits { out.insert(pattern.method) }
        }
        return out
    }

    /// `GET, HEAD, POST, …`: HEAD wherever GET is (Vapor answers it from the GET route).
    static func allowHeader(_ methods: Set<String>) -> String {
        var all = methods
        if all.contains("GET") { all.insert("HEAD") }
        let order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return (order.filter(all.contains) + all.subtracting(order).sorted()).joined(separator: ", ")
    }
}
