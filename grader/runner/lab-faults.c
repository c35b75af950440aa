/* lab-faults.c — in the lab process, shmat() and semget() fail on demand,
   for tests of the "a create that fails half-way leaves nothing behind" kind.

   lab.c's calls resolve to these definitions (the executable's own symbols
   come first); they go straight to the kernel through syscall(2) unless the
   test asked, with lt_inject() (an LT_INJECT request), for the next calls to
   fail with an errno.  The test checks what was left in the kernel itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "split-protocol.h"

static int fail_errno[LT_FAULT_COUNT];

void lt_set_fault(unsigned call, int err);
void lt_set_fault(unsigned call, int err)
{
    if (call < LT_FAULT_COUNT)
        fail_errno[call] = err;
}

void *shmat(int shmid, const void *shmaddr, int shmflg)
{
    if (fail_errno[LT_FAULT_SHMAT] != 0) {
        errno = fail_errno[LT_FAULT_SHMAT];
        return (void *) -1;
    }
    return (void *) syscall(SYS_shmat, shmid, shmaddr, shmflg);
}

int semget(key_t key, int nsems, int semflg)
{
    if (fail_errno[LT_FAULT_SEMGET] != 0) {
        errno = fail_errno[LT_FAULT_SEMGET];
        return -1;
    }
    return (int) syscall(SYS_semget, key, nsems, semflg);
}
