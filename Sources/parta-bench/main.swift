// parta-bench — load scenarios against a real Parta server over HTTP on loopback.
//
//   swift run -c release parta-bench school [--students 3000] [--requests 400] [--concurrency 8]
//                                           [--database-url postgres://…]
//   parta-bench journal — the same school with a year's timetable: see Journal.swift
//
// `school` (issue 3's scale): starts the server in this process on a fresh database (an SQLite file
// in a temporary directory, or the PostgreSQL database given — its schema is emptied), makes a school
// with 110 classes and 250 confirmed staff, imports the roster of N students with two parents each
// through the HTTP import (timed: preview, then import), then measures the administrator's pages —
// the members list (first and deep pages, role and class filters), search by name and by phone, and
// a class's roster — printing p50/p95/p99/max latency and throughput per scenario against the goals
// (p95 < 100 ms; the 3,000-row import < 10 s). The load generator shares the machine's two cores
// with the server, so the figures are conservative.
//
// The messaging scenarios (Messaging.swift) seed a fresh SQLite data directory in this process, then
// run the release `parta` binary on it as a child process and measure it over loopback, printing the
// server's CPU and memory from /proc/<pid>:
//
//   parta-bench fanout   [--members 1000] [--rate 50] [--seconds 20] [--max-seconds 10] [--senders 32] [--system-channel]
//   parta-bench idle     [--clients 10000] [--hold 5] [--rounds 10] [--settle 60]
//   parta-bench sends    [--chats 1000] [--senders 200] [--seconds 20] [--via ws|http] [--no-listen]
//   parta-bench bellring [--clients 5000]
//   parta-bench history  [--messages 10000] [--requests 400]
//
// `thumbnails` (Thumbnails.swift) times the image work of an upload in this process:
//
//   parta-bench thumbnails [--jpeg PHOTO.jpg] [--png SCREENSHOT.png] [--rounds 10]
//
// Common options: --server-bin PATH (default: `parta` next to this executable), --threads N (the load
// generator's event loops, default 2), --timeout S (per WebSocket handshake, default 30),
// --connect-concurrency N (handshakes in flight while connecting, default 256), --keep.
import Foundation
import PartaCore
import PartaServer
import SQLKit
import Vapor

struct Options {
    var scenario = "school"
    var students = 3_000
    var staff = 250
    var requests = 400
    var concurrency = 8
    var databaseURL: String?
    var keep = false
    // Messaging scenarios (nil: the scenario's own default).
    var members: Int?
    var rate: Double?
    var seconds: Double?
    var maxSeconds: Double?
    var senders: Int?
    var clients: Int?
    var chats: Int?
    var hold: Double?
    /// idle: connect/disconnect rounds, and the wait after the last disconnect before RSS is read.
    var rounds: Int?
    var settle: Double?
    var messages: Int?
    var systemChannel = false
    var listen = true
    /// sends: over each sender's WebSocket (`{"type":"send"}`, the web client's way) or `POST …/messages`.
    var via = "ws"
    var threads = 2
    var timeout = 30.0
    var connectConcurrency = 256
    var serverBin: String?
    /// thumbnails: the images to time (Thumbnails.swift).
    var jpeg: String?
    var png: String?

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 1
        if i < args.count, !args[i].hasPrefix("-") { o.scenario = args[i]; i += 1 }
        while i < args.count {
            let value = i + 1 < args.count ? args[i + 1] : ""
            switch args[i] {
            case "--students": o.students = Int(value) ?? o.students
            case "--staff": o.staff = Int(value) ?? o.staff
            case "--requests": o.requests = Int(value) ?? o.requests
            case "--concurrency": o.concurrency = Int(value) ?? o.concurrency
            case "--database-url": o.databaseURL = value
            case "--keep": o.keep = true; i -= 1   // keep the SQLite data directory for a look afterwards
            case "--members": o.members = Int(value) ?? o.members
            case "--rate": o.rate = Double(value) ?? o.rate
            case "--seconds": o.seconds = Double(value) ?? o.seconds
            case "--max-seconds": o.maxSeconds = Double(value) ?? o.maxSeconds
            case "--senders": o.senders = Int(value) ?? o.senders
            case "--clients": o.clients = Int(value) ?? o.clients
            case "--chats": o.chats = Int(value) ?? o.chats
            case "--hold": o.hold = Double(value) ?? o.hold
            case "--rounds": o.rounds = Int(value).map { max(1, $0) } ?? o.rounds
            case "--settle": o.settle = Double(value).map { max(0, $0) } ?? o.settle
            case "--messages": o.messages = Int(value) ?? o.messages
            case "--threads": o.threads = max(1, Int(value) ?? o.threads)
            case "--timeout": o.timeout = Double(value) ?? o.timeout
            case "--connect-concurrency": o.connectConcurrency = max(1, Int(value) ?? o.connectConcurrency)
            case "--server-bin": o.serverBin = value
            case "--jpeg": o.jpeg = value
            case "--png": o.png = value
            case "--system-channel": o.systemChannel = true; i -= 1
            case "--no-listen": o.listen = false; i -= 1
            case "--via":
                guard value == "ws" || value == "http" else { fail("--via ws or --via http") }
                o.via = value
            default: fail("unknown option \(args[i]); see the comment at the top of Sources/parta-bench/main.swift")
            }
            i += 2
        }
        return o
    }
}

