/* bench.c — how fast do bytes move between two processes?  (make bench)

   A parent sends bytes to a forked child in messages of 64 B ... 1 MiB over
   a pipe, a FIFO, a Unix-domain stream socket and lab 01's shared memory
   ring, and the table shows GB/s, system calls per MiB (both sides' read,
   write and the ring's naps in ppoll) and context switches per MiB
   (getrusage, both processes).  A single-threaded memcpy over the same
   working set is the yardstick: the ring copies twice (in, out), a pipe
   copies twice too, but through the kernel, one system call per message.

   Two regimes, because a ring that fits in cache beats a memcpy of
   main memory and that comparison would flatter it:
     cache   ring of 256 KiB (it fits in a core's L2 with the buffers);
             sender and receiver reuse one message buffer; memcpy of m bytes
             into a 256 KiB destination, cycling.
     memory  1 GiB sent from a 256 MiB source into a 256 MiB destination
             (far beyond the last-level cache) in 64 KiB messages, the way
             a real transport does it: through a cache-sized ring (256 KiB),
             so DRAM sees what a memcpy makes it see (read the source,
             write the destination); and, as what not to do, through a
             256 MiB ring (four DRAM streams: source, ring twice,
             destination).  memcpy of the same 256 MiB buffers, 1 GiB.
   Every ring figure (and the memory regime's memcpy) is the median of
   RUNS runs; the minimum is printed too, and the "stability" ratio is the
   worst min/median of the rings.

   Then round trips of 64 bytes (bench/pingpong.c): pipe, FIFO, Unix
   socket, System V and POSIX message queues, a spinning shared-memory
   mailbox and lab 09's futex ring.

   $ make bench                                  # builds into build/bench/
   $ build/bench/bench --out build/bench         # the table, then the ratios
   $ build/bench/bench --quick --out /tmp        # shorter runs, noisier
   $ build/bench/bench --no-pin                  # let the scheduler place them

   The sender is pinned to one CPU and the receiver to another (when there
   are two): unpinned, the scheduler sometimes puts both on one CPU, and a
   ring then waits a time slice per lap while a pipe hardly notices.

   Writes OUT/throughput.dat (one row per message size) and
   OUT/throughput.svg (GB/s against message size, log-log) for the slides. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "pingpong.h"

#define KiB 1024UL
#define MiB (1024UL * 1024UL)
#define NSIZES 8                        /* 64 B, 256 B, ... 1 MiB: x4 each */
#define CACHE_RING (256 * KiB)
#define BIG (256 * MiB)                 /* memory regime: ring, source, destination */
#define BIG_TOTAL (1024 * MiB)
#define MIN_SECONDS 0.15                /* a cell runs at least this long */
#define RUNS 5                          /* runs per ring figure: the median, and the minimum */

enum transport { T_PIPE, T_FIFO, T_SOCKET, T_RING, T_MEMCPY, NTRANSPORTS };
static const char *names[NTRANSPORTS] = { "pipe", "fifo", "unix socket", "shm ring", "memcpy" };

struct cell {
    double gbps;                        /* 1e9 bytes per second; 0: not measured */
    double syscalls_per_mib;
    double ctxsw_per_mib;
};

static struct cell cache[NTRANSPORTS][NSIZES];
static double cache_ring_min[NSIZES];   /* the slowest of the RUNS runs */
static double min_seconds = MIN_SECONDS;
static int pin = 1;                     /* sender on one CPU, receiver on another */

/* Put the calling process on the n-th CPU it may use (if there are two):
   the transports are compared with both sides running, not with the
   scheduler's choice of placing them on one CPU now and two later. */
static void pin_to(int n)
{
    /* The CPUs the program could use when it started: a child inherits its
       parent's pinning, so asking then would find only the parent's CPU. */
    static cpu_set_t allowed;
    static int known;
    cpu_set_t one;
    if (!known && sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        known = 1;
    if (!pin || !known || CPU_COUNT(&allowed) < 2)
        return;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &allowed) && seen++ == n) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            sched_setaffinity(0, sizeof one, &one);
            return;
        }
}
static char fifo_path[256];

