/* sandbox.c — run one test as its own process and report what happened.

   grader ── fork ──► supervisor (grader code: trusted)
                        enters a fresh IPC namespace, becomes a subreaper,
                        ── fork ──► test process group: rlimits, private
                                    folder, ./runner --run NAME (trusted:
                                    no student code), which starts
                                    valgrind ./labproc (lab.c) itself
                        waits with a wall-clock deadline, kills the whole
                        group (and any orphan it inherited), counts the System
                        V objects left in the namespace, writes a report to
                        the grader through a pipe, exits — and the namespace
                        with its leftovers vanishes.

   The test's own result record comes through a pipe only the runner holds
   (the lab process never gets it); stdout/stderr go to log files that are
   kept and never parsed.  Valgrind's XML and log come through two sockets
   the lab process cannot touch (split-protocol.h): the supervisor files
   each message by its sender's pid in OUT/LAB/valgrind/TEST/, a folder the
   test never sees, so no lab process, forked or not, can hide a report. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"
#include "../runner/split-protocol.h"   /* LT_VG_*: where valgrind writes */

#define RESULT_FD 3               /* where the runner writes its record */
#define SANDBOX_UID_BASE 200000   /* as root, a test runs as this + supervisor pid */
#define MAX_ADDRESS_SPACE (2UL << 30)  /* valgrind included: no memory hog */
#define VALGRIND_STARTUP_S 3.0    /* added to every limit under valgrind */
#define MAX_IPC 64                /* objects remembered per snapshot */
#define REPORT_MAX 8192

struct job {
    const struct options *opt;
    struct lab *lab;
    struct test *test;
    pid_t supervisor;
    int fd;                       /* read end of the supervisor's report */
    char report[REPORT_MAX];
    size_t len;
    char dir[PATH_MAX];           /* the test's private folder and logs */
    char vg_dir[PATH_MAX];        /* valgrind's reports: the supervisor's alone */
    _Atomic int *waiting;         /* set by the supervisor while the test only waits */
};

/* In the supervisor: valgrind's two sockets (read ends; write ends), -1
   when the test runs without valgrind. */
static int vg_read[2] = { -1, -1 }, vg_write[2] = { -1, -1 };

/* In the supervisor: the test's cgroup (n == 0 without one). */
static struct test_cgroup test_cg;

const char *isolation_name(enum isolation iso)
{
    switch (iso) {
    case ISO_NAMESPACE: return "IPC namespace per test";
    case ISO_USER_NAMESPACE: return "user+IPC namespace per test";
    default: return geteuid() == 0 ? "no namespace: leftovers found by the test's own uid"
                                   : "no namespace: leftovers found by before/after snapshot";
    }
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd != -1) {
        if (write(fd, text, strlen(text)) == -1) { /* checked by the caller's unshare result */ }
        close(fd);
    }
}

/* Move the calling process into a new IPC namespace; -1 if the kernel (or a
   container) refuses.  Without root, a user namespace grants the right. */
static int enter_namespace(enum isolation iso)
{
    if (iso == ISO_NAMESPACE) {
        int rc = unshare(CLONE_NEWIPC);
        if (rc == 0)
            unshare(CLONE_NEWNET);      /* no network: loopback only, and down */
        return rc;
    }
    if (iso != ISO_USER_NAMESPACE)
        return -1;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) == -1)
        return -1;
    unshare(CLONE_NEWNET);
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%ld %ld 1", (long) uid, (long) uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "%ld %ld 1", (long) gid, (long) gid);
    write_file("/proc/self/gid_map", map);
    return 0;
}

enum isolation probe_isolation(void)
{
    enum isolation want = geteuid() == 0 ? ISO_NAMESPACE : ISO_USER_NAMESPACE;
    pid_t pid = fork();
    if (pid == -1)
        return ISO_NONE;
    if (pid == 0)
        _exit(enter_namespace(want) == 0 ? 0 : 1);
    int status;
    if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ISO_NONE;
    return want;
}

/* In a mount namespace of its own (after enter_namespace), give the test
   a private /tmp and /dev/shm (fresh tmpfs: nothing it leaves there
   persists) and its folder at TEST_DIR, then make that the working folder.
   Whatever the grader's --out is (a folder inside a 0700 mktemp -d, say),
   the sandbox uid can reach TEST_DIR: valgrind opens its XML files by
   absolute path.  -1 if the kernel refuses (the caller then works in
   dir itself). */
#define TEST_DIR "/tmp/test"
#define MAX_HIDDEN 9

/* May path be covered?  Never "/" nor a folder holding the system itself. */
static bool may_hide(const char *path)
{
    static const char *const system[] = { "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc",
                                          "/proc", "/dev", "/sys", "/tmp", NULL };
    if (path[0] != '/' || path[1] == '\0')
        return false;
    for (int i = 0; system[i] != NULL; i++) {
        size_t n = strlen(path);
        if (strncmp(system[i], path, n) == 0 && (system[i][n] == '\0' || system[i][n] == '/'))
            return false;           /* path is that folder or holds it */
    }
    return true;
}

/* What the test must not see: the kit (solutions, hidden tests, the
   grader), the submission (and the class: other students), the results,
   the instructor's home.  Each becomes an empty read-only tmpfs; /tmp is
   already a fresh one.  Resolved before /tmp is covered (they may be in it). */
static int host_paths(const struct options *opt, char hide[][PATH_MAX])
{
    const char *want[] = { opt->courseware, opt->submission, opt->class_dir, opt->out, opt->trusted,
                           getenv("HOME"), "/root", "/home", NULL };
    int n = 0;
    for (int i = 0; want[i] != NULL && n < MAX_HIDDEN; i++) {
        struct stat st;
        if (want[i][0] != '\0' && realpath(want[i], hide[n]) != NULL && may_hide(hide[n]) &&
            stat(hide[n], &st) == 0 && S_ISDIR(st.st_mode))
            n++;
    }
    return n;
}