func fail(_ message: String) -> Never {
    stopChildServer()
    FileHandle.standardError.write(Data(("parta-bench: " + message + "\n").utf8))
    exit(2)
}

let options = Options.parse(CommandLine.arguments)
let scenarios = ["school", "journal", "fanout", "idle", "sends", "bellring", "history", "thumbnails"]
guard scenarios.contains(options.scenario) else { fail("unknown scenario \(options.scenario) (known: \(scenarios.joined(separator: ", ")))") }

// Everything runs inside one async function: in top-level code, Swift may pick the
// EventLoopFuture overloads of Fluent's calls (e.g. `autoMigrate()`), which then run unawaited.
func school(_ options: Options) async throws {

    // MARK: The server, in this process, on a fresh database

    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("parta-bench-\(UUID().uuidString)")
    var environment = Environment.production
    environment.arguments = [CommandLine.arguments[0]]   // Vapor must not read the bench's own options
    let app = try await Application.make(environment)
    if ProcessInfo.processInfo.environment["BENCH_DEBUG"] == nil { app.logger.logLevel = .warning }
    let config = PartaConfig(dataDirectory: dataDirectory, databaseURL: options.databaseURL, publicURL: "http://127.0.0.1",
                             bcryptCost: 4, logLevel: ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil ? .debug : .warning)
    try await configure(app, config: config)
    if ProcessInfo.processInfo.environment["BENCH_DEBUG"] == nil { app.logger.logLevel = .warning }
    if options.databaseURL != nil, let sql = app.db as? any SQLDatabase {
        try await sql.raw("DROP SCHEMA public CASCADE").run()
        try await sql.raw("CREATE SCHEMA public").run()
    }
    try await app.autoMigrate()
    func startServer() async throws -> Int? {
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        return app.http.server.shared.localAddress?.port
    }
    guard let port = try await startServer() else { fail("the server did not start") }
    let base = "http://127.0.0.1:\(port)/api/v1"
    print("parta-bench school: server on 127.0.0.1:\(port), \(options.databaseURL == nil ? "SQLite (WAL)" : "PostgreSQL"), "
          + "\(options.students) students × 2 parents, \(options.staff) staff, \(options.requests) requests per scenario, concurrency \(options.concurrency)")

    // MARK: The school: classes 1–11 × А–К, staff, the administrator

    let letters = Array("АБВГДЕЖЗИК")
    let surnames = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
                    "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
                    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев"]
    let boys = ["Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Даниил", "Егор", "Андрей", "Илья", "Кирилл"]
    let girls = ["Анна", "Мария", "Елена", "Дарья", "Алина", "Ирина", "Екатерина", "Арина", "Полина", "Ольга", "Виктория", "Ксения"]
    var rng = SystemRandomNumberGenerator()

    let db = app.db
    let now = Date()
    let year = AcademicYear.containing(now)
    let school = SchoolRecord()
    school.name = "МБОУ «Школа № 1 (нагрузочный тест)»"; school.shortName = "Школа № 1"; school.address = "г. Киров"
    school.region = "Кировская область"; school.inn = "7707083893"; school.phone = ""; school.email = ""; school.website = ""
    school.directorName = ""; school.timezone = "Europe/Moscow"; school.createdAt = now; school.updatedAt = now; school.moderatorsSeeReporters = false
    try await school.create(on: db)
    let schoolID = try school.requireID()

    func user(_ name: String, email: String? = nil, phone: String? = nil, password: String? = nil) -> UserRecord {
        let u = UserRecord()
        u.id = UUID(); u.fullName = name; u.email = email; u.phone = phone; u.passwordHash = password
        u.status = AccountStatus.active.rawValue; u.isOperator = false; u.locale = "ru"; u.createdAt = now
        u.searchKey = UserSearchKey.make(u)
        return u
    }
    func membership(_ userID: UUID, _ role: SchoolRole) -> MembershipRecord {
        let m = MembershipRecord()
        m.schoolID = schoolID; m.userID = userID; m.role = role.rawValue; m.verified = true; m.createdAt = now
        return m
    }

    let adminPassword = "bench-admin-pass"
    let admin = user("Администратор Нагрузочный", email: "admin@bench.test", password: try Bcrypt.hash(adminPassword, cost: 4))
    try await [admin].create(on: db)   // a batch insert keeps the id set above
    try await [membership(admin.id!, .admin)].create(on: db)

    let staffRoom = ClassRecord()
    staffRoom.schoolID = schoolID; staffRoom.kind = ClassKind.staffRoom.rawValue; staffRoom.name = "Учительская"
    staffRoom.academicYear = year; staffRoom.archived = false; staffRoom.createdAt = now
    try await staffRoom.create(on: db)
    var classes: [ClassRecord] = []
    for grade in 1...11 {
        for letter in letters {
            let c = ClassRecord()
            c.schoolID = schoolID; c.kind = ClassKind.regular.rawValue; c.name = "\(grade)\(letter)"; c.grade = grade
            c.letter = String(letter); c.academicYear = year; c.archived = false; c.createdAt = now
            classes.append(c)
        }
    }
    try await classes.create(on: db)

    var staff: [UserRecord] = []
    for i in 0..<options.staff {
        staff.append(user("\(surnames[i % surnames.count]) \(boys[i % boys.count]) Учитель\(i)", email: "teacher\(i)@bench.test"))
    }
    for chunk in stride(from: 0, to: staff.count, by: 300).map({ Array(staff[$0..<min($0 + 300, staff.count)]) }) {
        try await chunk.create(on: db)
        try await chunk.map { membership($0.id!, .teacher) }.create(on: db)
        try await chunk.map { u -> ClassMemberRecord in
            let s = ClassMemberRecord()
            s.classID = staffRoom.id!; s.userID = u.id!; s.role = SchoolRole.teacher.rawValue; s.createdAt = now
            return s
        }.create(on: db)
    }

    // MARK: HTTP

    let client = app.client
    @Sendable func call(_ method: HTTPMethod, _ path: String, token: String?, body: ByteBuffer? = nil, contentType: String = "application/json")
        async throws -> (UInt, ByteBuffer?) {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = .init(token: token) }
        if body != nil { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let response = try await client.send(method, headers: headers, to: URI(string: base + path)) { req in
            if let body { req.body = body }
        }
        return (response.status.code, response.body)
    }

    func json(_ buffer: ByteBuffer?) -> [String: Any] {
        guard let buffer else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    let (signInStatus, signInBody) = try await call(.POST, "/auth/password", token: nil,
                                                    body: ByteBuffer(string: #"{"login":"admin@bench.test","password":"\#(adminPassword)"}"#))
    guard signInStatus == 200, let token = json(signInBody)["token"] as? String else { fail("could not sign in (\(signInStatus))") }

    // MARK: The roster import, timed

    var csv = "Класс;Ученик;Родитель;Телефон родителя;Родитель 2;Телефон родителя 2\n"
    var studentNames: [String] = []
    for i in 0..<options.students {
        let surname = surnames.randomElement(using: &rng)!
        let girl = Bool.random(using: &rng)
        let femaleSurname = surname.hasSuffix("ий") ? String(surname.dropLast(2)) + "ая" : surname + "а"
        let name = girl ? "\(femaleSurname) \(girls.randomElement(using: &rng)!) Ученица\(i)" : "\(surname) \(boys.randomElement(using: &rng)!) Ученик\(i)"
        studentNames.append(name)
        let cls = classes[i % classes.count].name
        let mother = "\(femaleSurname) \(girls.randomElement(using: &rng)!) Мама\(i)"
        let father = "\(surname) \(boys.randomElement(using: &rng)!) Папа\(i)"
        csv += "\(cls);\(name);\(mother);+79\(String(format: "%09d", 2 * i));\(father);+79\(String(format: "%09d", 2 * i + 1))\n"
    }
    let csvBuffer = ByteBuffer(string: csv)
    let previewStart = Date()
    let (previewStatus, previewBody) = try await call(.POST, "/schools/\(schoolID)/roster/preview", token: token, body: csvBuffer, contentType: "text/csv")
    let previewSeconds = Date().timeIntervalSince(previewStart)
    let errors = (json(previewBody)["errors"] as? [Any])?.count ?? -1
    guard previewStatus == 200, errors == 0 else { fail("preview answered \(previewStatus) with \(errors) errors") }
    let importStart = Date()
    let (importStatus, importBody) = try await call(.POST, "/schools/\(schoolID)/roster/import", token: token, body: csvBuffer, contentType: "text/csv")
    let importSeconds = Date().timeIntervalSince(importStart)
    guard importStatus == 201 else { fail("import answered \(importStatus): \(importBody.map { String(buffer: $0) } ?? "")") }
    let imported = json(importBody)
    print(String(format: "roster import of %d rows (%d new students, %d new parents): preview %.2f s, import %.2f s — goal < 10 s: %@",
                 options.students, imported["newStudents"] as? Int ?? 0, imported["newParents"] as? Int ?? 0, previewSeconds, importSeconds,
                 importSeconds < 10 ? "PASS" : "FAIL"))
    let total = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM memberships WHERE school_id = \(bind: schoolID)")
        .first()?.decode(column: "n", as: Int.self) ?? 0
    print("school: \(total) memberships (\(options.students) students, \(2 * options.students) parents, \(options.staff) staff, 1 admin), \(classes.count + 1) classes")

    if options.scenario == "journal" {
        let journal = JournalBench(app: app, schoolID: schoolID, classes: classes, staff: staff, token: token, base: base,
                                   options: options, call: { try await call($0, $1, token: $2, body: $3) })
        let met = try await journal.run()
        await app.server.shutdown()
        try await app.asyncShutdown()
        if !options.keep { try? FileManager.default.removeItem(at: dataDirectory) }
        print("")
        print(met ? "all goals met" : "some goals NOT met")
        exit(met ? 0 : 1)
    }

    // MARK: Scenarios

    let classIDs = classes.map { $0.id! }
    let names = studentNames, studentCount = options.students, surnameList = surnames
    let pagesOfAll = max(1, total / 50)
    let scenarios: [(String, @Sendable () -> String)] = [
        ("baseline: GET /me", { "/me" }),
        ("members, page 1 of all", { "/schools/\(schoolID)/members?perPage=50" }),
        ("members, a deep page", { "/schools/\(schoolID)/members?perPage=50&page=\(Int.random(in: 1...pagesOfAll))" }),
        ("members, role=parent", { "/schools/\(schoolID)/members?role=parent&perPage=50&page=\(Int.random(in: 1...100))" }),
        ("members of a class", { "/schools/\(schoolID)/members?classId=\(classIDs.randomElement()!)&perPage=100" }),
        ("search by surname", { "/schools/\(schoolID)/members?q=\(surnameList.randomElement()!.prefix(5).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&perPage=50" }),
        ("search by full name", { "/schools/\(schoolID)/members?q=\(names.randomElement()!.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }),
        ("search by phone digits", { "/schools/\(schoolID)/members?q=\(String(format: "%07d", Int.random(in: 0..<(2 * studentCount))))" }),
        ("class page (roster)", { "/classes/\(classIDs.randomElement()!)/roster" }),
    ]

    func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    print("")
    print("scenario                      n     p50 ms   p95 ms   p99 ms   max ms   req/s   goal p95<100ms")
    var allPass = importSeconds < 10
    for (name, path) in scenarios {
        // Warm-up: a few requests so the first connection and caches do not count.
        for _ in 0..<5 { _ = try await call(.GET, path(), token: token) }
        let started = Date()
        let samples = try await measure(client: client, base: base, token: token, workers: options.concurrency,
                                        perWorker: options.requests / options.concurrency, path: path)
        let wall = Date().timeIntervalSince(started)
        let bad = samples.filter { $0.status != 200 }
        if !bad.isEmpty { fail("\(name): \(bad.count) answers were not 200 (e.g. \(bad[0].status))") }
        let sorted = samples.map { $0.seconds * 1000 }.sorted()
        let p95 = percentile(sorted, 0.95)
        allPass = allPass && p95 < 100
        print(String(format: "%-28@ %5d %8.1f %8.1f %8.1f %8.1f %7.0f   %@", name as NSString, sorted.count, percentile(sorted, 0.5), p95,
                     percentile(sorted, 0.99), sorted.last ?? 0, Double(sorted.count) / wall, p95 < 100 ? "PASS" : "FAIL"))
    }

    func stopServer() async { await app.server.shutdown() }
    await stopServer()
    try await app.asyncShutdown()
    if options.keep { print("data kept in \(dataDirectory.path)") } else { try? FileManager.default.removeItem(at: dataDirectory) }
    print("")
    print(allPass ? "all goals met" : "some goals NOT met")
    exit(allPass ? 0 : 1)
}

struct Sample: Sendable { let seconds: Double; let status: UInt }

/// `workers` concurrent loops of `perWorker` GETs each; every request's latency and status.
nonisolated func measure(client: any Client, base: String, token: String, workers: Int, perWorker: Int,
                         path: @escaping @Sendable () -> String) async throws -> [Sample] {
    try await withThrowingTaskGroup(of: [Sample].self) { group in
        for _ in 0..<workers {
            group.addTask {
                var out: [Sample] = []
                for _ in 0..<perWorker {
                    var headers = HTTPHeaders()
                    headers.bearerAuthorization = .init(token: token)
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let response = try await client.get(URI(string: base + path()), headers: headers)
                    out.append(Sample(seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, status: response.status.code))
                }
                return out
            }
        }
        var all: [Sample] = []
        for try await part in group { all += part }
        return all
    }
}


func run(_ options: Options) async throws {
    let met: Bool
    switch options.scenario {
    case "fanout": met = try await fanout(options)
    case "idle": met = try await idle(options)
    case "sends": met = try await sends(options)
    case "bellring": met = try await bellring(options)
    case "history": met = try await history(options)
    case "thumbnails": try thumbnails(options); return
    default: try await school(options); return
    }
    say("")
    say(met ? "all goals met" : "some goals NOT met")
    exit(met ? 0 : 1)
}

try await run(options)
