/*
 * Rulesets: the YAML baselines (schema: rules/README.md) and the weak-password dictionary,
 * loaded once, every check compiled, then immutable and shareable between threads and scans.
 *
 *   imgb_ruleset *rs;
 *   if (imgb_ruleset_load(&rs, dirs, ndirs, print_diag, NULL) < 0) ...
 *   ... scan with rs (scan.h) ...
 *   imgb_ruleset_free(rs);
 *
 * Baselines and items are borrowed from their ruleset and live as long as it does.
 */
#ifndef IMGBASELINE_RULESET_H
#define IMGBASELINE_RULESET_H

#include <stddef.h>

#include "common.h"

IMGB_BEGIN_DECLS

typedef struct imgb_ruleset imgb_ruleset;
typedef struct imgb_baseline imgb_baseline;
typedef struct imgb_item imgb_item;

/** Language of titles, descriptions, advice, evidence and reasons. */
typedef enum imgb_lang {
    IMGB_LANG_ZH = 0, /**< the default of both vendors' APIs */
    IMGB_LANG_EN = 1,
} imgb_lang;

/** Severity of an item (the cloud APIs' high/medium/low). */
typedef enum imgb_severity {
    IMGB_SEV_LOW = 0,
    IMGB_SEV_MEDIUM = 1,
    IMGB_SEV_HIGH = 2,
} imgb_severity;

/** Level of a rule-file diagnostic. */
typedef enum imgb_diag_level {
    IMGB_DIAG_ERROR = 0,   /**< the ruleset does not load */
    IMGB_DIAG_WARNING,     /**< loads, but probably not what the author meant */
} imgb_diag_level;

/** One problem in a rule file.  Strings are borrowed for the duration of the callback. */
typedef struct imgb_diag {
    const char *file;
    int line;              /**< 1-based (0: the file as a whole) */
    int column;            /**< 1-based (0: none) */
    imgb_diag_level level;
    const char *message;
} imgb_diag;

/** Receives every diagnostic of a load, in file order. */
typedef void (*imgb_diag_fn)(const imgb_diag *d, void *payload);

/**
 * Load every rule file under `paths` (directories, searched recursively, or single .yaml
 * files) and the dictionary of each directory (dict/passwords.txt) into one ruleset.
 * @param[out] out  the ruleset (free with imgb_ruleset_free()); NULL on error.
 * @param diag      receives every error and warning as file:line:column (may be NULL).
 * @return 0 (warnings allowed), IMGB_EFORMAT when any error was reported (the message is
 *         the first one), IMGB_ENOTFOUND when a path does not exist.
 */
IMGB_API int imgb_ruleset_load(imgb_ruleset **out, const char *const *paths, size_t npaths,
                               imgb_diag_fn diag, void *payload);

/**
 * Load one rule file held in memory; `name` is used in diagnostics.  No dictionary is
 * loaded (add one with imgb_ruleset_dict_load()).  Same results as imgb_ruleset_load().
 */
IMGB_API int imgb_ruleset_load_text(imgb_ruleset **out, const char *name, const char *text,
                                    size_t len, imgb_diag_fn diag, void *payload);

/** Free a ruleset and everything borrowed from it (NULL-safe).  No scan may be using it. */
IMGB_API void imgb_ruleset_free(imgb_ruleset *rs);

/**
 * The built-in rules directory, for a program whose binary is in `exe_dir` (may be NULL):
 * the source tree's rules/ when run from a build tree, else <exe_dir>/../share/imgbaseline/rules
 * when it exists, else the installed location.  Free with imgb_free().
 */
IMGB_API char *imgb_rules_builtin_dir(const char *exe_dir);

/** "file:line:column: message" ("...: warning: message" for warnings); free with imgb_free(). */
IMGB_API char *imgb_diag_format(const imgb_diag *d);

/** How imgb_ruleset_dict_load() combines a word list with the dictionary already loaded. */
typedef enum imgb_dict_mode {
    IMGB_DICT_REPLACE = 0, /**< instead of the loaded words; a rule's depth cuts the new list */
    IMGB_DICT_APPEND = 1,  /**< after the loaded words; always tried in full, after the cut */
} imgb_dict_mode;

/**
 * Load a weak-password word list (one word a line, UTF-8, '#' comments) into the ruleset
 * before it is used by any scan.
 * @return 0, IMGB_ENOTFOUND, IMGB_EFORMAT or IMGB_ELIMIT with the file and line.
 */
IMGB_API int imgb_ruleset_dict_load(imgb_ruleset *rs, const char *path, imgb_dict_mode mode);

/** Number of dictionary words; `*source` (may be NULL) receives the file list ("" if none). */
IMGB_API size_t imgb_ruleset_dict_size(const imgb_ruleset *rs, const char **source);

