/* hidden.c — Lab 07's hidden tests: the thorough ones the grader adds.

   Core:    a writer that dies mid-update (it follows the journal protocol of
            lab.h, writes half a record and exits holding the lock) is rolled
            back; a holder killed with no change under way leaves the store
            usable; writers SIGKILLed at random points never leave a torn
            record; readers never see a torn secret while writers replace it;
            six processes racing in ks_open_or_create make one store;
            ks_open refuses segments of another layout and leaves them alone,
            waits for a creator that has not stored magic yet, and gives up
            with EAGAIN; ids are compared as whole fields; ks_recover.
   Errors:  bad ids and handles; a destroyed store gives EIDRM to processes
            still attached, and what they still see is wiped.
   Cleanup: a ks_create that fails in shmat (injected: lt_inject() makes
            the lab process's shmat() fail, grader/runner/lab-faults.c)
            leaves no segment.

   $ make grade                         # public + hidden, every lab
   $ ./runner --run killed_writer_mid_update_is_rolled_back */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Helpers (the shared ones are in tests/common.h) ------------------ */

static void hidden_setup(void)
{
    stores_setup();
}

static void hidden_teardown(void)
{
    stores_teardown();
}

struct reply {
    int rc, err;
    double seconds;             /* how long the call took */
    struct ks_entry e;
    double started;             /* when it began (now(): one clock for all processes) */
};

/* ks_get (or, with open_key != 0, ks_open of that key) in a child; *fd is
   the pipe its struct reply comes back through. */
