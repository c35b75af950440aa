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
    void *addr = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (addr == MAP_FAILED)
        return -1;
    m->addr = addr;
    m->len = len;
    m->shared = (flags & MAP_SHARED) != 0;
    return 0;
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
    const uintmax_t off_max = ((uintmax_t) 1 << (sizeof(off_t) * CHAR_BIT - 1)) - 1;
    if ((uintmax_t) len > off_max) {
        errno = EFBIG;              /* no off_t can say how long the file must be */
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == -1)
        return -1;
    if ((size_t) st.st_size < len && ftruncate(fd, (off_t) len) == -1)
        return -1;
    return 0;
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
    if (m == NULL || m->addr == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (!m->shared)
        return 0;                           /* private: nothing goes to a file */
    /* Shared: a file mapping (ours or the caller's fd) or anonymous memory,
       which msync accepts and has nothing to write for. */
    return msync(m->addr, m->len, MS_SYNC);
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
    if (m == NULL || m->addr == NULL || buf == NULL || off > m->len || n > m->len - off) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);            /* a store past end of file kills the child */
        memcpy(m->addr + off, buf, n);
        _exit(mm_sync(m) == 0 ? 0 : 1);
    }
    int status = wait_child(pid);
    if (status == -1)
        return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int mm_probe(const struct mm_region *m, size_t off)
{
    if (m == NULL || m->addr == NULL) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid == 0) {
        /* The default action for SIGBUS and SIGSEGV, whatever the parent set:
           the point is to see the signal in the wait status. */
        signal(SIGBUS, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        volatile unsigned char *p = m->addr + off;
        unsigned char c = *p;               /* the touch */
        (void) c;
        _exit(0);
    }
    int status = wait_child(pid);
    if (status == -1)
        return -1;
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    if (WEXITSTATUS(status) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int mm_unmap(struct mm_region *m)
{
    if (m == NULL || m->addr == NULL) {
        errno = EINVAL;
        return -1;
    }
    int rc = 0, first_errno = 0;
    if (munmap(m->addr, m->len) == -1) {
        rc = -1;
        first_errno = errno;
    }
    if (m->fd != -1 && close(m->fd) == -1 && rc == 0) {
        rc = -1;
        first_errno = errno;
    }
    region_clear(m);
    errno = first_errno;
    return rc;
}
