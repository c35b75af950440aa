/* 04-race.c — claims suite for handouts/en/04-race.md: every statement the
   handout makes about the kernel or libc, asserted on the machine it runs on.

   Each test names the handout section it backs.  Nothing here uses the lab's
   code: these are the facts the lab is built on, so that a kernel or libc
   that behaves differently shows up here first.  Timing never decides a
   result: the lost-update claims retry, and waits use the kernel's own
   counters (GETNCNT) instead of sleeps.

   $ cc -std=c11 -Wall -Wextra -Werror -g -D_GNU_SOURCE -o claims-04 \
        tests/claims/04-race.c $(pkg-config --cflags --libs check) -pthread -latomic
   $ ./claims-04
   100%: Checks: 16, Failures: 0, Errors: 0 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJ_PERMS (S_IRUSR | S_IWUSR)      /* every object: owner read/write */

union semun {                   /* the caller defines it (semctl(2)) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* ---- Clean-up.  Check runs each test in a child that a failed assertion
   ends at once, so the semaphore sets a test makes are listed in a page
   shared with main(), which removes them after the run.  Segments are
   removed as soon as they are attached and go away with their last user. */
static struct {
    _Atomic int n;
    int id[64];
} *made;

static int new_sem(int value)
{
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "semget: %s", strerror(errno));
    int slot = atomic_fetch_add(&made->n, 1);
    if (slot < 64)
        made->id[slot] = id;
    if (value != 0) {
        union semun arg = { .val = value };
        ck_assert_msg(semctl(id, 0, SETVAL, arg) == 0, "semctl SETVAL: %s", strerror(errno));
    }
    return id;
}

/* An attached IPC_PRIVATE segment, already removed: it stays until the last
   process detaches (children inherit the attachment), so nothing leaks. */
static void *new_segment(size_t size)
{
    int id = shmget(IPC_PRIVATE, size, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    void *p = shmat(id, NULL, 0);
    int err = errno;
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(err));
    return p;
}

static int wait_child(pid_t pid)
{
    int status;
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    return status;
}

/* Block until child pid waits on semaphore 0 of id (the kernel counts
   waiters: GETNCNT), or has ended. */
static void wait_for_waiter(int id, pid_t pid)
{
    siginfo_t info;
    for (;;) {
        if (semctl(id, 0, GETNCNT) == 1)
            return;
        info.si_pid = 0;        /* WNOWAIT: look, but leave it to be reaped */
        if (waitid(P_PID, (id_t) pid, &info, WEXITED | WNOHANG | WNOWAIT) == -1 || info.si_pid != 0)
            return;
        sched_yield();
    }
}

/* ---- Background: one segment, many processes --------------------------- */

/* Backs "One segment, many processes": a new segment is zero-filled. */
START_TEST(ipc_private_segment_is_zero_filled)
{
    size_t size = 1 << 16;
    unsigned char *p = new_segment(size);
    for (size_t i = 0; i < size; i++)
        ck_assert_msg(p[i] == 0, "byte %zu of a new segment: expected 0, got %d", i, p[i]);
    shmdt(p);
}
END_TEST

/* Backs "One segment, many processes" and misconception 2: shmat fails
   with (void *) -1, not NULL. */
START_TEST(shmat_fails_with_minus_one_not_null)
{
    errno = 0;
    void *p = shmat(-1, NULL, 0);
    ck_assert_msg(p == (void *) -1 && errno == EINVAL,
                  "shmat(-1): expected (void *) -1 and EINVAL, got %p and %s", p, strerror(errno));
}
END_TEST

/* Backs "One segment, many processes" and misconception 7: IPC_RMID on an
   attached segment only marks it (SHM_DEST); IPC_STAT still finds it until
   the last detach, then fails with EINVAL. */
