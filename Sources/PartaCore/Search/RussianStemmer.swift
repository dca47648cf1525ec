/// The Snowball stemmer for Russian (snowballstem.org/algorithms/russian/stemmer.html), written
/// out from the published algorithm: «контрольная», «контрольную», «контрольной» → «контрольн».
///
/// It takes one word in lower case and gives its stem. «ё» is read as «е» (as Snowball does since
/// 2.0). Regions: RV is what follows the first vowel, R2 what follows the second vowel-then-consonant
/// (R1 of R1). Every ending is looked for in RV only, the longest that fits first; a group-1 ending
/// must follow «а» or «я» (also in RV), which stays — and when the longest ending that fits is a
/// group-1 ending that does not, no shorter one is tried (Snowball's `among`). Steps:
///  1. a perfective gerund; if none: a reflexive ending (removed if present), then an adjectival
///     ending (adjective, then a participle before it if any), or else a verb ending, or else a
///     noun ending;
///  2. a final «и»;
///  3. a derivational «ост»/«ость» lying wholly in R2;
///  4. «нн» → «н»; or a superlative «ейш»/«ейше» (then «нн» → «н»); or a final «ь».
/// `Tests/PartaCoreTests/RussianStemmerTests.swift` checks it against Snowball's own outputs.
///
/// It works on code points (`UInt32`) in place: it runs for every message written on SQLite
/// (`MessageSearch`), so it allocates nothing.
public enum RussianStemmer {
    /// The stem of one lower-case word.
    public static func stem(_ word: String) -> String {
        var letters = word.unicodeScalars.map(\.value)
        stem(&letters)
        return String(String.UnicodeScalarView(letters.compactMap(Unicode.Scalar.init)))
    }

    /// Stems one lower-case word (code points) in place.
    static func stem(_ w: inout [UInt32]) {
        for i in w.indices where w[i] == yo { w[i] = ye }
        let (rv, r2) = regions(w)

        // Step 1.
        if !removeEnding(&w, perfectiveGerund, limit: rv) {
            _ = removeEnding(&w, reflexive, limit: rv)
            if removeEnding(&w, adjective, limit: rv) {
                _ = removeEnding(&w, participle, limit: rv)
            } else if !removeEnding(&w, verb, limit: rv) {
                _ = removeEnding(&w, noun, limit: rv)
            }
        }
        // Step 2.
        if ends(w, with: i_, limit: rv) { w.removeLast() }
        // Step 3.
        if let ending = longest(w, derivational, limit: rv), w.count - ending.letters.count >= r2 {
            w.removeLast(ending.letters.count)
        }
        // Step 4.
        if let ending = longest(w, tidyUp, limit: rv) {
            switch ending.group {
            case 1:   // a superlative, then «нн» → «н»
                w.removeLast(ending.letters.count)
                if ends(w, with: nn, limit: rv) { w.removeLast() }
            case 2:   // «нн» → «н»
                if ends(w, with: nn, limit: rv) { w.removeLast() }
            default:  // «ь»
                w.removeLast()
            }
        }
    }

    /// Where RV and R2 begin (the word's length when they are empty).
    static func regions(_ w: [UInt32]) -> (rv: Int, r2: Int) {
        let n = w.count
        var i = 0
        while i < n, !isVowel(w[i]) { i += 1 }
        guard i < n else { return (n, n) }
        i += 1
        let rv = i
        // R1 begins after the first non-vowel that follows a vowel; R2 is the same rule within R1.
        while i < n, isVowel(w[i]) { i += 1 }
        guard i < n else { return (rv, n) }
        i += 1
        while i < n, !isVowel(w[i]) { i += 1 }
        guard i < n else { return (rv, n) }
        i += 1
        while i < n, isVowel(w[i]) { i += 1 }
        guard i < n else { return (rv, n) }
        return (rv, i + 1)
    }

    /// а е и о у ы э ю я
    static func isVowel(_ c: UInt32) -> Bool {
        switch c {
        case 0x430, 0x435, 0x438, 0x43E, 0x443, 0x44B, 0x44D, 0x44E, 0x44F: true
        default: false
        }
    }

