/*
 * The service's credentials file (YAML), one block per tenant:
 *
 *   tenants:
 *     - name: team-a
 *       aliyun: [{access_key_id: "...", access_key_secret: "..."}]
 *       huawei: [{ak: "...", sk: "...", project_ids: ["..."]}]
 *       tokens: ["..."]
 *
 * Refused unless the file's mode is 0600 or stricter (secrets), on an unknown key (a typo
 * must not silently drop a credential), on a key id or token that appears twice, and on
 * anything that is not the shape above; messages name file:line:column.
 */
#ifndef IMGB_SERVE_CREDS_H
#define IMGB_SERVE_CREDS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sv_key {
    char *id;               /* AccessKeyId / AK */
    char *secret;           /* AccessKeySecret / SK */
    char **project_ids;     /* Huawei only */
    size_t nproject_ids;
} sv_key;

typedef struct sv_tenant {
    char *name;
    sv_key *aliyun;
    size_t naliyun;
    sv_key *huawei;
    size_t nhuawei;
    char **tokens;
    size_t ntokens;
} sv_tenant;

typedef struct sv_creds {
    sv_tenant *tenants;
    size_t ntenants;
} sv_creds;

/** Load and check `path`.  @return 0 or IMGB_E* with a one-line message. */
int sv_creds_load(sv_creds *out, const char *path);
/** Parse YAML text (no mode check; for tests). */
int sv_creds_parse(sv_creds *out, const char *text, size_t len, const char *name);
void sv_creds_dispose(sv_creds *c);

/** The Alibaba key `ak` and its tenant, or NULL. */
const sv_key *sv_creds_aliyun(const sv_creds *c, const char *ak, const sv_tenant **tenant);
/** The Huawei key `ak` and its tenant, or NULL. */
const sv_key *sv_creds_huawei(const sv_creds *c, const char *ak, const sv_tenant **tenant);
/** The tenant owning `token` (every token compared in constant time), or NULL. */
const sv_tenant *sv_creds_token(const sv_creds *c, const char *token);
/** Whether `tenant` owns Huawei project `project_id` (through `key`, or any key if NULL). */
bool sv_creds_owns_project(const sv_tenant *t, const sv_key *key, const char *project_id);

#endif
