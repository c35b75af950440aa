/* hidden.c — Lab 05's hidden tests: the thorough ones.

   Core:    fork inherits every attachment; shm_status agrees with
            /proc/sysvipc/shm before and after IPC_RMID; the old key makes a
            new segment; a process that never attached can still attach a
            marked segment by id (Linux); a leave with others attached keeps
            the segment; a second IPC_RMID succeeds; the creator is reported.
   Errors:  shm_status of bad ids, seal/leave of unjoined handles, a failed
            join leaves nothing, a freed segment is gone for every call.
   Cleanup: the kernel frees a sealed segment at the last leave; an
            unsealed one is removed by the last leaver and its key is free. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
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

/* Wait up to LABTEST_PATIENCE_S for child pid (killing it after that) and
   return its exit status, or -1 if it did not exit normally. */
static int wait_child(pid_t pid)
{
    struct timespec start, now, tick = { 0, 5 * 1000 * 1000 };
    int status;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > LABTEST_PATIENCE_S) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ck_abort_msg("child: expected it to finish, still running after %d s", LABTEST_PATIENCE_S);
        }
        nanosleep(&tick, NULL);
    }
}

static void send_int(int fd, int v)
{
    ck_assert_msg(write(fd, &v, sizeof v) == (ssize_t) sizeof v, "write to pipe: %s", strerror(errno));
}

/* In a child: read one int, or _exit(99) when the parent went away. */
static int child_recv_int(int fd)
{
    int v;
    if (read(fd, &v, sizeof v) != (ssize_t) sizeof v)
        _exit(99);
    return v;
}

/* The /proc/sysvipc/shm line for shmid (what ipcs -m reads): 1 if found. */
struct proc_line {
    int key, shmid;
    unsigned perms;
    unsigned long size, nattch;
    long cpid;
};

static int proc_find(int shmid, struct proc_line *pl)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    ck_assert_msg(f != NULL, "fopen(/proc/sysvipc/shm): %s", strerror(errno));
    char line[512];
    int found = 0;
    if (fgets(line, sizeof line, f) != NULL) {                  /* the header */
        while (!found && fgets(line, sizeof line, f) != NULL) {
            long lpid;
            found = sscanf(line, "%d %d %o %lu %ld %ld %lu", &pl->key, &pl->shmid, &pl->perms, &pl->size,
                           &pl->cpid, &lpid, &pl->nattch) == 7 && pl->shmid == shmid;
        }
    }
    fclose(f);
    return found;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(fork_inherits_each_attachment)
{
    struct shared sh;
    join_ok(test_key(10), 4096, &sh);
    void *extra = shmat(sh.shmid, NULL, 0);
    ck_assert_msg(extra != (void *) -1, "shmat: %s", strerror(errno));
    ck_assert_msg(status_ok(sh.shmid, "after join + shmat").nattch == 2, "after join + shmat: expected nattch 2");

    /* The child inherits both attachments: 4; dropping one of its own: 3.
       It reports through its exit status (90+ = shm_status failed). */
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct seg_status a, b;
        if (shm_status(sh.shmid, &a) != 0)
            _exit(90);
        shmdt(extra);
        if (shm_status(sh.shmid, &b) != 0)
            _exit(91);
        _exit((int) (a.nattch * 10 + b.nattch));
    }
    int code = wait_child(pid);
    ck_assert_msg(code == 43, "in a forked child: expected nattch 4 (2 inherited + 2), then 3 after one shmdt"
                  " (exit 43), got exit %d", code);
    struct seg_status st = status_ok(sh.shmid, "after the child exited");
    ck_assert_msg(st.nattch == 2, "after the child exited: expected nattch back to 2, got %lu", st.nattch);
    shmdt(extra);
}
END_TEST

START_TEST(status_matches_proc_sysvipc)
{
    key_t key = test_key(11);
    struct shared sh;
    join_ok(key, 5000, &sh);
    struct proc_line pl;
    struct seg_status st = status_ok(sh.shmid, "of a joined segment");
    ck_assert_msg(proc_find(sh.shmid, &pl), "/proc/sysvipc/shm: expected a line for shmid %d", sh.shmid);
    ck_assert_msg((key_t) pl.key == st.key && pl.size == st.size && pl.nattch == st.nattch &&
                  (pid_t) pl.cpid == st.creator && st.marked == ((pl.perms & SHM_DEST) != 0),
                  "shm_status vs /proc/sysvipc/shm: key %#x/%#x size %zu/%lu nattch %lu/%lu cpid %ld/%ld",
                  (unsigned) st.key, (unsigned) pl.key, st.size, pl.size, st.nattch, pl.nattch,
                  (long) st.creator, pl.cpid);

    ck_assert_msg(shared_seal(&sh) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));
    st = status_ok(sh.shmid, "after seal");
    ck_assert_msg(proc_find(sh.shmid, &pl), "/proc/sysvipc/shm: expected the marked segment still listed");
    ck_assert_msg(pl.key == 0 && (pl.perms & SHM_DEST) && pl.nattch == 1,
                  "/proc/sysvipc/shm after IPC_RMID: expected key 0, perms with SHM_DEST (01000), nattch 1;"
                  " got key %d, perms %o, nattch %lu", pl.key, pl.perms, pl.nattch);
    ck_assert_msg(st.key == 0 && st.marked == 1 && st.nattch == 1,
                  "shm_status after IPC_RMID: expected key 0, marked, nattch 1 (as /proc shows); got %#x, %d, %lu",
                  (unsigned) st.key, st.marked, st.nattch);
}
END_TEST

