import Foundation
@testable import PartaCore
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor

/// Issue 13: images in chats get a preview made by the server and lose their metadata; people get
/// profile photos seen only by their school and chats.
final class ImageAttachmentTests: XCTestCase {
    func upload(_ h: TestHarness, _ chat: String, _ name: String, _ data: Data, _ token: String) async throws -> TestHarness.Reply {
        try await h.multipart("/api/v1/chats/\(chat)/files", fields: [:], file: ("file", name, data), token: token)
    }

    func testAPhonePhotoGetsAPreviewAndLosesItsLocation() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let student = try await h.person(school, .student, name: "Ученик")
            let outsider = try await h.person(school, .student, name: "Не Участник")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            // 1600×1200 as stored, held upright (orientation 6): shown 1200×1600.
            let original = TestImages.jpeg(1600, 1200, color: TestImages.halves(1600))
            let phone = TestImages.phonePhoto(original, orientation: 6)
            let up = try await upload(h, chat, "IMG_0001.jpg", phone, teacher.token)
            XCTAssertEqual(up.status, .created, String(buffer: up.body))
            XCTAssertEqual(up.json["contentType"] as? String, "image/jpeg")
            XCTAssertEqual([up.json["width"], up.json["height"], up.json["thumbWidth"], up.json["thumbHeight"]].map { $0 as? Int }, [1200, 1600, 480, 640])
            let id = up.json["id"] as! String
            let sent = try await h.request(.POST, "/api/v1/chats/\(chat)/messages", token: teacher.token, json: ["text": "", "attachments": [id]])
            XCTAssertEqual(sent.status, .created)
            let history = try await h.request(.GET, "/api/v1/chats/\(chat)/messages", token: student.token)
            let shown = ((history.json["items"] as! [[String: Any]])[0]["attachments"] as! [[String: Any]])[0]
            XCTAssertEqual(shown["thumbWidth"] as? Int, 480)
            XCTAssertEqual(shown["thumbHeight"] as? Int, 640)

            // The preview: upright (the red half on top), 480×640, no metadata; as private as the file.
            let thumb = try await h.request(.GET, "/api/v1/files/\(id)/thumbnail", token: student.token)
            XCTAssertEqual(thumb.status, .ok)
            XCTAssertEqual(thumb.headers.first(name: .contentType), "image/jpeg")
            XCTAssertEqual(thumb.headers.first(name: .cacheControl), "private, no-store")
            let thumbData = Data(buffer: thumb.body)
            let d = try ImageThumbnailer.decode(thumbData, kind: .jpeg)
            XCTAssertEqual([d.width, d.height], [480, 640])
            XCTAssertGreaterThan(d.rgb[(100 * 480 + 240) * 3], 150, "red on top")
            XCTAssertGreaterThan(d.rgb[(540 * 480 + 240) * 3 + 2], 150, "blue below")
            XCTAssertNil(thumbData.range(of: Data("Exif".utf8)))

            // The stored original: its picture byte for byte, its orientation, nothing else.
            let file = try await h.request(.GET, "/api/v1/files/\(id)", token: student.token)
            let stored = Data(buffer: file.body)
            XCTAssertEqual(TestImages.scanData(stored), TestImages.scanData(original))
            XCTAssertFalse(TestImages.contains(stored, TestImages.gpsMarker))
            XCTAssertFalse(TestImages.contains(stored, Array("xmpmeta".utf8)))
            XCTAssertFalse(TestImages.contains(stored, Array("TRAILING".utf8)))
            XCTAssertEqual(ImageMetadata.cleanJPEG(stored).orientation, 6)
            XCTAssertEqual(up.json["size"] as? Int, stored.count)
            // And on disk (what a backup copies) the same.
            let onDisk = try Data(contentsOf: h.app.parta.context.files.url(for: try await fileID(h, attachment: id)))
            XCTAssertEqual(onDisk, stored)

