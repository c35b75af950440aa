/* 01-pipe-vs-shm.c — claims suite for handouts/en/01-pipe-vs-shm.md: every
   statement the handout makes about the kernel or libc, asserted on the
   machine it runs on.

   Each test names the handout section it backs.  Nothing here uses the lab's
   code.  No timing decides a result: a blocked write is detected through
   the kernel's own state (a full pipe, FIONREAD), not with a stopwatch.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/01-pipe-vs-shm.c $(pkg-config --cflags --libs check) -o claims-01
   $ ./claims-01
   100%: Checks: 10, Failures: 0, Errors: 0 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJ_PERMS (S_IRUSR | S_IWUSR)

/* Background: a pipe's buffer is 64 KiB by default (pipe(7), F_GETPIPE_SZ),
   so a write of more blocks until the reader makes room. */
START_TEST(pipe_buffer_is_64_kib_by_default)
{
    int p[2];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    int size = fcntl(p[0], F_GETPIPE_SZ);
    close(p[0]);
    close(p[1]);
    ck_assert_msg(size == 65536, "F_GETPIPE_SZ: expected 65536, got %d", size);
}
END_TEST

/* Background: with no reader left, write(2) raises SIGPIPE (default action:
   death); with SIGPIPE ignored it fails with EPIPE instead. */
START_TEST(write_without_reader_is_sigpipe_or_epipe)
{
    int p[2];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    close(p[0]);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        _exit(write(p[1], "x", 1) == -1 ? 2 : 3);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
                  "a write with no reader, SIGPIPE default: expected death by SIGPIPE");
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    ssize_t n = write(p[1], "x", 1);
    ck_assert_msg(n == -1 && errno == EPIPE, "SIGPIPE ignored: expected -1/EPIPE, got %zd (%s)",
                  n, strerror(errno));
    close(p[1]);
}
END_TEST

/* Background: read(2) returns what is there (a short count) without waiting
   for the rest, and 0 only at end of file: every write end closed. */
START_TEST(read_is_short_then_zero_at_eof)
{
    int p[2];
    char buf[100];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    ck_assert_msg(write(p[1], "0123456789", 10) == 10, "write");
    ssize_t n = read(p[0], buf, sizeof buf);
    ck_assert_msg(n == 10, "read(100) with 10 bytes in the pipe: expected 10, got %zd", n);
    close(p[1]);
    n = read(p[0], buf, sizeof buf);
    ck_assert_msg(n == 0, "read after the write end closed: expected 0, got %zd", n);
    close(p[0]);
}
END_TEST

static void on_alarm(int sig)
{
    (void) sig;
}

/* Background: a blocking write of more than the pipe holds, interrupted by
   a signal handler installed without SA_RESTART, returns the bytes it did
   write (a partial write), not -1. */
START_TEST(interrupted_big_write_returns_partial_count)
{
    int p[2];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;           /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    /* Every 100 ms, not once: on a starved machine a single tick could land
       before write() blocks, and the write would then wait for ever. */
    struct itimerval every = { { 0, 100 * 1000 }, { 0, 100 * 1000 } }, off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &every, NULL);
    size_t len = 1 << 20;
    char *buf = calloc(1, len);
    ck_assert(buf != NULL);
    ssize_t n = write(p[1], buf, len);  /* nobody reads: fills 64 KiB, blocks */
    int err = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    free(buf);
    close(p[0]);
    close(p[1]);
    ck_assert_msg(n == 65536, "1 MiB write into an unread pipe, interrupted: expected 65536"
                  " (partial), got %zd (%s)", n, n == -1 ? strerror(err) : "");
}
END_TEST

/* Background ("the lifeline"): poll(2) reports POLLHUP on a pipe's read end
   once every write end is closed, and POLLERR on a write end once every
   read end is closed — also when the holder was killed. */
