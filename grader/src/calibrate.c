/* calibrate.c — how much slower than the developers' machine this one runs
   right now, measured once per grading run.

   A verdict must not depend on the machine: a test that waits for another
   process, and the grader's own time limit, must give a slow CPU, a loaded
   machine or a 0.5-CPU container the same verdict as a fast idle one.  So
   the grader times a fixed workload (this program run with
   --calibrate-workload: memory, copies, system calls, a fork) natively and
   under valgrind, opt->jobs copies at once as the tests will run, and
   divides by what the same took on the reference machine.  The factors
   (never below 1) scale every time limit and reach the tests as
   LABTEST_SLOWDOWN, which scales their patience (labtest.h).

   Reference: Intel Xeon, 2 vCPU, Debian 12, idle, valgrind 3.19. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

#define REF_NATIVE_S 0.040     /* the workload, natively, on the reference machine */
#define REF_VALGRIND_S 0.90    /* the same under memcheck, start-up included */

/* The workload: 128 MiB of copies, 50000 pipe round trips, a fork. */
int calibrate_workload(void)
{
    size_t len = 4 << 20;
    char *a = malloc(len), *b = malloc(len);
    int p[2];
    if (a == NULL || b == NULL || pipe(p) == -1)
        return 1;
    memset(a, 1, len);
    for (int i = 0; i < 32; i++) {
        memcpy(b, a, len);
        a[i] = b[len - 1 - (size_t) i];
    }
    char c = 0;
    for (int i = 0; i < 50000; i++)
        if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
            return 1;
    free(a);            /* before the fork: its child leaks nothing under memcheck */
    free(b);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
    return 0;
}

/* Run `copies` workloads at once (under valgrind or not); the slowest one's
   wall time, or -1. */
static double time_workload(const char *self, bool valgrind, int copies)
{
    pid_t pids[64];
    double start = now_s();
    int n = 0;
    for (; n < copies && n < 64; n++) {
        pids[n] = fork();
        if (pids[n] == -1)
            break;
        if (pids[n] == 0) {
            if (!valgrind)
                _exit(calibrate_workload());
            if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
                _exit(127);
            execlp("valgrind", "valgrind", "-q", "--tool=memcheck", "--vgdb=no", self,
                   "--calibrate-workload", (char *) NULL);
            _exit(127);
        }
    }
    bool ok = n > 0;
    for (int i = 0; i < n; i++) {
        int status;
        ok &= waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return ok ? now_s() - start : -1;
}

/* "cpu,cpuacct" up to end: does this v1 line of /proc/self/cgroup name the cpu controller? */
static bool has_cpu_controller(const char *list, const char *end)
{
    for (const char *w = list; w < end;) {
        size_t n = strcspn(w, ",:");
        if (n == 3 && strncmp(w, "cpu", 3) == 0)
            return true;
        w += n + 1;
    }
    return false;
}

/* The CPUs this process may use: its affinity mask, and the CPU quota of
   its cgroup (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us). */
double available_cpus(void)
{
    cpu_set_t set;
    double cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    char path[PATH_MAX], line[512];
    FILE *f = fopen("/proc/self/cgroup", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *rel = strrchr(line, ':'), *ctrl = strchr(line, ':');
        if (rel == NULL || ctrl == NULL)
            continue;
        double quota = -1, period = -1;
        if (strncmp(line, "0::", 3) == 0) {
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", rel + 1);
            FILE *c = fopen(path, "r");
            if (c != NULL && fscanf(c, "%lf %lf", &quota, &period) != 2)
                quota = -1;
            if (c != NULL)
                fclose(c);
        } else if (has_cpu_controller(ctrl + 1, rel)) {
            const char *mounts[] = { "cpu", "cpu,cpuacct", "cpuacct,cpu" };
            for (size_t m = 0; m < 3 && (quota <= 0 || period <= 0); m++) {
                snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s/cpu.cfs_quota_us", mounts[m], rel + 1);
                quota = read_number(path);
                snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s/cpu.cfs_period_us", mounts[m], rel + 1);
                period = read_number(path);
            }
        }
        if (quota > 0 && period > 0 && quota / period < cpus)
            cpus = quota / period;
    }
    if (f != NULL)
        fclose(f);
    return cpus;
}

/* seconds against the reference's, but never below share (which is >= 1). */
static double factor(double seconds, double reference, double share)
{
    double s = seconds / reference;
    return s > share ? s : share;
}

void calibrate(struct options *opt, const char *self)
{
    double cpus = available_cpus();
    /* More copies than CPUs: each gets its share, so time them that way. */
    double share = opt->jobs > cpus ? opt->jobs / cpus : 1;
    if (opt->slowdown_native <= 0) {
        double t = time_workload(self, false, opt->jobs);
        opt->slowdown_native = factor(t > 0 ? t : REF_NATIVE_S, REF_NATIVE_S, share);
    }
    if (opt->slowdown_valgrind <= 0) {
        double t = opt->sanitize ? -1 : time_workload(self, true, opt->jobs);
        opt->slowdown_valgrind = t > 0 ? factor(t, REF_VALGRIND_S, share) : opt->slowdown_native;
    }
}
