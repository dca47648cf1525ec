// parta-bench journal — issue 14's speed goals on the `school` scenario's 3,000-student school:
//
//   parta-bench journal [--students 3000] [--requests 400] [--concurrency 8] [--database-url postgres://…]
//
// The school's year (the usual quarters) and a full week's timetable for each of its 110 classes
// (35 lessons: five days × seven periods, the 250 teachers never in two places at once) are saved
// through the API; then the lessons of a whole term and of one week are made again from scratch
// (timed: goals < 5 s and < 1 s), and parents' and students' weeks are read by many at once
// (goal p95 < 100 ms). Then students' iCalendar feeds and the timetable CSV: see JournalFeeds.swift.
import Foundation
import PartaCore
import PartaServer
import SQLKit
import Vapor

struct JournalBench {
    let app: Application
    let schoolID: UUID
    let classes: [ClassRecord]
    let staff: [UserRecord]
    let token: String
    let base: String
    let options: Options
    let call: @Sendable (HTTPMethod, String, String?, ByteBuffer?) async throws -> (UInt, ByteBuffer?)

    func run() async throws -> Bool {
        let sql = app.db as! any SQLDatabase
        var allPass = true
        func json(_ buffer: ByteBuffer?) -> [String: Any] {
            guard let buffer else { return [:] }
            return (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
        }
        func body(_ object: Any) throws -> ByteBuffer { ByteBuffer(data: try JSONSerialization.data(withJSONObject: object)) }

        // The school year: the proposal as it is.
        let (_, yearBody) = try await call(.GET, "/schools/\(schoolID)/school-year", token, nil)
        var year = json(yearBody)
        year.removeValue(forKey: "configured"); year.removeValue(forKey: "bellsConfigured")
        let (saved, _) = try await call(.PUT, "/schools/\(schoolID)/school-year", token, try body(year))
        guard saved == 200 else { fail("saving the school year answered \(saved)") }
        let terms = (year["terms"] as? [[String: Any]]) ?? []
        // The school was made straight in the database, not by an approval: it gets the default
        // subjects and kinds of work an approved school starts with, through the API.
        for name in SubjectCatalog.defaults {
            let (status, _) = try await call(.POST, "/schools/\(schoolID)/subjects", token, try body(["name": name]))
            guard status == 201 || status == 409 else { fail("adding the subject \(name) answered \(status)") }
        }
        for kind in WorkKindCatalog.defaults {
            let (status, _) = try await call(.POST, "/schools/\(schoolID)/work-kinds", token, try body(["name": kind.name, "weight": kind.weight]))
            guard status == 201 || status == 409 else { fail("adding the kind of work \(kind.name) answered \(status)") }
        }
        let (_, subjectsBody) = try await call(.GET, "/schools/\(schoolID)/subjects", token, nil)
        let subjects = ((json(subjectsBody)["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        guard subjects.count >= 20 else { fail("the school has \(subjects.count) subjects") }

        // Each class's week, saved through the API (each save makes its lessons from today on).
        var saveTimes: [Double] = []
        for (ci, cls) in classes.enumerated() {
            var entries: [[String: Any]] = []
            for day in 1...5 {
                for period in 1...7 {
                    // At one time the 110 classes have 110 different teachers of the 250.
                    let teacher = staff[(ci + 110 * ((day + period) % 2)) % staff.count]
                    entries.append(["weekday": day, "period": period, "subjectId": period == 1 ? subjects[0] : subjects[1 + (ci + day * 7 + period) % 19],
                                    "teacherId": teacher.id!.uuidString, "room": "\(ci + 100)"])
                }
            }
            let t0 = Date()
            let (status, reply) = try await call(.PUT, "/classes/\(cls.id!)/timetable", token, try body(["entries": entries]))
            saveTimes.append(Date().timeIntervalSince(t0))
            guard status == 200 else { fail("timetable of \(cls.name) answered \(status): \(reply.map { String(buffer: $0) } ?? "")") }
        }
        saveTimes.sort()
        print(String(format: "timetables: %d classes × 35 lessons saved, each save (checks + lessons to the year's end) p50 %.0f ms, max %.0f ms",
                     classes.count, saveTimes[saveTimes.count / 2] * 1000, (saveTimes.last ?? 0) * 1000))

        // A whole term and one week made again from nothing.
        func regenerate(_ from: String, _ to: String) async throws -> (Double, Int) {
            try await sql.raw("DELETE FROM lessons WHERE school_id = \(bind: schoolID) AND date >= \(bind: from) AND date <= \(bind: to)").run()
            let t0 = Date()
            let (status, reply) = try await call(.POST, "/schools/\(schoolID)/lessons/generate", token, try body(["from": from, "to": to]))
            guard status == 200 else { fail("generate answered \(status)") }
            return (Date().timeIntervalSince(t0), json(reply)["created"] as? Int ?? 0)
        }
        let term = terms.count > 2 ? terms[2] : terms.last ?? [:]
        let (termSeconds, termLessons) = try await regenerate(term["startsOn"] as? String ?? "", term["endsOn"] as? String ?? "")
        print(String(format: "a term's lessons (%@ – %@): %d made in %.2f s — goal < 5 s: %@", term["startsOn"] as? String ?? "",
                     term["endsOn"] as? String ?? "", termLessons, termSeconds, termSeconds < 5 ? "PASS" : "FAIL"))
        allPass = allPass && termSeconds < 5 && termLessons > 0
        let monday = LocalDate(term["startsOn"] as? String ?? "")!.adding(days: 14).weekStart
        let (weekSeconds, weekLessons) = try await regenerate(monday.description, monday.adding(days: 6).description)
        print(String(format: "a week of the school: %d lessons made in %.2f s — goal < 1 s: %@", weekLessons, weekSeconds, weekSeconds < 1 ? "PASS" : "FAIL"))
        allPass = allPass && weekSeconds < 1 && weekLessons > 0
        let lessons = try await sql.raw("SELECT COUNT(*) AS n FROM lessons WHERE school_id = \(bind: schoolID)").first()?.decode(column: "n", as: Int.self) ?? 0
        print("lessons in the journal now: \(lessons)")

        // Parents' and students' weeks: sessions made directly (the roster's people have no passwords).
        // The import leaves them waiting for activation, and only active accounts are signed in: as if they had.
        try await sql.raw("UPDATE users SET status = \(bind: AccountStatus.active.rawValue) WHERE status = \(bind: AccountStatus.pending.rawValue)").run()
        let links = try await sql.raw("SELECT parent_id, child_id FROM family_links WHERE school_id = \(bind: schoolID) LIMIT 200").all()
            .map { (try $0.decode(column: "parent_id", as: UUID.self), try $0.decode(column: "child_id", as: UUID.self)) }
        let now = Date()
        // The roster's people have not activated their accounts: they are made active here.
        let people = Array(Set(links.flatMap { [$0.0, $0.1] }))
        try await sql.raw("UPDATE users SET status = 'active' WHERE id IN (\(binds: people))").run()
        var parentTokens: [(String, UUID)] = [], studentTokens: [String] = []
        for (i, (parent, child)) in links.enumerated() {
            for (user, isParent) in [(parent, true), (child, false)] where isParent || i < 100 {
                let token = Secrets.token()
                let s = SessionRecord()
                s.userID = user; s.tokenHash = Secrets.sha256Hex(token); s.createdAt = now; s.lastSeenAt = now
                s.expiresAt = now.addingTimeInterval(86_400); s.userAgent = "parta-bench"; s.ip = "127.0.0.1"
                try await s.create(on: app.db)
                if isParent { parentTokens.append((token, child)) } else { studentTokens.append(token) }
            }
        }
        let week = monday.description
        let send = self.call, perWorker = options.requests / options.concurrency, workers = options.concurrency
        let parents = parentTokens, students = studentTokens
        // 0: a parent's view of a child's week, 1: a student's own, 2: a parent's «Оценки» of the child.
        func diary(_ scenarios: [(String, Int)]) async throws -> Bool {
            var pass = true
            print("")
            print("scenario                      n     p50 ms   p95 ms   p99 ms   max ms   req/s   goal p95<100ms")
            for (name, kind) in scenarios {
                let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
                    for w in 0..<workers {
                        group.addTask {
                            var out: [Double] = []
                            for i in 0..<perWorker {
                                let path: String, token: String
                                if kind == 1 {
                                    token = students[(w * 7919 + i) % students.count]; path = "/me/schedule?from=\(week)"
                                } else {
                                    let (t, child) = parents[(w * 7919 + i) % parents.count]
                                    token = t
                                    path = kind == 0 ? "/me/schedule?from=\(week)&childId=\(child)" : "/me/grades?childId=\(child)&term=3"
                                }
                                let t0 = DispatchTime.now().uptimeNanoseconds
                                let (status, _) = try await send(.GET, path, token, nil)
                                guard status == 200 else { fail("\(name) answered \(status)") }
                                out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                            }
                            return out
                        }
                    }
                    var all: [Double] = []
                    for try await part in group { all += part }
                    return all.sorted()
                }
                func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)] }
                let p95 = pct(0.95)
                pass = pass && p95 < 100
                print(String(format: "%-28@ %5d %8.1f %8.1f %8.1f %8.1f %7@   %@", name as NSString, samples.count, pct(0.5), p95, pct(0.99),
                             samples.last ?? 0, "" as NSString, p95 < 100 ? "PASS" : "FAIL"))
            }
            return pass
        }
        allPass = try await diary([("a parent's diary week", 0), ("a student's week", 1)]) && allPass
        allPass = try await grades(terms: terms, denseSubject: subjects[0]) && allPass
        // Again with the term's million marks in place (the week of `monday` falls in it): the diary
        // reads the child's grades and absences, «Оценки» the term's grades by subject.
        allPass = try await diary([("diary week, a term of marks", 0), ("a parent's «Оценки», term 3", 2)]) && allPass
        allPass = try await calendarFeedsAndTimetableCSV() && allPass
        return allPass
    }
}
