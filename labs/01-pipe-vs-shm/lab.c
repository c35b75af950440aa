/* lab.c — Lab 01: moving bytes between processes, pipe vs shared memory.

   pipe_transfer() hands a buffer to a forked child through a pipe: every
   byte is copied into the kernel by write(2) and out again by read(2).
   ring_transfer() does the same through a System V shared memory segment
   holding a single-producer / single-consumer ring: the bytes are copied
   into the segment and out of it, and the two processes agree on how far
   each has got through two C11 atomic counters; the kernel is asked only
   when one side has to wait for the other.

   Every function returns -1 with errno set on failure and never prints or
   exits; only the forked children call _exit().  See lab.h for the contract.

   $ make check LAB=1          # public tests, under valgrind
   $ make demo LAB=1           # pipe vs ring, as live bars
   $ make bench                # the full table, GB/s per message size */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

/* Exit statuses of a transfer's child, turned into errno by the parent. */
#define CHILD_OK 0
#define CHILD_NOMEM 2
#define CHILD_FAILED 3

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Tell the CPU we are spinning (x86: the PAUSE instruction), so that the
   other hyper-thread gets the core and the spin does not flood the bus. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- pipes ---------------------------------------------------------------- */

int pipe_send(int fd, const void *buf, size_t len)
{
    /* TODO: write all len bytes of buf to fd (EINVAL if buf is NULL and len > 0):
       write() may take only part of them, and may fail with EINTR before
       taking any; both mean "carry on with what is left". */
    (void) fd;
    (void) buf;
    (void) len;
    errno = ENOSYS;
    return -1;
}

ssize_t pipe_recv(int fd, void *buf, size_t len)
{
    /* TODO: read into buf until len bytes have come or read() says end of
       file (EINVAL if buf is NULL and len > 0); retry after EINTR; return
       how many bytes came. */
    (void) fd;
    (void) buf;
    (void) len;
    errno = ENOSYS;
    return -1;
}

/* The receiving child's reply, or why there is none: wait for the child,
   read its reply from fd and close fd.  Returns 0, or -1 with errno. */
static int collect_reply(pid_t pid, int fd, struct xfer_result *res)
{
    struct xfer_result rep;
    ssize_t n = pipe_recv(fd, &rep, sizeof rep);
    int read_errno = errno;
    close(fd);
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NOMEM) {
        errno = ENOMEM;
        return -1;
    }
    if (n == -1) {
        errno = read_errno;
        return -1;
    }
    if (n != (ssize_t) sizeof rep || !WIFEXITED(status) || WEXITSTATUS(status) != CHILD_OK) {
        errno = EPIPE;                      /* the child ended without a result */
        return -1;
    }
    *res = rep;
    return 0;
}

/* In the child: count what comes beyond the len bytes expected (a sender
   that sends too much), then checksum, reply and leave. */
static void child_finish(int reply_fd, unsigned char *buf, size_t got, uint64_t extra)
{
    struct xfer_result rep;
    memset(&rep, 0, sizeof rep);
    rep.bytes = got + extra;
    rep.checksum = xfer_checksum(buf, got);
    free(buf);
    _exit(pipe_send(reply_fd, &rep, sizeof rep) == 0 ? CHILD_OK : CHILD_FAILED);
}

/* One read for the transfer's child: from the ring when it has one, from
   the pipe's data_fd otherwise. */
static ssize_t child_read(int data_fd, struct ring *r, void *buf, size_t n)
{
    return r != NULL ? ring_read(r, buf, n) : pipe_recv(data_fd, buf, n);
}

/* Both transfers' child: read until end of file in reads of at most chunk
   bytes (through the pipe, or the ring when r is not NULL), then reply.
   Never returns. */
static void reader_child(int data_fd, struct ring *r, int reply_fd, size_t len, size_t chunk)
{
    unsigned char *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL)
        _exit(CHILD_NOMEM);
    size_t got = 0;
    uint64_t extra = 0;
    for (;;) {
        unsigned char scratch[64];
        ssize_t n = got < len ? child_read(data_fd, r, buf + got, min_size(chunk, len - got))
                              : child_read(data_fd, r, scratch, sizeof scratch);
        if (n == -1) {
            free(buf);
            _exit(CHILD_FAILED);
        }
        if (n == 0)
            break;
        if (got < len)
            got += (size_t) n;
        else
            extra += (uint64_t) n;
    }
    child_finish(reply_fd, buf, got, extra);
}

