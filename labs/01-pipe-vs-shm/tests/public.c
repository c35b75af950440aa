/* public.c — Lab 01's public tests: pipe vs shared memory ring.

   Core:    pipe_transfer() and ring_transfer() deliver sizes 0, 1, odd sizes
            and sizes around the ring's capacity with the right checksum; the
            ring moves 64 MiB.
   Errors:  bad arguments give -1 and EINVAL; a reader that exits early makes
            the writer fail with EPIPE instead of hanging.
   Cleanup: ring_destroy() removes the segment; a transfer leaves none.

   Everything that could block for ever on a wrong lab.c runs in a forked
   child with a deadline, so it fails with a message instead of timing out.

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

/* ---- Helpers ---------------------------------------------------------- */

/* A buffer of n pseudo-random bytes (xorshift64, filled a word at a time so
   that 64 MiB stays quick under valgrind).  Different seeds, different
   bytes: a swapped or repeated chunk changes the checksum. */
static unsigned char *pattern(size_t n, uint64_t seed)
{
    unsigned char *buf = malloc(n > 0 ? n : 1);
    ck_assert_msg(buf != NULL, "malloc(%zu) failed", n);
    uint64_t x = seed | 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *(xfer_word *) (buf + i) = x;
    }
    for (; i < n; i++)
        buf[i] = (unsigned char) (x >> (i % 8 * 8));
    return buf;
}

#define MAX_KIDS 4
static pid_t kids[MAX_KIDS];            /* children a test started (see spawn) */
static int nkids;

/* Rings made in a test, with the shmid each got, so the teardown can remove
   the segments even when ring_destroy() is wrong. */
#define MAX_RINGS 2
static struct ring rings[MAX_RINGS];
static int made_shmid[MAX_RINGS];
static int nrings;
static unsigned char *bufs[2];

static void setup(void)
{
    nrings = 0;
    nkids = 0;
    bufs[0] = bufs[1] = NULL;
}

/* Never asserts: a failure here would hide the test's own message. */
static void teardown(void)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] > 0) {
            kill(-kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
        }
    nkids = 0;
    for (int i = 0; i < nrings; i++) {
        if (rings[i].shmid != -1)
            ring_destroy(&rings[i]);
        if (made_shmid[i] != -1)
            shmctl(made_shmid[i], IPC_RMID, NULL);      /* fails if already gone: fine */
    }
    nrings = 0;
    free(bufs[0]);
    free(bufs[1]);
}

static struct ring *new_ring(size_t capacity)
{
    ck_assert_msg(nrings < MAX_RINGS, "test bug: more than %d rings", MAX_RINGS);
    struct ring *r = &rings[nrings];
    r->shmid = -1;
    r->shared = NULL;
    r->life[0] = r->life[1] = -1;
    int rc = ring_create(r, capacity);
    int err = errno;
    made_shmid[nrings++] = r->shmid;
    ck_assert_msg(rc == 0, "ring_create(%zu): expected 0, got %d (%s)", capacity, rc, strerror(err));
    ck_assert_msg(r->shmid != -1 && r->shared != NULL && r->life[0] != -1 && r->life[1] != -1,
                  "ring_create(%zu) returned 0 but shmid %d, shared %p, life {%d, %d}",
                  capacity, r->shmid, (void *) r->shared, r->life[0], r->life[1]);
    return r;
}

/* Wait up to `seconds` for child pid.  1 when it ended (*status set), 0 not. */
static int wait_deadline(pid_t pid, double seconds, int *status)
{
    struct timespec start, now, tick = { 0, 5 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return 1;
        ck_assert_msg(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 > seconds)
            return 0;
        nanosleep(&tick, NULL);
    }
}

/* What a bounded child sends back. */
struct reply {
    long rc;                    /* the call's return value */
    int err;                    /* errno after it */
    struct xfer_result res;     /* transfers: what the receiver saw */
};

typedef struct reply (*child_fn)(void *arg);

/* Start fn(arg) in a child that leads its own process group and sends fn's
   reply through a pipe (*fd: its read end). */
