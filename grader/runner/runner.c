/* runner.c — the main() linked into every lab's test binary.

   The grader never runs a whole suite in one process: it asks this runner for
   the list of tests, then starts one runner per test, each under valgrind in
   its own sandbox, and decides the outcome itself.

   $ ./runner --list                  one "public|hidden NAME" line per test
   $ ./runner --run NAME              run one test; exit 0 pass, 1 fail
   $ ./runner --run NAME --result-fd 3

   The result record goes to --result-fd (a pipe the grader owns) as
   "PID pass" (or "PID pass metric VALUE", labtest.h), "PID fail FILE:LINE: MESSAGE", "PID crash SIGNAL" (the lab
   process was killed by a signal) or "PID memory-error" (valgrind's exit
   status says it found errors in the lab process) ("PID notest" when the points
   file names a test that was not compiled in).  The PID lets the grader ignore
   records written by forked children that wrongly returned into the test. A
   test that ends without a record (exit() or _exit() in student code) is
   never counted as passed.

   Check runs in CK_NOFORK mode: the grader already gives every test its own
   process, and Check's fork mode confuses valgrind's leak accounting.

   The runner links no student code (split.h).  It is started natively,
   non-dumpable, with the lab process's command after "--" (valgrind
   ./labproc), and starts that itself: every verdict is decided here, where
   no student code has run.

   $ ./runner --run NAME --result-fd 3 -- valgrind ... ./labproc */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labtest.h"
#include "split.h"

/* Defined only where the hidden tests are compiled in (never in a student's
   copy of the labs). */
Suite *lab_hidden_suite(void) __attribute__((weak));

enum mode { MODE_LIST, MODE_RUN };

static double metric;           /* labtest_metric(): sent with a pass */
static int have_metric;

void labtest_metric(double value)
{
    metric = value;
    have_metric = 1;
}

static enum mode mode;
static const char *wanted;      /* MODE_RUN: the one test to keep */
static const char *visibility;  /* "public" or "hidden" while building that suite */
static int kept;                /* MODE_RUN: how many tests matched */

void labtest_add_test(TCase *tc, const TTest *test)
{
    if (mode == MODE_LIST) {
        printf("%s %s\n", visibility, test->name);
        return;
    }
    if (strcmp(test->name, wanted) == 0) {
        _tcase_add_test(tc, test, 0, 0, 0, 1);
        kept++;
    }
}

static SRunner *build_runner(void)
{
    visibility = "public";
    SRunner *sr = srunner_create(lab_public_suite());
    if (lab_hidden_suite != NULL) {
        visibility = "hidden";
        srunner_add_suite(sr, lab_hidden_suite());
    }
    srunner_set_fork_status(sr, CK_NOFORK);
    return sr;
}

static void usage(void)
{
    fprintf(stderr, "usage: runner --list | runner --run NAME [--result-fd N] [-- LAB COMMAND...]\n");
    exit(2);
}

/* Write the whole record, retrying short writes; a closed fd just loses it,
   which the grader reads as "no result" and never as a pass. */
static void write_record(int fd, const char *rec)
{
    size_t left = strlen(rec);
    while (left > 0) {
        ssize_t n = write(fd, rec, left);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        rec += n;
        left -= (size_t) n;
    }
}

int main(int argc, char *argv[])
{
    int result_fd = -1;
    char **lab_argv = NULL;     /* the lab process's command, after "--" */

    /* No process of the student's may read or write this one's memory. */
    prctl(PR_SET_DUMPABLE, 0);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            lab_argv = argv + i + 1;
            argv[i] = NULL;
            argc = i;
            break;
        }
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        mode = MODE_LIST;
    } else if ((argc == 3 || argc == 5) && strcmp(argv[1], "--run") == 0) {
        mode = MODE_RUN;
        wanted = argv[2];
        if (argc == 5) {
            if (strcmp(argv[3], "--result-fd") != 0)
                usage();
            result_fd = atoi(argv[4]);
        }
    } else {
        usage();
    }

    SRunner *sr = build_runner();
    if (mode == MODE_LIST) {
        srunner_free(sr);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    if (kept != 1) {
        fprintf(stderr, "runner: %s test named '%s'\n", kept ? "more than one" : "no", wanted);
        if (result_fd >= 0) {
            char rec[64];
            snprintf(rec, sizeof rec, "%ld notest\n", (long) getpid());
            write_record(result_fd, rec);
        }
        srunner_free(sr);
        return 2;
    }

    char rec[4096], why[512] = "";
    int harness_ok = 1;
    if (lab_argv == NULL || lab_argv[0] == NULL)
        usage();
    if (result_fd >= 0) {
        fcntl(result_fd, F_SETFD, FD_CLOEXEC);
        lt_keep_private(result_fd);
    }
    pid_t self = getpid();
    /* Every test starts with the umask a login shell has, whatever the
       grader's: a test of permission bits needs one that takes some away. */
    umask(022);
    harness_ok = lt_start(lab_argv, why, sizeof why) == 0;
    if (harness_ok)
        srunner_run_all(sr, CK_SILENT);
    if (harness_ok && lt_finish(why, sizeof why) == -1 && getpid() == self)
        harness_ok = 0;
    /* A process the student's code forked came back from a call instead of
       ending: always a bug, whatever the test itself checked. */
    const char *stray_fn;
    int nstrays = lt_all_strays(&stray_fn);
    if (harness_ok && nstrays > 0 && getpid() == self) {
        harness_ok = 0;
        snprintf(why, sizeof why, "%d process(es) forked by the lab's code returned from %s()"
                 " instead of ending with _exit()", nstrays, stray_fn);
    }

    int passed = harness_ok && srunner_ntests_failed(sr) == 0 && srunner_ntests_run(sr) == 1;
    int crashed = getpid() == self ? lt_lab_signal() : 0;
    if (crashed) {
        /* Seen here, in the lab process's wait status: a crash of the
           student's code, whatever the test made of it. */
        passed = 0;
        snprintf(rec, sizeof rec, "%ld crash %d\n", (long) getpid(), crashed);
    } else if (getpid() == self && lt_lab_memory_errors()) {
        passed = 0;
        snprintf(rec, sizeof rec, "%ld memory-error\n", (long) getpid());
    } else if (!harness_ok && srunner_ntests_failed(sr) == 0) {
        snprintf(rec, sizeof rec, "%ld fail harness: %s\n", (long) getpid(), why);
    } else if (passed && have_metric) {
        snprintf(rec, sizeof rec, "%ld pass metric %.6g\n", (long) getpid(), metric);
    } else if (passed) {
        snprintf(rec, sizeof rec, "%ld pass\n", (long) getpid());
    } else {
        TestResult **res = srunner_results(sr);
        TestResult *tr = res[0];
        snprintf(rec, sizeof rec, "%ld fail %s:%d: %s\n", (long) getpid(),
                 tr_lfile(tr) ? tr_lfile(tr) : "?", tr_lno(tr), tr_msg(tr) ? tr_msg(tr) : "");
        /* A message never spans lines in the record. */
        for (char *p = strchr(rec, '\n'); p && p[1] != '\0'; p = strchr(p, '\n'))
            *p = ' ';
        free(res);
    }
    srunner_free(sr);
    fputs(rec + strcspn(rec, " ") + 1, stderr);
    if (result_fd >= 0 && getpid() == self)     /* a test child closed its copy */
        write_record(result_fd, rec);
    return passed ? 0 : 1;
}
