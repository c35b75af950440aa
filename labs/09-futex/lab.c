/* lab.c — Lab 09: futex: a ring buffer that sleeps instead of spinning.

   fring_create() maps a ring shared with the children forked after it;
   fring_write() and fring_read() move bytes through it and, when the ring
   is full or empty, sleep: in futex(2) on a sequence word (FRING_FUTEX), or
   on a process-shared condition variable (FRING_CONDVAR).  A side wakes
   the other only if the other is waiting.  fring_close() is the writer's
   end of file; fring_stats() reads the wait and wake counts.

   Every function returns -1 with errno set on failure and never prints or
   exits.  See lab.h for the contract.

   $ make check LAB=9          # public tests, under valgrind
   $ make demo LAB=9           # a lost wake-up, live; then the fix */
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static int is_ring(const struct fring *r)
{
    return r != NULL && r->shared != NULL;
}

/* ---- futex(2): glibc has no wrapper ------------------------------------ */

/* Sleep while *word == expected, at most timeout_ms (-1: no limit).  Not
   FUTEX_PRIVATE_FLAG: the word is in memory other processes map. */
static int futex_wait(_Atomic uint32_t *word, uint32_t expected, int timeout_ms)
{
    struct timespec t = { timeout_ms / 1000, (long) (timeout_ms % 1000) * 1000000L };
    return (int) syscall(SYS_futex, (uint32_t *) word, FUTEX_WAIT, expected, timeout_ms < 0 ? NULL : &t,
                         NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *) word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

/* Milliseconds left before deadline (-1: none), at least 1 while some is. */
static int left_ms(double deadline)
{
    if (deadline < 0)
        return -1;
    double left = deadline - now_ms();
    return left <= 0 ? 0 : left < 1 ? 1 : (int) left;
}

/* Copy n bytes in or out of the ring at position pos (mod capacity). */
static void ring_copy_in(struct fring_shared *s, uint64_t pos, const unsigned char *from, size_t n)
{
    size_t at = (size_t) (pos & (s->capacity - 1)), first = n < s->capacity - at ? n : s->capacity - at;
    memcpy(s->data + at, from, first);
    memcpy(s->data, from + first, n - first);
}

static void ring_copy_out(const struct fring_shared *s, uint64_t pos, unsigned char *to, size_t n)
{
    size_t at = (size_t) (pos & (s->capacity - 1)), first = n < s->capacity - at ? n : s->capacity - at;
    memcpy(to, s->data + at, first);
    memcpy(to + first, s->data, n - first);
}

/* ---- the condition-variable ring ---------------------------------------- */

static int condvar_init(struct fring_shared *s)
{
    /* TODO: make s->lock a mutex and s->data_ready and s->space_ready
       condition variables that work across processes (the attribute objects'
       pshared setting), the conditions timed on CLOCK_MONOTONIC; return 0 or
       the error number (pthread functions return it, errno is not set);
       on failure destroy what was made. */
    (void) s;
    return ENOSYS;
}

/* Wait on cond (lock held) until deadline; 0, or ETIMEDOUT.  *sleeping is
   1 while we wait: the side that signals us sets it back to 0, so that it
   signals once per wait, however many times it writes meanwhile. */
static int condvar_wait(struct fring_shared *s, pthread_cond_t *cond, int *sleeping, double deadline)
{
    *sleeping = 1;
    atomic_fetch_add(&s->waits, 1);
    int err;
    if (deadline < 0) {
        err = pthread_cond_wait(cond, &s->lock);
    } else {
        time_t sec = (time_t) (deadline / 1e3);
        struct timespec at = { sec, (long) ((deadline - (double) sec * 1e3) * 1e6) };
        err = pthread_cond_timedwait(cond, &s->lock, &at);
    }
    *sleeping = 0;
    return err;
}

static int condvar_write(struct fring_shared *s, const unsigned char *buf, size_t n, int timeout_ms)
{
    pthread_mutex_lock(&s->lock);
    int err = 0;
    double deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (n > 0 && err == 0) {
        if (atomic_load(&s->closed)) {
            err = EPIPE;
            break;
        }
        uint64_t head = atomic_load(&s->head), space = s->capacity - (head - atomic_load(&s->tail));
        if (space == 0) {
            if (condvar_wait(s, &s->space_ready, &s->sleepers_space, deadline) == ETIMEDOUT)
                err = ETIMEDOUT;
            continue;
        }
        size_t k = n < space ? n : (size_t) space;
        ring_copy_in(s, head, buf, k);
        atomic_store(&s->head, head + k);
        buf += k;
        n -= k;
        deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;     /* progress */
        if (s->sleepers_data) {
            s->sleepers_data = 0;
            atomic_fetch_add(&s->wakes, 1);
            pthread_cond_signal(&s->data_ready);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

static long condvar_read(struct fring_shared *s, unsigned char *buf, size_t n, int timeout_ms)
{
    pthread_mutex_lock(&s->lock);
    double deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    long got = -1;
    int err = 0;
    while (got == -1) {
        uint64_t tail = atomic_load(&s->tail), avail = atomic_load(&s->head) - tail;
        if (avail > 0) {
            size_t k = n < avail ? n : (size_t) avail;
            ring_copy_out(s, tail, buf, k);
            atomic_store(&s->tail, tail + k);
            got = (long) k;
            if (s->sleepers_space) {
                s->sleepers_space = 0;
                atomic_fetch_add(&s->wakes, 1);
                pthread_cond_signal(&s->space_ready);
            }
        } else if (atomic_load(&s->closed)) {
            got = 0;
        } else if (condvar_wait(s, &s->data_ready, &s->sleepers_data, deadline) == ETIMEDOUT) {
            err = ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return got;
}

/* ---- the API ------------------------------------------------------------- */

int fring_create(struct fring *r, size_t capacity, enum fring_kind kind)
{
    /* TODO: clear *r; EINVAL for r NULL, a capacity that is not a power
       of two from FRING_MIN_CAPACITY to FRING_MAX_CAPACITY, or a bad kind; map
       sizeof(struct fring_shared) + capacity bytes shared with children to
       come; set kind and capacity (the rest of a fresh mapping is zeros);
       for FRING_CONDVAR, condvar_init (unmap again if it fails); fill in *r. */
    (void) r;
    (void) capacity;
    (void) kind;
    (void) condvar_init;                /* a helper above, for you */
    errno = ENOSYS;
    return -1;
}

/* Sleep on word until it moves from seq, with *waiting set meanwhile. */
static int sleep_on(struct fring_shared *s, _Atomic uint32_t *word, uint32_t seq, _Atomic uint32_t *waiting,
                    double deadline)
{
    /* TODO: unless the deadline has passed (ETIMEDOUT), say we are
       waiting (*waiting = 1, seq_cst: it pairs with the other side's
       seq_cst move of word, so one of you sees the other), count a wait, and sleep on word while it still
       holds seq (futex_wait, for at most left_ms(deadline)); then *waiting = 0.
       Return ETIMEDOUT if the sleep ran out, else 0 (woken, or word had
       moved: EAGAIN; or a signal: EINTR; the caller looks again). */
    (void) s;
    (void) word;
    (void) seq;
    (void) waiting;
    (void) deadline;
    (void) futex_wait;                  /* a helper above, for you */
    (void) left_ms;                     /* a helper above, for you */
    return ENOSYS;
}

/* Wake the side sleeping on word, if it said it would. */
static void wake_if_waiting(struct fring_shared *s, _Atomic uint32_t *word, _Atomic uint32_t *waiting)
{
    /* TODO: move word on (+1, seq_cst), then, only if the other side said it
       is waiting (take *waiting back to 0 and look at what it was, in one
       atomic step), count a wake and futex_wake it. */
    (void) s;
    (void) word;
    (void) waiting;
    (void) futex_wake;                  /* a helper above, for you */
}

int fring_write(struct fring *r, const void *buf, size_t n, int timeout_ms)
{
    /* TODO: EINVAL for a bad ring or NULL buf with n > 0; the
       FRING_CONDVAR ring: condvar_write.  Until all n bytes are in: EPIPE if
       closed; note space_seq, then the free space (capacity - (head - tail));
       none: sleep_on space_seq (writer_waiting), and look again; else copy in
       what fits (ring_copy_in), publish head (release) and wake the reader if
       it waits (data_seq, reader_waiting).  A wait may last timeout_ms: the
       deadline starts again after each bit of progress. */
    (void) r;
    (void) buf;
    (void) n;
    (void) timeout_ms;
    (void) condvar_write;               /* a helper above, for you */
    (void) ring_copy_in;                /* a helper above, for you */
    (void) now_ms;                      /* a helper above, for you */
    (void) sleep_on;                    /* a helper above, for you */
    (void) wake_if_waiting;             /* a helper above, for you */
    errno = ENOSYS;
    return -1;
}

long fring_read(struct fring *r, void *buf, size_t n, int timeout_ms)
{
    /* TODO: EINVAL for a bad ring or NULL buf with n > 0; 0 if n is
       0; the FRING_CONDVAR ring: condvar_read.  Note data_seq, then what is
       there (head - tail): some: copy out up to n (ring_copy_out), move tail
       on (release), wake the writer if it waits (space_seq, writer_waiting),
       return the count.  None and closed: 0 (but closed is set after the
       last publish: look at head once more first).  None: sleep_on data_seq
       (reader_waiting) until the deadline, and look again. */
    (void) r;
    (void) buf;
    (void) n;
    (void) timeout_ms;
    (void) condvar_read;                /* a helper above, for you */
    (void) ring_copy_out;               /* a helper above, for you */
    (void) is_ring;                     /* a helper above, for you */
    (void) sleep_on;                    /* a helper above, for you */
    (void) wake_if_waiting;             /* a helper above, for you */
    errno = ENOSYS;
    return -1;
}

int fring_close(struct fring *r)
{
    /* TODO: EINVAL for a bad ring; mark it closed and wake the reader
       if it waits (for FRING_CONDVAR: under the lock, signal data_ready if
       sleepers_data is set: clear it, count the wake). */
    (void) r;
    errno = ENOSYS;
    return -1;
}

int fring_stats(const struct fring *r, struct fring_stats *st)
{
    /* TODO: EINVAL for a bad ring or st NULL; copy the shared counters
       (waits, wakes, and head as bytes). */
    (void) r;
    (void) st;
    errno = ENOSYS;
    return -1;
}

int fring_destroy(struct fring *r)
{
    /* TODO: EINVAL for a bad ring; for FRING_CONDVAR destroy the
       condition variables and the mutex; unmap; clear *r. */
    (void) r;
    errno = ENOSYS;
    return -1;
}
