/* public.c — Lab 08's public tests: POSIX shared memory and memfd.

   Core:    pshm_create makes a zeroed object of the size asked, with exactly
            the mode asked whatever the umask; pshm_open maps an existing
            one; an unlinked object lives on in its mapping while the name
            is free for a new one; a memfd arrives over a socket sealed and
            read-only; the receiver refuses one that is not sealed;
            mapping_name reads a POSIX mapping's name in /proc/self/maps.
   Errors:  bad names and sizes are EINVAL and create nothing; an existing
            name is EEXIST and is left alone.

   The fixture and helpers (test_name, make_object, socket_pair,
   make_memfd, send_fds, recv_fds, create_ok) are in tests/common.h.

   $ make check LAB=8                                   # all public tests, under valgrind
   $ ./runner --run sealed_memfd_arrives_read_only     # one test */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(create_makes_a_zeroed_object_of_that_size)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 10000, 0600, &p);
    struct stat st;
    ck_assert_msg(stat(dev_shm_path(name), &st) == 0, "after pshm_create(\"%s\"): %s does not exist (%s)",
                  name, dev_shm_path(name), strerror(errno));
    ck_assert_msg(st.st_size == 10000, "%s: expected 10000 bytes, got %lld", dev_shm_path(name),
                  (long long) st.st_size);
    unsigned char got[10000];
    ck_assert_msg(lt_peek(p.addr, got, sizeof got) == 0, "the mapping at %p cannot be read: %s", p.addr,
                  strerror(errno));
    for (size_t i = 0; i < sizeof got; i++)
        ck_assert_msg(got[i] == 0, "a new object: expected zeros, byte %zu is %#x", i, got[i]);
    /* The mapping is the object: bytes stored through it are in the file. */
    lt_put_str((char *) p.addr + 5000, "through the mapping");
    char back[32] = "";
    int fd = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(fd != -1 && pread(fd, back, 20, 5000) == 20, "reading %s: %s", name, strerror(errno));
    close(fd);
    ck_assert_msg(strcmp(back, "through the mapping") == 0,
                  "a store through the mapping: expected the object's bytes to say \"through the"
                  " mapping\", got \"%s\" (is the mapping MAP_SHARED?)", back);
    ck_assert_msg(pshm_close(&p) == 0 && p.addr == NULL && p.size == 0,
                  "pshm_close: expected 0 and { NULL, 0 }, got errno %s", strerror(errno));
}
END_TEST

START_TEST(create_sets_exact_mode_despite_umask)
{
    /* The lab process runs with umask 022: shm_open alone would make 0644. */
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 4096, 0666, &p);
    struct stat st;
    ck_assert_msg(stat(dev_shm_path(name), &st) == 0, "stat %s: %s", dev_shm_path(name), strerror(errno));
    ck_assert_msg((st.st_mode & 0777) == 0666,
                  "pshm_create(..., 0666) under umask 022: expected mode 0666, got 0%o (the umask"
                  " took bits away: fchmod gives them back)", (unsigned) (st.st_mode & 0777));
    const char *other = test_name(2);
    struct pshm q;
    create_ok(other, 4096, 0640, &q);
    ck_assert_msg(stat(dev_shm_path(other), &st) == 0 && (st.st_mode & 0777) == 0640,
                  "pshm_create(..., 0640): expected mode 0640, got 0%o", (unsigned) (st.st_mode & 0777));
    pshm_close(&p);
    pshm_close(&q);
}
END_TEST

START_TEST(open_maps_an_existing_object)
{
    const char *name = test_name(1);
    make_object(name, 8192, "made by the test", 17);
    struct pshm p = { (void *) 1, 1 };
    errno = 0;
    int rc = pshm_open(name, 1, 0, &p);
    int err = errno;
    ck_assert_msg(rc == 0, "pshm_open(\"%s\") of an object of 8192 bytes: expected 0, got %d (errno %s)",
                  name, rc, strerror(err));
    ck_assert_msg(p.addr != NULL && p.size == 8192,
                  "pshm_open: expected the whole object mapped (8192 bytes), got addr %p size %zu", p.addr,
                  p.size);
    ck_assert_msg(strcmp(lt_get_str(p.addr, 32), "made by the test") == 0,
                  "pshm_open: expected the mapping to read \"made by the test\", got \"%s\"",
                  lt_get_str(p.addr, 32));
    /* Both ways: a store through the mapping reaches the object. */
    lt_put_str((char *) p.addr + 8000, "seen");
    char back[5] = "";
    int fd = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(fd != -1 && pread(fd, back, 5, 8000) == 5, "reading %s: %s", name, strerror(errno));
    close(fd);
    ck_assert_msg(strcmp(back, "seen") == 0, "a store through pshm_open's mapping did not reach the object"
                  " (got \"%s\"): is it MAP_SHARED?", back);
    pshm_close(&p);
}
END_TEST

