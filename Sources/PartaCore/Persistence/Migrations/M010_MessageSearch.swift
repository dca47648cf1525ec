import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Full-text search of messages, «ё» read as «е» and case ignored: SQLite a contentless FTS5 table
/// of the folded text kept in step by triggers; PostgreSQL a GIN index on the `russian` tsvector of
/// the folded text (`MessageSearch.foldedSQL`, the same expression in queries).
struct M010_MessageSearch: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            let folded = { (row: String) in "replace(replace(\(row).text, 'ё', 'е'), 'Ё', 'Е')" }
            try await sql.raw("CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')").run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
                  INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, \(unsafeRaw: folded("new")));
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, \(unsafeRaw: folded("old")));
                END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
                  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, \(unsafeRaw: folded("old")));
                  INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, \(unsafeRaw: folded("new")));
                END
                """).run()
            try await sql.raw("INSERT INTO messages_fts(rowid, text) SELECT rowid, \(unsafeRaw: folded("messages")) FROM messages").run()
        } else {
            try await sql.raw("CREATE INDEX messages_fts_idx ON messages USING GIN (\(unsafeRaw: MessageSearch.foldedSQL))").run()
        }
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            for trigger in ["messages_fts_insert", "messages_fts_delete", "messages_fts_update"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
            }
            try await sql.raw("DROP TABLE IF EXISTS messages_fts").run()
        } else {
            try await sql.raw("DROP INDEX IF EXISTS messages_fts_idx").run()
        }
    }
}
