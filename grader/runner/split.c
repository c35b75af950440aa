/* split.c — the trusted side of the split harness (see split.h).

   runner ── fork/exec ──► lab process: valgrind ./labproc (lab.c + dispatcher)
     │  socket (SOCK_SEQPACKET) on its fd 3, arena memfd on its fd 4
     └── lt_fork ──► test child ── its own socket ──► lab child (forked by
                                                       the lab process)

   Nothing the lab process sends is trusted: replies are fixed-size records,
   checked field by field; copies out of the arena have sizes the test chose.
   The allocator's state lives in a page only test processes share (the lab
   process never maps it), so student code cannot steer where a test writes. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "split.h"

#define ARENA_SIZE (192UL << 20)     /* sparse; under the tests' 256 MiB RLIMIT_FSIZE */
#define SCRATCH_SIZE (64UL << 10)    /* per test process, for copied arguments */
#define MAX_PEERS 32

extern const char *const lt_fn_names[];
extern const unsigned lt_nfns;

struct alloc_state {
    _Atomic size_t next;             /* arena bytes handed out */
    _Atomic int strays;              /* stray processes, seen by any test process */
    _Atomic unsigned stray_fn;       /* the function the first one returned from, + 1 */
};

static unsigned char *arena;
static struct alloc_state *alloc;    /* shared by test processes only */
static unsigned char *scratch;       /* this process's, from the arena */
static int chan = -1;                /* socket to this process's lab process */
/* A test thread that lt_use_lab_thread() sent to a thread of the lab
   process: its socket and its own scratch (ThreadSanitizer tests). */
static __thread int thread_chan = -1;
static __thread unsigned char *thread_scratch;
static char thread_failure[300];     /* why a test thread's call failed, the first time */
static pthread_mutex_t thread_failure_lock = PTHREAD_MUTEX_INITIALIZER;

/* The socket this thread's calls go on. */
static int *my_chan(void)
{
    return thread_chan >= 0 ? &thread_chan : &chan;
}
static pid_t lab_pid = -1;
static int lab_pidfd = -1;
static int is_root = 1;              /* the runner itself, not a test child */
static int strays;
static int private_fd = -1;          /* the runner's result pipe */
static int lab_signal;               /* the signal that killed the lab process, if one did */
static int lab_memory_errors;        /* valgrind said so in its exit status */

static struct peer {
    pid_t test;                      /* a test child this process forked */
    pid_t lab;                       /* the lab child that serves it */
    int pidfd;
} peers[MAX_PEERS];

static int patience_ms(void)
{
    return 1000 * labtest_patience_s();
}

static int pidfd_open(pid_t pid)
{
    return (int) syscall(SYS_pidfd_open, pid, 0);
}

/* Wait until the process behind pidfd has ended; 1 if it did in time. */
static int wait_gone(int pidfd, int ms)
{
    struct pollfd p = { pidfd, POLLIN, 0 };
    int rc;
    while ((rc = poll(&p, 1, ms)) == -1 && errno == EINTR)
        ;
    return rc == 1;
}

static int send_with_fds(int sock, const void *msg, size_t len, const int *fds, int nfds);

static int in_arena(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t) p, lo = (uintptr_t) arena;
    return arena != NULL && a >= lo && n <= ARENA_SIZE && a - lo <= ARENA_SIZE - n;
}

void *lt_alloc(size_t n)
{
    size_t size = (n + 63) & ~(size_t) 63;
    size_t at = atomic_fetch_add(&alloc->next, size);
    ck_assert_msg(size >= n && at <= ARENA_SIZE - size,
                  "test bug: the shared arena (%lu MiB) is full", ARENA_SIZE >> 20);
    memset(arena + at, 0, n);
    return arena + at;
}

/* ---- calls ----------------------------------------------------------------- */

/* A call that cannot go on.  In the test's own process, the test fails
   (Check).  In a test child, never through Check: with CK_FORK=no its
   messages share one file with the test's process, where a child's
   message (half written when its parent SIGKILLs it) garbles the test's
   ("Bad message type"), and Check's abort would carry the child back into
   the runner.  The child says why on stderr and ends with LT_CHILD_FAILED,
   which its parent sees as any failed child. */