START_TEST(unlinked_object_lives_on_in_its_mapping)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 4096, 0600, &p);
    lt_put_str(p.addr, "still here");
    errno = 0;
    int rc = pshm_remove(name);
    ck_assert_msg(rc == 0, "pshm_remove(\"%s\"): expected 0, got %d (errno %s)", name, rc, strerror(errno));
    ck_assert_msg(!exists(name), "after pshm_remove: %s still exists", dev_shm_path(name));
    ck_assert_msg(strcmp(lt_get_str(p.addr, 16), "still here") == 0,
                  "after pshm_remove, the mapping should still hold \"still here\", got \"%s\"",
                  lt_get_str(p.addr, 16));
    const char *seen = name_of_mapping(p.addr);
    ck_assert_msg(strstr(seen, "(deleted)") != NULL,
                  "/proc/PID/maps should show the unlinked object as \"%s (deleted)\", shows \"%s\"",
                  dev_shm_path(name), seen);
    /* The name is free at once: a new object, not the old one. */
    struct pshm q;
    create_ok(name, 4096, 0600, &q);
    ck_assert_msg(lt_get_str(q.addr, 16)[0] == '\0',
                  "an object made under the old name should be new (zeros), it reads \"%s\"",
                  lt_get_str(q.addr, 16));
    pshm_close(&p);
    pshm_close(&q);
}
END_TEST

START_TEST(sealed_memfd_arrives_read_only)
{
    int sv[2];
    socket_pair(sv);
    char *data = lt_alloc(64);
    strcpy(data, "sealed and delivered");
    errno = 0;
    int rc = memfd_send_sealed(sv[1], "lab08-letter", data, 21);
    int err = errno;
    ck_assert_msg(rc == 0, "memfd_send_sealed: expected 0, got %d (errno %s)", rc, strerror(err));
    int fds[4];
    int n = recv_fds(sv[0], fds);
    ck_assert_msg(n == 1, "memfd_send_sealed: expected one message with one descriptor, got %d descriptors"
                  " (%s)", n, n == -1 ? strerror(errno) : "");
    int fd = fds[0];
    socks[nsocks++] = fd;
    ck_assert_msg(strcmp(fd_target(fd), "/memfd:lab08-letter (deleted)") == 0,
                  "the descriptor received should be a memfd called lab08-letter (/proc/self/fd says"
                  " \"/memfd:lab08-letter (deleted)\"), it is \"%s\"", fd_target(fd));
    int seals = fcntl(fd, F_GET_SEALS);
    ck_assert_msg(seals == SEALS_SENT, "the memfd received: expected seals %#x (SHRINK|GROW|WRITE|SEAL),"
                  " got %#x", SEALS_SENT, seals);
    char got[32] = "";
    ck_assert_msg(pread(fd, got, sizeof got, 0) == 21 && strcmp(got, "sealed and delivered") == 0,
                  "the memfd received: expected its 21 bytes to be \"sealed and delivered\", got \"%s\"", got);
    errno = 0;
    ck_assert_msg(pwrite(fd, "X", 1, 0) == -1 && errno == EPERM,
                  "writing to the memfd received: expected EPERM (F_SEAL_WRITE), got %s", strerror(errno));
    errno = 0;
    ck_assert_msg(ftruncate(fd, 0) == -1 && errno == EPERM,
                  "ftruncate of the memfd received: expected EPERM (F_SEAL_SHRINK), got %s", strerror(errno));
}
END_TEST

