/*
 * SRC_REGISTRY: an image read from an OCI distribution registry (docker://HOST[:PORT]/REPO
 * [:TAG|@sha256:...]) with libcurl, so that manifest.c and read.c read it as they read an
 * OCI layout:
 *   "index.json"          made up here: one entry, the manifest (or index / manifest list)
 *                         the reference names, annotated with the reference itself;
 *   "blobs/sha256/<hex>"  GET /v2/<repo>/manifests/sha256:<hex> for the digests known to be
 *                         manifests (the top one, and every entry of an index served), else
 *                         GET /v2/<repo>/blobs/sha256:<hex>.
 * So manifests, configs and layers are digest-verified exactly as archive blobs are (the
 * bytes are hashed by manifest.c and layer.c), platforms are chosen by the same code, and
 * layers stream through read.c's workers (-j: that many transfers at once), in order into
 * the view, never to disk.
 *
 * Transfers: curl "multi" driven from the reader's read() (pull), so a layer's bytes come
 * in as the tar parser asks for them; the write callback pauses the transfer once a block
 * is buffered.  Retries: 429, 5xx and broken connections are retried with exponential
 * backoff (at most net_retries attempts per request); a broken blob transfer resumes with
 * a Range request from the byte it reached (a server answering 200 instead of 206 has the
 * bytes already delivered skipped).  A transfer without progress for net_timeout seconds
 * fails (a stalling registry).
 * Authentication (as containers/image does it): anonymous first; a 401 with a Bearer
 * challenge gets a token from the realm (with the credentials when there are some); a Basic
 * challenge gets the credentials.  Credentials: --creds, else the first auth file that has
 * an entry for the registry: --authfile, $REGISTRY_AUTH_FILE,
 * ${XDG_RUNTIME_DIR}/containers/auth.json, ~/.config/containers/auth.json,
 * ${DOCKER_CONFIG:-~/.docker}/config.json ("auths" -> base64 "auth" or username/password;
 * keys may be "host", "https://host/v1/" or "host/namespace" prefixes).  Credentials and
 * tokens never appear in messages; Authorization headers are not sent across a redirect to
 * another host (curl drops them).
 * TLS: system CAs; with tls_no_verify, certificates are not checked and a registry that
 * does not speak TLS is used over plain HTTP (checked once with GET /v2/).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "image/image_priv.h"
#include "util/dynlib.h"
#include "util/error.h"
#include "util/limits.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define ACCEPT_MANIFESTS "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST \
                         ", " MT_DOCKER_LIST
#define REG_BLOCK (1u << 20)         /* bytes buffered before the transfer pauses */
#define REG_ERRBODY_MAX 4096         /* error response bytes kept for the message */
#define REG_MAX_KNOWN 4096           /* manifest digests and layer sizes remembered */
#define REG_DEFAULT_TIMEOUT 30.0
#define REG_DEFAULT_RETRIES 4

typedef struct known {
    char hex[65];
    bool manifest;
    uint64_t size;                   /* layer descriptor size (0: unknown) */
} known;

typedef struct img_registry {
    char *ref;                       /* the reference as given, for messages */
    char *registry;                  /* "host[:port]" ("docker.io" for Docker Hub) */
    char *api_host;                  /* where requests go ("registry-1.docker.io") */
    char *repository;
    char *tag;                       /* NULL when pinned by digest */
    char *pinned;                    /* "sha256:<hex>" or NULL */
    char *base;                      /* "https://host[:port]" */
    char *user, *pass;               /* credentials (never printed) */
    bool insecure;
    long timeout;
    int retries;
    /* shared by the layer threads */
    pthread_mutex_t mu;
    char *auth_header;               /* "Authorization: ..." or NULL */
    int auth_generation;
    /* the top document */
    unsigned char *top;
    size_t top_len;
    char *top_digest, *top_type;
    char *index_json;
    known *known;
    size_t nknown;
} img_registry;

/* libcurl is loaded by the first docker:// reference (util/dynlib.h): other scans never map
 * it and its dependency closure.  Members are the functions without "curl_". */
static struct curl_fns {
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_escape) *easy_escape;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_pause) *easy_pause;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_free) *free;
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_multi_add_handle) *multi_add_handle;
    __typeof__(curl_multi_cleanup) *multi_cleanup;
    __typeof__(curl_multi_info_read) *multi_info_read;
    __typeof__(curl_multi_init) *multi_init;
    __typeof__(curl_multi_perform) *multi_perform;
    __typeof__(curl_multi_poll) *multi_poll;
    __typeof__(curl_multi_remove_handle) *multi_remove_handle;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl_api;
