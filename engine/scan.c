/*
 * The scan pipeline (scan.h): the one file that knows every stage.
 *
 *   1. open the image (identity, manifest, config; digests verified unless --no-verify);
 *   2. register what must be kept: OS detection, the account files, small files under /etc,
 *      and whatever each check kind asks for in prepare() (paths, content consumers);
 *   3. stream the layers once into the merged view and through the consumers;
 *   4. detect the OS and choose baselines, each with the reason it applies:
 *        - a baseline with no OS condition (weak passwords, ak_leak, build risks) always;
 *        - an OS baseline whose `os` names the os-release ID or an ID_LIKE word and whose
 *          version range holds VERSION_ID;
 *        - a `generic` baseline for a class no OS baseline covered (also when the OS could
 *          not be identified: the scan says so, it never silently checks nothing);
 *   5. evaluate every item of every chosen baseline, sequentially on this thread (the fact
 *      cache is unlocked; kinds may use threads inside evaluate), and aggregate counts.
 *
 * Tests: tests/test_scan.c.
 */
#include "scan.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attribution.h"
#include "facts/accounts.h"
#include "facts/distro.h"
#include "facts/os.h"
#include "rules/loader.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

static int64_t scan_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parse the leading digits of `s` (exactly `n` of them); -1 if not digits. */
static int scan_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* RFC 3339 ("2023-11-14T22:13:20.123+08:00") to seconds since the epoch; -1 if unparsable. */
static int64_t scan_parse_time(const char *s)
{
    if (!s || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' &&
                                                               s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    struct tm tm = { 0 };
    int f[6] = { scan_digits(s, 4),      scan_digits(s + 5, 2),  scan_digits(s + 8, 2),
                 scan_digits(s + 11, 2), scan_digits(s + 14, 2), scan_digits(s + 17, 2) };
    for (int i = 0; i < 6; i++)
        if (f[i] < 0)
            return -1;
    tm.tm_year = f[0] - 1900;
    tm.tm_mon = f[1] - 1;
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    int64_t t = (int64_t)timegm(&tm);
    const char *p = s + 19;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6 && p[3] == ':') {
        int hh = scan_digits(p + 1, 2), mm = scan_digits(p + 4, 2);
        if (hh < 0 || mm < 0)
            return -1;
        int64_t off = (int64_t)hh * 3600 + mm * 60;
        t += *p == '+' ? -off : off;
    }
    return t;
}

static double scan_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void scan_warn(imgb_scan_result *res, char *msg)
{
    res->warnings = imgb_xrealloc(res->warnings, (res->nwarnings + 1) * sizeof *res->warnings);
    res->warnings[res->nwarnings++] = msg;
}

/* ---- preparing the kinds ------------------------------------------------------------------ */

typedef struct scan_consumers {
    imgb_consumer **v;
    size_t len;
} scan_consumers;

static void scan_add_consumer(imgb_scan_setup *s, imgb_consumer *c)
{
    scan_consumers *cs = s->priv;
    cs->v = imgb_xrealloc(cs->v, (cs->len + 1) * sizeof *cs->v);
    cs->v[cs->len++] = c;
}

/* Per-item scan state, parallel to the ruleset's baselines and items. */
typedef struct scan_states {
    void ***state;            /* [baseline][item] */
    size_t nbaselines;
} scan_states;

static bool scan_wanted(const imgb_baseline *b, const imgb_scan_config *opts)
{
    return !opts->only_baseline || strcmp(opts->only_baseline, b->key) == 0;
}

static void scan_prepare(const imgb_ruleset *rs, const imgb_scan_config *opts, imgb_view *view,
                         scan_consumers *cs, scan_states *st)
{
    imgb_scan_setup setup = { .view = view, .add_consumer = scan_add_consumer, .priv = cs };
    st->nbaselines = rs->nbaselines;
    st->state = imgb_xcalloc(rs->nbaselines ? rs->nbaselines : 1, sizeof *st->state);
    for (size_t i = 0; i < rs->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        st->state[i] = imgb_xcalloc(b->nitems ? b->nitems : 1, sizeof **st->state);
        if (!scan_wanted(b, opts))
            continue;
        /* Every baseline prepares, applicable or not: the OS is known only after the layers
         * are read, and reading them twice would cost more than keeping a few files. */
        for (size_t j = 0; j < b->nitems; j++) {
            const imgb_item *it = b->items[j];
            if (it->kind->prepare)
                it->kind->prepare(it->compiled, &setup, &st->state[i][j]);
        }
    }
}