START_TEST(rmid_while_attached_only_marks_segment)
{
    struct shmid_ds ds;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    void *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "shmctl IPC_RMID: %s", strerror(errno));

    int rc = shmctl(id, IPC_STAT, &ds);
    ck_assert_msg(rc == 0 && (ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 1,
                  "IPC_STAT after IPC_RMID while attached: expected 0 with SHM_DEST and"
                  " nattch 1, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(shmdt(p) == 0, "shmdt: %s", strerror(errno));
    errno = 0;
    rc = shmctl(id, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && errno == EINVAL,
                  "IPC_STAT after the last shmdt: expected -1/EINVAL, got %d (%s)", rc,
                  strerror(errno));
}
END_TEST

/* ---- Background: why i++ loses updates ---------------------------------- */

/* Too big to be lock-free: libatomic guards it with a lock of its own,
   in memory private to each process. */
struct big { long v[4]; };

struct arena {
    _Atomic int ready, go;      /* start barrier: all workers count at once */
    long count;                 /* plain counter */
    _Atomic long atomic_count;
    _Atomic struct big big;     /* v[0] counts */
};

typedef void inc_fn(struct arena *a);

static void inc_plain(struct arena *a)
{
    volatile long *v = &a->count;       /* one load and one store per call */
    *v = *v + 1;
}

#if defined(__x86_64__)
static void inc_one_instruction(struct arena *a)
{
    __asm__ volatile("addq $1, %0" : "+m"(a->count));   /* no lock prefix */
}
#endif

static void inc_atomic(struct arena *a)
{
    atomic_fetch_add(&a->atomic_count, 1);
}

static void inc_big(struct arena *a)
{
    struct big old = atomic_load(&a->big), now;
    do {
        now = old;
        now.v[0]++;
    } while (!atomic_compare_exchange_weak(&a->big, &old, now));
}

/* nprocs processes, released together, each call inc() per times.
   Returns the final count (plain or atomic, whichever inc touched). */
static long count_together(inc_fn *inc, int nprocs, long per)
{
    struct arena *a = new_segment(sizeof *a);
    pid_t pid[8];
    for (int i = 0; i < nprocs; i++) {
        pid[i] = fork();
        ck_assert_msg(pid[i] != -1, "fork: %s", strerror(errno));
        if (pid[i] == 0) {
            atomic_fetch_add(&a->ready, 1);
            while (!atomic_load(&a->go))
                ;
            for (long j = 0; j < per; j++)
                inc(a);
            _exit(0);
        }
    }
    while (atomic_load(&a->ready) != nprocs)
        sched_yield();
    atomic_store(&a->go, 1);
    for (int i = 0; i < nprocs; i++) {
        int status = wait_child(pid[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker: wait status 0x%x",
                      (unsigned) status);
    }
    long n = a->count + atomic_load(&a->atomic_count) + atomic_load(&a->big).v[0];
    shmdt(a);
    return n;
}

static int cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == -1)
        return 1;
    return CPU_COUNT(&set);
}

/* Lost updates are a matter of chance: try up to `tries` runs and report
   the first that lost some.  Returns how many were lost (0: none ever). */
static long expect_losses_of(inc_fn *inc, const char *what, long per)
{
    int n = cpus() < 4 ? cpus() : 4;
    long lost = 0;
    if (n < 2) {
        fprintf(stderr, "SKIP %s: one CPU available (sched_getaffinity), nothing runs at once\n",
                what);
        return -1;
    }
    for (int t = 0; t < 10 && lost == 0; t++)
        lost = n * per - count_together(inc, n, per);
    return lost;
}

static long expect_losses(inc_fn *inc, const char *what)
{
    return expect_losses_of(inc, what, 100000000);
}

/* Backs "Why i++ loses updates" and misconception 4: the load-add-store
   i++, volatile or not, loses updates when processes run it at once. */
START_TEST(plain_increment_loses_updates)
{
    long lost = expect_losses(inc_plain, "plain_increment_loses_updates");
    ck_assert_msg(lost != 0, "volatile i++ in 2..4 processes x 100000000, 10 runs: expected some"
                  " run to lose updates, none did");
}
END_TEST

/* Backs "Why i++ loses updates" and misconception 1: even ONE instruction
   (addq $1, mem: what gcc -O2 emits for a non-volatile i++ on x86-64) is
   not atomic across CPUs without the lock prefix. */
