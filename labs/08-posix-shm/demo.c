/* demo.c — Lab 08's classroom demo: a POSIX object is a file in /dev/shm,
   and a sealed memfd handed to an unrelated process cannot be changed.

   Part 1 makes a POSIX object with the lab's pshm_create and shows it the
   way `ls -l /dev/shm` and `df /dev/shm` would, and as /proc/self/maps
   names it; after pshm_remove the name is gone and the mapping still
   reads.  Part 2 starts a receiver that is a program of its own (this
   binary run again: it inherits no descriptor, only the path of a Unix
   socket), sends it a sealed memfd with the lab's memfd_send_sealed, and
   the receiver tries to change it: every try refused, live.  Then a
   cheating sender sends one without seals, and the lab's
   memfd_recv_sealed refuses it.

   $ make demo LAB=8
   $ NO_COLOR=1 make demo LAB=8     # no colours, e.g. for a projector log */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static int colour;                      /* stdout is a terminal and NO_COLOR is unset */
static const char *who = "sender  ";   /* which process prints */

static const char *hi(void) { return colour ? "\033[1;33m" : ""; }
static const char *red(void) { return colour ? "\033[1;31m" : ""; }
static const char *green(void) { return colour ? "\033[1;32m" : ""; }
static const char *off(void) { return colour ? "\033[0m" : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo (%s): %s: %s\n", who, what, strerror(errno));
    exit(1);
}

static void say(const char *fmt, const char *arg)
{
    printf("  [%s pid %ld] ", who, (long) getpid());
    printf(fmt, arg);
    putchar('\n');
    fflush(stdout);
}

static void step(const char *title)
{
    printf("\n%s%s%s\n", colour ? "\033[1m" : "", title, off());
    fflush(stdout);
}

/* Try one change to the received memfd; it must be refused. */
static void try_change(const char *what, int refused, int err)
{
    char line[256];
    snprintf(line, sizeof line, "%-44s %s%s%s", what, refused ? red() : green(),
             refused ? strerror(err) : "allowed", off());
    say("%s", line);
}

/* ---- Part 1: a POSIX object ---------------------------------------------- */

static void posix_part(void)
{
    char name[64], path[96], where[512];
    snprintf(name, sizeof name, "/shmlab-demo-%ld", (long) getpid());
    snprintf(path, sizeof path, "/dev/shm%s", name);
    step("1. shm_open makes a file on a tmpfs: /dev/shm");
    struct pshm p;
    if (pshm_create(name, 1 << 20, 0640, &p) == -1)
        die("pshm_create (is your lab.c done?)");
    struct stat st;
    struct statvfs v;
    if (stat(path, &st) == -1 || statvfs("/dev/shm", &v) == -1)
        die("stat /dev/shm");
    char line[256];
    snprintf(line, sizeof line, "ls -l /dev/shm:  -%c%c%c%c%c%c%c%c%c %8lld  %s%s%s", "-r"[!!(st.st_mode & 0400)],
             "-w"[!!(st.st_mode & 0200)], "-x"[!!(st.st_mode & 0100)], "-r"[!!(st.st_mode & 040)],
             "-w"[!!(st.st_mode & 020)], "-x"[!!(st.st_mode & 010)], "-r"[!!(st.st_mode & 04)],
             "-w"[!!(st.st_mode & 02)], "-x"[!!(st.st_mode & 01)], (long long) st.st_size, hi(), name + 1, off());
    say("%s", line);
    snprintf(line, sizeof line, "df /dev/shm:     %llu MiB in all, %llu MiB used (tmpfs: memory, not disk)",
             (unsigned long long) v.f_blocks * v.f_frsize >> 20,
             (unsigned long long) (v.f_blocks - v.f_bfree) * v.f_frsize >> 20);
    say("%s", line);
    snprintf(line, sizeof line, "mode asked 0640, umask 0%03o, got 0%03o (fchmod)", 022, (unsigned) (st.st_mode & 0777));
    say("%s", line);
    if (mapping_name(p.addr, where, sizeof where) == -1)
        die("mapping_name");
    say("/proc/self/maps names the mapping:  %s", where);
    strcpy(p.addr, "written before the unlink");
    if (pshm_remove(name) == -1)
        die("pshm_remove");
    step("   pshm_remove: the name goes, the mapping stays");
    snprintf(line, sizeof line, "ls -l %s:  %s", path,
             access(path, F_OK) == 0 ? "still there? (is pshm_remove done?)" : "No such file or directory");
    say("%s", line);
    if (mapping_name(p.addr, where, sizeof where) == -1)
        die("mapping_name");
    say("/proc/self/maps now says:  %s", where);
    say("the mapping still reads:   \"%s\"", (const char *) p.addr);
    pshm_close(&p);
}

