import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import PartaCore
import Vapor

/// What tests may replace: the senders (to read codes), the clock, the limits.
public struct PartaOverrides: Sendable {
    public var outbox: Outbox?
    public var clock: (any PartaClock)?
    public var rules: AuthRules?
    public init(outbox: Outbox? = nil, clock: (any PartaClock)? = nil, rules: AuthRules? = nil) {
        self.outbox = outbox; self.clock = clock; self.rules = rules
    }
}

/// Builds the application: storage, services, middleware, routes. The executable and the tests
/// call this same function.
public func configure(_ app: Application, config: PartaConfig, overrides: PartaOverrides = .init()) async throws {
    Metrics.bootstrapOnce()
    try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)

    // Storage: PostgreSQL when DATABASE_URL is set, otherwise an SQLite file in the data directory.
    let dialect: Store.Dialect
    var sqlitePath: String?
    if let url = config.databaseURL {
        // A pool wait is bounded (5 s; a request that cannot get a connection answers 503) and a
        // request fails at once while the database is known to be down (`DatabaseAvailability`).
        app.databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: url),
                                    maxConnectionsPerEventLoop: config.databasePoolPerLoop,
                                    connectionPoolTimeout: .seconds(5), pruneInterval: nil), as: .psql)
        dialect = .postgres
    } else {
        let path = config.dataDirectory.appendingPathComponent("parta.sqlite").path
        // Before any connection opens: every SQLite connection gets `parta_stem` (message search).
        try SQLiteFunctions.install()
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
        sqlitePath = path
        dialect = .sqlite
    }
    app.migrations.add(PartaMigrations.all)
    app.databases.middleware.use(UserSearchKey())
    if dialect == .sqlite, let sql = app.db as? any SQLDatabase {
        // WAL: readers never wait for the writer. synchronous=FULL (the default) makes every commit
        // durable before it is acknowledged, so an acknowledged write survives kill -9 and power loss.
        try await sql.raw("PRAGMA journal_mode=WAL").run()
    }

    let logger = app.logger
    let outbox = overrides.outbox ?? Outbox(
        sms: {
            switch config.sms {
            case .console: return ConsoleSender(logger: logger)
            case let .http(url, token): return HTTPSMSSender(url: url, token: token, client: app.client)
            }
        }(),
        email: {
            switch config.mail {
            case .console: return ConsoleSender(logger: logger)
            case let .smtp(settings): return SMTPSender(settings: settings, group: app.eventLoopGroup, logger: logger)
            }
        }())
    let clock = overrides.clock ?? SystemClock()
    // Several processes on one PostgreSQL tell each other their events (LISTEN/NOTIFY).
    let postgresBus = try config.databaseURL.map { try PostgresEventBus(url: $0, eventLoopGroup: app.eventLoopGroup, logger: logger) }
    let events: any EventBus = postgresBus ?? InMemoryEventBus()
    let databases = app.databases
    // SQLite: sends are written in batches on a connection of their own (`SQLiteWriter`).
    let sqliteWriter = try sqlitePath.map { try SQLiteWriter(path: $0) }
    if let sqliteWriter { app.lifecycle.use(StopOnShutdown { sqliteWriter.close() }) }
    let store = Store(dialect: dialect, sqliteWriter: sqliteWriter) { databases.database(logger: logger, on: databases.eventLoopGroup.any())! }
    let availability = try DatabaseAvailability(postgresURL: config.databaseURL, databases: databases,
                                                eventLoopGroup: app.eventLoopGroup, logger: logger)
    app.lifecycle.use(StopOnShutdown { availability.stop() })
    let publicURL = config.publicURL ?? "http://\(app.http.server.configuration.hostname):\(app.http.server.configuration.port)"
    let context = PartaContext(
        store: store, clock: clock, hasher: BcryptHasher(cost: config.bcryptCost, pool: app.threadPool),
        outbox: outbox, events: events, limiter: RateLimiter(clock: clock),
        files: try FileStore(directory: config.dataDirectory.appendingPathComponent("files", isDirectory: true)),
        rules: overrides.rules ?? config.authRules, publicURL: publicURL, logger: logger)
    app.parta = PartaServices(context: context, config: config)

    let hub = SocketHub(replay: { chatID, after in try await ChatEventLog.replay(chatID: chatID, after: after, on: store.db) },
                        logger: logger, socketsPerUser: context.rules.socketsPerUser,
                        socketsPerAddress: context.rules.socketsPerAddress)
    app.socketHub = hub
    // After a wave of disconnects, the memory they freed goes back to the kernel (SocketMemory.swift).
    let trimmer = TrimAfterDisconnects(hub: hub, sweep: { context.actors.sweep(now: clock.now()) }, releaseCaches: {
        guard dialect == .sqlite else { return }
        sqliteWriter?.releaseMemory()
        // Fluent's SQLite pool keeps one connection per event loop (its default): reach each.
        for loop in databases.eventLoopGroup.makeIterator() {
            try? await (databases.database(logger: logger, on: loop) as? any SQLDatabase)?.raw("PRAGMA shrink_memory").run()
        }
    }, logger: logger)
    trimmer.start(on: app.eventLoopGroup.any())
    app.lifecycle.use(StopOnShutdown { trimmer.stop() })
    context.actors.follow(events)
    events.subscribeToAllProcesses { event in await hub.handle(event) }
    // Housekeeping every hour: the realtime log beyond its retention, uploads never sent.
    let housekeepingLoop = app.eventLoopGroup.any()
    let housekeeping = housekeepingLoop.scheduleRepeatedAsyncTask(initialDelay: .seconds(30), delay: .hours(1)) { _ in
        housekeepingLoop.makeFutureWithTask {
            let now = clock.now()
            do {
                try await store.write { db in try await ChatEventLog.prune(olderThan: now.addingTimeInterval(-ChatEventLog.retention), on: db) }
                try await AttachmentService.dropUnsent(olderThan: now.addingTimeInterval(-24 * 3600), context)
            } catch { logger.error("housekeeping failed: \(error)") }
        }
    }
    app.lifecycle.use(StopOnShutdown { housekeeping.cancel() })
    // Sockets of sessions past their absolute end close within a minute (REST refuses them at once).
    let sessionSweep = housekeepingLoop.scheduleRepeatedAsyncTask(initialDelay: .seconds(60), delay: .seconds(60)) { _ in
        housekeepingLoop.makeFutureWithTask { await hub.endSessions(endedBy: clock.now()) }
    }
    app.lifecycle.use(StopOnShutdown { sessionSweep.cancel() })
    if let postgresBus {
        postgresBus.onRelisten = { context.actors.forgetAll(); await hub.closeAll() }
        postgresBus.onConnectionLost = { availability.probeSoon() }
        postgresBus.start(store: store)
        app.lifecycle.use(StopOnShutdown { postgresBus.stop() })
    }
    RosterChats.follow(events, context)

    // Thousands of clients connect at once at the first bell (see ListenBacklog.swift).
    ListenBacklog.apply(config.listenBacklog, to: app)

    // Middleware: errors in the API's JSON shape, security headers, the web client from Public/.
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: Request.maxJSONBodySize)
    app.middleware = Middlewares()
    app.middleware.use(RedactingRouteLogger())
    // gzip where it pays (see ResponseCompressionPolicy): Vapor's compressor compresses nothing
    // unless the policy marks the response, which it does after the error middleware made it.
    app.http.server.configuration.responseCompression = .disabled(allowedTypes: .none, allowRequestOverrides: true)
    app.middleware.use(ResponseCompressionPolicy())
    app.middleware.use(PartaErrorMiddleware())
    app.middleware.use(DatabaseGuard(availability: availability))
    app.middleware.use(RequestLimitsMiddleware())
    // Heads too long for NIO's decoder get a JSON answer too (see `RequestLimits`).
    app.servers.use { app in LimitsHTTPServer(inner: app.http.server.shared, logger: app.logger) }
    app.middleware.use(SecurityHeadersMiddleware())
    let checkout = checkoutDirectory(app)
    let publicDirectory = config.publicDirectory ?? checkout + "Public/"
    // The web client's files, from memory, gzip-compressed, under a release id (WebClientFiles.swift).
    let webClient = try WebClientFiles(directory: publicDirectory, defaultFile: "index.html", logger: logger)
    app.webClient = webClient
    app.middleware.use(WebClientFilesMiddleware(web: webClient))
    app.openAPIPath = config.openAPIPath ?? checkout + "docs/openapi.yaml"

    try routes(app, hub: hub, availability: availability)
    // Last, from the finished route table: a known path asked with a method it lacks is 405 with `Allow`.
    app.middleware.use(MethodNotAllowedMiddleware(routes: app.routes.all))
    // Registered last, so it runs first when the application shuts down (handlers run in reverse):
    // the server stops taking work and finishes what it has before the database closes.
    app.lifecycle.use(GracefulStop(hub: hub, sends: context.sends))
}

