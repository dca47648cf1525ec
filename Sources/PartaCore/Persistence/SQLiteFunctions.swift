import CPartaSQLite

/// The SQL functions Parta's SQLite database needs on every connection: `parta_stem(text)`, the
/// text of a message as the full-text table holds it (`MessageSearch.indexText`), which the
/// triggers on `messages` call (M015). Installed once per process as an automatic extension of
/// SQLiteNIO's copy of SQLite, so each connection opened afterwards — Fluent's pool, the
/// `SQLiteWriter`'s two, any other — has it from the moment it is open: no statement can fire a
/// trigger on a connection without it. (A connection that lacked it, such as the `sqlite3` shell,
/// fails with "no such function: parta_stem" on writing a message's text: it can never write a
/// message without its index entry. Deleting needs no function.)
public enum SQLiteFunctions {
    /// Call before opening any SQLite connection (`configure` does, and `SQLiteWriter` again).
    public static func install() throws {
        guard installed == PARTA_SQLITE_OK else {
            throw SQLiteWriteError(code: installed, message: "cannot register the SQL function parta_stem")
        }
    }

    private static let installed: Int32 = parta_sqlite_install_stem { context, text, bytes in
        var out: [UInt8] = []
        MessageSearch.indexText(utf8: UnsafeBufferPointer(start: text, count: Int(bytes)), into: &out)
        out.withUnsafeBufferPointer { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { parta_sqlite_result_text(context, $0.baseAddress, Int64($0.count)) }
        }
    }
}
