/*
 * PAM stack files of an image (/etc/pam.d/<service>), parsed as Linux-PAM 1.3 reads them
 * (libpam/pam_handlers.c _pam_assemble_line, _pam_parse_conf_file; libpam/pam_misc.c
 * _pam_StrTok, _pam_mkargv):
 *   - '#' starts a comment anywhere on a line; a line ending in '\' continues on the next
 *     (the backslash becomes a space); blank lines are skipped; a logical line longer than
 *     the 1024-byte buffer stops the parse of that file (reported);
 *   - fields: type (case-insensitive; a leading '-' means "skip silently if the module is
 *     missing"), control (a keyword, or "[value=action ...]" read as one token up to the first
 *     ']'), module path, then arguments ("[...]" arguments may hold spaces, "\]" escapes ']');
 *   - "include" / "substack" controls pull in the lines of the same type from the named file
 *     (relative to /etc/pam.d unless absolute); Debian's "@include FILE" pulls in every line.
 *     Followed up to IMGB_PAM_MAX_INCLUDE_DEPTH levels; a loop or a too-deep chain is
 *     reported as an issue, never followed.
 * The stack files checked per OS family (rules/README.md `pam` kind): rhel (EL, EulerOS,
 * openEuler): system-auth and password-auth; debian/suse: common-<stack>.
 *
 * The stack model (libpam/pam_handlers.c _pam_parse_control, libpam/pam_dispatch.c
 * _pam_dispatch_aux), computed per module type on the flattened lines:
 *   - control keywords are bracket shorthands: required = [success=ok default=bad],
 *     requisite = [success=ok default=die], sufficient = [success=done default=ignore],
 *     optional = [success=ok default=ignore]; in "[...]" a return value without an action
 *     and no "default" is bad;
 *   - ok/ignore/bad/reset go on with the next line; done/die end the stack (inside a
 *     substack only the substack); a number N skips the next N lines of the same stack level
 *     (a substack counts as one);
 *   - include and @include splice the lines in place (jumps count them); substack nests;
 *   - outcomes: pam_permit.so only succeeds, pam_deny.so only fails, any other module may do
 *     either.  A line is `reachable` when some combination of outcomes before it leads there;
 *     it is `on_success_path` when the run where every module succeeds (pam_deny failing)
 *     executes it.  A line jumped over on that run records who jumped (`skipped_by`).
 *
 * Module settings with their compiled-in defaults (each cited to its source file) and the
 * files the module reads (imgb_pam_setting_resolve): module arguments override
 *   - pam_faillock: /etc/security/faillock.conf (Linux-PAM >= 1.4.0,
 *     modules/pam_faillock/faillock_config.c), then deny=3 unlock_time=600 fail_interval=900
 *     (faillock_config.c DEFAULT_DENY/DEFAULT_UNLOCK_TIME/DEFAULT_FAIL_INTERVAL);
 *     root_unlock_time unset falls back to unlock_time (pam_faillock.c:
 *     "opts->root_unlock_time = opts->unlock_time" when not configured);
 *   - pam_pwhistory: /etc/security/pwhistory.conf only from Linux-PAM 1.5.3
 *     (modules/pam_pwhistory/pwhistory_config.c appeared in 1.5.3), then remember=10 retry=1
 *     (pam_pwhistory.c: options.remember = 10, options.tries = 1);
 *   - pam_tally2: deny=0 (never lock), no unlock_time (a locked account stays locked);
 *   - pam_unix: remember=0 (no history), a remember above 400 is 400 (pam_unix/support.c);
 *     rounds unset (crypt default);
 *   - pam_faillock unlock_time / root_unlock_time "never" is 0 (never unlocked automatically).
 * The Linux-PAM version comes from the package database, else the distro table (pkgver.h).
 *
 * Tests: tests/test_pam.c.
 */
#ifndef IMGB_FACTS_PAM_H
#define IMGB_FACTS_PAM_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/view.h"
#include "rules/rules.h"

#define IMGB_PAM_DIR "/etc/pam.d"
#define IMGB_PAM_MAX_INCLUDE_DEPTH 8   /* include/substack/@include nesting followed */
#define IMGB_PAM_LINE_BUF 1024         /* pam_handlers.c BUF_SIZE: longer lines end the parse */
#define IMGB_PAM_MAX_LINES 4096        /* flattened lines kept per stack */

