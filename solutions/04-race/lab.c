/* lab.c — Lab 04: the i++ race across processes, and three ways to fix it.

   race_create() makes one System V shared memory segment holding a counter;
   race_run() forks workers that each add 1 to it many times with the chosen
   method.  The plain i++ (RACE_UNSAFE) loses updates when two workers load the
   same value; a System V semaphore taken with SEM_UNDO, a C11 atomic_fetch_add
   and a robust process-shared pthread mutex each make the total exact.

   Every function returns -1 with errno set on failure and never prints or
   exits; only the forked workers call _exit().  See lab.h for the contract.

   $ make check LAB=4          # public tests, under valgrind
   $ make demo LAB=4           # watch the updates get lost, then the fixes */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

/* semctl(2) takes this union as its fourth argument, and the caller must
   define it: glibc's <sys/sem.h> does not. */
union semun {
    int val;                    /* SETVAL */
    struct semid_ds *buf;       /* IPC_STAT, IPC_SET */
    unsigned short *array;      /* GETALL, SETALL */
};

static int method_is_valid(enum race_method method)
{
    switch (method) {
    case RACE_UNSAFE:
    case RACE_SEMAPHORE:
    case RACE_ATOMIC:
    case RACE_MUTEX:
        return 1;
    }
    return 0;
}

/* Make an IPC_PRIVATE segment the size of struct race_shared, attach it, and
   record both in *r (shmid first, so a failed attach can still be cleaned
   up); then zero both counters.  Returns 0, or -1 with errno. */
static int segment_create(struct race *r)
{
    /* IPC_PRIVATE always makes a new segment; only processes that get the id
       (here: our forked workers, who inherit the attachment) can use it. */
    r->shmid = shmget(IPC_PRIVATE, sizeof(struct race_shared), IPC_CREAT | RACE_PERMS);
    if (r->shmid == -1)
        return -1;

    void *addr = shmat(r->shmid, NULL, 0);
    if (addr == (void *) -1)            /* shmat fails with (void *) -1, not NULL */
        return -1;
    r->shared = addr;

    /* A new segment is already zero-filled; say so anyway, and give the
       atomic counter its first value the way C11 asks (atomic_init). */
    r->shared->count = 0;
    atomic_init(&r->shared->atomic_count, 0);
    return 0;
}

/* Make a set of one semaphore, record its id in *r, and set the semaphore
   to 1: the lock is free.  Returns 0, or -1 with errno. */
static int semaphore_create(struct race *r)
{
    r->semid = semget(IPC_PRIVATE, 1, IPC_CREAT | RACE_PERMS);
    if (r->semid == -1)
        return -1;

    /* Linux starts a new semaphore at 0 ("taken"); POSIX does not even
       promise that.  Set it explicitly. */
    union semun arg = { .val = 1 };
    if (semctl(r->semid, 0, SETVAL, arg) == -1)
        return -1;
    return 0;
}

/* Initialise *m, which lives in the segment, so that several processes can
   use it and a holder that dies does not leave it locked for ever.
   Returns 0, or -1 with errno. */
