/* hidden.c — Lab 08's hidden tests: the thorough ones.

   Core:    of processes racing to create one name exactly one wins; an
            opener waits for a creator that has not sized its object yet,
            and gives up after its wait; pshm_create reserves the memory (or
            says ENOSPC, leaving no name); mapping_name reads the three
            kinds of shared mapping as /proc/PID/maps names them; a sent
            memfd is the receiver's only copy and cannot be made writable;
            the receiver keeps no descriptor it was sent.
   Errors:  a receiver refuses what is not a sealed memfd and messages with
            no or two descriptors; bad arguments everywhere.
   Cleanup: pshm_close keeps the object, pshm_remove frees the name. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR)
        ;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(exclusive_create_race_has_one_winner)
{
    enum { RACERS = 4 };
    const char *name = test_name(1);
    volatile int *go = lt_alloc(sizeof *go);
    int *result = lt_alloc(sizeof(int) * RACERS);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        ck_assert_msg(pids[i] != -1, "fork: %s", strerror(errno));
        if (pids[i] == 0) {
            while (!*go)
                sched_yield();
            struct pshm p;
            errno = 0;
            int rc = pshm_create(name, 4096, 0600, &p);
            result[i] = rc == 0 ? 0 : errno;
            _exit(0);
        }
    }
    *go = 1;
    for (int i = 0; i < RACERS; i++) {
        int status;
        ck_assert_msg(wait_deadline(pids[i], LABTEST_PATIENCE_S, &status), "a racing pshm_create never returned");
    }
    int winners = 0, eexist = 0;
    for (int i = 0; i < RACERS; i++) {
        winners += result[i] == 0;
        eexist += result[i] == EEXIST;
    }
    ck_assert_msg(winners == 1 && eexist == RACERS - 1,
                  "%d processes racing to pshm_create one name: expected 1 to succeed and %d to get EEXIST,"
                  " got %d successes and %d EEXIST (O_EXCL makes creation exclusive)", RACERS, RACERS - 1,
                  winners, eexist);
}
END_TEST

START_TEST(open_waits_for_creator_to_size)
{
    /* The test is the slow creator: the object exists with 0 bytes. */
    const char *name = test_name(1);
    make_object(name, 0, NULL, 0);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct pshm p;
        int rc = pshm_open(name, 4096, LABTEST_PATIENCE_S * 1000, &p);
        _exit(rc == 0 && p.size == 8192 && strcmp(lt_get_str(p.addr, 8), "sized") == 0 ? 0 :
              rc == 0 ? 2 : 1);
    }
    sleep_ms(100);
    int fd = shm_open(name, O_RDWR, 0);
    ck_assert_msg(fd != -1, "test: shm_open: %s", strerror(errno));
    ck_assert_msg(pwrite(fd, "sized", 6, 0) == 6 && ftruncate(fd, 8192) == 0, "test: sizing: %s", strerror(errno));
    close(fd);
    int status;
    ck_assert_msg(wait_deadline(pid, 2 * LABTEST_PATIENCE_S, &status), "pshm_open never returned");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "pshm_open(\"%s\", 4096, ...) of an object its creator sized 0.1 s later: expected 0 and"
                  " the whole 8192 bytes mapped, %s", name,
                  WIFSIGNALED(status) ? "the process died of a signal (SIGBUS: it mapped the object while"
                  " it had 0 bytes?)" : WEXITSTATUS(status) == 1 ? "it failed (did it wait for the size?)" :
                  "it returned 0 but its mapping is not all of the object");
}
END_TEST

START_TEST(open_times_out_on_unsized_object)
{
    const char *name = test_name(1);
    make_object(name, 0, NULL, 0);
    struct pshm *p = lt_alloc(sizeof *p);
    p->addr = (void *) 1;
    p->size = 1;
    double start = now_s();
    errno = 0;
    int rc = pshm_open(name, 1, 300, p);
    int err = errno;
    double took = now_s() - start;
    ck_assert_msg(rc == -1 && err == ETIMEDOUT,
                  "pshm_open of an object nobody sizes, waiting 300 ms: expected -1 with ETIMEDOUT, got %d"
                  " with errno %d (%s)", rc, err, strerror(err));
    ck_assert_msg(took >= 0.29, "pshm_open(..., 300 ms) gave up after %.3f s: expected at least 0.3 s", took);
    ck_assert_msg(p->addr == NULL && p->size == 0, "a failed pshm_open: expected *p = { NULL, 0 }, got { %p, %zu }",
                  p->addr, p->size);
    ck_assert_msg(lab_fds_to(dev_shm_path(name)) == 0, "a failed pshm_open left %s open",
                  dev_shm_path(name));
}
END_TEST

