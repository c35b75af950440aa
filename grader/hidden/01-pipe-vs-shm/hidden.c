/* hidden.c — Lab 01's hidden tests: the thorough ones.

   Core:    sizes around a chunk, 64 MiB through a pipe, 0 and 1 byte and
            many wraps through the ring, a chunk larger than the ring, short
            reads at end of file, writes interrupted by signals, end of file
            after ring_close().
   Errors:  a writer that dies without closing gives the reader EPIPE after
            the bytes it did publish; a pipe reader that exits early gives the
            writer EPIPE; bad ring arguments give EINVAL.
   Cleanup: both transfers close every descriptor they open.

   Helpers are the public tests' own, from tests/common.h. */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

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

/* Signals that land while the writer is blocked inside write(2).  A timer
   cannot do this on every machine: under valgrind a 1 MiB write() takes
   longer to check than a short timer's period, so the signal always lands
   before the call reaches the kernel and valgrind restarts it, for ever.
   Instead the test makes the call block, then interrupts it: it stops the
   reader (SIGSTOP), so the pipe fills; waits until /proc/PID/syscall shows
   the writer inside write(); sends SIGALRM (handler without SA_RESTART),
   which makes that write() return a short count, or -1 with EINTR if
   nothing went in (pipe(7), signal(7)); waits until the signal has been
   delivered; lets the reader go on.
   Every round forces one short write or EINTR, on any machine, at any speed. */
static void on_alarm(int sig)
{
    (void) sig;
}

static struct reply transfer_with_handler(void *arg)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;           /* no SA_RESTART: calls are interrupted */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    lt_mirror_signals();                /* the lab process makes the write()s */
    return do_transfer(arg);
}

/* /proc/PID/syscall: "1 0x3 0x7f... 0x100000 ..." while blocked in write,
   "running" between calls (proc(5)).  0 if pid is gone or unreadable. */
static int read_syscall(pid_t pid, char *line, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/syscall", (long) pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int ok = fgets(line, (int) len, f) != NULL;
    fclose(f);
    return ok;
}

/* Is SIGALRM still pending for pid (proc(5): SigPnd, ShdPnd are hex masks,
   bit sig - 1)?  0 once delivered, or if pid is gone. */
static int alarm_pending(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long) pid);
    FILE *f = fopen(path, "r");
    int pending = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0)
            pending |= (strtoull(line + 7, NULL, 16) >> (SIGALRM - 1)) & 1;
    if (f != NULL)
        fclose(f);
    return pending;
}

static int in_write(const char *line)
{
    return strtol(line, NULL, 10) == SYS_write && strncmp(line, "running", 7) != 0;
}

/* Send sig to every child of parent (found by scanning /proc: the reader
   that pipe_transfer forked); how many there were. */
static int signal_children(pid_t parent, int sig)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        char *paren = strrchr(buf, ')');
        int ppid;
        if (paren != NULL && sscanf(paren + 1, " %*c %d", &ppid) == 1 && ppid == parent) {
            kill((pid_t) atol(e->d_name), sig);
            n++;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - t0->tv_sec) + (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
}

#define INTERRUPT_ROUNDS 3

/* Wait until writer is blocked in write(), then SIGALRM it and wait until
   the signal is delivered.  1 if it landed inside write(), 0 if the writer
   did not block there within the patience (or is gone). */
static int interrupt_one_write(pid_t writer, const struct timespec *t0)
{
    struct timespec tick = { 0, 1000 * 1000 };
    char line[512];
    struct timespec elsewhere;          /* since when it waits in another call */
    int waiting_elsewhere = 0;
    while (read_syscall(writer, line, sizeof line) && !in_write(line) &&
           seconds_since(t0) < LABTEST_PATIENCE_S) {
        /* With its reader stopped, a writer that sleeps in another call
           (waitpid after giving up, say) will not write again. */
        if (strncmp(line, "running", 7) == 0) {
            waiting_elsewhere = 0;
        } else if (!waiting_elsewhere) {
            waiting_elsewhere = 1;
            clock_gettime(CLOCK_MONOTONIC, &elsewhere);
        } else if (seconds_since(&elsewhere) > 0.5) {
            return 0;
        }
        nanosleep(&tick, NULL);
    }
    if (!read_syscall(writer, line, sizeof line) || !in_write(line))
        return 0;
    kill(writer, SIGALRM);
    /* The call is interrupted once the kernel has delivered the signal: it
       is no longer pending (SigPnd, ShdPnd in /proc/PID/status). */
    while (alarm_pending(writer) && seconds_since(t0) < LABTEST_PATIENCE_S)
        nanosleep(&tick, NULL);
    return 1;
}

