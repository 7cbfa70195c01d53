/*
 * The scan job queue (include/imgbaseline/store.h).  PostgreSQL does the coordination:
 * claims take the row with FOR UPDATE SKIP LOCKED so concurrent workers never wait on or
 * take the same job; SQLite has no row locks, and BEGIN IMMEDIATE serialises the claim.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "store/store.h"
#include "util/error.h"
#include "util/mem.h"

static char *lld(long long v)
{
    return imgb_xasprintf("%lld", v);
}

int imgb_store_job_submit(imgb_store *s, const char *tenant, const char *path, int remove_after,
                          char id[33])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(id + 2 * i, 3, "%02x", b[i]);
    char *now = lld(imgb_store_now_ms());
    const char *pv[] = { id, tenant, path, remove_after ? "1" : "0", now };
    int rc = imgb_db_query(imgb_store_db(s), "INSERT INTO jobs (id, tenant, state, path,"
                           " remove_after, created_ms, attempts) VALUES ($1, $2, 'queued', $3,"
                           " $4, $5, 0)", pv, 5, NULL);
    free(now);
    return rc;
}

int imgb_store_job_claim(imgb_store *s, const char *worker, int64_t lease_ms, imgb_job *job)
{
    imgb_db *db = imgb_store_db(s);
    memset(job, 0, sizeof *job);
    int64_t t = imgb_store_now_ms();
    char *now = lld(t), *until = lld(t + lease_ms), *maxa = lld(IMGB_JOB_MAX_ATTEMPTS);
    bool pg = imgb_db_kind_of(db) == IMGB_DB_POSTGRES;
    int rc = imgb_db_begin(db);
    imgb_db_rows r = { 0 };
    if (rc == 0) {
        /* A job that lost its worker IMGB_JOB_MAX_ATTEMPTS times fails for good. */
        const char *pf[] = { now, maxa };
        rc = imgb_db_query(db, "UPDATE jobs SET state = 'failed', finished_ms = $1,"
                           " error = 'the scan was interrupted on every attempt (worker lost)',"
                           " lease_until_ms = NULL WHERE state = 'running' AND lease_until_ms < $1"
                           " AND attempts >= $2", pf, 2, NULL);
    }
    if (rc == 0) {
        const char *pv[] = { worker, now, until, maxa };
        rc = imgb_db_query(db, pg
            ? "UPDATE jobs SET state = 'running', worker = $1, started_ms = $2,"
              " lease_until_ms = $3, attempts = attempts + 1 WHERE id = (SELECT id FROM jobs"
              " WHERE state = 'queued' OR (state = 'running' AND lease_until_ms < $2 AND"
              " attempts < $4) ORDER BY created_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
              " RETURNING id, tenant, path, remove_after, repo_namespace, repo_name, tag, attempts"
            : "UPDATE jobs SET state = 'running', worker = $1, started_ms = $2,"
              " lease_until_ms = $3, attempts = attempts + 1 WHERE id = (SELECT id FROM jobs"
              " WHERE state = 'queued' OR (state = 'running' AND lease_until_ms < $2 AND"
              " attempts < $4) ORDER BY created_ms, id LIMIT 1)"
              " RETURNING id, tenant, path, remove_after, repo_namespace, repo_name, tag, attempts",
            pv, 4, &r);
    }
    if (rc == 0)
        rc = imgb_db_commit(db);
    else
        imgb_db_rollback(db);
    int claimed = 0;
    if (rc == 0 && r.nrows == 1) {
        snprintf(job->id, sizeof job->id, "%s", imgb_db_cell(&r, 0, 0));
        job->tenant = imgb_xstrdup(imgb_db_cell(&r, 0, 1));
        job->path = imgb_xstrdup(imgb_db_cell(&r, 0, 2));
        job->remove_after = (int)imgb_db_int(&r, 0, 3);
        const char *c;
        job->repo_namespace = (c = imgb_db_cell(&r, 0, 4)) ? imgb_xstrdup(c) : NULL;
        job->repo_name = (c = imgb_db_cell(&r, 0, 5)) ? imgb_xstrdup(c) : NULL;
        job->tag = (c = imgb_db_cell(&r, 0, 6)) ? imgb_xstrdup(c) : NULL;
        job->attempts = (int)imgb_db_int(&r, 0, 7);
        claimed = 1;
    }
    imgb_db_rows_dispose(&r);
    free(now);
    free(until);
    free(maxa);
    return rc < 0 ? rc : claimed;
}

int imgb_store_job_renew(imgb_store *s, const char *id, const char *worker, int64_t lease_ms)
{
    char *until = lld(imgb_store_now_ms() + lease_ms);
    const char *pv[] = { id, worker, until };
    imgb_db_rows r;
    int rc = imgb_db_query(imgb_store_db(s), "UPDATE jobs SET lease_until_ms = $3 WHERE id = $1"
                           " AND worker = $2 AND state = 'running' RETURNING id", pv, 3, &r);
    int mine = rc < 0 ? rc : r.nrows == 1;
    imgb_db_rows_dispose(&r);
    free(until);
    return mine;
}

int imgb_store_job_fail(imgb_store *s, const char *id, const char *worker, const char *error)
{
    char *now = lld(imgb_store_now_ms());
    const char *pv[] = { id, worker, now, error };
    imgb_db_rows r;
    int rc = imgb_db_query(imgb_store_db(s), "UPDATE jobs SET state = 'failed', finished_ms = $3,"
                           " error = $4, lease_until_ms = NULL WHERE id = $1 AND worker = $2 AND"
                           " state = 'running' RETURNING id", pv, 4, &r);
    int mine = rc < 0 ? rc : r.nrows == 1;
    imgb_db_rows_dispose(&r);
    free(now);
    return mine;
}

int imgb_store_job_json(imgb_store *s, const char *tenant, const char *id, char **json)
{
    *json = NULL;
    const char *pv[] = { id, tenant };
    imgb_db_rows r;
    int rc = imgb_db_query(imgb_store_db(s), "SELECT id, state, attempts, created_ms, started_ms,"
                           " finished_ms, scan_id, summary, error FROM jobs WHERE id = $1 AND"
                           " tenant = $2", pv, 2, &r);
    if (rc < 0)
        return rc;
    if (r.nrows != 1) {
        imgb_db_rows_dispose(&r);
        return imgb_error_set(IMGB_ENOTFOUND, "no scan job '%.64s'", id);
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(imgb_db_cell(&r, 0, 0)));
    json_object_set_new(o, "state", json_string(imgb_db_cell(&r, 0, 1)));
    json_object_set_new(o, "attempts", json_integer(imgb_db_int(&r, 0, 2)));
    static const char *const times[] = { "created", "started", "finished" };
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(o, times[i], imgb_db_cell(&r, 0, 3 + i)
                                         ? json_integer(imgb_db_int(&r, 0, 3 + i)) : json_null());
    const char *scan = imgb_db_cell(&r, 0, 6), *summary = imgb_db_cell(&r, 0, 7);
    const char *error = imgb_db_cell(&r, 0, 8);
    json_object_set_new(o, "scan_id", scan ? json_string(scan) : json_null());
    json_t *sj = summary ? json_loads(summary, 0, NULL) : NULL;
    json_object_set_new(o, "summary", sj ? sj : json_null());
    json_object_set_new(o, "error", error ? json_string(error) : json_null());
    *json = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    imgb_db_rows_dispose(&r);
    return 0;
}

void imgb_job_dispose(imgb_job *job)
{
    free(job->tenant);
    free(job->path);
    free(job->repo_namespace);
    free(job->repo_name);
    free(job->tag);
    memset(job, 0, sizeof *job);
}
