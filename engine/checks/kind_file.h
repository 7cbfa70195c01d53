/*
 * Generic file check kinds (engine/checks/kind_file.c): file_meta, file_regex, file_exists.
 * Rows of the kind table in engine/rules/kinds.c.
 *
 * Tests: tests/test_rules.c (kind_file_* cases).
 */
#ifndef IMGB_RULES_KIND_FILE_H
#define IMGB_RULES_KIND_FILE_H

#include "rules/rules.h"

extern const imgb_check_kind imgb_kind_file_meta;
extern const imgb_check_kind imgb_kind_file_regex;
extern const imgb_check_kind imgb_kind_file_exists;

#endif
