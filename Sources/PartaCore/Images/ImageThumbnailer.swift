import CPartaImage
import Foundation

/// Small JPEGs made from an uploaded JPEG or PNG (chat previews, profile photos), decoded once:
/// a JPEG at the smallest of libjpeg's DCT scales (M/8) that still covers the largest thumbnail
/// asked for — a 4000×3000 photo is decoded as 1000×750 for a 640 px preview —, a PNG in full with
/// its transparency laid on white. Each thumbnail is cut (squares: the centre), resized by area
/// averaging (every output pixel the mean of the area it covers), turned upright by the EXIF
/// orientation and written as a JPEG of quality 80 with no metadata. Never larger than the image.
///
/// An image over `maxPixels` or with a side over `maxSide` is refused from its header, before any
/// pixel is allocated (a 100 KB PNG can claim 50,000×50,000 pixels: 7.5 GB decoded).
public enum ImageThumbnailer {
    public static let maxPixels = 50_000_000
    public static let maxSide = 12_000
    /// Memory libjpeg may take besides the pixels (a progressive JPEG keeps all its coefficients).
    public static let maxDecoderMemory = 256 * 1024 * 1024
    public static let quality = 80
    /// The long side of a chat image's preview.
    public static let previewSide = 640

    public enum Kind: Sendable, Equatable {
        case jpeg, png
        /// The kinds this codec reads, by the type detected from the content (GIF, WebP: none).
        public init?(contentType: String) {
            switch contentType {
            case "image/jpeg": self = .jpeg
            case "image/png": self = .png
            default: return nil
            }
        }
    }

    public enum Shape: Sendable, Equatable {
        /// The whole image, its long side at most this.
        case fit(Int)
        /// The centre square, this wide at most.
        case square(Int)
    }

    public enum Problem: Error, Sendable, Equatable {
        /// Over the limits (the size as the header says, as stored).
        case tooLarge(width: Int, height: Int)
        /// Not an image this codec can read (libjpeg's or libpng's message).
        case unreadable(String)
    }

    public struct Thumbnail: Sendable, Equatable {
        public var jpeg: Data
        public var width: Int
        public var height: Int
    }

    public struct Made: Sendable, Equatable {
        /// The image's size as shown (after the orientation).
        public var width: Int
        public var height: Int
        /// One per shape asked for, in order.
        public var thumbnails: [Thumbnail]
    }

