import Foundation

/// iCalendar text (RFC 5545) as calendar apps read it: content lines folded at 75 octets (never
/// inside a UTF-8 sequence), CRLF, TEXT values escaped, local times with a `TZID` and a
/// `VTIMEZONE` that states the zone's offsets — and every change of offset — over the feed's days.
struct ICalendarWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// One content line, `name` (with its parameters) and `value` as they are (escape TEXT first).
    mutating func line(_ name: String, _ value: String) {
        var octets = 0
        func put(_ part: String) {
            for byte in part.utf8 {
                // A line holds at most 75 octets; a UTF-8 sequence is moved whole to the next line,
                // which begins with a space (the fold is taken out again by the reader).
                if byte & 0xC0 != 0x80 {
                    let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    if octets + length > 75 {
                        bytes.append(13); bytes.append(10); bytes.append(32)
                        octets = 1
                    }
                }
                bytes.append(byte)
                octets += 1
            }
        }
        put(name); put(":"); put(value)
        bytes.append(13); bytes.append(10)
    }

    /// A TEXT value: `\`, `;`, `,` escaped, line breaks as `\n`, other control characters dropped.
    static func text(_ raw: String) -> String {
        var out = ""
        out.reserveCapacity(raw.utf8.count + 8)
        var lastWasCR = false
        for scalar in raw.unicodeScalars {
            defer { lastWasCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"
            case "\n": if !lastWasCR { out += "\\n" }
            case "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `20260112T083000`: the wall-clock time of `instant` at `offset` seconds east of UTC.
    static func local(_ instant: Date, offset: Int) -> String {
        stamp(Int(floor(instant.timeIntervalSince1970)) + offset)
    }

    /// `20260112T053000Z`.
    static func utc(_ instant: Date) -> String {
        stamp(Int(floor(instant.timeIntervalSince1970))) + "Z"
    }

    private static func stamp(_ seconds: Int) -> String {
        let day = Int(floor(Double(seconds) / 86_400))
        let (y, m, d) = LocalDate(dayNumber: day).components
        let rest = seconds - day * 86_400
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(rest / 3600, 2) + pad(rest / 60 % 60, 2) + pad(rest % 60, 2)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `+0300`, `-0930`, `+053730` (seconds only when there are any).
    static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+", a = abs(seconds)
        return sign + pad(a / 3600, 2) + pad(a / 60 % 60, 2) + (a % 60 == 0 ? "" : pad(a % 60, 2))
    }

    /// A change of a zone's offset: at `instant` the offset goes from `from` to `to` seconds.
    struct Transition: Equatable {
        var instant: Date
        var from: Int
        var to: Int
    }

    /// Every change of `zone`'s offset between two instants: the offset is read once a day and,
    /// where two days differ, the second it changed is found by bisection (zones change at most a
    /// few times a year, never twice in a day). Russia has kept fixed offsets since 2014, so for
    /// its zones this is empty.
    static func transitions(of zone: TimeZone, from start: Date, to end: Date) -> [Transition] {
        var out: [Transition] = []
        var t = floor(start.timeIntervalSince1970)
        var offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: t))
        let last = end.timeIntervalSince1970
        while t < last {
            let next = min(t + 86_400, last)
            let nextOffset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: next))
            if nextOffset != offset {
                var lo = t, hi = next   // offset(lo) == offset, offset(hi) == nextOffset
                while hi - lo > 1 {
                    let mid = floor((lo + hi) / 2)
                    if zone.secondsFromGMT(for: Date(timeIntervalSince1970: mid)) == offset { lo = mid } else { hi = mid }
                }
                out.append(Transition(instant: Date(timeIntervalSince1970: hi), from: offset, to: nextOffset))
                offset = nextOffset
            }
            t = next
        }
        return out
    }

    /// A zone's offsets over a span: the one in force at its start and every change up to its end,
    /// so a feed asks Foundation once a day rather than twice a lesson.
    struct Offsets {
        var start: Date
        var initial: Int
        var changes: [Transition]

        init(of zone: TimeZone, from start: Date, to end: Date) {
            self.start = start
            initial = zone.secondsFromGMT(for: start)
            changes = ICalendarWriter.transitions(of: zone, from: start, to: end)
        }

        func offset(at instant: Date) -> Int {
            changes.last { $0.instant <= instant }?.to ?? initial
        }
    }

    /// The `VTIMEZONE` of `zone` for events between two instants (see the other `timeZone`).
    mutating func timeZone(_ zone: TimeZone, from start: Date, to end: Date) {
        timeZone(zone, Offsets(of: zone, from: start, to: end))
    }

    /// The `VTIMEZONE` of `zone` over `offsets`' span: the offset in force at its start (as an
    /// observance from 1970, the usual way of saying "before these events"), then one observance
    /// for each change of offset, its onset in the local time before it.
    mutating func timeZone(_ zone: TimeZone, _ offsets: Offsets) {
        let start = offsets.start
        func kind(_ instant: Date) -> String { zone.isDaylightSavingTime(for: instant) ? "DAYLIGHT" : "STANDARD" }
        func name(_ instant: Date) {
            // Only a real abbreviation («MSK», «CET»): «GMT+3» says nothing the offset does not.
            if let abbreviation = zone.abbreviation(for: instant), abbreviation.count <= 6,
               abbreviation.allSatisfy({ $0.isASCII && $0.isLetter }), !abbreviation.hasPrefix("GMT") || abbreviation == "GMT" {
                line("TZNAME", abbreviation)
            }
        }
        line("BEGIN", "VTIMEZONE")
        line("TZID", zone.identifier)
        let initial = offsets.initial
        line("BEGIN", kind(start))
        line("DTSTART", "19700101T000000")
        line("TZOFFSETFROM", Self.offset(initial))
        line("TZOFFSETTO", Self.offset(initial))
        name(start)
        line("END", kind(start))
        for change in offsets.changes {
            line("BEGIN", kind(change.instant))
            line("DTSTART", Self.local(change.instant, offset: change.from))
            line("TZOFFSETFROM", Self.offset(change.from))
            line("TZOFFSETTO", Self.offset(change.to))
            name(change.instant)
            line("END", kind(change.instant))
        }
        line("END", "VTIMEZONE")
    }
}
