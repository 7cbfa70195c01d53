/*
 * `imgbaseline serve`: the four cloud APIs answered from the store, the job API, /healthz.
 *
 *   GET|POST /                       Alibaba Cloud RPC (Version 2018-12-03), Action in the
 *                                    parameters or x-acs-action; V1 or ACS3-HMAC-SHA256
 *   GET /v5/{project_id}/image/baseline/risk-configs|statistic
 *                                    Huawei Cloud HSS; SDK-HMAC-SHA256 or X-Auth-Token
 *   POST /v1/scans, GET /v1/scans/{id}, POST /v1/build-risks
 *                                    own job API; X-Auth-Token (or Authorization: Bearer)
 *   GET /v1/scans/{id}/report.html   the HTML report of a recorded scan (scan or job id),
 *                                    ?lang=zh|en; a token or SDK-HMAC-SHA256
 *   GET /healthz                     the only unauthenticated path
 *
 * libmicrohttpd runs a thread pool with epoll; each pool thread keeps its own store handle
 * (a handle is one connection).  Every request is bounded: the whole header block by the
 * connection memory limit (431/413 from libmicrohttpd), bodies by --max-body (form and JSON)
 * and --max-upload (archives, streamed to a file), parameters by count, and the connection
 * by a timeout (a slow client is dropped; the others are served meanwhile).
 * The response shapes come from the store (engine/report/rows.h), the same as the CLI's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include <imgbaseline/store.h>

#include "cli.h"
#include "creds.h"
#include "jobrun.h"
#include "sign.h"
#include "sv_util.h"

#define SV_ALI_VERSION "2018-12-03"
#define SV_SKEW_MS (15 * 60 * 1000)        /* Timestamp / x-acs-date / X-Sdk-Date window */
#define SV_MAX_PARAMS 256                  /* query + form parameters of one request */
#define SV_MAX_BODY_DEFAULT (64 * 1024)
#define SV_MAX_UPLOAD_DEFAULT (2LL << 30)
#define SV_HEADER_MEMORY (128 * 1024)      /* request line, headers and parsed query args */

typedef struct sv_server {
    const char *listen_host;
    unsigned port;
    const char *store;
    const char *images_dir;            /* realpath'd; NULL: path jobs refused */
    char *upload_dir;
    sv_creds creds;
    long threads, workers, timeout_s;
    long long max_body, max_upload;
    pthread_mutex_t stores_lock;
    sv_vec stores;                /* every thread's handle, closed at exit */
} sv_server;

static sv_server g;
static _Thread_local imgb_store *tl_store;
static volatile sig_atomic_t g_stop;

/* ---- per request --------------------------------------------------------------------- */

typedef enum route { R_NONE, R_HEALTH, R_ALI, R_HW_RISK, R_HW_STAT, R_JOB_POST, R_JOB_GET,
                     R_RISK_STATUS, R_REPORT_HTML } route;

typedef struct req {
    char *raw_uri;           /* as on the wire (not unescaped) */
    route route;
    bool started;
    sv_buf body;
    long long body_len;
    bool too_large;
    int upload_fd;           /* archive upload */
    char *upload_path;
    char rid[37];
    struct MHD_Connection *conn;
} req;

/* Per connection: the request in progress, so that one libmicrohttpd refuses before our
 * handler runs (414/431: no completion callback then) is still freed. */
typedef struct conn_ctx {
    req *current;
} conn_ctx;

static void req_free(req *r)
{
    if (!r)
        return;
    if (r->upload_fd >= 0)
        close(r->upload_fd);
    if (r->upload_path)
        unlink(r->upload_path); /* still ours: not handed to a job */
    free(r->upload_path);
    sv_buf_dispose(&r->body);
    free(r->raw_uri);
    free(r);
}

static conn_ctx *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)conn;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = sv_xcalloc(1, sizeof(conn_ctx));
    } else if (*socket_context) {
        conn_ctx *c = *socket_context;
        req_free(c->current);
        free(c);
        *socket_context = NULL;
    }
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    req *r = sv_xcalloc(1, sizeof *r);
    r->raw_uri = sv_xstrdup(uri ? uri : "");
    r->upload_fd = -1;
    r->conn = conn;
    imgb_store_request_id(r->rid);
    conn_ctx *c = conn_of(conn);
    if (c) {
        req_free(c->current); /* a previous request refused before our handler */
        c->current = r;
    }
    return r;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    req *r = *con_cls;
    if (!r)
        return;
    conn_ctx *c = conn_of(conn);
    if (c && c->current == r)
        c->current = NULL;
    req_free(r);
    *con_cls = NULL;
}

static imgb_store *store_get(void)
{
    if (tl_store)
        return tl_store;
    if (imgb_store_open(&tl_store, g.store) < 0)
        return NULL;
    pthread_mutex_lock(&g.stores_lock);
    sv_vec_push(&g.stores, tl_store);
    pthread_mutex_unlock(&g.stores_lock);
    return tl_store;
}

static const char *hdr(void *ctx, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_json(req *r, unsigned status, char *body)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), body,
                                                                MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json;charset=utf-8");
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    if (r->route == R_ALI)
        MHD_add_response_header(resp, "x-acs-request-id", r->rid);
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* One error body: Alibaba {"RequestId","Code","Message"} (pop-core reads only Code, the newer
 * client the status) or Huawei / own API {"error_code","error_msg"}. */
static enum MHD_Result error_v(req *r, bool ali, unsigned status, const char *code,
                               const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_t *o = json_object();
    if (ali)
        json_object_set_new(o, "RequestId", json_string(r->rid));
    json_object_set_new(o, ali ? "Code" : "error_code", json_string(code));
    json_object_set_new(o, ali ? "Message" : "error_msg", json_string(msg));
    char *b = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    return send_json(r, status, b);
}

