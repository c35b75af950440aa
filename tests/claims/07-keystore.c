/* 07-keystore.c — claims suite for handouts/en/07-keystore.md: every
   statement the handout makes about the kernel, libc or the C compiler,
   asserted on the machine it runs on.

   Each test names the handout section it backs.  Nothing here uses the lab's
   code.  Runs natively, in the host's IPC namespace: keyed segments use keys
   this program made with IPC_EXCL (so never someone else's), every segment
   is removed before its test ends, and the compiler claims compile snippets
   in a mkdtemp folder that is removed afterwards.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/07-keystore.c $(pkg-config --cflags --libs check) -o claims-07
   $ ./claims-07
   100%: Checks: 11, Failures: 0, Errors: 0 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJ_PERMS (S_IRUSR | S_IWUSR)

extern char **environ;

/* A key no one else is using, and its segment of `size` bytes: ours by
   IPC_EXCL. */
static int make_keyed(key_t *key, size_t size)
{
    for (unsigned n = 0; n < 256; n++) {
        *key = (key_t) (0x5f000000U | ((unsigned) getpid() & 0xffffU) << 8 | n);
        int id = shmget(*key, size, IPC_CREAT | IPC_EXCL | OBJ_PERMS);
        if (id != -1)
            return id;
        ck_assert_msg(errno == EEXIST, "shmget(IPC_CREAT|IPC_EXCL): %s", strerror(errno));
    }
    ck_abort_msg("no free key in 256 tries");
    return -1;
}

/* Background, "Create or open: the calls and how they fail": IPC_CREAT |
   IPC_EXCL under a key that is taken fails with EEXIST (seed 002's
   IPC_CreatShm says "if it exists, use it", and passes IPC_EXCL). */
START_TEST(excl_create_of_taken_key_is_eexist)
{
    key_t key;
    int id = make_keyed(&key, 4096);
    errno = 0;
    int again = shmget(key, 4096, IPC_CREAT | IPC_EXCL | OBJ_PERMS);
    int err = errno;
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(again == -1 && err == EEXIST, "a second IPC_CREAT|IPC_EXCL: expected -1/EEXIST,"
                  " got %d/%s", again, strerror(err));
}
END_TEST

/* Background, "Create or open: the calls and how they fail": shmget(key, 0,
   0) opens an existing segment whatever its size; asking for more than its
   size fails with EINVAL; a key with no segment fails with ENOENT. */
START_TEST(open_by_key_size_zero_bigger_einval_missing_enoent)
{
    key_t key;
    int id = make_keyed(&key, 100);
    int opened = shmget(key, 0, 0);
    errno = 0;
    int bigger = shmget(key, 8192, 0);
    int err_bigger = errno;
    shmctl(id, IPC_RMID, NULL);
    errno = 0;
    int missing = shmget(key, 0, 0);
    int err_missing = errno;
    ck_assert_msg(opened == id, "shmget(key, 0, 0): expected id %d, got %d", id, opened);
    ck_assert_msg(bigger == -1 && err_bigger == EINVAL, "shmget(key, 8192, 0) of a 100-byte"
                  " segment: expected -1/EINVAL, got %d/%s", bigger, strerror(err_bigger));
    ck_assert_msg(missing == -1 && err_missing == ENOENT, "shmget(key, 0, 0) after IPC_RMID:"
                  " expected -1/ENOENT, got %d/%s", missing, strerror(err_missing));
}
END_TEST

/* Background, "Checking the layout"; Common misconceptions, "allocated in
   multiples of 4 KiB": IPC_STAT's shm_segsz is the size asked for, while the
   attachment covers whole pages, so bytes past shm_segsz up to the page end
   can be read without a fault.  Only shm_segsz tells the real size. */
START_TEST(segsz_is_requested_size_mapping_is_whole_pages)
{
    int id = shmget(IPC_PRIVATE, 100, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    struct shmid_ds ds;
    int rc = shmctl(id, IPC_STAT, &ds);
    volatile unsigned char *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(rc == 0 && ds.shm_segsz == 100, "IPC_STAT of a 100-byte segment: expected"
                  " shm_segsz 100, got %zu", (size_t) ds.shm_segsz);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0)
        _exit(p[sysconf(_SC_PAGESIZE) - 1] == 0 ? 0 : 1);   /* byte 4095 of 100 */
    int status;
    waitpid(pid, &status, 0);
    shmdt((void *) p);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reading the last byte of the"
                  " page of a 100-byte segment: expected 0 and no fault");
}
END_TEST

