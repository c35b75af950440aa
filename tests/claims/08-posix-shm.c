/* 08-posix-shm.c — the claims of handouts/en/08-posix-shm.md, checked on the
   running kernel: POSIX shared memory objects are files on a tmpfs, memfds
   are files with no name, seals refuse what they say, and /proc shows all
   three kinds of shared memory.  Each test's comment names the handout
   section it backs, and the man page.

   Runs natively.  Every POSIX name is "/claims08-PID-n" and is unlinked at
   the end, even after a failed test (names reach the parent through a
   pipe), and every System V segment is removed the same way.  The tests
   that need a tmpfs of a known size mount one in a mount namespace of
   their own (a user namespace too when not root): Check runs each test in
   a process of its own, so the mount goes with it.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/08-posix-shm.c $(pkg-config --cflags --libs check) -o claims-08
   $ ./claims-08                     # exit 0: every claim holds */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

static int made_fd = -1;        /* write end: every name and shmid a test makes */

struct made { char name[64]; int shmid; };   /* shmid -1: name is a POSIX name, -2: a folder */

static void remember(const char *name, int shmid)
{
    struct made m = { "", shmid };
    snprintf(m.name, sizeof m.name, "%s", name ? name : "");
    if (made_fd >= 0 && write(made_fd, &m, sizeof m) != (ssize_t) sizeof m)
        perror("claims-08: write");
}

/* "/claims08-PID-n", remembered for the clean-up at the end. */
static const char *claim_name(int n)
{
    static char names[8][64];
    char *name = names[n % 8];
    snprintf(name, 64, "/claims08-%ld-%d", (long) getpid(), n);
    remember(name, -1);
    return name;
}

static int make_segment(key_t key)
{
    int id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    remember(NULL, id);
    return id;
}

static int posix_create(const char *name, size_t size)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "shm_open(%s): %s", name, strerror(errno));
    ck_assert_msg(size == 0 || ftruncate(fd, (off_t) size) == 0, "ftruncate: %s", strerror(errno));
    return fd;
}

static int sealed_memfd(const char *name, const char *text, int seals)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ck_assert_msg(fd != -1, "memfd_create: %s", strerror(errno));
    ck_assert_msg(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "write: %s", strerror(errno));
    ck_assert_msg(seals == 0 || fcntl(fd, F_ADD_SEALS, seals) == 0, "F_ADD_SEALS: %s", strerror(errno));
    return fd;
}

/* Run touch(addr) in a child; returns the signal that ended it (0: none). */
static int touch_in_child(volatile char *addr)
{
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        addr[0] = 1;
        _exit(0);
    }
    int status;
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    ck_assert_msg(fd != -1 && write(fd, text, strlen(text)) == (ssize_t) strlen(text), "%s: %s", path,
                  strerror(errno));
    close(fd);
}

/* Give this test process a mount namespace of its own (and a user
   namespace when not root) and mount a tmpfs of size_kib KiB at dir. */
static void mount_small_tmpfs(const char *dir, int size_kib)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) == -1) {
        ck_assert_msg(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0,
                      "unshare(CLONE_NEWUSER | CLONE_NEWNS): %s (this claim needs a tmpfs of its own)",
                      strerror(errno));
        char map[64];
        snprintf(map, sizeof map, "0 %ld 1", (long) uid);
        write_file("/proc/self/uid_map", map);
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %ld 1", (long) gid);
        write_file("/proc/self/gid_map", map);
    }
    ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "mount --make-rprivate /: %s",
                  strerror(errno));
    char opts[64];
    snprintf(opts, sizeof opts, "size=%dk,mode=1777", size_kib);
    ck_assert_msg(mount("claims08", dir, "tmpfs", 0, opts) == 0, "mount tmpfs on %s: %s", dir, strerror(errno));
}

/* A folder to mount a small tmpfs on, removed by main's clean-up (the
   mount itself dies with the test's namespace). */
static const char *scratch_dir(void)
{
    static char dir[] = "/tmp/claims08-XXXXXX";
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    remember(dir, -2);
    return dir;
}

/* ---- Names and permissions: shm_open(3), shm_overview(7) --------------- */

