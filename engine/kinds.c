/*
 * The check-kind registry: every kind the engine knows, in one NULL-terminated list (yara's
 * module list is the model).  It sits above the rule engine: engine/rules/ sees kinds only
 * through imgb_check_kinds() and the imgb_check_kind struct, so the loader never includes a
 * check or fact header.  A kind declares its name, the parameter keys it accepts and its hooks
 * in its own file; adding one is adding a row here (tests loop over this list, so a new kind
 * is covered by the registry tests by itself).
 */
#include <string.h>

#include <imgbaseline/ruleset.h>

#include "checks/build_risk.h"
#include "checks/secrets.h"
#include "checks/weak_password.h"
#include "facts/factkind.h"
#include "facts/sshd_kind.h"
#include "checks/kind_file.h"
#include "rules/rules.h"

static const imgb_check_kind *const kind_table[] = {
    /* generic file kinds: engine/rules/kind_file.c */
    &imgb_kind_file_meta,
    &imgb_kind_file_regex,
    &imgb_kind_file_exists,

    /* sshd: engine/facts/sshd_kind.c */
    &imgb_kind_sshd_option,
    &imgb_kind_sshd_config_error,

    /* accounts, login.defs, PAM, pwquality: engine/facts/<fact>_kind.c */
    &imgb_kind_login_defs,
    &imgb_kind_passwd,
    &imgb_kind_shadow,
    &imgb_kind_group,
    &imgb_kind_pam,
    &imgb_kind_pwquality,

    /* weak passwords: engine/checks/weak_password.c */
    &imgb_kind_weak_password,

    /* secrets and build risks: engine/checks/secrets_kind.c, engine/checks/build_risk.c */
    &imgb_kind_secret,
    &imgb_kind_build_config,
    &imgb_kind_build_history,
    &imgb_kind_build_tag,

    NULL,
};

/* The names, for the public listing (same order). */
static const char *kind_names[sizeof kind_table / sizeof kind_table[0]];

const imgb_check_kind *const *imgb_check_kinds(void)
{
    return kind_table;
}

const imgb_check_kind *imgb_check_kind_find(const char *name)
{
    for (size_t i = 0; kind_table[i]; i++)
        if (strcmp(kind_table[i]->name, name) == 0)
            return kind_table[i];
    return NULL;
}

const char *const *imgb_check_kind_names(void)
{
    /* Filled on every call with the same pointers: idempotent, so concurrent callers agree. */
    for (size_t i = 0; kind_table[i]; i++)
        kind_names[i] = kind_table[i]->name;
    return kind_names;
}
