import Foundation
import Logging

/// The server's configuration, parsed once from the environment. A bad value stops the start with a
/// message naming the variable; nothing is read from the environment anywhere else.
public struct PartaConfig: Sendable {
    public enum SMSSender: Sendable, Equatable { case console, http(url: URL, token: String?) }
    public enum MailSender: Sendable, Equatable { case console, smtp(SMTPSettings) }
    public enum LogFormat: String, Sendable { case text, json }

    public var dataDirectory: URL
    public var databaseURL: String?
    public var publicURL: String?
    public var publicDirectory: String?
    public var openAPIPath: String?
    public var sms: SMSSender
    public var mail: MailSender
    public var bcryptCost: Int
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    public var cookieSecure: Bool
    public var trustProxy: Bool
    /// Messages one person may send a minute (PARTA_MESSAGES_PER_MINUTE, default 30).
    public var messagesPerMinute: Int
    /// What one person may create per minute and per day (PARTA_LIMIT_CHATS, …_INVITES,
    /// …_CHAT_LINKS, …_POLLS, …_REPORTS as "per minute/per day").
    public var creation = CreationLimits()
    /// WebSocket connections per account (PARTA_WS_PER_USER) and per client address (PARTA_WS_PER_ADDRESS, 0 = none).
    public var socketsPerUser = 20
    public var socketsPerAddress = 2_000
    /// PostgreSQL connections per event loop (PARTA_DB_POOL_PER_LOOP; one event loop per core).
    public var databasePoolPerLoop = 4
    /// Session idle timeout and absolute lifetime (PARTA_SESSION_IDLE_DAYS, PARTA_SESSION_MAX_DAYS),
    /// and the shorter pair for school administrators and operators (PARTA_ADMIN_SESSION_IDLE_HOURS,
    /// PARTA_ADMIN_SESSION_MAX_DAYS), in seconds.
    public var sessionIdle: TimeInterval = 30 * 24 * 3600
    public var sessionMaxLifetime: TimeInterval = 90 * 24 * 3600
    public var adminSessionIdle: TimeInterval = 12 * 3600
    public var adminSessionMaxLifetime: TimeInterval = 7 * 24 * 3600
    /// Below this much free space in the data directory `/readyz` answers 503 (PARTA_MIN_FREE_MB).
    public var minFreeBytes: Int64 = 64 * 1024 * 1024

    /// The identity rules these settings make.
    public var authRules: AuthRules {
        var rules = AuthRules(messagesPerMinute: messagesPerMinute)
        rules.sessionIdle = sessionIdle; rules.sessionMaxLifetime = sessionMaxLifetime
        rules.adminSessionIdle = adminSessionIdle; rules.adminSessionMaxLifetime = adminSessionMaxLifetime
        rules.creation = creation
        rules.socketsPerUser = socketsPerUser
        rules.socketsPerAddress = socketsPerAddress
        return rules
    }
    /// Connections the kernel holds for the server until it accepts them (PARTA_LISTEN_BACKLOG,
    /// default 4096; capped by the kernel at net.core.somaxconn). See `ListenBacklog`.
    public var listenBacklog: Int

