/* lab.h — Lab 08: POSIX shared memory and memfd: names, descriptors, seals.
   (Never edit this file: the grader compiles your lab.c against its own copy.)

   System V segments have keys and ids and no file descriptor.  What new
   Linux code uses instead is a file on a memory file system:

     POSIX shm   shm_open("/name") opens /dev/shm/name, a file on a tmpfs:
                 ftruncate (or posix_fallocate) gives it a size, mmap shares
                 it, shm_unlink removes the name.  A mapping keeps working
                 after close() and after shm_unlink(); only the name goes.
     memfd       memfd_create() makes the same kind of file with no name at
                 all: it lives as long as a descriptor or a mapping does.  A
                 process shares it by handing the descriptor to another over
                 a Unix-domain socket (SCM_RIGHTS), and seals it first
                 (fcntl F_ADD_SEALS) so the receiver can trust what it maps:
                 F_SEAL_WRITE (no one can change the bytes), F_SEAL_SHRINK
                 (no one can cut it short: no SIGBUS), F_SEAL_GROW,
                 F_SEAL_SEAL (no seal can be added; none is ever removed).

   /proc/PID/maps shows all three kinds by name: /dev/shm/NAME,
   /memfd:NAME (deleted) and /SYSV<key> (deleted).

   Names: a POSIX name here is "/" and then 1 to PSHM_NAME_MAX characters,
   none of them "/" (shm_overview(7); glibc accepts more, portable code
   does not rely on it).

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB08_POSIX_SHM_H
#define LAB08_POSIX_SHM_H

#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PSHM_NAME_MAX 250       /* characters after the "/" (NAME_MAX is 255) */

/* The seals memfd_send_sealed() puts on what it sends, and the ones
   memfd_recv_sealed() insists on before it maps anything. */
#define SEALS_SENT (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_WRITE)

/* A POSIX object mapped into this process (the descriptor is closed once
   the mapping is made: the mapping holds the object by itself). */
struct pshm {
    void *addr;                 /* the mapping, shared and read-write; NULL when none */
    size_t size;                /* its length in bytes */
};

/* A sealed buffer received from another process, mapped read-only. */
struct sealed_buf {
    const void *addr;           /* NULL when none */
    size_t size;
};

/* ---- POSIX shared memory --------------------------------------------------- */

/* Create the object name, which must not exist yet (O_CREAT | O_EXCL: of
   processes racing to create it exactly one succeeds), give it exactly the
   permission bits mode whatever the umask (which shm_open, like open,
   applies), reserve size bytes of /dev/shm for it (posix_fallocate: a
   tmpfs too small says ENOSPC now, where ftruncate would succeed and a
   touch would raise SIGBUS later), map it and fill in *p.  The object is
   then size bytes of zeros.  On failure *p is { NULL, 0 } and nothing is
   left: not the mapping, not the descriptor, not the name (if this call
   created it).
   Errors: EINVAL if name is not a valid name, size is 0 (or more than an
   off_t holds), mode has bits outside 0777 or p is NULL; EEXIST if name exists; ENOSPC if /dev/shm
   cannot hold size bytes; otherwise the errno of the call that failed. */
int pshm_create(const char *name, size_t size, mode_t mode, struct pshm *p);

/* Open the existing object name read-write and map all of it.  Its creator
   may not have sized it yet (between shm_open and ftruncate it has 0
   bytes, and mapping it then would give SIGBUS at the first touch): wait,
   up to wait_ms milliseconds, until it has at least min_size bytes, then
   map its whole size (fstat) and fill in *p.  On failure *p is { NULL, 0 }
   and nothing stays open or mapped.
   Errors: EINVAL if name is not a valid name, min_size is 0, wait_ms is
   negative or p is NULL; ENOENT if there is no such object; ETIMEDOUT if
   it still has fewer than min_size bytes after wait_ms; otherwise the
   errno of the call that failed (EACCES: its mode does not let us in). */
int pshm_open(const char *name, size_t min_size, int wait_ms, struct pshm *p);

/* Unmap p's mapping and set *p to { NULL, 0 }.  The object and its name
   stay (see pshm_remove).
   Errors: EINVAL if p is NULL or not mapped; munmap's errno. */
int pshm_close(struct pshm *p);

/* Remove the name (shm_unlink).  Mappings that exist keep working and keep
   the memory; the name is free at once, for a new, different object.
   Errors: EINVAL if name is not a valid name; ENOENT if there is none. */
int pshm_remove(const char *name);

/* ---- memfd and descriptor passing ----------------------------------------- */

/* Put len bytes of data in a new memfd called name (memfd_create with
   MFD_ALLOW_SEALING and MFD_CLOEXEC), add the SEALS_SENT seals, and send
   its descriptor over the connected Unix-domain socket fd: one sendmsg of
   one data byte with one SCM_RIGHTS descriptor.  Then close our copy: the
   receiver's is the only one.  (F_SEAL_WRITE is refused with EBUSY while a
   shared writable mapping of the memfd exists: unmap first.)
   Errors: EINVAL if name or data is NULL, len is 0 or name is longer than
   memfd_create allows (249 bytes); otherwise the errno of the call that
   failed (ENOTSOCK, EPIPE, ...).  On failure no descriptor stays open. */
int memfd_send_sealed(int fd, const char *name, const void *data, size_t len);

/* Receive one message from the Unix-domain socket fd, which must carry
   exactly one descriptor: a memfd with every SEALS_NEEDED seal.  Map it
   read-only and fill in *b; close the descriptor (the mapping keeps the
   memory).  Returns the number of bytes mapped.  A descriptor that is
   refused is closed, and so is every descriptor that came with the message.
   Errors: EINVAL if b is NULL; ECONNRESET if the peer closed the socket
   before sending; EBADMSG if the message carries no descriptor or more
   than one, or the memfd is empty; EPERM if the descriptor is not sealed
   with SEALS_NEEDED (a shm_open object reports F_SEAL_SEAL alone; a pipe
   or a file that is not on a tmpfs makes fcntl F_GET_SEALS say EINVAL);
   otherwise the errno of the call that failed.  On failure *b is
   { NULL, 0 }. */
long memfd_recv_sealed(int fd, struct sealed_buf *b);

/* Unmap b's buffer and set *b to { NULL, 0 }.
   Errors: EINVAL if b is NULL or holds nothing; munmap's errno. */
int sealed_release(struct sealed_buf *b);

/* ---- inspection ------------------------------------------------------------ */

/* Copy the pathname column of the /proc/self/maps line whose range holds
   addr into name (len bytes, '\0' included): "/dev/shm/NAME",
   "/memfd:NAME (deleted)", "/SYSV0000abcd (deleted)", "[heap]", or "" for
   anonymous memory.
   Errors: EINVAL if name is NULL or len is 0; ENOENT if no mapping holds
   addr; ERANGE if the pathname does not fit in len bytes. */
int mapping_name(const void *addr, char *name, size_t len);

#endif
