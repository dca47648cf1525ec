import Foundation

/// A new message's JSON written by hand: the same bytes `JSONCoding.encoder` writes (sorted keys,
/// ISO 8601 dates with fractions, slashes unescaped), about ten times faster. Every send is encoded
/// inside the SQLite batch (its event) — the one serial stretch of a send — so this matters there.
/// Views with reactions, files, a poll, an edit or a forward go through `JSONEncoder` as usual;
/// `MessageJSONTests` checks both give the same bytes.
extension MessageView {
    /// The JSON of this view, `createdAt` already formatted (`JSONCoding.iso`) — a batch formats its
    /// one instant once.
    public func json(createdAt formatted: String? = nil) throws -> String {
        guard reactions.isEmpty, attachments.isEmpty, poll == nil, editedAt == nil, forwardedFrom == nil,
              readBy == nil, myReactions?.isEmpty ?? true else {
            return String(decoding: try JSONCoding.encoder.encode(self), as: UTF8.self)
        }
        var out = #"{"attachments":[],"authorId":""#
        out.reserveCapacity(320 + text.utf8.count + authorName.utf8.count)
        out += authorId.upperText
        out += #"","authorName":"#
        Self.quote(authorName, into: &out)
        if let authorPhoto {
            out += #","authorPhoto":"#
            Self.quote(authorPhoto, into: &out)
        }
        out += #","chatId":""#
        out += chatId.upperText
        out += "\""
        if let clientId {
            out += #","clientId":"#
            Self.quote(clientId, into: &out)
        }
        out += #","createdAt":""#
        out += formatted ?? JSONCoding.iso.string(from: createdAt)
        out += #"","deleted":"#
        out += deleted ? "true" : "false"
        out += #","id":""#
        out += id.upperText
        out += #"","mentions":["#
        for (i, m) in mentions.enumerated() {
            out += i == 0 ? "\"" : ",\""
            out += m.upperText
            out += "\""
        }
        out += #"],"mentionsAll":"#
        out += mentionsAll ? "true" : "false"
        if myReactions != nil { out += #","myReactions":[]"# }
        out += #","pinned":"#
        out += pinned ? "true" : "false"
        out += #","reactions":[]"#
        if let replyTo {
            out += #","replyTo":""#
            out += replyTo.upperText
            out += "\""
        }
        out += #","seq":"#
        out += String(seq)
        out += #","text":"#
        Self.quote(text, into: &out)
        out += "}"
        return out
    }

    /// A JSON string as `JSONEncoder` writes it: `"` and `\` escaped, control characters as
    /// `\n`, `\t`… or `\u00XX`, everything else as it is.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        var plainFrom = s.utf8.startIndex
        let utf8 = s.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 {
                out += Substring(utf8[plainFrom..<i])
                switch byte {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default:
                    let hex = String(byte, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                plainFrom = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out += Substring(utf8[plainFrom..<utf8.endIndex])
        out += "\""
    }
}