START_TEST(single_add_instruction_loses_updates)
{
#if defined(__x86_64__)
    long lost = expect_losses(inc_one_instruction, "single_add_instruction_loses_updates");
    ck_assert_msg(lost != 0, "addq $1,(mem) in 2..4 processes x 100000000, 10 runs: expected some"
                  " run to lose updates, none did");
#else
    fprintf(stderr, "SKIP single_add_instruction_loses_updates: x86-64 only\n");
#endif
}
END_TEST

/* Backs "Fix 2: a C11 atomic" and misconception 1: atomic_fetch_add
   across processes on a shared segment never loses an update. */
START_TEST(atomic_fetch_add_never_loses)
{
    int n = cpus() < 2 ? 2 : cpus() < 4 ? cpus() : 4;
    for (int t = 0; t < 3; t++) {
        long got = count_together(inc_atomic, n, 1000000);
        ck_assert_msg(got == n * 1000000L, "atomic_fetch_add, %d processes x 1000000: expected"
                      " %ld, got %ld", n, n * 1000000L, got);
    }
}
END_TEST

/* Backs "Fix 2: a C11 atomic": an _Atomic long is lock-free, and GCC makes
   lock-free atomics address-free (C11 7.17.5 only recommends it): usable
   between processes.  A type that is not lock-free is guarded by a lock
   private to each process (big_atomic_struct_loses_updates_across_processes). */
START_TEST(atomic_long_is_lock_free)
{
    _Atomic long x = 0;
    ck_assert_msg(ATOMIC_LONG_LOCK_FREE == 2 && atomic_is_lock_free(&x),
                  "_Atomic long: expected always lock-free (ATOMIC_LONG_LOCK_FREE 2), got %d",
                  ATOMIC_LONG_LOCK_FREE);
}
END_TEST

/* Backs "Fix 2: a C11 atomic": an _Atomic struct too big to be lock-free is
   guarded by libatomic's locks, private to each process, so compare-and-swap
   loops in two processes on one segment lose updates. */
START_TEST(big_atomic_struct_loses_updates_across_processes)
{
    struct arena *a = new_segment(sizeof *a);
    ck_assert_msg(!atomic_is_lock_free(&a->big), "_Atomic struct of %zu bytes: expected not lock-free",
                  sizeof a->big);
    shmdt(a);
    long lost = expect_losses_of(inc_big, "big_atomic_struct_loses_updates_across_processes", 5000000);
    ck_assert_msg(lost != 0, "CAS on a %zu-byte _Atomic struct in 2..4 processes x 5000000, 10 runs:"
                  " expected some run to lose updates, none did", sizeof(struct big));
}
END_TEST

/* Backs "Fix 2: a C11 atomic" and misconception 1: what gcc -O2 makes of
   the three increments on x86-64, read back with objdump: p->count++ is one
   addq without lock; atomic_fetch_add is lock addq when its old value is
   unused and lock xadd when it is used. */