#define LT_CHILD_FAILED 125
static void call_failed(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void call_failed(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!is_root) {
        dprintf(STDERR_FILENO, "test child %ld: %s\n", (long) getpid(), msg);
        _exit(LT_CHILD_FAILED);
    }
    ck_abort_msg("%s", msg);
    abort();                    /* not reached: Check jumps out */
}

void lt_call_begin(struct lt_call *c, unsigned fn)
{
    memset(c, 0, sizeof *c);
    c->req.kind = LT_CALL;
    c->req.fn = fn;
    if (scratch == NULL)
        scratch = lt_alloc(SCRATCH_SIZE);
    if (thread_chan >= 0 && thread_scratch == NULL)
        thread_scratch = lt_alloc(SCRATCH_SIZE);
}

static void push(struct lt_call *c, uint64_t w)
{
    ck_assert_msg(c->req.nargs < LT_MAX_ARGS, "test bug: more than %d arguments", LT_MAX_ARGS);
    c->req.arg[c->req.nargs++] = w;
}

void lt_arg_word(struct lt_call *c, uint64_t w)
{
    push(c, w);
}

void lt_arg_buf(struct lt_call *c, const void *p, size_t n, int copy_out)
{
    if (p == NULL || in_arena(p, n)) {
        push(c, (uint64_t) (uintptr_t) p);
        return;
    }
    size_t size = (n + 63) & ~(size_t) 63;
    unsigned char *copy;
    if (size >= n && size <= SCRATCH_SIZE - c->used) {
        copy = (thread_chan >= 0 ? thread_scratch : scratch) + c->used;
        c->used += size;
    } else {
        copy = lt_alloc(n);     /* a big buffer: arena space of its own, never reused */
    }
    memcpy(copy, p, n);
    if (copy_out)
        c->back[c->nback++] = (struct lt_copy) { (void *) p, copy, n };
    push(c, (uint64_t) (uintptr_t) copy);
}

void lt_arg_str(struct lt_call *c, const char *s)
{
    lt_arg_buf(c, s, s != NULL ? strlen(s) + 1 : 0, 0);
}

/* A descriptor open here is sent with the call (SCM_RIGHTS) and stands for
   the lab process's copy; any other number (-1, a closed one) goes as it is,
   for the student's code to reject. */
void lt_arg_fd(struct lt_call *c, int fd)
{
    if (fd >= 0 && fcntl(fd, F_GETFD) != -1) {
        c->req.fd_mask |= 1U << c->req.nargs;
        c->fds[c->nfds++] = fd;
        push(c, 0);
        return;
    }
    push(c, (uint64_t) (int64_t) fd);
}

void lt_arg_raw(struct lt_call *c, const void *p)
{
    ck_assert_msg(p == NULL || in_arena(p, 1),
                  "test bug: argument %u of %s() is not in the shared arena: use lt_alloc()",
                  c->req.nargs + 1, lt_fn_names[c->req.fn]);
    push(c, (uint64_t) (uintptr_t) p);
}

/* Why this process's lab process is gone, as far as we can tell. */
static void describe_end(char *why, size_t len)
{
    int status;
    snprintf(why, len, "it closed the connection");
    if (!is_root || lab_pid <= 0) {
        if (lab_pidfd >= 0 && wait_gone(lab_pidfd, patience_ms()))
            snprintf(why, len, "it ended");
        return;
    }
    if (!wait_gone(lab_pidfd, patience_ms()) || waitpid(lab_pid, &status, 0) != lab_pid)
        return;
    pid_t lab_pid_seen = lab_pid;
    lab_pid = -1;
    if (WIFSIGNALED(status))
        lab_signal = WTERMSIG(status);
    if (WIFSIGNALED(status))
        snprintf(why, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) == LT_TSAN_RACE)
        snprintf(why, len, "ThreadSanitizer found a data race in it and stopped it: its report is"
                 " tsan.%ld in the test's folder", (long) lab_pid_seen);
    else
        snprintf(why, len, "it exited with status %d", WEXITSTATUS(status));
}

/* Read one whole record; 0 at end of file. */
static ssize_t recv_reply(struct lt_reply *rep)
{
    ssize_t n;
    while ((n = recv(*my_chan(), rep, sizeof *rep, 0)) == -1 && errno == EINTR)
        ;
    return n;
}

