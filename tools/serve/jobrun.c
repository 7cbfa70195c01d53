/* The job loop: see jobrun.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <imgbaseline/store.h>

#include "jobrun.h"
#include "sv_util.h"

char *sv_worker_name(const char *tag)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    return sv_xasprintf("%s:%ld:%s", host, (long)getpid(), tag);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Run the scan child; its first stderr line (the error) goes to `err`. */
static int run_child(const sv_jobrun *r, imgb_store *s, const imgb_job *job, char *err,
                     size_t errlen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot start the scan: %s", strerror(errno));
        return -1;
    }
    const char *argv[32];
    size_t n = 0;
    argv[n++] = r->self;
    argv[n++] = "scan";
    argv[n++] = job->path;
    argv[n++] = "--store";
    argv[n++] = r->store;
    argv[n++] = "--tenant";
    argv[n++] = job->tenant;
    argv[n++] = "--job";
    argv[n++] = job->id;
    argv[n++] = "--worker";
    argv[n++] = r->worker;
    argv[n++] = "--format";
    argv[n++] = "json";
    argv[n++] = "-q";
    argv[n++] = "--ignore-file";
    argv[n++] = "/dev/null";
    for (size_t i = 0; r->scan_args && r->scan_args[i] && n < 31; i++)
        argv[n++] = r->scan_args[i];
    argv[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        snprintf(err, errlen, "cannot start the scan: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* The scan dies with its worker: a killed worker leaves no orphan to finish the job
         * after its lease went to another worker (that one would be refused anyway). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(pfd[1], STDERR_FILENO);
        /* The report is in the store; the child's stdout goes nowhere. */
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execv(r->self, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    fcntl(pfd[0], F_SETFL, O_NONBLOCK);
    size_t got = 0;
    err[0] = '\0';
    int64_t renew_every = r->lease_ms / 3 > 0 ? r->lease_ms / 3 : 1000;
    int64_t next = imgb_store_now_ms() + renew_every;
    int status = 0;
    bool lost = false;
    for (;;) {
        char buf[512];
        ssize_t k;
        while ((k = read(pfd[0], buf, sizeof buf)) > 0)
            for (ssize_t i = 0; i < k; i++)
                if (got + 1 < errlen && buf[i] != '\n' && (got == 0 || err[got - 1] != '\n'))
                    err[got++] = buf[i], err[got] = '\0';
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (imgb_store_now_ms() >= next) {
            next = imgb_store_now_ms() + renew_every;
            if (imgb_store_job_renew(s, job->id, r->worker, r->lease_ms) == 0) {
                /* Lost the job (we were too slow): stop scanning it. */
                kill(pid, SIGKILL);
                lost = true;
            }
        }
        sleep_ms(50);
    }
    close(pfd[0]);
    if (lost)
        return -2;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 2 && WEXITSTATUS(status) != 127)
        return 0; /* 0 or 1 (findings): recorded */
    if (!err[0])
        snprintf(err, errlen, "the scan ended abnormally (%s %d)",
                 WIFSIGNALED(status) ? "signal" : "status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return -1;
}

int sv_jobrun_loop(const sv_jobrun *r)
{
    imgb_store *s = NULL;
    if (imgb_store_open(&s, r->store) < 0) {
        fprintf(stderr, "imgbaseline: worker: %s\n", imgb_error_last());
        return -1;
    }
    while (!*r->stop) {
        imgb_job job;
        int c = imgb_store_job_claim(s, r->worker, r->lease_ms, &job);
        if (c < 0) {
            fprintf(stderr, "imgbaseline: worker: %s\n", imgb_error_last());
            sleep_ms(r->idle_ms);
            continue;
        }
        if (c == 0) {
            sleep_ms(r->idle_ms);
            continue;
        }
        char err[512];
        int rc = run_child(r, s, &job, err, sizeof err);
        if (rc == -1) {
            const char *msg = strncmp(err, "imgbaseline: ", 13) ? err : err + 13;
            imgb_store_job_fail(s, job.id, r->worker, msg);
        }
        if (job.remove_after && rc != -2)
            unlink(job.path);
        imgb_job_dispose(&job);
    }
    imgb_store_close(s);
    return 0;
}
