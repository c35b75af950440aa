/* public.c — Lab 04's public tests: the i++ race across processes.

   Core:    the plain i++ never counts more than N*M; the semaphore, the atomic
            and the mutex each count exactly N*M.
   Errors:  bad arguments give -1 and EINVAL.
   Cleanup: race_destroy() removes the segment and the semaphore set; a second
            destroy fails.

   Every race_run() goes through a child with a deadline, so a lock that is
   never given back fails the test with a message instead of hanging it.

   $ make check LAB=4          # every public test, each under valgrind
   $ make grade LAB=4          # public + hidden (instructor's kit), as scored */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Helpers ---------------------------------------------------------- */

static void races_setup(void)
{
    nraces = 0;
}

static void races_teardown(void)
{
    remove_races();
}

struct reply {
    long rc;                    /* what race_run() returned */
    int err;                    /* errno after it */
    pid_t pid;                  /* who sent this reply */
    int strays;                 /* lab processes that returned from race_run() */
};

/* Read every reply on fd until EOF (or LABTEST_PATIENCE_S of silence); keep
   the one from pid in *own.  Returns how many came from anyone else. */
static int read_replies(int fd, pid_t pid, struct reply *own)
{
    struct reply rep;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int strays = 0;
    while (poll(&p, 1, LABTEST_PATIENCE_S * 1000) == 1 &&
           read(fd, &rep, sizeof rep) == (ssize_t) sizeof rep) {
        if (rep.pid == pid) {
            *own = rep;
            strays += rep.strays;
        } else
            strays++;
    }
    return strays;
}

/* Call race_run(r, nworkers, per_worker) in a child that leads its own
   process group, and expect it to return 0 (no failed worker).  If it is
   still running after LABTEST_PATIENCE_S, the whole group (the child and its
   workers) is killed and the test fails instead of hanging.  The child sends
   race_run's result back through a pipe; a worker that wrongly returns from
   race_run() instead of calling _exit() is counted by the harness
   (lt_strays(), split.h). */
