/* demo.c — Lab 02 in a lecture hall: two processes edit one file through a
   mapping, a private mapping keeps its edits to itself, and a page past end
   of file kills its toucher with SIGBUS.

   The parent maps a file MAP_SHARED and forks; the child writes a line into
   the mapping, the parent reads the file back with plain read(2) and finds
   it there: both processes and the page cache share the same pages.  Then a
   MAP_PRIVATE store that the file never sees.  Then a 100-byte file mapped
   for two pages: a byte in the first page past end of file is fine, a byte
   in the second page is SIGBUS.

   $ make demo LAB=2                  # or: ./demo [folder for the file]
   1. MAP_SHARED: parent 4242 and its child edit /tmp/shmlab-demo-x/notes
        the child wrote line 2 into its copy of the mapping and exited
        read(2) of the file now gives:
          | line 1: written by the parent (pid 4242) through the mapping
          | line 2: written by a child (parent 4242) through the mapping
   ...
   3. A 100-byte file mapped for 2 pages (4096 bytes each): a child reads
        byte 100   (page 1, past end of file        ) fine
        byte 4096  (page 2, wholly past end of file ) Bus error

   Colour only when stdout is a terminal and NO_COLOR is not set. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

static int colour;

static const char *paint(const char *code)
{
    return colour ? code : "";
}

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    if (errno == ENOSYS)
        fprintf(stderr, "demo: finish the TODOs in lab.c first (make check LAB=2)\n");
    exit(EXIT_FAILURE);
}

/* Print the file's text as read(2) sees it, one "| " line at a time. */
static void show_file(const char *path)
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die("open");
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n == -1)
        die("read");
    buf[n] = '\0';
    for (char *line = strtok(buf, "\n"); line != NULL && line[0] != '\0'; line = strtok(NULL, "\n"))
        printf("       %s| %s%s\n", paint("\033[36m"), line, paint("\033[0m"));
}

int main(int argc, char *argv[])
{
    char dir[256], path[300], line[128];
    snprintf(dir, sizeof dir, "%s/shmlab-demo-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    snprintf(path, sizeof path, "%s/notes", dir);
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    long page = sysconf(_SC_PAGESIZE);

    /* 1. One file, two processes, one set of pages. */
    struct mm_region m;
    if (mm_map_file(&m, path, 4096, MM_SHARED) == -1)
        die("mm_map_file");
    memset(m.addr, 0, 4096);            /* new pages are zero anyway: say so */
    printf("%s1. MAP_SHARED:%s parent %ld and its child edit %s\n", paint("\033[1m"),
           paint("\033[0m"), (long) getpid(), path);
    int n = snprintf(line, sizeof line, "line 1: written by the parent (pid %ld) through the mapping\n",
                     (long) getpid());
    memcpy(m.addr, line, (size_t) n);
    snprintf(line, sizeof line, "line 2: written by a child (parent %ld) through the mapping\n",
             (long) getpid());
    if (mm_child_write(&m, (size_t) n, line, strlen(line)) == -1)
        die("mm_child_write");
    printf("     the child wrote line 2 into its copy of the mapping and exited\n"
           "     read(2) of the file now gives:\n");
    show_file(path);

    /* 2. The same file, privately: copy-on-write. */
    struct mm_region priv;
    if (mm_map_file(&priv, path, 4096, MM_PRIVATE) == -1)
        die("mm_map_file");
    memcpy(priv.addr, "line 1: SCRIBBLED through a MAP_PRIVATE mapping", 48);
    printf("\n%s2. MAP_PRIVATE:%s a store through a private mapping of the same file\n"
           "     the private mapping says:  %.48s\n"
           "     the shared mapping says:   %.48s\n"
           "     and the file:\n", paint("\033[1m"), paint("\033[0m"),
           (const char *) priv.addr, (const char *) m.addr);
    show_file(path);
    if (mm_unmap(&priv) == -1 || mm_unmap(&m) == -1)
        die("mm_unmap");

    /* 3. Past end of file: the last page is fine, the next is SIGBUS. */
    if (truncate(path, 100) == -1)
        die("truncate");
    int fd = open(path, O_RDWR);
    if (fd == -1 || mm_map_fd(&m, fd, 2 * (size_t) page, MM_SHARED) == -1)
        die("mm_map_fd");
    printf("\n%s3. A 100-byte file mapped for 2 pages%s (%ld bytes each): a child reads\n",
           paint("\033[1m"), paint("\033[0m"), page);
    static const struct { size_t off; const char *where; } probe[] = {
        { 50, "page 1, inside the file" },
        { 100, "page 1, past end of file" },
        { 0, "page 2, wholly past end of file" },
    };
    for (int i = 0; i < 3; i++) {
        size_t off = i == 2 ? (size_t) page : probe[i].off;
        int sig = mm_probe(&m, off);
        if (sig == -1)
            die("mm_probe");
        printf("     byte %-5zu (%-32s) %s%s%s\n", off, probe[i].where,
               paint(sig ? "\033[31m" : "\033[32m"), sig ? strsignal(sig) : "fine",
               paint("\033[0m"));
    }
    if (mm_unmap(&m) == -1)
        die("mm_unmap");
    close(fd);
    unlink(path);
    rmdir(dir);
    return EXIT_SUCCESS;
}
