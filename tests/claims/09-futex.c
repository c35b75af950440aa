/* 09-futex.c — the claims of handouts/en/09-futex.md, checked on the running
   kernel: what FUTEX_WAIT and FUTEX_WAKE do with a word in shared memory,
   why a wake-up sent before the wait is lost unless the wait names the
   value it saw, what FUTEX_PRIVATE_FLAG means across processes, and that
   glibc's process-shared condition variables and semaphores work across
   fork.  Each test's comment names the handout section and the man page.

   Runs natively; it makes no System V object and no file.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/09-futex.c $(pkg-config --cflags --libs check) -o claims-09
   $ ./claims-09                     # exit 0: every claim holds */
#include <check.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(_Atomic uint32_t *word, int op, uint32_t val, long timeout_ms)
{
    struct timespec t = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
    return syscall(SYS_futex, (uint32_t *) word, op, val, timeout_ms < 0 ? NULL : &t, NULL, 0);
}

/* A word (and room for more) in memory shared with forked children. */
static _Atomic uint32_t *shared_words(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
    return p;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR)
        ;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Wake sleepers on word with op until one is woken or ms pass; returns how
   many the last FUTEX_WAKE woke (a child may not be asleep yet at first). */
static long wake_within(_Atomic uint32_t *word, int op, long ms)
{
    double end = now_s() + ms / 1e3;
    long woken;
    do {
        woken = futex(word, op, 1, -1);
        if (woken == 0)
            sleep_ms(5);
    } while (woken == 0 && now_s() < end);
    return woken;
}

/* ---- FUTEX_WAIT and FUTEX_WAKE: futex(2) -------------------------------- */

/* "FUTEX_WAIT sleeps only if the word still holds the value given: else it
   returns at once with EAGAIN." */
START_TEST(futex_wait_returns_eagain_when_word_differs)
{
    _Atomic uint32_t *word = shared_words();
    atomic_store(word, 5);
    double start = now_s();
    errno = 0;
    long rc = futex(word, FUTEX_WAIT, 4, 1000);
    ck_assert_msg(rc == -1 && errno == EAGAIN, "FUTEX_WAIT(word = 5, expected 4): expected EAGAIN, got %ld (%s)",
                  rc, strerror(errno));
    ck_assert_msg(now_s() - start < 0.5, "it should return at once, not sleep");
    munmap((void *) word, 4096);
}
END_TEST

/* "With a timeout, a FUTEX_WAIT nobody wakes returns ETIMEDOUT." */
START_TEST(futex_wait_times_out_with_etimedout)
{
    _Atomic uint32_t *word = shared_words();
    double start = now_s();
    errno = 0;
    long rc = futex(word, FUTEX_WAIT, 0, 100);
    double took = now_s() - start;
    ck_assert_msg(rc == -1 && errno == ETIMEDOUT, "expected ETIMEDOUT, got %ld (%s)", rc, strerror(errno));
    ck_assert_msg(took >= 0.095, "it slept %.3f s, expected at least the 0.1 s asked", took);
    munmap((void *) word, 4096);
}
END_TEST

/* "FUTEX_WAKE returns how many it woke: 0 when nobody sleeps on the word
   (and it is a system call all the same)." */
START_TEST(futex_wake_counts_the_sleepers_it_woke)
{
    _Atomic uint32_t *word = shared_words();
    ck_assert_msg(futex(word, FUTEX_WAKE, 1, -1) == 0, "FUTEX_WAKE with nobody asleep: expected 0");
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0)
        _exit(futex(word, FUTEX_WAIT, 0, 10000) == 0 ? 0 : 1);
    long woken = wake_within(word, FUTEX_WAKE, 5000);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(woken == 1, "FUTEX_WAKE with a child asleep: expected 1, got %ld", woken);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's FUTEX_WAIT should return 0 when woken");
    munmap((void *) word, 4096);
}
END_TEST

/* "A futex word in MAP_SHARED memory connects processes: a FUTEX_WAKE in
   one wakes a FUTEX_WAIT in another." */
