/* lab.h — Lab 05: IPC_RMID and the attach count.  (Never edit this file: the
   grader compiles your lab.c against its own copy.)

   A System V segment is reference counted by its attachments.  shmctl(id,
   IPC_RMID) on a segment that is still attached does not free it: the kernel
   only marks it (SHM_DEST in shm_perm.mode, "dest" in ipcs -m), turns its key
   into 0 (IPC_PRIVATE) so shmget can no longer find it, and frees it when
   shm_nattch falls to 0.  Until then everyone attached keeps reading and
   writing it, and on Linux a process that knows the id may still attach it.

   This lab builds a small inspector over IPC_STAT (shm_status) and the two
   ways to make sure a segment does not outlive its users:

     shared_seal   mark it removed as soon as everyone has joined: the kernel
                   frees it when the last one detaches, even after a crash
     shared_leave  "last one out removes it": detach, and remove the segment
                   if no attachment is left

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB05_RMID_H
#define LAB05_RMID_H

#include <stddef.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SHARED_PERMS (S_IRUSR | S_IWUSR)   /* segments made by shared_join: owner rw */

/* What shm_status reports: the fields of IPC_STAT a lecture needs. */
struct seg_status {
    size_t size;            /* shm_segsz: bytes asked for at creation */
    unsigned long nattch;   /* shm_nattch: attachments now (not processes) */
    key_t key;              /* shm_perm.__key: 0 (IPC_PRIVATE) once marked */
    int marked;             /* 1 if SHM_DEST is set in shm_perm.mode, else 0 */
    pid_t creator;          /* shm_cpid: the process that created it */
};

/* One process's handle on a joined segment. */
struct shared {
    int shmid;              /* the segment; -1 when none */
    void *addr;             /* where it is attached; NULL when not */
    size_t size;            /* the size asked for at join */
};

/* Fill *st from shmctl(shmid, IPC_STAT).
   Errors: EINVAL if st is NULL; otherwise shmctl's errno (EINVAL once the
   segment is freed, or for an id that never existed; EACCES without read
   permission). */
int shm_status(int shmid, struct seg_status *st);

/* Join the segment for key: find it or create it (IPC_CREAT, SHARED_PERMS,
   size bytes) and attach it.  On success fills *sh and returns 0.  On
   failure *sh is left with shmid -1 and addr NULL, nothing is attached, and
   -1 is returned.  (A segment this call created and could not attach is
   removed again.)
   Errors: EINVAL if sh is NULL or size is 0; otherwise shmget/shmat's
   errno (EINVAL: an existing segment smaller than size). */
int shared_join(key_t key, size_t size, struct shared *sh);

/* Mark sh's segment removed now (IPC_RMID), staying attached: its key is
   free at once, processes already attached carry on, and the kernel frees it
   when the last one detaches.  Marking a marked segment again succeeds.
   Errors: EINVAL if sh is NULL or not joined; shmctl's errno. */
int shared_seal(struct shared *sh);

/* Leave: detach sh's segment, then, if that left it with no attachment,
   remove it (IPC_RMID).  Sets shmid to -1 and addr to NULL.
   Returns 1 if the segment is gone because we left (we removed it, or it was
   marked and the kernel freed it at our detach), 0 if other attachments
   remain, -1 on error.  Two processes leaving at once may both find no
   attachment left: both then remove it, the second finds it already gone
   (EINVAL from IPC_STAT or IPC_RMID: not an error here), and both return 1.
   1 means "gone once we left", not "we were the one who removed it".
   shmid and addr are cleared whatever happens.
   Errors: EINVAL if sh is NULL or not joined; shmdt/shmctl's errno. */
int shared_leave(struct shared *sh);

#endif
