/* 05-rmid.c — the claims of handouts/en/05-rmid.md, checked on the running
   kernel: the attach count, what IPC_RMID does to an attached segment, and
   when the memory is freed.  Each test's comment names the handout section
   it backs.

   Runs natively, in the host's IPC namespace: other segments may exist, so
   every check looks only at ids this program made (and filters
   /proc/sysvipc/shm by them), and every id made is removed at the end, even
   after a failed test (ids reach the parent through a pipe).

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/05-rmid.c $(pkg-config --cflags --libs check) -o claims-05
   $ ./claims-05                     # exit 0: every claim holds */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int made_fd = -1;        /* write end: every shmid a test makes */

static int track(int shmid)
{
    if (shmid >= 0 && made_fd >= 0 && write(made_fd, &shmid, sizeof shmid) != (ssize_t) sizeof shmid)
        perror("claims-05: write");
    return shmid;
}

static int make_private(void)
{
    int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    return id;
}

/* A key no one else is using: ours by IPC_EXCL. */
static int make_keyed(key_t *key)
{
    for (unsigned n = 0; n < 256; n++) {
        *key = (key_t) (0x5d000000U | ((unsigned) getpid() & 0xffffU) << 8 | n);
        int id = shmget(*key, 4096, IPC_CREAT | IPC_EXCL | 0600);
        if (id != -1)
            return track(id);
        ck_assert_msg(errno == EEXIST, "shmget(IPC_CREAT|IPC_EXCL): %s", strerror(errno));
    }
    ck_abort_msg("no free key in 256 tries");
    return -1;
}

static struct shmid_ds stat_of(int id)
{
    struct shmid_ds ds;
    ck_assert_msg(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT of %d: %s", id, strerror(errno));
    return ds;
}

static void *attach(int id)
{
    void *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat(%d): %s", id, strerror(errno));
    return p;
}

/* Our line of /proc/sysvipc/shm: key (printed in decimal), perms (octal,
   with SHM_DEST), nattch.  Returns 1 if shmid is listed. */
static int proc_line(int shmid, int *key, unsigned *perms, unsigned long *nattch)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    ck_assert_msg(f != NULL, "fopen(/proc/sysvipc/shm): %s", strerror(errno));
    char line[512];
    int found = 0, id;
    unsigned long size;
    long cpid, lpid;
    if (fgets(line, sizeof line, f) != NULL)
        while (!found && fgets(line, sizeof line, f) != NULL)
            found = sscanf(line, "%d %d %o %lu %ld %ld %lu", key, &id, perms, &size, &cpid, &lpid, nattch) == 7 &&
                    id == shmid;
    fclose(f);
    return found;
}

/* Background, "Attaching and the attach count": shm_nattch counts
   attachments, not processes: two shmat calls in one process count 2. */