static void scan_states_free(const imgb_ruleset *rs, scan_states *st)
{
    for (size_t i = 0; i < st->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        for (size_t j = 0; j < b->nitems; j++)
            if (st->state[i][j] && b->items[j]->kind->free_scan_state)
                b->items[j]->kind->free_scan_state(st->state[i][j]);
        free(st->state[i]);
    }
    free(st->state);
}

/* ---- choosing baselines ------------------------------------------------------------------- */

static const char *scan_os_source_name(const imgb_os_info *os)
{
    if (!os->source)
        return "os-release";
    const char *slash = strrchr(os->source, '/');
    const char *base = slash ? slash + 1 : os->source;
    return strcmp(base, "os-release") == 0 ? "os-release" : os->source;
}

static void scan_put_range(imgb_buf *b, const imgb_applies *a)
{
    if (a->version_min && a->version_max)
        imgb_buf_printf(b, " %s..%s", a->version_min, a->version_max);
    else if (a->version_min)
        imgb_buf_printf(b, " >= %s", a->version_min);
    else if (a->version_max)
        imgb_buf_printf(b, " < %s", a->version_max);
}

/* The os word of `a` that names this OS (ID first, then ID_LIKE), or NULL. */
static const char *scan_os_word(const imgb_applies *a, const imgb_os_info *os, bool *via_like)
{
    *via_like = false;
    for (size_t i = 0; os->id && i < a->nos_ids; i++)
        if (strcmp(a->os_ids[i], os->id) == 0)
            return a->os_ids[i];
    for (size_t k = 0; k < os->nid_like; k++)
        for (size_t i = 0; i < a->nos_ids; i++)
            if (strcmp(a->os_ids[i], os->id_like[k]) == 0) {
                *via_like = true;
                return a->os_ids[i];
            }
    return NULL;
}

/* Does an OS baseline match?  On success `*reason` says why (malloc'd). */
static bool scan_os_matches(const imgb_applies *a, const imgb_os_info *os, char **reason)
{
    bool via_like;
    const char *word = scan_os_word(a, os, &via_like);
    if (!word)
        return false;
    if (a->version_min || a->version_max) {
        if (!os->version_id)
            return false;
        if (a->version_min && imgb_version_cmp(os->version_id, a->version_min) < 0)
            return false;
        if (a->version_max && imgb_version_cmp(os->version_id, a->version_max) >= 0)
            return false;
    }
    imgb_buf b = IMGB_BUF_INIT;
    imgb_buf_printf(&b, "%s ID=%s", scan_os_source_name(os), os->id ? os->id : "?");
    if (via_like) {
        imgb_buf_puts(&b, " ID_LIKE=");
        for (size_t k = 0; k < os->nid_like; k++)
            imgb_buf_printf(&b, "%s%s", k ? " " : "", os->id_like[k]);
    }
    if (os->version_id)
        imgb_buf_printf(&b, " VERSION_ID=%s", os->version_id);
    imgb_buf_printf(&b, " matches %s", word);
    scan_put_range(&b, a);
    *reason = imgb_buf_detach(&b);
    return true;
}

static char *scan_os_label(const imgb_os_info *os)
{
    if (!os->id)
        return NULL;
    return os->version_id ? imgb_xasprintf("%s %s", os->id, os->version_id)
                          : imgb_xstrdup(os->id);
}

/*
 * Choose the baselines and their reasons: `reasons[i]` is NULL for a baseline that does not
 * apply.  A generic baseline applies when no OS baseline of its class did.
 */
static void scan_choose(const imgb_ruleset *rs, const imgb_os_info *os,
                        const imgb_scan_config *opts, char **reasons)
{
    for (size_t i = 0; i < rs->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        reasons[i] = NULL;
        if (!scan_wanted(b, opts))
            continue;
        if (b->applies.any_os)
            reasons[i] = imgb_xstrdup("applies to every image (no OS condition)");
        else if (b->applies.nos_ids)
            scan_os_matches(&b->applies, os, &reasons[i]);
    }
    for (size_t i = 0; i < rs->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        if (!b->applies.generic || !scan_wanted(b, opts))
            continue;
        bool covered = false;
        for (size_t j = 0; j < rs->nbaselines && !covered; j++)
            covered = reasons[j] && rs->baselines[j]->applies.nos_ids &&
                      strcmp(rs->baselines[j]->class_key, b->class_key) == 0;
        if (covered)
            continue;
        char *label = scan_os_label(os);
        if (label)
            reasons[i] = imgb_xasprintf("no OS-specific %s baseline for %s: generic Linux "
                                        "baseline", b->class_key, label);
        else
            reasons[i] = imgb_xstrdup("the OS could not be identified (no os-release or "
                                      "release file): generic Linux baseline");
        free(label);
    }
}

