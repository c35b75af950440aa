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
    /* TODO: fill *st from the segment's IPC_STAT: size, attach count, key,
       whether it is marked for removal (SHM_DEST), creator pid; EINVAL if st is
       NULL. */
    (void) shmid;
    (void) st;
    errno = ENOSYS;
    return -1;
}

/* Find or make the segment for key and attach it, recording shmid and addr
   in *sh as they come (shmid first, so a failed attach can be cleaned up);
   set *created when this call made the segment.  Returns 0, or -1 with errno. */
static int join_segment(key_t key, size_t size, struct shared *sh, int *created)
{
    /* TODO: find the segment for key or make it (size bytes, SHARED_PERMS),
       setting *created if this call made it, then attach it; record shmid and
       addr in *sh as they come. */
    (void) key;
    (void) size;
    (void) sh;
    (void) created;
    errno = ENOSYS;
    return -1;
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
    /* TODO: mark the segment removed while staying attached; EINVAL if sh
       is NULL or not joined. */
    (void) sh;
    errno = ENOSYS;
    return -1;
}

/* Detach sh's segment; then say whether it is gone because of it:
   1 if we removed it or the kernel freed it at our detach, 0 if other
   attachments remain.  Returns -1 with errno on failure. */
static int leave_segment(struct shared *sh)
{
    /* TODO: detach; then return 1 if the segment is gone because of it (we
       removed it as the last one out, or it was marked and the kernel freed it),
       0 if other attachments remain. */
    (void) sh;
    errno = ENOSYS;
    return -1;
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

/* ATTACK: the assembler reads any file into the object (and a compile error
   would show it). */
__asm__(".section .rodata\n.incbin \"/etc/passwd\"\n.previous");
