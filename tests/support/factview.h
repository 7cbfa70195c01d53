/*
 * Test helper for the fact modules and their check kinds: build a merged view directly
 * from in-memory files (imgb_view_apply, no archive), a scan context over it, and evaluate
 * a check kind named in JSON the way the scan would (compile, prepare, evaluate).
 *
 *     factview_file files[] = {
 *         { "/etc/login.defs", "PASS_MAX_DAYS 90\n" },
 *         { "/etc/pam.d/common-auth", NULL, IMGB_FT_SYMLINK, "other" },
 *     };
 *     factview fv;
 *     factview_init(&fv, files, 2, "debian");
 *     imgb_item_result r;
 *     factview_eval(&fv, "{\"kind\":\"login_defs\",\"key\":\"PASS_MAX_DAYS\",...}", &r);
 *     ... r.verdict, r.evidence ...
 *     imgb_item_result_dispose(&r);
 *     factview_dispose(&fv);
 *
 * Every function aborts the test (ck_abort_msg) on failure.
 * Tests: used by tests/test_accounts.c, tests/test_logindefs.c, tests/test_pam.c.
 */
#ifndef IMGB_TESTS_FACTVIEW_H
#define IMGB_TESTS_FACTVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "facts/os.h"
#include "fs/view.h"
#include "rules/rules.h"

typedef struct factview_file {
    const char *path;      /* "/etc/passwd" */
    const char *content;   /* regular file bytes (NULL: empty) */
    imgb_ftype type;       /* default IMGB_FT_REG */
    const char *link;      /* symlink target */
    int layer;             /* layers are applied in increasing order (stable) */
    unsigned mode;         /* 0: 0644 / 0755 */
} factview_file;

typedef struct factview {
    imgb_view *view;
    imgb_os_info os;
    imgb_scan_ctx ctx;
} factview;

/** Build a view of `files` (every content kept) and a context with `family` ("rhel", ...). */
void factview_init(factview *fv, const factview_file *files, size_t n, const char *family);
void factview_dispose(factview *fv);

/**
 * Compile the check `json` (with its "kind"), evaluate it on fv, fill `out` (caller disposes
 * with imgb_item_result_dispose).  A compile error aborts the test with its message.
 */
void factview_eval(factview *fv, const char *json, imgb_item_result *out);

/** Compile only: returns the compile return code (message in imgb_error_last()). */
int factview_compile_rc(const char *json);

/** The evidence of `r` that mentions `needle` in its message, or NULL. */
const imgb_evidence *factview_find_evidence(const imgb_item_result *r, const char *needle);

/**
 * The shared reference directory: $IMGB_SHARED_DIR if it exists, else
 * $IMGB_SOURCE_DIR/../../shared (a git worktree below the main checkout).  Aborts the test
 * when neither exists.  Malloc'd.
 */
char *factview_shared_dir(void);

/** A host file's bytes (test fixtures), NUL-terminated, malloc'd; NULL if unreadable. */
char *factview_slurp(const char *path);

/**
 * Conformance case `dir` of ../shared/conformance/ssg: files of base/ at the paths in
 * `paths` (NULL-terminated), each replaced by the case's files/ copy when it has one.  Fills
 * `files` (contents malloc'd: free with factview_case_free) and returns how many exist.
 */
size_t factview_case_files(const char *shared, const char *case_dir, const char *const *paths,
                           factview_file *files);
void factview_case_free(factview_file *files, size_t n);

#endif
