/* grader.h — the shared types of shmlab's grader.

   One grading run: discover the labs (labs.c), build each submitted lab.c in a
   fresh directory (build.c), run every test as its own sandboxed process under
   valgrind (sandbox.c, vgxml.c), score it from the points files and report
   (report.c).  main.c ties them together. */
#ifndef GRADER_H
#define GRADER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define MAX_LABS 32
#define MAX_TESTS 64
#define REASON_MAX 600
#define HINT_MAX 300
#define HINT_LANGS 2          /* handouts/en and handouts/zh-CN (labs.c) */

enum outcome {
    OUT_NOT_RUN,      /* the lab did not build, so its tests never ran */
    OUT_PASS,
    OUT_FAIL,         /* an assertion failed, or the test ended without a result */
    OUT_CRASH,        /* killed by a signal */
    OUT_TIMEOUT,      /* still running at the wall-clock limit: killed */
    OUT_MEMORY_ERROR, /* valgrind (or a sanitizer) reported an error */
    OUT_IPC_LEAK,     /* passed, but left System V objects behind */
    OUT_ERROR         /* the courseware's fault (test missing from the runner) */
};

struct test {
    char name[128];
    int points;
    bool hidden;              /* from grader/hidden/<lab>/points */
    enum outcome outcome;
    int score;
    char reason[REASON_MAX];  /* one line; empty on a pass */
    double seconds;           /* wall time of the test process */
    double cpu_seconds;       /* CPU time of its processes (those reaped in the test) */
    /* Where the handout explains what the test exercises, one line per
       handout language ("" where there is none): shown under a failure. */
    char hint[HINT_LANGS][HINT_MAX];
    /* The lab's @leaderboard test: run natively (what it measures is speed,
       and it carries no points), its figure from "pass metric VALUE". */
    bool native;
    /* Marked thread-sanitizer in its points file: its lab process is the
       ThreadSanitizer build (labproc-tsan), run natively: a data race the
       C11 memory model allows is a failure, whatever the CPU hides. */
    bool tsan;
    bool has_metric;
    double metric;
};

struct lab {
    char slug[64];            /* "04-race" */
    int number;               /* 4 */
    char title[128];          /* from the points file's @title line */
    char dir[PATH_MAX];       /* <courseware>/labs/<slug> */
    char hidden_dir[PATH_MAX];/* <courseware>/grader/hidden/<slug>, "" if none */
    double timeout_s;         /* base wall-clock limit per test, natively */
    struct test tests[MAX_TESTS];
    int ntests;
    char build_error[REASON_MAX]; /* non-empty: the lab scores 0 for this reason */
    bool has_tsan;            /* a test is marked thread-sanitizer: build labproc-tsan too */
    char build_dir[PATH_MAX];
    double build_s;           /* wall time of build_lab(), for timing.tsv */
    double trusted_s;         /* of which building the courseware's side (0: shared) */
    char leaderboard[128];    /* @leaderboard TEST TITLE: the test, "" if none */
    char leaderboard_title[128];
};

enum isolation { ISO_NAMESPACE, ISO_USER_NAMESPACE, ISO_NONE };

