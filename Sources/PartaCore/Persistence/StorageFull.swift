import Foundation
import SQLiteNIO

/// Recognises "the disk is full" among storage errors, whichever layer reports it: our file store
/// (ENOSPC/EDQUOT → `PartaError.insufficientStorage`), SQLite through SQLiteNIO or our own writer
/// (SQLITE_FULL, "database or disk is full"), POSIX errors from Foundation. PostgreSQL's `53100
/// disk_full` is recognised by the transport, which knows its driver (`PartaErrorMiddleware`).
/// The failed write was rolled back (a transaction) or removed (a file), so nothing half-written stays.
public enum StorageFull {
    public static func matches(_ error: any Error) -> Bool {
        switch error {
        case let e as PartaError: return e.kind == .insufficientStorage
        case let e as SQLiteError: return e.reason == .full
        case let e as SQLiteWriteError: return e.code & 0xFF == 13   // SQLITE_FULL and its extended codes
        default:
            let ns = error as NSError
            if ns.domain == NSPOSIXErrorDomain { return ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT) }
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error { return matches(underlying) }
            return false
        }
    }
}