/* "POSIX shared memory objects are files in /dev/shm, a tmpfs." */
START_TEST(shm_open_object_is_a_file_on_tmpfs)
{
    const char *name = claim_name(1);
    int fd = posix_create(name, 4096);
    struct stat st, by_path;
    struct statfs fs;
    char path[128];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    ck_assert_msg(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "an shm_open object should be a regular file");
    ck_assert_msg(stat(path, &by_path) == 0 && by_path.st_ino == st.st_ino,
                  "%s should be the very file shm_open opened (same inode)", path);
    ck_assert_msg(fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC,
                  "the object's file system should be a tmpfs (%#x), it is %#lx", TMPFS_MAGIC,
                  (unsigned long) fs.f_type);
    close(fd);
}
END_TEST

/* "shm_open's mode is cut by the umask, as open's is; fchmod sets it." */
START_TEST(shm_open_mode_is_cut_by_umask)
{
    umask(022);
    const char *name = claim_name(1);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0666);
    ck_assert_msg(fd != -1, "shm_open: %s", strerror(errno));
    struct stat st;
    ck_assert_msg(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0644,
                  "shm_open(0666) under umask 022: expected mode 0644, got 0%o", (unsigned) (st.st_mode & 0777));
    ck_assert_msg(fchmod(fd, 0666) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0666,
                  "after fchmod(0666): expected 0666, got 0%o", (unsigned) (st.st_mode & 0777));
    close(fd);
}
END_TEST

/* "Of processes racing to shm_open(O_CREAT | O_EXCL) one name, exactly one
   creates it; the others get EEXIST." */
START_TEST(o_excl_lets_exactly_one_creator_win)
{
    enum { RACERS = 8 };
    const char *name = claim_name(1);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        ck_assert_msg(pids[i] != -1, "fork: %s", strerror(errno));
        if (pids[i] == 0) {
            int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
            _exit(fd != -1 ? 0 : errno == EEXIST ? 1 : 2);
        }
    }
    int created = 0, eexist = 0;
    for (int i = 0; i < RACERS; i++) {
        int status;
        waitpid(pids[i], &status, 0);
        created += WIFEXITED(status) && WEXITSTATUS(status) == 0;
        eexist += WIFEXITED(status) && WEXITSTATUS(status) == 1;
    }
    ck_assert_msg(created == 1 && eexist == RACERS - 1, "%d racers: expected 1 creator and %d EEXIST, got %d and %d",
                  RACERS, RACERS - 1, created, eexist);
}
END_TEST

/* ---- Sizing, and /dev/shm is a tmpfs: ftruncate(2), posix_fallocate(3), tmpfs(5) */

/* "A new object has 0 bytes; mapping it succeeds, but a touch is SIGBUS
   until someone sizes it." */
START_TEST(new_object_has_zero_bytes_until_sized)
{
    const char *name = claim_name(1);
    int fd = posix_create(name, 0);
    struct stat st;
    ck_assert_msg(fstat(fd, &st) == 0 && st.st_size == 0, "a new object: expected 0 bytes, got %lld",
                  (long long) st.st_size);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap of 4096 bytes of a 0-byte object should succeed: %s", strerror(errno));
    int sig = touch_in_child(p);
    ck_assert_msg(sig == SIGBUS, "touching a mapping of a 0-byte object: expected SIGBUS, got signal %d", sig);
    ck_assert_msg(ftruncate(fd, 4096) == 0, "ftruncate: %s", strerror(errno));
    sig = touch_in_child(p);
    ck_assert_msg(sig == 0, "after ftruncate(4096) the touch should work, got signal %d", sig);
    errno = 0;
    ck_assert_msg(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
                  "mmap of length 0: expected EINVAL, got %s", strerror(errno));
    munmap(p, 4096);
    close(fd);
}
END_TEST

/* "On a full tmpfs, ftruncate to any size succeeds (the file is sparse);
   touching the pages past what the tmpfs holds raises SIGBUS." */
