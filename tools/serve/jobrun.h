/*
 * Running scan jobs: the loop shared by `serve --workers N` (threads) and `imgbaseline
 * worker` (a process on any machine with the same PostgreSQL store).  A job is scanned by
 * a child `imgbaseline scan --job ID --worker NAME` process (a hostile image cannot take the
 * server down; the child dies with its parent), which records the result and completes the
 * job in one transaction; the loop renews the lease while the child runs.
 */
#ifndef IMGB_SERVE_JOBRUN_H
#define IMGB_SERVE_JOBRUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sv_jobrun {
    const char *store;          /* store path or URL */
    const char *self;           /* the imgbaseline binary (/proc/self/exe) */
    const char *worker;         /* this worker's name (host:pid:n) */
    int64_t lease_ms;           /* job lease; renewed every third of it */
    int64_t idle_ms;            /* sleep when the queue is empty */
    const char *const *scan_args; /* extra arguments for the scan (NULL-terminated) */
    volatile sig_atomic_t *stop;  /* set to stop after the current job */
} sv_jobrun;

/** Claim and run jobs until *stop.  @return 0, or -1 when the store cannot be opened. */
int sv_jobrun_loop(const sv_jobrun *r);

/** A worker name unique across machines: "host:pid:tag". */
char *sv_worker_name(const char *tag);

#endif
