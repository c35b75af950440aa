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
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int err = pthread_mutexattr_init(&ma);
    if (err == 0) {
        err = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        if (err == 0)
            err = pthread_mutex_init(&s->lock, &ma);
        pthread_mutexattr_destroy(&ma);
    }
    if (err != 0)
        return err;
    err = pthread_condattr_init(&ca);
    if (err == 0) {
        err = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
        if (err == 0)
            err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        if (err == 0 && (err = pthread_cond_init(&s->data_ready, &ca)) == 0 &&
            (err = pthread_cond_init(&s->space_ready, &ca)) != 0)
            pthread_cond_destroy(&s->data_ready);
        pthread_condattr_destroy(&ca);
    }
    if (err != 0)
        pthread_mutex_destroy(&s->lock);
    return err;
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
    if (r != NULL)
        *r = (struct fring) { NULL, 0 };
    if (r == NULL || capacity < FRING_MIN_CAPACITY || capacity > FRING_MAX_CAPACITY ||
        (capacity & (capacity - 1)) != 0 || (kind != FRING_FUTEX && kind != FRING_CONDVAR)) {
        errno = EINVAL;
        return -1;
    }
    size_t len = sizeof(struct fring_shared) + capacity;
    struct fring_shared *s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return -1;
    /* A fresh mapping is zeros: counters, flags and sequence words start
       at 0 as they are. */
    s->kind = kind;
    s->capacity = capacity;
    int err = kind == FRING_CONDVAR ? condvar_init(s) : 0;
    if (err != 0) {
        munmap(s, len);
        errno = err;
        return -1;
    }
    r->shared = s;
    r->map_len = len;
    return 0;
}

/* Sleep on word until it moves from seq, with *waiting set meanwhile. */
static int sleep_on(struct fring_shared *s, _Atomic uint32_t *word, uint32_t seq, _Atomic uint32_t *waiting,
                    double deadline)
{
    int ms = left_ms(deadline);
    if (ms == 0)
        return ETIMEDOUT;
    atomic_store(waiting, 1);
    atomic_fetch_add(&s->waits, 1);
    int rc = futex_wait(word, seq, ms);
    int err = rc == -1 ? errno : 0;
    atomic_store(waiting, 0);
    return err == ETIMEDOUT ? ETIMEDOUT : 0;   /* EAGAIN (it moved), EINTR: look again */
}

/* Wake the side sleeping on word, if it said it would. */
static void wake_if_waiting(struct fring_shared *s, _Atomic uint32_t *word, _Atomic uint32_t *waiting)
{
    atomic_fetch_add(word, 1);
    if (atomic_exchange(waiting, 0) == 1) {
        atomic_fetch_add(&s->wakes, 1);
        futex_wake(word);
    }
}

int fring_write(struct fring *r, const void *buf, size_t n, int timeout_ms)
{
    if (!is_ring(r) || (buf == NULL && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    struct fring_shared *s = r->shared;
    if (s->kind == FRING_CONDVAR)
        return condvar_write(s, buf, n, timeout_ms);
    const unsigned char *p = buf;
    double due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (n > 0) {
        if (atomic_load(&s->closed)) {
            errno = EPIPE;
            return -1;
        }
        uint32_t seq = atomic_load_explicit(&s->space_seq, memory_order_acquire);
        uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);     /* ours */
        uint64_t space = s->capacity - (head - atomic_load_explicit(&s->tail, memory_order_acquire));
        if (space == 0) {
            int err = sleep_on(s, &s->space_seq, seq, &s->writer_waiting, due);
            if (err != 0) {
                errno = err;
                return -1;
            }
            continue;
        }
        size_t take = n < space ? n : (size_t) space;
        ring_copy_in(s, head, p, take);
        atomic_store_explicit(&s->head, head + take, memory_order_release);   /* publish */
        wake_if_waiting(s, &s->data_seq, &s->reader_waiting);
        p += take;
        n -= take;
        due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;     /* progress */
    }
    return 0;
}

long fring_read(struct fring *r, void *buf, size_t n, int timeout_ms)
{
    if (!is_ring(r) || (buf == NULL && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    if (n == 0)
        return 0;
    struct fring_shared *s = r->shared;
    if (s->kind == FRING_CONDVAR)
        return condvar_read(s, buf, n, timeout_ms);
    double due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        uint32_t seq = atomic_load_explicit(&s->data_seq, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);     /* ours */
        uint64_t avail = atomic_load_explicit(&s->head, memory_order_acquire) - tail;
        if (avail > 0) {
            size_t take = n < avail ? n : (size_t) avail;
            ring_copy_out(s, tail, buf, take);
            atomic_store_explicit(&s->tail, tail + take, memory_order_release);   /* free the space */
            wake_if_waiting(s, &s->space_seq, &s->writer_waiting);
            return (long) take;
        }
        /* closed is stored after the last publish: once we see it, a new
           look at head is the final one. */
        if (atomic_load(&s->closed)) {
            if (atomic_load_explicit(&s->head, memory_order_acquire) == tail)
                return 0;
            continue;
        }
        int err = sleep_on(s, &s->data_seq, seq, &s->reader_waiting, due);
        if (err != 0) {
            errno = err;
            return -1;
        }
    }
}

int fring_close(struct fring *r)
{
    if (!is_ring(r)) {
        errno = EINVAL;
        return -1;
    }
    struct fring_shared *s = r->shared;
    if (s->kind == FRING_CONDVAR) {
        pthread_mutex_lock(&s->lock);
        atomic_store(&s->closed, 1);
        if (s->sleepers_data) {
            s->sleepers_data = 0;
            atomic_fetch_add(&s->wakes, 1);
            pthread_cond_signal(&s->data_ready);
        }
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    atomic_store(&s->closed, 1);
    wake_if_waiting(s, &s->data_seq, &s->reader_waiting);
    return 0;
}

int fring_stats(const struct fring *r, struct fring_stats *st)
{
    if (!is_ring(r) || st == NULL) {
        errno = EINVAL;
        return -1;
    }
    st->waits = atomic_load(&r->shared->waits);
    st->wakes = atomic_load(&r->shared->wakes);
    st->bytes = atomic_load(&r->shared->head);
    return 0;
}

int fring_destroy(struct fring *r)
{
    if (!is_ring(r)) {
        errno = EINVAL;
        return -1;
    }
    struct fring_shared *s = r->shared;
    if (s->kind == FRING_CONDVAR) {
        pthread_cond_destroy(&s->data_ready);
        pthread_cond_destroy(&s->space_ready);
        pthread_mutex_destroy(&s->lock);
    }
    int rc = munmap(s, r->map_len);
    *r = (struct fring) { NULL, 0 };
    return rc;
}
