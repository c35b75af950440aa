/* lab.c — Lab 02: mmap, files and memory shared between processes.

   mm_map_file() makes a file part of the address space (growing it with
   ftruncate first: a mapping never makes a file longer), mm_map_anon() makes
   memory a parent shares with the children it forks, and mm_child_write()
   and mm_probe() let a forked child store into a mapping or touch a byte of
   it, so that the parent can see what was shared, what was copied on write,
   and where SIGBUS lies.

   Every function returns -1 with errno set on failure and never prints or
   exits; only the forked children call _exit().  See lab.h for the contract.

   $ make check LAB=2          # public tests, under valgrind
   $ make demo LAB=2           # two processes, one file; then SIGBUS */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

static void region_clear(struct mm_region *m)
{
    m->addr = NULL;
    m->len = 0;
    m->fd = -1;
    m->shared = 0;
}

static int kind_is_valid(enum mm_kind kind)
{
    return kind == MM_SHARED || kind == MM_PRIVATE;
}

/* mmap len bytes of fd (or anonymous memory when fd is -1) with flags, and
   fill *m.  Returns 0, or -1 with errno.  mmap fails with MAP_FAILED, which
   is (void *) -1 and never NULL. */
static int map_into(struct mm_region *m, int fd, size_t len, int flags)
{
    /* TODO: map len bytes of fd (fd -1: no file) at an address the kernel
       picks, readable and writable, with flags, from offset 0; check the
       result against mmap's real failure value; fill in m->addr, m->len and
       m->shared (1 when flags has MAP_SHARED). */
    (void) m;
    (void) fd;
    (void) len;
    (void) flags;
    errno = ENOSYS;
    return -1;
}

int mm_map_fd(struct mm_region *m, int fd, size_t len, enum mm_kind kind)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    region_clear(m);
    if (len == 0 || !kind_is_valid(kind)) {
        errno = EINVAL;
        return -1;
    }
    return map_into(m, fd, len, kind == MM_SHARED ? MAP_SHARED : MAP_PRIVATE);
}

/* Make the open file fd at least len bytes long: a mapping cannot extend
   a file, and touching a page wholly past its end raises SIGBUS.  Never
   shrinks it.  Returns 0, or -1 with errno. */
static int grow_file(int fd, size_t len)
{
    /* TODO: EFBIG if len is more than off_t can hold; find the file's size;
       if it is less than len, make it len bytes long.  Never make it shorter. */
    (void) fd;
    (void) len;
    errno = ENOSYS;
    return -1;
}

int mm_map_file(struct mm_region *m, const char *path, size_t len, enum mm_kind kind)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    region_clear(m);
    if (path == NULL || len == 0 || !kind_is_valid(kind)) {
        errno = EINVAL;
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, MM_PERMS);
    if (fd == -1)
        return -1;
    if (grow_file(fd, len) == -1 ||
        map_into(m, fd, len, kind == MM_SHARED ? MAP_SHARED : MAP_PRIVATE) == -1) {
        int saved = errno;
        close(fd);
        region_clear(m);
        errno = saved;
        return -1;
    }
    m->fd = fd;
    return 0;
}

int mm_map_anon(struct mm_region *m, size_t len)
{
    if (m == NULL) {
        errno = EINVAL;
        return -1;
    }
    region_clear(m);
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    /* No file: fd is -1 and offset 0, as mmap(2) asks for portability. */
    return map_into(m, -1, len, MAP_SHARED | MAP_ANONYMOUS);
}

int mm_sync(const struct mm_region *m)
{
    /* TODO: EINVAL if m is NULL or not mapped; 0 if it is private;
       otherwise (shared: a file, or anonymous - m cannot tell, and it does
       not matter) wait until the stores in the whole mapping are written to
       the file's storage. */
    (void) m;
    errno = ENOSYS;
    return -1;
}

/* Wait for pid; returns its status, or -1 with errno. */
static inline int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            return -1;
    return status;
}

int mm_child_write(const struct mm_region *m, size_t off, const void *buf, size_t n)
{
    /* TODO: check the arguments (EINVAL, also when off + n runs past m->len -
       beware of overflow); fork a child that puts SIGBUS back to its default
       action, copies buf to m->addr + off,
       calls mm_sync() and leaves with _exit(0), or _exit(1) if mm_sync
       failed; wait for it (wait_child); EIO unless it exited with status 0. */
    (void) m;
    (void) off;
    (void) buf;
    (void) n;
    errno = ENOSYS;
    return -1;
}

int mm_probe(const struct mm_region *m, size_t off)
{
    /* TODO: EINVAL if m is NULL or not mapped; fork a child that puts SIGBUS and
       SIGSEGV back to their default action, reads the byte at m->addr + off
       through a volatile pointer and leaves with _exit(0); wait for it;
       return the signal that killed it, 0 if it exited 0, else EIO. */
    (void) m;
    (void) off;
    errno = ENOSYS;
    return -1;
}

int mm_unmap(struct mm_region *m)
{
    /* TODO: EINVAL if m is NULL or not mapped; unmap the mapping, close m->fd
       if it is not -1, clear *m (region_clear); keep going after a failure
       and report the first one. */
    (void) m;
    errno = ENOSYS;
    return -1;
}
