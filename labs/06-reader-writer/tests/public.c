/* public.c — Lab 06's public tests: from a racy `written` flag to a correct
   channel.

   Core:    the flag channel is right for one writer and one reader; the slot
            and the ring deliver every message exactly once, unmixed, with
            several writers and readers; a reader waiting on an empty channel
            sleeps (its CPU time is measured) until a message arrives; a timed
            receive on an empty channel fails with ETIMEDOUT.
   Errors:  bad arguments give -1 and EINVAL.
   Cleanup: rw_destroy() removes the segment and the semaphore set; a second
            destroy fails.

   Writers and readers are child processes in one process group with a
   deadline, so a lost message or a wait that never ends fails the test with
   a count instead of hanging it.  Readers log what they got in a shared
   anonymous mapping; the test checks every message itself.  That machinery,
   the fixture and the other shared helpers are in tests/common.h.

   $ make check LAB=6                               # all public tests
   $ ./runner --run ring_delivers_every_message_once  # one (after make check) */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Helpers (the shared ones are in tests/common.h) ------------------ */

/* Process pid's state letter and CPU seconds (user + system) so far, from
   /proc/PID/stat fields 3, 14 and 15 (proc(5)).  Returns 0, or -1. */
static int proc_stat(pid_t pid, char *state, double *cpu)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long) pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');                /* the command name may hold spaces */
    unsigned long utime, stime;
    if (p == NULL || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                            state, &utime, &stime) != 3)
        return -1;
    *cpu = (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
    return 0;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(flag_one_writer_one_reader_in_order)
{
    /* Seed 004's protocol is right for exactly one writer and one reader
       (make demo LAB=6 shows two writers losing messages). */
    traffic_exactly_once(new_chan(RW_FLAG, 1), 1, 200, 1);
}
END_TEST

START_TEST(slot_delivers_every_message_once)
{
    traffic_exactly_once(new_chan(RW_SLOT, 1), 2, 150, 2);
}
END_TEST

START_TEST(ring_delivers_every_message_once)
{
    traffic_exactly_once(new_chan(RW_RING, 4), 3, 200, 2);
}
END_TEST

START_TEST(reader_blocks_without_busy_waiting)
{
    struct rw_chan *c = new_chan(RW_SLOT, 1);
    int ready[2], result[2];
    ck_assert_msg(pipe(ready) == 0 && pipe(result) == 0, "pipe: %s", strerror(errno));

    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        rep.rc = rw_recv(c, &rep.m);
        rep.err = errno;
        _exit(write(result[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
    }
    close(ready[1]);
    close(result[1]);
    char byte;
    struct pollfd pfd = { ready[0], POLLIN, 0 };
    ck_assert_msg(poll(&pfd, 1, LABTEST_PATIENCE_S * 1000) == 1 && read(ready[0], &byte, 1) == 1,
                  "the reader child never started");

    /* Let it reach its wait (the first time it sleeps, however slow this
       machine: a fixed nap was too short under valgrind on a loaded one),
       then watch it for a second of wall time: how much CPU it uses, and
       how often it is running or waiting to run (state R).  On a busy
       machine a spinning reader may get little CPU, but it is always
       runnable; a sleeping one is always S. */
    char state = 'R';
    double cpu0, cpu1;
    int samples = 0, running = 0, status;
    double t0 = now();
    pid_t reader = lt_peer(pid);               /* the lab process making the call */
    while (proc_stat(reader, &state, &cpu0) == 0 && state != 'S' && now() - t0 < LABTEST_PATIENCE_S)
        sleep_s(0.005);
    ck_assert_msg(proc_stat(reader, &state, &cpu0) == 0, "could not read /proc/%ld/stat", (long) reader);
    for (int i = 0; i < 100; i++) {
        sleep_s(0.01);
        if (proc_stat(reader, &state, &cpu1) == 0 && state != 'Z') {
            samples++;
            running += state == 'R';
        }
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
        struct reply rep = { -2, 0, 0, 0, { 0, 0, { 0 } } };
        ssize_t n = read(result[0], &rep, sizeof rep);
        close(ready[0]);
        close(result[0]);
        ck_assert_msg(0, "rw_recv on an empty RW_SLOT: expected it to wait for a message,"
                      " it returned %d (errno %d, %s)", n == (ssize_t) sizeof rep ? rep.rc : -2,
                      rep.err, strerror(rep.err));
    }
    if (cpu1 - cpu0 > 0.25 || running > samples / 5) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close(ready[0]);
        close(result[0]);
        ck_assert_msg(0, "a reader waiting 1 s on an empty RW_SLOT used %.2f s of CPU and was"
                      " runnable in %d of %d looks: expected under 0.25 s and at most 1 in 5"
                      " (it should sleep in semop, not poll)", cpu1 - cpu0, running, samples);
    }

    /* Now send: the sleeping reader must wake up with exactly that message. */
    send_bounded(c, 1, 7);
    int ended = wait_or_kill(pid, LABTEST_PATIENCE_S, &status);
    struct reply rep = { -2, 0, 0, 0, { 0, 0, { 0 } } };
    ssize_t n = ended ? read(result[0], &rep, sizeof rep) : 0;
    close(ready[0]);
    close(result[0]);
    ck_assert_msg(ended, "the waiting reader did not wake up within %d s of a message being sent",
                  LABTEST_PATIENCE_S);
    ck_assert_msg(n == (ssize_t) sizeof rep && rep.rc == 0,
                  "the waiting reader's rw_recv: expected 0, got %d (errno %d, %s)", rep.rc,
                  rep.err, strerror(rep.err));
    struct rw_msg want;
    expected_msg(&want, 1, 7);
    ck_assert_msg(memcmp(&want, &rep.m, sizeof want) == 0,
                  "the waiting reader got writer %d seq %d, expected writer 1 seq 7 unchanged",
                  rep.m.writer, rep.m.seq);
}
END_TEST

START_TEST(recv_timed_on_empty_times_out)
{
    struct rw_chan *c = new_chan(RW_SLOT, 1);
    int fd[2];
    ck_assert_msg(pipe(fd) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        double t0 = now();
        rep.rc = rw_recv_timed(c, &rep.m, 300);
        rep.err = errno;
        rep.seconds = now() - t0;
        _exit(write(fd[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
    }
    close(fd[1]);
    int status, ended = wait_or_kill(pid, LABTEST_PATIENCE_S, &status);
    struct reply rep = { -2, 0, 0, 0, { 0, 0, { 0 } } };
    ssize_t n = ended ? read(fd[0], &rep, sizeof rep) : 0;
    close(fd[0]);
    ck_assert_msg(ended, "rw_recv_timed(300 ms) on an empty RW_SLOT: still waiting after %d s",
                  LABTEST_PATIENCE_S);
    ck_assert_msg(n == (ssize_t) sizeof rep && rep.rc == -1 && rep.err == ETIMEDOUT,
                  "rw_recv_timed(300 ms) on an empty RW_SLOT: expected -1 with ETIMEDOUT,"
                  " got %d with errno %d (%s)", rep.rc, rep.err, strerror(rep.err));
    ck_assert_msg(rep.seconds >= 0.29, "rw_recv_timed(300 ms): expected to wait 0.3 s, gave up"
                  " after %.3f s", rep.seconds);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(create_rejects_bad_arguments)
{
    struct rw_chan c = { RW_RING, -1, -1, NULL };
    expect_fail(rw_create(NULL, RW_RING, 4), EINVAL, "rw_create(NULL, RW_RING, 4)");
    expect_fail(rw_create(&c, (enum rw_kind) 42, 1), EINVAL, "rw_create(&c, 42, 1)");
    expect_fail(rw_create(&c, RW_RING, 0), EINVAL, "rw_create(&c, RW_RING, 0 slots)");
    expect_fail(rw_create(&c, RW_RING, RW_SLOTS_MAX + 1), EINVAL,
                "rw_create(&c, RW_RING, RW_SLOTS_MAX + 1)");
    expect_fail(rw_create(&c, RW_SLOT, 2), EINVAL, "rw_create(&c, RW_SLOT, 2 slots)");
    expect_fail(rw_create(&c, RW_FLAG, 2), EINVAL, "rw_create(&c, RW_FLAG, 2 slots)");
    /* ... and a good call still works, with the semaphores it promises. */
    struct rw_chan *r = new_chan(RW_RING, RW_SLOTS_MAX);
    ck_assert_msg(r->semid != -1, "rw_create(RW_RING, RW_SLOTS_MAX): expected a semaphore set,"
                  " semid is -1");
}
END_TEST

START_TEST(lock_refuses_flag_and_slot)
{
    struct rw_chan *f = new_chan(RW_FLAG, 1), *s = new_chan(RW_SLOT, 1);
    struct rw_msg m;
    expect_fail(rw_lock(f), EINVAL, "rw_lock on an RW_FLAG channel");
    expect_fail(rw_unlock(s), EINVAL, "rw_unlock on an RW_SLOT channel");
    expect_fail(rw_send(s, NULL), EINVAL, "rw_send(c, NULL)");
    expect_fail(rw_recv(NULL, &m), EINVAL, "rw_recv(NULL, &m)");
    expect_fail(rw_recv_timed(s, &m, -1), EINVAL, "rw_recv_timed(c, &m, -1 ms)");
    /* ... and the slot still works: a timed send into an empty slot. */
    expected_msg(&m, 0, 0);
    errno = 0;
    int rc = rw_send_timed(s, &m, 1000);
    ck_assert_msg(rc == 0, "rw_send_timed into an empty RW_SLOT: expected 0, got %d (%s)", rc,
                  strerror(errno));
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(destroy_removes_segment_and_semaphores)
{
    struct rw_chan *c = new_chan(RW_RING, 8);
    int shmid = c->shmid, semid = c->semid;
    struct shmid_ds ds;
    struct semid_ds sds;
    union { int val; struct semid_ds *buf; } arg = { .buf = &sds };

    ck_assert_msg(semid != -1, "rw_create(RW_RING, 8): expected a semaphore set, semid is -1");
    ck_assert_msg(rw_destroy(c) == 0, "rw_destroy: expected 0, got -1 (%s)", strerror(errno));
    errno = 0;
    int rc = shmctl(shmid, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed channel's segment: expected -1/EINVAL, got %d (%s)%s",
                  rc, strerror(errno), rc == 0 && (ds.shm_perm.mode & SHM_DEST) ?
                  " - marked for removal but still attached: shmdt first" : "");
    errno = 0;
    rc = semctl(semid, 0, IPC_STAT, arg);
    ck_assert_msg(rc == -1 && (errno == EINVAL || errno == EIDRM),
                  "IPC_STAT on the destroyed channel's semaphore set: expected -1/EINVAL, got %d (%s)",
                  rc, strerror(errno));
    ck_assert_msg(c->shmid == -1 && c->semid == -1 && c->shared == NULL,
                  "after rw_destroy: expected shmid -1, semid -1, shared NULL; got %d, %d, %p",
                  c->shmid, c->semid, (void *) c->shared);
}
END_TEST

START_TEST(destroy_twice_fails_with_einval)
{
    struct rw_chan *c = new_chan(RW_SLOT, 1);
    ck_assert_msg(rw_destroy(c) == 0, "first rw_destroy: expected 0, got -1 (%s)", strerror(errno));
    expect_fail(rw_destroy(c), EINVAL, "second rw_destroy of the same channel");
    expect_fail(rw_destroy(NULL), EINVAL, "rw_destroy(NULL)");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("06-reader-writer public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, chans_setup, chans_teardown);
    tcase_add_test(core, flag_one_writer_one_reader_in_order);
    tcase_add_test(core, slot_delivers_every_message_once);
    tcase_add_test(core, ring_delivers_every_message_once);
    tcase_add_test(core, reader_blocks_without_busy_waiting);
    tcase_add_test(core, recv_timed_on_empty_times_out);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, chans_setup, chans_teardown);
    tcase_add_test(errors, create_rejects_bad_arguments);
    tcase_add_test(errors, lock_refuses_flag_and_slot);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, chans_setup, chans_teardown);
    tcase_add_test(cleanup, destroy_removes_segment_and_semaphores);
    tcase_add_test(cleanup, destroy_twice_fails_with_einval);
    suite_add_tcase(s, cleanup);

    return s;
}
