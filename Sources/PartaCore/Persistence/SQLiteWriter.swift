import CPartaSQLite
import Foundation

/// A value bound to, or read from, an SQLite statement, stored as Fluent stores it on SQLite:
/// UUIDs as their upper-case text, dates as seconds since 1970, booleans as 0/1.
enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    init(_ uuid: UUID) { self = .text(uuid.upperText) }
    init(_ uuid: UUID?) { self = uuid.map { .text($0.upperText) } ?? .null }
    init(_ string: String?) { self = string.map { .text($0) } ?? .null }
    init(_ int: Int) { self = .int(Int64(int)) }
    init(_ date: Date) { self = .double(date.timeIntervalSince1970) }

    var uuid: UUID? { if case let .text(s) = self { UUID(text: s) } else { nil } }
    var string: String? { if case let .text(s) = self { s } else { nil } }
    var int: Int? {
        switch self {
        case let .int(i): Int(i)
        case let .double(d): Int(d)
        default: nil
        }
    }
    var bool: Bool { int.map { $0 != 0 } ?? false }
    var date: Date? {
        switch self {
        case let .double(d): Date(timeIntervalSince1970: d)
        case let .int(i): Date(timeIntervalSince1970: Double(i))
        default: nil
        }
    }
}

struct SQLiteWriteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// An SQLite connection of Parta's own for the hottest write path (sends, `SendQueue`), driven
/// synchronously on one serial queue: batches run as one job on that queue (`onQueue`), statements are
/// prepared once and kept, and rows are read where they are produced. Fluent's connections run each
/// statement as a round trip between an event loop and a thread pool — cheap alone, but a batch of
/// sends made of such trips spent most of its time waiting for busy event loops.
///
/// It uses the same copy of SQLite as Fluent (see `CPartaSQLite`). Writers in this process take
/// turns through `Store` (its write gate), so this connection never contends with Fluent's.
///
/// Checkpoints (copying the WAL back into the database file) are shared: a second connection runs a
/// PASSIVE checkpoint on its own queue shortly after the writer's commits (`checkpointDelay`: one
/// for the commits of that moment; none while nothing is written), beside the writer (PASSIVE
/// waits for no one), and the writer checkpoints at a commit only once the WAL holds `walPages` frames — by then
/// the other connection has copied most of them, so the writer copies the rest. That commit's
/// checkpoint is also what lets SQLite start the WAL file over (only a write that begins with every
/// frame copied does; a background checkpointer alone never sees that moment beside a busy writer,
/// and the file grew by gigabytes). Fluent's connections keep SQLite's default.
public final class SQLiteWriter: @unchecked Sendable {
    // @unchecked: `handle` and `statements` are touched only on `queue`.
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let queue = DispatchQueue(label: "parta.sqlite-writer")
    // Touched only on `checkpointQueue`.
    private var checkpointHandle: OpaquePointer?
    private let checkpointQueue = DispatchQueue(label: "parta.sqlite-checkpoint")
    private let checkpointLock = NSLock()
    private var checkpointScheduled = false   // guarded by `checkpointLock`

    /// Opens the database file (it exists: migrations have run) with the settings Fluent's
    /// connections have — synchronous=FULL (SQLite's default), WAL (kept in the file) — except
    /// foreign key checks.
    public init(path: String) throws {
        try SQLiteFunctions.install()   // `parta_stem`, which the triggers on `messages` call
        handle = try Self.open(path)
        // No foreign key checks on this connection: what its batches write refers to rows they have
        // read in the same transaction (the chat, the author), and an immediate foreign key check
        // would make every statement need its own undo (see `Session.insert`). Every other
        // connection checks them.
        try execute("PRAGMA foreign_keys = OFF")
        try execute("PRAGMA synchronous = FULL")
        try execute("PRAGMA wal_autocheckpoint = \(Self.walPages)")
        // 32 MB of page cache (SQLite's default is 2 MB): the pages of the indexes a send touches stay
        // in memory instead of being read back from the file for every batch.
        try execute("PRAGMA cache_size = -32768")
        checkpointHandle = try Self.open(path)
    }

    /// How soon after a commit the second connection checkpoints (the commits of that moment
    /// together). The shorter, the less the writer's own checkpoint at `walPages` has left to copy.
    static let checkpointDelay = DispatchTimeInterval.milliseconds(40)

