/* lab.h — Lab 06: from a racy `written` flag to a correct channel.  (Never
   edit this file: the grader compiles your lab.c against its own copy.)

   Writers hand fixed-size messages to readers through one System V shared
   memory segment.  Three channels, each one a step further:

     RW_FLAG  the classic shmwrite/shmread pair: one slot and a `written` flag
              that writers and readers poll.  Correct for exactly one writer
              and one reader; a second writer can see the flag clear at the
              same moment as the first, and one message is lost or torn.  It
              also burns CPU while it waits.
     RW_SLOT  one slot guarded by two System V semaphores, EMPTY and FULL:
              a writer waits for EMPTY, a reader for FULL.  Waiting processes
              sleep in the kernel.  Safe with several writers and readers.
     RW_RING  a bounded ring of nslots slots: EMPTY counts free slots, FULL
              counts filled ones, and MUTEX (taken with SEM_UNDO) guards the
              in/out indexes, so several writers and readers can share it and
              a process killed while holding MUTEX does not wedge the others.

   The semaphore set (RW_SLOT, RW_RING) has RW_NSEMS semaphores:

     RW_SEM_EMPTY  starts at nslots  writer: -1 before filling a slot
                                     reader: +1 after emptying one
     RW_SEM_FULL   starts at 0       writer: +1 after filling a slot
                                     reader: -1 before emptying one
     RW_SEM_MUTEX  starts at 1       RW_RING: -1/+1 around the in/out update,
                                     always with SEM_UNDO (RW_SLOT: unused)

   EMPTY and FULL are never changed with SEM_UNDO: the process that takes a
   token is not the one that gives it back, and undoing the writer's +1 on
   FULL when it exits would take back a message it did send.

   Every function returns 0 on success and -1 with errno set on failure.
   None prints and none exits: the caller decides. */
#ifndef LAB06_READER_WRITER_H
#define LAB06_READER_WRITER_H

#include <stdatomic.h>
#include <sys/stat.h>

#define RW_PERMS (S_IRUSR | S_IWUSR)  /* segment and semaphore set: owner rw */
#define RW_TEXT_SIZE 64               /* bytes of text in one message */
#define RW_SLOTS_MAX 64               /* RW_RING: most slots rw_create() accepts */

#define RW_SEM_EMPTY 0                /* free slots (see above) */
#define RW_SEM_FULL  1                /* filled slots */
#define RW_SEM_MUTEX 2                /* RW_RING: guards in and out */
#define RW_NSEMS     3                /* semaphores in the set */

enum rw_kind {
    RW_FLAG,   /* seed 004's polled `written` flag: one writer, one reader */
    RW_SLOT,   /* one slot, EMPTY/FULL semaphores */
    RW_RING    /* nslots slots, EMPTY/FULL/MUTEX semaphores */
};

/* One message.  rw_msg_make() fills it in a way rw_msg_valid() can check,
   so a message stitched from two (a torn one) is recognised. */
struct rw_msg {
    int writer;                 /* the sender's number, >= 0 */
    int seq;                    /* the sender's message count, from 0 */
    char text[RW_TEXT_SIZE];    /* "w<writer> s<seq> " then one letter up to
                                   the end, then '\0' (see rw_msg_make) */
};

/* The segment's layout: what every process sees at the attached address. */
struct rw_shared {
    _Atomic int written;        /* RW_FLAG: 1 while slot[0] holds an unread
                                   message, 0 while writers may fill it */
    unsigned int nslots;        /* slots in slot[] */
    unsigned int in;            /* RW_RING: next slot a writer fills */
    unsigned int out;           /* RW_RING: next slot a reader empties */
    struct rw_msg slot[];       /* nslots messages */
};

/* One process's handle on a channel: copied into each child by fork(). */
struct rw_chan {
    enum rw_kind kind;
    int shmid;                  /* the segment, IPC_PRIVATE; -1 when none */
    int semid;                  /* RW_SLOT, RW_RING: the semaphore set; -1 otherwise */
    struct rw_shared *shared;   /* where the segment is attached; NULL when not */
};

/* Fill *m with writer, seq and the text "w<writer> s<seq> " followed by the
   letter 'a' + (writer + seq) % 26 up to text[RW_TEXT_SIZE - 2], and '\0'.
   Errors: EINVAL if m is NULL or writer or seq is negative. */
int rw_msg_make(struct rw_msg *m, int writer, int seq);

/* 1 if *m is exactly what rw_msg_make(m->writer, m->seq) would make (not
   torn), 0 if not or if m is NULL. */
int rw_msg_valid(const struct rw_msg *m);

/* Create a channel of the given kind with nslots slots (RW_FLAG and RW_SLOT:
   exactly 1; RW_RING: 1..RW_SLOTS_MAX): an IPC_PRIVATE segment sized for
   struct rw_shared and its slots (RW_PERMS), attached, with written, in and
   out at 0; for RW_SLOT and RW_RING a set of RW_NSEMS semaphores with EMPTY
   = nslots, FULL = 0, MUTEX = 1.  On failure nothing is left behind.
   Errors: EINVAL if c is NULL, kind is not an rw_kind or nslots is out of
   range; otherwise the errno of the failing shmget/shmat/semget/semctl. */
int rw_create(struct rw_chan *c, enum rw_kind kind, unsigned int nslots);

/* Send *m: wait until a slot is free, copy the message into it, and make it
   available to one reader.  RW_FLAG polls `written` (sched_yield between
   looks); RW_SLOT and RW_RING sleep in semop, retried on EINTR.
   Errors: EINVAL if c or m is NULL or c is not attached; semop's errno
   (EIDRM if the channel is destroyed while we wait). */
int rw_send(struct rw_chan *c, const struct rw_msg *m);

/* Receive one message into *m, waiting until one is there.  Each message
   sent is received by exactly one reader.  Errors: as rw_send(). */
int rw_recv(struct rw_chan *c, struct rw_msg *m);

/* rw_send() and rw_recv() that give up after timeout_ms milliseconds:
   -1 with ETIMEDOUT (semtimedop(2) itself reports a timeout as EAGAIN).  A
   signal does not restart the wait from the beginning: the deadline stays
   where it was.  RW_FLAG polls until the deadline.  A timeout_ms of 0 only
   tries: it succeeds if the message can move without waiting, and fails at
   once with ETIMEDOUT otherwise (semtimedop with a zero timeout does the
   same, reporting EAGAIN).
   Errors: EINVAL if timeout_ms < 0; ETIMEDOUT; otherwise as rw_send(). */
int rw_send_timed(struct rw_chan *c, const struct rw_msg *m, long timeout_ms);
int rw_recv_timed(struct rw_chan *c, struct rw_msg *m, long timeout_ms);

/* Take (rw_lock) or give back (rw_unlock) an RW_RING's MUTEX, always with
   SEM_UNDO, so that the kernel gives it back if the holder dies.  rw_lock
   waits while another process holds it (semop retried on EINTR).
   Errors: EINVAL if c is NULL, not attached or not an RW_RING; semop's. */
int rw_lock(struct rw_chan *c);
int rw_unlock(struct rw_chan *c);

/* Detach the segment and remove it and the semaphore set (IPC_RMID), then
   set shmid and semid to -1 and shared to NULL.  Processes waiting on the
   set wake up with EIDRM.
   Errors: EINVAL if c is NULL or already destroyed; shmdt/shmctl/semctl's. */
int rw_destroy(struct rw_chan *c);

#endif
