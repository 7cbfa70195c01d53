/*
 * passwd / shadow / group / gshadow parsing (from bytes; loading from the view is in
 * accounts_view.c, so that parsers and fuzzers link without the view); see accounts.h.
 *
 * Field splitting reproduces glibc nss_files (nss/nss_files/files-parse.c and
 * files-pwd.c/files-spwd.c/files-grp.c): leading blanks skipped, '#' and empty lines
 * ignored, a line that does not parse is skipped.  Shadow lines take 9 fields, 8 (the
 * reserved field dropped) or the old 5-field form, as shadow's lib/sgetspent.c (FIELDS 9,
 * OFIELDS 5); empty numeric fields are -1.
 */
#include "facts/accounts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/lines.h"
#include "util/mem.h"

#define ACCT_MAX_FIELDS 10 /* one more than shadow's 9, to detect extra fields */

static const char *const acct_paths[IMGB_ACCT_NFILES] = {
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow",
};

const char *imgb_accounts_path(imgb_acct_file which)
{
    return (unsigned)which < IMGB_ACCT_NFILES ? acct_paths[which] : "";
}

/* ---- hash classification ---------------------------------------------------------------- */

static bool hash_is_des_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '/';
}

static bool hash_all_des_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!hash_is_des_char(s[i]))
            return false;
    return true;
}

static imgb_hash_kind hash_kind_of(const char *h)
{
    static const struct {
        const char *prefix;
        imgb_hash_kind kind;
    } prefixes[] = {
        {"$1$", IMGB_HASH_MD5},       {"$5$", IMGB_HASH_SHA256},
        {"$6$", IMGB_HASH_SHA512},    {"$y$", IMGB_HASH_YESCRYPT},
        {"$gy$", IMGB_HASH_GOST_YESCRYPT}, {"$2a$", IMGB_HASH_BCRYPT},
        {"$2b$", IMGB_HASH_BCRYPT},   {"$2y$", IMGB_HASH_BCRYPT},
        {"$2x$", IMGB_HASH_BCRYPT},   {"$sha1$", IMGB_HASH_SHA1},
        {"$md5", IMGB_HASH_SUN_MD5},  {"$7$", IMGB_HASH_SCRYPT},
    };
    size_t n = strlen(h);

    if (h[0] == '$') {
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
            if (strncmp(h, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
                return prefixes[i].kind;
        return IMGB_HASH_UNKNOWN;
    }
    if (n == 13 && hash_all_des_chars(h, n))
        return IMGB_HASH_DES;
    if (n == 20 && h[0] == '_' && hash_all_des_chars(h + 1, 19))
        return IMGB_HASH_BSDI_DES;
    return IMGB_HASH_UNKNOWN;
}

imgb_hash_class imgb_hash_classify(const char *field)
{
    imgb_hash_class c = {IMGB_HASH_UNKNOWN, false, field};

    if (field[0] == '\0') {
        c.kind = IMGB_HASH_EMPTY;
        return c;
    }
    if (field[0] == '*') {
        /* "*", "*LK*", "*NP*": never a hash */
        c.kind = IMGB_HASH_LOCKED;
        c.locked = true;
        c.hash = "";
        return c;
    }
    if (field[0] == '!') {
        /* passwd -l / usermod -L prepend one '!'; "!!" is "never set" on EL */
        const char *h = field;
        while (*h == '!')
            h++;
        c.locked = true;
        c.hash = h;
        if (*h == '\0' || *h == '*' || strcmp(h, "locked") == 0) {
            c.kind = IMGB_HASH_LOCKED;
            return c;
        }
        c.kind = hash_kind_of(h);
        return c;
    }
    c.kind = hash_kind_of(field);
    return c;
}

const char *imgb_hash_kind_name(imgb_hash_kind kind)
{
    static const char *const names[] = {
        [IMGB_HASH_EMPTY] = "empty",       [IMGB_HASH_LOCKED] = "locked",
        [IMGB_HASH_DES] = "des",           [IMGB_HASH_BSDI_DES] = "bsdi-des",
        [IMGB_HASH_MD5] = "md5",           [IMGB_HASH_SHA256] = "sha256",
        [IMGB_HASH_SHA512] = "sha512",     [IMGB_HASH_YESCRYPT] = "yescrypt",
        [IMGB_HASH_GOST_YESCRYPT] = "gost-yescrypt", [IMGB_HASH_BCRYPT] = "bcrypt",
        [IMGB_HASH_SHA1] = "sha1",         [IMGB_HASH_SUN_MD5] = "sun-md5",
        [IMGB_HASH_SCRYPT] = "scrypt",     [IMGB_HASH_UNKNOWN] = "unknown",
    };
    if ((unsigned)kind > IMGB_HASH_UNKNOWN)
        return "unknown";
    return names[kind];
}

bool imgb_hash_ages_matter(const char *field)
{
    return field[0] != '!' && field[0] != '*';
}

/* ---- line splitting ---------------------------------------------------------------------- */

typedef struct acct_line {
    const char *f[ACCT_MAX_FIELDS];
    size_t flen[ACCT_MAX_FIELDS];
    size_t nf;                /* fields found (capped at ACCT_MAX_FIELDS, i.e. "too many") */
} acct_line;

static void acct_split(const char *p, size_t len, acct_line *out)
{
    size_t start = 0;

    out->nf = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || p[i] == ':') {
            if (out->nf == ACCT_MAX_FIELDS)
                return;
            out->f[out->nf] = p + start;
            out->flen[out->nf] = i - start;
            out->nf++;
            start = i + 1;
        }
    }
}

