/*
 * Every bound the engine enforces, named in one place.  Defaults are set so that no real
 * image meets them; each is overridable through the scan/read options.
 */
#ifndef IMGB_UTIL_LIMITS_H
#define IMGB_UTIL_LIMITS_H

#define IMGB_MAX_PATH               4096                      /* bytes in one path inside an image */
#define IMGB_MAX_SYMLINK_HOPS       40                        /* as Linux's MAXSYMLINKS */
#define IMGB_MAX_ENTRIES_PER_LAYER  (2u * 1000 * 1000)        /* tar entries in one layer */
#define IMGB_MAX_TOTAL_BYTES        (64ull << 30)             /* uncompressed bytes, whole image */
#define IMGB_MAX_COMPRESSION_RATIO  1000                      /* per layer: uncompressed/compressed */
#define IMGB_RATIO_GRACE_BYTES      (64ull << 20)             /* ratio checked only past this size */
#define IMGB_MAX_JSON_BYTES         (16u << 20)               /* manifest, index, config blobs */
#define IMGB_MAX_LAYERS             1024
#define IMGB_MAX_SPILL_BYTES        (64ull << 30)             /* temporary file of a piped archive */
/* Content kept per file.  The files checks parse whole must fit: /etc/shadow and /etc/passwd
 * of 100,000 accounts (~13 MB), dpkg status and rpmdb.sqlite of large images (10-60 MB).
 * A file past it is an error for every check that reads it (imgb_view_read), never judged
 * on its prefix; the total below bounds the sum. */
#define IMGB_KEEP_FILE_MAX          (64u << 20)
#define IMGB_KEEP_TOTAL_MAX         (256ull << 20)            /* content kept, whole image */
#define IMGB_MAX_CONFIG_LINE        (16 * 1024)               /* sshd_config, login.defs, PAM lines */
#define IMGB_MAX_INCLUDE_DEPTH      16                        /* sshd Include nesting */
#define IMGB_MAX_REFILL_FILES       4096                      /* files re-read for content behind symlinks */
#define IMGB_MAX_VIEW_WARNINGS      1000                      /* warnings the view records */

/* Rules (engine/rules). */
#define IMGB_MAX_RULE_FILE_BYTES    (4u << 20)                /* one rule YAML file */
#define IMGB_MAX_RULE_FILES         10000                     /* rule files in one ruleset */
#define IMGB_MAX_RULE_DIR_DEPTH     16                        /* rules/ directory nesting */
#define IMGB_MAX_YAML_DEPTH         64                        /* nesting inside one check */
#define IMGB_MAX_YAML_NODES         100000                    /* nodes converted per file (aliases) */
#define IMGB_MAX_EVIDENCE_PER_ITEM  1000                      /* offenders listed per item (then a count) */
#define IMGB_MAX_EVIDENCE_TEXT      512                       /* bytes of a matched line quoted as evidence */
#define IMGB_MAX_EVIDENCE_FIELD     4096                      /* bytes of any evidence string (message, value...) */
/* PCRE2 limits for rule patterns on image bytes (util/regex.h); a real pattern on a real line
 * stays orders of magnitude below them, (a+)+$ on 30 'a's and a 'b' reaches them at once. */
#define IMGB_REGEX_MATCH_LIMIT      1000000                   /* backtracking steps per match call */
#define IMGB_REGEX_DEPTH_LIMIT      10000                     /* nested backtracking frames */
#define IMGB_REGEX_HEAP_LIMIT       (20u * 1024)              /* KiB of backtracking heap */

/* Weak-password engine (engine/checks/weak_password.h). */
#define IMGB_WP_DEFAULT_BUDGET      30.0                      /* seconds of cracking per image */
#define IMGB_WP_MAX_ACCOUNTS        65536                     /* accounts cracked in one run */
#define IMGB_WP_MAX_JOBS            256                       /* worker threads */
#define IMGB_WP_MAX_WORD            256                       /* bytes in one dictionary word */
#define IMGB_WP_MAX_DICT_WORDS      (4u * 1000 * 1000)        /* words in the dictionary */
#define IMGB_WP_MAX_DICT_BYTES      (256u << 20)              /* bytes in one dictionary file */

/* Secret scanning and build risks (engine/checks/secrets.h, build_risk.h). */
#define IMGB_SECRET_FILE_MAX        (256ull << 20)            /* bytes scanned for secrets per file */
#define IMGB_SECRET_MAX_FINDINGS    1000                      /* secret findings kept per scan */
#define IMGB_SECRET_MAX_PATTERNS    256                       /* patterns in one secret check */
#define IMGB_SECRET_MAX_KEYWORDS    250                       /* prefilter keywords, all patterns */
#define IMGB_SECRET_WINDOW_MAX      4096                      /* regex window each side of a keyword */
#define IMGB_MAX_HISTORY_CMD        (64u << 10)               /* created_by bytes examined */

#define IMGB_MAX_IGNORE_BYTES       (1u << 20)                /* ignore file size */
#define IMGB_MAX_IGNORE_ENTRIES     10000                     /* entries in one ignore file */
#define IMGB_MAX_REPORT_PARAM       65535                     /* request string parameter (HW docs) */

#endif
