/*
 * Fuzz target for the rule loader (engine/rules/loader.c) and every kind's compile(): the
 * input is the text of one rule file.  A load either fails with IMGB_EFORMAT after at least
 * one error diagnostic, each a single line positioned inside the input, or yields a ruleset
 * whose invariants hold (both languages of every text, a kind and compiled parameters for
 * every item, unique ids).  Corpus: tests/fuzz/corpus/rules/ (the shipped baselines and the
 * loader's error cases).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules/loader.h"
#include "util/error.h"
#include "util/limits.h"

#define FUZZ_RULES_MAX_INPUT (256u << 10)

typedef struct fuzz_diags {
    int lines;                /* lines in the input */
    size_t errors;
} fuzz_diags;

static void fuzz_diag(const imgb_diag *d, void *payload)
{
    fuzz_diags *f = payload;
    FUZZ_CHECK(strcmp(d->file, "fuzz.yaml") == 0);
    FUZZ_CHECK(d->line >= 0 && d->line <= f->lines + 1);
    FUZZ_CHECK(d->column >= 0);
    FUZZ_CHECK(d->message[0] != '\0');
    FUZZ_CHECK(strchr(d->message, '\n') == NULL);
    if (d->level == IMGB_DIAG_ERROR)
        f->errors++;
}

static void fuzz_text(const imgb_text *t)
{
    FUZZ_CHECK(t->zh && t->zh[0] && t->en && t->en[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_RULES_MAX_INPUT)
        return 0;
    fuzz_diags f = { 1, 0 };
    for (size_t i = 0; i < size; i++)
        f.lines += data[i] == '\n';
    imgb_ruleset *rs = NULL;
    int rc = imgb_ruleset_load_text(&rs, "fuzz.yaml", (const char *)data, size, fuzz_diag, &f);
    if (rc < 0) {
        FUZZ_CHECK(rc == IMGB_EFORMAT);
        FUZZ_CHECK(rs == NULL);
        FUZZ_CHECK(f.errors > 0);
        FUZZ_CHECK(strncmp(imgb_error_last(), "fuzz.yaml", 9) == 0);
        return 0;
    }
    FUZZ_CHECK(f.errors == 0);
    FUZZ_CHECK(rs->nbaselines == 1);
    const imgb_baseline *b = rs->baselines[0];
    FUZZ_CHECK(b->key && b->class_key);
    fuzz_text(&b->alias);
    fuzz_text(&b->class_alias);
    FUZZ_CHECK(!(b->applies.generic && b->applies.nos_ids));
    FUZZ_CHECK(b->applies.any_os == (!b->applies.generic && b->applies.nos_ids == 0));
    for (size_t i = 0; i < b->nitems; i++) {
        const imgb_item *it = b->items[i];
        FUZZ_CHECK(it->id && it->key && it->kind && it->params);
        FUZZ_CHECK(json_is_object(it->params) && json_is_object(it->references));
        FUZZ_CHECK(it->severity <= IMGB_SEV_HIGH && it->bucket <= IMGB_BUCKET_IMAGE_WEAK_PWD);
        fuzz_text(&it->title);
        fuzz_text(&it->description);
        fuzz_text(&it->advice);
        FUZZ_CHECK(imgb_ruleset_find_item(rs, it->id, NULL) == it);
    }
    imgb_ruleset_free(rs);
    return 0;
}