static char *acct_field(const acct_line *l, size_t i)
{
    if (i >= l->nf)
        return imgb_xstrdup("");
    return imgb_xstrndup(l->f[i], l->flen[i]);
}

static void acct_issue(imgb_accounts *a, imgb_acct_file which, int line, char *message)
{
    if (a->nissues == a->cap_issues) {
        a->cap_issues = a->cap_issues ? a->cap_issues * 2 : 8;
        a->issues = imgb_xrealloc(a->issues, a->cap_issues * sizeof *a->issues);
    }
    a->issues[a->nissues].file = acct_paths[which];
    a->issues[a->nissues].line = line;
    a->issues[a->nissues].message = message;
    a->nissues++;
}

/* Decimal id as glibc's INT_FIELD accepts for uid/gid (0 .. 2^32-1). */
static long long acct_parse_id(const char *s, size_t n)
{
    long long v = 0;

    if (n == 0 || n > 10)
        return IMGB_ACCT_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return IMGB_ACCT_INVALID;
        v = v * 10 + (s[i] - '0');
    }
    return v > 4294967295LL ? IMGB_ACCT_INVALID : v;
}

/* A shadow day count: empty is -1 (unset); otherwise an optionally signed decimal. */
static long long acct_parse_days(const char *s, size_t n)
{
    long long v = 0;
    size_t i = 0;
    bool neg = false;

    if (n == 0)
        return IMGB_ACCT_UNSET;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n || n - i > 12)
        return IMGB_ACCT_INVALID;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return IMGB_ACCT_INVALID;
        v = v * 10 + (s[i] - '0');
    }
    return neg ? -v : v;
}

static char **acct_split_list(const char *s, size_t n, size_t *count)
{
    imgb_ptrvec v = IMGB_PTRVEC_INIT;
    size_t start = 0;

    *count = 0;
    if (n == 0)
        return NULL;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            if (i > start)
                imgb_ptrvec_push(&v, imgb_xstrndup(s + start, i - start));
            start = i + 1;
        }
    }
    *count = v.len;
    return (char **)v.items;
}

static void *acct_grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 16;
    return imgb_xrealloc(arr, *cap * size);
}

/* ---- per-file record parsers ------------------------------------------------------------ */

static void acct_parse_passwd(imgb_accounts *a, const acct_line *l, int line, bool nis)
{
    if (!nis && l->nf != 7) {
        acct_issue(a, IMGB_ACCT_PASSWD, line,
                   imgb_xasprintf("expected 7 ':'-separated fields, found %zu%s", l->nf,
                                  l->nf == ACCT_MAX_FIELDS ? " or more" : ""));
        return;
    }
    long long uid = l->nf > 2 ? acct_parse_id(l->f[2], l->flen[2]) : IMGB_ACCT_INVALID;
    long long gid = l->nf > 3 ? acct_parse_id(l->f[3], l->flen[3]) : IMGB_ACCT_INVALID;
    if (!nis && (uid == IMGB_ACCT_INVALID || gid == IMGB_ACCT_INVALID)) {
        acct_issue(a, IMGB_ACCT_PASSWD, line,
                   imgb_xasprintf("%s is not a number between 0 and 4294967295",
                                  uid == IMGB_ACCT_INVALID ? "uid" : "gid"));
        return;
    }
    a->pw = acct_grow(a->pw, &a->cap_pw, a->npw, sizeof *a->pw);
    imgb_passwd_ent *e = &a->pw[a->npw++];
    e->name = acct_field(l, 0);
    e->passwd = acct_field(l, 1);
    e->uid = uid;
    e->gid = gid;
    e->gecos = acct_field(l, 4);
    e->home = acct_field(l, 5);
    e->shell = acct_field(l, 6);
    e->line = line;
    e->nis = nis;
}

