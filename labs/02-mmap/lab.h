/* lab.h — Lab 02: mmap, files and memory shared between processes.
   (Never edit this file: the grader compiles your lab.c against its own copy.)

   mmap(2) makes a file (or anonymous memory) part of the address space:

     MM_SHARED   MAP_SHARED: stores go to the file's pages in the page cache,
                 which every process mapping or read(2)ing the file sees;
                 msync(MS_SYNC) waits until they are on the storage device.
     MM_PRIVATE  MAP_PRIVATE: the first store to a page copies it
                 (copy-on-write); the file and every other mapping keep the
                 old bytes.
     mm_map_anon MAP_SHARED | MAP_ANONYMOUS: memory with no file, shared with
                 the children forked after it is made.

   The mapping covers whole pages.  Bytes past end of file inside the last
   page are there to read (zeros) and write, but are not part of the file;
   a page that lies wholly past end of file raises SIGBUS when touched.

   Every function returns 0 (or a count) on success and -1 with errno set on
   failure.  None prints and none exits: the caller decides. */
#ifndef LAB02_MMAP_H
#define LAB02_MMAP_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MM_PERMS (S_IRUSR | S_IWUSR)    /* files mm_map_file() creates: owner rw */

enum mm_kind {
    MM_SHARED,                  /* MAP_SHARED: stores reach the file and other mappings */
    MM_PRIVATE                  /* MAP_PRIVATE: copy-on-write, stores stay here */
};

/* One mapping, as this process sees it (fork() copies the handle and the
   mapping with it). */
struct mm_region {
    unsigned char *addr;        /* first byte; NULL when not mapped */
    size_t len;                 /* bytes asked for (the mapping is whole pages) */
    int fd;                     /* the file, when mm_map_file() opened it; else -1 */
    int shared;                 /* 1 for MAP_SHARED (file or anonymous), 0 for MAP_PRIVATE */
};

/* Map len bytes of the open file fd from offset 0, readable and writable,
   MAP_SHARED or MAP_PRIVATE as kind says.  The file's size is not changed:
   pages past its end are mapped but raise SIGBUS when touched.  m->fd is -1
   (fd stays the caller's).  On failure *m is { NULL, 0, -1, 0 }.
   Errors: EINVAL if m is NULL, len is 0 (mmap(2) refuses it too) or kind is
   not an mm_kind; otherwise mmap's errno (EBADF, EACCES, ...). */
int mm_map_fd(struct mm_region *m, int fd, size_t len, enum mm_kind kind);

/* Open path for reading and writing, creating it (MM_PERMS) if missing;
   grow it with ftruncate(2) to len bytes if it is shorter (never shrink
   it), and map len bytes as mm_map_fd() does.  m->fd keeps the descriptor,
   closed by mm_unmap().  On failure nothing stays open or mapped (a file
   created stays created).
   Errors: EINVAL if m or path is NULL, len is 0 or kind is bad; otherwise
   the errno of open/fstat/ftruncate/mmap; EFBIG if the file would have to
   grow to more bytes than off_t can count (ftruncate's own limit). */
int mm_map_file(struct mm_region *m, const char *path, size_t len, enum mm_kind kind);

/* Map len bytes of zeroed memory with MAP_SHARED | MAP_ANONYMOUS (fd -1,
   offset 0): shared with children forked afterwards.
   Errors: EINVAL if m is NULL or len is 0; mmap's errno otherwise. */
int mm_map_anon(struct mm_region *m, size_t len);

/* For a MAP_SHARED mapping, msync(MS_SYNC) over the whole mapping: a file
   mapping's stores are then on the storage device.  (Other processes and
   read(2) see the stores at once, without it.)  struct mm_region does not
   say whether a shared mapping has a file (mm_map_fd leaves m->fd -1, like
   mm_map_anon): msync it either way; for an anonymous one there is nothing
   to write and msync returns 0.  A MAP_PRIVATE mapping returns 0 at once:
   none of its stores ever go to a file.
   Errors: EINVAL if m is NULL or not mapped; msync's errno. */
int mm_sync(const struct mm_region *m);

/* Fork a child that copies n bytes of buf to m->addr + off, calls mm_sync()
   and _exit()s 0 (1 if mm_sync failed); wait for it.  Returns 0 if it
   exited 0.  What the parent sees afterwards is the point of the lab.
   Errors: EINVAL if m is NULL or not mapped, buf is NULL, or off + n runs past
   m->len; EIO if the child did not exit 0 (it was killed by a signal, e.g.
   SIGBUS, or its mm_sync failed); fork/waitpid's errno. */
int mm_child_write(const struct mm_region *m, size_t off, const void *buf, size_t n);

/* Fork a child that reads the byte at m->addr + off (off may lie past m->len:
   the mapping is whole pages) and exits 0; wait for it.  Returns 0 if the
   child read it and exited 0, or the number of the signal that killed it
   (SIGBUS for a page wholly past end of file, SIGSEGV past the mapping).
   Errors: EINVAL if m is NULL or not mapped; EIO if the child exited with a
   status other than 0; fork/waitpid's errno. */
int mm_probe(const struct mm_region *m, size_t off);

/* Unmap the mapping (munmap(2) over m->len) and close m->fd if
   mm_map_file() opened it; then *m is { NULL, 0, -1, 0 }.  Carries on after
   a failure and reports the first one.
   Errors: EINVAL if m is NULL or not mapped; munmap/close's errno. */
int mm_unmap(struct mm_region *m);

#endif
