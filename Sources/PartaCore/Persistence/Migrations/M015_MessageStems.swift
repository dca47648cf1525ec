import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// SQLite: messages are found by any form of their words («контрольную» finds «контрольная»). The
/// full-text table now holds each word's Russian stem (`MessageSearch.indexText`, through the SQL
/// function `parta_stem` that every connection has, `SQLiteFunctions`), written by the triggers in
/// the statement that writes the message; it is rebuilt here for the messages there are.
/// `contentless_delete=1` (SQLite 3.43): a row is deleted by its rowid alone, so deleting never has
/// to stem the old text again — a later change of the stemmer cannot leave stale terms behind.
/// PostgreSQL already stems (M010's `to_tsvector('russian', …)`): nothing to do.
struct M015_MessageStems: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await Self.dropSearch(sql)
        try await sql.raw("CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')").run()
        try await sql.raw("""
            CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
              INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, parta_stem(new.text));
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
              DELETE FROM messages_fts WHERE rowid = old.rowid;
            END
            """).run()
        try await sql.raw("""
            CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
              DELETE FROM messages_fts WHERE rowid = old.rowid;
              INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, parta_stem(new.text));
            END
            """).run()
        try await sql.raw("INSERT INTO messages_fts(rowid, text) SELECT rowid, parta_stem(text) FROM messages").run()
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await Self.dropSearch(sql)
        try await M010_MessageSearch().prepare(on: db)   // the folded words again, as before
    }

    private static func dropSearch(_ sql: any SQLDatabase) async throws {
        for trigger in ["messages_fts_insert", "messages_fts_delete", "messages_fts_update"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(ident: trigger)").run()
        }
        try await sql.raw("DROP TABLE IF EXISTS messages_fts").run()
    }
}
