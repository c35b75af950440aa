/* split-protocol.h — the messages between a test (trusted) and the lab
   process that runs the student's code (untrusted).

   One SOCK_SEQPACKET socket per pair of processes: every message is read
   whole or not at all, so a lab process can only send well-formed,
   bounded records, and the trusted side checks every field it uses. */
#ifndef SHMLAB_SPLIT_PROTOCOL_H
#define SHMLAB_SPLIT_PROTOCOL_H

#include <stdint.h>

/* Both processes map the shared arena here (see split.c): pointers a test
   passes are valid, at the same address, in the lab process. */
#define LT_ARENA_ADDR 0x7e9000000000UL
#define LT_MAX_ARGS 8
#define LT_CHAN_FD 3       /* in the lab process: its socket */
/* valgrind's exit status for a lab process in which it found errors
   (--error-exitcode): seen by the runner, whatever became of the report */
#define LT_VALGRIND_ERRORS 99
#define LT_ARENA_FD 4      /* in the lab process: the arena's memfd */
/* ThreadSanitizer's exit status for a lab process in which it found a data
   race (TSAN_OPTIONS exitcode, halt_on_error: it stops at the first) */
#define LT_TSAN_RACE 66
/* valgrind's XML and log go to sockets the supervisor reads (it files each
   message by its sender's pid, outside the test's folder).  They sit at the
   top of a 1024-descriptor limit: inside the range valgrind keeps for
   itself, where the program under it gets EBADF for every call, so no code
   of the lab process can write into them, close them or reach them. */
#define LT_NOFILE 1024
#define LT_VG_XML_FD 1022
#define LT_VG_LOG_FD 1023
#define LT_STR_(x) #x
#define LT_STR(x) LT_STR_(x)   /* "1022", for valgrind's command line */

enum lt_kind {
    LT_CALL = 1,           /* test -> lab: call function fn with arg[] */
    LT_FORK,               /* test -> lab: fork; the child serves the socket sent along */
    LT_REPLY,              /* lab -> test: the call returned rc, errno err */
    LT_FORKED,             /* lab -> test: the fork's child is pid (-1: err) */
    LT_STRAY,              /* lab -> test: process pid returned from a call it did not receive */
    LT_INJECT,             /* test -> lab: arg[0] (an lt_fault) fails with errno arg[1]; 0 stops */
    LT_SIGNALS,            /* test -> lab: catch/ignore signals as the caught, ignored bits say */
    LT_THREAD,             /* test -> lab: start a thread that serves the socket sent along */
};

enum lt_fault { LT_FAULT_SHMAT, LT_FAULT_SEMGET, LT_FAULT_COUNT };

/* Signals a test catches when it forks: the lab child catches them too (with
   a handler that only returns), so a signal meant to interrupt a blocking
   call interrupts it in the process that makes the call. */
#define LT_MIRRORED_SIGNALS { SIGUSR1, SIGUSR2, SIGALRM, SIGINT, SIGTERM, SIGHUP, SIGPIPE }

struct lt_request {
    uint32_t kind;
    uint32_t fn;                 /* LT_CALL: index in the generated table */
    int32_t err;                 /* errno at the call, as the caller had it */
    uint32_t nargs;
    uint64_t arg[LT_MAX_ARGS];
    uint32_t fd_mask;            /* LT_CALL: bit i = arg i is a descriptor sent along */
    uint32_t reserved;
    uint64_t caught;             /* LT_FORK: bit n = signal n is caught, */
    uint64_t ignored;            /* bit n = signal n is ignored */
    uint64_t restart;            /* bit n = its handler has SA_RESTART */
};

struct lt_reply {
    uint32_t kind;
    int32_t err;
    int64_t rc;
    int64_t pid;
};

#endif
