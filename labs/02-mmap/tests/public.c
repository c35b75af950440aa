/* public.c — Lab 02's public tests: mmap.

   Core:    a MAP_SHARED store by a child reaches the parent's mapping and the
            file (checked with read(2)); a MAP_PRIVATE store reaches neither
            the file nor another mapping; MAP_SHARED|MAP_ANONYMOUS memory is
            shared with a child.
   Errors:  a zero-length mapping is refused with EINVAL; touching a page
            wholly past end of file kills the toucher with SIGBUS.
   Cleanup: mm_unmap() removes the mapping and closes the file; a second
            mm_unmap() fails.

   Files live in a mkdtemp folder the teardown removes (tests/common.h: the
   fixture and helpers, shared with the grader's hidden tests).

   $ make check LAB=2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

/* ---- Core --------------------------------------------------------------- */

START_TEST(shared_store_reaches_parent_and_file)
{
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("shared"), 2 * (size_t) page, MM_SHARED), &m,
                  "mm_map_file(shared, 2 pages, MM_SHARED)");
    int rc = mm_child_write(&m, 100, "hello", 5);
    ck_assert_msg(rc == 0, "mm_child_write(100, \"hello\"): expected 0, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(memcmp(lab_bytes(m.addr + 100, 5), "hello", 5) == 0,
                  "the parent's MAP_SHARED mapping at 100: expected \"hello\" (the child's store), got \"%.5s\"",
                  (const char *) lab_bytes(m.addr + 100, 16));
    expect_file_holds("shared", 100, "hello", "read(2) of the file at 100 after the child's store and msync");
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(private_store_reaches_neither_file_nor_other_mapping)
{
    close(make_file("cow", (size_t) page, 'A'));
    struct mm_region priv, shared;
    expect_mapped(mm_map_file(&priv, file_in_dir("cow"), (size_t) page, MM_PRIVATE), &priv,
                  "mm_map_file(cow, 1 page, MM_PRIVATE)");
    expect_mapped(mm_map_file(&shared, file_in_dir("cow"), (size_t) page, MM_SHARED), &shared,
                  "mm_map_file(cow, 1 page, MM_SHARED)");
    lab_store(priv.addr, "private", 7);            /* the first store copies the page */
    ck_assert_msg(memcmp(lab_bytes(priv.addr, 7), "private", 7) == 0, "the private mapping lost our own store");
    char seen = (char) lab_bytes(shared.addr, 1)[0];
    ck_assert_msg(seen == 'A',
                  "a MAP_SHARED view of the file after a store through MAP_PRIVATE: expected 'A', got '%c'",
                  seen);
    expect_file_holds("cow", 0, "AAAAAAA", "read(2) of the file after a store through MAP_PRIVATE");
    ck_assert_msg(mm_unmap(&priv) == 0 && mm_unmap(&shared) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(anonymous_shared_memory_reaches_parent)
{
    struct mm_region m;
    expect_mapped(mm_map_anon(&m, (size_t) page), &m, "mm_map_anon(1 page)");
    ck_assert_msg(m.fd == -1, "mm_map_anon: expected fd -1, got %d", m.fd);
    int rc = mm_child_write(&m, 10, "from child", 10);
    ck_assert_msg(rc == 0, "mm_child_write on anonymous memory: expected 0, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(memcmp(lab_bytes(m.addr + 10, 10), "from child", 10) == 0,
                  "MAP_SHARED|MAP_ANONYMOUS at 10 after the child's store: expected \"from child\", got \"%.10s\"",
                  (const char *) lab_bytes(m.addr + 10, 16));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(zero_length_mapping_refused)
{
    struct mm_region m;
    int fd = make_file("zero", 100, 'z');
    expect_fail(mm_map_fd(&m, fd, 0, MM_SHARED), EINVAL, "mm_map_fd(fd, length 0)");
    ck_assert_msg(m.addr == NULL, "after a refused mm_map_fd: expected addr NULL, got %p", (void *) m.addr);
    expect_fail(mm_map_file(&m, file_in_dir("zero"), 0, MM_PRIVATE), EINVAL, "mm_map_file(length 0)");
    expect_fail(mm_map_anon(&m, 0), EINVAL, "mm_map_anon(length 0)");
    /* ... and a good call works. */
    expect_mapped(mm_map_fd(&m, fd, 100, MM_SHARED), &m, "mm_map_fd(fd, 100)");
    char last = (char) lab_bytes(m.addr + 99, 1)[0];
    ck_assert_msg(last == 'z', "mm_map_fd(fd, 100): byte 99 expected 'z', got '%c'", last);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    close(fd);
}
END_TEST

START_TEST(page_past_eof_raises_sigbus)
{
    int fd = make_file("short", 100, 's');      /* 100 bytes: less than a page */
    struct mm_region m;
    expect_mapped(mm_map_fd(&m, fd, 2 * (size_t) page, MM_SHARED), &m,
                  "mm_map_fd(100-byte file, 2 pages) - mapping past end of file is allowed");
    int status = touch_in_lab(&m, 200);       /* same page as end of file */
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a store at 200 (past end of file, same page): expected it to work, got %s %d",
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    status = touch_in_lab(&m, (size_t) page); /* the second page: wholly past end of file */
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
                  "a store in the page wholly past end of file: expected SIGBUS (%d), got %s %d",
                  SIGBUS, WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    ck_assert_msg(file_size("short") == 100, "the mapping changed the file's size: expected 100, got %lld",
                  (long long) file_size("short"));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    close(fd);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(unmap_releases_mapping_and_descriptor)
{
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("gone"), (size_t) page, MM_SHARED), &m,
                  "mm_map_file(gone, 1 page)");
    unsigned char *addr = m.addr;
    int fd = m.fd;
    ck_assert_msg(lab_has_fd(fd),
                  "mm_map_file: expected m.fd to be the open file, got %d", fd);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: expected 0, got -1 (%s)", strerror(errno));
    ck_assert_msg(!lab_has_fd(fd),
                  "after mm_unmap: expected descriptor %d closed, it is still open", fd);
    ck_assert_msg(!lab_mapped(addr, (size_t) page),
                  "after mm_unmap: expected %p unmapped (not in /proc/PID/maps), it is still mapped",
                  (void *) addr);
    ck_assert_msg(m.addr == NULL && m.fd == -1,
                  "after mm_unmap: expected addr NULL and fd -1, got %p and %d", (void *) m.addr, m.fd);
    expect_fail(mm_unmap(&m), EINVAL, "a second mm_unmap");
    expect_fail(mm_unmap(NULL), EINVAL, "mm_unmap(NULL)");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("02-mmap public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, shared_store_reaches_parent_and_file);
    tcase_add_test(core, private_store_reaches_neither_file_nor_other_mapping);
    tcase_add_test(core, anonymous_shared_memory_reaches_parent);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, zero_length_mapping_refused);
    tcase_add_test(errors, page_past_eof_raises_sigbus);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, unmap_releases_mapping_and_descriptor);
    suite_add_tcase(s, cleanup);

    return s;
}
