import Foundation
import PartaCore
import XCTest

final class IdentifierTests: XCTestCase {
    func testPhoneNormalisation() {
        for raw in ["+7 912 345-67-89", "89123456789", "79123456789", "9123456789", "8 (912) 345 67 89", "+7(912)345-67-89"] {
            XCTAssertEqual(Phone.normalize(raw), "+79123456789", raw)
        }
        for raw in ["+1 912 345 67 89", "8 812 345 67 89", "12345", "+7 912 345 67 8", "phone", "+7+9123456789", "8912345678a"] {
            XCTAssertNil(Phone.normalize(raw), raw)
        }
        XCTAssertEqual(Phone.mask("+79123456789"), "+7 912 ***-**-89")
    }

    func testLoginIdentifierKinds() {
        XCTAssertEqual(LoginIdentifier.parse(" Ivan@School.RU "), .email("ivan@school.ru"))
        XCTAssertEqual(LoginIdentifier.parse("8 912 345 67 89"), .phone("+79123456789"))
        XCTAssertEqual(LoginIdentifier.parse("petya.5b"), .login("petya.5b"))
        XCTAssertNil(LoginIdentifier.parse(""))
        XCTAssertNil(LoginIdentifier.parse("a@b"))
        XCTAssertNil(LoginIdentifier.parse("x"))
        XCTAssertNil(LoginIdentifier.parse("1abc"))
    }

    func testINNChecksum() {
        XCTAssertTrue(INN.isValid("7707083893"))      // a real organisation's INN
        XCTAssertTrue(INN.isValid("500100732259"))    // a valid 12-digit (personal) INN
        XCTAssertFalse(INN.isValid("7707083894"))
        XCTAssertFalse(INN.isValid("770708389"))
        XCTAssertFalse(INN.isValid("77070838x3"))
    }

    func testEmailValidation() {
        XCTAssertEqual(Email.normalize("A.B+c@Mail.Example.org"), "a.b+c@mail.example.org")
        XCTAssertNil(Email.normalize("no-at-sign"))
        XCTAssertNil(Email.normalize("a@nodot"))
        XCTAssertNil(Email.normalize("a@@b.ru"))
        XCTAssertNil(Email.normalize("a b@c.ru"))
        XCTAssertEqual(Email.mask("ivan@school.ru"), "i***@school.ru")
    }

    func testSecrets() {
        let token = Secrets.token()
        XCTAssertGreaterThanOrEqual(token.count, 43)   // 256 bits in base64url
        XCTAssertNotEqual(token, Secrets.token())
        XCTAssertEqual(Secrets.sixDigitCode().count, 6)
        XCTAssertTrue(Secrets.constantTimeEquals("abc", "abc"))
        XCTAssertFalse(Secrets.constantTimeEquals("abc", "abd"))
        XCTAssertFalse(Secrets.constantTimeEquals("abc", "abcd"))
    }

    func testAcademicYearStartsInSeptember() {
        let f = ISO8601DateFormatter()
        XCTAssertEqual(AcademicYear.containing(f.date(from: "2026-08-31T12:00:00Z")!), 2025)
        XCTAssertEqual(AcademicYear.containing(f.date(from: "2026-09-01T12:00:00Z")!), 2026)
    }
}