static void acct_parse_shadow(imgb_accounts *a, const acct_line *l, int line, bool nis)
{
    if (!nis && l->nf != 9 && l->nf != 8 && l->nf != 5) {
        acct_issue(a, IMGB_ACCT_SHADOW, line,
                   imgb_xasprintf("expected 9 ':'-separated fields, found %zu%s", l->nf,
                                  l->nf == ACCT_MAX_FIELDS ? " or more" : ""));
        return;
    }
    long long v[6];
    for (size_t i = 0; i < 6; i++) {
        v[i] = 2 + i < l->nf ? acct_parse_days(l->f[2 + i], l->flen[2 + i]) : IMGB_ACCT_UNSET;
        if (v[i] == IMGB_ACCT_INVALID && !nis) {
            static const char *const names[] = {"last change", "minimum age", "maximum age",
                                                "warning period", "inactivity period",
                                                "expiration date"};
            acct_issue(a, IMGB_ACCT_SHADOW, line,
                       imgb_xasprintf("%s field (%zu) is not a number of days", names[i], i + 3));
            return;
        }
    }
    a->sp = acct_grow(a->sp, &a->cap_sp, a->nsp, sizeof *a->sp);
    imgb_shadow_ent *e = &a->sp[a->nsp++];
    e->name = acct_field(l, 0);
    e->hash = acct_field(l, 1);
    e->lastchg = v[0];
    e->min = v[1];
    e->max = v[2];
    e->warn = v[3];
    e->inactive = v[4];
    e->expire = v[5];
    e->line = line;
    e->nis = nis;
}

static void acct_parse_group(imgb_accounts *a, const acct_line *l, int line, bool nis)
{
    if (!nis && l->nf != 4) {
        acct_issue(a, IMGB_ACCT_GROUP, line,
                   imgb_xasprintf("expected 4 ':'-separated fields, found %zu%s", l->nf,
                                  l->nf == ACCT_MAX_FIELDS ? " or more" : ""));
        return;
    }
    long long gid = l->nf > 2 ? acct_parse_id(l->f[2], l->flen[2]) : IMGB_ACCT_INVALID;
    if (!nis && gid == IMGB_ACCT_INVALID) {
        acct_issue(a, IMGB_ACCT_GROUP, line,
                   imgb_xstrdup("gid is not a number between 0 and 4294967295"));
        return;
    }
    a->gr = acct_grow(a->gr, &a->cap_gr, a->ngr, sizeof *a->gr);
    imgb_group_ent *e = &a->gr[a->ngr++];
    e->name = acct_field(l, 0);
    e->passwd = acct_field(l, 1);
    e->gid = gid;
    e->members = l->nf > 3 ? acct_split_list(l->f[3], l->flen[3], &e->nmembers) : NULL;
    if (l->nf <= 3)
        e->nmembers = 0;
    e->line = line;
    e->nis = nis;
}

static void acct_parse_gshadow(imgb_accounts *a, const acct_line *l, int line, bool nis)
{
    if (!nis && l->nf != 4) {
        acct_issue(a, IMGB_ACCT_GSHADOW, line,
                   imgb_xasprintf("expected 4 ':'-separated fields, found %zu%s", l->nf,
                                  l->nf == ACCT_MAX_FIELDS ? " or more" : ""));
        return;
    }
    a->gs = acct_grow(a->gs, &a->cap_gs, a->ngs, sizeof *a->gs);
    imgb_gshadow_ent *e = &a->gs[a->ngs++];
    e->name = acct_field(l, 0);
    e->passwd = acct_field(l, 1);
    e->nadmins = e->nmembers = 0;
    e->admins = l->nf > 2 ? acct_split_list(l->f[2], l->flen[2], &e->nadmins) : NULL;
    e->members = l->nf > 3 ? acct_split_list(l->f[3], l->flen[3], &e->nmembers) : NULL;
    e->line = line;
    e->nis = nis;
}

