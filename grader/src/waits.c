/* waits.c — a test that only waits leaves its core to another test.

   Many tests spend most of their time asleep: a second's sleep to show that
   a reader blocks, a lock holder killed and a waiter's patience.  The grader
   runs as many tests at once as there are CPUs; while some of them wait, it
   may start more, up to twice as many, so that no core idles while tests
   remain.  A test counts as waiting while its whole tree (its cgroup: the
   runner, the lab process under valgrind, every child) has used less than a
   fifth of one CPU over the last WAIT_WINDOW_MS and none of its tasks was
   ready to run or in uninterruptible sleep when looked at (/proc/TID/stat):
   a test starved by a fork bomb beside it uses little CPU too, but it is
   not waiting, and another test would only starve with it.  The verdict never depends
   on it: limits and patience are scaled for far worse (a CPU hog on every
   core), `make test` grades the class corpus with and without it
   (--no-speedups) and requires identical gradebooks.

   Only with a cgroup per test that counts CPU time (v2, or v1's cpuacct:
   the whole tree's time, however many processes) and only while
   the memory the grader may still use holds one more test at its cap: a
   0.5-CPU, 768 MiB container keeps to one test at a time, and so does a
   grader without a namespace per test. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grader.h"

#define WAIT_WINDOW_MS 200
#define WAIT_CPU_SHARE 0.2

_Atomic int *wait_flag_new(void)
{
    void *p = mmap(NULL, sizeof(_Atomic int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* In the supervisor: its test's processes never get the flag. */
void wait_flag_keep(_Atomic int *flag)
{
    if (flag != NULL)
        madvise((void *) flag, sizeof *flag, MADV_DONTFORK);   /* mmap's page */
}

void wait_flag_free(_Atomic int *flag)
{
    if (flag != NULL)
        munmap(flag, sizeof *flag);
}

bool wait_flag_get(_Atomic int *flag)
{
    return flag != NULL && atomic_load(flag) != 0;
}

/* How many of the cgroup's tasks are running or ready to run (state R),
   or in uninterruptible sleep (D: paging, I/O) right now; -1 if unknown.
   A starved task's CPU time stays still until it runs: its state tells. */
static int busy_tasks(const struct test_cgroup *cg)
{
    char path[PATH_MAX + 32], line[64];
    snprintf(path, sizeof path, "%s/%s", cg->dir[cg->cpu], cg->v2 ? "cgroup.threads" : "tasks");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    int busy = 0;
    long tid;
    while (fgets(line, sizeof line, f) != NULL && sscanf(line, "%ld", &tid) == 1) {
        char stat[64], text[512];
        snprintf(stat, sizeof stat, "/proc/%ld/stat", tid);
        FILE *s = fopen(stat, "re");
        size_t n = s != NULL ? fread(text, 1, sizeof text - 1, s) : 0;
        if (s != NULL)
            fclose(s);
        text[n] = '\0';
        char *end = strrchr(text, ')');     /* after the command name, whatever it holds */
        if (end != NULL && end[1] == ' ' && (end[2] == 'R' || end[2] == 'D'))
            busy++;
    }
    fclose(f);
    return busy;
}

/* Called at every turn of the supervisor's loop: samples the cgroup's CPU
   time every WAIT_WINDOW_MS / 2 (and, when that was low, its tasks' states)
   and sets the flag when both halves of the window were quiet. */
void wait_sample(struct wait_sampler *s, const struct test_cgroup *cg, _Atomic int *flag)
{
    if (flag == NULL)
        return;
    double t = now_s() * 1e3;
    if (s->at_ms > 0 && t - s->at_ms < WAIT_WINDOW_MS / 2)
        return;
    long long usec = cgroup_cpu_usec(cg);
    if (usec < 0)
        return;
    bool quiet = s->at_ms > 0 && (double) (usec - s->usec) / 1e3 < WAIT_CPU_SHARE * (t - s->at_ms);
    /* The tasks only when the CPU time says quiet (a fork bomb's 256 are
       busy by their CPU time alone, read at every sample otherwise). */
    if (quiet) {
        int busy = busy_tasks(cg);
        if (busy < 0)
            return;
        quiet = busy == 0;
    }
    atomic_store(flag, quiet && s->quiet);
    s->quiet = quiet;
    s->at_ms = t;
    s->usec = usec;
}

/* /proc/meminfo's MemAvailable, less what the grader's cgroups let it use. */
static unsigned long long headroom_bytes(void)
{
    unsigned long long avail = 0, kb;
    char line[256];
    FILE *f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            avail = kb << 10;
    if (f)
        fclose(f);
    unsigned long long cg = cgroup_memory_headroom();
    return cg < avail ? cg : avail;
}

bool may_run_beside_waits(const struct options *opt)
{
    /* Without a namespace per test, leftovers are found by snapshots,
       which cannot tell two tests' objects apart: one at a time. */
    return !opt->no_speedups && opt->iso != ISO_NONE && opt->cgroup != NULL &&
           headroom_bytes() >= TEST_MEMORY_MAX;
}
