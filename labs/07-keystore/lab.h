/* lab.h — Lab 07 (capstone): a key store in shared memory.  (Never edit this
   file: the grader compiles your lab.c against its own copy.)

   Seed 002's key-management table, done right.  One System V shared memory
   segment, found by a key, holds a header and `capacity` records; each record
   maps a (client id, server id) pair to a secret key of up to 128 bytes.
   Any number of unrelated processes open it by key and put, get, delete and
   list records at the same time.

     segment:  ┌───────────── struct ks_header ─────────────┬── rec[0] ──┬── rec[1] ──┬─
               │ magic version capacity record_size         │ state      │            │
               │ lock (robust, process-shared mutex)        │ seckeyid   │    ...     │
               │ journal_slot, journal (undo copy of 1 rec) │ ids, key   │            │
               └────────────────────────────────────────────┴────────────┴────────────┴─

   The protocol every process follows:

   - Creating: shmget(key, KS_SEGMENT_SIZE(capacity), IPC_CREAT | IPC_EXCL |
     KS_PERMS), attach, fill the header (version, capacity, record_size,
     journal_slot = KS_NO_SLOT, the mutex) and store `magic` LAST: until then
     the store is not ready, and openers wait for it (KS_OPEN_WAIT_MS).
   - Opening: shmget(key, 0, 0), attach, and check the layout, all EPROTO
     ("not ours"): first the size, before reading any header field - a
     shm_segsz (IPC_STAT) below sizeof(struct ks_segment), the header
     alone, has no room for one; then, once magic is set, another magic,
     version or record_size, a capacity of 0 or above KS_CAPACITY_MAX, or a
     shm_segsz below KS_SEGMENT_SIZE(capacity).
   - Every read or change of the records happens with `lock` held.  When
     pthread_mutex_lock() returns EOWNERDEAD, the previous holder died inside:
     roll back (below), then pthread_mutex_consistent().
   - Changing record i (put or delete): copy rec[i] into `journal`, store
     journal_slot = i, change rec[i], store journal_slot = KS_NO_SLOT, wipe
     `journal`.  A holder killed at any point leaves either journal_slot ==
     KS_NO_SLOT (rec[i] is old or new, never half) or journal_slot == i
     (rec[i] may be half-written: copy `journal` back).  Either way the
     journal is wiped: no copy of a secret stays behind.
   - Deleting wipes the whole record (every byte 0: state KS_FREE).
     Destroying wipes every record, stores magic = 0 (processes still
     attached get EIDRM), detaches and removes the segment.

   Ids are strings of 1..KS_ID_MAX printable characters without spaces,
   stored '\0'-padded in fixed fields and compared as whole fields (never
   with strcmp on shared bytes that another process may have filled).

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB07_KEYSTORE_H
#define LAB07_KEYSTORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define KS_MAGIC        0x4b535431u      /* "KST1": this segment is a key store */
#define KS_VERSION      1u               /* layout version of this header */
#define KS_PERMS        (S_IRUSR | S_IWUSR)  /* the segment: owner read/write */
#define KS_PROJ_ID      'K'              /* ftok(path, KS_PROJ_ID) for a store's key */
#define KS_ID_SIZE      12               /* bytes of an id field (seed 002's clientId[12]) */
#define KS_ID_MAX       (KS_ID_SIZE - 1) /* longest id: a field always ends in '\0' */
#define KS_SECKEY_SIZE  128              /* bytes of secret per record (seed 002's seckey[128]) */
#define KS_CAPACITY_MAX 4096             /* most records ks_create() accepts */
#define KS_OPEN_WAIT_MS 1000             /* ks_open() waits this long for magic */
#define KS_NO_SLOT      (-1)             /* journal_slot when no change is under way */

enum ks_state {
    KS_FREE = 0,                /* an empty slot: every byte of the record is 0 */
    KS_USED = 1                 /* holds a (client, server) -> secret mapping */
};

/* One record, as stored in the segment. */
struct ks_record {
    uint32_t state;                     /* KS_FREE or KS_USED */
    int32_t seckeyid;                   /* the secret's number, the caller's choice */
    char client_id[KS_ID_SIZE];         /* '\0'-padded, 1..KS_ID_MAX characters */
    char server_id[KS_ID_SIZE];         /* '\0'-padded, 1..KS_ID_MAX characters */
    uint32_t seckey_len;                /* bytes used in seckey, 0..KS_SECKEY_SIZE */
    unsigned char seckey[KS_SECKEY_SIZE]; /* the secret; unused bytes 0 */
};

/* The start of the segment. */
struct ks_header {
    _Atomic uint32_t magic;             /* KS_MAGIC once ready; 0 before, and after destroy */
    uint32_t version;                   /* KS_VERSION */
    uint32_t capacity;                  /* records in rec[] */
    uint32_t record_size;               /* sizeof(struct ks_record) */
    pthread_mutex_t lock;               /* robust, process-shared; guards all below and rec[] */
    _Atomic int32_t journal_slot;       /* KS_NO_SLOT, or the record being changed */
    struct ks_record journal;           /* that record as it was before the change */
};

