import PartaCore
import Vapor

/// Routes that look a secret token up (invite links, chat links, activation and setup links,
/// calendar feeds):
/// unknown tokens are counted per client address and, past `AuthRules.wrongTokensPerIP`, every
/// token route answers 429 for that address — as wrong passwords are throttled — though the tokens
/// are 256-bit. The answer for a wrong token stays the same generic "not found".
struct WrongTokenThrottle: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let context = req.parta.context
        let key = "token:ip:\(req.clientInfo.ip)"
        try context.limiter.check(key, context.rules.wrongTokensPerIP)
        do {
            let response = try await next.respond(to: req)
            if response.status == .notFound { try? context.limiter.hit(key, context.rules.wrongTokensPerIP) }
            return response
        } catch {
            if (error as? PartaError)?.kind == .notFound { try? context.limiter.hit(key, context.rules.wrongTokensPerIP) }
            throw error
        }
    }
}
