import Foundation

/// Fixed-window counters per key ("signin:ip:1.2.3.4"). In memory: limits are per process, which is
/// what one machine needs; they reset on restart.
public final class RateLimiter: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    public struct Rule: Sendable {
        public var limit: Int
        public var window: TimeInterval
        public init(limit: Int, window: TimeInterval) { self.limit = limit; self.window = window }
    }

    private struct Bucket { var windowStart: Date; var count: Int }
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    private var lastSweep = Date.distantPast
    private let clock: any PartaClock

    public init(clock: any PartaClock) { self.clock = clock }

    /// Counts one hit; throws 429 with the seconds until the window resets when over the limit.
    public func hit(_ key: String, _ rule: Rule) throws {
        if let wait = record(key, rule, count: true) { throw PartaError.rateLimited(wait) }
    }

    /// Throws if the key is already over its limit, without counting.
    public func check(_ key: String, _ rule: Rule) throws {
        if let wait = record(key, rule, count: false) { throw PartaError.rateLimited(wait) }
    }

    public func reset(_ key: String) {
        lock.lock(); defer { lock.unlock() }
        buckets[key] = nil
    }

    private func record(_ key: String, _ rule: Rule, count: Bool) -> Int? {
        let now = clock.now()
        lock.lock(); defer { lock.unlock() }
        sweep(now)
        var bucket = buckets[key] ?? Bucket(windowStart: now, count: 0)
        if now.timeIntervalSince(bucket.windowStart) >= rule.window {
            bucket = Bucket(windowStart: now, count: 0)
        }
        if bucket.count >= rule.limit {
            buckets[key] = bucket
            return Int((rule.window - now.timeIntervalSince(bucket.windowStart)).rounded(.up))
        }
        if count { bucket.count += 1 }
        buckets[key] = bucket
        return nil
    }

    private func sweep(_ now: Date) {
        guard now.timeIntervalSince(lastSweep) > 600 else { return }
        lastSweep = now
        buckets = buckets.filter { now.timeIntervalSince($0.value.windowStart) < 3600 }
    }
}

/// Abuse limits on what a person creates (chats, invite links, chat links, polls, reports): per
/// minute and per day, set where no honest user meets them (a teacher making a chat per class at
/// the start of the year stays far below), so that a script or a stolen session cannot flood a
/// school. Past a limit the service answers 429 with `Retry-After`.
public struct CreationLimits: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case chats, invites, chatLinks = "chat_links", polls, reports
    }

    public struct PerPerson: Sendable, Equatable {
        public var perMinute: Int
        public var perDay: Int
        public init(perMinute: Int, perDay: Int) { self.perMinute = perMinute; self.perDay = perDay }

        /// "20/200": per minute / per day (the `PARTA_LIMIT_*` variables).
        public init?(text: String) {
            let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let m = parts[0], let d = parts[1], m > 0, d >= m else { return nil }
            self.init(perMinute: m, perDay: d)
        }
    }

    public var limits: [Kind: PerPerson] = [
        .chats: .init(perMinute: 20, perDay: 200),
        .invites: .init(perMinute: 30, perDay: 500),
        .chatLinks: .init(perMinute: 20, perDay: 200),
        .polls: .init(perMinute: 10, perDay: 100),
        .reports: .init(perMinute: 10, perDay: 100),
    ]
    public init() {}

    public subscript(kind: Kind) -> PerPerson {
        get { limits[kind]! }
        set { limits[kind] = newValue }
    }
}

extension RateLimiter {
    /// Counts one creation of `kind` by `userID`; 429 (with the seconds to wait) past either limit.
    /// Both windows are checked before either is counted, so a refused attempt costs nothing.
    public func hitCreation(_ kind: CreationLimits.Kind, by userID: UUID, _ limits: CreationLimits) throws {
        let rule = limits[kind]
        let minute = ("create:\(kind.rawValue):m:\(userID)", Rule(limit: rule.perMinute, window: 60))
        let day = ("create:\(kind.rawValue):d:\(userID)", Rule(limit: rule.perDay, window: 24 * 3600))
        try check(day.0, day.1)
        try check(minute.0, minute.1)
        try hit(day.0, day.1)
        try hit(minute.0, minute.1)
    }
}
