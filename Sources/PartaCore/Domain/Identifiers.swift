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
        var bytes = [UInt8](repeating: 0, count: 16)
        var random = SystemRandomNumberGenerator()
        for i in 0..<16 { bytes[i] = random.next() }
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)   // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)   // variant 10
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
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
