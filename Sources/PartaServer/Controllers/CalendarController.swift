import Foundation
import PartaCore
import Vapor

/// Calendar feeds (issue 14 item 4): a person's secret feed addresses, and the feed itself — an
/// iCalendar file behind a token, for calendar apps that know no sign-in.
struct CalendarController {
    func list(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(ItemsResponse(items: try await CalendarFeedService(req.parta.context).list(actor)))
    }

    func create(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        // No body (or `{}`): the feed of my own lessons.
        let hasBody = (req.body.data?.readableBytes ?? 0) > 0
        let body = hasBody ? try req.decodeStrict(CalendarFeedBody.self) : CalendarFeedBody(childId: nil)
        return try .json(try await CalendarFeedService(req.parta.context).create(actor, childID: body.childId), status: .created)
    }

    func revoke(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        try await CalendarFeedService(req.parta.context).revoke(actor, feedID: try req.id("feedId"))
        return .noContent()
    }

    /// `GET /api/v1/ical/<token>.ics`: no sign-in, the token is the key. The same lessons give the
    /// same bytes, so a calendar app that sends the entity tag back gets 304.
    func feed(_ req: Request) async throws -> Response {
        let document = try await CalendarFeedService(req.parta.context).document(token: req.parameters.get("token") ?? "")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: document.etag)
        // Private (the address is a secret), kept by the app and asked again with its tag.
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-cache")
        headers.replaceOrAdd(name: "X-Robots-Tag", value: "noindex, nofollow")
        if let match = req.headers.first(name: .ifNoneMatch),
           match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == document.etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers.replaceOrAdd(name: .contentType, value: "text/calendar; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"parta.ics\"")
        return Response(status: .ok, headers: headers, body: .init(string: document.text))
    }
}

struct CalendarFeedBody: StrictBody {
    static let allowedKeys: Set<String> = ["childId"]
    let childId: UUID?
}
