@testable import PartaCore
import XCTest

final class ClassNameTests: XCTestCase {
    func testOneName() {
        XCTAssertEqual(ClassName.parse("5Б")?.description, "5Б")
        XCTAssertEqual(ClassName.parse(" 5 б ")?.description, "5Б")
        XCTAssertEqual(ClassName.parse("11-А")?.description, "11А")
        XCTAssertEqual(ClassName.parse("«7В»")?.description, "7В")
        XCTAssertEqual(ClassName.parse("5B")?.description, "5В", "a Latin look-alike becomes the Cyrillic letter")
        for bad in ["", "5", "Б", "0А", "12А", "5Ы", "5Ъ", "5Q", "5АБ", "٥А", "005А"] {
            XCTAssertNil(ClassName.parse(bad), bad)
        }
    }

    func testParallelsAndLists() {
        XCTAssertEqual(ClassName.parseList("5А–5Г")?.map(\.description), ["5А", "5Б", "5В", "5Г"])
        XCTAssertEqual(ClassName.parseList("5А-Г")?.map(\.description), ["5А", "5Б", "5В", "5Г"])
        XCTAssertEqual(ClassName.parseList("1И—1Л")?.map(\.description), ["1И", "1К", "1Л"], "Й is skipped")
        XCTAssertEqual(ClassName.parseList("5А, 5В; 6Б")?.map(\.description), ["5А", "5В", "6Б"])
        XCTAssertEqual(ClassName.parseList("5А, 5а")?.map(\.description), ["5А"], "duplicates collapse")
        XCTAssertNil(ClassName.parseList("5Г–5А"), "backwards")
        XCTAssertNil(ClassName.parseList("5А–6Б"), "crosses grades")
        XCTAssertNil(ClassName.parseList("5А, 5Ы"), "one bad name spoils the list")
        XCTAssertNil(ClassName.parseList("1А–1Я, 2А–2Я"), "more than 30")
        XCTAssertNil(ClassName.parseList(" , "))
    }
}
