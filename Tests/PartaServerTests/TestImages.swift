import Foundation
@testable import PartaCore

/// Images made in the tests themselves: JPEGs by Parta's own encoder, PNGs by a small writer here
/// (stored deflate blocks: no compression library needed), EXIF segments and damage by hand.
enum TestImages {
    /// An RGB JPEG whose pixel (x, y) is `color(x, y)`.
    static func jpeg(_ width: Int, _ height: Int, quality: Int = 90, color: (Int, Int) -> (UInt8, UInt8, UInt8) = gradient) -> Data {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b) = color(x, y)
                let i = (y * width + x) * 3
                rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b
            }
        }
        return try! ImageThumbnailer.encode(rgb, width: width, height: height, quality: quality)
    }

    static func gradient(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: x), UInt8(truncatingIfNeeded: y), UInt8(truncatingIfNeeded: x ^ y))
    }

    /// Left half red, right half blue: which way an image was turned shows where the red went.
    static func halves(_ width: Int) -> (Int, Int) -> (UInt8, UInt8, UInt8) {
        { x, _ in x < width / 2 ? (220, 20, 20) : (20, 20, 220) }
    }

    /// An RGBA PNG (8 bits per channel) whose pixel (x, y) is `color(x, y)`.
    static func png(_ width: Int, _ height: Int, color: (Int, Int) -> (UInt8, UInt8, UInt8, UInt8)) -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 4 + 1) * height)
        for y in 0..<height {
            raw.append(0)   // no filter
            for x in 0..<width {
                let (r, g, b, a) = color(x, y)
                raw += [r, g, b, a]
            }
        }
        return pngFile(width: width, height: height, colorType: 6, idat: zlibStored(raw))
    }

    /// A PNG of the given chunks around one IDAT (for headers that lie about the size).
    static func pngFile(width: Int, height: Int, colorType: UInt8, idat: [UInt8], extra: [(String, [UInt8])] = []) -> Data {
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        out += chunk("IHDR", be32(width) + be32(height) + [8, colorType, 0, 0, 0])
        for (type, body) in extra { out += chunk(type, body) }
        out += chunk("IDAT", idat)
        out += chunk("IEND", [])
        return out
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> Data {
        let typed = Array(type.utf8) + body
        return Data(be32(body.count) + typed + be32(Int(crc32(typed))))
    }

    /// zlib data of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65_535, data.count - i)
            let last: UInt8 = i + n >= data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + be32(Int(b << 16 | a))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }

    static let gpsMarker = Array("GPS-55.7522N-37.6156E".utf8)

    /// A phone's EXIF (little-endian, as most phones write it): the orientation, the camera's
    /// make, and a GPS directory with the latitude, and `gpsMarker` in a maker-note-like string.
    static func phoneEXIF(orientation: Int) -> [UInt8] {
        // TIFF header, IFD0 at 8 with 3 entries: Orientation, Make (→ string), GPSInfo (→ GPS IFD).
        let make = Array("PartaPhone\0".utf8) + gpsMarker + [0]
        let ifd0 = 8, ifd0Size = 2 + 3 * 12 + 4
        let makeAt = ifd0 + ifd0Size
        let gpsAt = makeAt + make.count
        var t: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(ifd0)
        t += le16(3)
        t += le16(0x010F) + le16(2) + le32(make.count) + le32(makeAt)          // Make
        t += le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0)     // Orientation
        t += le16(0x8825) + le16(4) + le32(1) + le32(gpsAt)                     // GPSInfo
        t += le32(0)
        t += make
        // GPS IFD: LatitudeRef "N", Latitude 55/1 45/1 752/100.
        let ratAt = gpsAt + 2 + 2 * 12 + 4
        t += le16(2)
        t += le16(0x0001) + le16(2) + le32(2) + [0x4E, 0, 0, 0]
        t += le16(0x0002) + le16(5) + le32(3) + le32(ratAt)
        t += le32(0)
        t += le32(55) + le32(1) + le32(45) + le32(1) + le32(752) + le32(100)
        return t
    }

    /// A JPEG as a phone leaves it: EXIF (orientation, GPS), XMP with a position, a comment, and
    /// another picture appended after its end.
    static func phonePhoto(_ jpeg: Data, orientation: Int) -> Data {
        let exif = Array("Exif\0\0".utf8) + phoneEXIF(orientation: orientation)
        let xmp = Array("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>55,45.12N</exif:GPSLatitude></x:xmpmeta>".utf8)
        let comment = Array("taken at school no. 1".utf8)
        var out = Data(jpeg.prefix(2))   // SOI
        out += segment(0xE1, exif) + segment(0xE1, xmp) + segment(0xFE, comment)
        out += jpeg.dropFirst(2)
        out += Data([0xFF, 0xD8]) + segment(0xE1, exif) + Data(Array("TRAILING-PICTURE".utf8)) + Data([0xFF, 0xD9])
        return out
    }

    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> Data {
        Data([0xFF, marker] + [UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload)
    }

    /// The bytes from the first SOS marker to the end-of-image marker: the picture itself.
    static func scanData(_ jpeg: Data) -> Data? {
        let b = [UInt8](jpeg)
        guard let sos = (0..<(b.count - 1)).first(where: { b[$0] == 0xFF && b[$0 + 1] == 0xDA }),
              let eoi = (sos..<(b.count - 1)).first(where: { b[$0] == 0xFF && b[$0 + 1] == 0xD9 }) else { return nil }
        return Data(b[sos...eoi + 1])
    }

    /// A JPEG whose frame header says it is `width` × `height` (the data still the small image's).
    static func jpegClaiming(_ width: Int, _ height: Int) -> Data {
        var b = [UInt8](jpeg(16, 16))
        guard let sof = (0..<(b.count - 1)).first(where: { b[$0] == 0xFF && (b[$0 + 1] == 0xC0 || b[$0 + 1] == 0xC2) }) else { return Data(b) }
        b[sof + 5] = UInt8(height >> 8); b[sof + 6] = UInt8(height & 0xFF)
        b[sof + 7] = UInt8(width >> 8); b[sof + 8] = UInt8(width & 0xFF)
        return Data(b)
    }

    /// A PNG of a few hundred bytes whose header says it is `width` × `height`.
    static func pngClaiming(_ width: Int, _ height: Int) -> Data {
        pngFile(width: width, height: height, colorType: 2, idat: zlibStored(Array(repeating: 0, count: 64)))
    }

    static func contains(_ data: Data, _ needle: [UInt8]) -> Bool {
        data.range(of: Data(needle)) != nil
    }

    /// A 48×32 progressive JPEG (OpenCV, quality 90): ten scans.
    static let progressiveJPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAAgADADASIAAhEBAxEB/8QAFwABAQEBAAAAAAAAAAAAAAAABwAGCP/EABYBAQEBAAAAAAAAAAAAAAAAAAcGCP/aAAwDAQACEAMQAAABxFOsG0hWQ6kyKIQhM7BLNF691CrKuknXInGQRCF2CaZov//EABQQAQAAAAAAAAAAAAAAAAAAAED/2gAIAQEAAQUCR//EACERAAECBAcAAAAAAAAAAAAAAAQAEQUSFCIGIzRBUmFy/9oACAEDAQE/ATjqKW13WMo5p8vlv56QJ1bNazI4GtluZljKB6fM5bee0CDRTXO6/8QAIBEAAQMCBwAAAAAAAAAAAAAABAARIhIUBQY0QVJhcv/aAAgBAgEBPwEsu1pi7rI2LamHHf10hC7qqLMixLqmTMsjYTqZ8dvXaEEtapO6/8QAFBABAAAAAAAAAAAAAAAAAAAAQP/aAAgBAQAGPwJH/8QAFBABAAAAAAAAAAAAAAAAAAAAQP/aAAgBAQABPyFH/9oADAMBAAIAAwAAABD/AL0/vc//xAAbEQEAAQUBAAAAAAAAAAAAAAARAQBBUWFxEP/aAAgBAwEBPxDuO4Bqc+LnMd1XUYruOypuMeLnMdgHc5r/xAAbEQEAAQUBAAAAAAAAAAAAAAARAQBBUWFxEP/aAAgBAgEBPxDvC4Bqc+bXOF1XUYrvCypuMebXOFgHc5r/xAAUEAEAAAAAAAAAAAAAAAAAAABA/9oACAEBAAE/EEf/2Q=="
}
