// Support for the messaging scenarios: the server as a child process, its CPU and memory from /proc,
// the clock, the file-descriptor limit, latency summaries.
import Foundation
import Histogram
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds of this process (CLOCK_MONOTONIC): send stamps and receive times use it.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Raises this process's open-file limit to the hard limit (the child server inherits it).
@discardableResult
func raiseFileLimit() -> (soft: UInt64, hard: UInt64) {
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0 else { return (0, 0) }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(resource, &limit)
    _ = getrlimit(resource, &limit)
    return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
}

/// A free TCP port on 127.0.0.1 (bound to port 0, read, released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0, "socket() failed")
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    precondition(bound == 0, "bind() failed")
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

// MARK: /proc readings

/// CPU seconds (user, system) and memory of one process, read from /proc.
struct ProcSample {
    var user: Double
    var system: Double
    var rssKB: Int
    var hwmKB: Int
    /// RSS in anonymous memory (the heap, stacks) and in file pages (the binary's and libraries' code).
    var anonKB = 0
    var fileKB = 0
    var at: UInt64   // monotonic ns

    static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func read(pid: Int32) -> ProcSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        var rss = 0, hwm = 0, anon = 0, file = 0
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let kb = { Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0 }
                if line.hasPrefix("VmRSS:") { rss = kb() }
                if line.hasPrefix("VmHWM:") { hwm = kb() }
                if line.hasPrefix("RssAnon:") { anon = kb() }
                if line.hasPrefix("RssFile:") { file = kb() }
            }
        }
        return ProcSample(user: utime / ticks, system: stime / ticks, rssKB: rss, hwmKB: hwm, anonKB: anon, fileKB: file, at: monotonicNanos())
    }

    static func current() -> ProcSample { read(pid: getpid())! }
}

/// CPU used between two samples: user+sys seconds and % of one core.
struct CPUUse: CustomStringConvertible {
    let user: Double, system: Double, wall: Double
    init(_ a: ProcSample, _ b: ProcSample) {
        user = b.user - a.user; system = b.system - a.system; wall = Double(b.at - a.at) / 1e9
    }
    var percent: Double { wall > 0 ? (user + system) / wall * 100 : 0 }
    var description: String {
        String(format: "user %.2f s + sys %.2f s over %.1f s = %.0f%% of one core", user, system, wall, percent)
    }
}

func mb(_ kb: Int) -> String { String(format: "%.1f MB", Double(kb) / 1024) }

// MARK: Latency

/// Latencies in microseconds (1 µs … 10 min, 3 significant digits).
typealias Latencies = Histogram<UInt64>
func makeLatencies() -> Latencies {
    Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
}

extension Histogram where Count == UInt64 {
    /// "p50 1.23 ms  p99 4.56 ms  max 7.89 ms (n=…)"
    var summary: String {
        guard totalCount > 0 else { return "no samples" }
        func ms(_ us: UInt64) -> String { String(format: "%.2f ms", Double(us) / 1000) }
        return "p50 \(ms(valueAtPercentile(50)))  p99 \(ms(valueAtPercentile(99)))  max \(ms(max))  (n=\(totalCount))"
    }
    var p99ms: Double { Double(valueAtPercentile(99)) / 1000 }
}

func perSecond(_ count: Int, _ nanos: UInt64) -> Double { nanos == 0 ? 0 : Double(count) / (Double(nanos) / 1e9) }

func say(_ line: String) {
    print(line)
    fflush(nil)
}

// MARK: The server as a child process

