/*
 * Accounts of an image: /etc/passwd, /etc/shadow, /etc/group and /etc/gshadow read from the
 * merged view into arrays of records, each with its 1-based line number.
 *
 * Line syntax follows glibc nss_files (files-parse.c): leading blanks skipped, empty lines
 * and lines starting with '#' ignored, fields split on ':' exactly (passwd 7, shadow 9,
 * group 4, gshadow 4 fields).  A line that does not parse is kept as an issue (file:line:
 * message) and skipped, as glibc skips it; it never stops the parse.  Lines starting with
 * '+' or '-' are NIS compat entries: kept, flagged, parsed leniently.
 * Numeric shadow fields follow shadow's sgetspent(): empty means "not set" (-1).
 *
 * Tests: tests/test_accounts.c.
 */
#ifndef IMGB_FACTS_ACCOUNTS_H
#define IMGB_FACTS_ACCOUNTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "fs/view.h"
#include "rules/rules.h"

/* A numeric field that is empty (or an explicit -1, which shadow treats the same). */
#define IMGB_ACCT_UNSET   (-1LL)
/* A numeric field that did not parse (the line is also recorded as an issue). */
#define IMGB_ACCT_INVALID LLONG_MIN

/* Password hash classes.  See imgb_hash_classify(). */
typedef enum imgb_hash_kind {
    IMGB_HASH_EMPTY = 0,   /* "" : no password at all */
    IMGB_HASH_LOCKED,      /* "!", "!!", "*", "!*", "!locked", "*LK*", ...: no usable hash */
    IMGB_HASH_DES,         /* 13 chars of [./0-9A-Za-z] */
    IMGB_HASH_BSDI_DES,    /* "_" + 19 chars */
    IMGB_HASH_MD5,         /* $1$ */
    IMGB_HASH_SHA256,      /* $5$ */
    IMGB_HASH_SHA512,      /* $6$ */
    IMGB_HASH_YESCRYPT,    /* $y$ */
    IMGB_HASH_GOST_YESCRYPT, /* $gy$ */
    IMGB_HASH_BCRYPT,      /* $2a$ $2b$ $2y$ ($2x$ too) */
    IMGB_HASH_SHA1,        /* $sha1$ (NetBSD) */
    IMGB_HASH_SUN_MD5,     /* $md5 */
    IMGB_HASH_SCRYPT,      /* $7$ */
    IMGB_HASH_UNKNOWN,
} imgb_hash_kind;

typedef struct imgb_hash_class {
    imgb_hash_kind kind;   /* of the hash itself (a "!$6$..." field is SHA512 + locked) */
    bool locked;           /* field starts with '!' or '*' (SSG: not a usable hash) */
    const char *hash;      /* borrowed: the hash after any '!' prefix ("" if none) */
} imgb_hash_class;

/**
 * Classify a shadow password field.  "!$6$..." is {SHA512, locked, "$6$..."}; "!" and "*"
 * are {LOCKED, locked}; "" is {EMPTY, not locked}.  `field` must be NUL-terminated.
 */
imgb_hash_class imgb_hash_classify(const char *field);
/** Short stable name: "empty", "locked", "des", "md5", "sha512", "yescrypt", ... */
const char *imgb_hash_kind_name(imgb_hash_kind kind);
/**
 * SSG's notion of an account whose password ages matter: the field does not start with
 * '!' or '*' (an empty field counts: it logs in without a password).
 */
bool imgb_hash_ages_matter(const char *field);

typedef struct imgb_passwd_ent {
    char *name, *passwd, *gecos, *home, *shell;
    long long uid, gid;       /* IMGB_ACCT_INVALID when the field did not parse */
    int line;
    bool nis;                 /* '+' / '-' compat line (fields may be missing: "") */
} imgb_passwd_ent;

typedef struct imgb_shadow_ent {
    char *name, *hash;
    long long lastchg, min, max, warn, inactive, expire; /* days; IMGB_ACCT_UNSET if empty */
    int line;
    bool nis;
} imgb_shadow_ent;

typedef struct imgb_group_ent {
    char *name, *passwd;
    long long gid;
    char **members;
    size_t nmembers;
    int line;
    bool nis;
} imgb_group_ent;

typedef struct imgb_gshadow_ent {
    char *name, *passwd;
    char **admins, **members;
    size_t nadmins, nmembers;
    int line;
    bool nis;
} imgb_gshadow_ent;

