/* common.h — helpers shared by lab 03's public tests and the grader's hidden
   ones: the fixture (a fresh folder, on tmpfs when there is one, and the
   segments the test made, removed by id and by key whatever the code under
   test did), making files, counting a folder's entries, expecting -1 with an
   errno, waiting for a child with a deadline, ftok_collide in a child with a
   deadline, and making segments (with seg_create, or someone else's).

   Everything is static: each test file (and each test, in its own process)
   has its own copy of the bookkeeping. */
#ifndef LAB03_TESTS_COMMON_H
#define LAB03_TESTS_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"

static char dir[4096];          /* the test's folder; "" when none */

/* Segments to remove in teardown, by id and by key, whatever the code under
   test did with them. */
#define MAX_TRACKED 16
static int tracked_ids[MAX_TRACKED], ntracked_ids;
static key_t tracked_keys[MAX_TRACKED];
static int ntracked_keys;

static inline void track_id(int shmid)
{
    if (shmid >= 0 && ntracked_ids < MAX_TRACKED)
        tracked_ids[ntracked_ids++] = shmid;
}

static inline void track_key(key_t key)
{
    if (key != IPC_PRIVATE && key != (key_t) -1 && ntracked_keys < MAX_TRACKED)
        tracked_keys[ntracked_keys++] = key;
}

/* tmpfs when we can: the filesystem whose inode numbers the handout
   measured (handed out in increasing order, never reused at once). */
static inline const char *tmp_base(void)
{
    struct statfs sf;
    if (statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC && access("/dev/shm", W_OK | X_OK) == 0)
        return "/dev/shm";
    const char *t = getenv("TMPDIR");
    return t != NULL && t[0] == '/' && strlen(t) < 200 ? t : "/tmp";
}

static inline void remove_folder(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *e;
        char p[4352];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            if (unlink(p) == -1)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static inline void setup(void)
{
    ntracked_ids = ntracked_keys = 0;
    snprintf(dir, sizeof dir, "%s/shmlab-03-XXXXXX", tmp_base());
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp(%s): %s", dir, strerror(errno));
}

/* Never asserts: a failure here would hide the test's own message. */
static inline void teardown(void)
{
    for (int i = 0; i < ntracked_keys; i++) {
        int id = shmget(tracked_keys[i], 0, 0);
        if (id != -1)
            shmctl(id, IPC_RMID, NULL);
    }
    for (int i = 0; i < ntracked_ids; i++)
        shmctl(tracked_ids[i], IPC_RMID, NULL);        /* fails if already gone: fine */
    if (dir[0] != '\0')
        remove_folder(dir);
    dir[0] = '\0';
}

/* dir/name, created empty; returns the path in a static buffer per slot. */
static inline const char *make_file(int slot, const char *name)
{
    static char paths[4][4352];
    ck_assert_msg(slot >= 0 && slot < 4, "test bug: slot %d", slot);
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
    int fd = open(paths[slot], O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "open(%s): %s", paths[slot], strerror(errno));
    close(fd);
    return paths[slot];
}

static inline int count_entries(const char *path)
{
    int n = 0;
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "opendir(%s): %s", path, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ftok_collide(...) in a child with a deadline: a search that never ends
   fails the test (and the teardown still removes the files) instead of
   timing out.  Same arguments and result; errno as the call left it. */
static inline int collide_bounded(const char *d, int proj_id, long max_files, char *a, char *b, size_t len)
{
    struct reply {
        int rc, err;
        char a[4352], b[4352];
    };
    static struct reply rep;
    int fd[2];
    ck_assert_msg(len <= sizeof rep.a, "test bug: len %zu", len);
    ck_assert_msg(pipe(fd) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        memset(&rep, 0, sizeof rep);
        errno = 0;
        rep.rc = ftok_collide(d, proj_id, max_files, a ? rep.a : NULL, b ? rep.b : NULL, len);
        rep.err = errno;
        _exit(write(fd[1], &rep, sizeof rep) == (ssize_t) sizeof rep ? 0 : 3);
    }
    close(fd[1]);
    int status, ended = wait_deadline(pid, LABTEST_PATIENCE_S * 3 / 2, &status);
    if (!ended) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    memset(&rep, 0, sizeof rep);
    ssize_t n = ended ? read(fd[0], &rep, sizeof rep) : 0;
    close(fd[0]);
    ck_assert_msg(ended, "ftok_collide(max_files %ld): expected it to return, still running after %d s",
                  max_files, LABTEST_PATIENCE_S * 3 / 2);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == (ssize_t) sizeof rep,
                  "ftok_collide(max_files %ld) in a child: expected it to return, got %s %d", max_files,
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    if (a != NULL)
        memcpy(a, rep.a, len);
    if (b != NULL)
        memcpy(b, rep.b, len);
    errno = rep.err;
    return rep.rc;
}

/* seg_create, recording what it made so the teardown can remove it. */
static inline void create_ok(const char *path, int proj_id, size_t size, struct seg *s)
{
    s->shmid = -1;
    s->hdr = NULL;
    errno = 0;
    int rc = seg_create(path, proj_id, size, s);
    int err = errno;
    track_id(s->shmid);
    track_key(ftok(path, proj_id));
    ck_assert_msg(rc == 0, "seg_create(%s, %d, %zu): expected 0, got %d (errno %d, %s)",
                  path, proj_id, size, rc, err, strerror(err));
    ck_assert_msg(s->shmid >= 0 && s->hdr != NULL && s->data != NULL,
                  "seg_create returned 0 but shmid is %d, hdr %p, data %p",
                  s->shmid, (void *) s->hdr, s->data);
}

/* Segment id must be gone: IPC_STAT fails with EINVAL. */
static inline void expect_segment_gone(int id, const char *what)
{
    struct shmid_ds ds;
    expect_fail(shmctl(id, IPC_STAT, &ds), EINVAL, what);
}

/* Someone else's segment of `size` bytes under ftok(path, proj_id), made with
   plain shmget and recorded so the teardown removes it; its id. */
static inline int foreign_segment(const char *path, int proj_id, size_t size)
{
    key_t key = ftok(path, proj_id);
    track_key(key);
    int id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_msg(id != -1, "shmget: %s", strerror(errno));
    track_id(id);
    return id;
}

#endif
