/*
 * Fuzz target for the account file parser (engine/facts/accounts.c): the input is parsed as
 * /etc/passwd, /etc/shadow, /etc/group and /etc/gshadow at once, joined, and every record's
 * invariants checked (line numbers within the input, lookups returning the first record of
 * a name, the join pointing into the arrays, hash classification total).  Corpus:
 * tests/fuzz/corpus/accounts/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/accounts.h"
#include "fuzz.h"

/* Inputs above this are ignored: cost is per line, long inputs add nothing. */
#define FUZZ_ACCOUNTS_MAX_INPUT (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_ACCOUNTS_MAX_INPUT)
        return 0;
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';

    imgb_accounts *a = imgb_accounts_new();
    for (int f = 0; f < IMGB_ACCT_NFILES; f++)
        imgb_accounts_parse(a, (imgb_acct_file)f, (const char *)data, size);
    imgb_accounts_finish(a);

    for (size_t i = 0; i < a->npw; i++) {
        const imgb_passwd_ent *p = &a->pw[i];
        FUZZ_CHECK(p->line >= 1 && p->line <= lines);
        FUZZ_CHECK(p->name && p->passwd && p->gecos && p->home && p->shell);
        FUZZ_CHECK(p->nis || (p->uid >= 0 && p->gid >= 0));
        if (!p->nis) {
            const imgb_passwd_ent *q = imgb_accounts_find_passwd(a, p->name);
            FUZZ_CHECK(q && strcmp(q->name, p->name) == 0 && q <= p);
        }
        imgb_hash_class c = imgb_hash_classify(p->passwd);
        FUZZ_CHECK(c.hash && imgb_hash_kind_name(c.kind));
    }
    for (size_t i = 0; i < a->nsp; i++) {
        const imgb_shadow_ent *s = &a->sp[i];
        FUZZ_CHECK(s->line >= 1 && s->line <= lines);
        imgb_hash_class c = imgb_hash_classify(s->hash);
        FUZZ_CHECK(c.kind <= IMGB_HASH_UNKNOWN);
        FUZZ_CHECK(c.locked == !imgb_hash_ages_matter(s->hash));
    }
    for (size_t i = 0; i < a->ngr; i++) {
        const imgb_group_ent *g = &a->gr[i];
        FUZZ_CHECK(g->line >= 1 && g->line <= lines);
        for (size_t m = 0; m < g->nmembers; m++)
            FUZZ_CHECK(g->members[m][0] != '\0');
        if (!g->nis) {
            const imgb_group_ent *h = imgb_accounts_find_gid(a, g->gid);
            FUZZ_CHECK(h && h->gid == g->gid && h <= g);
        }
    }
    for (size_t i = 0; i < a->njoined; i++) {
        const imgb_account *j = &a->joined[i];
        FUZZ_CHECK(j->pw || j->sp);
        FUZZ_CHECK(!j->pw || (j->pw >= a->pw && j->pw < a->pw + a->npw));
        FUZZ_CHECK(!j->sp || (j->sp >= a->sp && j->sp < a->sp + a->nsp));
        FUZZ_CHECK(!j->pw || !j->sp || strcmp(j->pw->name, j->sp->name) == 0);
    }
    for (size_t i = 0; i < a->nissues; i++)
        FUZZ_CHECK(a->issues[i].line >= 1 && a->issues[i].line <= lines &&
                   a->issues[i].message);
    imgb_accounts_free(a);
    return 0;
}