static const imgb_dynsym curl_syms[] = {
    { "curl_easy_cleanup", offsetof(struct curl_fns, easy_cleanup) },
    { "curl_easy_escape", offsetof(struct curl_fns, easy_escape) },
    { "curl_easy_getinfo", offsetof(struct curl_fns, easy_getinfo) },
    { "curl_easy_init", offsetof(struct curl_fns, easy_init) },
    { "curl_easy_pause", offsetof(struct curl_fns, easy_pause) },
    { "curl_easy_perform", offsetof(struct curl_fns, easy_perform) },
    { "curl_easy_reset", offsetof(struct curl_fns, easy_reset) },
    { "curl_easy_setopt", offsetof(struct curl_fns, easy_setopt) },
    { "curl_easy_strerror", offsetof(struct curl_fns, easy_strerror) },
    { "curl_free", offsetof(struct curl_fns, free) },
    { "curl_global_init", offsetof(struct curl_fns, global_init) },
    { "curl_multi_add_handle", offsetof(struct curl_fns, multi_add_handle) },
    { "curl_multi_cleanup", offsetof(struct curl_fns, multi_cleanup) },
    { "curl_multi_info_read", offsetof(struct curl_fns, multi_info_read) },
    { "curl_multi_init", offsetof(struct curl_fns, multi_init) },
    { "curl_multi_perform", offsetof(struct curl_fns, multi_perform) },
    { "curl_multi_poll", offsetof(struct curl_fns, multi_poll) },
    { "curl_multi_remove_handle", offsetof(struct curl_fns, multi_remove_handle) },
    { "curl_slist_append", offsetof(struct curl_fns, slist_append) },
    { "curl_slist_free_all", offsetof(struct curl_fns, slist_free_all) },
};
static imgb_dynlib curl_lib = { .soname = "libcurl.so.4", .package = "libcurl4",
                                .what = "docker:// references", .syms = curl_syms,
                                .nsyms = sizeof curl_syms / sizeof *curl_syms,
                                .table = &curl_api };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_api.global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- reference ---------------------------------------------------------------------------- */

static bool valid_repo(const char *s)
{
    if (!*s || strlen(s) > 255)
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
              *p == '_' || *p == '-' || *p == '/'))
            return false;
    return s[0] != '/' && s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

static bool valid_tag(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
            return false;
    return true;
}

/* "docker://[HOST[:PORT]/]REPO[:TAG][@sha256:HEX]" the way Docker normalises it. */
static int parse_ref(img_registry *g, const char *ref)
{
    const char *s = ref + 9;
    char *copy = imgb_xstrdup(s);
    char *at = strchr(copy, '@');
    int rc = 0;
    if (at) {
        *at = '\0';
        if (!imgb_digest_valid(at + 1)) {
            rc = imgb_error_set(IMGB_EINVAL, "%s: '%s' is not a sha256 digest", ref, at + 1);
            goto done;
        }
        g->pinned = imgb_xstrdup(at + 1);
    }
    char *path = copy;
    char *slash = strchr(copy, '/');
    if (slash) {
        size_t n = (size_t)(slash - copy);
        if (memchr(copy, '.', n) || memchr(copy, ':', n) ||
            (n == 9 && strncmp(copy, "localhost", 9) == 0)) {
            g->registry = imgb_xstrndup(copy, n);
            path = slash + 1;
        }
    }
    if (!g->registry)
        g->registry = imgb_xstrdup("docker.io");
    char *colon = strrchr(path, ':');
    if (colon) {
        *colon = '\0';
        if (!valid_tag(colon + 1)) {
            rc = imgb_error_set(IMGB_EINVAL, "%s: '%s' is not a valid tag", ref, colon + 1);
            goto done;
        }
        g->tag = imgb_xstrdup(colon + 1);
    }
    if (!g->tag && !g->pinned)
        g->tag = imgb_xstrdup("latest");
    bool hub = strcmp(g->registry, "docker.io") == 0 || strcmp(g->registry, "index.docker.io") == 0;
    if (hub) {
        free(g->registry);
        g->registry = imgb_xstrdup("docker.io");
    }
    g->repository = hub && !strchr(path, '/') ? imgb_xasprintf("library/%s", path)
                                              : imgb_xstrdup(path);
    if (!valid_repo(g->repository)) {
        rc = imgb_error_set(IMGB_EINVAL, "%s: '%s' is not a valid repository name (lower-case "
                            "letters, digits, '.', '_', '-', '/')", ref, path);
        goto done;
    }
    g->api_host = imgb_xstrdup(hub ? "registry-1.docker.io" : g->registry);
done:
    free(copy);
    return rc;
}

/* ---- credentials ------------------------------------------------------------------------- */

static int split_creds(img_registry *g, const char *creds, const char *from)
{
    const char *c = strchr(creds, ':');
    if (!c || c == creds)
        return imgb_error_set(IMGB_EINVAL, "%s: credentials %s are not USER:PASSWORD", g->ref,
                              from);
    g->user = imgb_xstrndup(creds, (size_t)(c - creds));
    g->pass = imgb_xstrdup(c + 1);
    return 0;
}

/* Normalise an auth file key: no scheme, no "/v1/" style suffix for hosts, Hub aliases. */
static char *auth_key_norm(const char *key)
{
    const char *k = key;
    if (!strncmp(k, "https://", 8))
        k += 8;
    else if (!strncmp(k, "http://", 7))
        k += 7;
    char *s = imgb_xstrdup(k);
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
    /* "index.docker.io/v1" and the like: a host with an API path is the host */
    char *slash = strchr(s, '/');
    if (slash && (!strcmp(slash, "/v1") || !strcmp(slash, "/v2")))
        *slash = '\0';
    static const char *const hub[] = { "index.docker.io", "registry-1.docker.io",
                                       "registry.hub.docker.com" };
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(hub[i]);
        if (!strncmp(s, hub[i], l) && (s[l] == '\0' || s[l] == '/')) {
            char *t = imgb_xasprintf("docker.io%s", s + l);
            free(s);
            return t;
        }
    }
    return s;
}

