import Foundation
import PartaCore
import Vapor

/// Polls in a chat: making one, voting, closing it.
struct PollController {
    func createPoll(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(PollBody.self)
        return try .json(try await PollService(req.parta.context).create(actor, chatID: try req.id("chatId"), question: body.question,
                                                                       options: body.options, multiple: body.multiple ?? false,
                                                                       anonymous: body.anonymous ?? false), status: .created)
    }

    func vote(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        let body = try req.decodeStrict(VoteBody.self)
        return try .json(try await PollService(req.parta.context).vote(actor, pollID: try req.id("pollId"), options: body.options))
    }

    func closePoll(_ req: Request) async throws -> Response {
        let actor = try await req.actor()
        return try .json(try await PollService(req.parta.context).close(actor, pollID: try req.id("pollId")))
    }
}

struct PollBody: StrictBody {
    static let allowedKeys: Set<String> = ["question", "options", "multiple", "anonymous"]
    let question: String
    let options: [String]
    let multiple: Bool?
    let anonymous: Bool?
}

struct VoteBody: StrictBody {
    static let allowedKeys: Set<String> = ["options"]
    let options: [Int]
}