static void run_bounded(struct race *r, int nworkers, long per_worker)
{
    int fd[2];
    ck_assert_msg(pipe(fd) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        close(fd[0]);
        struct reply rep;
        memset(&rep, 0, sizeof rep);    /* no uninitialised padding through write() */
        rep.rc = race_run(r, nworkers, per_worker);
        rep.err = errno;
        rep.pid = getpid();
        rep.strays = lt_strays();
        _exit(write(fd[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 3);
    }
    setpgid(pid, pid);          /* both sides, so the group exists before we need it */
    close(fd[1]);

    int status, ended = wait_deadline(pid, LABTEST_PATIENCE_S, &status);
    kill(-pid, SIGKILL);        /* any worker left over, stuck or not */
    if (!ended)
        waitpid(pid, &status, 0);
    struct reply rep = { -2, 0, 0, 0 };
    int strays = ended ? read_replies(fd[0], pid, &rep) : 0;
    close(fd[0]);

    const char *m = method_name(r->method);
    ck_assert_msg(ended, "race_run(%s, %d, %ld): expected it to return, still running after %d s"
                  " (a lock that is never given back?)", m, nworkers, per_worker,
                  LABTEST_PATIENCE_S);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && rep.rc != -2,
                  "race_run(%s, %d, %ld) in a child: expected it to return and the child to exit 0,"
                  " got %s %d", m, nworkers, per_worker,
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    ck_assert_msg(strays == 0, "race_run(%s, %d, %ld): %d worker(s) returned from race_run()"
                  " into the caller's code: expected every worker to end with _exit()",
                  m, nworkers, per_worker, strays);
    ck_assert_msg(rep.rc == 0, "race_run(%s, %d, %ld): expected 0 (no failed worker), got %ld%s%s",
                  m, nworkers, per_worker, rep.rc, rep.rc == -1 ? " with errno " : "",
                  rep.rc == -1 ? strerror(rep.err) : "");
}

/* Run nworkers x per_worker increments and expect exactly that many more. */
static void expect_exact(struct race *r, int nworkers, long per_worker)
{
    long before = race_read(r), want = before + nworkers * per_worker;
    run_bounded(r, nworkers, per_worker);
    long got = race_read(r);
    ck_assert_msg(got == want, "%s, %d workers x %ld increments: expected %ld, got %ld (lost %ld)",
                  method_name(r->method), nworkers, per_worker, want, got, want - got);
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(unsafe_never_exceeds_total)
{
    /* Updates are lost only by chance (make demo LAB=4 shows how many), so
       all a test can say is: never more than N*M, and not nothing. */
    struct race *r = new_race(RACE_UNSAFE);
    run_bounded(r, 4, 20000);
    long got = race_read(r);
    ck_assert_msg(got > 0 && got <= 4 * 20000L,
                  "RACE_UNSAFE, 4 workers x 20000 increments: expected a count in 1..80000, got %ld",
                  got);
}
END_TEST

START_TEST(atomic_counts_exactly)
{
    expect_exact(new_race(RACE_ATOMIC), 4, 50000);
}
END_TEST

START_TEST(semaphore_counts_exactly)
{
    expect_exact(new_race(RACE_SEMAPHORE), 4, 10000);
}
END_TEST

START_TEST(mutex_counts_exactly)
{
    expect_exact(new_race(RACE_MUTEX), 4, 20000);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(create_rejects_null_and_bad_method)
{
    struct race r = { RACE_UNSAFE, -1, -1, NULL };
    expect_fail(race_create(NULL, RACE_ATOMIC), EINVAL, "race_create(NULL, RACE_ATOMIC)");
    expect_fail(race_create(&r, (enum race_method) 42), EINVAL, "race_create(&r, 42)");
    /* ... and a good call still works. */
    ck_assert_msg(race_read(new_race(RACE_ATOMIC)) == 0, "a new RACE_ATOMIC race: expected count 0");
}
END_TEST

START_TEST(lock_refuses_lockless_methods)
{
    struct race *u = new_race(RACE_UNSAFE), *a = new_race(RACE_ATOMIC);
    expect_fail(race_lock(u), EINVAL, "race_lock on a RACE_UNSAFE race");
    expect_fail(race_unlock(u), EINVAL, "race_unlock on a RACE_UNSAFE race");
    expect_fail(race_lock(a), EINVAL, "race_lock on a RACE_ATOMIC race");
    expect_fail(race_unlock(a), EINVAL, "race_unlock on a RACE_ATOMIC race");
}
END_TEST

START_TEST(run_rejects_bad_arguments)
{
    struct race *r = new_race(RACE_ATOMIC);
    expect_fail(race_run(NULL, 2, 10), EINVAL, "race_run(NULL, 2, 10)");
    expect_fail(race_run(r, 0, 10), EINVAL, "race_run(r, 0 workers, 10)");
    expect_fail(race_run(r, RACE_MAX_WORKERS + 1, 10), EINVAL, "race_run(r, RACE_MAX_WORKERS + 1, 10)");
    expect_fail(race_run(r, 2, -1), EINVAL, "race_run(r, 2, -1 per worker)");
    long got = race_read(r);
    ck_assert_msg(got == 0, "after only rejected race_run calls: expected count 0, got %ld", got);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(destroy_removes_every_object)
{
    struct race *r = new_race(RACE_SEMAPHORE);
    int shmid = r->shmid, semid = r->semid;
    struct shmid_ds ds;
    struct semid_ds sds;
    union { int val; struct semid_ds *buf; } arg = { .buf = &sds };

    ck_assert_msg(semid != -1, "race_create(RACE_SEMAPHORE): expected a semaphore set, semid is -1");
    ck_assert_msg(race_destroy(r) == 0, "race_destroy: expected 0, got -1 (%s)", strerror(errno));

    /* A removed object is gone for IPC_STAT; one still attached would only
       be marked for removal, and IPC_STAT would still find it. */
    errno = 0;
    int rc = shmctl(shmid, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed race's segment: expected -1/EINVAL, got %d (%s)%s",
                  rc, strerror(errno), rc == 0 && (ds.shm_perm.mode & SHM_DEST) ?
                  " - marked for removal but still attached: shmdt first" : "");
    errno = 0;
    rc = semctl(semid, 0, IPC_STAT, arg);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed race's semaphore set: expected -1/EINVAL, got %d (%s)",
                  rc, strerror(errno));
    ck_assert_msg(r->shmid == -1 && r->semid == -1 && r->shared == NULL,
                  "after race_destroy: expected shmid -1, semid -1, shared NULL; got %d, %d, %p",
                  r->shmid, r->semid, (void *) r->shared);
}
END_TEST

START_TEST(destroy_twice_fails_with_einval)
{
    struct race *r = new_race(RACE_MUTEX);
    ck_assert_msg(race_destroy(r) == 0, "first race_destroy: expected 0, got -1 (%s)", strerror(errno));
    expect_fail(race_destroy(r), EINVAL, "second race_destroy of the same race");
    expect_fail(race_destroy(NULL), EINVAL, "race_destroy(NULL)");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("04-race public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, races_setup, races_teardown);
    tcase_add_test(core, unsafe_never_exceeds_total);
    tcase_add_test(core, atomic_counts_exactly);
    tcase_add_test(core, semaphore_counts_exactly);
    tcase_add_test(core, mutex_counts_exactly);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, races_setup, races_teardown);
    tcase_add_test(errors, create_rejects_null_and_bad_method);
    tcase_add_test(errors, lock_refuses_lockless_methods);
    tcase_add_test(errors, run_rejects_bad_arguments);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, races_setup, races_teardown);
    tcase_add_test(cleanup, destroy_removes_every_object);
    tcase_add_test(cleanup, destroy_twice_fails_with_einval);
    suite_add_tcase(s, cleanup);

    return s;
}
