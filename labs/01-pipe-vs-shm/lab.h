/* lab.h — Lab 01: moving bytes between processes, pipe vs shared memory.
   (Never edit this file: the grader compiles your lab.c against its own copy.)

   A parent hands a buffer of N bytes to a child two ways and the child proves
   what it received with a checksum:

     pipe   write(2) copies the bytes from the parent into the kernel's pipe
            buffer, read(2) copies them out into the child: two copies and at
            least two system calls per message                     (pipe(7))
     ring   a System V shared memory segment attached in both processes holds
            a single-producer / single-consumer ring buffer: the parent copies
            into the segment, the child copies out of it, and the two agree on
            what is written through two C11 atomic counters (release on the
            store that publishes, acquire on the load that reads).  No system
            call per message; one only when a side has to wait.   (shmop(2))

   A side that waits for the other does not spin for ever: it spins briefly,
   then gives its CPU away a few times (sched_yield(2): the other side may be
   waiting for one), then sleeps in ppoll(2) on a "lifeline" pipe for at most
   RING_NAP_US, and then only sleeps until the other side makes progress.
   (Spinning and yielding together are meant to outlast a nap, so that the
   two sides do not fall into step, taking turns to sleep while the other
   works; how long each lasts depends on the machine: see the handout.)  The
   writer process holds the lifeline's write end, the reader its read end, so
   when either process exits — cleanly or killed — the kernel closes its end
   and ppoll() tells the other side (POLLHUP for the reader, POLLERR for the
   writer).

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB01_PIPE_VS_SHM_H
#define LAB01_PIPE_VS_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define XFER_PERMS (S_IRUSR | S_IWUSR)  /* the ring's segment: owner rw */
#define RING_MIN_CAPACITY 64            /* smallest ring (bytes); a power of two */
#define RING_MAX_CAPACITY (1UL << 40)   /* largest ring ring_create() accepts */
#define RING_SPINS 1024                 /* polls of the peer's counter before yielding */
#define RING_YIELDS 128                 /* sched_yield()s before sleeping */
#define RING_NAP_US 50                  /* longest sleep in ppoll() before looking again (us) */
#define RING_CACHE_LINE 64              /* keeps the two counters on separate lines */
#define RING_PIECES 8                   /* publish a counter every capacity/8 bytes at most */

/* What the receiving child saw: the parent compares it with what it sent. */
struct xfer_result {
    uint64_t bytes;             /* bytes the child received before EOF */
    uint64_t checksum;          /* xfer_checksum() of those bytes, in order */
};

/* The segment's layout.  head is only written by the writer, tail only by the
   reader; each lives on its own cache line so that the two CPUs do not keep
   stealing one line from each other for unrelated stores. */
struct ring_shared {
    _Alignas(RING_CACHE_LINE) _Atomic uint64_t head; /* bytes written so far (writer) */
    _Alignas(RING_CACHE_LINE) _Atomic uint64_t tail; /* bytes read so far (reader) */
    _Alignas(RING_CACHE_LINE) _Atomic int closed;    /* 1: writer called ring_close() */
    uint64_t capacity;                                /* bytes in data[]: a power of two */
    _Alignas(RING_CACHE_LINE) unsigned char data[];  /* the ring itself */
};

enum ring_side {
    RING_WRITER,                /* keeps the lifeline's write end */
    RING_READER                 /* keeps the lifeline's read end */
};

/* One process's handle on a ring: copied into a child by fork(). */
struct ring {
    int shmid;                  /* the segment, IPC_PRIVATE; -1 when none */
    struct ring_shared *shared; /* where it is attached; NULL when not */
    int life[2];                /* lifeline pipe: [0] read end, [1] write end; -1 when closed */
    uint64_t seen;              /* the peer's counter as last read (a private cache) */
    unsigned long naps;         /* system calls this side made to wait (sched_yield, ppoll) */
};

/* The checksum both ends compute: FNV-1a over 8-byte little-endian words,
   then the remaining bytes, then the length.  It depends on every byte and on
   their order, so a lost, repeated or swapped chunk changes it.  Given, not a
   TODO; inline so that tests and lab.c share one definition. */
typedef uint64_t __attribute__((may_alias, aligned(1))) xfer_word;

static inline uint64_t xfer_checksum(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t h = 0xcbf29ce484222325ULL;              /* FNV offset basis */
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        h = (h ^ *(const xfer_word *) (p + i)) * 0x100000001b3ULL;   /* FNV prime */
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h ^ (uint64_t) len;
}

/* ---- pipes ---------------------------------------------------------------- */

