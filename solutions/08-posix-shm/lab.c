/* lab.c — Lab 08: POSIX shared memory and memfd: names, descriptors, seals.

   pshm_create() makes a named object in /dev/shm exclusively, with exactly
   the mode asked for and its memory reserved; pshm_open() joins one whose
   creator may not have sized it yet; pshm_close() and pshm_remove() undo
   the mapping and the name.  memfd_send_sealed() hands a sealed, nameless
   buffer to another process over a Unix-domain socket and
   memfd_recv_sealed() takes one only if it is sealed.  mapping_name() reads
   /proc/self/maps.

   Every function returns -1 with errno set on failure and never prints or
   exits.  See lab.h for the contract.

   $ make check LAB=8          # public tests, under valgrind
   $ make demo LAB=8           # one descriptor passed, a seal refused live */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

/* "/" and then 1 to PSHM_NAME_MAX characters, none of them "/". */
static int valid_name(const char *name)
{
    if (name == NULL || name[0] != '/')
        return 0;
    size_t n = strlen(name + 1);
    return n >= 1 && n <= PSHM_NAME_MAX && strchr(name + 1, '/') == NULL;
}

static void pshm_clear(struct pshm *p)
{
    p->addr = NULL;
    p->size = 0;
}

/* Map fd's first size bytes shared and read-write into *p. */
static int map_object(int fd, size_t size, struct pshm *p)
{
    void *addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        return -1;
    p->addr = addr;
    p->size = size;
    return 0;
}

int pshm_create(const char *name, size_t size, mode_t mode, struct pshm *p)
{
    if (p != NULL)
        pshm_clear(p);
    if (!valid_name(name) || size == 0 || (mode & ~(mode_t) 0777) != 0 || p == NULL ||
        size > (size_t) INT64_MAX) {
        errno = EINVAL;
        return -1;
    }
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
    if (fd == -1)
        return -1;                                  /* EEXIST: someone else made it */
    /* The umask took bits from mode; fchmod gives them back.  Reserving
       the memory now turns "/dev/shm is full" into ENOSPC here, not a
       SIGBUS at some later touch (ftruncate alone would succeed). */
    int err = fchmod(fd, mode) == -1 ? errno : posix_fallocate(fd, 0, (off_t) size);
    if (err == 0 && map_object(fd, size, p) == -1)
        err = errno;
    close(fd);                                      /* the mapping holds the object */
    if (err != 0) {
        shm_unlink(name);                           /* ours: we created it */
        errno = err;
        return -1;
    }
    return 0;
}

/* Sleep a millisecond: a creator sizes its object soon after making it. */
static void nap(void)
{
    struct timespec ms = { 0, 1000 * 1000 };
    nanosleep(&ms, NULL);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

int pshm_open(const char *name, size_t min_size, int wait_ms, struct pshm *p)
{
    if (p != NULL)
        pshm_clear(p);
    if (!valid_name(name) || min_size == 0 || wait_ms < 0 || p == NULL) {
        errno = EINVAL;
        return -1;
    }
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        return -1;
    /* Its creator sizes it after shm_open: until then it has 0 bytes. */
    double deadline = now_ms() + wait_ms;
    struct stat st;
    int err = 0;
    for (;;) {
        if (fstat(fd, &st) == -1) {
            err = errno;
            break;
        }
        if ((uintmax_t) st.st_size >= min_size)
            break;
        if (now_ms() >= deadline) {
            err = ETIMEDOUT;
            break;
        }
        nap();
    }
    if (err == 0 && map_object(fd, (size_t) st.st_size, p) == -1)
        err = errno;
    close(fd);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

int pshm_close(struct pshm *p)
{
    if (p == NULL || p->addr == NULL) {
        errno = EINVAL;
        return -1;
    }
    int rc = munmap(p->addr, p->size);
    pshm_clear(p);
    return rc;
}

int pshm_remove(const char *name)
{
    if (!valid_name(name)) {
        errno = EINVAL;
        return -1;
    }
    return shm_unlink(name);
}

/* Write all of data to fd (a memfd: write never stops short but for a
   signal; loop anyway). */
static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

/* One sendmsg on the socket sock: one data byte ('M': a stream socket
   carries no descriptor without data) and the descriptor fd (SCM_RIGHTS). */
static int send_descriptor(int sock, int fd)
{
    char byte = 'M';
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf.buf, .msg_controllen = sizeof cbuf.buf };
    struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof fd);
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);   /* a closed peer is EPIPE, not a signal */
    while (n == -1 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int memfd_send_sealed(int fd, const char *name, const void *data, size_t len)
{
    if (name == NULL || data == NULL || len == 0 || strlen(name) > 249) {
        errno = EINVAL;
        return -1;
    }
    int mfd = memfd_create(name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (mfd == -1)
        return -1;
    /* write(), not a mapping: F_SEAL_WRITE is EBUSY while a shared
       writable mapping exists. */
    int rc = write_all(mfd, data, len) == -1 || fcntl(mfd, F_ADD_SEALS, SEALS_SENT) == -1 ? -1 : 0;
    if (rc == 0)
        rc = send_descriptor(fd, mfd);
    int err = errno;
    close(mfd);                 /* the receiver's copy (if sent) is its own */
    errno = err;
    return rc;
}

static void buf_clear(struct sealed_buf *b)
{
    b->addr = NULL;
    b->size = 0;
}

/* Count the descriptors of every SCM_RIGHTS header in mh: if there is
   exactly one, store it in *keep; otherwise close them all (*keep stays
   -1).  Returns the count. */
static int take_descriptors(struct msghdr *mh, int *keep)
{
    int count = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int d;
            memcpy(&d, CMSG_DATA(cm) + i * sizeof(int), sizeof d);
            if (count++ == 0)
                *keep = d;
            else
                close(d);
        }
    }
    if (count > 1 && *keep != -1) {
        close(*keep);
        *keep = -1;
    }
    return count;
}

