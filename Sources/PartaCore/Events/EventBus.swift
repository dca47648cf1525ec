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

/// The single-process bus: delivers to every subscriber in order of subscription. A chat's events
/// go out in the order of their numbers (`ChatEventOrder`).
public final class InMemoryEventBus: EventBus, @unchecked Sendable {
    // @unchecked: `handlers` is guarded by `lock`.
    private let lock = NSLock()
    private var handlers: [@Sendable (DomainEvent) async -> Void] = []
    private let order = ChatEventOrder()

    public init() {}

    public func publish(_ event: DomainEvent) async {
        let current = lock.withLock { handlers }
        guard case let .chat(chatEvent) = event else {
            for handler in current { await handler(event) }
            return
        }
        await order.inTurn(chatEvent.chatID, seq: chatEvent.seq) {
            for handler in current { await handler(event) }
        }
    }

    public func subscribe(_ handler: @escaping @Sendable (DomainEvent) async -> Void) {
        lock.withLock { handlers.append(handler) }
    }
}

/// Publishes a chat's events in the order of their numbers. Two requests that commit events 9 and
/// 10 of a chat one after the other may reach `publish` the other way round (each publishes after
/// its own commit, on whichever thread is free); event 10 published first sends every socket of
/// the chat to the log to catch up. So an event waits for its predecessor's publication — at most
/// `patience` (the predecessor may belong to another process, or to a request that died between
/// its commit and its publication); nothing waits for an event already passed.
final class ChatEventOrder: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    struct Chat {
        var last: Int
        var touched: Date
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let lock = NSLock()
    private var chats: [UUID: Chat] = [:]
    private var lastSweep = Date()
    let patience: UInt64

    init(patienceMilliseconds: UInt64 = 50) { patience = patienceMilliseconds * 1_000_000 }

    func inTurn(_ chatID: UUID, seq: Int, _ body: () async -> Void) async {
        await waitTurn(chatID, seq)
        await body()
        published(chatID, seq)
    }

    private func waitTurn(_ chatID: UUID, _ seq: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = Date()
            let wait = lock.withLock { () -> Bool in
                sweep(now)
                guard var chat = chats[chatID], chat.last < seq - 1, chat.waiting[seq] == nil else { return false }
                chat.waiting[seq] = c
                chat.touched = now
                chats[chatID] = chat
                return true
            }
            guard wait else { c.resume(); return }
            let patience = patience
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: patience)
                guard let self else { return }
                // Whoever takes it out of `waiting` (this timer or `published`) resumes it, once.
                let late = self.lock.withLock { self.chats[chatID]?.waiting.removeValue(forKey: seq) }
                late?.resume()
            }
        }
    }

    private func published(_ chatID: UUID, _ seq: Int) {
        let next = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            var chat = chats[chatID] ?? Chat(last: seq, touched: Date())
            chat.last = max(chat.last, seq)
            chat.touched = Date()
            let next = chat.waiting.removeValue(forKey: chat.last + 1)
            chats[chatID] = chat
            return next
        }
        next?.resume()
    }

    /// Chats quiet for ten minutes are forgotten (their next event does not wait).
    private func sweep(_ now: Date) {
        guard now.timeIntervalSince(lastSweep) > 600 else { return }
        lastSweep = now
        chats = chats.filter { now.timeIntervalSince($0.value.touched) < 600 || !$0.value.waiting.isEmpty }
    }
}
