/* lab.c — Lab 03: ftok pitfalls, and a safer way to name a segment.

   lab_ftok() rebuilds glibc's ftok(3) from stat(2): 8 bits of proj_id, 8 of
   the device, 16 of the inode.  ftok_collide() makes files until two of them
   share a key, which the 16 inode bits make certain within 65537 files.
   seg_create()/seg_open() name a segment by key but never trust the key
   alone: the segment starts with a header (magic, version, size, and the
   file's whole st_dev, st_ino and proj_id) that every opener checks.

   Every function returns -1 with errno set on failure and never prints or
   exits.  See lab.h for the contract.

   $ make check LAB=3          # public tests, under valgrind
   $ make demo LAB=3           # keys taken apart, a collision, a stale segment */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "lab.h"

#define COLLIDE_NAME_FMT "%s/" COLLIDE_PREFIX "%06ld"   /* dir, index */

/* ---- ftok --------------------------------------------------------------- */

key_t lab_ftok(const char *path, int proj_id)
{
    /* TODO: stat the path (following symbolic links) and pack the low 8 bits
       of proj_id, the low 8 bits of st_dev and the low 16 bits of st_ino the
       way glibc's ftok does; EINVAL for a NULL path. */
    (void) path;
    (void) proj_id;
    errno = ENOSYS;
    return (key_t) -1;
}

/* ---- a collision, on purpose ------------------------------------------- */

/* Remove dir/ftok-000000 .. dir/ftok-(made-1) except the indexes keep1 and
   keep2 (-1: keep none).  Never fails: a file already gone is fine. */
static void collide_cleanup(const char *dir, long made, long keep1, long keep2)
{
    char path[4096];
    for (long i = 0; i < made; i++) {
        if (i == keep1 || i == keep2)
            continue;
        snprintf(path, sizeof path, COLLIDE_NAME_FMT, dir, i);
        unlink(path);
    }
}

/* Make dir/ftok-000000, dir/ftok-000001, ... (O_EXCL, SEG_PERMS), counting
   them in *made as they appear, until the newest file's key equals an older
   one's; then set *first (the older) and *second and return 0.  Returns -1
   with errno EAGAIN once max_files files hold no collision, or the errno of
   a failing call.  Removes nothing: the caller cleans up. */
static int collide_search(const char *dir, int proj_id, long max_files,
                          long *made, long *first, long *second)
{
    /* TODO: make dir/ftok-000000, dir/ftok-000001, ... one at a time (new
       files, SEG_PERMS), counting each in *made, until the newest file's key
       equals an older one's; then set *first and *second.  EAGAIN when
       max_files files hold no collision. */
    (void) dir;
    (void) proj_id;
    (void) max_files;
    (void) made;
    (void) first;
    (void) second;
    errno = ENOSYS;
    return -1;
}

int ftok_collide(const char *dir, int proj_id, long max_files, char *a, char *b, size_t len)
{
    if (dir == NULL || a == NULL || b == NULL || max_files < 2 || max_files > COLLIDE_MAX_FILES) {
        errno = EINVAL;
        return -1;
    }
    /* The longest name we would write: the six-digit index is the widest. */
    int need = snprintf(NULL, 0, COLLIDE_NAME_FMT, dir, 0L);
    if (need < 0 || (size_t) need + 1 > len || (size_t) need + 1 > 4096) {
        errno = ERANGE;
        return -1;
    }

    long made = 0, first = -1, second = -1;
    if (collide_search(dir, proj_id, max_files, &made, &first, &second) == -1) {
        int err = errno;
        collide_cleanup(dir, made, -1, -1);
        errno = err;
        return -1;
    }
    collide_cleanup(dir, made, first, second);
    snprintf(a, len, COLLIDE_NAME_FMT, dir, first);
    snprintf(b, len, COLLIDE_NAME_FMT, dir, second);
    return 0;
}

/* ---- a segment that says whose it is ------------------------------------ */

static void seg_clear(struct seg *s)
{
    s->shmid = -1;
    s->key = IPC_PRIVATE;
    s->hdr = NULL;
    s->data = NULL;
    s->size = 0;
}

static int args_ok(const char *path, int proj_id, size_t size, const struct seg *s)
{
    return path != NULL && s != NULL && size > 0 && ((unsigned) proj_id & 0xffU) != 0;
}

