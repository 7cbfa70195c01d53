/*
 * Fuzz target for the merged view and every config parser behind the shipped rules
 * (engine/fs/view.c, engine/facts/{os,sshd,logindefs,pam,pwquality,accounts}.c and the file
 * kinds): the input is up to FACTS_NFILES files separated by NUL bytes, placed at the paths
 * of facts_paths[] in one layer of a view whose per-file content cap is FACTS_KEEP_MAX, so
 * long inputs are cut at the cap.  Every item of the shipped rules whose kind reads these
 * files is evaluated (weak-password cracking, secrets and build kinds excluded: they need
 * the image or a budget).  Invariants: every verdict is a known one, evidence stays within
 * the per-item cap and field bound after imgb_item_result_finish, and an item that reads a
 * file cut at the cap never passes (sshd_option/sshd_config_error with sshd_config cut,
 * login_defs with login.defs cut).  Corpus: tests/fuzz/corpus/facts/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/os.h"
#include "fuzz.h"
#include "rules/loader.h"
#include "rules/rules.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/mem.h"

#define FACTS_MAX_INPUT (64u << 10)
#define FACTS_KEEP_MAX 2048 /* small, so the fuzzer reaches the cut-at-the-cap paths */

/* The n-th NUL-separated part of the input becomes this file. */
static const char *const facts_paths[] = {
    "etc/ssh/sshd_config",       "etc/ssh/sshd_config.d/10-a.conf", "etc/login.defs",
    "etc/pam.d/common-password", "etc/pam.d/system-auth",           "etc/security/pwquality.conf",
    "etc/passwd",                "etc/shadow",                      "etc/group",
    "etc/security/faillock.conf", "etc/os-release",                 "var/lib/dpkg/status",
};
#define FACTS_NFILES (sizeof facts_paths / sizeof *facts_paths)
#define FACTS_SSHD 0
#define FACTS_LOGINDEFS 2

static const char *const facts_dirs[] = { "etc", "etc/ssh", "etc/ssh/sshd_config.d", "etc/pam.d",
                                          "etc/security", "var", "var/lib", "var/lib/dpkg",
                                          "usr", "usr/sbin" };

static imgb_ruleset *facts_rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *paths[] = { IMGB_FUZZ_RULES_DIR };
    if (imgb_ruleset_load(&facts_rules, paths, 1, NULL, NULL) < 0) {
        fprintf(stderr, "fuzz_facts: %s\n", imgb_error_last());
        abort();
    }
    return 0;
}

/* Kinds this target evaluates: those that read the files above and nothing else. */
static bool facts_kind_wanted(const imgb_item *it)
{
    const char *k = it->kind->name;
    if (strncmp(k, "build_", 6) == 0 || strcmp(k, "secret") == 0)
        return false;
    const char *mode = json_string_value(json_object_get(it->params, "mode"));
    return strcmp(k, "weak_password") != 0 || !mode || strcmp(mode, "crack") != 0;
}

static void noop_add_consumer(imgb_scan_setup *s, imgb_consumer *c)
{
    (void)s;
    (void)c;
}

