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
    /// SQLite: a connection of Parta's own for batched sends (`SendQueue`).
    let sqliteWriter: SQLiteWriter?

    public init(dialect: Dialect, sqliteWriter: SQLiteWriter? = nil, makeDatabase: @escaping @Sendable () -> any Database) {
        self.makeDatabase = makeDatabase
        self.dialect = dialect
        self.sqliteWriter = sqliteWriter
        self.writeGate = AsyncGate()
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

    /// SQLite: runs `body` in one transaction on the `SQLiteWriter`, in its turn among this
    /// process's writers.
    func writeBatch<T: Sendable>(_ body: @escaping @Sendable (SQLiteWriter.Session) throws -> T) async throws -> T {
        try await withSQLiteWriter { writer in try writer.transaction(body) }
    }

    /// SQLite: runs `body` on the `SQLiteWriter`'s queue, in this process's turn among writers —
    /// for as many transactions as `body` runs; it should end its turn when `othersWaiting` says
    /// another writer waits.
    func withSQLiteWriter<T: Sendable>(_ body: @escaping @Sendable (SQLiteWriter.OnQueue) throws -> T) async throws -> T {
        guard let writer = sqliteWriter else { throw SQLiteWriteError(code: 21, message: "no SQLite writer") }
        return try await writeGate.withTurn { try await writer.onQueue(body) }
    }

    /// Whether a writer waits for its turn (see `withSQLiteWriter`).
    var othersWaiting: Bool { writeGate.hasWaiters }
}

/// A FIFO async mutex.
public final class AsyncGate: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NSLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Whether anyone waits for a turn now.
    public var hasWaiters: Bool { lock.withLock { !waiters.isEmpty } }

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
