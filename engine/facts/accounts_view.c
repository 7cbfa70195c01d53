/*
 * Loading the account files from the merged view, once per scan; parsing is accounts.c.
 *
 * Tests: tests/test_accounts.c.
 */
#include "facts/accounts.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/error.h"
#include "util/mem.h"

int imgb_accounts_load(imgb_accounts **out, const imgb_view *view)
{
    imgb_accounts *a = imgb_accounts_new();

    for (int i = 0; i < IMGB_ACCT_NFILES; i++) {
        const unsigned char *data;
        size_t len;
        imgb_node_info info;
        int rc = imgb_view_read(view, imgb_accounts_path((imgb_acct_file)i), &data, &len);
        if (rc < 0) {
            a->src[i].status = rc;
            a->src[i].message = imgb_xstrdup(imgb_error_last());
            continue;
        }
        if (imgb_view_lookup(view, imgb_accounts_path((imgb_acct_file)i), true, &info) == 0)
            a->src[i].truncated = info.content_truncated;
        imgb_accounts_parse(a, (imgb_acct_file)i, (const char *)data, len);
    }
    imgb_accounts_finish(a);
    *out = a;
    return 0;
}

static void *acct_build(const imgb_scan_ctx *ctx, void *payload)
{
    imgb_accounts *a = NULL;
    (void)payload;
    imgb_accounts_load(&a, ctx->view);
    return a;
}

static void acct_destroy(void *obj)
{
    imgb_accounts_free(obj);
}

const imgb_accounts *imgb_accounts_get(const imgb_scan_ctx *ctx)
{
    return imgb_ctx_cache_get(ctx, "facts.accounts", acct_build, NULL, acct_destroy);
}

void imgb_accounts_register_keeps(imgb_view *view)
{
    for (int i = 0; i < IMGB_ACCT_NFILES; i++) {
        char backup[32];
        imgb_view_keep(view, imgb_accounts_path((imgb_acct_file)i));
        /* the '-' backups hold earlier hashes: the weak-password checks read them */
        snprintf(backup, sizeof backup, "%s-", imgb_accounts_path((imgb_acct_file)i));
        imgb_view_keep(view, backup);
    }
}
