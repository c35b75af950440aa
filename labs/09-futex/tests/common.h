/* common.h — helpers shared by lab 09's public tests and the grader's hidden
   ones: a ring made in the fixture (destroyed in teardown, whatever the
   code under test did), a byte pattern each test can check in order, and
   moving many messages between two processes with a time limit on every
   call, so that a lost wake-up is a failed test with a message, not a
   hang.

   Functions are static inline and the bookkeeping static: each test file
   (and each test, in its own process) has its own copy. */
#ifndef LAB09_TESTS_COMMON_H
#define LAB09_TESTS_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

static struct fring ring;               /* the test's ring; destroyed in teardown */

static inline void setup(void)
{
    ring = (struct fring) { NULL, 0 };
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void teardown(void)
{
    if (ring.shared != NULL)
        fring_destroy(&ring);
}

/* Milliseconds a call may wait for the other side before the test calls
   the wake-up lost: the harness's patience (slow machines wait longer). */
#define PATIENT_MS (LABTEST_PATIENCE_S * 1000)

static inline void make_ring(size_t capacity, enum fring_kind kind)
{
    errno = 0;
    int rc = fring_create(&ring, capacity, kind);
    int err = errno;
    ck_assert_msg(rc == 0 && ring.shared != NULL,
                  "fring_create(%zu, %s): expected 0 and a mapping, got %d (errno %d, %s)", capacity,
                  kind == FRING_FUTEX ? "FRING_FUTEX" : "FRING_CONDVAR", rc, err, strerror(err));
}

static inline const char *kind_name(enum fring_kind kind)
{
    return kind == FRING_FUTEX ? "FRING_FUTEX" : "FRING_CONDVAR";
}

/* Byte i of the stream every test sends: not periodic in any ring size. */
static inline unsigned char pattern(uint64_t i)
{
    return (unsigned char) ((i * 2654435761u) >> 13);
}

static inline void fill(unsigned char *buf, uint64_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(from + i);
}

static inline struct fring_stats stats_ok(void)
{
    struct fring_stats st;
    ck_assert_msg(fring_stats(&ring, &st) == 0, "fring_stats: %s", strerror(errno));
    return st;
}

static inline void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR)
        ;
}

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* A child writes total bytes of the pattern in messages of 1 to max_msg
   bytes (sizes vary), then closes; this process reads them all in reads of
   up to max_read bytes and checks every byte in order.  Every call waits
   at most PATIENT_MS.  Fails the test with what went wrong. */
static inline void transfer(uint64_t total, size_t max_msg, size_t max_read, const char *what)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        unsigned char msg[4096];
        uint64_t sent = 0;
        unsigned k = 1;
        while (sent < total) {
            size_t n = 1 + (k = k * 1103515245u + 12345u) % max_msg;
            if (n > total - sent)
                n = (size_t) (total - sent);
            fill(msg, sent, n);
            if (fring_write(&ring, msg, n, PATIENT_MS) != 0)
                _exit(errno == ETIMEDOUT ? 3 : 2);
            sent += n;
        }
        _exit(fring_close(&ring) == 0 ? 0 : 4);
    }
    unsigned char got[4096];
    uint64_t seen = 0;
    for (;;) {
        errno = 0;
        long n = fring_read(&ring, got, max_read, PATIENT_MS);
        int err = errno;
        if (n <= 0) {
            ck_assert_msg(n == 0, "%s: fring_read after %llu of %llu bytes: got %ld (errno %s)%s", what,
                          (unsigned long long) seen, (unsigned long long) total, n, strerror(err),
                          err == ETIMEDOUT ? ": a lost wake-up?" : "");
            break;
        }
        for (long i = 0; i < n; i++)
            ck_assert_msg(got[i] == pattern(seen + (uint64_t) i), "%s: byte %llu is %#x, expected %#x", what,
                          (unsigned long long) (seen + (uint64_t) i), got[i], pattern(seen + (uint64_t) i));
        seen += (uint64_t) n;
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status), "%s: the writer never finished", what);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: the writer failed (%s)", what,
                  !WIFEXITED(status) ? "killed" : WEXITSTATUS(status) == 3 ? "fring_write timed out: a lost"
                  " wake-up?" : WEXITSTATUS(status) == 4 ? "fring_close failed" : "fring_write failed");
    ck_assert_msg(seen == total, "%s: expected %llu bytes before end of file, got %llu", what,
                  (unsigned long long) total, (unsigned long long) seen);
}

#endif
