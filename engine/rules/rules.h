/*
 * Rules, check kinds and verdicts: the contract between the YAML baselines (rules/), the
 * check kinds that evaluate them (engine/facts, engine/checks, engine/rules/kind_*.c) and
 * the renderers (engine/report).
 *
 * A ruleset is loaded once (YAML via libyaml, every check compiled: PCRE2 JIT, parameters
 * validated) and is immutable afterwards; a scan evaluates it against one image.
 * A check kind is a row in the kind table (engine/rules/kinds.c), never an if-chain.
 *
 * Tests: tests/test_rules.c.
 */
#ifndef IMGB_RULES_RULES_H
#define IMGB_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <imgbaseline/result.h>
#include <imgbaseline/ruleset.h>

#include "fs/view.h"
#include "image/image.h"

/* imgb_severity, imgb_verdict, imgb_lang: the public headers. */

/* Huawei HSS statistic bucket of an item. */
typedef enum imgb_bucket {
    IMGB_BUCKET_SECURITY_CHECK = 0,
    IMGB_BUCKET_PWD_POLICY,
    IMGB_BUCKET_IMAGE_WEAK_PWD,
} imgb_bucket;

/* Text in both languages (both always present after loading). */
typedef struct imgb_text {
    char *zh;
    char *en;
} imgb_text;

typedef struct imgb_check_kind imgb_check_kind;

typedef struct imgb_item {
    char *id;                 /* e.g. "ssh.permit_root_login" (unique in the ruleset) */
    char *key;                /* Alibaba item key (duplicate_uid, ak_leak, ...) or our own */
    imgb_text title, description, advice;
    imgb_severity severity;
    imgb_bucket bucket;
    json_t *references;       /* object: {"cis": "5.3.10", "ssg": "sshd_disable_root_login", ...} */
    const imgb_check_kind *kind;
    json_t *params;           /* the item's `check:` mapping, as JSON (owned) */
    void *compiled;           /* the kind's compiled form (owned, freed by kind->free) */
    char *file;               /* rule file and line, for diagnostics */
    int line;
    struct imgb_fix *fixes;   /* `fix:` variants (engine/rules/fix.h), in order */
    size_t nfixes;
    char *check_json;         /* params as compact JSON without loader keys (describing) */
    char *references_json;    /* references as compact JSON */
} imgb_item;

typedef struct imgb_applies {
    char **os_ids;            /* match ID or ID_LIKE of os-release (lower-case) */
    size_t nos_ids;
    char *version_min;        /* inclusive, dotted numeric compare (NULL: open) */
    char *version_max;        /* exclusive */
    bool generic;             /* the fallback baseline for any other Linux */
    char *requires_package;   /* e.g. "openssh-server": items are not_applicable without it */
    bool any_os;              /* no OS condition (no `applies`, or no os/generic in it): every
                                 image (weak passwords, secrets, build risks) */
} imgb_applies;

typedef struct imgb_baseline {
    char *key;                /* BaselineNameKey */
    char *class_key;          /* BaselineClassKey */
    imgb_text alias;          /* BaselineNameAlias */
    imgb_text class_alias;    /* BaselineClassAlias */
    imgb_applies applies;
    char **standards;         /* "cn_standard", "hw_standard" */
    size_t nstandards;
    char *hw_check_name;      /* "CentOS 7", "Debian 10", "EulerOS", "Ubuntu16", ... */
    char *hw_check_type;      /* Huawei check_type */
    imgb_text hw_check_type_desc;
    imgb_item **items;
    size_t nitems;
    char *file;
    char *applies_text;       /* "centos|rhel 7..8", "every image", ... (describing) */
} imgb_baseline;

/* Ruleset-level data of one kind (imgb_check_kind.load_dir). */
typedef struct imgb_kind_data {
    const struct imgb_check_kind *kind;
    void *data;
} imgb_kind_data;

typedef struct imgb_ruleset {
    imgb_baseline **baselines;
    size_t nbaselines;
    imgb_kind_data *kind_data;
    size_t nkind_data;
    char version[16];         /* first 12 hex digits of the sha256 of the rule files */
    struct imgb_catalog *catalog; /* the zh message catalog (rules/i18n/zh.yaml of every
                                     rules directory, in order; rules/i18n.h) */
} imgb_ruleset;

/* ---- evidence and results ------------------------------------------------------------ */

