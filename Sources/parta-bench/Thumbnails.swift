// parta-bench thumbnails [--jpeg PHOTO.jpg] [--png SCREENSHOT.png] [--rounds 10]
//
// The time to make what an upload makes, in this process, one image at a time: for a chat image the
// metadata cleaning and the 640 px preview (`AttachmentService.prepareImage`'s work), for a profile
// photo the 96 and 256 px squares. Without --jpeg a 4000×3000 photo-like JPEG (noise over
// gradients, quality 92, about 4 MB like a phone's) is made first; without --png the PNG is skipped.
import Foundation
import PartaCore

func thumbnails(_ options: Options) throws {
    let rounds = max(1, options.rounds ?? 10)
    var inputs: [(String, Data, ImageThumbnailer.Kind)] = []
    if let path = options.jpeg {
        inputs.append((path, try Data(contentsOf: URL(fileURLWithPath: path)), .jpeg))
    } else {
        let (w, h) = (4000, 3000)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for y in 0..<h {
            for x in 0..<w {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Int(seed >> 59)   // 0…31
                let i = (y * w + x) * 3
                rgb[i] = UInt8(clamping: x * 200 / w + noise)
                rgb[i + 1] = UInt8(clamping: y * 200 / h + noise)
                rgb[i + 2] = UInt8(clamping: (x + y) % 256 / 2 + noise)
            }
        }
        inputs.append(("generated 4000×3000", try ImageThumbnailer.encode(rgb, width: w, height: h, quality: 92), .jpeg))
    }
    if let path = options.png { inputs.append((path, try Data(contentsOf: URL(fileURLWithPath: path)), .png)) }
    #if DEBUG
    let build = "debug"
    #else
    let build = "release"
    #endif
    say("parta-bench thumbnails: \(build) build, \(rounds) rounds each, one at a time")
    for (name, data, kind) in inputs {
        let size = try ImageThumbnailer.storedSize(data, kind: kind)
        say("\(name): \(kind == .jpeg ? "JPEG" : "PNG") \(size.width)×\(size.height), \(data.count / 1024) KB")
        func time(_ label: String, _ body: () throws -> Void) rethrows {
            var ms: [Double] = []
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                ms.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            ms.sort()
            let f = { (v: Double) in String(format: "%.1f", v) }
            say("  \(label): min \(f(ms[0])) ms, median \(f(ms[ms.count / 2])) ms, max \(f(ms[ms.count - 1])) ms")
        }
        try time("chat image: strip metadata + 640 px preview") {
            let cleaned = kind == .jpeg ? ImageMetadata.cleanJPEG(data) : ImageMetadata.cleanPNG(data)
            _ = try ImageThumbnailer.thumbnails(of: cleaned.data, kind: kind, orientation: cleaned.orientation, shapes: [.fit(640)])
        }
        try time("profile photo: 96 + 256 px squares") {
            _ = try ImageThumbnailer.thumbnails(of: data, kind: kind, shapes: [.square(96), .square(256)])
        }
        try time("metadata stripping alone") {
            _ = kind == .jpeg ? ImageMetadata.cleanJPEG(data) : ImageMetadata.cleanPNG(data)
        }
    }
}
