import Foundation
import PartaCore
import Vapor

/// A small multipart/form-data reader. It searches for boundaries with Foundation's `Data.range(of:)`,
/// which stays fast in debug builds (MultipartKit's byte-wise parser takes seconds for a 10 MB file there).
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var data: Data
    }

    var parts: [Part]

    /// A text field; bytes that are not UTF-8 are refused rather than silently replaced.
    func text(_ name: String) throws -> String? {
        guard let part = parts.first(where: { $0.name == name && $0.filename == nil }) else { return nil }
        guard let text = String(data: part.data, encoding: .utf8) else {
            throw PartaError.invalid(name, "Текст не в кодировке UTF-8.")
        }
        return text
    }

    func file(_ name: String) -> Part? {
        parts.first { $0.name == name && $0.filename != nil }
    }

    struct Malformed: Error {}

    init(request: Request) throws {
        guard let type = request.headers.contentType, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.count <= 200 else {
            throw Malformed()
        }
        guard let buffer = request.body.data else { throw Malformed() }
        try self.init(body: Data(buffer: buffer), boundary: boundary)
    }

    init(body: Data, boundary: String) throws {
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard let first = body.range(of: delimiter) else { throw Malformed() }
        var parts: [Part] = []
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { throw Malformed() }
            let headersStart = cursor + crlf.count
            guard let headersRange = body.range(of: headerEnd, in: headersStart..<body.endIndex) else { throw Malformed() }
            let headerText = String(decoding: body[headersStart..<headersRange.lowerBound], as: UTF8.self)
            guard let next = body.range(of: crlf + delimiter, in: headersRange.upperBound..<body.endIndex) else { throw Malformed() }
            var name: String?
            var filename: String?
            for line in headerText.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = Self.parameter("name", in: line)
                filename = Self.parameter("filename", in: line)
            }
            guard let name else { throw Malformed() }
            parts.append(Part(name: name, filename: filename, data: Data(body[headersRange.upperBound..<next.lowerBound])))
            cursor = next.upperBound
            if parts.count > 50 { throw Malformed() }
        }
        self.parts = parts
    }

    /// Reads `name="value"` from a Content-Disposition line (quoted or bare). A quoted value may hold
    /// `;`; browsers write `"` and line breaks in file names as `%22`, `%0D`, `%0A` (HTML's
    /// multipart/form-data encoding), which are turned back.
    static func parameter(_ key: String, in line: String) -> String? {
        let chars = Array(line)
        var i = 0
        var inQuotes = false
        while i < chars.count {
            if chars[i] == "\"" { inQuotes.toggle() }
            // A parameter starts after a `;` outside quotes.
            if !inQuotes, chars[i] == ";" {
                var j = i + 1
                while j < chars.count, chars[j] == " " { j += 1 }
                let name = String(chars[j..<min(chars.count, j + key.count)]).lowercased()
                let eq = j + key.count
                if name == key, eq < chars.count, chars[eq] == "=" {
                    var k = eq + 1
                    if k < chars.count, chars[k] == "\"" {
                        k += 1
                        var value = ""
                        while k < chars.count, chars[k] != "\"" {
                            if chars[k] == "\\", k + 1 < chars.count { k += 1 }
                            value.append(chars[k]); k += 1
                        }
                        return value.replacingOccurrences(of: "%22", with: "\"").replacingOccurrences(of: "%0D", with: "\r")
                            .replacingOccurrences(of: "%0A", with: "\n")
                    }
                    var value = ""
                    while k < chars.count, chars[k] != ";" { value.append(chars[k]); k += 1 }
                    return value.trimmingCharacters(in: .whitespaces)
                }
            }
            i += 1
        }
        return nil
    }
}