/* The best entry of one auth file for host/repo: 1 found, 0 none, <0 error. */
static int auth_from_file(img_registry *g, const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return 0;
    json_error_t jerr;
    json_t *j = json_loadf(f, 0, &jerr);
    fclose(f);
    if (!j)
        return imgb_error_set(IMGB_EFORMAT, "%s: line %d: %s", file, jerr.line, jerr.text);
    json_t *auths = json_object_get(j, "auths");
    char *want = imgb_xasprintf("%s/%s", g->registry, g->repository);
    const char *best = NULL;
    size_t best_len = 0;
    json_t *best_v = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(auths, key, v) {
        char *k = auth_key_norm(key);
        size_t kl = strlen(k);
        bool match = !strncmp(want, k, kl) && (want[kl] == '/' || want[kl] == '\0');
        if (match && kl > best_len) {
            best = key;
            best_len = kl;
            best_v = v;
        }
        free(k);
    }
    free(want);
    int rc = 0;
    if (best) {
        const char *auth = json_string_value(json_object_get(best_v, "auth"));
        const char *u = json_string_value(json_object_get(best_v, "username"));
        const char *p = json_string_value(json_object_get(best_v, "password"));
        if (auth && *auth) {
            size_t n = strlen(auth);
            unsigned char *dec = imgb_xmalloc(n + 4);
            int dn = EVP_DecodeBlock(dec, (const unsigned char *)auth, (int)n);
            /* EVP_DecodeBlock counts the padding as NUL bytes */
            while (dn > 0 && n && auth[n - 1] == '=' && dec[dn - 1] == '\0') {
                dn--;
                n--;
            }
            if (dn <= 0 || !memchr(dec, ':', (size_t)dn)) {
                rc = imgb_error_set(IMGB_EFORMAT, "%s: the \"auth\" of \"%s\" is not base64 of "
                                    "USER:PASSWORD", file, best);
            } else {
                dec[dn] = '\0';
                rc = split_creds(g, (const char *)dec, "in the auth file") ? -1 : 1;
                if (rc < 0)
                    rc = imgb_error_set(IMGB_EFORMAT, "%s: the \"auth\" of \"%s\" is not "
                                        "USER:PASSWORD", file, best);
            }
            OPENSSL_cleanse(dec, n + 4);
            free(dec);
        } else if (u && p) {
            g->user = imgb_xstrdup(u);
            g->pass = imgb_xstrdup(p);
            rc = 1;
        }
    }
    json_decref(j);
    return rc;
}

static int find_creds(img_registry *g, const imgb_read_options *o)
{
    if (o && o->creds)
        return split_creds(g, o->creds, "given with --creds");
    const char *files[6] = { 0 };
    char *owned[6] = { 0 };
    size_t n = 0;
    if (o && o->auth_file) {
        files[n++] = o->auth_file;
    } else {
        const char *e;
        if ((e = getenv("REGISTRY_AUTH_FILE")) && *e)
            files[n++] = e;
        if ((e = getenv("XDG_RUNTIME_DIR")) && *e)
            owned[n] = imgb_xasprintf("%s/containers/auth.json", e);
        const char *home = getenv("HOME");
        if (owned[n])
            files[n] = owned[n], n++;
        if (home && *home) {
            owned[n] = imgb_xasprintf("%s/.config/containers/auth.json", home);
            files[n] = owned[n], n++;
        }
        if ((e = getenv("DOCKER_CONFIG")) && *e)
            owned[n] = imgb_xasprintf("%s/config.json", e);
        else if (home && *home)
            owned[n] = imgb_xasprintf("%s/.docker/config.json", home);
        if (owned[n])
            files[n] = owned[n], n++;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = auth_from_file(g, files[i]);
    if (o && o->auth_file && access(o->auth_file, R_OK) != 0)
        rc = imgb_error_set(IMGB_ENOTFOUND, "%s: %s", o->auth_file, strerror(errno));
    for (size_t i = 0; i < 6; i++)
        free(owned[i]);
    return rc < 0 ? rc : 0;
}

/* ---- one request: a pull-driven curl transfer -------------------------------------------- */

typedef struct xfer {
    img_reader r;
    img_registry *g;
    char *path;                      /* "/v2/<repo>/blobs/sha256:..." */
    bool manifest;                   /* Accept manifest types */
    char *what;                      /* "manifest <ref>", "blob sha256:..." for messages */
    uint64_t expect;                 /* size the descriptor gave (0: unknown) */
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    unsigned char *buf;
    size_t len;
    bool paused, running, finished;
    CURLcode result;
    long status;
    uint64_t got;                    /* bytes handed to the consumer */
    uint64_t skip;                   /* bytes to drop (a resume answered with 200) */
    int attempt;
    int auth_tries;
    bool resp_checked;               /* first data of this response seen */
    int auth_generation;
    char *challenge;                 /* WWW-Authenticate of a 401 */
    char *content_type;
    char *docker_digest;             /* Docker-Content-Digest */
    imgb_buf errbody;
} xfer;

static size_t hdr_cb(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    char **slot = NULL;
    size_t skip = 0;
    if (len > 17 && !strncasecmp(p, "WWW-Authenticate:", 17)) {
        slot = &x->challenge;
        skip = 17;
    } else if (len > 13 && !strncasecmp(p, "Content-Type:", 13)) {
        slot = &x->content_type;
        skip = 13;
    } else if (len > 22 && !strncasecmp(p, "Docker-Content-Digest:", 22)) {
        slot = &x->docker_digest;
        skip = 22;
    } else if (len > 5 && !strncasecmp(p, "HTTP/", 5)) {
        /* a new response (redirect, retry): forget the last one's headers */
        free(x->challenge);
        free(x->content_type);
        x->challenge = x->content_type = NULL;
    }
    if (slot) {
        const char *v = p + skip;
        size_t vl = len - skip;
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        free(*slot);
        *slot = imgb_xstrndup(v, vl);
    }
    return len;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    long code = 0;
    curl_api.easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
        if (x->errbody.len < REG_ERRBODY_MAX)
            imgb_buf_put(&x->errbody, p, len < REG_ERRBODY_MAX ? len : REG_ERRBODY_MAX);
        return len;
    }
    if (!x->resp_checked) {
        /* a resume answered with the whole blob: drop what was handed out already */
        x->resp_checked = true;
        if (x->got && code == 200)
            x->skip = x->got;
    }
    if (x->skip) {
        size_t d = x->skip < len ? (size_t)x->skip : len;
        x->skip -= d;
        p += d;
        len -= d;
        if (!len)
            return size * n;
    }
    if (x->len >= REG_BLOCK) {
        x->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (!x->buf)
        x->buf = imgb_xmalloc(REG_BLOCK + CURL_MAX_WRITE_SIZE * 2);
    if (x->len + len > REG_BLOCK + CURL_MAX_WRITE_SIZE * 2) {
        x->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    memcpy(x->buf + x->len, p, len);
    x->len += len;
    return size * n;
}

static void xfer_stop(xfer *x)
{
    if (x->easy) {
        if (x->multi)
            curl_api.multi_remove_handle(x->multi, x->easy);
        curl_api.easy_cleanup(x->easy);
        x->easy = NULL;
    }
    curl_api.slist_free_all(x->hdrs);
    x->hdrs = NULL;
    x->running = false;
}

static int xfer_start(xfer *x)
{
    img_registry *g = x->g;
    xfer_stop(x);
    x->finished = false;
    x->paused = false;
    x->resp_checked = false;
    x->skip = 0;
    x->status = 0;
    x->result = CURLE_OK;
    x->errbody.len = 0;
    x->easy = curl_api.easy_init();
    if (!x->easy)
        return imgb_error_set(IMGB_ERROR, "%s: cannot start a transfer", g->ref);
    char *url = imgb_xasprintf("%s%s", g->base, x->path);
    curl_api.easy_setopt(x->easy, CURLOPT_URL, url);
    free(url);
    curl_api.easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_api.easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_api.easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_api.easy_setopt(x->easy, CURLOPT_MAXREDIRS, 5L);
    curl_api.easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_api.easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT, g->timeout);
    curl_api.easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_api.easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, g->timeout);
    curl_api.easy_setopt(x->easy, CURLOPT_USERAGENT, "imgbaseline/" "0.1");
    curl_api.easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, hdr_cb);
    curl_api.easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
    curl_api.easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_api.easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    if (g->insecure) {
        curl_api.easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_api.easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (x->manifest)
        x->hdrs = curl_api.slist_append(x->hdrs, ACCEPT_MANIFESTS);
    pthread_mutex_lock(&g->mu);
    if (g->auth_header)
        x->hdrs = curl_api.slist_append(x->hdrs, g->auth_header);
    x->auth_generation = g->auth_generation;
    pthread_mutex_unlock(&g->mu);
    if (x->got) {
        char range[64];
        snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)x->got);
        x->hdrs = curl_api.slist_append(x->hdrs, range);
    }
    curl_api.easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    if (!x->multi && !(x->multi = curl_api.multi_init()))
        return imgb_error_set(IMGB_ERROR, "%s: cannot start a transfer", g->ref);
    curl_api.multi_add_handle(x->multi, x->easy);
    x->running = true;
    return 0;
}

