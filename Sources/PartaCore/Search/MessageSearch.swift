/// How messages' text becomes search terms, the same way for what is indexed and for what is looked
/// for.
///
/// SQLite: the full-text table (`messages_fts`, M015) holds `indexText(text)` — the words in lower
/// case, «ё» read as «е», stress marks dropped, each Russian word cut to its Snowball stem
/// (`RussianStemmer`) — written by the table's triggers through the SQL function `parta_stem`
/// (`SQLiteFunctions`) in the statement that writes the message. A query is made of the same
/// terms, each matched as the beginning of a stem (`SearchService`). PostgreSQL stems by itself:
/// a GIN index on `foldedSQL`.
///
/// A word is a run of letters, digits and private-use characters, with the combining marks inside
/// it; every other character separates words. This runs for every message written on SQLite, so
/// it reads UTF-8 and writes UTF-8 through buffers it reuses, without making strings.
public enum MessageSearch {
    /// PostgreSQL: the indexed expression; queries must repeat it exactly to use the index.
    static let foldedSQL = "to_tsvector('russian', replace(replace(text, 'ё', 'е'), 'Ё', 'Е'))"

    /// Words longer than this are left unstemmed (no word of a language is; a long run of letters is
    /// a code or a pasted link).
    static let longestStemmed = 64

    /// What the full-text table holds for a message: its terms, separated by spaces.
    public static func indexText(_ text: String) -> String {
        var text = text
        var out: [UInt8] = []
        text.withUTF8 { indexText(utf8: $0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `indexText` from UTF-8 to UTF-8 (`out` is emptied first).
    static func indexText(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(utf8.count)
        forEachWord(utf8: utf8) { word in
            stem(&word)
            if !out.isEmpty { out.append(0x20) }
            appendUTF8(word, to: &out)
        }
    }

    /// The words of `text` folded (lower case, «ё» as «е», stress marks dropped), not stemmed.
    public static func words(_ text: String) -> [String] {
        var text = text
        var words: [String] = []
        text.withUTF8 { utf8 in forEachWord(utf8: utf8) { words.append(string($0)) } }
        return words
    }

    /// The words of `text` as the index holds them: folded and stemmed.
    public static func terms(_ text: String) -> [String] {
        words(text).map(term)
    }

    /// The term of one word of `words`.
    public static func term(_ word: String) -> String {
        var letters = word.unicodeScalars.map(\.value)
        stem(&letters)
        return string(letters)
    }

    /// Russian words (with a Cyrillic letter а–я) are stemmed; others stay as folded.
    static func stem(_ word: inout [UInt32]) {
        guard word.count <= longestStemmed, word.contains(where: { $0 >= 0x430 && $0 <= 0x44F }) else { return }
        RussianStemmer.stem(&word)
    }

    private static func string(_ word: [UInt32]) -> String {
        var utf8: [UInt8] = []
        appendUTF8(word, to: &utf8)
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Calls `body` with each word of the UTF-8 text, folded, as code points (one buffer reused).
    static func forEachWord(utf8 text: UnsafeBufferPointer<UInt8>, _ body: (inout [UInt32]) -> Void) {
        var word: [UInt32] = []
        word.reserveCapacity(32)
        var i = 0
        let n = text.count
        while i < n {
            // Decode one code point (invalid UTF-8 reads as U+FFFD, a separator).
            let b0 = UInt32(text[i])
            var c: UInt32 = 0xFFFD
            var length = 1
            if b0 < 0x80 {
                c = b0
            } else if b0 >= 0xC2 && b0 < 0xE0, i + 1 < n, text[i + 1] & 0xC0 == 0x80 {
                c = (b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F); length = 2
            } else if b0 >= 0xE0 && b0 < 0xF0, i + 2 < n, text[i + 1] & 0xC0 == 0x80, text[i + 2] & 0xC0 == 0x80 {
                c = (b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F); length = 3
                if c < 0x800 || (c >= 0xD800 && c < 0xE000) { c = 0xFFFD }
            } else if b0 >= 0xF0 && b0 < 0xF5, i + 3 < n, text[i + 1] & 0xC0 == 0x80, text[i + 2] & 0xC0 == 0x80, text[i + 3] & 0xC0 == 0x80 {
                c = (b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12 | UInt32(text[i + 2] & 0x3F) << 6 | UInt32(text[i + 3] & 0x3F)
                length = 4
                if c < 0x10000 || c > 0x10FFFF { c = 0xFFFD }
            }
            i += length
            switch kind(c) {
            case .wordCharacter:
                appendFolded(c, to: &word)
            case .mark:
                if !word.isEmpty && !(c >= 0x300 && c <= 0x36F) { word.append(c) }
            case .separator:
                if !word.isEmpty {
                    body(&word)
                    word.removeAll(keepingCapacity: true)
                }
            }
        }
        if !word.isEmpty { body(&word) }
    }

    enum Kind { case wordCharacter, mark, separator }

    static func kind(_ c: UInt32) -> Kind {
        // The common cases without a property lookup: ASCII, Cyrillic.
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) ? .wordCharacter : .separator
        }
        if c >= 0x400 && c <= 0x481 { return .wordCharacter }
        guard let scalar = Unicode.Scalar(c) else { return .separator }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return .wordCharacter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .mark
        default:
            return .separator
        }
    }

    /// Appends the code point in lower case, «ё» as «е».
    static func appendFolded(_ c: UInt32, to word: inout [UInt32]) {
        switch c {
        case 0x41...0x5A, 0x410...0x42F: word.append(c + 0x20)   // A–Z, А–Я
        case 0x401, 0x451: word.append(0x435)                     // Ё ё → е
        case 0x400...0x40F: word.append(c + 0x50)                 // Ѐ–Џ
        case 0..<0x80, 0x430...0x45F: word.append(c)
        default:
            guard let scalar = Unicode.Scalar(c), scalar.properties.changesWhenLowercased else { word.append(c); return }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars where !(0x300...0x36F).contains(lower.value) {
                word.append(lower.value)
            }
        }
    }

    static func appendUTF8(_ word: [UInt32], to out: inout [UInt8]) {
        for c in word {
            switch c {
            case 0..<0x80:
                out.append(UInt8(c))
            case 0x80..<0x800:
                out.append(UInt8(0xC0 | c >> 6)); out.append(UInt8(0x80 | c & 0x3F))
            case 0x800..<0x10000:
                out.append(UInt8(0xE0 | c >> 12)); out.append(UInt8(0x80 | c >> 6 & 0x3F)); out.append(UInt8(0x80 | c & 0x3F))
            default:
                out.append(UInt8(0xF0 | c >> 18)); out.append(UInt8(0x80 | c >> 12 & 0x3F))
                out.append(UInt8(0x80 | c >> 6 & 0x3F)); out.append(UInt8(0x80 | c & 0x3F))
            }
        }
    }
}
