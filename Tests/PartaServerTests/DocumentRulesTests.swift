import Foundation
@testable import PartaCore
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor
import Yams

/// The patterns of docs/openapi.yaml (`x-patterns`) accept only what the server accepts: every
/// string a pattern matches passes the server's own check (its functions, or a request that then
/// fails only for the random id in its path). The other way round is not required: a pattern may
/// be stricter, and the document says so where it is.
final class DocumentRulesTests: XCTestCase {
    struct Patterns {
        let source: [String: String]
        private let compiled: [String: NSRegularExpression]

        init(_ h: TestHarness) throws {
            let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
            let document = try XCTUnwrap(try Yams.load(yaml: yaml) as? [String: Any])
            source = try XCTUnwrap(document["x-patterns"] as? [String: String])
            // ECMA-262's `$` is the end of the text; ICU's also matches before a final line break.
            compiled = try source.mapValues { try NSRegularExpression(pattern: $0.hasSuffix("$") ? $0.dropLast() + "\\z" : $0) }
        }

        func matches(_ name: String, _ text: String) -> Bool {
            guard let regex = compiled[name] else { XCTFail("no pattern \(name)"); return false }
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// SplitMix64: the same strings on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func string(_ pieces: [String], count: ClosedRange<Int>, _ rng: inout Seeded) -> String {
        (0..<Int.random(in: count, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    /// Checks `accepts` for every sample the pattern matches; fails when too few matched to mean anything.
    func check(_ p: Patterns, _ name: String, samples: [String], atLeast: Int, file: StaticString = #filePath, line: UInt = #line,
               _ accepts: (String) async throws -> Bool) async rethrows {
        var matched = 0
        for s in samples where p.matches(name, s) {
            matched += 1
            let ok = try await accepts(s)
            XCTAssertTrue(ok, "\(name) matches \(s.debugDescription), the server refuses it", file: file, line: line)
        }
        XCTAssertGreaterThanOrEqual(matched, atLeast, "\(name): too few samples matched", file: file, line: line)
    }

    // MARK: Free text

    static let junk = ["\u{0301}", "\u{200B}", "\u{200D}", "\u{202E}", "\u{0D4E}", "\u{1100}", "\u{1161}", "\t", "\n", "\u{00A0}",
                       "\u{3000}", "\u{FEFF}", "\u{E0041}", "\u{0600}", "\u{0903}", "\u{094D}", "\u{0915}"]

    func testTextPatternsAdmitOnlyTextThatStaysLongEnough() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            // One character: whatever `visible` admits is kept by every cleaning, and is not a space.
            var visible: [String] = []
            for v in UInt32(0)...0x1FFFF {
                guard let s = Unicode.Scalar(v) else { continue }
                let one = String(s)
                guard p.matches("visible", one) else { continue }
                visible.append(one)
                XCTAssertFalse(Text.cleanLine(one).isEmpty, "U+\(String(v, radix: 16))")
                XCTAssertFalse(Text.cleanLines(one).isEmpty, "U+\(String(v, radix: 16))")
                XCTAssertFalse(Text.cleanMessage(one).isEmpty, "U+\(String(v, radix: 16))")
            }
            XCTAssertGreaterThan(visible.count, 2_000)
            // The letters of `text2`…: each a character of its own next to any other, so N in a row are N characters.
            var plain: [String] = []
            for v in UInt32(0)...0xFFFF {
                guard let s = Unicode.Scalar(v), p.matches("text2", String(s) + String(s)) else { continue }
                plain.append(String(s))
            }
            XCTAssertGreaterThan(plain.count, 1_000)
            var rng = Seeded(state: 42)
            for _ in 0..<20_000 {
                let a = plain.randomElement(using: &rng)!, b = plain.randomElement(using: &rng)!
                XCTAssertEqual(Text.cleanLine(a + b).count, 2, (a + b).debugDescription)
            }
            // Strings of those, spaces and characters that join, vanish or are spaces.
            let pieces = plain.shuffled(using: &rng).prefix(300) + Array(repeating: " ", count: 60) + Self.junk + visible.shuffled(using: &rng).prefix(100)
            let samples = (0..<30_000).map { _ in Self.string(Array(pieces), count: 1...9, &rng) }
            for (name, least) in [("text2", 2), ("text3", 3), ("text5", 5)] {
                await check(p, name, samples: samples, atLeast: 500) { s in
                    Text.cleanLine(s).count >= least && Text.cleanLines(s).count >= least
                }
            }
            await check(p, "twoWords", samples: samples, atLeast: 500) { s in
                let line = Text.cleanLine(s)
                return line.split(separator: " ").count >= 2 && UserSearchKey.fold(line).split(separator: " ").count >= 2
            }
            await check(p, "visible", samples: samples, atLeast: 5_000) { s in
                !Text.cleanLine(s).isEmpty && !Text.cleanLines(s).isEmpty && !Text.cleanMessage(s).isEmpty
            }
        }
    }

    func testEmojiPatternAdmitsOnlyOneEmoji() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            var singles = 0
            for v in UInt32(0)...0x1FFFF {
                guard let s = Unicode.Scalar(v), p.matches("emoji", String(s)) else { continue }
                singles += 1
                for variant in [String(s), String(s) + "\u{FE0F}", String(s) + "\u{1F3FB}", String(s) + "\u{1F3FF}"] where p.matches("emoji", variant) {
                    XCTAssertNoThrow(try MessageService.checkedEmoji(variant), variant.debugDescription)
                }
            }
            XCTAssertGreaterThan(singles, 1_000)
            var flags = 0
            for a in UInt32(0x1F1E6)...0x1F1FF {
                for b in UInt32(0x1F1E6)...0x1F1FF {
                    let flag = String(Unicode.Scalar(a)!) + String(Unicode.Scalar(b)!)
                    guard p.matches("emoji", flag) else { continue }
                    flags += 1
                    XCTAssertNoThrow(try MessageService.checkedEmoji(flag), flag.debugDescription)
                }
            }
            XCTAssertEqual(flags, 26 * 26)
            XCTAssertFalse(p.matches("emoji", "0"))
            XCTAssertFalse(p.matches("emoji", "👍👍"))
        }
    }

