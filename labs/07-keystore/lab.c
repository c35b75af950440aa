/* lab.c — Lab 07 (capstone): a key store in shared memory.

   Seed 002's table of NodeSHMInfo records, done right: a checked header, an
   exclusive create and a verified open, whole-field comparisons, one robust
   process-shared mutex around every access, a one-record undo journal so a
   writer killed mid-update never leaves a torn record, and secrets wiped on
   delete and destroy.  lab.h describes the layout and the protocol.

   Every function returns -1 with errno set on failure and never prints or
   exits.

   $ make check LAB=7          # public tests, under valgrind
   $ make demo LAB=7           # the store under fire: many writers, kill -9
   $ sh scripts/lab-program.sh 7 keystore --help */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

#include "lab.h"

/* ---- Checking arguments (given) ----------------------------------------- */

static int is_open(const struct keystore *ks)
{
    return ks != NULL && ks->shmid != -1 && ks->seg != NULL;
}

/* Check an id and copy it, '\0'-padded, into a field of KS_ID_SIZE bytes.
   Never reads more than KS_ID_MAX + 1 bytes of id. */
static int id_field(const char *id, char field[KS_ID_SIZE])
{
    if (id == NULL) {
        errno = EINVAL;
        return -1;
    }
    size_t len = strnlen(id, KS_ID_MAX + 1);
    if (len > KS_ID_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (!isgraph((unsigned char) id[i])) {
            errno = EINVAL;
            return -1;
        }
    memset(field, 0, KS_ID_SIZE);
    memcpy(field, id, len);
    return 0;
}

/* ---- The segment --------------------------------------------------------- */

/* Make a NEW segment for `capacity` records under key (never an existing
   one), attach it, and record shmid and seg in *ks as soon as each exists. */
static int segment_make(struct keystore *ks, key_t key, unsigned int capacity)
{
    /* TODO: make a NEW segment of KS_SEGMENT_SIZE(capacity) bytes under key
       (fail with EEXIST if the key is taken), attach it, and record shmid and
       seg in *ks as soon as each exists. */
    (void) ks;
    (void) key;
    (void) capacity;
    errno = ENOSYS;
    return -1;
}

/* Fill a new segment's header and publish it: magic is stored last. */
static int header_init(struct ks_segment *seg, unsigned int capacity)
{
    /* TODO: fill the header (version, capacity, record_size, journal_slot),
       initialise the lock as a process-shared, robust mutex (the pthread calls
       return an error number: turn it into errno), and store magic last. */
    (void) seg;
    (void) capacity;
    errno = ENOSYS;
    return -1;
}

/* Find the EXISTING segment under key and attach it, recording shmid and seg
   in *ks as soon as each exists. */
static int segment_attach(struct keystore *ks, key_t key)
{
    /* TODO: find the existing segment under key and attach it, recording
       shmid and seg in *ks as soon as each exists. */
    (void) ks;
    (void) key;
    errno = ENOSYS;
    return -1;
}

/* Is the attached segment a ready key store of our layout?  Waits up to
   KS_OPEN_WAIT_MS for its creator to store magic. */
static int header_check(struct keystore *ks)
{
    /* TODO: check the segment is big enough for a header (IPC_STAT), wait up
       to KS_OPEN_WAIT_MS for magic (EAGAIN if it stays 0), then check magic,
       version, record_size, capacity and the size (EPROTO if anything is off). */
    (void) ks;
    errno = ENOSYS;
    return -1;
}

/* Detach (if attached) and close *ks, leaving the segment for the others.
   Given: ks_open's way out. */
static int detach(struct keystore *ks)
{
    int rc = ks->seg == NULL ? 0 : shmdt(ks->seg);
    ks->seg = NULL;
    ks->shmid = -1;
    return rc;
}

/* Detach (if attached) and remove (if *ks has an id) the segment, then close
   *ks.  Carries on after a failure; returns -1 with the first errno. */
static int remove_segment(struct keystore *ks)
{
    /* TODO: detach the segment if attached, remove it if *ks has an id,
       and close *ks; keep going after a failure and report the first one. */
    (void) ks;
    errno = ENOSYS;
    return -1;
}

/* ---- The lock and the journal ------------------------------------------- */

int ks_recover(struct keystore *ks)
{
    /* TODO: check ks is open; if journal_slot names a record, copy the journal
       back into it (return 1); set journal_slot to KS_NO_SLOT and wipe the
       journal in every case. */
    (void) ks;
    errno = ENOSYS;
    return -1;
}

/* Take the store's lock.  A previous holder that died leaves EOWNERDEAD:
   roll back its change and mark the mutex consistent.  A destroyed store
   (magic 0) fails with EIDRM, without the lock. */
static int store_lock(struct keystore *ks)
{
    /* TODO: lock the store's mutex; if its holder died (EOWNERDEAD), roll back
       with ks_recover() and make the mutex consistent; fail with EIDRM (and
       give the lock back) if magic is no longer KS_MAGIC. */
    (void) ks;
    errno = ENOSYS;
    return -1;
}

/* Given: give the lock back, keeping errno unless the unlock fails. */
static int store_unlock(struct keystore *ks)
{
    int err = pthread_mutex_unlock(&ks->seg->hdr.lock);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

/* ---- Records ------------------------------------------------------------- */

/* The index of the record in use for (client, server), or -1; *free_slot
   gets the lowest free index, or -1 when the table is full.  Compares whole
   fixed-size fields: never reads past a field, NUL or not. */
static int find_slot(const struct ks_segment *seg, const char client[KS_ID_SIZE],
                     const char server[KS_ID_SIZE], int *free_slot)
{
    /* TODO: return the index of the record in use for (client, server),
       comparing whole fields, or -1; set *free_slot to the lowest free index,
       or -1 when there is none. */
    (void) seg;
    (void) client;
    (void) server;
    (void) free_slot;
    errno = ENOSYS;
    return -1;
}

/* Replace rec[i] by *now through the journal (lab.h), lock held. */
static int record_change(struct ks_segment *seg, int i, const struct ks_record *now)
{
    /* TODO: replace rec[i] by *now following the journal protocol of lab.h,
       making sure the compiler cannot reorder its steps (a fence, see the
       handout's "The journal"). */
    (void) seg;
    (void) i;
    (void) now;
    errno = ENOSYS;
    return -1;
}

/* Wipe every record and the journal, and unpublish the store (magic 0),
   lock held. */
static int wipe_all(struct ks_segment *seg)
{
    /* TODO: wipe every record and the journal, and set magic to 0. */
    (void) seg;
    errno = ENOSYS;
    return -1;
}

/* ---- The API (given) ------------------------------------------------------- */

int ks_create(struct keystore *ks, key_t key, unsigned int capacity)
{
    if (ks == NULL || capacity < 1 || capacity > KS_CAPACITY_MAX) {
        errno = EINVAL;
        return -1;
    }
    ks->shmid = -1;
    ks->seg = NULL;
    if (segment_make(ks, key, capacity) == 0 && header_init(ks->seg, capacity) == 0)
        return 0;
    /* Only what this call made is removed: after EEXIST, shmid is -1. */
    int saved = errno;
    remove_segment(ks);
    errno = saved;
    return -1;
}

int ks_open(struct keystore *ks, key_t key)
{
    if (ks == NULL) {
        errno = EINVAL;
        return -1;
    }
    ks->shmid = -1;
    ks->seg = NULL;
    if (segment_attach(ks, key) == 0 && header_check(ks) == 0)
        return 0;
    int saved = errno;
    detach(ks);                         /* never remove a segment we only opened */
    errno = saved;
    return -1;
}

int ks_open_or_create(struct keystore *ks, key_t key, unsigned int capacity)
{
    /* Two steps, and another process can act between them: create fails
       with EEXIST because someone else created it first, or open fails with
       ENOENT because someone removed it since.  Either way: try again. */
    for (int tries = 0; tries < 100; tries++) {
        if (ks_create(ks, key, capacity) == 0)
            return 1;
        if (errno != EEXIST)
            return -1;
        if (ks_open(ks, key) == 0)
            return 0;
        if (errno != ENOENT)
            return -1;
    }
    errno = EAGAIN;
    return -1;
}

int ks_put(struct keystore *ks, const char *client, const char *server, int seckeyid,
           const void *secret, size_t len)
{
    struct ks_record now;
    memset(&now, 0, sizeof now);
    if (!is_open(ks) || (secret == NULL && len > 0)) {
        errno = EINVAL;
        return -1;
    }
    if (id_field(client, now.client_id) == -1 || id_field(server, now.server_id) == -1)
        return -1;
    if (len > KS_SECKEY_SIZE) {
        errno = EMSGSIZE;
        return -1;
    }
    now.state = KS_USED;
    now.seckeyid = seckeyid;
    now.seckey_len = (uint32_t) len;
    if (len > 0)
        memcpy(now.seckey, secret, len);

    int rc = -1;
    if (store_lock(ks) == 0) {
        int free_slot = -1, i = find_slot(ks->seg, now.client_id, now.server_id, &free_slot);
        if (i != -1)
            rc = record_change(ks->seg, i, &now) == 0 ? 0 : -1;
        else if (free_slot != -1)
            rc = record_change(ks->seg, free_slot, &now) == 0 ? 1 : -1;
        else
            errno = ENOSPC;             /* full, and not "found an empty slot" */
        int saved = errno;
        if (store_unlock(ks) == -1)
            rc = -1;
        else
            errno = saved;
    }
    explicit_bzero(&now, sizeof now);   /* our stack copy of the secret too */
    return rc;
}

int ks_get(struct keystore *ks, const char *client, const char *server, struct ks_entry *out)
{
    char c[KS_ID_SIZE], s[KS_ID_SIZE];
    if (!is_open(ks) || out == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (id_field(client, c) == -1 || id_field(server, s) == -1 || store_lock(ks) == -1)
        return -1;
    int free_slot = -1, i = find_slot(ks->seg, c, s, &free_slot), rc = 0;
    if (i == -1) {
        errno = ENOENT;
        rc = -1;
    } else {
        const struct ks_record *r = &ks->seg->rec[i];
        memset(out, 0, sizeof *out);
        memcpy(out->client_id, r->client_id, KS_ID_MAX);  /* last byte stays '\0' */
        memcpy(out->server_id, r->server_id, KS_ID_MAX);
        out->seckeyid = r->seckeyid;
        out->seckey_len = r->seckey_len <= KS_SECKEY_SIZE ? r->seckey_len : KS_SECKEY_SIZE;
        memcpy(out->seckey, r->seckey, out->seckey_len);
    }
    int saved = errno;
    if (store_unlock(ks) == -1)
        return -1;
    errno = saved;
    return rc;
}

int ks_del(struct keystore *ks, const char *client, const char *server)
{
    char c[KS_ID_SIZE], s[KS_ID_SIZE];
    if (!is_open(ks)) {
        errno = EINVAL;
        return -1;
    }
    if (id_field(client, c) == -1 || id_field(server, s) == -1 || store_lock(ks) == -1)
        return -1;
    int free_slot = -1, i = find_slot(ks->seg, c, s, &free_slot), rc = 0;
    if (i == -1) {
        errno = ENOENT;
        rc = -1;
    } else {
        struct ks_record wiped;
        memset(&wiped, 0, sizeof wiped);            /* state KS_FREE, every byte 0 */
        rc = record_change(ks->seg, i, &wiped);
    }
    int saved = errno;
    if (store_unlock(ks) == -1)
        return -1;
    errno = saved;
    return rc;
}

int ks_list(struct keystore *ks, struct ks_entry *out, size_t max)
{
    if (!is_open(ks) || (out == NULL && max > 0)) {
        errno = EINVAL;
        return -1;
    }
    if (store_lock(ks) == -1)
        return -1;
    size_t used = 0;
    for (uint32_t i = 0; i < ks->seg->hdr.capacity; i++) {
        const struct ks_record *r = &ks->seg->rec[i];
        if (r->state != KS_USED)
            continue;
        if (used < max) {
            struct ks_entry *e = &out[used];
            memset(e, 0, sizeof *e);
            memcpy(e->client_id, r->client_id, KS_ID_MAX);
            memcpy(e->server_id, r->server_id, KS_ID_MAX);
            e->seckeyid = r->seckeyid;
            e->seckey_len = r->seckey_len <= KS_SECKEY_SIZE ? r->seckey_len : KS_SECKEY_SIZE;
        }
        used++;
    }
    if (store_unlock(ks) == -1)
        return -1;
    return (int) used;
}

int ks_close(struct keystore *ks)
{
    if (!is_open(ks)) {
        errno = EINVAL;
        return -1;
    }
    return detach(ks);
}

int ks_destroy(struct keystore *ks)
{
    if (!is_open(ks)) {
        errno = EINVAL;
        return -1;
    }
    int rc = 0, err = 0;
    if (store_lock(ks) == 0) {
        wipe_all(ks->seg);
        if (store_unlock(ks) == -1) {
            rc = -1;
            err = errno;
        }
    } else {
        rc = -1;                        /* e.g. EIDRM: someone destroyed it first */
        err = errno;
    }
    if (remove_segment(ks) == -1 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc == -1)
        errno = err;
    return rc;
}
