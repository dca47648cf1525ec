// The messaging scenarios: fanout, idle, sends, bellring. Each seeds a fresh SQLite data directory in
// this process, runs the release `parta` binary on it as a child process (so the server's CPU and
// memory are its own, read from /proc/<pid>), drives it over loopback, and prints what it measured
// against the goals.
import Foundation
import Histogram
import NIOCore
import NIOPosix
import PartaCore
#if canImport(Glibc)
import Glibc
#endif

/// The running child server's pid, so `fail` and Ctrl-C can stop it.
nonisolated(unsafe) var childServerPID: Int32 = 0

func stopChildServer() {
    if childServerPID > 0 { kill(childServerPID, SIGKILL); childServerPID = 0 }
}

/// Seeds, starts the server, runs `body`, stops the server; `body` answers whether the goals were met.
func withServer<Seeded: Sendable>(_ o: Options, seed: (Seeder) async throws -> Seeded,
                                  body: (ServerProcess, Seeded) async throws -> Bool) async throws -> Bool {
    let limit = raiseFileLimit()
    let binary = serverBinary(o.serverBin)
    signal(SIGINT) { _ in stopChildServer(); _exit(130) }
    signal(SIGTERM) { _ in stopChildServer(); _exit(143) }
    let seedStart = monotonicNanos()
    let seeder = try await Seeder.open()
    let seeded = try await seed(seeder)
    try await seeder.close()
    let dataDirectory = seeder.dataDirectory
    let port = freePort()
    let server = try ServerProcess(binary: binary, dataDirectory: dataDirectory, port: port)
    childServerPID = server.pid
    try await server.waitReady()
    say(String(format: "seeded %@ in %.1f s; server %@ pid %d on 127.0.0.1:%d (SQLite, release); open files limit %llu",
               dataDirectory.path, Double(monotonicNanos() - seedStart) / 1e9, binary, server.pid, port, limit.soft))
    let ok: Bool
    do {
        ok = try await body(server, seeded)
    } catch {
        server.stop(); childServerPID = 0
        throw error
    }
    server.stop(); childServerPID = 0
    if o.keep { say("data and server log kept in \(dataDirectory.path)") } else { try? FileManager.default.removeItem(at: dataDirectory) }
    return ok
}

func goal(_ met: Bool, _ text: String) -> Bool {
    say("GOAL \(met ? "MET    " : "NOT MET") \(text)")
    return met
}

func seconds(_ nanos: UInt64) -> String { String(format: "%.2f s", Double(nanos) / 1e9) }

func serverLine(_ label: String, _ a: ProcSample?, _ b: ProcSample?) {
    guard let a, let b else { say("server \(label): (the server process is gone)"); return }
    say("server \(label): CPU \(CPUUse(a, b)); RSS \(mb(b.rssKB)) (peak VmHWM \(mb(b.hwmKB)))")
}

func benchLine(_ a: ProcSample, _ b: ProcSample) {
    say("load generator: CPU \(CPUUse(a, b)); RSS \(mb(b.rssKB))")
}

/// Connects `clients`, prints how it went; false when some failed.
func connectAll(_ pool: WSPool, _ clients: [WSClient], concurrency: Int, timeout: Double, label: String) async -> Bool {
    let start = monotonicNanos()
    await pool.connect(clients, concurrency: concurrency, timeout: timeout)
    await pool.barrier()
    let failed = clients.filter { $0.failure != nil }
    say("\(label): \(clients.count - failed.count)/\(clients.count) WebSocket clients authenticated (hello) in \(seconds(monotonicNanos() - start))"
        + (failed.isEmpty ? "" : "; \(failed.count) failed, e.g. \(failed[0].failure!)"))
    return failed.isEmpty
}

