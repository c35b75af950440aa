/* hidden.c — Lab 01's hidden tests: the thorough ones.

   Core:    sizes around a chunk, 64 MiB through a pipe, 0 and 1 byte and
            many wraps through the ring, a chunk larger than the ring, short
            reads at end of file, writes interrupted by signals, end of file
            after ring_close().
   Errors:  a writer that dies without closing gives the reader EPIPE after
            the bytes it did publish; a pipe reader that exits early gives the
            writer EPIPE; bad ring arguments give EINVAL.
   Cleanup: both transfers close every descriptor they open.

   Helpers are the public tests' own (this file is compiled beside them). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/time.h>
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

START_TEST(pipe_moves_sizes_around_chunk)
{
    expect_delivered(0, 999, 0, 1000);
    expect_delivered(0, 1000, 0, 1000);
    expect_delivered(0, 1001, 0, 1000);
    expect_delivered(0, 3 * 1000 + 7, 0, 1000);
}
END_TEST

START_TEST(pipe_moves_64_mib)
{
    expect_delivered(0, 64UL << 20, 0, 64 * 1024);
}
END_TEST

START_TEST(ring_moves_0_and_1_byte)
{
    expect_delivered(1, 0, 4096, 512);
    expect_delivered(1, 1, 4096, 512);
}
END_TEST

START_TEST(ring_wraps_with_odd_chunks)
{
    expect_delivered(1, 3 * 4096 + 123, 4096, 10000);   /* one write bigger than the ring */
    expect_delivered(1, 100003, RING_MIN_CAPACITY, 37); /* some 1600 laps of a tiny ring */
}
END_TEST

/* Ten bytes, then the write end closes: asking for 100 gives 10, then 0.
   Five more bytes come late from a child: asking for 10 waits for them. */
static struct reply short_reads(void *arg)
{
    (void) arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    int p[2];
    unsigned char buf[100];
    if (pipe(p) == -1 || write(p[1], "0123456789", 10) != 10) {
        rep.rc = -100;
        return rep;
    }
    pid_t late = fork();
    if (late == 0) {
        struct timespec nap = { 0, 50 * 1000 * 1000 };
        nanosleep(&nap, NULL);
        _exit(write(p[1], "abcde", 5) == 5 ? 0 : 1);
    }
    close(p[1]);
    ssize_t first = pipe_recv(p[0], buf, 15);           /* 10 now, 5 later */
    int same = first == 15 && memcmp(buf, "0123456789abcde", 15) == 0;
    ssize_t second = pipe_recv(p[0], buf, sizeof buf);  /* end of file: 0 */
    rep.err = errno;
    close(p[0]);
    waitpid(late, NULL, 0);
    rep.rc = first * 1000 + second * 10 + same;
    return rep;
}

START_TEST(pipe_recv_waits_for_all_and_stops_at_eof)
{
    struct reply rep = run_bounded(short_reads, NULL, "pipe_recv on a pipe that gets 10 + 5 bytes");
    ck_assert_msg(rep.rc != -100, "test set-up failed (pipe/write)");
    long first = rep.rc / 1000, second = rep.rc % 1000 / 10, same = rep.rc % 10;
    ck_assert_msg(first == 15 && same,
                  "pipe_recv(15) with 10 bytes there and 5 more coming: expected 15 bytes in"
                  " order, got %ld%s", first, first == 15 ? " with the wrong contents" : "");
    ck_assert_msg(second == 0, "pipe_recv(100) at end of file: expected 0, got %ld", second);
}
END_TEST

/* SIGALRM every millisecond with no SA_RESTART: write() returns short
   counts or fails with EINTR, and pipe_transfer must carry on. */
static void on_alarm(int sig)
{
    (void) sig;
}

static struct reply transfer_under_signals(void *arg)
{
    struct xfer_args *a = arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;           /* no SA_RESTART: calls are interrupted */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &every_ms, NULL);
    struct reply rep = do_transfer(a);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    return rep;
}

START_TEST(pipe_transfer_survives_signals)
{
    size_t len = 8UL << 20;
    unsigned char *buf = bufs[0] = pattern(len, 77);
    struct xfer_args a = { 0, buf, len, 0, 1UL << 20 };
    struct reply rep = run_bounded(transfer_under_signals, &a,
                                   "pipe_transfer(8 MiB, chunk 1 MiB) with SIGALRM every ms");
    ck_assert_msg(rep.rc == 0, "pipe_transfer(8 MiB) interrupted by signals: expected 0, got %ld (%s)",
                  rep.rc, strerror(rep.err));
    ck_assert_msg(rep.res.bytes == len && rep.res.checksum == xfer_checksum(buf, len),
                  "pipe_transfer(8 MiB) interrupted by signals: the child got %llu bytes%s,"
                  " expected %zu with the same checksum (a short write not resent?)",
                  (unsigned long long) rep.res.bytes,
                  rep.res.checksum == xfer_checksum(buf, len) ? "" : " with another checksum", len);
}
END_TEST

