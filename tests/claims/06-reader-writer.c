/* 06-reader-writer.c — claims suite for handouts/en/06-reader-writer.md:
   every statement the handout makes about the kernel or libc, asserted on
   the machine it runs on.

   Each test names the handout section it backs.  Nothing here uses the lab's
   code.  Timing never decides a result: a waiter is known to be waiting from
   the kernel's own counter (GETNCNT), and "it sleeps" from its state in
   /proc/PID/stat, not from a stopwatch.

   Runs natively, in the host's IPC namespace: it makes only IPC_PRIVATE
   objects, lists every semaphore set in a page shared with main(), which
   removes them after the run (even after a failed test), and removes each
   segment as soon as it is attached.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/06-reader-writer.c $(pkg-config --cflags --libs check) -o claims-06
   $ ./claims-06
   100%: Checks: 13, Failures: 0, Errors: 0 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OBJ_PERMS (S_IRUSR | S_IWUSR)

union semun {                   /* the caller defines it (semctl(2)) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static struct {
    _Atomic int n;
    int id[64];
} *made;

static int new_sem(int nsems)
{
    int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "semget: %s", strerror(errno));
    int slot = atomic_fetch_add(&made->n, 1);
    if (slot < 64)
        made->id[slot] = id;
    return id;
}

static void set_val(int id, int num, int value)
{
    union semun arg = { .val = value };
    ck_assert_msg(semctl(id, num, SETVAL, arg) == 0, "SETVAL: %s", strerror(errno));
}

static int get_val(int id, int num)
{
    int v = semctl(id, num, GETVAL);
    ck_assert_msg(v != -1, "GETVAL: %s", strerror(errno));
    return v;
}

static int op(int id, int num, int delta, int flg)
{
    struct sembuf sb = { .sem_num = (unsigned short) num, .sem_op = (short) delta,
                         .sem_flg = (short) flg };
    return semop(id, &sb, 1);
}

static int wait_child(pid_t pid)
{
    int status;
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    return status;
}

/* Wait until `n` processes wait for semaphore num to grow (GETNCNT). */
static void until_waiting(int id, int num, int n)
{
    struct timespec tick = { 0, 1000000 };
    for (int i = 0; i < 20000 && semctl(id, num, GETNCNT) != n; i++)
        nanosleep(&tick, NULL);
    ck_assert_msg(semctl(id, num, GETNCNT) == n, "expected %d waiter(s) (GETNCNT)", n);
}

/* Background, "Timed waits": semtimedop(2) reports a timeout as EAGAIN, not
   ETIMEDOUT.  (The lab turns it into ETIMEDOUT, as lab.h promises.) */
START_TEST(semtimedop_timeout_is_eagain)
{
    int id = new_sem(1);
    struct sembuf sb = { 0, -1, 0 };
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    errno = 0;
    int rc = semtimedop(id, &sb, 1, &ts);
    ck_assert_msg(rc == -1 && errno == EAGAIN, "semtimedop timing out: expected -1/EAGAIN, got"
                  " %d/%s", rc, strerror(errno));
}
END_TEST

/* Background, "Timed waits": a zero timeout only tries: it fails at once
   with EAGAIN when the operation would wait, and succeeds when it would not. */
START_TEST(semtimedop_zero_timeout_only_tries)
{
    int id = new_sem(1);
    struct sembuf sb = { 0, -1, 0 };
    struct timespec zero = { 0, 0 };
    errno = 0;
    int rc = semtimedop(id, &sb, 1, &zero);
    ck_assert_msg(rc == -1 && errno == EAGAIN, "zero timeout on a 0 semaphore: expected"
                  " -1/EAGAIN, got %d/%s", rc, strerror(errno));
    set_val(id, 0, 1);
    rc = semtimedop(id, &sb, 1, &zero);
    ck_assert_msg(rc == 0 && get_val(id, 0) == 0, "zero timeout on a 1 semaphore: expected the"
                  " -1 to happen, got %d/%s", rc, strerror(errno));
}
END_TEST

