/* common.h — helpers shared by lab 06's public tests and the grader's hidden
   ones: the fixture (every channel a test makes, removed by the ids it got
   even when rw_destroy() is wrong, and the readers' inbox in a shared
   anonymous mapping), the test's own idea of a whole message, waiting for a
   child with a deadline, writers and readers run as one process group and
   checked for exactly-once delivery, one bounded send, the struct reply a
   child sends back, and expecting -1 with an errno.

   Functions are static inline and the bookkeeping static: each test file
   (and each test, in its own process) has its own copy. */
#ifndef LAB06_TESTS_COMMON_H
#define LAB06_TESTS_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

static inline const char *kind_name(enum rw_kind k)
{
    switch (k) {
    case RW_FLAG: return "RW_FLAG";
    case RW_SLOT: return "RW_SLOT";
    case RW_RING: return "RW_RING";
    }
    return "(bad kind)";
}

/* Every channel a test makes is recorded with the ids it got, so that the
   teardown can remove the objects even when rw_destroy() is wrong. */
#define MAX_CHANS 2
static struct rw_chan chans[MAX_CHANS];
static int made_shmid[MAX_CHANS], made_semid[MAX_CHANS];
static int nchans;

/* What readers received, in a MAP_SHARED anonymous mapping made before the
   fork, so the test sees it after they exit. */
#define MAX_READERS 4
#define MAX_WRITERS 4
#define MAX_PER_READER 600
struct inbox {
    int count[MAX_READERS];                 /* messages reader r logged */
    int err[MAX_READERS + MAX_WRITERS];     /* errno of a failed call, per child */
    struct rw_msg got[MAX_READERS][MAX_PER_READER];
};
static struct inbox *inbox;

