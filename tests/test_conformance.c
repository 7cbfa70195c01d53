/*
 * Conformance with a real peer's test suite: the SCAP Security Guide scenarios of
 * ${IMGB_SHARED_DIR}/conformance/ssg (358 cases, 29 rules; README.md there), each run on a
 * real Debian 12 root filesystem with OpenSSH 9.2p1, whose `sshd -T` output and shadow/lstat
 * semantics are the truth.
 *
 * For every case an image is built: layer 0 is base/ (modes 0644 root, /etc/shadow 0640
 * root:shadow, plus the empty /etc/ssh/sshd_config.d/ of the stock image), layer 1 holds the
 * case's files/ with the modes and owners of expect.json's file_meta, whiteouts for
 * files_deleted, and re-added base files whose metadata the scenario changed.  Every case's
 * image is written with libarchive (tests/support/imgbuild, docker-archive); a sample of
 * about ten cases (every 36th, plus the first one that deletes a file) is also built with the
 * real tools (tests/support/build-image.sh: GNU tar layers, `umoci raw add-layer`, skopeo
 * docker-archive) and must give the same answers.  Each image goes through the real image
 * reader (imgb_image_open/imgb_image_read_layers) into the merged view, the OS is detected
 * (imgb_os_detect: openssh-server 9.2p1 from dpkg's status file), and the check kind the
 * shipped rules use for that SSG rule (table `rule_checks` below) is evaluated with the
 * case's ssg_threshold, so the test checks semantics, not policy.  Compared:
 *   - SSH cases: the model's effective value of the keyword with sshd_T_value
 *     (without-password == prohibit-password; no sshd_T_value means sshd -T rejected the
 *     configuration, so the model must not accept it);
 *   - every case: the verdict with real_verdict (cases without one are listed, not counted).
 * Output: `conformance: N passed, M failed` and one line per failure (rule, scenario,
 * expected, got).  Failures listed in tests/conformance_exceptions.txt (with the evidence for
 * believing the expectation wrong) are reported but do not fail the suite; any other failure
 * does, a missing check kind included.  The shipped rules must load, use the table's kind for
 * each SSG rule (or be judged as shipped on its cases), and the counts are asserted: 358
 * cases, 352 judged; umoci and skopeo must be installed (no silent skip).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "facts/os.h"
#include "facts/sshd.h"
#include "factview.h"
#include "fs/view.h"
#include "image/image.h"
#include "imgbuild.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/mem.h"

#define REAL_TOOLS_EVERY 36     /* sample stride for the umoci/skopeo images */
#define MAX_FILE_BYTES (1u << 20)

/* ---- the rule -> check table ------------------------------------------------------------ */

/*
 * The kind and parameters each SSG rule maps to, as in the shipped rules/ baselines; "@T@" is
 * replaced by the case's threshold (a JSON string).  Rules whose threshold is the
 * PARAMETER/CORRECT_VALUE pair of SSG's sshd_lineinfile template are handled generically.
 */
typedef struct rule_check {
    const char *rule;
    const char *kind;
    const char *params;
    const char *threshold_key;  /* key of ssg_threshold (NULL: none) */
    bool bar_list;              /* threshold is "a|b": becomes "a,b" */
} rule_check;

