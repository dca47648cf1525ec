import Vapor

/// Logs every request like Vapor's `RouteLoggingMiddleware`, but never a secret in the path: the
/// token after `/join/`, `/chat-join/`, `/setup/` and `/activation/` becomes `…` (invite, setup and activation
/// links are bearer secrets; server logs are read by more people than the links are meant for).
struct RedactingRouteLogger: AsyncMiddleware {
    static let secretAfter: Set<Substring> = ["join", "chat-join", "setup", "activation", "ical"]

    static func redact(_ path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for i in parts.indices.dropFirst() where secretAfter.contains(parts[i - 1]) && !parts[i].isEmpty {
            parts[i] = "…"
        }
        return parts.joined(separator: "/")
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.logger.info("\(request.method) \(Self.redact(request.url.path))")
        return try await next.respond(to: request)
    }
}
