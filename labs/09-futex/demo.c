/* demo.c — Lab 09's classroom demo: a lost wake-up, live, and what the fix
   costs.

   Two processes play ping-pong with one byte, ROUNDS times, four ways
   (each player on a CPU of its own, but for the naive way):
     naive     a mailbox whose receiver looks, finds nothing, yields, and
               then goes to sleep in FUTEX_WAIT on the word's value of *now*:
               a wake-up sent in between is lost, and the receiver sleeps
               until its 50 ms time-out (each such stall is counted, in red).
               Both players share one CPU, so the yield lets the partner
               run inside that window nearly every time;
     futex     the lab's FRING_FUTEX ring (your lab.c): no stall;
     condvar   the lab's FRING_CONDVAR ring: no stall either;
     spin      a mailbox both sides spin on: the fastest round trip, and a
               CPU burnt at 100% by whoever waits.
   For each: round trips per second, microseconds per round trip, waits and
   wakes, and the CPU time both processes used.

   $ make demo LAB=9                 # 2000 rounds
   $ make demo LAB=9 ARGS=20000      # more rounds
   $ NO_COLOR=1 make demo LAB=9      # no colours, e.g. for a projector log */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static int colour;
static const char *red(void) { return colour ? "\033[1;31m" : ""; }
static const char *green(void) { return colour ? "\033[1;32m" : ""; }
static const char *off(void) { return colour ? "\033[0m" : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Put this process on the n-th CPU it may use, when it may use two: the
   two players on two CPUs, as in make bench (a spinner sharing one CPU
   with its partner waits a time slice per trip). */
static void pin_to(int n)
{
    /* The CPUs the program could use when it started: a child inherits its
       parent's pinning, so asking then would find only the parent's CPU. */
    static cpu_set_t allowed;
    static int known;
    cpu_set_t one;
    if (!known && sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        known = 1;
    if (!known || CPU_COUNT(&allowed) < 2)
        return;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &allowed) && seen++ == n) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            sched_setaffinity(0, sizeof one, &one);
            return;
        }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static double cpu_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_stime.tv_sec +
           ((double) ru.ru_utime.tv_usec + (double) ru.ru_stime.tv_usec) / 1e6;
}

/* ---- the two mailboxes of the naive and spinning ways -------------------- */

struct box {
    _Alignas(64) _Atomic uint32_t seq;      /* +1 per message: the futex word */
    _Atomic uint32_t value;
};

struct boxes {
    struct box to_child, to_parent;
    _Atomic uint64_t waits, wakes, stalls;
};

static long futex(_Atomic uint32_t *word, int op, uint32_t val, long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    return syscall(SYS_futex, (uint32_t *) word, op, val, ms < 0 ? NULL : &t, NULL, 0);
}

static void box_send(struct boxes *b, struct box *x, uint32_t v, int spin)
{
    atomic_store(&x->value, v);
    atomic_fetch_add(&x->seq, 1);
    if (!spin) {
        atomic_fetch_add(&b->wakes, 1);
        futex(&x->seq, FUTEX_WAKE, 1, -1);      /* naive: always, sleeper or not */
    }
}

/* Wait for message number want (seq reaching it). */
static uint32_t box_recv(struct boxes *b, struct box *x, uint32_t want, int spin)
{
    while (atomic_load(&x->seq) != want) {
        if (spin)
            continue;
        sched_yield();                          /* "be nice" before sleeping: the window */
        /* THE BUG: the value to sleep on is read now, after the check; a
           message sent since the check is not seen, its wake-up is lost. */
        uint32_t now = atomic_load(&x->seq);
        atomic_fetch_add(&b->waits, 1);
        if (futex(&x->seq, FUTEX_WAIT, now, 50) == -1 && errno == ETIMEDOUT && atomic_load(&x->seq) == want &&
            now == want)
            atomic_fetch_add(&b->stalls, 1);    /* slept 50 ms with the message there */
    }
    return atomic_load(&x->value);
}

struct result {
    double seconds, cpu;
    uint64_t waits, wakes, stalls;
};

static struct result play_boxes(int rounds, int spin, int one_cpu)
{
    struct boxes *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        die("mmap");
    double cpu0 = cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN), start = now_s();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        pin_to(one_cpu ? 0 : 1);
        for (uint32_t i = 1; i <= (uint32_t) rounds; i++)
            box_send(b, &b->to_parent, box_recv(b, &b->to_child, i, spin) + 1, spin);
        _exit(0);
    }
    for (uint32_t i = 1; i <= (uint32_t) rounds; i++) {
        box_send(b, &b->to_child, i, spin);
        if (box_recv(b, &b->to_parent, i, spin) != i + 1)
            die("ping-pong: wrong answer");
    }
    waitpid(pid, NULL, 0);
    struct result r = { now_s() - start, cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN) - cpu0,
                        atomic_load(&b->waits), atomic_load(&b->wakes), atomic_load(&b->stalls) };
    munmap(b, sizeof *b);
    return r;
}

