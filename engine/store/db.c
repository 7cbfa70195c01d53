/*
 * SQLite and PostgreSQL behind engine/store/db.h.  SQLite: WAL journal (readers never
 * block the writer), a busy timeout (several processes may share the file), foreign keys,
 * and `strpos(a, b)` registered so that one SQL text runs on both engines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/db.h"
#include "util/error.h"
#include "util/mem.h"

#define DB_BUSY_TIMEOUT_MS 30000

struct imgb_db {
    imgb_db_kind kind;
    sqlite3 *lite;
    PGconn *pg;
};

imgb_db_kind imgb_db_kind_of(const imgb_db *db)
{
    return db->kind;
}

/* strpos(haystack, needle): PostgreSQL's name for SQLite's instr(). */
static void lite_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *h = (const char *)sqlite3_value_text(argv[0]);
    const char *n = (const char *)sqlite3_value_text(argv[1]);
    if (!h || !n) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *f = strstr(h, n);
    sqlite3_result_int64(ctx, f ? (sqlite3_int64)(f - h) + 1 : 0);
}

static bool is_pg_url(const char *where)
{
    return !strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11);
}

int imgb_db_open(imgb_db **out, const char *where)
{
    *out = NULL;
    imgb_db *db = imgb_xcalloc(1, sizeof *db);
    if (is_pg_url(where)) {
        db->kind = IMGB_DB_POSTGRES;
        db->pg = PQconnectdb(where);
        if (PQstatus(db->pg) != CONNECTION_OK) {
            /* libpq's message may span lines; keep the first (never the password). */
            char msg[256];
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(db->pg));
            msg[strcspn(msg, "\n")] = '\0';
            imgb_db_close(db);
            return imgb_error_set(IMGB_ERROR, "store: cannot connect to PostgreSQL: %s", msg);
        }
        PGresult *r = PQexec(db->pg, "SET client_min_messages = warning");
        PQclear(r);
    } else {
        db->kind = IMGB_DB_SQLITE;
        int rc = sqlite3_open_v2(where, &db->lite,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
            imgb_error_set(IMGB_ERROR, "store: cannot open %s: %s", where,
                           db->lite ? sqlite3_errmsg(db->lite) : sqlite3_errstr(rc));
            imgb_db_close(db);
            return IMGB_ERROR;
        }
        sqlite3_busy_timeout(db->lite, DB_BUSY_TIMEOUT_MS);
        sqlite3_create_function(db->lite, "strpos", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                NULL, lite_strpos, NULL, NULL);
        if (imgb_db_script(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                               "PRAGMA foreign_keys=ON;") < 0) {
            imgb_error_prefix("%s", where);
            imgb_db_close(db);
            return IMGB_EFORMAT;
        }
    }
    *out = db;
    return 0;
}

void imgb_db_close(imgb_db *db)
{
    if (!db)
        return;
    if (db->lite)
        sqlite3_close_v2(db->lite);
    if (db->pg)
        PQfinish(db->pg);
    free(db);
}

