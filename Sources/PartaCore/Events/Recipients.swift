import FluentKit
import Foundation

/// What a realtime client receives, and who: one function per event type decides it here, in the
/// core; the WebSocket gateway only delivers (`SocketHub`). Recipients are read from the database
/// when the event is delivered, after the commit, so a member removed a moment ago gets nothing.
public struct Recipients: Sendable {
    let ctx: PartaContext
    public init(_ ctx: PartaContext) { self.ctx = ctx }

    public enum Target: Sendable, Equatable {
        case users(Set<UUID>)
        /// Everyone of the school whose roles let them read the channel (system channels).
        case audience(schoolID: UUID, audience: ChannelAudience)
    }

    /// What goes over the socket, encoded once for all recipients.
    public struct Payload: Sendable, Codable, Equatable {
        public var type: String
        public var chatId: UUID?
        public var message: MessageView?
        public var userId: UUID?
    }

    public func delivery(for event: DomainEvent) async throws -> (Target, Payload)? {
        switch event {
        case let .messageCreated(chatID, seq):
            let db = ctx.store.db
            guard let message = try await MessageRecord.query(on: db).filter(\.$chatID == chatID).filter(\.$seq == seq).first() else { return nil }
            return try await chatDelivery(chatID, Payload(type: "message.created", chatId: chatID,
                                                          message: MessageService.views([message], on: db).first))
        case let .messageChanged(chatID, messageID):
            let db = ctx.store.db
            guard let message = try await MessageRecord.find(messageID, on: db) else { return nil }
            return try await chatDelivery(chatID, Payload(type: message.deletedAt == nil ? "message.edited" : "message.deleted",
                                                          chatId: chatID, message: MessageService.views([message], on: db).first))
        case let .chatMembershipChanged(chatID, userID):
            // The chat's members (and the person concerned, who may just have left) refresh the chat.
            guard var (target, payload) = try await chatDelivery(chatID, Payload(type: "chat.members", chatId: chatID, userId: userID))
            else { return nil }
            if case var .users(ids) = target { ids.insert(userID); target = .users(ids) }
            payload.userId = userID
            return (target, payload)
        case .sessionsRevoked, .schoolUpdated, .membershipChanged:
            return nil   // handled by the gateway itself (sockets closed)
        }
    }

    private func chatDelivery(_ chatID: UUID, _ payload: Payload) async throws -> (Target, Payload)? {
        let db = ctx.store.db
        guard let chat = try await ChatRecord.find(chatID, on: db) else { return nil }
        if let audience = chat.systemAudience.flatMap(ChannelAudience.init(rawValue:)) {
            return (.audience(schoolID: chat.schoolID, audience: audience), payload)
        }
        let members = try await ChatMemberRecord.query(on: db).filter(\.$chatID == chatID).all().map(\.userID)
        return (.users(Set(members)), payload)
    }
}