    struct Ending: Sendable {
        let letters: [UInt32]
        /// 1: must follow «а» or «я» where the table says so (gerunds, participles, verbs); 2: anywhere
        /// in RV. In step 4: 1 a superlative, 2 «н» (of «нн»), 3 «ь».
        let group: Int
        let needsAOrYa: Bool
    }

    /// Whether `w` ends with `ending` lying wholly at or after `limit`.
    static func ends(_ w: [UInt32], with ending: [UInt32], limit: Int) -> Bool {
        let start = w.count - ending.count
        guard start >= limit else { return false }
        var i = 0
        while i < ending.count {
            if w[start + i] != ending[i] { return false }
            i += 1
        }
        return true
    }

    /// The longest ending of `endings` that `w` ends with in RV.
    static func longest(_ w: [UInt32], _ endings: Endings, limit: Int) -> Ending? {
        guard let last = w.last, last >= 0x430, last <= 0x44F else { return nil }
        for ending in endings.byLastLetter[Int(last - 0x430)] where ends(w, with: ending.letters, limit: limit) { return ending }
        return nil
    }

    /// Removes the longest of `endings` that fits; a group-1 ending of a table with that rule only
    /// after «а»/«я» (in RV). Whether one was removed.
    static func removeEnding(_ w: inout [UInt32], _ endings: Endings, limit: Int) -> Bool {
        guard let ending = longest(w, endings, limit: limit) else { return false }
        if ending.needsAOrYa {
            let before = w.count - ending.letters.count - 1
            guard before >= limit, w[before] == a || w[before] == ya else { return false }
        }
        w.removeLast(ending.letters.count)
        return true
    }

    private static let yo: UInt32 = 0x451, ye: UInt32 = 0x435, a: UInt32 = 0x430, ya: UInt32 = 0x44F
    private static let i_: [UInt32] = [0x438]
    private static let nn: [UInt32] = [0x43D, 0x43D]

    /// A table of endings by their last letter (а…я), each list longest first (endings of one length
    /// never both fit): a word's last letter picks the few worth comparing.
    struct Endings: Sendable {
        let byLastLetter: [[Ending]]

        init(_ groups: [(String, Int)], aOrYa: Bool = false) {
            var lists = [[Ending]](repeating: [], count: 32)
            for (words, group) in groups {
                for word in words.split(separator: " ") {
                    let letters = word.unicodeScalars.map(\.value)
                    lists[Int(letters.last! - 0x430)].append(Ending(letters: letters, group: group, needsAOrYa: aOrYa && group == 1))
                }
            }
            byLastLetter = lists.map { $0.sorted { $0.letters.count > $1.letters.count } }
        }
    }

    static let perfectiveGerund = Endings([("в вши вшись", 1), ("ив ивши ившись ыв ывши ывшись", 2)], aOrYa: true)
    static let adjective = Endings([("ее ие ые ое ими ыми ей ий ый ой ем им ым ом его ого ему ому их ых ую юю ая яя ою ею", 2)])
    static let participle = Endings([("ем нн вш ющ щ", 1), ("ивш ывш ующ", 2)], aOrYa: true)
    static let reflexive = Endings([("ся сь", 2)])
    static let verb = Endings([
        ("ла на ете йте ли й л ем н ло но ет ют ны ть ешь нно", 1),
        ("ила ыла ена ейте уйте ите или ыли ей уй ил ыл им ым ен ило ыло ено ят ует уют ит ыт ены ить ыть ишь ую ю", 2),
    ], aOrYa: true)
    static let noun = Endings([("а ев ов ие ье е иями ями ами еи ии и ией ей ой ий й иям ям ием ем ам ом о у ах иях ях ы ь ию ью ю ия ья я", 2)])
    static let derivational = Endings([("ост ость", 2)])
    static let tidyUp = Endings([("ейше ейш", 1), ("н", 2), ("ь", 3)])
}