int pipe_transfer(const void *buf, size_t len, size_t chunk, struct xfer_result *res)
{
    if (chunk == 0 || res == NULL || (buf == NULL && len > 0)) {
        errno = EINVAL;
        return -1;
    }
    int data[2], reply[2];
    if (pipe2(data, O_CLOEXEC) == -1)
        return -1;
    if (pipe2(reply, O_CLOEXEC) == -1) {
        int saved = errno;
        close(data[0]);
        close(data[1]);
        errno = saved;
        return -1;
    }
    pid_t pid = fork();
    if (pid == -1) {
        int saved = errno;
        close(data[0]);
        close(data[1]);
        close(reply[0]);
        close(reply[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        /* The child must close the write end it inherited: while any write
           end is open, read() never sees end of file. */
        close(data[1]);
        close(reply[0]);
        reader_child(data[0], NULL, reply[1], len, chunk);
    }
    close(data[0]);
    close(reply[1]);

    /* A reader that dies makes write() raise SIGPIPE: ignore it while we
       write, so that we get EPIPE instead of being killed. */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);

    const unsigned char *p = buf;
    int rc = 0, saved = 0;
    for (size_t done = 0; done < len && rc == 0; done += min_size(chunk, len - done))
        if (pipe_send(data[1], p + done, min_size(chunk, len - done)) == -1) {
            rc = -1;
            saved = errno;
        }
    close(data[1]);                         /* the child's end of file */
    sigaction(SIGPIPE, &old, NULL);

    struct xfer_result rep;
    if (collect_reply(pid, reply[0], &rep) == -1) {
        if (rc == 0)
            saved = errno;
        rc = -1;
    }
    if (rc == -1) {
        errno = saved;
        return -1;
    }
    *res = rep;
    return 0;
}

/* ---- the shared memory ring ---------------------------------------------- */

static int capacity_is_valid(size_t capacity)
{
    return capacity >= RING_MIN_CAPACITY && capacity <= RING_MAX_CAPACITY &&
           (capacity & (capacity - 1)) == 0;
}

/* Make the segment for a ring of capacity bytes, attach it and record both in
   *r (shmid first, so that a failed attach can still be removed); set the
   counters to 0 and the capacity.  Returns 0, or -1 with errno. */
static int segment_create(struct ring *r, size_t capacity)
{
    /* TODO: make an IPC_PRIVATE segment big enough for struct ring_shared and
       capacity bytes of data, with XFER_PERMS; record its id in r->shmid at
       once, attach it and record the address in r->shared; then set the
       three counters to 0 and the capacity. */
    (void) r;
    (void) capacity;
    errno = ENOSYS;
    return -1;
}

/* PROVIDED (read it; nothing to write here): how a side waits for the
   other.  ring_write() calls it when the ring is full, ring_read() when it
   is empty, with a counter it sets back to 0 whenever it makes progress.

   The other side is not ready: spin RING_SPINS times, then give the CPU
   away RING_YIELDS times (on a busy machine the other side may be waiting
   for a CPU), then sleep in ppoll() on our end of the lifeline for at most
   RING_NAP_US — and from then on only sleep, until the caller sees progress
   and sets *spins back to 0.  Returns 0 (look at the counters again), or -1
   with EPIPE once the other side's end is closed (it exited or was killed),
   or ppoll's errno.

   Why ppoll asks for no event at all (.events = 0): POLLHUP and POLLERR are
   always reported, and they are the only news a lifeline carries.  Asking
   for POLLOUT on the writer's end would return at once (an empty pipe is
   always writable) and turn every nap into a spin.  Each process holds one
   end only (ring_take_side() closed the other), so a closed peer is seen
   as POLLHUP on the reader's read end or POLLERR on the writer's write end. */
static inline int wait_for_peer(struct ring *r, unsigned *spins)
{
    if (++*spins < RING_SPINS) {
        cpu_relax();
        return 0;
    }
    if (*spins < RING_SPINS + RING_YIELDS) {
        r->naps++;
        sched_yield();
        return 0;
    }
    *spins = RING_SPINS + RING_YIELDS;      /* a long wait: sleep from now on */
    struct pollfd p = { .fd = r->life[1] != -1 ? r->life[1] : r->life[0], .events = 0 };
    struct timespec nap = { 0, RING_NAP_US * 1000L };
    r->naps++;
    int n = ppoll(&p, 1, &nap, NULL);
    if (n == -1)
        return errno == EINTR ? 0 : -1;     /* a signal cut the nap short: look again */
    if (n > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
        errno = EPIPE;
        return -1;
    }
    return 0;
}

int ring_create(struct ring *r, size_t capacity)
{
    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    r->shmid = -1;
    r->shared = NULL;
    r->life[0] = r->life[1] = -1;
    r->seen = 0;
    r->naps = 0;
    if (!capacity_is_valid(capacity)) {
        errno = EINVAL;
        return -1;
    }
    if (segment_create(r, capacity) == 0 && pipe2(r->life, O_CLOEXEC) == 0)
        return 0;

    int saved = errno;                  /* report the failing call, not the clean-up */
    if (r->shmid != -1)
        ring_destroy(r);
    r->life[0] = r->life[1] = -1;
    errno = saved;
    return -1;
}

int ring_take_side(struct ring *r, enum ring_side side)
{
    if (r == NULL || r->shared == NULL || (side != RING_WRITER && side != RING_READER)) {
        errno = EINVAL;
        return -1;
    }
    int drop = side == RING_WRITER ? 0 : 1;
    if (r->life[drop] != -1) {
        close(r->life[drop]);
        r->life[drop] = -1;
    }
    r->seen = 0;
    return 0;
}

int ring_write(struct ring *r, const void *buf, size_t len)
{
    /* TODO: check the arguments (EINVAL); copy buf into data[] at head, as much
       as the room the reader has left allows (head - tail <= capacity),
       wrapping round the end of data[], in pieces of at most
       capacity / RING_PIECES bytes; publish each piece by storing the new
       head with release order; when the ring is full, load tail with acquire
       order, and wait_for_peer() if it is still full.  r->seen may keep the
       last tail you loaded. */
    (void) r;
    (void) buf;
    (void) len;
    errno = ENOSYS;
    return -1;
}

int ring_close(struct ring *r)
{
    /* TODO: check r (EINVAL); set closed to 1 with release order. */
    (void) r;
    errno = ENOSYS;
    return -1;
}

ssize_t ring_read(struct ring *r, void *buf, size_t len)
{
    /* TODO: check the arguments (EINVAL); wait (wait_for_peer) until head,
       loaded with acquire order, is past tail, then copy up to len bytes from
       data[] at tail (wrapping), in pieces of at most capacity / RING_PIECES
       bytes, storing the new tail with release order after each.
       Closed and empty is end of file (0) - but load head once more after
       seeing closed.  A writer gone without closing is EPIPE, once what it
       published has been read. */
    (void) r;
    (void) buf;
    (void) len;
    errno = ENOSYS;
    return -1;
}

int ring_destroy(struct ring *r)
{
    /* TODO: EINVAL if r is NULL or its shmid is -1; detach the segment if
       attached, remove it, close the lifeline ends still open, and leave
       shmid -1, shared NULL, life {-1, -1}; keep going after a failure and
       report the first one. */
    (void) r;
    errno = ENOSYS;
    return -1;
}

int ring_transfer(const void *buf, size_t len, size_t capacity, size_t chunk,
                  struct xfer_result *res)
{
    if (chunk == 0 || res == NULL || (buf == NULL && len > 0) || !capacity_is_valid(capacity)) {
        errno = EINVAL;
        return -1;
    }
    struct ring r;
    if (ring_create(&r, capacity) == -1)
        return -1;
    int reply[2];
    if (pipe2(reply, O_CLOEXEC) == -1) {
        int saved = errno;
        ring_destroy(&r);
        errno = saved;
        return -1;
    }
    pid_t pid = fork();
    if (pid == -1) {
        int saved = errno;
        close(reply[0]);
        close(reply[1]);
        ring_destroy(&r);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(reply[0]);
        ring_take_side(&r, RING_READER);
        reader_child(-1, &r, reply[1], len, chunk);
    }
    close(reply[1]);
    ring_take_side(&r, RING_WRITER);

    const unsigned char *p = buf;
    int rc = 0, saved = 0;
    for (size_t done = 0; done < len && rc == 0; done += min_size(chunk, len - done))
        if (ring_write(&r, p + done, min_size(chunk, len - done)) == -1) {
            rc = -1;
            saved = errno;
        }
    ring_close(&r);
    /* Give up our lifeline end before waiting: a reader blocked on an empty,
       unclosed ring would then see POLLHUP instead of waiting for ever. */
    if (r.life[1] != -1) {
        close(r.life[1]);
        r.life[1] = -1;
    }

    struct xfer_result rep;
    if (collect_reply(pid, reply[0], &rep) == -1) {
        if (rc == 0)
            saved = errno;
        rc = -1;
    }
    if (ring_destroy(&r) == -1 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == -1) {
        errno = saved;
        return -1;
    }
    *res = rep;
    return 0;
}