static enum MHD_Result ali_error(req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result ali_error(req *r, unsigned status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result rc = error_v(r, true, status, code, fmt, ap);
    va_end(ap);
    return rc;
}

static enum MHD_Result hw_error(req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result hw_error(req *r, unsigned status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result rc = error_v(r, false, status, code, fmt, ap);
    va_end(ap);
    return rc;
}

static enum MHD_Result route_error(req *r, unsigned status, const char *ali_code,
                                   const char *hw_code, const char *msg)
{
    if (r->route == R_ALI)
        return ali_error(r, status, ali_code, "%s", msg);
    return hw_error(r, status, hw_code, "%s", msg);
}

/* ---- time ---------------------------------------------------------------------------- */

/* "YYYY-MM-DDThh:mm:ssZ" (Alibaba) or "YYYYMMDDThhmmssZ" (Huawei) -> ms; -1 if malformed. */
static int64_t parse_time(const char *s, bool basic)
{
    struct tm tm = { 0 };
    const char *end = strptime(s, basic ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -1;
    return (int64_t)timegm(&tm) * 1000;
}

static bool within_skew(int64_t t)
{
    int64_t d = imgb_store_now_ms() - t;
    return t >= 0 && d <= SV_SKEW_MS && d >= -SV_SKEW_MS;
}

/* ---- request pieces ------------------------------------------------------------------ */

static const char *raw_query(const req *r)
{
    const char *q = strchr(r->raw_uri, '?');
    return q ? q + 1 : "";
}

static size_t raw_path_len(const req *r)
{
    return strcspn(r->raw_uri, "?");
}

static bool path_is(const req *r, const char *p)
{
    return raw_path_len(r) == strlen(p) && !strncmp(r->raw_uri, p, strlen(p));
}

/* Parse the query (and a form body) into `out`; answers the error itself. */
static int parse_params(req *r, sv_kvs *query, sv_kvs *form, enum MHD_Result *ret)
{
    const char *q = raw_query(r);
    int rc = sv_parse_form(q, strlen(q), SV_MAX_PARAMS, query);
    if (rc == 0 && form) {
        const char *ct = hdr(r->conn, "Content-Type");
        if (r->body.len && ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33))
            rc = sv_parse_form(r->body.ptr, r->body.len, SV_MAX_PARAMS - query->n, form);
    }
    if (rc == 0)
        return 0;
    const char *why = rc == -2 ? "too many parameters (at most 256)"
                    : rc == -3 ? "a parameter is not valid UTF-8"
                               : "a parameter has a malformed %-escape";
    *ret = route_error(r, 400, rc == -2 ? "InvalidParameter" : "InvalidParameter",
                       "InvalidParameter", why);
    return -1;
}

/* ---- Alibaba ------------------------------------------------------------------------- */

typedef struct ali_action {
    const char *action;
    const char *format;
} ali_action;

static const ali_action ali_actions[] = {
    { "DescribeImageBaselineCheckResult", "aliyun-baseline-check-result" },
    { "DescribeImageListByBuildRisk", "aliyun-build-risk-images" },
    { NULL, NULL },
};

/* API parameter name -> report parameter (the rest are common parameters or ignored). */
static const char *const ali_params[][2] = {
    { "ImageUuid", "image_uuid" }, { "RiskLevel", "risk_level" }, { "Criteria", "criteria" },
    { "CriteriaType", "criteria_type" }, { "PageSize", "page_size" },
    { "CurrentPage", "current_page" }, { "Lang", "lang" }, { "RiskKey", "risk_key" },
    { "Status", "status" }, { "RegionId", "region_id" }, { "InstanceId", "instance_id" },
    { NULL, NULL },
};

static enum MHD_Result ali_answer(req *r, const sv_tenant *t, const char *action,
                                  const sv_kvs *params)
{
    const ali_action *a = ali_actions;
    while (a->action && strcmp(a->action, action))
        a++;
    if (!a->action)
        return ali_error(r, 404, "InvalidAction.NotFound", "Specified api is not found, "
                         "please check your url and method.");
    imgb_store_query *q = NULL;
    imgb_store_query_new(&q, a->format);
    sv_buf range = SV_BUF_INIT;
    enum MHD_Result ret = MHD_NO;
    for (size_t i = 0; i < params->n; i++) {
        const char *k = params->items[i].key, *v = params->items[i].value;
        if (!strncmp(k, "ScanRange.", 10) || !strcmp(k, "ScanRange")) {
            sv_buf_printf(&range, "%s%s", range.len ? "," : "", v);
            continue;
        }
        for (size_t m = 0; ali_params[m][0]; m++) {
            if (strcmp(ali_params[m][0], k))
                continue;
            if (imgb_store_query_set(q, ali_params[m][1], v) < 0) {
                ret = ali_error(r, 400, "InvalidParameter", "%s", imgb_error_last());
                goto out;
            }
        }
    }
    if (range.len && imgb_store_query_set(q, "scan_range", range.ptr) < 0) {
        ret = ali_error(r, 400, "InvalidParameter", "%s", imgb_error_last());
        goto out;
    }
    imgb_store *s = store_get();
    char *body = NULL;
    if (!s) {
        ret = ali_error(r, 500, "InternalError", "the store is unavailable");
        goto out;
    }
    int rc = imgb_store_answer(s, t->name, q, r->rid, &body, NULL);
    if (rc == IMGB_EINVAL)
        ret = ali_error(r, 400, strstr(imgb_error_last(), "missing") ? "MissingParameter"
                                                                      : "InvalidParameter",
                        "%s", imgb_error_last());
    else if (rc < 0)
        ret = ali_error(r, 500, "InternalError", "the store failed to answer");
    else
        ret = send_json(r, 200, body);
out:
    sv_buf_dispose(&range);
    imgb_store_query_free(q);
    return ret;
}

/*
 * The fields of "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex" and of
 * "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex" (`p` after the scheme).
 */
static bool parse_auth(const char *p, const char *id_field, char **ak, char **signed_h,
                       char **sig)
{
    size_t idl = strlen(id_field);
    *ak = *signed_h = *sig = NULL;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        size_t vl = strcspn(eq + 1, ",");
        char *v = sv_xstrndup(eq + 1, vl);
        if (!strncmp(p, id_field, idl) && p[idl] == '=' && !*ak)
            *ak = v;
        else if (!strncmp(p, "SignedHeaders=", 14) && !*signed_h)
            *signed_h = v;
        else if (!strncmp(p, "Signature=", 10) && !*sig)
            *sig = v;
        else
            free(v);
        p = eq + 1 + vl;
    }
    if (*ak && *signed_h && *sig)
        return true;
    free(*ak);
    free(*signed_h);
    free(*sig);
    *ak = *signed_h = *sig = NULL;
    return false;
}

/* Every x-acs-* header of the request and host must be signed: an unsigned one could
 * re-route a signed request (x-acs-action) or replay it elsewhere. */
static bool acs3_headers_covered(req *r, const char *signed_h)
{
    char *list = sv_xasprintf(";%s;", signed_h);
    bool ok = strstr(list, ";host;") && strstr(list, ";x-acs-date;") &&
              strstr(list, ";x-acs-signature-nonce;");
    static const char *const must[] = { "x-acs-action", "x-acs-version", "x-acs-content-sha256",
                                        "x-acs-security-token", NULL };
    for (size_t i = 0; ok && must[i]; i++) {
        char *needle = sv_xasprintf(";%s;", must[i]);
        if (hdr(r->conn, must[i]) && !strstr(list, needle))
            ok = false;
        free(needle);
    }
    free(list);
    return ok;
}

static enum MHD_Result handle_ali(req *r, const char *method)
{
    sv_kvs query = { 0 }, form = { 0 }, all = { 0 };
    enum MHD_Result ret = MHD_NO;
    char *sig_calc = NULL, *ak = NULL, *signed_h = NULL, *sig = NULL;
    if (parse_params(r, &query, &form, &ret) < 0)
        goto out;
    for (size_t i = 0; i < query.n + form.n; i++) {
        const sv_kv *kv = i < query.n ? &query.items[i] : &form.items[i - query.n];
        if (sv_kvs_get(&all, kv->key)) {
            ret = ali_error(r, 400, "InvalidParameter", "parameter %.64s is given twice", kv->key);
            goto out;
        }
        sv_kvs_add(&all, kv->key, strlen(kv->key), kv->value, strlen(kv->value));
    }
    const char *auth = hdr(r->conn, "Authorization");
    const char *action = sv_kvs_get(&all, "Action");
    const char *version = sv_kvs_get(&all, "Version");
    const sv_tenant *tenant = NULL;
    const char *nonce_key = NULL, *nonce = NULL;
    int64_t ts;

    if (auth && !strncmp(auth, "ACS3-HMAC-SHA256 ", 17)) {
        if (!parse_auth(auth + 17, "Credential", &ak, &signed_h, &sig)) {
            ret = ali_error(r, 400, "InvalidParameter", "malformed Authorization header");
            goto out;
        }
        const sv_key *key = sv_creds_aliyun(&g.creds, ak, &tenant);
        if (!key) {
            ret = ali_error(r, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not "
                            "found.");
            goto out;
        }
        if (!acs3_headers_covered(r, signed_h)) {
            ret = ali_error(r, 400, "SignatureDoesNotMatch", "Specified signature is not matched "
                            "with our calculation: host, x-acs-date, x-acs-signature-nonce and "
                            "every x-acs-action/version header must be signed.");
            goto out;
        }
        char body_hash[65];
        sv_sha256_hex(r->body.ptr ? r->body.ptr : "", r->body.len, body_hash);
        sig_calc = sv_acs3_signature(method, "/", &query, hdr, r->conn, signed_h, body_hash,
                                     key->secret);
        if (!sv_equal_ct(sig_calc, sig)) {
            ret = ali_error(r, 400, "SignatureDoesNotMatch", "Specified signature is not matched "
                            "with our calculation.");
            goto out;
        }
        ts = parse_time(hdr(r->conn, "x-acs-date") ? hdr(r->conn, "x-acs-date") : "", false);
        nonce = hdr(r->conn, "x-acs-signature-nonce");
        nonce_key = ak;
        if (!action)
            action = hdr(r->conn, "x-acs-action");
        if (!version)
            version = hdr(r->conn, "x-acs-version");
    } else {
        const char *id = sv_kvs_get(&all, "AccessKeyId");
        const char *given = sv_kvs_get(&all, "Signature");
        if (!id || !given) {
            ret = ali_error(r, 400, "MissingParameter", "The input parameter \"%s\" that is "
                            "mandatory for processing this request is not supplied.",
                            !id ? "AccessKeyId" : "Signature");
            goto out;
        }
        const sv_key *key = sv_creds_aliyun(&g.creds, id, &tenant);
        if (!key) {
            ret = ali_error(r, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not "
                            "found.");
            goto out;
        }
        const char *sm = sv_kvs_get(&all, "SignatureMethod");
        const char *sv = sv_kvs_get(&all, "SignatureVersion");
        if (!sm || strcmp(sm, "HMAC-SHA1") || !sv || strcmp(sv, "1.0")) {
            ret = ali_error(r, 400, "InvalidParameter", "SignatureMethod must be HMAC-SHA1 and "
                            "SignatureVersion 1.0");
            goto out;
        }
        sv_kvs unsigned_params = { 0 };
        for (size_t i = 0; i < all.n; i++)
            if (strcmp(all.items[i].key, "Signature"))
                sv_kvs_add(&unsigned_params, all.items[i].key, strlen(all.items[i].key),
                           all.items[i].value, strlen(all.items[i].value));
        sig_calc = sv_v1_signature(method, &unsigned_params, key->secret);
        sv_kvs_dispose(&unsigned_params);
        if (!sv_equal_ct(sig_calc, given)) {
            ret = ali_error(r, 400, "SignatureDoesNotMatch", "Specified signature is not matched "
                            "with our calculation.");
            goto out;
        }
        ts = parse_time(sv_kvs_get(&all, "Timestamp") ? sv_kvs_get(&all, "Timestamp") : "", false);
        nonce = sv_kvs_get(&all, "SignatureNonce");
        nonce_key = id;
        if (!action)
            action = hdr(r->conn, "x-acs-action");
    }
    if (!within_skew(ts)) {
        ret = ali_error(r, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value "
                        "is expired (more than 15 minutes from the server's time).");
        goto out;
    }
    if (!nonce || !*nonce || strlen(nonce) > 128) {
        ret = ali_error(r, 400, "MissingParameter", "The input parameter \"SignatureNonce\" that "
                        "is mandatory for processing this request is not supplied.");
        goto out;
    }
    imgb_store *s = store_get();
    if (!s) {
        ret = ali_error(r, 500, "InternalError", "the store is unavailable");
        goto out;
    }
    /* Kept as long as a timestamp can be accepted: a replay is refused in that window. */
    int fresh = imgb_store_nonce_use(s, nonce_key, nonce, imgb_store_now_ms(),
                                     imgb_store_now_ms() + 2 * SV_SKEW_MS);
    if (fresh <= 0) {
        ret = fresh < 0 ? ali_error(r, 500, "InternalError", "the store is unavailable")
                        : ali_error(r, 400, "SignatureNonceUsed", "Specified signature nonce was "
                                    "used already.");
        goto out;
    }
    if (!action) {
        ret = ali_error(r, 400, "MissingParameter", "The input parameter \"Action\" that is "
                        "mandatory for processing this request is not supplied.");
        goto out;
    }
    if (version && strcmp(version, SV_ALI_VERSION)) {
        ret = ali_error(r, 400, "InvalidParameter", "Version %.32s is not supported (%s)",
                        version, SV_ALI_VERSION);
        goto out;
    }
    ret = ali_answer(r, tenant, action, &all);
out:
    free(sig_calc);
    free(ak);
    free(signed_h);
    free(sig);
    sv_kvs_dispose(&query);
    sv_kvs_dispose(&form);
    sv_kvs_dispose(&all);
    return ret;
}

/* ---- Huawei -------------------------------------------------------------------------- */

static const char *const hw_params[] = {
    "image_type", "offset", "limit", "namespace", "image_name", "image_version", "image_id",
    "check_name", "severity", "standard", "enterprise_project_id", "instance_id", NULL,
};

/*
 * Who sent a GET: a Huawei SDK-HMAC-SHA256 signature (the key's tenant; `*key` is set) or a
 * token (X-Auth-Token, or Authorization: Bearer).  NULL when neither holds, with why in
 * `*why` and Huawei's APIGW code in `*code` (0303 for the clock, 0301 otherwise).
 */
static const sv_tenant *authenticate_get(req *r, const sv_kvs *query, const sv_key **key,
                                         const char **code, char why[160])
{
    const char *auth = hdr(r->conn, "Authorization");
    const char *token = hdr(r->conn, "X-Auth-Token");
    const sv_tenant *tenant = NULL;
    *key = NULL;
    *code = "APIGW.0301";
    if (!token && auth && !strncasecmp(auth, "Bearer ", 7))
        token = auth + 7;
    if (!auth || strncmp(auth, "SDK-HMAC-SHA256 ", 16)) {
        if (!token)
            snprintf(why, 160, "no Authorization or X-Auth-Token");
        else if (!(tenant = sv_creds_token(&g.creds, token)))
            snprintf(why, 160, "the token is not valid");
        return tenant;
    }
    char *ak = NULL, *signed_h = NULL, *sig = NULL, *calc = NULL;
    bool signed_ok = false;
    parse_auth(auth + 16, "Access", &ak, &signed_h, &sig);
    const char *date = hdr(r->conn, "X-Sdk-Date");
    char *list = sv_xasprintf(";%s;", signed_h ? signed_h : "");
    bool covered = strstr(list, ";host;") && strstr(list, ";x-sdk-date;");
    if (!ak || !signed_h || !sig) {
        snprintf(why, 160, "malformed Authorization header");
    } else if (!(*key = sv_creds_huawei(&g.creds, ak, &tenant)) || !date || !covered) {
        snprintf(why, 160, "%s", !*key ? "unknown access key" : "host and X-Sdk-Date must be signed");
    } else {
        const char *ph = hdr(r->conn, "X-Sdk-Content-Sha256");
        char body_hash[65];
        sv_sha256_hex(r->body.ptr ? r->body.ptr : "", r->body.len, body_hash);
        bool ph_signed = ph && strstr(list, ";x-sdk-content-sha256;");
        /* UNSIGNED-PAYLOAD is the SDK's choice for non-JSON bodies; GETs here have none. */
        calc = sv_hw_signature("GET", r->raw_uri, query, hdr, r->conn, signed_h,
                               ph_signed ? ph : body_hash, date, (*key)->secret);
        if (!sv_equal_ct(calc, sig)) {
            snprintf(why, 160, "verify aksk signature fail");
        } else if (!within_skew(parse_time(date, true))) {
            *code = "APIGW.0303";
            snprintf(why, 160, "X-Sdk-Date is more than 15 minutes from the server's time");
        } else {
            signed_ok = true;
        }
    }
    if (!signed_ok) {
        *key = NULL;
        tenant = NULL;
    }
    free(list);
    free(calc);
    free(ak);
    free(signed_h);
    free(sig);
    return tenant;
}

static enum MHD_Result handle_hw(req *r, const char *project_id)
{
    sv_kvs query = { 0 };
    enum MHD_Result ret = MHD_NO;
    imgb_store_query *q = NULL;
    if (parse_params(r, &query, NULL, &ret) < 0)
        goto out;
    const sv_key *key = NULL;
    const char *code;
    char why[160];
    const sv_tenant *tenant = authenticate_get(r, &query, &key, &code, why);
    if (!tenant) {
        ret = hw_error(r, 401, code, "Incorrect IAM authentication information: %s", why);
        goto out;
    }
    if (!sv_creds_owns_project(tenant, key, project_id)) {
        ret = hw_error(r, 403, "APIGW.0302", "The project %.64s is not one of this "
                       "credential's projects", project_id);
        goto out;
    }
    imgb_store_query_new(&q, r->route == R_HW_RISK ? "huawei-risk-configs"
                                                   : "huawei-baseline-statistic");
    for (size_t i = 0; i < query.n; i++)
        for (size_t m = 0; hw_params[m]; m++)
            if (!strcmp(hw_params[m], query.items[i].key) &&
                imgb_store_query_set(q, hw_params[m], query.items[i].value) < 0) {
                ret = hw_error(r, 400, "HSS.1001", "%s", imgb_error_last());
                goto out;
            }
    const char *lang = hdr(r->conn, "X-Language");
    if (lang && !strncasecmp(lang, "en", 2))
        imgb_store_query_set(q, "lang", "en");
    imgb_store *s = store_get();
    char *body = NULL;
    if (!s) {
        ret = hw_error(r, 500, "HSS.1000", "the store is unavailable");
        goto out;
    }
    int rc = imgb_store_answer(s, tenant->name, q, r->rid, &body, NULL);
    if (rc == IMGB_EINVAL)
        ret = hw_error(r, 400, "HSS.1001", "%s", imgb_error_last());
    else if (rc < 0)
        ret = hw_error(r, 500, "HSS.1000", "the store failed to answer");
    else
        ret = send_json(r, 200, body);
out:
    imgb_store_query_free(q);
    sv_kvs_dispose(&query);
    return ret;
}

/* ---- own job API --------------------------------------------------------------------- */

static const sv_tenant *token_tenant(req *r)
{
    const char *tok = hdr(r->conn, "X-Auth-Token");
    const char *auth = hdr(r->conn, "Authorization");
    if (!tok && auth && !strncasecmp(auth, "Bearer ", 7))
        tok = auth + 7;
    return tok ? sv_creds_token(&g.creds, tok) : NULL;
}

/* `rel` inside --images-dir: no absolute path, no "..", and the real path (symlinks
 * resolved) still below the directory.  @return the real path or NULL with `why`. */
static char *images_path(const char *rel, const char **why)
{
    if (!g.images_dir) {
        *why = "this server has no --images-dir: send the archive as the body";
        return NULL;
    }
    if (!*rel || rel[0] == '/' || strlen(rel) > PATH_MAX) {
        *why = "path must be relative to the images directory";
        return NULL;
    }
    for (const char *c = rel; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && !strncmp(c, "..", 2)) {
            *why = "path must not contain '..'";
            return NULL;
        }
        c += n;
        while (*c == '/')
            c++;
    }
    char *joined = sv_xasprintf("%s/%s", g.images_dir, rel);
    char *real = realpath(joined, NULL);
    free(joined);
    size_t dl = strlen(g.images_dir);
    if (!real) {
        *why = "no such image under the images directory";
        return NULL;
    }
    if (strncmp(real, g.images_dir, dl) || real[dl] != '/') {
        free(real);
        *why = "path leaves the images directory (symlink)";
        return NULL;
    }
    return real;
}