START_TEST(shared_futex_wakes_a_sleeper_in_another_process)
{
    _Atomic uint32_t *word = shared_words();
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        while (atomic_load(word) == 0)
            futex(word, FUTEX_WAIT, 0, 10000);
        _exit(atomic_load(word) == 42 ? 0 : 1);
    }
    sleep_ms(50);
    atomic_store(word, 42);
    futex(word, FUTEX_WAKE, 1, -1);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child should wake and see 42");
    munmap((void *) word, 4096);
}
END_TEST

/* "FUTEX_PRIVATE_FLAG matches sleepers by address space: a private wake
   in one process does not reach a sleeper in another, even on the same
   shared word." */
START_TEST(private_futex_flag_misses_another_process)
{
    _Atomic uint32_t *word = shared_words();
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0)
        _exit(futex(word, FUTEX_WAIT, 0, 3000) == 0 ? 0 : 1);
    sleep_ms(200);                                     /* the child is asleep by now */
    long private_woken = futex(word, FUTEX_WAKE_PRIVATE, 1, -1);
    long shared_woken = wake_within(word, FUTEX_WAKE, 2500);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(private_woken == 0, "FUTEX_WAKE_PRIVATE from another process woke %ld (expected 0)",
                  private_woken);
    ck_assert_msg(shared_woken == 1, "the shared FUTEX_WAKE afterwards should wake the child, woke %ld",
                  shared_woken);
    munmap((void *) word, 4096);
}
END_TEST

/* ---- Lost wake-ups ------------------------------------------------------ */

/* The interleaving, in order: the reader sees "empty" and remembers the
   sequence word; the writer publishes, bumps the word and wakes (nobody
   is asleep yet: 0 woken); then the reader goes to sleep. */

/* "A wait that looks at the word again when it goes to sleep (the value
   of now, not the one seen with "empty") sleeps through data that is
   already there: the wake-up was lost." */
START_TEST(wake_before_wait_is_lost_without_expected_value)
{
    _Atomic uint32_t *seq = shared_words(), *data = seq + 16;
    int empty = atomic_load(data) == 0;                          /* reader: empty */
    atomic_store(data, 1);                                       /* writer: publish */
    atomic_fetch_add(seq, 1);
    long woken = futex(seq, FUTEX_WAKE, 1, -1);                  /* nobody asleep */
    errno = 0;
    long rc = futex(seq, FUTEX_WAIT, atomic_load(seq), 200);     /* reader, too late */
    ck_assert_msg(empty && woken == 0, "the set-up: empty, then a wake that woke nobody");
    ck_assert_msg(rc == -1 && errno == ETIMEDOUT, "the late wait should sleep until its time-out (ETIMEDOUT),"
                  " with the data there all along; got %ld (%s)", rc, strerror(errno));
    munmap((void *) seq, 4096);
}
END_TEST

/* "A wait that names the value it saw with "empty" returns at once
   (EAGAIN): the kernel compares, atomically with going to sleep." */
START_TEST(expected_value_turns_a_late_wait_into_eagain)
{
    _Atomic uint32_t *seq = shared_words(), *data = seq + 16;
    uint32_t seen = atomic_load(seq);                            /* reader: seq, then empty */
    int empty = atomic_load(data) == 0;
    atomic_store(data, 1);                                       /* writer */
    atomic_fetch_add(seq, 1);
    futex(seq, FUTEX_WAKE, 1, -1);
    double start = now_s();
    errno = 0;
    long rc = futex(seq, FUTEX_WAIT, seen, 2000);               /* reader, as late */
    ck_assert_msg(empty, "the set-up: empty");
    ck_assert_msg(rc == -1 && errno == EAGAIN && now_s() - start < 1,
                  "the wait naming the value seen should return at once with EAGAIN, got %ld (%s)", rc,
                  strerror(errno));
    munmap((void *) seq, 4096);
}
END_TEST

/* ---- Condition variables across processes: pthread_condattr_setpshared(3), sem_init(3) */

struct shared_cv {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    int value;
};

/* "A mutex and condition variable made PTHREAD_PROCESS_SHARED in shared
   memory work across fork: a child's wait is ended by the parent's
   signal." */
