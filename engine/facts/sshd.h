/*
 * The sshd_config model: what OpenSSH's sshd would compute from an image's configuration.
 *
 * Reproduces servconf.c of openssh-portable (V_7_2_P2, V_7_4_P1, V_7_9_P1, V_8_2_P1, 9.x),
 * process_server_config_line() and fill_default_server_options():
 *   - keywords are case-insensitive (parse_token: strcasecmp), `Keyword value` and
 *     `Keyword=value` both parse (strdelim), a line whose first word starts with '#' is a
 *     comment; from 8.7 (argv_split) a '#' starting a later word ends the line, before that it
 *     is "garbage at end of line";
 *   - the first value wins for single-valued options (`if (*activep && *intptr == -1)`), list
 *     options (AllowUsers, AcceptEnv, HostKey, ...) accumulate, MaxStartups has no activep
 *     check so its last occurrence wins;
 *   - a value sshd rejects makes the whole configuration fatal, even on an ignored duplicate
 *     or inside a Match block that does not apply (values are validated before activep);
 *   - yes/no flags are strcmp() before 7.5 ("Bad yes/no argument") and multistate (strcasecmp)
 *     afterwards; multistate values (PermitRootLogin, ...) are always strcasecmp;
 *   - `Include` exists from 8.2 (before: "Bad configuration option"): each argument is a glob,
 *     relative ones are relative to /etc/ssh, matches are sorted and spliced in place; an
 *     Include inside a Match block applies inside it (SSHCFG_NEVERMATCH), Match blocks of an
 *     included file end with that file; depth is bounded (SERVCONF_MAX_DEPTH = 16);
 *   - `Match`: the effective value is the one without a connection (what `sshd -T` prints
 *     without -C); only `Match all` applies there.  Every Match block that sets a keyword is
 *     recorded so checks can report overrides;
 *   - time values go through convtime ("2m", "1h30m", plain seconds);
 *   - compiled-in defaults per version and distro patch (EL7: PermitRootLogin yes), the default
 *     Ciphers/MACs/KexAlgorithms of myproposal.h with the +/-/^ modifiers applied;
 *   - values are normalised as `sshd -T` prints them (lower-case keyword, the first name of a
 *     multistate value: prohibit-password prints as without-password, times in seconds,
 *     MaxStartups as a:b:c, relative paths derelativised against "/" as "//name").
 * Files are read through the merged view (symlinks resolve inside the image root).
 *
 * Kept paths: /etc/[**] (the configuration and whatever Include names under /etc; files are
 * small and the view caps each one) and /usr/share/crypto-policies/[**] (RHEL 8/9's drop-in
 * includes /etc/crypto-policies/back-ends/opensshserver.config, a symlink into it).  An Include
 * target outside those is reported as unreadable: an error verdict, never a silent pass.
 *
 * Tests: tests/test_sshd.c, tests/test_conformance.c.
 */
#ifndef IMGB_FACTS_SSHD_H
#define IMGB_FACTS_SSHD_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/view.h"

typedef struct imgb_scan_ctx imgb_scan_ctx;

#define IMGB_SSHD_CONFIG_PATH "/etc/ssh/sshd_config"
#define IMGB_SSHD_DIR "/etc/ssh"
/* OpenSSH version assumed when the package database does not say. */
#define IMGB_SSHD_ASSUMED_VERSION "9.6p1"

/* A line inside a Match block that sets a keyword. */
typedef struct imgb_sshd_override {
    char *file;
    int line;
    char *match_file;         /* where the Match line is */
    int match_line;
    char *criteria;           /* "User alice", "all", ... */
    char *value;              /* normalised as sshd -T would print it */
    bool applies;             /* true for `Match all` (applies without a connection too) */
} imgb_sshd_override;

/* Something sshd would refuse (config error) or that could not be read. */
typedef struct imgb_sshd_problem {
    char *file;
    int line;                 /* 0: the file as a whole */
    char *message;            /* as sshd would say it, e.g. `unsupported option "x"` */
    bool unreadable;          /* file not found / not kept / symlink loop (not a syntax error) */
} imgb_sshd_problem;

