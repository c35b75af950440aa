/* demo.c — Lab 04 in a lecture hall: i++ loses updates across processes;
   three fixes count exactly, at very different prices.

   Worker processes add 1 to one counter in a System V shared memory segment.
   With a plain i++ (load, add, store) two workers load the same value and
   one update vanishes; every run loses a different amount, and a run where
   the workers happened not to overlap loses nothing (which proves nothing).
   Then a C11 atomic, a robust process-shared mutex and a SEM_UNDO semaphore.

   The lost updates are shown by the demo's own workers, so that it can
   make the race visible on any machine: they wait at a barrier in the
   segment and start together (forked one by one, the first would be half
   done before the last began).  On one CPU two processes never run at the
   same instant, and the kernel switches them only between instructions, so
   an i++ that gcc made one instruction is never cut in half: there, one
   increment in 64, picked at random, is split into a load, a sched_yield()
   and a store (as a second CPU would interleave them), and the demo says so
   on screen.  The same on a machine whose CPUs are all busy already (as
   many other runnable processes as CPUs): the workers mostly take turns.  The
   fixes run through the lab's own race_run().

   $ make demo LAB=4                # or ./demo [workers [increments [fix increments]]]
   The i++ race: 4 processes x 5,000,000 increments, expected 20,000,000

     run 1   got   7,390,478   lost  12,609,522 (63.0%)  ###############.........................
     run 2   got   6,269,968   lost  13,730,032 (68.7%)  #############...........................
     run 3   got   8,909,326   lost  11,090,674 (55.5%)  ##################......................
     run 4   got  20,000,000   lost           0 ( 0.0%)  ########################################
     run 5   got  20,000,000   lost           0 ( 0.0%)  ########################################

   The fixes: 4 processes x 250,000 increments, expected 1,000,000

     C11 atomic_fetch_add   1,000,000  exact   0.005 s       5 ns/increment  x    1
     robust pthread mutex   1,000,000  exact   0.016 s      16 ns/increment  x    3
     semaphore, SEM_UNDO    1,000,000  exact   1.561 s    1561 ns/increment  x  291

   (2-CPU VM.)  Colour only on a terminal, and not when NO_COLOR is set. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define RUNS 5                  /* unsafe runs: each loses a different amount */
#define BAR 40                  /* bar width in characters */

static int colour;              /* ANSI colours on? */
static const char *method[] = { "RACE_UNSAFE", "RACE_SEMAPHORE", "RACE_ATOMIC", "RACE_MUTEX" };

static const char *paint(const char *code)
{
    return colour ? code : "";
}

/* 1234567 -> "1,234,567", in one of four static buffers (for one printf). */
static const char *grouped(long n)
{
    static char buf[4][32];
    static int next;
    char digits[32], *out = buf[next++ % 4];
    int len = snprintf(digits, sizeof digits, "%ld", n), j = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
    return out;
}

static void die(const char *what, enum race_method m, int err)
{
    fprintf(stderr, "demo: %s(%s): %s\n", what, method[m], strerror(err));
    if (err == ENOSYS)
        fprintf(stderr, "demo: finish the TODOs in lab.c first (make check LAB=4)\n");
    exit(EXIT_FAILURE);
}

/* One race from start to end; returns the count, *secs the race_run time. */
static long one_race(enum race_method m, int workers, long per_worker, double *secs)
{
    struct race r;
    struct timespec t0, t1;
    if (race_create(&r, m) == -1)
        die("race_create", m, errno);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = race_run(&r, workers, per_worker), run_err = errno;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *secs = (double) (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    long count = race_read(&r);
    int destroyed = race_destroy(&r), destroy_err = errno;
    if (failed == -1)
        die("race_run", m, run_err);
    if (failed > 0) {
        fprintf(stderr, "demo: race_run(%s): %d of %d workers failed\n", method[m], failed, workers);
        exit(EXIT_FAILURE);
    }
    if (destroyed == -1)
        die("race_destroy", m, destroy_err);
    return count;
}

/* The demo's own unsafe counter, with a start line. */
struct lineup {
    volatile long count;        /* volatile: a load, an add and a store each time */
    atomic_int ready;           /* workers at the start line */
};

#define SPLIT_EVERY 64          /* one CPU: one i++ in 64, at random, is load, yield, store */

static void fail(const char *call)
{
    fprintf(stderr, "demo: %s: %s\n", call, strerror(errno));
    exit(EXIT_FAILURE);
}

static void unsafe_worker(struct lineup *s, int workers, long per, int split)
{
    atomic_fetch_add(&s->ready, 1);
    while (atomic_load(&s->ready) < workers)
        sched_yield();                  /* on one CPU, let the others get here */
    unsigned long x = (unsigned long) getpid() * 2654435761UL | 1;   /* xorshift: which ones */
    for (long i = 0; i < per; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (split && x % SPLIT_EVERY == 0) {
            long seen = s->count;       /* load ... */
            sched_yield();              /* ... another worker runs here ... */
            s->count = seen + 1;        /* ... store: its increments are gone */
        } else {
            s->count++;
        }
    }
    _exit(0);
}

/* workers processes x per unsafe increments on a fresh segment; the count. */
static long unsafe_race(int workers, long per, int split)
{
    int id = shmget(IPC_PRIVATE, sizeof(struct lineup), IPC_CREAT | 0600);
    if (id == -1)
        fail("shmget");
    struct lineup *s = shmat(id, NULL, 0);
    int err = errno;
    shmctl(id, IPC_RMID, NULL);         /* freed once the last process detaches (lab 05) */
    if (s == (void *) -1) {
        errno = err;
        fail("shmat");
    }
    for (int w = 0; w < workers; w++) {
        pid_t pid = fork();
        if (pid == -1)
            fail("fork");
        if (pid == 0)
            unsafe_worker(s, workers, per, split);
    }
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    long got = s->count;
    shmdt(s);
    return got;
}

/* 1: one CPU; 2: every CPU already busy (other runnable processes right
   now, /proc/loadavg's fourth field, proc(5): at least one per CPU), so the
   workers mostly take turns as on one CPU; 0. */
static int take_turns(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    if (CPU_COUNT(&set) == 1)
        return 1;
    FILE *f = fopen("/proc/loadavg", "r");
    int runnable = 0;
    if (f != NULL && fscanf(f, "%*f %*f %*f %d", &runnable) != 1)
        runnable = 0;
    if (f != NULL)
        fclose(f);
    return runnable - 1 >= CPU_COUNT(&set) ? 2 : 0;    /* minus this demo itself */
}

static long parse(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "demo: %s must be a number from %ld to %ld, not '%s'\n", what, lo, hi, s);
        exit(EXIT_FAILURE);
    }
    return v;
}

