import Foundation

/// Every CSV Parta writes goes through here (the roster export, the audit log; timetables and
/// statistics next), in the form Excel in Russian opens by double-click with the right columns
/// and Cyrillic: UTF-8 with a byte order mark, `;` between fields, CRLF after every record.
///
/// A field is quoted (RFC 4180, `"` doubled) when it holds `;`, `,`, a quote or a line break —
/// `,` too, so a file re-read with either separator keeps its columns. A field that a spreadsheet
/// would run as a formula — beginning with `=`, `+`, `-`, `@`, a tab or a CR — is written with a
/// leading `'` (OWASP's CSV injection advice); a phone number, `+` and digits only, stays as it is.
public struct CSVWriter: Sendable {
    public static let delimiter: Character = ";"

    /// The file so far, starting with the byte order mark.
    public private(set) var text = "\u{FEFF}"

    public init(header: [String]) { append(header) }

    public mutating func append(_ fields: [String]) {
        text += Self.row(fields)
    }

    /// One record with its CRLF.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: String(delimiter)) + "\r\n"
    }

    public static func field(_ raw: String) -> String {
        var value = raw
        let isPhone = value.hasPrefix("+") && value.dropFirst().allSatisfy(\.isNumber)
        if let first = value.first, "=+-@\t\r".contains(first), !isPhone { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
