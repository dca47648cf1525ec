import Foundation
import Logging

/// Limits and lifetimes of the identity rules; defaults follow the product's numbers.
public struct AuthRules: Sendable {
    public var codeLifetime: TimeInterval = 10 * 60
    public var codeAttempts = 5
    public var sessionLifetime: TimeInterval = 30 * 24 * 3600
    public var setupLinkLifetime: TimeInterval = 24 * 3600
    public var activationLinkLifetime: TimeInterval = 7 * 24 * 3600
    public var minimumPasswordLength = 8
    /// Password and code sign-in attempts per account.
    public var signInPerAccount = RateLimiter.Rule(limit: 10, window: 15 * 60)
    /// Sign-in attempts per client address.
    public var signInPerIP = RateLimiter.Rule(limit: 50, window: 15 * 60)
    /// Code requests per destination (a phone or an email).
    public var codeRequestsPerAccount = RateLimiter.Rule(limit: 5, window: 15 * 60)
    /// Code requests per client address.
    public var codeRequestsPerIP = RateLimiter.Rule(limit: 20, window: 15 * 60)
    /// School applications per client address.
    public var applicationsPerIP = RateLimiter.Rule(limit: 10, window: 3600)
    /// Messages one person may send: 30 a minute (a class chat stays readable; a script gets 429).
    public var messagesPerUser = RateLimiter.Rule(limit: 30, window: 60)
    public init() {}
    public init(messagesPerMinute: Int) { messagesPerUser = RateLimiter.Rule(limit: messagesPerMinute, window: 60) }
}

/// Everything services need, built once at start-up and passed down (no globals).
public struct PartaContext: Sendable {
    public var store: Store
    public var clock: any PartaClock
    public var hasher: any PasswordHashing
    public var outbox: Outbox
    public var events: any EventBus
    public var limiter: RateLimiter
    public var files: FileStore
    public var rules: AuthRules
    /// The address people open, for links in messages ("https://school.example.ru").
    public var publicURL: String
    public var logger: Logger

    public init(store: Store, clock: any PartaClock, hasher: any PasswordHashing, outbox: Outbox,
                events: any EventBus, limiter: RateLimiter, files: FileStore, rules: AuthRules,
                publicURL: String, logger: Logger) {
        self.store = store; self.clock = clock; self.hasher = hasher; self.outbox = outbox
        self.events = events; self.limiter = limiter; self.files = files; self.rules = rules
        self.publicURL = publicURL; self.logger = logger
    }
}