/* Up to INTERRUPT_ROUNDS rounds, each with the reader stopped: the first
   signal lands in a write() that has put some bytes in the pipe (a short
   count, or EINTR if it had none), the second in the write() of the rest,
   which finds the pipe full and gets nothing in: EINTR.  Between rounds the
   reader runs freely, and on a fast machine it may take everything before
   the next round stops it: then the writer is done and the rounds end.
   Returns how many signals landed inside write() (2 per complete round). */
static int interrupt_writes(pid_t writer)
{
    struct timespec t0, tick = { 0, 1000 * 1000 };
    int landed = 0;
    for (int round = 0; round < INTERRUPT_ROUNDS; round++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);            /* patience per round */
        while (signal_children(writer, SIGSTOP) == 0 && seconds_since(&t0) < LABTEST_PATIENCE_S)
            nanosleep(&tick, NULL);                     /* no reader yet */
        int ok = interrupt_one_write(writer, &t0) && interrupt_one_write(writer, &t0);
        landed += ok ? 2 : 0;
        signal_children(writer, SIGCONT);
        if (!ok)
            break;
    }
    return landed;
}

START_TEST(pipe_transfer_survives_signals)
{
    size_t len = 8UL << 20;
    unsigned char *buf = pattern(len, 77);
    struct xfer_args a = { 0, buf, len, 0, 1UL << 20 };
    int fd;
    pid_t writer = spawn(transfer_with_handler, &a, &fd);
    int landed = interrupt_writes(lt_peer(writer));    /* the lab process that writes */
    struct reply rep = reap(writer, fd, "pipe_transfer(8 MiB, chunk 1 MiB) with its writes"
                                        " interrupted by signals");
    ck_assert_msg(rep.rc == 0, "pipe_transfer(8 MiB) with %d writes interrupted by a signal:"
                  " expected 0, got %ld (%s)", landed, rep.rc, strerror(rep.err));
    ck_assert_msg(rep.res.bytes == len && rep.res.checksum == xfer_checksum(buf, len),
                  "pipe_transfer(8 MiB) with %d writes interrupted by a signal: the child got"
                  " %llu bytes%s, expected %zu with the same checksum (a short write not"
                  " resent, or EINTR not retried?)", landed,
                  (unsigned long long) rep.res.bytes,
                  rep.res.checksum == xfer_checksum(buf, len) ? "" : " with another checksum", len);
    /* At least the first round: how many more fit before the data is all
       through depends on the machine's speed, not on lab.c. */
    ck_assert_msg(landed >= 2, "pipe_transfer(8 MiB, chunk 1 MiB) with the reader stopped: expected"
                  " its write() to block at least twice so a signal could interrupt it, it did %d"
                  " times (does it write through the pipe in chunks?)", landed);
}
END_TEST

/* A writer that sends 100 bytes and then closes (rc 0 when both calls
   return 0, else -1), or just exits without ring_close() (rc: ring_write's). */
struct writer_args {
    struct ring *r;
    int closes;
};

