/* seed-errors.c — the corrections of the seeds' errors, checked on this
   machine.  The seeds (the Chinese source notes) say things about System V
   shared memory that are wrong; each handout's "Common misconceptions"
   section corrects them and names the test here that shows it.

   Runs natively, in the host's IPC namespace: other segments may exist, so
   every check looks only at ids this program made, and every id made is
   removed at the end, even after a failed test (ids travel to the parent
   through a pipe, since Check runs each test in a child).

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/seed-errors.c $(pkg-config --cflags --libs check) -o seed-errors
   $ ./seed-errors                   # exit 0: every correction holds */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int made_fd = -1;        /* write end: every shmid a test makes */

static int track(int shmid)
{
    if (shmid >= 0 && made_fd >= 0 && write(made_fd, &shmid, sizeof shmid) != (ssize_t) sizeof shmid)
        perror("seed-errors: write");
    return shmid;
}

/* A key no one else is using: ours by IPC_EXCL. */
static int make_keyed(key_t *key, size_t size)
{
    for (unsigned n = 0; n < 256; n++) {
        *key = (key_t) (0x5e000000U | ((unsigned) getpid() & 0xffffU) << 8 | n);
        int id = shmget(*key, size, IPC_CREAT | IPC_EXCL | 0600);
        if (id != -1)
            return track(id);
        ck_assert_msg(errno == EEXIST, "shmget(IPC_CREAT|IPC_EXCL): %s", strerror(errno));
    }
    ck_abort_msg("no free key in 256 tries");
    return -1;
}

/* Run argv (stdout/stderr to /dev/null); return its wait status. */
static int run_quiet(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_msg(rc == 0, "posix_spawnp(%s): %s", argv[0], strerror(rc));
    int status;
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    return status;
}

/* Handouts 03 and 05, "Common misconceptions": seed 000 writes
   shmget(key, size, SHM_RDONLY).  shmget has no read-only flag: that bit is
   SHM_NORESERVE there (the same value as shmat's SHM_RDONLY), so the call
   succeeds and the segment is as writable as any other. */
START_TEST(shmget_takes_no_shm_rdonly)
{
    ck_assert_msg(SHM_RDONLY == SHM_NORESERVE, "expected SHM_RDONLY == SHM_NORESERVE (%#o), got %#o and %#o",
                  SHM_NORESERVE, SHM_RDONLY, SHM_NORESERVE);
    int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | SHM_RDONLY | 0600));
    ck_assert_msg(id != -1, "shmget(..., IPC_CREAT | SHM_RDONLY | 0600): expected success, got %s",
                  strerror(errno));
    char *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    strcpy(p, "writable");
    ck_assert_msg(strcmp(p, "writable") == 0, "expected the \"SHM_RDONLY\" segment to take a write");
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

/* Handout 05, Background, "Attaching and the attach count" (and Common
   misconceptions): read-only is asked of shmat, per attachment:
   SHM_RDONLY there maps the segment without write permission, and a write
   is a SIGSEGV. */
START_TEST(shmat_shm_rdonly_makes_writes_fault)
{
    int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        volatile char *p = shmat(id, NULL, SHM_RDONLY);
        if (p == (void *) -1)
            _exit(2);
        char c = p[0];                  /* reading is fine */
        p[0] = (char) (c + 1);          /* writing is not */
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
                  "a write through shmat(id, NULL, SHM_RDONLY): expected SIGSEGV, got %s %d",
                  WIFSIGNALED(status) ? "signal" : "exit",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}
END_TEST

/* Handouts 03 and 05, "Common misconceptions": the seeds test shmat's result
   against NULL (or < 0).  shmat fails with (void *) -1 and errno; NULL is
   never its failure value. */
