import Foundation

/// The one place free text from people is cleaned before it is checked and stored: names, titles,
/// file names, poll questions and options, reasons and comments, school fields, message text.
///
/// Invisible characters are stripped, not refused, so an honest paste (from a word processor, a
/// web page, a PDF) still works; what is left is NFC-normalised (so «ё» typed as «е» + U+0308 is
/// the same «ё») and trimmed. A field that is empty after cleaning is refused by its service like
/// an empty field. Stripped:
/// - bidirectional controls: embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, marks
///   U+200E/U+200F/U+061C — «отчёт\u{202E}fdp.exe» must never show as «отчётexe.pdf»;
/// - zero-width characters U+200B–U+200D, U+2060, U+FEFF and every other invisible format
///   character (Unicode category Cf: soft hyphen, tags, interlinear annotations…);
/// - C0/C1 control characters; in one-line fields a tab or line break becomes a space.
public enum Text {
    /// Bidirectional embeddings, overrides and isolates: they reorder what follows them.
    static func isBidiControl(_ s: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }

    /// A name, title, subject, poll option, file name or school field: one line, no invisible characters.
    public static func cleanLine(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        for s in raw.unicodeScalars {
            switch s.properties.generalCategory {
            case .format: continue
            case .control, .lineSeparator, .paragraphSeparator:
                if s.properties.isWhitespace { out.append(" ") }   // \t \n \r U+0085 U+2028 U+2029
            default: out.append(s)
            }
        }
        return finish(out)
    }

    /// A reason or comment: like `cleanLine`, but line breaks stay (as "\n").
    public static func cleanLines(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for s in raw.unicodeScalars {
            defer { previousCR = s == "\r" }
            if s == "\n" && previousCR { continue }   // "\r\n" was written as "\n" already
            switch s.properties.generalCategory {
            case .format: continue
            case .control, .lineSeparator, .paragraphSeparator:
                if s == "\n" || s == "\r" || s.value == 0x85 || s.value == 0x2028 || s.value == 0x2029 { out.append("\n") }
                else if s == "\t" { out.append(" ") }
            default: out.append(s)
            }
        }
        return finish(out)
    }

    /// Message text: line breaks and tabs stay; bidirectional embeddings, overrides and isolates,
    /// other control characters and invisible format characters go. Kept on purpose, because
    /// writing needs them: U+200D ZERO WIDTH JOINER (emoji sequences 👨‍👩‍👧, scripts that join),
    /// U+200C ZERO WIDTH NON-JOINER (Persian and Indic spelling), the direction marks
    /// U+200E/U+200F/U+061C (mixed Arabic/Hebrew and Latin text; unlike overrides they do not
    /// reverse a run), and tag characters U+E0020–U+E007F (subdivision flags such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
    public static func cleanMessage(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for s in raw.unicodeScalars {
            defer { previousCR = s == "\r" }
            if s == "\n" && previousCR { continue }
            switch s.properties.generalCategory {
            case .format:
                let v = s.value
                if v == 0x200C || v == 0x200D || v == 0x200E || v == 0x200F || v == 0x061C || (0xE0020...0xE007F).contains(v) {
                    out.append(s)
                }
            case .control:
                if s == "\n" || s == "\t" { out.append(s) } else if s == "\r" { out.append("\n") }
            default: out.append(s)
            }
        }
        return finish(out)
    }

    /// A file name to show and send back: the last path component, one clean line, at
    /// most `limit` characters; `fallback` when nothing is left.
    public static func cleanFileName(_ raw: String, limit: Int = 200, fallback: String = "файл") -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = cleanLine(last)   // quotes stay: the download header escapes them
        return clean.isEmpty ? fallback : String(clean.prefix(limit)).trimmingCharacters(in: .whitespaces)
    }

    private static func finish(_ scalars: String.UnicodeScalarView) -> String {
        String(scalars).precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