/* Write all len bytes of buf to fd, retrying partial writes and EINTR.
   Returns 0, or -1 with errno: EINVAL if buf is NULL and len > 0; write's
   errno otherwise (EPIPE when nobody can read any more: the caller must
   ignore SIGPIPE or the signal kills it first). */
int pipe_send(int fd, const void *buf, size_t len);

/* Read from fd into buf until len bytes have come or end of file, retrying
   partial reads and EINTR.  Returns the number of bytes read: len, or fewer
   only at end of file (0 if it was already there); -1 with errno: EINVAL if
   buf is NULL and len > 0; read's errno otherwise. */
ssize_t pipe_recv(int fd, void *buf, size_t len);

/* Move len bytes of buf to a forked child through a pipe, in write(2)s of at
   most chunk bytes; the child reads them in reads of at most chunk bytes
   until end of file, computes xfer_checksum() over all it received, sends
   *res back to the parent and _exit()s.  SIGPIPE is ignored during the call
   and its disposition restored after.  Every descriptor made is closed and
   the child is waited for.
   Errors: EINVAL if chunk is 0, res is NULL, or buf is NULL and len > 0;
   ENOMEM if the child could not allocate its buffer; EPIPE if the child
   ended without sending a result; the errno of the failing pipe/fork/write. */
int pipe_transfer(const void *buf, size_t len, size_t chunk, struct xfer_result *res);

/* ---- the shared memory ring ---------------------------------------------- */

/* Create an IPC_PRIVATE segment holding struct ring_shared and capacity bytes
   of data (XFER_PERMS), attach it, zero the counters, and make the lifeline
   pipe (O_CLOEXEC).  seen and naps start at 0.  On failure nothing is left
   behind (no segment, no descriptor) and r->shmid is -1.
   Errors: EINVAL if r is NULL or capacity is not a power of two between
   RING_MIN_CAPACITY and RING_MAX_CAPACITY; else shmget/shmat/pipe2's errno. */
int ring_create(struct ring *r, size_t capacity);

/* After fork(), say which side this process is: the writer closes the
   lifeline's read end, the reader its write end.  A process that is neither
   calls ring_destroy() (or exits) so that it holds no end.
   Errors: EINVAL if r is NULL, not attached, or side is not a ring_side. */
int ring_take_side(struct ring *r, enum ring_side side);

/* Writer: copy all len bytes of buf into the ring, waiting (spin, yield, then ppoll)
   while it is full.  Copies pieces of at most capacity / RING_PIECES bytes
   and publishes each with a release store of head, so that the reader can
   copy one piece out while the next goes in.
   Returns 0, or -1 with errno: EINVAL if r is NULL or not attached, or buf is
   NULL and len > 0; EPIPE if the reader is gone (its lifeline end closed)
   before everything fitted; ppoll's errno. */
int ring_write(struct ring *r, const void *buf, size_t len);

/* Writer: no more data.  Sets closed (release) so that the reader, once it
   has read everything, gets end of file.  Errors: EINVAL if r is NULL or not
   attached. */
int ring_close(struct ring *r);

/* Reader: wait until at least one byte is in the ring or the writer has
   closed it, then copy up to len bytes into buf, in pieces of at most
   capacity / RING_PIECES bytes, publishing tail after each (release), so
   that the writer can refill what is free while we copy.  Returns the number copied
   (>= 1), 0 at end of file (closed and empty), or -1 with errno: EINVAL if r
   is NULL or not attached, buf is NULL, or len is 0; EPIPE if the writer
   exited without ring_close() and nothing is left to read; ppoll's errno. */
ssize_t ring_read(struct ring *r, void *buf, size_t len);

/* Detach the segment, remove it (IPC_RMID: it goes once the last process
   attached has detached or exited) and close this process's lifeline ends;
   then shmid, life[] are -1 and shared is NULL.  Carries on after a failure
   and reports the first one.
   Errors: EINVAL if r is NULL or already destroyed; shmdt/shmctl/close's. */
int ring_destroy(struct ring *r);

/* pipe_transfer's twin through a ring of capacity bytes: the parent writes
   buf in ring_write()s of at most chunk bytes and ring_close()s; the child
   ring_read()s at most chunk bytes at a time until end of file, checksums and
   sends *res back (through a pipe).  The ring is destroyed and the child
   waited for before returning: no segment and no descriptor is left.
   Errors: EINVAL if chunk is 0, res is NULL, buf is NULL and len > 0, or
   capacity is invalid for ring_create(); ENOMEM, EPIPE as pipe_transfer();
   the errno of the failing call. */
int ring_transfer(const void *buf, size_t len, size_t capacity, size_t chunk,
                  struct xfer_result *res);

#endif