static enum MHD_Result job_submitted(req *r, const char *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "state", json_string("queued"));
    char *b = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return send_json(r, 202, b);
}

static enum MHD_Result handle_job_post(req *r, const sv_tenant *t)
{
    imgb_store *s = store_get();
    if (!s)
        return hw_error(r, 500, "IMGB.500", "the store is unavailable");
    char id[33];
    if (r->upload_path) {
        if (r->body_len == 0)
            return hw_error(r, 400, "IMGB.400", "empty body: send {\"path\": ...} or the archive");
        close(r->upload_fd);
        r->upload_fd = -1;
        if (imgb_store_job_submit(s, t->name, r->upload_path, 1, id) < 0)
            return hw_error(r, 500, "IMGB.500", "cannot queue the scan");
        free(r->upload_path);
        r->upload_path = NULL; /* the job owns the file now */
        return job_submitted(r, id);
    }
    json_error_t err;
    json_t *j = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, JSON_REJECT_DUPLICATES,
                           &err);
    const char *rel = j ? json_string_value(json_object_get(j, "path")) : NULL;
    if (!rel) {
        json_decref(j);
        return hw_error(r, 400, "IMGB.400", "body must be JSON {\"path\": \"relative/to/"
                        "images-dir\"} or the archive itself (application/octet-stream)");
    }
    const char *why = NULL;
    char *real = images_path(rel, &why);
    json_decref(j);
    if (!real)
        return hw_error(r, 400, "IMGB.400", "%s", why);
    int rc = imgb_store_job_submit(s, t->name, real, 0, id);
    free(real);
    if (rc < 0)
        return hw_error(r, 500, "IMGB.500", "cannot queue the scan");
    return job_submitted(r, id);
}