    /// The size a JPEG's or PNG's header gives (as stored, before any orientation).
    public static func storedSize(_ data: Data, kind: Kind) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: Int(PARTA_IMG_MESSAGE_MAX))
        let status = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return kind == .jpeg ? parta_jpeg_size(base, raw.count, &width, &height, &message)
                : parta_png_size(base, raw.count, &width, &height, &message)
        }
        guard status == PARTA_IMG_OK else { throw Problem.unreadable(Self.text(message)) }
        return (Int(width), Int(height))
    }

    public static func isTooLarge(width: Int, height: Int) -> Bool {
        width > maxSide || height > maxSide || width * height > maxPixels
    }

    /// Thumbnails of one image in the given shapes. `orientation` is its EXIF orientation
    /// (`ImageMetadata`): the thumbnails come out upright, and `Made`'s size is the upright one.
    public static func thumbnails(of data: Data, kind: Kind, orientation: Int = 1, shapes: [Shape]) throws -> Made {
        let stored = try storedSize(data, kind: kind)
        guard !isTooLarge(width: stored.width, height: stored.height) else {
            throw Problem.tooLarge(width: stored.width, height: stored.height)
        }
        guard stored.width > 0, stored.height > 0 else { throw Problem.unreadable("no pixels") }
        let turned = (5...8).contains(orientation)
        let shown = turned ? (width: stored.height, height: stored.width) : stored
        // How small the decoded image may be: the largest share of the image any thumbnail needs.
        var share = 0.0
        for shape in shapes {
            switch shape {
            case .fit(let side): share = max(share, min(1, Double(side) / Double(max(shown.width, shown.height))))
            case .square(let side): share = max(share, min(1, Double(side) / Double(min(shown.width, shown.height))))
            }
        }
        var limits = parta_img_limits(max_pixels: UInt64(maxPixels), max_side: UInt32(maxSide),
                                      min_width: UInt32((Double(stored.width) * share).rounded(.up)),
                                      min_height: UInt32((Double(stored.height) * share).rounded(.up)),
                                      max_decoder_memory: UInt64(maxDecoderMemory))
        var image = parta_img()
        var message = [CChar](repeating: 0, count: Int(PARTA_IMG_MESSAGE_MAX))
        let status = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return kind == .jpeg ? parta_jpeg_decode(base, raw.count, &limits, &image, &message)
                : parta_png_decode(base, raw.count, &limits, 255, 255, 255, &image, &message)
        }
        defer { parta_img_free(image.pixels) }
        switch status {
        case PARTA_IMG_OK: break
        case PARTA_IMG_TOO_LARGE: throw Problem.tooLarge(width: stored.width, height: stored.height)
        default: throw Problem.unreadable(Self.text(message))
        }
        let decoded = (width: Int(image.width), height: Int(image.height))
        var out: [Thumbnail] = []
        for shape in shapes {
            // The crop, in the decoded image as stored; the output size as shown.
            var crop = (x: 0, y: 0, width: decoded.width, height: decoded.height)
            var size: (width: Int, height: Int)
            switch shape {
            case .fit(let side):
                let scale = min(1, Double(side) / Double(max(shown.width, shown.height)))
                size = (max(1, Int((Double(shown.width) * scale).rounded())), max(1, Int((Double(shown.height) * scale).rounded())))
            case .square(let side):
                let c = min(decoded.width, decoded.height)
                crop = ((decoded.width - c) / 2, (decoded.height - c) / 2, c, c)
                let s = min(side, min(shown.width, shown.height))
                size = (s, s)
            }
            // Never more pixels than the decoded crop has (the DCT scale covers the need; a rounding may not).
            var target = turned ? (width: size.height, height: size.width) : size
            target = (min(target.width, crop.width), min(target.height, crop.height))
            var small = [UInt8](repeating: 0, count: target.width * target.height * 3)
            let resized = small.withUnsafeMutableBufferPointer { dst in
                parta_rgb_resize_area(image.pixels, image.width, image.height, UInt32(crop.x), UInt32(crop.y),
                                      UInt32(crop.width), UInt32(crop.height), dst.baseAddress, UInt32(target.width), UInt32(target.height))
            }
            guard resized == PARTA_IMG_OK else { throw Problem.unreadable("resize failed") }
            var upright = small
            var final = target
            if orientation != 1 && (2...8).contains(orientation) {
                small.withUnsafeBufferPointer { src in
                    upright.withUnsafeMutableBufferPointer { dst in
                        parta_rgb_orient(src.baseAddress, UInt32(target.width), UInt32(target.height), Int32(orientation), dst.baseAddress)
                    }
                }
                if turned { final = (target.height, target.width) }
            }
            out.append(Thumbnail(jpeg: try encode(upright, width: final.width, height: final.height), width: final.width, height: final.height))
        }
        return Made(width: shown.width, height: shown.height, thumbnails: out)
    }

    /// RGB pixels (rows packed) as a JPEG of the given quality.
    public static func encode(_ rgb: [UInt8], width: Int, height: Int, quality: Int = quality) throws -> Data {
        precondition(rgb.count == width * height * 3)
        var bytes: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(PARTA_IMG_MESSAGE_MAX))
        let status = rgb.withUnsafeBufferPointer {
            parta_jpeg_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(quality), &bytes, &size, &message)
        }
        guard status == PARTA_IMG_OK, let bytes else { throw Problem.unreadable(Self.text(message)) }
        defer { parta_img_free(bytes) }
        return Data(bytes: bytes, count: size)
    }

    /// Decodes a JPEG or PNG in full to RGB (tests and tools; thumbnails use `thumbnails`).
    public static func decode(_ data: Data, kind: Kind) throws -> (width: Int, height: Int, rgb: [UInt8]) {
        var limits = parta_img_limits(max_pixels: UInt64(maxPixels), max_side: UInt32(maxSide), min_width: 0, min_height: 0,
                                      max_decoder_memory: UInt64(maxDecoderMemory))
        var image = parta_img()
        var message = [CChar](repeating: 0, count: Int(PARTA_IMG_MESSAGE_MAX))
        let status = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return kind == .jpeg ? parta_jpeg_decode(base, raw.count, &limits, &image, &message)
                : parta_png_decode(base, raw.count, &limits, 255, 255, 255, &image, &message)
        }
        defer { parta_img_free(image.pixels) }
        switch status {
        case PARTA_IMG_OK:
            return (Int(image.width), Int(image.height), Array(UnsafeBufferPointer(start: image.pixels, count: Int(image.width) * Int(image.height) * 3)))
        case PARTA_IMG_TOO_LARGE: throw Problem.tooLarge(width: Int(image.full_width), height: Int(image.full_height))
        default: throw Problem.unreadable(Self.text(message))
        }
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