static void facts_check_result(const imgb_item_result *r, bool sshd_cut, bool defs_cut)
{
    FUZZ_CHECK(r->verdict <= IMGB_V_INCOMPLETE);
    FUZZ_CHECK(r->nevidence >= 1 && r->nevidence <= IMGB_MAX_EVIDENCE_PER_ITEM + 1);
    for (size_t k = 0; k < r->nevidence; k++) {
        const imgb_evidence *ev = &r->evidence[k];
        FUZZ_CHECK(!ev->message || strlen(ev->message) <= IMGB_MAX_EVIDENCE_FIELD);
        FUZZ_CHECK(!ev->value || strlen(ev->value) <= IMGB_MAX_EVIDENCE_FIELD);
    }
    const char *k = r->item->kind->name;
    if (sshd_cut && strncmp(k, "sshd_", 5) == 0)
        FUZZ_CHECK(r->verdict != IMGB_V_PASS);
    /* login_defs items on /etc/login.defs (no `file:` naming another one) */
    if (defs_cut && strcmp(k, "login_defs") == 0 && !json_object_get(r->item->params, "file"))
        FUZZ_CHECK(r->verdict != IMGB_V_PASS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FACTS_MAX_INPUT)
        return 0;
    imgb_view_limits lim = { .keep_file_max = FACTS_KEEP_MAX, .keep_total_max = 0 };
    imgb_view *view = imgb_view_new(&lim);
    imgb_os_register_keeps(view);
    imgb_scan_setup setup = { view, noop_add_consumer, NULL };
    for (size_t b = 0; b < facts_rules->nbaselines; b++)
        for (size_t i = 0; i < facts_rules->baselines[b]->nitems; i++) {
            const imgb_item *it = facts_rules->baselines[b]->items[i];
            void *state = NULL;
            if (facts_kind_wanted(it) && it->kind->prepare) {
                it->kind->prepare(it->compiled, &setup, &state);
                if (it->kind->free_scan_state)
                    it->kind->free_scan_state(state);
            }
        }
    for (size_t i = 0; i < sizeof facts_dirs / sizeof *facts_dirs; i++) {
        imgb_entry d = { .path = facts_dirs[i], .type = IMGB_FT_DIR, .mode = 0755 };
        FUZZ_CHECK(imgb_view_apply(view, 0, &d) == 0);
    }
    imgb_entry sshd = { .path = "usr/sbin/sshd", .type = IMGB_FT_REG, .mode = 0755 };
    FUZZ_CHECK(imgb_view_apply(view, 0, &sshd) == 0);
    bool cut[FACTS_NFILES] = { false };
    size_t pos = 0;
    for (size_t f = 0; f < FACTS_NFILES && pos <= size; f++) {
        const uint8_t *p = data + pos;
        const uint8_t *nul = memchr(p, '\0', size - pos);
        size_t n = nul ? (size_t)(nul - p) : size - pos;
        imgb_entry e = { .path = facts_paths[f], .type = IMGB_FT_REG, .mode = 0644,
                         .size = n, .content = p, .content_len = n };
        int rc = imgb_view_apply(view, 0, &e);
        FUZZ_CHECK(rc == 0 || rc == IMGB_ELIMIT);
        cut[f] = n > FACTS_KEEP_MAX;
        pos += n + 1;
        if (!nul)
            break;
    }

    imgb_os_info *os = NULL;
    FUZZ_CHECK(imgb_os_detect(view, &os) == 0);
    os->has_openssh_server = true; /* the SSH items must run, whatever the package record */
    struct imgb_ctx_cache *cache = imgb_ctx_cache_new();
    for (size_t b = 0; b < facts_rules->nbaselines; b++) {
        const imgb_baseline *bl = facts_rules->baselines[b];
        imgb_scan_ctx ctx = { .view = view, .os = os, .ruleset = facts_rules, .baseline = bl,
                              .jobs = 1, .weak_password_budget = 0.01, .now = 1700000000,
                              .cache = cache };
        for (size_t i = 0; i < bl->nitems; i++) {
            const imgb_item *it = bl->items[i];
            if (!facts_kind_wanted(it))
                continue;
            imgb_item_result r = { .item = it, .verdict = IMGB_V_ERROR };
            imgb_error_clear();
            if (it->kind->evaluate(it->compiled, &ctx, NULL, &r) == 0 && r.nevidence == 0) {
                imgb_evidence *ev = imgb_result_add_evidence(&r);
                ev->message = imgb_xstrdup("no evidence"); /* as the scan does */
            }
            imgb_item_result_finish(&r);
            if (r.nevidence)
                facts_check_result(&r, cut[FACTS_SSHD], cut[FACTS_LOGINDEFS]);
            imgb_item_result_dispose(&r);
        }
    }
    imgb_ctx_cache_free(cache);
    imgb_os_info_free(os);
    imgb_view_free(view);
    return 0;
}
