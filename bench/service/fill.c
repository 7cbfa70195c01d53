/*
 * bench/service helper: scan IMAGE once and record the result N times under N repository
 * names (bench/img00001:1 ...) in STORE, so the service can be measured against a history of
 * N images without N scans.  usage: imgb_bench_fill STORE IMAGE N [TENANT]
 */
#include <stdio.h>
#include <stdlib.h>

#include <imgbaseline/store.h>

#include "rules/loader.h"
#include "image/image.h"
#include "scan.h"
#include "store/store.h"
#include "util/error.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s STORE IMAGE N [TENANT]\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[3], NULL, 10);
    const char *rules[] = { IMGB_RULES_SOURCE_DIR };
    imgb_ruleset *rs = NULL;
    imgb_scan_result *res = NULL;
    imgb_store *s = NULL;
    imgb_scan_config opts = { .weak_password_budget = 1 };
    if (imgb_ruleset_load(&rs, rules, 1, NULL, NULL) < 0 ||
        imgb_scan_run(&res, rs, argv[2], &opts) < 0 || imgb_store_open(&s, argv[1]) < 0) {
        fprintf(stderr, "fill: %s\n", imgb_error_last());
        return 1;
    }
    /* Every recorded image gets its own id, as a real history has. */
    char *own_id = res->image->image_id;
    for (long i = 0; i < n; i++) {
        char name[32], id[65];
        snprintf(name, sizeof name, "img%05ld", i);
        snprintf(id, sizeof id, "%08lx%.56s", (unsigned long)i * 2654435761ul % 0xffffffffu,
                 own_id + 8);
        res->image->image_id = id;
        imgb_store_identity who = { .tenant = argc > 4 ? argv[4] : "bench",
                                    .repo_namespace = "bench", .repo_name = name, .tag = "1" };
        if (imgb_store_record(s, res, &who, NULL, NULL) < 0) {
            fprintf(stderr, "fill: %s\n", imgb_error_last());
            return 1;
        }
    }
    res->image->image_id = own_id;
    imgb_store_close(s);
    imgb_scan_result_free(res);
    imgb_ruleset_free(rs);
    return 0;
}