static pid_t start_call(struct keystore *ks, const char *c, const char *s, key_t open_key, int *fd)
{
    int p[2];
    ck_assert_msg(pipe(p) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct reply rep;
        memset(&rep, 0, sizeof rep);
        double t0 = rep.started = now();
        if (open_key != 0) {
            struct keystore mine;
            rep.rc = ks_open(&mine, open_key);
            rep.err = errno;
            rep.seconds = now() - t0;
            if (rep.rc == 0)
                ks_close(&mine);
        } else {
            rep.rc = ks_get(ks, c, s, &rep.e);
            rep.err = errno;
            rep.seconds = now() - t0;
        }
        _exit(write(p[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 1);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

/* Wait for a start_call child with a deadline (a lock that is never given
   back fails the test, not hangs it) and read its reply; *ended says
   whether it finished in time. */
static struct reply finish_call(pid_t pid, int fd, int *ended)
{
    int status;
    *ended = wait_deadline(pid, LABTEST_PATIENCE_S, &status);
    if (!*ended) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    struct reply rep = { -2, 0, 0, { { 0 }, { 0 }, 0, 0, { 0 } }, 0 };
    if (!*ended || read(fd, &rep, sizeof rep) != (ssize_t) sizeof rep)
        rep.rc = -2;
    close(fd);
    return rep;
}

/* start_call, then finish_call. */
static struct reply call_in_child(struct keystore *ks, const char *c, const char *s, key_t open_key,
                                  int *ended)
{
    int fd;
    pid_t pid = start_call(ks, c, s, open_key, &fd);
    return finish_call(pid, fd, ended);
}

/* A record is consistent when its secret is 100 bytes of (seckeyid & 0xff). */
static int consistent(const struct ks_entry *e)
{
    if (e->seckey_len != 100)
        return 0;
    for (int i = 0; i < 100; i++)
        if (e->seckey[i] != (unsigned char) (e->seckeyid & 0xff))
            return 0;
    return 1;
}

static void put_version(struct keystore *ks, const char *c, const char *s, int v)
{
    unsigned char sec[100];
    memset(sec, v & 0xff, sizeof sec);
    errno = 0;
    int rc = ks_put(ks, c, s, v, sec, sizeof sec);
    ck_assert_msg(rc == 0 || rc == 1, "ks_put(%s, %s, version %d): %s", c, s, v, strerror(errno));
}

/* A raw segment under key (as some other program might have left), zeroed. */
static struct ks_segment *raw_segment(key_t key, size_t size)
{
    int id = shmget(key, size, IPC_CREAT | IPC_EXCL | KS_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    void *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    return p;
}

/* What a correct creator writes into the header (the protocol of lab.h). */
static void init_header_as_creator(struct ks_segment *seg, unsigned capacity)
{
    seg->hdr.version = KS_VERSION;
    seg->hdr.capacity = capacity;
    seg->hdr.record_size = sizeof(struct ks_record);
    atomic_store(&seg->hdr.journal_slot, KS_NO_SLOT);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    ck_assert_msg(pthread_mutex_init(&seg->hdr.lock, &a) == 0, "pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
    atomic_store(&seg->hdr.magic, KS_MAGIC);
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(killed_writer_mid_update_is_rolled_back)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_version(ks, "alice", "bank", 0x11);

    /* A writer that follows the protocol: lock, journal rec[0], mark it,
       write half of the new record ... and die holding the lock. */
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* Its own attachment: the dying writer is this (test) process. */
        struct ks_segment *seg = shmat(ks->shmid, NULL, 0);
        if (seg == (void *) -1 || pthread_mutex_lock(&seg->hdr.lock) != 0)
            _exit(1);
        seg->hdr.journal = seg->rec[0];
        atomic_store(&seg->hdr.journal_slot, 0);
        seg->rec[0].seckeyid = 0x22;
        memset(seg->rec[0].seckey, 0x22, 50);
        _exit(0);
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status) && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0, "the dying writer could not take the lock");

    int ended;
    struct reply rep = call_in_child(ks, "alice", "bank", 0, &ended);
    ck_assert_msg(ended, "ks_get after a writer died holding the lock: still waiting after %d s"
                  " (is the mutex robust? EOWNERDEAD handled?)", LABTEST_PATIENCE_S);
    ck_assert_msg(rep.rc == 0, "ks_get after a writer died holding the lock: expected 0, got %d"
                  " (errno %d, %s)", rep.rc, rep.err, strerror(rep.err));
    ck_assert_msg(rep.e.seckeyid == 0x11 && consistent(&rep.e), "ks_get after a writer died"
                  " mid-update: expected the old record (seckeyid 0x11, 100 bytes of 0x11), got"
                  " seckeyid 0x%x%s", rep.e.seckeyid, consistent(&rep.e) ? "" : ", torn");
    struct ks_segment *seg = seg_copy(ks);
    ck_assert_msg(seg->hdr.journal_slot == KS_NO_SLOT &&
                  all_zero(&seg->hdr.journal, sizeof seg->hdr.journal),
                  "after the roll-back: expected journal_slot KS_NO_SLOT and the journal wiped");
    /* The mutex works again (consistent, not ENOTRECOVERABLE). */
    put_version(ks, "alice", "bank", 0x33);
    expect_fail(ks_get(ks, "nobody", "bank", &rep.e), ENOENT, "ks_get after the recovery");
}
END_TEST

START_TEST(killed_holder_without_change_leaves_store_usable)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_version(ks, "alice", "bank", 0x44);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct ks_segment *seg = shmat(ks->shmid, NULL, 0);
        if (seg != (void *) -1 && pthread_mutex_lock(&seg->hdr.lock) == 0)
            raise(SIGKILL);
        _exit(1);
    }
    int status;
    ck_assert_msg(wait_deadline(pid, LABTEST_PATIENCE_S, &status) && WIFSIGNALED(status),
                  "the lock holder should have been killed holding the lock");
    int ended;
    struct reply rep = call_in_child(ks, "alice", "bank", 0, &ended);
    ck_assert_msg(ended && rep.rc == 0 && rep.e.seckeyid == 0x44 && consistent(&rep.e),
                  "ks_get after a lock holder was killed (no change under way): expected the"
                  " record unchanged, got rc %d (errno %d, %s)%s", rep.rc, rep.err,
                  strerror(rep.err), ended ? "" : ", still waiting");
    put_version(ks, "bob", "bank", 0x45);
}
END_TEST

static int writer_forever(int k, void *arg)
{
    struct keystore *ks = arg;
    unsigned char sec[100];
    for (int v = 1 + k;; v++) {
        memset(sec, v & 0xff, sizeof sec);
        if (ks_put(ks, "alice", "bank", v, sec, sizeof sec) == -1)
            return 1;
    }
}

START_TEST(sigkilled_writers_never_leave_torn_record)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_version(ks, "alice", "bank", 0x10);
    for (int round = 0; round < 12; round++) {
        pid_t pid = fork();
        ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
        if (pid == 0)
            _exit(writer_forever(round * 1000, ks));
        struct timespec t = { 0, (long) (5 + (round * 7) % 40) * 1000 * 1000 };
        nanosleep(&t, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        int ended;
        struct reply rep = call_in_child(ks, "alice", "bank", 0, &ended);
        ck_assert_msg(ended, "round %d: ks_get after a writer was SIGKILLed: still waiting after"
                      " %d s", round, LABTEST_PATIENCE_S);
        ck_assert_msg(rep.rc == 0 && consistent(&rep.e), "round %d: after a writer was SIGKILLed"
                      " in ks_put: expected a whole record (100 bytes of seckeyid & 0xff), got"
                      " rc %d (errno %d, %s), seckeyid %d, %zu bytes", round, rep.rc, rep.err,
                      strerror(rep.err), rep.e.seckeyid, rep.e.seckey_len);
    }
}
END_TEST

static int reader_or_writer(int k, void *arg)
{
    (void) arg;
    struct keystore ks;
    if (ks_open(&ks, KEY_A) == -1)
        return 1;
    unsigned char sec[100];
    for (int i = 0; i < 120; i++) {
        if (k < 2) {
            int v = k * 1000 + i;
            memset(sec, v & 0xff, sizeof sec);
            if (ks_put(&ks, "alice", "bank", v, sec, sizeof sec) != 0)
                return 2;
        } else {
            struct ks_entry e;
            if (ks_get(&ks, "alice", "bank", &e) != 0 || !consistent(&e))
                return 3;
        }
    }
    return ks_close(&ks) == 0 ? 0 : 4;
}

START_TEST(concurrent_readers_never_see_torn_secret)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_version(ks, "alice", "bank", 7);
    int bad = run_children(4, reader_or_writer, NULL);
    ck_assert_msg(bad == 0, "2 writers replacing one record while 2 readers get it: expected every"
                  " get to see a whole record, %s", bad < 0 ? "still running after the deadline" :
                  "a reader saw a torn record or a call failed");
}
END_TEST

START_TEST(open_or_create_race_creates_once)
{
    int gate[2], res[2];
    ck_assert_msg(pipe(gate) == 0 && pipe(res) == 0, "pipe: %s", strerror(errno));
    pid_t coord = fork();
    ck_assert_msg(coord != -1, "fork: %s", strerror(errno));
    if (coord == 0) {
        setpgid(0, 0);
        close(gate[1]);
        for (int k = 0; k < 6; k++)
            if (fork() == 0) {
                char b, client[16];
                struct keystore mine;
                ssize_t n = read(gate[0], &b, 1);       /* EOF: everyone starts at once */
                (void) n;
                int rc = ks_open_or_create(&mine, KEY_B, 16);
                snprintf(client, sizeof client, "c%d", k);
                char out = rc == 1 ? 'C' : rc == 0 ? 'O' : 'E';
                if (rc >= 0 && (ks_put(&mine, client, "srv", k, "s", 1) != 1 || ks_close(&mine)))
                    out = 'P';
                _exit(write(res[1], &out, 1) == 1 ? 0 : 1);
            }
        while (wait(NULL) > 0)
            ;
        _exit(0);
    }
    setpgid(coord, coord);
    close(gate[0]);
    close(res[1]);
    struct timespec t = { 0, 100 * 1000 * 1000 };
    nanosleep(&t, NULL);
    close(gate[1]);                     /* go */
    int status, ended = wait_deadline(coord, LABTEST_PATIENCE_S, &status);
    kill(-coord, SIGKILL);
    if (!ended)
        waitpid(coord, &status, 0);
    char got[8] = { 0 };
    ssize_t n = read(res[0], got, sizeof got - 1);
    close(res[0]);
    ck_assert_msg(ended, "6 processes in ks_open_or_create at once: still running after %d s",
                  LABTEST_PATIENCE_S);
    int created = 0, opened = 0;
    for (ssize_t i = 0; i < n; i++) {
        created += got[i] == 'C';
        opened += got[i] == 'O';
    }
    ck_assert_msg(created == 1 && opened == 5, "6 processes in ks_open_or_create at once: expected"
                  " 1 to create and 5 to open (then each to put), got \"%s\" (C created, O opened,"
                  " E failed, P put failed)", got);
    struct keystore *ks = open_store(KEY_B);
    int count = ks_list(ks, NULL, 0);
    ck_assert_msg(count == 6, "after 6 racing processes each put one record: expected 6, got %d",
                  count);
}
END_TEST

START_TEST(open_or_create_opens_existing_store)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_ok(ks, "alice", "bank", 1, "s", 1, 1);
    struct keystore *other = slot_for_store();
    errno = 0;
    int rc = ks_open_or_create(other, KEY_A, 99);
    ck_assert_msg(rc == 0, "ks_open_or_create on an existing store: expected 0 (opened), got %d"
                  " (%s)", rc, strerror(errno));
    unsigned capacity = seg_copy(other)->hdr.capacity;
    ck_assert_msg(capacity == 4, "the existing store's capacity changed to %u", capacity);
    expect_record(other, "alice", "bank", 1, "s", 1);
}
END_TEST

