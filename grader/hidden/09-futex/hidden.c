/* hidden.c — Lab 09's hidden tests: the thorough ones.

   Core:    closing wakes a sleeping reader with end of file; a ping-pong
            between processes never stalls (every message a sleep and a
            wake); wakes never outnumber waits and a blocking transfer
            costs wake-ups, not one per message; what is there is read
            without waiting; one write bigger than the ring gets through;
            chunks that wrap round a small ring arrive intact; the
            condition-variable ring across processes, with end of file and
            time-outs.
   Errors:  a full ring's write times out having written what fitted;
            writing after close is EPIPE; bad arguments everywhere.
   Cleanup: destroy unmaps and leaves the handle empty. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(close_wakes_sleeping_reader_with_eof)
{
    make_ring(256, FRING_FUTEX);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        char buf[8];
        long n = fring_read(&ring, buf, sizeof buf, 4 * PATIENT_MS);
        _exit(n == 0 ? 0 : n < 0 && errno == ETIMEDOUT ? 2 : 1);
    }
    sleep_ms(200);                      /* the reader is asleep by now, or soon */
    ck_assert_msg(fring_close(&ring) == 0, "fring_close: %s", strerror(errno));
    int status;
    ck_assert_msg(wait_deadline(pid, 5 * LABTEST_PATIENCE_S, &status), "the reader never returned");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a reader asleep on an empty ring, then fring_close: expected it to wake and get 0 (end of"
                  " file), it %s", WIFEXITED(status) && WEXITSTATUS(status) == 2 ? "timed out: close did not"
                  " wake it" : "got something else");
}
END_TEST

/* Two rings, a message each way per round: every message finds the other
   side asleep (or about to be). */
START_TEST(ping_pong_between_processes_never_stalls)
{
    enum { ROUNDS = 300 };
    struct fring back;
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    ck_assert_msg(fring_create(&back, FRING_MIN_CAPACITY, FRING_FUTEX) == 0, "fring_create: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        for (int i = 0; i < ROUNDS; i++) {
            unsigned char b;
            if (fring_read(&ring, &b, 1, PATIENT_MS) != 1 || b != (unsigned char) i)
                _exit(1);
            b++;
            if (fring_write(&back, &b, 1, PATIENT_MS) != 0)
                _exit(2);
        }
        _exit(0);
    }
    for (int i = 0; i < ROUNDS; i++) {
        unsigned char b = (unsigned char) i, r = 0;
        ck_assert_msg(fring_write(&ring, &b, 1, PATIENT_MS) == 0, "round %d: fring_write: %s", i, strerror(errno));
        errno = 0;
        long n = fring_read(&back, &r, 1, PATIENT_MS);
        ck_assert_msg(n == 1 && r == (unsigned char) (i + 1),
                      "ping-pong round %d of %d: expected the answer %d, got %ld (errno %s%s)", i, ROUNDS,
                      (unsigned char) (i + 1), n, strerror(errno), errno == ETIMEDOUT ? ": a lost wake-up" : "");
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the ping-pong partner failed");
    struct fring_stats a = stats_ok(), b;
    ck_assert_msg(fring_stats(&back, &b) == 0, "fring_stats: %s", strerror(errno));
    ck_assert_msg(a.wakes <= a.waits && b.wakes <= b.waits,
                  "wakes outnumber waits (%llu > %llu, or %llu > %llu): a side was woken that did not wait",
                  (unsigned long long) a.wakes, (unsigned long long) a.waits, (unsigned long long) b.wakes,
                  (unsigned long long) b.waits);
    fring_destroy(&back);
}
END_TEST