static const rule_check rule_checks[] = {
    { "sshd_set_idle_timeout", "sshd_option",
      "{\"keyword\":\"ClientAliveInterval\",\"op\":\"le\",\"max\":\"@T@\",\"nonzero\":true,"
      "\"time\":true}", "sshd_idle_timeout_value", false },
    { "sshd_set_keepalive", "sshd_option",
      "{\"keyword\":\"ClientAliveCountMax\",\"op\":\"eq\",\"value\":\"@T@\"}",
      "var_sshd_set_keepalive", false },
    { "sshd_set_login_grace_time", "sshd_option",
      "{\"keyword\":\"LoginGraceTime\",\"op\":\"le\",\"max\":\"@T@\",\"nonzero\":true,"
      "\"time\":true}", "var_sshd_set_login_grace_time", false },
    { "sshd_set_max_auth_tries", "sshd_option",
      "{\"keyword\":\"MaxAuthTries\",\"op\":\"le\",\"max\":\"@T@\"}",
      "sshd_max_auth_tries_value", false },
    { "sshd_set_max_sessions", "sshd_option",
      "{\"keyword\":\"MaxSessions\",\"op\":\"le\",\"max\":\"@T@\"}", "var_sshd_max_sessions",
      false },
    { "sshd_set_maxstartups", "sshd_option",
      "{\"keyword\":\"MaxStartups\",\"maxstartups\":\"@T@\"}", "var_sshd_set_maxstartups",
      false },
    { "sshd_use_strong_macs", "sshd_option",
      "{\"keyword\":\"MACs\",\"op\":\"subset\",\"values\":\"@T@\"}", "sshd_strong_macs", false },
    { "accounts_maximum_age_login_defs", "login_defs",
      "{\"key\":\"PASS_MAX_DAYS\",\"op\":\"le\",\"max\":\"@T@\"}",
      "var_accounts_maximum_age_login_defs", false },
    { "accounts_minimum_age_login_defs", "login_defs",
      "{\"key\":\"PASS_MIN_DAYS\",\"op\":\"ge\",\"min\":\"@T@\"}",
      "var_accounts_minimum_age_login_defs", false },
    { "accounts_password_warn_age_login_defs", "login_defs",
      "{\"key\":\"PASS_WARN_AGE\",\"op\":\"ge\",\"min\":\"@T@\"}",
      "var_accounts_password_warn_age_login_defs", false },
    { "set_password_hashing_algorithm_logindefs", "login_defs",
      "{\"key\":\"ENCRYPT_METHOD\",\"op\":\"in\",\"values\":\"@T@\"}",
      "var_password_hashing_algorithm", true },
    { "accounts_no_uid_except_zero", "passwd", "{\"predicate\":\"uid0_only_root\"}", NULL,
      false },
    { "no_empty_passwords_etc_shadow", "shadow", "{\"predicate\":\"empty_password\"}", NULL,
      false },
    { "file_owner_etc_shadow", "file_meta",
      "{\"path\":\"/etc/shadow\",\"owner\":\"0\",\"missing\":\"pass\"}", NULL, false },
    { "file_groupowner_etc_shadow", "file_meta",
      "{\"path\":\"/etc/shadow\",\"group\":[\"0\",\"42\"],\"missing\":\"pass\"}", NULL, false },
    { "file_permissions_etc_shadow", "file_meta",
      "{\"path\":\"/etc/shadow\",\"mode_max\":\"0640\",\"missing\":\"pass\"}", NULL, false },
    { "file_owner_sshd_config", "file_meta",
      "{\"path\":\"/etc/ssh/sshd_config\",\"owner\":\"0\",\"missing\":\"pass\"}", NULL, false },
    { "file_permissions_sshd_config", "file_meta",
      "{\"path\":\"/etc/ssh/sshd_config\",\"mode_max\":\"0600\",\"missing\":\"pass\"}", NULL,
      false },
    /* password policy: the kinds of rules/generic/password_policy.yaml with SSG's variables
     * (libpwquality / Linux-PAM / shadow semantics: rules/README.md) */
    { "accounts_password_pam_minlen", "pwquality",
      "{\"option\":\"minlen\",\"op\":\"ge\",\"value\":\"@T@\"}", "var_password_pam_minlen",
      false },
    { "accounts_password_pam_minclass", "pwquality",
      "{\"option\":\"minclass\",\"op\":\"ge\",\"value\":\"@T@\"}", "var_password_pam_minclass",
      false },
    { "accounts_password_pam_difok", "pwquality",
      "{\"option\":\"difok\",\"op\":\"ge\",\"value\":\"@T@\"}", "var_password_pam_difok",
      false },
    { "accounts_password_pam_dcredit", "pwquality",
      "{\"option\":\"dcredit\",\"op\":\"le\",\"value\":\"@T@\"}", "var_password_pam_dcredit",
      false },
    { "accounts_password_pam_ucredit", "pwquality",
      "{\"option\":\"ucredit\",\"op\":\"le\",\"value\":\"@T@\"}", "var_password_pam_ucredit",
      false },
    { "accounts_password_pam_lcredit", "pwquality",
      "{\"option\":\"lcredit\",\"op\":\"le\",\"value\":\"@T@\"}", "var_password_pam_lcredit",
      false },
    { "accounts_password_pam_ocredit", "pwquality",
      "{\"option\":\"ocredit\",\"op\":\"le\",\"value\":\"@T@\"}", "var_password_pam_ocredit",
      false },
    { "accounts_password_pam_maxrepeat", "pwquality",
      "{\"option\":\"maxrepeat\",\"op\":\"le\",\"value\":\"@T@\"}",
      "var_password_pam_maxrepeat", false },
    { "accounts_password_pam_maxclassrepeat", "pwquality",
      "{\"option\":\"maxclassrepeat\",\"op\":\"le\",\"value\":\"@T@\"}",
      "var_password_pam_maxclassrepeat", false },
    { "accounts_password_pam_retry", "pwquality",
      "{\"option\":\"retry\",\"op\":\"le\",\"value\":\"@T@\"}", "var_password_pam_retry",
      false },
    { "accounts_password_pam_dictcheck", "pwquality",
      "{\"option\":\"dictcheck\",\"op\":\"eq\",\"value\":\"@T@\"}",
      "var_password_pam_dictcheck", false },
    { "accounts_password_pam_enforce_root", "pwquality",
      "{\"option\":\"enforce_for_root\",\"op\":\"present\"}", NULL, false },
    { "accounts_passwords_pam_faillock_deny", "pam",
      "{\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"deny\",\"op\":\"range\","
      "\"min\":\"1\",\"max\":\"@T@\"}", "var_accounts_passwords_pam_faillock_deny", false },
    { "accounts_passwords_pam_faillock_unlock_time", "pam",
      "{\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"unlock_time\","
      "\"op\":\"ge\",\"value\":\"@T@\"}", "var_accounts_passwords_pam_faillock_unlock_time",
      false },
    { "accounts_passwords_pam_faillock_interval", "pam",
      "{\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"fail_interval\","
      "\"op\":\"ge\",\"value\":\"@T@\"}", "var_accounts_passwords_pam_faillock_fail_interval",
      false },
    { "accounts_passwords_pam_faillock_root_unlock_time", "pam",
      "{\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"root_unlock_time\","
      "\"op\":\"ge\",\"value\":\"@T@\"}",
      "var_accounts_passwords_pam_faillock_root_unlock_time", false },
    { "accounts_passwords_pam_faillock_deny_root", "pam",
      "{\"stack\":\"auth\",\"module\":\"pam_faillock.so\",\"arg\":\"even_deny_root\"}", NULL,
      false },
    { "accounts_password_pam_pwhistory_remember", "pam",
      "{\"stack\":\"password\",\"module\":\"pam_pwhistory.so\",\"arg\":\"remember\","
      "\"op\":\"ge\",\"value\":\"@T@\"}", "var_password_pam_remember", false },
    { "accounts_password_pam_unix_remember", "pam",
      "{\"stack\":\"password\",\"module\":\"pam_unix.so\",\"arg\":\"remember\","
      "\"op\":\"ge\",\"value\":\"@T@\"}", "var_password_pam_unix_remember", false },
    { "set_password_hashing_min_rounds_logindefs", "login_defs",
      "{\"key\":\"SHA_CRYPT_MIN_ROUNDS\",\"op\":\"ge\",\"value\":\"@T@\"}",
      "var_password_hashing_min_rounds_login_defs", false },
    { "no_empty_passwords", "pam",
      "{\"stack\":[\"auth\",\"password\"],\"arg_absent\":\"nullok\"}", NULL, false },
};

