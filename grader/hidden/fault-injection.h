/* fault-injection.h — make a lab's own shmget(), shmat() or semget() fail
   on demand, for hidden tests of the "a create that fails half-way leaves
   nothing behind" kind.  Included by exactly one test file of a lab.

   lab.c's calls to shmget(), shmat() and semget() resolve to these
   definitions (the executable's own symbols come first).  They go straight
   to the kernel through syscall(2) unless a test set an errno to fail with;
   shmget() also records the last id it made, so a test can check that a
   failed create removed it.  CAN_INJECT is 0 where the kernel has no such
   system calls (tests then skip the injection). */
#ifndef SHMLAB_FAULT_INJECTION_H
#define SHMLAB_FAULT_INJECTION_H

#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(SYS_shmget) && defined(SYS_shmat) && defined(SYS_semget)
#define CAN_INJECT 1
static volatile int fail_shmat_errno, fail_semget_errno;
static volatile int last_shmid = -1;

int shmget(key_t key, size_t size, int shmflg)
{
    long id = syscall(SYS_shmget, key, size, shmflg);
    if (id != -1)
        last_shmid = (int) id;
    return (int) id;
}

void *shmat(int shmid, const void *shmaddr, int shmflg)
{
    if (fail_shmat_errno != 0) {
        errno = fail_shmat_errno;
        return (void *) -1;
    }
    return (void *) syscall(SYS_shmat, shmid, shmaddr, shmflg);
}

int semget(key_t key, int nsems, int semflg)
{
    if (fail_semget_errno != 0) {
        errno = fail_semget_errno;
        return -1;
    }
    return (int) syscall(SYS_semget, key, nsems, semflg);
}
#else
#define CAN_INJECT 0
#endif

#endif
