/* public.c — Lab 07's public tests: a key store in shared memory.

   Core:    put then get; a second put of the same pair replaces the record;
            delete wipes every byte of it; list counts records and hides the
            secrets; another process opens the store by key and sees the same
            records; several processes writing at once lose nothing.
   Errors:  a full table, an over-long id, an over-long secret and a missing
            record give distinct errors; creating under a taken key fails.
   Cleanup: destroy removes the segment; close leaves it for the others.

   Each test runs in its own IPC namespace, so the keys are constants; the
   teardown removes whatever segment is left under them, whatever lab.c did.
   Work in other processes runs in children with a deadline.

   $ make check LAB=7                          # all public tests
   $ ./runner --run del_wipes_every_byte       # one (after make check) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

/* ---- Helpers ---------------------------------------------------------- */

#define KEY_A ((key_t) 0x4b530001)
#define KEY_B ((key_t) 0x4b530002)

/* Stores a test opened: the teardown closes them and removes every segment
   still under KEY_A or KEY_B, even when ks_destroy() is wrong. */
#define MAX_STORES 4
static struct keystore stores[MAX_STORES];
static int nstores;

static void stores_setup(void)
{
    nstores = 0;
}

/* Never asserts: a failure here would hide the test's own message. */
static void stores_teardown(void)
{
    for (int i = 0; i < nstores; i++)
        if (stores[i].seg != NULL)
            shmdt(stores[i].seg);
    nstores = 0;
    static const key_t keys[] = { KEY_A, KEY_B };
    for (int i = 0; i < 2; i++) {
        int id = shmget(keys[i], 0, 0);
        if (id != -1)
            shmctl(id, IPC_RMID, NULL);
    }
}

static struct keystore *slot_for_store(void)
{
    ck_assert_msg(nstores < MAX_STORES, "test bug: more than %d stores", MAX_STORES);
    struct keystore *ks = &stores[nstores++];
    ks->shmid = -1;
    ks->seg = NULL;
    return ks;
}

static struct keystore *new_store(key_t key, unsigned capacity)
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

static struct keystore *open_store(key_t key)
{
    struct keystore *ks = slot_for_store();
    errno = 0;
    int rc = ks_open(ks, key);
    int err = errno;
    ck_assert_msg(rc == 0, "ks_open(0x%x) of an existing store: expected 0, got %d (errno %d, %s)",
                  (unsigned) key, rc, err, strerror(err));
    return ks;
}

/* The secret a test stores for (n, version): len bytes, each n + version. */
static size_t secret_of(int n, int version, unsigned char *buf)
{
    size_t len = (size_t) (1 + (n * 7 + version) % KS_SECKEY_SIZE);
    memset(buf, (n + version) & 0xff, len);
    return len;
}

static void put_ok(struct keystore *ks, const char *c, const char *s, int id, const void *sec,
                   size_t len, int want)
{
    errno = 0;
    int rc = ks_put(ks, c, s, id, sec, len);
    int err = errno;
    ck_assert_msg(rc == want, "ks_put(%s, %s, %zu bytes): expected %d (%s), got %d (errno %d, %s)",
                  c, s, len, want, want ? "a free slot taken" : "a record replaced", rc, err,
                  strerror(err));
}