static struct reply writer_sends_100(void *arg)
{
    struct writer_args *a = arg;
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    unsigned char msg[100];
    memset(msg, a->closes ? 'x' : 'y', sizeof msg);
    ring_take_side(a->r, RING_WRITER);
    rep.rc = ring_write(a->r, msg, sizeof msg);
    if (a->closes)
        rep.rc = rep.rc == 0 && ring_close(a->r) == 0 ? 0 : -1;
    rep.err = errno;
    return rep;
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

/* Start the writer (closing or not) and the reader, let go of the ring
   here, reap both. */
static void writer_then_reader(int writer_closes, struct reply *wr, struct reply *rr)
{
    struct ring *r = new_ring(4096);
    struct writer_args w = { r, writer_closes };
    int wfd, rfd;
    pid_t writer = spawn(writer_sends_100, &w, &wfd);
    pid_t reader = spawn(reader_drains, r, &rfd);
    int rc = ring_destroy(r);
    ck_assert_msg(rc == 0, "ring_destroy in the parent: expected 0, got %d (%s)", rc, strerror(errno));
    *wr = reap(writer, wfd, "a writer of 100 bytes");
    *rr = reap(reader, rfd, "ring_read() until it returns 0 or -1");
}

START_TEST(ring_read_returns_eof_after_close)
{
    struct reply wr, rr;
    writer_then_reader(1, &wr, &rr);
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
    writer_then_reader(0, &wr, &rr);
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
    lt_mirror_signals();                /* the lab process makes the write()s */
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
    expect_reply_fail(rep, EPIPE, "pipe_send(1 MiB) after the reader exited");
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
    ck_assert_msg(LT_READ(r->shared->head) == 0,
                  "after only rejected calls: expected head 0, got %llu",
                  (unsigned long long) LT_READ(r->shared->head));
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

static int count_fds(void)
{
    /* The descriptors of the lab process that makes the calls. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", (long) lt_lab_pid());
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "opendir %s: %s", path, strerror(errno));
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

/* ---- Memory ordering, under ThreadSanitizer --------------------------------

   These tests are marked thread-sanitizer in the points file: the lab
   process is the -fsanitize=thread build.  The ring runs between two
   threads of it, on one attachment: the writer in the lab process's main
   thread, the reader in a second one (lt_lab_thread).  ThreadSanitizer
   follows the C11 memory model, not the CPU: if the store that publishes
   head is not a release that the reader's acquire load of head pairs with
   (and tail the other way round), the reader's copy out of data[] races
   with the writer's copy into it, and ThreadSanitizer stops the process
   at the first such race, x86 or not. */

struct thread_reader {
    int chan;                   /* the lab thread the reader's calls go to */
    struct ring handle;         /* the reader's own copy of the handle */
    size_t piece;               /* bytes per ring_read */
    uint64_t bytes, checksum;   /* what it read, until end of file */
    long rc;                    /* 0 at end of file; -1 (errno in err) */
    int err;
};

static void *read_until_eof(void *arg)
{
    struct thread_reader *t = arg;
    lt_use_lab_thread(t->chan);
    unsigned char *all = malloc(1 << 20), buf[4096];
    size_t got = 0;
    t->rc = -1;
    for (;;) {
        ssize_t n = ring_read(&t->handle, buf, t->piece);
        if (n <= 0) {
            t->rc = n;
            t->err = errno;
            break;
        }
        if (all != NULL && got + (size_t) n <= 1 << 20)
            memcpy(all + got, buf, (size_t) n);
        got += (size_t) n;
    }
    t->bytes = got;
    t->checksum = all != NULL && got <= 1 << 20 ? xfer_checksum(all, got) : 0;
    free(all);
    return NULL;
}

/* Write len bytes of the pattern in writes of `piece` bytes (the main
   thread), read them back in reads of `read_piece` (a second thread). */
static void ring_between_threads(size_t capacity, size_t len, size_t piece, size_t read_piece)
{
    struct ring *r = new_ring(capacity);
    unsigned char *buf = pattern(len, 7);
    struct thread_reader t = { .handle = *r, .piece = read_piece };
    t.chan = lt_lab_thread();           /* after ring_create: the thread sees the ring made */
    pthread_t reader;
    ck_assert_msg(pthread_create(&reader, NULL, read_until_eof, &t) == 0, "pthread_create failed");
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0; at += piece)
        rc = ring_write(r, buf + at, len - at < piece ? len - at : piece);
    int err = errno;
    if (rc == 0)
        rc = ring_close(r);
    pthread_join(reader, NULL);
    ck_assert_msg(rc == 0, "ring_write/ring_close in the writer thread: expected 0, got %d (%s)", rc,
                  strerror(err));
    ck_assert_msg(lt_lab_thread_failure()[0] == '\0', "the reader thread: %s", lt_lab_thread_failure());
    ck_assert_msg(t.rc == 0, "ring_read in the reader thread: expected end of file, got %ld (%s)", t.rc,
                  strerror(t.err));
    ck_assert_msg(t.bytes == len && t.checksum == xfer_checksum(buf, len),
                  "between two threads: expected %zu bytes with checksum %#llx, the reader got %llu bytes with"
                  " %#llx", len, (unsigned long long) xfer_checksum(buf, len), (unsigned long long) t.bytes,
                  (unsigned long long) t.checksum);
}

START_TEST(ring_orders_bytes_between_threads)
{
    ring_between_threads(RING_MIN_CAPACITY * 4, 64 * 1024, 1000, 777);
}
END_TEST

START_TEST(ring_orders_small_writes_and_close_between_threads)
{
    /* Many pieces smaller than a publishing piece, and end of file right
       behind the last: closed must be published after the data it ends. */
    ring_between_threads(RING_MIN_CAPACITY, 8 * 1024, 3, 5);
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
    tcase_add_test(core, ring_orders_bytes_between_threads);
    tcase_add_test(core, ring_orders_small_writes_and_close_between_threads);
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