/* ---- authentication ---------------------------------------------------------------------- */

/* Value of `key` in a challenge 'Bearer realm="...",service="...",scope="..."'. */
static char *challenge_param(const char *ch, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = ch; (p = strcasestr(p, key)) != NULL; p++) {
        if (p != ch && p[-1] != ' ' && p[-1] != ',')
            continue;
        if (p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        if (*v == '"') {
            const char *e = strchr(v + 1, '"');
            return e ? imgb_xstrndup(v + 1, (size_t)(e - v - 1)) : NULL;
        }
        size_t n = strcspn(v, ", ");
        return imgb_xstrndup(v, n);
    }
    return NULL;
}

static char *url_escape(CURL *c, const char *s)
{
    char *e = curl_api.easy_escape(c, s, 0);
    char *r = imgb_xstrdup(e ? e : "");
    curl_api.free(e);
    return r;
}

/* GET the token endpoint (a plain request: no challenge loop).  0 or an error. */
static int fetch_token(img_registry *g, const char *challenge, char **header)
{
    char *realm = challenge_param(challenge, "realm");
    char *service = challenge_param(challenge, "service");
    char *scope = challenge_param(challenge, "scope");
    if (!realm) {
        free(service);
        free(scope);
        return imgb_error_set(IMGB_ERROR, "%s: the registry asked for a bearer token without "
                              "a realm", g->ref);
    }
    CURL *c = curl_api.easy_init();
    imgb_buf url = IMGB_BUF_INIT, body = IMGB_BUF_INIT;
    imgb_buf_puts(&url, realm);
    char sep = strchr(realm, '?') ? '&' : '?';
    if (service) {
        char *e = url_escape(c, service);
        imgb_buf_printf(&url, "%cservice=%s", sep, e);
        free(e);
        sep = '&';
    }
    char *want_scope = imgb_xasprintf("repository:%s:pull", g->repository);
    char *e = url_escape(c, scope && strstr(scope, g->repository) ? scope : want_scope);
    imgb_buf_printf(&url, "%cscope=%s", sep, e);
    free(e);
    free(want_scope);
    int rc = 0;
    long code = 0;
    CURLcode cr = CURLE_OK;
    for (int attempt = 0; attempt < g->retries; attempt++) {
        if (attempt)
            usleep((useconds_t)(250000u << (attempt - 1 > 4 ? 4 : attempt - 1)));
        free(body.ptr); /* an earlier attempt's answer */
        body.ptr = NULL;
        body.len = 0;
        curl_api.easy_reset(c);
        curl_api.easy_setopt(c, CURLOPT_URL, url.ptr);
        curl_api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, g->timeout);
        curl_api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, g->timeout);
        curl_api.easy_setopt(c, CURLOPT_WRITEFUNCTION, NULL);
        if (g->insecure) {
            curl_api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (g->user) {
            curl_api.easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_api.easy_setopt(c, CURLOPT_USERNAME, g->user);
            curl_api.easy_setopt(c, CURLOPT_PASSWORD, g->pass);
        }
        FILE *mem = open_memstream((char **)&body.ptr, &body.len);
        if (!mem)
            abort();
        curl_api.easy_setopt(c, CURLOPT_WRITEDATA, mem);
        curl_api.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)IMGB_MAX_JSON_BYTES);
        cr = curl_api.easy_perform(c);
        fclose(mem);
        curl_api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (cr == CURLE_OK && code != 429 && code < 500)
            break;
    }
    if (cr != CURLE_OK) {
        rc = imgb_error_set(IMGB_ERROR, "%s: the token service of %s failed: %s", g->ref,
                            g->registry, curl_api.easy_strerror(cr));
    } else if (code == 401 || code == 403) {
        rc = imgb_error_set(IMGB_EUNSUPPORTED, "%s: %s (HTTP %ld from the token service of %s)",
                            g->ref, g->user ? "the registry refused the credentials"
                                            : "authentication required and no credentials "
                                              "found (--creds, --authfile or an auth file)",
                            code, g->registry);
    } else if (code != 200) {
        rc = imgb_error_set(IMGB_ERROR, "%s: the token service of %s answered HTTP %ld", g->ref,
                            g->registry, code);
    } else {
        json_t *j = json_loadb(body.ptr ? body.ptr : "", body.len, 0, NULL);
        const char *t = json_string_value(json_object_get(j, "token"));
        if (!t || !*t)
            t = json_string_value(json_object_get(j, "access_token"));
        if (!t || !*t)
            rc = imgb_error_set(IMGB_EFORMAT, "%s: the token service of %s gave no token",
                                g->ref, g->registry);
        else
            *header = imgb_xasprintf("Authorization: Bearer %s", t);
        json_decref(j);
    }
    if (body.ptr)
        OPENSSL_cleanse(body.ptr, body.len);
    free(body.ptr);
    imgb_buf_dispose(&url);
    curl_api.easy_cleanup(c);
    free(realm);
    free(service);
    free(scope);
    return rc;
}

