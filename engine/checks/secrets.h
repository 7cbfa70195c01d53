/*
 * Access-key leak scanning (ak_leak): a compiled set of secret patterns and a streaming
 * matcher that runs them over file content chunk by chunk, plus the `secret` check kind that
 * hangs the matcher on the image reader's content stream (every regular file of every layer,
 * deleted and overwritten ones included).
 *
 * Patterns come from YAML (the item's `check:` mapping, see rules/README.md).  Each carries
 * literal keywords; a pair-of-bytes prefilter finds keyword candidates, and the PCRE2 (JIT)
 * regex runs only in a small window around a confirmed keyword.  Secrets are masked before
 * they leave the matcher: no unmasked secret is ever stored.
 *
 * The matcher is engine/checks/secrets.c, the kind engine/checks/secrets_kind.c.
 * Tests: tests/test_secrets.c.
 */
#ifndef IMGB_CHECKS_SECRETS_H
#define IMGB_CHECKS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rules/rules.h"

typedef struct imgb_secret_rules imgb_secret_rules;
typedef struct imgb_secret_stream imgb_secret_stream;

/* One leaked secret.  Strings are owned by the finding. */
typedef struct imgb_secret_finding {
    char *path;          /* "/usr/aksk.txt" */
    char *rule_id;       /* pattern id, e.g. "alibaba-access-key-id" */
    char *title;         /* pattern title (en) */
    char *masked;        /* the secret with all but a short prefix replaced by '*' */
    int line;            /* 1-based; 0 for binary files */
    uint64_t offset;     /* byte offset of the secret in the file */
    bool binary;         /* file looked binary (NUL in its first 8000 bytes): no line */
    int layer;           /* layer that added the file (-1 outside a scan) */
    int layer_removed;   /* layer that deleted/overwrote it, -1 if still present */
} imgb_secret_finding;

/** Compile the `secret` kind parameters (patterns, allow list, path filters).
 *  @return 0 or IMGB_EFORMAT with a message naming the pattern.  Free with
 *  imgb_secret_rules_free(). */
int imgb_secret_rules_compile(const json_t *params, imgb_secret_rules **out);
void imgb_secret_rules_free(imgb_secret_rules *rules);
/** Number of compiled patterns. */
size_t imgb_secret_rules_count(const imgb_secret_rules *rules);
/** Bytes scanned per file (max_file_bytes, default IMGB_SECRET_FILE_MAX). */
uint64_t imgb_secret_rules_max_file_bytes(const imgb_secret_rules *rules);

/**
 * A per-thread matcher over a sequence of files.  With `prefilter` false every regex runs
 * over the whole content (for benchmarking the prefilter).  Free with imgb_secret_stream_free.
 */
imgb_secret_stream *imgb_secret_stream_new(const imgb_secret_rules *rules, bool prefilter);
void imgb_secret_stream_free(imgb_secret_stream *s);
/** Start a file (`path` normalised, with or without leading "/").  Returns false when the
 *  rules' path filters exclude it (then do not feed it). */
bool imgb_secret_stream_begin(imgb_secret_stream *s, const char *path, int layer);
/** Feed the next bytes of the current file. */
void imgb_secret_stream_data(imgb_secret_stream *s, const unsigned char *buf, size_t len);
/** End the current file (flushes the matcher). */
void imgb_secret_stream_end(imgb_secret_stream *s);
/** Findings so far (borrowed); imgb_secret_stream_take moves them to the caller, who frees
 *  each with imgb_secret_finding_dispose and the array with free(). */
size_t imgb_secret_stream_count(const imgb_secret_stream *s);
const imgb_secret_finding *imgb_secret_stream_at(const imgb_secret_stream *s, size_t i);
imgb_secret_finding *imgb_secret_stream_take(imgb_secret_stream *s, size_t *n);
/** Files cut at the per-file limit and findings dropped at the finding limit. */
size_t imgb_secret_stream_truncated_files(const imgb_secret_stream *s);
size_t imgb_secret_stream_dropped(const imgb_secret_stream *s);
/** Pattern runs stopped by a PCRE2 error (match limit ...): that text was not judged. */
size_t imgb_secret_stream_regex_errors(const imgb_secret_stream *s);
/** Bytes fed so far (all files) and files begun (not excluded by the path filters). */
uint64_t imgb_secret_stream_bytes(const imgb_secret_stream *s);
uint64_t imgb_secret_stream_files(const imgb_secret_stream *s);
void imgb_secret_finding_dispose(imgb_secret_finding *f);

/**
 * Mask `len` bytes of `s`: keep min(keep, len*7/12) leading characters (the Alibaba example
 * keeps 14 of 24) and replace the rest with '*' (at most 32 of them).  malloc'd.
 */
char *imgb_secret_mask(const char *s, size_t len, size_t keep);

/**
 * Mask well-known token shapes (LTAI…, AKIA…, ghp_…, JWTs, …) and the values of
 * secret-looking NAME=VALUE assignments in a build command.  malloc'd.
 */
char *imgb_secret_mask_text(const char *text);

extern const imgb_check_kind imgb_kind_secret;

#endif