/// A graceful stop (SIGTERM, SIGINT, or the tests' shutdown): stop accepting connections, answer
/// the HTTP requests in flight, let the sends already taken over sockets be written and answered,
/// close every WebSocket with 1001 (clients reconnect and resume), then let the other handlers
/// close the SQLite writer (with a checkpoint) and the database. Without it, Vapor closed the
/// database first while sockets still sent, and the HTTP server waited for sockets that never closed.
struct GracefulStop: LifecycleHandler {
    let hub: SocketHub
    let sends: SendQueue

    func shutdownAsync(_ app: Application) async {
        let started = NIODeadline.now()
        // Stop accepting; HTTP connections finish their request in flight, then close.
        let server = app.server
        let http = Task { await server.shutdown() }
        await hub.stop()
        await sends.idle(waitingAtMost: .seconds(5))
        await http.value
        app.logger.notice("stopped gracefully in \((NIODeadline.now() - started).nanoseconds / 1_000_000) ms")
    }
}

extension Application {
    private struct WebClientKey: StorageKey { typealias Value = WebClientFiles }
    /// The web client's files as served (release id, files), for tests and the start-up log.
    var webClient: WebClientFiles? {
        get { storage[WebClientKey.self] }
        set { storage[WebClientKey.self] = newValue }
    }

