@testable import PartaCore
import XCTest

/// What the full-text index holds for a text, and what a query becomes (`MessageSearch`).
final class MessageSearchTermsTests: XCTestCase {
    func testTheIndexHoldsStemsOfFoldedWords() {
        XCTAssertEqual(MessageSearch.indexText("Завтра контрольная по алгебре!"), "завтр контрольн по алгебр")
        XCTAssertEqual(MessageSearch.indexText("ЁЛКА, ёжик и Ёж"), "елк ежик и еж")
        // Stress marks are dropped before stemming: «контро́льную» is «контрольную».
        XCTAssertEqual(MessageSearch.indexText("контро\u{301}льную"), "контрольн")
        // Latin words and numbers are lowercased only; punctuation separates words.
        XCTAssertEqual(MessageSearch.indexText("Zoom-конференция в 18:30, https://School.example/Lesson"),
                       "zoom конференц в 18 30 https school example lesson")
        XCTAssertEqual(MessageSearch.indexText("5Б, к12щ"), "5б к12щ")
        XCTAssertEqual(MessageSearch.indexText(" — !? "), "")
        XCTAssertEqual(MessageSearch.indexText(""), "")
    }

    func testAQueryBecomesTheSameTerms() {
        XCTAssertEqual(MessageSearch.words("КОНТРОЛЬНУЮ по «Алгебре»"), ["контрольную", "по", "алгебре"])
        XCTAssertEqual(MessageSearch.words("контрольную").map(MessageSearch.term), ["контрольн"])
        XCTAssertEqual(MessageSearch.terms("Контрольной алгебры"), ["контрольн", "алгебр"])
        for q in ["контрольную", "Контрольная", "КОНТРОЛЬНОЙ", "контрольные"] {
            XCTAssertEqual(MessageSearch.terms(q), MessageSearch.terms("контрольная"), q)
        }
    }

    /// Whatever is typed, a term is letters, digits and marks only: nothing of FTS5's query syntax.
    func testTermsNeverCarrySyntax() {
        let typed = "\"контрольную\" OR NEAR(алгебры, 2) text:урок* -физика ^завтра {a b} + [x] 'y' \\ \u{0} ;"
        let terms = MessageSearch.terms(typed)
        XCTAssertFalse(terms.isEmpty)
        for term in terms {
            XCTAssertFalse(term.isEmpty)
            for scalar in term.unicodeScalars {
                let category = scalar.properties.generalCategory
                XCTAssertTrue([.lowercaseLetter, .otherLetter, .modifierLetter, .decimalNumber, .letterNumber, .otherNumber,
                               .privateUse, .nonspacingMark, .spacingMark, .enclosingMark].contains(category), "\(term): \(scalar)")
            }
        }
    }

    func testOtherScriptsAreFoldedNotStemmed() {
        XCTAssertEqual(MessageSearch.indexText("Ärger STRASSE İstanbul Σοφία"), "ärger strasse istanbul σοφία")
        // A run of letters too long to be a word (a code, a pasted link) is left as it is.
        let long = String(repeating: "а", count: 70) + "ами"
        XCTAssertEqual(MessageSearch.indexText(long), long)
    }
}