/* Build the kind name and params for a case; NULL when the rule is not in the table. */
static json_t *case_params(const json_t *expect, const char **kind)
{
    const char *rule = json_string_value(json_object_get(expect, "rule"));
    const json_t *thr = json_object_get(expect, "ssg_threshold");
    const char *param = json_string_value(json_object_get(thr, "PARAMETER"));
    if (param) {
        const char *correct = json_string_value(json_object_get(thr, "CORRECT_VALUE"));
        *kind = "sshd_option";
        return json_pack("{s:s, s:s, s:s}", "keyword", param, "op", "eq", "value",
                         correct ? correct : "");
    }
    for (size_t i = 0; i < sizeof(rule_checks) / sizeof(rule_checks[0]); i++) {
        const rule_check *rc = &rule_checks[i];
        if (strcmp(rc->rule, rule) != 0)
            continue;
        *kind = rc->kind;
        char *t = NULL;
        if (rc->threshold_key) {
            const json_t *tv = json_object_get(thr, rc->threshold_key);
            /* one SSG variable under another name: it is still the threshold */
            if (!tv && json_object_size(thr) == 1)
                tv = json_object_iter_value(json_object_iter((json_t *)thr));
            t = json_is_integer(tv) ? imgb_xasprintf("%lld", (long long)json_integer_value(tv))
                                    : imgb_xstrdup(json_string_value(tv) ? json_string_value(tv)
                                                                         : "");
            if (rc->bar_list)
                for (char *p = t; *p; p++)
                    if (*p == '|')
                        *p = ',';
        }
        imgb_buf b = IMGB_BUF_INIT;
        const char *p = rc->params;
        const char *hole;
        while ((hole = strstr(p, "@T@")) != NULL) {
            imgb_buf_put(&b, p, (size_t)(hole - p));
            imgb_buf_puts(&b, t ? t : "");
            p = hole + 3;
        }
        imgb_buf_puts(&b, p);
        json_error_t err;
        json_t *params = json_loads(b.ptr, 0, &err);
        ck_assert_msg(params != NULL, "bad params template for %s: %s", rule, err.text);
        imgb_buf_dispose(&b);
        free(t);
        return params;
    }
    return NULL;
}

/* ---- reading the case data -------------------------------------------------------------- */

typedef struct cfile {
    char *path;          /* "etc/ssh/sshd_config" (no leading slash) */
    char *content;       /* NULL: directory */
    size_t len;
    unsigned mode, uid, gid;
} cfile;

typedef struct cfiles {
    cfile *v;
    size_t n, cap;
} cfiles;

static void cf_add(cfiles *fs, const char *path, const char *content, size_t len, unsigned mode)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 32;
        fs->v = imgb_xrealloc(fs->v, fs->cap * sizeof(*fs->v));
    }
    cfile *f = &fs->v[fs->n++];
    f->path = imgb_xstrdup(path);
    f->content = content ? imgb_xstrndup(content, len) : NULL;
    f->len = len;
    f->mode = mode;
    f->uid = f->gid = 0;
}

static cfile *cf_find(cfiles *fs, const char *path)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].path, path) == 0)
            return &fs->v[i];
    return NULL;
}

