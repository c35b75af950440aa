/* public.c — Lab 02's public tests: mmap.

   Core:    a MAP_SHARED store by a child reaches the parent's mapping and the
            file (checked with read(2)); a MAP_PRIVATE store reaches neither
            the file nor another mapping; MAP_SHARED|MAP_ANONYMOUS memory is
            shared with a child.
   Errors:  a zero-length mapping is refused with EINVAL; touching a page
            wholly past end of file kills the toucher with SIGBUS.
   Cleanup: mm_unmap() removes the mapping and closes the file; a second
            mm_unmap() fails.

   Files live in a mkdtemp folder the teardown removes.

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

/* ---- Helpers ---------------------------------------------------------- */

static char dir[64];            /* this test's folder */
static long page;               /* sysconf(_SC_PAGESIZE) */

static void setup(void)
{
    page = sysconf(_SC_PAGESIZE);
    snprintf(dir, sizeof dir, "/tmp/shmlab02-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

/* Remove every file in the folder, then the folder.  Never asserts. */
static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static const char *file_in_dir(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Create `name` holding n bytes of c (written with write(2)); returns an
   O_RDWR descriptor on it. */
static int make_file(const char *name, size_t n, int c)
{
    int fd = open(file_in_dir(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_msg(fd != -1, "open %s: %s", file_in_dir(name), strerror(errno));
    unsigned char buf[4096];
    memset(buf, c, sizeof buf);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        ck_assert_msg(write(fd, buf, k) == (ssize_t) k, "write: %s", strerror(errno));
        done += k;
    }
    return fd;
}

/* n bytes of the file at off, read with pread(2) through a new descriptor:
   what the file holds, whatever any mapping says. */
static void read_file(const char *name, off_t off, void *buf, size_t n)
{
    int fd = open(file_in_dir(name), O_RDONLY);
    ck_assert_msg(fd != -1, "open %s: %s", file_in_dir(name), strerror(errno));
    ssize_t got = pread(fd, buf, n, off);
    close(fd);
    ck_assert_msg(got == (ssize_t) n, "pread %zu bytes at %lld of %s: got %zd", n,
                  (long long) off, name, got);
}

static off_t file_size(const char *name)
{
    struct stat st;
    ck_assert_msg(stat(file_in_dir(name), &st) == 0, "stat %s: %s", name, strerror(errno));
    return st.st_size;
}

static void expect_mapped(int rc, const struct mm_region *m, const char *what)
{
    int err = errno;
    ck_assert_msg(rc == 0, "%s: expected 0, got %d (%s)", what, rc, strerror(err));
    ck_assert_msg(m->addr != NULL, "%s returned 0 but addr is NULL", what);
}

#define expect_fail(call, want_errno, what)                                         \
    do {                                                                            \
        errno = 0;                                                                  \
        long rc_ = (long) (call);                                                   \
        int err_ = errno;                                                           \
        ck_assert_msg(rc_ == -1 && err_ == (want_errno),                            \
                      "%s: expected -1 with errno %s, got %ld with errno %d (%s)",  \
                      (what), #want_errno, rc_, err_, strerror(err_));              \
    } while (0)

/* ---- Core --------------------------------------------------------------- */

START_TEST(shared_store_reaches_parent_and_file)
{
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("shared"), 2 * (size_t) page, MM_SHARED), &m,
                  "mm_map_file(shared, 2 pages, MM_SHARED)");
    int rc = mm_child_write(&m, 100, "hello", 5);
    ck_assert_msg(rc == 0, "mm_child_write(100, \"hello\"): expected 0, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(memcmp(m.addr + 100, "hello", 5) == 0,
                  "the parent's MAP_SHARED mapping at 100: expected \"hello\" (the child's store), got \"%.5s\"",
                  (const char *) m.addr + 100);
    char got[6] = "";
    read_file("shared", 100, got, 5);
    ck_assert_msg(memcmp(got, "hello", 5) == 0,
                  "read(2) of the file at 100 after the child's store and msync: expected \"hello\", got \"%.5s\"", got);
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
    memcpy(priv.addr, "private", 7);            /* the first store copies the page */
    ck_assert_msg(memcmp(priv.addr, "private", 7) == 0, "the private mapping lost our own store");
    ck_assert_msg(shared.addr[0] == 'A',
                  "a MAP_SHARED view of the file after a store through MAP_PRIVATE: expected 'A', got '%c'",
                  shared.addr[0]);
    char got[8] = "";
    read_file("cow", 0, got, 7);
    ck_assert_msg(memcmp(got, "AAAAAAA", 7) == 0,
                  "read(2) of the file after a store through MAP_PRIVATE: expected \"AAAAAAA\", got \"%.7s\"", got);
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
    ck_assert_msg(memcmp(m.addr + 10, "from child", 10) == 0,
                  "MAP_SHARED|MAP_ANONYMOUS at 10 after the child's store: expected \"from child\", got \"%.10s\"",
                  (const char *) m.addr + 10);
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
    ck_assert_msg(m.addr[99] == 'z', "mm_map_fd(fd, 100): byte 99 expected 'z', got '%c'", m.addr[99]);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    close(fd);
}
END_TEST

/* Touch m->addr[off] in a child; return its wait status. */
static int touch_in_child(const struct mm_region *m, size_t off)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);        /* not a sanitizer's handler: the plain signal */
        volatile unsigned char *target = m->addr + off;
        *target = 1;
        _exit(0);
    }
    int status;
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    return status;
}

START_TEST(page_past_eof_raises_sigbus)
{
    int fd = make_file("short", 100, 's');      /* 100 bytes: less than a page */
    struct mm_region m;
    expect_mapped(mm_map_fd(&m, fd, 2 * (size_t) page, MM_SHARED), &m,
                  "mm_map_fd(100-byte file, 2 pages) - mapping past end of file is allowed");
    int status = touch_in_child(&m, 200);       /* same page as end of file */
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "a store at 200 (past end of file, same page): expected it to work, got %s %d",
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    status = touch_in_child(&m, (size_t) page); /* the second page: wholly past end of file */
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
    ck_assert_msg(fd != -1 && fcntl(fd, F_GETFD) != -1,
                  "mm_map_file: expected m.fd to be the open file, got %d", fd);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: expected 0, got -1 (%s)", strerror(errno));
    errno = 0;
    ck_assert_msg(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
                  "after mm_unmap: expected descriptor %d closed, it is still open", fd);
    unsigned char vec;
    errno = 0;
    int rc = mincore(addr, (size_t) page, &vec);
    ck_assert_msg(rc == -1 && errno == ENOMEM,
                  "after mm_unmap: expected %p unmapped (mincore ENOMEM), got %d (%s)",
                  (void *) addr, rc, strerror(errno));
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
