/*
 * The store: schema and migrations, recording a scan, and answering the four cloud API
 * formats from the history with the emitters of engine/report/rows.h (the same code that
 * renders one scan), so the shapes live in one place.
 *
 * Tables (per tenant; an asset is "namespace/name:tag" or "@<image id>"):
 *   assets        current state of every asset: identity, first/last scan, statistic counts
 *   tenant_stats  the statistic summed over a tenant's assets, the number of risk-config
 *                 rows and of images with failed build risks, kept in the record
 *                 transaction: the unfiltered answers do not grow with the images
 *   scans         one row per recorded scan with its native JSON report (every item,
 *                 verdict and evidence) and its HTML report page in both languages (the
 *                 bytes `scan --format html` writes, zstd-compressed, with the page's
 *                 Content-Security-Policy); retention trims it per asset
 *   baselines     DescribeImageBaselineCheckResult rows with their history (first failure,
 *                 fixed status)
 *   hw_rows       ListImageRiskConfigs rows of the latest scan
 *   build_risks   failed build risks with their handling status (kept across rescans)
 *   nonces        used request nonces (Alibaba V1 SignatureNonce), shared by every server
 *   jobs          the scan job queue (engine/store/jobs.c)
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zstd.h>

#include "report/native.h"
#include "report/rows.h"
#include "store/store.h"
#include "util/error.h"
#include "util/mem.h"

struct imgb_store {
    imgb_db *db;
    int version;
};

struct imgb_store_query {
    const imgb_report_format *fmt;
    imgb_report_params p;
};

/* ---- migrations ---------------------------------------------------------------------- */

/* Append-only: a released migration never changes; a new schema is a new row. */
static const char *const migrations[] = {
    /* 1: history */
    "CREATE TABLE assets (tenant TEXT NOT NULL, asset TEXT NOT NULL, namespace TEXT NOT NULL,"
    " name TEXT NOT NULL, tag TEXT NOT NULL, image_id TEXT NOT NULL, digest TEXT NOT NULL,"
    " first_scan_ms BIGINT NOT NULL, last_scan_ms BIGINT NOT NULL, last_scan_id TEXT NOT NULL,"
    " weak BIGINT NOT NULL, policy BIGINT NOT NULL, checks BIGINT NOT NULL,"
    " PRIMARY KEY (tenant, asset));"
    "CREATE INDEX assets_image ON assets (tenant, image_id);"
    "CREATE INDEX assets_last ON assets (tenant, last_scan_ms);"
    "CREATE TABLE tenant_stats (tenant TEXT PRIMARY KEY, weak BIGINT NOT NULL,"
    " policy BIGINT NOT NULL, checks BIGINT NOT NULL);"
    "CREATE TABLE scans (tenant TEXT NOT NULL, scan_id TEXT NOT NULL, asset TEXT NOT NULL,"
    " image_id TEXT NOT NULL, started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL,"
    " report TEXT NOT NULL, PRIMARY KEY (tenant, scan_id));"
    "CREATE INDEX scans_asset ON scans (tenant, asset, finished_ms);"
    "CREATE TABLE baselines (tenant TEXT NOT NULL, asset TEXT NOT NULL,"
    " baseline_key TEXT NOT NULL, ord INTEGER NOT NULL, alias_zh TEXT, alias_en TEXT,"
    " class_key TEXT, class_alias_zh TEXT, class_alias_en TEXT, status INTEGER NOT NULL,"
    " high BIGINT NOT NULL, middle BIGINT NOT NULL, low BIGINT NOT NULL,"
    " level INTEGER NOT NULL, nitems BIGINT NOT NULL, first_scan_ms BIGINT NOT NULL,"
    " first_fail_ms BIGINT, last_scan_ms BIGINT NOT NULL,"
    " PRIMARY KEY (tenant, asset, baseline_key));"
    "CREATE TABLE hw_rows (tenant TEXT NOT NULL, asset TEXT NOT NULL, ord INTEGER NOT NULL,"
    " severity TEXT NOT NULL, check_name TEXT NOT NULL, check_type TEXT NOT NULL,"
    " standard TEXT NOT NULL, nrules BIGINT NOT NULL, nfailed BIGINT NOT NULL,"
    " desc_zh TEXT, desc_en TEXT, PRIMARY KEY (tenant, asset, ord));"
    "CREATE TABLE build_risks (tenant TEXT NOT NULL, asset TEXT NOT NULL,"
    " risk_key TEXT NOT NULL, risk_id TEXT NOT NULL, severity INTEGER NOT NULL,"
    " status INTEGER NOT NULL, failing INTEGER NOT NULL, first_scan_ms BIGINT NOT NULL,"
    " last_scan_ms BIGINT NOT NULL, PRIMARY KEY (tenant, asset, risk_key));"
    "CREATE TABLE nonces (access_key TEXT NOT NULL, nonce TEXT NOT NULL,"
    " expires_ms BIGINT NOT NULL, PRIMARY KEY (access_key, nonce));"
    "CREATE INDEX nonces_expiry ON nonces (expires_ms);",
    /* 2: job queue */
    "CREATE TABLE jobs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, state TEXT NOT NULL,"
    " path TEXT NOT NULL, remove_after INTEGER NOT NULL, created_ms BIGINT NOT NULL,"
    " started_ms BIGINT, finished_ms BIGINT, lease_until_ms BIGINT, worker TEXT,"
    " attempts INTEGER NOT NULL, scan_id TEXT, summary TEXT, error TEXT,"
    " repo_namespace TEXT, repo_name TEXT, tag TEXT);"
    "CREATE INDEX jobs_state ON jobs (state, created_ms);",
    /* 3: the unfiltered list totals kept per tenant (risk-configs rows, images with failed
     * build risks) and the list order as an index, so a page of the whole history does not
     * count or sort every asset per request */
    "ALTER TABLE tenant_stats ADD COLUMN hw_rows BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE tenant_stats ADD COLUMN br_images BIGINT NOT NULL DEFAULT 0;"
    "UPDATE tenant_stats SET hw_rows = (SELECT COUNT(*) FROM hw_rows h WHERE h.tenant ="
    " tenant_stats.tenant), br_images = (SELECT COUNT(DISTINCT r.asset) FROM build_risks r"
    " WHERE r.tenant = tenant_stats.tenant AND r.failing = 1);"
    "DROP INDEX assets_last;"
    "CREATE INDEX assets_order ON assets (tenant, last_scan_ms, asset);",
    /* 4: the HTML report page of each scan, rendered when it is recorded (renderers ->
     * store: nothing is re-created from stored rows, and a page stays what it was even when
     * the renderer changes).  Scans recorded before have NULL pages: served as a 404 that
     * says so. */
    "ALTER TABLE scans ADD COLUMN page_zh TEXT;"
    "ALTER TABLE scans ADD COLUMN page_en TEXT;"
    "ALTER TABLE scans ADD COLUMN page_csp TEXT;",
};
#define NMIGRATIONS (int)(sizeof migrations / sizeof migrations[0])

