import Foundation
import XCTest
@testable import PartaCore

/// The hand-written JSON of a new message gives exactly the bytes JSONEncoder gives.
final class MessageJSONTests: XCTestCase {
    private func view(text: String, name: String = "Орлова Нина", clientId: String? = "c-1", replyTo: UUID? = nil,
                      mentions: [UUID] = [], mentionsAll: Bool = false, myReactions: [String]? = nil, photo: String? = nil,
                      date: Date = Date(timeIntervalSince1970: 1_795_716_621.838_18)) -> MessageView {
        MessageView(id: .timeOrdered(at: date), chatId: UUID(), seq: 42, authorId: UUID(), authorName: name, authorPhoto: photo, text: text,
                    replyTo: replyTo, clientId: clientId, createdAt: date, editedAt: nil, deleted: false, pinned: false,
                    forwardedFrom: nil, mentions: mentions, mentionsAll: mentionsAll, reactions: [], myReactions: myReactions,
                    readBy: nil, attachments: [], poll: nil)
    }

    private func assertSame(_ v: MessageView, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = String(decoding: try JSONCoding.encoder.encode(v), as: UTF8.self)
        XCTAssertEqual(try v.json(), expected, file: file, line: line)
        XCTAssertEqual(try v.json(createdAt: JSONCoding.iso.string(from: v.createdAt)), expected, file: file, line: line)
    }

    func testTheSameBytesAsJSONEncoder() throws {
        try assertSame(view(text: "Привет, 5Б!"))
        try assertSame(view(text: "", clientId: nil))
        try assertSame(view(text: "ответ", replyTo: UUID(), mentions: [UUID(), UUID()]))
        try assertSame(view(text: "всем", mentionsAll: true, myReactions: []))
        try assertSame(view(text: "Кавычки \" и \\ слэш / и <script>alert('x')</script> & ссылка https://example.com/a?b=c",
                            name: "Имя \"в кавычках\" \\ </b>", clientId: "id \"1\""))
        try assertSame(view(text: "строки\nи\tтабы\r\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f} и эмодзи 👍🏽 и \u{2028}\u{2029} и ё"))
        try assertSame(view(text: String(repeating: "длинный текст ", count: 300)))
        try assertSame(view(text: "дата", date: Date(timeIntervalSince1970: 0)))
        try assertSame(view(text: "дата", date: Date(timeIntervalSince1970: 1_800_000_000.5)))
        try assertSame(view(text: "с фото автора", photo: "0f3a9c1e2b4d"))
    }

    func testOtherViewsFallBackToTheEncoder() throws {
        var v = view(text: "с реакцией")
        v.reactions = [ReactionView(emoji: "👍", count: 1, by: [UUID()])]
        v.myReactions = ["👍"]
        v.editedAt = Date()
        v.forwardedFrom = "Кто-то"
        v.readBy = 3
        XCTAssertEqual(try v.json(), String(decoding: try JSONCoding.encoder.encode(v), as: UTF8.self))
    }

    func testUpperTextIsUUIDString() {
        for id in [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                   UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
                   UUID.timeOrdered()] + (0..<500).map({ _ in UUID() }) {
            XCTAssertEqual(id.upperText, id.uuidString)
        }
    }

    func testUUIDTextParsesAsUUIDString() {
        for id in [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                   UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)),
                   UUID.timeOrdered()] + (0..<500).map({ _ in UUID() }) {
            XCTAssertEqual(UUID(text: id.uuidString), id)
            XCTAssertEqual(UUID(text: id.uuidString.lowercased()), id)
        }
        let good = "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"
        for bad in ["", "E621E1F8C36C495A93FC0C247A3E6E5F", "E621E1F8-C36C-495A-93FC-0C247A3E6E5", good + "0",
                    "G621E1F8-C36C-495A-93FC-0C247A3E6E5F", "E621E1F8_C36C-495A-93FC-0C247A3E6E5F",
                    "E621E1F8-C36C-495A-93FC-0C247A3E6E5Ж", " 621E1F8-C36C-495A-93FC-0C247A3E6E5F"] {
            XCTAssertNil(UUID(text: bad), bad)   // (Foundation's sscanf takes the last one)
        }
        XCTAssertEqual(UUID(text: good), UUID(uuidString: good))
    }

    func testTimeOrderedIdsSortByTimeAsText() {
        let base = Date(timeIntervalSince1970: 1_795_716_621)
        // A millisecond apart or more (within one millisecond the order is random).
        let ids = (0..<200).map { UUID.timeOrdered(at: base.addingTimeInterval(Double($0) * 0.0015)) }
        XCTAssertTrue(ids.map(\.uuidString) == ids.map(\.uuidString).sorted(), "ids sort by time")
        XCTAssertTrue(ids.allSatisfy { $0.uuidString.dropFirst(14).first == "7" }, "version 7")
        XCTAssertTrue(ids.allSatisfy { "89AB".contains($0.uuidString.dropFirst(19).first!) }, "variant 10")
        XCTAssertTrue(ids.allSatisfy { $0.uuidString.hasPrefix(ids[0].uuidString.prefix(6)) }, "the time in front")
        XCTAssertEqual(Set(ids).count, ids.count)
    }
}