static void on_usr1(int sig)
{
    (void) sig;
}

/* Background, "Semaphores: the calls and how they fail": a handler
   interrupts a waiting semop with EINTR even when installed with SA_RESTART
   (signal(7): System V IPC calls are never restarted), so the lab retries. */
START_TEST(semop_eintr_despite_sa_restart)
{
    int id = new_sem(1);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        int rc = op(id, 0, -1, 0);
        _exit(rc == -1 && errno == EINTR ? 0 : 1);
    }
    until_waiting(id, 0, 1);
    kill(pid, SIGUSR1);
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "semop interrupted by an SA_RESTART handler: expected -1/EINTR");
}
END_TEST

/* Background, "Semaphores: the calls and how they fail": a process waiting
   in semop sleeps (state S in /proc/PID/stat, proc(5)): it is not on a run
   queue and uses no CPU. */
START_TEST(waiting_in_semop_sleeps)
{
    int id = new_sem(1);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0)
        _exit(op(id, 0, -1, 0) == 0 ? 0 : 1);
    until_waiting(id, 0, 1);
    char path[64], buf[512], state = '?';
    snprintf(path, sizeof path, "/proc/%ld/stat", (long) pid);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p != NULL)
        sscanf(p + 1, " %c", &state);
    set_val(id, 0, 1);
    wait_child(pid);
    ck_assert_msg(state == 'S', "a process waiting in semop: expected state S, got %c", state);
}
END_TEST

/* Background, "Semaphores: the calls and how they fail": a new semaphore set
   starts at 0 on Linux (POSIX leaves it undefined, so the lab sets every
   value with SETALL). */
START_TEST(new_semaphores_start_at_zero)
{
    int id = new_sem(3);
    unsigned short v[3] = { 9, 9, 9 };
    union semun arg = { .array = v };
    ck_assert_msg(semctl(id, 0, GETALL, arg) == 0, "GETALL: %s", strerror(errno));
    ck_assert_msg(v[0] == 0 && v[1] == 0 && v[2] == 0, "a new set of 3: expected 0 0 0, got"
                  " %d %d %d", v[0], v[1], v[2]);
}
END_TEST

/* Background, "SEM_UNDO: only on a lock": a process killed while holding a
   semaphore lock taken with SEM_UNDO gives it back: the kernel applies its
   adjustment. */
START_TEST(sem_undo_gives_lock_back_on_death)
{
    int id = new_sem(1);
    set_val(id, 0, 1);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        if (op(id, 0, -1, SEM_UNDO) == 0)
            raise(SIGKILL);
        _exit(1);
    }
    int status = wait_child(pid);
    ck_assert_msg(WIFSIGNALED(status), "the child should have taken the lock and been killed");
    ck_assert_msg(get_val(id, 0) == 1, "after the holder was killed: expected 1, got %d",
                  get_val(id, 0));
}
END_TEST

/* Background, "SEM_UNDO: only on a lock": the adjustment is the sum of a
   process's SEM_UNDO operations, so the -1 and the +1 must both carry
   SEM_UNDO.  Taken with SEM_UNDO and given back without, each lock leaves +1
   to be added at exit. */
START_TEST(unbalanced_sem_undo_shifts_value_at_exit)
{
    int id = new_sem(1);
    set_val(id, 0, 1);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            if (op(id, 0, -1, SEM_UNDO) == -1 || op(id, 0, +1, 0) == -1)
                _exit(1);
        _exit(0);
    }
    wait_child(pid);
    ck_assert_msg(get_val(id, 0) == 4, "3 locks taken with SEM_UNDO, given back without, then"
                  " exit: expected the mutex at 1 + 3 = 4, got %d", get_val(id, 0));
}
END_TEST

/* Background, "SEM_UNDO: only on a lock"; Common misconceptions, "SEM_UNDO
   everywhere": on a hand-off the taker is not the giver.  A writer that
   takes EMPTY and posts FULL, both with SEM_UNDO, then exits: the kernel
   reverses both, and the message it sent is no longer announced. */
