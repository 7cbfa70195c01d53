/* PCRE2 JIT, switchable with IMGB_NO_JIT (see regex.h). */
#include <stdlib.h>

#include "util/regex.h"

void imgb_regex_jit(pcre2_code *code)
{
    const char *no = getenv("IMGB_NO_JIT");
    if (no && *no && *no != '0')
        return;
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
}