/* A writer that sends 100 bytes and then closes, or just exits. */
static struct reply writer_sends_100_and_closes(void *arg)
{
    struct ring *r = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char msg[100];
    memset(msg, 'x', sizeof msg);
    ring_take_side(r, RING_WRITER);
    rep.rc = ring_write(r, msg, sizeof msg) == 0 && ring_close(r) == 0 ? 0 : -1;
    rep.err = errno;
    return rep;
}

static struct reply writer_sends_100_and_dies(void *arg)
{
    struct ring *r = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char msg[100];
    memset(msg, 'y', sizeof msg);
    ring_take_side(r, RING_WRITER);
    rep.rc = ring_write(r, msg, sizeof msg);
    rep.err = errno;
    return rep;                         /* and exits without ring_close() */
}

/* The reader: read until 0 or -1; rc = bytes read, err = errno of the last
   call, res.bytes = the last call's return value (0 or -1). */
static struct reply reader_drains(void *arg)
{
    struct ring *r = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char buf[64];
    ssize_t n;
    ring_take_side(r, RING_READER);
    while ((n = ring_read(r, buf, sizeof buf)) > 0)
        rep.rc += n;
    rep.err = errno;
    rep.res.bytes = (uint64_t) (int64_t) n;
    return rep;
}

/* Start the writer and the reader, let go of the ring here, reap both. */
static void writer_then_reader(child_fn writer_fn, struct reply *wr, struct reply *rr)
{
    struct ring *r = new_ring(4096);
    int wfd, rfd;
    pid_t writer = spawn(writer_fn, r, &wfd);
    pid_t reader = spawn(reader_drains, r, &rfd);
    int rc = ring_destroy(r);
    ck_assert_msg(rc == 0, "ring_destroy in the parent: expected 0, got %d (%s)", rc, strerror(errno));
    *wr = reap(writer, wfd, "a writer of 100 bytes");
    *rr = reap(reader, rfd, "ring_read() until it returns 0 or -1");
}