/* A line that did not parse. */
typedef struct imgb_acct_issue {
    const char *file;         /* static path string ("/etc/shadow") */
    int line;
    char *message;            /* "expected 7 ':'-separated fields, found 5" */
} imgb_acct_issue;

typedef enum imgb_acct_file {
    IMGB_ACCT_PASSWD = 0,
    IMGB_ACCT_SHADOW,
    IMGB_ACCT_GROUP,
    IMGB_ACCT_GSHADOW,
    IMGB_ACCT_NFILES,
} imgb_acct_file;

/** "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow" (static strings). */
const char *imgb_accounts_path(imgb_acct_file which);

/* How reading one file went. */
typedef struct imgb_acct_source {
    const char *path;         /* "/etc/passwd", ... (static) */
    int status;               /* 0 read; IMGB_ENOTFOUND absent; IMGB_ELOOP; IMGB_ERROR ... */
    char *message;            /* error message when status != 0 (malloc'd) */
    bool truncated;           /* content was cut at the keep cap: later lines unknown */
} imgb_acct_source;

/* One account: a passwd entry joined with its shadow entry by name (either may be NULL). */
typedef struct imgb_account {
    const imgb_passwd_ent *pw;
    const imgb_shadow_ent *sp;
} imgb_account;

typedef struct imgb_accounts {
    imgb_acct_source src[IMGB_ACCT_NFILES];
    imgb_passwd_ent *pw;
    size_t npw;
    imgb_shadow_ent *sp;
    size_t nsp;
    imgb_group_ent *gr;
    size_t ngr;
    imgb_gshadow_ent *gs;
    size_t ngs;
    imgb_acct_issue *issues;
    size_t nissues;
    /* Join (built by imgb_accounts_finish): every non-NIS passwd entry in file order with
     * the first shadow entry of the same name, then shadow entries with no passwd entry. */
    imgb_account *joined;
    size_t njoined;
    /* internal: capacities and sorted indexes for the lookups (built by finish) */
    size_t cap_pw, cap_sp, cap_gr, cap_gs, cap_issues;
    size_t *pw_by_name, *sp_by_name, *gr_by_name, *gr_by_gid, *pw_by_uid;
    size_t npw_idx, nsp_idx, ngr_idx;
} imgb_accounts;

/** An empty set with every source marked absent.  Free with imgb_accounts_free(). */
imgb_accounts *imgb_accounts_new(void);
void imgb_accounts_free(imgb_accounts *a);

/**
 * Parse `len` bytes of one account file into `a` (appending records and issues), marking
 * its source as read.  Never fails on content.
 */
void imgb_accounts_parse(imgb_accounts *a, imgb_acct_file which, const char *data, size_t len);

/** Build the passwd/shadow join (call once after the last parse). */
void imgb_accounts_finish(imgb_accounts *a);

/**
 * Read all four files from `view` (absent ones are recorded in src[], not errors).
 * @param[out] out  caller frees with imgb_accounts_free().
 * @return 0 (failures to read a file are in out->src[i].status).
 */
int imgb_accounts_load(imgb_accounts **out, const imgb_view *view);

/**
 * The accounts of the image being scanned, parsed once per scan (imgb_ctx_cache_get) and
 * borrowed for the scan's lifetime.  Never NULL.
 */
const imgb_accounts *imgb_accounts_get(const imgb_scan_ctx *ctx);

/** First passwd entry named `name` (NIS lines excluded), or NULL. */
const imgb_passwd_ent *imgb_accounts_find_passwd(const imgb_accounts *a, const char *name);
/** First shadow entry named `name` (NIS lines excluded), or NULL. */
const imgb_shadow_ent *imgb_accounts_find_shadow(const imgb_accounts *a, const char *name);
/** First group entry named `name` / with gid `gid` (NIS lines excluded), or NULL. */
const imgb_group_ent *imgb_accounts_find_group(const imgb_accounts *a, const char *name);
const imgb_group_ent *imgb_accounts_find_gid(const imgb_accounts *a, long long gid);
/** The first (file order) non-NIS passwd entry with `uid`, or NULL; O(log n). */
const imgb_passwd_ent *imgb_accounts_find_uid(const imgb_accounts *a, long long uid);

/** Register the paths whose content the account facts need (before reading layers). */
void imgb_accounts_register_keeps(imgb_view *view);

#endif
