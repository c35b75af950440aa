/* public.c — Lab 09's public tests: a futex ring that sleeps instead of
   spinning.

   Core:    bytes come out in order, wrapping round a small ring; a reader
            on an empty ring sleeps until a writer (another process) writes,
            and a writer on a full ring until the reader reads; nobody is
            woken when nobody waits; many messages between two processes
            lose no wake-up; the condition-variable ring moves them too.
   Errors:  a read on an empty ring times out; bad rings are EINVAL.

   The fixture and helpers (make_ring, pattern, fill, stats_ok, transfer)
   are in tests/common.h.

   $ make check LAB=9                                   # all public tests, under valgrind
   $ ./runner --run no_wake_when_nobody_waits           # one test */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(futex_ring_moves_bytes_in_order)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    unsigned char out[64], in[64];
    uint64_t written = 0, read = 0;
    /* Odd sizes, so the copies wrap round the 64-byte ring. */
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t) (round * 17) % 50;
        fill(out, written, n);
        errno = 0;
        int rc = fring_write(&ring, out, n, 0);
        ck_assert_msg(rc == 0, "fring_write of %zu bytes into an empty ring: expected 0, got %d (errno %s)", n, rc,
                      strerror(errno));
        written += n;
        long got = fring_read(&ring, in, sizeof in, 0);
        ck_assert_msg(got == (long) n, "fring_read after writing %zu bytes: expected %zu, got %ld (errno %s)", n, n,
                      got, strerror(errno));
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(in[i] == pattern(read + i), "byte %llu: expected %#x, got %#x (does the copy wrap"
                          " round the end of data[]?)", (unsigned long long) (read + i), pattern(read + i), in[i]);
        read += n;
    }
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.bytes == written, "fring_stats: expected %llu bytes written, got %llu",
                  (unsigned long long) written, (unsigned long long) st.bytes);
}
END_TEST

START_TEST(reader_sleeps_until_data_arrives)
{
    make_ring(256, FRING_FUTEX);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        sleep_ms(200);
        _exit(fring_write(&ring, "wake up", 8, PATIENT_MS) == 0 ? 0 : 1);
    }
    char got[16] = "";
    errno = 0;
    long n = fring_read(&ring, got, sizeof got, PATIENT_MS);
    int err = errno;
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status), "the writer never finished");
    ck_assert_msg(n == 8 && strcmp(got, "wake up") == 0,
                  "fring_read on an empty ring, a writer coming 0.2 s later: expected 8 bytes \"wake up\","
                  " got %ld (errno %s)", n, strerror(err));
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits >= 1 && st.wakes >= 1,
                  "the reader found the ring empty and had to sleep: expected at least 1 wait and 1 wake,"
                  " got %llu waits and %llu wakes (did it spin instead?)", (unsigned long long) st.waits,
                  (unsigned long long) st.wakes);
}
END_TEST

START_TEST(writer_blocks_when_full)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        sleep_ms(200);
        unsigned char in[64];
        uint64_t seen = 0;
        while (seen < 1000) {
            long n = fring_read(&ring, in, sizeof in, PATIENT_MS);
            if (n <= 0)
                _exit(1);
            for (long i = 0; i < n; i++)
                if (in[i] != pattern(seen + (uint64_t) i))
                    _exit(2);
            seen += (uint64_t) n;
        }
        _exit(0);
    }
    unsigned char out[1000];
    fill(out, 0, sizeof out);
    errno = 0;
    int rc = fring_write(&ring, out, sizeof out, PATIENT_MS);
    int err = errno;
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status), "the reader never finished");
    ck_assert_msg(rc == 0, "fring_write of 1000 bytes into a 64-byte ring: expected 0 once the reader took"
                  " them, got %d (errno %s)", rc, strerror(err));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the reader did not get the 1000 bytes in order (status %d)", status);
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits >= 1, "the writer filled the ring and had to sleep: expected at least 1 wait, got %llu",
                  (unsigned long long) st.waits);
}
END_TEST