START_TEST(gcc_o2_compiles_increments_as_the_handout_says)
{
#if defined(__x86_64__)
    char dir[] = "/tmp/claims-04-objdump.XXXXXX", cmd[512], line[512], fn[64] = "";
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(cmd, sizeof cmd, "%s/inc.c", dir);
    FILE *f = fopen(cmd, "w");
    ck_assert_msg(f != NULL, "%s: %s", cmd, strerror(errno));
    fputs("#include <stdatomic.h>\n"
          "struct s { long count; };\n"
          "void plain(struct s *p) { p->count++; }\n"
          "void fetch_add(_Atomic long *p) { atomic_fetch_add(p, 1); }\n"
          "long fetch_add_old(_Atomic long *p) { return atomic_fetch_add(p, 1); }\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cd %s && cc -std=c11 -O2 -c inc.c && objdump -d --no-show-raw-insn inc.o", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "popen: %s", strerror(errno));
    char plain[128] = "", fetch_add[128] = "", fetch_add_old[128] = "";
    while (fgets(line, sizeof line, p) != NULL) {
        char name[64];
        if (sscanf(line, "%*x <%63[^>]>:", name) == 1) {
            snprintf(fn, sizeof fn, "%s", name);
            continue;
        }
        char *tab = strchr(line, '\t');
        if (tab == NULL || strstr(tab, "(%rdi)") == NULL)
            continue;           /* only the instruction that touches *p */
        tab[strcspn(tab, "\n")] = '\0';
        char *to = strcmp(fn, "plain") == 0 ? plain : strcmp(fn, "fetch_add") == 0 ? fetch_add
                 : strcmp(fn, "fetch_add_old") == 0 ? fetch_add_old : NULL;
        if (to && to[0] == '\0')
            snprintf(to, 128, "%s", tab + strspn(tab, "\t "));
    }
    int rc = pclose(p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    ck_assert_msg(rc == 0, "cc -O2 -c or objdump failed (status 0x%x)", (unsigned) rc);
    ck_assert_msg(strncmp(plain, "add", 3) == 0 && strstr(plain, "$0x1,(%rdi)"),
                  "p->count++ at -O2: expected one addq $0x1,(%%rdi), got '%s'", plain);
    ck_assert_msg(strncmp(fetch_add, "lock add", 8) == 0,
                  "atomic_fetch_add, old value unused: expected lock addq, got '%s'", fetch_add);
    ck_assert_msg(strncmp(fetch_add_old, "lock xadd", 9) == 0,
                  "atomic_fetch_add, old value used: expected lock xadd, got '%s'", fetch_add_old);
#else
    fprintf(stderr, "SKIP gcc_o2_compiles_increments_as_the_handout_says: x86-64 only\n");
#endif
}
END_TEST

/* ---- Background: Fix 1, a System V semaphore ---------------------------- */

/* Common misconceptions (seed 002: `ipcs -s` lists "signals"): ipcs -s
   lists semaphore sets ("Semaphore Arrays", ipcs(1)); ours is there, with
   its one semaphore. */
START_TEST(ipcs_s_lists_semaphore_sets)
{
    int id = new_sem(0);
    FILE *p = popen("ipcs -s", "r");
    ck_assert_msg(p != NULL, "popen(ipcs -s): %s", strerror(errno));
    char line[512], owner[64];
    int header = 0, found = 0, semid;
    unsigned key, perms, nsems = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        header |= strstr(line, "Semaphore Arrays") != NULL;
        if (sscanf(line, "%x %d %63s %o %u", &key, &semid, owner, &perms, &nsems) == 5 && semid == id)
            found = 1;
    }
    ck_assert_msg(pclose(p) == 0, "ipcs -s failed");
    ck_assert_msg(header && found && nsems == 1, "ipcs -s: expected the \"Semaphore Arrays\" table listing semid"
                  " %d with 1 semaphore (header %d, found %d)", id, header, found);
}
END_TEST

/* Backs "Fix 1: a System V semaphore with SEM_UNDO" and misconception 8:
   Linux starts a new semaphore at 0; the lock must be set to 1 (SETVAL). */
START_TEST(new_semaphore_starts_at_zero)
{
    int id = new_sem(0);
    int val = semctl(id, 0, GETVAL);
    ck_assert_msg(val == 0, "a new semaphore: expected value 0, got %d", val);
}
END_TEST

/* Take the semaphore (with or without SEM_UNDO), then die of SIGKILL. */
static void take_and_die(int id, short flags)
{
    struct sembuf take = { 0, -1, flags };
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (semop(id, &take, 1) == -1)
            _exit(1);
        raise(SIGKILL);
        _exit(2);
    }
    int status = wait_child(pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "holder: expected death by SIGKILL after semop, got wait status 0x%x",
                  (unsigned) status);
}

/* Backs "Fix 1: a System V semaphore with SEM_UNDO": the kernel gives the
   semaphore back when its holder dies, even by SIGKILL. */
START_TEST(sem_undo_gives_back_on_death)
{
    int id = new_sem(1);
    take_and_die(id, SEM_UNDO);
    int val = semctl(id, 0, GETVAL);
    ck_assert_msg(val == 1, "after a SEM_UNDO holder was SIGKILLed: expected value 1, got %d", val);
}
END_TEST

/* Backs "Fix 1: a System V semaphore with SEM_UNDO" and misconception 3:
   without SEM_UNDO a dead holder's semaphore stays taken for ever. */