static int mutex_create(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;

    /* The pthread calls return an error number instead of setting errno. */
    int err = pthread_mutexattr_init(&attr);
    if (err != 0) {
        errno = err;
        return -1;
    }
    err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (err == 0)
        err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (err == 0)
        err = pthread_mutex_init(m, &attr);

    /* The mutex keeps its own copy of the attributes. */
    int err_destroy = pthread_mutexattr_destroy(&attr);
    if (err == 0)
        err = err_destroy;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

/* Detach and remove whatever *r holds (segment, semaphore set), and mark it
   as holding nothing.  Carries on after a failed call so that as much as
   possible goes; returns -1 with the first failure's errno. */
static int remove_objects(struct race *r)
{
    int first_err = 0;

    /* IPC_RMID alone is not enough: a segment that is still attached only
       gets marked for removal (SHM_DEST) and lives on.  Detach first. */
    if (r->shared != NULL && shmdt(r->shared) == -1)
        first_err = errno;
    r->shared = NULL;

    if (r->shmid != -1 && shmctl(r->shmid, IPC_RMID, NULL) == -1 && first_err == 0)
        first_err = errno;
    r->shmid = -1;

    /* A semaphore set goes at once, waking any waiter with EIDRM. */
    if (r->semid != -1 && semctl(r->semid, 0, IPC_RMID) == -1 && first_err == 0)
        first_err = errno;
    r->semid = -1;

    if (first_err != 0) {
        errno = first_err;
        return -1;
    }
    return 0;
}

/* Add delta to semaphore 0 of semid: -1 takes the lock (waiting while it is
   0), +1 gives it back.  Returns 0, or -1 with errno. */
static int semaphore_add(int semid, short delta)
{
    /* SEM_UNDO: the kernel remembers what this process did to the semaphore
       and reverses it when the process ends, however it ends (even SIGKILL),
       so a worker that dies holding the lock gives it back. */
    struct sembuf op = { .sem_num = 0, .sem_op = delta, .sem_flg = SEM_UNDO };

    /* A signal handler interrupts a waiting semop() with EINTR, even one
       installed with SA_RESTART (signal(7)); wait again. */
    while (semop(semid, &op, 1) == -1)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* Lock the robust mutex *m; if its previous owner died holding it, mark it
   consistent and keep it.  Returns 0, or -1 with errno. */
static int mutex_lock_robust(pthread_mutex_t *m)
{
    int err = pthread_mutex_lock(m);

    /* EOWNERDEAD: we hold the lock now, but its owner died inside the
       critical section.  Our critical section is one i++ on a long, which
       either happened or did not, so the count is usable as it is.  Without
       pthread_mutex_consistent(), the next unlock would make the mutex
       unusable for everyone (ENOTRECOVERABLE). */
    if (err == EOWNERDEAD)
        err = pthread_mutex_consistent(m);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

/* Add 1 to the atomic counter in one indivisible step.  Returns 0. */
static int atomic_increment(struct race_shared *s)
{
    /* One read-modify-write that no other CPU can split: on x86-64 it is
       "lock addq", on arm64 an LDADD or an exclusive-load/store loop. */
    atomic_fetch_add(&s->atomic_count, 1);
    return 0;
}

/* The plain i++ the lab is about: load, add, store.  volatile makes the
   compiler do one load and one store per call, so it cannot fold a loop of
   M increments into a single "add M" that would hide the race.  volatile
   does NOT make the three steps indivisible: another CPU can still store
   between our load and our store, and one of the two updates is lost. */
static void plain_increment(long *count)
{
    volatile long *v = count;
    *v = *v + 1;
}

int race_create(struct race *r, enum race_method method)
{
    if (r == NULL || !method_is_valid(method)) {
        errno = EINVAL;
        return -1;
    }
    r->method = method;
    r->shmid = -1;
    r->semid = -1;
    r->shared = NULL;

    /* Each step records what it made in *r, so when a later step fails one
       clean-up removes exactly what exists: nothing is left behind. */
    if (segment_create(r) == 0 &&
        (method != RACE_SEMAPHORE || semaphore_create(r) == 0) &&
        (method != RACE_MUTEX || mutex_create(&r->shared->mutex) == 0))
        return 0;

    int saved = errno;                  /* report the failing call, not the clean-up */
    remove_objects(r);
    errno = saved;
    return -1;
}

int race_lock(struct race *r)
{
    if (r == NULL || r->shared == NULL) {
        errno = EINVAL;
        return -1;
    }
    switch (r->method) {
    case RACE_SEMAPHORE:
        return semaphore_add(r->semid, -1);
    case RACE_MUTEX:
        return mutex_lock_robust(&r->shared->mutex);
    default:                            /* UNSAFE and ATOMIC have no lock */
        errno = EINVAL;
        return -1;
    }
}

int race_unlock(struct race *r)
{
    if (r == NULL || r->shared == NULL) {
        errno = EINVAL;
        return -1;
    }
    switch (r->method) {
    case RACE_SEMAPHORE:
        return semaphore_add(r->semid, +1);
    case RACE_MUTEX: {
        int err = pthread_mutex_unlock(&r->shared->mutex);
        if (err != 0) {
            errno = err;
            return -1;
        }
        return 0;
    }
    default:
        errno = EINVAL;
        return -1;
    }
}

int race_increment(struct race *r)
{
    if (r == NULL || r->shared == NULL) {
        errno = EINVAL;
        return -1;
    }
    switch (r->method) {
    case RACE_UNSAFE:
        plain_increment(&r->shared->count);
        return 0;
    case RACE_ATOMIC:
        return atomic_increment(r->shared);
    case RACE_SEMAPHORE:
    case RACE_MUTEX:
        /* The same i++, but only one process at a time gets past race_lock(). */
        if (race_lock(r) == -1)
            return -1;
        plain_increment(&r->shared->count);
        return race_unlock(r);
    }
    errno = EINVAL;
    return -1;
}

long race_read(const struct race *r)
{
    if (r == NULL || r->shared == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (r->method == RACE_ATOMIC)
        return atomic_load(&r->shared->atomic_count);
    return r->shared->count;
}

int race_run(struct race *r, int nworkers, long per_worker)
{
    if (r == NULL || r->shared == NULL || nworkers < 1 || nworkers > RACE_MAX_WORKERS ||
        per_worker < 0) {
        errno = EINVAL;
        return -1;
    }

    pid_t pid[RACE_MAX_WORKERS];
    int started, fork_err = 0;

    /* Each worker inherits the attached segment (and, through *r, the
       semaphore id): fork() copies the mapping, which still points at the
       same shared pages. */
    for (started = 0; started < nworkers; started++) {
        pid[started] = fork();
        if (pid[started] == -1) {
            fork_err = errno;
            break;
        }
        if (pid[started] == 0) {
            /* The worker: never return into the caller's code, and leave
               with _exit() so the parent's stdio buffers and atexit
               handlers are not run a second time. */
            for (long i = 0; i < per_worker; i++)
                if (race_increment(r) == -1)
                    _exit(1);
            _exit(0);
        }
    }

    /* Wait for every worker that was started, even if a later fork failed:
       no zombies, and nobody still counting when we return. */
    int failed = 0, wait_err = 0;
    for (int i = 0; i < started; i++) {
        int status;
        pid_t w;
        while ((w = waitpid(pid[i], &status, 0)) == -1 && errno == EINTR)
            continue;
        if (w == -1) {
            if (wait_err == 0)
                wait_err = errno;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
        }
    }

    if (fork_err != 0 || wait_err != 0) {
        errno = fork_err != 0 ? fork_err : wait_err;
        return -1;
    }
    return failed;
}

int race_destroy(struct race *r)
{
    if (r == NULL || r->shmid == -1) {
        errno = EINVAL;
        return -1;
    }
    /* The mutex lives in the segment and goes with it (on Linux
       pthread_mutex_destroy() frees nothing). */
    return remove_objects(r);
}
