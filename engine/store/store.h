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

/* Who the scan is of; NULL fields: from the image's own reference. */
typedef struct imgb_store_identity {
    const char *tenant;            /* NULL: "default" */
    const char *repo_namespace;
    const char *repo_name;
    const char *tag;
    long retention;                /* keep the last N scans per asset; <= 0: all */
} imgb_store_identity;

/**
 * Record `res` (statuses from the ignore list of `p`, may be NULL) in one transaction.
 * `scan_id` (optional, 33 bytes) receives the new scan's id.
 */
int imgb_store_record(imgb_store *s, const imgb_scan_result *res,
                      const imgb_store_identity *who, const imgb_report_params *p,
                      char scan_id[33]);

/** Render `fmt` (an API format) for `tenant` from the history into `out`. */
int imgb_store_render(imgb_store *s, const char *tenant, const imgb_report_format *fmt,
                      const imgb_report_params *p, const char *request_id, imgb_buf *out);

/** The store's connection (for the job queue). */
imgb_db *imgb_store_db(imgb_store *s);

#endif