static void cf_dispose(cfiles *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].path);
        free(fs->v[i].content);
    }
    free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = imgb_xmalloc(MAX_FILE_BYTES + 1);
    size_t n = fread(buf, 1, MAX_FILE_BYTES, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmp_cfile(const void *a, const void *b)
{
    return strcmp(((const cfile *)a)->path, ((const cfile *)b)->path);
}

/* Every directory and regular file below `root`, paths relative to it, sorted. */
static void read_tree(cfiles *fs, const char *root, const char *rel)
{
    char *dir = rel[0] ? imgb_xasprintf("%s/%s", root, rel) : imgb_xstrdup(root);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *r = rel[0] ? imgb_xasprintf("%s/%s", rel, de->d_name) : imgb_xstrdup(de->d_name);
        char *full = imgb_xasprintf("%s/%s", root, r);
        struct stat st;
        ck_assert_int_eq(lstat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            cf_add(fs, r, NULL, 0, 0755);
            read_tree(fs, root, r);
        } else if (S_ISREG(st.st_mode)) {
            size_t len;
            char *c = slurp(full, &len);
            cf_add(fs, r, c, len, 0644);
            free(c);
        }
        free(full);
        free(r);
    }
    closedir(d);
    free(dir);
    if (!rel[0] && fs->n)
        qsort(fs->v, fs->n, sizeof(*fs->v), cmp_cfile);
}

/* The Debian 12 base: base/ with the stock modes. */
static void base_files(cfiles *base)
{
    char *shared = factview_shared_dir();
    char *root = imgb_xasprintf("%s/conformance/ssg/base", shared);
    read_tree(base, root, "");
    free(root);
    free(shared);
    if (!cf_find(base, "etc/ssh/sshd_config.d"))
        cf_add(base, "etc/ssh/sshd_config.d", NULL, 0, 0755);
    qsort(base->v, base->n, sizeof(*base->v), cmp_cfile);
    cfile *sh = cf_find(base, "etc/shadow");
    if (sh) {
        sh->mode = 0640;
        sh->gid = 42; /* Debian: root:shadow 0640 */
    }
}

static unsigned parse_mode(const char *s)
{
    return (unsigned)strtoul(s ? s : "0644", NULL, 8);
}

/* Layer 1 of a case: its files, re-added base files whose metadata changed, whiteouts. */
static void case_layer(const char *case_dir, const json_t *expect, const cfiles *base,
                       cfiles *layer, imgb_ptrvec *deleted)
{
    char *root = imgb_xasprintf("%s/files", case_dir);
    struct stat st;
    if (stat(root, &st) == 0)
        read_tree(layer, root, "");
    free(root);
    const json_t *meta = json_object_get(expect, "file_meta");
    const char *path;
    const json_t *m;
    json_object_foreach((json_t *)meta, path, m) {
        const char *rel = path[0] == '/' ? path + 1 : path;
        cfile *f = cf_find(layer, rel);
        if (!f) {
            cfile *b = cf_find((cfiles *)base, rel);
            if (!b || !b->content)
                continue;
            cf_add(layer, rel, b->content, b->len, b->mode);
            f = &layer->v[layer->n - 1];
        }
        f->mode = parse_mode(json_string_value(json_object_get(m, "mode")));
        f->uid = (unsigned)json_integer_value(json_object_get(m, "uid"));
        f->gid = (unsigned)json_integer_value(json_object_get(m, "gid"));
    }
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(expect, "files_deleted"), i, d) {
        const char *p = json_string_value(d);
        imgb_ptrvec_push(deleted, imgb_xstrdup(p[0] == '/' ? p + 1 : p));
    }
    if (layer->n)
        qsort(layer->v, layer->n, sizeof(*layer->v), cmp_cfile);
}

/* ---- building images -------------------------------------------------------------------- */

static void write_layer_lib(imgbuild_layer *out, const char *dir, const cfiles *fs,
                            const imgb_ptrvec *deleted)
{
    size_t n = fs->n + (deleted ? deleted->len : 0);
    imgbuild_file *specs = imgb_xcalloc(n ? n : 1, sizeof(*specs));
    size_t k = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const cfile *f = &fs->v[i];
        imgbuild_file *s = &specs[k++];
        s->path = f->path;
        s->type = f->content ? IMGBUILD_FILE : IMGBUILD_DIR;
        s->content = f->content ? f->content : NULL;
        s->content_len = f->len;
        s->mode = f->content ? f->mode : 0755;
        s->mode_exact = true;
        s->uid = f->uid;
        s->gid = f->gid;
    }
    for (size_t i = 0; deleted && i < deleted->len; i++) {
        imgbuild_file *s = &specs[k++];
        s->path = deleted->items[i];
        s->type = IMGBUILD_WHITEOUT;
    }
    imgbuild_layer_write(out, dir, specs, k, IMGBUILD_PLAIN);
    free(specs);
}

static void write_dir_tree(const char *root, const cfiles *fs, const imgb_ptrvec *deleted)
{
    for (size_t i = 0; i < fs->n; i++) {
        const cfile *f = &fs->v[i];
        char *p = imgb_xasprintf("%s/%s", root, f->path);
        if (!f->content) {
            ck_assert_int_eq(imgbuild_sh("mkdir -p '%s'", p), 0);
        } else {
            FILE *o = fopen(p, "wb");
            ck_assert_msg(o != NULL, "cannot write %s", p);
            ck_assert_uint_eq(fwrite(f->content, 1, f->len, o), f->len);
            fclose(o);
        }
        ck_assert_int_eq(chown(p, f->uid, f->gid), 0);
        ck_assert_int_eq(chmod(p, f->content ? f->mode : 0755), 0);
        free(p);
    }
    for (size_t i = 0; deleted && i < deleted->len; i++) {
        const char *d = deleted->items[i];
        const char *slash = strrchr(d, '/');
        char *wh = slash ? imgb_xasprintf("%s/%.*s/.wh.%s", root, (int)(slash - d), d, slash + 1)
                         : imgb_xasprintf("%s/.wh.%s", root, d);
        char *parent = imgb_xstrndup(wh, (size_t)(strrchr(wh, '/') - wh));
        ck_assert_int_eq(imgbuild_sh("mkdir -p '%s' && : > '%s'", parent, wh), 0);
        free(parent);
        free(wh);
    }
}