START_TEST(open_rejects_foreign_segments)
{
    /* Whatever else a key holds must be refused, and left alone. */
    struct { size_t size; uint32_t magic, version, capacity; const char *what; } cases[] = {
        { 100, 0, 0, 0, "a 100-byte segment" },
        { KS_SEGMENT_SIZE(4), 0xdeadbeef, KS_VERSION, 4, "a segment with another magic" },
        { KS_SEGMENT_SIZE(4), KS_MAGIC, KS_VERSION + 1, 4, "a key store of another version" },
        { KS_SEGMENT_SIZE(4), KS_MAGIC, KS_VERSION, 1000, "a header claiming 1000 records in"
          " room for 4" },
    };
    for (int i = 0; i < 4; i++) {
        struct ks_segment *seg = raw_segment(KEY_B, cases[i].size);
        if (cases[i].size >= sizeof(struct ks_segment)) {
            seg->hdr.version = cases[i].version;
            seg->hdr.capacity = cases[i].capacity;
            seg->hdr.record_size = sizeof(struct ks_record);
            atomic_store(&seg->hdr.magic, cases[i].magic);
        } else {
            memset(seg, 0xff, cases[i].size);
        }
        struct keystore other = { -1, NULL };
        char what[160];
        snprintf(what, sizeof what, "ks_open of %s", cases[i].what);
        expect_fail(ks_open(&other, KEY_B), EPROTO, what);
        ck_assert_msg(other.shmid == -1 && other.seg == NULL, "%s: expected the handle closed", what);
        snprintf(what, sizeof what, "ks_open_or_create of %s", cases[i].what);
        expect_fail(ks_open_or_create(&other, KEY_B, 4), EPROTO, what);
        int id = shmget(KEY_B, 0, 0);
        ck_assert_msg(id != -1, "after refusing %s: expected it still there, it was removed",
                      cases[i].what);
        shmdt(seg);
        shmctl(id, IPC_RMID, NULL);
    }
}
END_TEST