    /// After a commit: a PASSIVE checkpoint on the second connection soon, unless one is scheduled.
    private func checkpointSoon() {
        let schedule = checkpointLock.withLock { () -> Bool in
            if checkpointScheduled { return false }
            checkpointScheduled = true
            return true
        }
        guard schedule else { return }
        checkpointQueue.asyncAfter(deadline: .now() + Self.checkpointDelay) { [weak self] in
            guard let self else { return }
            checkpointLock.withLock { checkpointScheduled = false }   // a commit from now on schedules the next
            if let db = checkpointHandle { sqlite_nio_sqlite3_wal_checkpoint_v2(db, nil, 0 /* PASSIVE */, nil, nil) }
        }
    }

    /// 16,384 frames of 4 KB: the WAL stays under about 64 MB. The writer's own checkpoint (the
    /// frames the other connection has not copied yet, an fsync of the database file, the WAL
    /// started over) then comes every ~40 batches at full speed; at 4,096 frames it came four times
    /// as often and sends/s were about a fifth lower (`parta-bench sends`).
    static let walPages = 16_384

    private static func open(_ path: String) throws -> OpaquePointer {
        var db: OpaquePointer?
        let flags = PARTA_SQLITE_OPEN_READWRITE | PARTA_SQLITE_OPEN_CREATE | PARTA_SQLITE_OPEN_FULLMUTEX | PARTA_SQLITE_OPEN_EXRESCODE
        let opened = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard opened == PARTA_SQLITE_OK, let db else {
            if let db { sqlite_nio_sqlite3_close_v2(db) }
            throw SQLiteWriteError(code: opened, message: "cannot open \(path)")
        }
        sqlite_nio_sqlite3_busy_timeout(db, 10_000)
        return db
    }

    /// Gives back the page caches of both connections (`PRAGMA shrink_memory`): after a wave of
    /// sockets has left, what their sign-ins read stays cached in memory otherwise.
    public func releaseMemory() {
        queue.async { [weak self] in
            if let handle = self?.handle { sqlite_nio_sqlite3_exec(handle, "PRAGMA shrink_memory", nil, nil, nil) }
        }
        checkpointQueue.async { [weak self] in
            if let db = self?.checkpointHandle { sqlite_nio_sqlite3_exec(db, "PRAGMA shrink_memory", nil, nil, nil) }
        }
    }

    /// Finalizes the statements and closes the connection (after any job already queued).
    public func close() {
        checkpointQueue.sync { closeCheckpointer() }
        queue.sync { closeNow() }
    }

    deinit {   // nothing else can reach it now; may run on one of its queues
        closeCheckpointer()
        closeNow()
    }

    private func closeNow() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        // Copy the whole WAL into the database and empty it, so a stopped server leaves one file.
        if let handle { sqlite_nio_sqlite3_exec(handle, "PRAGMA wal_checkpoint(TRUNCATE)", nil, nil, nil) }
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    private func closeCheckpointer() {
        if let checkpointHandle {
            sqlite_nio_sqlite3_exec(checkpointHandle, "PRAGMA wal_checkpoint(PASSIVE)", nil, nil, nil)
            sqlite_nio_sqlite3_close_v2(checkpointHandle)
        }
        checkpointHandle = nil
    }