START_TEST(without_sem_undo_stays_taken)
{
    int id = new_sem(1);
    take_and_die(id, 0);
    int val = semctl(id, 0, GETVAL);
    ck_assert_msg(val == 0, "after a holder without SEM_UNDO was SIGKILLed: expected value 0"
                  " (still taken), got %d", val);
}
END_TEST

static void on_usr1(int sig)
{
    (void) sig;
}

/* Backs "Fix 1: a System V semaphore with SEM_UNDO" and misconception 5:
   a signal handler interrupts a waiting semop() with EINTR even when it was
   installed with SA_RESTART (signal(7)). */
START_TEST(semop_fails_eintr_despite_sa_restart)
{
    int id = new_sem(0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ck_assert_msg(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction: %s", strerror(errno));

    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct sembuf take = { 0, -1, SEM_UNDO };
        int rc = semop(id, &take, 1);
        _exit(rc == -1 && errno == EINTR ? 0 : 1);
    }
    wait_for_waiter(id, pid);
    kill(pid, SIGUSR1);
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "semop interrupted by a SA_RESTART handler: expected -1/EINTR in the waiter,"
                  " got wait status 0x%x", (unsigned) status);
}
END_TEST

/* Backs "Fix 1: a System V semaphore with SEM_UNDO": removing a semaphore
   set wakes its waiters with EIDRM. */
START_TEST(rmid_wakes_waiters_with_eidrm)
{
    int id = new_sem(0);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct sembuf take = { 0, -1, SEM_UNDO };
        int rc = semop(id, &take, 1);
        _exit(rc == -1 && errno == EIDRM ? 0 : 1);
    }
    wait_for_waiter(id, pid);
    ck_assert_msg(semctl(id, 0, IPC_RMID) == 0, "semctl IPC_RMID: %s", strerror(errno));
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a waiter when its set is removed: expected -1/EIDRM, got wait status 0x%x",
                  (unsigned) status);
}
END_TEST

/* ---- What each fix costs in system calls -------------------------------- */

typedef void body_fn(void *arg);

/* Run body(arg) in a child traced with ptrace(2) and count the system calls
   numbered nr or nr2 it makes between two getppid() markers: exact, not
   timed.  -1 where this machine refuses ptrace. */
static long count_syscalls(body_fn *body, void *arg, long nr, long nr2)
{
#if defined(__x86_64__)
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
            _exit(77);
        raise(SIGSTOP);
        syscall(SYS_getppid);
        body(arg);
        syscall(SYS_getppid);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFSTOPPED(status))
        return -1;
    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *) (long) (PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    long count = 0;
    int markers = 0, entering = 1, deliver = 0;
    for (;;) {
        ptrace(PTRACE_SYSCALL, pid, NULL, (void *) (long) deliver);
        deliver = 0;
        if (waitpid(pid, &status, 0) == -1 || WIFEXITED(status) || WIFSIGNALED(status))
            break;
        if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
            deliver = WSTOPSIG(status);         /* a signal for the child: pass it on */
            continue;
        }
        if (entering) {
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, pid, NULL, &r);
            if ((long) r.orig_rax == SYS_getppid)
                markers++;
            else if (markers == 1 && ((long) r.orig_rax == nr || (long) r.orig_rax == nr2))
                count++;
        }
        entering = !entering;
    }
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && markers == 2,
                  "traced child: wait status 0x%x, %d markers", (unsigned) status, markers);
    return count;
#else
    (void) body, (void) arg, (void) nr, (void) nr2;
    return -1;
#endif
}

#define COST_ROUNDS 1000

static void semaphore_rounds(void *arg)
{
    int id = *(int *) arg;
    struct sembuf down = { 0, -1, SEM_UNDO }, up = { 0, +1, SEM_UNDO };
    for (int i = 0; i < COST_ROUNDS; i++)
        if (semop(id, &down, 1) == -1 || semop(id, &up, 1) == -1)
            _exit(1);
}

static void mutex_rounds(void *arg)
{
    pthread_mutex_t *m = arg;
    for (int i = 0; i < COST_ROUNDS; i++)
        if (pthread_mutex_lock(m) != 0 || pthread_mutex_unlock(m) != 0)
            _exit(1);
}

