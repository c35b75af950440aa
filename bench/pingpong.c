/* pingpong.c — round trips of a 64-byte message between two processes
   (part of make bench; see bench.c).

   The parent sends 64 bytes, the child sends them back, many times over:
   a round trip is two messages and, for every transport but the spinning
   ones, two sleeps and two wake-ups.  The rows: pipe, FIFO, Unix-domain
   stream socket, System V message queue, POSIX message queue, a plain
   shared-memory mailbox both sides spin on, and lab 09's futex ring
   (skipped while lab 09's lab.c is a starter).  The two sides are pinned
   to two CPUs, as in the throughput table. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pingpong.h"
#include "../labs/09-futex/lab.h"

#define MSG 64

const char *const pingpong_names[PP_N] = { "pipe", "fifo", "unix socket", "sysv msgq", "posix mq",
                                           "shm spin", "shm futex" };

struct spin_box {
    _Alignas(64) _Atomic uint32_t seq;
    unsigned char data[MSG];
};

/* Both directions of one transport; each side uses its own half. */
struct channel {
    enum pp_transport t;
    int to_child[2], to_parent[2];      /* pipe, FIFO; socket: to_child[0..1] is the pair */
    int msqid;
    mqd_t mq_child, mq_parent;
    struct spin_box *box;               /* [0] to the child, [1] to the parent */
    struct fring there, back;
    char fifo[2][256];
};

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k == -1 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t) k;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k == -1 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t) k;
    }
    return 0;
}