static int store_migrate(imgb_store *s)
{
    imgb_db *db = s->db;
    if (imgb_db_begin(db) < 0)
        return IMGB_ERROR;
    /* Two processes opening a new PostgreSQL store at once: one migrates, the other waits.
     * The lock comes before the schema table too: concurrent CREATE TABLE IF NOT EXISTS
     * races in PostgreSQL ("type imgb_schema already exists"). */
    if (imgb_db_kind_of(db) == IMGB_DB_POSTGRES &&
        imgb_db_query(db, "SELECT pg_advisory_xact_lock(73461)", NULL, 0, NULL) < 0)
        goto fail;
    if (imgb_db_script(db, "CREATE TABLE IF NOT EXISTS imgb_schema (version INTEGER NOT NULL)") < 0)
        goto fail;
    imgb_db_rows r;
    if (imgb_db_query(db, "SELECT MAX(version) FROM imgb_schema", NULL, 0, &r) < 0)
        goto fail;
    int v = (int)imgb_db_int(&r, 0, 0);
    imgb_db_rows_dispose(&r);
    if (v > NMIGRATIONS) {
        imgb_error_set(IMGB_EUNSUPPORTED, "store: schema version %d is newer than this "
                       "imgbaseline knows (%d): upgrade imgbaseline", v, NMIGRATIONS);
        goto fail;
    }
    for (int m = v; m < NMIGRATIONS; m++) {
        if (imgb_db_script(db, migrations[m]) < 0) {
            imgb_error_prefix("store: migration %d", m + 1);
            goto fail;
        }
        char ver[16];
        snprintf(ver, sizeof ver, "%d", m + 1);
        const char *pv[] = { ver };
        if (imgb_db_query(db, "INSERT INTO imgb_schema (version) VALUES ($1)", pv, 1, NULL) < 0)
            goto fail;
    }
    if (imgb_db_commit(db) < 0)
        goto fail;
    s->version = NMIGRATIONS;
    return 0;
fail:
    imgb_db_rollback(db);
    return IMGB_ERROR;
}

int imgb_store_open(imgb_store **out, const char *where)
{
    *out = NULL;
    if (!where || !*where)
        return imgb_error_set(IMGB_EINVAL, "store: empty store path");
    imgb_store *s = imgb_xcalloc(1, sizeof *s);
    if (imgb_db_open(&s->db, where) < 0 || store_migrate(s) < 0) {
        imgb_store_close(s);
        return IMGB_ERROR;
    }
    *out = s;
    return 0;
}

void imgb_store_close(imgb_store *s)
{
    if (!s)
        return;
    imgb_db_close(s->db);
    free(s);
}

int imgb_store_schema_version(imgb_store *s)
{
    return s->version;
}

imgb_db *imgb_store_db(imgb_store *s)
{
    return s->db;
}

int64_t imgb_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- recording ----------------------------------------------------------------------- */

static char *lld(long long v)
{
    return imgb_xasprintf("%lld", v);
}

static int q(imgb_db *db, const char *sql, const char *const *pv, size_t n)
{
    return imgb_db_query(db, sql, pv, n, NULL);
}

static void random_hex(char *out, size_t nbytes)
{
    unsigned char b[32];
    if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1)
        abort();
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Every string argument is freed after the statement (a small arena for one statement). */
#define FREE_ALL(arr) do { for (size_t k_ = 0; k_ < sizeof arr / sizeof arr[0]; k_++) \
                               free(arr[k_]); } while (0)

static int record_baselines(imgb_db *db, const char *tenant, const char *asset,
                            const imgb_scan_result *res, const imgb_report_params *p,
                            const char *started, const char *now)
{
    const char *pv0[] = { tenant, asset, now };
    if (q(db, "UPDATE baselines SET status = 1, high = 0, middle = 0, low = 0,"
              " last_scan_ms = $3 WHERE tenant = $1 AND asset = $2", pv0, 3) < 0)
        return IMGB_ERROR;
    imgb_check_row *rows = imgb_xcalloc(res->nbaselines ? res->nbaselines : 1, sizeof *rows);
    size_t n = imgb_report_check_rows(res, p, rows);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        const imgb_check_row *r = &rows[k];
        char *nums[] = { lld((long long)r->order), lld(r->status), lld(r->counts[2]),
                         lld(r->counts[1]), lld(r->counts[0]), lld(r->level), lld(r->nitems) };
        const char *pv[] = { tenant, asset, r->key, nums[0], r->alias.zh, r->alias.en,
                             r->class_key, r->class_alias.zh, r->class_alias.en, nums[1],
                             nums[2], nums[3], nums[4], nums[5], nums[6], started,
                             r->status == 0 ? started : NULL, now };
        rc = q(db, "INSERT INTO baselines (tenant, asset, baseline_key, ord, alias_zh, alias_en,"
                   " class_key, class_alias_zh, class_alias_en, status, high, middle, low, level,"
                   " nitems, first_scan_ms, first_fail_ms, last_scan_ms) VALUES ($1, $2, $3, $4,"
                   " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                   " ON CONFLICT (tenant, asset, baseline_key) DO UPDATE SET ord = excluded.ord,"
                   " alias_zh = excluded.alias_zh, alias_en = excluded.alias_en,"
                   " class_key = excluded.class_key, class_alias_zh = excluded.class_alias_zh,"
                   " class_alias_en = excluded.class_alias_en, status = excluded.status,"
                   " high = excluded.high, middle = excluded.middle, low = excluded.low,"
                   " level = excluded.level, nitems = excluded.nitems,"
                   " first_fail_ms = COALESCE(baselines.first_fail_ms, excluded.first_fail_ms),"
                   " last_scan_ms = excluded.last_scan_ms", pv, 18);
        FREE_ALL(nums);
    }
    free(rows);
    return rc;
}

static int record_hw_rows(imgb_db *db, const char *tenant, const char *asset,
                          const imgb_scan_result *res, const imgb_report_params *p)
{
    const char *pv0[] = { tenant, asset };
    if (q(db, "DELETE FROM hw_rows WHERE tenant = $1 AND asset = $2", pv0, 2) < 0)
        return IMGB_ERROR;
    imgb_hw_row *rows = NULL;
    size_t n = imgb_report_hw_rows(res, p, &rows);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        const imgb_hw_row *r = &rows[k];
        char *nums[] = { lld((long long)k), lld(r->nrules), lld(r->nfailed) };
        const char *pv[] = { tenant, asset, nums[0], r->severity, r->check_name, r->check_type,
                             r->standard, nums[1], nums[2], r->desc.zh, r->desc.en };
        rc = q(db, "INSERT INTO hw_rows (tenant, asset, ord, severity, check_name, check_type,"
                   " standard, nrules, nfailed, desc_zh, desc_en) VALUES ($1, $2, $3, $4, $5,"
                   " $6, $7, $8, $9, $10, $11)", pv, 11);
        FREE_ALL(nums);
    }
    free(rows);
    return rc;
}

