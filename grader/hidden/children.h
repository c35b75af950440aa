/* children.h — the child processes a hidden test started and has not
   reaped yet.  track() a child when it starts, untrack() it once reaped; the
   teardown's kill_children() kills the rest (each leads its own process
   group, so its own children go too) and reaps them: a failed test leaves
   no process behind. */
#ifndef SHMLAB_CHILDREN_H
#define SHMLAB_CHILDREN_H

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "labtest.h"

#define MAX_KIDS 8
static pid_t kids[MAX_KIDS];

static void track(pid_t pid)
{
    for (int i = 0; i < MAX_KIDS; i++)
        if (kids[i] == 0) {
            kids[i] = pid;
            return;
        }
    ck_abort_msg("test bug: more than %d children", MAX_KIDS);
}

static void untrack(pid_t pid)
{
    for (int i = 0; i < MAX_KIDS; i++)
        if (kids[i] == pid)
            kids[i] = 0;
}

static void kill_children(void)
{
    for (int i = 0; i < MAX_KIDS; i++)
        if (kids[i] > 0) {
            kill(-kids[i], SIGKILL);
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
            kids[i] = 0;
        }
}

#endif