/* ---- evaluating a case -------------------------------------------------------------------- */

typedef struct outcome {
    imgb_verdict verdict;
    bool have_verdict;
    char *value;            /* sshd effective value (SSH cases) */
    bool sshd_accepted;
    char *problem;          /* first sshd problem, for the report */
    char *note;             /* why there is no verdict (missing kind, read error) */
} outcome;

static void outcome_dispose(outcome *o)
{
    free(o->value);
    free(o->problem);
    free(o->note);
    memset(o, 0, sizeof(*o));
}

static void noop_add_consumer(imgb_scan_setup *s, imgb_consumer *c)
{
    (void)s;
    (void)c;
}

static void evaluate_image(const char *image_path, const char *kind_name, const json_t *params,
                           const char *sshd_keyword, outcome *out)
{
    memset(out, 0, sizeof(*out));
    const imgb_check_kind *kind = imgb_check_kind_find(kind_name);
    if (!kind) {
        out->note = imgb_xasprintf("check kind '%s' is not in the kind table", kind_name);
        return;
    }
    void *compiled = NULL;
    if (imgb_check_kind_compile(kind, params, &compiled) < 0) {
        out->note = imgb_xasprintf("kind %s rejected the parameters: %s", kind_name,
                                   imgb_error_last());
        return;
    }
    imgb_image *img = NULL;
    ck_assert_msg(imgb_image_open(&img, image_path, NULL) == 0, "open %s: %s", image_path,
                  imgb_error_last());
    imgb_view *view = imgb_view_new(NULL);
    imgb_os_register_keeps(view);
    imgb_sshd_register_keeps(view);
    imgb_scan_setup setup = { view, noop_add_consumer, NULL };
    void *state = NULL;
    if (kind->prepare)
        kind->prepare(compiled, &setup, &state);
    ck_assert_msg(imgb_image_read_layers(img, view, NULL, 0) == 0, "read %s: %s", image_path,
                  imgb_error_last());
    imgb_os_info *os = NULL;
    ck_assert_int_eq(imgb_os_detect(view, &os), 0);
    imgb_scan_ctx ctx = { 0 };
    ctx.view = view;
    ctx.image = img;
    ctx.os = os;
    ctx.jobs = 1;
    ctx.cache = imgb_ctx_cache_new();
    imgb_item_result res = { 0 };
    ck_assert_int_eq(kind->evaluate(compiled, &ctx, state, &res), 0);
    out->verdict = res.verdict;
    out->have_verdict = true;
    if (sshd_keyword) {
        const imgb_sshd_config *cfg = imgb_sshd_for_scan(&ctx);
        if (cfg) {
            out->sshd_accepted = imgb_sshd_accepted(cfg);
            if (imgb_sshd_problem_count(cfg))
                out->problem = imgb_xstrdup(imgb_sshd_problem_at(cfg, 0)->message);
            imgb_sshd_value v;
            if (imgb_sshd_get(cfg, sshd_keyword, &v) == 0 && v.value)
                out->value = imgb_xstrdup(v.value);
        } else {
            out->problem = imgb_xstrdup(imgb_error_last());
        }
    }
    imgb_item_result_dispose(&res);
    imgb_ctx_cache_free(ctx.cache);
    if (kind->free_scan_state)
        kind->free_scan_state(state);
    if (kind->free)
        kind->free(compiled);
    imgb_os_info_free(os);
    imgb_view_free(view);
    imgb_image_free(img);
}

static const char *verdict_name(imgb_verdict v)
{
    switch (v) {
    case IMGB_V_PASS: return "pass";
    case IMGB_V_FAIL: return "fail";
    case IMGB_V_NOT_APPLICABLE: return "not_applicable";
    case IMGB_V_ERROR: return "error";
    case IMGB_V_INCOMPLETE: return "incomplete";
    }
    return "?";
}

static bool same_sshd_value(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    if ((strcmp(a, "prohibit-password") == 0 || strcmp(a, "without-password") == 0) &&
        (strcmp(b, "prohibit-password") == 0 || strcmp(b, "without-password") == 0))
        return true;
    return strcmp(a, b) == 0;
}

