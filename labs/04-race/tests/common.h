/* common.h — helpers shared by lab 04's public tests and the grader's hidden
   ones: naming a method, expecting -1 with an errno, and making races that
   the teardown can remove even when race_destroy() is wrong.

   Everything is static: each test file (and each test, in its own process)
   has its own copy of the bookkeeping. */
#ifndef LAB04_TESTS_COMMON_H
#define LAB04_TESTS_COMMON_H

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "labtest.h"
#include "lab.h"

static inline const char *method_name(enum race_method m)
{
    switch (m) {
    case RACE_UNSAFE:    return "RACE_UNSAFE";
    case RACE_SEMAPHORE: return "RACE_SEMAPHORE";
    case RACE_ATOMIC:    return "RACE_ATOMIC";
    case RACE_MUTEX:     return "RACE_MUTEX";
    }
    return "(bad method)";
}

/* Every race a test makes is recorded here with the ids it got, so that the
   teardown can remove the objects even when race_destroy() is wrong. */
#define MAX_RACES 4
static struct race races[MAX_RACES];
static int made_shmid[MAX_RACES], made_semid[MAX_RACES];
static int nraces;

/* Destroy every race the test made, and remove its objects by id in case
   race_destroy() did not.  Never asserts: a failure here would hide the
   test's own message. */
static inline void remove_races(void)
{
    for (int i = 0; i < nraces; i++) {
        if (races[i].shmid != -1)
            race_destroy(&races[i]);
        if (made_shmid[i] != -1)
            shmctl(made_shmid[i], IPC_RMID, NULL);      /* fails if already gone: fine */
        if (made_semid[i] != -1)
            semctl(made_semid[i], 0, IPC_RMID);
    }
    nraces = 0;
}

static inline struct race *new_race(enum race_method method)
{
    ck_assert_msg(nraces < MAX_RACES, "test bug: more than %d races", MAX_RACES);
    struct race *r = &races[nraces];
    r->shmid = r->semid = -1;
    r->shared = NULL;

    int rc = race_create(r, method);
    int err = errno;
    made_shmid[nraces] = r->shmid;
    made_semid[nraces] = r->semid;
    nraces++;
    ck_assert_msg(rc == 0, "race_create(%s): expected 0, got %d (errno %d, %s)",
                  method_name(method), rc, err, strerror(err));
    ck_assert_msg(r->shmid != -1 && r->shared != NULL,
                  "race_create(%s) returned 0 but shmid is %d and shared is %p",
                  method_name(method), r->shmid, (void *) r->shared);
    return r;
}

#endif