/* A 401: answer the challenge (once per request and credential state). */
static int answer_challenge(xfer *x)
{
    img_registry *g = x->g;
    pthread_mutex_lock(&g->mu);
    if (g->auth_generation != x->auth_generation) {
        /* another thread renewed the token meanwhile: just retry with it */
        pthread_mutex_unlock(&g->mu);
        return 0;
    }
    int rc = 0;
    char *header = NULL;
    const char *ch = x->challenge ? x->challenge : "";
    if (!strncasecmp(ch, "Bearer", 6)) {
        rc = fetch_token(g, ch, &header);
    } else if (!strncasecmp(ch, "Basic", 5) && g->user) {
        imgb_buf b = IMGB_BUF_INIT;
        imgb_buf_printf(&b, "%s:%s", g->user, g->pass);
        size_t cap = 4 * ((b.len + 2) / 3) + 1;
        unsigned char *enc = imgb_xmalloc(cap);
        EVP_EncodeBlock(enc, (const unsigned char *)b.ptr, (int)b.len);
        header = imgb_xasprintf("Authorization: Basic %s", enc);
        OPENSSL_cleanse(b.ptr, b.len);
        OPENSSL_cleanse(enc, cap);
        imgb_buf_dispose(&b);
        free(enc);
    } else {
        rc = imgb_error_set(IMGB_EUNSUPPORTED, "%s: authentication required (HTTP 401 for the "
                            "%s) and no credentials found for %s (--creds, --authfile or an "
                            "auth file)", g->ref, x->what, g->registry);
    }
    if (rc == 0) {
        if (g->auth_header)
            OPENSSL_cleanse(g->auth_header, strlen(g->auth_header));
        free(g->auth_header);
        g->auth_header = header;
        g->auth_generation++;
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

/* ---- driving a transfer ------------------------------------------------------------------ */

static bool retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_OPERATION_TIMEDOUT:
        return true;
    default:
        return false;
    }
}

/* The registry's own error code ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", ...) or NULL. */
static char *registry_error(xfer *x)
{
    json_t *j = json_loadb(x->errbody.ptr ? x->errbody.ptr : "", x->errbody.len, 0, NULL);
    const char *code = json_string_value(json_object_get(json_array_get(json_object_get(j,
                                                         "errors"), 0), "code"));
    char *r = code ? imgb_xstrdup(code) : NULL;
    json_decref(j);
    return r;
}

