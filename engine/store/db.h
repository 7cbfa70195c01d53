/*
 * The two SQL backends of the store behind one small interface: SQLite (a file, WAL) and
 * PostgreSQL (libpq, `postgresql://` or `postgres://` URLs).  Every statement is written
 * once with `$1`, `$2` placeholders, which both engines accept (SQLite binds them by name),
 * and parameters and results travel as text (NULL is SQL NULL); canonical integers are
 * bound as integers in SQLite so that LIMIT and arithmetic work there too.
 *
 * A handle is one connection and is not shared between threads.
 */
#ifndef IMGB_STORE_DB_H
#define IMGB_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>

typedef enum imgb_db_kind { IMGB_DB_SQLITE, IMGB_DB_POSTGRES } imgb_db_kind;

typedef struct imgb_db imgb_db;

/* A result set: nrows x ncols cells, row-major; a cell is NULL for SQL NULL. */
typedef struct imgb_db_rows {
    size_t nrows, ncols;
    char **cells;
} imgb_db_rows;

/** Open `where` (a file path or a postgresql:// URL).  @return 0 or IMGB_E* with a message. */
int imgb_db_open(imgb_db **out, const char *where);
void imgb_db_close(imgb_db *db);
imgb_db_kind imgb_db_kind_of(const imgb_db *db);

/** Run `sql` with `n` text parameters; rows (if `out`) are returned.  @return 0 or IMGB_E*. */
int imgb_db_query(imgb_db *db, const char *sql, const char *const *params, size_t n,
                  imgb_db_rows *out);
/** Run several statements without parameters (migrations). */
int imgb_db_script(imgb_db *db, const char *sql);
void imgb_db_rows_dispose(imgb_db_rows *r);
/** Cell (row, col) of `r`, or NULL. */
const char *imgb_db_cell(const imgb_db_rows *r, size_t row, size_t col);
/** Cell as an integer (0 for NULL). */
long long imgb_db_int(const imgb_db_rows *r, size_t row, size_t col);

/**
 * Transactions.  imgb_db_begin takes the write lock up front (SQLite BEGIN IMMEDIATE) so
 * that concurrent writers queue instead of failing midway.
 */
int imgb_db_begin(imgb_db *db);
int imgb_db_commit(imgb_db *db);
void imgb_db_rollback(imgb_db *db);

#endif