static int record_build_risks(imgb_db *db, const char *tenant, const char *asset,
                              const imgb_scan_result *res, const imgb_report_params *p,
                              const char *started, const char *now)
{
    const char *pv0[] = { tenant, asset };
    if (q(db, "UPDATE build_risks SET failing = 0 WHERE tenant = $1 AND asset = $2", pv0, 2) < 0)
        return IMGB_ERROR;
    imgb_build_risk_row *rows = NULL;
    size_t n = imgb_report_build_risk_rows(res, p, &rows);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        const imgb_build_risk_row *r = &rows[k];
        char *nums[] = { lld(r->severity), lld(r->status) };
        const char *pv[] = { tenant, asset, r->key, r->id, nums[0], nums[1], started, now };
        /* The handling status is the user's decision: a rescan keeps it. */
        rc = q(db, "INSERT INTO build_risks (tenant, asset, risk_key, risk_id, severity, status,"
                   " failing, first_scan_ms, last_scan_ms) VALUES ($1, $2, $3, $4, $5, $6, 1,"
                   " $7, $8) ON CONFLICT (tenant, asset, risk_key) DO UPDATE SET failing = 1,"
                   " severity = excluded.severity, risk_id = excluded.risk_id,"
                   " last_scan_ms = excluded.last_scan_ms", pv, 8);
        FREE_ALL(nums);
    }
    free(rows);
    return rc;
}

static int record_asset(imgb_db *db, const char *tenant, const char *asset,
                        const imgb_image_ref_view *ref, const imgb_hw_stat *st,
                        const char *started, const char *finished, const char *scan_id)
{
    /* The tenant statistic moves by the asset's change: read the old counts first. */
    const char *pk[] = { tenant, asset };
    imgb_db_rows old;
    if (imgb_db_query(db, "SELECT weak, policy, checks FROM assets WHERE tenant = $1 AND"
                          " asset = $2", pk, 2, &old) < 0)
        return IMGB_ERROR;
    long long dw = st->weak, dp = st->policy, dc = st->check;
    if (old.nrows) {
        dw -= imgb_db_int(&old, 0, 0);
        dp -= imgb_db_int(&old, 0, 1);
        dc -= imgb_db_int(&old, 0, 2);
    }
    imgb_db_rows_dispose(&old);

    char *nums[] = { lld(st->weak), lld(st->policy), lld(st->check), lld(dw), lld(dp), lld(dc) };
    const char *pv[] = { tenant, asset, ref->namespace_name, ref->name, ref->tag, ref->image_id,
                         ref->digest, started, finished, scan_id, nums[0], nums[1], nums[2] };
    int rc = q(db, "INSERT INTO assets (tenant, asset, namespace, name, tag, image_id, digest,"
                   " first_scan_ms, last_scan_ms, last_scan_id, weak, policy, checks) VALUES ($1,"
                   " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (tenant,"
                   " asset) DO UPDATE SET image_id = excluded.image_id, digest = excluded.digest,"
                   " last_scan_ms = excluded.last_scan_ms, last_scan_id = excluded.last_scan_id,"
                   " weak = excluded.weak, policy = excluded.policy, checks = excluded.checks",
               pv, 13);
    if (rc == 0) {
        const char *ps[] = { tenant, nums[3], nums[4], nums[5] };
        rc = q(db, "INSERT INTO tenant_stats (tenant, weak, policy, checks) VALUES ($1, $2, $3,"
                   " $4) ON CONFLICT (tenant) DO UPDATE SET weak = tenant_stats.weak +"
                   " excluded.weak, policy = tenant_stats.policy + excluded.policy,"
                   " checks = tenant_stats.checks + excluded.checks", ps, 4);
    }
    FREE_ALL(nums);
    return rc;
}

/*
 * Stored pages: "zstd:" and the zstd frame in base64.  The store's columns are text on both
 * engines; an HTML page compresses about tenfold, so even in base64 it is a fraction of the
 * page.  The prefix names the encoding, so another one can be added without a migration.
 */
#define PAGE_CODEC "zstd:"
#define PAGE_ZSTD_LEVEL 6              /* most of level 19's ratio at a few ms a page */
#define PAGE_MAX_BYTES (256u << 20)    /* a stored page never inflates past this */

static char *page_pack(const char *page, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    unsigned char *z = imgb_xmalloc(cap);
    size_t zn = ZSTD_compress(z, cap, page, n, PAGE_ZSTD_LEVEL);
    if (ZSTD_isError(zn) || zn > INT32_MAX / 2) {
        free(z);
        imgb_error_set(IMGB_ERROR, "store: cannot compress the report page: %s",
                       ZSTD_isError(zn) ? ZSTD_getErrorName(zn) : "too large");
        return NULL;
    }
    size_t pre = strlen(PAGE_CODEC);
    char *out = imgb_xmalloc(pre + 4 * ((zn + 2) / 3) + 1);
    memcpy(out, PAGE_CODEC, pre);
    EVP_EncodeBlock((unsigned char *)out + pre, z, (int)zn);
    free(z);
    return out;
}

/* A stored page back to its bytes; a damaged one is an error, never a partial page. */
static int page_unpack(const char *stored, const char *scan_id, char **page, size_t *len)
{
    size_t pre = strlen(PAGE_CODEC), bn = strlen(stored);
    if (strncmp(stored, PAGE_CODEC, pre) || (bn - pre) % 4 || bn - pre > INT32_MAX)
        return imgb_error_set(IMGB_EFORMAT, "store: the report page of scan %s is stored in "
                              "an encoding this imgbaseline does not know", scan_id);
    bn -= pre;
    unsigned char *z = imgb_xmalloc(bn / 4 * 3 + 1);
    int zn = bn ? EVP_DecodeBlock(z, (const unsigned char *)stored + pre, (int)bn) : 0;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t k = bn; zn > 0 && k > 0 && stored[pre + k - 1] == '='; k--)
        zn--;
    unsigned long long n = zn > 0 ? ZSTD_getFrameContentSize(z, (size_t)zn)
                                  : ZSTD_CONTENTSIZE_ERROR;
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > PAGE_MAX_BYTES) {
        free(z);
        return imgb_error_set(IMGB_EFORMAT, "store: the report page of scan %s is damaged",
                              scan_id);
    }
    char *out = imgb_xmalloc((size_t)n + 1);
    size_t got = ZSTD_decompress(out, (size_t)n, z, (size_t)zn);
    free(z);
    if (ZSTD_isError(got) || got != n) {
        free(out);
        return imgb_error_set(IMGB_EFORMAT, "store: the report page of scan %s is damaged",
                              scan_id);
    }
    out[n] = '\0';
    *page = out;
    *len = (size_t)n;
    return 0;
}

/* The page `scan --format html --lang LANG` writes for `res` with the same request (ignore
 * list, severity filter), packed for a column. */
static char *render_page(const imgb_scan_result *res, const imgb_report_params *p,
                         imgb_lang lang)
{
    imgb_report_params pl = *p; /* shallow: nothing of it is freed here */
    pl.lang = lang;
    imgb_buf page = IMGB_BUF_INIT;
    char *packed = NULL;
    if (imgb_report_render_fmt(res, imgb_report_format_lookup("html"), &pl, &page) == 0)
        packed = page_pack(page.ptr ? page.ptr : "", page.len);
    else
        imgb_error_prefix("store: rendering the report page");
    imgb_buf_dispose(&page);
    return packed;
}

/* What a scan row keeps besides its ids: rendered before the transaction, so that the write
 * lock is held only for the statements. */
typedef struct scan_docs {
    imgb_buf report;        /* native JSON */
    char *page[2];          /* packed HTML pages, zh and en */
    char *csp;
} scan_docs;