struct options {
    char courseware[PATH_MAX];  /* root holding labs/ and grader/ */
    char submission[PATH_MAX];  /* folder holding <slug>/lab.c (or labs/<slug>/lab.c) */
    char class_dir[PATH_MAX];   /* --class: one submission folder per student */
    const char *roster;         /* --roster: folder -> LMS identity (lms.c) */
    char out[PATH_MAX];         /* where results and logs go */
    char trusted[PATH_MAX];     /* --trusted: each lab's courseware build, shared by a
                                   run's (a class's) submissions; default OUT/trusted */
    bool no_speedups;           /* --no-speedups: build everything per submission, one
                                   lab at a time; valgrind reads full debug info */
    const char *only_lab;       /* "4" or "04-race": grade just that lab */
    bool public_only;           /* skip hidden tests (a student's own check) */
    bool leaderboard_only;      /* run only the labs' @leaderboard tests */
    const char *leaderboard_ref;/* a reference run's results folder (its metrics.tsv) */
    bool sanitize;              /* ASan+UBSan build, run natively, no valgrind */
    bool strict;                /* exit 1 unless every test passed (make check) */
    bool quiet;                 /* no table on stdout */
    bool no_namespace;          /* behave as where namespaces are refused */
    bool no_static_checks;      /* the attack corpus: the sandbox holds without them */
    int jobs;                   /* tests run at once */
    enum isolation iso;         /* probed once, before anything runs */
    const char *cgroup;         /* "cgroup v1"/"cgroup v2" when tests are capped, else NULL */
    int beside_waits;           /* tests started beyond jobs while others only waited */
    double timeout_scale;       /* multiplies timeouts (valgrind is slower) */
    double slowdown_native;     /* this machine now vs the reference (calibrate.c) */
    double slowdown_valgrind;   /* the same under memcheck; <= 0: not measured yet */
    const char *cc;
};

/* labs.c */
int discover_labs(const struct options *opt, struct lab *labs, int max);
int lab_matches(const struct lab *lab, const char *which);

/* build.c: 0 on success; -1 sets lab->build_error (the student's fault).
   build_trusted: the lab's courseware side alone, into opt->trusted (-1:
   the courseware's fault, said in lab->build_error).  build_labs: either
   for every lab (whole: the submission's lab.c too, tests of a lab that
   does not build marked not run), opt->jobs labs at a time. */
int build_lab(const struct options *opt, struct lab *lab);
int build_trusted(const struct options *opt, struct lab *lab);
void build_labs(const struct options *opt, struct lab *labs, int nlabs, bool whole);

/* symbols.c: ld.so's and libc's debug files without their DWARF, for a
   faster valgrind start in the sandbox (bind_symbols, in its mount
   namespace); prepared: how many there are. */
void prepare_symbols(const char *dir);
int symbols_prepared(void);
void bind_symbols(void);

/* sandbox.c */
enum isolation probe_isolation(void);
/* In a child about to run something untrusted-input-driven (the compiler
   on a student's lab.c): the namespaces and hidden host paths a test gets,
   dir as the working folder (at /tmp/test where mounts work); -1 if even
   chdir fails.  sandbox_uid(): the uid to drop to (0: stay, not root). */
int sandbox_enter_folder(const struct options *opt, const char *dir);
uid_t sandbox_uid(void);
const char *isolation_name(enum isolation iso);
struct job;
struct job *start_test(const struct options *opt,
                       struct lab *lab, struct test *test);
int job_fd(const struct job *job);       /* readable when the job has news */
bool job_poll(struct job *job);          /* read news; true when finished */
bool job_waiting(const struct job *job); /* its test only waits (waits.c) */
void finish_test(struct job *job);       /* classify, score, free the job */

/* vgxml.c */
struct vg_summary {
    int errors;
    char first[REASON_MAX];  /* "Invalid read of size 4 at lab.c:42 (race_read)" */
};
void vg_read_dir(const char *dir, struct vg_summary *sum);

/* report.c */
void report_table(FILE *out, const struct options *opt, const struct lab *labs, int nlabs,
                  bool color);
int write_results(const struct options *opt, const struct lab *labs, int nlabs,
                  bool finished, const char *note);
const char *outcome_name(enum outcome o);

/* leaderboard.c: metrics.tsv, and Gradescope's leaderboard (NULL: none) */
typedef struct json_t json_t;   /* jansson's (C11 allows the typedef twice) */
int write_metrics(const char *path, const struct lab *labs, int nlabs);
json_t *leaderboard_json(const struct options *opt, const struct lab *labs, int nlabs);

/* class.c: grade every sub-folder of opt->class_dir; the exit status */
int grade_class(const struct options *opt, const char *self, const struct lab *labs, int nlabs);

