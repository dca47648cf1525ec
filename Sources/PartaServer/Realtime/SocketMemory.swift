import Foundation
import Logging
import NIOCore
import PartaCore
import Vapor
import WebSocketKit
#if canImport(Glibc)
import Glibc
#endif

// Memory after sockets close. See docs/ARCHITECTURE.md ("Memory after a wave of sockets").

extension Application {
    private struct SocketHubKey: StorageKey { typealias Value = SocketHub }
    /// The WebSocket gateway's hub (set by `configure`; tests look inside it).
    var socketHub: SocketHub? {
        get { storage[SocketHubKey.self] }
        set { storage[SocketHubKey.self] = newValue }
    }
}

extension SocketHub {
    /// What the hub holds: its indexes and the frames waiting in its outboxes. All zero once every
    /// socket has closed (tested in RealtimeTests.testNothingOfASocketStaysAfterItCloses).
    struct Footprint: Equatable {
        var connections = 0, users = 0, rooms = 0, subscriptions = 0, queuedFrames = 0
    }

    var footprint: Footprint {
        inspect { st, outboxes in
            Footprint(connections: st.connections.count, users: st.byUser.count, rooms: st.rooms.count,
                      subscriptions: st.rooms.values.reduce(0) { $0 + $1.count }, queuedFrames: outboxes.reduce(0) { $0 + $1.queued })
        }
    }

    /// The open connections (tests hold them weakly, to see they are freed once closed).
    var connectionsForTesting: [Connection] { inspect { st, _ in Array(st.connections.values) } }
}

extension WebSocket {
    /// Lets go of what websocket-kit keeps of a closed socket. Its ping timer holds the `WebSocket`
    /// (and with it the channel) strongly and is not cancelled when the socket closes: each closed
    /// socket stayed in memory until its next ping was due, up to `pingInterval` (30 s) later — a
    /// whole school reconnecting within that time doubled the sockets in memory.
    func releaseAfterClose() {
        pingInterval = nil   // cancels the scheduled ping
    }
}

/// glibc's allocator in a server whose sockets come and go in waves (a school at the first bell,
/// everyone closing the app at the end of the day). Glibc's module does not export <malloc.h>, so
/// `mallopt` and `malloc_trim` are looked up in the C library at run time.
public enum Allocator {
    /// At start, before the server's threads allocate. glibc gives threads that contend for malloc
    /// arenas of their own, up to 8 per core; memory freed in an arena is reused only by that arena,
    /// and a socket's objects are made on several threads (event loops, the concurrency pool, the
    /// database threads). Each wave of connections then spread over more arenas and left free
    /// memory in all of them. Fewer arenas keep the freed memory where the next wave looks for it.
    public static func tuneForServer() {
        #if canImport(Glibc)
        let M_ARENA_MAX: Int32 = -8   // <malloc.h>
        _ = mallopt?(M_ARENA_MAX, Int32(arenas))
        #endif
    }

    static var arenas: Int { max(2, System.coreCount) }

    /// Hands free memory inside the heap back to the kernel. glibc returns memory by itself only from
    /// the top of each heap; what the objects of thousands of closed sockets left in the middle stays
    /// resident until something trims it. Takes milliseconds on a large heap (it walks every free
    /// chunk under the arena's lock): never on an event loop.
    @discardableResult
    static func trim() -> Bool {
        #if canImport(Glibc)
        return malloc_trim?(0) == 1
        #else
        return false
        #endif
    }

    #if canImport(Glibc)
    private static func libc<T>(_ name: String, as type: T.Type) -> T? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
    private static let mallopt = libc("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)
    private static let malloc_trim = libc("malloc_trim", as: (@convention(c) (Int) -> Int32).self)
    #endif
}

/// Gives back to the kernel the memory a wave of closed sockets freed: checks the hub's socket count
/// every few seconds and, when at least `threshold` fewer sockets are open than at the peak since the
/// last trim, trims the heap (`Allocator.trim`) on a thread of its own — and once more after the
/// sign-ins those sockets cached have expired (`ActorCache.lifetime`) and are swept: thousands of
/// small entries made while the sockets connected sit between the sockets' freed memory and pin
/// its pages.
final class TrimAfterDisconnects: @unchecked Sendable {
    // @unchecked: `peak`, `sweepAt` and `task` are touched only on the loop the task runs on.
    private let hub: SocketHub
    private let threshold: Int
    private let sweep: @Sendable () -> Int
    private let releaseCaches: @Sendable () async -> Void
    private let logger: Logger
    private var peak = 0
    private var sweepAt: NIODeadline?
    private var task: RepeatedTask?
    private let queue = DispatchQueue(label: "parta.malloc-trim", qos: .utility)

    /// `sweep` drops expired cached sign-ins and says how many; `releaseCaches` lets the database
    /// connections give up their page caches (filled by the wave's sign-ins) before the last trim.
    init(hub: SocketHub, threshold: Int = 1_000, sweep: @escaping @Sendable () -> Int,
         releaseCaches: @escaping @Sendable () async -> Void = {}, logger: Logger) {
        self.hub = hub; self.threshold = threshold; self.sweep = sweep; self.releaseCaches = releaseCaches; self.logger = logger
    }

    func start(on loop: any EventLoop, every interval: TimeAmount = .seconds(2)) {
        task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in self?.check() }
    }

    func stop() { task?.cancel(); task = nil }

    private func check() {
        let open = hub.count
        peak = max(peak, open)
        if peak - open >= threshold {
            trim("\(peak - open) sockets closed")
            peak = open
            sweepAt = .now() + .seconds(Int64(ActorCache.lifetime) + 2)
        } else if let at = sweepAt, at <= .now() {
            sweepAt = nil
            let sweep = self.sweep, releaseCaches = self.releaseCaches
            Task { [weak self] in
                await releaseCaches()
                self?.trim("expired sign-ins swept, database caches released", before: { sweep() })   // trim only touches its queue
            }
        }
    }

    private func trim(_ why: String, before: (@Sendable () -> Int)? = nil) {
        let logger = self.logger
        queue.async {
            let started = DispatchTime.now().uptimeNanoseconds
            let swept = before?() ?? 0
            Allocator.trim()
            logger.debug("malloc_trim (\(why)\(swept > 0 ? ", \(swept)" : "")): \((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) ms")
        }
    }
}