START_TEST(poll_reports_a_dead_peer_on_either_end)
{
    int a[2], b[2];
    ck_assert_msg(pipe(a) == 0 && pipe(b) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {                     /* holds a's write end and b's read end */
        close(a[0]);
        close(b[1]);
        pause();
        _exit(0);
    }
    close(a[1]);
    close(b[0]);
    struct pollfd p[2] = { { a[0], POLLIN, 0 }, { b[1], 0, 0 } };
    ck_assert_msg(poll(p, 2, 0) == 0, "both ends with a live peer: expected nothing to report");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    int n = poll(p, 2, 0);
    ck_assert_msg(n == 2 && (p[0].revents & POLLHUP) && (p[1].revents & POLLERR),
                  "peer killed: expected POLLHUP on the read end and POLLERR on the write end,"
                  " got %d ready, revents %#x and %#x", n, p[0].revents, p[1].revents);
    close(a[0]);
    close(b[1]);
}
END_TEST

/* Common misconceptions: shmdt(2) is not free(): the segment stays, with its
   contents, until IPC_RMID. */
START_TEST(shmdt_does_not_remove_the_segment)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    char *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    strcpy(p, "still here");
    ck_assert_msg(shmdt(p) == 0, "shmdt: %s", strerror(errno));
    struct shmid_ds ds;
    int st = shmctl(id, IPC_STAT, &ds);
    char *q = shmat(id, NULL, 0);
    int same = q != (void *) -1 && strcmp(q, "still here") == 0;
    if (q != (void *) -1)
        shmdt(q);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(st == 0 && ds.shm_nattch == 0, "after shmdt: expected the segment to exist with nattch 0");
    ck_assert_msg(same, "attached again after shmdt: expected the old contents");
}
END_TEST

/* Background: a segment outlives the process that made it (kernel
   persistence) until IPC_RMID. */
START_TEST(segment_outlives_its_creator)
{
    int fd[2];
    ck_assert_msg(pipe(fd) == 0, "pipe");
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
        _exit(write(fd[1], &id, sizeof id) == sizeof id ? 0 : 1);
    }
    int id = -1;
    ck_assert_msg(read(fd[0], &id, sizeof id) == sizeof id && id != -1, "the child's shmget failed");
    waitpid(pid, NULL, 0);
    struct shmid_ds ds;
    int st = shmctl(id, IPC_STAT, &ds);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(st == 0 && ds.shm_cpid == pid,
                  "the creator has exited: expected its segment to remain (IPC_STAT 0, cpid %ld)", (long) pid);
    close(fd[0]);
    close(fd[1]);
}
END_TEST

/* Common misconceptions: "once mapped, no kernel is involved" — the first
   touch of each page of a new segment is a page fault the kernel handles
   (getrusage(2) ru_minflt counts them). */
START_TEST(first_touch_of_shared_pages_faults)
{
    size_t pages = 256, len = pages * 4096;
    int id = shmget(IPC_PRIVATE, len, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    char *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);         /* goes when we detach */
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    getrusage(RUSAGE_SELF, &after);
    shmdt(p);
    long faults = after.ru_minflt - before.ru_minflt;
    ck_assert_msg(faults >= (long) pages / 2,
                  "touching %zu new shared pages: expected about %zu minor faults, got %ld",
                  pages, pages, faults);
}
END_TEST

/* Common misconceptions: shm_lpid is the pid of the last shmat() or shmdt()
   (shmctl(2)), not "the last process that detached". */
START_TEST(shm_lpid_is_set_by_attach_too)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    int go[2];
    ck_assert_msg(pipe(go) == 0, "pipe");
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        close(go[1]);
        void *p = shmat(id, NULL, 0);   /* attach, then wait attached */
        char c;
        if (read(go[0], &c, 1) < 0) { /* parent gone */ }
        _exit(p == (void *) -1 ? 1 : 0);
    }
    close(go[0]);
    struct shmid_ds ds;
    int attached = 0;
    for (int i = 0; i < 10000 && !attached; i++) {  /* until the child's shmat is done (10 s at most) */
        attached = shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1;
        if (!attached)
            usleep(1000);
    }
    pid_t lpid = ds.shm_lpid;
    close(go[1]);
    waitpid(pid, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(attached, "the child's shmat never showed in shm_nattch");
    ck_assert_msg(lpid == pid, "after the child's shmat (no shmdt yet): expected shm_lpid %ld, got %ld",
                  (long) pid, (long) lpid);
}
END_TEST

/* Common misconceptions: shmat(2) fails with (void *) -1, never NULL. */
START_TEST(shmat_failure_is_minus_one_not_null)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    shmctl(id, IPC_RMID, NULL);         /* gone: attaching must fail */
    errno = 0;
    void *p = shmat(id, NULL, 0);
    ck_assert_msg(p == (void *) -1 && p != NULL && errno == EINVAL,
                  "shmat of a removed segment: expected (void *) -1 with EINVAL, got %p (%s)",
                  p, strerror(errno));
}
END_TEST

/* Bytes this process moved through read(2)-like and write(2)-like calls
   (/proc/PID/io rchar + wchar, proc(5)): each such byte is one copy between
   user memory and the kernel. */
static long long io_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    long long r = -1, w = -1;
    char line[128];
    while (f && fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "rchar: %lld", &r);
        sscanf(line, "wchar: %lld", &w);
    }
    if (f)
        fclose(f);
    return r < 0 || w < 0 ? -1 : r + w;
}