START_TEST(blocking_transfer_wakes_only_sleepers)
{
    /* A reader that waits for each 64-byte burst: the writer's wake-ups
       follow the reader's waits, never one per write. */
    make_ring(4096, FRING_FUTEX);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        unsigned char msg[16];
        for (int i = 0; i < 400; i++) {
            fill(msg, (uint64_t) i * 16, 16);
            if (fring_write(&ring, msg, 16, PATIENT_MS) != 0)
                _exit(1);
        }
        _exit(fring_close(&ring) == 0 ? 0 : 1);
    }
    unsigned char in[4096];
    uint64_t seen = 0;
    long n;
    while ((n = fring_read(&ring, in, sizeof in, PATIENT_MS)) > 0) {
        for (long i = 0; i < n; i++)
            ck_assert_msg(in[i] == pattern(seen + (uint64_t) i), "byte %llu wrong", (unsigned long long) seen);
        seen += (uint64_t) n;
    }
    ck_assert_msg(n == 0 && seen == 6400, "expected 6400 bytes then end of file, got %llu then %ld (%s)",
                  (unsigned long long) seen, n, strerror(errno));
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the writer failed");
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.wakes <= st.waits, "wakes (%llu) outnumber waits (%llu): a wake with nobody asleep",
                  (unsigned long long) st.wakes, (unsigned long long) st.waits);
    ck_assert_msg(st.wakes < 401, "400 writes into a ring that never filled: %llu wakes; expected one per time"
                  " the reader slept (%llu waits), not one per write", (unsigned long long) st.wakes,
                  (unsigned long long) st.waits);
}
END_TEST

START_TEST(read_takes_what_is_there_without_waiting)
{
    make_ring(256, FRING_FUTEX);
    ck_assert_msg(fring_write(&ring, "0123456789", 10, 0) == 0, "fring_write: %s", strerror(errno));
    char got[100] = "";
    double start = now_s();
    long n = fring_read(&ring, got, sizeof got, PATIENT_MS);
    double took = now_s() - start;
    ck_assert_msg(n == 10 && memcmp(got, "0123456789", 10) == 0,
                  "fring_read(100 bytes) with 10 there: expected those 10 at once, got %ld", n);
    ck_assert_msg(took < PATIENT_MS / 2000.0, "fring_read with data there took %.2f s: it should not wait for"
                  " more", took);
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits == 0, "nothing had to wait, got %llu waits", (unsigned long long) st.waits);
    n = fring_read(&ring, got, 0, 0);
    ck_assert_msg(n == 0, "fring_read of 0 bytes: expected 0 at once, got %ld (errno %s)", n, strerror(errno));
    ck_assert_msg(fring_write(&ring, got, 0, 0) == 0, "fring_write of 0 bytes: expected 0, got errno %s",
                  strerror(errno));
}
END_TEST

START_TEST(write_larger_than_ring_gets_through)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        unsigned char out[3000];
        fill(out, 0, sizeof out);
        if (fring_write(&ring, out, sizeof out, PATIENT_MS) != 0)      /* one call, 47 rings' worth */
            _exit(1);
        _exit(fring_close(&ring) == 0 ? 0 : 1);
    }
    unsigned char in[50];
    uint64_t seen = 0;
    long n;
    while ((n = fring_read(&ring, in, sizeof in, PATIENT_MS)) > 0) {
        for (long i = 0; i < n; i++)
            ck_assert_msg(in[i] == pattern(seen + (uint64_t) i), "byte %llu of one 3000-byte write is wrong",
                          (unsigned long long) (seen + (uint64_t) i));
        seen += (uint64_t) n;
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "fring_write of 3000 bytes into a 64-byte ring failed (it must wait for room, again and again)");
    ck_assert_msg(n == 0 && seen == 3000, "expected 3000 bytes then end of file, got %llu then %ld (errno %s)",
                  (unsigned long long) seen, n, strerror(errno));
}
END_TEST

START_TEST(odd_chunks_wrap_intact)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    static const size_t sizes[] = { 7, 13, 61, 1, 64, 33, 63, 2 };
    unsigned char out[64], in[64];
    uint64_t written = 0, seen = 0;
    for (int i = 0; i < 400; i++) {
        size_t n = sizes[i % 8];
        fill(out, written, n);
        ck_assert_msg(fring_write(&ring, out, n, 0) == 0, "fring_write of %zu bytes (ring empty): %s", n,
                      strerror(errno));
        written += n;
        while (seen < written) {
            long k = fring_read(&ring, in, 1 + (size_t) i % 64, 0);
            ck_assert_msg(k > 0, "fring_read: got %ld (errno %s)", k, strerror(errno));
            for (long j = 0; j < k; j++)
                ck_assert_msg(in[j] == pattern(seen + (uint64_t) j), "byte %llu wrong after wrapping",
                              (unsigned long long) (seen + (uint64_t) j));
            seen += (uint64_t) k;
        }
    }
}
END_TEST

