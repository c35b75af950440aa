/* public.c — Lab 01's public tests: pipe vs shared memory ring.

   Core:    pipe_transfer() and ring_transfer() deliver sizes 0, 1, odd sizes
            and sizes around the ring's capacity with the right checksum; the
            ring moves 64 MiB; ring_throughput (0 points) times 128 MiB for
            Gradescope's leaderboard.
   Errors:  bad arguments give -1 and EINVAL; a reader that exits early makes
            the writer fail with EPIPE instead of hanging.
   Cleanup: ring_destroy() removes the segment; a transfer leaves none.

   Everything that could block for ever on a wrong lab.c runs in a forked
   child with a deadline, so it fails with a message instead of timing out.
   That helper and the fixture are in tests/common.h (the grader's hidden
   tests use them too).

   $ make check LAB=1 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(pipe_moves_sizes_0_1_and_odd)
{
    expect_delivered(0, 0, 0, 4096);
    expect_delivered(0, 1, 0, 4096);
    expect_delivered(0, 3 * 4096 + 5, 0, 4096);     /* not a multiple of the chunk */
    expect_delivered(0, 200003, 0, 65536);          /* beyond the pipe's 64 KiB buffer */
}
END_TEST

START_TEST(ring_moves_sizes_around_capacity)
{
    expect_delivered(1, 4096 - 1, 4096, 1024);
    expect_delivered(1, 4096, 4096, 1024);
    expect_delivered(1, 4096 + 1, 4096, 1024);
}
END_TEST

START_TEST(ring_moves_64_mib)
{
    expect_delivered(1, 64UL << 20, 1UL << 20, 64 * 1024);
}
END_TEST

/* Not graded (0 points): how fast the ring moves 128 MiB, best of three,
   timed here in the test process, not by lab.c.  It runs natively (the
   points file's @leaderboard line), and Gradescope's leaderboard shows it as
   a ratio to the reference solution timed on the same machine. */