/* Compare an outcome with the case's truth; on mismatch return a description (malloc'd). */
static char *judge(const json_t *expect, const outcome *o)
{
    const char *real = json_string_value(json_object_get(expect, "real_verdict"));
    const char *kw = json_string_value(json_object_get(expect, "sshd_keyword"));
    const json_t *tv = json_object_get(expect, "sshd_T_value");
    if (o->note)
        return imgb_xasprintf("expected %s, got no verdict: %s", real ? real : "-", o->note);
    imgb_buf b = IMGB_BUF_INIT;
    if (kw && json_is_string(tv) && !same_sshd_value(json_string_value(tv), o->value))
        imgb_buf_printf(&b, "sshd -T %s %s, engine %s%s%s", kw, json_string_value(tv),
                        o->value ? o->value : "(none)", o->problem ? "; problem: " : "",
                        o->problem ? o->problem : "");
    if (kw && json_is_null(tv) && real && o->sshd_accepted)
        imgb_buf_printf(&b, "%ssshd -T rejects the config, engine accepts it", b.len ? "; " : "");
    if (real && strcmp(real, verdict_name(o->verdict)) != 0)
        imgb_buf_printf(&b, "%sexpected %s, got %s%s%s", b.len ? "; " : "", real,
                        verdict_name(o->verdict), o->value ? " (value " : "",
                        o->value ? o->value : "");
    if (real && o->value && strcmp(real, verdict_name(o->verdict)) != 0)
        imgb_buf_putc(&b, ')');
    return b.ptr ? imgb_buf_detach(&b) : NULL;
}

/* tests/conformance_exceptions.txt: "rule/scenario  reason..." per line, '#' comments. */
static bool is_exception(const char *id)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    char *p = imgb_xasprintf("%s/tests/conformance_exceptions.txt", src ? src : ".");
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    size_t idlen = strlen(id);
    while (!found && fgets(line, sizeof(line), f))
        if (line[0] != '#' && strncmp(line, id, idlen) == 0 &&
            (line[idlen] == ' ' || line[idlen] == '\t' || line[idlen] == '\n'))
            found = true;
    fclose(f);
    return found;
}

/*
 * The shipped rules (${IMGB_SOURCE_DIR}/rules) must use the kind (and, for sshd_option, the
 * keyword) this test evaluates for the same SSG rule id.  Appends "ssg-rule (item): ..." for
 * each disagreement to `bad`.  A ruleset that does not load is reported, not judged here
 * (test_rules validates the rule files).
 */
static void check_shipped_rules(const imgb_ptrvec *rules, imgb_buf *bad, size_t *compared,
                                imgb_ptrvec *mismatched, imgb_ruleset **keep)
{
    const char *src = getenv("IMGB_SOURCE_DIR");
    char *dir = imgb_xasprintf("%s/rules", src ? src : ".");
    const char *paths[] = { dir };
    imgb_ruleset *rs = NULL;
    /* the shipped comparison is half of this test: rules that do not load fail it */
    ck_assert_msg(imgb_ruleset_load(&rs, paths, 1, NULL, NULL) == 0,
                  "conformance: the shipped rules do not load: %s", imgb_error_last());
    for (size_t b = 0; b < rs->nbaselines; b++) {
        const imgb_baseline *bl = rs->baselines[b];
        for (size_t i = 0; i < bl->nitems; i++) {
            const imgb_item *it = bl->items[i];
            const char *ssg = json_string_value(json_object_get(it->references, "ssg"));
            if (!ssg)
                continue;
            for (size_t r = 0; r < rules->len; r++) {
                if (strcmp(ssg, rules->items[r]) != 0)
                    continue;
                /* the kind this test uses: from a representative case of that rule */
                json_t *fake = json_pack("{s:s, s:{}}", "rule", ssg, "ssg_threshold");
                const char *kind = NULL;
                json_t *params = case_params(fake, &kind);
                if (!params) { /* PARAMETER-style rules: sshd_option on that keyword */
                    kind = "sshd_option";
                }
                (*compared)++;
                if (strcmp(it->kind->name, kind) != 0) {
                    imgb_buf_printf(bad, "%s (%s): shipped kind %s, conformance kind %s; ", ssg,
                                    it->id, it->kind->name, kind);
                    imgb_ptrvec_push(mismatched, imgb_xstrdup(ssg));
                }
                json_decref(params);
                json_decref(fake);
            }
        }
    }
    *keep = rs;
    free(dir);
}

/* Whether baseline `b` applies to the cases' Debian base image: an OS baseline for another
 * family (CentOS 7's /etc/shadow 0000, EulerOS) encodes that product's SSG value, not the
 * Debian one the cases were written against. */
static bool applies_to_debian(const imgb_baseline *b)
{
    if (b->applies.nos_ids == 0)
        return true;
    for (size_t i = 0; i < b->applies.nos_ids; i++)
        if (strcmp(b->applies.os_ids[i], "debian") == 0)
            return true;
    return false;
}

/* Shipped items referencing `rule` whose check takes no threshold (evaluated as they ship). */
static void shipped_items_for(const imgb_ruleset *rs, const char *rule, imgb_ptrvec *out)
{
    for (size_t b = 0; rs && b < rs->nbaselines; b++)
        for (size_t i = 0; applies_to_debian(rs->baselines[b]) && i < rs->baselines[b]->nitems;
             i++) {
            const imgb_item *it = rs->baselines[b]->items[i];
            const char *ssg = json_string_value(json_object_get(it->references, "ssg"));
            if (ssg && strcmp(ssg, rule) == 0)
                imgb_ptrvec_push(out, (void *)it);
        }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dirs(const char *dir, imgb_ptrvec *out)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            imgb_ptrvec_push(out, imgb_xstrdup(de->d_name));
    closedir(d);
    qsort(out->items, out->len, sizeof(void *), cmp_names);
}

