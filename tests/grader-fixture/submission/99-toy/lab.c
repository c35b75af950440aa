/* lab.c — the fixture's "student": toy(mode) misbehaves in one way per
   mode, and prints a fake Check summary every time (which must not count). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

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
    }
    return 0;
}
