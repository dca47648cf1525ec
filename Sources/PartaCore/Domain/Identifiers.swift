import Foundation

/// The ways a person can be identified at sign-in: a mobile phone, an email, or a login
/// (for a child without a phone). Parsing normalises, so `8 (912) 345-67-89` and
/// `+79123456789` are the same account.
public enum LoginIdentifier: Sendable, Equatable, Hashable {
    case phone(String)   // E.164, "+7XXXXXXXXXX"
    case email(String)   // lower-cased
    case login(String)   // lower-cased, [a-z0-9._-], 3–32

    public static func parse(_ raw: String) -> LoginIdentifier? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 254 { return nil }
        if trimmed.contains("@") { return Email.normalize(trimmed).map(LoginIdentifier.email) }
        if let phone = Phone.normalize(trimmed) { return .phone(phone) }
        return Login.normalize(trimmed).map(LoginIdentifier.login)
    }

    public var value: String {
        switch self {
        case .phone(let v), .email(let v), .login(let v): return v
        }
    }

    /// What to show when confirming where a code went, without revealing the whole address.
    public var masked: String {
        switch self {
        case .phone(let p): return Phone.mask(p)
        case .email(let e): return Email.mask(e)
        case .login(let l): return l
        }
    }
}

public enum Phone {
    /// Russian mobile numbers: accepts +7…, 8…, 7… or 10 digits starting with 9; punctuation ignored.
    /// Returns "+7XXXXXXXXXX" or nil.
    public static func normalize(_ raw: String) -> String? {
        let allowed = CharacterSet(charactersIn: "+0123456789 ()-.\u{00A0}")
        guard raw.unicodeScalars.allSatisfy({ allowed.contains($0) }) else { return nil }
        if raw.dropFirst().contains("+") { return nil }
        let digits = raw.filter(\.isNumber)
        var national: Substring
        switch digits.count {
        case 10: national = Substring(digits)
        case 11 where digits.first == "8" || digits.first == "7": national = digits.dropFirst()
        default: return nil
        }
        if raw.hasPrefix("+") && !(digits.count == 11 && digits.first == "7") { return nil }
        guard national.first == "9" else { return nil }   // mobile numbers only
        return "+7" + national
    }

    public static func mask(_ phone: String) -> String {
        guard phone.count == 12 else { return "***" }
        let chars = Array(phone)
        return "+7 \(chars[2])\(chars[3])\(chars[4]) ***-**-\(chars[10])\(chars[11])"
    }
}

public enum Email {
    public static func normalize(_ raw: String) -> String? {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard value.count <= 254 else { return nil }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return nil }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return nil }
        let localAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
        let domainAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard parts[0].unicodeScalars.allSatisfy({ localAllowed.contains($0) }),
              domain.unicodeScalars.allSatisfy({ domainAllowed.contains($0) }) else { return nil }
        return value
    }

    public static func mask(_ email: String) -> String {
        let parts = email.split(separator: "@")
        guard parts.count == 2, let first = parts[0].first else { return "***" }
        return "\(first)***@\(parts[1])"
    }
}

public enum Login {
    public static func normalize(_ raw: String) -> String? {
        let value = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard (3...32).contains(value.count) else { return nil }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard value.unicodeScalars.allSatisfy({ allowed.contains($0) }),
              value.first?.isLetter == true else { return nil }
        return value
    }
}

/// Russian taxpayer number of an organisation: 10 digits with a checksum.
public enum INN {
    public static func isValid(_ raw: String) -> Bool {
        let digits = raw.compactMap { $0.wholeNumberValue }
        guard digits.count == raw.count else { return false }
        if digits.count == 10 {
            let w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
            return checksum(digits, w) == digits[9]
        }
        if digits.count == 12 {
            let w1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
            let w2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
            return checksum(digits, w1) == digits[10] && checksum(digits, w2) == digits[11]
        }
        return false
    }

    private static func checksum(_ d: [Int], _ weights: [Int]) -> Int {
        zip(d, weights).map(*).reduce(0, +) % 11 % 10
    }
}

extension UUID {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then random bits. New
    /// ones sort after older ones, also as the upper-case text SQLite stores, so an index on such
    /// ids grows at its end: a batch of new messages touches one index page, not one per message.
    /// Used for messages (their time is shown to every reader anyway).
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        // Two 64-bit draws (each one getrandom call on Linux; a draw per byte cost 16 calls).
        var random = SystemRandomNumberGenerator()
        let high = (millis << 16) | (0x7000 | ((random.next() as UInt64) & 0x0FFF))        // time, version 7
        let low = 0x8000_0000_0000_0000 | ((random.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF)   // variant 10
        func byte(_ word: UInt64, _ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (8 * (7 - i))) }
        return UUID(uuid: (byte(high, 0), byte(high, 1), byte(high, 2), byte(high, 3), byte(high, 4), byte(high, 5),
                           byte(high, 6), byte(high, 7), byte(low, 0), byte(low, 1), byte(low, 2), byte(low, 3),
                           byte(low, 4), byte(low, 5), byte(low, 6), byte(low, 7)))
    }

    /// Parses the canonical text of a UUID (8-4-4-4-12 hex digits, either case) as `UUID(uuidString:)`
    /// does, without its `sscanf` on Linux: the send path reads several ids back from SQLite per send.
    public init?(text: String) {
        var text = text
        let parsed = text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                var j = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 {
                        guard utf8[j] == 0x2D else { return false }   // "-"
                        j += 1
                    }
                    guard let hi = hexValue(utf8[j]), let lo = hexValue(utf8[j + 1]) else { return false }
                    out[i] = hi << 4 | lo
                    j += 2
                }
                return true
            }
            return ok ? UUID(uuid: bytes) : nil
        }
        guard let uuid = parsed else { return nil }
        self = uuid
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: c - 0x30
    case 0x41...0x46: c - 0x41 + 10
    case 0x61...0x66: c - 0x61 + 10
    default: nil
    }
}

extension UUID {
    /// The upper-case text of the id, the same as `uuidString` (which formats through `sprintf` on
    /// Linux): a send writes several of them into SQLite and into its JSON.
    public var upperText: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var j = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[j] = 0x2D; j += 1 }   // "-"
                    let byte = raw[i]
                    out[j] = upperHexDigits[Int(byte >> 4)]
                    out[j + 1] = upperHexDigits[Int(byte & 0x0F)]
                    j += 2
                }
                return 36
            }
        }
    }
}

private let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