    // MARK: Identifiers

    func testContactPatternsAdmitOnlyWhatSignInTakes() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            var rng = Seeded(state: 7)
            /// Mostly well-formed, with a slip now and then: a character from `junk` put somewhere.
            func slip(_ s: String, _ junk: [String]) -> String {
                guard Int.random(in: 0..<4, using: &rng) == 0 else { return s }
                var chars = Array(s).map(String.init)
                chars.insert(junk.randomElement(using: &rng)!, at: Int.random(in: 0...chars.count, using: &rng))
                return chars.joined()
            }
            let separators = ["", "", "", "", "", "", "", " ", " ", "(", ")", "-", "-", ".", "\u{00A0}"]
            let phones: [String] = (0..<10_000).map { _ in
                let prefix = ["", "", "+7", "+7 ", "8", "8 ", "7", "+ 7", "(8)"].randomElement(using: &rng)!
                let digits = (0..<Int.random(in: 9...11, using: &rng)).map { i in
                    i == 0 && Int.random(in: 0..<5, using: &rng) > 0 ? "9" : String(Int.random(in: 0...9, using: &rng))
                }
                return slip(prefix + digits.map { $0 + separators.randomElement(using: &rng)! }.joined(), ["+", "/", "x", "\n", "  "])
            }
            await check(p, "phone", samples: phones, atLeast: 1_500) { s in
                guard let phone = Phone.normalize(s) else { return false }
                return LoginIdentifier.parse(s) == .phone(phone)
            }
            let local = Array("abcxyzXYZ0189.-_+").map(String.init) + ["!", "#", "'", "~", "`", "{", "|", "}"]
            let domain = Array("abcxyz019-").map(String.init)
            let emails: [String] = (0..<10_000).map { _ in
                let labels = (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.string(domain, count: 1...8, &rng) }
                return slip(Self.string(local, count: 1...66, &rng) + "@" + labels.joined(separator: "."), ["@", " ", "ё", "..", "(", "\u{00E9}", "."])
            }
            await check(p, "email", samples: emails, atLeast: 4_000) { s in
                guard let email = Email.normalize(s) else { return false }
                return LoginIdentifier.parse(s) == .email(email)
            }
            let loginChars = Array("abcqrzQRZ0189._-").map(String.init)
            let logins = (0..<10_000).map { _ in
                slip(["a", "Z", "5", ".", "п"].randomElement(using: &rng)! + Self.string(loginChars, count: 1...33, &rng), ["@", " ", "ж", "+", "#"])
            }
            await check(p, "login", samples: logins, atLeast: 2_000) { s in
                guard let login = Login.normalize(s) else { return false }
                return LoginIdentifier.parse(s) == .login(login)
            }
            let all = phones + emails + logins
            await check(p, "phoneOrEmail", samples: all, atLeast: 5_000) { s in
                guard let id = LoginIdentifier.parse(s) else { return false }
                return AuthService.codeChannel(for: id) != nil
            }
            await check(p, "phoneEmailOrLogin", samples: all, atLeast: 8_000) { LoginIdentifier.parse($0) != nil }
            await check(p, "phoneOrEmpty", samples: phones + [""], atLeast: 1_500) { $0.isEmpty || Phone.normalize($0) != nil }
            await check(p, "emailOrEmpty", samples: emails + [""], atLeast: 4_000) { $0.isEmpty || Email.normalize($0) != nil }