START_TEST(process_shared_condvar_works_across_fork)
{
    struct shared_cv *cv = (struct shared_cv *) shared_words();
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_condattr_init(&ca);
    ck_assert_msg(pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) == 0 &&
                  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED) == 0, "setpshared failed");
    ck_assert_msg(pthread_mutex_init(&cv->lock, &ma) == 0 && pthread_cond_init(&cv->ready, &ca) == 0, "init failed");
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        pthread_mutex_lock(&cv->lock);
        while (cv->value == 0)
            pthread_cond_wait(&cv->ready, &cv->lock);
        int v = cv->value;
        pthread_mutex_unlock(&cv->lock);
        _exit(v == 7 ? 0 : 1);
    }
    sleep_ms(50);
    pthread_mutex_lock(&cv->lock);
    cv->value = 7;
    pthread_cond_signal(&cv->ready);
    pthread_mutex_unlock(&cv->lock);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child should wake and see 7");
    munmap(cv, 4096);
}
END_TEST

/* "sem_init(sem, 1, 0) in shared memory is a semaphore processes share." */
START_TEST(sem_init_pshared_works_across_fork)
{
    sem_t *sem = (sem_t *) shared_words();
    ck_assert_msg(sem_init(sem, 1, 0) == 0, "sem_init: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 10;
        _exit(sem_timedwait(sem, &deadline) == 0 ? 0 : 1);
    }
    sleep_ms(50);
    sem_post(sem);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's sem_wait should end with the post");
    sem_destroy(sem);
    munmap(sem, 4096);
}
END_TEST

/* ---- Why sleep: getrusage(2) ------------------------------------------- */

static double child_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_stime.tv_sec +
           ((double) ru.ru_utime.tv_usec + (double) ru.ru_stime.tv_usec) / 1e6;
}

/* "A waiter asleep in FUTEX_WAIT uses no CPU while it waits; one that
   spins on the word uses CPU all the while." */
START_TEST(sleeping_waiter_uses_no_cpu_spinning_one_does)
{
    _Atomic uint32_t *word = shared_words();
    double before = child_cpu_s();
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        while (atomic_load(word) == 0)
            futex(word, FUTEX_WAIT, 0, 5000);
        _exit(0);
    }
    sleep_ms(300);
    atomic_store(word, 1);
    futex(word, FUTEX_WAKE, 1, -1);
    waitpid(pid, NULL, 0);
    double sleeper = child_cpu_s() - before;
    atomic_store(word, 0);
    before = child_cpu_s();
    pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        while (atomic_load(word) == 0)
            ;
        _exit(0);
    }
    sleep_ms(300);
    atomic_store(word, 1);
    waitpid(pid, NULL, 0);
    double spinner = child_cpu_s() - before;
    ck_assert_msg(sleeper < 0.03, "a waiter asleep for 0.3 s used %.3f s of CPU (expected almost none)", sleeper);
    ck_assert_msg(spinner > 0.05 && spinner > 3 * sleeper,
                  "a waiter spinning for 0.3 s used %.3f s of CPU (the sleeper %.3f s)", spinner, sleeper);
    munmap((void *) word, 4096);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("09-futex claims");
    TCase *tc = tcase_create("Core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, futex_wait_returns_eagain_when_word_differs);
    tcase_add_test(tc, futex_wait_times_out_with_etimedout);
    tcase_add_test(tc, futex_wake_counts_the_sleepers_it_woke);
    tcase_add_test(tc, shared_futex_wakes_a_sleeper_in_another_process);
    tcase_add_test(tc, private_futex_flag_misses_another_process);
    tcase_add_test(tc, wake_before_wait_is_lost_without_expected_value);
    tcase_add_test(tc, expected_value_turns_a_late_wait_into_eagain);
    tcase_add_test(tc, process_shared_condvar_works_across_fork);
    tcase_add_test(tc, sem_init_pshared_works_across_fork);
    tcase_add_test(tc, sleeping_waiter_uses_no_cpu_spinning_one_does);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
