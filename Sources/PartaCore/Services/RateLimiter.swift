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