static enum MHD_Result handle_job_get(req *r, const sv_tenant *t)
{
    const char *id = r->raw_uri + strlen("/v1/scans/");
    size_t n = raw_path_len(r) - strlen("/v1/scans/");
    char *sid = sv_xstrndup(id, n);
    imgb_store *s = store_get();
    char *json = NULL;
    int rc = s ? imgb_store_job_json(s, t->name, sid, &json) : IMGB_ERROR;
    free(sid);
    if (rc == IMGB_ENOTFOUND)
        return hw_error(r, 404, "IMGB.404", "no such scan job");
    if (rc < 0)
        return hw_error(r, 500, "IMGB.500", "the store is unavailable");
    return send_json(r, 200, json);
}

static enum MHD_Result handle_risk_status(req *r, const sv_tenant *t)
{
    json_error_t err;
    json_t *j = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, 0, &err);
    const char *uuid = json_string_value(json_object_get(j, "image_uuid"));
    const char *key = json_string_value(json_object_get(j, "risk_key"));
    json_t *st = json_object_get(j, "status");
    if (!uuid || !key || !json_is_integer(st)) {
        json_decref(j);
        return hw_error(r, 400, "IMGB.400", "body must be JSON {\"image_uuid\", \"risk_key\", "
                        "\"status\": 0|1|2}");
    }
    imgb_store *s = store_get();
    int n = s ? imgb_store_set_risk_status(s, t->name, uuid, key, (int)json_integer_value(st))
              : IMGB_ERROR;
    json_decref(j);
    if (n == IMGB_EINVAL)
        return hw_error(r, 400, "IMGB.400", "%s", imgb_error_last());
    if (n < 0)
        return hw_error(r, 500, "IMGB.500", "the store is unavailable");
    char *b = sv_xasprintf("{\"updated\":%d}", n);
    return send_json(r, 200, b);
}

