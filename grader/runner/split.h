/* split.h — what a test sees of the split harness (split.c).

   The test process is trusted: it runs the Check tests and decides every
   verdict, and no student code ever runs in it.  The student's lab.c runs in
   a separate lab process (under valgrind when graded), which only answers
   calls.  Every function lab.h declares has a stub here (api.c, generated
   by gen-api.sh): the stub sends the call over a socket and returns what the
   lab process answered, with its errno.

   Memory: handles and buffers a test passes are copied into a shared arena
   (the same address in both processes) and back after the call, so tests
   keep their `struct race r;` on the stack.  A pointer the student stored
   (r.shared, say) is an address in the lab process: read it with LT_READ(),
   never dereference it.

   Processes: in a test, fork() is lt_fork(): the lab process forks too, and
   the child's calls go to the lab child, so the process that takes a lock is
   the one the test kills.  kill() is lt_kill(): SIGKILL kills both (and
   waits until the lab child is gone), signals that interrupt a call go to
   the lab child only.  _exit() in a test child waits for its lab child to
   end first, and waitpid() that reaps a test child waits for its lab child
   to be gone too, so that what the pair held (a semaphore with SEM_UNDO, a
   robust mutex, an attachment) is released when the parent sees the child
   gone, however the child ended. */
#ifndef SHMLAB_SPLIT_H
#define SHMLAB_SPLIT_H

#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/types.h>

#include "split-protocol.h"

/* Seconds a test may wait for something another process should do soon
   (a lock being freed, a child exiting): 10 on the reference machine under
   valgrind, times the slowdown the grader measured on this one
   (LABTEST_SLOWDOWN, see grader/src/calibrate.c), so that a slow or loaded
   machine gives the same verdict as a fast one.  Never a verdict by itself:
   only how long to wait before calling something stuck. */
static inline int labtest_patience_s(void)
{
    const char *s = getenv("LABTEST_SLOWDOWN");
    double f = s != NULL ? atof(s) : 1;
    return (int) (10 * (f >= 1 && f <= 100 ? f : 1) + 0.999);
}


struct lt_copy {
    void *to;
    const void *from;
    size_t n;
};

struct lt_call {
    struct lt_request req;
    struct lt_copy back[LT_MAX_ARGS];   /* what to copy out after the call */
    int nback;
    int fds[LT_MAX_ARGS];               /* descriptors to send along */
    int nfds;
    size_t used;                        /* bytes of this process's scratch */
};

void lt_call_begin(struct lt_call *c, unsigned fn);
void lt_arg_word(struct lt_call *c, uint64_t w);
void lt_arg_str(struct lt_call *c, const char *s);
void lt_arg_buf(struct lt_call *c, const void *p, size_t n, int copy_out);
void lt_arg_raw(struct lt_call *c, const void *p);
void lt_arg_fd(struct lt_call *c, int fd);
int64_t lt_call_end(struct lt_call *c);

/* n zeroed bytes in the arena, seen at the same address by the lab process
   (and by every process of the test); never freed. */
void *lt_alloc(size_t n);

pid_t lt_fork(void);
int lt_kill(pid_t pid, int sig);
pid_t lt_waitpid(pid_t pid, int *status, int options);
pid_t lt_wait(int *status);
void lt_exit(int status) __attribute__((noreturn));

/* The lab process that answers this process's calls, and the one that
   answers those of test_child (a child this process forked; -1 if not). */
pid_t lt_lab_pid(void);
pid_t lt_peer(pid_t test_child);

/* Tests of code that two threads share (run under ThreadSanitizer: the
   points file marks them thread-sanitizer).  lt_lab_thread() starts a
   thread in this process's lab process that answers calls on a socket of
   its own, and returns that socket; a test thread (pthread_create) calls
   lt_use_lab_thread(socket) first, and from then on its calls run in that
   lab thread.  Such a thread makes calls only: no fork, no descriptors
   passed, no faults injected.  Do not ck_assert in a test thread: hand
   what it saw to the test's own thread, which decides. */
int lt_lab_thread(void);
void lt_use_lab_thread(int channel);

/* "" or, if a test thread's call found the lab process gone, why (the
   first time): the call itself failed with EPIPE. */
const char *lt_lab_thread_failure(void);

/* Lab processes that returned from a call they did not receive (a forked
   worker that returned instead of calling _exit): counted, then ended. */
int lt_strays(void);

/* The runner's side: strays seen by every process of the test, and (*fn)
   the function the first one returned from. */
int lt_all_strays(const char **fn);

/* Give this process's lab process the signal dispositions this process has
   now (for the signals in LT_MIRRORED_SIGNALS: a handler that only returns,
   with the same SA_RESTART; SIG_IGN; SIG_DFL).  A test child that sets a
   handler after fork() calls this before the call the signal must reach. */
void lt_mirror_signals(void);

/* From now on, the lab process's shmat() or semget() (LT_FAULT_SHMAT,
   LT_FAULT_SEMGET) fails with err; 0 makes it work again. */
void lt_inject(enum lt_fault call, int err);

/* Copy n bytes at addr in the lab process; 0, or -1 with errno. */
int lt_peek(const void *addr, void *out, size_t n);

/* Copy n bytes from src to addr in the lab process; 0, or -1 with errno. */
int lt_poke(void *addr, const void *src, size_t n);

/* The value of an lvalue that lives in the lab process's memory, and an
   assignment to one; either fails the test if that memory is not there. */
#define LT_READ(lv) ({                                      \
        __typeof__(lv) lt_v_;                               \
        lt_peek_or_fail(&(lv), &lt_v_, sizeof lt_v_, #lv);  \
        lt_v_; })
#define LT_WRITE(lv, val) do {                                  \
        __typeof__(lv) lt_w_ = (val);                           \
        lt_poke_or_fail(&(lv), &lt_w_, sizeof lt_w_, #lv);      \
    } while (0)
void lt_peek_or_fail(const void *addr, void *out, size_t n, const char *what);
void lt_poke_or_fail(void *addr, const void *src, size_t n, const char *what);

/* Strings in the lab process's memory: lt_put_str copies s (with its '\0')
   to addr; lt_get_str reads at most max - 1 bytes at addr, up to a '\0',
   into one of a few static buffers (valid until the fourth call after). */
void lt_put_str(void *addr, const char *s);
const char *lt_get_str(const void *addr, size_t max);

/* The runner's side: start the lab process (argv), and at the end close
   the socket and wait for it.  lt_finish() returns 0 when the lab process
   ended by itself with status 0, else -1 with the reason in why. */
int lt_start(char *const argv[], char *why, size_t len);

/* fd (the result pipe) stays in the runner alone: test children close it,
   so only the process that decides can write a verdict. */
void lt_keep_private(int fd);
int lt_finish(char *why, size_t len);

/* The signal that killed the (first) lab process, 0 if none did; 1 if
   valgrind's exit status says it found memory errors in it. */
int lt_lab_signal(void);
int lt_lab_memory_errors(void);

#endif