START_TEST(receiver_refuses_unsealed_memfd)
{
    int sv[2];
    socket_pair(sv);
    /* Sealed against shrinking only: its sender could still change it. */
    int loose = make_memfd("lab08-loose", "changeable", 10, F_SEAL_SHRINK);
    send_fds(sv[0], &loose, 1);
    struct sealed_buf *b = lt_alloc(sizeof *b);
    b->addr = (void *) 1;
    b->size = 1;
    errno = 0;
    long rc = memfd_recv_sealed(sv[1], b);
    int err = errno;
    ck_assert_msg(rc == -1 && err == EPERM, "memfd_recv_sealed of a memfd without F_SEAL_WRITE: expected -1"
                  " with EPERM, got %ld with errno %d (%s)", rc, err, strerror(err));
    ck_assert_msg(b->addr == NULL && b->size == 0, "a refused memfd: expected *b = { NULL, 0 }, got { %p, %zu }",
                  b->addr, b->size);
    int sealed = make_memfd("lab08-sealed", "trustworthy", 11, SEALS_SENT);
    send_fds(sv[0], &sealed, 1);
    errno = 0;
    rc = memfd_recv_sealed(sv[1], b);
    err = errno;
    ck_assert_msg(rc == 11, "memfd_recv_sealed of a sealed memfd of 11 bytes: expected 11, got %ld (errno %s)",
                  rc, strerror(err));
    char got[12] = "";
    ck_assert_msg(b->addr != NULL && lt_peek(b->addr, got, 11) == 0 && strcmp(got, "trustworthy") == 0,
                  "the sealed buffer: expected \"trustworthy\" at b->addr, got \"%s\"", got);
    ck_assert_msg(sealed_release(b) == 0 && b->addr == NULL, "sealed_release: expected 0 and b->addr NULL,"
                  " got errno %s", strerror(errno));
}
END_TEST

START_TEST(mapping_name_shows_dev_shm_path)
{
    const char *name = test_name(1);
    struct pshm p;
    create_ok(name, 8192, 0600, &p);
    char *got = lt_alloc(256);
    errno = 0;
    int rc = mapping_name(p.addr, got, 256);
    int err = errno;
    ck_assert_msg(rc == 0, "mapping_name of pshm_create's mapping: expected 0, got %d (errno %s)", rc,
                  strerror(err));
    ck_assert_msg(strcmp(got, dev_shm_path(name)) == 0,
                  "mapping_name of a POSIX object's mapping: expected \"%s\" (the pathname column of"
                  " /proc/self/maps), got \"%s\"", dev_shm_path(name), got);
    pshm_close(&p);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(create_rejects_bad_names_and_sizes)
{
    struct pshm p;
    const char *bad[] = { "no-slash", "/a/b", "/", "", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "pshm_create(%s%s%s)", bad[i] ? "\"" : "", bad[i] ? bad[i] : "NULL",
                 bad[i] ? "\"" : "");
        expect_fail(pshm_create(bad[i], 4096, 0600, &p), EINVAL, what);
    }
    const char *name = test_name(1);
    expect_fail(pshm_create(name, 0, 0600, &p), EINVAL, "pshm_create of 0 bytes");
    expect_fail(pshm_create(name, 4096, 01777, &p), EINVAL, "pshm_create with mode 01777");
    expect_fail(pshm_create(name, 4096, 0600, NULL), EINVAL, "pshm_create with p NULL");
    ck_assert_msg(!exists(name) && !exists("/no-slash"), "a refused pshm_create left %s behind",
                  exists(name) ? dev_shm_path(name) : "/dev/shm/no-slash");
}
END_TEST

START_TEST(create_existing_name_is_eexist)
{
    const char *name = test_name(1);
    make_object(name, 100, "first", 6);
    struct pshm p;
    expect_fail(pshm_create(name, 4096, 0600, &p), EEXIST, "pshm_create of a name that exists");
    struct stat st;
    char got[6] = "";
    read_object(name, got, 6);
    ck_assert_msg(stat(dev_shm_path(name), &st) == 0 && st.st_size == 100 && strcmp(got, "first") == 0,
                  "a pshm_create that found the name taken must leave the object alone: expected 100 bytes"
                  " saying \"first\", got %lld bytes saying \"%s\"", (long long) st.st_size, got);
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("08-posix-shm public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, create_makes_a_zeroed_object_of_that_size);
    tcase_add_test(core, create_sets_exact_mode_despite_umask);
    tcase_add_test(core, open_maps_an_existing_object);
    tcase_add_test(core, unlinked_object_lives_on_in_its_mapping);
    tcase_add_test(core, sealed_memfd_arrives_read_only);
    tcase_add_test(core, receiver_refuses_unsealed_memfd);
    tcase_add_test(core, mapping_name_shows_dev_shm_path);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, create_rejects_bad_names_and_sizes);
    tcase_add_test(errors, create_existing_name_is_eexist);
    suite_add_tcase(s, errors);

    return s;
}