START_TEST(create_reserves_memory_or_says_enospc)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 1 << 20, 0600, &p);
    struct stat st;
    ck_assert_msg(stat(dev_shm_path(name), &st) == 0, "stat: %s", strerror(errno));
    ck_assert_msg((long long) st.st_blocks * 512 >= 1 << 20,
                  "pshm_create of 1 MiB: expected 1 MiB of /dev/shm reserved, the object holds %lld bytes"
                  " (ftruncate reserves nothing: a full tmpfs then raises SIGBUS at a touch)",
                  (long long) st.st_blocks * 512);
    pshm_close(&p);
    struct statvfs v;
    ck_assert_msg(statvfs("/dev/shm", &v) == 0, "statvfs /dev/shm: %s", strerror(errno));
    size_t too_big = (size_t) v.f_blocks * v.f_frsize + ((size_t) 1 << 20);
    /* The sandbox's /dev/shm (64 MiB) is smaller than the file size limit;
       without a sandbox a bigger one would end in SIGXFSZ, not ENOSPC, and
       there is nothing to check. */
    struct rlimit fsize;
    if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY && too_big > fsize.rlim_cur)
        return;
    const char *other = test_name(2);
    struct pshm *q = lt_alloc(sizeof *q);
    q->addr = (void *) 1;
    errno = 0;
    int rc = pshm_create(other, too_big, 0600, q);
    int err = errno;
    ck_assert_msg(rc == -1 && err == ENOSPC,
                  "pshm_create of %zu MiB on a /dev/shm of %zu MiB: expected -1 with ENOSPC, got %d with"
                  " errno %d (%s)", too_big >> 20, (size_t) (v.f_blocks * v.f_frsize) >> 20, rc, err, strerror(err));
    ck_assert_msg(!exists(other), "a pshm_create that failed with ENOSPC left %s behind", dev_shm_path(other));
    ck_assert_msg(q->addr == NULL && q->size == 0, "a failed pshm_create: expected *p = { NULL, 0 }");
}
END_TEST

START_TEST(mapping_name_reads_each_kind)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 4096, 0600, &p);
    char *got = lt_alloc(512);
    errno = 0;
    int rc = mapping_name(p.addr, got, 512);
    ck_assert_msg(rc == 0 && strcmp(got, dev_shm_path(name)) == 0,
                  "mapping_name of a POSIX object's mapping: expected 0 and \"%s\", got %d and \"%s\" (errno %s)",
                  dev_shm_path(name), rc, got, strerror(errno));
    /* Inside the mapping, not only at its first byte. */
    rc = mapping_name((char *) p.addr + 4095, got, 512);
    ck_assert_msg(rc == 0 && strcmp(got, dev_shm_path(name)) == 0,
                  "mapping_name of the last byte of a mapping: expected \"%s\", got %d and \"%s\"",
                  dev_shm_path(name), rc, got);
    int sv[2];
    socket_pair(sv);
    int fd = make_memfd("lab08-shown", "x", 1, SEALS_SENT);
    send_fds(sv[0], &fd, 1);
    struct sealed_buf *b = lt_alloc(sizeof *b);
    ck_assert_msg(memfd_recv_sealed(sv[1], b) == 1, "memfd_recv_sealed of a sealed memfd: %s", strerror(errno));
    rc = mapping_name(b->addr, got, 512);
    ck_assert_msg(rc == 0 && strcmp(got, "/memfd:lab08-shown (deleted)") == 0,
                  "mapping_name of a memfd's mapping: expected \"/memfd:lab08-shown (deleted)\", got %d and \"%s\"",
                  rc, got);
    pshm_remove(name);
    rc = mapping_name(p.addr, got, 512);
    snprintf(got + 400, 100, "%s (deleted)", dev_shm_path(name));
    ck_assert_msg(rc == 0 && strcmp(got, got + 400) == 0,
                  "mapping_name after pshm_remove: expected \"%s\", got %d and \"%s\"", got + 400, rc, got);
    sealed_release(b);
    pshm_close(&p);
}
END_TEST

