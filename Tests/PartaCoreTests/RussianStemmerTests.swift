@testable import PartaCore
import XCTest

/// `RussianStemmer` against the Snowball Russian stemmer's own outputs. Expected stems made with
/// snowballstemmer 3.1.1 (Python, generated from russian.sbl) and checked to agree with PyStemmer
/// 3.1.0 (libstemmer in C) word for word; neither is a dependency of Parta.
final class RussianStemmerTests: XCTestCase {
    /// Words picked for each rule: perfective gerunds (after «а»/«я» and not), reflexives,
    /// adjectives with and without participles, verbs, nouns, final «и», «ост»/«ость» in R2 and not,
    /// superlatives, «нн», soft sign, «ё», words too short to have RV.
    static let picked = """
        контрольная контрольн, контрольную контрольн, контрольной контрольн, контрольные контрольн, контрольными контрольн, учителя учител
        учитель учител, учителями учител, учителю учител, учительница учительниц, уроки урок, урок урок
        уроков урок, уроками урок, уроке урок, домашнее домашн, домашнего домашн, домашний домашн
        домашние домашн, домашним домашн, домашней домашн, алгебре алгебр, алгебры алгебр, алгебра алгебр
        алгеброй алгебр, прочитав прочита, прочитавши прочита, прочитавшись прочита, сделав сдела, написав написа
        увидев увид, забыв заб, забывши заб, получив получ, получивши получ, получившись получ
        улыбнувшись улыбнувш, вернувшись вернувш, учиться уч, учится уч, занимаются занима, собираемся собира
        встретимся встрет, готовьтесь готовьт, одевайся одева, читающий чита, прочитанный прочита, написанная написа
        делающего дела, работающих работа, играющие игра, изучающая изуча, сидевший сидевш, читала чита
        читали чита, читаете чита, читайте чита, делают дела, говорит говор, пишешь пишеш
        сделать сдела, решить реш, ходил ход, ходила ход, ходили ход, болеет болеет
        болеют болеют, уйдем уйд, заданий задан, задания задан, заданием задан, упражнений упражнен
        упражнения упражнен, тетрадях тетрад, тетрадями тетрад, школой школ, школе школ, школы школ
        школ школ, школа школ, интереснейший интересн, важнейшая важн, новейшее нов, величайший величайш
        добрейше добр, длинный длин, деревянный деревя, длинная длин, истинно истин, стеклянная стекля
        радость радост, сложность сложност, готовность готовн, честность честност, скорость скорост, новости новост
        гордость гордост, деталь детал, площадь площад, тетрадь тетрад, мебель мебел, ёлка елк
        всё все, ещё ещ, учёба учеб, пришёл пришел, зачёт зачет, зачётная зачетн
        в в, и и, к к, по по, 5б 5б, из из
        за за, на на, не не, да да, стихи стих, стихия стих
        армия арм, армии арм, знание знан, знанием знан, знаниях знан, бегать бега
        бегая бег, бегущий бегущ, сбежавший сбежа, человек человек, люди люд, детям дет
        детей дет, ребёнок ребенок, ребята ребят, родителей родител, родители родител, родительское родительск
        собрание собран, понедельник понедельник, вторник вторник, среду сред, четверг четверг, пятницу пятниц
        субботу суббот, воскресенье воскресен, математика математик, математике математик, физика физик, физике физик
        химия хим, химии хим, биология биолог, биологии биолог, история истор, истории истор
        литература литератур, литературе литератур, оценка оценк, оценки оценк, оценку оценк, пятёрка пятерк
        пятёрки пятерк, четвёрка четверк, тройка тройк, двойка двойк, каникулы каникул, каникулах каникул
        четверть четверт, четверти четверт, полугодие полугод, опаздывать опаздыва, опоздал опозда, опоздала опозда
        опоздали опозда, пропустил пропуст, пропустила пропуст, спасибо спасиб, пожалуйста пожалуйст, здравствуйте здравств
        извините извин, красивее красив, красивейший красив, сильнее сильн, быстрее быстр, бывшие бывш
        бывший бывш, открывшийся откр, закрывшиеся закр
        """

    /// Every Russian word in Parta's repository (docs, web client, messages) when the table was made.
    static let vocabulary = RussianStemmerVocabulary.pairs

    static func pairs(_ table: String) -> [(word: String, stem: String)] {
        table.split(whereSeparator: { $0 == "," || $0.isNewline }).compactMap { pair in
            let parts = pair.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    func testPickedWordsStemAsSnowballDoes() {
        let pairs = Self.pairs(Self.picked)
        XCTAssertEqual(pairs.count, 189)
        for (word, stem) in pairs {
            XCTAssertEqual(RussianStemmer.stem(word), stem, word)
        }
    }

    func testTheProjectsVocabularyStemsAsSnowballDoes() {
        let pairs = Self.pairs(Self.vocabulary)
        XCTAssertEqual(pairs.count, 1232)
        var wrong: [String] = []
        for (word, stem) in pairs where RussianStemmer.stem(word) != stem {
            wrong.append("\(word): \(RussianStemmer.stem(word)), Snowball \(stem)")
        }
        XCTAssertEqual(wrong, [])
    }

    func testMadeUpFormsStemAsSnowballDoes() {
        let pairs = Self.pairs(RussianStemmerVocabulary.forms)
        XCTAssertEqual(pairs.count, 1500)
        var wrong: [String] = []
        for (word, stem) in pairs where RussianStemmer.stem(word) != stem {
            wrong.append("\(word): \(RussianStemmer.stem(word)), Snowball \(stem)")
        }
        XCTAssertEqual(wrong, [])
    }

    func testTheFormsOfAWordShareAStem() {
        let groups = [
            ["контрольная", "контрольную", "контрольной", "контрольные", "контрольными"],
            ["учителя", "учитель", "учителями", "учителю"],
            ["урок", "уроки", "уроков", "уроками", "уроке"],
            ["домашнее", "домашнего", "домашний", "домашние", "домашней"],
            ["алгебра", "алгебре", "алгебры", "алгеброй"],
        ]
        for forms in groups {
            XCTAssertEqual(Set(forms.map(RussianStemmer.stem)).count, 1, "\(forms)")
        }
    }

    func testRegions() {
        // RV after the first vowel; R2 after a vowel, a non-vowel, a vowel, a non-vowel.
        func regions(_ word: String) -> [Int] { let r = RussianStemmer.regions(word.unicodeScalars.map(\.value)); return [r.rv, r.r2] }
        XCTAssertEqual(regions("сложность"), [3, 7])
        XCTAssertEqual(regions("готовность"), [2, 5])
        XCTAssertEqual(regions("в"), [1, 1])
        XCTAssertEqual(regions("вдв"), [3, 3])
        XCTAssertEqual(regions("оно"), [1, 3])
    }
}
