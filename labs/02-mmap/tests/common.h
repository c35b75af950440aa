/* common.h — helpers shared by lab 02's public tests and the grader's hidden
   ones: the fixture (a mkdtemp folder under /tmp that the teardown empties
   and removes), making and reading files there with write(2) and pread(2)
   rather than through a mapping, and expecting a mapping, or -1 with an
   errno.

   Everything is static: each test file (and each test, in its own process)
   has its own copy of the folder's name. */
#ifndef LAB02_TESTS_COMMON_H
#define LAB02_TESTS_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

static char dir[64];            /* this test's folder */
static long page;               /* sysconf(_SC_PAGESIZE) */

static inline void setup(void)
{
    page = sysconf(_SC_PAGESIZE);
    snprintf(dir, sizeof dir, "/tmp/shmlab02-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

/* Remove every file in the folder, then the folder.  Never asserts. */
static inline void teardown(void)
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

static inline const char *file_in_dir(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Create `name` holding n bytes of c (written with write(2)); returns an
   O_RDWR descriptor on it. */
static inline int make_file(const char *name, size_t n, int c)
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
static inline void read_file(const char *name, off_t off, void *buf, size_t n)
{
    int fd = open(file_in_dir(name), O_RDONLY);
    ck_assert_msg(fd != -1, "open %s: %s", file_in_dir(name), strerror(errno));
    ssize_t got = pread(fd, buf, n, off);
    close(fd);
    ck_assert_msg(got == (ssize_t) n, "pread %zu bytes at %lld of %s: got %zd", n,
                  (long long) off, name, got);
}

/* The file's bytes at off (read_file: what the file holds) must be want's. */
static inline void expect_file_holds(const char *name, off_t off, const char *want, const char *what)
{
    char got[64] = "";
    size_t n = strlen(want);
    ck_assert_msg(n < sizeof got, "test bug: %zu bytes", n);
    read_file(name, off, got, n);
    ck_assert_msg(memcmp(got, want, n) == 0, "%s: expected \"%s\", got \"%.*s\"", what, want, (int) n, got);
}

static inline off_t file_size(const char *name)
{
    struct stat st;
    ck_assert_msg(stat(file_in_dir(name), &st) == 0, "stat %s: %s", name, strerror(errno));
    return st.st_size;
}

/* ---- The student's mapping lives in the lab process (split.h) ------------

   A test never points into it: it copies bytes out (lab_bytes) and in
   (lab_store) through the kernel (process_vm_readv/writev), and asks
   /proc/PID of the lab process which descriptors and mappings it has. */
#define LAB_BYTES_MAX (64 * 1024)

/* n bytes at addr in the lab process, in a static buffer (valid until the
   next call); fails the test if they cannot be read. */
static inline const unsigned char *lab_bytes(const void *addr, size_t n)
{
    static unsigned char buf[LAB_BYTES_MAX];
    ck_assert_msg(n <= sizeof buf, "test bug: %zu bytes", n);
    lt_peek_or_fail(addr, buf, n, "the mapping");
    return buf;
}

static inline void lab_store(void *addr, const void *src, size_t n)
{
    lt_poke_or_fail(addr, src, n, "the mapping");
}

/* Is descriptor fd open in the lab process? */
static inline int lab_has_fd(int fd)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long) lt_lab_pid(), fd);
    return fd >= 0 && lstat(path, &st) == 0;
}

/* Does one mapping of the lab process cover [addr, addr + len)?  From
   /proc/PID/maps (proc(5)). */
static inline int lab_mapped(const void *addr, size_t len)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/maps", (long) lt_lab_pid());
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    uintptr_t a = (uintptr_t) addr;
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        unsigned long lo, hi;
        found = sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a + len <= hi;
    }
    fclose(f);
    return found;
}

/* Store one byte at m->addr + off in the lab process, and return the wait
   status a process that made that store itself would have: exit 0 if it
   works, SIGBUS if the page is mapped but the kernel cannot fault it in
   (past end of file: process_vm_writev then fails with EFAULT, the same
   fault seen from outside), SIGSEGV if nothing is mapped there. */
static inline int touch_in_lab(const struct mm_region *m, size_t off)
{
    unsigned char one = 1;
    if (lt_poke(m->addr + off, &one, 1) == 0)
        return W_EXITCODE(0, 0);
    ck_assert_msg(errno == EFAULT, "process_vm_writev: %s", strerror(errno));
    return W_EXITCODE(0, lab_mapped(m->addr + off, 1) ? SIGBUS : SIGSEGV);
}

static inline void expect_mapped(int rc, const struct mm_region *m, const char *what)
{
    int err = errno;
    ck_assert_msg(rc == 0, "%s: expected 0, got %d (%s)", what, rc, strerror(err));
    ck_assert_msg(m->addr != NULL, "%s returned 0 but addr is NULL", what);
}

#endif
