/* lab.h — Lab 09: futex: a ring buffer that sleeps instead of spinning.
   (Never edit this file: the grader compiles your lab.c against its own copy.)

   Lab 01's ring spins, yields and naps in ppoll while it waits.  This one
   sleeps in the kernel until the other side has done something, and costs
   no system call at all while neither side waits:

     futex(2)   FUTEX_WAIT(word, expected) puts the caller to sleep only if
                *word still equals expected, checked atomically with going
                to sleep: a wake-up that came in between is not lost.
                FUTEX_WAKE(word, n) wakes up to n sleepers on word.  The word
                is a 32-bit integer in memory both processes map, so the
                calls here must not use FUTEX_PRIVATE_FLAG (that is for
                threads of one process: it matches sleepers by address space).

   The protocol, for the reader (the writer's is its mirror image, on
   space_seq and writer_waiting; "full" for "empty"):
     1. seq = data_seq (acquire), then: head != tail?  Take the data.
        Empty and closed?  End of file.
     2. Empty: reader_waiting = 1 (seq_cst), count a wait, and
        FUTEX_WAIT(&data_seq, seq): the kernel puts us to sleep only if no
        publish came since step 1 (else EAGAIN at once).  Then
        reader_waiting = 0 and back to step 1.
   The writer, after publishing (head, release): data_seq += 1 (seq_cst),
   and wake the reader only if it is waiting: if atomic_exchange(
   &reader_waiting, 0) gives 1, count a wake and FUTEX_WAKE(&data_seq, 1).
   Either the reader's FUTEX_WAIT sees the new data_seq, or the writer sees
   reader_waiting = 1: no wake-up is lost.  A transfer in which neither
   side finds the ring empty or full makes no system call, and wakes never
   outnumber waits (each reader_waiting = 1 is taken by one exchange).

   FRING_CONDVAR does the same with a process-shared mutex and two
   condition variables (pthread_mutexattr_setpshared, pthread_condattr_
   setpshared: PTHREAD_PROCESS_SHARED), for comparison: it counts
   pthread_cond_wait calls as waits and pthread_cond_signal calls as wakes,
   and signals only a side that waits (sleepers_data, sleepers_space: 1
   while that side waits, set back to 0 by the side that signals it).

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB09_FUTEX_H
#define LAB09_FUTEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRING_MIN_CAPACITY 64           /* smallest ring, bytes; a power of two */
#define FRING_MAX_CAPACITY (1UL << 30)  /* largest */
#define FRING_CACHE_LINE 64

enum fring_kind {
    FRING_FUTEX,                /* sleep in futex(2) on data_seq / space_seq */
    FRING_CONDVAR               /* a process-shared mutex and two condition variables */
};

/* The shared mapping (MAP_SHARED | MAP_ANONYMOUS: shared with the children
   forked after fring_create).  head is written by the writer only, tail by
   the reader only, each on its own cache line. */
struct fring_shared {
    _Alignas(FRING_CACHE_LINE) _Atomic uint64_t head;   /* bytes written so far */
    _Alignas(FRING_CACHE_LINE) _Atomic uint64_t tail;   /* bytes read so far */
    _Alignas(FRING_CACHE_LINE) _Atomic uint32_t data_seq;   /* futex word: +1 per publish */
    _Atomic uint32_t space_seq;         /* futex word: +1 per read that frees space */
    _Atomic uint32_t reader_waiting;    /* 1: the reader is going to sleep */
    _Atomic uint32_t writer_waiting;    /* 1: the writer is going to sleep */
    _Atomic uint32_t closed;            /* 1: the writer called fring_close() */
    _Atomic uint64_t waits;             /* FUTEX_WAIT (or pthread_cond_wait) calls, both sides */
    _Atomic uint64_t wakes;             /* FUTEX_WAKE (or pthread_cond_signal) calls, both sides */
    /* FRING_CONDVAR only: */
    pthread_mutex_t lock;
    pthread_cond_t data_ready, space_ready;
    int sleepers_data, sleepers_space;  /* under lock: 1 while the reader / writer waits */
    enum fring_kind kind;
    uint64_t capacity;                  /* bytes in data[]: a power of two */
    _Alignas(FRING_CACHE_LINE) unsigned char data[];
};

/* One process's handle (fork() copies it). */
struct fring {
    struct fring_shared *shared;        /* NULL when none */
    size_t map_len;                     /* bytes mapped */
};

/* What fring_stats reports. */
struct fring_stats {
    uint64_t waits;             /* times a side went to sleep (or tried to: EAGAIN counts) */
    uint64_t wakes;             /* times a side woke the other */
    uint64_t bytes;             /* bytes written so far */
};

/* Make a ring of capacity bytes (a power of two, FRING_MIN_CAPACITY to
   FRING_MAX_CAPACITY) of the given kind in a new shared anonymous mapping.
   On failure *r is { NULL, 0 } and nothing is left mapped.
   Errors: EINVAL if r is NULL, capacity is not a power of two in range or
   kind is not an fring_kind; mmap's or pthread's errno. */
int fring_create(struct fring *r, size_t capacity, enum fring_kind kind);

/* Write all n bytes of buf, waiting (asleep) whenever the ring is full, for
   at most timeout_ms milliseconds each time (-1: no limit).  Returns 0.
   Errors: EINVAL if r is not a ring, or buf is NULL with n > 0; EPIPE if
   the ring was closed; ETIMEDOUT if a wait ran out (the bytes before it
   are written). */
int fring_write(struct fring *r, const void *buf, size_t n, int timeout_ms);

/* Read between 1 and n bytes into buf: what is there now, without waiting
   if there is any; else wait (asleep) up to timeout_ms milliseconds (-1: no
   limit) for some.  Returns the count; 0 once the writer has closed the
   ring and everything written has been read (and at once if n is 0).
   Errors: EINVAL if r is not a ring, or buf is NULL with n > 0; ETIMEDOUT
   if the wait ran out. */
long fring_read(struct fring *r, void *buf, size_t n, int timeout_ms);

/* The writer is done: mark the ring closed and wake the reader if it
   waits.  Writing afterwards is EPIPE; reading drains it, then gives 0.
   Errors: EINVAL if r is not a ring. */
int fring_close(struct fring *r);

/* Fill *st from the shared counters.
   Errors: EINVAL if r is not a ring or st is NULL. */
int fring_stats(const struct fring *r, struct fring_stats *st);

/* Unmap the ring (destroying a FRING_CONDVAR ring's mutex and condition
   variables first) and set *r to { NULL, 0 }.  Call it in one process, once
   no other uses the ring; others just exit (or munmap).
   Errors: EINVAL if r is not a ring. */
int fring_destroy(struct fring *r);

#endif
