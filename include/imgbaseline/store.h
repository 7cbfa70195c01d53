/*
 * imgbaseline store: the last stage of the pipeline.  A scan result is recorded into a
 * history (SQLite file, or PostgreSQL through a `postgresql://` URL) and the four cloud API
 * responses are answered from that history: over every image of a tenant and over time.
 *
 * History semantics (per tenant, per image asset = repository namespace/name:tag, or the
 * image id when the image has no reference):
 *   - FirstScanTime: the first scan of the asset in which the risk appeared (a baseline that
 *     never failed: its first scan); LastScanTime: the asset's latest scan.
 *   - A baseline's Status becomes 1 (fixed) when a later scan of the asset no longer fails it.
 *   - A build risk's Status (0 unhandled, 1 ignored, 2 false positive) starts from the ignore
 *     list at recording time, can be set with imgb_store_set_risk_status(), and is kept
 *     across rescans.
 *   - Retention keeps the last N scans (reports) per asset; the current state stays.
 * Each record also keeps the scan's HTML report page in zh and en, rendered when it is
 * recorded (imgb_store_page), so a service can hand over the document `scan --format html`
 * wrote without scanning again.
 * A record is one transaction: a process killed midway leaves nothing half visible.
 * Schema changes are versioned migrations applied on open (concurrent openers serialise).
 *
 * Handles are not shared between threads: open one per thread.
 */
#ifndef IMGBASELINE_STORE_H
#define IMGBASELINE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <imgbaseline/imgbaseline.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct imgb_store imgb_store;
typedef struct imgb_store_query imgb_store_query;

/** Who a recorded scan is of; NULL fields: from the image's own reference. */
typedef struct imgb_store_identity {
    const char *tenant;            /**< NULL: "default" */
    const char *repo_namespace;
    const char *repo_name;
    const char *tag;
    long retention;                /**< keep the last N scans per asset; <= 0: all */
} imgb_store_identity;

/** Open (creating and migrating) the store at `where`: a file path or a postgresql:// URL. */
IMGB_API int imgb_store_open(imgb_store **out, const char *where);
IMGB_API void imgb_store_close(imgb_store *s);
/** The schema version the store is at (the number of migrations applied). */
IMGB_API int imgb_store_schema_version(imgb_store *s);

/**
 * Record `res` in one transaction; build-risk statuses start from the ignore list of `req`
 * (may be NULL).  `scan_id` (may be NULL, else 33 bytes) receives the new scan's id.
 */
IMGB_API int imgb_store_record(imgb_store *s, const imgb_scan_result *res,
                      const imgb_store_identity *who, const imgb_report_request *req,
                      char scan_id[33]);

/**
 * As imgb_store_record, and in the same transaction mark job `job_id` done with the scan
 * and a summary, only while it is still `worker`'s running job (the scan child of a
 * worker).  @return 0, IMGB_EUSER when the job is no longer this worker's (nothing is
 * recorded), or IMGB_E*.
 */
IMGB_API int imgb_store_record_job(imgb_store *s, const imgb_scan_result *res,
                                   const imgb_store_identity *who,
                                   const imgb_report_request *req, const char *job_id,
                                   const char *worker, char scan_id[33]);

/**
 * Render the API format `format` for `tenant` from the history, with the request
 * parameters of `req`: the same bytes as imgb_store_answer().  `*out` is freed with
 * imgb_free().  @return 0, IMGB_ENOTFOUND (not an API format) or IMGB_E*.
 */
IMGB_API int imgb_store_report(imgb_store *s, const char *tenant, const char *format,
                      const imgb_report_request *req, char **out, size_t *len);

/** A request to one of the API formats ("aliyun-baseline-check-result", ...). */
IMGB_API int imgb_store_query_new(imgb_store_query **out, const char *format);
/**
 * Set a request parameter by its snake-case name ("page_size", "image_type", ...), from its
 * string form, with the documented range check.  @return 0, IMGB_ENOTFOUND (unknown name)
 * or IMGB_EINVAL (message states the documented range).
 */
IMGB_API int imgb_store_query_set(imgb_store_query *q, const char *name, const char *value);
IMGB_API void imgb_store_query_free(imgb_store_query *q);

/**
 * Answer `q` for `tenant` from the history: the response body (JSON, NUL-terminated,
 * free with free()).  `request_id` is the response's RequestId (Alibaba formats; NULL:
 * a new random one).
 * @return 0, IMGB_EINVAL (a parameter the format needs is missing or invalid), or IMGB_E*.
 */
