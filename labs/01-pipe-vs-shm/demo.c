/* demo.c — Lab 01 in a lecture hall: the same bytes through a pipe and
   through a shared memory ring, as bars.

   A parent sends 256 MiB to a forked child in messages of 4 KiB, 64 KiB and
   1 MiB.  Through a pipe every message is a write(2) and a read(2): the
   kernel copies it in and out.  Through lab 01's ring the parent copies into
   a System V segment and the child copies out of it; the kernel is asked
   only when one side has to wait.  The bars are GB/s (longest = fastest).

   $ make demo LAB=1                  # or: ./demo [MiB to send]
     message  pipe   1.9 GB/s  #####...............................
              ring  14.2 GB/s  ####################################
     ...

   Figures depend on the machine and on how busy it is (the ring needs both
   processes running at once); `make bench` gives the full table.
   Colour only when stdout is a terminal and NO_COLOR is not set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define BAR 44                          /* bar width in characters */
#define RING_BYTES (1UL << 20)          /* the ring: 1 MiB */

static int colour;

static const char *paint(const char *code)
{
    return colour ? code : "";
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    if (errno == ENOSYS)
        fprintf(stderr, "demo: finish the TODOs in lab.c first (make check LAB=1)\n");
    exit(EXIT_FAILURE);
}

/* Send total bytes in msg-byte messages to a child, through a pipe or the
   ring; return GB/s from the first write to the child's exit. */
static double send(int use_ring, size_t msg, size_t total)
{
    unsigned char *buf = calloc(1, msg);
    int fd[2];
    struct ring r;
    if (buf == NULL)
        die("calloc");
    if (use_ring ? ring_create(&r, RING_BYTES) : pipe(fd))
        die(use_ring ? "ring_create" : "pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {                     /* the receiver: read until end of file */
        ssize_t n;
        if (use_ring)
            ring_take_side(&r, RING_READER);
        else
            close(fd[1]);
        do
            n = use_ring ? ring_read(&r, buf, msg) : pipe_recv(fd[0], buf, msg);
        while (n > 0);
        _exit(n == 0 ? 0 : 1);
    }
    if (use_ring)
        ring_take_side(&r, RING_WRITER);
    else
        close(fd[0]);
    double t0 = now();
    for (size_t sent = 0; sent < total; sent += msg)
        if ((use_ring ? ring_write(&r, buf, msg) : pipe_send(fd[1], buf, msg)) == -1)
            die(use_ring ? "ring_write" : "pipe_send");
    if (use_ring ? ring_close(&r) : close(fd[1]))
        die("close");
    int status;
    if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "demo: the receiving child failed\n");
        exit(EXIT_FAILURE);
    }
    double secs = now() - t0;
    if (use_ring && ring_destroy(&r) == -1)
        die("ring_destroy");
    if (!use_ring)
        close(fd[0]);
    free(buf);
    return (double) total / secs / 1e9;
}

static void bar(const char *label, double gbps, double best, const char *hue)
{
    int n = (int) ((double) BAR * gbps / best + 0.5);
    printf("  %-8s %s %6.2f GB/s  %s", "", label, gbps, paint(hue));
    for (int i = 0; i < BAR; i++)
        putchar(i < n ? '#' : '.');
    printf("%s\n", paint("\033[0m"));
}

int main(int argc, char *argv[])
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 256;
    if (argc > 2 || mib < 1 || mib > 65536) {
        fprintf(stderr, "usage: %s [MiB to send, 1..65536]\n", argv[0]);
        return EXIT_FAILURE;
    }
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    setvbuf(stdout, NULL, _IONBF, 0);
    size_t total = (size_t) mib << 20;
    static const size_t sizes[] = { 4096, 65536, 1UL << 20 };
    static const char *names[] = { "4 KiB", "64 KiB", "1 MiB" };

    printf("%sParent -> child, %ld MiB%s: pipe (write + read, kernel copies) vs shared"
           " memory ring (%lu KiB)\n\n", paint("\033[1m"), mib, paint("\033[0m"),
           RING_BYTES >> 10);
    for (int i = 0; i < 3; i++) {
        printf("  %s%s messages%s\n", paint("\033[1m"), names[i], paint("\033[0m"));
        double p = send(0, sizes[i], total);
        double r = send(1, sizes[i], total);
        double best = p > r ? p : r;
        bar("pipe", p, best, "\033[31m");
        bar("ring", r, best, "\033[32m");
        printf("  %-8s ring / pipe = %.1f x\n\n", "", r / p);
    }
    return EXIT_SUCCESS;
}