static int final_error(xfer *x)
{
    img_registry *g = x->g;
    if (x->result != CURLE_OK) {
        if (x->result == CURLE_OPERATION_TIMEDOUT)
            return imgb_error_set(IMGB_ERROR, "%s: the registry %s stalled: no data for %ld s "
                                  "while reading the %s (%d attempts)", g->ref, g->registry,
                                  g->timeout, x->what, x->attempt);
        bool tls = x->result == CURLE_SSL_CONNECT_ERROR ||
                   x->result == CURLE_PEER_FAILED_VERIFICATION;
        return imgb_error_set(IMGB_ERROR, "%s: reading the %s from %s failed after %d "
                              "attempt%s: %s%s", g->ref, x->what, g->registry, x->attempt,
                              x->attempt == 1 ? "" : "s", curl_api.easy_strerror(x->result),
                              tls ? " (a plain-HTTP or self-signed registry needs "
                                    "--tls-verify=false)" : "");
    }
    char *code = registry_error(x);
    int rc;
    switch (x->status) {
    case 401:
        rc = imgb_error_set(IMGB_EUNSUPPORTED, "%s: %s (HTTP 401 for the %s)", g->ref,
                            g->user ? "the registry refused the credentials"
                                    : "authentication required and no credentials found "
                                      "(--creds, --authfile or an auth file)", x->what);
        break;
    case 403:
        rc = imgb_error_set(IMGB_EUNSUPPORTED, "%s: access denied to %s/%s (HTTP 403 for the "
                            "%s)", g->ref, g->registry, g->repository, x->what);
        break;
    case 404:
        if (code && !strcmp(code, "NAME_UNKNOWN"))
            rc = imgb_error_set(IMGB_ENOTFOUND, "%s: no repository '%s' on %s (HTTP 404)",
                                g->ref, g->repository, g->registry);
        else
            rc = imgb_error_set(IMGB_ENOTFOUND, "%s: no %s in %s/%s (HTTP 404%s%s%s)",
                                g->ref, x->what, g->registry, g->repository, code ? ", " : "",
                                code ? code : "", x->manifest ? ": no such repository or tag"
                                                              : "");
        break;
    default:
        rc = imgb_error_set(IMGB_ERROR, "%s: HTTP %ld for the %s from %s%s%s (after %d "
                            "attempts)", g->ref, x->status, x->what, g->registry,
                            code ? ": " : "", code ? code : "", x->attempt);
    }
    free(code);
    return rc;
}

static void backoff(int attempt)
{
    /* 0.25 s, 0.5 s, 1 s, 2 s, then 4 s */
    unsigned ms = 250u << (attempt > 4 ? 4 : attempt);
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The transfer finished: done (0), go again (1), or an error (<0). */
static int xfer_finished(xfer *x)
{
    img_registry *g = x->g;
    curl_api.easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    xfer_stop(x);
    if (x->result == CURLE_OK && x->status >= 200 && x->status <= 299) {
        if (x->skip)
            return imgb_error_set(IMGB_EFORMAT, "%s: the %s ended before the bytes already "
                                  "read", g->ref, x->what);
        return 0;
    }
    if (x->result == CURLE_OK && x->status == 401 && x->auth_tries < 2) {
        x->auth_tries++;
        int rc = answer_challenge(x);
        return rc ? rc : 1;
    }
    bool again = x->result != CURLE_OK ? retryable_curl(x->result)
                                       : x->status == 429 || x->status >= 500;
    if (again && x->attempt < g->retries) {
        backoff(x->attempt - 1);
        return 1;
    }
    return final_error(x);
}

static ssize_t xfer_read(img_reader *r, const void **buf)
{
    xfer *x = (xfer *)r;
    x->len = 0; /* the block handed out last time is consumed */
    if (x->paused && x->easy) {
        x->paused = false;
        curl_api.easy_pause(x->easy, CURLPAUSE_CONT);
    }
    for (;;) {
        if (x->len) {
            *buf = x->buf;
            x->got += x->len;
            if (x->expect && x->got > x->expect)
                return imgb_error_set(IMGB_EDIGEST, "%s: the %s is larger than the %llu bytes "
                                      "its descriptor says", x->g->ref, x->what,
                                      (unsigned long long)x->expect), -1;
            return (ssize_t)x->len;
        }
        if (x->finished)
            return 0;
        if (!x->running) {
            x->attempt++;
            if (xfer_start(x) != 0)
                return -1;
        }
        int still = 0;
        if (curl_api.multi_perform(x->multi, &still) != CURLM_OK)
            return imgb_error_set(IMGB_ERROR, "%s: transfer error", x->g->ref), -1;
        CURLMsg *m;
        int left;
        bool done = false;
        while ((m = curl_api.multi_info_read(x->multi, &left)))
            if (m->msg == CURLMSG_DONE && m->easy_handle == x->easy) {
                x->result = m->data.result;
                done = true;
            }
        if (done) {
            /* Bytes the last perform delivered (only ever of a 2xx answer) are handed out
             * first; a retry then resumes after them (xfer_start sends a Range). */
            int f = xfer_finished(x);
            if (f < 0)
                return -1;
            if (f == 0)
                x->finished = true;
            continue;
        }
        if (!x->len && !x->paused)
            curl_api.multi_poll(x->multi, NULL, 0, 1000, NULL);
    }
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    xfer_stop(x);
    if (x->multi)
        curl_api.multi_cleanup(x->multi);
    free(x->buf);
    free(x->path);
    free(x->what);
    free(x->challenge);
    free(x->content_type);
    free(x->docker_digest);
    imgb_buf_dispose(&x->errbody);
    free(x);
}

static void xfer_close(img_reader *r)
{
    xfer_free((xfer *)r);
}

static xfer *xfer_new(img_registry *g, bool manifest, const char *ref_or_digest, uint64_t expect)
{
    xfer *x = imgb_xcalloc(1, sizeof *x);
    x->r.read = xfer_read;
    x->r.close = xfer_close;
    x->g = g;
    x->manifest = manifest;
    x->expect = expect;
    x->path = imgb_xasprintf("/v2/%s/%s/%s", g->repository, manifest ? "manifests" : "blobs",
                             ref_or_digest);
    x->what = imgb_xasprintf("%s '%s'", manifest ? "manifest" : "blob", ref_or_digest);
    return x;
}

/* A whole small document (manifest, config). */
static int xfer_slurp(xfer *x, size_t max, unsigned char **out, size_t *len)
{
    imgb_buf b = IMGB_BUF_INIT;
    const void *p;
    ssize_t n;
    int rc = 0;
    while ((n = x->r.read(&x->r, &p)) > 0) {
        if (b.len + (size_t)n > max) {
            rc = imgb_error_set(IMGB_ELIMIT, "%s: the %s is more than the %zu bytes allowed for "
                                "a JSON document", x->g->ref, x->what, max);
            break;
        }
        imgb_buf_put(&b, p, (size_t)n);
    }
    if (n < 0)
        rc = -1;
    if (rc) {
        imgb_buf_dispose(&b);
        return rc == -1 ? IMGB_ERROR : rc;
    }
    imgb_buf_put(&b, "", 0);
    *len = b.len;
    *out = (unsigned char *)imgb_buf_detach(&b);
    return 0;
}

/* ---- what the registry knows: manifest digests and layer sizes --------------------------- */

static known *known_get(img_registry *g, const char *digest, bool add)
{
    const char *hex = digest + 7;
    for (size_t i = 0; i < g->nknown; i++)
        if (!strcmp(g->known[i].hex, hex))
            return &g->known[i];
    if (!add || g->nknown >= REG_MAX_KNOWN)
        return NULL;
    g->known = imgb_xrealloc(g->known, (g->nknown + 1) * sizeof *g->known);
    known *k = &g->known[g->nknown++];
    memset(k, 0, sizeof *k);
    snprintf(k->hex, sizeof k->hex, "%s", hex);
    return k;
}

/* Note the children of an index and the layer sizes of a manifest. */
static void learn(img_registry *g, const unsigned char *data, size_t len)
{
    json_t *j = json_loadb((const char *)data, len, 0, NULL);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(j, "manifests"), i, d) {
        const char *dig = json_string_value(json_object_get(d, "digest"));
        known *k = imgb_digest_valid(dig) ? known_get(g, dig, true) : NULL;
        if (k)
            k->manifest = true;
    }
    json_array_foreach(json_object_get(j, "layers"), i, d) {
        const char *dig = json_string_value(json_object_get(d, "digest"));
        json_t *sz = json_object_get(d, "size");
        known *k = imgb_digest_valid(dig) ? known_get(g, dig, true) : NULL;
        if (k && json_is_integer(sz) && json_integer_value(sz) > 0)
            k->size = (uint64_t)json_integer_value(sz);
    }
    json_decref(j);
}