START_TEST(nattch_counts_attachments_not_processes)
{
    int id = make_private();
    ck_assert_msg(stat_of(id).shm_nattch == 0, "a new segment: expected nattch 0");
    void *a = attach(id), *b = attach(id);
    ck_assert_msg(a != b, "two shmat calls: expected two different addresses");
    ck_assert_msg(stat_of(id).shm_nattch == 2, "two shmat calls in one process: expected nattch 2, got %lu",
                  (unsigned long) stat_of(id).shm_nattch);
    shmdt(a);
    ck_assert_msg(stat_of(id).shm_nattch == 1, "after one shmdt: expected nattch 1");
    shmdt(b);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

/* Background, "Attaching and the attach count": fork inherits every
   attachment (each counts again), and exit detaches them all. */
START_TEST(fork_inherits_attachments_and_exit_drops_them)
{
    int id = make_private();
    void *a = attach(id), *b = attach(id);
    int go[2], back[2];
    ck_assert_msg(pipe(go) == 0 && pipe(back) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        char c = 'x';
        if (write(back[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
            _exit(1);
        _exit(0);                       /* exit detaches both inherited attachments */
    }
    char c;
    ck_assert_msg(read(back[0], &c, 1) == 1, "read: %s", strerror(errno));
    unsigned long with_child = (unsigned long) stat_of(id).shm_nattch;
    ck_assert_msg(write(go[1], &c, 1) == 1, "write: %s", strerror(errno));
    waitpid(pid, NULL, 0);
    unsigned long after = (unsigned long) stat_of(id).shm_nattch;
    shmdt(a);
    shmdt(b);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(with_child == 4, "2 attachments, then fork: expected nattch 4, got %lu", with_child);
    ck_assert_msg(after == 2, "after the child exited: expected nattch 2, got %lu", after);
}
END_TEST

/* Background, "What IPC_RMID does": on an attached segment IPC_RMID
   succeeds but only marks it: SHM_DEST in shm_perm.mode, key 0
   (IPC_PRIVATE) in IPC_STAT, nattch unchanged, the data still there. */
START_TEST(rmid_while_attached_marks_dest_and_zeroes_key)
{
    key_t key;
    int id = make_keyed(&key);
    char *p = attach(id);
    strcpy(p, "still here");
    struct shmid_ds ds = stat_of(id);
    ck_assert_msg(ds.shm_perm.__key == key && !(ds.shm_perm.mode & SHM_DEST), "before IPC_RMID: expected our key"
                  " and no SHM_DEST");
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID while attached: expected 0, got %s", strerror(errno));
    ds = stat_of(id);
    ck_assert_msg(ds.shm_perm.mode & SHM_DEST, "after IPC_RMID: expected SHM_DEST (%#o) in mode, got %#o",
                  SHM_DEST, ds.shm_perm.mode);
    ck_assert_msg(ds.shm_perm.__key == IPC_PRIVATE, "after IPC_RMID: expected key 0, got %#x",
                  (unsigned) ds.shm_perm.__key);
    ck_assert_msg(ds.shm_nattch == 1, "after IPC_RMID: expected nattch 1, got %lu", (unsigned long) ds.shm_nattch);
    ck_assert_msg(strcmp(p, "still here") == 0, "after IPC_RMID: expected the data still readable");
    strcpy(p, "and writable");
    ck_assert_msg(strcmp(p, "and writable") == 0, "after IPC_RMID: expected the data still writable");
    shmdt(p);
}
END_TEST

/* Background, "Reading the state": /proc/sysvipc/shm (what ipcs -m reads)
   shows the marked segment with key 0 and SHM_DEST (01000) in perms
   ("1600"); ipcs prints that bit as status "dest". */
START_TEST(proc_sysvipc_shows_key_0_and_dest)
{
    key_t key;
    int id = make_keyed(&key);
    void *p = attach(id);
    int k;
    unsigned perms;
    unsigned long nattch;
    ck_assert_msg(proc_line(id, &k, &perms, &nattch), "/proc/sysvipc/shm: expected a line for shmid %d", id);
    ck_assert_msg((key_t) k == key && perms == 0600 && nattch == 1,
                  "/proc/sysvipc/shm before IPC_RMID: expected key %d perms 600 nattch 1, got %d %o %lu",
                  (int) key, k, perms, nattch);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(proc_line(id, &k, &perms, &nattch), "/proc/sysvipc/shm: expected the marked segment listed");
    ck_assert_msg(k == 0 && perms == (0600 | SHM_DEST) && nattch == 1,
                  "/proc/sysvipc/shm after IPC_RMID: expected key 0 perms 1600 nattch 1, got %d %o %lu",
                  k, perms, nattch);
    shmdt(p);
    ck_assert_msg(!proc_line(id, &k, &perms, &nattch), "/proc/sysvipc/shm after the last shmdt: expected no line");
}
END_TEST

/* The row of `ipcs -m` (util-linux) for shmid, or 0 if it has none. */
static int ipcs_row(int id, unsigned *key, unsigned *perms, unsigned long *nattch, char *status)
{
    FILE *p = popen("ipcs -m", "r");
    ck_assert_msg(p != NULL, "popen(ipcs -m): %s", strerror(errno));
    char line[512], owner[64];
    int found = 0, shmid;
    unsigned long bytes;
    while (fgets(line, sizeof line, p) != NULL) {
        status[0] = '\0';
        if (sscanf(line, "%x %d %63s %o %lu %lu %63s", key, &shmid, owner, perms, &bytes, nattch, status) >= 6 &&
            shmid == id) {
            found = 1;
            break;
        }
    }
    while (fgets(line, sizeof line, p) != NULL)
        ;
    ck_assert_msg(pclose(p) == 0, "ipcs -m failed");
    return found;
}

/* Background, "Reading the state": ipcs -m itself (not only the /proc
   file it reads) prints the marked segment's key as 0x00000000, its perms
   without the flag (600) and the flag as status "dest". */
START_TEST(ipcs_m_prints_key_0_perms_600_and_dest)
{
    key_t key;
    int id = make_keyed(&key);
    void *p = attach(id);
    unsigned k, perms;
    unsigned long nattch;
    char status[64];
    ck_assert_msg(ipcs_row(id, &k, &perms, &nattch, status), "ipcs -m: expected a row for shmid %d", id);
    ck_assert_msg(k == (unsigned) key && perms == 0600 && nattch == 1 && status[0] == '\0',
                  "ipcs -m before IPC_RMID: expected key 0x%08x perms 600 nattch 1 no status, got 0x%08x %o %lu"
                  " '%s'", (unsigned) key, k, perms, nattch, status);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(ipcs_row(id, &k, &perms, &nattch, status), "ipcs -m: expected the marked segment listed");
    ck_assert_msg(k == 0 && perms == 0600 && nattch == 1 && strcmp(status, "dest") == 0,
                  "ipcs -m after IPC_RMID: expected key 0x00000000 perms 600 nattch 1 status dest, got 0x%08x %o"
                  " %lu '%s'", k, perms, nattch, status);
    shmdt(p);
}
END_TEST

/* Background, "When the memory is freed": with kernel.shm_rmid_forced = 1
   (proc(5); per IPC namespace) a segment nobody marked is freed when its
   attach count falls to 0.  Tried in an IPC namespace of its own (as root,
   or inside a user namespace), so the machine's setting is left alone. */
START_TEST(shm_rmid_forced_frees_unmarked_segments)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (unshare(CLONE_NEWIPC) == -1 && unshare(CLONE_NEWUSER | CLONE_NEWIPC) == -1)
            _exit(77);
        FILE *f = fopen("/proc/sys/kernel/shm_rmid_forced", "w");
        if (f == NULL || fputs("1\n", f) == EOF || fclose(f) != 0)
            _exit(77);
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        void *a = id == -1 ? (void *) -1 : shmat(id, NULL, 0);
        if (a == (void *) -1)
            _exit(2);
        struct shmid_ds ds;
        if (shmctl(id, IPC_STAT, &ds) != 0 || (ds.shm_perm.mode & SHM_DEST))
            _exit(3);           /* attached and unmarked: alive */
        shmdt(a);
        _exit(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL ? 0 : 4);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
        fprintf(stderr, "SKIP shm_rmid_forced_frees_unmarked_segments: no IPC namespace of our own here\n");
        return;
    }
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "shm_rmid_forced = 1: expected an unmarked segment freed at its last shmdt (child status 0x%x:"
                  " 2 setup, 3 marked early, 4 still there)", (unsigned) status);
}
END_TEST

/* Background, "What IPC_RMID does": after IPC_RMID the old key finds
   nothing (shmget without IPC_CREAT: ENOENT), and shmget with IPC_CREAT
   makes a new, different segment under it. */
START_TEST(old_key_after_rmid_finds_nothing_then_makes_new)
{
    key_t key;
    int id = make_keyed(&key);
    void *p = attach(id);
    shmctl(id, IPC_RMID, NULL);
    errno = 0;
    int found = shmget(key, 0, 0);
    int err = errno;
    ck_assert_msg(found == -1 && err == ENOENT, "shmget(old key, 0, 0) after IPC_RMID: expected -1/ENOENT, got %d"
                  " (%s)", found, strerror(err));
    int fresh = track(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600));
    ck_assert_msg(fresh != -1 && fresh != id, "shmget(old key, IPC_CREAT|IPC_EXCL) after IPC_RMID: expected a new"
                  " id, got %d (old %d, %s)", fresh, id, strerror(errno));
    shmdt(p);
    shmctl(fresh, IPC_RMID, NULL);
}
END_TEST

