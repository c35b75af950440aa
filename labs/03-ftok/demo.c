/* demo.c — Lab 03's classroom demo: what an ftok key is made of, and why it
   does not name a file.

   A key taken apart into its three fields; proj_id 1 and 257 giving one key;
   a file removed and made again (on tmpfs, and on the filesystem of the
   current folder) with its inode reused or not; two files made to collide
   on purpose; and the segment header catching the collision that a bare
   shmget(key) would have let through.

   $ make demo LAB=3
   $ NO_COLOR=1 make demo LAB=3     # no colours */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static int colour;                      /* stdout is a terminal and NO_COLOR is unset */
static const char *hi(void) { return colour ? "\033[1;33m" : ""; }
static const char *off(void) { return colour ? "\033[0m" : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void step(const char *title)
{
    printf("\n%s%s%s\n", colour ? "\033[1m" : "", title, off());
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd == -1 || close(fd) == -1)
        die(path);
}

static struct stat stat_or_die(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        die(path);
    return st;
}

/* Remove path and make it again at once; say what the inode and key did. */
static void recreate(const char *where, const char *path)
{
    struct stat before = stat_or_die(path);
    key_t k1 = lab_ftok(path, 'A');
    if (unlink(path) == -1)
        die("unlink");
    touch(path);
    struct stat after = stat_or_die(path);
    key_t k2 = lab_ftok(path, 'A');
    printf("  %-28s inode %10lu -> %-10lu key 0x%08x -> 0x%08x  %s%s%s\n", where,
           (unsigned long) before.st_ino, (unsigned long) after.st_ino, (unsigned) k1, (unsigned) k2, hi(),
           after.st_ino == before.st_ino ? "inode reused: same key" : "new inode: new key", off());
}

int main(void)
{
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    char dir[] = "/dev/shm/shmlab-demo-03-XXXXXX", file[128];
    char here_dir[] = "shmlab-demo-03-XXXXXX", here[64];    /* in the current folder */
    if (mkdtemp(dir) == NULL || mkdtemp(here_dir) == NULL)
        die("mkdtemp");
    snprintf(file, sizeof file, "%s/config", dir);
    snprintf(here, sizeof here, "%s/config", here_dir);
    touch(file);

    step("1. ftok(path, 'A') is three fields of stat(2), not a hash");
    struct stat st = stat_or_die(file);
    key_t key = lab_ftok(file, 'A');
    printf("  %s: st_dev 0x%lx, st_ino %lu (0x%lx)\n", file, (unsigned long) st.st_dev,
           (unsigned long) st.st_ino, (unsigned long) st.st_ino);
    printf("  key 0x%08x = proj_id %s0x%02x%s | dev & 0xff %s0x%02x%s | ino & 0xffff %s0x%04x%s"
           "   (glibc's ftok: 0x%08x)\n", (unsigned) key, hi(), (unsigned) key >> 24, off(), hi(),
           ((unsigned) key >> 16) & 0xffU, off(), hi(), (unsigned) key & 0xffffU, off(),
           (unsigned) ftok(file, 'A'));

    step("2. only 8 bits of proj_id count");
    for (int p = 0; p <= 1; p++)
        printf("  proj_id %d: 0x%08x   proj_id %d: 0x%08x\n", p, (unsigned) lab_ftok(file, p), p + 256,
               (unsigned) lab_ftok(file, p + 256));
    errno = 0;
    key_t missing = lab_ftok("/no/such/file", 'A');
    printf("  a missing path: %d (%s) - and shmget((key_t) -1, ...) would accept that as key 0xffffffff\n",
           (int) missing, strerror(errno));

    step("3. remove the file and make it again: does the key survive?");
    recreate("tmpfs (/dev/shm)", file);
    touch(here);
    recreate("this folder's filesystem", here);
    if (unlink(here) == -1 || rmdir(here_dir) == -1)
        die("cleanup");

    step("4. make files until two share a key (16 bits of inode: 65537 files are enough)");
    char a[256], b[256];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ftok_collide(dir, 'A', COLLIDE_ENOUGH, a, b, sizeof a) == -1)
        die("ftok_collide");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct stat sa = stat_or_die(a), sb = stat_or_die(b);
    printf("  %s  inode %lu  key 0x%08x\n  %s  inode %lu  key 0x%08x\n", a, (unsigned long) sa.st_ino,
           (unsigned) lab_ftok(a, 'A'), b, (unsigned long) sb.st_ino, (unsigned) lab_ftok(b, 'A'));
    printf("  inodes %lu apart = %lu x 65536, found in %.2f s\n", (unsigned long) (sb.st_ino - sa.st_ino),
           (unsigned long) (sb.st_ino - sa.st_ino) / 65536,
           (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);

    step("5. the header catches what the key cannot");
    struct seg mine, theirs;
    if (seg_create(a, 'A', 64, &mine) == -1)
        die("seg_create");
    strcpy(mine.data, "a's data");
    int bare = shmget(lab_ftok(b, 'A'), 0, 0);
    printf("  seg_create(a): shmid %d.  A bare shmget(key of b) finds shmid %d: %sb would use a's data%s\n",
           mine.shmid, bare, hi(), off());
    errno = 0;
    int rc = seg_open(b, 'A', 64, &theirs);
    printf("  seg_open(b) = %d (%s%s%s): the header names a's inode, not b's\n", rc, hi(),
           rc == -1 ? strerror(errno) : "accepted?!", off());

    if (seg_remove(&mine) == -1 || unlink(a) == -1 || unlink(b) == -1 || unlink(file) == -1 || rmdir(dir) == -1)
        die("cleanup");
    return 0;
}