/* Background, "The segment"; Common misconceptions, "status 0 means valid":
   a new segment is zero-filled, so every record of a fresh table reads as
   state 0 — which is why KS_FREE is 0, and why seed 002's "0 = valid" made
   every empty slot look like a valid key. */
START_TEST(new_segment_is_zero_filled)
{
    int id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | OBJ_PERMS);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    unsigned char *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    size_t nonzero = 0;
    for (size_t i = 0; i < 65536; i++)
        nonzero += p[i] != 0;
    shmdt(p);
    ck_assert_msg(nonzero == 0, "a new 64 KiB segment: %zu bytes are not 0", nonzero);
}
END_TEST

/* Background, "Create or open: the calls and how they fail" (IPC_RMID) and
   "Wiping": a process still attached keeps using the segment, while the key
   no longer finds it (so ks_destroy also sets magic to 0, for those
   processes to see). */
START_TEST(attached_process_keeps_segment_after_rmid)
{
    key_t key;
    int id = make_keyed(&key, 4096);
    int *p = shmat(id, NULL, 0);
    ck_assert_msg(p != (void *) -1, "shmat: %s", strerror(errno));
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
    p[0] = 42;
    errno = 0;
    int by_key = shmget(key, 0, 0);
    int err = errno;
    int seen = p[0];
    shmdt(p);
    ck_assert_msg(seen == 42, "writing after IPC_RMID while attached: expected to read 42 back");
    ck_assert_msg(by_key == -1 && err == ENOENT, "shmget(key, 0, 0) after IPC_RMID: expected"
                  " -1/ENOENT, got %d/%s", by_key, strerror(err));
}
END_TEST

/* Background, "The lock": a process that dies holding a robust, process-
   shared mutex leaves EOWNERDEAD to the next locker, who then holds it;
   after pthread_mutex_consistent() it works as before. */
START_TEST(robust_mutex_reports_owner_death_across_processes)
{
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                              -1, 0);
    ck_assert_msg(m != MAP_FAILED, "mmap: %s", strerror(errno));
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    ck_assert_msg(pthread_mutex_init(m, &a) == 0, "pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        if (pthread_mutex_lock(m) == 0)
            raise(SIGKILL);
        _exit(1);
    }
    int status;
    waitpid(pid, &status, 0);
    int first = pthread_mutex_lock(m);
    int made = first == EOWNERDEAD ? pthread_mutex_consistent(m) : -1;
    int unlocked = pthread_mutex_unlock(m);
    int again = pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    munmap(m, sizeof *m);
    ck_assert_msg(first == EOWNERDEAD, "lock after the holder was killed: expected EOWNERDEAD,"
                  " got %d (%s)", first, strerror(first));
    ck_assert_msg(made == 0 && unlocked == 0 && again == 0, "after pthread_mutex_consistent:"
                  " expected unlock and lock to work, got %d, %d, %d", made, unlocked, again);
}
END_TEST

/* Background, "The lock": unlocking after EOWNERDEAD without
   pthread_mutex_consistent() makes the mutex unusable: every later lock
   fails with ENOTRECOVERABLE. */
START_TEST(robust_mutex_without_consistent_is_not_recoverable)
{
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                              -1, 0);
    ck_assert_msg(m != MAP_FAILED, "mmap: %s", strerror(errno));
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    ck_assert_msg(pthread_mutex_init(m, &a) == 0, "pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0)
        _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);      /* exits holding it */
    waitpid(pid, NULL, 0);
    int first = pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    int later = pthread_mutex_lock(m);
    munmap(m, sizeof *m);
    ck_assert_msg(first == EOWNERDEAD && later == ENOTRECOVERABLE, "expected EOWNERDEAD, then"
                  " ENOTRECOVERABLE after an unlock without consistent; got %d, %d", first, later);
}
END_TEST

/* Common misconceptions, "strcmp on the id fields": strncpy() of an id as
   long as the field leaves no '\0', so strcmp() on that field reads past it
   (into the next field, or off the segment). */
