import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// Append-only: never edit a migration that has shipped; add a new one. Each has a revert.
public enum PartaMigrations {
    public static let all: [any AsyncMigration] = [
        M001_Identity(),
        M002_Schools(),
        M003_Invites(),
        M004_Membership(),
        M005_Messages(),
        M006_ChatEvents(),
        M007_RosterChats(),
        M008_Attachments(),
        M009_Polls(),
        M010_MessageSearch(),
        M011_ChatInvites(),
        M012_PinnedMessagesIndex(),
        M013_ChatRemovals(),
        M014_ReportPrivacy(),
        M015_MessageStems(),
        M016_ChildNamedByParent(),
        M017_Journal(),
        M018_Homework(),
        M019_ImageThumbnails(),
        M020_ProfilePhotos(),
        M021_Grades(),
        M022_CalendarFeeds(),
        M023_ClassTeachersRoster(),
        M024_LessonMaterials(),
    ]
}

/// Plain indexes through SQLKit (Fluent's schema builder has no CREATE INDEX); the same SQL runs
/// on SQLite and PostgreSQL.
enum Index {
    static func create(_ name: String, on table: String, columns: [String], db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }

    /// A unique index over the rows matching `predicate` (a partial index: the same SQL on both databases).
    static func createUnique(_ name: String, on table: String, columns: [String], where predicate: String, db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("CREATE UNIQUE INDEX \(ident: name) ON \(ident: table) (\(unsafeRaw: columns.joined(separator: ", "))) WHERE \(unsafeRaw: predicate)").run()
    }
}
