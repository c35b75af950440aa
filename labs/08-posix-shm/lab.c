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
    /* TODO: EINVAL for a bad name (valid_name), size 0, mode bits
       outside 0777 or p NULL; create the object exclusively, so that of
       processes racing to make it only one succeeds; give it exactly mode
       (the umask took bits away); reserve size bytes of /dev/shm (ENOSPC now,
       not SIGBUS later); map it (map_object) and close the descriptor.  If
       anything fails after the object exists, remove the name again. */
    (void) name;
    (void) size;
    (void) mode;
    (void) p;
    (void) valid_name;                  /* a helper above, for you */
    (void) pshm_clear;                  /* a helper above, for you */
    (void) map_object;                  /* a helper above, for you */
    errno = ENOSYS;
    return -1;
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
    /* TODO: EINVAL for a bad name, min_size 0, wait_ms < 0 or p
       NULL; open the object read-write; until it has min_size bytes (its
       creator sizes it after creating it), look again every millisecond
       (nap, now_ms), giving up with ETIMEDOUT after wait_ms; map all of it
       and close the descriptor. */
    (void) name;
    (void) min_size;
    (void) wait_ms;
    (void) p;
    (void) nap;                  /* a helper above, for you */
    (void) now_ms;                  /* a helper above, for you */
    errno = ENOSYS;
    return -1;
}

int pshm_close(struct pshm *p)
{
    /* TODO: EINVAL if p is NULL or not mapped; unmap it; clear *p. */
    (void) p;
    errno = ENOSYS;
    return -1;
}

int pshm_remove(const char *name)
{
    /* TODO: EINVAL for a bad name; remove the name. */
    (void) name;
    errno = ENOSYS;
    return -1;
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
    /* TODO: one sendmsg on sock carrying one data byte and fd
       as an SCM_RIGHTS control message (CMSG_FIRSTHDR, CMSG_LEN,
       CMSG_DATA); MSG_NOSIGNAL, so a closed peer is EPIPE; retry on EINTR. */
    (void) sock;
    (void) fd;
    errno = ENOSYS;
    return -1;
}

int memfd_send_sealed(int fd, const char *name, const void *data, size_t len)
{
    /* TODO: EINVAL for NULL name or data, len 0 or a name
       longer than 249 bytes; make a memfd that can be sealed; put data in it
       without mapping it writable (why?); add SEALS_SENT; send it
       (send_descriptor); close our copy whatever happened. */
    (void) fd;
    (void) name;
    (void) data;
    (void) len;
    (void) write_all;                  /* a helper above, for you */
    (void) send_descriptor;           /* yours to write, above */
    errno = ENOSYS;
    return -1;
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
    /* TODO: EINVAL if b is NULL; clear *b; one recvmsg (retry on
       EINTR) with room for several descriptors; ECONNRESET if the peer
       closed; take_descriptors closes all but one; EBADMSG unless exactly
       one came (and MSG_CTRUNC is clear); EPERM unless F_GET_SEALS shows
       every SEALS_NEEDED seal; EBADMSG if it is empty; map it read-only,
       fill in *b; close the descriptor whatever happened. */
    (void) fd;
    (void) b;
    (void) buf_clear;                  /* a helper above, for you */
    (void) take_descriptors;                  /* a helper above, for you */
    errno = ENOSYS;
    return -1;
}

int sealed_release(struct sealed_buf *b)
{
    /* TODO: EINVAL if b is NULL or holds nothing; unmap it; clear *b. */
    (void) b;
    errno = ENOSYS;
    return -1;
}

int mapping_name(const void *addr, char *name, size_t len)
{
    /* TODO: EINVAL if name is NULL or len 0; find the line of
       /proc/self/maps whose range holds addr (ENOENT if none) and copy its
       pathname column, spaces and all, without the newline (ERANGE if it
       does not fit). */
    (void) addr;
    (void) name;
    (void) len;
    errno = ENOSYS;
    return -1;
}