/* Make the segment for key with room for a header and size bytes, attach
   it, record shmid, hdr and data in *s (shmid first, so a failed attach can
   still be cleaned up), and fill the header from st and proj_id.
   Returns 0, or -1 with errno. */
static int segment_make(key_t key, size_t size, const struct stat *st, int proj_id, struct seg *s)
{
    /* TODO: make a new segment for key (never take over an existing one)
       with room for a header and size bytes, attach it, record shmid, hdr and
       data in *s, and fill in the header: magic, version, size, the file's
       st_dev and st_ino, proj_id. */
    (void) key;
    (void) size;
    (void) st;
    (void) proj_id;
    (void) s;
    errno = ENOSYS;
    return -1;
}

/* What seg_create and seg_open do first: check the arguments (EINVAL),
   clear *s, and find the key and the file's identity.  0, or -1 with errno. */
static int seg_begin(const char *path, int proj_id, size_t size, struct seg *s,
                     key_t *key, struct stat *st)
{
    if (!args_ok(path, proj_id, size, s)) {
        if (s != NULL)
            seg_clear(s);
        errno = EINVAL;
        return -1;
    }
    seg_clear(s);
    *key = lab_ftok(path, proj_id);
    if (*key == (key_t) -1 || stat(path, st) == -1)
        return -1;
    return 0;
}

int seg_create(const char *path, int proj_id, size_t size, struct seg *s)
{
    struct stat st;
    key_t key;
    if (seg_begin(path, proj_id, size, s, &key, &st) == -1)
        return -1;

    s->key = key;
    s->size = size;
    if (segment_make(key, size, &st, proj_id, s) == -1) {
        int err = errno;
        if (s->hdr != NULL)
            shmdt(s->hdr);
        if (s->shmid != -1)
            shmctl(s->shmid, IPC_RMID, NULL);
        seg_clear(s);
        errno = err;
        return -1;
    }
    return 0;
}

/* Find the segment for key (without creating one), attach it, and record
   shmid and hdr in *s; store the segment's real size in *segsz.
   Returns 0, or -1 with errno (ENOENT: no segment has that key). */
static int segment_find(key_t key, struct seg *s, size_t *segsz)
{
    /* TODO: find the existing segment for key (never create one), store
       its size in *segsz, attach it and record shmid and hdr in *s. */
    (void) key;
    (void) s;
    (void) segsz;
    errno = ENOSYS;
    return -1;
}

/* Is the segment at h (segsz bytes long) the one seg_create made for the
   file st with proj_id and size payload bytes?  Returns 0, or -1 with the
   errno lab.h gives for the first check that fails. */
static int header_check(const struct seg_header *h, size_t segsz, const struct stat *st,
                        int proj_id, size_t size)
{
    /* TODO: run the checks lab.h lists for seg_open, in its order, and set
       errno to the value of the first one that fails. */
    (void) h;
    (void) segsz;
    (void) st;
    (void) proj_id;
    (void) size;
    errno = ENOSYS;
    return -1;
}

int seg_open(const char *path, int proj_id, size_t size, struct seg *s)
{
    struct stat st;
    key_t key;
    if (seg_begin(path, proj_id, size, s, &key, &st) == -1)
        return -1;

    size_t segsz = 0;
    s->key = key;
    if (segment_find(key, s, &segsz) == -1 ||
        header_check(s->hdr, segsz, &st, proj_id, size) == -1) {
        /* Detach, never remove: a segment that fails the check may well
           belong to someone else. */
        int err = errno;
        if (s->hdr != NULL)
            shmdt(s->hdr);
        seg_clear(s);
        errno = err;
        return -1;
    }
    s->data = s->hdr + 1;
    s->size = size;
    return 0;
}

int seg_close(struct seg *s)
{
    /* TODO: EINVAL if s is NULL or s->hdr is NULL (not attached); detach
       the segment and clear *s (seg_clear) even if shmdt failed, then return
       shmdt's result with its errno. */
    (void) s;
    errno = ENOSYS;
    return -1;
}

int seg_remove(struct seg *s)
{
    /* TODO: remove the segment and detach it, then clear *s; keep going
       after a failure and report the first; EINVAL if s is NULL or not attached. */
    (void) s;
    errno = ENOSYS;
    return -1;
}