START_TEST(sem_undo_reverses_a_handoff_at_exit)
{
    int id = new_sem(2);                        /* 0: EMPTY, 1: FULL */
    set_val(id, 0, 1);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0)
        _exit(op(id, 0, -1, SEM_UNDO) == 0 && op(id, 1, +1, SEM_UNDO) == 0 ? 0 : 1);
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer's semops failed");
    ck_assert_msg(get_val(id, 0) == 1 && get_val(id, 1) == 0, "after the writer exited:"
                  " expected EMPTY 1, FULL 0 (undone), got %d, %d", get_val(id, 0),
                  get_val(id, 1));
}
END_TEST

/* Background, "Semaphores: the calls and how they fail": IPC_RMID removes a
   set at once; a process waiting on it wakes with EIDRM. */
START_TEST(rmid_wakes_waiter_with_eidrm)
{
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | OBJ_PERMS);    /* removed by the test */
    ck_assert_msg(id != -1, "semget: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0)
        _exit(op(id, 0, -1, 0) == -1 && errno == EIDRM ? 0 : 1);
    until_waiting(id, 0, 1);
    ck_assert_msg(semctl(id, 0, IPC_RMID) == 0, "IPC_RMID: %s", strerror(errno));
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a waiter on a removed set: expected -1/EIDRM");
}
END_TEST

/* Background, "The flag, and why it breaks": an _Atomic int is lock-free, so
   its operations work between processes on shared memory (C11 7.17.5: lock-
   free atomics are address-free). */
START_TEST(atomic_int_is_lock_free)
{
    ck_assert_msg(ATOMIC_INT_LOCK_FREE == 2, "ATOMIC_INT_LOCK_FREE: expected 2, got %d",
                  ATOMIC_INT_LOCK_FREE);
    _Atomic int *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                          -1, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
    ck_assert_msg(atomic_is_lock_free(p), "an _Atomic int in shared memory is not lock-free");
    munmap(p, sizeof *p);
}
END_TEST

/* Background, "The flag, and why it breaks"; Common misconceptions, "shared
   memory provides no synchronisation, so check-then-set on a flag is two
   steps": two writers can both see written == 0 before either sets it, and
   the second copy overwrites the first.  The steps are ordered here with
   pipes. */
START_TEST(two_writers_both_see_flag_clear)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    struct { _Atomic int written; int text; } *s = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(s != (void *) -1, "shmat: %s", strerror(errno));
    int looked[2], go[2][2];
    ck_assert_msg(pipe(looked) == 0 && pipe(go[0]) == 0 && pipe(go[1]) == 0, "pipe");
    for (int w = 0; w < 2; w++)
        if (fork() == 0) {
            char b;
            int saw = atomic_load(&s->written);
            if (write(looked[1], "l", 1) != 1 || read(go[w][0], &b, 1) != 1)
                _exit(2);
            if (saw == 0) {
                s->text = 100 + w;
                atomic_store(&s->written, 1);
            }
            _exit(saw == 0 ? 0 : 1);
        }
    char b;
    for (int i = 0; i < 2; i++)
        ck_assert_msg(read(looked[0], &b, 1) == 1, "read");
    int ok = 0;
    for (int w = 0; w < 2; w++) {
        ck_assert_msg(write(go[w][1], "g", 1) == 1, "write");
        int status;
        wait(&status);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    int text = s->text;
    shmdt(s);
    ck_assert_msg(ok == 2 && text == 101, "both writers should have seen 0 and written, the"
                  " second last (text 101): %d wrote, text %d", ok, text);
}
END_TEST

/* Common misconceptions (seed 003's reader and writer, with no
   synchronisation at all): nothing in a segment stops a reader from copying
   a message the writer is halfway through writing; it gets the first half
   new and the second half old.  The halfway point is ordered with pipes,
   so the test is exact: the kernel neither blocks nor warns the reader. */
