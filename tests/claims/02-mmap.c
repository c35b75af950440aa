/* 02-mmap.c — claims suite for handouts/en/02-mmap.md: every statement the
   handout makes about mmap(2), msync(2) and friends, asserted on the machine
   it runs on.

   Each test names the handout section it backs.  Nothing here uses the lab's
   code.  Claims that depend on the file system pin it: the tmpfs claims use
   /dev/shm and the ext4 claim uses /var/tmp (or $SHMLAB_EXT4_DIR), each
   checked with statfs(2); on a machine where that folder is another file
   system the test says so and passes without asserting anything about it.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/02-mmap.c $(pkg-config --cflags --libs check) -o claims-02
   $ ./claims-02
   100%: Checks: 14, Failures: 0, Errors: 0 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994          /* statfs(2) f_type values (<linux/magic.h>) */
#define EXT4_SUPER_MAGIC 0xEF53

static long page;
static char dir[128];                   /* per-test folder (mkdtemp), removed after */
static char path[192];

/* Make a folder under base and a file `f` in it holding n bytes of c. */
static int make_file_in(const char *base, size_t n, int c)
{
    snprintf(dir, sizeof dir, "%s/shmlab-claims02-XXXXXX", base);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp in %s: %s", base, strerror(errno));
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_msg(fd != -1, "open: %s", strerror(errno));
    char buf[4096];
    memset(buf, c, sizeof buf);
    for (size_t done = 0; done < n; done += sizeof buf)
        ck_assert(write(fd, buf, n - done < sizeof buf ? n - done : sizeof buf) > 0);
    return fd;
}

static void remove_file(int fd)
{
    close(fd);
    unlink(path);
    rmdir(dir);
}

static long fs_type(const char *p)
{
    struct statfs sf;
    return statfs(p, &sf) == 0 ? (long) sf.f_type : -1;
}

/* Status of a child that touches addr (store if write, else load). */
static int touch(volatile unsigned char *addr, int write)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork");
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        if (write)
            *addr = 1;
        else
            (void) *addr;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static void setup(void)
{
    page = sysconf(_SC_PAGESIZE);
}

/* Background + Common misconceptions: mmap fails with MAP_FAILED, which is
   (void *) -1 and never NULL; a length of 0 is EINVAL (since Linux 2.6.12). */
START_TEST(zero_length_is_map_failed_einval)
{
    errno = 0;
    void *p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(p == MAP_FAILED && errno == EINVAL, "mmap length 0: expected MAP_FAILED/EINVAL");
    ck_assert_msg(MAP_FAILED == (void *) -1 && MAP_FAILED != NULL, "MAP_FAILED is (void *) -1");
}
END_TEST

/* Common misconceptions: an address that is not a multiple of the page size
   is not "aligned for you" under MAP_FIXED: it is EINVAL.  Without MAP_FIXED
   the address is only a hint and the result is page-aligned. */
