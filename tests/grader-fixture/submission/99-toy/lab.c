/* lab.c — the fixture's "student": toy(mode) misbehaves in one way per
   mode, and prints a fake Check summary every time (which must not count). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

/* Take memory 64 MiB at a time until malloc says no; then give it all back
   and report the failure.  One word of each block is touched (the list
   link): the address-space limit is what stops it, so touching every page
   would only make the test's length depend on the machine (2 GiB of page
   faults under valgrind outran the time limit on a slower CPU). */
static int hog(void)
{
    void **blocks = NULL;
    for (;;) {
        void **b = malloc(64 << 20);
        if (b == NULL)
            break;
        b[0] = blocks;
        blocks = b;
    }
    while (blocks != NULL) {
        void **next = blocks[0];
        free(blocks);
        blocks = next;
    }
    return 1;
}

/* Valgrind's preloaded helpers are in this process's maps (no client
   request: inline assembly is refused before compiling). */
static int under_valgrind(void)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, "vgpreload") != NULL;
    if (f != NULL)
        fclose(f);
    return found;
}

int toy(int mode)
{
    printf("100%%: Checks: 11, Failures: 0, Errors: 0\n");
    switch (mode) {
    case 1: return 1;                                              /* fail */
    case 2: { volatile int *p = NULL; return *p; }                 /* crash */
    case 3: { char *p = malloc(100); p[0] = 1; p = NULL; return 0; } /* leak */
    case 4: return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) == -1; /* ipc leak */
    case 5: for (;;) { }                                           /* timeout */
    case 6: exit(0);                                               /* no result */
    case 7: {  /* the child returns into the test too, and fails it there */
        pid_t child = fork();
        if (child == 0)
            return 1;
        waitpid(child, NULL, 0);
        return 0;
    }
    case 8: { char *p = malloc(4); p[4] = 1; free(p); return 0; }  /* bad write */
    case 9: abort();                                               /* crash */
    case 10: for (;;) fork();                                      /* fork bomb */
    case 11: return hog();                                         /* memory hog */
    case 12: kill(getppid(), SIGKILL); return 1;                   /* kill the supervisor */
    case 13: close(STDOUT_FILENO); close(STDERR_FILENO); return 0; /* harmless */
    case 14: /* tamper with the results two and three folders up */
        unlink("../../../results.json");
        unlink("../../../results.tsv");
        return (open("../../../results.tsv", O_WRONLY | O_CREAT | O_TRUNC, 0644) == -1) ? 0 : 0;
    case 15: return semget(IPC_PRIVATE, 3, IPC_CREAT | 0600) == -1; /* semaphore set leak */
    case 17: { /* take a semaphore and sleep holding it */
        int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
        struct sembuf take = { 0, -1, SEM_UNDO }, give = { 0, 1, 0 };
        if (id == -1 || semop(id, &give, 1) == -1 || semop(id, &take, 1) == -1)
            return 1;
        sleep(1000);
        return 0;
    }
    case 18: /* notice valgrind and stall, hoping to escape the memory check */
        while (under_valgrind())
            sleep(1);
        return 0;
    case 16: /* remove every System V object this process can see, then pass */
        for (int id = 0; id < 65536; id++)
            shmctl(id, IPC_RMID, NULL);
        return 0;
    }
    return 0;
}