START_TEST(strncpy_of_full_length_id_leaves_no_nul)
{
    struct { char client[12]; char server[12]; } rec;
    memset(&rec, 'X', sizeof rec);
    /* GCC itself warns about this line (-Wstringop-truncation): the point. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
    strncpy(rec.client, "ABCDEFGHIJKL", sizeof rec.client);
#pragma GCC diagnostic pop
    ck_assert_msg(memchr(rec.client, '\0', sizeof rec.client) == NULL,
                  "strncpy of a 12-character id into char[12]: expected no '\\0' in the field");
    ck_assert_msg(strnlen(rec.client, sizeof rec) > sizeof rec.client,
                  "strlen of that field: expected it to run past the 12 bytes");
}
END_TEST

/* Run cc on a snippet; return its wait status (0: compiled). */
static int compile_snippet(const char *code, const char *extra_flag)
{
    char dir[] = "/tmp/shmlab-claims07-XXXXXX", path[64];
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/s.c", dir);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "fopen: %s", strerror(errno));
    fputs(code, f);
    fclose(f);
    char *argv[] = { "cc", "-std=c11", "-fsyntax-only", (char *) extra_flag, path, NULL };
    if (extra_flag == NULL) {
        argv[3] = path;
        argv[4] = NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, "cc", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = -1;
    if (rc == 0)
        waitpid(pid, &status, 0);
    unlink(path);
    rmdir(dir);
    ck_assert_msg(rc == 0, "posix_spawnp(cc): %s", strerror(rc));
    return status;
}

/* Common misconceptions, "a break outside a loop": seed 002's
   KeyMng_ShmWrite does not compile — `break` is only allowed in a loop or a
   switch (C11 6.8.6.3). */
START_TEST(break_outside_loop_does_not_compile)
{
    int status = compile_snippet("int f(int x) { if (x) break; return x; }\n", NULL);
    ck_assert_msg(status != 0, "a break outside a loop: expected cc to reject it");
}
END_TEST

/* Common misconceptions, "arithmetic on void *": ISO C has no arithmetic on
   void * (C11 6.5.6: pointers to complete object types); GCC accepts it as
   an extension counting bytes, and -pedantic-errors rejects it. */
START_TEST(void_pointer_arithmetic_is_a_gnu_extension)
{
    const char *code = "void *f(void *p, int i) { return p + 200 * i; }\n";
    int plain = compile_snippet(code, NULL);
    int pedantic = compile_snippet(code, "-pedantic-errors");
    ck_assert_msg(plain == 0, "void * arithmetic with cc -std=c11: expected GCC to accept it");
    ck_assert_msg(pedantic != 0, "void * arithmetic with -pedantic-errors: expected an error");
}
END_TEST

/* Common misconceptions, "ftok: any path will do": the path must exist;
   ftok(3) fails with -1/ENOENT otherwise (keystore --path relies on it). */
START_TEST(ftok_of_missing_path_is_enoent)
{
    errno = 0;
    key_t k = ftok("/nonexistent/shmlab/keystore", 'K');
    ck_assert_msg(k == -1 && errno == ENOENT, "ftok of a missing path: expected -1/ENOENT, got"
                  " %ld/%s", (long) k, strerror(errno));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("07-keystore claims");
    TCase *tc = tcase_create("Claims");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, excl_create_of_taken_key_is_eexist);
    tcase_add_test(tc, open_by_key_size_zero_bigger_einval_missing_enoent);
    tcase_add_test(tc, segsz_is_requested_size_mapping_is_whole_pages);
    tcase_add_test(tc, new_segment_is_zero_filled);
    tcase_add_test(tc, attached_process_keeps_segment_after_rmid);
    tcase_add_test(tc, robust_mutex_reports_owner_death_across_processes);
    tcase_add_test(tc, robust_mutex_without_consistent_is_not_recoverable);
    tcase_add_test(tc, strncpy_of_full_length_id_leaves_no_nul);
    tcase_add_test(tc, break_outside_loop_does_not_compile);
    tcase_add_test(tc, void_pointer_arithmetic_is_a_gnu_extension);
    tcase_add_test(tc, ftok_of_missing_path_is_enoent);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