/* ---- Part 2: the receiver, a program of its own --------------------------- */

static int recv_raw(int sock)
{
    char byte;
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct iovec iov = { &byte, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf };
    if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
        die("recvmsg");
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) {
        errno = EBADMSG;
        die("recvmsg: no descriptor");
    }
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

static int receiver(const char *sock_path)
{
    who = "receiver";
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path);
    if (sock == -1 || connect(sock, (struct sockaddr *) &addr, sizeof addr) == -1)
        die("connect");
    say("a program of its own (exec): it inherited only stdin, stdout and stderr; it connected to %s", sock_path);

    int fd = recv_raw(sock);
    char link[64], target[256], line[320];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    snprintf(line, sizeof line, "got descriptor %d:  /proc/self/fd/%d -> %s%s%s", fd, fd, hi(), target, off());
    say("%s", line);
    int seals = fcntl(fd, F_GET_SEALS);
    snprintf(line, sizeof line, "F_GET_SEALS = %#x:%s%s%s%s", seals, seals & F_SEAL_SHRINK ? " SHRINK" : "",
             seals & F_SEAL_GROW ? " GROW" : "", seals & F_SEAL_WRITE ? " WRITE" : "", seals & F_SEAL_SEAL ? " SEAL" : "");
    say("%s", line);
    struct stat st;
    if (fstat(fd, &st) == -1)
        die("fstat");
    const char *text = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (text == MAP_FAILED)
        die("mmap");
    snprintf(line, sizeof line, "it says: \"%.*s\"", (int) st.st_size, text);
    say("%s", line);
    step("   the receiver tries to change it");
    errno = 0;
    int r = pwrite(fd, "forged", 6, 0) == -1;
    try_change("pwrite(fd, \"forged\")", r, errno);
    errno = 0;
    r = ftruncate(fd, 0) == -1;
    try_change("ftruncate(fd, 0)   (pull the pages away)", r, errno);
    errno = 0;
    void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    try_change("mmap(PROT_WRITE, MAP_SHARED)", w == MAP_FAILED, errno);
    errno = 0;
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == -1;
    try_change("fcntl(F_ADD_SEALS)   (change the seals)", r, errno);
    close(fd);
    munmap((void *) text, (size_t) st.st_size);

    step("3. a cheating sender: no seals");
    struct sealed_buf b;
    errno = 0;
    long got = memfd_recv_sealed(sock, &b);
    if (got == -1) {
        snprintf(line, sizeof line, "memfd_recv_sealed: %s%s%s: not sealed, not mapped, descriptor closed", red(),
                 strerror(errno), off());
        say("%s", line);
    } else {
        say("%s", "memfd_recv_sealed ACCEPTED an unsealed memfd: is your lab.c checking F_GET_SEALS?");
        sealed_release(&b);
    }
    close(sock);
    return 0;
}

static int sender(const char *self)
{
    char sock_path[108];
    snprintf(sock_path, sizeof sock_path, "/tmp/shmlab-demo-%ld.sock", (long) getpid());
    int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path);
    unlink(sock_path);
    if (lsock == -1 || bind(lsock, (struct sockaddr *) &addr, sizeof addr) == -1 || listen(lsock, 1) == -1)
        die("bind");
    step("2. a sealed memfd, passed to another program over a Unix socket");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        execl(self, self, "--receive", sock_path, (char *) NULL);
        die("exec");
    }
    int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
    close(lsock);
    unlink(sock_path);
    if (conn == -1)
        die("accept");
    const char message[] = "exam at 9:00 in room 101";
    if (memfd_send_sealed(conn, "shmlab-demo", message, sizeof message - 1) == -1)
        die("memfd_send_sealed (is your lab.c done?)");
    say("%s", "memfd_send_sealed: wrote the message, sealed it, sent the descriptor, closed ours");
    /* The cheat: a memfd with no seals, sent by hand. */
    int loose = memfd_create("shmlab-cheat", MFD_CLOEXEC);
    if (loose == -1 || write(loose, "exam cancelled", 14) != 14)
        die("memfd_create");
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
    memcpy(CMSG_DATA(cm), &loose, sizeof loose);
    if (sendmsg(conn, &mh, MSG_NOSIGNAL) != 1)
        die("sendmsg");
    close(loose);
    close(conn);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char *argv[])
{
    const char *no_colour = getenv("NO_COLOR");         /* no-color.org: set and not empty */
    colour = isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
    if (argc == 3 && strcmp(argv[1], "--receive") == 0)
        return receiver(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s          (the receiver runs itself with --receive SOCKET)\n", argv[0]);
        return 2;
    }
    umask(022);
    posix_part();
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        die("readlink /proc/self/exe");
    self[n] = '\0';
    return sender(self);
}
