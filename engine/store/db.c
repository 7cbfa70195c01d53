/*
 * SQLite and PostgreSQL behind engine/store/db.h.  SQLite: WAL journal (readers never
 * block the writer), a busy timeout (several processes may share the file), foreign keys,
 * and `strpos(a, b)` registered so that one SQL text runs on both engines.  Neither library
 * is linked: each is loaded when the first store of its kind is opened (util/dynlib.h), so a
 * scan without a store does not carry libpq's krb5/LDAP/GnuTLS closure, and a host without
 * libpq fails only when a postgres:// store is asked for.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/db.h"
#include "util/dynlib.h"
#include "util/error.h"
#include "util/mem.h"

#define DB_BUSY_TIMEOUT_MS 30000

/* The libraries are loaded when the first store of their kind is opened (util/dynlib.h): a
 * scan without a store maps neither.  Members are the functions without their prefix. */
static struct lite_fns {
    __typeof__(sqlite3_bind_int64) *bind_int64;
    __typeof__(sqlite3_bind_null) *bind_null;
    __typeof__(sqlite3_bind_parameter_index) *bind_parameter_index;
    __typeof__(sqlite3_bind_text) *bind_text;
    __typeof__(sqlite3_busy_timeout) *busy_timeout;
    __typeof__(sqlite3_close_v2) *close_v2;
    __typeof__(sqlite3_column_count) *column_count;
    __typeof__(sqlite3_column_text) *column_text;
    __typeof__(sqlite3_create_function) *create_function;
    __typeof__(sqlite3_errmsg) *errmsg;
    __typeof__(sqlite3_errstr) *errstr;
    __typeof__(sqlite3_exec) *exec;
    __typeof__(sqlite3_finalize) *finalize;
    __typeof__(sqlite3_free) *free;
    __typeof__(sqlite3_open_v2) *open_v2;
    __typeof__(sqlite3_prepare_v2) *prepare_v2;
    __typeof__(sqlite3_result_int64) *result_int64;
    __typeof__(sqlite3_result_null) *result_null;
    __typeof__(sqlite3_step) *step;
    __typeof__(sqlite3_value_text) *value_text;
} lite_api;
static const imgb_dynsym lite_syms[] = {
    { "sqlite3_bind_int64", offsetof(struct lite_fns, bind_int64) },
    { "sqlite3_bind_null", offsetof(struct lite_fns, bind_null) },
    { "sqlite3_bind_parameter_index", offsetof(struct lite_fns, bind_parameter_index) },
    { "sqlite3_bind_text", offsetof(struct lite_fns, bind_text) },
    { "sqlite3_busy_timeout", offsetof(struct lite_fns, busy_timeout) },
    { "sqlite3_close_v2", offsetof(struct lite_fns, close_v2) },
    { "sqlite3_column_count", offsetof(struct lite_fns, column_count) },
    { "sqlite3_column_text", offsetof(struct lite_fns, column_text) },
    { "sqlite3_create_function", offsetof(struct lite_fns, create_function) },
    { "sqlite3_errmsg", offsetof(struct lite_fns, errmsg) },
    { "sqlite3_errstr", offsetof(struct lite_fns, errstr) },
    { "sqlite3_exec", offsetof(struct lite_fns, exec) },
    { "sqlite3_finalize", offsetof(struct lite_fns, finalize) },
    { "sqlite3_free", offsetof(struct lite_fns, free) },
    { "sqlite3_open_v2", offsetof(struct lite_fns, open_v2) },
    { "sqlite3_prepare_v2", offsetof(struct lite_fns, prepare_v2) },
    { "sqlite3_result_int64", offsetof(struct lite_fns, result_int64) },
    { "sqlite3_result_null", offsetof(struct lite_fns, result_null) },
    { "sqlite3_step", offsetof(struct lite_fns, step) },
    { "sqlite3_value_text", offsetof(struct lite_fns, value_text) },
};
static imgb_dynlib lite_lib = { .soname = "libsqlite3.so.0", .package = "libsqlite3-0",
                                .what = "a SQLite store", .syms = lite_syms,
                                .nsyms = sizeof lite_syms / sizeof *lite_syms, .table = &lite_api };

