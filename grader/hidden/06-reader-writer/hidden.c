/* hidden.c — Lab 06's hidden tests: the thorough ones the grader adds.

   Core:    each writer's order kept through the ring; a ring of 2 slots with
            four writers and four readers; the semaphores' starting values; a
            process killed holding the ring's mutex does not wedge the others,
            and one holding it keeps senders out;
            messages of a writer that has exited are still delivered; a
            process that exits leaves the semaphores as it found them; timed
            sends on a full ring time out; a timed wait keeps its deadline
            across signals; an untimed wait survives signals; destroying a
            channel wakes its waiters with EIDRM; the flag's timed calls.
   Errors:  NULL and destroyed channels everywhere.
   Cleanup: an rw_create() that fails half-way leaves nothing behind (the
            failure is injected: this file defines shmget(), shmat() and
            semget(), which pass through to the kernel unless a test asks them
            to fail); rw_destroy() of every kind resets the handle.

   Anything that waits for another process runs in a child with a deadline,
   so a wrong lab.c fails with a message instead of hanging the grader.

   $ make grade                         # public + hidden, every lab
   $ ./runner --run killed_lock_holder_does_not_wedge_ring */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
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

/* ---- Helpers (the shared ones are in tests/common.h) ------------------ */

static void hidden_setup(void)
{
    memset(kids, 0, sizeof kids);
    chans_setup();
}

static void hidden_teardown(void)
{
    kill_children();
    chans_teardown();
}

/* The values of the channel's three semaphores (GETALL). */
static void sem_values(const struct rw_chan *c, unsigned short v[RW_NSEMS])
{
    union { int val; struct semid_ds *buf; unsigned short *array; } arg = { .array = v };
    ck_assert_msg(semctl(c->semid, 0, GETALL, arg) == 0, "semctl(GETALL): %s", strerror(errno));
}

static void expect_sems(const struct rw_chan *c, int empty, int full, int mutex, const char *when)
{
    unsigned short v[RW_NSEMS];
    sem_values(c, v);
    ck_assert_msg(v[RW_SEM_EMPTY] == empty && v[RW_SEM_FULL] == full &&
                  (mutex < 0 || v[RW_SEM_MUTEX] == mutex),
                  "%s: expected EMPTY %d, FULL %d, MUTEX %d; got %d, %d, %d", when, empty, full,
                  mutex, v[RW_SEM_EMPTY], v[RW_SEM_FULL], v[RW_SEM_MUTEX]);
}

static void on_usr1(int sig)
{
    (void) sig;
}

/* Start a child (leading its own group) that catches SIGUSR1 without
   SA_RESTART and then calls rw_recv (timeout_ms < 0) or rw_recv_timed,
   and sends back a struct reply through the pipe *fd. */
