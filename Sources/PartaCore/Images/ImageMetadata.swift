import CPartaImage
import Foundation

/// What a photo says about where and when it was taken stays on the phone: a stored JPEG or PNG
/// keeps its pixels exactly as uploaded (no re-encoding), but not its EXIF (GPS position, time,
/// device, the embedded preview), XMP, IPTC, comments or text chunks, nor anything after its end
/// (phones append more pictures there, each with its own EXIF, or a motion photo's video).
///
/// Kept: the ICC colour profile, JFIF's header, Adobe's colour-transform marker (it tells how to
/// decode CMYK and RGB JPEGs) and the **orientation** — browsers turn a JPEG by its EXIF
/// orientation (CSS `image-orientation: from-image`, the default), so a phone photo taken upright
/// would lie on its side without it. It is written back as a minimal EXIF of one tag (32 bytes).
public enum ImageMetadata {
    /// The bytes to store and the orientation read from the EXIF (1: as stored).
    public struct Cleaned: Sendable, Equatable {
        public var data: Data
        public var orientation: Int
    }

    // MARK: JPEG

    /// Rewrites a JPEG's marker segments, keeping every scan's entropy-coded data byte for byte.
    /// Bytes that are not a marker where one is due are skipped, as libjpeg does; a segment cut
    /// short ends the file there; what follows the end-of-image marker is dropped.
    public static func cleanJPEG(_ data: Data) -> Cleaned {
        data.withUnsafeBytes { raw -> Cleaned in
            let b = raw.bindMemory(to: UInt8.self)
            let n = b.count
            guard n >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return Cleaned(data: data, orientation: 1) }
            var out = Data()
            out.reserveCapacity(n)
            out.append(contentsOf: [0xFF, 0xD8])
            var exifAt = out.count          // where the orientation goes: after SOI and a leading JFIF segment
            var orientation: Int?
            var ended = false
            var i = 2
            var first = true
            markers: while i < n {
                while i < n && b[i] != 0xFF { i += 1 }    // not a marker: skipped
                while i < n && b[i] == 0xFF { i += 1 }    // fill bytes
                guard i < n else { break }
                let marker = b[i]
                i += 1
                switch marker {
                case 0xD9:
                    out.append(contentsOf: [0xFF, 0xD9])
                    ended = true
                    break markers
                case 0x00, 0xD8:
                    continue
                case 0x01, 0xD0...0xD7:
                    out.append(contentsOf: [0xFF, marker])
                    continue
                default:
                    break
                }
                guard i + 2 <= n else { break }
                let length = Int(b[i]) << 8 | Int(b[i + 1])
                guard length >= 2, i + length <= n else { break }
                let payload = UnsafeBufferPointer(rebasing: b[(i + 2)..<(i + length)])
                let segment = UnsafeBufferPointer(rebasing: b[(i - 2)..<(i + length)])
                i += length
                defer { first = false }
                if marker >= 0xE0 && marker <= 0xEF || marker == 0xFE {
                    if marker == 0xE1, orientation == nil, payload.starts(with: exifHeader) {
                        orientation = exifOrientation(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(payload)[6...]))
                    }
                    let kept = (marker == 0xE0 && (payload.starts(with: Array("JFIF\0".utf8)) || payload.starts(with: Array("JFXX\0".utf8))))
                        || (marker == 0xE2 && payload.starts(with: Array("ICC_PROFILE\0".utf8)))
                        || (marker == 0xEE && payload.starts(with: Array("Adobe".utf8)))
                    if kept {
                        out.append(contentsOf: segment)
                        if first && marker == 0xE0 { exifAt = out.count }
                    }
                    continue
                }
                out.append(contentsOf: segment)
                guard marker == 0xDA else { continue }
                // A scan: its entropy-coded data runs to the next marker that is neither a stuffed
                // 0xFF00 nor a restart marker.
                let start = i
                var j = i
                while j < n {
                    guard let found = memchr(b.baseAddress! + j, 0xFF, n - j) else { j = n; break }
                    let at = b.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    guard at + 1 < n else { j = n; break }
                    let next = b[at + 1]
                    if next == 0x00 || (0xD0...0xD7).contains(next) { j = at + 2; continue }
                    if next == 0xFF { j = at + 1; continue }
                    j = at
                    break
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<min(j, n)]))
                i = j
            }
            if !ended { out.append(contentsOf: [0xFF, 0xD9]) }
            let turn = orientation ?? 1
            if turn != 1 {
                out.insert(contentsOf: [0xFF, 0xE1] + bigEndian16(2 + exifHeader.count + minimalTIFF(orientation: turn).count)
                           + exifHeader + minimalTIFF(orientation: turn), at: exifAt)
            }
            return Cleaned(data: out, orientation: turn)
        }
    }

    /// The APP1 segment's signature of EXIF data.
    static let exifHeader: [UInt8] = Array("Exif\0\0".utf8)

    /// The orientation tag (0x0112) of a TIFF structure's first directory, when it is 1…8.
    static func exifOrientation(_ tiff: UnsafeRawBufferPointer) -> Int? {
        let t = tiff.bindMemory(to: UInt8.self)
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true    // "II"
        case (0x4D, 0x4D): little = false   // "MM"
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= t.count else { return nil }
            return little ? Int(t[at]) | Int(t[at + 1]) << 8 : Int(t[at]) << 8 | Int(t[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<min(count, 1000) {
            let entry = ifd + 2 + 12 * k
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) { return value }
        }
        return nil
    }

    /// A TIFF structure (big-endian) with one directory of one entry: the orientation.
    static func minimalTIFF(orientation: Int) -> [UInt8] {
        [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,    // "MM", 42, the directory at 8
         0x00, 0x01,                                         // one entry
         0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,    // Orientation, SHORT, one value
         0x00, UInt8(orientation), 0x00, 0x00,
         0x00, 0x00, 0x00, 0x00]                             // no next directory
    }

    static func bigEndian16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func bigEndian32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    // MARK: PNG

    /// The chunks that describe rather than draw: EXIF, text (zTXt, iTXt too) and the time.
    static let pngDropped: Set<String> = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Drops a PNG's metadata chunks, copying every other chunk as it is; an orientation in its
    /// eXIf chunk is written back as a minimal eXIf (before the image data, where it was). A chunk
    /// cut short ends the file; what follows IEND is dropped.
    public static func cleanPNG(_ data: Data) -> Cleaned {
        data.withUnsafeBytes { raw -> Cleaned in
            let b = raw.bindMemory(to: UInt8.self)
            guard b.count >= 8, Array(b[0..<8]) == pngSignature else { return Cleaned(data: data, orientation: 1) }
            var out = Data(pngSignature)
            out.reserveCapacity(b.count)
            var orientation = 1
            var i = 8
            while i + 12 <= b.count {
                let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
                guard length <= b.count - i - 12 else { break }
                let type = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 4)..<(i + 8)]), as: UTF8.self)
                let whole = UnsafeBufferPointer(rebasing: b[i..<(i + 12 + length)])
                if type == "eXIf" {
                    var tiff = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[(i + 8)..<(i + 8 + length)])
                    if tiff.starts(with: exifHeader) { tiff = UnsafeRawBufferPointer(rebasing: tiff[6...]) }
                    if orientation == 1, let o = exifOrientation(tiff), o != 1 {
                        orientation = o
                        let body = Array("eXIf".utf8) + minimalTIFF(orientation: o)
                        let crc = body.withUnsafeBufferPointer { parta_crc32(0, $0.baseAddress, $0.count) }
                        out.append(contentsOf: bigEndian32(body.count - 4) + body + bigEndian32(Int(crc)))
                    }
                } else if !pngDropped.contains(type) {
                    out.append(contentsOf: whole)
                }
                i += 12 + length
                if type == "IEND" { break }
            }
            return Cleaned(data: out, orientation: orientation)
        }
    }
}
