/* main.c — shmlab-grade: grade one submission's labs.

   $ build/bin/shmlab-grade                          # the working tree's labs/
   $ build/bin/shmlab-grade --submission solutions   # must score full marks
   $ build/bin/shmlab-grade --lab 4 --public-only --strict   # make check LAB=4

   Exit status: 0 when grading ran (whatever the score), 1 with --strict when
   a test did not pass, 2 when the grader itself could not run. */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

static struct lab all_labs[MAX_LABS];
static bool trusted_given;      /* --trusted: a class's grader built them */

/* The one command that lets an unprivileged user make user namespaces. */
static const char *userns_fix(void)
{
    static const struct { const char *file; long blocking; const char *fix; } knobs[] = {
        { "/proc/sys/kernel/unprivileged_userns_clone", 0, "sysctl -w kernel.unprivileged_userns_clone=1" },
        { "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 1,
          "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" },
        { "/proc/sys/user/max_user_namespaces", 0, "sysctl -w user.max_user_namespaces=15000" },
    };
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        FILE *f = fopen(knobs[i].file, "r");
        long v = -1;
        if (f != NULL) {
            if (fscanf(f, "%ld", &v) != 1)
                v = -1;
            fclose(f);
        }
        if (v == knobs[i].blocking)
            return knobs[i].fix;
    }
    return knobs[2].fix;                /* none of them says: the usual one */
}

/* Where one run's time went (make bench-grader reads it): calibration,
   each lab's build (and of it, the courseware's side: 0 when a class's
   grader built it), the tests' own wall time summed per lab (they run
   side by side), and the wall time of all builds and of all tests. */
static void write_timing(const struct options *opt, const struct lab *labs, int nlabs, double calibrate_s,
                         double builds_wall_s, double tests_wall_s)
{
    char path[PATH_MAX + 16], tmp[PATH_MAX + 24];
    snprintf(path, sizeof path, "%s/timing.tsv", opt->out);
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return;
    fprintf(f, "phase\tlab\ttests\tseconds\ncalibrate\t-\t0\t%.2f\n", calibrate_s);
    for (int l = 0; l < nlabs; l++) {
        double sum = 0, cpu = 0, shortest = 0;
        for (int i = 0; i < labs[l].ntests; i++) {
            const struct test *t = &labs[l].tests[i];
            sum += t->seconds;
            cpu += t->cpu_seconds;
            if (t->seconds > 0 && (shortest == 0 || t->seconds < shortest))
                shortest = t->seconds;
        }
        fprintf(f, "build\t%s\t0\t%.2f\ntrusted\t%s\t0\t%.2f\ntests\t%s\t%d\t%.2f\n", labs[l].slug,
                labs[l].build_s, labs[l].slug, labs[l].trusted_s, labs[l].slug, labs[l].ntests, sum);
        /* The CPU they used (the rest of their time they waited), and the
           shortest test: about what every test pays to start and end. */
        fprintf(f, "tests-cpu\t%s\t%d\t%.2f\ntest-shortest\t%s\t1\t%.2f\n", labs[l].slug, labs[l].ntests, cpu,
                labs[l].slug, shortest);
    }
    fprintf(f, "builds-wall\t-\t0\t%.2f\ntests-wall\t-\t0\t%.2f\n", builds_wall_s, tests_wall_s);
    /* tests started beyond the core count while others only waited (waits.c) */
    fprintf(f, "beside-waits\t-\t%d\t0\n", opt->beside_waits);
    close_and_rename(f, tmp, path);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: shmlab-grade [--courseware DIR] [--submission DIR | --class DIR [--roster CSV]] [--out DIR] [--lab N]\n"
            "                    [--public-only] [--sanitize] [--strict] [--jobs N]\n"
            "                    [--leaderboard-only] [--leaderboard-reference DIR]\n"
            "                    [--timeout-scale F] [--slowdown NATIVE,VALGRIND] [--quiet] [--no-namespace] [--no-static-checks]\n"
            "                    [--no-speedups] [--trusted DIR]\n"
            "       shmlab-grade --calibrate-workload\n");
    exit(2);
}