/// Waits until `expected` deliveries were counted, or `quiet` seconds pass without one, or `limit` seconds.
func drain(_ pool: WSPool, expected: Int, quiet: Double = 5, limit: Double = 60) async {
    let start = monotonicNanos()
    var last = await pool.deliveryCount(), lastChange = start
    while last < expected {
        try? await Task.sleep(nanoseconds: 20_000_000)
        let n = await pool.deliveryCount()
        let now = monotonicNanos()
        if n != last { last = n; lastChange = now }
        if Double(now - lastChange) / 1e9 > quiet || Double(now - start) / 1e9 > limit { break }
    }
}

/// POSTs one stamped message; its status and latency go to `acks`.
@discardableResult
func postMessage(_ c: HTTPConnection, chatID: UUID, token: String, clientID: String, acks: LockedLatencies?) async -> Int {
    let sent = monotonicNanos()
    let body = ByteBuffer(string: #"{"text":"bench:\#(sent)","clientId":"\#(clientID)"}"#)
    let status = (try? await c.request(.POST, "/api/v1/chats/\(chatID.uuidString)/messages", token: token, json: body))?.status ?? 0
    acks?.record(micros: (monotonicNanos() - sent) / 1000, status: status)
    return status
}

func statusLine(_ counts: [Int: Int]) -> String {
    counts.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "error" : String($0.key)): \($0.value)" }.joined(separator: ", ")
}

// MARK: fanout