static pthread_mutex_t *new_mutex(int robust);

/* Backs "Fix 1" ("Cost: two system calls per increment"): each lock and
   each unlock of a System V semaphore is a semop(2) call, even uncontended. */
START_TEST(semaphore_costs_two_system_calls_per_increment)
{
    int id = new_sem(1);
    long n = count_syscalls(semaphore_rounds, &id, SYS_semop, SYS_semtimedop);
    if (n == -1) {
        fprintf(stderr, "SKIP semaphore_costs_two_system_calls_per_increment: no ptrace (or not x86-64)\n");
        return;
    }
    ck_assert_msg(n == 2 * COST_ROUNDS, "%d semaphore lock/unlock rounds: expected %d semop calls, got %ld",
                  COST_ROUNDS, 2 * COST_ROUNDS, n);
}
END_TEST

/* Backs "Fix 3" ("an uncontended lock or unlock is one atomic instruction in
   user space"): a robust process-shared mutex nobody else wants makes no
   futex(2) call at all. */
START_TEST(uncontended_mutex_makes_no_system_call)
{
    pthread_mutex_t *m = new_mutex(1);
    long n = count_syscalls(mutex_rounds, m, SYS_futex, SYS_futex);
    if (n == -1) {
        fprintf(stderr, "SKIP uncontended_mutex_makes_no_system_call: no ptrace (or not x86-64)\n");
        return;
    }
    ck_assert_msg(n == 0, "%d uncontended mutex lock/unlock rounds: expected no futex call, got %ld",
                  COST_ROUNDS, n);
}
END_TEST

/* ---- Background: Fix 3, a robust process-shared mutex ------------------- */

/* A mutex in shared memory, process-shared, robust or not. */
static pthread_mutex_t *new_mutex(int robust)
{
    pthread_mutex_t *m = new_segment(sizeof *m);
    pthread_mutexattr_t attr;
    ck_assert_int_eq(pthread_mutexattr_init(&attr), 0);
    ck_assert_int_eq(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED), 0);
    ck_assert_int_eq(pthread_mutexattr_setrobust(&attr, robust ? PTHREAD_MUTEX_ROBUST
                                                               : PTHREAD_MUTEX_STALLED), 0);
    ck_assert_int_eq(pthread_mutex_init(m, &attr), 0);
    ck_assert_int_eq(pthread_mutexattr_destroy(&attr), 0);
    return m;
}

/* A child locks m and dies holding it: by SIGKILL, or by _exit(). */
static void lock_and_die(pthread_mutex_t *m, int by_kill)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        if (by_kill)
            raise(SIGKILL);
        _exit(0);
    }
    int status = wait_child(pid);
    ck_assert_msg(by_kill ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
                          : WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "mutex holder: unexpected wait status 0x%x", (unsigned) status);
}

/* Backs "Fix 3: a robust, process-shared mutex": the next locker of a
   robust mutex whose owner died gets EOWNERDEAD (and the lock), whether the
   owner was killed or just exited. */
START_TEST(robust_mutex_reports_owner_death)
{
    for (int by_kill = 0; by_kill <= 1; by_kill++) {
        pthread_mutex_t *m = new_mutex(1);
        lock_and_die(m, by_kill);
        int err = pthread_mutex_lock(m);
        ck_assert_msg(err == EOWNERDEAD, "lock after the owner %s: expected EOWNERDEAD, got %s",
                      by_kill ? "was SIGKILLed" : "exited", strerror(err));
        ck_assert_int_eq(pthread_mutex_consistent(m), 0);
        ck_assert_int_eq(pthread_mutex_unlock(m), 0);
        shmdt(m);
    }
}
END_TEST

/* Backs "Fix 3: a robust, process-shared mutex" and misconception 6:
   unlocking after EOWNERDEAD without pthread_mutex_consistent() makes the
   mutex unusable: ENOTRECOVERABLE. */