/* Why each baseline that is not applied does not apply (only_baseline filters them out). */
static void scan_skips(imgb_scan_result *res, const imgb_ruleset *rs, const imgb_os_info *os,
                       const imgb_scan_config *opts, char *const *reasons)
{
    res->skipped = imgb_xcalloc(rs->nbaselines ? rs->nbaselines : 1, sizeof *res->skipped);
    for (size_t i = 0; i < rs->nbaselines; i++) {
        const imgb_baseline *b = rs->baselines[i];
        if (reasons[i] || !scan_wanted(b, opts))
            continue;
        imgb_buf why = IMGB_BUF_INIT;
        if (b->applies.generic) {
            for (size_t j = 0; j < rs->nbaselines; j++)
                if (reasons[j] && rs->baselines[j]->applies.nos_ids &&
                    strcmp(rs->baselines[j]->class_key, b->class_key) == 0) {
                    imgb_buf_printf(&why, "covered by %s (%s)", rs->baselines[j]->key,
                                    b->class_key);
                    break;
                }
        } else if (!os->id) {
            imgb_buf_puts(&why, "the OS could not be identified");
        } else {
            imgb_buf_printf(&why, "%s ID=%s", scan_os_source_name(os), os->id);
            if (os->nid_like) {
                imgb_buf_puts(&why, " ID_LIKE=");
                for (size_t k = 0; k < os->nid_like; k++)
                    imgb_buf_printf(&why, "%s%s", k ? " " : "", os->id_like[k]);
            }
            imgb_buf_printf(&why, " VERSION_ID=%s is not ", os->version_id ? os->version_id
                                                                           : "(none)");
            for (size_t k = 0; k < b->applies.nos_ids; k++)
                imgb_buf_printf(&why, "%s%s", k ? "|" : "", b->applies.os_ids[k]);
            scan_put_range(&why, &b->applies);
        }
        imgb_baseline_skip *sk = &res->skipped[res->nskipped++];
        sk->baseline = b;
        sk->reason = imgb_buf_detach(&why);
    }
}

/* ---- evaluating ------------------------------------------------------------------------- */

static void scan_evaluate_item(const imgb_scan_result *res, const imgb_item *it,
                               const imgb_scan_ctx *ctx, void *state, imgb_item_result *r)
{
    r->item = it;
    r->verdict = IMGB_V_ERROR;
    imgb_error_clear();
    if (it->kind->evaluate(it->compiled, ctx, state, r) < 0) {
        r->verdict = IMGB_V_ERROR;
        imgb_evidence *ev = imgb_result_add_evidence(r);
        ev->verdict = IMGB_V_ERROR;
        ev->message = imgb_xasprintf("internal error: %s", imgb_error_last());
    }
    if (r->nevidence == 0) {
        /* every verdict carries evidence; a kind that gave none still says what it was */
        imgb_evidence *ev = imgb_result_add_evidence(r);
        ev->message = r->verdict == IMGB_V_PASS
                          ? imgb_xasprintf("no finding (%s)", it->kind->name)
                          : imgb_xasprintf("%s check gave no detail", it->kind->name);
    }
    /* every kind names files; which layer wrote them is asked here, once for all kinds */
    imgb_attribute_item(res, ctx, r);
    imgb_item_result_finish(r);
}

static void scan_count(imgb_baseline_result *br, const imgb_item_result *r)
{
    switch (r->verdict) {
    case IMGB_V_PASS:
        br->passed++;
        break;
    case IMGB_V_FAIL:
        br->failed[r->item->severity]++;
        break;
    case IMGB_V_NOT_APPLICABLE:
        br->not_applicable++;
        break;
    case IMGB_V_ERROR:
        br->errors++;
        break;
    case IMGB_V_INCOMPLETE:
        br->incomplete++;
        break;
    }
}

