import Foundation

/// The bytes of an uploaded text file (a CSV) as a string, whatever a spreadsheet saved them in:
/// - a byte order mark decides: UTF-8 (Excel's «CSV UTF-8»), UTF-16 LE/BE (Excel's «Текст Юникод»);
///   the mark itself is not part of the text;
/// - without one, bytes that are valid UTF-8 are UTF-8 (LibreOffice, Google Sheets, scripts);
/// - anything else is Windows-1251, what Excel in Russian writes for «CSV (разделители — запятые)».
///   Every byte has a character there (0x98, unassigned, stays U+0098 and is cleaned away later
///   like any control character), so such a file is never refused for its encoding.
/// A file with NUL bytes and no UTF-16 mark is not text at all (a workbook, a picture): refused.
public enum TextDecoding {
    public enum Encoding: String, Sendable, Equatable {
        case utf8, utf16LittleEndian, utf16BigEndian, windows1251
    }

    public static func decode(_ data: Data) throws -> (text: String, encoding: Encoding) {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(bytes: bytes.dropFirst(3), encoding: .utf8) else { throw damaged }
            return (text, .utf8)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            guard let text = String(bytes: bytes.dropFirst(2), encoding: little ? .utf16LittleEndian : .utf16BigEndian) else { throw damaged }
            return (text, little ? .utf16LittleEndian : .utf16BigEndian)
        }
        if bytes.contains(0) { throw notText }
        if let text = String(bytes: bytes, encoding: .utf8) { return (text, .utf8) }
        guard let text = String(bytes: bytes, encoding: .windowsCP1251) else { throw notText }
        return (text, .windows1251)
    }

    static let notText = PartaError.invalid("file", "Это не текстовый файл CSV. В Excel: «Сохранить как» → «CSV UTF-8» или «CSV (разделители — запятые)».")
    static let damaged = PartaError.invalid("file", "Файл повреждён: его кодировка не совпадает с отметкой в начале. Сохраните его заново как «CSV UTF-8».")
}
