/* hidden.c — Lab 04's hidden tests: the thorough ones the grader adds.

   Core:    exact counts for many worker/increment shapes; the lock really
            excludes another process; a semaphore wait survives signals; a
            worker SIGKILLed while holding the lock does not block the others,
            and counting stays exact afterwards; race_run() counts failed
            workers.
   Errors:  NULL everywhere, worker-count bounds.
   Cleanup: a race_create() that fails half-way leaves nothing behind (the
            failure is injected: this file defines shmget(), shmat() and semget(),
            which pass through to the kernel unless a test asks one to fail);
            race_destroy() of every method removes everything.

   Anything that waits for another process runs in a child with a deadline,
   so a wrong lab.c fails with a message instead of hanging the grader.

   $ make grade LAB=4 SUBMISSION=solutions     # the reference: 100/100
   $ make grade LAB=4                          # the starter: 0/100 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

#include "../children.h"        /* track, untrack, kill_children */
#include "../segments.h"        /* list_segments, remove_new_segments */

/* ---- Helpers ---------------------------------------------------------- */

/* Besides the races (tests/common.h), the teardown kills the children not
   yet reaped (../children.h), so a failed test leaves no process behind. */

static void races_setup(void)
{
    nraces = 0;
    memset(kids, 0, sizeof kids);
}

static void races_teardown(void)
{
    kill_children();
    remove_races();
}

/* new_race(), and a semaphore set exactly when the method needs one. */
static struct race *new_race_checked(enum race_method method)
{
    struct race *r = new_race(method);
    ck_assert_msg((method == RACE_SEMAPHORE) == (r->semid != -1),
                  "race_create(%s): expected semid %s, got %d", method_name(method),
                  method == RACE_SEMAPHORE ? "!= -1" : "-1", r->semid);
    return r;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- Children with deadlines --------------------------------------------