START_TEST(old_key_after_seal_makes_new_segment)
{
    key_t key = test_key(12);
    struct shared a, b;
    join_ok(key, 4096, &a);
    lt_put_str(a.addr, "old");
    ck_assert_msg(shared_seal(&a) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));
    join_ok(key, 4096, &b);
    ck_assert_msg(b.shmid != a.shmid, "shared_join of the old key after IPC_RMID: expected a new segment,"
                  " got the marked one (%d)", a.shmid);
    ck_assert_msg(lt_get_str(b.addr, 16)[0] == '\0', "the new segment: expected zeroed memory, got \"%.10s\"",
                  lt_get_str(b.addr, 16));
    struct seg_status st = status_ok(b.shmid, "of the new segment");
    ck_assert_msg(st.key == key && st.marked == 0, "the new segment: expected key %#x, not marked; got %#x, %d",
                  (unsigned) key, (unsigned) st.key, st.marked);
    ck_assert_msg(strcmp(lt_get_str(a.addr, 64), "old") == 0, "the marked segment: expected \"old\" still readable");
    int ra = shared_leave(&a), rb = shared_leave(&b);
    ck_assert_msg(ra == 1 && rb == 1,
                  "leaving both (each the last of its segment): expected 1 and 1, got %d and %d", ra, rb);
}
END_TEST

START_TEST(stranger_attaches_marked_segment_by_id)
{
    key_t key = test_key(13);
    int to_child[2];
    ck_assert_msg(pipe(to_child) == 0, "pipe: %s", strerror(errno));

    /* The child exists before the segment does: it inherits nothing and
       learns only the id, like an unrelated process told it by a peer. */
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(to_child[1]);
        int id = child_recv_int(to_child[0]);
        if (shmget(key, 0, 0) != -1 || errno != ENOENT)
            _exit(1);                   /* found by key: it should not be */
        char *p = shmat(id, NULL, 0);
        if (p == (void *) -1)
            _exit(2);                   /* Linux lets us attach by id */
        struct seg_status st;
        if (shm_status(id, &st) != 0)
            _exit(3);
        if (!st.marked || st.key != 0 || st.nattch != 2)
            _exit(4);
        if (strcmp(p, "by id") != 0)
            _exit(5);
        shmdt(p);
        _exit(0);
    }
    close(to_child[0]);
    struct shared sh;
    join_ok(key, 4096, &sh);
    lt_put_str(sh.addr, "by id");
    ck_assert_msg(shared_seal(&sh) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));
    send_int(to_child[1], sh.shmid);
    close(to_child[1]);
    int code = wait_child(pid);
    static const char *why[] = { "", "shmget found the old key", "shmat by id failed",
                                 "shm_status failed in the child", "shm_status: expected marked, key 0, nattch 2",
                                 "the data read by id was not \"by id\"" };
    ck_assert_msg(code == 0, "a process that never attached, after IPC_RMID: expected ENOENT by key and a"
                  " working attach by id (exit 0), got exit %d: %s", code,
                  code >= 1 && code <= 5 ? why[code] : "killed, or the parent's pipe closed");
    ck_assert_msg(status_ok(sh.shmid, "after the stranger left").nattch == 1, "after the stranger left:"
                  " expected nattch 1");
}
END_TEST

