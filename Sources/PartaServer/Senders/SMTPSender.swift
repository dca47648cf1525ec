import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PartaCore

/// Sends mail through an SMTP server: EHLO, optional STARTTLS or implicit TLS, optional AUTH PLAIN,
/// one message per connection (codes and links are rare and must not wait in a queue).
struct SMTPSender: MessageSender {
    let settings: SMTPSettings
    let group: any EventLoopGroup
    let logger: Logger

    func send(_ message: OutgoingMessage) async throws {
        let session = try await SMTPSession.connect(settings: settings, group: group)
        do {
            try await session.expect(220)
            let me = "parta.local"
            try await session.command("EHLO \(me)", expect: 250)
            if settings.security == .startTLS {
                try await session.command("STARTTLS", expect: 220)
                try await session.startTLS(host: settings.host)
                try await session.command("EHLO \(me)", expect: 250)
            }
            if let user = settings.username, let password = settings.password {
                let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                try await session.command("AUTH PLAIN \(token)", expect: 235, redact: true)
            }
            try await session.command("MAIL FROM:<\(settings.from)>", expect: 250)
            try await session.command("RCPT TO:<\(message.to)>", expect: 250, alsoAccept: [251])
            try await session.command("DATA", expect: 354)
            try await session.command(MailFormat.render(message, from: settings.from) + "\r\n.", expect: 250)
            try? await session.command("QUIT", expect: 221)
            await session.close()
        } catch {
            await session.close()
            throw error
        }
    }
}

enum MailFormat {
    /// RFC 5322 message, UTF-8 text in base64, with dot-stuffing not needed (base64 has no leading dots).
    static func render(_ message: OutgoingMessage, from: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let subject = "=?UTF-8?B?\(Data(message.subject.utf8).base64EncodedString())?="
        let body = Data(message.text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let domain = from.split(separator: "@").last.map(String.init) ?? "parta.local"
        return [
            "From: Parta <\(from)>",
            "To: <\(message.to)>",
            "Subject: \(subject)",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            body,
        ].joined(separator: "\r\n")
    }
}

struct SMTPError: Error, CustomStringConvertible {
    let description: String
}

/// One SMTP connection: lines in through an async stream, commands out.
final class SMTPSession: @unchecked Sendable {
    // @unchecked: `channel` is set once before use; the line stream is consumed by one task at a time.
    let channel: any Channel
    private var lines: AsyncThrowingStream<String, any Error>.AsyncIterator
    private let handler: SMTPLineHandler

    private init(channel: any Channel, handler: SMTPLineHandler, stream: AsyncThrowingStream<String, any Error>) {
        self.channel = channel
        self.handler = handler
        self.lines = stream.makeAsyncIterator()
    }

    static func connect(settings: SMTPSettings, group: any EventLoopGroup) async throws -> SMTPSession {
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let handler = SMTPLineHandler(continuation: continuation)
        let implicitTLS = settings.security == .tls
        let host = settings.host
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: settings.host, port: settings.port).get()
        return SMTPSession(channel: channel, handler: handler, stream: stream)
    }

    func startTLS(host: String) async throws {
        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
        let tls = try NIOSSLClientHandler(context: context, serverHostname: host)
        try await channel.pipeline.addHandler(tls, position: .first).get()
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    func expect(_ code: Int, alsoAccept: [Int] = [], after command: String = "greeting") async throws {
        var text = ""
        while true {
            let line = try await withTimeout(seconds: 30) { [self] in try await self.nextLine() }
            text += line + "\n"
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                let got = Int(line.prefix(3)) ?? 0
                guard got == code || alsoAccept.contains(got) else {
                    throw SMTPError(description: "SMTP server answered \(text.trimmingCharacters(in: .whitespacesAndNewlines)) to \(command)")
                }
                return
            }
        }
    }

    func command(_ line: String, expect code: Int, alsoAccept: [Int] = [], redact: Bool = false) async throws {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        try await channel.writeAndFlush(buffer).get()
        let name = redact ? String(line.prefix(10)) + "…" : String(line.prefix(40))
        try await expect(code, alsoAccept: alsoAccept, after: name)
    }

    private func nextLine() async throws -> String {
        guard let line = try await lines.next() else { throw SMTPError(description: "SMTP connection closed") }
        return line
    }

    func close() async {
        try? await channel.close().get()
    }

    private func withTimeout<T: Sendable>(seconds: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
                throw SMTPError(description: "SMTP server did not answer in \(seconds) s")
            }
            let result = try await group.next()!
            group.cancelAll()
            return result
        }
    }
}

/// Splits the byte stream into CRLF-terminated lines.
final class SMTPLineHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop.
    typealias InboundIn = ByteBuffer
    private var pending = ""
    private let continuation: AsyncThrowingStream<String, any Error>.Continuation

    init(continuation: AsyncThrowingStream<String, any Error>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let range = pending.range(of: "\r\n") {
            continuation.yield(String(pending[..<range.lowerBound]))
            pending.removeSubrange(pending.startIndex..<range.upperBound)
        }
        if pending.utf8.count > 64 * 1024 { continuation.finish(throwing: SMTPError(description: "SMTP line too long")) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
