import Foundation
import SQLKit

/// Reads ids from SQLKit rows without Foundation's slow path: SQLite keeps a UUID as its text,
/// which `decode(as: UUID.self)` parses with `sscanf` on Linux (a grade sheet reads two thousand
/// of them); PostgreSQL's are native and decoded as they are.
struct RowIDs: Sendable {
    let text: Bool
    init(_ db: any SQLDatabase) { text = db.dialect.name == "sqlite" }

    func id(_ row: any SQLRow, _ column: String) throws -> UUID {
        if text, let id = UUID(text: try row.decode(column: column, as: String.self)) { return id }
        return try row.decode(column: column, as: UUID.self)
    }

    func optionalID(_ row: any SQLRow, _ column: String) throws -> UUID? {
        if text {
            guard let s = try row.decode(column: column, as: String?.self) else { return nil }
            if let id = UUID(text: s) { return id }
        }
        return try row.decode(column: column, as: UUID?.self)
    }
}