    /// Runs `body` on the writer's queue, where it may run transactions one after another
    /// synchronously (`OnQueue.transaction`) without a hop out and back between them.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable (OnQueue) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            queue.async {
                done.resume(with: Result { try body(OnQueue(writer: self)) })
            }
        }
    }

    /// The writer, on its queue. Not to be kept beyond `onQueue`'s body.
    struct OnQueue {
        fileprivate let writer: SQLiteWriter

        /// One IMMEDIATE transaction: all of `body` is committed, or nothing (an error rolls back
        /// and is rethrown).
        func transaction<T>(_ body: (Session) throws -> T) throws -> T {
            guard writer.handle != nil else { throw SQLiteWriteError(code: 21, message: "the writer is closed") }
            try writer.execute("BEGIN IMMEDIATE")
            do {
                let value = try body(Session(writer: writer))
                try writer.execute("COMMIT")
                writer.checkpointSoon()
                return value
            } catch {
                try? writer.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Statements inside `OnQueue.transaction`. Not to be kept beyond it. This connection does not check
    /// foreign keys (see `init`): what is written here must refer only to rows read in the same
    /// transaction, and nothing here may delete or change a row that others refer to (no cascades).
    struct Session {
        fileprivate let writer: SQLiteWriter

        /// Runs a statement and returns its rows (each a list of the columns' values, in order).
        @discardableResult
        func rows(_ sql: String, _ binds: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
            try writer.run(sql, binds)
        }

        /// The first row, if any.
        func first(_ sql: String, _ binds: [SQLiteValue] = []) throws -> [SQLiteValue]? {
            try writer.run(sql, binds, limit: 1).first
        }

        /// Inserts `rows` (each a value per column, the first never NULL) in one `INSERT OR FAIL`
        /// per up to 256 rows. Why not a statement per row: a statement that may have to be undone
        /// alone opens a savepoint, and at every savepoint SQLite's FTS5 writes out what it holds in
        /// memory — with the full-text trigger on `messages`, a new index segment per message, merged
        /// again later — and keeps a copy of every page the statement changes that the transaction
        /// had changed before. One statement for the batch's rows writes the index once. Statements
        /// are kept per power of two (1, 2, 4, … 256 rows): the rows beyond `rows.count` are bound
        /// NULL and skipped by the statement's `WHERE`. OR FAIL (and no foreign key checks on this
        /// connection, see `init`): a failure fails the whole transaction, which `transaction` rolls back.
        func insert(into table: String, columns: [String], rows: [[SQLiteValue]]) throws {
            var start = 0
            while start < rows.count {
                let count = min(rows.count - start, Self.largestInsert)
                var size = 1
                while size < count { size *= 2 }
                let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                let sql = "INSERT OR FAIL INTO \(table) (\(columns.joined(separator: ", "))) SELECT * FROM (VALUES "
                    + Array(repeating: placeholders, count: size).joined(separator: ", ") + ") WHERE column1 IS NOT NULL"
                var binds = Array(rows[start..<start + count].joined())
                binds.append(contentsOf: repeatElement(.null, count: (size - count) * columns.count))
                try writer.run(sql, binds)
                start += count
            }
        }

        static let largestInsert = 256
    }

    // MARK: On the queue

    private func execute(_ sql: String) throws {
        guard sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil) == PARTA_SQLITE_OK else { throw lastError() }
    }

    private func lastError() -> SQLiteWriteError {
        SQLiteWriteError(code: sqlite_nio_sqlite3_extended_errcode(handle),
                         message: sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown")
    }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let kept = statements[sql] { return kept }
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(PARTA_SQLITE_PREPARE_PERSISTENT), &statement, nil) == PARTA_SQLITE_OK,
              let statement else { throw lastError() }
        statements[sql] = statement
        return statement
    }

    private func run(_ sql: String, _ binds: [SQLiteValue], limit: Int = .max) throws -> [[SQLiteValue]] {
        let statement = try statement(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (i, value) in binds.enumerated() {
            let index = Int32(i + 1)
            let bound: Int32
            switch value {
            case .null: bound = sqlite_nio_sqlite3_bind_null(statement, index)
            case let .int(v): bound = sqlite_nio_sqlite3_bind_int64(statement, index, v)
            case let .double(v): bound = sqlite_nio_sqlite3_bind_double(statement, index, v)
            case let .text(v):
                var v = v
                bound = v.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { text in
                        sqlite_nio_sqlite3_bind_text64(statement, index, text.baseAddress, UInt64(text.count), parta_sqlite_transient(), 1)
                    }
                }
            }
            guard bound == PARTA_SQLITE_OK else { throw lastError() }
        }
        var rows: [[SQLiteValue]] = []
        let columns = sqlite_nio_sqlite3_column_count(statement)
        while true {
            let step = sqlite_nio_sqlite3_step(statement)
            if step == PARTA_SQLITE_DONE { break }
            guard step == PARTA_SQLITE_ROW else { throw lastError() }
            guard rows.count < limit else { continue }   // stepped to the end all the same: a write completes
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(columns))
            for c in 0..<columns {
                switch sqlite_nio_sqlite3_column_type(statement, c) {
                case PARTA_SQLITE_INTEGER: row.append(.int(sqlite_nio_sqlite3_column_int64(statement, c)))
                case PARTA_SQLITE_FLOAT: row.append(.double(sqlite_nio_sqlite3_column_double(statement, c)))
                case PARTA_SQLITE_NULL: row.append(.null)
                default:
                    let count = Int(sqlite_nio_sqlite3_column_bytes(statement, c))
                    let text = sqlite_nio_sqlite3_column_text(statement, c)
                    row.append(.text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""))
                }
            }
            rows.append(row)
        }
        return rows
    }
}
