import Foundation

/// Every CSV Parta reads goes through here (the roster import now; timetables and the like next):
/// the bytes are decoded by `TextDecoding` (UTF-8 with or without BOM, UTF-16 with BOM,
/// Windows-1251), the separator is taken from the header line, and the rows are read by RFC 4180.
///
/// - The separator is whichever of `;` (Excel in Russian), tab and `,` occurs most often in the
///   first record outside quotes (a tie goes to that order).
/// - A field that begins with `"` is quoted: separators and line breaks inside it are its own,
///   `""` is a quote; a quote elsewhere in a field is an ordinary character.
/// - Records end at LF, CRLF or a lone CR; the last one needs no line break, and a file's final
///   line break makes no empty record. An empty line in the middle is a record of one empty field
///   (callers skip blank records but count them, so line numbers match the file's).
/// - Cells are returned as they are: callers clean them (`Text.cleanLine`).
public enum CSVReader {
    public struct Table: Sendable, Equatable {
        public var rows: [[String]]
        public var delimiter: Character
        public var encoding: TextDecoding.Encoding
    }

    public static func read(_ data: Data) throws -> Table {
        let (text, encoding) = try TextDecoding.decode(data)
        let delimiter = sniffDelimiter(text)
        return Table(rows: parse(text, delimiter: delimiter), delimiter: delimiter, encoding: encoding)
    }

    static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    public static let delimiters: [Character] = [";", "\t", ","]

    /// The separator of the first record: the most frequent of `;`, tab, `,` outside quotes (read
    /// as `parse` reads, any of the three ending a field).
    public static func sniffDelimiter(_ text: String) -> Character {
        let ascii = delimiters.map { $0.asciiValue! }
        var counts = [0, 0, 0]
        var quoted = false, atFieldStart = true
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if quoted {
                    if b == quote { if i < bytes.count && bytes[i] == quote { i += 1 } else { quoted = false } }
                    continue
                }
                if b == cr || b == lf { return }
                if let k = ascii.firstIndex(of: b) { counts[k] += 1; atFieldStart = true; continue }
                if b == quote && atFieldStart { quoted = true }
                atFieldStart = false
            }
        }
        // The most frequent; of equally frequent ones, the first in `delimiters`.
        let best = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
        return delimiters[best]
    }

    /// The records of `text` with this separator (ASCII). Works on UTF-8 bytes: every byte that
    /// matters is ASCII, which never occurs inside a multi-byte character.
    public static func parse(_ text: String, delimiter: Character) -> [[String]] {
        let separator = delimiter.asciiValue!
        var rows: [[String]] = [], row: [String] = [], field: [UInt8] = []
        var quoted = false, atFieldStart = true
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            atFieldStart = true
        }
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                i += 1
                if quoted {
                    if b == quote {
                        if i < n && bytes[i] == quote { field.append(quote); i += 1 } else { quoted = false }
                    } else {
                        field.append(b)
                    }
                    continue
                }
                switch b {
                case quote where atFieldStart:
                    quoted = true; atFieldStart = false
                case separator:
                    endField()
                case lf, cr:
                    if b == cr && i < n && bytes[i] == lf { i += 1 }
                    endField()
                    rows.append(row); row = []
                default:
                    field.append(b); atFieldStart = false
                }
            }
        }
        if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }
}
