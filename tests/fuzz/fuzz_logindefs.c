/*
 * Fuzz target for the login.defs and /etc/default/useradd parsers (engine/facts/logindefs.c):
 * the input is parsed in both formats and every known key resolved with and without a rule
 * default; invariants: entries carry a key and a line within the input, a resolved value has
 * text and a source, a parsed number round-trips.  Corpus: tests/fuzz/corpus/logindefs/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/logindefs.h"
#include "fuzz.h"

#define FUZZ_LOGINDEFS_MAX_INPUT (256u << 10)

static const char *const fuzz_keys[] = {
    "PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE", "PASS_MIN_LEN", "UMASK", "UID_MIN",
    "SYS_UID_MIN", "ENCRYPT_METHOD", "MD5_CRYPT_ENAB", "INACTIVE", "EXPIRE", "NO_SUCH_KEY",
};

static void fuzz_resolve(const imgb_defs *d, imgb_defs_format fmt, int lines)
{
    for (size_t i = 0; i < d->nentries; i++) {
        FUZZ_CHECK(d->entries[i].key && d->entries[i].value);
        FUZZ_CHECK(d->entries[i].line >= 1 && d->entries[i].line <= lines);
    }
    for (size_t k = 0; k < sizeof fuzz_keys / sizeof fuzz_keys[0]; k++) {
        for (int variant = 0; variant < 3; variant++) {
            imgb_defs_value v;
            imgb_defs_resolve(d, fmt, fuzz_keys[k], variant == 1 ? "017" : NULL, variant == 2,
                              &v);
            FUZZ_CHECK(v.source != NULL);
            FUZZ_CHECK(!v.has_value || v.text != NULL);
            FUZZ_CHECK(!v.entry || v.entry == imgb_defs_find(d, fuzz_keys[k]));
            const imgb_defs_known *known = imgb_defs_known_key(fmt, fuzz_keys[k]);
            bool is_bool = known && known->type == IMGB_DEFS_BOOL;
            if (v.has_value && v.numeric && !v.is_default && !is_bool) {
                long long back;
                FUZZ_CHECK(imgb_defs_getlong(v.text, &back) && back == v.num);
            }
            imgb_defs_value_dispose(&v);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_LOGINDEFS_MAX_INPUT)
        return 0;
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    imgb_defs *d = imgb_defs_parse("/etc/login.defs", IMGB_DEFS_LOGIN_DEFS, (const char *)data,
                                   size);
    fuzz_resolve(d, IMGB_DEFS_LOGIN_DEFS, lines);
    imgb_defs_free(d);
    d = imgb_defs_parse("/etc/default/useradd", IMGB_DEFS_USERADD, (const char *)data, size);
    fuzz_resolve(d, IMGB_DEFS_USERADD, lines);
    imgb_defs_free(d);
    return 0;
}
