// parta-bench journal, continued — issue 14 items 3 and 4 on the same school:
//
// - a student's iCalendar feed (goal < 200 ms): 50 students make their feeds through the API; each
//   is fetched once to warm up, then one at a time (`sequential`: what a calendar app's poll costs)
//   and by `--concurrency` workers at once (`--requests` fetches);
// - the timetable CSV: the school's 111 weeks exported, checked (preview) and loaded again
//   (the import replaces every class's week and brings a year's lessons in line), each timed.
import Foundation
import PartaCore
import PartaServer
import SQLKit
import Vapor

extension JournalBench {
    func calendarFeedsAndTimetableCSV() async throws -> Bool {
        let sql = app.db as! any SQLDatabase
        var allPass = true
        let client = app.client, base = self.base
        @Sendable func send(_ method: HTTPMethod, _ path: String, token: String?, body: ByteBuffer? = nil,
                            contentType: String = "application/json") async throws -> (UInt, ByteBuffer?) {
            var headers = HTTPHeaders()
            if let token { headers.bearerAuthorization = .init(token: token) }
            if body != nil { headers.replaceOrAdd(name: .contentType, value: contentType) }
            let response = try await client.send(method, headers: headers, to: URI(string: base + path)) { req in
                if let body { req.body = body }
            }
            return (response.status.code, response.body)
        }
        func json(_ buffer: ByteBuffer?) -> [String: Any] {
            guard let buffer else { return [:] }
            return (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
        }
        func pct(_ samples: [Double], _ p: Double) -> Double {
            samples.isEmpty ? 0 : samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)]
        }

        // Students with sessions made directly (the roster's people have no passwords), and their feeds.
        let students = try await sql.raw("SELECT DISTINCT child_id FROM family_links WHERE school_id = \(bind: schoolID) LIMIT 50").all()
            .map { try $0.decode(column: "child_id", as: UUID.self) }
        let now = Date()
        var feeds: [String] = []
        for student in students {
            let token = Secrets.token()
            let s = SessionRecord()
            s.userID = student; s.tokenHash = Secrets.sha256Hex(token); s.createdAt = now; s.lastSeenAt = now
            s.expiresAt = now.addingTimeInterval(86_400); s.userAgent = "parta-bench"; s.ip = "127.0.0.1"
            try await s.create(on: app.db)
            let (status, reply) = try await send(.POST, "/me/calendar-feeds", token: token, body: ByteBuffer(string: "{}"))
            guard status == 201, let url = json(reply)["url"] as? String, let range = url.range(of: "/api/v1") else {
                fail("making a calendar feed answered \(status)")
            }
            feeds.append(String(url[range.upperBound...]))
        }
        var sizes: [Int] = [], events: [Int] = []
        for path in feeds {
            let (status, reply) = try await send(.GET, path, token: nil)
            guard status == 200, let reply else { fail("a calendar feed answered \(status)") }
            sizes.append(reply.readableBytes)
            events.append(String(buffer: reply).components(separatedBy: "BEGIN:VEVENT").count - 1)
        }
        sizes.sort(); events.sort()
        print("")
        print(String(format: "a student's iCalendar feed: %d lessons (median; %d–%d), %.0f KB (median, before gzip)",
                     events[events.count / 2], events.first ?? 0, events.last ?? 0, Double(sizes[sizes.count / 2]) / 1024))

        print("scenario                      n     p50 ms   p95 ms   p99 ms   max ms   req/s   goal p95<200ms")
        // One at a time, then many at once.
        var one: [Double] = []
        for i in 0..<max(50, feeds.count) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (status, _) = try await send(.GET, feeds[i % feeds.count], token: nil)
            guard status == 200 else { fail("a calendar feed answered \(status)") }
            one.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        one.sort()
        let paths = feeds, workers = options.concurrency, perWorker = max(1, options.requests / options.concurrency)
        let started = DispatchTime.now().uptimeNanoseconds
        let many = try await withThrowingTaskGroup(of: [Double].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var out: [Double] = []
                    for i in 0..<perWorker {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let (status, _) = try await send(.GET, paths[(w * 7919 + i) % paths.count], token: nil)
                        guard status == 200 else { fail("a calendar feed answered \(status)") }
                        out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        for (name, samples, rate) in [("feed, one at a time", one, ""), ("feed, \(workers) at once", many, String(format: "%.0f", Double(many.count) / seconds))] {
            let p95 = pct(samples, 0.95)
            allPass = allPass && p95 < 200
            print(String(format: "%-28@ %5d %8.1f %8.1f %8.1f %8.1f %7@   %@", name as NSString, samples.count, pct(samples, 0.5), p95,
                         pct(samples, 0.99), samples.last ?? 0, rate as NSString, p95 < 200 ? "PASS" : "FAIL"))
        }

        // The whole school's timetable as CSV, out and back in.
        print("")
        var t0 = Date()
        let (exportStatus, exported) = try await send(.GET, "/schools/\(schoolID)/timetable.csv", token: token)
        let exportSeconds = Date().timeIntervalSince(t0)
        guard exportStatus == 200, let exported else { fail("the timetable export answered \(exportStatus)") }
        let rows = String(buffer: exported).components(separatedBy: "\r\n").count - 2
        t0 = Date()
        let (previewStatus, previewReply) = try await send(.POST, "/schools/\(schoolID)/timetable/preview", token: token, body: exported,
                                                           contentType: "text/csv")
        let previewSeconds = Date().timeIntervalSince(t0)
        let errors = (json(previewReply)["errors"] as? [Any])?.count ?? -1
        guard previewStatus == 200, errors == 0 else {
            fail("the timetable preview answered \(previewStatus) with \(errors) errors: \(previewReply.map { String(buffer: $0).prefix(500) } ?? "")")
        }
        t0 = Date()
        let (importStatus, importReply) = try await send(.POST, "/schools/\(schoolID)/timetable/import", token: token, body: exported,
                                                         contentType: "text/csv")
        let importSeconds = Date().timeIntervalSince(t0)
        guard importStatus == 201 else { fail("the timetable import answered \(importStatus)") }
        let generated = json(importReply)["lessonsGenerated"] as? [String: Any] ?? [:]
        print(String(format: "timetable CSV of %d lessons (%d classes): export %.2f s, preview %.2f s, import %.2f s (lessons to the year's end: %d made, %d changed, %d removed)",
                     rows, (json(importReply)["classes"] as? [Any])?.count ?? 0, exportSeconds, previewSeconds, importSeconds,
                     generated["created"] as? Int ?? -1, generated["updated"] as? Int ?? -1, generated["removed"] as? Int ?? -1))
        return allPass
    }
}
