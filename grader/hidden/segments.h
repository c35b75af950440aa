/* segments.h — the System V segments in a test's IPC namespace, for hidden
   tests of the "a create that fails half-way leaves nothing behind" kind:
   list them before, make the lab process's shmat() or semget() fail
   (lt_inject, grader/runner/split.h), and count (and remove) what is new.
   The count comes from the kernel, never from the lab process's word;
   expect_segment_gone() checks one id. */
#ifndef SHMLAB_SEGMENTS_H
#define SHMLAB_SEGMENTS_H

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "labtest.h"

#define MAX_SEGMENTS 64

/* The ids of the segments in this test's IPC namespace (at most max). */
static int list_segments(int *ids, int max)
{
    struct shm_info info;
    struct shmid_ds ds;
    int top = shmctl(0, SHM_INFO, (struct shmid_ds *) (void *) &info), n = 0;
    ck_assert_msg(top != -1, "shmctl(SHM_INFO): %s", strerror(errno));
    for (int i = 0; i <= top && n < max; i++) {
        int id = shmctl(i, SHM_STAT, &ds);
        if (id != -1)
            ids[n++] = id;
    }
    return n;
}

/* Remove the segments that were not there before (ids[0..n)); how many. */
static int remove_new_segments(const int *ids, int n)
{
    int now[MAX_SEGMENTS], left = 0, m = list_segments(now, MAX_SEGMENTS);
    for (int i = 0; i < m; i++) {
        int old = 0;
        for (int j = 0; j < n; j++)
            old |= now[i] == ids[j];
        if (!old) {
            shmctl(now[i], IPC_RMID, NULL);
            left++;
        }
    }
    return left;
}

/* Fail unless segment shmid is gone (IPC_STAT: EINVAL), saying so when it
   is only marked for removal because something is still attached. */
static void expect_segment_gone(int shmid, const char *what)
{
    struct shmid_ds ds;
    errno = 0;
    int rc = shmctl(shmid, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "%s: IPC_STAT on its segment: expected -1/EINVAL, got %d (%s)%s", what, rc,
                  strerror(errno), rc == 0 && (ds.shm_perm.mode & SHM_DEST) ?
                  " - marked for removal but still attached" : "");
}

#endif
