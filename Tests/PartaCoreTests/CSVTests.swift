import Foundation
import XCTest
@testable import PartaCore

/// The one CSV path (`CSVReader`, `TextDecoding`, `CSVWriter`): what spreadsheets save is read,
/// what Parta writes opens in Excel and reads back the same.
final class CSVTests: XCTestCase {
    private func read(_ text: String) throws -> CSVReader.Table { try CSVReader.read(Data(text.utf8)) }

    // MARK: Encodings

    func testUTF8IsReadWithOrWithoutItsByteOrderMark() throws {
        let plain = try read("Класс;Ученик\r\n5А;Иванов Иван\r\n")
        let marked = try CSVReader.read(Data([0xEF, 0xBB, 0xBF] + Array("Класс;Ученик\r\n5А;Иванов Иван\r\n".utf8)))
        XCTAssertEqual(plain.rows, [["Класс", "Ученик"], ["5А", "Иванов Иван"]])
        XCTAssertEqual(marked.rows, plain.rows, "the mark is not part of the first cell")
        XCTAssertEqual(plain.encoding, .utf8)
        XCTAssertEqual(marked.encoding, .utf8)
    }

    /// What Excel in Russian saves as «CSV (разделители — запятые)»: Windows-1251 and `;`.
    func testAnExcelFileInWindows1251WithSemicolonsIsRead() throws {
        // Класс;Ученик;Родитель CRLF 11Б;Щёголев Эдуард;"Щёголева; Юлия «Ю»" CRLF — in Windows-1251,
        // the bytes written out here (not made by the code under test).
        let bytes: [UInt8] = [
            0xCA, 0xEB, 0xE0, 0xF1, 0xF1, 0x3B, 0xD3, 0xF7, 0xE5, 0xED, 0xE8, 0xEA, 0x3B, 0xD0, 0xEE, 0xE4,
            0xE8, 0xF2, 0xE5, 0xEB, 0xFC, 0x0D, 0x0A, 0x31, 0x31, 0xC1, 0x3B, 0xD9, 0xB8, 0xE3, 0xEE, 0xEB,
            0xE5, 0xE2, 0x20, 0xDD, 0xE4, 0xF3, 0xE0, 0xF0, 0xE4, 0x3B, 0x22, 0xD9, 0xB8, 0xE3, 0xEE, 0xEB,
            0xE5, 0xE2, 0xE0, 0x3B, 0x20, 0xDE, 0xEB, 0xE8, 0xFF, 0x20, 0xAB, 0xDE, 0xBB, 0x22, 0x0D, 0x0A,
        ]
        let table = try CSVReader.read(Data(bytes))
        XCTAssertEqual(table.encoding, .windows1251)
        XCTAssertEqual(table.delimiter, ";")
        XCTAssertEqual(table.rows, [["Класс", "Ученик", "Родитель"], ["11Б", "Щёголев Эдуард", "Щёголева; Юлия «Ю»"]])
    }

    func testWindows1251MapsEveryCyrillicLetterAndTheUsualPunctuation() throws {
        let letters = try TextDecoding.decode(Data(Array(0xC0...0xFF).map(UInt8.init)))
        XCTAssertEqual(letters.encoding, .windows1251)
        XCTAssertEqual(letters.text.unicodeScalars.map(\.value), Array(0x410...0x44F).map(UInt32.init), "А…Я а…я")
        let others = try TextDecoding.decode(Data([0xA8, 0xB8, 0xB9, 0xAB, 0xBB, 0x96, 0x97, 0x84, 0x93, 0x94, 0x85, 0xA0]))
        XCTAssertEqual(others.text, "Ёё№«»–—„“”…\u{A0}")
        // One byte that is not UTF-8 makes the whole file Windows-1251; ASCII-only is UTF-8.
        XCTAssertEqual(try TextDecoding.decode(Data("Класс;".utf8) + Data([0xC0])).encoding, .windows1251)
        XCTAssertEqual(try TextDecoding.decode(Data("class;student".utf8)).encoding, .utf8)
    }

    func testUTF16WithItsByteOrderMarkIsRead() throws {
        let text = "Класс\tУченик\r\n5А\tИванов Иван\r\n"
        let little: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let big: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for (bytes, encoding) in [(little, TextDecoding.Encoding.utf16LittleEndian), (big, .utf16BigEndian)] {
            let table = try CSVReader.read(Data(bytes))
            XCTAssertEqual(table.encoding, encoding)
            XCTAssertEqual(table.delimiter, "\t")
            XCTAssertEqual(table.rows, [["Класс", "Ученик"], ["5А", "Иванов Иван"]])
        }
    }

