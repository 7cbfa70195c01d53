/*
 * Fuzz target for the PAM stack parser and the pwquality / lockout resolution
 * (engine/facts/pam.c, pwquality.c): the input is split on lines "--" into at most
 * FUZZ_PAM_FILES sections, which become /etc/pam.d/system-auth, /etc/pam.d/f1 ... f5 (for
 * include targets), /etc/security/pwquality.conf and /etc/security/faillock.conf of a view.
 * The stack is loaded with its includes, every line's lockout settings and every pwquality
 * option resolved; invariants: lines bounded and well-formed, sources present.
 * Corpus: tests/fuzz/corpus/pam/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/os.h"
#include "facts/pam.h"
#include "facts/pwquality.h"
#include "fs/view.h"
#include "fuzz.h"
#include "rules/rules.h"
#include "util/mem.h"

#define FUZZ_PAM_MAX_INPUT (64u << 10)
#define FUZZ_PAM_FILES 8

static const char *const fuzz_paths[FUZZ_PAM_FILES] = {
    "etc/pam.d/system-auth", "etc/pam.d/f1", "etc/pam.d/f2", "etc/pam.d/f3",
    "etc/pam.d/f4", "etc/pam.d/f5", "etc/security/pwquality.conf",
    "etc/security/faillock.conf",
};

static const char *const fuzz_options[] = {
    "minlen", "dcredit", "difok", "retry", "enforce_for_root", "dictcheck",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_PAM_MAX_INPUT)
        return 0;
    imgb_view *view = imgb_view_new(NULL);
    imgb_view_keep(view, "/**");

    const char *p = (const char *)data, *end = p + size;
    for (int f = 0; f < FUZZ_PAM_FILES && p <= end; f++) {
        const char *sep = NULL;
        for (const char *q = p; q + 3 <= end; q++) {
            if (q[0] == '-' && q[1] == '-' && q[2] == '\n' && (q == p || q[-1] == '\n')) {
                sep = q;
                break;
            }
        }
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        imgb_entry e = { .path = fuzz_paths[f], .type = IMGB_FT_REG, .mode = 0644 };
        e.content = (const unsigned char *)p;
        e.content_len = n;
        e.size = n;
        imgb_view_apply(view, 0, &e);
        if (!sep)
            break;
        p = sep + 3;
    }

    static char id[] = "rocky", ver[] = "9";
    imgb_os_info os = { .id = id, .version_id = ver, .family = "rhel" };
    imgb_scan_ctx ctx = { .view = view, .os = &os, .jobs = 1 };
    ctx.cache = imgb_ctx_cache_new();

    const imgb_pam_stack *s = imgb_pam_get(&ctx, "/etc/pam.d/system-auth");
    FUZZ_CHECK(s && s->nlines <= IMGB_PAM_MAX_LINES);
    for (size_t i = 0; i < s->nlines; i++) {
        const imgb_pam_line *l = &s->lines[i];
        FUZZ_CHECK(l->type && l->control && l->module && l->file && l->line >= 1);
        FUZZ_CHECK(strcmp(l->type, "auth") == 0 || strcmp(l->type, "account") == 0 ||
                   strcmp(l->type, "password") == 0 || strcmp(l->type, "session") == 0);
        for (size_t a = 0; a < l->nargs; a++)
            FUZZ_CHECK(l->args[a] != NULL);
        imgb_pam_setting set;
        imgb_pam_setting_resolve(&ctx, l, "deny", &set);
        FUZZ_CHECK(!set.value || set.source);
        imgb_pam_setting_dispose(&set);
    }
    for (size_t o = 0; o < sizeof fuzz_options / sizeof fuzz_options[0]; o++) {
        imgb_pwq_value v;
        imgb_pwq_resolve(&ctx, "/etc/pam.d/system-auth", fuzz_options[o], &v);
        FUZZ_CHECK(v.version && v.version_source);
        FUZZ_CHECK(!v.value || v.source);
        imgb_pwq_value_dispose(&v);
    }
    imgb_ctx_cache_free(ctx.cache);
    imgb_view_free(view);
    return 0;
}
