/* pingpong.h — round trips of a 64-byte message between two processes,
   one transport at a time (bench/pingpong.c, used by bench.c). */
#ifndef SHMLAB_PINGPONG_H
#define SHMLAB_PINGPONG_H

enum pp_transport { PP_PIPE, PP_FIFO, PP_SOCKET, PP_SYSV_MSGQ, PP_POSIX_MQ, PP_SPIN, PP_FUTEX, PP_N };

extern const char *const pingpong_names[PP_N];

typedef void (*pp_pin_fn)(int n);       /* put this process on the n-th CPU */
typedef double (*pp_clock_fn)(void);    /* seconds, CLOCK_MONOTONIC */

/* 0 if the transport cannot run here (lab 09's ring is still a starter). */
int pingpong_available(enum pp_transport t);

/* Round trips per second, measured over at least min_seconds (FIFOs are
   made in dir); -1 if the transport failed. */
double pingpong_rate(enum pp_transport t, double min_seconds, const char *dir, pp_pin_fn pin, pp_clock_fn now);

#endif
