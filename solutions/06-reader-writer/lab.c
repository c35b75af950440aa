/* lab.c — Lab 06: from a racy `written` flag to a correct channel.

   rw_create() makes one System V shared memory segment of message slots and,
   for the semaphore channels, a set of three System V semaphores.  RW_FLAG
   is seed 004's shmwrite/shmread protocol: poll a flag, copy, flip the flag.
   RW_SLOT replaces the polling with an EMPTY and a FULL semaphore; RW_RING
   has nslots slots and a MUTEX semaphore (SEM_UNDO) around its indexes.

   Every function returns -1 with errno set on failure and never prints or
   exits.  See lab.h for the contract.

   $ make check LAB=6          # public tests, under valgrind
   $ make demo LAB=6           # the flag losing messages, then the fixes */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <time.h>

#include "lab.h"

/* semctl(2) takes this union as its fourth argument, and the caller must
   define it: glibc's <sys/sem.h> does not. */
union semun {
    int val;                    /* SETVAL */
    struct semid_ds *buf;       /* IPC_STAT, IPC_SET */
    unsigned short *array;      /* GETALL, SETALL */
};

/* ---- Messages (given) ---------------------------------------------------- */

int rw_msg_make(struct rw_msg *m, int writer, int seq)
{
    if (m == NULL || writer < 0 || seq < 0) {
        errno = EINVAL;
        return -1;
    }
    memset(m, 0, sizeof *m);
    m->writer = writer;
    m->seq = seq;
    int n = snprintf(m->text, sizeof m->text, "w%d s%d ", writer, seq);
    if (n < 0 || n > RW_TEXT_SIZE - 1)
        n = RW_TEXT_SIZE - 1;
    memset(m->text + n, 'a' + (writer + seq) % 26, (size_t) (RW_TEXT_SIZE - 1 - n));
    m->text[RW_TEXT_SIZE - 1] = '\0';
    return 0;
}

int rw_msg_valid(const struct rw_msg *m)
{
    struct rw_msg want;
    if (m == NULL || rw_msg_make(&want, m->writer, m->seq) == -1)
        return 0;
    return memcmp(want.text, m->text, sizeof want.text) == 0;
}

/* ---- Time (given) -------------------------------------------------------- */

/* *deadline = now + ms on the monotonic clock (never set back by anyone). */
static void deadline_after(struct timespec *deadline, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

/* *left = deadline - now, or zero once the deadline has passed.  Returns 1
   while there is time left, 0 after. */
static int time_left(const struct timespec *deadline, struct timespec *left)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    left->tv_sec = deadline->tv_sec - now.tv_sec;
    left->tv_nsec = deadline->tv_nsec - now.tv_nsec;
    if (left->tv_nsec < 0) {
        left->tv_sec--;
        left->tv_nsec += 1000000000L;
    }
    if (left->tv_sec < 0) {
        left->tv_sec = 0;
        left->tv_nsec = 0;
        return 0;
    }
    return left->tv_sec > 0 || left->tv_nsec > 0;
}

/* ---- Objects ------------------------------------------------------------- */

/* Make an IPC_PRIVATE segment for struct rw_shared and nslots messages,
   attach it, record both in *c (shmid first, so a failed attach can still
   be cleaned up), and set the fields.  Given: lab 04 did this. */
static int segment_create(struct rw_chan *c, unsigned int nslots)
{
    size_t size = sizeof(struct rw_shared) + nslots * sizeof(struct rw_msg);
    c->shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | RW_PERMS);
    if (c->shmid == -1)
        return -1;
    c->shared = shmat(c->shmid, NULL, 0);
    if (c->shared == (void *) -1) {     /* (void *) -1 on failure, never NULL */
        c->shared = NULL;
        return -1;
    }
    atomic_init(&c->shared->written, 0);
    c->shared->nslots = nslots;
    c->shared->in = 0;
    c->shared->out = 0;
    return 0;
}

/* Make the set of RW_NSEMS semaphores, record its id in *c, and give each
   semaphore its starting value (lab.h).  Returns 0, or -1 with errno. */
static int semaphores_create(struct rw_chan *c, unsigned int nslots)
{
    c->semid = semget(IPC_PRIVATE, RW_NSEMS, IPC_CREAT | RW_PERMS);
    if (c->semid == -1)
        return -1;

    /* One SETALL sets every value at once; new semaphores start at 0 on
       Linux, but POSIX does not promise it, and EMPTY must be nslots. */
    unsigned short start[RW_NSEMS];
    start[RW_SEM_EMPTY] = (unsigned short) nslots;
    start[RW_SEM_FULL] = 0;
    start[RW_SEM_MUTEX] = 1;
    union semun arg = { .array = start };
    if (semctl(c->semid, 0, SETALL, arg) == -1)
        return -1;
    return 0;
}

/* Detach and remove whatever *c holds (segment, semaphore set), and mark it
   as holding nothing.  Carries on after a failed call so that as much as
   possible goes; returns -1 with the first failure's errno. */
