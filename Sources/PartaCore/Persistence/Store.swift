import FluentKit
import Foundation
import SQLKit

/// The database handle services use. On SQLite, write transactions are serialised in-process:
/// SQLite allows one writer at a time and a deferred transaction that has read an older snapshot
/// fails (SQLITE_BUSY_SNAPSHOT) instead of waiting, so waiting our turn here is both correct and faster.
public struct Store: Sendable {
    public enum Dialect: Sendable { case sqlite, postgres }

    private let makeDatabase: @Sendable () -> any Database
    public let dialect: Dialect
    private let writeGate: AsyncGate
    private let groupCommit: GroupCommit

    public init(dialect: Dialect, makeDatabase: @escaping @Sendable () -> any Database) {
        self.makeDatabase = makeDatabase
        self.dialect = dialect
        self.writeGate = AsyncGate()
        self.groupCommit = GroupCommit()
    }

    /// Like `write`, for small hot writes (sending a message): on SQLite, writes that arrive while
    /// one is being committed are gathered and committed together — one transaction and one fsync
    /// for many. Contract: `body` throws a `PartaError` (a refusal) only before it writes anything;
    /// such a refusal fails that write alone. Any other error rolls the whole batch back, and each
    /// write of it is then done again in a transaction of its own, so only the faulty one fails.
    /// `published` runs after the commit, in the order the writes were made, before the callers
    /// resume (events go out in commit order). On PostgreSQL each write is its own transaction.
    public func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T,
                                          published: @escaping @Sendable (T) async -> Void) async throws -> T {
        guard dialect == .sqlite else {
            let value = try await write(body)
            await published(value)
            return value
        }
        let value = try await groupCommit.submit(store: self, body: { db in try await body(db) as any Sendable },
                                                 published: { value in await published(value as! T) })
        return value as! T
    }

    /// For reads outside a transaction.
    public var db: any Database { makeDatabase() }

    public var sql: any SQLDatabase { makeDatabase() as! any SQLDatabase }

    /// Runs `body` in one transaction: all of it is written, or none.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let database = makeDatabase()
        if dialect == .sqlite {
            return try await writeGate.withTurn {
                try await database.transaction { tx in try await body(tx) }
            }
        }
        return try await database.transaction { tx in try await body(tx) }
    }
}

/// A FIFO async mutex.
public final class AsyncGate: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NSLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func withTurn<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if busy {
                waiters.append(c)
                lock.unlock()
            } else {
                busy = true
                lock.unlock()
                c.resume()
            }
        }
    }

    private func release() {
        lock.lock()
        if waiters.isEmpty {
            busy = false
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}

/// The queue behind `Store.batchedWrite` on SQLite.
final class GroupCommit: @unchecked Sendable {
    // @unchecked: `pending` and `draining` are guarded by `lock`.
    struct Job {
        let body: @Sendable (any Database) async throws -> any Sendable
        let published: @Sendable (any Sendable) async -> Void
        let done: CheckedContinuation<any Sendable, any Error>
    }
    static let maxBatch = 512
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false

    func submit(store: Store, body: @escaping @Sendable (any Database) async throws -> any Sendable,
                published: @escaping @Sendable (any Sendable) async -> Void) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { done in
            let start = lock.withLock { () -> Bool in
                pending.append(Job(body: body, published: published, done: done))
                if draining { return false }
                draining = true
                return true
            }
            if start { Task { await self.drain(store) } }
        }
    }

    private func drain(_ store: Store) async {
        while true {
            let batch = lock.withLock { () -> [Job] in
                let batch = Array(pending.prefix(Self.maxBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let bodies = batch.map(\.body)
            var results: [Result<any Sendable, any Error>]
            do {
                results = try await store.write { db in
                    var out: [Result<any Sendable, any Error>] = []
                    for body in bodies {
                        do { out.append(.success(try await body(db))) } catch let refusal as PartaError { out.append(.failure(refusal)) }
                    }
                    return out
                }
            } catch {
                // Something failed mid-write: the batch is undone; each write alone, in order.
                results = []
                for body in bodies {
                    do { results.append(.success(try await store.write { db in try await body(db) })) } catch { results.append(.failure(error)) }
                }
            }
            for (job, result) in zip(batch, results) {
                if case let .success(value) = result { await job.published(value) }
            }
            for (job, result) in zip(batch, results) { job.done.resume(with: result) }
        }
    }
}