static inline void chans_setup(void)
{
    nchans = 0;
    inbox = mmap(NULL, sizeof *inbox, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(inbox != MAP_FAILED, "mmap: %s", strerror(errno));
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void chans_teardown(void)
{
    for (int i = 0; i < nchans; i++) {
        if (chans[i].shmid != -1)
            rw_destroy(&chans[i]);
        if (made_shmid[i] != -1)
            shmctl(made_shmid[i], IPC_RMID, NULL);      /* fails if already gone: fine */
        if (made_semid[i] != -1)
            semctl(made_semid[i], 0, IPC_RMID);
    }
    nchans = 0;
    if (inbox != MAP_FAILED && inbox != NULL)
        munmap(inbox, sizeof *inbox);
    inbox = NULL;
}

static inline struct rw_chan *new_chan(enum rw_kind kind, unsigned int nslots)
{
    ck_assert_msg(nchans < MAX_CHANS, "test bug: more than %d channels", MAX_CHANS);
    struct rw_chan *c = &chans[nchans];
    c->shmid = c->semid = -1;
    c->shared = NULL;

    int rc = rw_create(c, kind, nslots);
    int err = errno;
    made_shmid[nchans] = c->shmid;
    made_semid[nchans] = c->semid;
    nchans++;
    ck_assert_msg(rc == 0, "rw_create(%s, %u): expected 0, got %d (errno %d, %s)",
                  kind_name(kind), nslots, rc, err, strerror(err));
    ck_assert_msg(c->shmid != -1 && c->shared != NULL,
                  "rw_create(%s, %u) returned 0 but shmid is %d and shared is %p",
                  kind_name(kind), nslots, c->shmid, (void *) c->shared);
    return c;
}

/* The message writer w sends as its seq-th, built here (not with the lab's
   rw_msg_make) so the test's idea of a whole message is its own. */
static inline void expected_msg(struct rw_msg *m, int w, int seq)
{
    memset(m, 0, sizeof *m);
    m->writer = w;
    m->seq = seq;
    int n = snprintf(m->text, sizeof m->text, "w%d s%d ", w, seq);
    memset(m->text + n, 'a' + (w + seq) % 26, (size_t) (RW_TEXT_SIZE - 1 - n));
}

static inline int msg_is_whole(const struct rw_msg *m)
{
    struct rw_msg want;
    if (m->writer < 0 || m->writer >= MAX_WRITERS || m->seq < 0)
        return 0;
    expected_msg(&want, m->writer, m->seq);
    return memcmp(&want, m, sizeof want) == 0;
}

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_s(double s)
{
    struct timespec ts = { (time_t) s, (long) ((s - (double) (time_t) s) * 1e9) };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* wait_deadline, and a child still running then is SIGKILLed (with the
   process group it leads, if it leads one) and reaped.  Returns 1 when it
   ended in time (*status set). */
static inline int wait_or_kill(pid_t pid, double seconds, int *status)
{
    int ended = wait_deadline(pid, seconds, status);
    if (!ended) {
        kill(-pid, SIGKILL);                    /* ESRCH unless it leads a group: fine */
        kill(pid, SIGKILL);
        waitpid(pid, status, 0);
    }
    return ended;
}

/* Start writers and readers as children of one coordinator process that
   leads their process group.  Writer w sends per_writer messages (seq 0..),
   reader r receives its share and logs it in inbox.  When the coordinator
   is not done after LABTEST_PATIENCE_S the whole group is killed.
   Returns 1 when everyone finished in time. */
static inline int run_traffic(struct rw_chan *c, int nwriters, int per_writer, int nreaders)
{
    int total = nwriters * per_writer, share = total / nreaders;
    ck_assert_msg(nwriters <= MAX_WRITERS && nreaders <= MAX_READERS && share * nreaders == total &&
                  share <= MAX_PER_READER, "test bug: bad traffic shape");
    memset(inbox, 0, sizeof *inbox);

    pid_t coord = fork();
    ck_assert_msg(coord != -1, "fork: %s", strerror(errno));
    if (coord == 0) {
        setpgid(0, 0);
        int bad = 0;
        for (int i = 0; i < nwriters + nreaders; i++) {
            pid_t pid = fork();
            if (pid == -1) {
                bad = 1;
                break;
            }
            if (pid > 0)
                continue;
            if (i < nwriters) {                 /* writer i */
                for (int s = 0; s < per_writer; s++) {
                    struct rw_msg m;
                    expected_msg(&m, i, s);
                    if (rw_send(c, &m) == -1) {
                        inbox->err[MAX_READERS + i] = errno;
                        _exit(1);
                    }
                }
                _exit(0);
            }
            int r = i - nwriters;               /* reader r */
            for (int k = 0; k < share; k++) {
                if (rw_recv(c, &inbox->got[r][k]) == -1) {
                    inbox->err[r] = errno;
                    _exit(1);
                }
                inbox->count[r] = k + 1;
            }
            _exit(0);
        }
        int status;
        while (wait(&status) > 0)
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bad = 1;
        _exit(bad);
    }
    setpgid(coord, coord);
    int status, ended = wait_deadline(coord, LABTEST_PATIENCE_S, &status);
    kill(-coord, SIGKILL);
    if (!ended)
        waitpid(coord, &status, 0);
    return ended;
}

/* After run_traffic: every (writer, seq) received exactly once and whole.
   With one reader, each writer's messages also arrive in the order sent. */
static inline void expect_exactly_once(struct rw_chan *c, int nwriters, int per_writer,
                                       int nreaders, int ended)
{
    int total = nwriters * per_writer, got = 0;
    for (int r = 0; r < nreaders; r++)
        got += inbox->count[r];
    for (int i = 0; i < nreaders + MAX_WRITERS; i++) {
        int err = inbox->err[i];
        ck_assert_msg(err == 0, "%s: a %s failed with errno %d (%s) after %d of %d messages",
                      kind_name(c->kind), i < MAX_READERS ? "rw_recv" : "rw_send", err,
                      strerror(err), got, total);
    }
    ck_assert_msg(ended, "%s, %d writers x %d messages, %d readers: only %d of %d received after"
                  " %d s (lost messages, or a wait that never ends)",
                  kind_name(c->kind), nwriters, per_writer, nreaders, got, total, LABTEST_PATIENCE_S);

    static unsigned char seen[MAX_WRITERS][MAX_READERS * MAX_PER_READER];
    memset(seen, 0, sizeof seen);
    for (int r = 0; r < nreaders; r++) {
        int last[MAX_WRITERS] = { -1, -1, -1, -1 };
        for (int k = 0; k < inbox->count[r]; k++) {
            const struct rw_msg *m = &inbox->got[r][k];
            ck_assert_msg(msg_is_whole(m), "%s: reader %d's message %d is torn or foreign"
                          " (writer %d, seq %d, text \"%.20s...\")", kind_name(c->kind), r, k,
                          m->writer, m->seq, m->text);
            ck_assert_msg(m->writer < nwriters && m->seq < per_writer,
                          "%s: reader %d got writer %d seq %d, which was never sent",
                          kind_name(c->kind), r, m->writer, m->seq);
            ck_assert_msg(seen[m->writer][m->seq] == 0,
                          "%s: writer %d's message %d was received twice", kind_name(c->kind),
                          m->writer, m->seq);
            seen[m->writer][m->seq] = 1;
            if (nreaders == 1)
                ck_assert_msg(m->seq > last[m->writer], "%s: writer %d's message %d arrived after"
                              " its message %d (expected the order sent)", kind_name(c->kind),
                              m->writer, m->seq, last[m->writer]);
            last[m->writer] = m->seq;
        }
    }
    ck_assert_msg(got == total, "%s: expected %d messages, received %d", kind_name(c->kind),
                  total, got);
}

/* run_traffic and expect_exactly_once in one. */
static inline void traffic_exactly_once(struct rw_chan *c, int nwriters, int per_writer, int nreaders)
{
    int ended = run_traffic(c, nwriters, per_writer, nreaders);
    expect_exactly_once(c, nwriters, per_writer, nreaders, ended);
}

/* Send one message from a child with a deadline (a wrong rw_send could
   wait for ever).  Fails the test unless it returned 0. */
static inline void send_bounded(struct rw_chan *c, int w, int seq)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct rw_msg m;
        expected_msg(&m, w, seq);
        _exit(rw_send(c, &m) == 0 ? 0 : 1);
    }
    int status, ended = wait_or_kill(pid, LABTEST_PATIENCE_S, &status);
    ck_assert_msg(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: rw_send of one message to an empty channel: expected 0, %s",
                  kind_name(c->kind), ended ? "it failed" : "it never returned");
}

struct reply {
    int rc, err;
    double seconds;             /* how long the call took */
    double started;             /* when it began (now(): CLOCK_MONOTONIC, one clock for all processes) */
    struct rw_msg m;
};

#endif