func fanout(_ o: Options) async throws -> Bool {
    let members = o.members ?? 1_000, rate = o.rate ?? 50, duration = o.seconds ?? 20
    let maxSeconds = o.maxSeconds ?? 10, maxSenders = max(1, o.senders ?? 32)
    say("parta-bench fanout: \(members) connected members, \(Int(rate)) messages/s for \(Int(duration)) s, "
        + "then \(maxSenders) senders as fast as accepted for \(Int(maxSeconds)) s; "
        + (o.systemChannel ? "the school's system channel «Общешкольный канал»" : "a channel with member rows"))
    struct Seeded: Sendable { let senders: [Person]; let readers: [Person]; let chatID: UUID }
    return try await withServer(o) { s in
        let senders = try await s.people(maxSenders, role: .admin, name: "Администратор")
        let readers = try await s.people(members, role: .student, name: "Ученик")
        var chatID = s.schoolChannelID
        if !o.systemChannel {
            chatID = try await s.chat(kind: .channel, title: "Нагрузочный канал", readOnly: true, createdBy: senders[0].id,
                                      members: senders.enumerated().map { ($0.element.id, $0.offset == 0 ? ChatRole.owner : .admin) }
                                          + readers.map { ($0.id, ChatRole.member) })
        }
        return Seeded(senders: senders, readers: readers, chatID: chatID)
    } body: { server, seeded in
        let pool = WSPool(threads: o.threads, port: server.port)
        defer { Task { await pool.shutdown() } }
        let clients = seeded.readers.enumerated().map { WSClient(index: $0.offset, token: $0.element.token) }
        let rssIdle = server.sample
        guard await connectAll(pool, clients, concurrency: o.connectConcurrency, timeout: o.timeout, label: "members") else { return false }
        let chatID = seeded.chatID
        var allMet = true

        // Warm-up: a few messages, all delivered, then the counters start afresh.
        let owner = try await HTTPConnection.connect(group: pool.group, port: server.port)
        for i in 0..<5 { await postMessage(owner, chatID: chatID, token: seeded.senders[0].token, clientID: "w\(i)", acks: nil) }
        await drain(pool, expected: 5 * members, limit: 20)
        _ = await pool.deliveries(reset: true)
        await pool.barrier()
        var baseline = clients.map(\.messages)
        if let a = rssIdle, let b = server.sample {
            say("server RSS: \(mb(a.rssKB)) before the sockets, \(mb(b.rssKB)) with \(members) connected and warm")
        }

        // Phase 1: a steady rate, open loop (each message goes at its time, whether or not earlier ones were answered).
        say("")
        say("phase 1 — \(Int(rate)) messages/s to \(members) members for \(Int(duration)) s (offered \(Int(rate) * members) deliveries/s)")
        var conns = [owner]
        for _ in 0..<7 { conns.append(try await HTTPConnection.connect(group: pool.group, port: server.port)) }
        let httpPool = ConnectionPool(conns, group: pool.group, port: server.port)
        let acks = LockedLatencies()
        let total = Int(rate * duration), interval = 1e9 / rate
        let token = seeded.senders[0].token
        let cpu0 = server.sample, bench0 = ProcSample.current()
        let start = monotonicNanos() + 10_000_000
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<total {
                let at = start + UInt64(Double(i) * interval)
                let now = monotonicNanos()
                if at > now { try? await Task.sleep(nanoseconds: at - now) }
                group.addTask {
                    guard let c = try? await httpPool.acquire() else { acks.record(micros: 0, status: 0); return }
                    await postMessage(c, chatID: chatID, token: token, clientID: "r\(i)", acks: acks)
                    await httpPool.release(c)
                }
            }
        }
        let sendEnd = monotonicNanos()
        let (ackLatency, statuses) = acks.snapshot
        let accepted = statuses[201] ?? 0
        await drain(pool, expected: accepted * members)
        let cpu1 = server.sample, bench1 = ProcSample.current()
        let phase1 = await pool.deliveries(reset: true)
        await pool.barrier()
        let got = zip(clients, baseline).map { $0.messages - $1 }
        baseline = clients.map(\.messages)
        let short = got.filter { $0 < accepted }.count
        say("sent \(total) in \(seconds(sendEnd - start)) over \(await httpPool.opened) connections: \(statusLine(statuses)); "
            + "POST latency \(ackLatency.summary)")
        say("delivery latency (send → receive) \(phase1.latency.summary)")
        let rate1 = perSecond(phase1.deliveries, phase1.lastAt > start ? phase1.lastAt - start : 0)
        say(String(format: "deliveries: %d of %d expected (%.0f/s); per member min %d max %d; members short of a message: %d",
                   phase1.deliveries, accepted * members, rate1, got.min() ?? 0, got.max() ?? 0, short))
        serverLine("during phase 1", cpu0, cpu1)
        benchLine(bench0, bench1)
        allMet = goal(phase1.latency.totalCount > 0 && phase1.latency.p99ms <= 50 && short == 0 && accepted == total,
                      String(format: "every member receives each message within 50 ms at p99 at %.0f messages/s: p99 %.2f ms, %d members short",
                             rate, phase1.latency.p99ms, short)) && allMet

        // Phase 2: several senders, each posting as soon as the previous post is answered.
        if maxSeconds > 0 {
            say("")
            say("phase 2 — \(maxSenders) senders post as fast as the server accepts for \(Int(maxSeconds)) s")
            var senderConns: [HTTPConnection] = []
            for _ in 0..<maxSenders { senderConns.append(try await HTTPConnection.connect(group: pool.group, port: server.port)) }
            let maxAcks = LockedLatencies()
            let cpu2 = server.sample, bench2 = ProcSample.current()
            let start2 = monotonicNanos(), deadline = start2 + UInt64(maxSeconds * 1e9)
            await withTaskGroup(of: Void.self) { group in
                for (k, c) in senderConns.enumerated() {
                    let token = seeded.senders[k].token
                    group.addTask {
                        var i = 0
                        while monotonicNanos() < deadline {
                            await postMessage(c, chatID: chatID, token: token, clientID: "m\(i)", acks: maxAcks)
                            i += 1
                        }
                    }
                }
            }
            let sendEnd2 = monotonicNanos()
            let (maxAckLatency, maxStatuses) = maxAcks.snapshot
            let accepted2 = maxStatuses[201] ?? 0
            await drain(pool, expected: accepted2 * members, limit: 120)
            let cpu3 = server.sample, bench3 = ProcSample.current()
            let phase2 = await pool.deliveries(reset: true)
            await pool.barrier()
            let got2 = zip(clients, baseline).map { $0.messages - $1 }
            let short2 = got2.filter { $0 < accepted2 }.count
            let span = phase2.lastAt > start2 ? phase2.lastAt - start2 : 0
            let rate2 = perSecond(phase2.deliveries, span)
            say(String(format: "accepted %d messages in %@ (%.0f/s): %@; POST latency %@", accepted2, seconds(sendEnd2 - start2),
                       perSecond(accepted2, sendEnd2 - start2), statusLine(maxStatuses), maxAckLatency.summary))
            say("delivery latency (send → receive) \(phase2.latency.summary)")
            say(String(format: "deliveries: %d of %d expected in %@ (first send → last receipt) = %.0f deliveries/s; members short: %d",
                       phase2.deliveries, accepted2 * members, seconds(span), rate2, short2))
            serverLine("during phase 2", cpu2, cpu3)
            benchLine(bench2, bench3)
            allMet = goal(rate2 >= 300_000, String(format: "≥ 300,000 deliveries/s at full speed: %.0f/s", rate2)) && allMet
        }
        await pool.closeAll(clients)
        return allMet
    }
}

