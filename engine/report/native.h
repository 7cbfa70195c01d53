/*
 * The native JSON report: everything one scan found, in imgbaseline's own schema
 * ("imgbaseline/native/1"): image identity and verification, OS and sshd version with their
 * sources, the baselines applied and why, every item with its verdict and evidence, counts
 * per baseline and in total, warnings.  Texts (titles, aliases, advice) in one language.
 *
 * Tests: tests/test_scan.c (the CLI's `scan --format json` parsed back).
 */
#ifndef IMGB_REPORT_NATIVE_H
#define IMGB_REPORT_NATIVE_H

#include <jansson.h>

#include "scan.h"
#include "util/mem.h"

/**
 * Build the report as JSON.  `lang` is "zh" or "en" (NULL: "en").
 * @return a new reference (caller json_decref()s it).
 */
json_t *imgb_report_native_json(const imgb_scan_result *res, const char *lang);

/**
 * Render the report into `out` (indented JSON, trailing newline).
 * @return 0, or IMGB_EINVAL for a `lang` other than zh/en.
 */
int imgb_report_native(const imgb_scan_result *res, const char *lang, imgb_buf *out);

#endif
