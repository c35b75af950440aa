/* demo.c — Lab 07 in a lecture hall: seed 002's key table under fire.

   Eight processes open the store by key and put and get at once; a writer
   is SIGKILLed inside ks_put a hundred times and the record checked after
   each kill; a delete shows the record's bytes before and after; and each
   of seed 002's silent failures gets its own error.

   $ make demo LAB=7
   8 processes x 200 put+get on key 0x4b441af7: 1600 records, 0 wrong, 0.01 s
   kill -9 a writer inside ks_put, 100 times: killed mid-change 31 times, torn 0
   ks_del(p0, s0), the record in the segment:
     before:  01 00 00 00 00 00 00 00 70 30 00 00 ...
     after:   00 00 00 00 00 00 00 00 00 00 00 00 ...
   Seed 002's silent failures, each with its own error:
     put into a full table      -> ENOSPC   ...

   Colour only when stdout is a terminal and NO_COLOR is not set. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define PROCS 8
#define PER_PROC 200

static int colour;
static const char *paint(const char *code) { return colour ? code : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    if (errno == ENOSYS)
        fprintf(stderr, "demo: finish the TODOs in lab.c first (make check LAB=7)\n");
    exit(EXIT_FAILURE);
}

/* Child k: open the store by key, put PER_PROC records, read each back. */
static int worker(key_t key, int k)
{
    struct keystore ks;
    if (ks_open(&ks, key) == -1)
        return 1;
    int wrong = 0;
    for (int i = 0; i < PER_PROC; i++) {
        char c[KS_ID_SIZE], s[KS_ID_SIZE], sec[32];
        struct ks_entry e;
        snprintf(c, sizeof c, "p%d", k);
        snprintf(s, sizeof s, "s%d", i);
        int len = snprintf(sec, sizeof sec, "secret %d/%d", k, i);
        if (ks_put(&ks, c, s, i, sec, (size_t) len) != 1 || ks_get(&ks, c, s, &e) != 0 ||
            e.seckey_len != (size_t) len || memcmp(e.seckey, sec, (size_t) len) != 0)
            wrong++;
    }
    ks_close(&ks);
    return wrong > 0;
}

static void show(const char *label, const void *p)
{
    const unsigned char *b = p;
    printf("  %-20s", label);
    for (int i = 0; i < 20; i++)
        printf(" %s%02x%s", paint(b[i] ? "\033[31m" : ""), b[i], paint("\033[0m"));
    printf(" ...\n");
}

static void expect(const char *what, int rc, const char *name, const char *seed)
{
    printf("  %-26s -> %s%-13s%s %s\n", what, paint("\033[32m"), rc == -1 ? name : "(no error!)",
           paint("\033[0m"), seed);
}

int main(void)
{
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    setvbuf(stdout, NULL, _IONBF, 0);
    key_t key = (key_t) (0x4b440000 | (getpid() & 0xffff));
    struct keystore ks;
    struct ks_entry e;
    if (ks_create(&ks, key, PROCS * PER_PROC) == -1)
        die("ks_create");

    /* 1. A class at the keyboard. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < PROCS; k++)
        if (fork() == 0)
            _exit(worker(key, k));
    int status, failed = 0;
    while (wait(&status) > 0)
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%s%d processes x %d put+get%s on key 0x%08x: %d records, %d wrong, %.2f s\n",
           paint("\033[1m"), PROCS, PER_PROC, paint("\033[0m"), (unsigned) key,
           ks_list(&ks, NULL, 0), failed, (double) (t1.tv_sec - t0.tv_sec) +
           (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);

    /* 2. kill -9 in the middle of ks_put: one pair, secrets of 100 bytes of
       (version & 0xff); a torn record would mix two versions. */
    int mid = 0, torn = 0;
    struct keystore small;
    if (ks_create(&small, IPC_PRIVATE, 2) == -1)
        die("ks_create(2 records)");
    for (int round = 0; round < 100; round++) {
        pid_t pid = fork();
        for (int v = round * 1000; pid == 0; v++) {
            unsigned char sec[100];
            memset(sec, v & 0xff, sizeof sec);
            ks_put(&small, "alice", "bank", v, sec, sizeof sec);
        }
        struct timespec nap = { 0, (1 + round % 7) * 1000 * 1000 };
        nanosleep(&nap, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        mid += atomic_load(&small.seg->hdr.journal_slot) != KS_NO_SLOT;
        if (ks_get(&small, "alice", "bank", &e) == 0)
            for (size_t i = 0; i < e.seckey_len; i++)
                if (e.seckey[i] != (unsigned char) (e.seckeyid & 0xff)) {
                    torn++;
                    break;
                }
    }
    printf("%skill -9 a writer inside ks_put, 100 times:%s killed mid-change %d times, torn"
           " %s%d%s\n", paint("\033[1m"), paint("\033[0m"), mid,
           paint(torn ? "\033[31m" : "\033[32m"), torn, paint("\033[0m"));
    if (ks_destroy(&small) == -1)
        die("ks_destroy");

    /* 3. Delete wipes the record: its bytes in the segment, before and after. */
    int slot = -1;
    for (int i = 0; i < PROCS * PER_PROC && slot < 0; i++)
        if (ks.seg->rec[i].state == KS_USED && strcmp(ks.seg->rec[i].client_id, "p0") == 0 &&
            strcmp(ks.seg->rec[i].server_id, "s0") == 0)
            slot = i;
    if (slot < 0)
        die("finding (p0, s0)");
    printf("%sks_del(p0, s0), the record in the segment:%s\n", paint("\033[1m"), paint("\033[0m"));
    show("before:", &ks.seg->rec[slot]);
    if (ks_del(&ks, "p0", "s0") == -1)
        die("ks_del");
    show("after:", &ks.seg->rec[slot]);

    /* 4. What seed 002 got wrong, each with its own error now. */
    printf("%sSeed 002's silent failures, each with its own error:%s\n", paint("\033[1m"),
           paint("\033[0m"));
    struct keystore tiny, other;
    if (ks_create(&tiny, IPC_PRIVATE, 1) == -1 || ks_put(&tiny, "a", "b", 1, "k", 1) == -1)
        die("ks_create(1 record)");
    expect("put into a full table", ks_put(&tiny, "c", "d", 2, "k", 1), "ENOSPC",
           "(seed: the read logs \"found an empty slot\")");
    expect("a 12-character client id", ks_put(&tiny, "client-00001", "b", 1, "k", 1),
           "ENAMETOOLONG", "(seed: strcmp runs off the field)");
    expect("get of a missing pair", ks_get(&tiny, "x", "y", &e), "ENOENT",
           "(seed: the same 1111 as \"full\")");
    expect("create under a taken key", ks_create(&other, key, 4), "EEXIST",
           "(seed: IPC_EXCL, then reported as ParamErr)");
    int raw = shmget((key_t) (key ^ 0x00010000), 64, IPC_CREAT | IPC_EXCL | KS_PERMS);
    expect("open a 64-byte segment", raw == -1 ? 0 : ks_open(&other, (key_t) (key ^ 0x00010000)),
           "EPROTO", "(seed: no header, nothing checked)");
    if (raw != -1)
        shmctl(raw, IPC_RMID, NULL);
    if (ks_destroy(&tiny) == -1 || ks_destroy(&ks) == -1)
        die("ks_destroy");
    printf("both stores destroyed: `ipcs -m` shows no key 0x%08x\n", (unsigned) key);
    return EXIT_SUCCESS;
}
