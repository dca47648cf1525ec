import Foundation
import Logging

/// One JSON object per line: time, level, label, message and metadata (request-id among them).
public enum JSONLogHandlerFactory {
    public static func make(label: String, level: Logger.Level) -> any LogHandler { JSONLogHandler(label: label, level: level) }
}

struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var object: [String: String] = [
            "time": Date().formatted(.iso8601),
            "level": level.rawValue,
            "label": label,
            "message": message.description,
        ]
        for (k, v) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) { object[k] = v.description }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
