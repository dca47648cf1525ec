import Foundation

/// Class names by the school nomenclature: a grade 1–11 and a Cyrillic letter («5Б»), and ranges
/// of them for creating a parallel at once («5А–5Г», «5А-Г»).
public struct ClassName: Sendable, Hashable, CustomStringConvertible {
    public let grade: Int
    public let letter: Character

    /// Letters schools use: the Cyrillic capitals without Ё, Й, Ъ, Ы, Ь.
    public static let letters: [Character] = Array("АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ")
    /// Latin capitals typed by mistake for the Cyrillic ones they look like.
    static let latinLookalikes: [Character: Character] = [
        "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С", "T": "Т", "X": "Х",
    ]
    public static let grades = 1...11

    public init?(grade: Int, letter: Character) {
        guard Self.grades.contains(grade), Self.letters.contains(letter) else { return nil }
        self.grade = grade; self.letter = letter
    }

    public var description: String { "\(grade)\(letter)" }

    /// «5б», «5 Б», «5-Б», «5B» (Latin) → 5Б.
    public static func parse(_ raw: String) -> ClassName? {
        let compact = raw.filter { !$0.isWhitespace && $0 != "-" && $0 != "\"" && $0 != "«" && $0 != "»" }
        guard let last = compact.last else { return nil }
        let digits = compact.dropLast()
        guard !digits.isEmpty, digits.count <= 2, digits.allSatisfy(\.isASCII), let grade = Int(digits) else { return nil }
        return ClassName(grade: grade, letter: normalizedLetter(last))
    }

    static func normalizedLetter(_ c: Character) -> Character {
        let upper = Character(String(c).uppercased())
        return latinLookalikes[upper] ?? upper
    }

    /// One name or a range of one grade: «5А», «5А–5Г», «5А-5Г», «5А–Г», «5А, 5В, 6Б».
    /// Returns nil when any part is not a class name, a range goes backwards, crosses grades, or
    /// names more than 30 classes.
    public static func parseList(_ raw: String) -> [ClassName]? {
        var out: [ClassName] = []
        for part in raw.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" }) {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let names = parseRange(text) else { return nil }
            out += names
        }
        guard !out.isEmpty, out.count <= 30 else { return nil }
        var seen = Set<ClassName>()
        return out.filter { seen.insert($0).inserted }
    }

    static func parseRange(_ text: String) -> [ClassName]? {
        let dashes: Set<Character> = ["–", "—", "-", "−"]
        // A dash between two parts that each end in a letter: «5А–5Г» or «5А–Г». «5-А» alone is one name.
        let pieces = text.split(whereSeparator: { dashes.contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
        if pieces.count == 2, let first = parse(pieces[0]) {
            let second: ClassName?
            if pieces[1].count == 1, let c = pieces[1].first, c.isLetter {
                second = ClassName(grade: first.grade, letter: normalizedLetter(c))
            } else {
                second = parse(pieces[1])
            }
            if let second {
                guard second.grade == first.grade,
                      let from = letters.firstIndex(of: first.letter), let to = letters.firstIndex(of: second.letter),
                      from <= to else { return nil }
                return letters[from...to].compactMap { ClassName(grade: first.grade, letter: $0) }
            }
        }
        return parse(text).map { [$0] }
    }
}
