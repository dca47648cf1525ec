import Crypto
import Foundation
import Logging

/// Time, injected so tests can move it (code expiry, throttling windows).
public protocol PartaClock: Sendable {
    func now() -> Date
}

public struct SystemClock: PartaClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Password hashing lives behind a protocol so the core stays free of Vapor (which provides Bcrypt).
public protocol PasswordHashing: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async throws -> Bool
}

public enum Secrets {
    /// A URL-safe random token with `bytes` bytes of entropy (default 32 = 256 bits).
    public static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(raw).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Six decimal digits, uniformly distributed.
    public static func sixDigitCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
    }

    public static func sha256Hex(_ value: String) -> String {
        hex(SHA256.hash(data: Data(value.utf8)))
    }

    /// Lowercase hex without `String(format:)` (which is slow; this runs on every request).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Compares two strings in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// A message to one person: a one-time code, an activation link.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Channel: String, Sendable { case sms, email }
    public var channel: Channel
    public var to: String
    public var subject: String
    public var text: String
    public init(channel: Channel, to: String, subject: String, text: String) {
        self.channel = channel; self.to = to; self.subject = subject; self.text = text
    }
}

/// Delivers messages: `console` (the log), `smtp`, or an SMS gateway over `http`, chosen by configuration.
public protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async throws
}

/// Routes each message to the sender of its channel.
public struct Outbox: Sendable {
    public var sms: any MessageSender
    public var email: any MessageSender
    public init(sms: any MessageSender, email: any MessageSender) {
        self.sms = sms; self.email = email
    }
    public func send(_ message: OutgoingMessage) async throws {
        switch message.channel {
        case .sms: try await sms.send(message)
        case .email: try await email.send(message)
        }
    }
}

/// The default sender: the message appears in the server log, so a local trial needs nothing else.
public struct ConsoleSender: MessageSender {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func send(_ message: OutgoingMessage) async throws {
        logger.notice("outgoing \(message.channel.rawValue) to \(message.to): \(message.subject) — \(message.text)")
    }
}
