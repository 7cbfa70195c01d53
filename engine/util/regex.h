/*
 * PCRE2 helpers shared by every kind that matches a rule's pattern against image bytes.
 *
 * JIT, switchable: every compiled pattern goes through imgb_regex_jit().  IMGB_NO_JIT=1 in
 * the environment keeps the interpreter: memcheck cannot follow JIT-generated code (its
 * vector loads read past the subject by design, which valgrind reports as invalid reads), so
 * tests/valgrind.sh sets it.  Results are identical.
 *
 * Limits: a rule pattern runs on attacker-chosen bytes, so a catastrophic pattern such as
 * `(a+)+$` must end in an error, not hours of backtracking nor a silent "no match".
 * imgb_regex_match() runs with explicit match, depth and heap limits (util/limits.h) and
 * returns PCRE2's negative code for anything but a match or a clean no-match; callers turn
 * that into an `error` verdict naming pattern, file and line.
 *
 * Tests: tests/test_rules.c (regex_* and kind_file_regex_* cases).
 */
#ifndef IMGB_UTIL_REGEX_H
#define IMGB_UTIL_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcre2.h>

/** JIT-compile `code` unless IMGB_NO_JIT is set; failure is fine (pcre2_match interprets). */
void imgb_regex_jit(pcre2_code *code);

/** The shared match context carrying the limits (created once, read-only afterwards, so any
 *  thread may pass it to pcre2_match). */
pcre2_match_context *imgb_regex_limits(void);

/**
 * pcre2_match() of `code` on `subject[0..len)` from `start` with the limits.  Returns the
 * pcre2_match result: > 0 a match (ovector in `md`), PCRE2_ERROR_NOMATCH, or another
 * negative code (limit reached, bad UTF, ...): an error, never to be read as "no match".
 */
int imgb_regex_match(const pcre2_code *code, const unsigned char *subject, size_t len,
                     size_t start, uint32_t options, pcre2_match_data *md);

/** PCRE2's message for error code `rc` ("match limit exceeded"), malloc'd. */
char *imgb_regex_error(int rc);

/**
 * Does `pattern` repeat a group that itself holds an unbounded quantifier (`(a+)+`,
 * `(?:\s*x)*`, `(a|b*){2,}`)?  That shape backtracks exponentially on a near-miss; the rule
 * loader warns about it.  A lexical scan (escapes, \Q..\E and classes skipped), not a parse:
 * it may warn about a safe pattern, never crashes on an invalid one.  `*at` gets the byte
 * offset of the outer quantifier.
 */
bool imgb_regex_nested_quantifier(const char *pattern, size_t *at);

#endif
