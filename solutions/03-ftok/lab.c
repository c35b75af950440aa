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
    if (path == NULL) {
        errno = EINVAL;
        return (key_t) -1;
    }
    /* stat, not lstat: ftok follows symbolic links, so a link and its target
       give one key.  Only the low bits of each field survive: the key is
       32 bits, and glibc spends 8 on proj_id, 8 on the device, 16 on the
       inode.  Everything else about the file is thrown away. */
    struct stat st;
    if (stat(path, &st) == -1)          /* ENOENT, ENOTDIR, EACCES, ... */
        return (key_t) -1;
    return (key_t) (((unsigned) proj_id & 0xffU) << 24 |
                    ((unsigned) st.st_dev & 0xffU) << 16 |
                    ((unsigned) st.st_ino & 0xffffU));
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
    /* Every file here lives in one folder, so on one device: the keys can
       differ only in the inode's low 16 bits.  One slot per possible value
       of those bits remembers which file took it (-1: none yet), so each new
       file is checked in one step instead of against every older file. */
    long *owner = malloc(65536 * sizeof *owner);
    if (owner == NULL)
        return -1;
    for (long i = 0; i < 65536; i++)
        owner[i] = -1;

    char path[4096];
    int rc = -1;
    errno = EAGAIN;
    for (long n = 0; n < max_files; n++) {
        snprintf(path, sizeof path, COLLIDE_NAME_FMT, dir, n);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, SEG_PERMS);
        if (fd == -1)
            break;
        (*made)++;
        if (close(fd) == -1)
            break;

        key_t newest = lab_ftok(path, proj_id);
        if (newest == (key_t) -1)
            break;
        long slot = (long) ((unsigned) newest & 0xffffU);
        if (owner[slot] != -1) {
            /* Same low 16 bits: compare the whole keys, so a file that some
               other filesystem mounted here would never pass for a match. */
            snprintf(path, sizeof path, COLLIDE_NAME_FMT, dir, owner[slot]);
            key_t older = lab_ftok(path, proj_id);
            if (older == (key_t) -1)
                break;
            if (older == newest) {
                *first = owner[slot];
                *second = n;
                rc = 0;
                break;
            }
        }
        owner[slot] = n;
        errno = EAGAIN;
    }
    int err = errno;
    free(owner);
    errno = err;
    return rc;
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
    /* IPC_EXCL: if anything already answers to this key, it is not ours to
       take over, whatever it holds. */
    s->shmid = shmget(key, sizeof(struct seg_header) + size, IPC_CREAT | IPC_EXCL | SEG_PERMS);
    if (s->shmid == -1)
        return -1;
    void *addr = shmat(s->shmid, NULL, 0);
    if (addr == (void *) -1)            /* never NULL on failure: shmop(2) */
        return -1;
    s->hdr = addr;
    s->data = &s->hdr[1];               /* the payload follows the header */

    /* A new segment is zero-filled; the header says whose it is. */
    s->hdr->version = SEG_VERSION;
    s->hdr->size = size;
    s->hdr->dev = (uint64_t) st->st_dev;
    s->hdr->ino = (uint64_t) st->st_ino;
    s->hdr->proj_id = proj_id;
    s->hdr->reserved = 0;
    s->hdr->magic = SEG_MAGIC;          /* last: the header is complete */
    return 0;
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
    /* Size 0 and no IPC_CREAT: "give me what exists", never "make one". */
    s->shmid = shmget(key, 0, 0);
    if (s->shmid == -1)
        return -1;
    struct shmid_ds ds;
    if (shmctl(s->shmid, IPC_STAT, &ds) == -1)
        return -1;
    *segsz = ds.shm_segsz;
    void *addr = shmat(s->shmid, NULL, 0);
    if (addr == (void *) -1)
        return -1;
    s->hdr = addr;
    return 0;
}

/* Is the segment at h (segsz bytes long) the one seg_create made for the
   file st with proj_id and size payload bytes?  Returns 0, or -1 with the
   errno lab.h gives for the first check that fails. */
static int header_check(const struct seg_header *h, size_t segsz, const struct stat *st,
                        int proj_id, size_t size)
{
    /* Read nothing before knowing the header is there at all. */
    if (segsz < sizeof *h || h->magic != SEG_MAGIC) {
        errno = EBADMSG;
        return -1;
    }
    if (h->version != SEG_VERSION) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    /* The key kept only 8 + 8 + 16 bits; the header kept all of them. */
    if (h->dev != (uint64_t) st->st_dev || h->ino != (uint64_t) st->st_ino ||
        h->proj_id != proj_id) {
        errno = ESTALE;
        return -1;
    }
    if (h->size != size || segsz - sizeof *h < size) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
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
    if (s == NULL || s->hdr == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* Detaching leaves the segment in the system for the next opener. */
    int rc = shmdt(s->hdr);
    int err = errno;
    seg_clear(s);
    errno = err;
    return rc;
}

int seg_remove(struct seg *s)
{
    if (s == NULL || s->hdr == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* Remove first, then detach: the key is free at once, and the kernel
       frees the memory when the last process detaches (us, or later ones). */
    int first_err = 0;
    if (shmctl(s->shmid, IPC_RMID, NULL) == -1)
        first_err = errno;
    if (shmdt(s->hdr) == -1 && first_err == 0)
        first_err = errno;
    seg_clear(s);
    if (first_err != 0) {
        errno = first_err;
        return -1;
    }
    return 0;
}
