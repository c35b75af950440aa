/* common.h — helpers shared by lab 08's public tests and the grader's hidden
   ones: names of each test's own (unlinked in teardown, whatever the code
   under test did), objects and memfds the test makes itself, descriptors
   passed over a socket pair from the test's side, and a look at which
   descriptors the lab process still holds (/proc/PID/fd).

   Functions are static inline and the bookkeeping static: each test file
   (and each test, in its own process) has its own copy. */
#ifndef LAB08_TESTS_COMMON_H
#define LAB08_TESTS_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

/* Every name a test uses is unlinked in teardown, and every socket it
   opens is closed. */
#define MAX_TRACKED 16
static char names[MAX_TRACKED][64];
static int nnames, socks[MAX_TRACKED], nsocks;

static inline void setup(void)
{
    nnames = nsocks = 0;
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void teardown(void)
{
    for (int i = 0; i < nnames; i++)
        shm_unlink(names[i]);                   /* ENOENT if already gone: fine */
    for (int i = 0; i < nsocks; i++)
        close(socks[i]);
    nnames = nsocks = 0;
}

/* A name of this test's own: "/lab08-PID-n" (each test has its own
   /dev/shm; the pid keeps names apart where the grader runs without one). */
static inline const char *test_name(int n)
{
    ck_assert_msg(nnames < MAX_TRACKED, "test bug: too many names");
    snprintf(names[nnames], sizeof names[nnames], "/lab08-%ld-%d", (long) getpid(), n);
    return names[nnames++];
}

/* Where the object name is, for stat(2) and ls: /dev/shm/NAME. */
static inline const char *dev_shm_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    return path;
}

static inline int exists(const char *name)
{
    struct stat st;
    return stat(dev_shm_path(name), &st) == 0;
}

/* The test's own object: size bytes, the first n of them from data. */
static inline void make_object(const char *name, size_t size, const void *data, size_t n)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "test: shm_open(%s): %s", name, strerror(errno));
    ck_assert_msg(size == 0 || ftruncate(fd, (off_t) size) == 0, "test: ftruncate: %s", strerror(errno));
    ck_assert_msg(n == 0 || pwrite(fd, data, n, 0) == (ssize_t) n, "test: pwrite: %s", strerror(errno));
    close(fd);
}

/* The first n bytes of the object name, read through its file. */
static inline void read_object(const char *name, void *out, size_t n)
{
    int fd = shm_open(name, O_RDONLY, 0);
    ck_assert_msg(fd != -1, "test: shm_open(%s) to read it: %s", name, strerror(errno));
    ck_assert_msg(pread(fd, out, n, 0) == (ssize_t) n, "test: pread %s: %s", name, strerror(errno));
    close(fd);
}

/* A connected pair of Unix-domain stream sockets: sv[0] stays with the
   test, sv[1] goes to the lab's function. */
static inline void socket_pair(int sv[2])
{
    ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
                  "test: socketpair: %s", strerror(errno));
    socks[nsocks++] = sv[0];
    socks[nsocks++] = sv[1];
}

/* A memfd of the test's own holding data, with seals added. */
static inline int make_memfd(const char *name, const void *data, size_t n, int seals)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ck_assert_msg(fd != -1, "test: memfd_create: %s", strerror(errno));
    ck_assert_msg(n == 0 || write(fd, data, n) == (ssize_t) n, "test: write: %s", strerror(errno));
    ck_assert_msg(seals == 0 || fcntl(fd, F_ADD_SEALS, seals) == 0, "test: F_ADD_SEALS: %s", strerror(errno));
    return fd;
}

/* Send one byte with n descriptors (n may be 0) on sock, then close ours. */
static inline void send_fds(int sock, const int *fds, int n)
{
    char byte = 'M';
    union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = { &byte, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (n > 0) {
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t) n);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t) n);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t) n);
    }
    ck_assert_msg(sendmsg(sock, &mh, MSG_NOSIGNAL) == 1, "test: sendmsg: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

/* Receive one message on sock; returns how many descriptors came (up to
   4 kept in fds), or -1 if no message could be read (errno set). */
static inline int recv_fds(int sock, int fds[4])
{
    char byte;
    union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr align; } control;
    struct iovec iov = { &byte, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n <= 0)
        return -1;
    int count = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k && count < 4; i++)
                memcpy(&fds[count++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
        }
    return count;
}

/* What the descriptor fd of this process names (/proc/self/fd). */
static inline const char *fd_target(int fd)
{
    static char target[PATH_MAX];
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    return target;
}

/* How many descriptors the lab process (the student's code) holds whose
   target starts with prefix ("/memfd:lab08", say). */
static inline int lab_fds_to(const char *prefix)
{
    char dir[64], link[PATH_MAX], target[PATH_MAX];
    snprintf(dir, sizeof dir, "/proc/%ld/fd", (long) lt_lab_pid());
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "test: opendir %s: %s", dir, strerror(errno));
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            count += strncmp(target, prefix, strlen(prefix)) == 0;
        }
    }
    closedir(d);
    return count;
}

/* The pathname /proc/self/maps gives the lab process's mapping at addr. */
static inline const char *name_of_mapping(const void *addr)
{
    static char line[4096 + 128], path[4096];
    char file[64];
    snprintf(file, sizeof file, "/proc/%ld/maps", (long) lt_lab_pid());
    FILE *f = fopen(file, "r");
    ck_assert_msg(f != NULL, "test: fopen %s: %s", file, strerror(errno));
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

/* Call pshm_create and expect 0 with a mapping of size bytes. */
static inline void create_ok(const char *name, size_t size, mode_t mode, struct pshm *p)
{
    errno = 0;
    int rc = pshm_create(name, size, mode, p);
    int err = errno;
    ck_assert_msg(rc == 0, "pshm_create(\"%s\", %zu, 0%o): expected 0, got %d (errno %d, %s)",
                  name, size, (unsigned) mode, rc, err, strerror(err));
    ck_assert_msg(p->addr != NULL && p->size == size,
                  "pshm_create(\"%s\", %zu): expected a mapping of %zu bytes, got addr %p size %zu",
                  name, size, size, p->addr, p->size);
}

#endif