/** Number of baselines, in load order. */
IMGB_API size_t imgb_ruleset_baseline_count(const imgb_ruleset *rs);
/** Baseline `i` (< imgb_ruleset_baseline_count()), or NULL. */
IMGB_API const imgb_baseline *imgb_ruleset_baseline(const imgb_ruleset *rs, size_t i);
/** The baseline whose key is `key`, or NULL. */
IMGB_API const imgb_baseline *imgb_ruleset_find_baseline(const imgb_ruleset *rs, const char *key);
/** The item whose id is `id`, or NULL; `*baseline` (may be NULL) receives its baseline. */
IMGB_API const imgb_item *imgb_ruleset_find_item(const imgb_ruleset *rs, const char *id,
                                                 const imgb_baseline **baseline);

/** String attributes of a baseline, for imgb_baseline_attr(). */
typedef enum imgb_baseline_attr_id {
    IMGB_BASELINE_KEY = 0,       /**< BaselineNameKey, e.g. "centos7_ssh" */
    IMGB_BASELINE_CLASS,         /**< BaselineClassKey */
    IMGB_BASELINE_ALIAS,         /**< BaselineNameAlias in the language asked for */
    IMGB_BASELINE_CLASS_ALIAS,   /**< BaselineClassAlias in the language asked for */
    IMGB_BASELINE_FILE,          /**< the rule file it was loaded from */
    IMGB_BASELINE_APPLIES,       /**< where it applies, e.g. "centos|rhel 7..8", "every image" */
    IMGB_BASELINE_HW_CHECK_NAME, /**< Huawei check_name ("CentOS 7", ...) or NULL */
    IMGB_BASELINE_HW_CHECK_TYPE, /**< Huawei check_type or NULL */
} imgb_baseline_attr_id;

/** A string attribute of `b` in `lang` (borrowed; NULL when unset). */
IMGB_API const char *imgb_baseline_attr(const imgb_baseline *b, imgb_baseline_attr_id attr,
                                        imgb_lang lang);
/** Standards a baseline belongs to ("cn_standard", "hw_standard"). */
IMGB_API size_t imgb_baseline_standard_count(const imgb_baseline *b);
IMGB_API const char *imgb_baseline_standard(const imgb_baseline *b, size_t i);
/** Number of items of `b`. */
IMGB_API size_t imgb_baseline_item_count(const imgb_baseline *b);
/** Item `i` of `b`, or NULL. */
IMGB_API const imgb_item *imgb_baseline_item(const imgb_baseline *b, size_t i);

/** String attributes of an item, for imgb_item_attr(). */
typedef enum imgb_item_attr_id {
    IMGB_ITEM_ID = 0,        /**< unique id, e.g. "ssh.permit_root_login.centos7" */
    IMGB_ITEM_KEY,           /**< Alibaba item key */
    IMGB_ITEM_TITLE,
    IMGB_ITEM_DESCRIPTION,
    IMGB_ITEM_ADVICE,
    IMGB_ITEM_KIND,          /**< check kind name, e.g. "sshd_option" */
    IMGB_ITEM_CHECK_JSON,    /**< the `check:` mapping as compact JSON */
    IMGB_ITEM_REFERENCES,    /**< references as compact JSON ({"cis": "5.2.8", ...}) */
    IMGB_ITEM_BUCKET,        /**< Huawei statistic bucket ("security_check", ...) */
    IMGB_ITEM_FILE,          /**< rule file */
} imgb_item_attr_id;

/** A string attribute of `item` in `lang` (borrowed; NULL when unset). */
IMGB_API const char *imgb_item_attr(const imgb_item *item, imgb_item_attr_id attr,
                                    imgb_lang lang);
/** The item's severity. */
IMGB_API imgb_severity imgb_item_severity(const imgb_item *item);
/** The line of the item in its rule file. */
IMGB_API int imgb_item_line(const imgb_item *item);

/** "high", "medium", "low" (static). */
IMGB_API const char *imgb_severity_name(imgb_severity s);
/** Parse "high"/"medium"/"low" (any case).  @return 0 or IMGB_EINVAL. */
IMGB_API int imgb_severity_parse(const char *s, imgb_severity *out);
/** Parse "zh"/"en".  @return 0 or IMGB_EINVAL. */
IMGB_API int imgb_lang_parse(const char *s, imgb_lang *out);

/**
 * One of the engine's English messages (a scan warning from imgb_result_warning(), an
 * evidence message, a reason, an ignore-file warning) in `lang`, through the message catalog
 * loaded with the rules (rules/i18n/zh.yaml): for programs that print such a message
 * themselves, e.g. warnings on stderr.  Reports rendered with imgb_report_render() are already
 * in their request's language.  @return a copy of `msg` for IMGB_LANG_EN or when no catalog
 * entry matches it; NULL for NULL.  Free with imgb_free().
 */
IMGB_API char *imgb_ruleset_translate(const imgb_ruleset *rs, imgb_lang lang, const char *msg);

/** The NULL-terminated names of the registered check kinds (static). */
IMGB_API const char *const *imgb_check_kind_names(void);

IMGB_END_DECLS

#endif