static int remove_objects(struct rw_chan *c)
{
    int first_err = 0;

    /* Detach before IPC_RMID, or the segment is only marked for removal. */
    if (c->shared != NULL && shmdt(c->shared) == -1)
        first_err = errno;
    c->shared = NULL;
    if (c->shmid != -1 && shmctl(c->shmid, IPC_RMID, NULL) == -1 && first_err == 0)
        first_err = errno;
    c->shmid = -1;

    /* The set goes at once; every process waiting on it wakes with EIDRM. */
    if (c->semid != -1 && semctl(c->semid, 0, IPC_RMID) == -1 && first_err == 0)
        first_err = errno;
    c->semid = -1;

    if (first_err != 0) {
        errno = first_err;
        return -1;
    }
    return 0;
}

/* ---- Waiting on a semaphore --------------------------------------------- */

/* Add delta to semaphore num of semid, with flg (0 or SEM_UNDO).  A
   negative delta waits while the value is too small: for ever when deadline
   is NULL, else until *deadline, then -1 with ETIMEDOUT.  A signal that
   interrupts the wait (EINTR) does not end it, nor move the deadline. */
static int sem_change(int semid, unsigned short num, short delta, short flg,
                      const struct timespec *deadline)
{
    struct sembuf op = { .sem_num = num, .sem_op = delta, .sem_flg = flg };

    for (;;) {
        int rc;
        if (deadline == NULL) {
            rc = semop(semid, &op, 1);
        } else {
            /* semtimedop takes a relative timeout: what is left of ours.
               Once it is zero the call only tries, without sleeping. */
            struct timespec left;
            time_left(deadline, &left);
            rc = semtimedop(semid, &op, 1, &left);
            if (rc == -1 && errno == EAGAIN) {
                errno = ETIMEDOUT;      /* semtimedop says EAGAIN on a timeout */
                return -1;
            }
        }
        if (rc == 0)
            return 0;
        /* A signal handler interrupts semop with EINTR even when installed
           with SA_RESTART (signal(7)); wait again. */
        if (errno != EINTR)
            return -1;
    }
}

/* ---- The three channels -------------------------------------------------- */

/* RW_FLAG: poll until `written` equals want, politely (sched_yield lets the
   other process run on this CPU), or until *deadline: -1 with ETIMEDOUT.
   Given: this is the busy-waiting the semaphores replace. */
static int flag_wait(struct rw_shared *s, int want, const struct timespec *deadline)
{
    struct timespec left;
    while (atomic_load(&s->written) != want) {
        if (deadline != NULL && !time_left(deadline, &left)) {
            errno = ETIMEDOUT;
            return -1;
        }
        sched_yield();
    }
    return 0;
}

/* RW_FLAG, writer side, once flag_wait() has seen `written` at 0: copy *m
   into slot 0 and set `written` to 1.  (Seed 004's shmwrite.) */
static int flag_put(struct rw_shared *s, const struct rw_msg *m)
{
    s->slot[0] = *m;
    /* The atomic store comes after the copy in program order and in the
       order other CPUs see (sequentially consistent): a reader that sees 1
       sees the whole message. */
    atomic_store(&s->written, 1);
    return 0;
}

/* RW_FLAG, reader side, once flag_wait() has seen `written` at 1: copy
   slot 0 into *m and set `written` back to 0.  (Seed 004's shmread.) */
static int flag_take(struct rw_shared *s, struct rw_msg *m)
{
    *m = s->slot[0];
    atomic_store(&s->written, 0);
    return 0;
}

/* RW_RING's MUTEX: delta -1 takes it (waiting until *deadline, or for ever
   when deadline is NULL), +1 gives it back. */
static int ring_mutex(struct rw_chan *c, short delta, const struct timespec *deadline)
{
    /* SEM_UNDO on both the -1 and the +1: the kernel keeps their sum per
       process (0 after a lock/unlock pair, +1 while we hold it) and adds it
       back when we exit, so a holder that dies gives the mutex back. */
    return sem_change(c->semid, RW_SEM_MUTEX, delta, SEM_UNDO, deadline);
}

/* RW_SLOT and RW_RING, writer side: take an EMPTY token, fill the next slot,
   post a FULL token. */
static int chan_send(struct rw_chan *c, const struct rw_msg *m, const struct timespec *deadline)
{
    struct rw_shared *s = c->shared;

    /* No SEM_UNDO on EMPTY and FULL: a reader gives back the EMPTY token we
       take, and our FULL token must outlive us. */
    if (sem_change(c->semid, RW_SEM_EMPTY, -1, 0, deadline) == -1)
        return -1;

    if (c->kind == RW_SLOT) {
        /* EMPTY is 0 or 1: holding its token, we are the only writer. */
        s->slot[0] = *m;
    } else {
        /* Several writers can hold EMPTY tokens at once: MUTEX makes
           claiming a slot and filling it one step. */
        if (ring_mutex(c, -1, deadline) == -1) {
            int saved = errno;
            sem_change(c->semid, RW_SEM_EMPTY, +1, 0, NULL);   /* give the slot back */
            errno = saved;
            return -1;
        }
        s->slot[s->in] = *m;
        s->in = (s->in + 1) % s->nslots;
        if (ring_mutex(c, +1, NULL) == -1)
            return -1;
    }
    return sem_change(c->semid, RW_SEM_FULL, +1, 0, NULL);
}

