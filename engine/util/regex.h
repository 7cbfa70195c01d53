/*
 * PCRE2 JIT, switchable: every compiled pattern goes through imgb_regex_jit().
 * IMGB_NO_JIT=1 in the environment keeps the interpreter: memcheck cannot follow
 * JIT-generated code (its vector loads read past the subject by design, which valgrind
 * reports as invalid reads), so tests/valgrind.sh sets it.  Results are identical.
 */
#ifndef IMGB_UTIL_REGEX_H
#define IMGB_UTIL_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/** JIT-compile `code` unless IMGB_NO_JIT is set; failure is fine (pcre2_match interprets). */
void imgb_regex_jit(pcre2_code *code);

#endif