/* One piece of evidence.  Every string is owned by the evidence (malloc'd). */
typedef struct imgb_evidence {
    char *file;               /* path inside the image ("/etc/ssh/sshd_config") or NULL */
    int line;                 /* 1-based, 0 if none */
    int64_t offset;           /* byte offset when there is no line (binary files), -1 if none */
    char *value;              /* effective value (masked if secret), or NULL */
    char *source;             /* where the value came from: "/etc/ssh/sshd_config.d/10-x.conf:3"
                                 or "compiled-in default of OpenSSH 7.4p1 with the EL7 patch" */
    char *expected;           /* the condition, e.g. "PermitRootLogin == no" */
    char *message;            /* one line for humans (never a password or an unmasked secret) */
    char *account;            /* user name, for account items */
    int layer;                /* layer index (-1 if none) */
    int layer_removed;        /* layer that deleted/overwrote the file (-1 if still present) */
    int history_index;        /* build risks: history entry (-1 if none) */
    char *layer_digest;       /* build risks / secrets: LayerDigest */
    char *layer_cmd;          /* created_by of history_index, secrets masked */
    imgb_origin origin;       /* base / own layers / unknown (engine/attribution.c) */
    bool layer_attributed;    /* layer / history_index filled by the scan, not the kind */
    bool history_attributed;
    char *fix;                /* the Dockerfile snippet chosen for it (NULL: none) */
    const struct imgb_fix *fix_rule; /* the item's fix variant it came from (its notes) */
    imgb_verdict verdict;     /* this evidence's own verdict (e.g. one account of many) */
} imgb_evidence;

typedef struct imgb_item_result {
    const imgb_item *item;
    imgb_verdict verdict;
    imgb_evidence *evidence;
    size_t nevidence;         /* at most IMGB_MAX_EVIDENCE_PER_ITEM, plus the closing count */
    size_t cap_evidence;
    size_t nmore;             /* evidence counted but not stored (past the cap) */
    imgb_evidence spill;      /* scratch handed out past the cap, cleared on every add */
} imgb_item_result;

/** Stable lower-case names: "high", "fail", "security_check", ... (static strings). */
const char *imgb_severity_name(imgb_severity s);
const char *imgb_verdict_name(imgb_verdict v);
const char *imgb_bucket_name(imgb_bucket b);

/**
 * Append a blank evidence (layer fields -1, offset -1, verdict = r->verdict) and return it
 * for filling.  The pointer is valid until the next add.  Past IMGB_MAX_EVIDENCE_PER_ITEM
 * entries the evidence is only counted (r->nmore): the pointer is then a scratch entry that
 * the next add clears, so a kind never has to check, and a hostile image with a million
 * offenders costs a counter, not a million entries.  The verdict is the kind's to set
 * (out->verdict), never derived from the stored entries.
 */
imgb_evidence *imgb_result_add_evidence(imgb_item_result *r);
/** True when the next imgb_result_add_evidence() would only be counted. */
bool imgb_result_evidence_full(const imgb_item_result *r);
/** Count `n` more offenders that a kind left out itself (e.g. a parser that stopped storing
 *  problems at the same cap); they join the closing "and M more". */
void imgb_result_add_more(imgb_item_result *r, size_t n);
/**
 * Close an evaluated result (the scan calls it once per item): every string field is cut to
 * IMGB_MAX_EVIDENCE_FIELD bytes (at a UTF-8 boundary, marked with "..."), and when evidence
 * was left out one last entry says exactly how many ("and 98000 more not listed (at most
 * 1000 evidence entries per item)").
 */
void imgb_item_result_finish(imgb_item_result *r);
/** Free every string of `ev` and reset it to blank. */
void imgb_evidence_clear(imgb_evidence *ev);
/** Free the evidence array of `r` (not r itself, not r->item). */
void imgb_item_result_dispose(imgb_item_result *r);

/* ---- the scan context a check sees ---------------------------------------------------- */

typedef struct imgb_os_info imgb_os_info; /* engine/facts/os.h */

typedef struct imgb_scan_ctx {
    const imgb_view *view;
    const imgb_image *image;
    const imgb_os_info *os;
    const imgb_ruleset *ruleset;
    const imgb_baseline *baseline; /* the baseline being evaluated */
    int jobs;                      /* worker threads allowed */
    double weak_password_budget;   /* seconds per image */
    int64_t now;                   /* reference time (image creation time if known) */
    struct imgb_ctx_cache *cache;  /* memoised facts; see imgb_ctx_cache_get */
    /* The public API's progress and cancel callbacks (may be NULL): a kind that runs long
     * (cracking) reports through them; a cancel makes its evaluate fail with IMGB_ECANCELED. */
    imgb_progress_fn progress;
    void *progress_payload;
    imgb_cancel_fn cancel;
    void *cancel_payload;
    double *crack_ms;              /* scan.stats: weak-password kinds add their wall time */
} imgb_scan_ctx;

/**
 * Memoise a parsed fact per scan: returns the object stored under `key`, building it with
 * `build(ctx, payload)` on first use (build may return NULL after setting an error; that
 * NULL and the error message are memoised too).  `destroy` frees it with the scan.
 */
void *imgb_ctx_cache_get(const imgb_scan_ctx *ctx, const char *key,
                         void *(*build)(const imgb_scan_ctx *ctx, void *payload), void *payload,
                         void (*destroy)(void *obj));
/*
 * The cache is not locked: kinds evaluate sequentially on the scanning thread (a kind may
 * use threads inside its own evaluate, e.g. weak-password cracking, but must call
 * imgb_ctx_cache_get from that thread only).  Tests that evaluate a kind by hand create one
 * with imgb_ctx_cache_new() and free it (and every memoised object) with imgb_ctx_cache_free().
 */