/*
 * The HTML report of a recorded scan, as `scan --format html` wrote it.  The policy header
 * repeats the page's own (no fetch of any kind) and adds what only a header can say
 * (frame-ancestors); nosniff and the exact type keep a browser from reading it as anything
 * else.  Another tenant's scan is "not found", never "forbidden": ids are not confirmed.
 */
static enum MHD_Result handle_report_html(req *r)
{
    sv_kvs query = { 0 };
    enum MHD_Result ret = MHD_NO;
    if (parse_params(r, &query, NULL, &ret) < 0)
        return ret;
    const sv_key *key;
    const char *code;
    char why[160];
    const sv_tenant *t = authenticate_get(r, &query, &key, &code, why);
    const char *lang_s = sv_kvs_get(&query, "lang");
    imgb_lang lang = IMGB_LANG_ZH; /* the APIs' default */
    if (!t) {
        ret = hw_error(r, 401, "IMGB.401", "a token (X-Auth-Token or Authorization: Bearer) "
                       "or an SDK-HMAC-SHA256 signature is required: %s", why);
    } else if (lang_s && imgb_lang_parse(lang_s, &lang) < 0) {
        ret = hw_error(r, 400, "IMGB.400", "invalid lang '%.16s': Valid values: zh, en.", lang_s);
    } else {
        size_t n = raw_path_len(r) - strlen("/v1/scans/") - strlen("/report.html");
        char *id = sv_xstrndup(r->raw_uri + strlen("/v1/scans/"), n);
        imgb_store *s = store_get();
        char *page = NULL, *csp = NULL;
        size_t len = 0;
        int rc = s ? imgb_store_page(s, t->name, id, lang, &page, &len, &csp) : IMGB_ERROR;
        free(id);
        if (rc == IMGB_ENOTFOUND) {
            ret = hw_error(r, 404, "IMGB.404", "%s", imgb_error_last());
        } else if (rc < 0) {
            ret = hw_error(r, 500, "IMGB.500", "the store failed to answer");
        } else {
            struct MHD_Response *resp =
                MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
            char *policy = sv_xasprintf("%s; frame-ancestors 'none'", csp);
            MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
            MHD_add_response_header(resp, "Content-Security-Policy", policy);
            MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
            MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
            /* A tenant's findings: kept by no shared cache, and not by the browser either. */
            MHD_add_response_header(resp, "Cache-Control", "no-store");
            MHD_add_response_header(resp, "X-Request-Id", r->rid);
            ret = MHD_queue_response(r->conn, 200, resp);
            MHD_destroy_response(resp);
            free(policy);
        }
        imgb_free(csp);
    }
    sv_kvs_dispose(&query);
    return ret;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static route find_route(const req *r, const char *method, char **project_id)
{
    size_t pl = raw_path_len(r);
    const char *u = r->raw_uri;
    if (path_is(r, "/healthz"))
        return R_HEALTH;
    if (path_is(r, "/"))
        return R_ALI;
    if (path_is(r, "/v1/scans"))
        return R_JOB_POST;
    if (path_is(r, "/v1/build-risks"))
        return R_RISK_STATUS;
    if (pl > 10 && !strncmp(u, "/v1/scans/", 10) && !memchr(u + 10, '/', pl - 10))
        return R_JOB_GET;
    static const char page[] = "/report.html";
    size_t pgl = sizeof page - 1;
    if (pl > 10 + pgl && !strncmp(u, "/v1/scans/", 10) && !strncmp(u + pl - pgl, page, pgl) &&
        !memchr(u + 10, '/', pl - 10 - pgl))
        return R_REPORT_HTML;
    (void)method;
    if (pl > 4 && !strncmp(u, "/v5/", 4)) {
        const char *p = u + 4;
        size_t n = strcspn(p, "/?");
        const char *rest = p + n;
        size_t rl = pl - (size_t)(rest - u);
        route rt = R_NONE;
        if (rl == strlen("/image/baseline/risk-configs") &&
            !strncmp(rest, "/image/baseline/risk-configs", rl))
            rt = R_HW_RISK;
        else if (rl == strlen("/image/baseline/statistic") &&
                 !strncmp(rest, "/image/baseline/statistic", rl))
            rt = R_HW_STAT;
        if (rt != R_NONE && n > 0 && n <= 64) {
            *project_id = sv_xstrndup(p, n);
            return rt;
        }
    }
    return R_NONE;
}

static bool method_ok(route rt, const char *m)
{
    switch (rt) {
    case R_ALI: return !strcmp(m, "GET") || !strcmp(m, "POST");
    case R_JOB_POST: case R_RISK_STATUS: return !strcmp(m, "POST");
    default: return !strcmp(m, "GET");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    req *r = *con_cls;
    if (!r)
        return MHD_NO;
    if (!r->started) {
        r->started = true;
        char *project = NULL;
        r->route = find_route(r, method, &project);
        free(project);
        if (r->route == R_NONE)
            return hw_error(r, 404, "IMGB.404", "no such API");
        if (!method_ok(r->route, method))
            return route_error(r, 405, "InvalidParameter", "IMGB.405", "method not allowed");
        /* A declared body over the limit is refused before it is read. */
        const char *cl = hdr(conn, "Content-Length");
        long long limit = r->route == R_JOB_POST ? g.max_upload : g.max_body;
        if (cl && strtoll(cl, NULL, 10) > limit)
            return route_error(r, 413, "InvalidParameter", "IMGB.413",
                               "request body too large");
        if (r->route == R_JOB_POST) {
            if (!token_tenant(r))
                return hw_error(r, 401, "IMGB.401", "X-Auth-Token (or Authorization: Bearer) "
                                "with a token of the credentials file is required");
            const char *ct = hdr(conn, "Content-Type");
            if (!ct || strncasecmp(ct, "application/json", 16)) {
                char *tmpl = sv_xasprintf("%s/upload-XXXXXX", g.upload_dir);
                r->upload_fd = mkostemp(tmpl, O_CLOEXEC);
                if (r->upload_fd < 0) {
                    free(tmpl);
                    return hw_error(r, 500, "IMGB.500", "cannot store the upload");
                }
                r->upload_path = tmpl;
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        long long limit = r->route == R_JOB_POST && r->upload_path ? g.max_upload : g.max_body;
        r->body_len += (long long)*upload_data_size;
        if (r->body_len > limit) {
            r->too_large = true;
        } else if (r->upload_fd >= 0) {
            size_t off = 0;
            while (off < *upload_data_size) {
                ssize_t w = write(r->upload_fd, upload_data + off, *upload_data_size - off);
                if (w <= 0) {
                    r->too_large = true;
                    break;
                }
                off += (size_t)w;
            }
        } else {
            sv_buf_put(&r->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_large)
        return route_error(r, 413, "InvalidParameter", "IMGB.413", "request body too large");

    char *project = NULL;
    enum MHD_Result ret;
    switch (r->route) {
    case R_HEALTH:
        ret = send_json(r, 200, sv_xstrdup("{\"status\":\"ok\"}"));
        break;
    case R_ALI:
        ret = handle_ali(r, method);
        break;
    case R_HW_RISK:
    case R_HW_STAT:
        find_route(r, method, &project);
        ret = handle_hw(r, project);
        break;
    case R_REPORT_HTML:
        ret = handle_report_html(r);
        break;
    default: {
        const sv_tenant *t = token_tenant(r);
        if (!t)
            ret = hw_error(r, 401, "IMGB.401", "X-Auth-Token (or Authorization: Bearer) with a "
                           "token of the credentials file is required");
        else if (r->route == R_JOB_POST)
            ret = handle_job_post(r, t);
        else if (r->route == R_JOB_GET)
            ret = handle_job_get(r, t);
        else
            ret = handle_risk_status(r, t);
        break;
    }
    }
    free(project);
    return ret;
}

/* ---- the command --------------------------------------------------------------------- */

typedef struct serve_args {
    const char *listen, *store, *credentials, *images_dir;
    const char *upload_dir;            /* --upload-dir: where uploaded archives wait */
    const char *budget;                /* --weak-password-budget for the scans */
    long threads, workers, timeout, lease;
    long long max_body, max_upload;
} serve_args;

static int opt_str(void *a, const cli_option *o, const char *v)
{
    serve_args *s = a;
    if (!strcmp(o->name, "listen"))
        s->listen = v;
    else if (!strcmp(o->name, "store"))
        s->store = v;
    else if (!strcmp(o->name, "credentials"))
        s->credentials = v;
    else if (!strcmp(o->name, "images-dir"))
        s->images_dir = v;
    else if (!strcmp(o->name, "upload-dir"))
        s->upload_dir = v;
    else if (cli_parse_int(v, 1, 86400, &(long){ 0 }) < 0)
        return cli_fail("serve: --weak-password-budget wants seconds from 1 to 86400"), -1;
    else
        s->budget = v;
    return 0;
}

static int opt_num(void *a, const cli_option *o, const char *v)
{
    serve_args *s = a;
    long n;
    long max = !strcmp(o->name, "threads") ? 256 : !strcmp(o->name, "workers") ? 64
             : !strcmp(o->name, "timeout") ? 3600 : !strcmp(o->name, "lease") ? 86400 : LONG_MAX;
    long min = !strcmp(o->name, "workers") ? 0 : 1;
    if (cli_parse_int(v, min, max, &n) < 0)
        return cli_fail("serve: --%s wants a number from %ld to %ld", o->name, min, max), -1;
    if (!strcmp(o->name, "threads"))
        s->threads = n;
    else if (!strcmp(o->name, "workers"))
        s->workers = n;
    else if (!strcmp(o->name, "timeout"))
        s->timeout = n;
    else if (!strcmp(o->name, "lease"))
        s->lease = n;
    else if (!strcmp(o->name, "max-body"))
        s->max_body = n;
    else
        s->max_upload = n;
    return 0;
}

static const cli_option serve_options[] = {
    { "listen", 0, "HOST:PORT", "address to listen on (default 127.0.0.1:8080)", opt_str, NULL },
    { "store", 0, "PATH|URL", "the history: SQLite file or postgresql:// URL (required)",
      opt_str, NULL },
    { "credentials", 0, "FILE", "tenants and their keys (YAML, mode 0600; required)", opt_str,
      NULL },
    { "images-dir", 0, "DIR", "POST /v1/scans {\"path\"} is relative to DIR", opt_str, NULL },
    { "upload-dir", 0, "DIR", "archives sent as the body wait here for a worker (default "
      "$TMPDIR; with workers on other machines, storage they all see)", opt_str, NULL },
    { "workers", 0, "N", "scan jobs run at once in this process (default 2; 0: only "
      "`imgbaseline worker` processes scan)", opt_num, NULL },
    { "threads", 0, "N", "HTTP thread pool size (default: 2 x CPUs)", opt_num, NULL },
    { "timeout", 0, "SECONDS", "drop a connection idle this long (default 30)", opt_num, NULL },
    { "lease", 0, "SECONDS", "scan job lease (default 60)", opt_num, NULL },
    { "max-body", 0, "BYTES", "largest form or JSON body (default 65536)", opt_num, NULL },
    { "max-upload", 0, "BYTES", "largest archive sent as the body (default 2 GiB)", opt_num,
      NULL },
    { "weak-password-budget", 0, "SECONDS", "cracking time per scanned image (default 30)",
      opt_str, NULL },
    { NULL, 0, NULL, NULL, NULL, NULL },
};

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

typedef struct worker_thread {
    pthread_t th;
    sv_jobrun run;
    char *name;
} worker_thread;

static void *worker_main(void *arg)
{
    worker_thread *w = arg;
    sv_jobrun_loop(&w->run);
    return NULL;
}

int cmd_serve(int argc, char **argv);

int cmd_serve(int argc, char **argv)
{
    serve_args a = { .listen = "127.0.0.1:8080", .workers = 2, .timeout = 30, .lease = 60,
                     .max_body = SV_MAX_BODY_DEFAULT, .max_upload = SV_MAX_UPLOAD_DEFAULT };
    const cli_option *tables[] = { serve_options };
    size_t npos;
    bool help;
    char *pos = NULL;
    if (cli_parse(argc, argv, tables, 1, &a, &pos, 0, &npos, &help) < 0)
        return CLI_EXIT_ERROR;
    if (help || !a.store || !a.credentials) {
        FILE *f = help ? stdout : stderr;
        fputs("usage: imgbaseline serve --store PATH|URL --credentials FILE [options]\n\n"
              "options:\n", f);
        cli_print_options(f, serve_options);
        return help ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    }
    const char *colon = strrchr(a.listen, ':');
    long port;
    if (!colon || cli_parse_int(colon + 1, 0, 65535, &port) < 0)
        return cli_fail("serve: --listen wants HOST:PORT, got '%s'", a.listen);
    char *host = sv_xstrndup(a.listen, (size_t)(colon - a.listen));

    memset(&g, 0, sizeof g);
    pthread_mutex_init(&g.stores_lock, NULL);
    g.store = a.store;
    g.max_body = a.max_body;
    g.max_upload = a.max_upload;
    int status = CLI_EXIT_ERROR;
    struct MHD_Daemon *d = NULL;
    worker_thread *workers = NULL;
    char *images = NULL;
    if (sv_creds_load(&g.creds, a.credentials) < 0) {
        cli_fail("serve: %s", sv_error_last());
        goto done;
    }
    if (a.images_dir && !(images = realpath(a.images_dir, NULL))) {
        cli_fail("serve: --images-dir %s: %s", a.images_dir, strerror(errno));
        goto done;
    }
    g.images_dir = images;
    /* Migrate once up front: a bad store fails the start, not the first request. */
    imgb_store *probe = NULL;
    if (imgb_store_open(&probe, a.store) < 0) {
        cli_fail("serve: %s", imgb_error_last());
        goto done;
    }
    imgb_store_close(probe);
    const char *tmp = a.upload_dir ? a.upload_dir : getenv("TMPDIR");
    g.upload_dir = sv_xasprintf("%s/imgbaseline-uploads-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g.upload_dir)) {
        cli_fail("serve: cannot create an upload directory: %s", strerror(errno));
        free(g.upload_dir);
        g.upload_dir = NULL;
        goto done;
    }

    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        cli_fail("serve: --listen host must be an IPv4 address, got '%s'", host);
        goto done;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = (unsigned)(a.threads ? a.threads : (ncpu > 0 ? 2 * ncpu : 4));
    d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
                         (uint16_t)port, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)a.timeout,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SV_HEADER_MEMORY,
                         MHD_OPTION_CONNECTION_LIMIT, 4096u,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                         MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                         MHD_OPTION_END);
    if (!d) {
        cli_fail("serve: cannot listen on %s: %s", a.listen, strerror(errno));
        goto done;
    }
    struct sigaction sig = { .sa_handler = on_signal };
    sigaction(SIGINT, &sig, NULL);
    sigaction(SIGTERM, &sig, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Announced once the signals are handled: a script may stop us right after. */
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "imgbaseline: serving on %s:%u (store %s, %u threads, %ld scan workers)\n",
            host, info ? info->port : (unsigned)port,
            strncmp(a.store, "postgres", 8) ? a.store : "postgresql", threads, a.workers);


    char *self = realpath("/proc/self/exe", NULL);
    const char *scan_args[] = { "--weak-password-budget", a.budget, NULL };
    workers = sv_xcalloc((size_t)a.workers + 1, sizeof *workers);
    for (long i = 0; i < a.workers; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "serve%ld", i);
        workers[i].name = sv_worker_name(tag);
        workers[i].run = (sv_jobrun){ .store = a.store, .self = self, .worker = workers[i].name,
                                      .lease_ms = a.lease * 1000, .idle_ms = 200,
                                      .scan_args = a.budget ? scan_args : NULL,
                                      .stop = &g_stop };
        pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
    }
    while (!g_stop) {
        struct timespec ts = { 0, 100000000L };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "imgbaseline: stopping\n");
    for (long i = 0; i < a.workers; i++) {
        pthread_join(workers[i].th, NULL);
        free(workers[i].name);
    }
    free(self);
    status = CLI_EXIT_OK;
done:
    if (d)
        MHD_stop_daemon(d);
    free(workers);
    for (size_t i = 0; i < g.stores.len; i++)
        imgb_store_close(g.stores.items[i]);
    sv_vec_dispose(&g.stores);
    if (g.upload_dir) {
        rmdir(g.upload_dir);
        free(g.upload_dir);
    }
    sv_creds_dispose(&g.creds);
    free(images);
    free(host);
    return status;
}