START_TEST(unrecovered_robust_mutex_becomes_unusable)
{
    pthread_mutex_t *m = new_mutex(1);
    lock_and_die(m, 1);
    ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
    ck_assert_int_eq(pthread_mutex_unlock(m), 0);
    int err = pthread_mutex_lock(m);
    ck_assert_msg(err == ENOTRECOVERABLE, "lock after an unlock without consistent: expected"
                  " ENOTRECOVERABLE, got %s", strerror(err));
    shmdt(m);
}
END_TEST

/* Backs "Fix 3: a robust, process-shared mutex": after
   pthread_mutex_consistent() the mutex works as new. */
START_TEST(consistent_robust_mutex_works_again)
{
    pthread_mutex_t *m = new_mutex(1);
    lock_and_die(m, 1);
    ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
    ck_assert_int_eq(pthread_mutex_consistent(m), 0);
    ck_assert_int_eq(pthread_mutex_unlock(m), 0);
    int err = pthread_mutex_lock(m);
    ck_assert_msg(err == 0, "lock after consistent + unlock: expected 0, got %s", strerror(err));
    ck_assert_int_eq(pthread_mutex_unlock(m), 0);
    shmdt(m);
}
END_TEST

/* Backs "Fix 3: a robust, process-shared mutex": a process-shared mutex
   that is NOT robust stays locked when its owner dies (trylock: EBUSY; lock
   would wait for ever). */
START_TEST(non_robust_mutex_stays_locked_after_owner_death)
{
    pthread_mutex_t *m = new_mutex(0);
    lock_and_die(m, 1);
    int err = pthread_mutex_trylock(m);
    ck_assert_msg(err == EBUSY, "trylock after the owner of a non-robust mutex died: expected"
                  " EBUSY, got %s", strerror(err));
    shmdt(m);
}
END_TEST

static Suite *claims_suite(void)
{
    Suite *s = suite_create("04-race claims");

    TCase *shm = tcase_create("Shared memory");
    tcase_add_test(shm, ipc_private_segment_is_zero_filled);
    tcase_add_test(shm, shmat_fails_with_minus_one_not_null);
    tcase_add_test(shm, rmid_while_attached_only_marks_segment);
    suite_add_tcase(s, shm);

    TCase *race = tcase_create("Lost updates");
    tcase_set_timeout(race, 60);
    tcase_add_test(race, plain_increment_loses_updates);
    tcase_add_test(race, single_add_instruction_loses_updates);
    tcase_add_test(race, atomic_fetch_add_never_loses);
    tcase_add_test(race, atomic_long_is_lock_free);
    tcase_add_test(race, big_atomic_struct_loses_updates_across_processes);
    tcase_add_test(race, gcc_o2_compiles_increments_as_the_handout_says);
    suite_add_tcase(s, race);

    TCase *sem = tcase_create("Semaphores");
    tcase_add_test(sem, new_semaphore_starts_at_zero);
    tcase_add_test(sem, ipcs_s_lists_semaphore_sets);
    tcase_add_test(sem, sem_undo_gives_back_on_death);
    tcase_add_test(sem, without_sem_undo_stays_taken);
    tcase_add_test(sem, semop_fails_eintr_despite_sa_restart);
    tcase_add_test(sem, rmid_wakes_waiters_with_eidrm);
    suite_add_tcase(s, sem);

    TCase *cost = tcase_create("Costs");
    tcase_add_test(cost, semaphore_costs_two_system_calls_per_increment);
    tcase_add_test(cost, uncontended_mutex_makes_no_system_call);
    suite_add_tcase(s, cost);

    TCase *mutex = tcase_create("Robust mutexes");
    tcase_add_test(mutex, robust_mutex_reports_owner_death);
    tcase_add_test(mutex, unrecovered_robust_mutex_becomes_unusable);
    tcase_add_test(mutex, consistent_robust_mutex_works_again);
    tcase_add_test(mutex, non_robust_mutex_stays_locked_after_owner_death);
    suite_add_tcase(s, mutex);

    return s;
}

int main(void)
{
    made = mmap(NULL, sizeof *made, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (made == MAP_FAILED) {
        perror("claims-04: mmap");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(claims_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    /* Remove every set the tests made; those already gone fail, harmlessly. */
    for (int i = 0; i < made->n && i < 64; i++)
        semctl(made->id[i], 0, IPC_RMID);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
