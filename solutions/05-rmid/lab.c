/* lab.c — Lab 05: IPC_RMID and the attach count.

   shm_status() reads a segment's size, attach count, key, "marked for
   removal" flag and creator through IPC_STAT.  shared_join() finds or makes
   a segment by key and attaches it; shared_seal() marks it removed while
   everyone stays attached; shared_leave() detaches and, when that was the
   last attachment, removes it.

   Every function returns -1 with errno set on failure and never prints or
   exits.  See lab.h for the contract.

   $ make check LAB=5          # public tests, under valgrind
   $ make demo LAB=5           # watch the key turn into 0x00000000 and "dest" */
#include <errno.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

#include "lab.h"

/* Does sh hold a joined, attached segment? */
static int is_joined(const struct shared *sh)
{
    return sh != NULL && sh->shmid != -1 && sh->addr != NULL;
}

static void shared_clear(struct shared *sh)
{
    sh->shmid = -1;
    sh->addr = NULL;
    sh->size = 0;
}

int shm_status(int shmid, struct seg_status *st)
{
    if (st == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == -1)
        return -1;

    /* glibc names the key field __key: it is not in POSIX's struct ipc_perm,
       but Linux reports it, and that is where IPC_RMID's 0 shows. */
    st->size = ds.shm_segsz;
    st->nattch = (unsigned long) ds.shm_nattch;
    st->key = ds.shm_perm.__key;
    st->marked = (ds.shm_perm.mode & SHM_DEST) != 0;
    st->creator = ds.shm_cpid;
    return 0;
}

/* Find or make the segment for key and attach it, recording shmid and addr
   in *sh as they come (shmid first, so a failed attach can be cleaned up);
   set *created when this call made the segment.  Returns 0, or -1 with errno. */
static int join_segment(key_t key, size_t size, struct shared *sh, int *created)
{
    /* First try to make it with IPC_EXCL, so we know whether it is ours to
       remove if the attach fails; if it exists, open what is there. */
    sh->shmid = shmget(key, size, IPC_CREAT | IPC_EXCL | SHARED_PERMS);
    if (sh->shmid != -1)
        *created = 1;
    else if (errno == EEXIST)
        sh->shmid = shmget(key, size, SHARED_PERMS);
    if (sh->shmid == -1)
        return -1;

    void *addr = shmat(sh->shmid, NULL, 0);
    if (addr == (void *) -1)            /* never NULL on failure: shmop(2) */
        return -1;
    sh->addr = addr;
    return 0;
}

int shared_join(key_t key, size_t size, struct shared *sh)
{
    if (sh == NULL || size == 0) {
        if (sh != NULL)
            shared_clear(sh);
        errno = EINVAL;
        return -1;
    }
    shared_clear(sh);
    int created = 0;
    if (join_segment(key, size, sh, &created) == -1) {
        int err = errno;
        if (sh->addr != NULL)
            shmdt(sh->addr);
        if (created && sh->shmid != -1)
            shmctl(sh->shmid, IPC_RMID, NULL);
        shared_clear(sh);
        errno = err;
        return -1;
    }
    sh->size = size;
    return 0;
}

int shared_seal(struct shared *sh)
{
    if (!is_joined(sh)) {
        errno = EINVAL;
        return -1;
    }
    /* With attachments left, IPC_RMID only marks the segment: SHM_DEST set,
       key 0.  Marking it twice is allowed. */
    return shmctl(sh->shmid, IPC_RMID, NULL);
}

/* Detach sh's segment; then say whether it is gone because of it:
   1 if we removed it or the kernel freed it at our detach, 0 if other
   attachments remain.  Returns -1 with errno on failure. */
static int leave_segment(struct shared *sh)
{
    if (shmdt(sh->addr) == -1)
        return -1;

    /* A marked segment is freed by the kernel at its last shmdt: then
       IPC_STAT no longer finds it, and that was our doing. */
    struct shmid_ds ds;
    if (shmctl(sh->shmid, IPC_STAT, &ds) == -1)
        return errno == EINVAL || errno == EIDRM ? 1 : -1;
    if (ds.shm_nattch > 0)
        return 0;

    /* Nobody attached and not marked (a marked one would be gone): remove
       it.  Another leaver may have beaten us to it, which is just as good. */
    if (shmctl(sh->shmid, IPC_RMID, NULL) == -1)
        return errno == EINVAL || errno == EIDRM ? 1 : -1;
    return 1;
}

int shared_leave(struct shared *sh)
{
    if (!is_joined(sh)) {
        errno = EINVAL;
        return -1;
    }
    int rc = leave_segment(sh);
    int err = errno;
    shared_clear(sh);
    errno = err;
    return rc;
}
