import Foundation
import Vapor

/// The listen backlog: how many connections the kernel completes and holds for the server until it
/// accepts them. Vapor's default is 256. When a school opens the app at the first bell, thousands
/// of clients connect within a second; a connection beyond the backlog is dropped by the kernel
/// (`TcpExtListenOverflows`, `TcpExtListenDrops`) and the client's kernel tries again only after its
/// 1 s SYN retransmit timer — at 1,000 clients that, not the server's work, was the 1.2 s tail of
/// `parta-bench bellring`. The kernel caps every backlog at `net.core.somaxconn`, so a lower value
/// there silently undoes this setting: the server says so at start.
enum ListenBacklog {
    static let somaxconnPath = "/proc/sys/net/core/somaxconn"

    static func apply(_ backlog: Int, to app: Application, somaxconnPath: String = somaxconnPath) {
        app.http.server.configuration.backlog = backlog
        if let warning = warning(backlog: backlog, somaxconn: readLimit(somaxconnPath)) {
            app.logger.warning(Logger.Message(stringLiteral: warning))
        }
    }

    /// The kernel's cap (nil where there is no such file, e.g. not Linux).
    static func readLimit(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// What to tell the operator when the kernel caps the backlog below the configured one.
    static func warning(backlog: Int, somaxconn: Int?) -> String? {
        guard let somaxconn, somaxconn < backlog else { return nil }
        return "PARTA_LISTEN_BACKLOG is \(backlog) but the kernel caps listen backlogs at net.core.somaxconn = \(somaxconn): "
            + "more than \(somaxconn) connections arriving at once wait for a 1 s SYN retransmit. Raise it "
            + "(sysctl -w net.core.somaxconn=\(backlog), and to keep it a line net.core.somaxconn=\(backlog) in /etc/sysctl.d/)."
    }
}