    func testAFileThatIsNotTextIsRefused() {
        // The start of an .xlsx (a ZIP archive).
        let workbook = Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00])
        XCTAssertThrowsError(try CSVReader.read(workbook)) { error in
            XCTAssertEqual((error as? PartaError)?.fields.keys.first, "file")
        }
        // A UTF-8 mark followed by bytes that are not UTF-8.
        XCTAssertThrowsError(try CSVReader.read(Data([0xEF, 0xBB, 0xBF, 0xC0, 0xEB])))
    }

    // MARK: Separators and records

    func testTheSeparatorIsTakenFromTheHeaderLineOutsideQuotes() throws {
        XCTAssertEqual(try read("Класс;Ученик;Родитель\n5А;Иванов, Иван;\n").delimiter, ";")
        XCTAssertEqual(try read("Класс,Ученик,Родитель\n5А,\"Иванов; Иван\",\n").delimiter, ",")
        XCTAssertEqual(try read("Класс\tУченик\n").delimiter, "\t")
        XCTAssertEqual(try read("\"Класс, параллель\";Ученик\n").delimiter, ";", "a comma inside quotes does not count")
        XCTAssertEqual(try read("\"a;b;c\",d\n").delimiter, ",")
        XCTAssertEqual(try read("a;b,c\n").delimiter, ";", "a tie goes to ;")
        XCTAssertEqual(try read("Класс\n5А\n").delimiter, ";", "one column")
        XCTAssertEqual(try read("Класс,Ученик\n5А;6Б;7В;8Г\n").delimiter, ",", "only the first line counts")
        XCTAssertEqual(try read("a,b\nc,\"d,e\"").rows, [["a", "b"], ["c", "d,e"]])
    }

    func testQuotedFieldsKeepSeparatorsLineBreaksAndQuotes() throws {
        let text = "a;b;c\r\n\"x;y\";\"line 1\r\nline 2\";\"say \"\"hi\"\"\"\r\n\"\";\"lf\nonly\";5\"А\r\n\"ab\"c;d\r\n"
        XCTAssertEqual(try read(text).rows, [
            ["a", "b", "c"],
            ["x;y", "line 1\r\nline 2", "say \"hi\""],
            ["", "lf\nonly", "5\"А"],   // a quote inside an unquoted field is a character
            ["abc", "d"],                // text after a closing quote joins the field
        ])
    }

    func testLineEndingsAndTheEndOfTheFile() throws {
        let expected = [["a", "b"], ["c", "d"]]
        XCTAssertEqual(try read("a;b\r\nc;d\r\n").rows, expected, "CRLF")
        XCTAssertEqual(try read("a;b\nc;d\n").rows, expected, "LF")
        XCTAssertEqual(try read("a;b\rc;d\r").rows, expected, "CR")
        XCTAssertEqual(try read("a;b\r\nc;d").rows, expected, "no line break at the end")
        XCTAssertEqual(try read("a;b\r\nc;d\r\n\r\n").rows, expected + [[""]], "an empty last line is a blank record (skipped by callers)")
        XCTAssertEqual(try read("a;b\n\nc;d\n").rows, [["a", "b"], [""], ["c", "d"]], "a blank line keeps the records' numbering")
        XCTAssertEqual(try read("a;\n;\n").rows, [["a", ""], ["", ""]], "empty fields")
        XCTAssertEqual(try read("").rows, [])
        XCTAssertEqual(try CSVReader.read(Data([0xEF, 0xBB, 0xBF])).rows, [], "only a byte order mark")
    }

    // MARK: Writing

    func testTheWriterWritesWhatExcelOpens() {
        var csv = CSVWriter(header: ["Класс", "Ученик"])
        csv.append(["5А", "Иванов Иван"])
        XCTAssertEqual(csv.text, "\u{FEFF}Класс;Ученик\r\n5А;Иванов Иван\r\n", "BOM, ;, CRLF")
    }

    func testTheWriterQuotesAndNeutralisesFormulas() {
        let table: [(String, String, String)] = [
            ("Иванов Иван", "Иванов Иван", "plain"),
            ("a;b", "\"a;b\"", "the separator"),
            ("Орлова, Дарья", "\"Орлова, Дарья\"", "a comma, too"),
            ("say \"hi\"", "\"say \"\"hi\"\"\"", "quotes doubled"),
            ("line 1\nline 2", "\"line 1\nline 2\"", "a line break"),
            ("=1+1", "'=1+1", "a formula"),
            ("=HYPERLINK(\"http://x\";\"a\")", "\"'=HYPERLINK(\"\"http://x\"\";\"\"a\"\")\"", "a formula with quotes and ;"),
            ("+1", "+1", "+ and digits is a phone number"),
            ("+79001234567", "+79001234567", "a phone number"),
            ("+7 900 123-45-67", "'+7 900 123-45-67", "not only digits"),
            ("-2", "'-2", "minus"),
            ("@SUM(A1)", "'@SUM(A1)", "at"),
            ("\tx", "'\tx", "tab"),
            ("\rx", "\"'\rx\"", "carriage return (then quoted for the line break)"),
            ("a=b", "a=b", "only the first character counts"),
            ("", "", "empty"),
        ]
        for (raw, written, why) in table {
            XCTAssertEqual(CSVWriter.field(raw), written, why)
        }
    }

    func testWhatIsWrittenReadsBackTheSame() throws {
        let rows = [
            ["Класс", "Ученик", "Телефон", "Заметка"],
            ["5А", "Ёлкина Алёна", "+79001234567", "«Ю»; \"цитата\", и\r\nперенос"],
            ["", "Щукин-Эрдман Юрий", "", "5\"А"],
        ]
        var csv = CSVWriter(header: rows[0])
        for row in rows.dropFirst() { csv.append(row) }
        let table = try CSVReader.read(Data(csv.text.utf8))
        XCTAssertEqual(table.delimiter, ";")
        XCTAssertEqual(table.rows, rows)
        // A neutralised cell reads back with its apostrophe (what Excel shows, too).
        var formula = CSVWriter(header: ["a"])
        formula.append(["=1+1"])
        XCTAssertEqual(try CSVReader.read(Data(formula.text.utf8)).rows, [["a"], ["'=1+1"]])
    }
}
