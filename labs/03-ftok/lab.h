/* lab.h — Lab 03: ftok pitfalls, and a safer way to name a segment.  (Never
   edit this file: the grader compiles your lab.c against its own copy.)

   ftok(3) turns a path and a project id into a System V key.  It is not a
   hash: glibc packs three fields of stat(2)'s answer into 32 bits,

       bits 31..24   proj_id & 0xff        only 8 bits of the project id
       bits 23..16   st_dev  & 0xff        only 8 bits of the device
       bits 15..0    st_ino  & 0xffff      only 16 bits of the inode

   so the key names a file only as long as that file keeps its inode, and two
   files whose inodes differ by a multiple of 65536 on one device get the same
   key.  This lab rebuilds ftok, makes such a collision on purpose, and then
   names a segment the safer way: with a header in the segment that says
   whose it is (magic, version, size, and the file's full identity), checked
   by every process that opens it.

   Every function returns 0 (or a key) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB03_FTOK_H
#define LAB03_FTOK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SEG_PERMS (S_IRUSR | S_IWUSR)  /* segments made by seg_create: owner rw */
#define SEG_MAGIC 0x53484d4cU          /* "SHML": the first word of every segment of ours */
#define SEG_VERSION 1U                 /* the layout of struct seg_header below */

#define COLLIDE_PREFIX "ftok-"         /* ftok_collide makes DIR/ftok-000000, DIR/ftok-000001, ... */
#define COLLIDE_MAX_FILES 1000000L     /* ftok_collide refuses to make more files than this */
#define COLLIDE_ENOUGH 65537L          /* files in one folder that always hold a collision:
                                          65536 values of st_ino & 0xffff, plus one */

/* The first bytes of every segment made by seg_create; the payload follows. */
struct seg_header {
    uint32_t magic;     /* SEG_MAGIC: this segment is one of ours */
    uint32_t version;   /* SEG_VERSION: the layout of this header */
    uint64_t size;      /* payload bytes after the header */
    uint64_t dev;       /* st_dev of the file the key was made from (all of it) */
    uint64_t ino;       /* st_ino of that file (all of it) */
    int32_t proj_id;    /* the proj_id the key was made with (all of it) */
    uint32_t reserved;  /* 0 */
};

/* One process's handle on a segment. */
struct seg {
    int shmid;                  /* the segment; -1 when none */
    key_t key;                  /* the key it was found or made under */
    struct seg_header *hdr;     /* where it is attached; NULL when not */
    void *data;                 /* the payload: the first byte after the header */
    size_t size;                /* payload bytes */
};

/* The key glibc's ftok(path, proj_id) returns, computed from stat(2)
   (following symbolic links): the low 8 bits of proj_id, of st_dev and the
   low 16 bits of st_ino, packed as above.  Any proj_id is accepted, as glibc
   does (0 and 256 give the same key; the man page asks for a nonzero one).
   Returns the key, or (key_t) -1 with errno:
   EINVAL if path is NULL; otherwise stat's errno (ENOENT for a missing path
   or "", ENOTDIR when a component is not a folder, EACCES, ...). */
key_t lab_ftok(const char *path, int proj_id);

/* Make files dir/ftok-000000, dir/ftok-000001, ... (COLLIDE_PREFIX and six
   digits, created new and empty, mode SEG_PERMS) one after the other until
   two of them have the same lab_ftok(..., proj_id) key, making no more than
   max_files files.  Keep those two, remove every other file it made, and
   write their paths to a (the older one) and b, each a buffer of len bytes.
   One folder is one device, so COLLIDE_ENOUGH files always hold a collision.
   Returns 0.  On failure every file it made is removed and -1 is returned:
   EINVAL  dir, a or b is NULL, or max_files is not in 2..COLLIDE_MAX_FILES;
   ERANGE  a path dir/ftok-NNNNNN (with its '\0') would not fit in len bytes
           (checked before any file is made);
   EAGAIN  max_files files made and no two share a key;
   or the errno of the failing open/fstat/stat (ENOENT: no such folder,
   EEXIST: a file with one of those names is already there — never touched). */
int ftok_collide(const char *dir, int proj_id, long max_files, char *a, char *b, size_t len);

/* Make a new segment for (path, proj_id): key lab_ftok(path, proj_id), size
   sizeof(struct seg_header) + size, IPC_CREAT | IPC_EXCL | SEG_PERMS; attach
   it, fill the header (magic, version, size, the file's st_dev and st_ino,
   proj_id) and fill *s.  The payload starts zeroed.
   Returns 0; on failure nothing is left behind (no segment, no attachment),
   s->shmid is -1 and s->hdr NULL, and -1 is returned:
   EINVAL  path or s is NULL, size is 0, or proj_id & 0xff is 0 (the man page
           asks for nonzero: with 0 a file whose low bits are 0 gets key 0,
           IPC_PRIVATE);
   EEXIST  a segment already has that key (it is left alone);
   or the errno of lab_ftok/shmget/shmat/shmctl. */
int seg_create(const char *path, int proj_id, size_t size, struct seg *s);

/* Open the segment for (path, proj_id) made by seg_create with this size:
   find it by key (shmget without IPC_CREAT), attach it, and check its header
   before trusting it, in this order:
   EBADMSG          the segment is smaller than a header, or magic is not
                    SEG_MAGIC: not one of ours;
   EPROTONOSUPPORT  version is not SEG_VERSION;
   ESTALE           the header names another file (st_dev or st_ino differ
                    from path's now) or another proj_id: the key collided, or
                    the file was removed and re-created;
   EMSGSIZE         the header's size is not size, or the segment is too
                    small to hold a header and that many bytes.
   On success fills *s and returns 0.  On failure the segment is detached
   (never removed: it may be someone else's), s->shmid is -1 and s->hdr NULL,
   and -1 is returned with one of the errno values above, or:
   EINVAL  path or s is NULL, size is 0, or proj_id & 0xff is 0;
   ENOENT  no segment has that key (or path is missing: lab_ftok's errno);
   or the errno of lab_ftok/shmget/shmat/shmctl. */
int seg_open(const char *path, int proj_id, size_t size, struct seg *s);

/* Detach *s's segment (it stays in the system, for the next seg_open) and
   set s->hdr and s->data to NULL, s->shmid to -1 - whether or not shmdt
   succeeded: the handle is closed either way, like close(2)'s descriptor.
   "Not attached" means s->hdr is NULL (a handle closed before, or never
   opened).
   Errors: EINVAL if s is NULL or not attached (*s unchanged); shmdt's errno. */
int seg_close(struct seg *s);

/* Remove *s's segment (IPC_RMID) and detach it, then set s->hdr and s->data
   to NULL, s->shmid to -1.  Keeps going after a failure, reports the first.
   Errors: EINVAL if s is NULL or not attached; shmctl/shmdt's errno. */
int seg_remove(struct seg *s);

#endif