START_TEST(condvar_ring_across_processes_with_eof_and_timeouts)
{
    make_ring(FRING_MIN_CAPACITY, FRING_CONDVAR);
    char buf[8];
    double start = now_s();
    expect_fail(fring_read(&ring, buf, sizeof buf, 100), ETIMEDOUT, "FRING_CONDVAR: fring_read of an empty ring");
    ck_assert_msg(now_s() - start >= 0.095, "FRING_CONDVAR: the 100 ms read gave up early");
    transfer(20000, 100, 50, "FRING_CONDVAR: 20000 bytes through a 64-byte ring, between processes");
    /* Closed: reads give 0, writes EPIPE. */
    ck_assert_msg(fring_read(&ring, buf, sizeof buf, 0) == 0, "FRING_CONDVAR: after close, expected 0");
    expect_fail(fring_write(&ring, "x", 1, 0), EPIPE, "FRING_CONDVAR: fring_write after close");
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.wakes <= st.waits, "FRING_CONDVAR: %llu signals for %llu waits: signal only sleepers",
                  (unsigned long long) st.wakes, (unsigned long long) st.waits);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(full_write_times_out_having_written_what_fits)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    unsigned char out[100];
    fill(out, 0, sizeof out);
    double start = now_s();
    expect_fail(fring_write(&ring, out, sizeof out, 100), ETIMEDOUT, "fring_write of 100 bytes into a 64-byte ring"
                " nobody reads");
    ck_assert_msg(now_s() - start >= 0.095, "the 100 ms write gave up early");
    unsigned char in[100];
    long n = fring_read(&ring, in, sizeof in, 0);
    ck_assert_msg(n == 64, "after the timed-out write, expected the 64 bytes that fitted, got %ld", n);
    for (int i = 0; i < 64; i++)
        ck_assert_msg(in[i] == pattern((uint64_t) i), "byte %d of what fitted is wrong", i);
}
END_TEST

START_TEST(write_after_close_is_epipe)
{
    make_ring(256, FRING_FUTEX);
    ck_assert_msg(fring_write(&ring, "last", 4, 0) == 0, "fring_write: %s", strerror(errno));
    ck_assert_msg(fring_close(&ring) == 0, "fring_close: %s", strerror(errno));
    expect_fail(fring_write(&ring, "more", 4, 0), EPIPE, "fring_write after fring_close");
    char got[8];
    ck_assert_msg(fring_read(&ring, got, sizeof got, 0) == 4, "after close the reader still drains what was written");
    ck_assert_msg(fring_read(&ring, got, sizeof got, 0) == 0, "drained and closed: expected 0 (end of file)");
}
END_TEST

