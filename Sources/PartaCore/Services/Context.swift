import Foundation
import Logging

/// Limits and lifetimes of the identity rules; defaults follow the product's numbers.
public struct AuthRules: Sendable {
    public var codeLifetime: TimeInterval = 10 * 60
    public var codeAttempts = 5
    /// A session ends after `sessionIdle` without use, and `sessionMaxLifetime` after sign-in
    /// however much it is used (OWASP ASVS 3.3); school administrators' and the operator's sooner.
    public var sessionIdle: TimeInterval = 30 * 24 * 3600
    public var sessionMaxLifetime: TimeInterval = 90 * 24 * 3600
    public var adminSessionIdle: TimeInterval = 12 * 3600
    public var adminSessionMaxLifetime: TimeInterval = 7 * 24 * 3600
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
    /// Chats, invite links, chat links, polls and reports one person creates (`CreationLimits`).
    public var creation = CreationLimits()
    /// Unknown invite, chat-link, activation and setup tokens per client address: the tokens are
    /// 256-bit, but guessing is throttled like wrong passwords all the same.
    public var wrongTokensPerIP = RateLimiter.Rule(limit: 30, window: 15 * 60)
    /// WebSocket connections: per account (past it the oldest is closed with 4429) and per client
    /// address (past it a new one is refused with 429; 0 = no limit — a school behind one NAT
    /// address needs a high one).
    public var socketsPerUser = 20
    public var socketsPerAddress = 2_000
    public init() {}
    public init(messagesPerMinute: Int) { messagesPerUser = RateLimiter.Rule(limit: messagesPerMinute, window: 60) }

    /// Idle timeout and absolute lifetime of a session of someone who is (`strict`) or is not an
    /// operator or a school administrator.
    public func sessionLimits(strict: Bool) -> (idle: TimeInterval, max: TimeInterval) {
        strict ? (adminSessionIdle, adminSessionMaxLifetime) : (sessionIdle, sessionMaxLifetime)
    }
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
    /// Who a session token is, for a few seconds (see `ActorCache`).
    public let actors = ActorCache()
    /// SQLite's batch writer for sends.
    public let sends = SendQueue()

    public init(store: Store, clock: any PartaClock, hasher: any PasswordHashing, outbox: Outbox,
                events: any EventBus, limiter: RateLimiter, files: FileStore, rules: AuthRules,
                publicURL: String, logger: Logger) {
        self.store = store; self.clock = clock; self.hasher = hasher; self.outbox = outbox
        self.events = events; self.limiter = limiter; self.files = files; self.rules = rules
        self.publicURL = publicURL; self.logger = logger
    }
}

/// Authenticated actors by token hash, kept for `lifetime` seconds so a busy client (a send, a
/// socket) does not re-read its session, user, roles and homerooms on every request. Anything that
/// changes them publishes `sessionsRevoked` or `membershipChanged`, which drop the person's entries
/// at once in every process (`follow`); the short lifetime bounds anything else.
public final class ActorCache: @unchecked Sendable {
    // @unchecked: `entries` is guarded by `lock`.
    public static let lifetime: TimeInterval = 30
    struct Entry { let actor: Actor; let until: Date }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Bumped by every `forget`: an actor read before it is not stored after it.
    private var generation = 0

    /// Take before reading the session from the database; pass to `put`.
    func currentGeneration() -> Int { lock.withLock { generation } }

    func get(_ tokenHash: String, now: Date) -> Actor? {
        lock.withLock {
            guard let e = entries[tokenHash] else { return nil }
            if e.until <= now { entries[tokenHash] = nil; return nil }
            return e.actor
        }
    }

    func put(_ tokenHash: String, _ actor: Actor, until: Date, readAt generation: Int) {
        lock.withLock {
            guard generation == self.generation else { return }   // something changed while it was read
            if entries.count > 50_000 { entries.removeAll(keepingCapacity: true) }   // bounded; refills on demand
            entries[tokenHash] = Entry(actor: actor, until: until)
        }
    }

    public func forget(userID: UUID) {
        lock.withLock { generation += 1; entries = entries.filter { $0.value.actor.userID != userID } }
    }

    public func forgetAll() {
        lock.withLock { generation += 1; entries.removeAll() }
    }

    /// Drops the entries past their time (otherwise dropped only when their token comes back), so a
    /// wave of sockets that left does not keep thousands of small entries scattered through the heap.
    /// How many it dropped.
    @discardableResult
    public func sweep(now: Date) -> Int {
        lock.withLock {
            let before = entries.count
            entries = entries.filter { $0.value.until > now }
            return before - entries.count
        }
    }

    /// Drops a person's entries when their sessions or roles change, here or in another process.
    public func follow(_ bus: any EventBus) {
        bus.subscribeToAllProcesses { [weak self] event in
            switch event {
            case let .sessionsRevoked(userID, _), let .membershipChanged(userID): self?.forget(userID: userID)
            default: break
            }
        }
    }
}