START_TEST(sent_memfd_is_the_only_copy)
{
    int sv[2];
    socket_pair(sv);
    char *data = lt_alloc(8192);
    memset(data, 'z', 8192);
    errno = 0;
    int rc = memfd_send_sealed(sv[1], "lab08-only", data, 8192);
    ck_assert_msg(rc == 0, "memfd_send_sealed of 8192 bytes: expected 0, got %d (errno %s)", rc, strerror(errno));
    int fds[4];
    ck_assert_msg(recv_fds(sv[0], fds) == 1, "memfd_send_sealed: expected one descriptor to arrive");
    int fd = fds[0];
    socks[nsocks++] = fd;
    ck_assert_msg(lab_fds_to("/memfd:lab08-only") == 0,
                  "after memfd_send_sealed, the sender still holds a descriptor to the memfd: close it, the"
                  " receiver's copy is its own");
    struct stat st;
    ck_assert_msg(fstat(fd, &st) == 0 && st.st_size == 8192, "the memfd received: expected 8192 bytes, got %lld",
                  (long long) st.st_size);
    void *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(w == MAP_FAILED && errno == EPERM, "a shared writable mapping of the memfd received:"
                  " expected EPERM (F_SEAL_WRITE), got %s", w == MAP_FAILED ? strerror(errno) : "a mapping");
    errno = 0;
    ck_assert_msg(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == -1 && errno == EPERM,
                  "adding a seal to the memfd received: expected EPERM (F_SEAL_SEAL), got %s", strerror(errno));
    errno = 0;
    ck_assert_msg(ftruncate(fd, 16384) == -1 && errno == EPERM,
                  "growing the memfd received: expected EPERM (F_SEAL_GROW), got %s", strerror(errno));
}
END_TEST