static struct pq_fns {
    __typeof__(PQclear) *clear;
    __typeof__(PQconnectdb) *connectdb;
    __typeof__(PQerrorMessage) *errorMessage;
    __typeof__(PQexec) *exec;
    __typeof__(PQexecParams) *execParams;
    __typeof__(PQfinish) *finish;
    __typeof__(PQgetisnull) *getisnull;
    __typeof__(PQgetvalue) *getvalue;
    __typeof__(PQnfields) *nfields;
    __typeof__(PQntuples) *ntuples;
    __typeof__(PQresultErrorField) *resultErrorField;
    __typeof__(PQresultErrorMessage) *resultErrorMessage;
    __typeof__(PQresultStatus) *resultStatus;
    __typeof__(PQstatus) *status;
} pq_api;
static const imgb_dynsym pq_syms[] = {
    { "PQclear", offsetof(struct pq_fns, clear) },
    { "PQconnectdb", offsetof(struct pq_fns, connectdb) },
    { "PQerrorMessage", offsetof(struct pq_fns, errorMessage) },
    { "PQexec", offsetof(struct pq_fns, exec) },
    { "PQexecParams", offsetof(struct pq_fns, execParams) },
    { "PQfinish", offsetof(struct pq_fns, finish) },
    { "PQgetisnull", offsetof(struct pq_fns, getisnull) },
    { "PQgetvalue", offsetof(struct pq_fns, getvalue) },
    { "PQnfields", offsetof(struct pq_fns, nfields) },
    { "PQntuples", offsetof(struct pq_fns, ntuples) },
    { "PQresultErrorField", offsetof(struct pq_fns, resultErrorField) },
    { "PQresultErrorMessage", offsetof(struct pq_fns, resultErrorMessage) },
    { "PQresultStatus", offsetof(struct pq_fns, resultStatus) },
    { "PQstatus", offsetof(struct pq_fns, status) },
};
static imgb_dynlib pq_lib = { .soname = "libpq.so.5", .package = "libpq5",
                              .what = "a postgres:// store", .syms = pq_syms,
                              .nsyms = sizeof pq_syms / sizeof *pq_syms, .table = &pq_api };

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
    const char *h = (const char *)lite_api.value_text(argv[0]);
    const char *n = (const char *)lite_api.value_text(argv[1]);
    if (!h || !n) {
        lite_api.result_null(ctx);
        return;
    }
    const char *f = strstr(h, n);
    lite_api.result_int64(ctx, f ? (sqlite3_int64)(f - h) + 1 : 0);
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
        if (imgb_dynlib_load(&pq_lib) < 0) {
            free(db);
            return IMGB_EUNSUPPORTED;
        }
        db->pg = pq_api.connectdb(where);
        if (pq_api.status(db->pg) != CONNECTION_OK) {
            /* libpq's message may span lines; keep the first (never the password). */
            char msg[256];
            snprintf(msg, sizeof msg, "%s", pq_api.errorMessage(db->pg));
            msg[strcspn(msg, "\n")] = '\0';
            imgb_db_close(db);
            return imgb_error_set(IMGB_ERROR, "store: cannot connect to PostgreSQL: %s", msg);
        }
        PGresult *r = pq_api.exec(db->pg, "SET client_min_messages = warning");
        pq_api.clear(r);
    } else {
        db->kind = IMGB_DB_SQLITE;
        if (imgb_dynlib_load(&lite_lib) < 0) {
            free(db);
            return IMGB_EUNSUPPORTED;
        }
        int rc = lite_api.open_v2(where, &db->lite,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
            imgb_error_set(IMGB_ERROR, "store: cannot open %s: %s", where,
                           db->lite ? lite_api.errmsg(db->lite) : lite_api.errstr(rc));
            imgb_db_close(db);
            return IMGB_ERROR;
        }
        lite_api.busy_timeout(db->lite, DB_BUSY_TIMEOUT_MS);
        lite_api.create_function(db->lite, "strpos", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
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
        lite_api.close_v2(db->lite);
    if (db->pg)
        pq_api.finish(db->pg);
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
    if (lite_api.prepare_v2(db->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return imgb_error_set(IMGB_ERROR, "store: sqlite: %s", lite_api.errmsg(db->lite));
    for (size_t i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof name, "$%zu", i + 1);
        int idx = lite_api.bind_parameter_index(st, name);
        if (!idx)
            continue;
        long long v;
        if (!params[i])
            lite_api.bind_null(st, idx);
        else if (canonical_int(params[i], &v))
            lite_api.bind_int64(st, idx, v);
        else
            lite_api.bind_text(st, idx, params[i], -1, SQLITE_STATIC);
    }
    size_t ncols = (size_t)lite_api.column_count(st), cap = 0;
    imgb_db_rows rows = { 0, ncols, NULL };
    int rc;
    while ((rc = lite_api.step(st)) == SQLITE_ROW) {
        if (!out)
            continue;
        if ((rows.nrows + 1) * ncols > cap) {
            cap = cap ? cap * 2 : ncols * 8;
            rows.cells = imgb_xrealloc(rows.cells, cap * sizeof *rows.cells);
        }
        for (size_t c = 0; c < ncols; c++) {
            const unsigned char *t = lite_api.column_text(st, (int)c);
            rows.cells[rows.nrows * ncols + c] = t ? imgb_xstrdup((const char *)t) : NULL;
        }
        rows.nrows++;
    }
    if (rc != SQLITE_DONE) {
        imgb_error_set(IMGB_ERROR, "store: sqlite: %s", lite_api.errmsg(db->lite));
        lite_api.finalize(st);
        imgb_db_rows_dispose(&rows);
        return IMGB_ERROR;
    }
    lite_api.finalize(st);
    if (out)
        *out = rows;
    return 0;
}

static int pg_query(imgb_db *db, const char *sql, const char *const *params, size_t n,
                    imgb_db_rows *out)
{
    PGresult *r = pq_api.execParams(db->pg, sql, (int)n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = pq_api.resultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", pq_api.resultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        const char *state = pq_api.resultErrorField(r, PG_DIAG_SQLSTATE);
        int code = state && !strcmp(state, "40001") ? IMGB_EUSER : IMGB_ERROR;
        pq_api.clear(r);
        return imgb_error_set(code, "store: postgresql: %s", msg);
    }
    if (out) {
        size_t nr = (size_t)pq_api.ntuples(r), nc = (size_t)pq_api.nfields(r);
        imgb_db_rows rows = { nr, nc, imgb_xcalloc(nr * nc + 1, sizeof(char *)) };
        for (size_t i = 0; i < nr; i++)
            for (size_t c = 0; c < nc; c++)
                if (!pq_api.getisnull(r, (int)i, (int)c))
                    rows.cells[i * nc + c] = imgb_xstrdup(pq_api.getvalue(r, (int)i, (int)c));
        *out = rows;
    }
    pq_api.clear(r);
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
        if (lite_api.exec(db->lite, sql, NULL, NULL, &err) != SQLITE_OK) {
            imgb_error_set(IMGB_ERROR, "store: sqlite: %s", err ? err : "error");
            lite_api.free(err);
            return IMGB_ERROR;
        }
        return 0;
    }
    PGresult *r = pq_api.exec(db->pg, sql);
    ExecStatusType s = pq_api.resultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", pq_api.resultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        pq_api.clear(r);
        return imgb_error_set(IMGB_ERROR, "store: postgresql: %s", msg);
    }
    pq_api.clear(r);
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