// MARK: idle

extension ServerProcess {
    /// Sockets the server's hub holds now (`parta_websocket_connections` at /metrics); nil if unreadable.
    func registeredSockets() async -> Int? {
        guard let c = try? await HTTPConnection.connect(group: MultiThreadedEventLoopGroup.singleton, port: port) else { return nil }
        defer { Task { await c.close() } }
        guard let text = try? await c.request(.GET, "/metrics").text else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("parta_websocket_connections ") {
            return line.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) }
        }
        return nil
    }
}

/// Rounds of `--clients` sockets connecting, idling `--hold` s and all leaving at once, on one server:
/// RSS with everyone connected and after everyone left, per round (memory kept from a round shows as
/// growth in the next), then RSS `--settle` s after the last round left.
func idle(_ o: Options) async throws -> Bool {
    let count = o.clients ?? 10_000, hold = o.hold ?? 5, rounds = o.rounds ?? 10, settle = o.settle ?? 60
    say("parta-bench idle: \(count) authenticated idle WebSocket clients (each reads the school's system channel), "
        + "\(rounds) rounds of all connecting, idling \(Int(hold)) s and all leaving at once; RSS \(Int(settle)) s after the last round left")
    return try await withServer(o) { s in
        try await s.people(count, role: .student, name: "Ученик")
    } body: { server, people in
        let pool = WSPool(threads: o.threads, port: server.port)
        defer { Task { await pool.shutdown() } }
        // Warm the server (its first socket, first queries), then settle.
        let warm = [WSClient(index: 0, token: people[0].token)]
        _ = await connectAll(pool, warm, concurrency: 1, timeout: o.timeout, label: "warm-up")
        await pool.closeAll(warm)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        guard let before = server.sample else { return false }
        let benchBefore = ProcSample.current()
        say("server before (empty baseline): RSS \(mb(before.rssKB)) (VmHWM \(mb(before.hwmKB)); anonymous \(mb(before.anonKB)), "
            + "file pages \(mb(before.fileKB)))")
        let clients = people.enumerated().map { WSClient(index: $0.offset, token: $0.element.token) }
        var allConnected = true
        var perConnection: [Double] = []   // bytes per connection over the empty baseline, per round
        var up = 0
        for r in 1...rounds {
            let label = String(format: "round %2d/%d", r, rounds)
            let cpu0 = server.sample
            allConnected = await connectAll(pool, clients, concurrency: o.connectConcurrency, timeout: o.timeout, label: label) && allConnected
            let cpu1 = server.sample
            up = clients.filter { $0.failure == nil && !$0.closed }.count
            try await Task.sleep(nanoseconds: UInt64(hold * 1e9))
            guard let connected = server.sample else { return false }
            if r == 1 {
                serverLine("while connecting", cpu0, cpu1)
                serverLine("holding \(up) idle sockets for \(Int(hold)) s", cpu1, connected)
                let benchAfter = ProcSample.current()
                say(String(format: "load generator RSS: %@ → %@ (%.1f KB per client)", mb(benchBefore.rssKB), mb(benchAfter.rssKB),
                           Double(benchAfter.rssKB - benchBefore.rssKB) / Double(max(1, up))))
            }
            let bytes = Double(connected.rssKB - before.rssKB) * 1024 / Double(max(1, up))
            perConnection.append(bytes)
            // Everyone leaves; wait until the hub has let go of every socket (at most 10 s), then 1 s more.
            let leave = monotonicNanos()
            await pool.closeAll(clients)
            var registered = await server.registeredSockets()
            while (registered ?? 0) > 0 && monotonicNanos() - leave < 10_000_000_000 {
                try await Task.sleep(nanoseconds: 100_000_000)
                registered = await server.registeredSockets()
            }
            let emptied = monotonicNanos() - leave
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let left = server.sample
            say(String(format: "%@: RSS %@ with %d connected (VmHWM %@) → %.1f KB per connection over the empty baseline; "
                       + "all left: %@ sockets registered after %@, RSS %@ 1 s later", label, mb(connected.rssKB), up,
                       mb(connected.hwmKB), bytes / 1024, registered.map(String.init) ?? "?", seconds(emptied),
                       left.map { mb($0.rssKB) } ?? "?"))
        }
        if settle > 0 {
            say("waiting \(Int(settle)) s after the last round left…")
            try await Task.sleep(nanoseconds: UInt64(settle * 1e9))
        }
        guard let after = server.sample else { return false }
        let growth = Double(after.rssKB - before.rssKB) / Double(max(1, before.rssKB))
        say(String(format: "server RSS %d s after everyone left: %@ (empty baseline %@, %+.0f%%); anonymous %@ (baseline %@), "
                   + "file pages (code run since) %@ (baseline %@)", Int(settle), mb(after.rssKB), mb(before.rssKB), growth * 100,
                   mb(after.anonKB), mb(before.anonKB), mb(after.fileKB), mb(before.fileKB)))
        let first = perConnection.first ?? 0, last = perConnection.last ?? 0
        var met = goal(allConnected && first <= 15 * 1024,
                       String(format: "≤ 15 KB per idle connection in round 1: %.1f KB (%d of %d connected)", first / 1024, up, count))
        met = goal(allConnected && last <= 15 * 1024,
                   String(format: "≤ 15 KB per idle connection after round %d: %.1f KB", rounds, last / 1024)) && met
        met = goal(growth <= 0.2, String(format: "RSS within 20%% of the empty baseline %d s after everyone left: %@ against %@ (%+.0f%%)",
                                         Int(settle), mb(after.rssKB), mb(before.rssKB), growth * 100)) && met
        return met
    }
}

