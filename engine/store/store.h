/*
 * Engine side of include/imgbaseline/store.h: recording a scan result (the engine's own
 * types) and rendering with the engine's report parameters, used by the CLI's
 * `scan --store` and by the public wrappers.
 *
 * Tests: tests/test_store.c (both backends).
 */
#ifndef IMGB_STORE_STORE_H
#define IMGB_STORE_STORE_H

#include <imgbaseline/store.h>

#include "report/report.h"
#include "scan.h"
#include "store/db.h"

#define IMGB_STORE_TENANT_DEFAULT "default"
#define IMGB_STORE_TENANT_MAX 128

/** Render `fmt` (an API format) for `tenant` from the history into `out`. */
int imgb_store_render(imgb_store *s, const char *tenant, const imgb_report_format *fmt,
                      const imgb_report_params *p, const char *request_id, imgb_buf *out);

/** The store's connection (for the job queue). */
imgb_db *imgb_store_db(imgb_store *s);

#endif