/* ks_get must succeed and return exactly this record. */
static void expect_record(struct keystore *ks, const char *c, const char *s, int id,
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

#define expect_fail(call, want_errno, what)                                         \
    do {                                                                            \
        errno = 0;                                                                  \
        long rc_ = (call);                                                          \
        int err_ = errno;                                                           \
        ck_assert_msg(rc_ == -1 && err_ == (want_errno),                            \
                      "%s: expected -1 with errno %s, got %ld with errno %d (%s)",  \
                      (what), #want_errno, rc_, err_, strerror(err_));              \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait up to `seconds` for child pid.  Returns 1 when it ended (*status set),
   0 when it is still running. */
static int wait_deadline(pid_t pid, double seconds, int *status)
{
    double end = now() + seconds;
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return 1;
        ck_assert_msg(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        if (now() > end)
            return 0;
        nanosleep(&tick, NULL);
    }
}

/* Run body(k, arg) in n children (k = 0..n-1) of one coordinator that leads
   their process group; each child exits with body's result.  Everything is
   killed after LABTEST_PATIENCE_S.  Returns how many children did not exit
   with 0, or -1 if the deadline passed. */
static int run_children(int n, int (*body)(int k, void *arg), void *arg)
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

/* ---- Core --------------------------------------------------------------- */

START_TEST(put_then_get_roundtrip)
{
    struct keystore *ks = new_store(KEY_A, 8);
    unsigned char secret[KS_SECKEY_SIZE];
    for (int i = 0; i < KS_SECKEY_SIZE; i++)
        secret[i] = (unsigned char) (i * 37);   /* includes 0 bytes: not a string */
    put_ok(ks, "alice", "bank", 7, secret, KS_SECKEY_SIZE, 1);
    put_ok(ks, "bob", "bank", -3, "x", 1, 1);
    put_ok(ks, "carol", "mail", 0, NULL, 0, 1);
    expect_record(ks, "alice", "bank", 7, secret, KS_SECKEY_SIZE);
    expect_record(ks, "bob", "bank", -3, "x", 1);
    expect_record(ks, "carol", "mail", 0, "", 0);
    ck_assert_msg(ks->seg->rec[0].state == KS_USED && ks->seg->rec[3].state == KS_FREE,
                  "after 3 puts into an empty store: expected rec[0..2] KS_USED and rec[3]"
                  " KS_FREE (lowest free slot first)");
}
END_TEST

START_TEST(put_same_pair_replaces_record)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_ok(ks, "alice", "bank", 1, "old secret", 10, 1);
    put_ok(ks, "alice", "bank", 2, "new", 3, 0);
    expect_record(ks, "alice", "bank", 2, "new", 3);
    errno = 0;
    int n = ks_list(ks, NULL, 0);
    ck_assert_msg(n == 1, "ks_list after two puts of one pair: expected 1 record, got %d (%s)", n,
                  strerror(errno));
    /* The old secret's tail must not linger behind the shorter new one. */
    const unsigned char *raw = ks->seg->rec[0].seckey;
    for (int i = 3; i < KS_SECKEY_SIZE; i++)
        ck_assert_msg(raw[i] == 0, "rec[0].seckey[%d] after replacing a 10-byte secret by a"
                      " 3-byte one: expected 0, got 0x%02x", i, raw[i]);
}
END_TEST

START_TEST(del_wipes_every_byte)
{
    struct keystore *ks = new_store(KEY_A, 4);
    unsigned char secret[64];
    memset(secret, 0x5a, sizeof secret);
    put_ok(ks, "alice", "bank", 9, secret, sizeof secret, 1);
    errno = 0;
    int rc = ks_del(ks, "alice", "bank");
    ck_assert_msg(rc == 0, "ks_del(alice, bank): expected 0, got %d (%s)", rc, strerror(errno));
    struct ks_entry e;
    expect_fail(ks_get(ks, "alice", "bank", &e), ENOENT, "ks_get after ks_del");

    /* Seed 002 never deleted; here no copy of the secret may stay behind. */
    const unsigned char *raw = (const unsigned char *) &ks->seg->rec[0];
    for (size_t i = 0; i < sizeof(struct ks_record); i++)
        ck_assert_msg(raw[i] == 0, "byte %zu of the deleted record: expected 0, got 0x%02x", i,
                      raw[i]);
    raw = (const unsigned char *) &ks->seg->hdr.journal;
    for (size_t i = 0; i < sizeof(struct ks_record); i++)
        ck_assert_msg(raw[i] == 0, "byte %zu of the journal after ks_del: expected 0 (wiped),"
                      " got 0x%02x", i, raw[i]);
    ck_assert_msg(ks->seg->hdr.journal_slot == KS_NO_SLOT, "journal_slot after ks_del: expected"
                  " KS_NO_SLOT, got %d", (int) ks->seg->hdr.journal_slot);
    /* The slot is free again. */
    put_ok(ks, "dave", "vpn", 1, "k", 1, 1);
    ck_assert_msg(ks->seg->rec[0].state == KS_USED, "the put after ks_del: expected it in rec[0]");
}
END_TEST

START_TEST(list_counts_and_hides_secrets)
{
    struct keystore *ks = new_store(KEY_A, 8);
    put_ok(ks, "a", "s1", 1, "one", 3, 1);
    put_ok(ks, "b", "s2", 2, "two!", 4, 1);
    put_ok(ks, "c", "s3", 3, "three", 5, 1);
    ck_assert_msg(ks_del(ks, "b", "s2") == 0, "ks_del(b, s2): %s", strerror(errno));
    struct ks_entry out[4];
    memset(out, 0x77, sizeof out);
    errno = 0;
    int n = ks_list(ks, out, 1);
    ck_assert_msg(n == 2, "ks_list(max 1) with 2 records: expected 2 (the count), got %d (%s)", n,
                  strerror(errno));
    ck_assert_msg(strcmp(out[0].client_id, "a") == 0 && out[1].seckeyid == 0x77777777,
                  "ks_list(max 1): expected only out[0] written, with client a");
    n = ks_list(ks, out, 4);
    ck_assert_msg(n == 2 && strcmp(out[1].client_id, "c") == 0 && out[1].seckeyid == 3 &&
                  out[1].seckey_len == 5, "ks_list: expected (a, s1) then (c, s3, id 3, 5 bytes)");
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < KS_SECKEY_SIZE; i++)
            ck_assert_msg(out[k].seckey[i] == 0, "ks_list: entry %d's seckey[%d] is 0x%02x:"
                          " expected 0 (secrets are not listed)", k, i, out[k].seckey[i]);
}
END_TEST

static int put_from_child(int k, void *arg)
{
    (void) arg;
    struct keystore ks;
    char client[16];
    unsigned char sec[KS_SECKEY_SIZE];
    snprintf(client, sizeof client, "child%d", k);
    size_t len = secret_of(k, 1, sec);
    if (ks_open(&ks, KEY_A) == -1)
        return 1;
    int ok = ks_put(&ks, client, "srv", k, sec, len) == 1;
    struct ks_entry e;
    ok = ok && ks_get(&ks, "parent", "srv", &e) == 0 && e.seckeyid == 42;
    return ks_close(&ks) == 0 && ok ? 0 : 2;
}

START_TEST(other_process_sees_same_records)
{
    struct keystore *ks = new_store(KEY_A, 8);
    put_ok(ks, "parent", "srv", 42, "from the parent", 15, 1);
    int bad = run_children(1, put_from_child, NULL);
    ck_assert_msg(bad == 0, "a child that ks_open()s the key, gets (parent, srv) and puts (child0,"
                  " srv): expected it to succeed, %s", bad < 0 ? "it never finished" : "it failed");
    unsigned char sec[KS_SECKEY_SIZE];
    size_t len = secret_of(0, 1, sec);
    expect_record(ks, "child0", "srv", 0, sec, len);
}
END_TEST

#define WRITERS 4
#define PER_WRITER 25

static int many_puts(int k, void *arg)
{
    (void) arg;
    struct keystore ks;
    if (ks_open(&ks, KEY_A) == -1)
        return 1;
    for (int i = 0; i < PER_WRITER; i++) {
        char client[16], server[16];
        unsigned char sec[KS_SECKEY_SIZE];
        snprintf(client, sizeof client, "w%d", k);
        snprintf(server, sizeof server, "s%d", i);
        size_t len = secret_of(k * 100 + i, 0, sec);
        if (ks_put(&ks, client, server, k * 100 + i, sec, len) != 1)
            return 2;
    }
    return ks_close(&ks) == 0 ? 0 : 3;
}

START_TEST(concurrent_writers_lose_nothing)
{
    struct keystore *ks = new_store(KEY_A, WRITERS * PER_WRITER);
    int bad = run_children(WRITERS, many_puts, NULL);
    ck_assert_msg(bad == 0, "%d processes each putting %d new records: expected all to succeed, %s",
                  WRITERS, PER_WRITER, bad < 0 ? "still running after the deadline" : "some failed");
    errno = 0;
    int n = ks_list(ks, NULL, 0);
    ck_assert_msg(n == WRITERS * PER_WRITER, "after %d concurrent puts: expected %d records, got %d"
                  " (%s)", WRITERS * PER_WRITER, WRITERS * PER_WRITER, n, strerror(errno));
    for (int k = 0; k < WRITERS; k++)
        for (int i = 0; i < PER_WRITER; i++) {
            char client[16], server[16];
            unsigned char sec[KS_SECKEY_SIZE];
            snprintf(client, sizeof client, "w%d", k);
            snprintf(server, sizeof server, "s%d", i);
            size_t len = secret_of(k * 100 + i, 0, sec);
            expect_record(ks, client, server, k * 100 + i, sec, len);
        }
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(full_long_and_missing_give_distinct_errors)
{
    struct keystore *ks = new_store(KEY_A, 2);
    unsigned char big[KS_SECKEY_SIZE + 1];
    memset(big, 1, sizeof big);
    struct ks_entry e;
    put_ok(ks, "a", "x", 1, "1", 1, 1);
    put_ok(ks, "b", "x", 2, "2", 1, 1);
    expect_fail(ks_put(ks, "c", "x", 3, "3", 1), ENOSPC, "ks_put of a new pair into a full table");
    put_ok(ks, "a", "x", 4, "4", 1, 0);      /* replacing still works when full */
    expect_fail(ks_put(ks, "abcdefghijkl", "x", 5, "5", 1), ENAMETOOLONG,
                "ks_put with a 12-character client id");
    expect_fail(ks_put(ks, "a", "123456789012345", 5, "5", 1), ENAMETOOLONG,
                "ks_put with a 15-character server id");
    expect_fail(ks_put(ks, "a", "x", 5, big, sizeof big), EMSGSIZE,
                "ks_put with a 129-byte secret");
    expect_fail(ks_get(ks, "zed", "x", &e), ENOENT, "ks_get of a pair never stored");
    expect_fail(ks_del(ks, "zed", "x"), ENOENT, "ks_del of a pair never stored");
    /* An id of exactly KS_ID_MAX characters is fine. */
    ck_assert_msg(ks_del(ks, "b", "x") == 0, "ks_del(b, x): %s", strerror(errno));
    put_ok(ks, "abcdefghijk", "x", 6, "6", 1, 1);
    expect_record(ks, "abcdefghijk", "x", 6, "6", 1);
}
END_TEST

START_TEST(create_under_taken_key_fails_eexist)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_ok(ks, "alice", "bank", 1, "s", 1, 1);
    struct keystore *again = slot_for_store();
    expect_fail(ks_create(again, KEY_A, 4), EEXIST, "a second ks_create under the same key");
    ck_assert_msg(again->shmid == -1 && again->seg == NULL, "after a failed ks_create: expected"
                  " shmid -1 and seg NULL, got %d and %p", again->shmid, (void *) again->seg);
    /* ... and the first store is untouched. */
    expect_record(ks, "alice", "bank", 1, "s", 1);
    expect_fail(ks_create(again, KEY_B, 0), EINVAL, "ks_create with capacity 0");
    expect_fail(ks_create(again, KEY_B, KS_CAPACITY_MAX + 1), EINVAL,
                "ks_create with capacity KS_CAPACITY_MAX + 1");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(destroy_removes_segment)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_ok(ks, "alice", "bank", 1, "s", 1, 1);
    int shmid = ks->shmid;
    errno = 0;
    int rc = ks_destroy(ks);
    ck_assert_msg(rc == 0, "ks_destroy: expected 0, got %d (%s)", rc, strerror(errno));
    struct shmid_ds ds;
    errno = 0;
    rc = shmctl(shmid, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed store's segment: expected -1/EINVAL, got %d (%s)%s",
                  rc, strerror(errno), rc == 0 && (ds.shm_perm.mode & SHM_DEST) ?
                  " - marked for removal but still attached: shmdt first" : "");
    ck_assert_msg(ks->shmid == -1 && ks->seg == NULL, "after ks_destroy: expected shmid -1 and"
                  " seg NULL, got %d and %p", ks->shmid, (void *) ks->seg);
    struct keystore *again = slot_for_store();
    expect_fail(ks_open(again, KEY_A), ENOENT, "ks_open after ks_destroy");
    expect_fail(ks_destroy(ks), EINVAL, "a second ks_destroy");
}
END_TEST

START_TEST(close_leaves_store_for_others)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_ok(ks, "alice", "bank", 1, "s", 1, 1);
    errno = 0;
    int rc = ks_close(ks);
    ck_assert_msg(rc == 0 && ks->shmid == -1 && ks->seg == NULL, "ks_close: expected 0 and the"
                  " handle closed, got %d (%s)", rc, strerror(errno));
    expect_fail(ks_close(ks), EINVAL, "a second ks_close");
    struct keystore *again = open_store(KEY_A);
    expect_record(again, "alice", "bank", 1, "s", 1);
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("07-keystore public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, stores_setup, stores_teardown);
    tcase_add_test(core, put_then_get_roundtrip);
    tcase_add_test(core, put_same_pair_replaces_record);
    tcase_add_test(core, del_wipes_every_byte);
    tcase_add_test(core, list_counts_and_hides_secrets);
    tcase_add_test(core, other_process_sees_same_records);
    tcase_add_test(core, concurrent_writers_lose_nothing);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, stores_setup, stores_teardown);
    tcase_add_test(errors, full_long_and_missing_give_distinct_errors);
    tcase_add_test(errors, create_under_taken_key_fails_eexist);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, stores_setup, stores_teardown);
    tcase_add_test(cleanup, destroy_removes_segment);
    tcase_add_test(cleanup, close_leaves_store_for_others);
    suite_add_tcase(s, cleanup);

    return s;
}