START_TEST(unsynchronised_reader_copies_half_written_message)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    char *msg = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(msg != (void *) -1, "shmat: %s", strerror(errno));
    memset(msg, 'A', 4096);
    int half[2], done[2];
    ck_assert_msg(pipe(half) == 0 && pipe(done) == 0, "pipe");
    pid_t writer = fork();
    ck_assert(writer != -1);
    if (writer == 0) {
        char b;
        memset(msg, 'B', 2048);                 /* the writer, halfway */
        if (write(half[1], "h", 1) != 1 || read(done[0], &b, 1) != 1)
            _exit(2);
        memset(msg + 2048, 'B', 2048);
        _exit(0);
    }
    char b, copy[4096];
    ck_assert(read(half[0], &b, 1) == 1);
    memcpy(copy, msg, sizeof copy);             /* the reader, meanwhile */
    ck_assert(write(done[1], "d", 1) == 1);
    int status;
    waitpid(writer, &status, 0);
    int whole = msg[4095];
    shmdt(msg);
    ck_assert_msg(copy[0] == 'B' && copy[2047] == 'B' && copy[2048] == 'A' && copy[4095] == 'A',
                  "the reader's copy: expected half new (B) and half old (A), got %c%c%c%c", copy[0], copy[2047],
                  copy[2048], copy[4095]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && whole == 'B',
                  "the writer: expected it to finish the message");
}
END_TEST

/* Common misconceptions, "the key is a non-zero integer": IPC_PRIVATE is key
   0, and every shmget(IPC_PRIVATE, ...) makes a new segment. */
START_TEST(ipc_private_is_key_zero_and_always_new)
{
    ck_assert_msg(IPC_PRIVATE == 0, "IPC_PRIVATE: expected 0, got %d", (int) IPC_PRIVATE);
    int a = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    int b = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    if (a != -1)
        shmctl(a, IPC_RMID, NULL);
    if (b != -1)
        shmctl(b, IPC_RMID, NULL);
    ck_assert_msg(a != -1 && b != -1 && a != b, "two shmget(IPC_PRIVATE): expected two ids, got"
                  " %d and %d", a, b);
}
END_TEST

/* Common misconceptions, "shmctl's cmd can take three values": Linux also
   has IPC_INFO, SHM_INFO, SHM_STAT, SHM_LOCK and SHM_UNLOCK (shmctl(2));
   IPC_INFO returns the index of the highest used entry (>= 0). */
START_TEST(shmctl_has_more_than_three_commands)
{
    struct shminfo info;
    int rc = shmctl(0, IPC_INFO, (struct shmid_ds *) (void *) &info);
    ck_assert_msg(rc >= 0, "shmctl(0, IPC_INFO): expected >= 0, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(info.shmmni > 0, "IPC_INFO: expected shmmni > 0, got %lu", info.shmmni);
}
END_TEST

int main(void)
{
    made = mmap(NULL, sizeof *made, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (made == MAP_FAILED) {
        perror("claims-06: mmap");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("06-reader-writer claims");
    TCase *tc = tcase_create("Claims");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, semtimedop_timeout_is_eagain);
    tcase_add_test(tc, semtimedop_zero_timeout_only_tries);
    tcase_add_test(tc, semop_eintr_despite_sa_restart);
    tcase_add_test(tc, waiting_in_semop_sleeps);
    tcase_add_test(tc, new_semaphores_start_at_zero);
    tcase_add_test(tc, sem_undo_gives_lock_back_on_death);
    tcase_add_test(tc, unbalanced_sem_undo_shifts_value_at_exit);
    tcase_add_test(tc, sem_undo_reverses_a_handoff_at_exit);
    tcase_add_test(tc, rmid_wakes_waiter_with_eidrm);
    tcase_add_test(tc, atomic_int_is_lock_free);
    tcase_add_test(tc, two_writers_both_see_flag_clear);
    tcase_add_test(tc, unsynchronised_reader_copies_half_written_message);
    tcase_add_test(tc, ipc_private_is_key_zero_and_always_new);
    tcase_add_test(tc, shmctl_has_more_than_three_commands);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    for (int i = 0; i < made->n && i < 64; i++)
        semctl(made->id[i], 0, IPC_RMID);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