    private struct OpenAPIPathKey: StorageKey { typealias Value = String }
    var openAPIPath: String? {
        get { storage[OpenAPIPathKey.self] }
        set { storage[OpenAPIPathKey.self] = newValue }
    }
}

/// Bcrypt from Vapor, run on the thread pool so hashing never blocks an event loop.
struct BcryptHasher: PasswordHashing {
    let cost: Int
    let pool: NIOThreadPool

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await pool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await pool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }
}

/// Start-up work for `serve`: migrate, then print the setup link while no operator exists.
/// Where `Public/` and `docs/` are: the working directory when it has them (`swift run parta` in
/// the repository), else the checkout the binary was built in (`<checkout>/.build/<config>/parta`).
private func checkoutDirectory(_ app: Application) -> String {
    let working = app.directory.workingDirectory
    if FileManager.default.fileExists(atPath: working + "Public/index.html") { return working }
    let binary = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    var candidate = binary.deletingLastPathComponent()
    for _ in 0..<4 {
        candidate = candidate.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Public/index.html").path) {
            return candidate.path + "/"
        }
    }
    return working
}

public func prepareToServe(_ app: Application) async throws {
    try await app.autoMigrate()
    var banner = "\n  Parta is starting at \(app.parta.context.publicURL)\n"
    if let link = try await app.parta.setup.setupLinkIfNeeded() {
        app.logger.notice("Setup link: \(link)")
        banner += "  No operator account yet. Open the one-time Setup link: \(link)\n"
    }
    print(banner)
}

/// `parta setup-link`: prints a new one-time setup link (e.g. to create another operator account).
struct SetupLinkCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Prints a new one-time link for creating an operator account." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await context.application.autoMigrate()
        let link = try await context.application.parta.setup.makeSetupLink()
        context.console.print("Setup link: \(link)")
    }
}

public func registerCommands(_ app: Application) {
    app.asyncCommands.use(SetupLinkCommand(), as: "setup-link")
}

/// Runs `action` when the application shuts down.
struct StopOnShutdown: LifecycleHandler {
    let action: @Sendable () -> Void
    func shutdown(_ application: Application) { action() }
}
