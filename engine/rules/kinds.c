/*
 * The check-kind table.  A kind is one const struct in its own file; adding a kind is adding
 * a row here.  Groups are kept apart so that parallel additions do not touch the same lines.
 */
#include <string.h>

#include "rules/rules.h"

/* generic file kinds: engine/rules/kind_file.c */
#include "rules/kind_file.h"

/* sshd: engine/facts/sshd_kind.c */
#include "facts/sshd_kind.h"

/* accounts, login.defs, PAM, pwquality: engine/facts/<fact>_kind.c */
extern const imgb_check_kind imgb_kind_login_defs, imgb_kind_passwd, imgb_kind_shadow,
    imgb_kind_group, imgb_kind_pam, imgb_kind_pwquality;

/* weak passwords: engine/checks/weak_password.c */
#include "checks/weak_password.h"

/* secrets and build risks: engine/checks/secrets.c, engine/checks/build_risk.c */
#include "checks/build_risk.h"
#include "checks/secrets.h"

static const imgb_check_kind *const kind_table[] = {
    /* generic file kinds */
    &imgb_kind_file_meta,
    &imgb_kind_file_regex,
    &imgb_kind_file_exists,

    /* sshd */
    &imgb_kind_sshd_option,
    &imgb_kind_sshd_config_error,

    /* accounts, login.defs, PAM, pwquality */
    &imgb_kind_login_defs,
    &imgb_kind_passwd,
    &imgb_kind_shadow,
    &imgb_kind_group,
    &imgb_kind_pam,
    &imgb_kind_pwquality,

    /* weak passwords */
    &imgb_kind_weak_password,

    /* secrets and build risks */
    &imgb_kind_secret,
    &imgb_kind_build_config,
    &imgb_kind_build_history,
    &imgb_kind_build_tag,

    NULL,
};

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
