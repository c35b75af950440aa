/* cgroup.c — one cap on memory and processes for a test's whole tree.

   Rlimits cap each process (address space, CPU time); a test that forks
   six children of 1.5 GiB each still takes 9 GiB.  As root, where the
   kernel has the memory and pids controllers, each test gets a cgroup of
   its own below the grader's (so a container's limits still hold): cgroup
   v2 (memory.max, pids.max, where the grader's cgroup delegates them) or
   v1 (the memory and pids hierarchies).  The test's first process joins it
   before exec (writing "0", itself, to cgroup.procs), so every descendant
   is counted; when the kernel's OOM killer had to act inside it, the test
   is told so.  Where no cgroup can be made, the PID namespace and the
   rlimits remain (see sandbox.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader.h"

/* The grader's own cgroup in a hierarchy: the path after "ID:CONTROLLERS:"
   in /proc/self/cgroup, for controller (or "" for v2's "0::" line). */
static int own_path(const char *controller, char *path, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[PATH_MAX + 64];
    int found = -1;
    while (f && found == -1 && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (b == NULL)
            continue;
        *b = '\0';
        bool v2 = controller[0] == '\0' && a[1] == '\0' && strncmp(line, "0", 1) == 0;
        bool v1 = controller[0] != '\0' && strcmp(a + 1, controller) == 0;
        if (v1 || v2) {
            snprintf(path, len, "%s", strcmp(b + 1, "/") == 0 ? "" : b + 1);
            found = 0;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static int write_value(const char *dir, const char *file, const char *value)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd == -1 ? -1 : write(fd, value, strlen(value));
    if (fd != -1)
        close(fd);
    return n == (ssize_t) strlen(value) ? 0 : -1;
}

/* mkdir base/own/name, set the limits, open its cgroup.procs. */
static int add_dir(struct test_cgroup *cg, const char *base, const char *controller, const char *name,
                   const char *const limits[][2])
{
    char own[PATH_MAX];
    if (cg->n >= CGROUP_DIRS || own_path(controller, own, sizeof own) == -1)
        return -1;
    char *dir = cg->dir[cg->n];
    snprintf(dir, PATH_MAX, "%s%s/%s", base, own, name);
    /* A cgroup under our name can only be a dead supervisor's, left by a
       grader killed before it cleaned up (names carry the pid): rmdir takes
       it if it holds no process, and we make ours afresh. */
    if (mkdir(dir, 0755) == -1 && !(errno == EEXIST && rmdir(dir) == 0 && mkdir(dir, 0755) == 0))
        return -1;
    for (int i = 0; limits[i][0] != NULL; i++)
        if (write_value(dir, limits[i][0], limits[i][1]) == -1) {
            rmdir(dir);
            return -1;
        }
    char procs[PATH_MAX + 16];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
    cg->procs[cg->n] = open(procs, O_WRONLY | O_CLOEXEC);
    if (cg->procs[cg->n] == -1) {
        rmdir(dir);
        return -1;
    }
    cg->n++;
    return 0;
}

int cgroup_create(struct test_cgroup *cg, const char *name, unsigned long memory, int processes)
{
    memset(cg, 0, sizeof *cg);
    cg->cpu = -1;
    char mem[32], pids[32];
    snprintf(mem, sizeof mem, "%lu", memory);
    snprintf(pids, sizeof pids, "%d", processes);
    if (geteuid() != 0)
        return -1;
    struct stat st;
    if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
        const char *const limits[][2] = { { "memory.max", mem }, { "memory.swap.max", "0" },
                                          { "pids.max", pids }, { NULL, NULL } };
        const char *const no_swap_limits[][2] = { { "memory.max", mem }, { "pids.max", pids }, { NULL, NULL } };
        if (add_dir(cg, "/sys/fs/cgroup", "", name, limits) == 0 ||
            add_dir(cg, "/sys/fs/cgroup", "", name, no_swap_limits) == 0) {
            cg->v2 = true;
            cg->cpu = 0;
            return 0;
        }
        return -1;
    }
    const char *const mem_limits[][2] = { { "memory.limit_in_bytes", mem }, { NULL, NULL } };
    const char *const pid_limits[][2] = { { "pids.max", pids }, { NULL, NULL } };
    if (add_dir(cg, "/sys/fs/cgroup/memory", "memory", name, mem_limits) == -1 ||
        add_dir(cg, "/sys/fs/cgroup/pids", "pids", name, pid_limits) == -1) {
        cgroup_remove(cg);
        return -1;
    }
    /* Not a cap: only what tells a test that waits (waits.c), if there. */
    const char *const none[][2] = { { NULL, NULL } };
    if (add_dir(cg, "/sys/fs/cgroup/cpuacct", "cpuacct", name, none) == 0 ||
        add_dir(cg, "/sys/fs/cgroup/cpuacct", "cpu,cpuacct", name, none) == 0)
        cg->cpu = cg->n - 1;
    return 0;
}

/* In the test's first process, before exec: join (every descendant follows). */
int cgroup_join(const struct test_cgroup *cg)
{
    for (int i = 0; i < cg->n; i++)
        if (write(cg->procs[i], "0", 1) != 1)
            return -1;
    return 0;
}

/* Did the kernel's OOM killer act inside the cgroup? */
bool cgroup_oom(const struct test_cgroup *cg)
{
    if (cg->n == 0)
        return false;
    char path[PATH_MAX + 32], line[128];
    snprintf(path, sizeof path, "%s/%s", cg->dir[0], cg->v2 ? "memory.events" : "memory.oom_control");
    FILE *f = fopen(path, "r");
    long kills = 0;
    while (f && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "oom_kill %ld", &kills) == 1)
            break;
    if (f)
        fclose(f);
    return kills > 0;
}