IMGB_API int imgb_store_answer(imgb_store *s, const char *tenant, const imgb_store_query *q,
                      const char *request_id, char **body, size_t *len);

/**
 * The HTML report page of recorded scan `id` of `tenant` in `lang`: the bytes
 * `scan --format html --lang LANG` wrote for that scan (the same ignore list and filters),
 * rendered and kept when the scan was recorded.  `id` is a scan id (imgb_store_record) or
 * the id of a done scan job of the tenant.  `*html` (NUL-terminated, `*len` bytes; `len`
 * may be NULL) and `*csp` (may be NULL: the Content-Security-Policy the page needs, for a
 * server's response header) are freed with imgb_free().
 * @return 0; IMGB_ENOTFOUND when the tenant has no such scan (another tenant's is not
 *         told apart), the job is not done, or the scan was recorded before pages were
 *         kept (the message says which); IMGB_EINVAL for a bad `lang`; or IMGB_E*.
 */
IMGB_API int imgb_store_page(imgb_store *s, const char *tenant, const char *id, imgb_lang lang,
                             char **html, size_t *len, char **csp);

/** Wall-clock time in ms since the epoch (the store's clock for times and leases). */
IMGB_API int64_t imgb_store_now_ms(void);

/** A new random request id (UUID, upper case, as the vendors' examples). */
IMGB_API void imgb_store_request_id(char out[37]);

/**
 * Set the handling status (0 unhandled, 1 ignored, 2 false positive) of build risk
 * `risk_key` on every asset of `tenant` whose image id starts with `image_uuid` (at least
 * 12 hex digits).  @return the number of risks changed (>= 0) or IMGB_E*.
 */
IMGB_API int imgb_store_set_risk_status(imgb_store *s, const char *tenant, const char *image_uuid,
                               const char *risk_key, int status);

/**
 * Remember a request nonce of `access_key` until `expires_ms`.
 * @return 1 when it was new, 0 when already used, or IMGB_E*.  Expired nonces are dropped.
 */
IMGB_API int imgb_store_nonce_use(imgb_store *s, const char *access_key, const char *nonce,
                         int64_t now_ms, int64_t expires_ms);

/*
 * The scan job queue, shared by every `serve` and `worker` on the same store.  A worker
 * claims the oldest queued job, or a running one whose lease has expired (its worker died),
 * with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (BEGIN IMMEDIATE on SQLite), and
 * keeps the lease alive while it scans.  The scan's record and the job's completion are one
 * transaction that only succeeds while the job is still this worker's: a job is recorded
 * exactly once even when a worker is killed midway and the job is retried.
 */
#define IMGB_JOB_MAX_ATTEMPTS 3

typedef struct imgb_job {
    char id[33];
    char *tenant;
    char *path;               /* archive or OCI layout to scan */
    int remove_after;         /* 1: an uploaded file, removed when the job ends */
    char *repo_namespace, *repo_name, *tag; /* identity overrides (NULL: from the image) */
    int attempts;
} imgb_job;

/** Queue a scan of `path` for `tenant`.  `id` receives the job id. */
IMGB_API int imgb_store_job_submit(imgb_store *s, const char *tenant, const char *path, int remove_after,
                          char id[33]);
/**
 * Claim a job for `worker` with a lease of `lease_ms`.  @return 1 (job filled; dispose with
 * imgb_job_dispose), 0 (nothing to do) or IMGB_E*.  Jobs whose lease expired after
 * IMGB_JOB_MAX_ATTEMPTS attempts are failed instead of retried.
 */
IMGB_API int imgb_store_job_claim(imgb_store *s, const char *worker, int64_t lease_ms, imgb_job *job);
/** Extend the lease.  @return 1 while the job is still this worker's, 0 if lost, IMGB_E*. */
IMGB_API int imgb_store_job_renew(imgb_store *s, const char *id, const char *worker, int64_t lease_ms);
/** Fail the job with a one-line `error` (only while it is this worker's). @return 1/0/IMGB_E*. */
IMGB_API int imgb_store_job_fail(imgb_store *s, const char *id, const char *worker, const char *error);
/**
 * The job as JSON {"id","state","attempts","created","started","finished","scan_id",
 * "summary"|"error"} if it belongs to `tenant` (malloc'd), else NULL with IMGB_ENOTFOUND.
 */
IMGB_API int imgb_store_job_json(imgb_store *s, const char *tenant, const char *id, char **json);
IMGB_API void imgb_job_dispose(imgb_job *job);

#ifdef __cplusplus
}
#endif

#endif
