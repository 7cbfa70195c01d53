/*
 * Fuzz target for the ignore file (engine/report/ignore.c): the input is the YAML text of an
 * ignore file.  A parse either fails with IMGB_EFORMAT/IMGB_ELIMIT and a one-line message
 * naming the file, or yields entries whose invariants hold (an id, a known status, a date
 * that parsed to a time); every entry is then matched against a few pieces of evidence so
 * the glob and layer matching run on hostile patterns.  Corpus: tests/fuzz/corpus/ignore/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/ignore.h"
#include "util/error.h"
#include "util/limits.h"

#define FUZZ_IGNORE_MAX_INPUT (IMGB_MAX_IGNORE_BYTES + 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_IGNORE_MAX_INPUT)
        return 0;
    imgb_ignore_list *list = NULL;
    int rc = imgb_ignore_parse(&list, (const char *)data, size, "fuzz.ignore");
    if (rc < 0) {
        FUZZ_CHECK(list == NULL);
        FUZZ_CHECK(rc == IMGB_EFORMAT || rc == IMGB_ELIMIT || rc == IMGB_ERROR);
        FUZZ_CHECK(strncmp(imgb_error_last(), "fuzz.ignore", 11) == 0);
        FUZZ_CHECK(strchr(imgb_error_last(), '\n') == NULL || rc == IMGB_EFORMAT);
        return 0;
    }
    FUZZ_CHECK(list != NULL);
    FUZZ_CHECK(list->nentries <= IMGB_MAX_IGNORE_ENTRIES);
    static const char *const files[] = { "/etc/shadow", "opt/app/.env", "", "/", NULL };
    for (size_t i = 0; i < list->nentries; i++) {
        const imgb_ignore_entry *e = &list->entries[i];
        FUZZ_CHECK(e->id != NULL && e->id[0] != '\0');
        FUZZ_CHECK(e->status == IMGB_STATUS_IGNORED || e->status == IMGB_STATUS_FALSE_POSITIVE);
        FUZZ_CHECK(e->expires != NULL || e->expires_ms == 0);
        FUZZ_CHECK(e->expires == NULL || strlen(e->expires) == 10);
        FUZZ_CHECK(e->line >= 1);
        FUZZ_CHECK(!imgb_ignore_entry_expired(e, 0) || e->expires_ms <= 0);
        FUZZ_CHECK(!imgb_ignore_entry_expired(e, INT64_MIN));
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            bool m = imgb_ignore_entry_matches(e, e->id, NULL, "root", files[f], (int)f,
                                               "sha256:0123456789abcdef");
            /* Without restrictions an entry covers every finding of its item. */
            if (!e->account && !e->path && !e->layer)
                FUZZ_CHECK(m);
            FUZZ_CHECK(!imgb_ignore_entry_matches(e, "", "", "root", files[f], (int)f, NULL) ||
                       e->id[0] == '\0');
        }
    }
    imgb_ignore_list_free(list);
    return 0;
}