START_TEST(ftruncate_past_tmpfs_size_succeeds_touch_is_sigbus)
{
    const char *dir = scratch_dir();
    mount_small_tmpfs(dir, 1024);
    char path[128];
    snprintf(path, sizeof path, "%s/big", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    ck_assert_msg(fd != -1, "open: %s", strerror(errno));
    size_t size = 4 << 20;
    ck_assert_msg(ftruncate(fd, (off_t) size) == 0, "ftruncate to 4 MiB on a 1 MiB tmpfs should succeed: %s",
                  strerror(errno));
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
    volatile long *pages = mmap(NULL, sizeof *pages, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        for (size_t off = 0; off < size; off += 4096) {
            p[off] = 1;
            (*pages)++;
        }
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
                  "touching 4 MiB of a file on a 1 MiB tmpfs: expected SIGBUS, the child %s",
                  WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
    ck_assert_msg(*pages > 128 && *pages <= 256, "SIGBUS should come once the 1 MiB (256 pages) is used,"
                  " it came after %ld pages", *pages);
    close(fd);
}
END_TEST

/* "posix_fallocate past what the tmpfs holds fails at once with ENOSPC,
   and leaves the file as it was." */
START_TEST(posix_fallocate_past_tmpfs_size_is_enospc)
{
    const char *dir = scratch_dir();
    mount_small_tmpfs(dir, 1024);
    char path[128];
    snprintf(path, sizeof path, "%s/reserved", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    ck_assert_msg(fd != -1, "open: %s", strerror(errno));
    int err = posix_fallocate(fd, 0, 4 << 20);
    ck_assert_msg(err == ENOSPC, "posix_fallocate of 4 MiB on a 1 MiB tmpfs: expected ENOSPC, got %s",
                  strerror(err));
    struct stat st;
    ck_assert_msg(fstat(fd, &st) == 0 && st.st_size == 0 && st.st_blocks == 0,
                  "after a failed posix_fallocate: expected 0 bytes and 0 blocks, got %lld bytes, %lld blocks",
                  (long long) st.st_size, (long long) st.st_blocks);
    ck_assert_msg(posix_fallocate(fd, 0, 512 << 10) == 0, "posix_fallocate of 512 KiB should fit");
    close(fd);
}
END_TEST

/* ---- Unlink and lifetime: shm_unlink(3), munmap(2) --------------------- */

/* "A mapping keeps working after close() and after shm_unlink(): only the
   name goes." */
START_TEST(mapping_outlives_close_and_unlink)
{
    const char *name = claim_name(1);
    int fd = posix_create(name, 4096);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
    close(fd);
    strcpy(p, "after close");
    ck_assert_msg(shm_unlink(name) == 0, "shm_unlink: %s", strerror(errno));
    errno = 0;
    ck_assert_msg(shm_open(name, O_RDWR, 0) == -1 && errno == ENOENT, "after shm_unlink: expected ENOENT, got %s",
                  strerror(errno));
    strcat(p, " and unlink");
    ck_assert_msg(strcmp(p, "after close and unlink") == 0, "the mapping should still work, it holds \"%s\"", p);
    munmap(p, 4096);
}
END_TEST

/* "After shm_unlink the name is free at once: O_EXCL makes a new, zeroed
   object, not the old one." */
START_TEST(unlinked_name_is_free_for_a_new_object)
{
    const char *name = claim_name(1);
    int old = posix_create(name, 4096);
    ck_assert_msg(pwrite(old, "old", 4, 0) == 4, "pwrite: %s", strerror(errno));
    struct stat a, b;
    fstat(old, &a);
    ck_assert_msg(shm_unlink(name) == 0, "shm_unlink: %s", strerror(errno));
    int fresh = posix_create(name, 4096);
    fstat(fresh, &b);
    char got[4] = "x";
    ck_assert_msg(a.st_ino != b.st_ino, "the new object should be another file (inode %lu both times)",
                  (unsigned long) a.st_ino);
    ck_assert_msg(pread(fresh, got, 4, 0) == 4 && got[0] == 0, "the new object should read zeros");
    ck_assert_msg(pread(old, got, 4, 0) == 4 && strcmp(got, "old") == 0, "the old one lives on through its fd");
    close(old);
    close(fresh);
}
END_TEST

/* ---- memfd, and passing descriptors: memfd_create(2), unix(7), cmsg(3) -- */

/* "A memfd is a tmpfs file with no name: nothing appears in /dev/shm, and
   /proc/self/fd shows /memfd:NAME (deleted)." */
START_TEST(memfd_has_no_name_in_dev_shm)
{
    char label[64];
    snprintf(label, sizeof label, "claims08-%ld", (long) getpid());
    int fd = memfd_create(label, MFD_CLOEXEC);
    ck_assert_msg(fd != -1, "memfd_create: %s", strerror(errno));
    DIR *d = opendir("/dev/shm");
    ck_assert_msg(d != NULL, "opendir /dev/shm: %s", strerror(errno));
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        ck_assert_msg(strstr(e->d_name, label) == NULL, "/dev/shm/%s: a memfd should not be in /dev/shm", e->d_name);
    closedir(d);
    char link[64], target[256], want[128];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    snprintf(want, sizeof want, "/memfd:%s (deleted)", label);
    ck_assert_msg(strcmp(target, want) == 0, "/proc/self/fd of a memfd: expected \"%s\", got \"%s\"", want, target);
    struct statfs fs;
    ck_assert_msg(fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC, "a memfd's file system should be a tmpfs");
    close(fd);
}
END_TEST

/* "SCM_RIGHTS gives the receiver a new descriptor for the same open file." */
START_TEST(memfd_passed_over_socket_is_the_same_file)
{
    int sv[2];
    ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
    int fd = sealed_memfd("claims08-pass", "hello", 0);
    char byte = 'M';
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = { &byte, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ck_assert_msg(sendmsg(sv[0], &mh, 0) == 1, "sendmsg: %s", strerror(errno));
    memset(&control, 0, sizeof control);
    ck_assert_msg(recvmsg(sv[1], &mh, 0) == 1, "recvmsg: %s", strerror(errno));
    cm = CMSG_FIRSTHDR(&mh);
    ck_assert_msg(cm != NULL && cm->cmsg_type == SCM_RIGHTS, "no descriptor came");
    int got;
    memcpy(&got, CMSG_DATA(cm), sizeof got);
    struct stat a, b;
    fstat(fd, &a);
    fstat(got, &b);
    ck_assert_msg(got != fd && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
                  "the descriptor received (%d) should be a new number for the same file as %d", got, fd);
    ck_assert_msg(pwrite(got, "J", 1, 0) == 1, "pwrite: %s", strerror(errno));
    char text[6] = "";
    ck_assert_msg(pread(fd, text, 5, 0) == 5 && strcmp(text, "Jello") == 0,
                  "a write through the received descriptor should show through the sent one, got \"%s\"", text);
    close(got);
    close(fd);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* ---- Seals: fcntl(2) "File Sealing", memfd_create(2) ------------------- */

/* "F_SEAL_WRITE is refused with EBUSY while a shared writable mapping
   exists." */
START_TEST(seal_write_is_ebusy_while_writable_mapping_exists)
{
    int fd = sealed_memfd("claims08-busy", "data", 0);
    void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(w != MAP_FAILED, "mmap: %s", strerror(errno));
    errno = 0;
    ck_assert_msg(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EBUSY,
                  "F_SEAL_WRITE with a writable shared mapping: expected EBUSY, got %s", strerror(errno));
    munmap(w, 4096);
    ck_assert_msg(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "F_SEAL_WRITE after munmap: %s", strerror(errno));
    close(fd);
}
END_TEST

/* "After F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW, write, ftruncate and a
   shared writable mapping are EPERM, and a read-only shared mapping cannot
   be made writable (mprotect: EACCES)." */
START_TEST(write_seal_refuses_write_truncate_and_shared_writable_map)
{
    int fd = sealed_memfd("claims08-sealed", "fixed", F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    errno = 0;
    ck_assert_msg(write(fd, "x", 1) == -1 && errno == EPERM, "write: expected EPERM, got %s", strerror(errno));
    errno = 0;
    ck_assert_msg(ftruncate(fd, 1) == -1 && errno == EPERM, "ftruncate smaller: expected EPERM, got %s",
                  strerror(errno));
    errno = 0;
    ck_assert_msg(ftruncate(fd, 8192) == -1 && errno == EPERM, "ftruncate larger: expected EPERM, got %s",
                  strerror(errno));
    errno = 0;
    ck_assert_msg(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
                  "a shared writable mapping: expected EPERM, got %s", strerror(errno));
    void *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_msg(r != MAP_FAILED, "a read-only shared mapping should be allowed: %s", strerror(errno));
    errno = 0;
    ck_assert_msg(mprotect(r, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
                  "mprotect of it to writable: expected EACCES, got %s", strerror(errno));
    munmap(r, 4096);
    close(fd);
}
END_TEST

/* "A write-sealed memfd may still be mapped MAP_PRIVATE and writable:
   stores are copy-on-write and never reach the file." */
START_TEST(write_seal_allows_private_writable_map)
{
    int fd = sealed_memfd("claims08-private", "fixed", F_SEAL_WRITE | F_SEAL_SHRINK);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "a private writable mapping should be allowed: %s", strerror(errno));
    p[0] = 'M';
    char text[6] = "";
    ck_assert_msg(pread(fd, text, 5, 0) == 5 && strcmp(text, "fixed") == 0,
                  "a private store should not reach the file, which says \"%s\"", text);
    munmap(p, 4096);
    close(fd);
}
END_TEST

/* "F_SEAL_SEAL: no seal can be added any more (EPERM)." */
START_TEST(seal_seal_refuses_more_seals)
{
    int fd = sealed_memfd("claims08-seal", "x", F_SEAL_SHRINK | F_SEAL_SEAL);
    errno = 0;
    ck_assert_msg(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EPERM,
                  "F_ADD_SEALS after F_SEAL_SEAL: expected EPERM, got %s", strerror(errno));
    ck_assert_msg(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_SEAL), "the seals should be unchanged");
    close(fd);
}
END_TEST

/* "A memfd made without MFD_ALLOW_SEALING, and a POSIX shm object, report
   F_SEAL_SEAL and take no seal; a pipe, or a file on a disk file system, is
   no tmpfs file at all (EINVAL)." */
START_TEST(memfd_without_allow_sealing_is_sealed_shut)
{
    int fd = memfd_create("claims08-shut", MFD_CLOEXEC);
    ck_assert_msg(fd != -1, "memfd_create: %s", strerror(errno));
    ck_assert_msg(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "without MFD_ALLOW_SEALING: expected F_SEAL_SEAL");
    errno = 0;
    ck_assert_msg(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EPERM, "expected EPERM, got %s",
                  strerror(errno));
    close(fd);
    const char *name = claim_name(1);
    int obj = posix_create(name, 4096);
    ck_assert_msg(fcntl(obj, F_GET_SEALS) == F_SEAL_SEAL, "a shm_open object: expected F_SEAL_SEAL");
    close(obj);
    int pp[2];
    ck_assert_msg(pipe(pp) == 0, "pipe: %s", strerror(errno));
    errno = 0;
    ck_assert_msg(fcntl(pp[0], F_GET_SEALS) == -1 && errno == EINVAL, "F_GET_SEALS of a pipe: expected EINVAL,"
                  " got %s", strerror(errno));
    close(pp[0]);
    close(pp[1]);
    /* A file on a disk file system (this program, unless it was built on
       a tmpfs): no seals either. */
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    struct statfs fs;
    ck_assert_msg(self != -1 && fstatfs(self, &fs) == 0, "open /proc/self/exe: %s", strerror(errno));
    if (fs.f_type != TMPFS_MAGIC) {
        errno = 0;
        ck_assert_msg(fcntl(self, F_GET_SEALS) == -1 && errno == EINVAL,
                      "F_GET_SEALS of a file on a disk file system: expected EINVAL, got %s", strerror(errno));
    }
    close(self);
}
END_TEST

/* ---- Reading /proc/PID/maps: proc(5) ----------------------------------- */

/* The pathname column of our /proc/self/maps line holding addr. */
static const char *maps_name(const void *addr)
{
    static char line[4352], path[4096];
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_msg(f != NULL, "fopen /proc/self/maps: %s", strerror(errno));
    path[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long start, end;
        int at = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &at) >= 2 && at > 0 &&
            (unsigned long) addr >= start && (unsigned long) addr < end) {
            snprintf(path, sizeof path, "%.*s", (int) strcspn(line + at, "\n"), line + at);
            break;
        }
    }
    fclose(f);
    return path;
}

/* "/proc/PID/maps names all three: /SYSV<key> (deleted), /dev/shm/NAME and
   /memfd:NAME (deleted)." */
START_TEST(proc_maps_names_sysv_posix_and_memfd)
{
    key_t key = (key_t) (0x08000000 | ((unsigned) getpid() & 0xffffffU));
    int id = make_segment(key);
    void *sysv = shmat(id, NULL, 0);
    ck_assert_msg(sysv != (void *) -1, "shmat: %s", strerror(errno));
    const char *name = claim_name(1);
    int fd = posix_create(name, 4096);
    void *posix = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    int mfd = sealed_memfd("claims08-maps", "m", 0);
    void *memfd = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
    ck_assert_msg(posix != MAP_FAILED && memfd != MAP_FAILED, "mmap: %s", strerror(errno));
    char want[128];
    snprintf(want, sizeof want, "/SYSV%08x (deleted)", (unsigned) key);
    ck_assert_msg(strcmp(maps_name(sysv), want) == 0, "System V: expected \"%s\", got \"%s\"", want, maps_name(sysv));
    snprintf(want, sizeof want, "/dev/shm%s", name);
    ck_assert_msg(strcmp(maps_name(posix), want) == 0, "POSIX: expected \"%s\", got \"%s\"", want, maps_name(posix));
    ck_assert_msg(strcmp(maps_name(memfd), "/memfd:claims08-maps (deleted)") == 0,
                  "memfd: expected \"/memfd:claims08-maps (deleted)\", got \"%s\"", maps_name(memfd));
    shmdt(sysv);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

/* Does /proc/self/fd hold a descriptor whose target contains text? */
static int fd_to(const char *text)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_msg(d != NULL, "opendir: %s", strerror(errno));
    int found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char link[300], target[512];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        found |= n > 0 && strstr(target, text) != NULL;
    }
    closedir(d);
    return found;
}

/* "POSIX objects and memfds are open files in /proc/PID/fd; a System V
   segment never has a descriptor (ipcs -m lists it instead)." */
START_TEST(proc_fd_shows_posix_and_memfd_sysv_has_none)
{
    const char *name = claim_name(1);
    int fd = posix_create(name, 4096);
    int mfd = sealed_memfd("claims08-fd", "m", 0);
    int id = make_segment(IPC_PRIVATE);
    void *sysv = shmat(id, NULL, 0);
    ck_assert_msg(sysv != (void *) -1, "shmat: %s", strerror(errno));
    char want[128];
    snprintf(want, sizeof want, "/dev/shm%s", name);
    ck_assert_msg(fd_to(want), "/proc/self/fd should hold %s", want);
    ck_assert_msg(fd_to("/memfd:claims08-fd"), "/proc/self/fd should hold /memfd:claims08-fd");
    ck_assert_msg(!fd_to("SYSV"), "/proc/self/fd should hold nothing of the System V segment");
    shmdt(sysv);
    shmctl(id, IPC_RMID, NULL);
    close(fd);
    close(mfd);
}
END_TEST

/* ---- System V, POSIX, memfd side by side -------------------------------- */

static long shmem_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    ck_assert_msg(f != NULL, "fopen /proc/meminfo: %s", strerror(errno));
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Shmem: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* "Lifetime: a System V segment and a POSIX object outlive the process
   that made them (until IPC_RMID / shm_unlink); a memfd is freed with the
   last descriptor and mapping, so with its processes." */
START_TEST(sysv_and_posix_outlive_their_process_memfd_does_not)
{
    enum { MIB = 64 };
    const char *name = claim_name(1);
    int report[2], done[2];
    ck_assert_msg(pipe(report) == 0 && pipe(done) == 0, "pipe: %s", strerror(errno));
    long before = shmem_kib();
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(done[1]);                     /* so the parent's close is our EOF */
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        int mfd = memfd_create("claims08-life", MFD_CLOEXEC);
        int ok = id != -1 && fd != -1 && mfd != -1 && posix_fallocate(mfd, 0, (off_t) MIB << 20) == 0;
        if (write(report[1], &id, sizeof id) != sizeof id || !ok)
            _exit(1);
        char c;
        if (read(done[0], &c, 1) < 0)       /* the parent has measured */
            _exit(1);
        _exit(0);                           /* no IPC_RMID, no shm_unlink, no close */
    }
    close(report[1]);
    close(done[0]);
    int id = -1;
    ck_assert_msg(read(report[0], &id, sizeof id) == sizeof id && id != -1, "the child could not make the objects");
    remember(NULL, id);
    long during = shmem_kib();
    close(done[1]);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed");
    long after = shmem_kib();
    struct shmid_ds ds;
    ck_assert_msg(shmctl(id, IPC_STAT, &ds) == 0, "the System V segment should outlive its creator: %s",
                  strerror(errno));
    int fd = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(fd != -1, "the POSIX object should outlive its creator: %s", strerror(errno));
    close(fd);
    ck_assert_msg(during - before >= MIB * 1024 / 2, "the child's %d MiB memfd should show in Shmem (+%ld KiB)",
                  MIB, during - before);
    ck_assert_msg(during - after >= MIB * 1024 / 2, "the memfd should be freed when its process ends: Shmem"
                  " went from %ld to %ld KiB", during, after);
}
END_TEST

/* "Limits: a POSIX object is held to the size of /dev/shm's tmpfs; a memfd
   is not (it is charged to the memory cgroup)." */
START_TEST(memfd_not_limited_by_dev_shm_size)
{
    mount_small_tmpfs("/dev/shm", 1024);
    const char *name = claim_name(1);
    int fd = posix_create(name, 0);
    int err = posix_fallocate(fd, 0, 8 << 20);
    ck_assert_msg(err == ENOSPC, "8 MiB in a POSIX object on a 1 MiB /dev/shm: expected ENOSPC, got %s",
                  strerror(err));
    int mfd = memfd_create("claims08-big", MFD_CLOEXEC);
    ck_assert_msg(mfd != -1, "memfd_create: %s", strerror(errno));
    err = posix_fallocate(mfd, 0, 8 << 20);
    ck_assert_msg(err == 0, "8 MiB in a memfd with a 1 MiB /dev/shm should fit: %s", strerror(err));
    close(fd);
    close(mfd);
}
END_TEST

/* "After removal: a marked System V segment can still be attached by id
   (Linux); an unlinked POSIX name opens nothing." */
START_TEST(rmid_segment_attachable_by_id_unlinked_name_is_not)
{
    int id = make_segment(IPC_PRIVATE);
    void *first = shmat(id, NULL, 0);
    ck_assert_msg(first != (void *) -1, "shmat: %s", strerror(errno));
    ck_assert_msg(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
    void *again = shmat(id, NULL, 0);
    ck_assert_msg(again != (void *) -1, "Linux: a marked segment should still attach by id: %s", strerror(errno));
    shmdt(again);
    shmdt(first);
    const char *name = claim_name(1);
    int fd = posix_create(name, 4096);
    ck_assert_msg(shm_unlink(name) == 0, "shm_unlink: %s", strerror(errno));
    errno = 0;
    ck_assert_msg(shm_open(name, O_RDWR, 0) == -1 && errno == ENOENT, "an unlinked name: expected ENOENT, got %s",
                  strerror(errno));
    close(fd);
}
END_TEST

int main(void)
{
    int made[2];
    if (pipe(made) == -1) {
        perror("claims-08: pipe");
        return 2;
    }
    made_fd = made[1];

    Suite *s = suite_create("08-posix-shm claims");
    TCase *tc = tcase_create("Core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, shm_open_object_is_a_file_on_tmpfs);
    tcase_add_test(tc, shm_open_mode_is_cut_by_umask);
    tcase_add_test(tc, o_excl_lets_exactly_one_creator_win);
    tcase_add_test(tc, new_object_has_zero_bytes_until_sized);
    tcase_add_test(tc, ftruncate_past_tmpfs_size_succeeds_touch_is_sigbus);
    tcase_add_test(tc, posix_fallocate_past_tmpfs_size_is_enospc);
    tcase_add_test(tc, mapping_outlives_close_and_unlink);
    tcase_add_test(tc, unlinked_name_is_free_for_a_new_object);
    tcase_add_test(tc, memfd_has_no_name_in_dev_shm);
    tcase_add_test(tc, memfd_passed_over_socket_is_the_same_file);
    tcase_add_test(tc, seal_write_is_ebusy_while_writable_mapping_exists);
    tcase_add_test(tc, write_seal_refuses_write_truncate_and_shared_writable_map);
    tcase_add_test(tc, write_seal_allows_private_writable_map);
    tcase_add_test(tc, seal_seal_refuses_more_seals);
    tcase_add_test(tc, memfd_without_allow_sealing_is_sealed_shut);
    tcase_add_test(tc, proc_maps_names_sysv_posix_and_memfd);
    tcase_add_test(tc, proc_fd_shows_posix_and_memfd_sysv_has_none);
    tcase_add_test(tc, sysv_and_posix_outlive_their_process_memfd_does_not);
    tcase_add_test(tc, memfd_not_limited_by_dev_shm_size);
    tcase_add_test(tc, rmid_segment_attachable_by_id_unlinked_name_is_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    /* Remove whatever the tests made, failed or not (gone already: fine). */
    close(made[1]);
    struct made m;
    while (read(made[0], &m, sizeof m) == (ssize_t) sizeof m) {
        if (m.name[0] != '\0' && m.shmid == -2)
            rmdir(m.name);                  /* a scratch folder (its mount died with its test) */
        else if (m.name[0] != '\0')
            shm_unlink(m.name);
        if (m.shmid >= 0)
            shmctl(m.shmid, IPC_RMID, NULL);
    }
    close(made[0]);
    return failed == 0 ? 0 : 1;
}