struct imgb_ctx_cache *imgb_ctx_cache_new(void);
void imgb_ctx_cache_free(struct imgb_ctx_cache *cache);

/* ---- check kinds ----------------------------------------------------------------------- */

/* What a check kind may register before the layers are read. */
typedef struct imgb_scan_setup {
    imgb_view *view;                   /* imgb_view_keep() the paths whose content it needs */
    void (*add_consumer)(struct imgb_scan_setup *s, imgb_consumer *c);
    void *priv;
} imgb_scan_setup;

struct imgb_check_kind {
    const char *name;         /* as named in YAML: `check: {kind: sshd_option, ...}` */
    /* The parameter keys it accepts besides `kind` (NULL-terminated; NULL: none).  The loader
     * refuses any other key at its file:line:column, so a typo never drops a condition. */
    const char *const *keys;
    /* Validate `params` and build the compiled form.  On error return <0 with a message
     * (the loader prefixes file:line:col). */
    int (*compile)(const json_t *params, void **compiled);
    /* Optional: register kept paths and consumers before the scan.  `scan_state` is
     * per-scan state this kind may allocate (freed by free_scan_state). */
    void (*prepare)(const void *compiled, imgb_scan_setup *setup, void **scan_state);
    /* Evaluate into `out` (verdict + evidence).  Return <0 only for internal failures;
     * unreadable or unparsable image files are IMGB_V_ERROR verdicts with evidence. */
    int (*evaluate)(const void *compiled, const imgb_scan_ctx *ctx, void *scan_state,
                    imgb_item_result *out);
    void (*free_scan_state)(void *scan_state);
    void (*free)(void *compiled);
    /* Optional ruleset-level data of the kind (the weak-password dictionary): load_dir runs
     * once per rules directory, in load order, after the rule files loaded; `*data` starts
     * NULL and is freed with free_data when the ruleset is. */
    int (*load_dir)(void **data, const char *dir);
    void (*free_data)(void *data);
};

/* Ruleset-level data of `kind` (NULL if none was loaded). */
void *imgb_ruleset_kind_data(const imgb_ruleset *rs, const imgb_check_kind *kind);
/* The slot of `kind`'s ruleset-level data, created on first use (for loading it). */
void **imgb_ruleset_kind_slot(imgb_ruleset *rs, const imgb_check_kind *kind);

/*
 * The kind registry is above the rule engine (engine/kinds.c, which knows every check and
 * fact module): the rule engine sees kinds only through these calls and the struct above.
 */
/** Find a kind by name in the registry (NULL if unknown). */
const imgb_check_kind *imgb_check_kind_find(const char *name);
/** The NULL-terminated registry. */
const imgb_check_kind *const *imgb_check_kinds(void);
/** Whether a rule author may write `key` in a check of `kind` ("kind" or a declared key). */
bool imgb_check_kind_accepts(const imgb_check_kind *kind, const char *key);
/** Refuse keys the kind does not accept (IMGB_EFORMAT "unknown parameter 'x' (expected one
 *  of ...)"; keys starting with '_' are the loader's own), then compile. */
int imgb_check_kind_compile(const imgb_check_kind *kind, const json_t *params, void **compiled);

/* ---- comparison helpers shared by kinds ------------------------------------------------ */

/*
 * A comparison parsed from params: {op: eq|ne|in|not_in|le|ge|lt|gt|range|subset|present|absent,
 * value: X | values: [..] | min: N, max: N}.  Numeric ops compare integers (octal with a
 * leading 0 when `octal: true`), string ops compare case-insensitively when `nocase: true`.
 */
typedef enum imgb_cmp_op {
    IMGB_CMP_EQ, IMGB_CMP_NE, IMGB_CMP_IN, IMGB_CMP_NOT_IN, IMGB_CMP_LE, IMGB_CMP_GE,
    IMGB_CMP_LT, IMGB_CMP_GT, IMGB_CMP_RANGE, IMGB_CMP_SUBSET, IMGB_CMP_PRESENT, IMGB_CMP_ABSENT,
} imgb_cmp_op;

typedef struct imgb_cmp {
    imgb_cmp_op op;
    char **values;            /* eq/ne: one; in/not_in/subset: the list */
    size_t nvalues;
    long long min, max;       /* le: max; ge: min; range: both (inclusive) */
    bool nocase;
    bool octal;               /* `octal: true`: numbers with a leading 0 are octal */
} imgb_cmp;

/** Parse the comparison keys of `params`. */
int imgb_cmp_parse(const json_t *params, imgb_cmp *out);
/** Evaluate against `value` (NULL = absent: only absent, ne and not_in hold).  For subset,
 *  `value` is a comma/space list.  A non-number under a numeric op is false. */
bool imgb_cmp_eval(const imgb_cmp *cmp, const char *value);
/** "== no", "<= 4", "in {INFO, VERBOSE}", ... (malloc'd). */
char *imgb_cmp_describe(const imgb_cmp *cmp, const char *subject);
void imgb_cmp_dispose(imgb_cmp *cmp);

#endif