static int private_mounts(const struct options *opt, const char *dir)
{
    char hide[MAX_HIDDEN][PATH_MAX];
    int nhide = host_paths(opt, hide);
    if (unshare(CLONE_NEWNS) == -1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
        return -1;
    /* Before anything is covered: the copies are in opt->trusted. */
    bind_symbols();
    /* Opened in the new namespace (a bind from the old one is EINVAL), and
       before /tmp is covered: dir may well be under /tmp. */
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    char self[64];
    if (fd == -1)
        return -1;
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int rc = mount("shmlab-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=512m") == -1 ||
             mkdir(TEST_DIR, 0755) == -1 ||
             mount(self, TEST_DIR, NULL, MS_BIND, NULL) == -1 ||
             chdir(TEST_DIR) == -1 ? -1 : 0;
    close(fd);
    /* 64 MiB, Docker's (and so Gradescope's) default: a test that fills it
       meets ENOSPC before the file size limit (RLIMIT_FSIZE, 256 MiB). */
    if (rc == 0 && access("/dev/shm", F_OK) == 0)
        mount("shmlab-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m");
    for (int i = 0; rc == 0 && i < nhide; i++)
        if (strncmp(hide[i], "/tmp/", 5) != 0 &&
            mount("shmlab-hidden", hide[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=0755,size=4k") == -1 && errno != ENOENT)
            rc = -1;            /* better no test than one that sees the kit (ENOENT: it
                                   was inside one covered already) */
    return rc;
}

int sandbox_enter_folder(const struct options *opt, const char *dir)
{
    if (opt->iso != ISO_NONE && enter_namespace(opt->iso) == 0 && private_mounts(opt, dir) == 0)
        return 0;
    return chdir(dir);
}

/* As root, a uid of this process's own (its pid is unique while it lives)
   that owns nothing on the machine. */
uid_t sandbox_uid(void)
{
    return geteuid() == 0 ? (uid_t) (SANDBOX_UID_BASE + getpid()) : 0;
}

/* ---- System V and POSIX objects visible here (this namespace) ---------- */

/* kind 'm', 's', 'q': System V (id, key); 'p', 'S': a POSIX shared memory
   object or semaphore, a file in /dev/shm (name). */
struct ipc_obj { char kind; int id; long long key; long cuid; char name[NAME_MAX + 1]; };

/* Each table's file, and which column holds the creator's uid. */
static const struct { char kind; const char *file, *what; int cuid_column; } ipc_tables[] = {
    { 'm', "/proc/sysvipc/shm", "shared memory segment", 10 },
    { 's', "/proc/sysvipc/sem", "semaphore set", 7 },
    { 'q', "/proc/sysvipc/msg", "message queue", 10 },
};

/* The POSIX objects in /dev/shm (in the sandbox a tmpfs of the test's
   own): shm_open's NAME and sem_open's sem.NAME, added to objs from *n. */
static void list_posix(struct ipc_obj *objs, int max, int *n)
{
    DIR *d = opendir("/dev/shm");
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
            continue;
        if (*n < max) {
            objs[*n] = (struct ipc_obj) { strncmp(e->d_name, "sem.", 4) == 0 ? 'S' : 'p', -1, 0,
                                          (long) st.st_uid, "" };
            snprintf(objs[*n].name, sizeof objs[*n].name, "%s", e->d_name);
        }
        (*n)++;
    }
    closedir(d);
}

/* List the shm ('m'), sem ('s') and msg ('q') objects of this namespace,
   and the POSIX ones in /dev/shm ('p', 'S'); returns how many (only the
   first max are stored). */
static int list_ipc(struct ipc_obj *objs, int max)
{
    int n = 0;
    for (size_t t = 0; t < sizeof ipc_tables / sizeof ipc_tables[0]; t++) {
        FILE *f = fopen(ipc_tables[t].file, "r");
        if (f == NULL)
            continue;
        char line[512];
        if (fgets(line, sizeof line, f) == NULL) {  /* the header */
            fclose(f);
            continue;
        }
        while (fgets(line, sizeof line, f) != NULL) {
            long long key;
            int id;
            if (sscanf(line, "%lld %d", &key, &id) != 2)
                continue;
            char *word = strtok(line, " \t");
            for (int col = 1; word != NULL && col < ipc_tables[t].cuid_column; col++)
                word = strtok(NULL, " \t");
            if (n < max)
                objs[n] = (struct ipc_obj) { ipc_tables[t].kind, id, key, word ? atol(word) : -1, "" };
            n++;
        }
        fclose(f);
    }
    list_posix(objs, max, &n);
    return n;
}

/* "shared memory segment id 3 key 0x00000000, semaphore set id 0 key …" */
static void describe_ipc(const struct ipc_obj *objs, int n, char *text, size_t len)
{
    text[0] = '\0';
    for (int i = 0; i < n && strlen(text) + 100 < len; i++) {
        if (objs[i].kind == 'p' || objs[i].kind == 'S') {
            const char *name = objs[i].name + (objs[i].kind == 'S' ? 4 : 0);
            snprintf(text + strlen(text), len - strlen(text), "%sPOSIX %s /%.60s (/dev/shm/%.60s)",
                     i ? ", " : "", objs[i].kind == 'S' ? "semaphore" : "shared memory object", name,
                     objs[i].name);
            continue;
        }
        const char *what = "object";
        for (size_t t = 0; t < sizeof ipc_tables / sizeof ipc_tables[0]; t++)
            if (ipc_tables[t].kind == objs[i].kind)
                what = ipc_tables[t].what;
        snprintf(text + strlen(text), len - strlen(text), "%s%s id %d key 0x%08llx",
                 i ? ", " : "", what, objs[i].id, (unsigned long long) objs[i].key & 0xffffffffULL);
    }
}

static void remove_ipc(const struct ipc_obj *o)
{
    if (o->kind == 'p' || o->kind == 'S') {
        char path[sizeof o->name + 16];
        snprintf(path, sizeof path, "/dev/shm/%s", o->name);
        unlink(path);
    } else if (o->kind == 'm')
        shmctl(o->id, IPC_RMID, NULL);
    else if (o->kind == 's')
        semctl(o->id, 0, IPC_RMID);
    else
        msgctl(o->id, IPC_RMID, NULL);
}

/* ---- the test process ---------------------------------------------------- */

/* The sanitizer build, and a lab's @leaderboard test (it measures speed
   and carries no points), run without valgrind. */
static bool without_valgrind(const struct job *job)
{
    return job->opt->sanitize || job->test->native || job->test->tsan;
}

/* The wall-clock limit, scaled by how slow this machine is right now. */
static double limit_seconds(const struct job *job)
{
    if (without_valgrind(job))
        return job->lab->timeout_s * 2 * job->opt->slowdown_native;
    return (job->lab->timeout_s * job->opt->timeout_scale + VALGRIND_STARTUP_S) *
           job->opt->slowdown_valgrind;
}

/* Set in the supervisor for the second run of a test that timed out under
   valgrind: the same test, natively, to tell "hangs" from "too slow". */
static bool run_native;

/* Build the command: the runner natively (it links no student code), which
   starts the lab process given after "--": valgrind ./labproc (or the
   sanitizer build alone, or natively for the rerun of a timeout). */
static void test_command(const struct job *job, const char **argv, char *runner, bool for_human)
{
    int n = 0;
    /* Hard links in the test's own folder: the test, dropped to an
       unprivileged uid, never needs to traverse the grader's folders. */
    snprintf(runner, PATH_MAX, "./runner");
    argv[n++] = runner;
    argv[n++] = "--run";
    argv[n++] = job->test->name;
    argv[n++] = "--result-fd";
    argv[n++] = "3";
    argv[n++] = "--";
    if (!without_valgrind(job) && !run_native) {
        argv[n++] = "valgrind";
        argv[n++] = "-q";
        argv[n++] = "--tool=memcheck";
        argv[n++] = "--xml=yes";
        /* valgrind's own messages apart from the test's stderr, so that
           nothing the test prints can pass for them; both to the sockets
           the supervisor reads (files, for a rerun by hand) */
        argv[n++] = for_human ? "--xml-file=vg.%p.xml" : "--xml-fd=" LT_STR(LT_VG_XML_FD);
        argv[n++] = for_human ? "--log-file=valgrind.%p.log" : "--log-fd=" LT_STR(LT_VG_LOG_FD);
        argv[n++] = "--leak-check=full";
        argv[n++] = "--show-leak-kinds=definite,indirect";
        argv[n++] = "--errors-for-leak-kinds=definite,indirect";
        /* The lab process's exit status says whether memcheck found
           errors: the runner sees it even if the test's code deleted its
           own report (grader/runner/split-protocol.h). */
        argv[n++] = "--error-exitcode=99";
        argv[n++] = "--num-callers=30";
        /* No gdbserver: its /tmp/vgdb-pipe-* files are named by pid and user
           name, and sandbox uids have no name, so a file a killed test left
           behind makes a later test with the same pid fail to start. */
        argv[n++] = "--vgdb=no";
    }
    argv[n++] = job->test->tsan ? "./labproc-tsan" : "./labproc";
    argv[n] = NULL;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = { value, value };
    setrlimit(resource, &rl);
}

/* In the forked child: become the test process.  Never returns.  uid 0
   means "stay who we are" (the grader is not root: the user namespace is the
   sandbox). */
static void exec_test(const struct job *job, int result_w, uid_t uid)
{
    const char *argv[24];
    char runner[PATH_MAX];
    setpgid(0, 0);
    test_command(job, argv, runner, false);

    rlim_t cpu = (rlim_t) limit_seconds(job) + 5;
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_CPU, cpu);
    set_limit(RLIMIT_FSIZE, 256UL << 20);

    int in = open("/dev/null", O_RDONLY);
    int out = open(run_native ? "native-stdout.log" : "stdout.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(run_native ? "native-stderr.log" : "stderr.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in == -1 || out == -1 || err == -1)
        _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    if (result_w != RESULT_FD) {
        dup2(result_w, RESULT_FD);
        close(result_w);
    }
    bool valgrind = vg_write[0] >= 0;
    if (valgrind) {
        set_limit(RLIMIT_NOFILE, LT_NOFILE);
        if (dup2(vg_write[0], LT_VG_XML_FD) == -1 || dup2(vg_write[1], LT_VG_LOG_FD) == -1)
            _exit(126);
    }
    close_range(RESULT_FD + 1, valgrind ? LT_VG_XML_FD - 1 : ~0U, 0);
    if (uid != 0) {
        set_limit(RLIMIT_NPROC, TEST_PROCESSES_MAX);    /* its uid is its own */
        if (setgroups(0, NULL) == -1 || setgid(uid) == -1 || setuid(uid) == -1) {
            dprintf(STDERR_FILENO, "grader: cannot drop to uid %ld: %s\n", (long) uid, strerror(errno));
            _exit(126);
        }
    }
    setenv("CK_FORK", "no", 1);
    char slowdown[32];
    snprintf(slowdown, sizeof slowdown, "%.3f",
             without_valgrind(job) ? job->opt->slowdown_native : job->opt->slowdown_valgrind);
    setenv("LABTEST_SLOWDOWN", slowdown, 1);
    setenv("ASAN_OPTIONS", "log_path=asan:detect_leaks=1", 1);
    setenv("UBSAN_OPTIONS", "log_path=ubsan:print_stacktrace=1", 1);
    /* A race stops the lab process at once with LT_TSAN_RACE: the runner
       sees the call fail; the report goes to tsan.PID in the test's folder. */
    setenv("TSAN_OPTIONS", "halt_on_error=1:exitcode=" LT_STR(LT_TSAN_RACE) ":log_path=tsan:report_signal_unsafe=0", 1);
    if (job->test->tsan)
        personality(ADDR_NO_RANDOMIZE);     /* ThreadSanitizer's memory layout wants it on some kernels */
    /* Last, right before exec: nothing here may allocate under the limit.
       ASan maps terabytes of shadow, so the sanitizer build goes without. */
    if (!job->opt->sanitize && !job->test->tsan && !run_native)
        set_limit(RLIMIT_AS, MAX_ADDRESS_SPACE);
    execvp(argv[0], (char *const *) argv);
    dprintf(STDERR_FILENO, "grader: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Kill every process this subreaper has inherited, then reap them all. */
static void kill_and_reap(pid_t group)
{
    for (int round = 0; round < 250; round++) {
        kill(-group, SIGKILL);
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (f == NULL)
                continue;
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            char *close_paren = strrchr(buf, ')');
            int ppid;
            if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
                kill(atoi(e->d_name), SIGKILL);
        }
        if (d)
            closedir(d);
        pid_t w;
        while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (w == -1 && errno == ECHILD)
            return;
        struct timespec nap = { 0, 20 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
}

static double since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - start->tv_sec) + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

static volatile sig_atomic_t test_group;

/* The grader was interrupted or died: take the test's processes along. */
static void on_stop(int sig)
{
    (void) sig;
    if (test_group > 0)
        kill(-test_group, SIGKILL);
    _exit(1);
}

/* Fork the test process (its own group, the one on_stop kills), its record
   going to result[1]; the parent keeps only result[0].  -1 if fork fails. */
/* Set when the test process is the first of a PID namespace of its own:
   it is pid 1 there (its record says so), a signal from inside cannot kill
   it, and when it ends the kernel kills everything left in the namespace:
   orphans, setsid() storms, the lot. */
static bool own_pid_namespace;

/* fork(), into a fresh PID namespace where the kernel allows it. */
static pid_t fork_test(bool namespaces)
{
    if (namespaces) {
        pid_t pid = (pid_t) syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid != -1) {
            own_pid_namespace = true;
            return pid;
        }
    }
    own_pid_namespace = false;
    return fork();
}

/* In the test process, first of its PID namespace: a /proc of that
   namespace (in a mount namespace of its own, so the supervisor keeps its
   view), so that the pids tests see and the ones /proc shows agree. */
static void own_proc(void)
{
    if (unshare(CLONE_NEWNS) == -1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1) {
        dprintf(STDERR_FILENO, "grader: cannot mount /proc for the test's PID namespace: %s\n",
                strerror(errno));
        _exit(126);
    }
}

static pid_t spawn_test(const struct job *job, uid_t uid, FILE *out, int result[2], bool namespaces)
{
    pid_t child = fork_test(namespaces);
    if (child == 0) {
        fclose(out);
        close(result[0]);
        if (cgroup_join(&test_cg) == -1) {
            dprintf(STDERR_FILENO, "grader: cannot join the test's cgroup: %s\n", strerror(errno));
            _exit(126);
        }
        if (own_pid_namespace)
            own_proc();
        exec_test(job, result[1], uid);
    }
    if (child > 0) {
        setpgid(child, child);
        test_group = child;
    }
    close(result[1]);
    return child;
}

/* Is line the test process's own record ("PID ...": its pid as we know it,
   or 1 inside its own PID namespace)?  rest: after the pid. */
static bool is_test_record(const char *line, pid_t child, char **rest)
{
    long pid = strtol(line, rest, 10);
    return **rest == ' ' && (pid == (long) child || (own_pid_namespace && pid == 1));
}

/* The test timed out under valgrind: run it once more natively, in the same
   folder and namespace (emptied of the first run's objects), and report
   "native pass|fail|crash|timeout SECONDS [MESSAGE]". */
static void native_rerun(const struct job *job, uid_t uid, FILE *out)
{
    struct ipc_obj objs[MAX_IPC];
    int n = list_ipc(objs, MAX_IPC);
    for (int i = 0; i < n && i < MAX_IPC; i++)
        remove_ipc(&objs[i]);
    int result[2];
    if (pipe(result) == -1)
        return;
    run_native = true;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t child = spawn_test(job, uid, out, result, true);
    if (child == -1) {
        close(result[0]);
        return;
    }
    double limit = job->lab->timeout_s * 2 * job->opt->slowdown_native;
    int status = 0, timed_out = 0;
    while (waitpid(child, &status, WNOHANG) != child) {
        if (since(&start) > limit) {
            timed_out = 1;
            kill(-child, SIGKILL);
            waitpid(child, &status, 0);
            break;
        }
        struct timespec nap = { 0, 10 * 1000 * 1000 };
        nanosleep(&nap, NULL);
    }
    double seconds = since(&start);
    kill_and_reap(child);
    fcntl(result[0], F_SETFL, O_NONBLOCK);
    char records[2048];
    ssize_t got = read(result[0], records, sizeof records - 1);
    records[got > 0 ? got : 0] = '\0';
    close(result[0]);
    const char *what = timed_out ? "timeout" : WIFSIGNALED(status) ? "crash" : "fail";
    const char *msg = "";
    for (char *line = strtok(records, "\n"); line && !timed_out; line = strtok(NULL, "\n")) {
        char *rest;
        if (is_test_record(line, child, &rest)) {
            if (strcmp(rest + 1, "pass") == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                what = "pass";
            else if (strncmp(rest + 1, "fail ", 5) == 0)
                msg = rest + 6;
            break;
        }
    }
    fprintf(out, "native %s %.3f %.300s\n", what, seconds, msg);
}

/* ---- valgrind's reports, filed by sender ------------------------------------ */

#define VG_OPEN 64                /* report files kept open at once (a cache) */
#define VG_FILES_MAX 4096         /* reports per test: beyond, the test is unchecked */

static struct vg_file { pid_t pid; int fd; long bytes; } vg_files[2][VG_OPEN];
static int vg_next[2], vg_count[2];
static bool vg_overflow;          /* a report could not be kept */
static int vg_dirfd = -1;

/* Two SOCK_SEQPACKET pairs that pass the sender's credentials: one message
   per write of valgrind's, with the pid that wrote it. */
static int open_vg_sockets(const char *vg_dir)
{
    vg_dirfd = open(vg_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (int k = 0; k < 2; k++) {
        int sv[2], on = 1;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
            setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == -1)
            return -1;
        fcntl(sv[0], F_SETFL, O_NONBLOCK);
        vg_read[k] = sv[0];
        vg_write[k] = sv[1];
    }
    return vg_dirfd >= 0 ? 0 : -1;
}

/* Append every waiting message to vg.PID.xml / valgrind.PID.log, each
   bounded like any file the grader reads. */
static void file_vg_messages(void)
{
    static char buf[65536];
    for (int k = 0; k < 2; k++) {
        for (;;) {
            char control[CMSG_SPACE(sizeof(struct ucred))];
            struct iovec io = { buf, sizeof buf };
            struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1,
                                 .msg_control = control, .msg_controllen = sizeof control };
            ssize_t n = vg_read[k] >= 0 ? recvmsg(vg_read[k], &mh, MSG_DONTWAIT) : -1;
            if (n <= 0)
                break;
            pid_t pid = 0;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                    struct ucred cred;
                    memcpy(&cred, CMSG_DATA(c), sizeof cred);
                    pid = cred.pid;
                }
            if (pid <= 0)
                continue;
            struct vg_file *f = NULL;
            for (int i = 0; i < VG_OPEN && f == NULL; i++)
                if (vg_files[k][i].pid == pid)
                    f = &vg_files[k][i];
            if (f == NULL) {
                /* A process not among the open ones: the slot opened
                   longest ago (round robin) is closed, its file staying,
                   and this one's file opened, new or to append to; the
                   folder starts empty for every test. */
                f = &vg_files[k][vg_next[k]];
                vg_next[k] = (vg_next[k] + 1) % VG_OPEN;
                if (f->pid != 0 && f->fd >= 0)
                    close(f->fd);
                char name[64];
                snprintf(name, sizeof name, k == 0 ? "vg.%ld.xml" : "valgrind.%ld.log", (long) pid);
                f->pid = pid;
                f->fd = openat(vg_dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
                struct stat st;
                f->bytes = f->fd >= 0 && fstat(f->fd, &st) == 0 ? (long) st.st_size : 0;
                if (f->bytes == 0 && ++vg_count[k] > VG_FILES_MAX && k == 0) {
                    close(f->fd);
                    f->fd = -1;
                }
            }
            if (f->fd >= 0 && f->bytes + n <= TEST_FILE_MAX && write(f->fd, buf, (size_t) n) == n)
                f->bytes += n;
            else if (k == 0)
                vg_overflow = true;     /* an XML report lost: the test cannot count as checked */
        }
    }
}

/* The supervisor's life: run the test, then write the report to out_fd. */
static void supervise(const struct job *job, enum isolation iso, int out_fd)
{
    FILE *out = fdopen(out_fd, "w");
    if (out == NULL)
        _exit(1);
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    signal(SIGHUP, on_stop);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    wait_flag_keep(job->waiting);
    if (iso != ISO_NONE && enter_namespace(iso) == -1)
        iso = ISO_NONE;
    struct ipc_obj before[MAX_IPC];
    int nbefore = iso == ISO_NONE ? list_ipc(before, MAX_IPC) : 0;

    int result[2];
    /* Before the mounts hide the results folder from this process too. */
    if (!without_valgrind(job) && open_vg_sockets(job->vg_dir) == -1) {
        fprintf(out, "error cannot prepare %s for valgrind's reports: %s\n", job->vg_dir, strerror(errno));
        _exit(0);
    }
    if ((iso == ISO_NONE || private_mounts(job->opt, job->dir) == -1) && chdir(job->dir) == -1) {
        fprintf(out, "error cannot enter %s: %s\n", job->dir, strerror(errno));
        _exit(0);
    }
    if (pipe(result) == -1) {
        fprintf(out, "error cannot prepare %s: %s\n", job->dir, strerror(errno));
        _exit(0);
    }
    /* As root, the test runs as a uid of its own that owns only this
       folder: it cannot touch the results, the other tests or the grader. */
    uid_t uid = sandbox_uid();
    if (uid != 0 && chown(".", uid, uid) == -1) {
        fprintf(out, "error chown %s: %s\n", job->dir, strerror(errno));
        _exit(0);
    }
    if (job->opt->cgroup) {
        char name[64];
        snprintf(name, sizeof name, "shmlab-test-%ld", (long) getpid());
        if (cgroup_create(&test_cg, name, TEST_MEMORY_MAX, TEST_PROCESSES_MAX) == -1) {
            fprintf(out, "error cannot make the test's %s: %s\n", job->opt->cgroup, strerror(errno));
            _exit(0);
        }
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t child = spawn_test(job, uid, out, result, iso != ISO_NONE);
    if (child == -1) {
        fprintf(out, "error fork: %s\n", strerror(errno));
        _exit(0);
    }
    for (int k = 0; k < 2; k++)
        if (vg_write[k] >= 0) {
            close(vg_write[k]);
            vg_write[k] = -1;   /* the native rerun, if any, goes without */
        }
    /* Told at once: if the test kills this supervisor, the grader can
       still kill the test's group. */
    fprintf(out, "child %ld\n", (long) child);
    fflush(out);
    fcntl(result[0], F_SETFL, O_NONBLOCK);

    char records[4096];
    size_t nrec = 0;
    int status = 0, timed_out = 0;
    double limit = limit_seconds(job);
    /* Woken the moment the test process ends (its pidfd), not at the next tick. */
    int child_fd = (int) syscall(SYS_pidfd_open, child, 0);
    struct rusage usage = { 0 };         /* the test's processes, as they were reaped */
    struct wait_sampler sampler = { 0 };
    for (;;) {
        struct pollfd p[4] = { { result[0], POLLIN, 0 }, { vg_read[0], POLLIN, 0 }, { vg_read[1], POLLIN, 0 },
                               { child_fd, POLLIN, 0 } };
        poll(p, 4, 50);
        wait_sample(&sampler, &test_cg, job->waiting);
        file_vg_messages();
        ssize_t n;
        while (nrec < sizeof records - 1 &&
               (n = read(result[0], records + nrec, sizeof records - 1 - nrec)) > 0)
            nrec += (size_t) n;
        if (wait4(child, &status, WNOHANG, &usage) == child)
            break;
        if (since(&start) > limit) {
            timed_out = 1;
            kill(-child, SIGKILL);
            wait4(child, &status, 0, &usage);
            break;
        }
    }
    if (child_fd >= 0)
        close(child_fd);
    if (job->waiting != NULL)
        atomic_store(job->waiting, 0);  /* what is left (a native rerun) is work */
    double seconds = since(&start);
    double cpu = (double) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 (double) (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    kill_and_reap(child);
    file_vg_messages();
    ssize_t n;
    while (nrec < sizeof records - 1 &&
           (n = read(result[0], records + nrec, sizeof records - 1 - nrec)) > 0)
        nrec += (size_t) n;
    records[nrec] = '\0';

    if (timed_out && !without_valgrind(job) && iso != ISO_NONE)
        native_rerun(job, uid, out);
    fprintf(out, "status %d\ntimeout %d\nseconds %.3f\ncpu %.3f\noom %d\nvgoverflow %d\n", status, timed_out,
            seconds, cpu, cgroup_oom(&test_cg), vg_overflow);
    cgroup_remove(&test_cg);
    /* Only the test process's own record counts, not a forked child's. */
    for (char *line = strtok(records, "\n"); line; line = strtok(NULL, "\n")) {
        char *rest;
        if (is_test_record(line, child, &rest)) {
            fprintf(out, "record %.1000s\n", rest + 1);
            break;
        }
    }
    struct ipc_obj after[MAX_IPC];
    char text[1024];
    int nafter = list_ipc(after, MAX_IPC);
    if (nafter > MAX_IPC)
        nafter = MAX_IPC;
    if (iso == ISO_NONE) {
        /* Leftovers: as root, the objects the test's own uid created;
           otherwise those that were not there before.  Removed either way. */
        int left = 0;
        for (int i = 0; i < nafter; i++) {
            bool old = uid != 0 && after[i].cuid != (long) uid;
            for (int j = 0; uid == 0 && j < nbefore && j < MAX_IPC; j++)
                old |= before[j].kind == after[i].kind && before[j].id == after[i].id &&
                       strcmp(before[j].name, after[i].name) == 0;
            if (!old) {
                remove_ipc(&after[i]);
                after[left++] = after[i];
            }
        }
        nafter = left;
    }
    describe_ipc(after, nafter, text, sizeof text);
    fprintf(out, "ipc %d %s\n", nafter, text);
    fclose(out);
    _exit(0);
}

/* word as one shell word: as it is when it is plain, else in single quotes
   (a folder with a space or a quote in its name still gives a command that
   runs as shown). */
static void shell_quote(FILE *f, const char *word)
{
    if (word[0] != '\0' && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-+=.,/:%@") == strlen(word)) {
        fputs(word, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

struct job *start_test(const struct options *opt,
                       struct lab *lab, struct test *test)
{
    struct job *job = calloc(1, sizeof *job);
    if (job == NULL)
        return NULL;
    job->opt = opt;
    job->lab = lab;
    job->test = test;
    snprintf(job->dir, sizeof job->dir, "%s/%s/tests/%s", opt->out, lab->slug, test->name);
    snprintf(job->vg_dir, sizeof job->vg_dir, "%s/%s/valgrind/%s", opt->out, lab->slug, test->name);
    int report[2];
    if (fresh_dir(job->dir) == -1 || fresh_dir(job->vg_dir) == -1 || pipe2(report, O_CLOEXEC) == -1) {
        free(job);
        return NULL;
    }
    char path[PATH_MAX + 16], runner[PATH_MAX];
    snprintf(runner, sizeof runner, "%s/runner", lab->build_dir);
    snprintf(path, sizeof path, "%s/runner", job->dir);
    char labproc[PATH_MAX + 16], labproc_link[PATH_MAX + 16];
    snprintf(labproc, sizeof labproc, "%s/%s", lab->build_dir, test->tsan ? "labproc-tsan" : "labproc");
    snprintf(labproc_link, sizeof labproc_link, "%s/%s", job->dir, test->tsan ? "labproc-tsan" : "labproc");
    if (link(runner, path) == -1 || link(labproc, labproc_link) == -1) {
        close(report[0]);
        close(report[1]);
        free(job);
        return NULL;
    }
    /* Keep the exact command beside the logs, for an instructor to rerun. */
    const char *argv[24];
    test_command(job, argv, runner, true);
    snprintf(path, sizeof path, "%s/command.txt", job->dir);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs("cd ", f);
        shell_quote(f, job->dir);
        fputs(" && CK_FORK=no", f);
        for (int i = 0; argv[i] != NULL; i++) {
            fputc(' ', f);
            shell_quote(f, argv[i]);
        }
        fprintf(f, "\n");
        fclose(f);
    }
    fflush(NULL);
    job->waiting = opt->no_speedups ? NULL : wait_flag_new();
    job->supervisor = fork();
    if (job->supervisor == -1) {
        close(report[0]);
        close(report[1]);
        wait_flag_free(job->waiting);
        free(job);
        return NULL;
    }
    if (job->supervisor == 0) {
        close(report[0]);
        supervise(job, opt->iso, report[1]);
    }
    close(report[1]);
    job->fd = report[0];
    return job;
}

int job_fd(const struct job *job)
{
    return job->fd;
}

bool job_waiting(const struct job *job)
{
    return wait_flag_get(job->waiting);
}

bool job_poll(struct job *job)
{
    ssize_t n = read(job->fd, job->report + job->len, sizeof job->report - 1 - job->len);
    if (n > 0) {
        job->len += (size_t) n;
        return job->len >= sizeof job->report - 1;
    }
    return n == 0 || (errno != EINTR && errno != EAGAIN);
}

static const char *signal_name(int sig)
{
    const char *abbrev = sigabbrev_np(sig);
    static char buf[32];
    snprintf(buf, sizeof buf, "SIG%s", abbrev ? abbrev : "?");
    return buf;
}

/* First line of the sanitizer's report, if the sanitizer build wrote one. */
static void sanitizer_summary(const char *dir, struct vg_summary *sum)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && sum->errors == 0 && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "asan.", 5) != 0 && strncmp(e->d_name, "ubsan.", 6) != 0)
            continue;
        char path[PATH_MAX + 300], line[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = open_test_file(path);
        for (long lines = 0; f && lines < TEST_FILE_MAX / 512 && fgets(line, sizeof line, f) != NULL; lines++) {
            char *hit = strstr(line, "ERROR: ");
            if (hit == NULL)
                hit = strstr(line, "runtime error:");
            if (hit != NULL) {
                snprintf(sum->first, sizeof sum->first, "%s", line);
                one_line(sum->first);
                sum->errors = 1;
                break;
            }
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
}

/* Valgrind's own complaint (a "==PID== " line in its valgrind.PID.log,
   never the test's stderr), if any: when valgrind itself could not run the
   test, the reason should say so. */
static bool valgrind_said(const char *dir, char *out, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    while (d && !found && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "valgrind.", 9) != 0 || n < 13 || strcmp(e->d_name + n - 4, ".log") != 0)
            continue;
        char path[PATH_MAX + 300], line[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = open_test_file(path);
        for (long lines = 0; f && !found && lines < TEST_FILE_MAX / 512 && fgets(line, sizeof line, f) != NULL; lines++) {
            int pid, skip = 0;
            if (sscanf(line, "==%d== %n", &pid, &skip) == 1 && skip > 0 && line[skip] != '\n') {
                snprintf(out, len, "%s", line + skip);
                one_line(out);
                found = true;
            }
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}

/* A ThreadSanitizer test that failed: append the SUMMARY line of the
   report it left (tsan.PID in the test's folder), which names the race's
   file, line and function.  The file is the test's (its code could write
   one): it adds words to a failure, never makes one. */
static void add_tsan_summary(const char *dir, char *reason, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "tsan.", 5) != 0)
            continue;
        char path[PATH_MAX + 300], line[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = open_test_file(path);
        for (long lines = 0; f && lines < TEST_FILE_MAX / 512 && fgets(line, sizeof line, f) != NULL; lines++)
            if (strncmp(line, "SUMMARY: ThreadSanitizer:", 25) == 0) {
                line[strcspn(line, "\n")] = '\0';
                size_t n = strlen(reason);
                snprintf(reason + n, len - n, " — %.300s", line + 9);
                break;
            }
        if (f)
            fclose(f);
        break;
    }
    if (d != NULL)
        closedir(d);
}

void finish_test(struct job *job)
{
    struct test *t = job->test;
    int status = 0, timed_out = 0, ipc = 0, got_status = 0, oom = 0, vg_lost = 0;
    long child = 0;
    char record[1100] = "", ipc_text[1100] = "", error[600] = "";
    char native[16] = "", native_msg[400] = "";
    double native_s = 0;

    waitpid(job->supervisor, NULL, 0);
    close(job->fd);
    job->report[job->len] = '\0';
    for (char *line = strtok(job->report, "\n"); line; line = strtok(NULL, "\n")) {
        if (sscanf(line, "status %d", &status) == 1)
            got_status = 1;
        sscanf(line, "timeout %d", &timed_out);
        sscanf(line, "oom %d", &oom);
        sscanf(line, "vgoverflow %d", &vg_lost);
        sscanf(line, "child %ld", &child);
        sscanf(line, "seconds %lf", &t->seconds);
        sscanf(line, "cpu %lf", &t->cpu_seconds);
        if (strncmp(line, "record ", 7) == 0)
            snprintf(record, sizeof record, "%s", line + 7);
        if (sscanf(line, "ipc %d", &ipc) == 1)
            snprintf(ipc_text, sizeof ipc_text, "%s", line + 4 + strcspn(line + 4, " ") + 1);
        if (strncmp(line, "error ", 6) == 0)
            snprintf(error, sizeof error, "%s", line + 6);
        int skip = 0;
        if (sscanf(line, "native %15s %lf %n", native, &native_s, &skip) >= 2 && skip > 0)
            snprintf(native_msg, sizeof native_msg, "%s", line + skip);
    }

    /* "pass metric VALUE": the @leaderboard test's figure, then a pass. */
    if (sscanf(record, "pass metric %lf", &t->metric) == 1 && t->native) {
        t->has_metric = true;
        record[4] = '\0';
    }
    struct vg_summary vg = { 0, "" };
    if (job->opt->sanitize)
        sanitizer_summary(job->dir, &vg);
    else
        vg_read_dir(job->vg_dir, &vg);

    const char *where = vg.first[0] ? vg.first : "";
    int crash_signal = 0;
    if (sscanf(record, "crash %d", &crash_signal) != 1 || crash_signal <= 0 || crash_signal >= 65)
        crash_signal = 0;
    if (!got_status && !error[0] && child > 0) {
        /* Only the test can have killed its supervisor (it shares our uid
           when we are not root): its fault, and its processes go too. */
        kill(-(pid_t) child, SIGKILL);
        t->outcome = OUT_FAIL;
        snprintf(t->reason, sizeof t->reason, "the test killed the grader process supervising it");
    } else if (error[0] || !got_status) {
        t->outcome = OUT_ERROR;
        snprintf(t->reason, sizeof t->reason, "grader: %s", error[0] ? error : "the supervisor died");
    } else if (timed_out) {
        /* A test that passes natively but not within the limit under
           memcheck still scores 0: every verdict includes the memory check
           (otherwise code that notices valgrind and stalls would escape it),
           and the limit already scales with the machine's slowdown. */
        t->outcome = OUT_TIMEOUT;
        if (strcmp(native, "pass") == 0)
            snprintf(t->reason, sizeof t->reason, "timeout: too slow under valgrind (natively it"
                     " passes in %.2f s): still running after %.0f s under memcheck, killed; a test"
                     " must finish memory-checked (waiting by spinning? work that grows?)",
                     native_s, t->seconds);
        else if (strcmp(native, "timeout") == 0)
            snprintf(t->reason, sizeof t->reason, "timeout: hangs (natively too): still running"
                     " after %.0f s under valgrind and %.0f s natively, killed (an endless loop, or"
                     " waiting on a lock nobody will free?)", t->seconds, native_s);
        else if (native[0])
            snprintf(t->reason, sizeof t->reason, "timeout: still running after %.0f s under"
                     " valgrind, killed; natively it %s in %.2f s%s%s", t->seconds,
                     strcmp(native, "crash") == 0 ? "crashed" : "failed", native_s,
                     native_msg[0] ? ": " : "", native_msg);
        else
            snprintf(t->reason, sizeof t->reason, "timeout: still running after %.0f s, killed "
                     "(an endless loop, or waiting on a lock nobody will free?)", t->seconds);
    } else if (oom && strcmp(record, "pass") != 0) {
        /* The kernel killed one of the test's processes (its choice, maybe
           not the one that grew): the cap, not the process, is the news. */
        t->outcome = OUT_FAIL;
        snprintf(t->reason, sizeof t->reason, "out of memory: the test's processes together used more"
                 " than the %lu MiB a test may, and the kernel killed one of them", TEST_MEMORY_MAX >> 20);
    } else if (WIFSIGNALED(status) || crash_signal > 0) {
        /* The test process itself, or (split labs) the lab process as the
           runner saw it die. */
        t->outcome = OUT_CRASH;
        snprintf(t->reason, sizeof t->reason, "crash: killed by %s%s%s",
                 signal_name(WIFSIGNALED(status) ? WTERMSIG(status) : crash_signal),
                 where[0] ? " after " : "", where);
    } else if (vg.errors == 0 && strcmp(record, "memory-error") == 0) {
        /* The runner saw valgrind's exit status say "errors", but no
           report says which: the test's code removed or spoiled it. */
        t->outcome = OUT_MEMORY_ERROR;
        snprintf(t->reason, sizeof t->reason, "memory error: valgrind found errors in the lab"
                 " process (its exit status says so), and its report is gone from the test's folder");
    } else if (vg.errors > 0) {
        t->outcome = OUT_MEMORY_ERROR;
        snprintf(t->reason, sizeof t->reason, "memory error%s: %s",
                 vg.errors > 1 ? "s (first shown)" : "", where);
    } else if (vg_lost) {
        t->outcome = OUT_MEMORY_ERROR;
        snprintf(t->reason, sizeof t->reason, "memory check incomplete: more than %d processes (or a"
                 " report over %ld MiB) wrote valgrind reports, and the grader keeps no more, so the test"
                 " cannot count as checked", VG_FILES_MAX, TEST_FILE_MAX >> 20);
    } else if (strcmp(record, "notest") == 0) {
        t->outcome = OUT_ERROR;
        snprintf(t->reason, sizeof t->reason, "grader: the runner has no test '%s' "
                 "(points file and tests disagree)", t->name);
    } else if (strncmp(record, "fail ", 5) == 0) {
        t->outcome = OUT_FAIL;
        snprintf(t->reason, sizeof t->reason, "%s", record + 5);
    } else if (strcmp(record, "pass") != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        t->outcome = OUT_FAIL;
        char said[300];
        if (valgrind_said(job->vg_dir, said, sizeof said))
            snprintf(t->reason, sizeof t->reason, "the test process exited with status %d "
                     "before the test finished; valgrind said: %s",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, said);
        else
            snprintf(t->reason, sizeof t->reason, "the test process exited with status %d before "
                     "the test finished (exit() called during a test?)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else if (ipc > 0) {
        t->outcome = OUT_IPC_LEAK;
        snprintf(t->reason, sizeof t->reason, "IPC leak: %d object%s left: %s", ipc,
                 ipc > 1 ? "s" : "", ipc_text);
    } else {
        t->outcome = OUT_PASS;
        t->reason[0] = '\0';
    }
    if (t->tsan && t->outcome != OUT_PASS)
        add_tsan_summary(job->dir, t->reason, sizeof t->reason);
    one_line(t->reason);
    t->score = t->outcome == OUT_PASS ? t->points : 0;
    wait_flag_free(job->waiting);
    free(job);
}