/* The public API's progress callback for one stage (no-op without a callback). */
static void scan_progress(const imgb_scan_config *opts, imgb_stage stage, const char *item)
{
    if (opts->progress) {
        imgb_progress p = { .stage = stage, .item = item };
        opts->progress(&p, opts->progress_payload);
    }
}

/* Whether the caller asked to stop (polled between layers and items). */
static bool scan_canceled(const imgb_scan_config *opts)
{
    return opts->cancel && opts->cancel(opts->cancel_payload);
}

/* The reader's per-layer hook: progress, then cancel. */
static int scan_on_layer(void *payload, size_t layer, size_t nlayers, uint64_t bytes,
                         uint64_t total)
{
    const imgb_scan_config *opts = payload;
    if (opts->progress) {
        imgb_progress p = { .stage = IMGB_STAGE_READ, .layer = layer, .nlayers = nlayers,
                            .bytes = bytes, .total_bytes = total };
        opts->progress(&p, opts->progress_payload);
    }
    return scan_canceled(opts);
}

/* Evaluate every chosen baseline; IMGB_ECANCELED when the caller asked to stop. */
static int scan_evaluate(imgb_scan_result *res, const imgb_ruleset *rs, char **reasons,
                         scan_states *st, imgb_scan_ctx *ctx, const imgb_scan_config *opts)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nbaselines; i++)
        n += reasons[i] != NULL;
    res->baselines = imgb_xcalloc(n ? n : 1, sizeof *res->baselines);

    for (size_t i = 0; i < rs->nbaselines; i++) {
        if (!reasons[i])
            continue;
        const imgb_baseline *b = rs->baselines[i];
        imgb_baseline_result *br = &res->baselines[res->nbaselines++];
        br->baseline = b;
        br->reason = reasons[i];
        reasons[i] = NULL;
        br->nitems = b->nitems;
        br->items = imgb_xcalloc(b->nitems ? b->nitems : 1, sizeof *br->items);
        ctx->baseline = b;

        bool known = true, installed = true;
        if (b->applies.requires_package) {
            installed = imgb_os_package_installed(res->os, b->applies.requires_package, &known);
            if (!known)
                scan_warn(res, imgb_xasprintf("baseline %s: cannot tell whether package %s is "
                                              "installed; its items were evaluated", b->key,
                                              b->applies.requires_package));
        }
        for (size_t j = 0; j < b->nitems; j++) {
            imgb_item_result *r = &br->items[j];
            if (!installed && res->image->truncated) {
                /* a package database that was cut short proves nothing: never a silent n/a */
                r->item = b->items[j];
                r->verdict = IMGB_V_INCOMPLETE;
                imgb_evidence *ev = imgb_result_add_evidence(r);
                ev->verdict = IMGB_V_INCOMPLETE;
                ev->message = imgb_xasprintf("the image was not read in full: cannot tell whether "
                                             "%s is installed", b->applies.requires_package);
            } else if (!installed) {
                r->item = b->items[j];
                r->verdict = IMGB_V_NOT_APPLICABLE;
                imgb_evidence *ev = imgb_result_add_evidence(r);
                ev->message = imgb_xasprintf("%s is not installed", b->applies.requires_package);
                if (res->os->openssh_source)
                    ev->source = imgb_xstrdup(res->os->openssh_source);
            } else {
                scan_progress(opts, IMGB_STAGE_EVALUATE, b->items[j]->id);
                scan_evaluate_item(res, b->items[j], ctx, st->state[i][j], r);
            }
            scan_count(br, r);
            if (imgb_error_last_code() == IMGB_ECANCELED || scan_canceled(opts))
                return imgb_error_set(IMGB_ECANCELED, "%s: scan canceled at item %s",
                                      res->image->path, b->items[j]->id);
        }
    }
    return 0;
}

/* ---- the scan ---------------------------------------------------------------------------- */

static int scan_run(imgb_scan_result **out, const imgb_ruleset *rs, const char *path, int fd,
                    const imgb_scan_config *opts);

int imgb_scan_run(imgb_scan_result **out, const imgb_ruleset *rs, const char *path,
                  const imgb_scan_config *opts)
{
    return scan_run(out, rs, path, -1, opts);
}

int imgb_scan_run_fd(imgb_scan_result **out, const imgb_ruleset *rs, int fd, const char *name,
                     const imgb_scan_config *opts)
{
    return scan_run(out, rs, name, fd, opts);
}

