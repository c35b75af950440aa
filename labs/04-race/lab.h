/* lab.h — Lab 04: the i++ race across processes.  (Never edit this file: the
   grader compiles your lab.c against its own copy.)

   N worker processes share one System V shared memory segment and each adds 1
   to a counter in it M times.  With a plain i++ (load, add, store) the total
   comes out below N*M: two workers load the same value and one update is lost.
   This lab fixes it three ways and compares them:

     RACE_SEMAPHORE  a System V semaphore used as a lock, taken with SEM_UNDO so
                     the kernel gives it back if the holder dies   (semop(2))
     RACE_ATOMIC     one atomic_fetch_add on an _Atomic counter    (C11 <stdatomic.h>)
     RACE_MUTEX      a pthread mutex inside the segment, PTHREAD_PROCESS_SHARED
                     and PTHREAD_MUTEX_ROBUST, recovered with
                     pthread_mutex_consistent() after EOWNERDEAD
                                         (pthread_mutexattr_setrobust(3))

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB04_RACE_H
#define LAB04_RACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#define RACE_PERMS (S_IRUSR | S_IWUSR)  /* segment and semaphore set: owner rw */
#define RACE_MAX_WORKERS 64             /* race_run() refuses more workers */

enum race_method {
    RACE_UNSAFE,      /* plain i++: the bug this lab is about */
    RACE_SEMAPHORE,   /* System V semaphore as a lock, SEM_UNDO */
    RACE_ATOMIC,      /* C11 atomic_fetch_add */
    RACE_MUTEX        /* robust, process-shared pthread mutex */
};

/* The segment's layout: what every worker sees at the attached address. */
struct race_shared {
    long count;                /* UNSAFE, SEMAPHORE, MUTEX: a plain counter */
    _Atomic long atomic_count; /* ATOMIC: only ever touched atomically */
    pthread_mutex_t mutex;     /* MUTEX: guards count; shared and robust */
};

/* One process's handle on a race: copied into each worker by fork(). */
struct race {
    enum race_method method;
    int shmid;                  /* the segment, IPC_PRIVATE; -1 when none */
    int semid;                  /* SEMAPHORE: a set of one semaphore; -1 otherwise */
    struct race_shared *shared; /* where the segment is attached; NULL when not */
};

/* Create an IPC_PRIVATE segment sized for struct race_shared (RACE_PERMS),
   attach it, zero both counters and prepare the method's lock: for
   RACE_SEMAPHORE a set of one semaphore set to 1; for RACE_MUTEX a mutex
   initialised PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST.  On failure
   nothing is left behind (no segment, no semaphore set).
   Errors: EINVAL if r is NULL or method is not a race_method; otherwise the
   errno of the failing shmget/shmat/semget/semctl/pthread call. */
int race_create(struct race *r, enum race_method method);

/* Take the lock of a RACE_SEMAPHORE or RACE_MUTEX race, blocking until it is
   free.  A semaphore is decremented with SEM_UNDO and semop is retried on
   EINTR.  A mutex whose previous owner died (EOWNERDEAD) is made consistent
   and counts as taken.
   Errors: EINVAL if r is NULL or its method has no lock (UNSAFE, ATOMIC). */
int race_lock(struct race *r);

/* Release the lock taken by race_lock().  Errors: as race_lock(). */
int race_unlock(struct race *r);

/* Add 1 to the shared counter with r's method: UNSAFE a plain i++, ATOMIC
   atomic_fetch_add, SEMAPHORE and MUTEX i++ between race_lock/race_unlock.
   Errors: EINVAL if r is NULL; those of race_lock/race_unlock. */
int race_increment(struct race *r);

/* The counter's current value for r's method (count, or atomic_count for
   RACE_ATOMIC); -1 with EINVAL if r is NULL or not attached. */
long race_read(const struct race *r);

/* Fork nworkers processes; each calls race_increment(r) per_worker times and
   exits with status 0 (1 if an increment failed).  Waits for all of them.
   Returns how many workers did not exit with status 0 (0: all fine), or -1.
   Errors: EINVAL if r is NULL, nworkers is not in 1..RACE_MAX_WORKERS or
   per_worker < 0; fork's errno (workers already started are waited for). */
int race_run(struct race *r, int nworkers, long per_worker);

/* Detach the segment and remove it and the semaphore set (IPC_RMID), then set
   shmid and semid to -1 and shared to NULL.
   Errors: EINVAL if r is NULL or already destroyed; shmdt/shmctl/semctl's. */
int race_destroy(struct race *r);

#endif