START_TEST(receiver_keeps_no_descriptor)
{
    int sv[2];
    socket_pair(sv);
    struct sealed_buf *b = lt_alloc(sizeof *b);
    /* Accepted: the mapping stays, the descriptor goes. */
    int good = make_memfd("lab08-kept", "kept", 4, SEALS_SENT);
    send_fds(sv[0], &good, 1);
    ck_assert_msg(memfd_recv_sealed(sv[1], b) == 4, "memfd_recv_sealed of a sealed memfd: %s", strerror(errno));
    ck_assert_msg(lab_fds_to("/memfd:lab08-kept") == 0,
                  "after memfd_recv_sealed accepted a memfd, its descriptor is still open in the receiver:"
                  " close it, the mapping keeps the memory");
    sealed_release(b);
    /* Refused: nothing stays open. */
    int bad = make_memfd("lab08-refused", "open", 4, 0);
    send_fds(sv[0], &bad, 1);
    expect_fail(memfd_recv_sealed(sv[1], b), EPERM, "memfd_recv_sealed of an unsealed memfd");
    ck_assert_msg(lab_fds_to("/memfd:lab08-refused") == 0,
                  "after refusing an unsealed memfd, the receiver still holds its descriptor");
    /* Two in one message: both refused, both closed. */
    int two[2] = { make_memfd("lab08-twin", "a", 1, SEALS_SENT), make_memfd("lab08-twin", "b", 1, SEALS_SENT) };
    send_fds(sv[0], two, 2);
    expect_fail(memfd_recv_sealed(sv[1], b), EBADMSG, "memfd_recv_sealed of a message with two descriptors");
    ck_assert_msg(lab_fds_to("/memfd:lab08-twin") == 0,
                  "after refusing a message with two descriptors, the receiver still holds %d of them",
                  lab_fds_to("/memfd:lab08-twin"));
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(receiver_refuses_what_is_not_a_sealed_memfd)
{
    int sv[2];
    socket_pair(sv);
    struct sealed_buf *b = lt_alloc(sizeof *b);
    /* A pipe: F_GET_SEALS says EINVAL, so it is no memfd. */
    int pp[2];
    ck_assert_msg(pipe(pp) == 0, "pipe: %s", strerror(errno));
    send_fds(sv[0], &pp[0], 1);
    close(pp[1]);
    expect_fail(memfd_recv_sealed(sv[1], b), EPERM, "memfd_recv_sealed of a pipe");
    /* A POSIX object: a tmpfs file, but sealed shut with nothing (F_SEAL_SEAL only). */
    const char *name = test_name(1);
    make_object(name, 4096, "posix", 6);
    int obj = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(obj != -1, "shm_open: %s", strerror(errno));
    send_fds(sv[0], &obj, 1);
    expect_fail(memfd_recv_sealed(sv[1], b), EPERM, "memfd_recv_sealed of a POSIX shm object (not write-sealed)");
    /* Sealed, but empty. */
    int empty = make_memfd("lab08-empty", NULL, 0, SEALS_SENT);
    send_fds(sv[0], &empty, 1);
    expect_fail(memfd_recv_sealed(sv[1], b), EBADMSG, "memfd_recv_sealed of an empty sealed memfd");
    /* No descriptor at all, then the peer gone. */
    send_fds(sv[0], NULL, 0);
    expect_fail(memfd_recv_sealed(sv[1], b), EBADMSG, "memfd_recv_sealed of a message without a descriptor");
    shutdown(sv[0], SHUT_WR);
    expect_fail(memfd_recv_sealed(sv[1], b), ECONNRESET, "memfd_recv_sealed after the peer closed");
    ck_assert_msg(b->addr == NULL && b->size == 0, "after refusals: expected *b = { NULL, 0 }");
    expect_fail(memfd_recv_sealed(sv[1], NULL), EINVAL, "memfd_recv_sealed with b NULL");
}
END_TEST

START_TEST(open_and_remove_reject_bad_input)
{
    struct pshm p;
    const char *name = test_name(1);
    expect_fail(pshm_open(name, 1, 0, &p), ENOENT, "pshm_open of a name nobody made");
    expect_fail(pshm_remove(name), ENOENT, "pshm_remove of a name nobody made");
    expect_fail(pshm_open("no-slash", 1, 0, &p), EINVAL, "pshm_open(\"no-slash\")");
    expect_fail(pshm_open("/a/b", 1, 0, &p), EINVAL, "pshm_open(\"/a/b\")");
    expect_fail(pshm_remove("/a/b"), EINVAL, "pshm_remove(\"/a/b\")");
    expect_fail(pshm_remove(NULL), EINVAL, "pshm_remove(NULL)");
    char longname[PSHM_NAME_MAX + 3];
    longname[0] = '/';
    memset(longname + 1, 'n', PSHM_NAME_MAX + 1);
    longname[PSHM_NAME_MAX + 2] = '\0';
    expect_fail(pshm_create(longname, 4096, 0600, &p), EINVAL, "pshm_create of a name of PSHM_NAME_MAX + 1");
    make_object(name, 4096, NULL, 0);
    expect_fail(pshm_open(name, 0, 0, &p), EINVAL, "pshm_open with min_size 0");
    expect_fail(pshm_open(name, 1, -1, &p), EINVAL, "pshm_open with wait_ms -1");
    expect_fail(pshm_open(name, 1, 0, NULL), EINVAL, "pshm_open with p NULL");
    /* Its mode keeps strangers out: as root that is not so, so only
       without root privileges. */
    if (geteuid() != 0) {
        ck_assert_msg(chmod(dev_shm_path(name), 0) == 0, "chmod: %s", strerror(errno));
        expect_fail(pshm_open(name, 1, 0, &p), EACCES, "pshm_open of an object of mode 0");
    }
}
END_TEST

START_TEST(close_and_release_reject_empty_handles)
{
    struct pshm *p = lt_alloc(sizeof *p);
    struct sealed_buf *b = lt_alloc(sizeof *b);
    expect_fail(pshm_close(p), EINVAL, "pshm_close of { NULL, 0 }");
    expect_fail(pshm_close(NULL), EINVAL, "pshm_close(NULL)");
    expect_fail(sealed_release(b), EINVAL, "sealed_release of { NULL, 0 }");
    expect_fail(sealed_release(NULL), EINVAL, "sealed_release(NULL)");
    const char *name = test_name(1);
    create_ok(name, 4096, 0600, p);
    ck_assert_msg(pshm_close(p) == 0, "pshm_close: %s", strerror(errno));
    expect_fail(pshm_close(p), EINVAL, "a second pshm_close of the same handle");
}
END_TEST

START_TEST(send_rejects_bad_arguments)
{
    int sv[2];
    socket_pair(sv);
    char *data = lt_alloc(16);
    strcpy(data, "data");
    expect_fail(memfd_send_sealed(sv[1], "lab08-x", data, 0), EINVAL, "memfd_send_sealed of 0 bytes");
    expect_fail(memfd_send_sealed(sv[1], NULL, data, 4), EINVAL, "memfd_send_sealed with name NULL");
    expect_fail(memfd_send_sealed(sv[1], "lab08-x", NULL, 4), EINVAL, "memfd_send_sealed with data NULL");
    char *longname = lt_alloc(260);
    memset(longname, 'n', 250);
    expect_fail(memfd_send_sealed(sv[1], longname, data, 4), EINVAL, "memfd_send_sealed with a 250-byte name");
    /* Not a socket: the memfd made for it must not stay open. */
    int pp[2];
    ck_assert_msg(pipe(pp) == 0, "pipe: %s", strerror(errno));
    expect_fail(memfd_send_sealed(pp[1], "lab08-nosock", data, 4), ENOTSOCK, "memfd_send_sealed over a pipe");
    close(pp[0]);
    close(pp[1]);
    ck_assert_msg(lab_fds_to("/memfd:lab08-nosock") == 0,
                  "memfd_send_sealed failed (not a socket) and left its memfd open");
    /* The peer gone: EPIPE, not a SIGPIPE that kills the sender. */
    close(sv[0]);
    socks[0] = -1;
    expect_fail(memfd_send_sealed(sv[1], "lab08-nopeer", data, 4), EPIPE, "memfd_send_sealed to a closed peer");
    ck_assert_msg(lab_fds_to("/memfd:lab08-nopeer") == 0, "memfd_send_sealed failed (EPIPE) and left its memfd open");
}
END_TEST

START_TEST(mapping_name_errors)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 4096, 0600, &p);
    char *got = lt_alloc(64);
    expect_fail(mapping_name(p.addr, got, 5), ERANGE, "mapping_name into 5 bytes");
    expect_fail(mapping_name(p.addr, got, strlen(dev_shm_path(name))), ERANGE,
                "mapping_name into one byte too few (no room for the '\\0')");
    ck_assert_msg(mapping_name(p.addr, got, strlen(dev_shm_path(name)) + 1) == 0 &&
                  strcmp(got, dev_shm_path(name)) == 0,
                  "mapping_name into exactly enough bytes: expected \"%s\", got \"%s\"", dev_shm_path(name), got);
    expect_fail(mapping_name(p.addr, NULL, 64), EINVAL, "mapping_name with name NULL");
    expect_fail(mapping_name(p.addr, got, 0), EINVAL, "mapping_name with len 0");
    void *gone = p.addr;
    pshm_close(&p);
    expect_fail(mapping_name(gone, got, 64), ENOENT, "mapping_name of an address just unmapped");
    expect_fail(mapping_name(NULL, got, 64), ENOENT, "mapping_name(NULL)");
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(close_keeps_object_remove_frees_name)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 4096, 0600, &p);
    lt_put_str(p.addr, "outlives the mapping");
    ck_assert_msg(pshm_close(&p) == 0, "pshm_close: %s", strerror(errno));
    ck_assert_msg(exists(name), "after pshm_close: %s is gone (close must not unlink)", dev_shm_path(name));
    struct pshm q;
    ck_assert_msg(pshm_open(name, 4096, 0, &q) == 0, "pshm_open after pshm_close: %s", strerror(errno));
    ck_assert_msg(strcmp(lt_get_str(q.addr, 32), "outlives the mapping") == 0,
                  "the object after pshm_close and pshm_open: expected \"outlives the mapping\", got \"%s\"",
                  lt_get_str(q.addr, 32));
    pshm_close(&q);
    ck_assert_msg(pshm_remove(name) == 0 && !exists(name), "pshm_remove: expected 0 and %s gone",
                  dev_shm_path(name));
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("08-posix-shm hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, exclusive_create_race_has_one_winner);
    tcase_add_test(core, open_waits_for_creator_to_size);
    tcase_add_test(core, open_times_out_on_unsized_object);
    tcase_add_test(core, create_reserves_memory_or_says_enospc);
    tcase_add_test(core, mapping_name_reads_each_kind);
    tcase_add_test(core, sent_memfd_is_the_only_copy);
    tcase_add_test(core, receiver_keeps_no_descriptor);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, receiver_refuses_what_is_not_a_sealed_memfd);
    tcase_add_test(errors, open_and_remove_reject_bad_input);
    tcase_add_test(errors, close_and_release_reject_empty_handles);
    tcase_add_test(errors, send_rejects_bad_arguments);
    tcase_add_test(errors, mapping_name_errors);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, close_keeps_object_remove_frees_name);
    suite_add_tcase(s, cleanup);

    return s;
}