/* RW_SLOT and RW_RING, reader side: take a FULL token, empty the next slot,
   post an EMPTY token. */
static int chan_recv(struct rw_chan *c, struct rw_msg *m, const struct timespec *deadline)
{
    struct rw_shared *s = c->shared;

    if (sem_change(c->semid, RW_SEM_FULL, -1, 0, deadline) == -1)
        return -1;

    if (c->kind == RW_SLOT) {
        *m = s->slot[0];
    } else {
        if (ring_mutex(c, -1, deadline) == -1) {
            int saved = errno;
            sem_change(c->semid, RW_SEM_FULL, +1, 0, NULL);    /* leave the message */
            errno = saved;
            return -1;
        }
        *m = s->slot[s->out];
        s->out = (s->out + 1) % s->nslots;
        if (ring_mutex(c, +1, NULL) == -1)
            return -1;
    }
    return sem_change(c->semid, RW_SEM_EMPTY, +1, 0, NULL);
}

/* ---- The API (given) ------------------------------------------------------- */

static int kind_is_valid(enum rw_kind kind)
{
    switch (kind) {
    case RW_FLAG:
    case RW_SLOT:
    case RW_RING:
        return 1;
    }
    return 0;
}

int rw_create(struct rw_chan *c, enum rw_kind kind, unsigned int nslots)
{
    if (c == NULL || !kind_is_valid(kind) || nslots < 1 ||
        (kind != RW_RING && nslots != 1) || nslots > RW_SLOTS_MAX) {
        errno = EINVAL;
        return -1;
    }
    c->kind = kind;
    c->shmid = -1;
    c->semid = -1;
    c->shared = NULL;

    /* Each step records what it made in *c, so one clean-up removes exactly
       what exists when a later step fails. */
    if (segment_create(c, nslots) == 0 &&
        (kind == RW_FLAG || semaphores_create(c, nslots) == 0))
        return 0;

    int saved = errno;
    remove_objects(c);
    errno = saved;
    return -1;
}

/* Send *from or receive into *into (one of them is NULL), with a deadline
   when timed, after checking the arguments. */
static int transfer(struct rw_chan *c, struct rw_msg *into, const struct rw_msg *from,
                    long timeout_ms, int timed)
{
    struct timespec deadline;
    if (c == NULL || c->shared == NULL || (into == NULL && from == NULL) ||
        !kind_is_valid(c->kind) || (timed && timeout_ms < 0)) {
        errno = EINVAL;
        return -1;
    }
    if (timed)
        deadline_after(&deadline, timeout_ms);
    const struct timespec *dl = timed ? &deadline : NULL;

    if (c->kind == RW_FLAG) {
        /* Looking at the flag and then writing are two steps: a second
           writer can look between them, see 0 as well, and copy over the
           first one's message.  That is the bug this lab is about. */
        if (flag_wait(c->shared, from != NULL ? 0 : 1, dl) == -1)
            return -1;
        return from != NULL ? flag_put(c->shared, from) : flag_take(c->shared, into);
    }
    return from != NULL ? chan_send(c, from, dl) : chan_recv(c, into, dl);
}

int rw_send(struct rw_chan *c, const struct rw_msg *m)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    return transfer(c, NULL, m, 0, 0);
}

int rw_recv(struct rw_chan *c, struct rw_msg *m)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    return transfer(c, m, NULL, 0, 0);
}

int rw_send_timed(struct rw_chan *c, const struct rw_msg *m, long timeout_ms)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    return transfer(c, NULL, m, timeout_ms, 1);
}

int rw_recv_timed(struct rw_chan *c, struct rw_msg *m, long timeout_ms)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    return transfer(c, m, NULL, timeout_ms, 1);
}

int rw_lock(struct rw_chan *c)
{
    if (c == NULL || c->shared == NULL || c->kind != RW_RING) {
        errno = EINVAL;
        return -1;
    }
    return ring_mutex(c, -1, NULL);
}

int rw_unlock(struct rw_chan *c)
{
    if (c == NULL || c->shared == NULL || c->kind != RW_RING) {
        errno = EINVAL;
        return -1;
    }
    return ring_mutex(c, +1, NULL);
}

int rw_destroy(struct rw_chan *c)
{
    if (c == NULL || c->shmid == -1) {
        errno = EINVAL;
        return -1;
    }
    return remove_objects(c);
}