/* lms.c: canvas.csv and moodle.csv from a class's grades, named by an
   optional roster (NULL: the folders' names); -1 when a file cannot be written */
struct roster;
struct roster *roster_read(const char *path);   /* NULL: the reason printed */
void roster_free(struct roster *r);
struct class_row {
    const char *folder;
    const int *scores;          /* one per lab */
    bool ok;                    /* its grader finished: the scores stand */
};
int write_lms(const struct options *opt, const struct roster *r, const struct lab *labs, int nlabs,
              const struct class_row *rows, int n);

/* calibrate.c: measure the slowdowns not given on the command line */
int calibrate_workload(void);
double available_cpus(void);
void calibrate(struct options *opt, const char *self);

/* cgroup.c: a cap for a test's whole tree (as root, where the kernel has one) */
#define TEST_MEMORY_MAX (2UL << 30)     /* bytes, all of a test's processes together */
#define TEST_PROCESSES_MAX 256
#define CGROUP_DIRS 3                    /* v1: memory, pids and cpuacct; v2: one */
struct test_cgroup {
    int n;
    bool v2;
    char dir[CGROUP_DIRS][PATH_MAX];
    int procs[CGROUP_DIRS];              /* cgroup.procs, open for the test to join */
    int cpu;                             /* the dir that counts CPU time, -1 if none */
};
int cgroup_create(struct test_cgroup *cg, const char *name, unsigned long memory, int processes);
int cgroup_join(const struct test_cgroup *cg);
bool cgroup_oom(const struct test_cgroup *cg);
void cgroup_remove(struct test_cgroup *cg);
const char *cgroup_probe(void);
long long cgroup_cpu_usec(const struct test_cgroup *cg);
unsigned long long cgroup_memory_headroom(void);

/* waits.c: another test beside those that only wait */
struct wait_sampler {
    double at_ms;                        /* the last sample (0: none yet) */
    long long usec;                      /* the cgroup's CPU time then */
    bool quiet;                          /* the half window before it was */
};
_Atomic int *wait_flag_new(void);
void wait_flag_keep(_Atomic int *flag);
void wait_flag_free(_Atomic int *flag);
bool wait_flag_get(_Atomic int *flag);
void wait_sample(struct wait_sampler *s, const struct test_cgroup *cg, _Atomic int *flag);
bool may_run_beside_waits(const struct options *opt);

/* export.c: the same results as JUnit XML and TAP 13 */
int write_junit(const char *path, const struct lab *labs, int nlabs);
int write_tap(const char *path, const struct lab *labs, int nlabs);

/* source_check.c */
int path_has_no_symlink(const char *root, const char *rel, char *why, size_t len);
int check_preprocessed(const struct lab *lab, char *why, size_t len);  /* lab.d, lab.i */
int check_object(const struct options *opt, const struct lab *lab, char *why, size_t len);  /* lab.o */

/* util.c */
int mkdir_p(const char *path);
int fresh_dir(const char *path);  /* remove path and everything in it, make it again */
void one_line(char *s);  /* newlines and tabs become spaces, trailing space trimmed */
void csv_field(FILE *f, const char *text);  /* RFC 4180; a formula-like cell stays text */
FILE *open_tmp(const char *path, char *tmp, size_t len);      /* path.tmp, for writing */
double now_s(void);                                           /* CLOCK_MONOTONIC, seconds */
double read_number(const char *path);   /* the number a file starts with; -1 if none */
int close_and_rename(FILE *f, const char *tmp, const char *path);  /* then over path */
/* A file in a test's folder (written by code under test): opened only if it
   is a regular file and not a symlink, without blocking (a FIFO named like
   a log never stalls the grader); NULL otherwise.  Readers bound what they
   read (TEST_FILE_MAX). */
FILE *open_test_file(const char *path);
#define TEST_FILE_MAX (64L << 20)

#endif