typedef struct imgb_pam_line {
    char *type;               /* lower-case: auth, account, password, session */
    bool silent;              /* "-type": module may be missing */
    char *control;            /* "required", ... or the text inside "[...]" */
    bool bracket;             /* control was "[...]" */
    char *module;             /* as written: "pam_unix.so", "/lib64/security/pam_unix.so" */
    char **args;
    size_t nargs;
    char *file;               /* file the line is in */
    int line;                 /* its first physical line */
    char *via;                /* "/etc/pam.d/system-auth:4" when reached through an include */
    /* the stack model (computed per type after parsing) */
    int level;                /* substack nesting: 0 at the top (include does not nest) */
    int frames[IMGB_PAM_MAX_INCLUDE_DEPTH + 2]; /* frames[k]: id of its level-k substack */
    int pos;                  /* 1-based position among the lines of its type */
    bool reachable;           /* some outcome of the lines before it leads here */
    bool on_success_path;     /* executed when every module succeeds (pam_deny fails) */
    char *skipped_by;         /* why the success path does not execute it, else NULL */
} imgb_pam_line;

typedef struct imgb_pam_issue {
    char *file;
    int line;
    char *message;
} imgb_pam_issue;

typedef struct imgb_pam_stack {
    char *path;               /* the top file */
    int status;               /* 0; IMGB_ENOTFOUND; IMGB_ELOOP / IMGB_ERROR (unreadable) */
    char *message;
    imgb_pam_line *lines;     /* flattened, includes expanded in place */
    size_t nlines, cap;
    imgb_pam_issue *issues;   /* bad lines, missing include targets, loops, overflows */
    size_t nissues, cap_issues;
} imgb_pam_stack;

/** Parse `path` from the view with its includes.  Never NULL; free with imgb_pam_stack_free. */
imgb_pam_stack *imgb_pam_load(const imgb_view *view, const char *path);
void imgb_pam_stack_free(imgb_pam_stack *s);

/** The stack `path` of the scanned image, parsed once per scan (borrowed). */
const imgb_pam_stack *imgb_pam_get(const imgb_scan_ctx *ctx, const char *path);

/**
 * The stack files for `stack` ("auth", "account", "password", "session") on `family`
 * (imgb_os_info.family; NULL/other: both layouts).  Returns how many were written to `out`
 * (static strings, at most 4).
 */
size_t imgb_pam_stack_files(const char *family, const char *stack, const char *out[4]);

/** "pam_unix.so" for "/lib64/security/pam_unix.so" (borrowed pointer into `module`). */
/* (module names compare by this base name everywhere) */
const char *imgb_pam_module_base(const char *module);

/**
 * The value of argument `name` on `l`: the LAST "name=value" or bare "name" (modules parse
 * their argv in order, later settings overriding).  Returns NULL if absent, "" for a bare
 * flag; `index` (optional) receives its position.
 */
const char *imgb_pam_arg(const imgb_pam_line *l, const char *name, size_t *index);

/* A lockout setting resolved for one module line. */
typedef struct imgb_pam_setting {
    char *value;              /* NULL: the module has no such setting */
    char *source;             /* "/etc/pam.d/system-auth:5", "/etc/security/faillock.conf:3",
                                 "compiled-in default of pam_faillock (deny=3)" */
    char *file;               /* file the value came from (NULL for a compiled default) */
    int line;
    char *note;               /* e.g. why a conf file was not read (NULL: nothing to add) */
    int status;               /* <0: the module's conf file exists but cannot be read whole
                                 (cut at the content cap, ...); `source` says why, value NULL */
} imgb_pam_setting;

/**
 * Resolve `name` for module line `l` of pam_faillock / pam_tally2 / pam_pwhistory / pam_unix:
 * the argument if present, else the module's conf file when the image's Linux-PAM reads it,
 * else the compiled default (root_unlock_time: unlock_time's value).  Other modules: the
 * argument or nothing.  Dispose with imgb_pam_setting_dispose.
 */
void imgb_pam_setting_resolve(const imgb_scan_ctx *ctx, const imgb_pam_line *l,
                              const char *name, imgb_pam_setting *out);
void imgb_pam_setting_dispose(imgb_pam_setting *s);

/** "file:line" or "file:line (included from X)" of a line (malloc'd). */
char *imgb_pam_line_where(const imgb_pam_line *l);

/** Register /etc/pam.d and /etc/security as kept paths. */
void imgb_pam_register_keeps(imgb_view *view);

#endif