            // Passwords: 8 characters or more, 72 bytes or fewer.
            let ascii = Array("aZ0 ~!{").map(String.init), cyrillic = ascii + ["ж", "Ё", "ѣ", "Ӂ"]
            let odd = cyrillic + ["é", "\u{0301}", "👍", "\u{200D}", "\r\n", "ß", "ي", "\u{0000}"]
            let passwords = (0..<10_000).map { _ in
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: return Self.string(ascii, count: 5...80, &rng)
                case 1: return Self.string(cyrillic, count: 5...45, &rng)
                default: return Self.string(odd, count: 5...45, &rng)
                }
            }
            await check(p, "password", samples: passwords, atLeast: 4_000) { s in
                (try? AuthService.checkPassword(s, rules: AuthRules())) != nil
            }
        }
    }

    func testClassNamePatternsAdmitOnlyNamesTheSchoolUses() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            var rng = Seeded(state: 11)
            let grades = ["1", "2", "5", "9", "10", "11", "12", "0", "05"]
            let letters = Array("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабгйъяAB").map(String.init)
            func name() -> String { grades.randomElement(using: &rng)! + letters.randomElement(using: &rng)! }
            let dashes = ["-", "–", "—", "−"], separators = [",", ", ", " , ", ";", "; ", "\n", " "]
            let samples: [String] = (0..<40_000).map { _ in
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: return name()
                case 1: return name() + dashes.randomElement(using: &rng)! + (Bool.random(using: &rng) ? name() : letters.randomElement(using: &rng)!)
                default: return (0..<Int.random(in: 1...32, using: &rng)).map { _ in name() }.joined(separator: separators.randomElement(using: &rng)!)
                }
            }
            await check(p, "classNames", samples: samples, atLeast: 3_000) { s in s.count <= 200 && ClassName.parseList(s) != nil }
            await check(p, "className", samples: samples, atLeast: 1_000) { s in s.count <= 20 && ClassName.parse(s) != nil }
            XCTAssertTrue(p.matches("classNames", "5А–5Г"))
            XCTAssertTrue(p.matches("classNames", "5А-Г"))
            XCTAssertTrue(p.matches("classNames", "5А, 5В, 6Б"))
            XCTAssertFalse(p.matches("classNames", "5Г–5А"))
            XCTAssertFalse(p.matches("classNames", "5А–6Г"))
        }
    }

    // MARK: Fields checked by a request

    /// School profile fields, dates, search words: a request with a random id in its path answers
    /// 404 once its input is valid, 400 while it is not.
    func testRequestFieldsThePatternsAdmitPassValidation() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            var rng = Seeded(state: 23)
            func passes(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> Bool {
                let r = try await h.request(method, path, token: admin, json: json)
                XCTAssertTrue([.notFound, .badRequest].contains(r.status), "\(path): \(r.status)")
                return r.status == .notFound
            }
            let school = "/api/v1/schools/\(UUID())"
            let phones = (0..<1_000).map { _ in Self.string(Array("0123456789 ()+-.x").map(String.init), count: 0...22, &rng) }
            await check(p, "schoolPhone", samples: phones, atLeast: 80) { s in (try? await passes(.PATCH, school, json: ["phone": s])) == true }
            let urlPieces = ["http://", "https://", "HTTP://", "ftp://", "a", "-", ".", ":", "8080", "/", "~", "_", "school", ".ru", "%", "?", "@", " "]
            let sites = (0..<1_000).map { _ in Self.string(urlPieces, count: 0...7, &rng) }
            await check(p, "website", samples: sites, atLeast: 80) { s in (try? await passes(.PATCH, school, json: ["website": s])) == true }
            let texts = ["Школа", "№", "5", " ", "\u{200B}", "\u{0301}", "\t", "А", "\u{1100}"]
            let names = (0..<600).map { _ in Self.string(texts, count: 1...6, &rng) }
            await check(p, "text3", samples: names, atLeast: 100) { s in (try? await passes(.PATCH, school, json: ["name": s])) == true }
            await check(p, "text2", samples: names, atLeast: 100) { s in (try? await passes(.PATCH, school, json: ["shortName": s, "region": s])) == true }
            await check(p, "text5", samples: names, atLeast: 50) { s in (try? await passes(.PATCH, school, json: ["address": s])) == true }
            await check(p, "inn", samples: ["7707083893", "770708389", "77070838930", "7707O83893"], atLeast: 1) { s in
                (try? await passes(.PATCH, school, json: ["inn": s])) == true
            }
            // The document's time zones are ones the server knows.
            let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
            let patch = ((try Yams.load(yaml: yaml) as? [String: Any]).flatMap { $0["paths"] as? [String: Any] }?["/api/v1/schools/{schoolId}"] as? [String: Any])?["patch"] as? [String: Any]
            let zones = (((((patch?["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                as? [String: Any])?["properties"] as? [String: Any])?["timezone"] as? [String: Any]
            let listed = try XCTUnwrap(zones?["enum"] as? [String])
            XCTAssertGreaterThan(listed.count, 10)
            for zone in listed {
                let ok = try await passes(.PATCH, school, json: ["timezone": zone])
                XCTAssertTrue(ok, zone)
            }

            // Days: every one the pattern admits is a day the audit filters read.
            let days = (0..<300).map { _ in
                String(format: "%04d-%02d-%02d", Int.random(in: 1999...2100, using: &rng), Int.random(in: 0...13, using: &rng), Int.random(in: 0...32, using: &rng))
            } + (1...12).flatMap { m in (28...31).map { String(format: "2027-%02d-%02d", m, $0) } }
            await check(p, "day", samples: days, atLeast: 150) { d in
                (try? await passes(.GET, "\(school)/audit?from=\(d)&to=\(d)")) == true
            }
            // Search words: at least one word (letters or digits).
            let searchPieces = ["дз", "Math", "5", " ", "-", "!", "\u{0600}", "\u{0D4E}", "\u{0301}", "ё"]
            let queries = (0..<300).map { _ in Self.string(searchPieces, count: 1...5, &rng) }
            await check(p, "searchWord", samples: queries, atLeast: 100) { q in
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
                return (try? await passes(.GET, "\(school)/search?q=\(encoded)")) == true
            }

            // The audit action and the roster file, on the administrator's own school.
            let actions = (0..<150).map { _ in Self.string(["member", ".", "_", "transfer", "-", "1", "ж", " "], count: 0...5, &rng) }
            await check(p, "auditAction", samples: actions, atLeast: 30) { a in
                let encoded = a.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? a
                return (try? await h.request(.GET, "/api/v1/schools/\(schoolID)/audit?action=\(encoded)", token: admin).status) == .ok
            }
            let headers = ["Класс", "класс", "Class", "Ученик", "Student", "Родитель", "Телефон родителя", "\u{FEFF}Класс", "\"Класс\""]
            let cells = ["5А", "Иванов Пётр", "+79123456789", "", "a,b", "x\ty"]
            let files: [String] = (0..<400).map { _ in
                let head = Self.string(headers.map { $0 + ";" }, count: 1...4, &rng).dropLast() + (Bool.random(using: &rng) ? ";" + headers.randomElement(using: &rng)! : "")
                let rows = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.string(cells.map { $0 + ";" }, count: 1...4, &rng) }
                return ([String(head)] + rows).joined(separator: ["\n", "\r\n", "\r"].randomElement(using: &rng)!)
            }
            await check(p, "rosterCSV", samples: files, atLeast: 25) { csv in
                (try? await h.request(.POST, "/api/v1/schools/\(schoolID)/roster/preview", token: admin, raw: csv, contentType: "text/csv").status) == .ok
            }
        }
    }

    /// A lesson's link the document calls valid is one `LessonLinks.check` takes (the server also
    /// takes more: hosts in other scripts, IPv6 hosts, larger ports).
    func testLinkPatternAdmitsOnlyLinksALessonTakes() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            var rng = Seeded(state: 41)
            let schemes = ["http://", "https://", "HTTPS://", "hTtP://", "ftp://", "javascript:", "//", ""]
            let hostPieces = ["a", "school", ".", "-", "0", "9", "Д", "@", "\\", "[", "]", "%", "_"]
            let ports = ["", "", ":8080", ":1", ":0", ":99999", ":", ":65535"]
            let tails = ["/", "?", "#", "@", "\\", " ", "%", "Д", "\"", "<", "a", "=", "\u{200B}", "\t"]
            let links = (0..<30_000).map { _ in
                schemes.randomElement(using: &rng)! + Self.string(hostPieces, count: 1...4, &rng) + ports.randomElement(using: &rng)!
                    + Self.string(tails, count: 0...4, &rng)
            }
            await check(p, "webLink", samples: links, atLeast: 200) { s in
                if case .success = LessonLinks.check(s) { return true } else { return false }
            }
        }
    }

    /// A timetable file the document calls valid is read by the preview (200, its rows' problems in
    /// the report), never refused as a file.
    func testTimetableFilesThePatternAdmitsAreRead() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            let op = try await h.makeOperator()
            let (admin, schoolID) = try await h.makeSchool(operatorToken: op)
            var rng = Seeded(state: 41)
            let heads = ["Класс;День;Урок;Предмет;Учитель", "класс;день;урок;предмет;учитель", "Class;Day;Period;Subject;Teacher",
                         "\u{FEFF}Класс;День;Урок;Предмет;Учитель", "Класс;День;Урок;Учитель;Предмет", "\"Класс\";День;Урок;Предмет;Учитель",
                         "Класс,День,Урок,Предмет,Учитель"]
            let extras = [";Группа", ";Кабинет", ";", ";x", ";Примечание"]
            let cells = ["5А", "Пн", "1", "Математика", "Иванова Мария", "", "a,b", "x\ty", "\"q\"", "99", "Сб"]
            let files: [String] = (0..<300).map { _ in
                let head = heads.randomElement(using: &rng)! + Self.string(extras, count: 0...2, &rng)
                let rows = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.string(cells.map { $0 + ";" }, count: 1...7, &rng) }
                return ([head] + rows).joined(separator: ["\n", "\r\n", "\r"].randomElement(using: &rng)!)
            }
            await check(p, "timetableCSV", samples: files, atLeast: 60) { csv in
                (try? await h.request(.POST, "/api/v1/schools/\(schoolID)/timetable/preview", token: admin, raw: csv, contentType: "text/csv").status) == .ok
            }
        }
    }

    // MARK: What the server makes

    func testTokensAndCodesTheServerMakesMatchTheDocument() async throws {
        try await withHarness { h in
            let p = try Patterns(h)
            for _ in 0..<200 {
                XCTAssertTrue(p.matches("linkToken", Secrets.token()))
                XCTAssertTrue(p.matches("code", Secrets.sixDigitCode()))
                XCTAssertTrue(p.matches("childCode", FamilyService.display(FamilyService.newCode())))
                XCTAssertTrue(p.matches("childCode", FamilyService.newCode()))
            }
        }
    }

    /// Every `{…Id}` path parameter is documented as a UUID (`MethodNotAllowedMiddleware` relies on it).
    func testIdPathParametersAreUUIDs() async throws {
        try await withHarness { h in
            let yaml = try String(contentsOfFile: h.app.openAPIPath!, encoding: .utf8)
            let document = try XCTUnwrap(try Yams.load(yaml: yaml) as? [String: Any])
            let components = (document["components"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
            var seen = 0
            for (path, item) in try XCTUnwrap(document["paths"] as? [String: Any]) {
                for (_, operation) in item as? [String: Any] ?? [:] {
                    for parameter in (operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? [] {
                        var resolved = parameter
                        if let ref = parameter["$ref"] as? String, let named = components[String(ref.split(separator: "/").last!)] as? [String: Any] {
                            resolved = named
                        }
                        guard resolved["in"] as? String == "path", let name = resolved["name"] as? String,
                              MethodNotAllowedMiddleware.isID(name) else { continue }
                        seen += 1
                        XCTAssertEqual((resolved["schema"] as? [String: Any])?["format"] as? String, "uuid", "\(path) {\(name)}")
                    }
                }
            }
            XCTAssertGreaterThan(seen, 50)
        }
    }
}