START_TEST(open_waits_for_creator_to_finish)
{
    struct ks_segment *seg = raw_segment(KEY_B, KS_SEGMENT_SIZE(4));
    int fd, ended;
    pid_t pid = start_call(NULL, NULL, NULL, KEY_B, &fd);
    struct timespec t = { 0, 400 * 1000 * 1000 };
    nanosleep(&t, NULL);
    double stored = now();
    init_header_as_creator(seg, 4);     /* the "creator" finishes now */
    struct reply rep = finish_call(pid, fd, &ended);
    shmdt(seg);
    ck_assert_msg(rep.rc == 0, "ks_open while the creator is 0.4 s from storing magic: expected it"
                  " to wait and succeed, got %d (errno %d, %s) after %.2f s", rep.rc, rep.err,
                  strerror(rep.err), rep.seconds);
    /* Compared with when magic was stored, not with a fixed 0.4 s: the
       child may start late on a loaded machine. */
    ck_assert_msg(rep.started + rep.seconds >= stored, "ks_open returned after %.2f s, %.2f s"
                  " before magic was stored", rep.seconds, stored - (rep.started + rep.seconds));
}
END_TEST

START_TEST(open_gives_up_with_eagain)
{
    struct ks_segment *seg = raw_segment(KEY_B, KS_SEGMENT_SIZE(4));
    int ended;
    struct reply rep = call_in_child(NULL, NULL, NULL, KEY_B, &ended);
    shmdt(seg);
    ck_assert_msg(ended, "ks_open of a store whose magic stays 0: still waiting after %d s",
                  LABTEST_PATIENCE_S);
    ck_assert_msg(rep.rc == -1 && rep.err == EAGAIN && rep.seconds >= KS_OPEN_WAIT_MS / 1000.0 - 0.1,
                  "ks_open of a store whose magic stays 0: expected -1/EAGAIN after %d ms, got %d"
                  " (errno %d, %s) after %.2f s", KS_OPEN_WAIT_MS, rep.rc, rep.err,
                  strerror(rep.err), rep.seconds);
}
END_TEST

