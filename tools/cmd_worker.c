/*
 * `imgbaseline worker --store postgresql://... [--lease SECONDS] [--jobs N]`: claim scan
 * jobs from the store's queue (tools/serve/jobrun.c) until SIGTERM/SIGINT, which lets the
 * current job finish.  Any number of workers on any machines share one PostgreSQL store:
 * PostgreSQL's row locks (FOR UPDATE SKIP LOCKED) and the lease coordinate them.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/jobrun.h"
#include "sv_util.h"

int cmd_worker(int argc, char **argv);

typedef struct worker_args {
    const char *store;
    const char *budget;
    long lease, jobs;
} worker_args;

static volatile sig_atomic_t w_stop;

static void on_signal(int sig)
{
    (void)sig;
    w_stop = 1;
}

static int opt_worker(void *a, const cli_option *o, const char *v)
{
    worker_args *w = a;
    long n;
    if (!strcmp(o->name, "store")) {
        w->store = v;
        return 0;
    }
    if (!strcmp(o->name, "weak-password-budget")) {
        if (cli_parse_int(v, 1, 86400, &n) < 0)
            return cli_fail("worker: --weak-password-budget wants seconds from 1 to 86400"), -1;
        w->budget = v;
        return 0;
    }
    long max = !strcmp(o->name, "lease") ? 86400 : 64;
    if (cli_parse_int(v, 1, max, &n) < 0)
        return cli_fail("worker: --%s wants a number from 1 to %ld", o->name, max), -1;
    if (!strcmp(o->name, "lease"))
        w->lease = n;
    else
        w->jobs = n;
    return 0;
}

static const cli_option worker_options[] = {
    { "store", 0, "URL", "the shared store (postgresql://...; a SQLite file works on one "
      "machine)", opt_worker, NULL },
    { "lease", 0, "SECONDS", "job lease, renewed while scanning (default 60)", opt_worker, NULL },
    { "jobs", 'j', "N", "jobs scanned at once (default 1)", opt_worker, NULL },
    { "weak-password-budget", 0, "SECONDS", "cracking time per scanned image (default 30)",
      opt_worker, NULL },
    { NULL, 0, NULL, NULL, NULL, NULL },
};

static void *run(void *arg)
{
    sv_jobrun_loop(arg);
    return NULL;
}

int cmd_worker(int argc, char **argv)
{
    worker_args a = { .lease = 60, .jobs = 1 };
    const cli_option *tables[] = { worker_options };
    size_t npos;
    bool help;
    char *pos = NULL;
    if (cli_parse(argc, argv, tables, 1, &a, &pos, 0, &npos, &help) < 0)
        return CLI_EXIT_ERROR;
    if (help || !a.store) {
        FILE *f = help ? stdout : stderr;
        fputs("usage: imgbaseline worker --store URL [options]\n\noptions:\n", f);
        cli_print_options(f, worker_options);
        return help ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    }
    struct sigaction sig = { .sa_handler = on_signal };
    sigaction(SIGINT, &sig, NULL);
    sigaction(SIGTERM, &sig, NULL);
    char *self = realpath("/proc/self/exe", NULL);
    const char *scan_args[] = { "--weak-password-budget", a.budget, NULL };
    sv_jobrun *runs = sv_xcalloc((size_t)a.jobs, sizeof *runs);
    pthread_t *th = sv_xcalloc((size_t)a.jobs, sizeof *th);
    char **names = sv_xcalloc((size_t)a.jobs, sizeof *names);
    for (long i = 0; i < a.jobs; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "worker%ld", i);
        names[i] = sv_worker_name(tag);
        runs[i] = (sv_jobrun){ .store = a.store, .self = self, .worker = names[i],
                               .lease_ms = a.lease * 1000, .idle_ms = 200,
                               .scan_args = a.budget ? scan_args : NULL, .stop = &w_stop };
        pthread_create(&th[i], NULL, run, &runs[i]);
    }
    for (long i = 0; i < a.jobs; i++) {
        pthread_join(th[i], NULL);
        free(names[i]);
    }
    free(names);
    free(th);
    free(runs);
    free(self);
    return CLI_EXIT_OK;
}
