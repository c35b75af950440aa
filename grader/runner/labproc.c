/* labproc.c — main() of the lab process: the student's lab.c plus this
   loop, and nothing that decides a verdict.

   It maps the arena the test shares (fd 4) at the agreed address, then
   answers requests on its socket (fd 3) until the test closes it:
     LT_CALL   call function fn (lt_dispatch, generated from lab.h)
     LT_FORK   fork; the child serves the socket that came with the request
     LT_INJECT make the next shmat()/semget() fail (lab-faults.c)
     LT_SIGNALS take the signal dispositions the test has now
     LT_THREAD start a thread that answers calls on the socket sent along
               (a test of code two threads share: ThreadSanitizer)
   A process that comes back here from a call it did not receive (a worker
   the student forked that returned instead of calling _exit) says so and
   ends: it must never serve calls meant for its parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "split-protocol.h"

int64_t lt_dispatch(unsigned fn, const uint64_t *a);
void lt_set_fault(unsigned call, int err);      /* lab-faults.c */

#define MAX_CHILDREN 64

static pid_t children[MAX_CHILDREN];  /* forked for the test: reaped as they end */

static void reap_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0 && waitpid(children[i], NULL, WNOHANG) == children[i])
            children[i] = 0;
}

static void send_reply_on(int chan, int kind, int64_t rc, int err, pid_t pid)
{
    struct lt_reply rep = { (uint32_t) kind, err, rc, pid };
    while (send(chan, &rep, sizeof rep, MSG_NOSIGNAL) == -1 && errno == EINTR)
        ;
}

static void send_reply(int kind, int64_t rc, int err, pid_t pid)
{
    send_reply_on(LT_CHAN_FD, kind, rc, err, pid);
}

/* Read one whole request from chan, with the descriptors sent along
   (fds, *nfds; at most LT_MAX_ARGS).  Returns 0, or -1 once the test has
   closed its end (or sent something else than a request). */
static int recv_request(int chan, struct lt_request *req, int *fds, int *nfds)
{
    char cbuf[CMSG_SPACE(sizeof(int) * LT_MAX_ARGS)];
    struct iovec iov = { req, sizeof *req };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n;
    *nfds = 0;
    while ((n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC)) == -1 && errno == EINTR)
        ;
    if (n != (ssize_t) sizeof *req)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
        *nfds = (int) ((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t) *nfds);
    }
    return 0;
}

/* A thread's loop: calls only (no fork, no faults, no signals: those stay
   with the process's own socket), until the test closes its end.  It
   shares nothing with the main loop but the student's code, so that what
   ThreadSanitizer reports is the student's. */
static void *serve_thread(void *arg)
{
    int chan = (int) (intptr_t) arg;
    for (;;) {
        struct lt_request req;
        int fds[LT_MAX_ARGS], nfds;
        if (recv_request(chan, &req, fds, &nfds) == -1 || nfds != 0 || req.kind != LT_CALL ||
            req.nargs > LT_MAX_ARGS || req.fd_mask != 0) {
            for (int i = 0; i < nfds; i++)
                close(fds[i]);
            break;
        }
        errno = req.err;
        int64_t rc = lt_dispatch(req.fn, req.arg);
        send_reply_on(chan, LT_REPLY, rc, errno, getpid());
    }
    close(chan);
    return NULL;
}

/* LT_THREAD: the thread's socket arrived with the request as fd. */
static void serve_new_thread(int fd)
{
    pthread_t t;
    pthread_attr_t attr;
    int err = fd < 0 ? EBADF : pthread_attr_init(&attr);
    if (err == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        err = pthread_create(&t, &attr, serve_thread, (void *) (intptr_t) fd);
        pthread_attr_destroy(&attr);
    }
    if (err != 0 && fd >= 0)
        close(fd);
    send_reply(LT_REPLY, err == 0 ? 0 : -1, err, getpid());
}

/* Where Yama restricts ptrace to descendants (ptrace_scope 1: Ubuntu, and
   so Gradescope), a test child may not read its lab child's memory (that
   lab child is the lab process's child, not the test child's): this
   process, untrusted anyway, lets any process of its uid do so.  The
   runner is never the one exposed (it is not dumpable). */