static void scan_docs_dispose(scan_docs *d)
{
    imgb_buf_dispose(&d->report);
    free(d->page[0]);
    free(d->page[1]);
    free(d->csp);
}

static int scan_docs_render(scan_docs *d, const imgb_scan_result *res,
                            const imgb_report_params *p)
{
    memset(d, 0, sizeof *d);
    if (imgb_report_native(res, "en", &d->report) < 0)
        return IMGB_ERROR;
    if (!(d->page[0] = render_page(res, p, IMGB_LANG_ZH)) ||
        !(d->page[1] = render_page(res, p, IMGB_LANG_EN)))
        return IMGB_ERROR;
    d->csp = imgb_report_html_csp();
    return 0;
}

static int record_scan(imgb_db *db, const char *tenant, const char *asset, const char *image_id,
                       const char *scan_id, const char *started, const char *finished,
                       const scan_docs *d, long retention)
{
    const char *pv[] = { tenant, scan_id, asset, image_id, started, finished,
                         d->report.ptr ? d->report.ptr : "", d->page[0], d->page[1], d->csp };
    int rc = q(db, "INSERT INTO scans (tenant, scan_id, asset, image_id, started_ms,"
                   " finished_ms, report, page_zh, page_en, page_csp) VALUES ($1, $2, $3, $4,"
                   " $5, $6, $7, $8, $9, $10)", pv, 10);
    if (rc == 0 && retention > 0) {
        char *keep = lld(retention);
        const char *pr[] = { tenant, asset, keep };
        rc = q(db, "DELETE FROM scans WHERE tenant = $1 AND asset = $2 AND scan_id NOT IN"
                   " (SELECT scan_id FROM scans WHERE tenant = $1 AND asset = $2"
                   " ORDER BY finished_ms DESC, scan_id DESC LIMIT $3)", pr, 3);
        free(keep);
    }
    return rc;
}