static void die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static long ctxsw(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* What the receiving child reports when it is done. */
struct report {
    double end;                         /* CLOCK_MONOTONIC when the last byte came */
    unsigned long calls;                /* its system calls for the data */
    long ctxsw;                         /* its context switches meanwhile */
    int ok;                             /* 1: got every byte */
};

/* One run: the parent sends `total` bytes in `msg`-byte messages, walking
   through src (src_span bytes) while the child walks through dst (dst_span
   bytes); a span equal to msg is one reused buffer. */
struct run {
    enum transport t;
    size_t msg, total, ring;
    unsigned char *src, *dst;
    size_t src_span, dst_span;
};

/* Make the channel for t: fds[0] the child's read side, fds[1] the parent's
   write side (pipe, FIFO, socketpair); a ring for T_RING. */
static void open_channel(const struct run *run, int fds[2], struct ring *r)
{
    if (run->t == T_PIPE) {
        if (pipe(fds) == -1)
            die("pipe");
    } else if (run->t == T_FIFO) {
        unlink(fifo_path);
        if (mkfifo(fifo_path, 0600) == -1)
            die("mkfifo");
        fds[0] = open(fifo_path, O_RDONLY | O_NONBLOCK);
        fds[1] = open(fifo_path, O_WRONLY);
        if (fds[0] == -1 || fds[1] == -1)
            die("open fifo");
        fcntl(fds[0], F_SETFL, 0);      /* blocking reads from here on */
        unlink(fifo_path);
    } else if (run->t == T_SOCKET) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
            die("socketpair");
    } else {
        if (ring_create(r, run->ring) == -1)
            die("ring_create (lab 01's ring: is lab.c done?)");
        memset(r->shared->data, 0, run->ring);      /* fault the pages in now */
    }
}

