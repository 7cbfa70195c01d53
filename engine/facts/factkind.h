/*
 * Small helpers shared by the account / login.defs / PAM / pwquality check kinds
 * (engine/facts/<fact>_kind.c): parameter validation and evidence construction.
 *
 * Tests: through the kinds, tests/test_accounts.c, tests/test_logindefs.c, tests/test_pam.c.
 */
#ifndef IMGB_FACTS_FACTKIND_H
#define IMGB_FACTS_FACTKIND_H

#include <stdbool.h>

#include <jansson.h>

#include "rules/rules.h"

/* The kinds (rows of engine/rules/kinds.c). */
extern const imgb_check_kind imgb_kind_login_defs;
extern const imgb_check_kind imgb_kind_passwd;
extern const imgb_check_kind imgb_kind_shadow;
extern const imgb_check_kind imgb_kind_group;
extern const imgb_check_kind imgb_kind_pam;
extern const imgb_check_kind imgb_kind_pwquality;

/** The comparison keys of imgb_cmp_parse, for a kind's accepted-keys list. */
#define IMGB_FK_CMP_KEYS "op", "value", "values", "min", "max", "nocase", "octal"

/**
 * For a nested mapping of a kind's parameters (e.g. the entries of a pam `sequence`; the
 * top level is checked by the loader against the kind's keys): fail with "unknown parameter
 * 'x' (expected one of ...)" when `params` is not an object or has a key outside the
 * NULL-terminated `allowed`.
 */
int imgb_fk_check_keys(const json_t *params, const char *const *allowed);

/** Optional string parameter (`*out` NULL when absent; malloc'd).  Scalars become strings. */
int imgb_fk_string(const json_t *params, const char *key, bool required, char **out);

/** Optional boolean parameter (`dflt` when absent). */
int imgb_fk_bool(const json_t *params, const char *key, bool dflt, bool *out);

/** Does `params` carry a comparison (an `op`)? */
bool imgb_fk_has_cmp(const json_t *params);

/** Is `op` one that compares numbers (le, lt, ge, gt, range)? */
bool imgb_fk_cmp_numeric(const imgb_cmp *cmp);

/**
 * Add an evidence with its own verdict `v` (NULL once IMGB_MAX_EVIDENCE_PER_ITEM is reached:
 * the entry is counted and the scan's closing entry says exactly how many were left out).  Strings are copied; NULL leaves a field unset.
 * `msg_fmt` is printf-style (the message is a one-liner, never a password).
 */
imgb_evidence *imgb_fk_evidence(imgb_item_result *r, imgb_verdict v, const char *file, int line,
                                const char *account, const char *value, const char *source,
                                const char *expected, const char *msg_fmt, ...)
    __attribute__((format(printf, 9, 10)));

#endif