void imgb_accounts_parse(imgb_accounts *a, imgb_acct_file which, const char *data, size_t len)
{
    imgb_lines it;
    const char *p;
    size_t n;

    a->src[which].status = 0;
    free(a->src[which].message);
    a->src[which].message = NULL;
    imgb_lines_init(&it, data, len);
    while (imgb_lines_next(&it, &p, &n)) {
        int line = it.number;
        if (!it.terminated && a->src[which].truncated) {
            acct_issue(a, which, line,
                       imgb_xstrdup("line cut by the content cap; not parsed"));
            break;
        }
        /* glibc: skip leading blanks, ignore empty and comment lines */
        while (n > 0 && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        if (n == 0 || *p == '#')
            continue;
        if (memchr(p, '\0', n)) {
            acct_issue(a, which, line, imgb_xstrdup("line contains a NUL byte"));
            continue;
        }
        bool nis = *p == '+' || *p == '-';
        acct_line l;
        acct_split(p, n, &l);
        switch (which) {
        case IMGB_ACCT_PASSWD:
            acct_parse_passwd(a, &l, line, nis);
            break;
        case IMGB_ACCT_SHADOW:
            acct_parse_shadow(a, &l, line, nis);
            break;
        case IMGB_ACCT_GROUP:
            acct_parse_group(a, &l, line, nis);
            break;
        default:
            acct_parse_gshadow(a, &l, line, nis);
            break;
        }
    }
}

/* ---- sorted indexes and the join ---------------------------------------------------------- */

typedef struct acct_sort_key {
    const char *name;
    long long num;
    size_t idx;
} acct_sort_key;

static int acct_cmp_name(const void *x, const void *y)
{
    const acct_sort_key *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int acct_cmp_num(const void *x, const void *y)
{
    const acct_sort_key *a = x, *b = y;
    if (a->num != b->num)
        return a->num < b->num ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Indexes of the non-NIS records, sorted by name (or number), file order among equals. */
static size_t *acct_index(size_t n, const char *(*name_at)(const imgb_accounts *, size_t),
                          long long (*num_at)(const imgb_accounts *, size_t),
                          const imgb_accounts *a, size_t *count)
{
    acct_sort_key *keys = imgb_xcalloc(n ? n : 1, sizeof *keys);
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        const char *name = name_at(a, i);
        if (!name)
            continue;
        keys[k].name = name;
        keys[k].num = num_at ? num_at(a, i) : 0;
        keys[k].idx = i;
        k++;
    }
    qsort(keys, k, sizeof *keys, num_at ? acct_cmp_num : acct_cmp_name);
    size_t *idx = imgb_xcalloc(k ? k : 1, sizeof *idx);
    for (size_t i = 0; i < k; i++)
        idx[i] = keys[i].idx;
    free(keys);
    *count = k;
    return idx;
}

static const char *pw_name_at(const imgb_accounts *a, size_t i)
{
    return a->pw[i].nis ? NULL : a->pw[i].name;
}

static const char *sp_name_at(const imgb_accounts *a, size_t i)
{
    return a->sp[i].nis ? NULL : a->sp[i].name;
}

static const char *gr_name_at(const imgb_accounts *a, size_t i)
{
    return a->gr[i].nis ? NULL : a->gr[i].name;
}

static long long gr_gid_at(const imgb_accounts *a, size_t i)
{
    return a->gr[i].gid;
}

static long long pw_uid_at(const imgb_accounts *a, size_t i)
{
    return a->pw[i].uid;
}

/* Binary search for the first index entry whose name equals `name`. */
static long acct_lookup_name(const imgb_accounts *a, const size_t *idx, size_t n,
                             const char *(*name_at)(const imgb_accounts *, size_t),
                             const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(name_at(a, idx[mid]), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && strcmp(name_at(a, idx[lo]), name) == 0)
        return (long)idx[lo];
    return -1;
}

void imgb_accounts_finish(imgb_accounts *a)
{
    size_t n;

    free(a->pw_by_name);
    free(a->sp_by_name);
    free(a->gr_by_name);
    free(a->gr_by_gid);
    free(a->pw_by_uid);
    free(a->joined);
    a->pw_by_name = acct_index(a->npw, pw_name_at, NULL, a, &a->npw_idx);
    a->pw_by_uid = acct_index(a->npw, pw_name_at, pw_uid_at, a, &n);
    a->sp_by_name = acct_index(a->nsp, sp_name_at, NULL, a, &a->nsp_idx);
    a->gr_by_name = acct_index(a->ngr, gr_name_at, NULL, a, &a->ngr_idx);
    a->gr_by_gid = acct_index(a->ngr, gr_name_at, gr_gid_at, a, &n);

    a->joined = imgb_xcalloc(a->npw + a->nsp + 1, sizeof *a->joined);
    a->njoined = 0;
    for (size_t i = 0; i < a->npw; i++) {
        if (a->pw[i].nis)
            continue;
        /* only the first passwd entry of a name is the account getpwnam() returns */
        if (imgb_accounts_find_passwd(a, a->pw[i].name) != &a->pw[i])
            continue;
        a->joined[a->njoined].pw = &a->pw[i];
        a->joined[a->njoined].sp = imgb_accounts_find_shadow(a, a->pw[i].name);
        a->njoined++;
    }
    for (size_t i = 0; i < a->nsp; i++) {
        if (a->sp[i].nis || imgb_accounts_find_passwd(a, a->sp[i].name))
            continue;
        if (imgb_accounts_find_shadow(a, a->sp[i].name) != &a->sp[i])
            continue;
        a->joined[a->njoined].pw = NULL;
        a->joined[a->njoined].sp = &a->sp[i];
        a->njoined++;
    }
}

const imgb_passwd_ent *imgb_accounts_find_passwd(const imgb_accounts *a, const char *name)
{
    if (!a->pw_by_name)
        return NULL;
    long i = acct_lookup_name(a, a->pw_by_name, a->npw_idx,
                              pw_name_at, name);
    return i < 0 ? NULL : &a->pw[i];
}

const imgb_shadow_ent *imgb_accounts_find_shadow(const imgb_accounts *a, const char *name)
{
    if (!a->sp_by_name)
        return NULL;
    long i = acct_lookup_name(a, a->sp_by_name, a->nsp_idx,
                              sp_name_at, name);
    return i < 0 ? NULL : &a->sp[i];
}

const imgb_group_ent *imgb_accounts_find_group(const imgb_accounts *a, const char *name)
{
    if (!a->gr_by_name)
        return NULL;
    long i = acct_lookup_name(a, a->gr_by_name, a->ngr_idx,
                              gr_name_at, name);
    return i < 0 ? NULL : &a->gr[i];
}

const imgb_group_ent *imgb_accounts_find_gid(const imgb_accounts *a, long long gid)
{
    if (!a->gr_by_gid)
        return NULL;
    size_t n = a->ngr_idx;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->gr[a->gr_by_gid[mid]].gid < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && a->gr[a->gr_by_gid[lo]].gid == gid)
        return &a->gr[a->gr_by_gid[lo]];
    return NULL;
}

const imgb_passwd_ent *imgb_accounts_find_uid(const imgb_accounts *a, long long uid)
{
    if (!a->pw_by_uid)
        return NULL;
    size_t lo = 0, hi = a->npw_idx; /* the uid index holds the same non-NIS records */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->pw[a->pw_by_uid[mid]].uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a->npw_idx && a->pw[a->pw_by_uid[lo]].uid == uid)
        return &a->pw[a->pw_by_uid[lo]];
    return NULL;
}