void imgb_db_rows_dispose(imgb_db_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

const char *imgb_db_cell(const imgb_db_rows *r, size_t row, size_t col)
{
    if (row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

long long imgb_db_int(const imgb_db_rows *r, size_t row, size_t col)
{
    const char *c = imgb_db_cell(r, row, col);
    return c ? strtoll(c, NULL, 10) : 0;
}

/* A canonical decimal integer ("0", "-12", no leading zeros, fits int64). */
static bool canonical_int(const char *s, long long *v)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p || (*p == '0' && p[1]) || strlen(p) > 18)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    errno = 0;
    *v = strtoll(s, NULL, 10);
    return errno == 0 && !(s[0] == '-' && *v == 0);
}

static int lite_query(imgb_db *db, const char *sql, const char *const *params, size_t n,
                      imgb_db_rows *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return imgb_error_set(IMGB_ERROR, "store: sqlite: %s", sqlite3_errmsg(db->lite));
    for (size_t i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof name, "$%zu", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (!idx)
            continue;
        long long v;
        if (!params[i])
            sqlite3_bind_null(st, idx);
        else if (canonical_int(params[i], &v))
            sqlite3_bind_int64(st, idx, v);
        else
            sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC);
    }
    size_t ncols = (size_t)sqlite3_column_count(st), cap = 0;
    imgb_db_rows rows = { 0, ncols, NULL };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!out)
            continue;
        if ((rows.nrows + 1) * ncols > cap) {
            cap = cap ? cap * 2 : ncols * 8;
            rows.cells = imgb_xrealloc(rows.cells, cap * sizeof *rows.cells);
        }
        for (size_t c = 0; c < ncols; c++) {
            const unsigned char *t = sqlite3_column_text(st, (int)c);
            rows.cells[rows.nrows * ncols + c] = t ? imgb_xstrdup((const char *)t) : NULL;
        }
        rows.nrows++;
    }
    if (rc != SQLITE_DONE) {
        imgb_error_set(IMGB_ERROR, "store: sqlite: %s", sqlite3_errmsg(db->lite));
        sqlite3_finalize(st);
        imgb_db_rows_dispose(&rows);
        return IMGB_ERROR;
    }
    sqlite3_finalize(st);
    if (out)
        *out = rows;
    return 0;
}

static int pg_query(imgb_db *db, const char *sql, const char *const *params, size_t n,
                    imgb_db_rows *out)
{
    PGresult *r = PQexecParams(db->pg, sql, (int)n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        int code = state && !strcmp(state, "40001") ? IMGB_EUSER : IMGB_ERROR;
        PQclear(r);
        return imgb_error_set(code, "store: postgresql: %s", msg);
    }
    if (out) {
        size_t nr = (size_t)PQntuples(r), nc = (size_t)PQnfields(r);
        imgb_db_rows rows = { nr, nc, imgb_xcalloc(nr * nc + 1, sizeof(char *)) };
        for (size_t i = 0; i < nr; i++)
            for (size_t c = 0; c < nc; c++)
                if (!PQgetisnull(r, (int)i, (int)c))
                    rows.cells[i * nc + c] = imgb_xstrdup(PQgetvalue(r, (int)i, (int)c));
        *out = rows;
    }
    PQclear(r);
    return 0;
}

int imgb_db_query(imgb_db *db, const char *sql, const char *const *params, size_t n,
                  imgb_db_rows *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    return db->kind == IMGB_DB_SQLITE ? lite_query(db, sql, params, n, out)
                                      : pg_query(db, sql, params, n, out);
}

int imgb_db_script(imgb_db *db, const char *sql)
{
    if (db->kind == IMGB_DB_SQLITE) {
        char *err = NULL;
        if (sqlite3_exec(db->lite, sql, NULL, NULL, &err) != SQLITE_OK) {
            imgb_error_set(IMGB_ERROR, "store: sqlite: %s", err ? err : "error");
            sqlite3_free(err);
            return IMGB_ERROR;
        }
        return 0;
    }
    PGresult *r = PQexec(db->pg, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        PQclear(r);
        return imgb_error_set(IMGB_ERROR, "store: postgresql: %s", msg);
    }
    PQclear(r);
    return 0;
}

int imgb_db_begin(imgb_db *db)
{
    return imgb_db_script(db, db->kind == IMGB_DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
}

int imgb_db_commit(imgb_db *db)
{
    return imgb_db_script(db, "COMMIT");
}

void imgb_db_rollback(imgb_db *db)
{
    /* Keep the error that made us roll back. */
    char saved[IMGB_ERROR_MAX];
    snprintf(saved, sizeof saved, "%s", imgb_error_last());
    (void)imgb_db_script(db, "ROLLBACK");
    imgb_error_set(IMGB_ERROR, "%s", saved);
}