/* Background, "What IPC_RMID does": on Linux a process can still shmat a
   marked segment by its id; shmctl(2) calls this Linux-only, and portable
   code must not rely on it. */
START_TEST(marked_segment_attaches_by_id_on_linux)
{
    int id = make_private();
    char *p = attach(id);
    strcpy(p, "by id");
    shmctl(id, IPC_RMID, NULL);
    char *q = shmat(id, NULL, 0);
    ck_assert_msg(q != (void *) -1, "shmat by id of a marked segment: expected it to work on Linux, got %s",
                  strerror(errno));
    ck_assert_msg(strcmp(q, "by id") == 0 && stat_of(id).shm_nattch == 2,
                  "the second attachment: expected the data and nattch 2");
    shmdt(q);
    shmdt(p);
}
END_TEST

/* Background, "When the memory is freed": a marked segment is freed at the
   last detach; then IPC_STAT, shmat and IPC_RMID all fail with EINVAL. */
START_TEST(freed_at_last_detach_then_einval)
{
    int id = make_private();
    void *a = attach(id), *b = attach(id);
    shmctl(id, IPC_RMID, NULL);
    shmdt(a);
    ck_assert_msg(stat_of(id).shm_nattch == 1, "marked, one detach of two: expected it kept, nattch 1");
    shmdt(b);
    struct shmid_ds ds;
    errno = 0;
    int rc = shmctl(id, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && errno == EINVAL, "IPC_STAT after the last detach: expected -1/EINVAL, got %d (%s)",
                  rc, strerror(errno));
    errno = 0;
    void *p = shmat(id, NULL, 0);
    ck_assert_msg(p == (void *) -1 && errno == EINVAL, "shmat after the last detach: expected (void *) -1/EINVAL");
    errno = 0;
    rc = shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(rc == -1 && errno == EINVAL, "IPC_RMID after the last detach: expected -1/EINVAL, got %d (%s)",
                  rc, strerror(errno));
}
END_TEST

