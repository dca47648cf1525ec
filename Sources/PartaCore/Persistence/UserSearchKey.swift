import FluentKit
import Foundation

/// People are found by any part of their name, phone, email or login, regardless of case and of
/// «ё»/«е». SQLite's `lower()` knows only ASCII, so the folded text is stored (`users.search_key`)
/// and searched with a plain `LIKE`; this middleware keeps it in step on every save of a user.
public struct UserSearchKey: AsyncModelMiddleware {
    public typealias Model = UserRecord
    public init() {}

    public static func fold(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "ё", with: "е")
    }

    public static func make(_ user: UserRecord) -> String {
        let phoneDigits = user.phone.map { String($0.filter(\.isNumber)) }
        return fold([user.fullName, user.phone, phoneDigits, user.email, user.login].compactMap { $0 }.joined(separator: " "))
    }

    /// The `LIKE` pattern for what a person typed: folded, wildcards escaped; nil when blank.
    /// Phone numbers typed as «8 912…» or «+7 (912)…» match by their digits.
    public static func pattern(_ query: String) -> String? {
        var text = fold(query.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !text.isEmpty else { return nil }
        if let phone = Phone.normalize(text) { text = phone }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return "%" + escaped + "%"
    }

    public func create(model: UserRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchKey = Self.make(model)
        try await next.create(model, on: db)
    }

    public func update(model: UserRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchKey = Self.make(model)
        try await next.update(model, on: db)
    }
}