#define COPY_N (1 << 20)

/* One side of a file-to-file transfer, in a child: read `from` into buf
   (unless from < 0), write buf to `to` (unless to < 0), in 64 KiB calls;
   exit status: how many MiB went through its system calls (rchar + wchar
   grew by), or 255 if /proc/self/io cannot tell. */
static pid_t copy_side(int from, int to, char *buf)
{
    pid_t pid = fork();
    ck_assert(pid != -1);
    if (pid != 0)
        return pid;
    long long before = io_bytes();
    for (size_t done = 0; done < COPY_N;) {
        size_t n = COPY_N - done < 65536 ? COPY_N - done : 65536;
        ssize_t got = from >= 0 ? read(from, buf + (to < 0 ? done : 0), n) : (ssize_t) n;
        if (got <= 0 || (to >= 0 && write(to, buf + (from < 0 ? done : 0), (size_t) got) != got))
            _exit(254);
        done += (size_t) got;
    }
    long long after = io_bytes();
    /* Reading /proc/self/io itself counts a little: round down to MiB. */
    _exit(before < 0 || after < 0 ? 255 : (int) ((after - before) / COPY_N));
}

static int side_mib(pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) < 254, "a copying side failed (status 0x%x)",
                  (unsigned) status);
    return WEXITSTATUS(status);
}

/* Common misconceptions (seed 003: a pipe takes 4 copies, shared memory 2):
   from a file to a file, through a pipe, the bytes pass four system calls
   (read the file, write the pipe, read the pipe, write the file); through
   a segment, two (read the file into the segment, write the segment to the
   file).  Shared memory saves the two copies through the kernel's pipe
   buffer, not all of them.  Counted from /proc/PID/io, not timed. */
START_TEST(file_to_file_pipe_copies_four_times_shm_twice)
{
    char in[] = "/tmp/claims01-in-XXXXXX", out[] = "/tmp/claims01-out-XXXXXX";
    int fin = mkstemp(in), fout = mkstemp(out);
    ck_assert_msg(fin >= 0 && fout >= 0, "mkstemp: %s", strerror(errno));
    unlink(in);
    unlink(out);
    static char block[65536];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < COPY_N / (int) sizeof block; i++)
        ck_assert(write(fin, block, sizeof block) == (ssize_t) sizeof block);
    char *buf = malloc(65536);
    ck_assert(buf != NULL);

    int p[2];
    ck_assert(pipe(p) == 0);
    lseek(fin, 0, SEEK_SET);
    pid_t server = copy_side(fin, p[1], buf), client = copy_side(p[0], fout, buf);
    close(p[0]);
    close(p[1]);
    int pipe_mib = side_mib(server) + side_mib(client);

    int id = shmget(IPC_PRIVATE, COPY_N, IPC_CREAT | OBJ_PERMS);
    ck_assert(id != -1);
    char *seg = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert(seg != (void *) -1);
    lseek(fin, 0, SEEK_SET);
    lseek(fout, 0, SEEK_SET);
    int shm_mib = side_mib(copy_side(fin, -1, seg));    /* the server: file -> segment */
    shm_mib += side_mib(copy_side(-1, fout, seg));      /* the client: segment -> file */
    shmdt(seg);
    free(buf);
    close(fin);
    close(fout);
    if (pipe_mib >= 255 || shm_mib >= 255) {
        fprintf(stderr, "SKIP file_to_file_pipe_copies_four_times_shm_twice: no /proc/self/io here\n");
        return;
    }
    ck_assert_msg(pipe_mib == 4 && shm_mib == 2, "1 MiB file to file: expected 4 MiB through system calls"
                  " with a pipe and 2 with a segment, got %d and %d", pipe_mib, shm_mib);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("claims 01-pipe-vs-shm");
    TCase *tc = tcase_create("Claims");
    tcase_add_test(tc, pipe_buffer_is_64_kib_by_default);
    tcase_add_test(tc, write_without_reader_is_sigpipe_or_epipe);
    tcase_add_test(tc, read_is_short_then_zero_at_eof);
    tcase_add_test(tc, interrupted_big_write_returns_partial_count);
    tcase_add_test(tc, poll_reports_a_dead_peer_on_either_end);
    tcase_add_test(tc, shmdt_does_not_remove_the_segment);
    tcase_add_test(tc, segment_outlives_its_creator);
    tcase_add_test(tc, first_touch_of_shared_pages_faults);
    tcase_add_test(tc, shm_lpid_is_set_by_attach_too);
    tcase_add_test(tc, shmat_failure_is_minus_one_not_null);
    tcase_add_test(tc, file_to_file_pipe_copies_four_times_shm_twice);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