/* Background, "When the memory is freed": a segment nobody marked outlives
   its creator: after the creator (attached) exits, it is still there with
   nattch 0. */
START_TEST(unmarked_segment_outlives_its_creator)
{
    int fd[2];
    ck_assert_msg(pipe(fd) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        if (id != -1 && shmat(id, NULL, 0) == (void *) -1)
            id = -1;
        _exit(write(fd[1], &id, sizeof id) == (ssize_t) sizeof id ? 0 : 1);
    }
    int id = -1;
    ssize_t n = read(fd[0], &id, sizeof id);
    waitpid(pid, NULL, 0);
    close(fd[0]);
    close(fd[1]);
    track(id);
    ck_assert_msg(n == (ssize_t) sizeof id && id >= 0, "the child's shmget + shmat: expected an id, got %d", id);
    struct shmid_ds ds = stat_of(id);
    ck_assert_msg(ds.shm_nattch == 0 && !(ds.shm_perm.mode & SHM_DEST) && ds.shm_cpid == pid,
                  "after its creator exited: expected the segment kept, nattch 0, not marked, cpid %ld;"
                  " got nattch %lu, mode %#o, cpid %ld", (long) pid, (unsigned long) ds.shm_nattch,
                  ds.shm_perm.mode, (long) ds.shm_cpid);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

/* Background, "When the memory is freed": IPC_RMID on a segment nobody has
   attached frees it at once. */
START_TEST(rmid_unattached_frees_at_once)
{
    int id = make_private();
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
    struct shmid_ds ds;
    errno = 0;
    int rc = shmctl(id, IPC_STAT, &ds);
    ck_assert_msg(rc == -1 && errno == EINVAL, "IPC_STAT after IPC_RMID of an unattached segment: expected"
                  " -1/EINVAL, got %d (%s)", rc, strerror(errno));
}
END_TEST

/* Background, "What IPC_RMID does": a second IPC_RMID on a marked, still
   attached segment succeeds (and changes nothing). */
START_TEST(second_rmid_on_marked_segment_succeeds)
{
    int id = make_private();
    void *p = attach(id);
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "first IPC_RMID: %s", strerror(errno));
    errno = 0;
    int rc = shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(rc == 0, "second IPC_RMID while attached: expected 0, got %d (%s)", rc, strerror(errno));
    struct shmid_ds ds = stat_of(id);
    ck_assert_msg((ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 1,
                  "after two IPC_RMID: expected marked, nattch 1");
    shmdt(p);
}
END_TEST

/* Background, "Reading the state": key 0 alone does not mean "marked": an
   IPC_PRIVATE segment has key 0 from birth and no SHM_DEST. */
START_TEST(ipc_private_key_is_0_without_dest)
{
    int id = make_private();
    struct shmid_ds ds = stat_of(id);
    ck_assert_msg(ds.shm_perm.__key == IPC_PRIVATE && !(ds.shm_perm.mode & SHM_DEST),
                  "an IPC_PRIVATE segment: expected key 0 and no SHM_DEST, got %#x, mode %#o",
                  (unsigned) ds.shm_perm.__key, ds.shm_perm.mode);
    ck_assert_msg(ds.shm_cpid == getpid(), "shm_cpid: expected the creator %ld, got %ld", (long) getpid(),
                  (long) ds.shm_cpid);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

int main(void)
{
    int made[2];
    if (pipe(made) == -1) {
        perror("claims-05: pipe");
        return 2;
    }
    made_fd = made[1];

    Suite *s = suite_create("05-rmid claims");
    TCase *tc = tcase_create("Core");
    tcase_add_test(tc, nattch_counts_attachments_not_processes);
    tcase_add_test(tc, fork_inherits_attachments_and_exit_drops_them);
    tcase_add_test(tc, rmid_while_attached_marks_dest_and_zeroes_key);
    tcase_add_test(tc, proc_sysvipc_shows_key_0_and_dest);
    tcase_add_test(tc, ipcs_m_prints_key_0_perms_600_and_dest);
    tcase_add_test(tc, shm_rmid_forced_frees_unmarked_segments);
    tcase_add_test(tc, old_key_after_rmid_finds_nothing_then_makes_new);
    tcase_add_test(tc, marked_segment_attaches_by_id_on_linux);
    tcase_add_test(tc, freed_at_last_detach_then_einval);
    tcase_add_test(tc, unmarked_segment_outlives_its_creator);
    tcase_add_test(tc, rmid_unattached_frees_at_once);
    tcase_add_test(tc, second_rmid_on_marked_segment_succeeds);
    tcase_add_test(tc, ipc_private_key_is_0_without_dest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    /* Remove whatever the tests made, failed or not (gone already: EINVAL). */
    close(made[1]);
    int id;
    while (read(made[0], &id, sizeof id) == (ssize_t) sizeof id)
        shmctl(id, IPC_RMID, NULL);
    close(made[0]);
    return failed == 0 ? 0 : 1;
}
