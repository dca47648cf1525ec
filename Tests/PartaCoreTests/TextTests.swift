import XCTest
@testable import PartaCore

/// `Text`: the one cleaning of free text (names, titles, file names, polls, reasons, messages).
final class TextTests: XCTestCase {
    func testLinesLoseInvisibleAndBidiCharactersAndAreNFC() {
        let table: [(String, String, String)] = [
            // input, expected, why
            ("  Иванов Иван  ", "Иванов Иван", "trimmed"),
            ("отчёт\u{202E}fdp.exe", "отчётfdp.exe", "right-to-left override"),
            ("\u{202A}a\u{202B}b\u{202C}c\u{202D}d\u{202E}e", "abcde", "embeddings and overrides"),
            ("\u{2066}a\u{2067}b\u{2068}c\u{2069}", "abc", "isolates"),
            ("a\u{200E}b\u{200F}c\u{061C}d", "abcd", "direction marks"),
            ("Ива\u{200B}нов\u{200C}\u{200D}\u{2060}\u{FEFF}", "Иванов", "zero-width characters"),
            ("Пе\u{00AD}тров", "Петров", "soft hyphen (another Cf)"),
            ("a\u{0000}b\u{0007}c\u{007F}d\u{0085}e\u{009B}f", "abcd e" + "f", "C0 and C1 controls; NEL is a line break"),
            ("Первая\nвторая\tтретья\r\n", "Первая вторая третья", "one line: breaks and tabs become spaces"),
            ("Семе\u{0308}нов", "Семёнов", "NFC: е + combining diaeresis is ё"),
            ("\u{0415}\u{0308}лка", "\u{0401}лка", "NFC of a capital"),
            ("\u{202E}\u{200B}\u{FEFF} ", "", "nothing visible: empty (the field is refused as empty)"),
            ("Класс 5Б 📚", "Класс 5Б 📚", "ordinary emoji stay"),
        ]
        for (input, expected, why) in table {
            XCTAssertEqual(Text.cleanLine(input), expected, why)
        }
        XCTAssertEqual(Text.cleanLine("Семе\u{0308}нов").unicodeScalars.count, 7)
    }

    func testMultiLineFieldsKeepLineBreaks() {
        XCTAssertEqual(Text.cleanLines(" Грубит\r\nв чате\u{2028}снова\u{202E}\t! "), "Грубит\nв чате\nснова !")
        XCTAssertEqual(Text.cleanLines("\u{200B}\n\u{2066}"), "")
    }

    func testMessagesKeepWhatWritingNeeds() {
        let family = "👨\u{200D}👩\u{200D}👧"
        let table: [(String, String, String)] = [
            ("Привет\nмир", "Привет\nмир", "line breaks stay"),
            ("a\r\nb\rc", "a\nb\nc", "CR LF and CR become LF"),
            ("\tотступ", "отступ", "leading tab trimmed"),
            ("x\tслово", "x\tслово", "inner tab stays"),
            (family, family, "ZWJ inside an emoji sequence stays"),
            ("👍🏽", "👍🏽", "skin tone"),
            ("می\u{200C}خواهم", "می\u{200C}خواهم", "ZWNJ (Persian) stays"),
            ("abc \u{200F}שלום\u{200E} def", "abc \u{200F}שלום\u{200E} def", "direction marks stay"),
            ("файл\u{202E}fdp.exe", "файлfdp.exe", "override stripped"),
            ("\u{2066}текст\u{2069}", "текст", "isolates stripped"),
            ("a\u{200B}b\u{FEFF}c\u{2060}d", "abcd", "zero-width space, BOM, word joiner stripped"),
            ("bell\u{0007}!", "bell!", "controls stripped"),
            ("Семе\u{0308}нов", "Семёнов", "NFC"),
            ("\u{202E}\u{200B}", "", "nothing visible"),
        ]
        for (input, expected, why) in table {
            XCTAssertEqual(Text.cleanMessage(input), expected, why)
        }
    }

    func testFileNames() {
        let table: [(String, String)] = [
            ("отчёт\u{202E}fdp.exe", "отчётfdp.exe"),
            ("C:\\Users\\me\\план.pdf", "план.pdf"),
            ("../../etc/passwd", "passwd"),
            ("a\"b\".pdf", "a\"b\".pdf"),   // kept: the download header escapes quotes
            ("line\nbreak.txt", "line break.txt"),
            ("\u{202E}\u{200B}", "файл"),
            (String(repeating: "я", count: 300) + ".pdf", String(repeating: "я", count: 200)),
        ]
        for (input, expected) in table {
            XCTAssertEqual(Text.cleanFileName(input), expected, input)
        }
    }
}