START_TEST(ids_compared_as_whole_fields)
{
    struct keystore *ks = new_store(KEY_A, 8);
    put_ok(ks, "ab", "x", 1, "1", 1, 1);
    put_ok(ks, "abc", "x", 2, "2", 1, 1);
    put_ok(ks, "ab", "xy", 3, "3", 1, 1);
    expect_record(ks, "ab", "x", 1, "1", 1);
    expect_record(ks, "abc", "x", 2, "2", 1);
    expect_record(ks, "ab", "xy", 3, "3", 1);

    /* A record some other program filled without a NUL: 12 characters. */
    struct ks_record *r = &seg_copy(ks)->rec[5];
    memcpy(r->client_id, "ABCDEFGHIJKL", KS_ID_SIZE);
    memcpy(r->server_id, "x", 2);
    r->seckey_len = 1;
    r->state = KS_USED;
    seg_store(ks);
    struct ks_entry e, list[8];
    expect_fail(ks_get(ks, "ABCDEFGHIJK", "x", &e), ENOENT,
                "ks_get of an 11-character prefix of a stored 12-character field");
    int n = ks_list(ks, list, 8);
    ck_assert_msg(n == 4, "ks_list: expected 4 records, got %d", n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(strnlen(list[i].client_id, KS_ID_SIZE) < KS_ID_SIZE &&
                      strnlen(list[i].server_id, KS_ID_SIZE) < KS_ID_SIZE,
                      "ks_list entry %d: expected '\\0'-terminated ids", i);
}
END_TEST

START_TEST(recover_restores_journal)
{
    struct keystore *ks = new_store(KEY_A, 4);
    put_version(ks, "alice", "bank", 0x55);
    struct ks_segment *seg = seg_copy(ks);
    seg->hdr.journal = seg->rec[0];
    atomic_store(&seg->hdr.journal_slot, 0);
    memset(seg->rec[0].seckey + 10, 0, 40);
    seg_store(ks);
    errno = 0;
    int rc = ks_recover(ks);
    ck_assert_msg(rc == 1, "ks_recover with journal_slot 0: expected 1, got %d (%s)", rc,
                  strerror(errno));
    seg = seg_copy(ks);
    ck_assert_msg(seg->rec[0].seckeyid == 0x55 && seg->rec[0].seckey[20] == 0x55,
                  "ks_recover: expected rec[0] restored from the journal");
    ck_assert_msg(seg->hdr.journal_slot == KS_NO_SLOT && all_zero(&seg->hdr.journal,
                  sizeof seg->hdr.journal), "ks_recover: expected KS_NO_SLOT and a wiped journal");
    rc = ks_recover(ks);
    ck_assert_msg(rc == 0, "ks_recover with nothing to do: expected 0, got %d", rc);
    seg = seg_copy(ks);
    seg->hdr.journal.seckey[0] = 9;
    atomic_store(&seg->hdr.journal_slot, 999);
    seg_store(ks);
    expect_fail(ks_recover(ks), EINVAL, "ks_recover with journal_slot 999 in a store of 4");
    seg = seg_copy(ks);
    ck_assert_msg(seg->hdr.journal_slot == KS_NO_SLOT && seg->hdr.journal.seckey[0] == 0,
                  "ks_recover with a bad journal_slot: expected it reset and the journal wiped");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(put_rejects_bad_ids_and_handles)
{
    struct keystore *ks = new_store(KEY_A, 4);
    struct keystore closed = { -1, NULL };
    struct ks_entry e;
    expect_fail(ks_put(ks, "", "x", 1, "s", 1), EINVAL, "ks_put with an empty client id");
    expect_fail(ks_put(ks, "a b", "x", 1, "s", 1), EINVAL, "ks_put with a space in an id");
    expect_fail(ks_put(ks, "a", "tab\t", 1, "s", 1), EINVAL, "ks_put with a tab in an id");
    expect_fail(ks_put(ks, NULL, "x", 1, "s", 1), EINVAL, "ks_put with a NULL client id");
    expect_fail(ks_put(ks, "a", "x", 1, NULL, 5), EINVAL, "ks_put with a NULL secret of 5 bytes");
    expect_fail(ks_put(NULL, "a", "x", 1, "s", 1), EINVAL, "ks_put(NULL, ...)");
    expect_fail(ks_put(&closed, "a", "x", 1, "s", 1), EINVAL, "ks_put on a closed handle");
    expect_fail(ks_get(ks, "a", "x", NULL), EINVAL, "ks_get with out NULL");
    expect_fail(ks_list(ks, NULL, 3), EINVAL, "ks_list(ks, NULL, 3)");
    expect_fail(ks_destroy(&closed), EINVAL, "ks_destroy of a closed handle");
    expect_fail(ks_open(NULL, KEY_A), EINVAL, "ks_open(NULL, key)");
    expect_fail(ks_get(ks, "a", "x", &e), ENOENT, "ks_get after only rejected puts");
    int n = ks_list(ks, NULL, 0);
    ck_assert_msg(n == 0, "after only rejected puts: expected 0 records, got %d", n);
}
END_TEST

START_TEST(destroyed_store_gives_eidrm_and_is_wiped)
{
    struct keystore *a = new_store(KEY_A, 4);
    struct keystore *b = open_store(KEY_A);
    put_version(a, "alice", "bank", 0x66);
    ck_assert_msg(ks_destroy(a) == 0, "ks_destroy: %s", strerror(errno));
    struct ks_segment *seen_by_b = seg_copy(b);
    ck_assert_msg(atomic_load(&seen_by_b->hdr.magic) == 0 &&
                  all_zero(seen_by_b->rec, 4 * sizeof(struct ks_record)),
                  "a process still attached after ks_destroy: expected magic 0 and every record"
                  " wiped");
    struct ks_entry e;
    expect_fail(ks_put(b, "bob", "bank", 1, "s", 1), EIDRM, "ks_put on a destroyed store");
    expect_fail(ks_get(b, "alice", "bank", &e), EIDRM, "ks_get on a destroyed store");
    ck_assert_msg(ks_close(b) == 0, "ks_close of a destroyed store: %s", strerror(errno));
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(failed_create_leaves_nothing)
{
    struct keystore *ks = slot_for_store();
    lt_inject(LT_FAULT_SHMAT, ENOMEM);
    expect_fail(ks_create(ks, KEY_A, 4), ENOMEM, "ks_create with shmat failing");
    lt_inject(LT_FAULT_SHMAT, 0);
    ck_assert_msg(ks->shmid == -1 && ks->seg == NULL, "after a failed ks_create: expected the"
                  " handle closed");
    errno = 0;
    int id = shmget(KEY_A, 0, 0);
    ck_assert_msg(id == -1 && errno == ENOENT, "after ks_create failed in shmat: expected no"
                  " segment under the key, found id %d", id);
    ck_assert_msg(ks_destroy(new_store(KEY_A, 4)) == 0, "ks_destroy: %s", strerror(errno));
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("07-keystore hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, hidden_setup, hidden_teardown);
    tcase_add_test(core, killed_writer_mid_update_is_rolled_back);
    tcase_add_test(core, killed_holder_without_change_leaves_store_usable);
    tcase_add_test(core, sigkilled_writers_never_leave_torn_record);
    tcase_add_test(core, concurrent_readers_never_see_torn_secret);
    tcase_add_test(core, open_or_create_race_creates_once);
    tcase_add_test(core, open_or_create_opens_existing_store);
    tcase_add_test(core, open_rejects_foreign_segments);
    tcase_add_test(core, open_waits_for_creator_to_finish);
    tcase_add_test(core, open_gives_up_with_eagain);
    tcase_add_test(core, ids_compared_as_whole_fields);
    tcase_add_test(core, recover_restores_journal);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, hidden_setup, hidden_teardown);
    tcase_add_test(errors, put_rejects_bad_ids_and_handles);
    tcase_add_test(errors, destroyed_store_gives_eidrm_and_is_wiped);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, hidden_setup, hidden_teardown);
    tcase_add_test(cleanup, failed_create_leaves_nothing);
    suite_add_tcase(s, cleanup);

    return s;
}
