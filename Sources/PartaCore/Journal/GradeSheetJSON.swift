import Foundation

/// A grade sheet's JSON written by hand: the same bytes `JSONCoding.encoder` writes (sorted keys,
/// ISO 8601 dates with fractions, numbers as Foundation writes them). A sheet holds a thousand
/// marks and more, and `JSONEncoder` spent more time on it than the database (a sixth of the CPU
/// of `parta-bench journal`'s sheets, most of it in generic dispatch and `sprintf` for the ids).
/// `GradeSheetJSONTests` checks both give the same bytes.
extension GradeSheetView {
    public func json() -> String {
        var w = JSONOut(capacity: 256 + students.count * 64 + students.reduce(0) { $0 + $1.grades.count } * 150 + lessons.count * 220)
        w.open()
        w.key("academicYear"); w.int(academicYear)
        w.key("canSetMarks"); w.bool(canSetMarks)
        w.key("classId"); w.id(classId)
        w.key("className"); w.string(className)
        w.key("columns"); w.array(columns) { w, c in
            w.open(); w.key("lessonId"); w.id(c.lessonId); w.key("workKindId"); w.id(c.workKindId); w.close()
        }
        if let defaultWorkKindId { w.key("defaultWorkKindId"); w.id(defaultWorkKindId) }
        if let groupId { w.key("groupId"); w.id(groupId) }
        w.key("groups"); w.array(groups) { w, g in
            w.open(); w.key("id"); w.id(g.id); w.key("name"); w.string(g.name); w.close()
        }
        w.key("lessons"); w.array(lessons) { w, l in
            w.open()
            w.key("canMark"); w.bool(l.canMark)
            w.key("cancelled"); w.bool(l.cancelled)
            w.key("date"); w.string(l.date.description)
            w.key("id"); w.id(l.id)
            w.key("lateAfter"); w.date(l.lateAfter)
            if let period = l.period { w.key("period"); w.int(period) }
            w.key("teacherId"); w.id(l.teacherId)
            w.key("topic"); w.string(l.topic)
            w.close()
        }
        w.key("period"); w.string(period.description)
        w.key("seesAll"); w.bool(seesAll)
        w.key("students"); w.array(students) { w, s in
            w.open()
            w.key("absences"); w.array(s.absences) { w, a in
                w.open()
                w.key("lessonId"); w.id(a.lessonId)
                if let reason = a.reason { w.key("reason"); w.string(reason.rawValue) }
                w.key("status"); w.string(a.status.rawValue)
                w.close()
            }
            if let average = s.average { w.key("average"); w.double(average) }
            w.key("fullName"); w.string(s.fullName)
            w.key("grades"); w.array(s.grades) { w, m in
                w.open()
                w.key("id"); w.id(m.id)
                w.key("late"); w.bool(m.late)
                w.key("lessonId"); w.id(m.lessonId)
                w.key("value"); w.string(m.value.rawValue)
                w.key("workKindId"); w.id(m.workKindId)
                w.close()
            }
            w.key("id"); w.id(s.id)
            if let mark = s.mark { w.key("mark"); w.termMark(mark) }
            if let proposed = s.proposed { w.key("proposed"); w.string(proposed.rawValue) }
            w.key("termMarks"); w.array(s.termMarks) { w, m in w.termMark(m) }
            w.close()
        }
        w.key("subjectId"); w.id(subjectId)
        w.key("subjectName"); w.string(subjectName)
        w.key("terms"); w.array(terms) { w, t in
            w.open()
            w.key("endsOn"); w.string(t.endsOn.description)
            w.key("number"); w.int(t.number)
            w.key("startsOn"); w.string(t.startsOn.description)
            w.close()
        }
        w.key("usesOne"); w.bool(usesOne)
        w.key("workKinds"); w.array(workKinds) { w, k in
            w.open()
            w.key("archived"); w.bool(k.archived)
            w.key("id"); w.id(k.id)
            w.key("name"); w.string(k.name)
            w.key("weight"); w.double(k.weight)
            w.close()
        }
        w.close()
        return w.out
    }
}

/// A small JSON writer for hand-encoded hot views: the caller writes keys in sorted order, commas
/// are placed by it.
struct JSONOut {
    var out = ""
    private var first = true

    init(capacity: Int) { out.reserveCapacity(capacity) }

    mutating func open() { out += "{"; first = true }
    mutating func close() { out += "}"; first = false }
    mutating func key(_ k: StaticString) {
        out += first ? "\"" : ",\""
        out += k.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        out += "\":"
        first = false
    }
    mutating func array<T>(_ items: [T], _ each: (inout JSONOut, T) -> Void) {
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            each(&self, item)
        }
        out += "]"
        first = false
    }
    mutating func id(_ u: UUID) { out += "\""; out += u.upperText; out += "\"" }
    mutating func string(_ s: String) { MessageView.quote(s, into: &out) }
    mutating func int(_ n: Int) { out += String(n) }
    mutating func bool(_ b: Bool) { out += b ? "true" : "false" }
    mutating func date(_ d: Date) { out += "\""; out += JSONCoding.iso.string(from: d); out += "\"" }
    /// As Foundation's encoder writes a Double: its description, without a trailing ".0".
    mutating func double(_ d: Double) {
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        out += s
    }
    mutating func termMark(_ m: TermMarkView) {
        open()
        key("id"); id(m.id)
        key("period"); string(m.period.description)
        key("setAt"); date(m.setAt)
        key("studentId"); id(m.studentId)
        key("value"); string(m.value.rawValue)
        close()
    }
}