/// `parta serve` started as a child on a seeded data directory; stopped with SIGTERM (SIGKILL after 10 s).
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let logURL: URL
    var pid: Int32 { process.processIdentifier }

    init(binary: String, dataDirectory: URL, port: Int) throws {
        self.port = port
        logURL = dataDirectory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--hostname", "127.0.0.1", "--port", "\(port)"]
        var env = ProcessInfo.processInfo.environment
        env["PARTA_DATA_DIR"] = dataDirectory.path
        env["PARTA_LOG_LEVEL"] = env["BENCH_SERVER_LOG_LEVEL"] ?? "warning"
        env["PARTA_MESSAGES_PER_MINUTE"] = "1000000"
        env["PARTA_WS_PER_ADDRESS"] = "0"   // every simulated client comes from 127.0.0.1
        env["DATABASE_URL"] = nil
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until `GET /readyz` answers 200 (at most `timeout` seconds).
    func waitReady(timeout: Double = 60) async throws {
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        while monotonicNanos() < deadline {
            guard process.isRunning else { fail("the server exited (status \(process.terminationStatus)); see \(logURL.path)") }
            if let status = try? await HTTPConnection.oneShot(port: port, method: .GET, path: "/readyz"), status == 200 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        fail("the server did not become ready in \(Int(timeout)) s; see \(logURL.path)")
    }

    var sample: ProcSample? { ProcSample.read(pid: pid) }

    /// The size of the SQLite write-ahead log now, in MB (it must stay bounded under load).
    var walMegabytes: Double {
        let wal = logURL.deletingLastPathComponent().appendingPathComponent("parta.sqlite-wal").path
        let bytes = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        return Double(bytes) / 1_048_576
    }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = monotonicNanos() + 10_000_000_000
        while process.isRunning && monotonicNanos() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The `parta` binary: `--server-bin`, else the one next to this executable.
func serverBinary(_ option: String?) -> String {
    if let option { return option }
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let path = me.deletingLastPathComponent().appendingPathComponent("parta").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        fail("no server binary at \(path): build it (swift build -c release --product parta) or pass --server-bin PATH")
    }
    return path
}

// MARK: The kernel's TCP counters

/// The kernel's TCP counters that tell a listen queue too short for a burst of connects: accept-queue
/// overflows and the SYNs dropped with them (`TcpExtListenOverflows`, `TcpExtListenDrops`), and the
/// retransmits they cause (`TcpExtTCPSynRetrans`, `TcpRetransSegs`). Read from /proc/net/netstat and
/// /proc/net/snmp, named as `nstat` names them. They count the whole machine (its network namespace),
/// not only this bench.
struct TCPCounters {
    static let shown = ["TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPSynRetrans", "TcpRetransSegs"]
    var values: [String: Int] = [:]

    static func read() -> TCPCounters {
        var counters = TCPCounters()
        for file in ["/proc/net/netstat", "/proc/net/snmp"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            // Pairs of lines: "TcpExt: Name Name …" then "TcpExt: 1 2 …".
            let lines = text.split(separator: "\n")
            var i = 0
            while i + 1 < lines.count {
                let names = lines[i].split(separator: " "), numbers = lines[i + 1].split(separator: " ")
                guard let prefix = names.first, prefix == numbers.first, names.count == numbers.count else { i += 1; continue }
                let group = prefix.dropLast()   // "TcpExt:" → "TcpExt"
                for (name, number) in zip(names.dropFirst(), numbers.dropFirst()) {
                    counters.values["\(group)\(name)"] = Int(number)
                }
                i += 2
            }
        }
        return counters
    }

    /// "TcpExtListenOverflows 10 → 12 (+2), …"
    func change(since before: TCPCounters) -> String {
        Self.shown.map { name in
            guard let b = before.values[name], let a = values[name] else { return "\(name) (unreadable)" }
            return "\(name) \(b) → \(a) (+\(a - b))"
        }.joined(separator: ", ")
    }

    func delta(_ name: String, since before: TCPCounters) -> Int { (values[name] ?? 0) - (before.values[name] ?? 0) }
}

/// The listen backlog of the socket listening on `port`, as the kernel reports it (`ss -ltn`: a
/// listening socket's Send-Q is its backlog, already capped at net.core.somaxconn); nil without `ss`.
func listenBacklog(port: Int) -> Int? {
    let ss = Process()
    ss.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
    ss.arguments = ["-ltnH", "sport = :\(port)"]
    let pipe = Pipe()
    ss.standardOutput = pipe
    ss.standardError = FileHandle.nullDevice
    guard (try? ss.run()) != nil else { return nil }
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    ss.waitUntilExit()
    // "LISTEN 0 4096 127.0.0.1:8080 0.0.0.0:*"
    let fields = out.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true) ?? []
    return fields.count > 2 ? Int(fields[2]) : nil
}

/// net.core.somaxconn: the kernel caps every listen backlog at it.
func somaxconn() -> Int? {
    (try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}
