/*
 * Output plumbing of `imgbaseline scan` (tools/cmd_scan.c): the atomic -o writer, progress
 * lines for a terminal, and the exit-code decision around the engine's finding count.
 *
 * Exit statuses: 0 no unignored failure at or above the threshold (or no threshold asked
 * for), N (--exit-code, default 1) when there is one, 2 only for errors (CLI_EXIT_ERROR), so
 * CI can tell findings from a broken run.
 */
#ifndef IMGB_TOOLS_REPORT_CLI_H
#define IMGB_TOOLS_REPORT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <imgbaseline/imgbaseline.h>

/**
 * Write `len` bytes to `path` atomically: a temporary file in the same directory (mode
 * 0666 & ~umask, like any file the user creates), fsync'd, then renamed over `path`.  A
 * reader never sees a half-written report, and a failed write leaves no temporary file.
 * @return 0, or -1 after printing one line naming the file and the reason.
 */
int cli_write_atomic(const char *path, const char *data, size_t len);

/**
 * The ignore list of `scan` and `diff`: `path` (--ignore-file), else ./.imgbaselineignore
 * when it exists, then one entry per id of `ids` (-i/--ignore ID).  `*out` stays NULL when
 * there is neither; free it with imgb_ignore_list_free().
 * @return 0, or CLI_EXIT_ERROR after printing the file's problem (file:line:column).
 */
int cli_load_ignore(imgb_ignore_list **out, const char *path, const char *const *ids,
                    size_t nids);

/** A monotonic clock in ms (progress throttling). */
int64_t cli_now_ms(void);

/** Print "imgbaseline: MESSAGE" on stderr only when stderr is a terminal and !quiet. */
void cli_progress(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * The exit status for `res` (see cmd_scan.c): CLI_EXIT_ERROR with a one-line reason when the
 * image was not read or identified in full, or when items at or above `threshold` could not
 * be judged (unless `allow_incomplete`, which makes both warnings); `code` when an unignored
 * failure at or above `threshold` is shown; else CLI_EXIT_OK.  `threshold` < 0: no gate.
 */
int cli_gate(const imgb_scan_result *res, const imgb_report_request *p, int threshold, int code,
             bool allow_incomplete, bool quiet);

#endif