START_TEST(calls_reject_bad_arguments)
{
    struct fring none = { NULL, 0 };
    struct fring_stats st;
    char buf[4];
    expect_fail(fring_stats(&none, &st), EINVAL, "fring_stats of no ring");
    expect_fail(fring_close(&none), EINVAL, "fring_close of no ring");
    expect_fail(fring_destroy(&none), EINVAL, "fring_destroy of no ring");
    expect_fail(fring_read(NULL, buf, 4, 0), EINVAL, "fring_read(NULL, ...)");
    expect_fail(fring_write(NULL, buf, 4, 0), EINVAL, "fring_write(NULL, ...)");
    make_ring(256, FRING_FUTEX);
    expect_fail(fring_stats(&ring, NULL), EINVAL, "fring_stats with st NULL");
    expect_fail(fring_write(&ring, NULL, 4, 0), EINVAL, "fring_write of NULL, 4 bytes");
    expect_fail(fring_read(&ring, NULL, 4, 0), EINVAL, "fring_read into NULL, 4 bytes");
    struct fring r;
    expect_fail(fring_create(&r, (size_t) 1 << 31, FRING_FUTEX), EINVAL, "fring_create beyond FRING_MAX_CAPACITY");
    expect_fail(fring_create(&r, 0, FRING_CONDVAR), EINVAL, "fring_create of 0 bytes");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(destroy_unmaps_and_clears_handle)
{
    make_ring(256, FRING_CONDVAR);
    void *where = ring.shared;
    ck_assert_msg(fring_destroy(&ring) == 0, "fring_destroy: %s", strerror(errno));
    ck_assert_msg(ring.shared == NULL && ring.map_len == 0, "after fring_destroy: expected { NULL, 0 }");
    unsigned char b;
    ck_assert_msg(lt_peek(where, &b, 1) == -1, "after fring_destroy the ring is still mapped at %p", where);
    expect_fail(fring_destroy(&ring), EINVAL, "a second fring_destroy");
}
END_TEST

/* ---- Memory ordering, under ThreadSanitizer --------------------------------

   Marked thread-sanitizer in the points file: the lab process is the
   -fsanitize=thread build, and the ring runs between two of its threads
   (the writer in its main thread, the reader in one lt_lab_thread()
   starts).  Without the release on head (and tail) and the acquire that
   pairs with it, the copies in and out of data[] race, and
   ThreadSanitizer stops the process, x86 or not. */

struct thread_reader {
    int chan;
    struct fring handle;
    uint64_t bytes, wrong;      /* bytes read until end of file; the first that was wrong, +1 */
    long rc;
    int err;
};

static void *read_until_eof(void *arg)
{
    struct thread_reader *t = arg;
    lt_use_lab_thread(t->chan);
    unsigned char buf[256];
    for (;;) {
        long n = fring_read(&t->handle, buf, 1 + (size_t) (t->bytes % 200), PATIENT_MS);
        if (n <= 0) {
            t->rc = n;
            t->err = errno;
            return NULL;
        }
        for (long i = 0; i < n && t->wrong == 0; i++)
            if (buf[i] != pattern(t->bytes + (uint64_t) i))
                t->wrong = t->bytes + (uint64_t) i + 1;
        t->bytes += (uint64_t) n;
    }
}

START_TEST(futex_ring_orders_bytes_between_threads)
{
    make_ring(FRING_MIN_CAPACITY * 2, FRING_FUTEX);
    struct thread_reader t = { .handle = ring };
    t.chan = lt_lab_thread();           /* after fring_create: the thread sees the ring made */
    pthread_t reader;
    ck_assert_msg(pthread_create(&reader, NULL, read_until_eof, &t) == 0, "pthread_create failed");
    unsigned char out[300];
    uint64_t sent = 0;
    int rc = 0;
    while (sent < 30000 && rc == 0) {
        size_t n = 1 + (size_t) (sent * 7 % 299);
        fill(out, sent, n);
        rc = fring_write(&ring, out, n, PATIENT_MS);
        sent += n;
    }
    int err = errno;
    if (rc == 0)
        rc = fring_close(&ring);
    pthread_join(reader, NULL);
    ck_assert_msg(rc == 0, "fring_write/fring_close in the writer thread: expected 0, got %d (%s)", rc, strerror(err));
    ck_assert_msg(lt_lab_thread_failure()[0] == '\0', "the reader thread: %s", lt_lab_thread_failure());
    ck_assert_msg(t.rc == 0, "fring_read in the reader thread: expected end of file, got %ld (%s)", t.rc,
                  strerror(t.err));
    ck_assert_msg(t.wrong == 0 && t.bytes == sent, "between two threads: expected %llu bytes in order, the"
                  " reader got %llu%s", (unsigned long long) sent, (unsigned long long) t.bytes,
                  t.wrong ? " with a wrong byte" : "");
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("09-futex hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, close_wakes_sleeping_reader_with_eof);
    tcase_add_test(core, ping_pong_between_processes_never_stalls);
    tcase_add_test(core, blocking_transfer_wakes_only_sleepers);
    tcase_add_test(core, read_takes_what_is_there_without_waiting);
    tcase_add_test(core, write_larger_than_ring_gets_through);
    tcase_add_test(core, odd_chunks_wrap_intact);
    tcase_add_test(core, condvar_ring_across_processes_with_eof_and_timeouts);
    tcase_add_test(core, futex_ring_orders_bytes_between_threads);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, full_write_times_out_having_written_what_fits);
    tcase_add_test(errors, write_after_close_is_epipe);
    tcase_add_test(errors, calls_reject_bad_arguments);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, destroy_unmaps_and_clears_handle);
    suite_add_tcase(s, cleanup);

    return s;
}