static pid_t start_receiver(struct rw_chan *c, long timeout_ms, int *fd)
{
    int p[2], ready[2];
    ck_assert_msg(pipe(p) == 0 && pipe(ready) == 0, "pipe: %s", strerror(errno));
    /* The handler is set before the fork, so that the child (and the lab
       process that makes its calls) has it from the start. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;                    /* no SA_RESTART: semop gets EINTR */
    sigemptyset(&sa.sa_mask);
    ck_assert_msg(sigaction(SIGUSR1, &sa, &old) == 0, "sigaction: %s", strerror(errno));
    pid_t pid = fork();
    int fork_errno = errno;
    if (pid != 0)
        sigaction(SIGUSR1, &old, NULL);
    ck_assert_msg(pid != -1, "fork: %s", strerror(fork_errno));
    if (pid == 0) {
        setpgid(0, 0);
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        double t0 = rep.started = now();
        rep.rc = timeout_ms < 0 ? rw_recv(c, &rep.m) : rw_recv_timed(c, &rep.m, timeout_ms);
        rep.err = errno;
        rep.seconds = now() - t0;
        _exit(write(p[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
    }
    setpgid(pid, pid);
    track(pid);
    close(p[1]);
    close(ready[1]);
    char byte;
    struct pollfd pfd = { ready[0], POLLIN, 0 };
    int ok = poll(&pfd, 1, LABTEST_PATIENCE_S * 1000) == 1 && read(ready[0], &byte, 1) == 1;
    close(ready[0]);
    ck_assert_msg(ok, "the receiver child never started");
    *fd = p[0];
    return pid;
}

/* Wait for a child that sends back a struct reply through fd (a
   start_receiver or timed_send_in_child one) and read it; *ended says
   whether it finished within `seconds`. */
static struct reply finish_receiver(pid_t pid, int fd, double seconds, int *ended)
{
    int status;
    struct reply rep = { -2, 0, 0, 0, { 0, 0, { 0 } } };
    *ended = wait_or_kill(pid, seconds, &status);
    untrack(pid);
    if (*ended && read(fd, &rep, sizeof rep) != (ssize_t) sizeof rep)
        rep.rc = -2;
    close(fd);
    return rep;
}

/* rw_send_timed(c, writer 0 seq 0, ms) in a child with a deadline. */
static struct reply timed_send_in_child(struct rw_chan *c, long ms)
{
    int p[2];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        expected_msg(&rep.m, 0, 0);
        rep.rc = rw_send_timed(c, &rep.m, ms);
        rep.err = errno;
        _exit(write(p[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
    }
    close(p[1]);
    int ended;
    return finish_receiver(pid, p[0], LABTEST_PATIENCE_S, &ended);
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(ring_keeps_each_writers_order)
{
    traffic_exactly_once(new_chan(RW_RING, 3), 3, 150, 1);
}
END_TEST

START_TEST(small_ring_many_writers_many_readers)
{
    traffic_exactly_once(new_chan(RW_RING, 2), 4, 100, 4);
}
END_TEST

START_TEST(semaphores_start_at_documented_values)
{
    struct rw_chan *r = new_chan(RW_RING, 5), *s = new_chan(RW_SLOT, 1);
    expect_sems(r, 5, 0, 1, "a new RW_RING of 5 slots");
    expect_sems(s, 1, 0, -1, "a new RW_SLOT");
    ck_assert_msg(LT_READ(r->shared->nslots) == 5 && LT_READ(r->shared->in) == 0 &&
                  LT_READ(r->shared->out) == 0,
                  "a new RW_RING of 5 slots: expected nslots 5, in 0, out 0; got %u, %u, %u",
                  LT_READ(r->shared->nslots), LT_READ(r->shared->in), LT_READ(r->shared->out));
}
END_TEST

START_TEST(killed_lock_holder_does_not_wedge_ring)
{
    struct rw_chan *c = new_chan(RW_RING, 4);

    /* A process takes the ring's mutex and is killed before giving it back. */
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (rw_lock(c) == 0)
            raise(SIGKILL);
        _exit(1);
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status), "rw_lock on a free mutex:"
                  " still waiting after %d s", LABTEST_PATIENCE_S);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "a child calling rw_lock on a free mutex: expected it to get the lock (and be"
                  " killed holding it), but rw_lock failed");
    expect_sems(c, 4, 0, 1, "after the mutex holder was killed (SEM_UNDO gives it back)");

    /* The others carry on. */
    traffic_exactly_once(c, 2, 60, 2);
}
END_TEST

START_TEST(held_lock_blocks_senders)
{
    struct rw_chan *c = new_chan(RW_RING, 2);
    int go[2], held[2];
    ck_assert_msg(pipe(go) == 0 && pipe(held) == 0, "pipe: %s", strerror(errno));

    /* A child takes the ring's mutex and keeps it until told to let go. */
    pid_t holder = fork();
    ck_assert_msg(holder != -1, "fork: %s", strerror(errno));
    if (holder == 0) {
        setpgid(0, 0);
        char byte;
        if (rw_lock(c) == -1 || write(held[1], "L", 1) != 1 || read(go[0], &byte, 1) != 1)
            _exit(1);
        _exit(rw_unlock(c) == 0 ? 0 : 1);
    }
    setpgid(holder, holder);
    track(holder);
    close(held[1]);
    close(go[0]);
    char byte;
    struct pollfd pfd = { held[0], POLLIN, 0 };
    int locked = poll(&pfd, 1, LABTEST_PATIENCE_S * 1000) == 1 && read(held[0], &byte, 1) == 1;
    close(held[0]);
    if (!locked)
        close(go[1]);
    ck_assert_msg(locked, "a child calling rw_lock on a free mutex: expected it to get the lock");

    /* While it holds the mutex, a sender may take a free slot but must not
       get past the mutex: its timed send times out and gives the slot back. */
    struct reply rep = timed_send_in_child(c, 300);
    if (!(rep.rc == -1 && rep.err == ETIMEDOUT))
        close(go[1]);
    ck_assert_msg(rep.rc == -1 && rep.err == ETIMEDOUT, "rw_send_timed(300 ms) while another"
                  " process holds the ring's mutex: expected -1 with ETIMEDOUT, got %d with errno"
                  " %d (%s)", rep.rc, rep.err, strerror(rep.err));
    unsigned short v[RW_NSEMS];
    sem_values(c, v);
    if (v[RW_SEM_EMPTY] != 2 || v[RW_SEM_FULL] != 0)
        close(go[1]);
    ck_assert_msg(v[RW_SEM_EMPTY] == 2 && v[RW_SEM_FULL] == 0, "after a send timed out waiting"
                  " for the mutex: expected EMPTY 2 (the slot given back) and FULL 0, got %d, %d",
                  v[RW_SEM_EMPTY], v[RW_SEM_FULL]);

    /* Let go: now the same send works. */
    ck_assert_msg(write(go[1], "g", 1) == 1, "write: %s", strerror(errno));
    close(go[1]);
    int status, ended = wait_deadline(holder, LABTEST_PATIENCE_S, &status);
    ck_assert_msg(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the mutex holder's rw_unlock: expected it to succeed");
    untrack(holder);
    rep = timed_send_in_child(c, 2000);
    ck_assert_msg(rep.rc == 0, "rw_send_timed once the mutex is free: expected 0, got %d (errno %d,"
                  " %s)", rep.rc, rep.err, strerror(rep.err));
    expect_sems(c, 1, 1, 1, "after one message sent into a ring of 2");
}
END_TEST

START_TEST(exited_writer_messages_still_delivered)
{
    struct rw_chan *c = new_chan(RW_RING, 4);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        for (int s = 0; s < 3; s++) {
            struct rw_msg m;
            expected_msg(&m, 2, s);
            if (rw_send(c, &m) == -1)
                _exit(1);
        }
        _exit(0);
    }
    int status, ended = wait_or_kill(pid, LABTEST_PATIENCE_S, &status);
    ck_assert_msg(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a writer sending 3 messages into an empty ring of 4: expected it to succeed");
    /* Its FULL tokens outlive it: no SEM_UNDO on EMPTY and FULL. */
    expect_sems(c, 1, 3, 1, "after a writer sent 3 messages into a ring of 4 and exited");
    for (int s = 0; s < 3; s++) {
        int fd;
        pid_t r = start_receiver(c, 2000, &fd);
        struct reply rep = finish_receiver(r, fd, LABTEST_PATIENCE_S, &ended);
        struct rw_msg want;
        expected_msg(&want, 2, s);
        ck_assert_msg(ended && rep.rc == 0 && memcmp(&want, &rep.m, sizeof want) == 0,
                      "receiving message %d of a writer that has exited: expected writer 2 seq %d,"
                      " got rc %d (errno %d, %s), writer %d seq %d", s, s, rep.rc, rep.err,
                      strerror(rep.err), rep.m.writer, rep.m.seq);
    }
}
END_TEST

START_TEST(exited_process_leaves_semaphores_balanced)
{
    /* A process that sent and received 50 times each, then exited: the
       kernel's undo adjustment must be 0, or exit() shifts the values. */
    struct rw_chan *c = new_chan(RW_RING, 2);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        for (int s = 0; s < 50; s++) {
            struct rw_msg m;
            expected_msg(&m, 0, s);
            if (rw_send(c, &m) == -1 || rw_recv(c, &m) == -1 || !msg_is_whole(&m))
                _exit(1);
        }
        if (rw_lock(c) == -1 || rw_unlock(c) == -1)
            _exit(1);
        _exit(0);
    }
    int status, ended = wait_or_kill(pid, LABTEST_PATIENCE_S, &status);
    ck_assert_msg(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a child sending and receiving 50 messages on a ring of 2: expected success, %s",
                  ended ? "it failed" : "it never finished");
    expect_sems(c, 2, 0, 1, "after a process sent and received 50 messages and exited");
}
END_TEST

START_TEST(send_timed_on_full_ring_times_out)
{
    struct rw_chan *c = new_chan(RW_RING, 2);
    struct rw_msg m;
    for (int s = 0; s < 2; s++) {
        expected_msg(&m, 1, s);
        errno = 0;
        int rc = rw_send_timed(c, &m, 1000);
        ck_assert_msg(rc == 0, "rw_send_timed #%d into a ring of 2: expected 0, got %d (%s)", s + 1,
                      rc, strerror(errno));
    }
    expected_msg(&m, 1, 2);
    double t0 = now();
    errno = 0;
    int rc = rw_send_timed(c, &m, 300);
    int err = errno;
    double took = now() - t0;
    ck_assert_msg(rc == -1 && err == ETIMEDOUT, "rw_send_timed(300 ms) into a full ring: expected"
                  " -1 with ETIMEDOUT, got %d with errno %d (%s)", rc, err, strerror(err));
    ck_assert_msg(took >= 0.29, "rw_send_timed(300 ms): expected to wait 0.3 s, gave up after"
                  " %.3f s", took);
    expect_sems(c, 0, 2, 1, "after a timed-out send into a full ring of 2");
    errno = 0;
    rc = rw_recv_timed(c, &m, 1000);
    struct rw_msg want;
    expected_msg(&want, 1, 0);
    ck_assert_msg(rc == 0 && memcmp(&want, &m, sizeof want) == 0, "rw_recv_timed after the"
                  " time-out: expected writer 1 seq 0, got rc %d (%s), writer %d seq %d", rc,
                  strerror(errno), m.writer, m.seq);
    /* A timeout of 0 only tries (lab.h): it moves a message that can move
       at once, and fails with ETIMEDOUT at once otherwise. */
    expected_msg(&m, 1, 3);
    errno = 0;
    rc = rw_send_timed(c, &m, 0);
    ck_assert_msg(rc == 0, "rw_send_timed(0 ms) into a ring with room: expected 0, got %d (%s)", rc,
                  strerror(errno));
    expected_msg(&m, 1, 4);
    errno = 0;
    rc = rw_send_timed(c, &m, 0);
    err = errno;
    ck_assert_msg(rc == -1 && err == ETIMEDOUT, "rw_send_timed(0 ms) into a full ring: expected -1 with"
                  " ETIMEDOUT, got %d with errno %d (%s)", rc, err, strerror(err));
    for (int k = 0; k < 2; k++) {
        errno = 0;
        rc = rw_recv_timed(c, &m, 0);
        ck_assert_msg(rc == 0, "rw_recv_timed(0 ms) #%d with a message there: expected 0, got %d (%s)",
                      k + 1, rc, strerror(errno));
    }
    errno = 0;
    rc = rw_recv_timed(c, &m, 0);
    err = errno;
    ck_assert_msg(rc == -1 && err == ETIMEDOUT, "rw_recv_timed(0 ms) on an empty ring: expected -1 with"
                  " ETIMEDOUT, got %d with errno %d (%s)", rc, err, strerror(err));
}
END_TEST

START_TEST(timed_wait_keeps_deadline_across_signals)
{
    struct rw_chan *c = new_chan(RW_SLOT, 1);
    int fd;
    pid_t pid = start_receiver(c, 1000, &fd);
    sleep_s(0.3);
    kill(pid, SIGUSR1);
    sleep_s(0.3);
    kill(pid, SIGUSR1);
    double last_signal = now();
    int ended;
    struct reply rep = finish_receiver(pid, fd, LABTEST_PATIENCE_S, &ended);
    ck_assert_msg(ended, "rw_recv_timed(1000 ms) interrupted by two signals: still waiting after"
                  " %d s", LABTEST_PATIENCE_S);
    ck_assert_msg(rep.rc == -1 && rep.err == ETIMEDOUT, "rw_recv_timed(1000 ms) interrupted by two"
                  " signals: expected -1 with ETIMEDOUT, got %d with errno %d (%s)", rep.rc,
                  rep.err, strerror(rep.err));
    /* Not a fixed upper bound (a slow machine wakes late): a call that
       restarts its full timeout after a signal cannot end before 1 s after
       the last signal was sent; one that keeps its deadline ends about
       0.4 s before that. */
    double ended_at = rep.started + rep.seconds;
    ck_assert_msg(rep.seconds >= 0.99 && ended_at < last_signal + 1.0,
                  "rw_recv_timed(1000 ms) interrupted at 0.3 s and 0.6 s: expected to give up at"
                  " 1.0 s, gave up after %.3f s%s", rep.seconds,
                  ended_at >= last_signal + 1.0 ? ", a full second after the last signal"
                  " (restarting the full timeout after each signal?)" : "");
}
END_TEST

START_TEST(blocked_reader_survives_signals)
{
    struct rw_chan *c = new_chan(RW_RING, 2);
    int fd;
    pid_t pid = start_receiver(c, -1, &fd);
    for (int i = 0; i < 3; i++) {
        sleep_s(0.15);
        kill(pid, SIGUSR1);
    }
    sleep_s(0.15);
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
        untrack(pid);
        struct reply rep = { -2, 0, 0, 0, { 0, 0, { 0 } } };
        if (read(fd, &rep, sizeof rep) != (ssize_t) sizeof rep)
            rep.rc = -2;
        close(fd);
        ck_assert_msg(0, "rw_recv on an empty ring, interrupted by SIGUSR1: expected it to keep"
                      " waiting, it returned %d (errno %d, %s)", rep.rc, rep.err,
                      strerror(rep.err));
    }
    send_bounded(c, 3, 9);
    int ended;
    struct reply rep = finish_receiver(pid, fd, LABTEST_PATIENCE_S, &ended);
    struct rw_msg want;
    expected_msg(&want, 3, 9);
    ck_assert_msg(ended && rep.rc == 0 && memcmp(&want, &rep.m, sizeof want) == 0,
                  "a reader interrupted by signals, then sent a message: expected writer 3 seq 9,"
                  " got rc %d (errno %d, %s)%s", rep.rc, rep.err, strerror(rep.err),
                  ended ? "" : ", still waiting");
}
END_TEST

START_TEST(destroy_wakes_waiting_reader_with_eidrm)
{
    struct rw_chan *c = new_chan(RW_RING, 2);
    int fd;
    pid_t pid = start_receiver(c, -1, &fd);
    sleep_s(0.3);
    ck_assert_msg(rw_destroy(c) == 0, "rw_destroy: expected 0, got -1 (%s)", strerror(errno));
    int ended;
    struct reply rep = finish_receiver(pid, fd, LABTEST_PATIENCE_S, &ended);
    ck_assert_msg(ended, "a reader waiting on a destroyed ring: still waiting after %d s",
                  LABTEST_PATIENCE_S);
    ck_assert_msg(rep.rc == -1 && rep.err == EIDRM, "a reader waiting on a ring that is destroyed:"
                  " expected -1 with EIDRM, got %d with errno %d (%s)", rep.rc, rep.err,
                  strerror(rep.err));
}
END_TEST

START_TEST(flag_timed_calls_time_out_and_deliver)
{
    struct rw_chan *c = new_chan(RW_FLAG, 1);
    struct rw_msg m, want;
    expected_msg(&m, 0, 5);
    errno = 0;
    int rc = rw_send_timed(c, &m, 1000);
    ck_assert_msg(rc == 0, "rw_send_timed into an empty RW_FLAG: expected 0, got %d (%s)", rc,
                  strerror(errno));
    ck_assert_msg(LT_READ(c->shared->written) == 1, "after a send on RW_FLAG: expected"
                  " written 1, got %d", LT_READ(c->shared->written));
    expect_fail(rw_send_timed(c, &m, 200), ETIMEDOUT, "rw_send_timed(200 ms) into a full RW_FLAG");
    memset(&m, 0, sizeof m);
    rc = rw_recv_timed(c, &m, 1000);
    expected_msg(&want, 0, 5);
    ck_assert_msg(rc == 0 && memcmp(&want, &m, sizeof want) == 0, "rw_recv_timed on RW_FLAG:"
                  " expected writer 0 seq 5, got rc %d, writer %d seq %d", rc, m.writer, m.seq);
    ck_assert_msg(LT_READ(c->shared->written) == 0, "after a receive on RW_FLAG: expected"
                  " written 0, got %d", LT_READ(c->shared->written));
    expect_fail(rw_recv_timed(c, &m, 200), ETIMEDOUT, "rw_recv_timed(200 ms) on an empty RW_FLAG");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(null_and_destroyed_channel_rejected)
{
    struct rw_chan *c = new_chan(RW_RING, 2);
    struct rw_msg m;
    expected_msg(&m, 0, 0);
    expect_fail(rw_lock(NULL), EINVAL, "rw_lock(NULL)");
    expect_fail(rw_unlock(NULL), EINVAL, "rw_unlock(NULL)");
    expect_fail(rw_send(NULL, &m), EINVAL, "rw_send(NULL, &m)");
    expect_fail(rw_send_timed(NULL, &m, 10), EINVAL, "rw_send_timed(NULL, &m, 10)");
    expect_fail(rw_send_timed(c, NULL, 10), EINVAL, "rw_send_timed(c, NULL, 10)");
    expect_fail(rw_send_timed(c, &m, -5), EINVAL, "rw_send_timed(c, &m, -5 ms)");
    expect_fail(rw_recv_timed(c, NULL, 10), EINVAL, "rw_recv_timed(c, NULL, 10)");
    expect_fail(rw_msg_make(NULL, 0, 0), EINVAL, "rw_msg_make(NULL, 0, 0)");
    ck_assert_msg(rw_destroy(c) == 0, "rw_destroy: expected 0, got -1 (%s)", strerror(errno));
    expect_fail(rw_send(c, &m), EINVAL, "rw_send on a destroyed channel");
    expect_fail(rw_recv(c, &m), EINVAL, "rw_recv on a destroyed channel");
    expect_fail(rw_lock(c), EINVAL, "rw_lock on a destroyed channel");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(failed_create_leaves_nothing)
{
    struct rw_chan c = { RW_FLAG, -1, -1, NULL };
    int before[MAX_SEGMENTS], nbefore = list_segments(before, MAX_SEGMENTS);

    /* shmat fails: the segment shmget made must be removed again.  What is
       left is counted here, in the kernel. */
    lt_inject(LT_FAULT_SHMAT, ENOMEM);
    expect_fail(rw_create(&c, RW_FLAG, 1), ENOMEM, "rw_create(RW_FLAG) with shmat failing");
    lt_inject(LT_FAULT_SHMAT, 0);
    int left = remove_new_segments(before, nbefore);
    ck_assert_msg(left == 0, "rw_create(RW_FLAG) failing in shmat: expected no segment left,"
                  " found %d", left);

    /* semget fails: the attached segment must be detached and removed. */
    lt_inject(LT_FAULT_SEMGET, ENOSPC);
    expect_fail(rw_create(&c, RW_RING, 4), ENOSPC, "rw_create(RW_RING) with semget failing");
    lt_inject(LT_FAULT_SEMGET, 0);
    left = remove_new_segments(before, nbefore);
    ck_assert_msg(left == 0, "rw_create(RW_RING) failing in semget: expected no segment left"
                  " (detached and removed), found %d", left);
    ck_assert_msg(c.shmid == -1 && c.semid == -1 && c.shared == NULL, "after a failed rw_create:"
                  " expected shmid -1, semid -1, shared NULL; got %d, %d, %p", c.shmid, c.semid,
                  (void *) c.shared);
    /* And with nothing failing, it works. */
    ck_assert_msg(rw_destroy(new_chan(RW_RING, 4)) == 0, "rw_destroy: expected 0, got -1 (%s)",
                  strerror(errno));
}
END_TEST

START_TEST(destroy_resets_handle_for_every_kind)
{
    static const enum rw_kind all[] = { RW_FLAG, RW_SLOT };
    for (int i = 0; i < 2; i++) {
        struct rw_chan *c = new_chan(all[i], 1);
        int shmid = c->shmid;
        ck_assert_msg(rw_destroy(c) == 0, "rw_destroy(%s): expected 0, got -1 (%s)",
                      kind_name(all[i]), strerror(errno));
        ck_assert_msg(c->shmid == -1 && c->semid == -1 && c->shared == NULL,
                      "after rw_destroy(%s): expected shmid -1, semid -1, shared NULL",
                      kind_name(all[i]));
        expect_segment_gone(shmid, kind_name(all[i]));
    }
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("06-reader-writer hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, hidden_setup, hidden_teardown);
    tcase_add_test(core, ring_keeps_each_writers_order);
    tcase_add_test(core, small_ring_many_writers_many_readers);
    tcase_add_test(core, semaphores_start_at_documented_values);
    tcase_add_test(core, killed_lock_holder_does_not_wedge_ring);
    tcase_add_test(core, held_lock_blocks_senders);
    tcase_add_test(core, exited_writer_messages_still_delivered);
    tcase_add_test(core, exited_process_leaves_semaphores_balanced);
    tcase_add_test(core, send_timed_on_full_ring_times_out);
    tcase_add_test(core, timed_wait_keeps_deadline_across_signals);
    tcase_add_test(core, blocked_reader_survives_signals);
    tcase_add_test(core, destroy_wakes_waiting_reader_with_eidrm);
    tcase_add_test(core, flag_timed_calls_time_out_and_deliver);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, hidden_setup, hidden_teardown);
    tcase_add_test(errors, null_and_destroyed_channel_rejected);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, hidden_setup, hidden_teardown);
    tcase_add_test(cleanup, failed_create_leaves_nothing);
    tcase_add_test(cleanup, destroy_resets_handle_for_every_kind);
    suite_add_tcase(s, cleanup);

    return s;
}