static void parse_args(int argc, char *argv[], struct options *opt)
{
    /* As many tests at once as there are CPUs to run them (affinity and
       cgroup quota: a 0.5-CPU container runs one at a time). */
    int cores = (int) available_cpus();
    *opt = (struct options) { .jobs = cores > 0 ? cores : 1, .timeout_scale = 4.0, .cc = "cc" };
    snprintf(opt->courseware, sizeof opt->courseware, ".");
    if (getenv("CC") && *getenv("CC"))
        opt->cc = getenv("CC");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--public-only") == 0) opt->public_only = true;
        else if (strcmp(a, "--sanitize") == 0) opt->sanitize = true;
        else if (strcmp(a, "--strict") == 0) opt->strict = true;
        else if (strcmp(a, "--quiet") == 0) opt->quiet = true;
        else if (strcmp(a, "--no-namespace") == 0) opt->no_namespace = true;
        else if (strcmp(a, "--no-static-checks") == 0) opt->no_static_checks = true;
        else if (strcmp(a, "--no-speedups") == 0) opt->no_speedups = true;
        else if (strcmp(a, "--leaderboard-only") == 0) opt->leaderboard_only = true;
        else if (v == NULL) usage();
        else if (strcmp(a, "--courseware") == 0) snprintf(opt->courseware, sizeof opt->courseware, "%s", v), i++;
        else if (strcmp(a, "--class") == 0) snprintf(opt->class_dir, sizeof opt->class_dir, "%s", v), i++;
        else if (strcmp(a, "--roster") == 0) opt->roster = v, i++;
        else if (strcmp(a, "--leaderboard-reference") == 0) opt->leaderboard_ref = v, i++;
        else if (strcmp(a, "--submission") == 0) snprintf(opt->submission, sizeof opt->submission, "%s", v), i++;
        else if (strcmp(a, "--out") == 0) snprintf(opt->out, sizeof opt->out, "%s", v), i++;
        else if (strcmp(a, "--trusted") == 0) snprintf(opt->trusted, sizeof opt->trusted, "%s", v), i++;
        else if (strcmp(a, "--lab") == 0) opt->only_lab = v, i++;
        else if (strcmp(a, "--jobs") == 0 && atoi(v) > 0) opt->jobs = atoi(v), i++;
        else if (strcmp(a, "--timeout-scale") == 0 && atof(v) > 0) opt->timeout_scale = atof(v), i++;
        else if (strcmp(a, "--slowdown") == 0 && sscanf(v, "%lf,%lf", &opt->slowdown_native,
                                                        &opt->slowdown_valgrind) == 2) i++;
        else usage();
    }
    if (opt->roster && opt->class_dir[0] == '\0') {
        fprintf(stderr, "grader: --roster names a class's students: give it with --class DIR\n");
        exit(2);
    }
    if (opt->submission[0] == '\0')
        snprintf(opt->submission, sizeof opt->submission, "%s/labs", opt->courseware);
    if (opt->out[0] == '\0') {
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", opt->class_dir[0] ? opt->class_dir : opt->submission);
        snprintf(opt->out, sizeof opt->out, "%s/build/grade/%s%s", opt->courseware,
                 opt->class_dir[0] ? "class-" : "", basename(copy));
    }
    trusted_given = opt->trusted[0] != '\0';
    if (!trusted_given)
        snprintf(opt->trusted, sizeof opt->trusted, "%s/trusted", opt->out);
    /* Paths are handed to processes that run elsewhere: make them absolute. */
    char *paths[] = { opt->courseware, opt->submission, opt->out, opt->class_dir, opt->trusted };
    for (size_t i = 0; i < 5; i++) {
        if (paths[i][0] == '/' || paths[i][0] == '\0')
            continue;
        char cwd[PATH_MAX], abs[PATH_MAX * 2 + 2];
        if (getcwd(cwd, sizeof cwd) == NULL)
            usage();
        snprintf(abs, sizeof abs, "%s/%s", cwd, paths[i]);
        snprintf(paths[i], PATH_MAX, "%s", abs);
    }
}

/* The run's shared courseware builds: given (a class's grader made them),
   or made fresh under OUT for this run alone. */