   child_start() forks a child that leads its own process group, runs
   job(r, a, b) and sends back the result and errno through a pipe.
   child_wait() waits up to a deadline; child_stop() kills the group (the
   child and any workers it forked) and reaps. */
typedef long job_fn(struct race *r, long a, long b);

struct reply {
    long rc;                    /* what the job returned */
    int err;                    /* errno after it */
    pid_t pid;                  /* who sent this reply */
    int strays;                 /* lab processes that returned from the job's calls */
};

struct child {
    pid_t pid;
    int fd;                     /* read end of the reply pipe */
    int ended, status;          /* once ended: its wait status */
    struct reply rep;
    int replied;                /* rep holds what the child sent */
    int strays;                 /* replies from anyone else: workers that returned */
};

static void child_start(struct child *c, job_fn *job, struct race *r, long a, long b)
{
    int fd[2];
    ck_assert_msg(pipe(fd) == 0, "pipe: %s", strerror(errno));
    memset(c, 0, sizeof *c);
    c->pid = fork();
    ck_assert_msg(c->pid != -1, "fork: %s", strerror(errno));
    if (c->pid == 0) {
        setpgid(0, 0);
        close(fd[0]);
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        rep.rc = job(r, a, b);
        rep.err = errno;
        rep.pid = getpid();
        rep.strays = lt_strays();
        _exit(write(fd[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 3);
    }
    setpgid(c->pid, c->pid);
    track(c->pid);
    close(fd[1]);
    c->fd = fd[0];
}

/* Read every reply until EOF (or LABTEST_PATIENCE_S of silence).  A worker
   that returned from race_run() instead of calling _exit() is counted by the
   harness (lt_strays(), split.h) and its count comes with the reply. */
static void read_replies(struct child *c)
{
    struct reply rep;
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    while (poll(&p, 1, LABTEST_PATIENCE_S * 1000) == 1 &&
           read(c->fd, &rep, sizeof rep) == (ssize_t) sizeof rep) {
        if (rep.pid == c->pid) {
            c->rep = rep;
            c->replied = 1;
            c->strays += rep.strays;
        } else {
            c->strays++;
        }
    }
}

/* 1 if the child ended within `seconds` (its reply collected), else 0. */
static int child_wait(struct child *c, double seconds)
{
    struct timespec start, tick = { 0, 5 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!c->ended) {
        pid_t w = waitpid(c->pid, &c->status, WNOHANG);
        if (w == c->pid) {
            c->ended = 1;
            untrack(c->pid);
            kill(-c->pid, SIGKILL);     /* workers it may have left running */
            read_replies(c);
            close(c->fd);
            break;
        }
        ck_assert_msg(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        if (seconds_since(&start) > seconds)
            return 0;
        nanosleep(&tick, NULL);
    }
    return 1;
}

/* Kill the child's group if it still runs, and reap it. */
static void child_stop(struct child *c)
{
    if (c->ended)
        return;
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &c->status, 0);
    untrack(c->pid);
    close(c->fd);
    c->ended = 1;
}

/* Did the child end normally, having sent its reply? */
static int child_ok(const struct child *c)
{
    return c->ended && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0 && c->replied;
}

static const char *child_end(const struct child *c, char *buf, size_t size)
{
    if (WIFSIGNALED(c->status))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(c->status),
                 strsignal(WTERMSIG(c->status)));
    else
        snprintf(buf, size, "exit status %d", WEXITSTATUS(c->status));
    return buf;
}

static long job_run(struct race *r, long nworkers, long per_worker)
{
    return race_run(r, (int) nworkers, per_worker);
}

static long job_lock_unlock(struct race *r, long a, long b)
{
    (void) a;
    (void) b;
    if (race_lock(r) == -1)
        return -1;
    return race_unlock(r);
}

/* Run nworkers x per_worker increments in a child with a deadline, and
   expect exactly that many more. */
static void expect_exact(struct race *r, int nworkers, long per_worker)
{
    long before = race_read(r), want = before + nworkers * per_worker;
    struct child c;
    char why[64];

    child_start(&c, job_run, r, nworkers, per_worker);
    int ended = child_wait(&c, LABTEST_PATIENCE_S);
    child_stop(&c);
    ck_assert_msg(ended, "race_run(%s, %d, %ld): expected it to return, still running after %d s"
                  " (a lock that is never given back?)",
                  method_name(r->method), nworkers, per_worker, LABTEST_PATIENCE_S);
    ck_assert_msg(child_ok(&c), "race_run(%s, %d, %ld) in a child: expected it to return and the"
                  " child to exit 0, got %s", method_name(r->method), nworkers, per_worker,
                  child_end(&c, why, sizeof why));
    ck_assert_msg(c.strays == 0, "race_run(%s, %d, %ld): %d worker(s) returned from race_run()"
                  " into the caller's code: expected every worker to end with _exit()",
                  method_name(r->method), nworkers, per_worker, c.strays);
    ck_assert_msg(c.rep.rc == 0, "race_run(%s, %d, %ld): expected 0 (no failed worker), got %ld%s%s",
                  method_name(r->method), nworkers, per_worker, c.rep.rc,
                  c.rep.rc == -1 ? " with errno " : "", c.rep.rc == -1 ? strerror(c.rep.err) : "");
    long got = race_read(r);
    ck_assert_msg(got == want, "%s, %d workers x %ld increments: expected %ld, got %ld (lost %ld)",
                  method_name(r->method), nworkers, per_worker, want, got, want - got);
}

/* A child that takes r's lock, says so through a pipe, and holds it until
   it is killed or told to let go (a byte, or EOF, on its second pipe). */
struct holder {
    pid_t pid;
    int go;                     /* write end: one byte = unlock and exit */
};

static struct holder start_holder(struct race *r)
{
    int ready[2], go[2];
    ck_assert_msg(pipe(ready) == 0 && pipe(go) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        close(ready[0]);
        close(go[1]);
        char c = race_lock(r) == 0 ? 'L' : 'E';
        if (write(ready[1], &c, 1) != 1 || c != 'L')
            _exit(1);
        if (read(go[0], &c, 1) == -1)
            _exit(1);
        _exit(race_unlock(r) == 0 ? 0 : 2);
    }
    setpgid(pid, pid);
    track(pid);
    close(ready[1]);
    close(go[0]);

    /* Wait for the holder to report, but not for ever. */
    struct pollfd p = { .fd = ready[0], .events = POLLIN };
    char c = '?';
    int n = poll(&p, 1, LABTEST_PATIENCE_S * 1000);
    if (n == 1 && read(ready[0], &c, 1) != 1)
        c = '?';
    close(ready[0]);
    ck_assert_msg(n == 1, "race_lock(%s) on a free lock: expected it to return at once, still"
                  " waiting after %d s", method_name(r->method), LABTEST_PATIENCE_S);
    ck_assert_msg(c == 'L', "race_lock(%s) on a free lock: expected 0, got -1",
                  method_name(r->method));
    return (struct holder) { pid, go[1] };
}

/* Tell the holder to unlock, and expect it to exit 0 in time. */
static void release_holder(struct holder *h)
{
    struct timespec start, tick = { 0, 5 * 1000 * 1000 };
    int status;
    pid_t w;

    ck_assert_msg(write(h->go, "u", 1) == 1, "write: %s", strerror(errno));
    close(h->go);
    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((w = waitpid(h->pid, &status, WNOHANG)) == 0 && seconds_since(&start) < LABTEST_PATIENCE_S)
        nanosleep(&tick, NULL);
    ck_assert_msg(w == h->pid, "the lock's holder: expected race_unlock to return, still running"
                  " after %d s", LABTEST_PATIENCE_S);
    untrack(h->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the lock's holder: expected race_unlock to return 0 and the holder to exit 0,"
                  " got wait status 0x%x", (unsigned) status);
}

/* SIGKILL the holder while it holds the lock. */
static void kill_holder(struct holder *h)
{
    int status;
    ck_assert_msg(kill(h->pid, SIGKILL) == 0, "kill: %s", strerror(errno));
    ck_assert_msg(waitpid(h->pid, &status, 0) == h->pid, "waitpid: %s", strerror(errno));
    untrack(h->pid);
    close(h->go);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "the lock's holder: expected it to die of SIGKILL, got wait status 0x%x",
                  (unsigned) status);
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(unsafe_single_worker_is_exact)
{
    /* One worker has nobody to race with: every update lands. */
    expect_exact(new_race_checked(RACE_UNSAFE), 1, 20000);
}
END_TEST

/* Several workers-by-increments shapes on one race, counts adding up. */
static void expect_exact_shapes(enum race_method method)
{
    static const struct { int n; long m; } shape[] = {
        { 1, 1 }, { 1, 1000 }, { 2, 1 }, { 2, 1000 }, { 4, 0 }, { 4, 1000 }, { 8, 1 }, { 8, 2000 },
    };
    struct race *r = new_race_checked(method);
    for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++)
        expect_exact(r, shape[i].n, shape[i].m);
}

START_TEST(atomic_exact_for_many_shapes)
{
    expect_exact_shapes(RACE_ATOMIC);
}
END_TEST

START_TEST(semaphore_exact_for_many_shapes)
{
    expect_exact_shapes(RACE_SEMAPHORE);
}
END_TEST

START_TEST(mutex_exact_for_many_shapes)
{
    expect_exact_shapes(RACE_MUTEX);
}
END_TEST

START_TEST(new_race_reads_zero)
{
    static const enum race_method all[] = { RACE_UNSAFE, RACE_SEMAPHORE, RACE_ATOMIC, RACE_MUTEX };
    for (int i = 0; i < 4; i++) {
        struct race *r = new_race_checked(all[i]);
        long got = race_read(r);
        ck_assert_msg(got == 0, "race_read of a new %s race: expected 0, got %ld",
                      method_name(all[i]), got);
        if (all[i] == RACE_SEMAPHORE) {
            int val = semctl(r->semid, 0, GETVAL);
            ck_assert_msg(val == 1, "the new RACE_SEMAPHORE race's semaphore: expected value 1"
                          " (free), got %d", val);
        }
    }
}
END_TEST

/* While one process holds the lock, another's race_lock must wait, and get
   the lock once the first lets go. */
static void expect_exclusion(enum race_method method)
{
    struct race *r = new_race_checked(method);
    struct holder h = start_holder(r);
    struct child c;
    char why[64];

    child_start(&c, job_lock_unlock, r, 0, 0);
    int ended = child_wait(&c, 1.0);
    ck_assert_msg(!ended, "%s: while one process held the lock, another's race_lock returned %ld:"
                  " expected it to wait", method_name(method), c.rep.rc);
    release_holder(&h);
    ended = child_wait(&c, LABTEST_PATIENCE_S);
    child_stop(&c);
    ck_assert_msg(ended, "%s: after the holder's race_unlock, expected the waiting race_lock to"
                  " return, still waiting after %d s", method_name(method), LABTEST_PATIENCE_S);
    ck_assert_msg(child_ok(&c) && c.rep.rc == 0, "%s: the waiting race_lock/race_unlock: expected 0,"
                  " got %ld (errno %d, %s; child %s)", method_name(method), c.rep.rc, c.rep.err,
                  strerror(c.rep.err), child_end(&c, why, sizeof why));
}

START_TEST(semaphore_lock_excludes_other_processes)
{
    expect_exclusion(RACE_SEMAPHORE);
}
END_TEST

START_TEST(mutex_lock_excludes_other_processes)
{
    expect_exclusion(RACE_MUTEX);
}
END_TEST

static void on_usr1(int sig)
{
    (void) sig;
}

START_TEST(semaphore_lock_retries_after_signal)
{
    struct race *r = new_race_checked(RACE_SEMAPHORE);
    struct holder h = start_holder(r);
    struct child c;
    char why[64];

    /* The waiter catches SIGUSR1 with a handler that returns: semop() then
       fails with EINTR, SA_RESTART or not.  The handler is set before the
       fork so that no signal can reach the child before it has one. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    ck_assert_msg(sigaction(SIGUSR1, &sa, &old) == 0, "sigaction: %s", strerror(errno));
    child_start(&c, job_lock_unlock, r, 0, 0);
    sigaction(SIGUSR1, &old, NULL);

    for (int i = 0; i < 20 && !child_wait(&c, 0.05); i++)
        kill(c.pid, SIGUSR1);
    ck_assert_msg(!c.ended, "race_lock(RACE_SEMAPHORE) while another process held the lock,"
                  " interrupted by signals: expected it to keep waiting, it returned %ld"
                  " (errno %d, %s)", c.rep.rc, c.rep.err, strerror(c.rep.err));
    release_holder(&h);
    int ended = child_wait(&c, LABTEST_PATIENCE_S);
    child_stop(&c);
    ck_assert_msg(ended && child_ok(&c) && c.rep.rc == 0, "race_lock(RACE_SEMAPHORE) after signals"
                  " and the holder's unlock: expected 0, got %ld (errno %d, %s; child %s)",
                  c.rep.rc, c.rep.err, strerror(c.rep.err), ended ? child_end(&c, why, sizeof why) :
                  "still waiting");
}
END_TEST

/* A holder SIGKILLed inside the critical section must not block the others:
   the next race_lock returns, and counting is exact afterwards. */
static void expect_survives_killed_holder(enum race_method method, const char *hint)
{
    struct race *r = new_race_checked(method);
    struct child c;
    char why[64];

    expect_exact(r, 2, 500);
    struct holder h = start_holder(r);
    kill_holder(&h);

    /* The first locker finds the dead holder's lock; the second finds
       whatever the first left (a mutex never made consistent is now
       ENOTRECOVERABLE). */
    for (int i = 1; i <= 2; i++) {
        child_start(&c, job_lock_unlock, r, 0, 0);
        int ended = child_wait(&c, LABTEST_PATIENCE_S);
        child_stop(&c);
        ck_assert_msg(ended, "%s: race_lock #%d after the lock's holder was SIGKILLed: expected it"
                      " to return, still waiting after %d s (%s)", method_name(method), i,
                      LABTEST_PATIENCE_S, hint);
        ck_assert_msg(child_ok(&c) && c.rep.rc == 0, "%s: race_lock/race_unlock #%d after the"
                      " holder was SIGKILLed: expected 0, got %ld (errno %d, %s; child %s)",
                      method_name(method), i, c.rep.rc, c.rep.err, strerror(c.rep.err),
                      child_end(&c, why, sizeof why));
    }
    expect_exact(r, 4, 500);
}

START_TEST(semaphore_survives_killed_holder)
{
    expect_survives_killed_holder(RACE_SEMAPHORE, "was the semaphore taken with SEM_UNDO?");
}
END_TEST

START_TEST(mutex_survives_killed_holder)
{
    expect_survives_killed_holder(RACE_MUTEX, "is the mutex robust, and is EOWNERDEAD handled?");
}
END_TEST

START_TEST(run_counts_failed_workers)
{
    /* Remove the semaphore set behind the race's back: every worker's
       race_lock fails, so every worker must exit 1 and be counted. */
    struct race *r = new_race_checked(RACE_SEMAPHORE);
    struct child c;
    char why[64];

    ck_assert_msg(semctl(r->semid, 0, IPC_RMID) == 0, "semctl IPC_RMID: %s", strerror(errno));
    child_start(&c, job_run, r, 3, 10);
    int ended = child_wait(&c, LABTEST_PATIENCE_S);
    child_stop(&c);
    r->semid = -1;              /* already gone: let race_destroy skip it */
    ck_assert_msg(ended && child_ok(&c), "race_run(r, 3, 10) with the semaphore set removed:"
                  " expected it to return, got %s", ended ? child_end(&c, why, sizeof why) :
                  "still running");
    ck_assert_msg(c.rep.rc == 3, "race_run(r, 3, 10) where every increment fails: expected 3"
                  " (failed workers), got %ld%s%s", c.rep.rc, c.rep.rc == -1 ? " with errno " : "",
                  c.rep.rc == -1 ? strerror(c.rep.err) : "");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(null_race_is_rejected_everywhere)
{
    expect_fail(race_run(NULL, 1, 1), EINVAL, "race_run(NULL, 1, 1)");
    expect_fail(race_lock(NULL), EINVAL, "race_lock(NULL)");
    expect_fail(race_unlock(NULL), EINVAL, "race_unlock(NULL)");
    expect_fail(race_increment(NULL), EINVAL, "race_increment(NULL)");
    expect_fail(race_read(NULL), EINVAL, "race_read(NULL)");
    expect_fail(race_destroy(NULL), EINVAL, "race_destroy(NULL)");
    expect_fail(race_create(NULL, RACE_MUTEX), EINVAL, "race_create(NULL, RACE_MUTEX)");
}
END_TEST

START_TEST(run_rejects_worker_count_bounds)
{
    struct race *r = new_race_checked(RACE_ATOMIC);
    struct race bad = { RACE_UNSAFE, -1, -1, NULL };

    expect_fail(race_create(&bad, (enum race_method) -1), EINVAL, "race_create(&r, -1)");
    expect_fail(race_create(&bad, (enum race_method) (RACE_MUTEX + 1)), EINVAL,
                "race_create(&r, RACE_MUTEX + 1)");
    expect_fail(race_run(r, -1, 1), EINVAL, "race_run(r, -1 workers, 1)");
    expect_fail(race_run(r, 1000, 1), EINVAL, "race_run(r, 1000 workers, 1)");
    expect_fail(race_run(r, 1, -1000), EINVAL, "race_run(r, 1, -1000 per worker)");
    /* The bounds themselves are allowed. */
    expect_exact(r, RACE_MAX_WORKERS, 1);
    expect_exact(r, 1, 0);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(failed_create_leaves_nothing)
{
    struct race r = { RACE_UNSAFE, -1, -1, NULL };
    int before[MAX_SEGMENTS], nbefore = list_segments(before, MAX_SEGMENTS);

    /* shmat fails: the segment shmget made must be removed again.  The
       harness makes the lab process's shmat() fail; what is left is counted
       here, in the kernel, not taken from the lab process's word. */
    lt_inject(LT_FAULT_SHMAT, ENOMEM);
    expect_fail(race_create(&r, RACE_ATOMIC), ENOMEM, "race_create(RACE_ATOMIC) with shmat failing");
    lt_inject(LT_FAULT_SHMAT, 0);
    int left = remove_new_segments(before, nbefore);
    ck_assert_msg(left == 0, "race_create(RACE_ATOMIC) failing in shmat: expected no segment left,"
                  " found %d", left);

    /* semget fails: the attached segment must be detached and removed. */
    lt_inject(LT_FAULT_SEMGET, ENOSPC);
    expect_fail(race_create(&r, RACE_SEMAPHORE), ENOSPC,
                "race_create(RACE_SEMAPHORE) with semget failing");
    lt_inject(LT_FAULT_SEMGET, 0);
    left = remove_new_segments(before, nbefore);
    ck_assert_msg(left == 0, "race_create(RACE_SEMAPHORE) failing in semget: expected no segment"
                  " left (detached and removed), found %d", left);

    /* And with nothing failing, it works. */
    ck_assert_msg(race_destroy(new_race_checked(RACE_SEMAPHORE)) == 0, "race_destroy: expected 0, got -1"
                  " (%s)", strerror(errno));
}
END_TEST

START_TEST(destroy_resets_handle_for_every_method)
{
    static const enum race_method all[] = { RACE_UNSAFE, RACE_ATOMIC, RACE_MUTEX };
    for (int i = 0; i < 3; i++) {
        struct race *r = new_race_checked(all[i]);
        int shmid = r->shmid;
        ck_assert_msg(race_destroy(r) == 0, "race_destroy(%s race): expected 0, got -1 (%s)",
                      method_name(all[i]), strerror(errno));
        expect_segment_gone(shmid, method_name(all[i]));
        ck_assert_msg(r->shmid == -1 && r->semid == -1 && r->shared == NULL,
                      "after race_destroy(%s race): expected shmid -1, semid -1, shared NULL;"
                      " got %d, %d, %p", method_name(all[i]), r->shmid, r->semid,
                      (void *) r->shared);
        expect_fail(race_read(r), EINVAL, "race_read after race_destroy");
    }
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("04-race hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, races_setup, races_teardown);
    tcase_add_test(core, unsafe_single_worker_is_exact);
    tcase_add_test(core, atomic_exact_for_many_shapes);
    tcase_add_test(core, semaphore_exact_for_many_shapes);
    tcase_add_test(core, mutex_exact_for_many_shapes);
    tcase_add_test(core, new_race_reads_zero);
    tcase_add_test(core, semaphore_lock_excludes_other_processes);
    tcase_add_test(core, mutex_lock_excludes_other_processes);
    tcase_add_test(core, semaphore_lock_retries_after_signal);
    tcase_add_test(core, semaphore_survives_killed_holder);
    tcase_add_test(core, mutex_survives_killed_holder);
    tcase_add_test(core, run_counts_failed_workers);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, races_setup, races_teardown);
    tcase_add_test(errors, null_race_is_rejected_everywhere);
    tcase_add_test(errors, run_rejects_worker_count_bounds);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, races_setup, races_teardown);
    tcase_add_test(cleanup, failed_create_leaves_nothing);
    tcase_add_test(cleanup, destroy_resets_handle_for_every_method);
    suite_add_tcase(s, cleanup);

    return s;
}