int64_t lt_call_end(struct lt_call *c)
{
    const char *name = lt_fn_names[c->req.fn];
    c->req.err = errno;
    int *ch = my_chan();
    if (*ch < 0)
        call_failed("%s(): no lab process to call (it ended earlier)", name);
    ck_assert_msg(ch == &chan || c->nfds == 0, "test bug: %s() from a lab thread cannot pass descriptors", name);
    ssize_t n = send_with_fds(*ch, &c->req, sizeof c->req, c->fds, c->nfds);
    struct lt_reply rep;
    for (;;) {
        if (n != -1)
            n = recv_reply(&rep);
        if (n <= 0) {
            char why[128];
            describe_end(why, sizeof why);
            close(*ch);
            *ch = -1;
            if (ch != &chan) {
                /* A test thread may not fail the test (Check's abort jumps
                   to the test's own thread): it says why, the call fails,
                   and the test's thread decides. */
                pthread_mutex_lock(&thread_failure_lock);
                if (thread_failure[0] == '\0')
                    snprintf(thread_failure, sizeof thread_failure, "%s(): the lab process ended during the"
                             " call (%s)", name, why);
                pthread_mutex_unlock(&thread_failure_lock);
                errno = EPIPE;
                return -1;
            }
            if (lt_lab_thread_failure()[0] != '\0')
                call_failed("%s", lt_lab_thread_failure());
            call_failed("%s(): the lab process ended during the call (%s)", name, why);
        }
        if (n != (ssize_t) sizeof rep)
            call_failed("%s(): the lab process sent a malformed reply", name);
        if (rep.kind == LT_STRAY) {
            strays++;
            unsigned none = 0;
            atomic_compare_exchange_strong(&alloc->stray_fn, &none, c->req.fn + 1);
            atomic_fetch_add(&alloc->strays, 1);
            continue;
        }
        if (rep.kind != LT_REPLY)
            call_failed("%s(): the lab process sent a malformed reply", name);
        break;
    }
    for (int i = 0; i < c->nback; i++)
        memcpy(c->back[i].to, c->back[i].from, c->back[i].n);
    errno = rep.err;
    return rep.rc;
}

static void mirror_signals(struct lt_request *req);

/* Send a request that is answered by one LT_REPLY; 0 if it was. */
static int simple_request(struct lt_request *req)
{
    struct lt_reply rep;
    ssize_t n = chan >= 0 ? send(chan, req, sizeof *req, MSG_NOSIGNAL) : -1;
    while (n != -1 && (n = recv_reply(&rep)) == (ssize_t) sizeof rep && rep.kind == LT_STRAY)
        strays++;
    return n == (ssize_t) sizeof rep && rep.kind == LT_REPLY ? 0 : -1;
}

void lt_inject(enum lt_fault call, int err)
{
    struct lt_request req;
    memset(&req, 0, sizeof req);
    req.kind = LT_INJECT;
    req.nargs = 2;
    req.arg[0] = (uint64_t) call;
    req.arg[1] = (uint64_t) err;
    ck_assert_msg(simple_request(&req) == 0, "the lab process did not take a fault to inject");
}

void lt_mirror_signals(void)
{
    struct lt_request req;
    memset(&req, 0, sizeof req);
    req.kind = LT_SIGNALS;
    mirror_signals(&req);
    ck_assert_msg(simple_request(&req) == 0, "the lab process did not take the signal dispositions");
}

int lt_lab_thread(void)
{
    int sv[2];
    ck_assert_msg(thread_chan < 0, "test bug: lt_lab_thread() from a lab thread");
    ck_assert_msg(chan >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
                  "lt_lab_thread: no lab process, or socketpair: %s", strerror(errno));
    struct lt_request req;
    memset(&req, 0, sizeof req);
    req.kind = LT_THREAD;
    struct lt_reply rep;
    ssize_t n = send_with_fds(chan, &req, sizeof req, &sv[1], 1);
    close(sv[1]);
    while (n != -1 && (n = recv_reply(&rep)) == (ssize_t) sizeof rep && rep.kind == LT_STRAY)
        strays++;
    ck_assert_msg(n == (ssize_t) sizeof rep && rep.kind == LT_REPLY && rep.rc == 0,
                  "the lab process could not start a thread (%s)", n == (ssize_t) sizeof rep ?
                  strerror(rep.err) : "no answer");
    return sv[0];
}