/* ---- the lab's rings ------------------------------------------------------- */

static struct result play_rings(int rounds, enum fring_kind kind)
{
    struct fring there, back;
    if (fring_create(&there, FRING_MIN_CAPACITY, kind) == -1 || fring_create(&back, FRING_MIN_CAPACITY, kind) == -1)
        die("fring_create (is your lab.c done?)");
    double cpu0 = cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN), start = now_s();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        pin_to(1);
        for (int i = 0; i < rounds; i++) {
            unsigned char c;
            if (fring_read(&there, &c, 1, 5000) != 1)
                _exit(1);
            c++;
            if (fring_write(&back, &c, 1, 5000) != 0)
                _exit(1);
        }
        _exit(0);
    }
    for (int i = 0; i < rounds; i++) {
        unsigned char c = (unsigned char) i, r;
        if (fring_write(&there, &c, 1, 5000) != 0 || fring_read(&back, &r, 1, 5000) != 1)
            die("fring ping-pong (a lost wake-up in your lab.c? a 5 s time-out ran out)");
        if (r != (unsigned char) (i + 1))
            die("fring ping-pong: wrong answer");
    }
    int status;
    waitpid(pid, &status, 0);
    struct result r = { now_s() - start, cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN) - cpu0, 0, 0, 0 };
    struct fring_stats a, b;
    if (fring_stats(&there, &a) == 0 && fring_stats(&back, &b) == 0) {
        r.waits = a.waits + b.waits;
        r.wakes = a.wakes + b.wakes;
    }
    fring_destroy(&there);
    fring_destroy(&back);
    return r;
}

static void show(const char *name, const char *what, int rounds, struct result r)
{
    char stalls[64];
    if (r.stalls > 0)
        snprintf(stalls, sizeof stalls, "%s%llu lost wake-ups%s", red(), (unsigned long long) r.stalls, off());
    else
        snprintf(stalls, sizeof stalls, "%s0 lost%s", green(), off());
    printf("  %-8s %9.0f %9.1f %9llu %9llu %8.2f   %s  %s\n", name, rounds / r.seconds, r.seconds / rounds * 1e6,
           (unsigned long long) r.waits, (unsigned long long) r.wakes, r.cpu, stalls, what);
    fflush(stdout);
}

int main(int argc, char *argv[])
{
    const char *no_colour = getenv("NO_COLOR");
    colour = isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    if (argc > 2 || rounds < 1 || rounds > 10000000) {
        fprintf(stderr, "usage: %s [rounds]   (1 to 10000000; default 2000)\n", argv[0]);
        return 2;
    }
    char cpu[256] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    for (char line[512]; f != NULL && fgets(line, sizeof line, f) != NULL;)
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(cpu, sizeof cpu, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (f != NULL)
        fclose(f);
    printf("ping-pong: %d round trips of one byte between two processes (%ld CPUs: %s)\n\n", rounds,
           sysconf(_SC_NPROCESSORS_ONLN), cpu);
    pin_to(0);
    printf("  %-8s %9s %9s %9s %9s %8s\n", "way", "trips/s", "us/trip", "waits", "wakes", "CPU s");
    /* The naive way stalls 50 ms at each lost wake-up: a few rounds show it. */
    int naive_rounds = rounds < 100 ? rounds : 100;
    show("naive", "check, yield, then FUTEX_WAIT on the value of now (both on one CPU)", naive_rounds,
         play_boxes(naive_rounds, 0, 1));
    show("futex", "your FRING_FUTEX: FUTEX_WAIT on the value seen with \"empty\"", rounds,
         play_rings(rounds, FRING_FUTEX));
    show("condvar", "your FRING_CONDVAR: a process-shared condition variable", rounds,
         play_rings(rounds, FRING_CONDVAR));
    show("spin", "no system call: the waiter burns its CPU", rounds, play_boxes(rounds, 1, 0));
    printf("\n  naive: %d rounds only, both players on one CPU: its sched_yield() hands the CPU to the\n"
           "  partner inside the window between the check and the sleep, so nearly every wake-up is lost\n"
           "  (on two CPUs the window is hit more rarely: a bug that hides).  A lost wake-up costs the\n"
           "  50 ms time-out here; without one, the receiver would sleep for ever.\n"
           "  spin: fastest only while each side has a CPU to itself; on a busy machine a spinner waits\n"
           "  for its descheduled partner a whole time slice per trip (run it again with `stress-ng\n"
           "  --cpu 2` beside it to see).\n", naive_rounds);
    return 0;
}
