/* demo.c — Lab 05's classroom demo: IPC_RMID on an attached segment only
   marks it.

   One segment goes through its life while the screen shows it the way
   `ipcs -m` does (read from /proc/sysvipc/shm): two attachments in one
   process count 2; IPC_RMID turns the key into 0x00000000 and the status
   into "dest"; the old key then finds nothing, and makes a new segment; a
   process that has only the id still attaches (Linux); the last detach
   frees it.

   $ make demo LAB=5
   $ NO_COLOR=1 make demo LAB=5     # no colours, e.g. for a projector log */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

static int colour;                      /* stdout is a terminal and NO_COLOR is unset */
static int ids[4], nids;                /* the segments this demo shows */

static const char *hi(void) { return colour ? "\033[1;33m" : ""; }
static const char *off(void) { return colour ? "\033[0m" : ""; }

static void die(const char *what)
{
    fprintf(stderr, "demo: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Print our segments as `ipcs -m` would, from /proc/sysvipc/shm. */
static void show(const char *step)
{
    printf("\n%s%s%s\n  %-10s %-10s %-10s %-10s %-10s %-10s %s\n", colour ? "\033[1m" : "", step, off(),
           "key", "shmid", "owner", "perms", "bytes", "nattch", "status");
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    if (f == NULL)
        die("fopen /proc/sysvipc/shm");
    char line[512];
    int shown = 0;
    if (fgets(line, sizeof line, f) == NULL)                    /* the header */
        line[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL) {
        int key, id;
        unsigned perms, uid;
        unsigned long size, nattch;
        long cpid, lpid;
        if (sscanf(line, "%d %d %o %lu %ld %ld %lu %u", &key, &id, &perms, &size, &cpid, &lpid, &nattch,
                   &uid) != 8)
            continue;
        int ours = 0;
        for (int i = 0; i < nids; i++)
            ours |= ids[i] == id;
        if (!ours)
            continue;
        struct passwd *pw = getpwuid(uid);
        int dest = (perms & SHM_DEST) != 0;
        printf("  %s0x%08x%s %-10d %-10s %-10o %-10lu %-10lu %s%s%s\n", key == 0 ? hi() : "", (unsigned) key,
               off(), id, pw ? pw->pw_name : "?", perms & 0777, size, nattch, hi(), dest ? "dest" : "", off());
        shown++;
    }
    fclose(f);
    if (shown == 0)
        printf("  (none: the kernel has freed it)\n");
}

int main(void)
{
    colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    key_t key = (key_t) (0x05de0000 | (getpid() & 0xffff));   /* a key of our own */

    /* A "stranger": forked before the segment exists, so it inherits no
       attachment; it will be told only the id, through a pipe. */
    int to_stranger[2], from_stranger[2];
    if (pipe(to_stranger) == -1 || pipe(from_stranger) == -1)
        die("pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        int id;
        char ok = 'n';
        if (read(to_stranger[0], &id, sizeof id) != (ssize_t) sizeof id)
            _exit(1);
        void *p = shmat(id, NULL, 0);                   /* by id only */
        if (p != (void *) -1)
            ok = 'y';
        if (write(from_stranger[1], &ok, 1) != 1 || read(to_stranger[0], &id, sizeof id) < 0)
            _exit(1);
        _exit(ok == 'y' && shmdt(p) == 0 ? 0 : 1);     /* told to leave (or EOF) */
    }

    struct shared sh, again;
    if (shared_join(key, 4096, &sh) == -1)
        die("shared_join");
    ids[nids++] = sh.shmid;
    strcpy(sh.addr, "written before IPC_RMID");
    show("1. shared_join: shmget(key, 4096, IPC_CREAT) + shmat");

    void *second = shmat(sh.shmid, NULL, 0);
    if (second == (void *) -1)
        die("shmat");
    show("2. the same process attaches again: nattch counts attachments, not processes");

    if (shared_seal(&sh) == -1)
        die("shared_seal");
    show("3. shmctl(IPC_RMID) while attached: only marked; the key reads 0");
    printf("  the data is still there: \"%s\"\n", (char *) sh.addr);

    errno = 0;
    int found = shmget(key, 0, 0);
    printf("\n4. shmget(0x%08x, 0, 0) = %d  (%s): the old key finds nothing\n", (unsigned) key, found,
           found == -1 ? strerror(errno) : "found?!");

    if (write(to_stranger[1], &sh.shmid, sizeof sh.shmid) != (ssize_t) sizeof sh.shmid)
        die("write");
    char ok = 'n';
    if (read(from_stranger[0], &ok, 1) != 1)
        die("read");
    show(ok == 'y' ? "5. a process that has only the id: shmat(id) still works on Linux"
                   : "5. a process that has only the id: shmat(id) failed");

    if (shared_join(key, 4096, &again) == -1)
        die("shared_join (again)");
    ids[nids++] = again.shmid;
    show("6. shared_join with the old key: a new, different segment");

    if (write(to_stranger[1], &sh.shmid, sizeof sh.shmid) == -1 || waitpid(pid, NULL, 0) == -1 ||
        shmdt(second) == -1)
        die("stranger leaves, shmdt");
    show("7. the stranger and our second attachment detach");

    int gone = shared_leave(&sh);
    show(gone == 1 ? "8. shared_leave: the last detach; the kernel frees the marked segment"
                   : "8. shared_leave: still attached somewhere");
    struct seg_status st;
    if (shm_status(ids[0], &st) == -1)                  /* freed: EINVAL */
        printf("  shm_status(%d): -1, %s\n", ids[0], strerror(errno));

    if (shared_leave(&again) == -1)
        die("shared_leave");
    show("9. shared_leave of the new one: the last one out removes it");
    return 0;
}