/* ---- the source interface ---------------------------------------------------------------- */

static const char *top_type(img_registry *g, const unsigned char *data, size_t len,
                            const char *header)
{
    json_t *j = json_loadb((const char *)data, len, 0, NULL);
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    const char *res = NULL;
    static const char *const types[] = { MT_OCI_MANIFEST, MT_OCI_INDEX, MT_DOCKER_MANIFEST,
                                         MT_DOCKER_LIST };
    for (size_t i = 0; i < 4 && !res; i++)
        if ((mt && !strcmp(mt, types[i])) ||
            (!mt && header && !strncmp(header, types[i], strlen(types[i]))))
            res = types[i];
    if (!res && json_object_get(j, "manifests"))
        res = MT_OCI_INDEX;
    else if (!res && json_object_get(j, "layers") && json_object_get(j, "config"))
        res = MT_OCI_MANIFEST;
    json_decref(j);
    (void)g;
    return res;
}

/* GET /v2/ once: picks http for an insecure registry that does not speak TLS. */
static int ping(img_registry *g)
{
    CURL *c = curl_api.easy_init();
    char *url = imgb_xasprintf("https://%s/v2/", g->api_host);
    curl_api.easy_setopt(c, CURLOPT_URL, url);
    curl_api.easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, g->timeout);
    curl_api.easy_setopt(c, CURLOPT_TIMEOUT, g->timeout);
    curl_api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    CURLcode r = curl_api.easy_perform(c);
    curl_api.easy_cleanup(c);
    free(url);
    bool tls = r == CURLE_OK || (r != CURLE_SSL_CONNECT_ERROR && r != CURLE_RECV_ERROR &&
                                 r != CURLE_GOT_NOTHING && r != CURLE_WEIRD_SERVER_REPLY &&
                                 r != CURLE_UNSUPPORTED_PROTOCOL);
    g->base = imgb_xasprintf("%s://%s", tls ? "https" : "http", g->api_host);
    return 0;
}