START_TEST(unaligned_address_fixed_is_einval_hint_is_aligned)
{
    unsigned char *base = mmap(NULL, 4 * (size_t) page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(base != MAP_FAILED);
    munmap(base, 4 * (size_t) page);
    errno = 0;
    void *p = mmap(base + 100, (size_t) page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ck_assert_msg(p == MAP_FAILED && errno == EINVAL, "MAP_FIXED at base+100: expected EINVAL");
    p = mmap(base + 100, (size_t) page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(p != MAP_FAILED, "hint base+100: %s", strerror(errno));
    ck_assert_msg((uintptr_t) p % (uintptr_t) page == 0, "hint base+100: expected a page-aligned result, got %p", p);
    ck_assert_msg(p != (void *) (base + 100), "a hint is not used as is when unaligned");
    munmap(p, (size_t) page);
}
END_TEST

/* Common misconceptions: the protection flags are PROT_READ, PROT_WRITE,
   PROT_EXEC, PROT_NONE (not PORT_/PROC_): distinct bits, PROT_NONE is 0. */
START_TEST(prot_flags_are_distinct_bits)
{
    ck_assert(PROT_NONE == 0);
    ck_assert((PROT_READ & PROT_WRITE) == 0 && (PROT_READ & PROT_EXEC) == 0 && (PROT_WRITE & PROT_EXEC) == 0);
#if defined(PORT_READ) || defined(PORT_WRITE) || defined(PROC_EXEC) || defined(PORT_NONE)
    ck_abort_msg("PORT_READ & co. exist after all");
#endif
}
END_TEST

/* Background: a mapping is whole pages: 100 bytes asked for, the rest of
   the page is there too (zero-filled, readable and writable). */
START_TEST(mapping_is_whole_pages)
{
    unsigned char *p = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    ck_assert_msg(p[page - 1] == 0, "the last byte of the page: expected 0");
    p[page - 1] = 7;
    unsigned char vec;
    ck_assert_msg(mincore(p, (size_t) page, &vec) == 0, "the whole page is mapped");
    munmap(p, 100);
}
END_TEST

/* Background: stores through a MAP_SHARED mapping never change the file's
   size; bytes past end of file in the last page are not part of it. */
START_TEST(stores_do_not_grow_the_file)
{
    int fd = make_file_in("/dev/shm", 100, 'a');
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    memset(p + 100, 'b', 100);
    msync(p, (size_t) page, MS_SYNC);
    struct stat st;
    fstat(fd, &st);
    char buf[300];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    munmap(p, (size_t) page);
    remove_file(fd);
    ck_assert_msg(st.st_size == 100 && n == 100, "expected size 100 and read 100, got %lld and %zd",
                  (long long) st.st_size, n);
}
END_TEST

/* Common misconceptions: the shared area IS limited by the file's size: a
   page wholly past end of file raises SIGBUS (a store and a load alike). */
START_TEST(page_past_eof_is_sigbus)
{
    int fd = make_file_in("/dev/shm", 100, 'a');
    unsigned char *p = mmap(NULL, 2 * (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "mapping 2 pages of a 100-byte file is allowed");
    int in_page = touch(p + 200, 1), load = touch(p + page, 0), store = touch(p + page, 1);
    munmap(p, 2 * (size_t) page);
    remove_file(fd);
    ck_assert_msg(WIFEXITED(in_page), "a store past EOF in the last page: expected no signal");
    ck_assert_msg(WIFSIGNALED(load) && WTERMSIG(load) == SIGBUS, "a load a page past EOF: expected SIGBUS");
    ck_assert_msg(WIFSIGNALED(store) && WTERMSIG(store) == SIGBUS, "a store a page past EOF: expected SIGBUS");
}
END_TEST

/* Background (measured): on tmpfs the bytes stored past end of file stay in
   the page and become file contents when ftruncate makes the file longer. */
START_TEST(tmpfs_keeps_tail_bytes)
{
    if (fs_type("/dev/shm") != TMPFS_MAGIC) {
        printf("tmpfs_keeps_tail_bytes: /dev/shm is not tmpfs here, nothing to check\n");
        return;
    }
    int fd = make_file_in("/dev/shm", 100, 'a');
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    memset(p + 100, 'Z', 100);
    msync(p, (size_t) page, MS_SYNC);
    munmap(p, (size_t) page);
    char buf[200] = "";
    int ok = ftruncate(fd, 200) == 0 && pread(fd, buf, 200, 0) == 200;
    remove_file(fd);
    ck_assert_msg(ok && buf[150] == 'Z', "tmpfs, grown to 200 after tail stores: expected 'Z' at 150, got %d", buf[150]);
}
END_TEST

/* Background (measured): on ext4 writeback (msync MS_SYNC) zeroes the bytes
   past end of file in the last page: grown later, the file shows zeros. */
START_TEST(ext4_zeroes_tail_bytes_at_msync)
{
    const char *base = getenv("SHMLAB_EXT4_DIR") ? getenv("SHMLAB_EXT4_DIR") : "/var/tmp";
    if (fs_type(base) != EXT4_SUPER_MAGIC) {
        printf("ext4_zeroes_tail_bytes_at_msync: %s is not ext4 here, nothing to check\n", base);
        return;
    }
    int fd = make_file_in(base, 100, 'a');
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    memset(p + 100, 'Z', 100);
    int synced = msync(p, (size_t) page, MS_SYNC);
    unsigned char after = p[150];
    munmap(p, (size_t) page);
    char buf[200] = "";
    int ok = ftruncate(fd, 200) == 0 && pread(fd, buf, 200, 0) == 200;
    remove_file(fd);
    ck_assert_msg(synced == 0 && after == 0, "ext4, after msync: expected the tail zeroed in the page, got %d", after);
    ck_assert_msg(ok && buf[150] == 0, "ext4, grown to 200: expected 0 at 150, got %d", buf[150]);
}
END_TEST

/* Dirty kB of the mapping that starts at addr, from /proc/self/smaps
   (Shared_Dirty + Private_Dirty), or -1. */
static long dirty_kb(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    unsigned long start, end;
    long kb = -1, v;
    int in = 0;
    while (f && fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, ':') && !strstr(line, "kB")) {
            in = start == (unsigned long) addr;
            if (in)
                kb = 0;
        } else if (in && (sscanf(line, "Shared_Dirty: %ld kB", &v) == 1 || sscanf(line, "Private_Dirty: %ld kB", &v) == 1)) {
            kb += v;
        }
    }
    if (f)
        fclose(f);
    return kb;
}

/* Background, msync(2): MS_SYNC writes a file mapping's dirty pages to the
   device and returns when that is done: /proc/PID/smaps then shows the page
   clean (ext4).  On tmpfs there is no device: the page stays dirty, and
   msync still returns 0. */
START_TEST(ms_sync_writes_dirty_pages_back)
{
    const char *base = getenv("SHMLAB_EXT4_DIR") ? getenv("SHMLAB_EXT4_DIR") : "/var/tmp";
    int checked = 0;
    for (int k = 0; k < 2; k++) {
        const char *where = k == 0 ? base : "/dev/shm";
        long want = k == 0 ? EXT4_SUPER_MAGIC : TMPFS_MAGIC;
        if (fs_type(where) != want) {
            printf("ms_sync_writes_dirty_pages_back: %s is not %s here, nothing to check\n", where,
                   k == 0 ? "ext4" : "tmpfs");
            continue;
        }
        int fd = make_file_in(where, (size_t) page, 'a');
        unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ck_assert(p != MAP_FAILED);
        p[0] = 'b';
        long before = dirty_kb(p);
        int rc = msync(p, (size_t) page, MS_SYNC);
        long after = dirty_kb(p);
        munmap(p, (size_t) page);
        remove_file(fd);
        ck_assert_msg(before > 0 && rc == 0, "%s: after a store, expected a dirty page and msync 0, got %ld kB"
                      " dirty, msync %d", where, before, rc);
        if (k == 0)
            ck_assert_msg(after == 0, "ext4, after msync(MS_SYNC): expected the page clean, got %ld kB dirty", after);
        else
            ck_assert_msg(after > 0, "tmpfs, after msync(MS_SYNC): expected the page still dirty (no device), got"
                          " %ld kB", after);
        checked++;
    }
    (void) checked;
}
END_TEST

/* Common misconceptions: other processes and read(2) see a MAP_SHARED store
   at once, before any msync: there is one copy, in the page cache.  msync
   is about the storage device. */
START_TEST(read_sees_shared_store_before_msync)
{
    int fd = make_file_in("/dev/shm", (size_t) page, 'a');
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    memcpy(p, "fresh", 5);
    char buf[6] = "";
    ssize_t n = pread(fd, buf, 5, 0);
    munmap(p, (size_t) page);
    remove_file(fd);
    ck_assert_msg(n == 5 && memcmp(buf, "fresh", 5) == 0, "read(2) before msync: expected \"fresh\", got \"%.5s\"", buf);
}
END_TEST

/* Background: MAP_PRIVATE is copy-on-write: a store is seen neither in the
   file nor through another mapping of it. */
START_TEST(private_store_is_copy_on_write)
{
    int fd = make_file_in("/dev/shm", (size_t) page, 'a');
    unsigned char *priv = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    unsigned char *shared = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(priv != MAP_FAILED && shared != MAP_FAILED);
    priv[0] = 'P';
    char c = 0;
    ck_assert(pread(fd, &c, 1, 0) == 1);
    int other = shared[0];
    munmap(priv, (size_t) page);
    munmap(shared, (size_t) page);
    remove_file(fd);
    ck_assert_msg(c == 'a' && other == 'a', "after a private store: expected 'a' in the file and the shared mapping");
}
END_TEST

/* Background: MAP_SHARED|MAP_ANONYMOUS memory is shared with children forked
   after it was made (and only through fork: it has no name). */
START_TEST(anonymous_shared_reaches_parent)
{
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    pid_t pid = fork();
    ck_assert(pid != -1);
    if (pid == 0) {
        p[0] = 42;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    int got = p[0];
    munmap(p, (size_t) page);
    ck_assert_msg(got == 42, "the child's store: expected 42 in the parent, got %d", got);
}
END_TEST

/* Background: with MAP_ANONYMOUS Linux ignores fd (and the memory is zeros,
   not the file's bytes); portable code passes -1 and offset 0. */
START_TEST(anonymous_ignores_fd_on_linux)
{
    int fd = make_file_in("/dev/shm", (size_t) page, 'a');
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, fd, 0);
    int first = p == MAP_FAILED ? -1 : p[0];
    if (p != MAP_FAILED)
        munmap(p, (size_t) page);
    remove_file(fd);
    ck_assert_msg(first == 0, "MAP_ANONYMOUS with a file's fd: expected zeroed memory, got %d", first);
}
END_TEST

/* Background: a MAP_PRIVATE child's store stays in the child (fork copies
   the mapping, copy-on-write). */
START_TEST(private_store_by_child_stays_in_child)
{
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    pid_t pid = fork();
    ck_assert(pid != -1);
    if (pid == 0) {
        p[0] = 42;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    int got = p[0];
    munmap(p, (size_t) page);
    ck_assert_msg(got == 0, "the child's private store: expected 0 in the parent, got %d", got);
}
END_TEST

/* Background: ftruncate(2) grows a file (with zeros) so that a mapping of
   the new length has no page past end of file. */
START_TEST(ftruncate_then_map_has_no_sigbus)
{
    int fd = make_file_in("/dev/shm", 0, 'a');
    ck_assert(ftruncate(fd, 3 * page) == 0);
    unsigned char *p = mmap(NULL, 3 * (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    int st = touch(p + 3 * page - 1, 1);
    int zero = p[2 * page];
    munmap(p, 3 * (size_t) page);
    remove_file(fd);
    ck_assert_msg(WIFEXITED(st) && zero == 0, "after ftruncate: expected the last page usable and zero-filled");
}
END_TEST

/* ---- Seed 002's comparison of shm and mmap, corrected -------------------- */

/* Common misconceptions ("shared memory needs no file descriptor", seed
   002): System V segments have none, but memfd_create(2) and shm_open(3)
   give shared memory that is a descriptor, and a System V segment is itself
   a file on the kernel's internal tmpfs: /proc/PID/maps names it
   "/SYSV<key> (deleted)" (proc(5)). */
START_TEST(shared_memory_can_be_a_descriptor)
{
    int fd = memfd_create("claims02", MFD_CLOEXEC);
    ck_assert_msg(fd >= 0, "memfd_create: %s", strerror(errno));
    ck_assert(ftruncate(fd, page) == 0);
    unsigned char *p = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap of a memfd: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert(pid != -1);
    if (pid == 0) {
        p[0] = 'M';
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    ck_assert_msg(p[0] == 'M', "a memfd mapped MAP_SHARED: expected the child's store, got %d", p[0]);
    munmap(p, (size_t) page);
    close(fd);

    char name[64];
    snprintf(name, sizeof name, "/shmlab-claims02-%d", (int) getpid());
    int sfd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(sfd >= 0, "shm_open(%s): %s", name, strerror(errno));
    shm_unlink(name);
    close(sfd);

    key_t key = (key_t) (0x5e020000 | (getpid() & 0xffff));
    int id = shmget(key, (size_t) page, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    void *a = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    ck_assert(a != (void *) -1);
    char want[64], line[512];
    snprintf(want, sizeof want, "/SYSV%08x (deleted)", (unsigned) key);
    FILE *maps = fopen("/proc/self/maps", "r");
    int seen = 0;
    while (maps && fgets(line, sizeof line, maps) != NULL)
        seen |= strstr(line, want) != NULL;
    if (maps)
        fclose(maps);
    shmdt(a);
    ck_assert_msg(seen, "/proc/self/maps: expected a line naming %s for the attached segment", want);
}
END_TEST

/* Common misconceptions ("mmap's data is safer: the file backs it up", seed
   002): a MAP_SHARED store is in the file's page cache at once and stays
   when the process is killed (on disk only after writeback or msync); a
   MAP_PRIVATE store is never written back, whatever happens. */
START_TEST(killed_process_keeps_shared_stores_loses_private_ones)
{
    int fd = make_file_in("/dev/shm", 2 * (size_t) page, '.');
    pid_t pid = fork();
    ck_assert(pid != -1);
    if (pid == 0) {
        unsigned char *sh = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        unsigned char *pr = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
        if (sh == MAP_FAILED || pr == MAP_FAILED)
            _exit(2);
        sh[0] = 'S';
        pr[0] = 'P';
        raise(SIGKILL);
    }
    int status;
    waitpid(pid, &status, 0);
    unsigned char a = 0, b = 0;
    ck_assert(pread(fd, &a, 1, 0) == 1 && pread(fd, &b, 1, page) == 1);
    remove_file(fd);
    ck_assert_msg(WIFSIGNALED(status), "the writer: expected it killed, got status 0x%x", (unsigned) status);
    ck_assert_msg(a == 'S' && b == '.', "after the writer was killed: expected the shared store 'S' in the"
                  " file and the private one gone ('.'), got '%c' and '%c'", a, b);
}
END_TEST

/* Common misconceptions ("mmap holds more data than shm", seed 002): a
   System V segment is limited by kernel.shmmax/shmall (proc(5)), which
   default to nearly unlimited; here a 1 GiB segment is made as readily as
   a 1 GiB mapping.  Neither is touched, so neither costs memory. */
START_TEST(segment_can_be_as_big_as_a_mapping)
{
    unsigned long long shmmax = 0;
    FILE *f = fopen("/proc/sys/kernel/shmmax", "r");
    ck_assert_msg(f && fscanf(f, "%llu", &shmmax) == 1, "cannot read /proc/sys/kernel/shmmax");
    fclose(f);
    if (shmmax < (1ULL << 30)) {
        fprintf(stderr, "SKIP segment_can_be_as_big_as_a_mapping: kernel.shmmax is %llu here\n", shmmax);
        return;
    }
    int id = shmget(IPC_PRIVATE, 1UL << 30, IPC_CREAT | 0600);
    int err = errno;
    if (id != -1)
        shmctl(id, IPC_RMID, NULL);
    void *m = mmap(NULL, 1UL << 30, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED)
        munmap(m, 1UL << 30);
    if (id == -1 && m == MAP_FAILED) {
        fprintf(stderr, "SKIP segment_can_be_as_big_as_a_mapping: neither 1 GiB fits here (%s)\n", strerror(err));
        return;
    }
    ck_assert_msg(id != -1 && m != MAP_FAILED, "1 GiB: shmget %s, mmap %s", id != -1 ? "ok" : strerror(err),
                  m != MAP_FAILED ? "ok" : "failed");
}
END_TEST

/* Common misconceptions (MS_INVALIDATE "invalidates the cached data", seed
   001): on Linux every mapping of a file shares one page cache, so a store
   through one MAP_SHARED mapping is already in another before any msync;
   MS_INVALIDATE (msync(2): "invalidate other mappings of the same file")
   has nothing to discard and discards nothing.  MS_SYNC with MS_ASYNC is
   EINVAL. */
START_TEST(ms_invalidate_discards_nothing)
{
    int fd = make_file_in("/dev/shm", (size_t) page, '.');
    unsigned char *a = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *b = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(a != MAP_FAILED && b != MAP_FAILED);
    a[7] = 'x';
    int seen_before = b[7];
    int rc = msync(a, (size_t) page, MS_INVALIDATE);
    int seen_after = b[7], kept = a[7];
    errno = 0;
    int both = msync(a, (size_t) page, MS_SYNC | MS_ASYNC);
    int both_err = errno;
    unsigned char on_file = 0;
    ck_assert(pread(fd, &on_file, 1, 7) == 1);
    munmap(a, (size_t) page);
    munmap(b, (size_t) page);
    remove_file(fd);
    ck_assert_msg(seen_before == 'x', "the other mapping before any msync: expected 'x', got '%c'", seen_before);
    ck_assert_msg(rc == 0 && seen_after == 'x' && kept == 'x' && on_file == 'x',
                  "msync(MS_INVALIDATE): expected 0 and 'x' everywhere, got %d, '%c' '%c' '%c'", rc, seen_after,
                  kept, on_file);
    ck_assert_msg(both == -1 && both_err == EINVAL, "msync(MS_SYNC | MS_ASYNC): expected -1/EINVAL, got %d (%s)",
                  both, strerror(both_err));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("claims 02-mmap");
    TCase *tc = tcase_create("Claims");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, zero_length_is_map_failed_einval);
    tcase_add_test(tc, unaligned_address_fixed_is_einval_hint_is_aligned);
    tcase_add_test(tc, prot_flags_are_distinct_bits);
    tcase_add_test(tc, mapping_is_whole_pages);
    tcase_add_test(tc, stores_do_not_grow_the_file);
    tcase_add_test(tc, page_past_eof_is_sigbus);
    tcase_add_test(tc, tmpfs_keeps_tail_bytes);
    tcase_add_test(tc, ext4_zeroes_tail_bytes_at_msync);
    tcase_add_test(tc, ms_sync_writes_dirty_pages_back);
    tcase_add_test(tc, read_sees_shared_store_before_msync);
    tcase_add_test(tc, private_store_is_copy_on_write);
    tcase_add_test(tc, anonymous_shared_reaches_parent);
    tcase_add_test(tc, anonymous_ignores_fd_on_linux);
    tcase_add_test(tc, private_store_by_child_stays_in_child);
    tcase_add_test(tc, ftruncate_then_map_has_no_sigbus);
    tcase_add_test(tc, shared_memory_can_be_a_descriptor);
    tcase_add_test(tc, killed_process_keeps_shared_stores_loses_private_ones);
    tcase_add_test(tc, segment_can_be_as_big_as_a_mapping);
    tcase_add_test(tc, ms_invalidate_discards_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
