import Foundation

/// Events that services publish after their transaction commits. The realtime gateway subscribes
/// and only delivers; who receives what is decided by one function per event type (`Recipients`).
public enum DomainEvent: Sendable, Equatable {
    /// Sessions ended: signed out, revoked, or the whole account disabled (`sessionIDs` nil = all).
    case sessionsRevoked(userID: UUID, sessionIDs: [UUID]?)
    /// A school's profile changed.
    case schoolUpdated(schoolID: UUID)
    /// A person's roles or classes changed (joined, transferred, left, role changed): what they
    /// may see is different now, so their open sockets re-authenticate.
    case membershipChanged(userID: UUID)
    /// Something happened in a chat (a message, an edit, a reaction, a member joined…): numbered
    /// and stored in the chat's event log (`ChatEventLog`), delivered to the chat's readers.
    case chat(ChatEvent)
    /// A notice for particular people (e.g. a report for moderators): to their open sockets,
    /// `{"type","data"}`, not numbered nor kept (they find it in their queues anyway).
    case notice(userIDs: [UUID], type: String, data: String)
}

public protocol EventBus: Sendable {
    func publish(_ event: DomainEvent) async
    /// Events published in this process.
    func subscribe(_ handler: @escaping @Sendable (DomainEvent) async -> Void)
    /// Events published in this process and in the others sharing the database (delivery to
    /// sockets); one process only has its own.
    func subscribeToAllProcesses(_ handler: @escaping @Sendable (DomainEvent) async -> Void)
}

extension EventBus {
    public func subscribeToAllProcesses(_ handler: @escaping @Sendable (DomainEvent) async -> Void) { subscribe(handler) }
}

/// The single-process bus: delivers to every subscriber in order of subscription.
public final class InMemoryEventBus: EventBus, @unchecked Sendable {
    // @unchecked: `handlers` is guarded by `lock`.
    private let lock = NSLock()
    private var handlers: [@Sendable (DomainEvent) async -> Void] = []

    public init() {}

    public func publish(_ event: DomainEvent) async {
        let current = lock.withLock { handlers }
        for handler in current { await handler(event) }
    }

    public func subscribe(_ handler: @escaping @Sendable (DomainEvent) async -> Void) {
        lock.withLock { handlers.append(handler) }
    }
}
