/* labtest.h — what every lab's Check test file includes instead of <check.h>.

   Test files are plain Check (suites, TCases Core / Errors / Cleanup, fixtures,
   ck_assert_msg).  Each file defines one suite function:

       Suite *lab_public_suite(void);     labs/NN-slug/tests/public.c
       Suite *lab_hidden_suite(void);     grader/hidden/NN-slug/hidden.c

   The grader runs every test as its own process (its own IPC namespace, its own
   valgrind), so the runner must be able to list the tests and build a suite
   that holds exactly one of them.  Check cannot pick a single test by name, so
   tcase_add_test() is routed through labtest_add_test(), which keeps or drops
   the test by name.  Only tcase_add_test() is supported: the loop, signal and
   exit variants are undefined here on purpose (a test that expects a signal or
   an exit status forks a child and checks its wait status itself). */
#ifndef LABTEST_H
#define LABTEST_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

void labtest_add_test(TCase *tc, const TTest *test);

/* A figure the test measured itself (a throughput, say), sent with its pass
   as "PID pass metric VALUE": the test is the lab's @leaderboard test (its
   points file), run natively, and the grader compares the figure with the
   reference's, measured on the same machine (the Gradescope leaderboard). */
void labtest_metric(double value);

/* The student's code runs in a lab process of its own, and a test's fork,
   kill, _exit, waitpid and wait act on the pair (see split.h). */
#include <signal.h>
#include <unistd.h>
#include "split.h"
#define fork lt_fork
#define kill lt_kill
#define _exit lt_exit
#define waitpid lt_waitpid
#define wait lt_wait

#undef tcase_add_test
#define tcase_add_test(tc, tf) labtest_add_test((tc), (tf))
#undef tcase_add_test_raise_signal
#undef tcase_add_exit_test
#undef tcase_add_loop_test
#undef tcase_add_loop_test_raise_signal
#undef tcase_add_loop_exit_test

Suite *lab_public_suite(void);
Suite *lab_hidden_suite(void);

/* Seconds a test may wait for something another process should do soon:
   labtest_patience_s() (split.h, which the harness's own waits share). */
#define LABTEST_PATIENCE_S labtest_patience_s()

/* ---- Helpers every lab's tests use ---------------------------------------- */

/* Wait up to `seconds` for child pid.  Returns 1 when it ended (*status set),
   0 when it is still running: the test then kills it and fails with its own
   message instead of hanging until the grader's time limit. */
static inline int wait_deadline(pid_t pid, double seconds, int *status)
{
    struct timespec start, now, tick = { 0, 5 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return 1;
        ck_assert_msg(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double) (now.tv_sec - start.tv_sec) + (double) (now.tv_nsec - start.tv_nsec) / 1e9 > seconds)
            return 0;
        nanosleep(&tick, NULL);
    }
}

/* Expect `call` to fail: -1 with errno want_errno; `what` names it. */
#define expect_fail(call, want_errno, what)                                         \
    do {                                                                            \
        errno = 0;                                                                  \
        long rc_ = (long) (call);                                                   \
        int err_ = errno;                                                           \
        ck_assert_msg(rc_ == -1 && err_ == (want_errno),                            \
                      "%s: expected -1 with errno %s, got %ld with errno %d (%s)",  \
                      (what), #want_errno, rc_, err_, strerror(err_));              \
    } while (0)

#endif
