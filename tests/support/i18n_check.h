/*
 * Test helper: one language per report.  i18n_assert_zh() fails the test when a message of
 * a scan result (evidence message, expected condition, source, baseline reason, skip reason,
 * scan or image warning) would still hold an English sentence in a zh report: every part the
 * shipped catalog (rules/i18n/zh.yaml) leaves untranslated must be a value (path, keyword,
 * number, package or account name), never two English words in a row.  When the result's
 * ruleset carries a catalog it also renders the native JSON in zh through the public render
 * path and checks that the evidence messages in it are the catalog's translations.
 *
 * Tests: used by tests/test_baselines_deb.c, tests/test_baselines_rhel.c, tests/test_scan.c,
 * tests/test_build_risk.c; the heuristic itself by tests/test_i18n.c.
 */
#ifndef IMGB_TESTS_I18N_CHECK_H
#define IMGB_TESTS_I18N_CHECK_H

#include <stdbool.h>

#include "scan.h"

/** Whether `s` holds an English sentence: two words of ASCII letters in a row, one of them
 *  lower-case, outside quotes ('x', "x"); paths, keywords and numbers are not words. */
bool i18n_english_sentence(const char *s);

/** Fail the test (listing every untranslated English part) unless `res` reads in zh only. */
void i18n_assert_zh(const imgb_scan_result *res);

/** The same for `n` lines that are not in a scan result yet (an image's warnings). */
void i18n_assert_zh_lines(char *const *lines, size_t n);

#endif