static int prepare_trusted(struct options *opt, bool given)
{
    if (!given && fresh_dir(opt->trusted) == -1)
        return -1;
    if (!opt->no_speedups && !opt->sanitize) {
        char dir[PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/symbols", opt->trusted);
        prepare_symbols(dir);
    }
    return 0;
}

static bool have_valgrind(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execlp("valgrind", "valgrind", "--version", (char *) NULL);
        _exit(127);
    }
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Without a mount namespace the test works in its folder under --out, as
   an unprivileged uid: every folder on the way must let others through.
   false (and the first one that does not, in blocked) otherwise. */
static bool reachable_by_others(const char *path, char *blocked)
{
    char walk[PATH_MAX];
    snprintf(walk, sizeof walk, "%s", path);
    for (char *slash = walk; slash != NULL; slash = strchr(slash + 1, '/')) {
        char saved = *slash;
        *slash = '\0';
        struct stat st;
        if (walk[0] != '\0' && stat(walk, &st) == 0 && !(st.st_mode & S_IXOTH)) {
            snprintf(blocked, PATH_MAX, "%s", walk);
            return false;
        }
        *slash = saved;
    }
    return true;
}

struct slot { struct job *job; int lab; };

/* The running tests that do not only wait (waits.c). */
static int working(const struct slot *slots, int nslots)
{
    int n = 0;
    for (int i = 0; i < nslots; i++)
        n += slots[i].job != NULL && !job_waiting(slots[i].job);
    return n;
}

/* Run every test of every built lab, opt->jobs at a time, and up to as
   many more while tests only wait (waits.c); results are rewritten each
   time a lab completes.  Returns how many tests started beside waits. */
static int run_tests(const struct options *opt, int nlabs)
{
    int pending[MAX_LABS];
    int total = 0, done = 0, next_lab = 0, next_test = 0, running = 0, beside_waits = 0;
    struct slot slots[64];
    int cores = opt->jobs < 32 ? opt->jobs : 32;
    int nslots = 2 * cores;
    bool progress = isatty(STDERR_FILENO) && !opt->quiet;

    for (int l = 0; l < nlabs; l++) {
        pending[l] = all_labs[l].build_error[0] ? 0 : all_labs[l].ntests;
        total += pending[l];
    }
    for (int i = 0; i < nslots; i++)
        slots[i].job = NULL;
    for (;;) {
        int asked = -1;         /* may_run_beside_waits(), asked once a turn */
        for (int i = 0; i < nslots && next_lab < nlabs; i++) {
            if (slots[i].job != NULL)
                continue;
            if (running >= cores) {
                if (working(slots, nslots) >= cores)
                    break;
                if (asked == -1)
                    asked = may_run_beside_waits(opt);
                if (!asked)
                    break;
            }
            struct test *t = NULL;
            while (t == NULL && next_lab < nlabs) {
                if (pending[next_lab] == 0 || next_test >= all_labs[next_lab].ntests) {
                    next_lab++;
                    next_test = 0;
                    continue;
                }
                t = &all_labs[next_lab].tests[next_test++];
                if (t->native)
                    t = NULL;           /* timed alone, after the rest (below) */
            }
            if (t == NULL)
                break;
            slots[i].job = start_test(opt, &all_labs[next_lab], t);
            slots[i].lab = next_lab;
            if (slots[i].job == NULL) {
                t->outcome = OUT_ERROR;
                snprintf(t->reason, sizeof t->reason, "grader: cannot start the test: %s", strerror(errno));
                done++;
                if (--pending[next_lab] == 0)
                    write_results(opt, all_labs, nlabs, false, NULL);
            } else {
                beside_waits += ++running > cores;
            }
        }
        if (running == 0)
            break;
        struct pollfd fds[64];
        for (int i = 0; i < nslots; i++)
            fds[i] = (struct pollfd) { slots[i].job ? job_fd(slots[i].job) : -1, POLLIN, 0 };
        /* Woken often while a test might start beside the waiting ones. */
        int tick = running >= cores && running < nslots && next_lab < nlabs ? 50 : 1000;
        if (poll(fds, (nfds_t) nslots, tick) == -1 && errno != EINTR)
            break;
        for (int i = 0; i < nslots; i++) {
            if (slots[i].job == NULL || fds[i].revents == 0 || !job_poll(slots[i].job))
                continue;
            finish_test(slots[i].job);
            slots[i].job = NULL;
            running--;
            done++;
            if (--pending[slots[i].lab] == 0)
                write_results(opt, all_labs, nlabs, false, NULL);
            if (progress)
                fprintf(stderr, "\r  %d/%d tests run ", done, total);
        }
    }
    /* A lab's @leaderboard test times itself: it runs alone, with no other
       test on the machine's cores. */
    for (int l = 0; l < nlabs; l++)
        for (int k = 0; pending[l] > 0 && k < all_labs[l].ntests; k++) {
            struct test *t = &all_labs[l].tests[k];
            if (!t->native)
                continue;
            struct job *job = start_test(opt, &all_labs[l], t);
            if (job == NULL) {
                t->outcome = OUT_ERROR;
                snprintf(t->reason, sizeof t->reason, "grader: cannot start the test: %s", strerror(errno));
            } else {
                struct pollfd p = { job_fd(job), POLLIN, 0 };
                while (!(poll(&p, 1, 1000) > 0 && job_poll(job)))
                    ;
                finish_test(job);
            }
            if (--pending[l] == 0)
                write_results(opt, all_labs, nlabs, false, NULL);
        }
    if (progress)
        fprintf(stderr, "\r%30s\r", "");
    return beside_waits;
}

int main(int argc, char *argv[])
{
    struct options opt;
    if (argc == 2 && strcmp(argv[1], "--calibrate-workload") == 0)
        return calibrate_workload();
    parse_args(argc, argv, &opt);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int nlabs = discover_labs(&opt, all_labs, MAX_LABS);
    if (nlabs == -1)
        return 2;
    if (opt.only_lab != NULL) {
        int kept = 0;
        for (int l = 0; l < nlabs; l++)
            if (lab_matches(&all_labs[l], opt.only_lab))
                all_labs[kept++] = all_labs[l];
        nlabs = kept;
    }
    if (nlabs == 0) {
        fprintf(stderr, "grader: no lab%s%s in %s/labs\n", opt.only_lab ? " " : "s",
                opt.only_lab ? opt.only_lab : "", opt.courseware);
        return 2;
    }
    if (!opt.sanitize && !have_valgrind()) {
        fprintf(stderr, "grader: valgrind not found; run: sh scripts/install-deps.sh\n");
        return 2;
    }
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fprintf(stderr, "grader: cannot find its own executable: %s\n", strerror(errno));
        return 2;
    }
    self[len] = '\0';
    /* Once per run (a class measures for all its students). */
    double t_start = now_s();
    calibrate(&opt, self);
    double calibrate_s = now_s() - t_start;
    if (mkdir_p(opt.out) == -1 || prepare_trusted(&opt, trusted_given) == -1) {
        fprintf(stderr, "grader: cannot prepare %s: %s\n", opt.trusted, strerror(errno));
        return 2;
    }
    if (opt.class_dir[0]) {
        /* Without root, only a user namespace keeps one student's code
           from the others' work and the instructor's home. */
        if (geteuid() != 0 && !opt.no_namespace && probe_isolation() == ISO_NONE) {
            fprintf(stderr, "grader: without root, class grading needs user namespaces, which this"
                    " kernel refuses; as root: %s (or grade as root; --no-namespace grades"
                    " unconfined)\n", userns_fix());
            return 2;
        }
        return grade_class(&opt, self, all_labs, nlabs);
    }
    if (mkdir_p(opt.out) == -1 || write_results(&opt, all_labs, nlabs, false, NULL) == -1) {
        fprintf(stderr, "grader: cannot write results in %s: %s\n", opt.out, strerror(errno));
        return 2;
    }

    /* The probe forks; it must happen before anything else is running. */
    enum isolation iso = opt.no_namespace ? ISO_NONE : probe_isolation();
    opt.iso = iso;
    opt.cgroup = opt.no_namespace ? NULL : cgroup_probe();
    if (iso == ISO_NONE)
        opt.jobs = 1;  /* snapshots cannot tell parallel tests' objects apart */
    /* The results are the instructor's alone (in a class, each student's
       folder is one of these): a test reaches its own folder through the
       mount of it at /tmp/test.  Without namespaces, a test's uid has to
       pass through. */
    chmod(opt.out, iso == ISO_NONE ? 0711 : 0700);
    char blocked[PATH_MAX];
    if (iso == ISO_NONE && geteuid() == 0 && !reachable_by_others(opt.out, blocked)) {
        fprintf(stderr, "grader: the tests run as an unprivileged uid that cannot enter %s (mode %s);"
                " use --out elsewhere, or chmod o+x it\n", blocked, "without o+x");
        return 2;
    }

    double t_builds = now_s();
    build_labs(&opt, all_labs, nlabs, true);
    double builds_wall_s = now_s() - t_builds;
    double t_tests = now_s();
    opt.beside_waits = run_tests(&opt, nlabs);
    write_timing(&opt, all_labs, nlabs, calibrate_s, builds_wall_s, now_s() - t_tests);

    bool all_passed = true;
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < all_labs[l].ntests; i++)
            all_passed &= all_labs[l].tests[i].outcome == OUT_PASS;
    int rc = write_results(&opt, all_labs, nlabs, true, all_passed ? "all tests passed" : "graded");
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/report.txt", opt.out);
    FILE *report = fopen(path, "w");
    if (report == NULL || (report_table(report, &opt, all_labs, nlabs, false), fclose(report)) != 0)
        rc = -1;
    if (!opt.quiet)
        report_table(stdout, &opt, all_labs, nlabs, isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
    if (rc == -1) {
        fprintf(stderr, "grader: cannot write results in %s\n", opt.out);
        return 2;
    }
    return opt.strict && !all_passed ? 1 : 0;
}