/* After the test's processes are all reaped. */
void cgroup_remove(struct test_cgroup *cg)
{
    for (int i = 0; i < cg->n; i++) {
        close(cg->procs[i]);
        for (int tries = 0; rmdir(cg->dir[i]) == -1 && errno == EBUSY && tries < 50; tries++)
            usleep(10000);      /* the last process is still leaving */
    }
    cg->n = 0;
}

/* Remove the empty cgroups of supervisors that no longer exist, below our
   own cgroup in one hierarchy: a grader that was killed leaves them. */
static void sweep_stale(const char *base, const char *controller)
{
    char own[PATH_MAX], dir[PATH_MAX * 2];
    if (own_path(controller, own, sizeof own) == -1)
        return;
    snprintf(dir, sizeof dir, "%s%s", base, own);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long pid;
        char rest;
        if ((sscanf(e->d_name, "shmlab-test-%ld%c", &pid, &rest) != 1 &&
             sscanf(e->d_name, "shmlab-probe-%ld%c", &pid, &rest) != 1) || pid <= 0)
            continue;
        if (kill((pid_t) pid, 0) == 0 || errno != ESRCH)
            continue;           /* its supervisor lives: not ours to touch */
        char path[PATH_MAX * 3];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rmdir(path);            /* refuses a cgroup that still holds a process */
    }
    if (d)
        closedir(d);
}

/* Can tests be capped here?  Made once and removed, for the report; the
   stale cgroups of killed graders are swept first. */
const char *cgroup_probe(void)
{
    if (geteuid() == 0) {
        struct stat st;
        if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
            sweep_stale("/sys/fs/cgroup", "");
        } else {
            sweep_stale("/sys/fs/cgroup/memory", "memory");
            sweep_stale("/sys/fs/cgroup/pids", "pids");
            sweep_stale("/sys/fs/cgroup/cpuacct", "cpuacct");
            sweep_stale("/sys/fs/cgroup/cpuacct", "cpu,cpuacct");
        }
    }
    struct test_cgroup cg;
    char name[64];
    snprintf(name, sizeof name, "shmlab-probe-%ld", (long) getpid());
    if (cgroup_create(&cg, name, TEST_MEMORY_MAX, TEST_PROCESSES_MAX) == -1)
        return NULL;
    bool v2 = cg.v2;
    cgroup_remove(&cg);
    return v2 ? "cgroup v2" : "cgroup v1";
}

/* The CPU time of the test's whole tree so far (v2's cpu.stat, there with
   or without the cpu controller; v1's cpuacct.usage); -1 without one. */
long long cgroup_cpu_usec(const struct test_cgroup *cg)
{
    if (cg->n == 0 || cg->cpu < 0)
        return -1;
    char path[PATH_MAX + 32], line[128];
    snprintf(path, sizeof path, "%s/%s", cg->dir[cg->cpu], cg->v2 ? "cpu.stat" : "cpuacct.usage");
    if (!cg->v2) {
        double nsec = read_number(path);
        return nsec < 0 ? -1 : (long long) (nsec / 1000);
    }
    FILE *f = fopen(path, "re");
    long long usec = -1;
    while (f && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "usage_usec %lld", &usec) == 1)
            break;
    if (f)
        fclose(f);
    return usec;
}

/* Memory the grader may still use under its own cgroup's and every
   ancestor's limit (the least of limit - usage: v2's memory.max and
   memory.current, v1's memory.limit_in_bytes and memory.usage_in_bytes);
   ULLONG_MAX where none is set. */
unsigned long long cgroup_memory_headroom(void)
{
    char own[PATH_MAX], path[PATH_MAX + 96];
    unsigned long long least = ~0ULL;
    struct stat st;
    bool v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
    const char *base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
    const char *limit = v2 ? "memory.max" : "memory.limit_in_bytes";
    const char *usage = v2 ? "memory.current" : "memory.usage_in_bytes";
    if (own_path(v2 ? "" : "memory", own, sizeof own) == -1)
        return least;
    for (;;) {
        /* v2's "max" (no limit) reads as -1, as a missing file does */
        snprintf(path, sizeof path, "%s%s/%s", base, own, limit);
        double max = read_number(path);
        snprintf(path, sizeof path, "%s%s/%s", base, own, usage);
        double current = read_number(path);
        if (max >= 0 && current >= 0) {
            unsigned long long room = current >= max ? 0 : (unsigned long long) (max - current);
            if (room < least)
                least = room;
        }
        char *slash = strrchr(own, '/');
        if (slash == NULL || own[0] == '\0')
            break;
        *slash = '\0';
    }
    return least;
}