static pid_t spawn(child_fn fn, void *arg, int *fd)
{
    int p[2], slot = 0;
    while (slot < nkids && kids[slot] != 0)
        slot++;
    ck_assert_msg(slot < MAX_KIDS, "test bug: more than %d children at once", MAX_KIDS);
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        close(p[0]);
        struct reply rep = fn(arg);
        _exit(write(p[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 3);
    }
    setpgid(pid, pid);          /* both sides, so the group exists before we need it */
    close(p[1]);
    kids[slot] = pid;
    if (slot == nkids)
        nkids++;
    *fd = p[0];
    return pid;
}

/* Wait for a spawned child up to LABTEST_PATIENCE_S, kill its group whether
   or not it ended, and return its reply; fail the test if it did not end or
   did not reply. */
static struct reply reap(pid_t pid, int fd, const char *what)
{
    int status, ended = wait_deadline(pid, LABTEST_PATIENCE_S, &status);
    kill(-pid, SIGKILL);        /* whatever it started, stuck or not */
    if (!ended)
        waitpid(pid, &status, 0);
    for (int i = 0; i < nkids; i++)
        if (kids[i] == pid)
            kids[i] = 0;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    ssize_t n = ended ? read(fd, &rep, sizeof rep) : 0;
    close(fd);
    ck_assert_msg(ended, "%s: expected it to return, still running after %d s (a wait that"
                  " never ends?)", what, LABTEST_PATIENCE_S);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t) sizeof rep,
                  "%s in a child: expected it to return, got %s %d", what,
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return rep;
}

static struct reply run_bounded(child_fn fn, void *arg, const char *what)
{
    int fd;
    pid_t pid = spawn(fn, arg, &fd);
    return reap(pid, fd, what);
}

/* One transfer: which, what, and through what. */
struct xfer_args {
    int use_ring;
    const unsigned char *buf;
    size_t len, capacity, chunk;
};

static struct reply do_transfer(void *arg)
{
    struct xfer_args *a = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    errno = 0;
    rep.rc = a->use_ring ? ring_transfer(a->buf, a->len, a->capacity, a->chunk, &rep.res)
                         : pipe_transfer(a->buf, a->len, a->chunk, &rep.res);
    rep.err = errno;
    return rep;
}

/* Transfer len pattern bytes and expect every one back, in order. */
static void expect_delivered(int use_ring, size_t len, size_t capacity, size_t chunk)
{
    unsigned char *buf = bufs[0] = pattern(len, len * 2654435761u + chunk);
    struct xfer_args a = { use_ring, buf, len, capacity, chunk };
    char what[128];
    if (use_ring)
        snprintf(what, sizeof what, "ring_transfer(%zu bytes, capacity %zu, chunk %zu)",
                 len, capacity, chunk);
    else
        snprintf(what, sizeof what, "pipe_transfer(%zu bytes, chunk %zu)", len, chunk);
    struct reply rep = run_bounded(do_transfer, &a, what);
    ck_assert_msg(rep.rc == 0, "%s: expected 0, got %ld (%s)", what, rep.rc, strerror(rep.err));
    ck_assert_msg(rep.res.bytes == len, "%s: the child received %llu bytes, expected %zu",
                  what, (unsigned long long) rep.res.bytes, len);
    ck_assert_msg(rep.res.checksum == xfer_checksum(buf, len),
                  "%s: checksum %016llx, expected %016llx (bytes lost, repeated or out of order)",
                  what, (unsigned long long) rep.res.checksum,
                  (unsigned long long) xfer_checksum(buf, len));
    free(buf);
    bufs[0] = NULL;
}

/* Segments in this IPC namespace (each test has its own). */
static int count_segments(void)
{
    struct shm_info info;
    int rc = shmctl(0, SHM_INFO, (struct shmid_ds *) &info);
    ck_assert_msg(rc != -1, "shmctl(SHM_INFO): %s", strerror(errno));
    return info.used_ids;
}

#define expect_fail(call, want_errno, what)                                         \
    do {                                                                            \
        errno = 0;                                                                  \
        long rc_ = (long) (call);                                                   \
        int err_ = errno;                                                           \
        ck_assert_msg(rc_ == -1 && err_ == (want_errno),                            \
                      "%s: expected -1 with errno %s, got %ld with errno %d (%s)",  \
                      (what), #want_errno, rc_, err_, strerror(err_));              \
    } while (0)

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
    ck_assert_msg(wr.rc == -1 && wr.err == EPIPE,
                  "ring_write(1 MiB) after the reader exited: expected -1 with EPIPE, got %ld (%s)",
                  wr.rc, strerror(wr.err));
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
