import Foundation
import PartaCore
import Vapor

/// The timetable import from CSV (issue 14 item 3): a preview of every bad row, the import of all
/// rows or none, and the school's timetables as CSV (the template to fill).
struct TimetableImportController {
    func preview(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await TimetableImportService(req.parta.context).preview(actor, schoolID: try req.id("schoolId"), csv: try req.csvBody()))
    }

    func run(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let report = try await TimetableImportService(req.parta.context).run(actor, schoolID: try req.id("schoolId"), csv: try req.csvBody())
        return try .json(report, status: .created)
    }

    func export(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return .csv(try await TimetableImportService(req.parta.context).export(actor, schoolID: try req.id("schoolId")), fileName: "timetable.csv")
    }
}