int main(int argc, char *argv[])
{
    if (argc > 4) {
        fprintf(stderr, "usage: %s [workers [increments [increments for the fixes]]]\n", argv[0]);
        return EXIT_FAILURE;
    }
    int workers = argc > 1 ? (int) parse(argv[1], 2, RACE_MAX_WORKERS, "workers") : 4;
    long per = argc > 2 ? parse(argv[2], 1, 100000000, "increments") : 5000000;
    long fix_per = argc > 3 ? parse(argv[3], 1, 100000000, "increments for the fixes") : 250000;
    long want = workers * per;
    double secs, atomic_secs = 1e-9;
    const char *no_colour = getenv("NO_COLOR");         /* no-color.org: set and not empty */
    colour = isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
    setvbuf(stdout, NULL, _IONBF, 0);                   /* each line as it comes */

    int split = take_turns();
    printf("%sThe i++ race:%s %d processes x %s increments, expected %s\n\n", paint("\033[1m"),
           paint("\033[0m"), workers, grouped(per), grouped(want));
    if (split)
        printf("  %s%s, and a switch never falls inside one\n"
               "  instruction, so one i++ in %d, at random, is done as load, sched_yield(),\n"
               "  store -- what a second CPU would do to any of them.%s\n\n", paint("\033[2m"),
               split == 1 ? "One CPU here: processes never run at the same instant"
                          : "Every CPU is busy here: the workers mostly take turns",
               SPLIT_EVERY, paint("\033[0m"));
    for (int run = 1; run <= RUNS; run++) {
        long got = unsafe_race(workers, per, split);
        int kept = (int) ((double) BAR * (double) got / (double) want + 0.5);
        printf("  run %d   got %11s   lost %11s (%4.1f%%)  %s", run, grouped(got),
               grouped(want - got), 100.0 * (double) (want - got) / (double) want,
               paint("\033[32m"));
        for (int i = 0; i < BAR; i++)
            printf("%s%c", i == kept ? paint("\033[31m") : "", i < kept ? '#' : '.');
        printf("%s\n", paint("\033[0m"));
    }

    /* Cheapest first: its time is the yardstick.  Less work by default: the
       semaphore costs two system calls per increment, plus a sleep and a
       wake-up whenever two workers meet. */
    static const struct {
        enum race_method m;
        const char *label;
    } fix[] = {
        { RACE_ATOMIC, "C11 atomic_fetch_add" },
        { RACE_MUTEX, "robust pthread mutex" },
        { RACE_SEMAPHORE, "semaphore, SEM_UNDO" },
    };
    want = workers * fix_per;
    printf("\n%sThe fixes:%s %d processes x %s increments, expected %s\n\n", paint("\033[1m"),
           paint("\033[0m"), workers, grouped(fix_per), grouped(want));
    for (int i = 0; i < 3; i++) {
        printf("  %-20s ", fix[i].label);
        long got = one_race(fix[i].m, workers, fix_per, &secs);
        if (i == 0 && secs > 0)
            atomic_secs = secs;
        printf("%11s  %s%-5s%s %7.3f s %7.0f ns/increment  x%5.0f\n", grouped(got),
               paint(got == want ? "\033[32m" : "\033[31m"), got == want ? "exact" : "WRONG",
               paint("\033[0m"), secs, secs * 1e9 / (double) want, secs / atomic_secs);
    }
    return EXIT_SUCCESS;
}