START_TEST(ring_throughput)
{
    const size_t len = 128UL << 20;
    unsigned char *buf = pattern(len, 2026);
    double best = 0;
    for (int run = 0; run < 3; run++) {
        struct xfer_result res = { 0, 0 };
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = ring_transfer(buf, len, 1UL << 20, 64 * 1024, &res);
        int err = errno;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ck_assert_msg(rc == 0, "ring_transfer(128 MiB): expected 0, got %d (%s)", rc, strerror(err));
        ck_assert_msg(res.bytes == len && res.checksum == xfer_checksum(buf, len),
                      "ring_transfer(128 MiB): %llu bytes, checksum %016llx: not the bytes sent",
                      (unsigned long long) res.bytes, (unsigned long long) res.checksum);
        double s = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (s > 0 && (double) len / s / 1e6 > best)
            best = (double) len / s / 1e6;
    }
    labtest_metric(best);                       /* MB/s */
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(transfers_reject_bad_arguments)
{
    struct xfer_result res;
    unsigned char b[8] = { 0 };
    expect_fail(pipe_transfer(b, sizeof b, 0, &res), EINVAL, "pipe_transfer with chunk 0");
    expect_fail(pipe_transfer(b, sizeof b, 4, NULL), EINVAL, "pipe_transfer with res NULL");
    expect_fail(ring_transfer(b, sizeof b, 4096, 0, &res), EINVAL, "ring_transfer with chunk 0");
    expect_fail(ring_transfer(b, sizeof b, 1000, 4, &res), EINVAL,
                "ring_transfer with capacity 1000 (not a power of two)");
    struct ring r;
    expect_fail(ring_create(&r, 0), EINVAL, "ring_create(&r, 0)");
    expect_fail(ring_create(&r, 3000), EINVAL, "ring_create(&r, 3000)");
    expect_fail(ring_create(NULL, 4096), EINVAL, "ring_create(NULL, 4096)");
    ck_assert_msg(count_segments() == 0, "after only rejected calls: expected no segment, found %d",
                  count_segments());
    /* ... and a good call works. */
    new_ring(RING_MIN_CAPACITY);
}
END_TEST

/* The reader takes 100 bytes and exits; the writer has 1 MiB to put through
   a 4 KiB ring: it must notice and fail, not wait for ever. */
static struct reply reader_takes_100(void *arg)
{
    struct ring *r = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char got[100];
    size_t n = 0;
    ring_take_side(r, RING_READER);
    while (n < sizeof got) {
        ssize_t k = ring_read(r, got + n, sizeof got - n);
        if (k <= 0)
            break;
        n += (size_t) k;
    }
    rep.rc = (long) n;
    return rep;
}

static struct reply writer_sends_1_mib(void *arg)
{
    struct ring *r = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    size_t len = 1UL << 20;
    unsigned char *buf = calloc(1, len);
    if (buf == NULL) {
        rep.rc = -2;
        return rep;
    }
    ring_take_side(r, RING_WRITER);
    errno = 0;
    rep.rc = ring_write(r, buf, len);
    rep.err = errno;
    free(buf);
    return rep;
}

START_TEST(ring_write_fails_when_reader_exits_early)
{
    struct ring *r = new_ring(4096);
    int rfd, wfd;
    pid_t reader = spawn(reader_takes_100, r, &rfd);
    pid_t writer = spawn(writer_sends_1_mib, r, &wfd);
    /* This process is neither side: it lets go of the ring (the segment
       lives on while the children have it attached), so that the lifeline
       ends left open are exactly the writer's and the reader's. */
    int rc = ring_destroy(r);
    ck_assert_msg(rc == 0, "ring_destroy in the parent: expected 0, got %d (%s)", rc, strerror(errno));
    struct reply rr = reap(reader, rfd, "a reader that takes 100 bytes and exits");
    struct reply wr = reap(writer, wfd, "ring_write(1 MiB) into a 4 KiB ring whose reader exits"
                           " after 100 bytes");
    ck_assert_msg(rr.rc == 100, "the reader: expected to read 100 bytes, got %ld", rr.rc);
    expect_reply_fail(wr, EPIPE, "ring_write(1 MiB) after the reader exited");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(ring_destroy_removes_segment)
{
    struct ring *r = new_ring(8192);
    int shmid = r->shmid;
    ck_assert_msg(ring_destroy(r) == 0, "ring_destroy: expected 0, got -1 (%s)", strerror(errno));
    struct shmid_ds ds;
    errno = 0;
    int rc = shmctl(shmid, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed ring's segment: expected -1/EINVAL, got %d (%s)%s",
                  rc, strerror(errno), rc == 0 && (ds.shm_perm.mode & SHM_DEST) ?
                  " - marked for removal but still attached: shmdt it" : "");
    ck_assert_msg(r->shmid == -1 && r->shared == NULL && r->life[0] == -1 && r->life[1] == -1,
                  "after ring_destroy: expected shmid -1, shared NULL, life {-1, -1}; got %d, %p, {%d, %d}",
                  r->shmid, (void *) r->shared, r->life[0], r->life[1]);
    expect_fail(ring_destroy(r), EINVAL, "a second ring_destroy of the same ring");
}
END_TEST

START_TEST(ring_transfer_leaves_no_segment)
{
    expect_delivered(1, 100000, 65536, 4096);
    int n = count_segments();
    ck_assert_msg(n == 0, "after ring_transfer: expected no segment left, found %d", n);
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("01-pipe-vs-shm public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, pipe_moves_sizes_0_1_and_odd);
    tcase_add_test(core, ring_moves_sizes_around_capacity);
    tcase_add_test(core, ring_moves_64_mib);
    tcase_add_test(core, ring_throughput);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, transfers_reject_bad_arguments);
    tcase_add_test(errors, ring_write_fails_when_reader_exits_early);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, ring_destroy_removes_segment);
    tcase_add_test(cleanup, ring_transfer_leaves_no_segment);
    suite_add_tcase(s, cleanup);

    return s;
}