static int scan_run(imgb_scan_result **out, const imgb_ruleset *rs, const char *path, int fd,
                    const imgb_scan_config *opts)
{
    static const imgb_scan_config defaults = { 0 };
    imgb_scan_result *res = imgb_xcalloc(1, sizeof *res);
    scan_consumers cs = { 0 };
    scan_states st = { 0 };
    char **reasons = NULL;
    int rc;

    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (rs && opts->only_baseline && !imgb_ruleset_find_baseline(rs, opts->only_baseline)) {
        free(res);
        return imgb_error_set(IMGB_ENOTFOUND, "scan: no baseline '%s' in the rules",
                              opts->only_baseline);
    }
    res->ruleset = rs;
    res->started_ms = scan_now_ms();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    scan_progress(opts, IMGB_STAGE_OPEN, NULL);
    imgb_read_options read = opts->read;
    if (opts->progress || opts->cancel) {
        read.on_layer = scan_on_layer;
        read.on_layer_payload = (void *)opts;
    }
    if ((rc = fd >= 0 ? imgb_image_open_fd(&res->image, fd, path, &read)
                      : imgb_image_open(&res->image, path, &read)) < 0)
        goto fail;
    res->platform = imgb_xasprintf("%s/%s%s%s", res->image->os ? res->image->os : "?",
                                   res->image->arch ? res->image->arch : "?",
                                   res->image->variant ? "/" : "",
                                   res->image->variant ? res->image->variant : "");
    res->stats.open_ms = scan_ms_since(&t0);
    if ((rc = imgb_base_resolve(res, opts)) < 0)
        goto fail;
    imgb_view_limits limits = { opts->keep_file_max ? opts->keep_file_max : IMGB_KEEP_FILE_MAX,
                                opts->keep_total_max ? opts->keep_total_max
                                                     : IMGB_KEEP_TOTAL_MAX };
    res->view = imgb_view_new(&limits);
    imgb_os_register_keeps(res->view);
    imgb_accounts_register_keeps(res->view);
    /* /etc is small and is where nearly every configuration fact lives; its symlinks into
     * /usr (alternatives, systemd units, zoneinfo, certificates) are not configuration: the
     * facts that read through a symlink keep that path themselves */
    imgb_view_keep_local(res->view, "/etc/**");
    if (rs)
        scan_prepare(rs, opts, res->view, &cs, &st);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((rc = imgb_image_read_layers(res->image, res->view, cs.v, cs.len)) < 0)
        goto fail;
    res->stats.read_ms = scan_ms_since(&t0);
    imgb_image_read_stats(res->image, &res->stats.read);
    /* the view's warnings are already in image->warnings (imgb_image_read_layers) */
    scan_progress(opts, IMGB_STAGE_DETECT, NULL);
    if ((rc = imgb_os_detect(res->view, &res->os)) < 0)
        goto fail;
    if (!rs) { /* the image and its OS only (inspect) */
        res->finished_ms = scan_now_ms();
        imgb_scan_result_incomplete(res, &res->incomplete_reason);
        scan_progress(opts, IMGB_STAGE_DONE, NULL);
        *out = res;
        return 0;
    }
    if (!res->os->id)
        scan_warn(res, imgb_xstrdup("the OS could not be identified: only baselines without "
                                    "an OS condition and the generic Linux baselines apply"));

    reasons = imgb_xcalloc(rs->nbaselines ? rs->nbaselines : 1, sizeof *reasons);
    scan_choose(rs, res->os, opts, reasons);
    scan_skips(res, rs, res->os, opts, reasons);

    imgb_scan_ctx ctx = {
        .view = res->view,
        .image = res->image,
        .os = res->os,
        .ruleset = rs,
        .jobs = opts->read.jobs,
        .weak_password_budget = opts->weak_password_budget > 0 ? opts->weak_password_budget
                                                               : IMGB_WP_DEFAULT_BUDGET,
        .cache = imgb_ctx_cache_new(),
        .progress = opts->progress,
        .progress_payload = opts->progress_payload,
        .cancel = opts->cancel,
        .cancel_payload = opts->cancel_payload,
        .crack_ms = &res->stats.crack_ms,
    };
    int64_t created = scan_parse_time(res->image->created);
    ctx.now = created >= 0 ? created : res->started_ms / 1000;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = scan_evaluate(res, rs, reasons, &st, &ctx, opts);
    res->stats.evaluate_ms = scan_ms_since(&t0);
    imgb_ctx_cache_free(ctx.cache);
    if (rc < 0)
        goto fail;
    if (res->nbaselines == 0)
        scan_warn(res, opts->only_baseline
                           ? imgb_xasprintf("baseline %s does not apply to this image",
                                            opts->only_baseline)
                           : imgb_xstrdup("no baseline applies to this image (the ruleset has "
                                          "no generic baseline)"));

    free(reasons);
    scan_states_free(rs, &st);
    free(cs.v);
    res->finished_ms = scan_now_ms();
    imgb_scan_result_incomplete(res, &res->incomplete_reason);
    scan_progress(opts, IMGB_STAGE_DONE, NULL);
    *out = res;
    return 0;

fail:
    if (reasons) {
        for (size_t i = 0; i < rs->nbaselines; i++)
            free(reasons[i]);
        free(reasons);
    }
    if (st.state)
        scan_states_free(rs, &st);
    free(cs.v);
    imgb_scan_result_free(res);
    return rc;
}