START_TEST(ring_read_returns_eof_after_close)
{
    struct reply wr, rr;
    writer_then_reader(writer_sends_100_and_closes, &wr, &rr);
    ck_assert_msg(wr.rc == 0, "writer: ring_write(100) + ring_close: expected 0, got %ld (%s)",
                  wr.rc, strerror(wr.err));
    ck_assert_msg(rr.rc == 100 && (int64_t) rr.res.bytes == 0,
                  "reader after 100 bytes and ring_close: expected 100 bytes then 0 (end of file),"
                  " got %ld bytes then %lld (%s)", rr.rc, (long long) (int64_t) rr.res.bytes,
                  strerror(rr.err));
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(ring_read_fails_when_writer_dies_without_close)
{
    struct reply wr, rr;
    writer_then_reader(writer_sends_100_and_dies, &wr, &rr);
    ck_assert_msg(wr.rc == 0, "writer: ring_write(100): expected 0, got %ld (%s)",
                  wr.rc, strerror(wr.err));
    ck_assert_msg(rr.rc == 100, "reader: expected the 100 bytes the writer published before it"
                  " died, got %ld", rr.rc);
    ck_assert_msg((int64_t) rr.res.bytes == -1 && rr.err == EPIPE,
                  "reader, writer gone without ring_close: expected -1 with EPIPE, got %lld (%s)",
                  (long long) (int64_t) rr.res.bytes, strerror(rr.err));
}
END_TEST

/* A pipe whose only reader takes 100 bytes and exits; pipe_send of 1 MiB
   must then fail with EPIPE (SIGPIPE ignored here). */
static struct reply send_to_early_quitter(void *arg)
{
    (void) arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    size_t len = 1UL << 20;
    unsigned char *buf = calloc(1, len);
    if (buf == NULL || pipe(p) == -1) {
        free(buf);
        rep.rc = -100;
        return rep;
    }
    pid_t reader = fork();
    if (reader == 0) {
        unsigned char got[100];
        close(p[1]);
        ssize_t n = read(p[0], got, sizeof got);
        _exit(n > 0 ? 0 : 1);
    }
    close(p[0]);
    errno = 0;
    rep.rc = pipe_send(p[1], buf, len);
    rep.err = errno;
    close(p[1]);
    waitpid(reader, NULL, 0);
    free(buf);
    return rep;
}

START_TEST(pipe_send_fails_with_epipe_when_reader_exits)
{
    struct reply rep = run_bounded(send_to_early_quitter, NULL,
                                   "pipe_send(1 MiB) to a reader that exits after 100 bytes");
    ck_assert_msg(rep.rc != -100, "test set-up failed (calloc/pipe)");
    ck_assert_msg(rep.rc == -1 && rep.err == EPIPE,
                  "pipe_send(1 MiB) after the reader exited: expected -1 with EPIPE, got %ld (%s)",
                  rep.rc, strerror(rep.err));
}
END_TEST

START_TEST(ring_calls_reject_bad_arguments)
{
    struct ring *r = new_ring(4096);
    unsigned char b[8] = { 0 };
    expect_fail(ring_write(NULL, b, 1), EINVAL, "ring_write(NULL, b, 1)");
    expect_fail(ring_write(r, NULL, 1), EINVAL, "ring_write(r, NULL, 1)");
    expect_fail(ring_read(NULL, b, 1), EINVAL, "ring_read(NULL, b, 1)");
    expect_fail(ring_read(r, NULL, 1), EINVAL, "ring_read(r, NULL, 1)");
    expect_fail(ring_read(r, b, 0), EINVAL, "ring_read(r, b, 0)");
    expect_fail(ring_close(NULL), EINVAL, "ring_close(NULL)");
    expect_fail(ring_take_side(r, (enum ring_side) 7), EINVAL, "ring_take_side(r, 7)");
    expect_fail(ring_destroy(NULL), EINVAL, "ring_destroy(NULL)");
    /* Nothing was written: head is still 0. */
    ck_assert_msg(atomic_load(&r->shared->head) == 0,
                  "after only rejected calls: expected head 0, got %llu",
                  (unsigned long long) atomic_load(&r->shared->head));
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_msg(d != NULL, "opendir /proc/self/fd: %s", strerror(errno));
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static struct reply both_transfers_fd_delta(void *arg)
{
    (void) arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char buf[5000];
    memset(buf, 'z', sizeof buf);
    struct xfer_result res;
    int before = count_fds();
    long a = pipe_transfer(buf, sizeof buf, 1024, &res);
    int mid = count_fds();
    long b = ring_transfer(buf, sizeof buf, 4096, 1024, &res);
    int after = count_fds();
    rep.rc = a == 0 && b == 0 ? 0 : -1;
    rep.err = errno;
    rep.res.bytes = (uint64_t) (mid - before);
    rep.res.checksum = (uint64_t) (after - mid);
    return rep;
}

START_TEST(transfers_close_every_descriptor)
{
    struct reply rep = run_bounded(both_transfers_fd_delta, NULL, "pipe_transfer + ring_transfer");
    ck_assert_msg(rep.rc == 0, "pipe_transfer and ring_transfer of 5000 bytes: expected 0, got -1 (%s)",
                  strerror(rep.err));
    ck_assert_msg(rep.res.bytes == 0, "pipe_transfer left %lld descriptor(s) open",
                  (long long) (int64_t) rep.res.bytes);
    ck_assert_msg(rep.res.checksum == 0, "ring_transfer left %lld descriptor(s) open",
                  (long long) (int64_t) rep.res.checksum);
    ck_assert_msg(count_segments() == 0, "after the transfers: expected no segment, found %d",
                  count_segments());
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("01-pipe-vs-shm hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, pipe_moves_sizes_around_chunk);
    tcase_add_test(core, pipe_moves_64_mib);
    tcase_add_test(core, ring_moves_0_and_1_byte);
    tcase_add_test(core, ring_wraps_with_odd_chunks);
    tcase_add_test(core, pipe_recv_waits_for_all_and_stops_at_eof);
    tcase_add_test(core, pipe_transfer_survives_signals);
    tcase_add_test(core, ring_read_returns_eof_after_close);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, ring_read_fails_when_writer_dies_without_close);
    tcase_add_test(errors, pipe_send_fails_with_epipe_when_reader_exits);
    tcase_add_test(errors, ring_calls_reject_bad_arguments);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, transfers_close_every_descriptor);
    suite_add_tcase(s, cleanup);

    return s;
}