/* The child: receive everything, then report.  Never returns. */
static void receiver(const struct run *run, int in, struct ring *r, int ready, int rep_fd)
{
    struct report rep = { 0, 0, 0, 0 };
    pin_to(1);
    if (run->t == T_RING) {
        ring_take_side(r, RING_READER);
        /* Fault the segment into our page tables before the clock starts:
           fork() does not copy them for a shared mapping. */
        long pg = sysconf(_SC_PAGESIZE);
        volatile unsigned char *data = r->shared->data, sink = 0;
        for (size_t i = 0; i < run->ring; i += (size_t) pg)
            sink ^= data[i];
        (void) sink;
    }
    long cs0 = ctxsw();
    if (write(ready, "r", 1) != 1)
        _exit(1);
    size_t got = 0, at = 0;
    while (got < run->total) {
        size_t want = run->msg < run->total - got ? run->msg : run->total - got;
        if (at + want > run->dst_span)
            at = 0;
        ssize_t n = run->t == T_RING ? ring_read(r, run->dst + at, want)
                                     : read(in, run->dst + at, want);
        if (run->t != T_RING)
            rep.calls++;
        if (n <= 0)
            break;
        got += (size_t) n;
        at += (size_t) n;
    }
    rep.end = now();
    rep.ctxsw = ctxsw() - cs0;
    if (run->t == T_RING)
        rep.calls = r->naps;
    rep.ok = got == run->total;
    _exit(write(rep_fd, &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
}

static struct cell measure_once(const struct run *run)
{
    struct cell c = { 0, 0, 0 };
    int fds[2] = { -1, -1 }, ready[2], rep[2];
    struct ring r;
    open_channel(run, fds, &r);
    if (pipe(ready) == -1 || pipe(rep) == -1)
        die("pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(ready[0]);
        close(rep[0]);
        if (fds[1] != -1)
            close(fds[1]);
        receiver(run, fds[0], &r, ready[1], rep[1]);
    }
    close(ready[1]);
    close(rep[1]);
    if (fds[0] != -1)
        close(fds[0]);
    if (run->t == T_RING)
        ring_take_side(&r, RING_WRITER);
    char b;
    if (read(ready[0], &b, 1) != 1)
        die("child not ready");

    unsigned long calls = 0;
    long cs0 = ctxsw();
    double start = now();
    size_t sent = 0, at = 0;
    while (sent < run->total) {
        size_t n = run->msg < run->total - sent ? run->msg : run->total - sent;
        if (at + n > run->src_span)
            at = 0;
        if (run->t == T_RING) {
            if (ring_write(&r, run->src + at, n) == -1)
                die("ring_write");
        } else {
            for (size_t off = 0; off < n;) {
                ssize_t k = write(fds[1], run->src + at + off, n - off);
                calls++;
                if (k == -1 && errno != EINTR)
                    die("write");
                if (k > 0)
                    off += (size_t) k;
            }
        }
        sent += n;
        at += n;
    }
    if (run->t == T_RING) {
        ring_close(&r);
        calls = r.naps;
    } else {
        close(fds[1]);
    }
    long cs = ctxsw() - cs0;

    struct report rp;
    if (read(rep[0], &rp, sizeof rp) != (ssize_t) sizeof rp || !rp.ok)
        die("the receiver did not get everything");
    waitpid(pid, NULL, 0);
    close(rep[0]);
    close(ready[0]);
    if (run->t == T_RING)
        ring_destroy(&r);

    double mib = (double) run->total / MiB;
    c.gbps = (double) run->total / (rp.end - start) / 1e9;
    c.syscalls_per_mib = (double) (calls + rp.calls) / mib;
    c.ctxsw_per_mib = (double) (cs + rp.ctxsw) / mib;
    return c;
}

/* memcpy of run->total bytes in msg pieces from src into dst (span bytes). */
static struct cell measure_memcpy(const struct run *run)
{
    struct cell c = { 0, 0, 0 };
    double start = now();
    size_t done = 0, at = 0, from = 0;
    while (done < run->total) {
        size_t n = run->msg < run->total - done ? run->msg : run->total - done;
        if (at + n > run->dst_span)
            at = 0;
        if (from + n > run->src_span)
            from = 0;
        memcpy(run->dst + at, run->src + from, n);
        __asm__ volatile("" ::: "memory");      /* keep every copy */
        done += n;
        at += n;
        from += n;
    }
    c.gbps = (double) run->total / (now() - start) / 1e9;
    return c;
}

/* Measure, growing the total x4 until a run lasts min_seconds (the first,
   short runs also warm the caches up). */
static struct cell measure(struct run *run, size_t max_total)
{
    for (;;) {
        double t0 = now();
        struct cell c = run->t == T_MEMCPY ? measure_memcpy(run) : measure_once(run);
        if (now() - t0 >= min_seconds || run->total * 4 > max_total)
            return c;
        run->total *= 4;
    }
}

static int by_gbps(const void *a, const void *b)
{
    double x = ((const struct cell *) a)->gbps, y = ((const struct cell *) b)->gbps;
    return (x > y) - (x < y);
}

/* RUNS measurements of the same run: the median cell, and the slowest
   figure in *slowest (a ring whose peer was descheduled collapses: the
   minimum shows it). */
static struct cell measure_runs(const struct run *model, size_t max_total, int grow, double *slowest)
{
    struct cell c[RUNS];
    for (int i = 0; i < RUNS; i++) {
        struct run run = *model;
        c[i] = grow ? measure(&run, max_total) : run.t == T_MEMCPY ? measure_memcpy(&run) : measure_once(&run);
    }
    qsort(c, RUNS, sizeof c[0], by_gbps);
    *slowest = c[0].gbps;
    return c[RUNS / 2];
}

static unsigned char *big_buffer(size_t n)
{
    unsigned char *p = malloc(n);
    if (p == NULL)
        die("malloc");
    memset(p, 0x5a, n);                 /* fault every page in before timing */
    return p;
}

static void size_label(size_t n, char *buf, size_t len)
{
    if (n >= MiB)
        snprintf(buf, len, "%zu MiB", n / MiB);
    else if (n >= KiB)
        snprintf(buf, len, "%zu KiB", n / KiB);
    else
        snprintf(buf, len, "%zu B", n);
}

/* log-log SVG: GB/s against message size, one line per transport. */
static void write_svg(const char *path, const size_t *sizes)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: %s: %s (no plot)\n", path, strerror(errno));
        return;
    }
    const double W = 760, H = 460, L = 70, R = 170, T = 40, B = 60;
    const double ymin = 0.01, ymax = 1000;          /* GB/s, log scale */
    static const char *colours[NTRANSPORTS] = { "#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#1f77b4" };
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
            "font-family='sans-serif' font-size='13'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            W, H);
    fprintf(f, "<text x='%.0f' y='24' font-size='16'>Throughput between two processes"
            " (cache regime: 256 KiB ring)</text>\n", L);
#define XPOS(i) (L + (W - L - R) * (i) / (NSIZES - 1.0))
#define YPOS(v) (T + (H - T - B) * (1 - (log10(v) - log10(ymin)) / (log10(ymax) - log10(ymin))))
    for (double v = ymin; v <= ymax * 1.001; v *= 10) {
        fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#ddd'/>"
                "<text x='%.1f' y='%.1f' text-anchor='end'>%g</text>\n",
                L, W - R, YPOS(v), YPOS(v), L - 6, YPOS(v) + 4, v);
    }
    for (int i = 0; i < NSIZES; i++) {
        char lab[24];
        size_label(sizes[i], lab, sizeof lab);
        fprintf(f, "<text x='%.1f' y='%.0f' text-anchor='middle'>%s</text>\n", XPOS(i), H - B + 18, lab);
    }
    fprintf(f, "<text x='%.0f' y='%.0f' text-anchor='middle'>message size</text>\n", (L + W - R) / 2, H - 18);
    fprintf(f, "<text x='18' y='%.0f' transform='rotate(-90 18 %.0f)' text-anchor='middle'>GB/s</text>\n",
            (T + H - B) / 2, (T + H - B) / 2);
    for (int t = 0; t < NTRANSPORTS; t++) {
        fprintf(f, "<polyline fill='none' stroke-width='2.5' stroke='%s' points='", colours[t]);
        for (int i = 0; i < NSIZES; i++) {
            double v = cache[t][i].gbps;
            if (v > 0)
                fprintf(f, "%.1f,%.1f ", XPOS(i), YPOS(v < ymin ? ymin : v > ymax ? ymax : v));
        }
        fprintf(f, "'/>\n<text x='%.0f' y='%.0f' fill='%s'>%s</text>\n",
                W - R + 12, T + 20 + 20.0 * t, colours[t], names[t]);
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

/* "REGIME NAME VALUE [>= TARGET] met|NOT met"; target 0: no target. */
static void target_line(const char *regime, const char *name, double value, double target)
{
    if (target > 0)
        printf("%-9s %-15s %7.2f  [>= %g]  %s\n", regime, name, value, target, value >= target ? "met" : "NOT met");
    else
        printf("%-9s %-15s %7.2f\n", regime, name, value);
}

int main(int argc, char *argv[])
{
    const char *out = "build/bench";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            min_seconds = 0.03;
        else if (strcmp(argv[i], "--no-pin") == 0)
            pin = 0;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            fprintf(stderr, "usage: bench [--quick] [--no-pin] [--out DIR]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    pin_to(0);                          /* the sender (and memcpy) */
    snprintf(fifo_path, sizeof fifo_path, "%s/bench.fifo", out);

    /* Does lab 01's ring work here?  (A student's starter: not yet.) */
    struct ring probe;
    int have_ring = ring_create(&probe, RING_MIN_CAPACITY) == 0;
    if (have_ring)
        ring_destroy(&probe);
    else
        fprintf(stderr, "bench: lab 01's ring_create fails (%s): no ring rows\n", strerror(errno));

    size_t sizes[NSIZES];
    for (int i = 0; i < NSIZES; i++)
        sizes[i] = 64UL << (2 * i);
    unsigned char *msg_src = big_buffer(MiB), *msg_dst = big_buffer(MiB), *ring_dst = big_buffer(MiB);

    printf("cache regime: 256 KiB ring, one reused message buffer each side; memcpy into 256 KiB\n");
    printf("shm ring: the median of %d runs, and the slowest\n", RUNS);
    printf("%-12s %8s %9s %13s %11s %9s\n", "transport", "message", "GB/s", "syscalls/MiB", "ctxsw/MiB", "min GB/s");
    for (int t = 0; t < NTRANSPORTS; t++) {
        if (t == T_RING && !have_ring)
            continue;
        for (int i = 0; i < NSIZES; i++) {
            struct run run = { (enum transport) t, sizes[i], 4 * MiB, CACHE_RING,
                               msg_src, t == T_MEMCPY ? ring_dst : msg_dst,
                               sizes[i], t != T_MEMCPY ? sizes[i] : sizes[i] > CACHE_RING ? sizes[i] : CACHE_RING };
            struct cell c = cache[t][i] = t == T_RING ? measure_runs(&run, 4096 * MiB, 1, &cache_ring_min[i])
                                                      : measure(&run, 4096 * MiB);
            char lab[24], slowest[16] = "";
            size_label(sizes[i], lab, sizeof lab);
            if (t == T_RING)
                snprintf(slowest, sizeof slowest, "%9.2f", cache_ring_min[i]);
            printf("%-12s %8s %9.2f %13.1f %11.2f %s\n", names[t], lab, c.gbps,
                   c.syscalls_per_mib, c.ctxsw_per_mib, slowest);
            fflush(stdout);
        }
    }

    printf("\nmemory regime: 1 GiB from a 256 MiB source into a 256 MiB destination, 64 KiB messages\n");
    unsigned char *big_src = big_buffer(BIG), *big_dst = big_buffer(BIG);
    struct { const char *label; enum transport t; size_t ring; } mem_rows[] = {
        { "pipe", T_PIPE, 0 },
        { "shm ring", T_RING, CACHE_RING },             /* what a transport does */
        { "shm ring 256M", T_RING, BIG },               /* what not to do: a DRAM-sized ring */
        { "memcpy", T_MEMCPY, 0 },
    };
    struct cell memory[4];
    double memory_min[4] = { 0, 0, 0, 0 };
    for (size_t k = 0; k < sizeof mem_rows / sizeof mem_rows[0]; k++) {
        enum transport t = mem_rows[k].t;
        memory[k] = (struct cell) { 0, 0, 0 };
        if (t == T_RING && !have_ring)
            continue;
        struct run run = { t, 64 * KiB, BIG_TOTAL, mem_rows[k].ring, big_src, big_dst, BIG, BIG };
        /* memcpy of DRAM varies by a third between runs here: the yardstick
           gets the median of RUNS too. */
        struct cell c = memory[k] = t != T_PIPE ? measure_runs(&run, BIG_TOTAL, 0, &memory_min[k])
                                    : measure_once(&run);
        char slowest[16] = "";
        if (t != T_PIPE)
            snprintf(slowest, sizeof slowest, "%9.2f", memory_min[k]);
        printf("%-13s %7s %9.2f %13.1f %11.2f %s\n", mem_rows[k].label, "64 KiB", c.gbps,
               c.syscalls_per_mib, c.ctxsw_per_mib, slowest);
        fflush(stdout);
    }

    printf("\nping-pong: round trips of 64 bytes between two processes (each side on a CPU of its own)\n");
    printf("%-12s %12s %10s %12s\n", "transport", "trips/s", "us/trip", "messages/s");
    double trips[PP_N] = { 0 };
    for (int t = 0; t < PP_N; t++) {
        if (!pingpong_available((enum pp_transport) t)) {
            printf("%-12s %12s   (lab 09's fring_create fails: is its lab.c done?)\n", pingpong_names[t], "-");
            continue;
        }
        trips[t] = pingpong_rate((enum pp_transport) t, min_seconds, out, pin_to, now);
        if (trips[t] > 0)
            printf("%-12s %12.0f %10.2f %12.0f\n", pingpong_names[t], trips[t], 1e6 / trips[t], 2 * trips[t]);
        else
            printf("%-12s %12s   (failed: %s)\n", pingpong_names[t], "-", strerror(errno));
        fflush(stdout);
    }

    /* The ratios the lecture quotes, at 64 KiB messages (index 5). */
    const int at64k = 5;
    double c_shm_memcpy = ratio(cache[T_RING][at64k].gbps, cache[T_MEMCPY][at64k].gbps);
    double m_shm_memcpy = ratio(memory[1].gbps, memory[3].gbps);
    double m_shm_pipe = ratio(memory[1].gbps, memory[0].gbps);
    double p_spin = ratio(trips[PP_SPIN], trips[PP_PIPE]), p_futex = ratio(trips[PP_FUTEX], trips[PP_PIPE]);
    double stability = 1;
    if (have_ring) {
        stability = ratio(cache_ring_min[at64k], cache[T_RING][at64k].gbps);
        for (int k = 1; k <= 2; k++)
            if (ratio(memory_min[k], memory[k].gbps) < stability)
                stability = ratio(memory_min[k], memory[k].gbps);
    }
    printf("\nratios (REGIME NAME VALUE [>= TARGET] met|NOT met)\n");
    target_line("cache", "shm/memcpy", c_shm_memcpy, 0.4);
    target_line("memory", "shm/memcpy", m_shm_memcpy, 0.7);
    target_line("memory", "shm/pipe", m_shm_pipe, 1.5);
    target_line("pingpong", "shm-spin/pipe", p_spin, 10);
    target_line("pingpong", "shm-futex/pipe", p_futex, 0);
    target_line("stability", "min/median", stability, 0.5);

    char path[512];
    snprintf(path, sizeof path, "%s/throughput.dat", out);
    FILE *dat = fopen(path, "w");
    if (dat != NULL) {
        fprintf(dat, "# bytes");
        for (int t = 0; t < NTRANSPORTS; t++)
            fprintf(dat, "\t%s_GBps", t == T_SOCKET ? "unix_socket" : t == T_RING ? "shm_ring" : names[t]);
        fprintf(dat, "\n");
        for (int i = 0; i < NSIZES; i++) {
            fprintf(dat, "%zu", sizes[i]);
            for (int t = 0; t < NTRANSPORTS; t++)
                fprintf(dat, "\t%.3f", cache[t][i].gbps);
            fprintf(dat, "\n");
        }
        fclose(dat);
    }
    snprintf(path, sizeof path, "%s/throughput.svg", out);
    write_svg(path, sizes);
    printf("\nplot: %s (data: %s/throughput.dat)\n", path, out);

    free(msg_src);
    free(msg_dst);
    free(ring_dst);
    free(big_src);
    free(big_dst);
    return 0;
}
