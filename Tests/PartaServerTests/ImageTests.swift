import Foundation
@testable import PartaCore
@testable import PartaServer
import Vapor
import XCTest
import XCTVapor

/// The image codec and thumbnails on their own: sizes, never upscaling, orientation, metadata
/// stripped without touching the pixels, damaged files and decompression bombs.
final class ImageThumbnailerTests: XCTestCase {
    func testPreviewsAndSquaresNeverUpscale() throws {
        let photo = TestImages.jpeg(1600, 1200)
        let made = try ImageThumbnailer.thumbnails(of: photo, kind: .jpeg, shapes: [.fit(640), .square(96), .square(256)])
        XCTAssertEqual(made.width, 1600); XCTAssertEqual(made.height, 1200)
        XCTAssertEqual(made.thumbnails.map { [$0.width, $0.height] }, [[640, 480], [96, 96], [256, 256]])
        for t in made.thumbnails {   // what was written is what is said
            let decoded = try ImageThumbnailer.decode(t.jpeg, kind: .jpeg)
            XCTAssertEqual([decoded.width, decoded.height], [t.width, t.height])
            XCTAssertNil(t.jpeg.range(of: Data("Exif".utf8)), "no metadata in a thumbnail")
        }
        // Smaller than asked: the image's own size, never more.
        let small = try ImageThumbnailer.thumbnails(of: TestImages.jpeg(300, 200), kind: .jpeg, shapes: [.fit(640), .square(256)])
        XCTAssertEqual(small.thumbnails.map { [$0.width, $0.height] }, [[300, 200], [200, 200]])
        let tall = try ImageThumbnailer.thumbnails(of: TestImages.jpeg(500, 2000), kind: .jpeg, shapes: [.fit(640)])
        XCTAssertEqual([tall.thumbnails[0].width, tall.thumbnails[0].height], [160, 640])
    }

    /// Area averaging: a fine black-and-white checkerboard becomes an even grey, not stripes.
    func testResizingAveragesTheArea() throws {
        let board = TestImages.png(400, 400) { x, y in (x + y) % 2 == 0 ? (255, 255, 255, 255) : (0, 0, 0, 255) }
        let t = try ImageThumbnailer.thumbnails(of: board, kind: .png, shapes: [.fit(100)]).thumbnails[0]
        let d = try ImageThumbnailer.decode(t.jpeg, kind: .jpeg)
        let values = stride(from: 0, to: d.rgb.count, by: 3).map { Int(d.rgb[$0]) }
        XCTAssertLessThan(values.max()! - values.min()!, 12, "\(values.min()!)…\(values.max()!)")
        XCTAssertEqual(Double(values.reduce(0, +)) / Double(values.count), 127.5, accuracy: 6)
    }

