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
   Work in other processes runs in children with a deadline.  The fixture
   and the shared helpers are in tests/common.h.

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
#include "tests/common.h"

/* ---- Helpers (the shared ones are in tests/common.h) ------------------ */

/* The secret a test stores for (n, version): len bytes, each n + version. */
static size_t secret_of(int n, int version, unsigned char *buf)
{
    size_t len = (size_t) (1 + (n * 7 + version) % KS_SECKEY_SIZE);
    memset(buf, (n + version) & 0xff, len);
    return len;
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
    struct ks_segment *seg = seg_copy(ks);
    ck_assert_msg(seg->rec[0].state == KS_USED && seg->rec[3].state == KS_FREE,
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
    const unsigned char *raw = seg_copy(ks)->rec[0].seckey;
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
    struct ks_segment *seg = seg_copy(ks);
    const unsigned char *raw = (const unsigned char *) &seg->rec[0];
    for (size_t i = 0; i < sizeof(struct ks_record); i++)
        ck_assert_msg(raw[i] == 0, "byte %zu of the deleted record: expected 0, got 0x%02x", i,
                      raw[i]);
    raw = (const unsigned char *) &seg->hdr.journal;
    for (size_t i = 0; i < sizeof(struct ks_record); i++)
        ck_assert_msg(raw[i] == 0, "byte %zu of the journal after ks_del: expected 0 (wiped),"
                      " got 0x%02x", i, raw[i]);
    ck_assert_msg(seg->hdr.journal_slot == KS_NO_SLOT, "journal_slot after ks_del: expected"
                  " KS_NO_SLOT, got %d", (int) seg->hdr.journal_slot);
    /* The slot is free again. */
    put_ok(ks, "dave", "vpn", 1, "k", 1, 1);
    ck_assert_msg(seg_copy(ks)->rec[0].state == KS_USED, "the put after ks_del: expected it in rec[0]");
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
    ck_assert_msg(bad == 0, "a child that ks_open()s the key, reads (parent, srv) and stores (child0,"
                  " srv): expected it to succeed, %s", bad < 0 ? "it never finished" : "it failed");
    unsigned char sec[KS_SECKEY_SIZE];
    size_t len = secret_of(0, 1, sec);
    expect_record(ks, "child0", "srv", 0, sec, len);
}
END_TEST

#define WRITERS 4
#define PER_WRITER 25

/* Writer k's i-th record: client w<k>, server s<i>, id k * 100 + i and the
   secret secret_of(k * 100 + i, 0); returns the secret's length. */
static size_t writer_record(int k, int i, char client[16], char server[16], unsigned char *sec)
{
    snprintf(client, 16, "w%d", k);
    snprintf(server, 16, "s%d", i);
    return secret_of(k * 100 + i, 0, sec);
}

static int many_puts(int k, void *arg)
{
    (void) arg;
    struct keystore ks;
    if (ks_open(&ks, KEY_A) == -1)
        return 1;
    for (int i = 0; i < PER_WRITER; i++) {
        char client[16], server[16];
        unsigned char sec[KS_SECKEY_SIZE];
        size_t len = writer_record(k, i, client, server, sec);
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
            size_t len = writer_record(k, i, client, server, sec);
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