int imgb_reg_open(img_source *src, const char *ref, const imgb_read_options *opts)
{
    if (imgb_dynlib_load(&curl_lib) < 0)
        return IMGB_EUNSUPPORTED;
    pthread_once(&curl_once, curl_init_once);
    img_registry *g = imgb_xcalloc(1, sizeof *g);
    src->reg = g;
    src->kind = SRC_REGISTRY;
    pthread_mutex_init(&g->mu, NULL);
    g->ref = imgb_xstrdup(ref);
    g->insecure = opts && opts->tls_no_verify;
    double t = opts && opts->net_timeout > 0 ? opts->net_timeout : REG_DEFAULT_TIMEOUT;
    g->timeout = t < 1 ? 1 : (long)t;
    g->retries = opts && opts->net_retries > 0 ? opts->net_retries : REG_DEFAULT_RETRIES;
    int rc = parse_ref(g, ref);
    if (rc == 0)
        rc = find_creds(g, opts);
    if (rc)
        return rc;
    if (g->insecure)
        ping(g);
    else
        g->base = imgb_xasprintf("https://%s", g->api_host);
    xfer *x = xfer_new(g, true, g->pinned ? g->pinned : g->tag, 0);
    rc = xfer_slurp(x, IMGB_MAX_JSON_BYTES, &g->top, &g->top_len);
    char *ctype = x->content_type ? imgb_xstrdup(x->content_type) : NULL;
    xfer_free(x);
    if (rc) {
        free(ctype);
        return rc;
    }
    g->top_digest = imgb_digest_of(g->top, g->top_len);
    if (g->pinned && strcmp(g->pinned, g->top_digest) != 0 &&
        !(opts && opts->no_verify)) {
        free(ctype);
        return imgb_error_set(IMGB_EDIGEST, "%s: the registry's manifest does not match the "
                              "digest asked for: got %s", ref, g->top_digest);
    }
    const char *mt = top_type(g, g->top, g->top_len, ctype);
    if (!mt) {
        rc = imgb_error_set(IMGB_EUNSUPPORTED, "%s: the registry answered a %s document, not an "
                            "OCI or Docker v2 schema 2 manifest or index", ref,
                            ctype ? ctype : "untyped");
        free(ctype);
        return rc;
    }
    free(ctype);
    g->top_type = imgb_xstrdup(mt);
    known *k = known_get(g, g->top_digest, true);
    if (k)
        k->manifest = true;
    learn(g, g->top, g->top_len);
    /* the made-up index.json */
    char *name = g->tag ? imgb_xasprintf("%s/%s:%s", g->registry, g->repository, g->tag)
                        : imgb_xasprintf("%s/%s@%s", g->registry, g->repository, g->pinned);
    json_t *idx = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2,
                            "manifests", "mediaType", mt, "digest", g->top_digest, "size",
                            (json_int_t)g->top_len, "annotations",
                            "org.opencontainers.image.ref.name", name);
    g->index_json = json_dumps(idx, JSON_COMPACT);
    json_decref(idx);
    free(name);
    return 0;
}

static int name_digest(const img_source *src, const char *name, char *digest)
{
    if (strncmp(name, "blobs/sha256/", 13) != 0)
        return imgb_error_set(IMGB_ENOTFOUND, "%s: no '%s' in a registry", src->reg->ref,
                              name);
    snprintf(digest, 72, "sha256:%s", name + 13);
    if (!imgb_digest_valid(digest))
        return imgb_error_set(IMGB_ENOTFOUND, "%s: no '%s' in a registry", src->reg->ref,
                              name);
    return 0;
}

int imgb_reg_read_small(const img_source *src, const char *name, size_t max,
                        unsigned char **out, size_t *len)
{
    img_registry *g = src->reg;
    const unsigned char *have = NULL;
    size_t hlen = 0;
    if (!strcmp(name, "index.json")) {
        have = (const unsigned char *)g->index_json;
        hlen = strlen(g->index_json);
    } else if (!strncmp(name, "blobs/sha256/", 13) && !strcmp(name + 13, g->top_digest + 7)) {
        have = g->top;
        hlen = g->top_len;
    }
    if (have) {
        *out = imgb_xmalloc(hlen + 1);
        memcpy(*out, have, hlen);
        (*out)[hlen] = '\0';
        *len = hlen;
        return 0;
    }
    char digest[72];
    int rc = name_digest(src, name, digest);
    if (rc)
        return rc;
    known *k = known_get(g, digest, false);
    xfer *x = xfer_new(g, k && k->manifest, digest, 0);
    rc = xfer_slurp(x, max, out, len);
    xfer_free(x);
    if (rc == 0 && k && k->manifest)
        learn(g, *out, *len);
    return rc;
}

int imgb_reg_window(const img_source *src, const char *name, img_reader **out)
{
    img_registry *g = src->reg;
    char digest[72];
    int rc = name_digest(src, name, digest);
    if (rc)
        return rc;
    pthread_mutex_lock(&g->mu);
    known *k = known_get(g, digest, false);
    uint64_t size = k ? k->size : 0;
    pthread_mutex_unlock(&g->mu);
    *out = &xfer_new(g, false, digest, size)->r;
    return 0;
}

void imgb_reg_identity(const img_source *src, const char **registry, const char **repository,
                       const char **tag, const char **digest)
{
    img_registry *g = src->reg;
    *registry = g ? g->registry : NULL;
    *repository = g ? g->repository : NULL;
    *tag = g ? g->tag : NULL;
    *digest = g ? g->top_digest : NULL;
}

void imgb_reg_close(img_source *src)
{
    img_registry *g = src->reg;
    if (!g)
        return;
    free(g->ref);
    free(g->registry);
    free(g->api_host);
    free(g->repository);
    free(g->tag);
    free(g->pinned);
    free(g->base);
    if (g->pass)
        OPENSSL_cleanse(g->pass, strlen(g->pass));
    free(g->user);
    free(g->pass);
    if (g->auth_header)
        OPENSSL_cleanse(g->auth_header, strlen(g->auth_header));
    free(g->auth_header);
    free(g->top);
    free(g->top_digest);
    free(g->top_type);
    free(g->index_json);
    free(g->known);
    pthread_mutex_destroy(&g->mu);
    free(g);
    src->reg = NULL;
}