struct ks_segment {
    struct ks_header hdr;
    struct ks_record rec[];             /* capacity records */
};

/* Bytes of a segment holding `capacity` records. */
#define KS_SEGMENT_SIZE(capacity) \
    (sizeof(struct ks_segment) + (size_t) (capacity) * sizeof(struct ks_record))

/* One process's handle on a store. */
struct keystore {
    int shmid;                  /* -1 when not open */
    struct ks_segment *seg;     /* where the segment is attached; NULL when not */
};

/* A record as callers see it (ks_get, ks_list). */
struct ks_entry {
    char client_id[KS_ID_SIZE];         /* '\0'-terminated */
    char server_id[KS_ID_SIZE];         /* '\0'-terminated */
    int seckeyid;
    size_t seckey_len;
    unsigned char seckey[KS_SECKEY_SIZE];   /* ks_list: all 0 (secrets are not listed) */
};

/* Create a new store of `capacity` records under key (IPC_PRIVATE allowed),
   following the protocol above, and open it in *ks.  On failure nothing is
   left behind and *ks is closed (shmid -1, seg NULL).
   Errors: EINVAL if ks is NULL or capacity is not 1..KS_CAPACITY_MAX; EEXIST
   if a segment with this key exists (whatever it holds); the errno of the
   failing shmget/shmat/pthread call. */
int ks_create(struct keystore *ks, key_t key, unsigned int capacity);

/* Open the existing store under key, waiting up to KS_OPEN_WAIT_MS for its
   creator to finish.  On failure *ks is closed.
   Errors: EINVAL if ks is NULL; ENOENT if no segment has this key; EACCES
   if we may not use it; EPROTO if it is not a key store of this layout
   (too small, other magic, version or record size, or smaller than its
   capacity needs); EAGAIN if its magic is still 0 after KS_OPEN_WAIT_MS. */
int ks_open(struct keystore *ks, key_t key);

/* Open the store under key, or create it with `capacity` records if there is
   none, even when other processes try the same at the same moment.
   Returns 1 if this call created it, 0 if it opened an existing one.
   Errors: those of ks_create() (but not EEXIST) and ks_open(). */
int ks_open_or_create(struct keystore *ks, key_t key, unsigned int capacity);

/* Store secret[0..len) under (client, server) with seckeyid: replace the
   record of that pair if there is one, else take the lowest free slot.
   Returns 0 if a record was replaced, 1 if a free slot was taken.
   Errors: EINVAL if ks is not open, client, server or (with len > 0) secret
   is NULL, or an id is empty or holds a space or non-printable character;
   ENAMETOOLONG if an id is longer than KS_ID_MAX; EMSGSIZE if len >
   KS_SECKEY_SIZE; ENOSPC if the pair has no record and no slot is free;
   EIDRM if the store was destroyed; the errno of a failing lock. */
int ks_put(struct keystore *ks, const char *client, const char *server, int seckeyid,
           const void *secret, size_t len);

/* Copy the record of (client, server) into *out.
   Errors: as ks_put() (EINVAL also if out is NULL); ENOENT if there is no
   record for the pair. */
int ks_get(struct keystore *ks, const char *client, const char *server, struct ks_entry *out);

/* Delete the record of (client, server), wiping every byte of it.
   Errors: as ks_get(). */
int ks_del(struct keystore *ks, const char *client, const char *server);

/* Copy up to max records in use, in slot order, into out[] with their
   seckey wiped (seckey_len kept).  Returns how many records are in use
   (which may be more than max).  out may be NULL when max is 0.
   Errors: EINVAL if ks is not open or out is NULL with max > 0; EIDRM; the
   errno of a failing lock. */
int ks_list(struct keystore *ks, struct ks_entry *out, size_t max);

/* Finish what a dead lock holder left: if journal_slot names a record, copy
   the journal back into it; then store journal_slot = KS_NO_SLOT and wipe
   the journal.  Call it with the lock held (the lab's own locking does,
   after EOWNERDEAD).  Returns 1 if a record was restored, 0 if there was
   nothing to roll back.  Errors: EINVAL if ks is not open, or journal_slot
   is neither KS_NO_SLOT nor a record index (the journal is wiped anyway). */
int ks_recover(struct keystore *ks);

/* Detach from the store (it stays for the others).  Errors: EINVAL if ks is
   NULL or not open; shmdt's. */
int ks_close(struct keystore *ks);

/* Wipe every record and the journal, set magic to 0, detach and remove the
   segment (IPC_RMID), and close *ks.
   Errors: EINVAL if ks is NULL or not open; the errno of a failing lock,
   shmdt or shmctl (the handle is closed even then). */
int ks_destroy(struct keystore *ks);

#endif