// MARK: sends

func sends(_ o: Options) async throws -> Bool {
    let chatCount = o.chats ?? 1_000, senderCount = o.senders ?? 200, duration = o.seconds ?? 20
    let viaSocket = o.via == "ws"
    say("parta-bench sends: \(chatCount) group chats of 3 (a teacher and two students), \(senderCount) teachers posting "
        + "concurrently (each to its own chats in turn, the next post when the last is answered) for \(Int(duration)) s, "
        + (viaSocket ? "over their WebSockets ({\"type\":\"send\"})" : "by POST /chats/{id}/messages")
        + (o.listen || viaSocket ? "; every member connected" : "; no sockets"))
    struct Seeded: Sendable { let teachers: [Person]; let students: [Person]; let chats: [UUID] }
    return try await withServer(o) { s in
        let teachers = try await s.people(senderCount, role: .teacher, name: "Учитель")
        let students = try await s.people(2 * chatCount, role: .student, name: "Ученик")
        let specs = (0..<chatCount).map { j in
            (title: "Группа \(j)", members: [(teachers[j % senderCount].id, ChatRole.owner), (students[2 * j].id, ChatRole.member),
                                             (students[2 * j + 1].id, ChatRole.member)])
        }
        return Seeded(teachers: teachers, students: students, chats: try await s.chats(specs, kind: .group))
    } body: { server, seeded in
        let pool = WSPool(threads: o.threads, port: server.port)
        defer { Task { await pool.shutdown() } }
        let people = seeded.teachers + seeded.students
        let listen = o.listen || viaSocket
        let clients = listen ? people.enumerated().map { WSClient(index: $0.offset, token: $0.element.token) } : []
        if listen {
            guard await connectAll(pool, clients, concurrency: o.connectConcurrency, timeout: o.timeout, label: "members") else { return false }
        }
        var conns: [HTTPConnection] = []
        if !viaSocket {
            for _ in 0..<senderCount { conns.append(try await HTTPConnection.connect(group: pool.group, port: server.port)) }
        }
        let chatsOf = (0..<senderCount).map { s in stride(from: s, to: seeded.chats.count, by: senderCount).map { seeded.chats[$0] } }
        let perMessage = listen ? 3 : 0
        // Sender k is teacher k: over HTTP on its own connection, or over its socket (clients[k]).
        let post: @Sendable (Int, UUID, String, LockedLatencies?) async -> Void = { [conns] k, chatID, clientID, acks in
            if viaSocket {
                _ = await sendOverSocket(clients[k], chatID: chatID, clientID: clientID, acks: acks)
            } else {
                _ = await postMessage(conns[k], chatID: chatID, token: seeded.teachers[k].token, clientID: clientID, acks: acks)
            }
        }

        // Warm-up: one message from each sender.
        await withTaskGroup(of: Void.self) { group in
            for k in 0..<senderCount where !chatsOf[k].isEmpty {
                group.addTask { await post(k, chatsOf[k][0], "w", nil) }
            }
        }
        await drain(pool, expected: perMessage * senderCount, limit: 20)
        _ = await pool.deliveries(reset: true)

        let acks = LockedLatencies()
        let cpu0 = server.sample, bench0 = ProcSample.current()
        let start = monotonicNanos(), deadline = start + UInt64(duration * 1e9)
        await withTaskGroup(of: Void.self) { group in
            for k in 0..<senderCount where !chatsOf[k].isEmpty {
                let mine = chatsOf[k]
                group.addTask {
                    var i = 0
                    while monotonicNanos() < deadline {
                        await post(k, mine[i % mine.count], "s\(i)", acks)
                        i += 1
                    }
                }
            }
        }
        let end = monotonicNanos()
        let (latency, statuses) = acks.snapshot
        let accepted = statuses[201] ?? 0
        if listen { await drain(pool, expected: accepted * perMessage) }
        let cpu1 = server.sample, bench1 = ProcSample.current()
        let delivered = await pool.deliveries(reset: true)
        let sendsPerSecond = perSecond(accepted, end - start)
        say(String(format: "acknowledged sends: %d in %@ = %.0f/s (%@)", accepted, seconds(end - start), sendsPerSecond, statusLine(statuses)))
        say("send latency (\(viaSocket ? "send frame → sent" : "POST → 201")) \(latency.summary)")
        if listen {
            say(String(format: "deliveries: %d of %d expected (%.0f/s); delivery latency (send → receive) %@", delivered.deliveries,
                       accepted * perMessage, perSecond(delivered.deliveries, end - start), delivered.latency.summary))
        }
        serverLine("during the sends", cpu0, cpu1)
        say(String(format: "SQLite WAL file after the sends: %.1f MB", server.walMegabytes))
        benchLine(bench0, bench1)
        for c in conns { await c.close() }
        await pool.closeAll(clients)
        return goal(sendsPerSecond >= 5_000, String(format: "≥ 5,000 acknowledged sends/s: %.0f/s", sendsPerSecond))
    }
}

