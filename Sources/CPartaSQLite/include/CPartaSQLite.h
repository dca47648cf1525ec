// The few SQLite C functions Parta's own write connection (PartaCore's SQLiteWriter) calls, and
// the SQL function `parta_stem` every connection has (shim.c, PartaCore's SQLiteFunctions).
//
// They are SQLiteNIO's copy of SQLite (its VaporCSQLite target, built with a `sqlite_nio_` prefix
// on every symbol), declared here because that target is not a product one may depend on. Using
// the same copy matters: two copies of SQLite in one process keep separate tables of POSIX locks
// on the same file and can corrupt it (https://www.sqlite.org/howtocorrupt.html, 2.2.1). The
// symbols are linked through the SQLiteNIO product that PartaCore depends on; sqlite-nio is pinned
// to an exact version in Package.swift, since these declarations must match its copy.
#ifndef C_PARTA_SQLITE_H
#define C_PARTA_SQLITE_H

#include <stdint.h>

typedef struct parta_sqlite3 parta_sqlite3;
typedef struct parta_sqlite3_stmt parta_sqlite3_stmt;

#define PARTA_SQLITE_OK 0
#define PARTA_SQLITE_ROW 100
#define PARTA_SQLITE_DONE 101
#define PARTA_SQLITE_INTEGER 1
#define PARTA_SQLITE_FLOAT 2
#define PARTA_SQLITE_TEXT 3
#define PARTA_SQLITE_BLOB 4
#define PARTA_SQLITE_NULL 5
#define PARTA_SQLITE_OPEN_READWRITE 0x00000002
#define PARTA_SQLITE_OPEN_CREATE 0x00000004
#define PARTA_SQLITE_OPEN_FULLMUTEX 0x00010000
#define PARTA_SQLITE_OPEN_EXRESCODE 0x02000000
#define PARTA_SQLITE_PREPARE_PERSISTENT 0x01

int sqlite_nio_sqlite3_open_v2(const char *filename, parta_sqlite3 **db, int flags, const char *vfs);
int sqlite_nio_sqlite3_close_v2(parta_sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(parta_sqlite3 *db, int ms);
int sqlite_nio_sqlite3_exec(parta_sqlite3 *db, const char *sql, void *callback, void *arg, char **errmsg);
const char *sqlite_nio_sqlite3_errmsg(parta_sqlite3 *db);
int sqlite_nio_sqlite3_extended_errcode(parta_sqlite3 *db);
int sqlite_nio_sqlite3_prepare_v3(parta_sqlite3 *db, const char *sql, int bytes, unsigned int flags,
                                  parta_sqlite3_stmt **statement, const char **tail);
int sqlite_nio_sqlite3_step(parta_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_reset(parta_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_clear_bindings(parta_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_finalize(parta_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_bind_null(parta_sqlite3_stmt *statement, int index);
int sqlite_nio_sqlite3_bind_int64(parta_sqlite3_stmt *statement, int index, int64_t value);
int sqlite_nio_sqlite3_bind_double(parta_sqlite3_stmt *statement, int index, double value);
int sqlite_nio_sqlite3_bind_text64(parta_sqlite3_stmt *statement, int index, const char *text, uint64_t bytes,
                                   void (*destructor)(void *), unsigned char encoding);
int sqlite_nio_sqlite3_column_count(parta_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_column_type(parta_sqlite3_stmt *statement, int column);
int64_t sqlite_nio_sqlite3_column_int64(parta_sqlite3_stmt *statement, int column);
double sqlite_nio_sqlite3_column_double(parta_sqlite3_stmt *statement, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(parta_sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_bytes(parta_sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_wal_checkpoint_v2(parta_sqlite3 *db, const char *schema, int mode, int *log, int *checkpointed);

/// Makes every SQLite connection opened from now on in this process (Fluent's, the writer's, any
/// other) have the deterministic SQL function `parta_stem(text)`, before any statement runs on it
/// (an automatic extension: sqlite3_auto_extension). `transform` computes its result from the
/// argument's UTF-8 bytes and hands it to `parta_sqlite_result_text`; NULL gives NULL. The first call
/// decides the transform; later calls change nothing. Returns an SQLite result code.
typedef struct parta_sqlite3_context parta_sqlite3_context;
typedef void (*parta_text_transform)(parta_sqlite3_context *context, const unsigned char *text, int bytes);
int parta_sqlite_install_stem(parta_text_transform transform);
/// The result of the function being run (`bytes` UTF-8 bytes, copied).
void parta_sqlite_result_text(parta_sqlite3_context *context, const char *text, int64_t bytes);

/// SQLITE_TRANSIENT: SQLite copies the bound text before the call returns.
static inline void (*parta_sqlite_transient(void))(void *) { return (void (*)(void *))-1; }

#endif