START_TEST(shmat_fails_with_minus_one_not_null)
{
    errno = 0;
    void *p = shmat(-1, NULL, 0);
    int err = errno;
    ck_assert_msg(p == (void *) -1 && err == EINVAL, "shmat(-1, NULL, 0): expected (void *) -1 with EINVAL,"
                  " got %p (%s)", p, strerror(err));
    ck_assert_msg(p != NULL, "shmat's failure value: expected not NULL");

    int id = track(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    shmctl(id, IPC_RMID, NULL);         /* nobody attached: freed at once */
    errno = 0;
    p = shmat(id, NULL, 0);
    err = errno;
    ck_assert_msg(p == (void *) -1 && err == EINVAL, "shmat of a removed segment: expected (void *) -1 with"
                  " EINVAL, got %p (%s)", p, strerror(err));
}
END_TEST

/* Handout 05, "Common misconceptions": gets() (seed 003 reads into the
   segment with it) was removed by C11: under -std=c11 glibc does not
   declare it, so a call is an implicit declaration, an error with
   -Werror=implicit-function-declaration.  fgets compiles as a control. */
START_TEST(gets_is_not_declared_in_c11)
{
    char dir[] = "/tmp/shmlab-claims-gets-XXXXXX", bad[128], good[128], obj[128];
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(bad, sizeof bad, "%s/gets.c", dir);
    snprintf(good, sizeof good, "%s/fgets.c", dir);
    snprintf(obj, sizeof obj, "%s/x.o", dir);
    FILE *f = fopen(bad, "w"), *g = fopen(good, "w");
    ck_assert_msg(f != NULL && g != NULL, "fopen: %s", strerror(errno));
    fputs("#include <stdio.h>\nint main(void) { char b[8]; return gets(b) == NULL; }\n", f);
    fputs("#include <stdio.h>\nint main(void) { char b[8]; return fgets(b, sizeof b, stdin) == NULL; }\n", g);
    fclose(f);
    fclose(g);

    const char *cc = getenv("CC") != NULL && getenv("CC")[0] != '\0' ? getenv("CC") : "cc";
    char *with_gets[] = { (char *) cc, "-std=c11", "-D_GNU_SOURCE=", "-Werror=implicit-function-declaration",
                          "-c", bad, "-o", obj, NULL };
    char *with_fgets[] = { (char *) cc, "-std=c11", "-D_GNU_SOURCE=", "-Werror=implicit-function-declaration",
                           "-c", good, "-o", obj, NULL };
    int st_gets = run_quiet(with_gets), st_fgets = run_quiet(with_fgets);
    unlink(bad);
    unlink(good);
    unlink(obj);
    rmdir(dir);
    ck_assert_msg(WIFEXITED(st_fgets) && WEXITSTATUS(st_fgets) == 0,
                  "%s -std=c11 on a call to fgets: expected it to compile (the control)", cc);
    ck_assert_msg(WIFEXITED(st_gets) && WEXITSTATUS(st_gets) != 0,
                  "%s -std=c11 -Werror=implicit-function-declaration on a call to gets: expected an error", cc);
}
END_TEST

/* Handout 05, "Common misconceptions" (and Background, "What IPC_RMID
   does"): seed 002 says that once the key
   reads 0, unrelated processes cannot attach.  A new program (exec'd: no
   inherited attachment) indeed cannot find the segment by its old key
   (ENOENT), but on Linux it attaches it by id and reads the data. */
START_TEST(after_rmid_a_stranger_attaches_by_id)
{
    key_t key;
    int id = make_keyed(&key, 4096);
    char *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    strcpy(p, "still here");
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));

    char skey[32], sid[32];
    snprintf(skey, sizeof skey, "%d", (int) key);
    snprintf(sid, sizeof sid, "%d", id);
    char *argv[] = { "/proc/self/exe", "--stranger", skey, sid, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
    ck_assert_msg(rc == 0, "posix_spawn: %s", strerror(rc));
    int status;
    waitpid(pid, &status, 0);
    shmdt(p);
    static const char *why[] = { "", "shmget found the old key", "shmget failed with another errno than ENOENT",
                                 "shmat by id failed", "the data read by id differs" };
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    ck_assert_msg(code == 0, "a stranger after IPC_RMID: expected ENOENT by key and a working shmat by id,"
                  " got exit %d: %s", code, code >= 1 && code <= 4 ? why[code] : "?");
}
END_TEST

/* The stranger: a fresh program image with only a key and an id. */
static int stranger(key_t key, int id)
{
    errno = 0;
    if (shmget(key, 0, 0) != -1)
        return 1;
    if (errno != ENOENT)
        return 2;
    char *p = shmat(id, NULL, 0);
    if (p == (void *) -1)
        return 3;
    int same = strcmp(p, "still here") == 0;
    shmdt(p);
    return same ? 0 : 4;
}

int main(int argc, char *argv[])
{
    if (argc == 4 && strcmp(argv[1], "--stranger") == 0)
        return stranger((key_t) atoi(argv[2]), atoi(argv[3]));

    int made[2];
    if (pipe(made) == -1) {
        perror("seed-errors: pipe");
        return 2;
    }
    made_fd = made[1];

    Suite *s = suite_create("seed errors, corrected");
    TCase *tc = tcase_create("Core");
    tcase_add_test(tc, shmget_takes_no_shm_rdonly);
    tcase_add_test(tc, shmat_shm_rdonly_makes_writes_fault);
    tcase_add_test(tc, shmat_fails_with_minus_one_not_null);
    tcase_add_test(tc, gets_is_not_declared_in_c11);
    tcase_add_test(tc, after_rmid_a_stranger_attaches_by_id);
    tcase_set_timeout(tc, 30);
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
