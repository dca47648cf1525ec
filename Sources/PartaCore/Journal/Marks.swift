import Foundation

// Grades, term marks and attendance as values (issue 14 items 8 and 9, §5.2): what a mark may be,
// how a weighted average and a proposed term mark are made, when a grade is late. Pure: asked by
// the services and tested without a database.

/// A grade in the journal: a number 1–5 (1 only where the school uses it), «зачёт»/«незачёт», or a
/// mark without a number — «н» (absent from the work) and «осв.» (exempt). Only numbers count
/// towards the average.
public enum GradeValue: String, Sendable, Codable, CaseIterable {
    case five = "5", four = "4", three = "3", two = "2", one = "1"
    case pass, fail, absent, exempt

    public var number: Int? { Int(rawValue) }

    /// As the journal writes it.
    public var russian: String {
        switch self {
        case .pass: "зач"
        case .fail: "незач"
        case .absent: "н"
        case .exempt: "осв"
        default: rawValue
        }
    }

    /// Whether the school's scale takes it (a «1» only when the school uses it).
    public func allowed(usesOne: Bool) -> Bool { self != .one || usesOne }
}

/// A term's or the year's mark: a number, «зачёт»/«незачёт», «осв.» (exempt) or «н/а» (not assessed).
public enum TermMarkValue: String, Sendable, Codable, CaseIterable {
    case five = "5", four = "4", three = "3", two = "2", one = "1"
    case pass, fail, exempt, notAssessed = "na"

    public var number: Int? { Int(rawValue) }
    public var russian: String {
        switch self {
        case .pass: "зач"
        case .fail: "незач"
        case .exempt: "осв"
        case .notAssessed: "н/а"
        default: rawValue
        }
    }
    public func allowed(usesOne: Bool) -> Bool { self != .one || usesOne }
}

/// Which period a final mark closes: a term (1…4, as many as the school's year has) or the year.
public enum MarkPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    case term(Int)
    case year

    public init?(_ text: String) {
        if text == "year" { self = .year; return }
        guard text.count == 1, let n = Int(text), (1...4).contains(n) else { return nil }
        self = .term(n)
    }
    public var description: String {
        switch self { case .term(let n): String(n); case .year: "year" }
    }
    public var russian: String {
        switch self { case .term(let n): "\(n)-й период"; case .year: "год" }
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let p = MarkPeriod(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a term 1–4 or \"year\"")
        }
        self = p
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public enum AttendanceStatus: String, Sendable, Codable, CaseIterable {
    case present, absent, late
    public var russian: String {
        switch self { case .present: "был(а)"; case .absent: "н"; case .late: "опоздал(а)" }
    }
}

/// Why a student was absent; nil while nobody has said.
public enum AbsenceReason: String, Sendable, Codable, CaseIterable {
    case illness, excused, unexcused
    public var russian: String {
        switch self { case .illness: "по болезни"; case .excused: "по уважительной причине"; case .unexcused: "без уважительной причины" }
    }
}

/// Who marked attendance: the lesson's teacher, or (later) the online lesson's call.
public enum AttendanceSource: String, Sendable, Codable { case teacher, call }

public enum Grading {
    /// §5.2: a grade is entered no later than 7 days after its lesson ends (or after the
    /// submission arrived). Exactly 7 days is on time; a second more is late.
    public static let deadline: TimeInterval = 7 * 86_400

    public static func isLate(enteredAt: Date, basis: Date) -> Bool {
        enteredAt.timeIntervalSince(basis) > deadline
    }

    /// Weights are 0.5…10 in steps of 0.5; kept and summed as whole halves so an average is exact.
    public static func halves(_ weight: Double) -> Int? {
        let h = weight * 2
        guard h.isFinite, h >= 1, h <= 20, h.rounded() == h else { return nil }
        return Int(h)
    }

    /// The weighted average of numeric marks, kept as an exact fraction.
    public struct Average: Sendable, Equatable {
        /// Σ mark × weight-in-halves, and Σ weight-in-halves.
        public var sum = 0, weight = 0
        public init() {}
        public mutating func add(_ mark: Int, halves: Int) { sum += mark * halves; weight += halves }

        /// Hundredths, rounded half up (4.335 → 433.5 → 434): what is shown, «4,34».
        public var hundredths: Int? {
            guard weight > 0 else { return nil }
            return (200 * sum + weight) / (2 * weight)
        }
        /// To two decimals, for the API.
        public var value: Double? { hundredths.map { Double($0) / 100 } }

        /// The proposed mark: the average as shown, x.50 and above up (the common rule of Russian
        /// schools: 4,50 → 5, 4,49 → 4), never below the school's lowest mark. Made from the shown
        /// average so a teacher never sees «4,50» beside a proposed 4.
        public func proposal(usesOne: Bool) -> Int? {
            guard let h = hundredths else { return nil }
            return min(5, max(usesOne ? 1 : 2, (h + 50) / 100))
        }
    }
}

/// The kinds of work a school starts with, and their weights (the school edits both).
public enum WorkKindCatalog {
    public static let defaults: [(name: String, weight: Double)] = [
        ("Работа на уроке", 1), ("Устный ответ", 1), ("Домашняя работа", 1), ("Тест", 1.5),
        ("Самостоятельная работа", 2), ("Проверочная работа", 2), ("Практическая работа", 2),
        ("Лабораторная работа", 2), ("Диктант", 2), ("Сочинение", 2), ("Контрольная работа", 3),
    ]
}
