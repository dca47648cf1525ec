// parta-bench journal, the grades part (issue 14 items 8, 9): on the journal scenario's school,
//
// - a term of marks: every lesson of the third term gets attendance for each of its students and a
//   grade (of one kind of work per lesson) for about a third of them — written straight in SQL,
//   ~1 million attendance marks and ~300,000 grades —, then class × subject grade sheets are opened
//   (27 students × ~50 lessons of a subject taught every day; goal p95 < 100 ms);
// - saving one grade through the API (goal p95 < 50 ms), on the current term's lessons up to today;
// - 200 teachers grading at once, one grade each per second, each on a keep-alive connection of
//   its own (goal p99 < 100 ms), then the rows are counted: every answered grade is there.
import Foundation
import NIOPosix
import PartaCore
import PartaServer
import SQLKit
import Vapor

extension JournalBench {
    func grades(terms: [[String: Any]], denseSubject: String) async throws -> Bool {
        let sql = app.db as! any SQLDatabase
        let postgres = sql.dialect.name != "sqlite"
        var allPass = true
        @Sendable func body(_ object: Any) throws -> ByteBuffer { ByteBuffer(data: try JSONSerialization.data(withJSONObject: object)) }
        func table(_ name: String, _ samples: [Double], goal: Double) -> Bool {
            let sorted = samples.sorted()
            func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
            let p95 = pct(0.95)
            print(String(format: "%-34@ %6d %8.1f %8.1f %8.1f %8.1f   p95<%.0fms %@", name as NSString, sorted.count, pct(0.5), p95, pct(0.99),
                         sorted.last ?? 0, goal, p95 < goal ? "PASS" : "FAIL"))
            return p95 < goal
        }
        let kinds = try await sql.raw("SELECT id FROM work_kinds WHERE school_id = \(bind: schoolID) ORDER BY position").all()
            .map { try $0.decode(column: "id", as: UUID.self) }
        guard kinds.count >= 4 else { fail("the school has no kinds of work") }

        // MARK: A term of marks, written straight in SQL

        let term = terms.count > 2 ? terms[2] : terms.last ?? [:]
        let from = term["startsOn"] as? String ?? "", to = term["endsOn"] as? String ?? ""
        let t0 = Date()
        let uuid = postgres ? "gen_random_uuid()"
            : "upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-A' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
        let roll = postgres ? "floor(random() * 100)" : "(abs(random()) % 100)"
        let no = postgres ? "false" : "0"
        let k0 = kinds[0], k1 = kinds[1], k2 = kinds[2]
        try await sql.raw("""
            INSERT INTO attendance (id, school_id, lesson_id, student_id, status, reason, source, set_by, set_at)
            SELECT \(unsafeRaw: uuid), l.school_id, l.id, m.user_id, CASE WHEN r < 4 THEN 'absent' WHEN r < 5 THEN 'late' ELSE 'present' END,
                   CASE WHEN r < 2 THEN 'illness' ELSE NULL END, 'teacher', l.teacher_id, l.ends_at
            FROM (SELECT l.*, \(unsafeRaw: roll) AS r FROM lessons l
                  WHERE l.school_id = \(bind: schoolID) AND l.date >= \(bind: from) AND l.date <= \(bind: to)) l
            JOIN class_members m ON m.class_id = l.class_id AND m.role = 'student'
            """).run()
        try await sql.raw("""
            INSERT INTO grades (id, school_id, class_id, subject_id, lesson_id, student_id, work_kind_id, value, comment, submission_id,
                                basis_at, late, created_by, created_at, updated_by, updated_at)
            SELECT \(unsafeRaw: uuid), x.school_id, x.class_id, x.subject_id, x.id, x.user_id,
                   CASE substr(x.date, 10, 1) WHEN '5' THEN \(bind: k1) WHEN '0' THEN \(bind: k2) ELSE \(bind: k0) END,
                   CASE WHEN x.r < 10 THEN '5' WHEN x.r < 20 THEN '4' WHEN x.r < 27 THEN '3' WHEN x.r < 30 THEN '5' ELSE '2' END,
                   '', NULL, x.ends_at, \(unsafeRaw: no), x.teacher_id, x.ends_at, x.teacher_id, x.ends_at
            FROM (SELECT l.id, l.school_id, l.class_id, l.subject_id, l.teacher_id, l.ends_at, l.date, m.user_id, \(unsafeRaw: roll) AS r
                  FROM lessons l JOIN class_members m ON m.class_id = l.class_id AND m.role = 'student'
                  WHERE l.school_id = \(bind: schoolID) AND l.date >= \(bind: from) AND l.date <= \(bind: to)) x
            WHERE x.r < 33
            """).run()
        if postgres { try await sql.raw("ANALYZE").run() } else { try await sql.raw("ANALYZE").run() }
        func count(_ q: SQLQueryString) async throws -> Int { try await sql.raw(q).first()?.decode(column: "n", as: Int.self) ?? 0 }
        let attendanceRows = try await count("SELECT COUNT(*) AS n FROM attendance")
        let gradeRows = try await count("SELECT COUNT(*) AS n FROM grades")
        print("")
        print(String(format: "a term of marks (%@ – %@): %d attendance marks, %d grades written in %.1f s (SQL)", from, to,
                     attendanceRows, gradeRows, Date().timeIntervalSince(t0)))

        // MARK: Grade sheets

        let subject = UUID(uuidString: denseSubject)!
        let perClass = try await sql.raw("""
            SELECT class_id, COUNT(*) AS n FROM lessons WHERE school_id = \(bind: schoolID) AND subject_id = \(bind: subject)
            AND date >= \(bind: from) AND date <= \(bind: to) GROUP BY class_id
            """).all().map { (try $0.decode(column: "class_id", as: UUID.self), try $0.decode(column: "n", as: Int.self)) }
        guard !perClass.isEmpty else { fail("no lessons of the sheet's subject in the term") }
        let sheetClasses = perClass.map(\.0)
        let lessonsPerSheet = perClass.map(\.1).reduce(0, +) / perClass.count
        let termNumber = (term["number"] as? Int) ?? 3
        let (_, firstSheet) = try await call(.GET, "/classes/\(sheetClasses[0])/grade-sheet?subjectId=\(subject)&term=\(termNumber)", token, nil)
        let probe = (try? JSONSerialization.jsonObject(with: Data(buffer: firstSheet ?? ByteBuffer()))) as? [String: Any] ?? [:]
        print("a sheet: \((probe["students"] as? [Any])?.count ?? 0) students × \((probe["lessons"] as? [Any])?.count ?? 0) lessons "
              + "(\((probe["columns"] as? [Any])?.count ?? 0) columns; on average \(lessonsPerSheet) lessons of the subject per class in the term)")
        print("")
        print("scenario                                n     p50 ms   p95 ms   p99 ms   max ms")
        let send = self.call, admin = self.token, workers = options.concurrency, perWorker = options.requests / options.concurrency
        let sheetSamples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [Double] = []
                    for i in 0..<perWorker {
                        let cls = sheetClasses[(w * 7919 + i * 31) % sheetClasses.count]
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let (status, _) = try await send(.GET, "/classes/\(cls)/grade-sheet?subjectId=\(subject)&term=\(termNumber)", admin, nil)
                        guard status == 200 else { fail("a grade sheet answered \(status)") }
                        out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        allPass = table("opening a grade sheet", sheetSamples, goal: 100) && allPass

        // MARK: Grading through the API: the current term's lessons up to today

        let today = LocalDate(Date(), in: TimeZone(identifier: "Europe/Moscow")!)
        guard let current = terms.compactMap({ t -> (LocalDate, LocalDate)? in
            guard let s = LocalDate(t["startsOn"] as? String ?? ""), let e = LocalDate(t["endsOn"] as? String ?? "") else { return nil }
            return (s, e)
        }).last(where: { $0.0 <= today }) else {
            print("saving grades: no term has begun yet this school year — skipped")
            return allPass
        }
        let gradeTo = min(current.1, today)
        let (generated, _) = try await call(.POST, "/schools/\(schoolID)/lessons/generate", token,
                                            try body(["from": current.0.description, "to": gradeTo.description]))
        guard generated == 200 else { fail("generating the current term's lessons answered \(generated)") }
        var lessonsOf: [UUID: [(lesson: UUID, classID: UUID)]] = [:]
        for row in try await sql.raw("""
            SELECT id, teacher_id, class_id FROM lessons WHERE school_id = \(bind: schoolID) AND date >= \(bind: current.0.description)
            AND date <= \(bind: gradeTo.description) AND status = 'scheduled' ORDER BY date DESC
            """).all() {
            lessonsOf[try row.decode(column: "teacher_id", as: UUID.self), default: []]
                .append((try row.decode(column: "id", as: UUID.self), try row.decode(column: "class_id", as: UUID.self)))
        }
        var studentsOf: [UUID: [UUID]] = [:]
        for row in try await sql.raw("SELECT class_id, user_id FROM class_members WHERE role = 'student'").all() {
            studentsOf[try row.decode(column: "class_id", as: UUID.self), default: []].append(try row.decode(column: "user_id", as: UUID.self))
        }
        let teachers = lessonsOf.keys.sorted { $0.uuidString < $1.uuidString }.prefix(200)
        guard teachers.count >= 1 else { fail("no teacher has lessons up to today") }
        struct Grader: Sendable { let token: String; let lessons: [(lesson: UUID, students: [UUID])] }
        var readyGraders: [Grader] = []
        let now = Date()
        for teacher in teachers {
            let token = Secrets.token()
            let s = SessionRecord()
            s.userID = teacher; s.tokenHash = Secrets.sha256Hex(token); s.createdAt = now; s.lastSeenAt = now
            s.expiresAt = now.addingTimeInterval(86_400); s.userAgent = "parta-bench"; s.ip = "127.0.0.1"
            try await s.create(on: app.db)
            let lessons = (lessonsOf[teacher] ?? []).prefix(20).compactMap { l in studentsOf[l.classID].map { (l.lesson, $0) } }
                .filter { !$0.1.isEmpty }
            if !lessons.isEmpty { readyGraders.append(Grader(token: token, lessons: lessons)) }
        }
        let values = ["5", "4", "3", "2"], graders = readyGraders
        let oneKinds = Array(kinds[0..<3]), crowdKind = kinds[3]
        let saveSamples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [Double] = []
                    for i in 0..<perWorker {
                        let g = graders[(w * 131 + i * 17) % graders.count]
                        let l = g.lessons[i % g.lessons.count]
                        let payload = try body(["studentId": l.students[(w + i) % l.students.count].uuidString,
                                                "workKindId": oneKinds[i % 3].uuidString, "value": values[(w + i) % 4]])
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let (status, reply) = try await send(.PUT, "/lessons/\(l.lesson)/grades", g.token, payload)
                        guard status == 200 else { fail("saving a grade answered \(status): \(reply.map { String(buffer: $0) } ?? "")") }
                        out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        allPass = table("saving one grade", saveSamples, goal: 50) && allPass

        // MARK: 200 teachers at once, one grade each per second

        guard let port = URL(string: base)?.port else { fail("no port in \(base)") }
        let seconds = Int(options.seconds ?? 20)
        let conns = try await withThrowingTaskGroup(of: HTTPConnection.self) { group in
            for _ in graders { group.addTask { try await HTTPConnection.connect(group: MultiThreadedEventLoopGroup.singleton, port: port) } }
            var out: [HTTPConnection] = []
            for try await c in group { out.append(c) }
            return out
        }
        let before = try await count("SELECT COUNT(*) AS n FROM grades WHERE work_kind_id = \(bind: crowdKind)")
        let start = DispatchTime.now().uptimeNanoseconds + 500_000_000
        let crowd = graders.count
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for (n, g) in graders.enumerated() {
                let c = conns[n]
                group.addTask {
                    var out: [Double] = [], ok = 0
                    for i in 0..<seconds {
                        // Each teacher at their own moment of every second.
                        let at = start + UInt64(i) * 1_000_000_000 + UInt64(n) * 1_000_000_000 / UInt64(crowd)
                        let wait = Int64(at) - Int64(DispatchTime.now().uptimeNanoseconds)
                        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait)) }
                        // A new grade every time: lesson, student, kind of work never repeat.
                        let l = g.lessons[i % g.lessons.count]
                        let student = l.students[(i / g.lessons.count) % l.students.count]
                        let payload = try body(["studentId": student.uuidString, "workKindId": crowdKind.uuidString, "value": values[(n + i) % 4]])
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let r = try await c.request(.PUT, "/api/v1/lessons/\(l.lesson)/grades", token: g.token, json: payload)
                        out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                        if r.status == 200 { ok += 1 }
                    }
                    return (out, ok)
                }
            }
            var all: [Double] = [], ok = 0
            for try await (part, n) in group { all += part; ok += n }
            return (all, ok)
        }
        for c in conns { await c.close() }
        let after = try await count("SELECT COUNT(*) AS n FROM grades WHERE work_kind_id = \(bind: crowdKind)")
        let sorted = results.0.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        let p99 = pct(0.99), written = after - before
        let crowdPass = p99 < 100 && written == results.1 && results.1 == crowd * seconds
        print(String(format: "%-34@ %6d %8.1f %8.1f %8.1f %8.1f   p99<100ms %@", "\(crowd) teachers × 1 grade/s × \(seconds) s" as NSString,
                     sorted.count, pct(0.5), pct(0.95), p99, sorted.last ?? 0, p99 < 100 ? "PASS" : "FAIL"))
        print("  answered 200: \(results.1) of \(crowd * seconds); new rows counted after: \(written) — nothing lost: \(written == results.1 && results.1 == crowd * seconds ? "PASS" : "FAIL")")
        return allPass && crowdPass
    }
}
