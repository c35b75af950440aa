/* public.c — Lab 05's public tests: IPC_RMID and the attach count.

   Core:    shm_status reports size, key and creator; it counts attachments,
            not processes; sealing an attached segment marks it and zeroes
            its key while the data stays readable; the last shared_leave
            removes the segment.
   Errors:  a freed segment is EINVAL; bad joins fail and leave nothing.
   Cleanup: after shared_seal, the last leave lets the kernel free it.

   The fixture and helpers (track, test_key, join_ok, status_ok,
   expect_fail) are in tests/common.h.

   $ make check LAB=5                                  # all public tests, under valgrind
   $ ./runner --run rmid_while_attached_marks_and_zeroes_key  # one test */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(status_reports_size_key_and_creator)
{
    key_t key = test_key(1);
    int id = shmget(key, 1000, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track(id);
    struct seg_status st = status_ok(id, "of a new segment");
    ck_assert_msg(st.size == 1000, "shm_status: expected size 1000, got %zu", st.size);
    ck_assert_msg(st.key == key, "shm_status: expected key %#010x, got %#010x", (unsigned) key, (unsigned) st.key);
    ck_assert_msg(st.nattch == 0 && st.marked == 0,
                  "shm_status of a new segment: expected nattch 0 and not marked, got nattch %lu, marked %d",
                  st.nattch, st.marked);
    ck_assert_msg(st.creator == getpid(), "shm_status: expected creator %ld (this process), got %ld",
                  (long) getpid(), (long) st.creator);
}
END_TEST

START_TEST(status_counts_attachments_not_processes)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track(id);
    void *first = shmat(id, NULL, 0), *second = shmat(id, NULL, 0);
    ck_assert_msg(first != (void *) -1 && second != (void *) -1, "shmat: %s", strerror(errno));
    struct seg_status st = status_ok(id, "after two shmat calls in one process");
    ck_assert_msg(st.nattch == 2, "one process, two shmat calls: expected nattch 2, got %lu", st.nattch);
    ck_assert_msg(st.key == IPC_PRIVATE && st.marked == 0,
                  "an IPC_PRIVATE segment: expected key 0 and not marked (key 0 alone does not mean"
                  " SHM_DEST), got key %#x, marked %d", (unsigned) st.key, st.marked);
    shmdt(second);
    st = status_ok(id, "after one shmdt");
    ck_assert_msg(st.nattch == 1, "after one of the two shmdt calls: expected nattch 1, got %lu", st.nattch);
    shmdt(first);
}
END_TEST

START_TEST(rmid_while_attached_marks_and_zeroes_key)
{
    key_t key = test_key(2);
    struct shared sh;
    join_ok(key, 4096, &sh);
    lt_put_str(sh.addr, "still here");
    errno = 0;
    int rc = shared_seal(&sh);
    ck_assert_msg(rc == 0, "shared_seal: expected 0, got %d (%s)", rc, strerror(errno));

    struct seg_status st = status_ok(sh.shmid, "after IPC_RMID while attached");
    ck_assert_msg(st.marked == 1, "after IPC_RMID while attached: expected marked (SHM_DEST), got %d", st.marked);
    ck_assert_msg(st.key == IPC_PRIVATE, "after IPC_RMID while attached: expected key 0x00000000, got %#010x",
                  (unsigned) st.key);
    ck_assert_msg(st.nattch == 1, "after IPC_RMID while attached: expected nattch 1, got %lu", st.nattch);
    ck_assert_msg(strcmp(lt_get_str(sh.addr, 64), "still here") == 0,
                  "after IPC_RMID while attached: expected the data still readable (\"still here\")");
    expect_fail(shmget(key, 0, 0), ENOENT, "shmget of the old key after IPC_RMID");
}
END_TEST