void imgb_scan_result_free(imgb_scan_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nbaselines; i++) {
        imgb_baseline_result *br = &res->baselines[i];
        for (size_t j = 0; j < br->nitems; j++)
            imgb_item_result_dispose(&br->items[j]);
        free(br->items);
        free(br->reason);
    }
    free(res->baselines);
    for (size_t i = 0; i < res->nskipped; i++)
        free(res->skipped[i].reason);
    free(res->skipped);
    free(res->platform);
    free(res->incomplete_reason);
    for (size_t i = 0; i < res->nwarnings; i++)
        free(res->warnings[i]);
    free(res->warnings);
    imgb_base_dispose(&res->base);
    imgb_os_info_free(res->os);
    imgb_view_free(res->view);
    imgb_image_free(res->image);
    free(res);
}

const imgb_baseline_result *imgb_scan_result_baseline(const imgb_scan_result *res,
                                                      const char *key)
{
    for (size_t b = 0; b < res->nbaselines; b++)
        if (strcmp(res->baselines[b].baseline->key, key) == 0)
            return &res->baselines[b];
    return NULL;
}

const imgb_item_result *imgb_scan_result_item(const imgb_scan_result *res, const char *id)
{
    for (size_t b = 0; b < res->nbaselines; b++)
        for (size_t i = 0; i < res->baselines[b].nitems; i++)
            if (strcmp(res->baselines[b].items[i].item->id, id) == 0)
                return &res->baselines[b].items[i];
    return NULL;
}

void imgb_scan_result_set_name(imgb_scan_result *res, const char *name)
{
    free(res->image->path);
    res->image->path = imgb_xstrdup(name);
}

/* Why the image itself was not read or identified in full (malloc'd), or NULL. */
static char *scan_image_gap(const imgb_scan_result *res)
{
    bool os_baselines = false;
    for (size_t i = 0; res->ruleset && i < res->ruleset->nbaselines; i++)
        os_baselines |= !res->ruleset->baselines[i]->applies.any_os;
    if (res->image->truncated_why)
        return imgb_xstrdup(res->image->truncated_why);
    if (res->image->truncated)
        return imgb_xasprintf("%s: a layer's tar stream is truncated: the image was not read in "
                              "full", res->image->path);
    if (os_baselines && res->os && !res->os->id)
        return imgb_xasprintf("%s: the OS could not be identified, so its OS baselines were not "
                              "checked", res->image->path);
    if (os_baselines && res->os && res->os->distro && res->os->distro->pkgdb != IMGB_PKGDB_NONE &&
        !res->os->pkgdb_source)
        return imgb_xasprintf("%s: %s image without a package database: its packages (OpenSSH, "
                              "Linux-PAM, libpwquality versions) could not be identified",
                              res->image->path, res->os->id);
    return NULL;
}

int imgb_scan_result_incomplete(const imgb_scan_result *res, char **reason)
{
    char *why = scan_image_gap(res);
    size_t unjudged = 0;
    for (size_t b = 0; b < res->nbaselines; b++)
        unjudged += res->baselines[b].errors + res->baselines[b].incomplete;
    if (!why && unjudged)
        why = imgb_xasprintf("%s: %zu item%s could not be judged (error or incomplete)",
                             res->image->path, unjudged, unjudged == 1 ? "" : "s");
    if (reason)
        *reason = why;
    else
        free(why);
    return why != NULL;
}

bool imgb_scan_result_image_complete(const imgb_scan_result *res)
{
    char *why = scan_image_gap(res);
    free(why);
    return why == NULL;
}