static void allow_tests_to_look(void)
{
#ifdef PR_SET_PTRACER
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);     /* EINVAL without Yama: fine */
#endif
}

static void on_signal(int sig)
{
    (void) sig;
}

static void mirror_signals(const struct lt_request *req)
{
    const int sigs[] = LT_MIRRORED_SIGNALS;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        uint64_t bit = 1ULL << sigs[i];
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = req->ignored & bit ? SIG_IGN : req->caught & bit ? on_signal : SIG_DFL;
        sa.sa_flags = req->restart & bit ? SA_RESTART : 0;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* LT_FORK: the new socket arrived with the request as fd. */
static void serve_fork(const struct lt_request *req, int fd)
{
    if (fd < 0) {
        send_reply(LT_FORKED, -1, EBADF, -1);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);          /* lt_kill(-pid) reaches its workers */
        dup2(fd, LT_CHAN_FD);
        close(fd);
        for (int i = 0; i < MAX_CHILDREN; i++)
            children[i] = 0;
        mirror_signals(req);
        allow_tests_to_look();          /* not inherited across fork */
        /* Ready: the test child starts only now, so it never sees this
           process half set up (the socket's old number still open, say). */
        send_reply(LT_FORKED, 0, 0, getpid());
        return;
    }
    int err = errno;
    close(fd);
    for (int i = 0; pid > 0 && i < MAX_CHILDREN; i++)
        if (children[i] == 0) {
            children[i] = pid;
            break;
        }
    send_reply(LT_FORKED, 0, err, pid);
}

int main(void)
{
    struct stat st;
    if (fstat(LT_ARENA_FD, &st) == -1 ||
        mmap((void *) LT_ARENA_ADDR, (size_t) st.st_size, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED_NOREPLACE, LT_ARENA_FD, 0) != (void *) LT_ARENA_ADDR) {
        fprintf(stderr, "labproc: cannot map the shared arena: %s\n", strerror(errno));
        return 125;
    }
    close(LT_ARENA_FD);
    allow_tests_to_look();
    send_reply(LT_FORKED, 0, 0, getpid());      /* ready: the test may begin */
    /* Signal dispositions stay as the runner's (the defaults): the student's
       code meets the signals it would meet in the test process.  Replies
       go with MSG_NOSIGNAL, so a closed socket is EPIPE here, not SIGPIPE. */
    for (;;) {
        struct lt_request req;
        int fds[LT_MAX_ARGS], nfds;
        if (recv_request(LT_CHAN_FD, &req, fds, &nfds) == -1)
            return 0;           /* the test closed its end: done */
        reap_children();
        if (req.kind == LT_FORK && nfds == 1) {
            serve_fork(&req, fds[0]);
            continue;
        }
        if (req.kind == LT_THREAD && nfds == 1) {
            serve_new_thread(fds[0]);
            continue;
        }
        if (req.kind == LT_INJECT || req.kind == LT_SIGNALS) {
            if (req.kind == LT_INJECT)
                lt_set_fault((unsigned) req.arg[0], (int) req.arg[1]);
            else
                mirror_signals(&req);
            send_reply(LT_REPLY, 0, 0, getpid());
            continue;
        }
        if (req.kind != LT_CALL || req.nargs > LT_MAX_ARGS)
            return 0;
        /* Descriptors sent along take the place of the numbers they stand for. */
        int used = 0;
        for (unsigned i = 0; i < req.nargs; i++)
            if (req.fd_mask & (1U << i))
                req.arg[i] = used < nfds ? (uint64_t) fds[used++] : (uint64_t) -1;
        pid_t self = getpid();
        errno = req.err;
        int64_t rc = lt_dispatch(req.fn, req.arg);
        int err = errno;
        if (getpid() != self) {
            send_reply(LT_STRAY, 0, 0, getpid());
            _exit(0);
        }
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        send_reply(LT_REPLY, rc, err, self);
    }
}