void lt_use_lab_thread(int channel)
{
    thread_chan = channel;
}

const char *lt_lab_thread_failure(void)
{
    pthread_mutex_lock(&thread_failure_lock);
    static char copy[sizeof thread_failure];
    memcpy(copy, thread_failure, sizeof copy);
    pthread_mutex_unlock(&thread_failure_lock);
    return copy;
}

int lt_lab_signal(void)
{
    return lab_signal;
}

int lt_lab_memory_errors(void)
{
    return lab_memory_errors;
}

int lt_strays(void)
{
    return strays;
}

int lt_all_strays(const char **fn)
{
    unsigned f = alloc != NULL ? atomic_load(&alloc->stray_fn) : 0;
    *fn = f > 0 && f <= lt_nfns ? lt_fn_names[f - 1] : "a call";
    return alloc != NULL ? atomic_load(&alloc->strays) : 0;
}

pid_t lt_lab_pid(void)
{
    return lab_pid;
}

static struct peer *find_peer(pid_t pid);

pid_t lt_peer(pid_t test_child)
{
    struct peer *p = find_peer(test_child);
    return p != NULL ? p->lab : -1;
}

/* 0 if process_vm_readv/writev moved all n bytes; a part is EFAULT. */
static int moved_all(ssize_t moved, size_t n)
{
    if (moved == (ssize_t) n)
        return 0;
    if (moved >= 0)
        errno = EFAULT;
    return -1;
}

int lt_peek(const void *addr, void *out, size_t n)
{
    struct iovec local = { out, n }, remote = { (void *) addr, n };
    return moved_all(process_vm_readv(lab_pid, &local, 1, &remote, 1, 0), n);
}

int lt_poke(void *addr, const void *src, size_t n)
{
    struct iovec local = { (void *) src, n }, remote = { addr, n };
    return moved_all(process_vm_writev(lab_pid, &local, 1, &remote, 1, 0), n);
}

void lt_poke_or_fail(void *addr, const void *src, size_t n, const char *what)
{
    ck_assert_msg(lt_poke(addr, src, n) == 0, "cannot write %s at %p in the lab process: %s",
                  what, addr, strerror(errno));
}

void lt_put_str(void *addr, const char *s)
{
    lt_poke_or_fail(addr, s, strlen(s) + 1, "a string");
}

const char *lt_get_str(const void *addr, size_t max)
{
    static char bufs[4][4096];
    static int next;
    char *buf = bufs[next++ % 4];
    if (max > sizeof bufs[0])
        max = sizeof bufs[0];
    /* Page by page, so that a string that ends
       just before unmapped memory is still read. */
    size_t n = 0;
    while (n + 1 < max) {
        uintptr_t at = (uintptr_t) addr + n;
        size_t chunk = 4096 - (at & 4095);
        if (chunk > max - 1 - n)
            chunk = max - 1 - n;
        if (lt_peek((const void *) at, buf + n, chunk) == -1)
            ck_abort_msg("cannot read a string at %p in the lab process: %s", (void *) at,
                         strerror(errno));
        void *nul = memchr(buf + n, '\0', chunk);
        if (nul != NULL)
            return buf;
        n += chunk;
    }
    buf[n] = '\0';
    return buf;
}

void lt_peek_or_fail(const void *addr, void *out, size_t n, const char *what)
{
    ck_assert_msg(lt_peek(addr, out, n) == 0, "cannot read %s at %p in the lab process: %s",
                  what, addr, strerror(errno));
}

/* ---- processes ------------------------------------------------------------- */

static void mirror_signals(struct lt_request *req)
{
    const int sigs[] = LT_MIRRORED_SIGNALS;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        if (sigaction(sigs[i], NULL, &sa) == -1)
            continue;
        if (sa.sa_handler == SIG_IGN)
            req->ignored |= 1ULL << sigs[i];
        else if (sa.sa_handler != SIG_DFL) {
            req->caught |= 1ULL << sigs[i];
            if (sa.sa_flags & SA_RESTART)
                req->restart |= 1ULL << sigs[i];
        }
    }
}