/* The effective value of one keyword.  Pointers are borrowed from the config. */
typedef struct imgb_sshd_value {
    const char *keyword;      /* canonical lower-case name, as sshd -T prints it */
    const char *value;        /* normalised; NULL: no value (unset list, default not modelled) */
    const char *file;         /* NULL for a compiled-in default */
    int line;
    const char *source;       /* "/etc/ssh/sshd_config.d/10-x.conf:3" or "compiled-in default
                                 of OpenSSH 7.4p1 with the EL7 patch" */
    bool is_default;
    const imgb_sshd_override *overrides; /* Match blocks that set the keyword */
    size_t noverrides;
} imgb_sshd_value;

typedef struct imgb_sshd_config imgb_sshd_config;

/**
 * Parse the configuration of the image in `view` as sshd `openssh_version` ("7.4p1"; NULL:
 * IMGB_SSHD_ASSUMED_VERSION) with `distro_patch` ("el7" or NULL) would.  Starts at
 * `path` (NULL: /etc/ssh/sshd_config).  Config errors and unreadable includes are recorded
 * as problems, not returned.  Returns 0, or IMGB_ENOTFOUND / IMGB_ELOOP / IMGB_ERROR when the
 * main file cannot be read (message names it); *out is NULL then.  Free with
 * imgb_sshd_config_free().
 */
int imgb_sshd_parse(const imgb_view *view, const char *openssh_version, const char *distro_patch,
                    const char *path, imgb_sshd_config **out);
void imgb_sshd_config_free(imgb_sshd_config *cfg);

/**
 * Effective value of `keyword` (any case, aliases accepted).  Returns 0, or IMGB_ENOTFOUND
 * when the keyword is not an sshd keyword of this version.
 */
int imgb_sshd_get(const imgb_sshd_config *cfg, const char *keyword, imgb_sshd_value *out);

/** Config errors and unreadable files, in the order sshd would meet them: the first
 *  IMGB_MAX_EVIDENCE_PER_ITEM are kept, the others only counted (problems_omitted). */
size_t imgb_sshd_problem_count(const imgb_sshd_config *cfg);
const imgb_sshd_problem *imgb_sshd_problem_at(const imgb_sshd_config *cfg, size_t i);
size_t imgb_sshd_problems_omitted(const imgb_sshd_config *cfg);
/** True when sshd would start with this configuration (no config error, all files read). */
bool imgb_sshd_accepted(const imgb_sshd_config *cfg);

/** The version and distro patch the model used ("9.2p1", "el7" or NULL). */
const char *imgb_sshd_version(const imgb_sshd_config *cfg);
const char *imgb_sshd_distro_patch(const imgb_sshd_config *cfg);
/** Files read, in order (main file first). */
size_t imgb_sshd_file_count(const imgb_sshd_config *cfg);
const char *imgb_sshd_file_at(const imgb_sshd_config *cfg, size_t i);

/** Does this version follow `Include` (>= 8.2)? */
bool imgb_sshd_version_has_include(const char *openssh_version);
/** Since 8.2 `ClientAliveCountMax 0` disables connection killing instead of killing after
 *  the first unanswered probe (commit 69334996a). */
bool imgb_sshd_countmax_zero_disables(const char *openssh_version);
/** Is `keyword` a time value (convtime)?  Is it a comma-separated algorithm list? */
bool imgb_sshd_keyword_is_time(const char *keyword);
bool imgb_sshd_keyword_is_algorithms(const char *keyword);

/** Is `keyword` an sshd_config keyword of any modelled version (any case)? */
bool imgb_sshd_keyword_known(const char *keyword);
/**
 * `value` of `keyword` written the way sshd -T prints it ("prohibit-password" ->
 * "without-password", "Yes" -> "yes", "info" -> "INFO", "2m" -> "120" for time keywords), so
 * that a rule's threshold compares with effective values.  Unknown values are copied.
 * Returns a malloc'd string.
 */
char *imgb_sshd_normalize(const char *keyword, const char *value);

/** Register /etc/[**] and the other paths Include may reach (see the file comment). */
void imgb_sshd_register_keeps(imgb_view *view);

/**
 * The configuration of the scanned image, parsed once per scan (imgb_ctx_cache_get).  NULL
 * with the error set when the main file cannot be read.  Uses ctx->os for the version.
 */
const imgb_sshd_config *imgb_sshd_for_scan(const imgb_scan_ctx *ctx);

#endif