            // Who may not see the file may not see its preview.
            for token in [outsider.token, otherAdmin] {
                try await h.expect(.notFound, .GET, "/api/v1/files/\(id)/thumbnail", token: token)
            }
            try await h.expect(.unauthorized, .GET, "/api/v1/files/\(id)/thumbnail")
            try await h.expect(.notFound, .GET, "/api/v1/files/\(UUID())/thumbnail", token: teacher.token)
            // A PDF has no preview.
            let pdf = try await upload(h, chat, "a.pdf", TestHarness.pdf, teacher.token)
            XCTAssertNil(pdf.json["thumbWidth"])
            try await h.expect(.notFound, .GET, "/api/v1/files/\(pdf.json["id"] as! String)/thumbnail", token: teacher.token)

            // Deleting the message deletes the preview with the file.
            let before = h.storedFiles().count
            try await h.expect(.ok, .DELETE, "/api/v1/messages/\(sent.json["id"] as! String)", token: teacher.token)
            XCTAssertEqual(h.storedFiles().count, before - 2)
        }
    }

    func fileID(_ h: TestHarness, attachment: String) async throws -> UUID {
        try await AttachmentRecord.find(UUID(uuidString: attachment)!, on: h.app.db)!.fileID
    }

    /// Small images are not enlarged; a PNG's transparency is white in the preview; GIF and
    /// damaged images stay files without a preview; bombs are refused with nothing written.
    func testSmallDamagedAndHugeImages() async throws {
        try await withHarness { h in
            let (_, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let teacher = try await h.person(school, .teacher, name: "Учитель")
            let chat = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [])
            let small = try await upload(h, chat, "logo.png", TestImages.png(300, 200) { x, _ in x < 150 ? (0, 0, 0, 0) : (0, 128, 0, 255) }, teacher.token)
            XCTAssertEqual([small.json["width"], small.json["height"], small.json["thumbWidth"], small.json["thumbHeight"]].map { $0 as? Int }, [300, 200, 300, 200])
            let thumb = try await h.request(.GET, "/api/v1/files/\(small.json["id"] as! String)/thumbnail", token: teacher.token)
            let d = try ImageThumbnailer.decode(Data(buffer: thumb.body), kind: .jpeg)
            XCTAssertEqual([d.width, d.height], [300, 200])
            XCTAssertGreaterThan(d.rgb[(100 * 300 + 20) * 3], 240, "transparency on white")

            let gif = Data("GIF89a".utf8) + Data(repeating: 0, count: 40)
            let damagedJPEG = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + Data((0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
            let damagedPNG = TestImages.pngFile(width: 10, height: 10, colorType: 2, idat: [0x78, 0x01, 0xFF, 0xFF, 0xFF])
            for (name, data, type) in [("a.gif", gif, "image/gif"), ("b.jpg", damagedJPEG, "image/jpeg"), ("c.png", damagedPNG, "image/png")] {
                let r = try await upload(h, chat, name, data, teacher.token)
                XCTAssertEqual(r.status, .created, "\(name): \(String(buffer: r.body))")
                XCTAssertEqual(r.json["contentType"] as? String, type)
                XCTAssertNil(r.json["thumbWidth"], name)
                XCTAssertNil(r.json["width"], name)
                let id = r.json["id"] as! String
                try await h.expect(.notFound, .GET, "/api/v1/files/\(id)/thumbnail", token: teacher.token)
                try await h.expect(.ok, .GET, "/api/v1/files/\(id)", token: teacher.token)
            }

            let files = h.storedFiles(), rows = try await h.count("stored_files")
            for (name, data) in [("bomb.png", TestImages.pngClaiming(20_000, 20_000)), ("bomb.jpg", TestImages.jpegClaiming(10_000, 9_000)),
                                 ("long.png", TestImages.pngClaiming(12_001, 10))] {
                let r = try await upload(h, chat, name, data, teacher.token)
                XCTAssertEqual(r.status, .payloadTooLarge, name)
                XCTAssertEqual(r.errorCode, "image_too_large")
                XCTAssertTrue((r.json["error"] as? [String: Any])?["message"] as? String ?? "" != "")
            }
            XCTAssertEqual(h.storedFiles(), files, "nothing written")
            let after = try await h.count("stored_files")
            XCTAssertEqual(after, rows)
            try await h.expect(.ok, .GET, "/api/v1/me", token: teacher.token)   // and the server is alive
        }
    }
}

final class ProfilePhotoTests: XCTestCase {
    func putPhoto(_ h: TestHarness, _ data: Data?, _ token: String) async throws -> TestHarness.Reply {
        try await h.multipart("/api/v1/me/photo", method: .PUT, fields: [:], file: data.map { ("file", "me.jpg", $0) }, token: token)
    }

    func testAPhotoIsSeenByTheSchoolAndItsChatsOnly() async throws {
        try await withHarness { h in
            let op = try await h.makeOperator()
            let (otherAdmin, _) = try await h.makeSchool(operatorToken: op, email: "admin@school2.test", phone: "+79220000002")
            let (_, school) = try await h.makeSchool(operatorToken: op)
            let teacher = try await h.person(school, .teacher, name: "Учитель Физики")
            let student = try await h.person(school, .student, name: "Ученик Пятого")
            let parent = try await h.person(school, .parent, name: "Родитель Другой")

            let set = try await putPhoto(h, TestImages.jpeg(800, 600, color: TestImages.halves(800)), student.token)
            XCTAssertEqual(set.status, .ok, String(buffer: set.body))
            let photo = try XCTUnwrap(set.json["photo"] as? String)
            let me = try await h.request(.GET, "/api/v1/me", token: student.token)
            XCTAssertEqual(me.json["photo"] as? String, photo)

            for (size, side) in [("96", 96), ("256", 256)] {
                let r = try await h.request(.GET, "/api/v1/users/\(student.id)/photo?size=\(size)&v=\(photo)", token: teacher.token)
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.headers.first(name: .contentType), "image/jpeg")
                XCTAssertEqual(r.headers.first(name: .cacheControl), "private, max-age=2592000, immutable")
                let d = try ImageThumbnailer.decode(Data(buffer: r.body), kind: .jpeg)
                XCTAssertEqual([d.width, d.height], [side, side])
            }
            let unversioned = try await h.request(.GET, "/api/v1/users/\(student.id)/photo", token: parent.token)
            XCTAssertEqual(unversioned.status, .ok)
            XCTAssertEqual(unversioned.headers.first(name: .cacheControl), "private, no-cache")
            try await h.expect(.ok, .GET, "/api/v1/users/\(student.id)/photo", token: student.token)
            // Another school, the operator (no school), nobody signed in: nothing.
            try await h.expect(.notFound, .GET, "/api/v1/users/\(student.id)/photo", token: otherAdmin)
            try await h.expect(.notFound, .GET, "/api/v1/users/\(student.id)/photo?size=256", token: op)
            try await h.expect(.unauthorized, .GET, "/api/v1/users/\(student.id)/photo")
            try await h.expect(.badRequest, .GET, "/api/v1/users/\(student.id)/photo?size=100", token: teacher.token)
            try await h.expect(.badRequest, .GET, "/api/v1/users/\(student.id)/photo?size=big", token: teacher.token)
            try await h.expect(.notFound, .GET, "/api/v1/users/\(teacher.id)/photo", token: student.token)   // no photo
            try await h.expect(.notFound, .GET, "/api/v1/users/\(UUID())/photo", token: student.token)

            // Where names come with pictures: messages, the chat list (a direct chat), members.
            let group = try await h.chat(school, teacher, kind: "group", title: "5Б", members: [student])
            let sent = try await h.request(.POST, "/api/v1/chats/\(group)/messages", token: student.token, json: ["text": "Здравствуйте"])
            XCTAssertEqual(sent.json["authorPhoto"] as? String, photo)
            let page = try await h.request(.GET, "/api/v1/chats/\(group)/messages", token: teacher.token)
            XCTAssertEqual((page.json["items"] as! [[String: Any]])[0]["authorPhoto"] as? String, photo)
            let members = try await h.request(.GET, "/api/v1/chats/\(group)/members", token: teacher.token).json["items"] as! [[String: Any]]
            XCTAssertEqual(members.first { ($0["userId"] as? String)?.lowercased() == student.id.lowercased() }?["photo"] as? String, photo)
            XCTAssertNil(members.first { ($0["userId"] as? String)?.lowercased() == teacher.id.lowercased() }?["photo"])
            let direct = try await h.chat(school, teacher, kind: "direct", members: [student])
            let list = try await h.request(.GET, "/api/v1/schools/\(school)/chats", token: teacher.token).json["items"] as! [[String: Any]]
            let row = try XCTUnwrap(list.first { ($0["id"] as? String)?.lowercased() == direct.lowercased() })
            XCTAssertEqual(row["peerPhoto"] as? String, photo)
            XCTAssertEqual((row["peerId"] as? String)?.lowercased(), student.id.lowercased())
        }
    }

    /// A new photo replaces the old one's files; removing it removes them; bad uploads write nothing.
    func testReplacingRemovingAndRefusing() async throws {
        try await withHarness(rules: AuthRules(messagesPerMinute: 6)) { h in
            let (_, school) = try await h.makeSchool(operatorToken: try await h.makeOperator())
            let student = try await h.person(school, .student, name: "Ученик")
            let others = Set(h.storedFiles())   // the school application's order file
            func photoFiles() -> [String] { h.storedFiles().filter { !others.contains($0) } }
            let first = try await putPhoto(h, TestImages.jpeg(300, 300), student.token)
            let firstFiles = photoFiles()
            XCTAssertEqual(firstFiles.count, 2, "two squares, no original: \(firstFiles)")
            let second = try await putPhoto(h, TestImages.png(120, 90) { _, _ in (10, 200, 10, 255) }, student.token)
            XCTAssertEqual(second.status, .ok)
            XCTAssertNotEqual(second.json["photo"] as? String, first.json["photo"] as? String)
            let secondFiles = photoFiles()
            XCTAssertEqual(secondFiles.count, 2)
            XCTAssertTrue(Set(secondFiles).isDisjoint(with: firstFiles), "the old photo's files are gone")
            // A 120×90 picture: squares of 90 (never enlarged).
            let small = try await h.request(.GET, "/api/v1/users/\(student.id)/photo?size=256", token: student.token)
            XCTAssertEqual(try ImageThumbnailer.decode(Data(buffer: small.body), kind: .jpeg).width, 90)

            // Refused, nothing written (files and the photo stay as they were).
            let cases: [(Data?, HTTPResponseStatus, String)] = [
                (Data(), .badRequest, "validation_failed"),
                (Data("просто текст".utf8), .unsupportedMediaType, "not_an_image"),
                (Data("GIF89a".utf8) + Data(repeating: 1, count: 30), .unsupportedMediaType, "not_an_image"),
                (TestImages.pngClaiming(20_000, 20_000), .payloadTooLarge, "image_too_large"),
                (Data([0xFF, 0xD8, 0xFF, 0xDB]) + Data(repeating: 7, count: 300), .badRequest, "image_unreadable"),
                (nil, .badRequest, "invalid_body"),
            ]
            for (data, status, code) in cases {
                let r = try await putPhoto(h, data, student.token)
                XCTAssertEqual(r.status, status, code)
                XCTAssertEqual(r.errorCode, code)
            }
            let big = Data([0xFF, 0xD8, 0xFF]) + Data(repeating: 0, count: 10 * 1024 * 1024)
            let tooBig = try await putPhoto(h, big, student.token)
            XCTAssertEqual(tooBig.status, .payloadTooLarge)
            let raw = try await h.request(.PUT, "/api/v1/me/photo", token: student.token, bytes: Array(TestImages.jpeg(20, 20)), contentType: "image/jpeg")
            XCTAssertEqual(raw.status, .unsupportedMediaType)
            XCTAssertEqual(photoFiles(), secondFiles)
            let me = try await h.request(.GET, "/api/v1/me", token: student.token)
            XCTAssertEqual(me.json["photo"] as? String, second.json["photo"] as? String)

            // Uploads are counted (with chat files): past the limit, 429.
            var statuses: [HTTPResponseStatus] = []
            for _ in 0..<3 { statuses.append(try await putPhoto(h, TestImages.jpeg(50, 50), student.token).status) }
            XCTAssertEqual(statuses.last, .tooManyRequests, "\(statuses)")

            let removed = try await h.request(.DELETE, "/api/v1/me/photo", token: student.token)
            XCTAssertEqual(removed.status, .ok)
            XCTAssertNil(removed.json["photo"])
            XCTAssertEqual(photoFiles(), [])
            try await h.expect(.notFound, .GET, "/api/v1/users/\(student.id)/photo", token: student.token)
            try await h.expect(.unauthorized, .DELETE, "/api/v1/me/photo")
        }
    }
}
