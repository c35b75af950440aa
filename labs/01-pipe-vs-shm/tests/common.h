/* common.h — helpers shared by lab 01's public tests and the grader's hidden
   ones: pattern buffers, the fixture (children and rings the teardown
   removes even when ring_destroy() is wrong), a forked child with a deadline
   that sends back a struct reply, a bounded transfer checked by checksum,
   counting segments, and expecting -1 with an errno.

   Everything is static: each test file (and each test, in its own process)
   has its own copy of the bookkeeping. */
#ifndef LAB01_TESTS_COMMON_H
#define LAB01_TESTS_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
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

/* A buffer of n pseudo-random bytes (xorshift64, filled a word at a time so
   that 64 MiB stays quick under valgrind).  Different seeds, different
   bytes: a swapped or repeated chunk changes the checksum.  It lives in the
   arena the lab process shares (lt_alloc, split.h), so a call passes it
   without a copy; it is never freed (the test process is short-lived). */
static inline unsigned char *pattern(size_t n, uint64_t seed)
{
    unsigned char *buf = lt_alloc(n > 0 ? n : 1);
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

static inline void setup(void)
{
    nrings = 0;
    nkids = 0;
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void teardown(void)
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
}

static inline struct ring *new_ring(size_t capacity)
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

/* What a bounded child sends back. */
struct reply {
    long rc;                    /* the call's return value */
    int err;                    /* errno after it */
    struct xfer_result res;     /* transfers: what the receiver saw */
};

typedef struct reply (*child_fn)(void *arg);

/* Start fn(arg) in a child that leads its own process group and sends fn's
   reply through a pipe (*fd: its read end). */
static inline pid_t spawn(child_fn fn, void *arg, int *fd)
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
static inline struct reply reap(pid_t pid, int fd, const char *what)
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

static inline struct reply run_bounded(child_fn fn, void *arg, const char *what)
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

static inline struct reply do_transfer(void *arg)
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
static inline void expect_delivered(int use_ring, size_t len, size_t capacity, size_t chunk)
{
    unsigned char *buf = pattern(len, len * 2654435761u + chunk);
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
}

/* Segments in this IPC namespace (each test has its own). */
static inline int count_segments(void)
{
    struct shm_info info;
    int rc = shmctl(0, SHM_INFO, (struct shmid_ds *) &info);
    ck_assert_msg(rc != -1, "shmctl(SHM_INFO): %s", strerror(errno));
    return info.used_ids;
}

/* The same for a bounded child's reply: rc -1 with errno want_errno. */
#define expect_reply_fail(rep, want_errno, what)                                    \
    ck_assert_msg((rep).rc == -1 && (rep).err == (want_errno),                      \
                  "%s: expected -1 with %s, got %ld (%s)",                          \
                  (what), #want_errno, (rep).rc, strerror((rep).err))

#endif
