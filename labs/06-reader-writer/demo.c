/* demo.c — Lab 06 in a lecture hall: seed 004's `written` flag loses a
   message when two writers look at it at once (live, then replayed step by
   step with two processes ordered by pipes, since on few CPUs the window is
   nanoseconds wide); the semaphore slot and ring deliver every message; and
   a reader waiting on the flag burns a CPU, one waiting in semop none.

   $ make demo LAB=6                  # or: ./demo [messages per writer]
   2 writers x 20000 messages (2 CPUs)
     flag (seed 004)      got 39999  lost 1     torn 0   dup 0    0.09 s   427364 msg/s
     A looks: 0.  B looks: 0.  A writes, sets 1.  B writes, sets 1.
     the reader gets B's message; the next receive times out -> A's is lost
     slot, 2 semaphores   got 40000  lost 0     torn 0   dup 0    0.25 s   161203 msg/s
     ring of 16, 3 sems   got 40000  lost 0     torn 0   dup 0    0.87 s    45904 msg/s
   A reader waiting 1 s on an empty channel used:
     flag (seed 004)      1.09 s CPU   (polling the flag)
     slot, 2 semaphores   0.00 s CPU   (asleep in semop)
   Colour only when stdout is a terminal and NO_COLOR is not set. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define WRITERS 2
#define MAX_N 100000

static int colour;
static const char *paint(const char *code) { return colour ? code : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    if (errno == ENOSYS)
        fprintf(stderr, "demo: finish the TODOs in lab.c first (make check LAB=6)\n");
    exit(EXIT_FAILURE);
}

/* What the readers saw, shared with them through an anonymous mapping. */
static struct tally {
    unsigned char seen[WRITERS][MAX_N];   /* times (writer, seq) arrived */
    int torn;                             /* messages mixing two */
} *t;

/* Writers send n messages each; readers receive until the channel has been
   quiet for 300 ms.  Prints one line. */
static void traffic(const char *label, enum rw_kind kind, unsigned slots, int readers, int n)
{
    struct rw_chan c;
    struct rw_msg m;
    if (rw_create(&c, kind, slots) == -1)
        die("rw_create");
    memset(t, 0, sizeof *t);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < WRITERS + readers; i++) {
        pid_t pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0 && i < WRITERS) {
            for (int s = 0; s < n; s++)
                if (rw_msg_make(&m, i, s) == -1 || rw_send(&c, &m) == -1)
                    _exit(1);
            _exit(0);
        }
        while (pid == 0 && rw_recv_timed(&c, &m, 300) == 0) {
            if (!rw_msg_valid(&m) || m.writer >= WRITERS || m.seq >= n)
                __atomic_fetch_add(&t->torn, 1, __ATOMIC_RELAXED);
            else
                __atomic_fetch_add(&t->seen[m.writer][m.seq], 1, __ATOMIC_RELAXED);
        }
        if (pid == 0)
            _exit(0);
    }
    while (wait(NULL) > 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);    /* minus the readers' final 0.3 s of silence: */
    double secs = (double) (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 - 0.3;
    if (rw_destroy(&c) == -1)
        die("rw_destroy");
    long got = 0, lost = 0, dup = 0;
    for (int w = 0; w < WRITERS; w++)
        for (int s = 0; s < n; s++)
            got += t->seen[w][s], lost += !t->seen[w][s], dup += t->seen[w][s] > 1;
    printf("  %-20s got %-6ld %slost %-5ld torn %-3d dup %-3ld%s %5.2f s %8.0f msg/s\n", label,
           got, paint(lost || dup || t->torn ? "\033[31m" : "\033[32m"), lost, t->torn, dup,
           paint("\033[0m"), secs, (double) got / secs);
}

/* Seed 004's writer step by step in two processes, interleaved with pipes:
   both look at `written` (0), then A writes, then B writes. */
static void interleaved(void)
{
    struct rw_chan c;
    struct rw_msg m;
    int go[2][2], done[2];
    char b;
    if (rw_create(&c, RW_FLAG, 1) == -1 || pipe(go[0]) || pipe(go[1]) || pipe(done))
        die("rw_create or pipe");
    for (int w = 0; w < 2; w++)
        if (fork() == 0) {
            int zero = atomic_load(&c.shared->written) == 0;       /* look */
            if (write(done[1], "l", 1) != 1 || read(go[w][0], &b, 1) != 1 || !zero)
                _exit(1);
            rw_msg_make(&c.shared->slot[0], w, 0);                 /* write */
            atomic_store(&c.shared->written, 1);
            _exit(write(done[1], "w", 1) != 1);
        }
    for (int i = 0; i < 2; i++)                 /* both have looked */
        if (read(done[0], &b, 1) != 1)
            die("read");
    for (int w = 0; w < 2; w++)                 /* A writes, then B */
        if (write(go[w][1], "g", 1) != 1 || read(done[0], &b, 1) != 1)
            die("pipe");
    while (wait(NULL) > 0)
        ;
    if (rw_recv_timed(&c, &m, 100) == -1)
        die("rw_recv_timed");
    int again = rw_recv_timed(&c, &m, 100) == 0;
    printf("  A looks: 0.  B looks: 0.  A writes, sets 1.  B writes, sets 1.\n");
    printf("  the reader gets %s's message; the next receive %s %s-> A's is lost%s\n",
           m.writer ? "B" : "A", again ? "gets another" : "times out", paint("\033[31m"),
           paint("\033[0m"));
    rw_destroy(&c);
}

/* A reader waits 1 s on an empty channel, then is killed: wait4(2) hands
   back the CPU time it used (struct rusage, getrusage(2)). */
static void idle_reader(const char *label, enum rw_kind kind, const char *how)
{
    struct rw_chan c;
    struct rw_msg m;
    struct rusage ru;
    struct timespec second = { 1, 0 };
    if (rw_create(&c, kind, 1) == -1)
        die("rw_create");
    pid_t pid = fork();
    if (pid == 0)
        _exit(rw_recv(&c, &m) == 0 ? 0 : 1);
    nanosleep(&second, NULL);
    kill(pid, SIGKILL);
    if (wait4(pid, NULL, 0, &ru) == -1)
        die("wait4");
    rw_destroy(&c);
    double used = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("  %-20s %s%4.2f s CPU%s   (%s)\n", label, paint(used > 0.1 ? "\033[31m" : "\033[32m"),
           used, paint("\033[0m"), how);
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (argc > 2 || n < 1 || n > MAX_N) {
        fprintf(stderr, "usage: %s [messages per writer, 1..%d]\n", argv[0], MAX_N);
        return EXIT_FAILURE;
    }
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    setvbuf(stdout, NULL, _IONBF, 0);
    t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        die("mmap");

    printf("%s%d writers x %d messages%s (%ld CPUs)\n", paint("\033[1m"), WRITERS, n,
           paint("\033[0m"), sysconf(_SC_NPROCESSORS_ONLN));
    traffic("flag (seed 004)", RW_FLAG, 1, 1, n);
    interleaved();
    traffic("slot, 2 semaphores", RW_SLOT, 1, 1, n);
    traffic("ring of 16, 3 sems", RW_RING, 16, 2, n);

    printf("\n%sA reader waiting 1 s on an empty channel used:%s\n", paint("\033[1m"),
           paint("\033[0m"));
    idle_reader("flag (seed 004)", RW_FLAG, "polling the flag");
    idle_reader("slot, 2 semaphores", RW_SLOT, "asleep in semop");
    return EXIT_SUCCESS;
}