static int open_channel(struct channel *c, const char *dir)
{
    switch (c->t) {
    case PP_PIPE:
        return pipe(c->to_child) == -1 || pipe(c->to_parent) == -1 ? -1 : 0;
    case PP_FIFO:
        for (int i = 0; i < 2; i++) {
            snprintf(c->fifo[i], sizeof c->fifo[i], "%s/pingpong-%d.fifo", dir, i);
            unlink(c->fifo[i]);
            if (mkfifo(c->fifo[i], 0600) == -1)
                return -1;
        }
        return 0;                       /* opened by each side after fork */
    case PP_SOCKET:
        return socketpair(AF_UNIX, SOCK_STREAM, 0, c->to_child);
    case PP_SYSV_MSGQ:
        c->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        return c->msqid == -1 ? -1 : 0;
    case PP_POSIX_MQ: {
        struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = MSG };
        char name[64];
        snprintf(name, sizeof name, "/shmlab-bench-%ld-c", (long) getpid());
        c->mq_child = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        mq_unlink(name);                /* the descriptors keep it */
        snprintf(name, sizeof name, "/shmlab-bench-%ld-p", (long) getpid());
        c->mq_parent = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        mq_unlink(name);
        return c->mq_child == (mqd_t) -1 || c->mq_parent == (mqd_t) -1 ? -1 : 0;
    }
    case PP_SPIN:
        c->box = mmap(NULL, 2 * sizeof *c->box, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return c->box == MAP_FAILED ? -1 : 0;
    case PP_FUTEX:
        if (fring_create(&c->there, FRING_MIN_CAPACITY * 4, FRING_FUTEX) == -1)
            return -1;
        if (fring_create(&c->back, FRING_MIN_CAPACITY * 4, FRING_FUTEX) == -1) {
            fring_destroy(&c->there);
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

static void close_channel(struct channel *c)
{
    if (c->t == PP_PIPE)
        for (int i = 0; i < 2; i++) {
            close(c->to_child[i]);
            close(c->to_parent[i]);
        }
    else if (c->t == PP_FIFO)
        for (int i = 0; i < 2; i++)
            unlink(c->fifo[i]);
    else if (c->t == PP_SOCKET) {
        close(c->to_child[0]);
        close(c->to_child[1]);
    } else if (c->t == PP_SYSV_MSGQ)
        msgctl(c->msqid, IPC_RMID, NULL);
    else if (c->t == PP_POSIX_MQ) {
        mq_close(c->mq_child);
        mq_close(c->mq_parent);
    } else if (c->t == PP_SPIN)
        munmap(c->box, 2 * sizeof *c->box);
    else if (c->t == PP_FUTEX) {
        fring_destroy(&c->there);
        fring_destroy(&c->back);
    }
}

/* The FIFO ends each side opens: the parent writes fifo 0, reads fifo 1. */
static void open_fifos(struct channel *c, int child)
{
    if (child) {
        c->to_child[0] = open(c->fifo[0], O_RDONLY);
        c->to_parent[1] = open(c->fifo[1], O_WRONLY);
    } else {
        c->to_child[1] = open(c->fifo[0], O_WRONLY);
        c->to_parent[0] = open(c->fifo[1], O_RDONLY);
    }
}

struct sysv_msg {
    long mtype;                         /* 1: to the child, 2: to the parent */
    unsigned char data[MSG];
};

/* Send one message towards the child (child = 0) or the parent. */
static int send_msg(struct channel *c, int from_child, const unsigned char *msg)
{
    switch (c->t) {
    case PP_PIPE:
    case PP_FIFO:
        return write_all(from_child ? c->to_parent[1] : c->to_child[1], msg, MSG);
    case PP_SOCKET:
        return write_all(c->to_child[from_child ? 1 : 0], msg, MSG);
    case PP_SYSV_MSGQ: {
        struct sysv_msg m = { from_child ? 2 : 1, { 0 } };
        memcpy(m.data, msg, MSG);
        return msgsnd(c->msqid, &m, MSG, 0);
    }
    case PP_POSIX_MQ:
        return mq_send(from_child ? c->mq_parent : c->mq_child, (const char *) msg, MSG, 0);
    case PP_SPIN: {
        struct spin_box *b = &c->box[from_child ? 1 : 0];
        memcpy(b->data, msg, MSG);
        atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
        return 0;
    }
    case PP_FUTEX:
        return fring_write(from_child ? &c->back : &c->there, msg, MSG, -1);
    default:
        return -1;
    }
}

/* Receive message number n (1, 2, ...) on this side. */
static int recv_msg(struct channel *c, int child, unsigned char *msg, uint32_t n)
{
    switch (c->t) {
    case PP_PIPE:
    case PP_FIFO:
        return read_all(child ? c->to_child[0] : c->to_parent[0], msg, MSG);
    case PP_SOCKET:
        return read_all(c->to_child[child ? 1 : 0], msg, MSG);
    case PP_SYSV_MSGQ: {
        struct sysv_msg m;
        if (msgrcv(c->msqid, &m, MSG, child ? 1 : 2, 0) != MSG)
            return -1;
        memcpy(msg, m.data, MSG);
        return 0;
    }
    case PP_POSIX_MQ: {
        char buf[MSG];
        if (mq_receive(child ? c->mq_child : c->mq_parent, buf, MSG, NULL) != MSG)
            return -1;
        memcpy(msg, buf, MSG);
        return 0;
    }
    case PP_SPIN: {
        struct spin_box *b = &c->box[child ? 0 : 1];
        while (atomic_load_explicit(&b->seq, memory_order_acquire) != n)
            ;
        memcpy(msg, b->data, MSG);
        return 0;
    }
    case PP_FUTEX: {
        size_t got = 0;
        while (got < MSG) {
            long k = fring_read(child ? &c->there : &c->back, msg + got, MSG - got, -1);
            if (k <= 0)
                return -1;
            got += (size_t) k;
        }
        return 0;
    }
    default:
        return -1;
    }
}

/* One timed run of trips round trips; seconds, or -1. */
static double run_once(enum pp_transport t, long trips, const char *dir, pp_pin_fn pin, pp_clock_fn now)
{
    struct channel c = { .t = t, .to_child = { -1, -1 }, .to_parent = { -1, -1 } };
    if (open_channel(&c, dir) == -1)
        return -1;
    pid_t pid = fork();
    if (pid == -1) {
        close_channel(&c);
        return -1;
    }
    unsigned char msg[MSG];
    if (pid == 0) {
        pin(1);
        if (t == PP_FIFO)
            open_fifos(&c, 1);
        for (long i = 1; i <= trips; i++)
            if (recv_msg(&c, 1, msg, (uint32_t) i) == -1 || send_msg(&c, 1, msg) == -1)
                _exit(1);
        _exit(0);
    }
    if (t == PP_FIFO)
        open_fifos(&c, 0);
    memset(msg, 0x42, sizeof msg);
    /* One trip untimed: both sides are up and their pages are in. */
    double start = 0;
    int ok = 1;
    for (long i = 1; i <= trips && ok; i++) {
        if (i == 2)
            start = now();
        ok = send_msg(&c, 0, msg) == 0 && recv_msg(&c, 0, msg, (uint32_t) i) == 0;
    }
    double seconds = now() - start;
    int status;
    waitpid(pid, &status, 0);
    if (t == PP_FIFO)
        for (int i = 0; i < 2; i++) {
            close(c.to_child[i]);
            close(c.to_parent[i]);
        }
    close_channel(&c);
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? seconds : -1;
}

int pingpong_available(enum pp_transport t)
{
    if (t != PP_FUTEX)
        return 1;
    struct fring probe;
    if (fring_create(&probe, FRING_MIN_CAPACITY, FRING_FUTEX) == -1)
        return 0;
    fring_destroy(&probe);
    return 1;
}

/* Round trips per second: the run grows until it lasts min_seconds. */
double pingpong_rate(enum pp_transport t, double min_seconds, const char *dir, pp_pin_fn pin, pp_clock_fn now)
{
    for (long trips = 1000;; trips *= 4) {
        double s = run_once(t, trips + 1, dir, pin, now);
        if (s < 0)
            return -1;
        if (s >= min_seconds || trips >= (1L << 26))
            return (double) trips / s;
    }
}