long memfd_recv_sealed(int fd, struct sealed_buf *b)
{
    if (b == NULL) {
        errno = EINVAL;
        return -1;
    }
    buf_clear(b);
    char byte;
    /* Room for a few descriptors: a sender that sends more is refused,
       and none of them stays open here. */
    union { char buf[CMSG_SPACE(sizeof(int) * 8)]; struct cmsghdr align; } cbuf;
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf.buf, .msg_controllen = sizeof cbuf.buf };
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n == -1 && errno == EINTR);
    if (n == -1)
        return -1;
    int mfd = -1;
    int count = take_descriptors(&msg, &mfd);
    if (n == 0 && count == 0) {
        errno = ECONNRESET;                         /* the peer closed: nothing came */
        return -1;
    }
    if (count != 1 || (msg.msg_flags & MSG_CTRUNC)) {
        if (mfd != -1)
            close(mfd);
        errno = EBADMSG;
        return -1;
    }
    int err = 0;
    struct stat st;
    int seals = fcntl(mfd, F_GET_SEALS);
    if (seals == -1 || (seals & SEALS_NEEDED) != SEALS_NEEDED)
        err = EPERM;                                /* not a memfd, or it could change */
    else if (fstat(mfd, &st) == -1)
        err = errno;
    else if (st.st_size == 0)
        err = EBADMSG;
    else {
        void *addr = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, mfd, 0);
        if (addr == MAP_FAILED)
            err = errno;
        else {
            b->addr = addr;
            b->size = (size_t) st.st_size;
        }
    }
    close(mfd);                                     /* the mapping keeps the memory */
    if (err != 0) {
        errno = err;
        return -1;
    }
    return (long) b->size;
}

int sealed_release(struct sealed_buf *b)
{
    if (b == NULL || b->addr == NULL) {
        errno = EINVAL;
        return -1;
    }
    int rc = munmap((void *) b->addr, b->size);
    buf_clear(b);
    return rc;
}

int mapping_name(const void *addr, char *name, size_t len)
{
    if (name == NULL || len == 0) {
        errno = EINVAL;
        return -1;
    }
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == NULL)
        return -1;
    /* "start-end perms offset dev inode   pathname": the pathname starts
       after the fifth field and may hold spaces ("(deleted)"). */
    char line[4096 + 128];
    uintptr_t a = (uintptr_t) addr;
    int rc = -1;
    errno = ENOENT;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start, end;
        int path = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &path) < 2 || path == 0)
            continue;
        if (a < start || a >= end)
            continue;
        size_t n = strcspn(line + path, "\n");
        if (n + 1 > len) {
            errno = ERANGE;
        } else {
            memcpy(name, line + path, n);
            name[n] = '\0';
            rc = 0;
        }
        break;
    }
    int err = errno;
    fclose(maps);
    errno = err;
    return rc;
}