START_TEST(last_leave_removes_the_segment)
{
    key_t key = test_key(3);
    struct shared a, b;
    join_ok(key, 4096, &a);
    join_ok(key, 4096, &b);
    ck_assert_msg(a.shmid == b.shmid, "two joins with one key: expected one segment, got ids %d and %d",
                  a.shmid, b.shmid);
    int id = a.shmid;
    ck_assert_msg(status_ok(id, "after two joins").nattch == 2, "after two joins: expected nattch 2");

    errno = 0;
    int rc = shared_leave(&a);
    ck_assert_msg(rc == 0, "shared_leave with another attachment left: expected 0, got %d (%s)", rc,
                  strerror(errno));
    ck_assert_msg(a.shmid == -1 && a.addr == NULL,
                  "after shared_leave: expected shmid -1 and addr NULL, got %d, %p", a.shmid, a.addr);
    struct seg_status st = status_ok(id, "after the first leave");
    ck_assert_msg(st.nattch == 1 && st.marked == 0,
                  "after the first of two leaves: expected nattch 1, not marked; got %lu, %d",
                  st.nattch, st.marked);

    errno = 0;
    rc = shared_leave(&b);
    ck_assert_msg(rc == 1, "shared_leave of the last attachment: expected 1 (removed), got %d (%s)", rc,
                  strerror(errno));
    struct shmid_ds ds;
    expect_fail(shmctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after the last leave");
    expect_fail(shmget(key, 0, 0), ENOENT, "shmget of the key after the last leave");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(status_of_freed_segment_is_einval)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track(id);
    struct seg_status st;
    ck_assert_msg(shm_status(id, &st) == 0, "shm_status of a live segment: expected 0, got -1 (%s)",
                  strerror(errno));
    expect_fail(shm_status(id, NULL), EINVAL, "shm_status(id, NULL)");
    /* Nobody attached: IPC_RMID frees it at once. */
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
    expect_fail(shm_status(id, &st), EINVAL, "shm_status of a freed segment");
}
END_TEST

START_TEST(join_rejects_bad_arguments)
{
    key_t key = test_key(4);
    struct shared sh;
    expect_fail(shared_join(key, 4096, NULL), EINVAL, "shared_join(key, 4096, NULL)");
    expect_fail(shared_join(key, 0, &sh), EINVAL, "shared_join(key, size 0, &sh)");

    /* A segment of 100 bytes exists under the key: asking for more fails
       in shmget with EINVAL, and nothing is attached. */
    int id = shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track(id);
    sh.shmid = 12345;
    sh.addr = &sh;
    expect_fail(shared_join(key, 4096, &sh), EINVAL, "shared_join of a 100-byte segment asking for 4096");
    ck_assert_msg(sh.shmid == -1 && sh.addr == NULL,
                  "after a failed shared_join: expected shmid -1 and addr NULL, got %d, %p", sh.shmid, sh.addr);
    struct seg_status st = status_ok(id, "of the 100-byte segment");
    ck_assert_msg(st.nattch == 0 && st.marked == 0,
                  "the 100-byte segment: expected it untouched (nattch 0, not marked), got %lu, %d",
                  st.nattch, st.marked);
    join_ok(key, 100, &sh);
    ck_assert_msg(sh.shmid == id, "shared_join(key, 100): expected the existing segment %d, got %d", id, sh.shmid);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(seal_then_last_leave_frees)
{
    key_t key = test_key(5);
    struct shared a, b;
    join_ok(key, 4096, &a);
    join_ok(key, 4096, &b);
    int id = a.shmid;
    ck_assert_msg(shared_seal(&a) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));

    errno = 0;
    int rc = shared_leave(&a);
    ck_assert_msg(rc == 0, "shared_leave of a sealed segment another handle holds: expected 0, got %d (%s)",
                  rc, strerror(errno));
    struct seg_status st = status_ok(id, "sealed, one handle left");
    ck_assert_msg(st.marked == 1 && st.nattch == 1, "sealed, one handle left: expected marked and nattch 1, got"
                  " marked %d, nattch %lu", st.marked, st.nattch);

    errno = 0;
    rc = shared_leave(&b);
    ck_assert_msg(rc == 1, "the last shared_leave of a sealed segment: expected 1 (the kernel freed it),"
                  " got %d (%s)", rc, strerror(errno));
    struct shmid_ds ds;
    expect_fail(shmctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after the last leave of a sealed segment");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("05-rmid public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, status_reports_size_key_and_creator);
    tcase_add_test(core, status_counts_attachments_not_processes);
    tcase_add_test(core, rmid_while_attached_marks_and_zeroes_key);
    tcase_add_test(core, last_leave_removes_the_segment);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, status_of_freed_segment_is_einval);
    tcase_add_test(errors, join_rejects_bad_arguments);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, seal_then_last_leave_frees);
    suite_add_tcase(s, cleanup);

    return s;
}