    public init(dataDirectory: URL, databaseURL: String? = nil, publicURL: String? = nil, publicDirectory: String? = nil,
                openAPIPath: String? = nil, sms: SMSSender = .console, mail: MailSender = .console, bcryptCost: Int = 12,
                logFormat: LogFormat = .text, logLevel: Logger.Level = .info, cookieSecure: Bool = false, trustProxy: Bool = false,
                messagesPerMinute: Int = 30, listenBacklog: Int = 4096) {
        self.dataDirectory = dataDirectory; self.databaseURL = databaseURL; self.publicURL = publicURL
        self.publicDirectory = publicDirectory; self.openAPIPath = openAPIPath; self.sms = sms; self.mail = mail
        self.bcryptCost = bcryptCost; self.logFormat = logFormat; self.logLevel = logLevel
        self.cookieSecure = cookieSecure; self.trustProxy = trustProxy; self.messagesPerMinute = messagesPerMinute
        self.listenBacklog = listenBacklog
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let variable: String
        public let problem: String
        public var description: String { "Configuration error: \(variable) \(problem)" }
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> PartaConfig {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func bool(_ name: String, default d: Bool) throws -> Bool {
            guard let v = value(name)?.lowercased() else { return d }
            switch v {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw Invalid(variable: name, problem: "must be true or false, got '\(v)'")
            }
        }
        func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
            guard let v = value(name) else { return d }
            guard let n = Int(v), range.contains(n) else {
                throw Invalid(variable: name, problem: "must be a whole number in \(range.lowerBound)…\(range.upperBound), got '\(v)'")
            }
            return n
        }
        func url(_ name: String, schemes: Set<String>) throws -> URL? {
            guard let v = value(name) else { return nil }
            guard let u = URL(string: v), let s = u.scheme?.lowercased(), schemes.contains(s), u.host != nil else {
                throw Invalid(variable: name, problem: "must be a URL starting with \(schemes.sorted().joined(separator: "/")), got '\(v)'")
            }
            return u
        }

        let dataDir = URL(fileURLWithPath: value("PARTA_DATA_DIR") ?? "./data", isDirectory: true).standardizedFileURL
        let dbURL = try url("DATABASE_URL", schemes: ["postgres", "postgresql"])?.absoluteString
        var publicURL = try url("PARTA_PUBLIC_URL", schemes: ["http", "https"])?.absoluteString
        while publicURL?.hasSuffix("/") == true { publicURL?.removeLast() }

        let sms: SMSSender
        switch value("PARTA_SMS_SENDER")?.lowercased() ?? "console" {
        case "console": sms = .console
        case "http":
            guard let u = try url("PARTA_SMS_HTTP_URL", schemes: ["http", "https"]) else {
                throw Invalid(variable: "PARTA_SMS_HTTP_URL", problem: "is required when PARTA_SMS_SENDER=http")
            }
            sms = .http(url: u, token: value("PARTA_SMS_HTTP_TOKEN"))
        case let other: throw Invalid(variable: "PARTA_SMS_SENDER", problem: "must be console or http, got '\(other)'")
        }

        let mail: MailSender
        switch value("PARTA_MAIL_SENDER")?.lowercased() ?? "console" {
        case "console": mail = .console
        case "smtp":
            guard let host = value("PARTA_SMTP_HOST") else {
                throw Invalid(variable: "PARTA_SMTP_HOST", problem: "is required when PARTA_MAIL_SENDER=smtp")
            }
            let tls: SMTPSettings.Security
            switch value("PARTA_SMTP_TLS")?.lowercased() ?? "none" {
            case "none": tls = .none
            case "tls": tls = .tls
            case "starttls": tls = .startTLS
            case let other: throw Invalid(variable: "PARTA_SMTP_TLS", problem: "must be none, starttls or tls, got '\(other)'")
            }
            let port = try int("PARTA_SMTP_PORT", default: tls == .tls ? 465 : (tls == .startTLS ? 587 : 25), range: 1...65535)
            guard let from = value("PARTA_SMTP_FROM"), Email.isPlausible(from) else {
                throw Invalid(variable: "PARTA_SMTP_FROM", problem: "must be the sender's email address")
            }
            mail = .smtp(SMTPSettings(host: host, port: port, security: tls, from: from,
                                      username: value("PARTA_SMTP_USERNAME"), password: value("PARTA_SMTP_PASSWORD")))
        case let other: throw Invalid(variable: "PARTA_MAIL_SENDER", problem: "must be console or smtp, got '\(other)'")
        }

        let format: LogFormat
        switch value("PARTA_LOG_FORMAT")?.lowercased() ?? "text" {
        case "text": format = .text
        case "json": format = .json
        case let other: throw Invalid(variable: "PARTA_LOG_FORMAT", problem: "must be text or json, got '\(other)'")
        }
        let level: Logger.Level
        if let raw = value("PARTA_LOG_LEVEL") ?? value("LOG_LEVEL") {
            guard let l = Logger.Level(rawValue: raw.lowercased()) else {
                throw Invalid(variable: "PARTA_LOG_LEVEL", problem: "must be trace, debug, info, notice, warning, error or critical, got '\(raw)'")
            }
            level = l
        } else { level = .info }

        var config = PartaConfig(
            dataDirectory: dataDir, databaseURL: dbURL, publicURL: publicURL,
            publicDirectory: value("PARTA_PUBLIC_DIR"), openAPIPath: value("PARTA_OPENAPI_PATH"),
            sms: sms, mail: mail, bcryptCost: try int("PARTA_BCRYPT_COST", default: 12, range: 4...31),
            logFormat: format, logLevel: level, cookieSecure: try bool("PARTA_COOKIE_SECURE", default: false),
            trustProxy: try bool("PARTA_TRUST_PROXY", default: false),
            messagesPerMinute: try int("PARTA_MESSAGES_PER_MINUTE", default: 30, range: 1...1_000_000),
            listenBacklog: try int("PARTA_LISTEN_BACKLOG", default: 4096, range: 1...65535))
        for kind in CreationLimits.Kind.allCases {
            let name = "PARTA_LIMIT_" + kind.rawValue.uppercased()
            guard let raw = value(name) else { continue }
            guard let limit = CreationLimits.PerPerson(text: raw) else {
                throw Invalid(variable: name, problem: "must be 'per minute/per day' (e.g. 20/200, per day ≥ per minute), got '\(raw)'")
            }
            config.creation[kind] = limit
        }
        config.socketsPerUser = try int("PARTA_WS_PER_USER", default: 20, range: 1...10_000)
        config.socketsPerAddress = try int("PARTA_WS_PER_ADDRESS", default: 2_000, range: 0...1_000_000)
        config.databasePoolPerLoop = try int("PARTA_DB_POOL_PER_LOOP", default: 4, range: 1...100)
        let day: TimeInterval = 24 * 3600
        config.sessionIdle = Double(try int("PARTA_SESSION_IDLE_DAYS", default: 30, range: 1...3650)) * day
        config.sessionMaxLifetime = Double(try int("PARTA_SESSION_MAX_DAYS", default: 90, range: 1...3650)) * day
        config.adminSessionIdle = Double(try int("PARTA_ADMIN_SESSION_IDLE_HOURS", default: 12, range: 1...8760)) * 3600
        config.adminSessionMaxLifetime = Double(try int("PARTA_ADMIN_SESSION_MAX_DAYS", default: 7, range: 1...3650)) * day
        config.minFreeBytes = Int64(try int("PARTA_MIN_FREE_MB", default: 64, range: 0...1_000_000)) * 1024 * 1024
        return config
    }
}

public struct SMTPSettings: Sendable, Equatable {
    public enum Security: Sendable, Equatable { case none, startTLS, tls }
    public var host: String
    public var port: Int
    public var security: Security
    public var from: String
    public var username: String?
    public var password: String?
    public init(host: String, port: Int, security: Security, from: String, username: String?, password: String?) {
        self.host = host; self.port = port; self.security = security; self.from = from
        self.username = username; self.password = password
    }
}

import PartaCore
extension Email {
    static func isPlausible(_ value: String) -> Bool { normalize(value) != nil }
}