static int check_tenant(const char *tenant)
{
    size_t n = strlen(tenant);
    if (n == 0 || n > IMGB_STORE_TENANT_MAX)
        return imgb_error_set(IMGB_EINVAL, "store: tenant name must have 1 to %d characters",
                              IMGB_STORE_TENANT_MAX);
    for (const char *c = tenant; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return imgb_error_set(IMGB_EINVAL, "store: tenant name has a control character");
    return 0;
}

/* The job summary: counts a client of POST /v1/scans wants without another request. */
static char *job_summary(const imgb_scan_result *res, const char *image_id)
{
    json_t *o = json_object();
    long long failed[3] = { 0, 0, 0 }, passed = 0;
    for (size_t b = 0; b < res->nbaselines; b++) {
        for (int sv = 0; sv < 3; sv++)
            failed[sv] += (long long)res->baselines[b].failed[sv];
        passed += (long long)res->baselines[b].passed;
    }
    json_object_set_new(o, "image_id", json_string(image_id));
    json_object_set_new(o, "baselines", json_integer((json_int_t)res->nbaselines));
    json_object_set_new(o, "failed_high", json_integer(failed[IMGB_SEV_HIGH]));
    json_object_set_new(o, "failed_medium", json_integer(failed[IMGB_SEV_MEDIUM]));
    json_object_set_new(o, "failed_low", json_integer(failed[IMGB_SEV_LOW]));
    json_object_set_new(o, "passed", json_integer(passed));
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

int imgb_store_record(imgb_store *s, const imgb_scan_result *res,
                      const imgb_store_identity *who, const imgb_report_params *p,
                      char scan_id_out[33])
{
    return imgb_store_record_job(s, res, who, p, NULL, NULL, scan_id_out);
}

/* The asset's share of the unfiltered list totals: its risk-config rows and whether it has a
 * failed build risk. */
static int list_share(imgb_db *db, const char *tenant, const char *asset, long long share[2])
{
    const char *pv[] = { tenant, asset };
    imgb_db_rows r;
    int rc = imgb_db_query(db, "SELECT (SELECT COUNT(*) FROM hw_rows WHERE tenant = $1 AND"
                           " asset = $2), (SELECT COUNT(*) FROM build_risks WHERE tenant = $1"
                           " AND asset = $2 AND failing = 1)", pv, 2, &r);
    if (rc == 0) {
        share[0] = imgb_db_int(&r, 0, 0);
        share[1] = imgb_db_int(&r, 0, 1) > 0;
        imgb_db_rows_dispose(&r);
    }
    return rc;
}

static int record_list_totals(imgb_db *db, const char *tenant, const char *asset,
                              const long long before[2])
{
    long long after[2] = { 0, 0 }; /* gcc -O3 cannot see list_share() fill it */
    if (list_share(db, tenant, asset, after) < 0)
        return IMGB_ERROR;
    char *d0 = lld(after[0] - before[0]), *d1 = lld(after[1] - before[1]);
    const char *pv[] = { tenant, d0, d1 };
    int rc = q(db, "UPDATE tenant_stats SET hw_rows = hw_rows + $2, br_images = br_images + $3"
                   " WHERE tenant = $1", pv, 3);
    free(d0);
    free(d1);
    return rc;
}

int imgb_store_record_job(imgb_store *s, const imgb_scan_result *res,
                          const imgb_store_identity *who, const imgb_report_params *p,
                          const char *job_id, const char *worker, char scan_id_out[33])
{
    imgb_report_params none;
    imgb_report_params_init(&none);
    if (!p)
        p = &none;
    const char *tenant = who && who->tenant ? who->tenant : IMGB_STORE_TENANT_DEFAULT;
    if (check_tenant(tenant) < 0)
        return IMGB_EINVAL;

    imgb_image_ref ref;
    imgb_report_image_ref(res, &ref);
    imgb_image_ref_view view = {
        .namespace_name = who && who->repo_namespace ? who->repo_namespace : ref.namespace_name,
        .name = who && who->repo_name ? who->repo_name : ref.name,
        .tag = who && who->tag ? who->tag : ref.tag,
        .digest = ref.digest, .image_id = imgb_report_image_id(res),
    };
    if (who && (who->repo_name || who->repo_namespace) && !who->tag && !*view.tag)
        view.tag = "latest";
    char *asset = *view.name ? imgb_xasprintf("%s/%s:%s", view.namespace_name, view.name, view.tag)
                             : imgb_xasprintf("@%s", view.image_id);
    char scan_id[33];
    random_hex(scan_id, 16);
    char *started = lld(res->started_ms), *finished = lld(res->finished_ms);
    imgb_hw_stat st;
    imgb_report_hw_stat_counts(res, p, &st);

    imgb_db *db = s->db;
    scan_docs docs;
    int rc = scan_docs_render(&docs, res, p);
    if (rc == 0)
        rc = imgb_db_begin(db);
    long long share[2] = { 0, 0 };
    if (rc == 0) {
        rc = list_share(db, tenant, asset, share);
        if (rc == 0)
            rc = record_asset(db, tenant, asset, &view, &st, started, finished, scan_id);
        if (rc == 0)
            rc = record_baselines(db, tenant, asset, res, p, started, finished);
        if (rc == 0)
            rc = record_hw_rows(db, tenant, asset, res, p);
        if (rc == 0)
            rc = record_build_risks(db, tenant, asset, res, p, started, finished);
        if (rc == 0)
            rc = record_list_totals(db, tenant, asset, share);
        if (rc == 0)
            rc = record_scan(db, tenant, asset, view.image_id, scan_id, started, finished,
                             &docs, who ? who->retention : 0);
        if (rc == 0 && job_id) {
            /* Exactly once: only while the job is still this worker's. */
            char *summary = job_summary(res, view.image_id);
            char *now = lld(imgb_store_now_ms());
            const char *pj[] = { job_id, worker, now, scan_id, summary, tenant };
            imgb_db_rows r;
            rc = imgb_db_query(db, "UPDATE jobs SET state = 'done', finished_ms = $3,"
                               " scan_id = $4, summary = $5, lease_until_ms = NULL WHERE id = $1"
                               " AND worker = $2 AND state = 'running' AND tenant = $6"
                               " RETURNING id", pj, 6, &r);
            if (rc == 0 && r.nrows != 1)
                rc = imgb_error_set(IMGB_EUSER, "job %s is no longer this worker's (lease "
                                    "expired and taken over): nothing recorded", job_id);
            if (rc == 0 || r.cells)
                imgb_db_rows_dispose(&r);
            free(summary);
            free(now);
        }
        if (rc == 0)
            rc = imgb_db_commit(db);
        if (rc < 0)
            imgb_db_rollback(db);
    }
    if (rc == 0 && scan_id_out)
        memcpy(scan_id_out, scan_id, 33);
    scan_docs_dispose(&docs);
    free(started);
    free(finished);
    free(asset);
    imgb_report_image_ref_dispose(&ref);
    imgb_report_params_dispose(&none);
    return rc < 0 ? (rc == IMGB_EUSER ? IMGB_EUSER : IMGB_ERROR) : 0;
}

/* ---- answering from the history ------------------------------------------------------ */

/* A statement built clause by clause; qb_arg() returns the placeholder of a new argument. */
typedef struct qbuild {
    imgb_buf sql;
    imgb_ptrvec args;   /* char*, owned */
} qbuild;

static const char *qb_arg(qbuild *b, const char *value)
{
    static _Thread_local char ph[24];
    imgb_ptrvec_push(&b->args, value ? imgb_xstrdup(value) : NULL);
    snprintf(ph, sizeof ph, "$%zu", b->args.len);
    return ph;
}

static void qb_dispose(qbuild *b)
{
    imgb_buf_dispose(&b->sql);
    for (size_t i = 0; i < b->args.len; i++)
        free(b->args.items[i]);
    imgb_ptrvec_dispose(&b->args, NULL);
}

static int qb_run(imgb_db *db, qbuild *b, imgb_db_rows *out)
{
    return imgb_db_query(db, b->sql.ptr, (const char *const *)b->args.items, b->args.len, out);
}

/*
 * The number of rows of `b` (its SQL is "FROM ... WHERE ... [GROUP BY ...]"; not counted
 * when `cnt` is NULL) and one page of `columns` in `order`.
 */
static int qb_count_and_page(imgb_db *db, qbuild *b, const char *columns, const char *order,
                             long long limit, long long offset, imgb_db_rows *cnt,
                             imgb_db_rows *rows)
{
    char *from = imgb_buf_detach(&b->sql);
    int rc = 0;
    if (cnt) {
        imgb_buf_printf(&b->sql, "SELECT COUNT(*) FROM (SELECT 1 AS one%s) t", from);
        rc = qb_run(db, b, cnt);
        imgb_buf_clear(&b->sql);
    }
    char *l = lld(limit), *o = lld(offset);
    imgb_buf_printf(&b->sql, "SELECT %s%s ORDER BY %s LIMIT %s", columns, from, order,
                    qb_arg(b, l));
    imgb_buf_printf(&b->sql, " OFFSET %s", qb_arg(b, o));
    if (rc == 0)
        rc = qb_run(db, b, rows);
    free(l);
    free(o);
    free(from);
    return rc;
}

static bool hex_only(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* An image id or uuid as asked ("sha256:" optional, any case) -> lower hex, or NULL if it
 * cannot name an image (fewer than 12 or non-hex digits).  Ids starting with it are the
 * index range [prefix, prefix + "g"): 'g' sorts after every hex digit. */
static char *image_id_prefix(const char *want)
{
    if (!strncmp(want, "sha256:", 7))
        want += 7;
    if (strlen(want) < 12 || strlen(want) > 64 || !hex_only(want))
        return NULL;
    char *r = imgb_xstrdup(want);
    for (char *c = r; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return r;
}

/* A kept total of `tenant_stats` (0 for a tenant without records). */
static int tenant_total(imgb_db *db, const char *tenant, const char *column, long long *out)
{
    char *sql = imgb_xasprintf("SELECT %s FROM tenant_stats WHERE tenant = $1", column);
    const char *pv[] = { tenant };
    imgb_db_rows r;
    int rc = imgb_db_query(db, sql, pv, 1, &r);
    free(sql);
    if (rc == 0) {
        *out = imgb_db_int(&r, 0, 0);
        imgb_db_rows_dispose(&r);
    }
    return rc;
}

static int answer_check_result(imgb_db *db, const char *tenant, const imgb_report_params *p,
                               const char *rid, imgb_buf *out)
{
    /* The asset: the latest scanned one whose image id starts with ImageUuid ("+ 0": found
     * through the image-id index, not by walking the whole list order). */
    char *prefix = p->image_uuid ? image_id_prefix(p->image_uuid) : NULL;
    imgb_db_rows rows = { 0 };
    int rc = 0;
    if (prefix) {
        char *upper = imgb_xasprintf("%sg", prefix);
        const char *pv[] = { tenant, prefix, upper };
        rc = imgb_db_query(db, "SELECT b.baseline_key, b.ord, b.alias_zh, b.alias_en, b.class_key,"
                           " b.class_alias_zh, b.class_alias_en, b.status, b.high, b.middle, b.low,"
                           " b.level, b.nitems, COALESCE(b.first_fail_ms, b.first_scan_ms),"
                           " b.last_scan_ms FROM baselines b WHERE b.tenant = $1 AND b.asset ="
                           " (SELECT a.asset FROM assets a WHERE a.tenant = $1 AND a.image_id >= $2"
                           " AND a.image_id < $3 ORDER BY a.last_scan_ms + 0 DESC, a.asset DESC LIMIT 1)"
                           " ORDER BY b.ord", pv, 3, &rows);
        free(upper);
    }
    free(prefix);
    if (rc < 0)
        return rc;
    imgb_check_row *cr = imgb_xcalloc(rows.nrows + 1, sizeof *cr);
    for (size_t i = 0; i < rows.nrows; i++) {
        cr[i] = (imgb_check_row){
            .key = imgb_db_cell(&rows, i, 0), .order = (size_t)imgb_db_int(&rows, i, 1),
            .alias = { (char *)imgb_db_cell(&rows, i, 2), (char *)imgb_db_cell(&rows, i, 3) },
            .class_key = imgb_db_cell(&rows, i, 4),
            .class_alias = { (char *)imgb_db_cell(&rows, i, 5), (char *)imgb_db_cell(&rows, i, 6) },
            .status = (int)imgb_db_int(&rows, i, 7),
            .counts = { imgb_db_int(&rows, i, 10), imgb_db_int(&rows, i, 9),
                        imgb_db_int(&rows, i, 8) },
            .level = (int)imgb_db_int(&rows, i, 11), .nitems = imgb_db_int(&rows, i, 12),
            .first_ms = imgb_db_int(&rows, i, 13), .last_ms = imgb_db_int(&rows, i, 14),
        };
    }
    rc = imgb_report_check_emit(cr, rows.nrows, p, rid, out);
    free(cr);
    imgb_db_rows_dispose(&rows);
    return rc;
}

/* The WHERE clause of the Huawei image filters on assets `a` (after "WHERE a.tenant = $1"). */
static bool hw_image_filters(qbuild *b, const imgb_report_params *p)
{
    if (p->image_id && *p->image_id) {
        /* image_id beats image_name + image_version. */
        char *prefix = image_id_prefix(p->image_id);
        if (!prefix)
            return false;
        char *upper = imgb_xasprintf("%sg", prefix);
        imgb_buf_printf(&b->sql, " AND a.image_id >= %s", qb_arg(b, prefix));
        imgb_buf_printf(&b->sql, " AND a.image_id < %s", qb_arg(b, upper));
        free(upper);
        free(prefix);
    } else if (p->image_name && *p->image_name) {
        /* Fuzzy: a substring of "namespace/name" (ASCII case-insensitive). */
        imgb_buf_printf(&b->sql, " AND strpos(lower(a.namespace || '/' || a.name), lower(CAST(%s AS TEXT))) > 0",
                        qb_arg(b, p->image_name));
        if (p->image_version && *p->image_version)
            imgb_buf_printf(&b->sql, " AND a.tag = %s", qb_arg(b, p->image_version));
    }
    /* namespace is only valid for private and shared image repositories. */
    if (p->namespace_name && *p->namespace_name &&
        (!strcmp(p->image_type, "private_image") || !strcmp(p->image_type, "shared_image")))
        imgb_buf_printf(&b->sql, " AND a.namespace = %s", qb_arg(b, p->namespace_name));
    return true;
}

static bool hw_has_image_filters(const imgb_report_params *p)
{
    return (p->image_id && *p->image_id) || (p->image_name && *p->image_name) ||
           (p->namespace_name && *p->namespace_name &&
            (!strcmp(p->image_type, "private_image") || !strcmp(p->image_type, "shared_image")));
}

static int answer_hw_stat(imgb_db *db, const char *tenant, const imgb_report_params *p,
                          imgb_buf *out)
{
    imgb_hw_stat st = { 0, 0, 0 };
    if (!imgb_report_hw_image_type_ok(p))
        return imgb_report_hw_stat_emit(&st, out);
    qbuild b = { IMGB_BUF_INIT, IMGB_PTRVEC_INIT };
    bool any = true;
    if (!hw_has_image_filters(p)) {
        /* The kept aggregate: as fast with 10,000 images as with 10. */
        imgb_buf_printf(&b.sql, "SELECT weak, policy, checks FROM tenant_stats WHERE tenant = %s",
                        qb_arg(&b, tenant));
    } else {
        imgb_buf_printf(&b.sql, "SELECT SUM(a.weak), SUM(a.policy), SUM(a.checks) FROM assets a"
                        " WHERE a.tenant = %s", qb_arg(&b, tenant));
        any = hw_image_filters(&b, p);
    }
    imgb_db_rows r = { 0 };
    int rc = any ? qb_run(db, &b, &r) : 0;
    if (rc == 0 && r.nrows)
        st = (imgb_hw_stat){ imgb_db_int(&r, 0, 0), imgb_db_int(&r, 0, 1), imgb_db_int(&r, 0, 2) };
    imgb_db_rows_dispose(&r);
    qb_dispose(&b);
    return rc < 0 ? rc : imgb_report_hw_stat_emit(&st, out);
}

static int answer_hw_risk_configs(imgb_db *db, const char *tenant, const imgb_report_params *p,
                                  imgb_buf *out)
{
    long long off = imgb_report_hw_offset(p), lim = imgb_report_hw_limit(p);
    if (!imgb_report_hw_image_type_ok(p))
        return imgb_report_hw_rows_emit(NULL, 0, 0, p, out);
    qbuild b = { IMGB_BUF_INIT, IMGB_PTRVEC_INIT };
    /* CROSS JOIN: assets drive the loop in the order of their index, so a page stops early
     * instead of sorting every row (SQLite keeps the written order for CROSS JOIN). */
    imgb_buf_printf(&b.sql, " FROM assets a CROSS JOIN hw_rows h WHERE h.tenant = a.tenant AND"
                    " h.asset = a.asset AND a.tenant = %s", qb_arg(&b, tenant));
    bool any = hw_image_filters(&b, p);
    bool filtered = hw_has_image_filters(p) || p->check_name || p->severity || p->standard;
    if (p->check_name)
        imgb_buf_printf(&b.sql, " AND h.check_name = %s", qb_arg(&b, p->check_name));
    if (p->severity)
        imgb_buf_printf(&b.sql, " AND h.severity = %s", qb_arg(&b, p->severity));
    if (p->standard)
        imgb_buf_printf(&b.sql, " AND h.standard = %s", qb_arg(&b, p->standard));
    imgb_db_rows cnt = { 0 }, rows = { 0 };
    int rc = any ? qb_count_and_page(db, &b, "h.severity, h.check_name, h.check_type, h.standard,"
                                     " h.nrules, h.nfailed, h.desc_zh, h.desc_en",
                                     "a.last_scan_ms DESC, a.asset DESC, h.ord", lim, off,
                                     filtered ? &cnt : NULL, &rows)
                 : 0;
    long long total = 0;
    if (rc == 0 && any)
        rc = filtered ? (total = imgb_db_int(&cnt, 0, 0), 0)
                      : tenant_total(db, tenant, "hw_rows", &total);
    qb_dispose(&b);
    if (rc < 0) {
        imgb_db_rows_dispose(&cnt);
        return rc;
    }
    imgb_hw_row *hr = imgb_xcalloc(rows.nrows + 1, sizeof *hr);
    for (size_t i = 0; i < rows.nrows; i++)
        hr[i] = (imgb_hw_row){
            .severity = imgb_db_cell(&rows, i, 0), .check_name = imgb_db_cell(&rows, i, 1),
            .check_type = imgb_db_cell(&rows, i, 2), .standard = imgb_db_cell(&rows, i, 3),
            .nrules = imgb_db_int(&rows, i, 4), .nfailed = imgb_db_int(&rows, i, 5),
            .desc = { (char *)imgb_db_cell(&rows, i, 6), (char *)imgb_db_cell(&rows, i, 7) },
        };
    rc = imgb_report_hw_rows_emit(hr, rows.nrows, total, p, out);
    free(hr);
    imgb_db_rows_dispose(&rows);
    imgb_db_rows_dispose(&cnt);
    return rc;
}

static int answer_build_risk(imgb_db *db, const char *tenant, const imgb_report_params *p,
                             const char *rid, imgb_buf *out)
{
    /* The risk filters, used by every correlated subquery on the asset's risks. */
    qbuild b = { IMGB_BUF_INIT, IMGB_PTRVEC_INIT };
    const char *t = imgb_xstrdup(qb_arg(&b, tenant));
    imgb_buf rf = IMGB_BUF_INIT;
    imgb_buf_printf(&rf, " FROM build_risks r WHERE r.tenant = a.tenant AND r.asset = a.asset"
                    " AND r.failing = 1");
    bool filtered = false;
    if (p->risk_levels) {
        imgb_buf_puts(&rf, " AND r.severity IN (-1");
        for (int lv = 0; lv < 3; lv++)
            if (p->risk_levels & (1u << lv))
                imgb_buf_printf(&rf, ", %d", lv);
        imgb_buf_puts(&rf, ")");
        filtered = true;
    }
    if (p->risk_key) {
        const char *ph = qb_arg(&b, p->risk_key);
        imgb_buf_printf(&rf, " AND (r.risk_key = %s OR r.risk_id = %s)", ph, ph);
        filtered = true;
    }
    if (p->status >= 0) {
        imgb_buf_printf(&rf, " AND r.status = %d", p->status);
        filtered = true;
    }
    imgb_buf_printf(&b.sql, " FROM assets a WHERE a.tenant = %s AND EXISTS (SELECT 1%s)", t,
                    rf.ptr);
    if (p->criteria && *p->criteria) {
        /* Either column without a CriteriaType (as the per-scan renderer). */
        const char *ph = qb_arg(&b, p->criteria);
        bool ns = !p->criteria_type || !strcmp(p->criteria_type, "RepoNamespace");
        bool nm = !p->criteria_type || !strcmp(p->criteria_type, "RepoName");
        imgb_buf_puts(&b.sql, " AND (1 = 0");
        if (ns)
            imgb_buf_printf(&b.sql, " OR strpos(lower(a.namespace), lower(CAST(%s AS TEXT))) > 0", ph);
        if (nm)
            imgb_buf_printf(&b.sql, " OR strpos(lower(a.name), lower(CAST(%s AS TEXT))) > 0", ph);
        imgb_buf_puts(&b.sql, ")");
        filtered = true;
    }
    char *cols = imgb_xasprintf("a.image_id, a.namespace, a.name, a.digest, a.tag,"
                                " (SELECT MIN(r.first_scan_ms)%s), a.last_scan_ms,"
                                " (SELECT MAX(r.severity)%s), (SELECT MIN(r.status)%s)",
                                rf.ptr, rf.ptr, rf.ptr);
    long long size = imgb_report_page_size(p), page = imgb_report_current_page(p);
    imgb_db_rows cnt = { 0 }, rows = { 0 };
    int rc = qb_count_and_page(db, &b, cols, "a.last_scan_ms DESC, a.asset DESC", size,
                               (page - 1) * size, filtered ? &cnt : NULL, &rows);
    long long total = 0;
    if (rc == 0)
        rc = filtered ? (total = imgb_db_int(&cnt, 0, 0), 0)
                      : tenant_total(db, tenant, "br_images", &total);
    free(cols);
    free((char *)t);
    imgb_buf_dispose(&rf);
    qb_dispose(&b);
    if (rc == 0) {
        imgb_build_image_row *br = imgb_xcalloc(rows.nrows + 1, sizeof *br);
        for (size_t i = 0; i < rows.nrows; i++)
            br[i] = (imgb_build_image_row){
                .uuid = imgb_db_cell(&rows, i, 0), .namespace_name = imgb_db_cell(&rows, i, 1),
                .name = imgb_db_cell(&rows, i, 2), .digest = imgb_db_cell(&rows, i, 3),
                .tag = imgb_db_cell(&rows, i, 4), .first_ms = imgb_db_int(&rows, i, 5),
                .last_ms = imgb_db_int(&rows, i, 6), .level = (int)imgb_db_int(&rows, i, 7),
                .status = (int)imgb_db_int(&rows, i, 8),
            };
        rc = imgb_report_build_images_emit(br, rows.nrows, total, p, rid, out);
        free(br);
    }
    imgb_db_rows_dispose(&rows);
    imgb_db_rows_dispose(&cnt);
    return rc;
}

void imgb_store_request_id(char out[37])
{
    /* A random RFC 9562 version 4 UUID, upper case like the documents' examples. */
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

int imgb_store_render(imgb_store *s, const char *tenant, const imgb_report_format *fmt,
                      const imgb_report_params *p, const char *request_id, imgb_buf *out)
{
    char rid[37];
    if (!request_id) {
        imgb_store_request_id(rid);
        request_id = rid;
    }
    if (!fmt || !fmt->api)
        return imgb_error_set(IMGB_EINVAL, "store: format '%s' is not a cloud API response "
                              "(the history answers aliyun-* and huawei-* formats)",
                              fmt ? fmt->name : "?");
    int rc = imgb_report_params_check(p, fmt, NULL);
    if (rc < 0)
        return rc;
    if (!strcmp(fmt->name, "aliyun-baseline-check-result")) {
        if (!p->image_uuid)
            return imgb_error_set(IMGB_EINVAL, "missing required parameter ImageUuid");
        return answer_check_result(s->db, tenant, p, request_id, out);
    }
    if (!strcmp(fmt->name, "aliyun-build-risk-images"))
        return answer_build_risk(s->db, tenant, p, request_id, out);
    if (!strcmp(fmt->name, "huawei-risk-configs"))
        return answer_hw_risk_configs(s->db, tenant, p, out);
    if (!strcmp(fmt->name, "huawei-baseline-statistic"))
        return answer_hw_stat(s->db, tenant, p, out);
    return imgb_error_set(IMGB_EUNSUPPORTED, "store: no history answer for format '%s'",
                          fmt->name);
}

/* ---- public wrappers ----------------------------------------------------------------- */

int imgb_store_query_new(imgb_store_query **out, const char *format)
{
    *out = NULL;
    const imgb_report_format *fmt = format ? imgb_report_format_lookup(format) : NULL;
    if (!fmt || !fmt->api)
        return imgb_error_set(IMGB_ENOTFOUND, "store: unknown API format '%.64s'",
                              format ? format : "");
    imgb_store_query *qq = imgb_xcalloc(1, sizeof *qq);
    qq->fmt = fmt;
    imgb_report_params_init(&qq->p);
    *out = qq;
    return 0;
}

int imgb_store_query_set(imgb_store_query *qq, const char *name, const char *value)
{
    return imgb_report_param_set(&qq->p, name, value);
}

void imgb_store_query_free(imgb_store_query *qq)
{
    if (!qq)
        return;
    imgb_report_params_dispose(&qq->p);
    free(qq);
}

int imgb_store_answer(imgb_store *s, const char *tenant, const imgb_store_query *qq,
                      const char *request_id, char **body, size_t *len)
{
    imgb_buf out = IMGB_BUF_INIT;
    *body = NULL;
    int rc = imgb_store_render(s, tenant, qq->fmt, &qq->p, request_id, &out);
    return imgb_buf_hand_out(&out, rc, body, len);
}

int imgb_store_report(imgb_store *s, const char *tenant, const char *format,
                      const imgb_report_request *req, char **out, size_t *len)
{
    *out = NULL;
    const imgb_report_format *fmt = format ? imgb_report_format_lookup(format) : NULL;
    if (!fmt || !fmt->api)
        return imgb_error_set(IMGB_ENOTFOUND, "store: '%.64s' is not an API format",
                              format ? format : "");
    imgb_report_params defaults;
    if (!req) {
        imgb_report_params_init(&defaults);
        req = &defaults;
    }
    imgb_buf b = IMGB_BUF_INIT;
    int rc = imgb_store_render(s, tenant, fmt, req, NULL, &b);
    if (req == &defaults)
        imgb_report_params_dispose(&defaults);
    return imgb_buf_hand_out(&b, rc, out, len);
}

int imgb_store_set_risk_status(imgb_store *s, const char *tenant, const char *image_uuid,
                               const char *risk_key, int status)
{
    if (status < 0 || status > 2)
        return imgb_error_set(IMGB_EINVAL, "invalid Status %d: Valid values: 0 (unhandled), "
                              "1 (ignored), 2 (false positive).", status);
    char *prefix = image_id_prefix(image_uuid ? image_uuid : "");
    if (!prefix)
        return imgb_error_set(IMGB_EINVAL, "ImageUuid must be at least 12 hex digits");
    char *upper = imgb_xasprintf("%sg", prefix), *st = lld(status);
    const char *pv[] = { tenant, prefix, risk_key, st, upper };
    imgb_db_rows r;
    int rc = imgb_db_query(s->db, "UPDATE build_risks SET status = $4 WHERE tenant = $1 AND"
                           " (risk_key = $3 OR risk_id = $3) AND asset IN (SELECT asset FROM"
                           " assets WHERE tenant = $1 AND image_id >= $2 AND image_id < $5)"
                           " RETURNING asset", pv, 5, &r);
    int n = rc < 0 ? rc : (int)r.nrows;
    if (rc == 0)
        imgb_db_rows_dispose(&r);
    free(upper);
    free(st);
    free(prefix);
    return n;
}

int imgb_store_nonce_use(imgb_store *s, const char *access_key, const char *nonce,
                         int64_t now_ms, int64_t expires_ms)
{
    /* SQLite has one writer: threads of this process queue here rather than in SQLite's
     * sleeping busy handler (other processes still meet the file lock).  Expired nonces are
     * purged at most once a second per process. */
    static pthread_mutex_t lite_writer = PTHREAD_MUTEX_INITIALIZER;
    static _Atomic int64_t last_purge;
    bool lite = imgb_db_kind_of(s->db) == IMGB_DB_SQLITE;
    char *now = lld(now_ms), *exp = lld(expires_ms);
    const char *pd[] = { now };
    const char *pv[] = { access_key, nonce, exp };
    imgb_db_rows r = { 0 };
    if (lite)
        pthread_mutex_lock(&lite_writer);
    int rc = 0;
    int64_t last = last_purge;
    if (now_ms - last >= 1000 || now_ms < last) {
        last_purge = now_ms;
        rc = q(s->db, "DELETE FROM nonces WHERE expires_ms < $1", pd, 1);
    }
    if (rc == 0)
        rc = imgb_db_query(s->db, "INSERT INTO nonces (access_key, nonce, expires_ms) VALUES"
                           " ($1, $2, $3) ON CONFLICT (access_key, nonce) DO NOTHING"
                           " RETURNING nonce", pv, 3, &r);
    if (lite)
        pthread_mutex_unlock(&lite_writer);
    int fresh = rc < 0 ? rc : r.nrows == 1;
    imgb_db_rows_dispose(&r);
    free(now);
    free(exp);
    return fresh;
}

/* ---- report pages -------------------------------------------------------------------- */

/* Scan and job ids are 32 lower-case hex digits (random_hex, jobs.c). */
static bool is_record_id(const char *id)
{
    return strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

/* The scan a done job of `tenant` recorded; ENOTFOUND saying why when there is none. */
static int job_scan_id(imgb_db *db, const char *tenant, const char *id, char scan_id[33])
{
    const char *pv[] = { id, tenant };
    imgb_db_rows r;
    if (imgb_db_query(db, "SELECT state, scan_id, error FROM jobs WHERE id = $1 AND"
                          " tenant = $2", pv, 2, &r) < 0)
        return IMGB_ERROR;
    int rc;
    const char *state = imgb_db_cell(&r, 0, 0), *scan = imgb_db_cell(&r, 0, 1);
    if (!r.nrows)
        rc = imgb_error_set(IMGB_ENOTFOUND, "no recorded scan or scan job %s", id);
    else if (scan && is_record_id(scan))
        rc = (memcpy(scan_id, scan, 33), 0);
    else if (!strcmp(state, "failed"))
        rc = imgb_error_set(IMGB_ENOTFOUND, "scan job %s failed, so it has no report: %.200s",
                            id, imgb_db_cell(&r, 0, 2) ? imgb_db_cell(&r, 0, 2) : "");
    else
        rc = imgb_error_set(IMGB_ENOTFOUND, "scan job %s is %s: its report exists once the "
                            "scan is done", id, state);
    imgb_db_rows_dispose(&r);
    return rc;
}

int imgb_store_page(imgb_store *s, const char *tenant, const char *id, imgb_lang lang,
                    char **html, size_t *len, char **csp)
{
    *html = NULL;
    if (csp)
        *csp = NULL;
    if (lang != IMGB_LANG_ZH && lang != IMGB_LANG_EN)
        return imgb_error_set(IMGB_EINVAL, "store: a report page is zh or en");
    if (!tenant || !id || !is_record_id(id))
        return imgb_error_set(IMGB_ENOTFOUND, "no recorded scan '%.64s' (a scan or job id is "
                              "32 hex digits)", id ? id : "");
    /* A job id is accepted too: POST /v1/scans hands out the job's id. */
    char scan_id[33];
    memcpy(scan_id, id, 33);
    const char *sql = lang == IMGB_LANG_EN
        ? "SELECT page_en, page_csp FROM scans WHERE tenant = $1 AND scan_id = $2"
        : "SELECT page_zh, page_csp FROM scans WHERE tenant = $1 AND scan_id = $2";
    imgb_db_rows r = { 0 };
    for (int round = 0; round < 2; round++) {
        const char *pv[] = { tenant, scan_id };
        imgb_db_rows_dispose(&r);
        if (imgb_db_query(s->db, sql, pv, 2, &r) < 0)
            return IMGB_ERROR;
        if (r.nrows || round == 1)
            break;
        int jrc = job_scan_id(s->db, tenant, id, scan_id);
        if (jrc < 0) {
            imgb_db_rows_dispose(&r);
            return jrc;
        }
    }
    int rc;
    const char *page = imgb_db_cell(&r, 0, 0);
    size_t n = 0;
    if (!r.nrows)
        rc = imgb_error_set(IMGB_ENOTFOUND, "scan %s of job %s is no longer kept (retention)",
                            scan_id, id);
    else if (!page)
        rc = imgb_error_set(IMGB_ENOTFOUND, "scan %s was recorded before this store kept report "
                            "pages (store schema 4): scan the image again for its report",
                            scan_id);
    else if ((rc = page_unpack(page, scan_id, html, &n)) == 0) {
        if (len)
            *len = n;
        if (csp)
            *csp = imgb_xstrdup(imgb_db_cell(&r, 0, 1) ? imgb_db_cell(&r, 0, 1) : "");
    }
    imgb_db_rows_dispose(&r);
    return rc;
}
