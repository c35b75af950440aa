/* common.h — helpers shared by lab 07's public tests and the grader's hidden
   ones: the two keys, the fixture (every store a test opens, detached in
   teardown, and whatever segment is left under the keys removed, even when
   ks_destroy() is wrong), creating and opening stores, putting and getting
   records with the errno in the message, expecting -1 with an errno, and
   running work in children of one process group with a deadline.

   Functions are static inline and the bookkeeping static: each test file
   (and each test, in its own process) has its own copy. */
#ifndef LAB07_TESTS_COMMON_H
#define LAB07_TESTS_COMMON_H

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

#define KEY_A ((key_t) 0x4b530001)
#define KEY_B ((key_t) 0x4b530002)

/* Stores a test opened: the teardown closes them and removes every segment
   still under KEY_A or KEY_B, even when ks_destroy() is wrong. */
#define MAX_STORES 4
static struct keystore stores[MAX_STORES];
static int nstores;

static inline void stores_setup(void)
{
    nstores = 0;
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void stores_teardown(void)
{
    for (int i = 0; i < nstores; i++)
    nstores = 0;
    static const key_t keys[] = { KEY_A, KEY_B };
    for (int i = 0; i < 2; i++) {
        int id = shmget(keys[i], 0, 0);
        if (id != -1)
            shmctl(id, IPC_RMID, NULL);
    }
}

static inline struct keystore *slot_for_store(void)
{
    ck_assert_msg(nstores < MAX_STORES, "test bug: more than %d stores", MAX_STORES);
    struct keystore *ks = &stores[nstores++];
    ks->shmid = -1;
    ks->seg = NULL;
    return ks;
}

/* The store's segment as it is now in the lab process, copied out of it:
   a test reads the student's memory, never points into it.  The copy is
   one static buffer (at most KS_COPY_RECORDS records), valid until the next
   seg_copy(); seg_store() writes it back, header and records. */
#define KS_COPY_RECORDS 64
static _Alignas(64) unsigned char seg_buf[KS_SEGMENT_SIZE(KS_COPY_RECORDS)];
static size_t seg_len;

static inline struct ks_segment *seg_copy(const struct keystore *ks)
{
    struct ks_header hdr;
    lt_peek_or_fail(&ks->seg->hdr, &hdr, sizeof hdr, "the store's header");
    unsigned n = hdr.capacity < KS_COPY_RECORDS ? hdr.capacity : KS_COPY_RECORDS;
    seg_len = KS_SEGMENT_SIZE(n);
    lt_peek_or_fail(ks->seg, seg_buf, seg_len, "the store's segment");
    return (struct ks_segment *) (void *) seg_buf;
}

static inline void seg_store(const struct keystore *ks)
{
    lt_poke_or_fail(ks->seg, seg_buf, seg_len, "the store's segment");
}

static inline struct keystore *new_store(key_t key, unsigned capacity)
{
    struct keystore *ks = slot_for_store();
    errno = 0;
    int rc = ks_create(ks, key, capacity);
    int err = errno;
    ck_assert_msg(rc == 0, "ks_create(0x%x, %u): expected 0, got %d (errno %d, %s)", (unsigned) key,
                  capacity, rc, err, strerror(err));
    ck_assert_msg(ks->shmid != -1 && ks->seg != NULL, "ks_create returned 0 but shmid is %d and"
                  " seg is %p", ks->shmid, (void *) ks->seg);
    return ks;
}

static inline struct keystore *open_store(key_t key)
{
    struct keystore *ks = slot_for_store();
    errno = 0;
    int rc = ks_open(ks, key);
    int err = errno;
    ck_assert_msg(rc == 0, "ks_open(0x%x) of an existing store: expected 0, got %d (errno %d, %s)",
                  (unsigned) key, rc, err, strerror(err));
    return ks;
}

static inline void put_ok(struct keystore *ks, const char *c, const char *s, int id,
                          const void *sec, size_t len, int want)
{
    errno = 0;
    int rc = ks_put(ks, c, s, id, sec, len);
    int err = errno;
    ck_assert_msg(rc == want, "ks_put(%s, %s, %zu bytes): expected %d (%s), got %d (errno %d, %s)",
                  c, s, len, want, want ? "a free slot taken" : "a record replaced", rc, err,
                  strerror(err));
}

/* ks_get must succeed and return exactly this record. */
static inline void expect_record(struct keystore *ks, const char *c, const char *s, int id,
                                 const void *sec, size_t len)
{
    struct ks_entry e;
    memset(&e, 0xAA, sizeof e);
    errno = 0;
    int rc = ks_get(ks, c, s, &e);
    int err = errno;
    ck_assert_msg(rc == 0, "ks_get(%s, %s): expected 0, got %d (errno %d, %s)", c, s, rc, err,
                  strerror(err));
    ck_assert_msg(strcmp(e.client_id, c) == 0 && strcmp(e.server_id, s) == 0,
                  "ks_get(%s, %s): the entry names (%.12s, %.12s)", c, s, e.client_id, e.server_id);
    ck_assert_msg(e.seckeyid == id && e.seckey_len == len && memcmp(e.seckey, sec, len) == 0,
                  "ks_get(%s, %s): expected seckeyid %d and %zu bytes of the secret stored, got"
                  " seckeyid %d and %zu bytes%s", c, s, id, len, e.seckeyid, e.seckey_len,
                  e.seckey_len == len ? " that differ" : "");
}

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run body(k, arg) in n children (k = 0..n-1) of one coordinator that leads
   their process group; each child exits with body's result.  Everything is
   killed after LABTEST_PATIENCE_S.  Returns how many children did not exit
   with 0, or -1 if the deadline passed. */
static inline int run_children(int n, int (*body)(int k, void *arg), void *arg)
{
    pid_t coord = fork();
    ck_assert_msg(coord != -1, "fork: %s", strerror(errno));
    if (coord == 0) {
        setpgid(0, 0);
        int bad = 0;
        for (int k = 0; k < n; k++) {
            pid_t pid = fork();
            if (pid == 0)
                _exit(body(k, arg));
            if (pid == -1)
                bad++;
        }
        int status;
        while (wait(&status) > 0)
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bad++;
        _exit(bad > 100 ? 100 : bad);
    }
    setpgid(coord, coord);
    int status, ended = wait_deadline(coord, LABTEST_PATIENCE_S, &status);
    kill(-coord, SIGKILL);
    if (!ended) {
        waitpid(coord, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

#endif
