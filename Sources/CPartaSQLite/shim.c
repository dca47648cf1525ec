// The declarations are in include/CPartaSQLite.h. Here: the SQL function `parta_stem`, registered
// as an automatic extension so that every connection of SQLiteNIO's copy of SQLite has it from the
// moment it is opened — before Fluent's pool or the writer can run a statement whose trigger calls it.
#include "CPartaSQLite.h"
#include <stddef.h>

typedef struct parta_sqlite3_value parta_sqlite3_value;

// From sqlite3.h (SQLiteNIO's copy, `sqlite_nio_` prefix), only what this file calls.
int sqlite_nio_sqlite3_create_function_v2(parta_sqlite3 *db, const char *name, int args, int flags, void *app,
                                          void (*function)(parta_sqlite3_context *, int, parta_sqlite3_value **),
                                          void (*step)(parta_sqlite3_context *, int, parta_sqlite3_value **),
                                          void (*final)(parta_sqlite3_context *), void (*destroy)(void *));
int sqlite_nio_sqlite3_auto_extension(void (*entry)(void));
int sqlite_nio_sqlite3_value_type(parta_sqlite3_value *value);
const unsigned char *sqlite_nio_sqlite3_value_text(parta_sqlite3_value *value);
int sqlite_nio_sqlite3_value_bytes(parta_sqlite3_value *value);
void sqlite_nio_sqlite3_result_null(parta_sqlite3_context *context);
void sqlite_nio_sqlite3_result_error_nomem(parta_sqlite3_context *context);
void sqlite_nio_sqlite3_result_text64(parta_sqlite3_context *context, const char *text, uint64_t bytes,
                                      void (*destructor)(void *), unsigned char encoding);

#define PARTA_SQLITE_UTF8 1
#define PARTA_SQLITE_DETERMINISTIC 0x000000800
#define PARTA_SQLITE_INNOCUOUS 0x000200000

// Set once, before the extension is registered (sqlite3_auto_extension takes SQLite's main mutex,
// and connections read it only after taking the same mutex).
static parta_text_transform stem_transform = NULL;

static void parta_stem(parta_sqlite3_context *context, int argc, parta_sqlite3_value **argv) {
    (void)argc;
    if (sqlite_nio_sqlite3_value_type(argv[0]) == PARTA_SQLITE_NULL) {
        sqlite_nio_sqlite3_result_null(context);
        return;
    }
    const unsigned char *text = sqlite_nio_sqlite3_value_text(argv[0]);
    if (text == NULL) {   // the only other reason for NULL: out of memory
        sqlite_nio_sqlite3_result_error_nomem(context);
        return;
    }
    stem_transform(context, text, sqlite_nio_sqlite3_value_bytes(argv[0]));
}

// The automatic extension's entry point: int (*)(sqlite3 *, const char **error, const sqlite3_api_routines *).
static int parta_functions_entry(parta_sqlite3 *db, const char **error, const void *api) {
    (void)error; (void)api;
    // Deterministic: the same text always gives the same terms (SQLite may reuse a result);
    // innocuous: no side effects, so triggers may call it even with trusted_schema=OFF.
    int rc = sqlite_nio_sqlite3_create_function_v2(db, "parta_stem", 1,
                                                   PARTA_SQLITE_UTF8 | PARTA_SQLITE_DETERMINISTIC | PARTA_SQLITE_INNOCUOUS,
                                                   NULL, parta_stem, NULL, NULL, NULL);
    // A 16 MB page cache per connection instead of SQLite's 2 MB: a school's journal is hundreds of
    // megabytes, and a grade sheet or a diary read with the small cache spent a tenth of its time
    // copying pages back from the kernel (`parta-bench journal`). The writer sets its own.
    if (rc == 0) sqlite_nio_sqlite3_exec(db, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
    return rc;
}

int parta_sqlite_install_stem(parta_text_transform transform) {
    if (stem_transform == NULL) stem_transform = transform;
    return sqlite_nio_sqlite3_auto_extension((void (*)(void))parta_functions_entry);
}

void parta_sqlite_result_text(parta_sqlite3_context *context, const char *text, int64_t bytes) {
    sqlite_nio_sqlite3_result_text64(context, bytes > 0 ? text : "", bytes > 0 ? (uint64_t)bytes : 0,
                                     parta_sqlite_transient(), PARTA_SQLITE_UTF8);
}