// MARK: bellring

func bellring(_ o: Options) async throws -> Bool {
    let count = o.clients ?? 5_000   // a whole school opening the app at the first bell
    say("parta-bench bellring: \(count) clients connect and authenticate at once; then all drop at once and reconnect at once "
        + "(resuming the chat they read, as the web client does)")
    struct Seeded: Sendable { let people: [Person]; let channel: UUID }
    return try await withServer(o) { s in
        Seeded(people: try await s.people(count, role: .student, name: "Ученик"), channel: s.schoolChannelID)
    } body: { server, seeded in
        let pool = WSPool(threads: o.threads, port: server.port)
        defer { Task { await pool.shutdown() } }
        let clients = seeded.people.enumerated().map { WSClient(index: $0.offset, token: $0.element.token) }
        var allMet = true
        // Connects beyond the listen backlog wait for the kernel's 1 s SYN retransmit (PARTA_LISTEN_BACKLOG).
        say("server listen backlog (ss Send-Q): \(listenBacklog(port: server.port).map(String.init) ?? "?"); "
            + "net.core.somaxconn \(somaxconn().map(String.init) ?? "?")")

        func round(_ label: String) async -> Bool {
            let kernel0 = TCPCounters.read()
            let cpu0 = server.sample
            let start = monotonicNanos()
            await pool.connect(clients, concurrency: clients.count, timeout: o.timeout)
            await pool.barrier()
            let cpu1 = server.sample
            let kernel1 = TCPCounters.read()
            var hello = makeLatencies(), ready = makeLatencies()
            var lastHello: UInt64 = start, lastReady: UInt64 = start
            for c in clients where c.failure == nil {
                hello.record((c.helloAt - c.startedAt) / 1000)
                ready.record((c.readyAt - c.startedAt) / 1000)
                lastHello = max(lastHello, c.helloAt)
                lastReady = max(lastReady, c.readyAt)
            }
            let failed = clients.filter { $0.failure != nil }
            let stalled = failed.filter { $0.failure!.hasPrefix("no hello") }.count
            let all = lastHello - start
            let resuming = clients.first?.afterHello != nil
            say("\(label): \(clients.count - failed.count)/\(clients.count) subscribed (hello); all subscribed \(seconds(all)) after the first connect"
                + (resuming ? ", all resumed (`resumed` frame) after \(seconds(lastReady - start))" : "")
                + "; failed \(failed.count - stalled), stalled (nothing within \(Int(o.timeout)) s) \(stalled)"
                + (failed.isEmpty ? "" : "; e.g. \(failed[0].failure!)"))
            say("  per client, connect → hello: \(hello.summary)")
            if resuming { say("  per client, connect → resumed: \(ready.summary)") }
            serverLine("during \(label)", cpu0, cpu1)
            say("  kernel TCP counters (whole machine): \(kernel1.change(since: kernel0))")
            return goal(failed.isEmpty && Double(all) / 1e9 <= 2,
                        String(format: "%@: all %d subscribed in ≤ 2 s, none stalled or failed: %.2f s, %d failed "
                               + "(listen overflows +%d)", label, clients.count, Double(all) / 1e9, failed.count,
                               kernel1.delta("TcpExtListenOverflows", since: kernel0)))
        }

        allMet = await round("first connect") && allMet
        let closeStart = monotonicNanos()
        await pool.closeAll(clients)
        say("all \(clients.count) disconnected at once (\(seconds(monotonicNanos() - closeStart)) to close); reconnecting at once")
        let resume = #"{"type":"resume","chats":{"\#(seeded.channel.uuidString)":0}}"#
        for c in clients { c.afterHello = resume }
        allMet = await round("reconnect") && allMet
        await pool.closeAll(clients)
        return allMet
    }
}