static int send_with_fds(int sock, const void *msg, size_t len, const int *fds, int nfds)
{
    char cbuf[CMSG_SPACE(sizeof(int) * LT_MAX_ARGS)];
    struct iovec iov = { (void *) msg, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds > 0) {
        mh.msg_control = cbuf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t) nfds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t) nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t) nfds);
    }
    ssize_t n;
    while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) == -1 && errno == EINTR)
        ;
    return n == (ssize_t) len ? 0 : -1;
}

pid_t lt_fork(void)
{
    int sv[2];
    if (chan < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
        return -1;
    struct lt_request req;
    memset(&req, 0, sizeof req);
    req.kind = LT_FORK;
    mirror_signals(&req);
    struct lt_reply rep;
    ssize_t n = -1;
    if (send_with_fds(chan, &req, sizeof req, &sv[1], 1) == 0)
        while ((n = recv_reply(&rep)) > 0 && n == (ssize_t) sizeof rep && rep.kind == LT_STRAY)
            strays++;
    close(sv[1]);
    if (n != (ssize_t) sizeof rep || rep.kind != LT_FORKED || rep.pid <= 0) {
        close(sv[0]);
        errno = n == (ssize_t) sizeof rep && rep.kind == LT_FORKED ? rep.err : ECHILD;
        return -1;
    }
    pid_t lab_child = (pid_t) rep.pid;
    int pidfd = pidfd_open(lab_child);
    int slot = -1;
    for (int i = 0; i < MAX_PEERS && slot < 0; i++)
        if (peers[i].test == 0)
            slot = i;
    pid_t pid = pidfd >= 0 && slot >= 0 ? fork() : -1;
    if (pid == -1) {
        int err = errno;
        kill(lab_child, SIGKILL);
        close(sv[0]);
        if (pidfd >= 0)
            close(pidfd);
        errno = slot < 0 ? EAGAIN : err;
        return -1;
    }
    if (pid == 0) {
        close(chan);
        chan = sv[0];
        if (lab_pidfd >= 0)
            close(lab_pidfd);
        lab_pid = lab_child;
        lab_pidfd = pidfd;
        is_root = 0;
        scratch = NULL;
        strays = 0;
        if (private_fd >= 0)
            close(private_fd);
        private_fd = -1;
        struct lt_reply ready;          /* the lab child is set up */
        while (recv_reply(&ready) == (ssize_t) sizeof ready && ready.kind == LT_STRAY)
            ;
        for (int i = 0; i < MAX_PEERS; i++)
            if (peers[i].test != 0) {
                close(peers[i].pidfd);
                peers[i].test = 0;
            }
        return 0;
    }
    close(sv[0]);
    peers[slot] = (struct peer) { pid, lab_child, pidfd };
    return pid;
}

static struct peer *find_peer(pid_t pid)
{
    for (int i = 0; i < MAX_PEERS; i++)
        if (pid > 0 && peers[i].test == pid)
            return &peers[i];
    return NULL;
}

int lt_kill(pid_t pid, int sig)
{
    struct peer *p = find_peer(pid < 0 ? -pid : pid);
    if (p == NULL)
        return kill(pid, sig);
    /* The lab child leads its own group (its workers are in it). */
    pid_t lab = pid < 0 ? -p->lab : p->lab;
    int rc;
    switch (sig) {
    case SIGKILL:
        /* The test child first: left alive, it would see its lab child
           vanish and report that as a failure of the test.  Then the lab
           child, the one that may hold a lock, and wait until it is gone. */
        rc = kill(pid, sig);
        kill(lab, sig);
        wait_gone(p->pidfd, patience_ms());
        return rc;
    case SIGUSR1: case SIGUSR2: case SIGALRM: case SIGPIPE: case SIGCHLD: case SIGWINCH:
        return kill(lab, sig);  /* meant for the call in progress */
    default:
        rc = kill(pid, sig);
        kill(lab, sig);
        return rc;
    }
}

pid_t lt_waitpid(pid_t pid, int *status, int options)
{
    pid_t w = waitpid(pid, status, options);
    struct peer *p = w > 0 ? find_peer(w) : NULL;
    if (p != NULL)
        wait_gone(p->pidfd, patience_ms());
    return w;
}

pid_t lt_wait(int *status)
{
    return lt_waitpid(-1, status, 0);
}

void lt_exit(int status)
{
    if (!is_root && chan >= 0) {
        close(chan);
        chan = -1;
        if (lab_pidfd >= 0)
            wait_gone(lab_pidfd, patience_ms());
    }
    _exit(status);
}

/* ---- the runner's side ----------------------------------------------------- */

void lt_keep_private(int fd)
{
    private_fd = fd;
}

int lt_start(char *const argv[], char *why, size_t len)
{
    int sv[2];
    int mfd = memfd_create("shmlab-arena", MFD_CLOEXEC);
    if (mfd == -1 || ftruncate(mfd, (off_t) ARENA_SIZE) == -1) {
        snprintf(why, len, "memfd_create: %s", strerror(errno));
        return -1;
    }
    arena = mmap((void *) LT_ARENA_ADDR, ARENA_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED_NOREPLACE, mfd, 0);
    alloc = mmap(NULL, sizeof *alloc, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (arena != (void *) LT_ARENA_ADDR || alloc == MAP_FAILED) {
        snprintf(why, len, "cannot map the shared arena: %s", strerror(errno));
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
        snprintf(why, len, "socketpair: %s", strerror(errno));
        return -1;
    }
    lab_pid = fork();
    if (lab_pid == -1) {
        snprintf(why, len, "fork: %s", strerror(errno));
        return -1;
    }
    if (lab_pid == 0) {
        /* Only the socket, the arena and valgrind's two sockets (passed
           to us at LT_VG_XML_FD and LT_VG_LOG_FD) cross; the result fd (3
           in the runner) is replaced, every other descriptor closes. */
        int s = fcntl(sv[1], F_DUPFD_CLOEXEC, 10), m = fcntl(mfd, F_DUPFD_CLOEXEC, 10);
        if (s == -1 || m == -1 || dup2(s, LT_CHAN_FD) == -1 || dup2(m, LT_ARENA_FD) == -1)
            _exit(126);
        close_range(LT_ARENA_FD + 1, LT_VG_XML_FD - 1, 0);
        close_range(LT_VG_LOG_FD + 1, ~0U, 0);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "runner: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    close(mfd);
    chan = sv[0];
    lab_pidfd = pidfd_open(lab_pid);
    if (lab_pidfd == -1) {
        snprintf(why, len, "pidfd_open: %s", strerror(errno));
        return -1;
    }
    /* The test begins once the lab process is there, with the arena mapped
       (not the runner's copy before exec, not valgrind half started). */
    struct lt_reply ready;
    if (recv_reply(&ready) != (ssize_t) sizeof ready || ready.kind != LT_FORKED) {
        char how[128];
        describe_end(how, sizeof how);
        snprintf(why, len, "the lab process did not start (%s)", how);
        return -1;
    }
    return 0;
}

int lt_finish(char *why, size_t len)
{
    if (chan >= 0) {
        close(chan);
        chan = -1;
    }
    if (!is_root)
        return lab_pidfd >= 0 && wait_gone(lab_pidfd, patience_ms()) ? 0 : -1;
    int status;
    if (lab_pid <= 0)
        return 0;               /* already reaped: a call reported how it ended */
    if (!wait_gone(lab_pidfd, patience_ms())) {
        kill(lab_pid, SIGKILL);
        waitpid(lab_pid, &status, 0);
        snprintf(why, len, "the lab process did not end after the test closed its connection");
        return -1;
    }
    if (waitpid(lab_pid, &status, 0) != lab_pid) {
        snprintf(why, len, "waitpid(lab process): %s", strerror(errno));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == LT_VALGRIND_ERRORS) {
        lab_memory_errors = 1;
        snprintf(why, len, "valgrind found memory errors in the lab process (its exit status %d)",
                 LT_VALGRIND_ERRORS);
        return -1;
    }
    if (WIFSIGNALED(status))
        lab_signal = WTERMSIG(status);
    if (WIFSIGNALED(status))
        snprintf(why, len, "the lab process was killed by signal %d (%s) after the test",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(why, len, "the lab process exited with status %d after the test",
                 WEXITSTATUS(status));
    return -1;
}
