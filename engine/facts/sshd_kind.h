/*
 * sshd check kinds (engine/facts/sshd_kind.c): sshd_option, sshd_config_error.
 * Rows of the kind table in engine/rules/kinds.c.
 *
 * Tests: tests/test_sshd.c (kind_* cases), tests/test_conformance.c.
 */
#ifndef IMGB_FACTS_SSHD_KIND_H
#define IMGB_FACTS_SSHD_KIND_H

#include "rules/rules.h"

extern const imgb_check_kind imgb_kind_sshd_option;
extern const imgb_check_kind imgb_kind_sshd_config_error;

#endif