START_TEST(no_wake_when_nobody_waits)
{
    make_ring(4096, FRING_FUTEX);
    unsigned char out[100], in[4096];
    for (int i = 0; i < 20; i++) {
        fill(out, (uint64_t) i * 100, sizeof out);
        ck_assert_msg(fring_write(&ring, out, sizeof out, 0) == 0, "fring_write: %s", strerror(errno));
    }
    long n = fring_read(&ring, in, sizeof in, 0);
    ck_assert_msg(n == 2000, "fring_read: expected the 2000 bytes there, got %ld (errno %s)", n, strerror(errno));
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits == 0 && st.wakes == 0,
                  "20 writes into a ring with room, then one read of what is there: nobody ever waited, so"
                  " expected 0 waits and 0 wakes, got %llu and %llu (wake only a side that waits: a"
                  " FUTEX_WAKE nobody needs is a system call per message)", (unsigned long long) st.waits,
                  (unsigned long long) st.wakes);
}
END_TEST

START_TEST(many_messages_between_processes)
{
    make_ring(256, FRING_FUTEX);
    transfer(200000, 300, 97, "200000 bytes in messages of 1-300 bytes through a 256-byte futex ring");
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.wakes <= st.waits, "wakes (%llu) outnumber waits (%llu): a side was woken that was not"
                  " waiting", (unsigned long long) st.wakes, (unsigned long long) st.waits);
}
END_TEST

START_TEST(condvar_ring_moves_bytes_too)
{
    make_ring(256, FRING_CONDVAR);
    transfer(50000, 300, 97, "50000 bytes through a 256-byte condition-variable ring");
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits >= 1, "a 256-byte ring for 50000 bytes: someone must have waited, got 0 waits");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(read_times_out_on_empty)
{
    make_ring(FRING_MIN_CAPACITY, FRING_FUTEX);
    char got[8];
    double start = now_s();
    expect_fail(fring_read(&ring, got, sizeof got, 100), ETIMEDOUT, "fring_read(..., 100 ms) of an empty ring");
    double took = now_s() - start;
    ck_assert_msg(took >= 0.095, "fring_read(..., 100 ms) gave up after %.3f s: expected at least 0.1 s", took);
    struct fring_stats st = stats_ok();
    ck_assert_msg(st.waits >= 1, "a read that timed out should have slept (waits >= 1), got %llu waits",
                  (unsigned long long) st.waits);
}
END_TEST

START_TEST(create_rejects_bad_arguments)
{
    struct fring r;
    expect_fail(fring_create(&r, 32, FRING_FUTEX), EINVAL, "fring_create of 32 bytes (< FRING_MIN_CAPACITY)");
    expect_fail(fring_create(&r, 100, FRING_FUTEX), EINVAL, "fring_create of 100 bytes (not a power of two)");
    expect_fail(fring_create(&r, 256, (enum fring_kind) 7), EINVAL, "fring_create of kind 7");
    expect_fail(fring_create(NULL, 256, FRING_FUTEX), EINVAL, "fring_create(NULL, ...)");
    ck_assert_msg(r.shared == NULL, "a failed fring_create: expected r.shared NULL");
    char buf[4];
    expect_fail(fring_write(&r, buf, 4, 0), EINVAL, "fring_write on a ring that was never made");
    expect_fail(fring_read(&r, buf, 4, 0), EINVAL, "fring_read on a ring that was never made");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("09-futex public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, futex_ring_moves_bytes_in_order);
    tcase_add_test(core, reader_sleeps_until_data_arrives);
    tcase_add_test(core, writer_blocks_when_full);
    tcase_add_test(core, no_wake_when_nobody_waits);
    tcase_add_test(core, many_messages_between_processes);
    tcase_add_test(core, condvar_ring_moves_bytes_too);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, read_times_out_on_empty);
    tcase_add_test(errors, create_rejects_bad_arguments);
    suite_add_tcase(s, errors);

    return s;
}