START_TEST(leave_keeps_segment_while_child_attached)
{
    key_t key = test_key(14);
    int to_child[2], to_parent[2];
    ck_assert_msg(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        struct shared mine;
        child_recv_int(to_child[0]);                    /* the parent has joined */
        int ok = shared_join(key, 4096, &mine) == 0;
        if (write(to_parent[1], &ok, sizeof ok) != (ssize_t) sizeof ok)
            _exit(98);
        child_recv_int(to_child[0]);                    /* the parent has left */
        if (!ok)
            _exit(97);
        int rc = shared_leave(&mine);
        _exit(rc == 1 ? 0 : rc == 0 ? 1 : 2);
    }
    close(to_child[0]);
    close(to_parent[1]);

    struct shared sh;
    join_ok(key, 4096, &sh);
    int id = sh.shmid;
    send_int(to_child[1], 1);
    int ok = 0;
    ck_assert_msg(read(to_parent[0], &ok, sizeof ok) == (ssize_t) sizeof ok && ok,
                  "the child's shared_join of the same key: expected it to work");
    errno = 0;
    int rc = shared_leave(&sh);
    ck_assert_msg(rc == 0, "shared_leave while a child is attached: expected 0, got %d (%s)", rc, strerror(errno));
    struct seg_status st = status_ok(id, "after the parent left");
    ck_assert_msg(st.nattch == 1 && st.marked == 0 && st.key == key,
                  "after the parent left: expected the segment kept (nattch 1, not marked, key %#x);"
                  " got %lu, %d, %#x",
                  (unsigned) key, st.nattch, st.marked, (unsigned) st.key);
    send_int(to_child[1], 2);
    int code = wait_child(pid);
    ck_assert_msg(code == 0, "the child's shared_leave, last one out: expected 1 (exit 0), got exit %d"
                  " (1: it returned 0, 2: it failed)", code);
    struct shmid_ds ds;
    expect_fail(shmctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after the child, the last one, left");
    close(to_child[1]);
    close(to_parent[0]);
}
END_TEST

START_TEST(second_seal_succeeds)
{
    struct shared sh;
    join_ok(test_key(15), 4096, &sh);
    ck_assert_msg(shared_seal(&sh) == 0, "first shared_seal: expected 0, got -1 (%s)", strerror(errno));
    errno = 0;
    int rc = shared_seal(&sh);
    ck_assert_msg(rc == 0, "second shared_seal (IPC_RMID on a marked, attached segment): expected 0, got %d (%s)",
                  rc, strerror(errno));
    struct seg_status st = status_ok(sh.shmid, "after two seals");
    ck_assert_msg(st.marked == 1 && st.nattch == 1, "after two seals: expected marked, nattch 1; got %d, %lu",
                  st.marked, st.nattch);
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave after two seals: expected 1");
}
END_TEST

START_TEST(creator_is_the_creating_process)
{
    key_t key = test_key(16);
    int to_parent[2];
    ck_assert_msg(pipe(to_parent) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* Join and exit without leaving: the exit detaches, the segment stays. */
        struct shared mine;
        int id = shared_join(key, 4096, &mine) == 0 ? mine.shmid : -1;
        if (write(to_parent[1], &id, sizeof id) != (ssize_t) sizeof id)
            _exit(98);
        _exit(0);
    }
    close(to_parent[1]);
    int id = -1;
    ssize_t n = read(to_parent[0], &id, sizeof id);
    close(to_parent[0]);
    track(id);
    wait_child(pid);
    ck_assert_msg(n == (ssize_t) sizeof id && id >= 0,
                  "the child's shared_join: expected a segment id, got %d", id);

    struct seg_status st = status_ok(id, "of the segment the child made");
    ck_assert_msg(st.creator == lt_peer(pid), "shm_status: expected creator %ld (the child), got %ld",
                  (long) lt_peer(pid), (long) st.creator);
    ck_assert_msg(st.nattch == 0 && st.marked == 0, "after the creator exited without leaving: expected the segment"
                  " kept, nattch 0, not marked; got %lu, %d", st.nattch, st.marked);
    struct shared sh;
    join_ok(key, 4096, &sh);
    ck_assert_msg(sh.shmid == id, "shared_join of the key: expected the child's segment %d, got %d", id, sh.shmid);
    ck_assert_msg(status_ok(id, "after joining").creator == lt_peer(pid), "shm_status after joining: expected the creator"
                  " still the child");
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave, the only one attached: expected 1");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(status_rejects_null_and_unknown_ids)
{
    struct shared sh;
    join_ok(test_key(17), 4096, &sh);
    struct seg_status st;
    expect_fail(shm_status(sh.shmid, NULL), EINVAL, "shm_status(id, NULL)");
    expect_fail(shm_status(-1, &st), EINVAL, "shm_status(-1, &st)");
    status_ok(sh.shmid, "of a joined segment");
}
END_TEST

START_TEST(seal_and_leave_reject_unjoined)
{
    struct shared none = { -1, NULL, 0 }, sh;
    expect_fail(shared_seal(NULL), EINVAL, "shared_seal(NULL)");
    expect_fail(shared_leave(NULL), EINVAL, "shared_leave(NULL)");
    expect_fail(shared_seal(&none), EINVAL, "shared_seal of a handle with shmid -1");
    expect_fail(shared_leave(&none), EINVAL, "shared_leave of a handle with shmid -1");
    join_ok(test_key(18), 4096, &sh);
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave, the only one attached: expected 1");
    expect_fail(shared_leave(&sh), EINVAL, "a second shared_leave of the same handle");
    expect_fail(shared_seal(&sh), EINVAL, "shared_seal after shared_leave");
}
END_TEST

START_TEST(join_failure_leaves_nothing)
{
    key_t key = test_key(19);
    int id = shmget(key, 64, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track(id);
    struct shared sh;
    expect_fail(shared_join(key, 65, &sh), EINVAL, "shared_join asking 65 bytes of a 64-byte segment");
    ck_assert_msg(sh.shmid == -1 && sh.addr == NULL, "after a failed join: expected shmid -1, addr NULL");
    ck_assert_msg(shmget(key, 0, 0) == id, "after a failed join: expected the key still to name segment %d", id);
    struct seg_status st = status_ok(id, "of the 64-byte segment");
    ck_assert_msg(st.nattch == 0 && !st.marked, "the 64-byte segment: expected it untouched");
    join_ok(key, 64, &sh);
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave of the 64-byte segment: expected 1 (removed)");
}
END_TEST

START_TEST(freed_segment_is_gone_for_every_call)
{
    struct shared sh;
    join_ok(test_key(20), 4096, &sh);
    int id = sh.shmid;
    ck_assert_msg(shared_seal(&sh) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave of a sealed segment, the only one attached: expected 1");
    struct seg_status st;
    expect_fail(shm_status(id, &st), EINVAL, "shm_status of the freed segment");
    errno = 0;
    void *p = shmat(id, NULL, 0);
    int err = errno;
    ck_assert_msg(p == (void *) -1 && err == EINVAL, "shmat of the freed segment: expected (void *) -1 with"
                  " EINVAL, got %p (%s)", p, strerror(err));
    expect_fail(shmctl(id, IPC_RMID, NULL), EINVAL, "IPC_RMID of the freed segment");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(leave_after_seal_reports_kernel_free)
{
    struct shared sh;
    join_ok(test_key(21), 4096, &sh);
    int id = sh.shmid;
    ck_assert_msg(shared_seal(&sh) == 0, "shared_seal: expected 0, got -1 (%s)", strerror(errno));
    errno = 0;
    int rc = shared_leave(&sh);
    ck_assert_msg(rc == 1, "shared_leave of a sealed segment, the only one attached: expected 1 (the kernel"
                  " freed it at our shmdt), got %d (%s)", rc, strerror(errno));
    ck_assert_msg(sh.shmid == -1 && sh.addr == NULL, "after shared_leave: expected shmid -1 and addr NULL");
    struct shmid_ds ds;
    expect_fail(shmctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after the last leave of a sealed segment");
}
END_TEST

START_TEST(leave_unmarked_last_frees_key)
{
    key_t key = test_key(22);
    struct shared sh;
    join_ok(key, 4096, &sh);
    int id = sh.shmid;
    lt_put_str(sh.addr, "first life");
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave, the only one attached: expected 1 (removed)");
    expect_fail(shmget(key, 0, 0), ENOENT, "shmget of the key after the last leave");
    join_ok(key, 4096, &sh);
    ck_assert_msg(sh.shmid != id && lt_get_str(sh.addr, 16)[0] == '\0',
                  "shared_join after the last leave: expected a new, zeroed segment,"
                  " got id %d (old %d), \"%.10s\"",
                  sh.shmid, id, lt_get_str(sh.addr, 16));
    ck_assert_msg(shared_leave(&sh) == 1, "shared_leave of the new segment: expected 1");
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("05-rmid hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, fork_inherits_each_attachment);
    tcase_add_test(core, status_matches_proc_sysvipc);
    tcase_add_test(core, old_key_after_seal_makes_new_segment);
    tcase_add_test(core, stranger_attaches_marked_segment_by_id);
    tcase_add_test(core, leave_keeps_segment_while_child_attached);
    tcase_add_test(core, second_seal_succeeds);
    tcase_add_test(core, creator_is_the_creating_process);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, status_rejects_null_and_unknown_ids);
    tcase_add_test(errors, seal_and_leave_reject_unjoined);
    tcase_add_test(errors, join_failure_leaves_nothing);
    tcase_add_test(errors, freed_segment_is_gone_for_every_call);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, leave_after_seal_reports_kernel_free);
    tcase_add_test(cleanup, leave_unmarked_last_frees_key);
    suite_add_tcase(s, cleanup);

    return s;
}