    /// EXIF orientation 6 (the phone held upright): the thumbnail is turned a quarter clockwise,
    /// so the stored image's left half (red) is on top.
    func testOrientationIsApplied() throws {
        let stored = TestImages.phonePhoto(TestImages.jpeg(64, 32, color: TestImages.halves(64)), orientation: 6)
        let cleaned = ImageMetadata.cleanJPEG(stored)
        XCTAssertEqual(cleaned.orientation, 6)
        let made = try ImageThumbnailer.thumbnails(of: cleaned.data, kind: .jpeg, orientation: cleaned.orientation, shapes: [.fit(640)])
        XCTAssertEqual([made.width, made.height], [32, 64])
        let t = made.thumbnails[0]
        XCTAssertEqual([t.width, t.height], [32, 64])
        let d = try ImageThumbnailer.decode(t.jpeg, kind: .jpeg)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(d.rgb[(y * d.width + x) * 3..<(y * d.width + x) * 3 + 3]) }
        XCTAssertGreaterThan(pixel(16, 8)[0], 150, "top: red"); XCTAssertLessThan(pixel(16, 8)[2], 100)
        XCTAssertGreaterThan(pixel(16, 56)[2], 150, "bottom: blue"); XCTAssertLessThan(pixel(16, 56)[0], 100)
        // Every orientation gives the shown size.
        for o in 1...8 {
            let m = try ImageThumbnailer.thumbnails(of: TestImages.jpeg(64, 32), kind: .jpeg, orientation: o, shapes: [.fit(16)])
            XCTAssertEqual([m.thumbnails[0].width, m.thumbnails[0].height], o >= 5 ? [8, 16] : [16, 8], "orientation \(o)")
        }
    }

    /// The stored JPEG: no GPS, no EXIF but the orientation, no XMP, comment or appended picture —
    /// and the compressed picture byte for byte as uploaded.
    func testMetadataIsStrippedAndThePictureKept() throws {
        let original = TestImages.jpeg(120, 80)
        let phone = TestImages.phonePhoto(original, orientation: 6)
        XCTAssertTrue(TestImages.contains(phone, TestImages.gpsMarker))
        let cleaned = ImageMetadata.cleanJPEG(phone)
        for secret in [TestImages.gpsMarker, Array("PartaPhone".utf8), Array("xmpmeta".utf8), Array("taken at school".utf8),
                       Array("TRAILING".utf8), [0x88, 0x25], Array("GPSLatitude".utf8)] {
            XCTAssertFalse(TestImages.contains(cleaned.data, secret), String(decoding: secret, as: UTF8.self))
        }
        // One EXIF left: the orientation alone (32 bytes of TIFF after "Exif\0\0").
        let exif = Data("Exif\0\0".utf8)
        XCTAssertEqual(cleaned.data.ranges(of: exif).count, 1)
        XCTAssertEqual(ImageMetadata.cleanJPEG(cleaned.data).orientation, 6, "the orientation survives a second pass")
        XCTAssertEqual(TestImages.scanData(cleaned.data), TestImages.scanData(original), "the picture itself is untouched")
        XCTAssertEqual(cleaned.data.suffix(2), Data([0xFF, 0xD9]))
        let decoded = try ImageThumbnailer.decode(cleaned.data, kind: .jpeg)
        XCTAssertEqual(decoded.rgb, try ImageThumbnailer.decode(original, kind: .jpeg).rgb, "decodes to the same pixels")
        // Upright photos keep no EXIF at all; the ICC profile and JFIF stay.
        let icc = TestImages.segment(0xE2, Array("ICC_PROFILE\0\u{1}\u{1}profile-bytes".utf8))
        let withICC = Data(original.prefix(20)) + icc + original.dropFirst(20)   // after SOI + JFIF (18 bytes)
        let upright = ImageMetadata.cleanJPEG(TestImages.phonePhoto(withICC, orientation: 1))
        XCTAssertNil(upright.data.range(of: exif))
        XCTAssertTrue(TestImages.contains(upright.data, Array("ICC_PROFILE".utf8)))
        XCTAssertTrue(TestImages.contains(upright.data, Array("JFIF".utf8)))
        XCTAssertEqual(upright.orientation, 1)
        // A PNG's text and EXIF chunks go; its orientation stays as a minimal eXIf.
        let png = TestImages.pngFile(width: 2, height: 1, colorType: 2, idat: TestImages.zlibStored([0, 1, 2, 3, 4, 5, 6]),
                                     extra: [("tEXt", Array("Comment\0GPS-55.7522N-37.6156E".utf8)), ("eXIf", TestImages.phoneEXIF(orientation: 8))])
        let p = ImageMetadata.cleanPNG(png)
        XCTAssertEqual(p.orientation, 8)
        XCTAssertFalse(TestImages.contains(p.data, TestImages.gpsMarker))
        XCTAssertFalse(TestImages.contains(p.data, Array("tEXt".utf8)))
        XCTAssertEqual(try ImageThumbnailer.decode(p.data, kind: .png).rgb, [1, 2, 3, 4, 5, 6], "still a valid PNG (CRCs right)")
    }

    func testTransparencyIsLaidOnWhite() throws {
        let png = TestImages.png(40, 20) { x, _ in x < 20 ? (0, 0, 0, 0) : (0, 0, 255, 255) }
        let t = try ImageThumbnailer.thumbnails(of: png, kind: .png, shapes: [.fit(640)]).thumbnails[0]
        XCTAssertEqual([t.width, t.height], [40, 20])
        let d = try ImageThumbnailer.decode(t.jpeg, kind: .jpeg)
        XCTAssertGreaterThan(d.rgb[(10 * 40 + 5) * 3], 240, "transparent is white")
        XCTAssertLessThan(d.rgb[(10 * 40 + 35) * 3], 30)
        XCTAssertGreaterThan(d.rgb[(10 * 40 + 35) * 3 + 2], 220)
    }

    /// Damaged data is an error to catch, never a crash (libjpeg's default would exit the process);
    /// an image claiming more than the limits is refused before anything is decoded.
    func testDamagedFilesAndBombs() throws {
        let good = TestImages.jpeg(64, 64)
        let cases: [(String, Data, ImageThumbnailer.Kind)] = [
            ("JPEG signature and noise", Data([0xFF, 0xD8, 0xFF]) + Data((0..<500).map { UInt8(truncatingIfNeeded: $0 &* 7) }), .jpeg),
            ("JPEG header only", good.prefix(200), .jpeg),
            ("JPEG with a broken Huffman table", { var b = [UInt8](good); let dht = (0..<b.count - 1).first { b[$0] == 0xFF && b[$0 + 1] == 0xC4 }!
                for i in dht + 4..<dht + 22 { b[i] = 0xFF }; return Data(b) }(), .jpeg),
            ("PNG signature and zeros", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 32)), .png),
            ("PNG with damaged image data", TestImages.pngFile(width: 10, height: 10, colorType: 2, idat: [0x78, 0x01, 0xFF, 0xFF, 0xFF]), .png),
            ("empty", Data(), .jpeg),
        ]
        for (name, data, kind) in cases {
            XCTAssertThrowsError(try ImageThumbnailer.thumbnails(of: data, kind: kind, shapes: [.fit(640)]), name) { error in
                guard case ImageThumbnailer.Problem.unreadable = error else { return XCTFail("\(name): \(error)") }
            }
            _ = ImageMetadata.cleanJPEG(data); _ = ImageMetadata.cleanPNG(data)   // and the cleaners survive it
        }
        // A truncated JPEG decodes as far as it goes (as browsers show it).
        XCTAssertNoThrow(try ImageThumbnailer.thumbnails(of: good.prefix(good.count - 100), kind: .jpeg, shapes: [.fit(32)]))
        for (data, kind) in [(TestImages.pngClaiming(20_000, 20_000), ImageThumbnailer.Kind.png), (TestImages.pngClaiming(13_000, 10), .png),
                             (TestImages.jpegClaiming(10_000, 9_000), .jpeg), (TestImages.jpegClaiming(12_500, 100), .jpeg)] {
            XCTAssertThrowsError(try ImageThumbnailer.thumbnails(of: data, kind: kind, shapes: [.fit(640)])) { error in
                guard case ImageThumbnailer.Problem.tooLarge = error else { return XCTFail("\(error)") }
            }
        }
    }

    /// A progressive JPEG (ten scans with Huffman tables between them, as cameras and the web make
    /// them): cleaned, every scan is kept byte for byte and it decodes to the same pixels.
    func testProgressiveJPEGsKeepEveryScan() throws {
        let progressive = Data(base64Encoded: TestImages.progressiveJPEG)!
        XCTAssertEqual(progressive.ranges(of: Data([0xFF, 0xDA])).count, 10)
        let cleaned = ImageMetadata.cleanJPEG(TestImages.phonePhoto(progressive, orientation: 3))
        XCTAssertEqual(cleaned.orientation, 3)
        XCTAssertEqual(TestImages.scanData(cleaned.data), TestImages.scanData(progressive))
        XCTAssertFalse(TestImages.contains(cleaned.data, TestImages.gpsMarker))
        XCTAssertEqual(try ImageThumbnailer.decode(cleaned.data, kind: .jpeg).rgb, try ImageThumbnailer.decode(progressive, kind: .jpeg).rgb)
        let t = try ImageThumbnailer.thumbnails(of: cleaned.data, kind: .jpeg, orientation: 3, shapes: [.fit(24)]).thumbnails[0]
        XCTAssertEqual([t.width, t.height], [24, 16])
    }

    /// Damaged in any way — bytes changed, cut short — a file is an error or a picture, never a crash.
    func testMangledFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 20261207)   // the same damage every run
        let sources: [(Data, ImageThumbnailer.Kind)] = [
            (TestImages.phonePhoto(TestImages.jpeg(40, 30), orientation: 6), .jpeg),
            (Data(base64Encoded: TestImages.progressiveJPEG)!, .jpeg),
            (TestImages.png(30, 20) { x, y in (UInt8(x * 8), UInt8(y * 12), 90, UInt8(x * 8)) }, .png),
        ]
        var decoded = 0, refused = 0
        for (source, kind) in sources {
            for round in 0..<150 {
                var bytes = [UInt8](source)
                for _ in 0..<(1 + round % 8) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }
                let data = Data(bytes)
                let cleaned = kind == .jpeg ? ImageMetadata.cleanJPEG(data) : ImageMetadata.cleanPNG(data)
                do {
                    _ = try ImageThumbnailer.thumbnails(of: cleaned.data, kind: kind, orientation: cleaned.orientation,
                                                       shapes: [.fit(640), .square(96)])
                    decoded += 1
                } catch is ImageThumbnailer.Problem {
                    refused += 1
                }
            }
        }
        XCTAssertEqual(decoded + refused, 450)
        print("mangled images: \(decoded) decoded, \(refused) refused")
    }
}

/// A seeded generator (SplitMix64): tests that damage files at random damage them the same way each run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
