import FluentKit
import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PartaCore
import Vapor

/// Whether PostgreSQL can be reached, and healing after it could not (issue 11: a PostgreSQL
/// restart under load used to leave the server waiting 10 s per request for a pool connection and,
/// in some runs, never recover without a restart).
///
/// - A request that fails because the database is unreachable (connection refused or closed by the
///   server, an administrator's shutdown, the pool waiting too long) is answered 503
///   `database_unavailable` (`DatabaseGuard`) and starts the probe.
/// - The probe opens a fresh connection of its own every 300 ms (given 0.4 s to answer). While that
///   fails, the database is *down*: every API request and `/readyz` answer 503 at once, without
///   touching the pool, and requests in flight are answered 503 at once (`failingOnOutage`: a query
///   on a connection that died at the wrong moment may never complete). When it answers again the
///   pool is replaced (`Databases.reinitialize`): connections held by such queries go with the old
///   one. A pool that cannot serve `SELECT 1` within a second while the server answers fresh
///   connections is wedged and is replaced too. Then the database is up again.
/// - The LISTEN connection's loss starts the probe at once (`probeSoon`).
/// - The LISTEN connection of `PostgresEventBus` reconnects by itself; when it does, every socket
///   is told to reconnect and resume.
/// On SQLite nothing of this runs (the database is a file in the process).
final class DatabaseAvailability: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`.
    private let lock = NIOLock()
    private var down = false
    private var probing = false
    private var stopped = false
    /// Requests in progress, failed at once when the database is found down (`failingOnOutage`).
    private var inFlight: [Int: @Sendable () -> Void] = [:]
    private var nextID = 0
    private let configuration: PostgresConnection.Configuration?
    private let databases: Databases
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    init(postgresURL: String?, databases: Databases, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        self.configuration = try postgresURL.map { try SQLPostgresConfiguration(url: $0).coreConfiguration }
        self.databases = databases
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Known to be unreachable now: answer 503 without trying.
    var isDown: Bool { lock.withLock { down } }

    /// Whether there is a database server to lose (PostgreSQL).
    var isRemote: Bool { configuration != nil }

    /// Runs `work`, but answers 503 at once if the database is found down meanwhile: a query on a
    /// connection that died at the wrong moment (PostgresNIO, seen under `pg_ctl stop -m fast`) may
    /// never complete, and its request would wait forever. The work itself is left to finish or not.
    func failingOnOutage<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let settled = NIOLockedValueBox(false)
        return try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            let id = lock.withLock { () -> Int in nextID += 1; return nextID }
            @Sendable func finish(_ result: Result<T, any Error>) {
                guard settled.withLockedValue({ was in defer { was = true }; return !was }) else { return }
                lock.withLock { _ = inFlight.removeValue(forKey: id) }
                done.resume(with: result)
            }
            let already = lock.withLock { () -> Bool in
                if down { return true }
                inFlight[id] = { finish(.failure(Self.unavailable)) }
                return false
            }
            if already { finish(.failure(Self.unavailable)); return }
            Task {
                do { finish(.success(try await work())) } catch { finish(.failure(error)) }
            }
        }
    }

    static let unavailable = PartaError(.serviceUnavailable, "database_unavailable",
                                        "База данных временно недоступна. Повторите через несколько секунд.")

    /// A request failed with `error`: when it says the database is unreachable, probe (once at a time).
    /// Returns whether it did.
    @discardableResult
    func noticed(_ error: any Error) -> Bool {
        guard configuration != nil, Self.isUnavailability(error) else { return false }
        if startProbe() { logger.warning("database unreachable (\(String(reflecting: error))); probing") }
        return true
    }

    /// Something other than a request saw the database go (the LISTEN connection was lost): probe
    /// now, so requests hanging on dead connections are answered at once.
    func probeSoon() { _ = startProbe() }

    /// Starts the probe unless it runs already; whether it started.
    private func startProbe() -> Bool {
        guard configuration != nil else { return false }
        let start = lock.withLock { () -> Bool in
            guard !probing, !stopped else { return false }
            probing = true
            return true
        }
        if start { Task { await self.probe() } }
        return start
    }

    func stop() { lock.withLock { stopped = true } }

    private func probe() async {
        var wasDown = false
        while !lock.withLock({ stopped }) {
            if await freshConnectionAnswers() {
                // Back after an outage: a fresh pool. Connections of the old one may be held for
                // good by queries that never completed when the server went away.
                if wasDown {
                    logger.notice("database back: replacing the connection pool")
                    databases.reinitialize(.psql)
                }
                if await poolAnswers() {
                    break
                }
                logger.warning("database answers, the connection pool does not: replacing the pool")
                databases.reinitialize(.psql)
                if await poolAnswers() { break }
            } else {
                if !wasDown { logger.warning("database down: answering 503 until it is back") }
                wasDown = true
                let waiting = lock.withLock { () -> [@Sendable () -> Void] in
                    down = true
                    defer { inFlight = [:] }
                    return Array(inFlight.values)
                }
                for fail in waiting { fail() }
            }
            try? await Task.sleep(nanoseconds: 300_000_000)
        }
        lock.withLock { down = false; probing = false }
        if wasDown { logger.notice("database reachable again") }
    }

    /// A connection of its own (never waits for the pool): connect, `SELECT 1`, close — within 0.4 s
    /// (a database server that takes longer to accept a connection is as good as down: requests in
    /// flight are released with 503 then, well within the second the product promises).
    private func freshConnectionAnswers() async -> Bool {
        guard let configuration else { return true }
        let group = eventLoopGroup, logger = logger
        return await Self.within(seconds: 0.4) {
            let connection = try await PostgresConnection.connect(on: group.any(), configuration: configuration, id: 2, logger: logger)
            // Closed (and awaited) on every path: PostgresNIO asserts a connection is closed before it goes.
            do { _ = try await connection.query("SELECT 1", logger: logger).get() } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        }
    }

    /// The pool serves `SELECT 1` within a second.
    func poolAnswers() async -> Bool {
        let databases = databases, logger = logger, group = eventLoopGroup
        return await Self.within(seconds: 1) {
            guard let sql = databases.database(logger: logger, on: group.any()) as? any SQLDatabase else { return }
            _ = try await sql.raw("SELECT 1").all()
        }
    }

    /// Runs `work` and tells whether it finished without error in time. The work is not awaited
    /// past the limit (a pool request may wait much longer; its answer is then ignored).
    static func within(seconds: Double, _ work: @escaping @Sendable () async throws -> Void) async -> Bool {
        let settled = NIOLockedValueBox(false)
        return await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            func finish(_ ok: Bool) {
                let first = settled.withLockedValue { was in defer { was = true }; return !was }
                if first { done.resume(returning: ok) }
            }
            Task {
                do { try await work(); finish(true) } catch { finish(false) }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                finish(false)
            }
        }
    }

    /// Errors that say the database cannot be reached now (not that a query was wrong).
    static func isUnavailability(_ error: any Error) -> Bool {
        switch error {
        case let e as PSQLError:
            switch e.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // 08…: connection exceptions; 57P01–57P03: shutting down, crash, cannot connect now; 53300: too many connections.
                let state = e.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            default:
                return false
            }
        case is ConnectionPoolTimeoutError, is ConnectionPoolError:
            return true
        default:
            // (Socket errors of other services — SMTP, the SMS gateway — are not the database's.)
            return false
        }
    }
}

/// Answers API requests 503 at once while the database is down, and turns failures that say it
/// is unreachable into 503 `database_unavailable` (never a 500), starting the probe.
struct DatabaseGuard: AsyncMiddleware {
    let availability: DatabaseAvailability

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let api = req.url.path.hasPrefix("/api/v1/")
        if api && availability.isDown { throw DatabaseAvailability.unavailable }
        let availability = availability
        @Sendable func respond() async throws -> Response {
            do {
                return try await next.respond(to: req)
            } catch {
                if availability.noticed(error) { throw DatabaseAvailability.unavailable }
                throw error
            }
        }
        // The WebSocket upgrade is answered at once; its socket lives outside this request.
        guard api, availability.isRemote, req.url.path != "/api/v1/ws" else { return try await respond() }
        return try await availability.failingOnOutage(respond)
    }
}