/* ---- lifetime -------------------------------------------------------- */

imgb_accounts *imgb_accounts_new(void)
{
    imgb_accounts *a = imgb_xcalloc(1, sizeof *a);
    for (int i = 0; i < IMGB_ACCT_NFILES; i++) {
        a->src[i].path = acct_paths[i];
        a->src[i].status = IMGB_ENOTFOUND;
    }
    return a;
}

static void acct_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void imgb_accounts_free(imgb_accounts *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->npw; i++) {
        free(a->pw[i].name);
        free(a->pw[i].passwd);
        free(a->pw[i].gecos);
        free(a->pw[i].home);
        free(a->pw[i].shell);
    }
    for (size_t i = 0; i < a->nsp; i++) {
        free(a->sp[i].name);
        free(a->sp[i].hash);
    }
    for (size_t i = 0; i < a->ngr; i++) {
        free(a->gr[i].name);
        free(a->gr[i].passwd);
        acct_free_list(a->gr[i].members, a->gr[i].nmembers);
    }
    for (size_t i = 0; i < a->ngs; i++) {
        free(a->gs[i].name);
        free(a->gs[i].passwd);
        acct_free_list(a->gs[i].admins, a->gs[i].nadmins);
        acct_free_list(a->gs[i].members, a->gs[i].nmembers);
    }
    for (size_t i = 0; i < a->nissues; i++)
        free(a->issues[i].message);
    for (int i = 0; i < IMGB_ACCT_NFILES; i++)
        free(a->src[i].message);
    free(a->pw);
    free(a->sp);
    free(a->gr);
    free(a->gs);
    free(a->issues);
    free(a->joined);
    free(a->pw_by_name);
    free(a->sp_by_name);
    free(a->gr_by_name);
    free(a->gr_by_gid);
    free(a->pw_by_uid);
    free(a);
}