START_TEST(ssg_conformance)
{
    char *shared = factview_shared_dir();
    char *cases_dir = imgb_xasprintf("%s/conformance/ssg/cases", shared);
    free(shared);
    char *tmp = imgbuild_tmpdir("conformance");
    cfiles base = { 0 };
    base_files(&base);
    imgbuild_layer base_layer;
    write_layer_lib(&base_layer, tmp, &base, NULL);
    char *base_dir = imgbuild_path(tmp, "base-tree");
    /* found on PATH, wherever installed; asserted below (a missing tool is a failure) */
    bool tools = imgbuild_sh("command -v umoci >/dev/null && command -v skopeo >/dev/null") == 0;
    if (tools)
        write_dir_tree(base_dir, &base, NULL);
    char *script = imgbuild_script();

    imgb_ptrvec rules = IMGB_PTRVEC_INIT;
    list_dirs(cases_dir, &rules);
    imgb_buf shipped_bad = IMGB_BUF_INIT;
    size_t compared = 0, shipped_evals = 0;
    imgb_ruleset *shipped = NULL;
    imgb_ptrvec mismatched = IMGB_PTRVEC_INIT;  /* SSG rules shipped with another kind */
    imgb_ptrvec shipped_judged = IMGB_PTRVEC_INIT; /* ... whose shipped items were judged */
    check_shipped_rules(&rules, &shipped_bad, &compared, &mismatched, &shipped);
    size_t passed = 0, failed = 0, unjudged = 0, excused = 0, no_kind = 0, ncase = 0;
    size_t tool_images = 0;
    bool deletion_sampled = false;
    imgb_buf report = IMGB_BUF_INIT;
    imgb_buf unexpected = IMGB_BUF_INIT;
    for (size_t r = 0; r < rules.len; r++) {
        char *rule_dir = imgb_xasprintf("%s/%s", cases_dir, (char *)rules.items[r]);
        imgb_ptrvec scen = IMGB_PTRVEC_INIT;
        list_dirs(rule_dir, &scen);
        for (size_t s = 0; s < scen.len; s++, ncase++) {
            char *case_dir = imgb_xasprintf("%s/%s", rule_dir, (char *)scen.items[s]);
            char *ep = imgb_xasprintf("%s/expect.json", case_dir);
            json_error_t jerr;
            json_t *expect = json_load_file(ep, 0, &jerr);
            ck_assert_msg(expect != NULL, "%s: %s", ep, jerr.text);
            char *id = imgb_xasprintf("%s/%s", (char *)rules.items[r], (char *)scen.items[s]);
            const char *kind = NULL;
            json_t *params = case_params(expect, &kind);
            ck_assert_msg(params != NULL, "%s: rule not in the conformance table", id);
            const char *kw = json_string_value(json_object_get(expect, "sshd_keyword"));
            if (!kw && strcmp(kind, "sshd_option") == 0)
                kw = json_string_value(json_object_get(params, "keyword"));

            cfiles layer = { 0 };
            imgb_ptrvec deleted = IMGB_PTRVEC_INIT;
            case_layer(case_dir, expect, &base, &layer, &deleted);
            imgbuild_layer l1;
            write_layer_lib(&l1, tmp, &layer, &deleted);
            imgbuild_layer layers[2] = { base_layer, l1 };
            imgbuild_image img = { .layers = layers, .nlayers = 2, .ref = "ssg:case" };
            char *archive = imgbuild_path(tmp, "case.tar");
            imgbuild_image_write(archive, IMGBUILD_DOCKER_ARCHIVE, &img, 1, NULL);
            outcome o;
            evaluate_image(archive, kind, params, kw, &o);
            char *why = judge(expect, &o);

            /* shipped items for a threshold-free SSG rule: evaluated as they ship */
            const json_t *thr = json_object_get(expect, "ssg_threshold");
            if (!o.note && json_object_size(thr) == 0) {
                imgb_ptrvec items = IMGB_PTRVEC_INIT;
                shipped_items_for(shipped, (char *)rules.items[r], &items);
                if (items.len)
                    imgb_ptrvec_push(&shipped_judged, imgb_xstrdup(rules.items[r]));
                for (size_t k = 0; k < items.len; k++) {
                    const imgb_item *it = items.items[k];
                    outcome os;
                    evaluate_image(archive, it->kind->name, it->params, NULL, &os);
                    shipped_evals++;
                    char *whys = judge(expect, &os);
                    if (whys && !why)
                        why = imgb_xasprintf("shipped item %s (%s): %s", it->id, it->kind->name,
                                             whys);
                    free(whys);
                    outcome_dispose(&os);
                }
                imgb_ptrvec_dispose(&items, NULL);
            }

            /* the real-tools sample: same answer from an umoci/skopeo image */
            bool sample = ncase % REAL_TOOLS_EVERY == 0 || (!deletion_sampled && deleted.len);
            if (tools && sample && !o.note) {
                deletion_sampled |= deleted.len > 0;
                char *ldir = imgbuild_path(tmp, "case-tree");
                imgbuild_rmtree(ldir);
                ck_assert_int_eq(imgbuild_sh("mkdir -p '%s'", ldir), 0);
                write_dir_tree(ldir, &layer, &deleted);
                char *real_img = imgbuild_path(tmp, "real.tar");
                unlink(real_img);
                ck_assert_int_eq(imgbuild_sh("bash '%s' --out '%s' --layer '%s' --layer '%s' "
                                             ">/dev/null 2>&1", script, real_img, base_dir, ldir),
                                 0);
                tool_images++;
                outcome o2;
                evaluate_image(real_img, kind, params, kw, &o2);
                char *why2 = judge(expect, &o2);
                if (why2 && !why)
                    why = imgb_xasprintf("umoci/skopeo image: %s", why2);
                free(why2);
                outcome_dispose(&o2);
                imgbuild_rmtree(ldir);
                free(ldir);
                free(real_img);
            }

            const char *real = json_string_value(json_object_get(expect, "real_verdict"));
            if (!real && !why) {
                unjudged++;
                imgb_buf_printf(&report, "  no real_verdict: %s: engine says %s%s%s%s\n", id,
                                o.note ? "nothing" : verdict_name(o.verdict),
                                o.value ? " (value " : "", o.value ? o.value : "",
                                o.value ? ")" : "");
            } else if (!why) {
                passed++;
            } else {
                failed++;
                bool exc = is_exception(id);
                excused += exc;
                no_kind += !exc && o.note && strstr(o.note, "kind table");
                /* a kind missing from the table is a failure like any other */
                imgb_buf_printf(&report, "  FAIL %s (rule %s, scenario %s): %s%s\n", id,
                                (char *)rules.items[r], (char *)scen.items[s], why,
                                exc ? " [listed in tests/conformance_exceptions.txt]" : "");
                if (!exc)
                    imgb_buf_printf(&unexpected, "%s ", id);
            }
            free(why);
            outcome_dispose(&o);
            unlink(archive);
            unlink(l1.path);
            free(archive);
            imgbuild_layer_dispose(&l1);
            imgb_ptrvec_dispose(&deleted, free);
            cf_dispose(&layer);
            json_decref(params);
            json_decref(expect);
            free(id);
            free(ep);
            free(case_dir);
        }
        imgb_ptrvec_dispose(&scen, free);
        free(rule_dir);
    }
    printf("conformance: %zu passed, %zu failed\n", passed, failed);
    printf("conformance: %zu shipped rule items reference these SSG rules (%zu evaluated as "
           "shipped on threshold-free cases); kinds that differ from this test's table: %s\n",
           compared, shipped_evals, shipped_bad.ptr ? shipped_bad.ptr : "none");
    printf("conformance: %zu cases, %zu without a real_verdict (not counted), %zu failures "
           "listed as exceptions, %zu failures for check kinds missing from the table, %zu cases also "
           "built with umoci/skopeo\n", ncase, unjudged, excused, no_kind, tool_images);
    if (report.ptr)
        fputs(report.ptr, stdout);
    fflush(stdout);
    ck_assert_msg(ncase > 0, "no conformance cases found under %s", cases_dir);
    /* tools/dev.sh installs umoci and skopeo: missing ones are a broken set-up, not a skip */
    ck_assert_msg(tools, "umoci or skopeo is not installed (tools/dev.sh installs both)");
    ck_assert_msg(tool_images > 0, "no case was built with umoci/skopeo");
    /* a kind that differs from the table's is only acceptable when the shipped item itself
     * was judged on the cases (threshold-free rules are evaluated as shipped) */
    for (size_t i = 0; i < mismatched.len; i++) {
        bool judged = false;
        for (size_t k = 0; k < shipped_judged.len && !judged; k++)
            judged = strcmp(mismatched.items[i], shipped_judged.items[k]) == 0;
        ck_assert_msg(judged, "conformance: %s is shipped with another kind than the table's "
                      "and its shipped items were never judged on its cases",
                      (char *)mismatched.items[i]);
    }
    /* the counts this suite stands for (README: 352 judged cases, 0 failures) */
    ck_assert_uint_eq(ncase, 358);
    ck_assert_uint_eq(passed + failed, 352);
    ck_assert_uint_eq(failed, excused);
    ck_assert_uint_eq(no_kind, 0);
    ck_assert_msg(unexpected.ptr == NULL, "unexpected conformance failures: %s",
                  unexpected.ptr ? unexpected.ptr : "");
    imgb_ruleset_free(shipped);
    imgb_ptrvec_dispose(&mismatched, free);
    imgb_ptrvec_dispose(&shipped_judged, free);
    imgb_buf_dispose(&shipped_bad);
    imgb_buf_dispose(&report);
    imgb_buf_dispose(&unexpected);
    imgb_ptrvec_dispose(&rules, free);
    imgbuild_layer_dispose(&base_layer);
    cf_dispose(&base);
    free(script);
    free(base_dir);
    imgbuild_rmtree(tmp);
    free(tmp);
    free(cases_dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conformance");
    TCase *tc = tcase_create("ssg");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, ssg_conformance);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
