/* hidden.c — Lab 03's hidden tests: the thorough ones.

   Core:    ftok follows the file (links, renames, re-creation), not the
            name; ftok_collide names its pair and leaves others' files alone;
            a segment is shared between processes; a re-created file never
            gets a stale segment; a forged identity is caught.
   Errors:  ftok's errors are stat's; ftok_collide's argument checks, its
            EEXIST and EAGAIN; seg_open's checks in lab.h's order; seg_create
            refuses a taken key and bad arguments without leaving anything.
   Cleanup: seg_close keeps the segment, seg_remove frees the key while
            another handle still reads it.

   The fixture and helpers are the public tests' own, from tests/common.h. */
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
#include "tests/common.h"

/* ---- Helpers ---------------------------------------------------------- */

static unsigned long nattch_of(int shmid)
{
    struct shmid_ds ds;
    ck_assert_msg(shmctl(shmid, IPC_STAT, &ds) == 0, "IPC_STAT of segment %d: expected it to exist, got %s",
                  shmid, strerror(errno));
    return (unsigned long) ds.shm_nattch;
}

/* A refused seg_open must leave *s cleared and the segment attached only
   `want` times (the attachments the test made itself). */
static void expect_refused(struct seg *s, int shmid, unsigned long want, const char *what)
{
    ck_assert_msg(s->shmid == -1 && s->hdr == NULL,
                  "%s: expected shmid -1 and hdr NULL after the refusal, got %d and %p",
                  what, s->shmid, (void *) s->hdr);
    unsigned long n = nattch_of(shmid);
    ck_assert_msg(n == want, "%s: expected the segment attached %lu time(s) after the refusal, got %lu"
                  " (seg_open must detach what it refuses)", what, want, n);
}

static void open_ok(const char *path, int proj_id, size_t size, struct seg *s, const char *what)
{
    errno = 0;
    int rc = seg_open(path, proj_id, size, s);
    int err = errno;
    ck_assert_msg(rc == 0, "%s: expected 0, got %d (errno %d, %s)", what, rc, err, strerror(err));
    ck_assert_msg(s->hdr != NULL && s->data != NULL, "%s: returned 0 but hdr %p, data %p",
                  what, (void *) s->hdr, s->data);
}

/* Wait up to LABTEST_PATIENCE_S for child pid; kill it if it is still there. */
static int wait_child(pid_t pid)
{
    int status;
    if (!wait_deadline(pid, LABTEST_PATIENCE_S, &status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_abort_msg("child: expected it to finish, still running after %d s", LABTEST_PATIENCE_S);
    }
    return status;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(ftok_follows_the_file_not_the_name)
{
    const char *t = make_file(0, "target");
    char s[4352], h[4352], t2[4352], d[4352];
    snprintf(s, sizeof s, "%s/symlink", dir);
    snprintf(h, sizeof h, "%s/hardlink", dir);
    snprintf(t2, sizeof t2, "%s/renamed", dir);
    snprintf(d, sizeof d, "%s/folder", dir);
    ck_assert_msg(symlink("target", s) == 0 && link(t, h) == 0 && mkdir(d, 0700) == 0,
                  "symlink/link/mkdir: %s", strerror(errno));

    key_t k = lab_ftok(t, 'L');
    ck_assert_msg(k != (key_t) -1 && k == ftok(t, 'L'), "lab_ftok(target): expected glibc's %#010x, got %#010x",
                  (unsigned) ftok(t, 'L'), (unsigned) k);
    ck_assert_msg(lab_ftok(s, 'L') == k, "lab_ftok(a symbolic link): expected its target's key %#010x, got"
                  " %#010x (ftok follows links: stat, not lstat)", (unsigned) k, (unsigned) lab_ftok(s, 'L'));
    ck_assert_msg(lab_ftok(h, 'L') == k, "lab_ftok(a hard link): expected the same file's key %#010x, got %#010x",
                  (unsigned) k, (unsigned) lab_ftok(h, 'L'));
    ck_assert_msg(lab_ftok(d, 'L') == ftok(d, 'L'), "lab_ftok(a folder): expected glibc's %#010x, got %#010x",
                  (unsigned) ftok(d, 'L'), (unsigned) lab_ftok(d, 'L'));

    /* The name is not in the key: a renamed file keeps it... */
    ck_assert_msg(rename(t, t2) == 0, "rename: %s", strerror(errno));
    ck_assert_msg(lab_ftok(t2, 'L') == k, "lab_ftok after rename: expected the same key %#010x, got %#010x",
                  (unsigned) k, (unsigned) lab_ftok(t2, 'L'));
    /* ...a link to the old name now leads nowhere... */
    expect_fail(lab_ftok(s, 'L'), ENOENT, "lab_ftok of a symbolic link whose target was renamed away");
    /* ...and a new file under the old name has a key of its own inode
       (whether the filesystem reused the old inode number or not). */
    t = make_file(1, "target");
    ck_assert_msg(lab_ftok(t, 'L') == ftok(t, 'L'),
                  "lab_ftok of a new file under an old name: expected glibc's %#010x, got %#010x",
                  (unsigned) ftok(t, 'L'), (unsigned) lab_ftok(t, 'L'));
}
END_TEST

START_TEST(collide_keeps_others_files_and_names_the_pair)
{
    const char *other = make_file(0, "other.txt");
    make_file(1, "ftok-notes");
    char a[4352] = "", b[4352] = "";
    errno = 0;
    int rc = collide_bounded(dir, 300, COLLIDE_ENOUGH, a, b, sizeof a);
    int err = errno;
    ck_assert_msg(rc == 0, "ftok_collide(dir, 300, COLLIDE_ENOUGH, ...) in a folder with two other files:"
                  " expected 0, got %d (errno %d, %s)", rc, err, strerror(err));
    long ia = -1, ib = -1;
    char tail[8];
    size_t n = strlen(dir);
    ck_assert_msg(strncmp(a, dir, n) == 0 && sscanf(a + n, "/ftok-%6ld%1s", &ia, tail) == 1 &&
                  strncmp(b, dir, n) == 0 && sscanf(b + n, "/ftok-%6ld%1s", &ib, tail) == 1 &&
                  strlen(a) == n + 12 && strlen(b) == n + 12,
                  "ftok_collide: expected DIR/ftok-NNNNNN twice, got \"%s\" and \"%s\"", a, b);
    ck_assert_msg(ia < ib, "ftok_collide: expected the older file in a, got a=%ld b=%ld", ia, ib);
    key_t ka = ftok(a, 300), kb = ftok(b, 300);
    ck_assert_msg(ka != (key_t) -1 && ka == kb && ((unsigned) ka >> 24) == (300U & 0xffU),
                  "glibc's ftok(..., 300) of the pair: expected one key with top byte %#x, got %#010x and %#010x",
                  300U & 0xffU, (unsigned) ka, (unsigned) kb);
    ck_assert_msg(access(other, F_OK) == 0, "ftok_collide removed a file it did not make (other.txt)");
    int entries = count_entries(dir);
    ck_assert_msg(entries == 4, "after ftok_collide: expected 4 files (2 of ours, the pair), found %d", entries);
}
END_TEST

START_TEST(seg_shared_between_processes)
{
    const char *p = make_file(0, "shared");
    struct seg w;
    create_ok(p, 'P', 128, &w);
    pid_t pid = fork();
    ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* The child finds the segment by path, like a stranger would (its lab
           process still has the attachment it inherited: harmless here). */
        struct seg r;
        if (seg_open(p, 'P', 128, &r) != 0)
            _exit(1);
        lt_put_str(r.data, "from the child");
        _exit(seg_close(&r) == 0 ? 0 : 2);
    }
    int status = wait_child(pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child: expected seg_open and seg_close to succeed (exit 0), got %s %d"
                  " (1: seg_open failed, 2: seg_close failed)",
                  WIFSIGNALED(status) ? "signal" : "exit",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    ck_assert_msg(strcmp(lt_get_str(w.data, 64), "from the child") == 0,
                  "the payload after the child wrote: expected \"from the child\", got \"%.40s\"",
                  lt_get_str(w.data, 64));
}
END_TEST

START_TEST(seg_open_after_recreate_never_trusts_a_stale_key)
{
    const char *p = make_file(0, "cfg");
    struct stat before, after;
    ck_assert_msg(stat(p, &before) == 0, "stat: %s", strerror(errno));
    struct seg w, r;
    create_ok(p, 'R', 32, &w);
    key_t old_key = ftok(p, 'R');

    /* Remove the file and make it again under the same name.  Whether the
       new file got the old inode number is the filesystem's business (the
       handout measured both ways); the answer must follow from it. */
    ck_assert_msg(unlink(p) == 0, "unlink: %s", strerror(errno));
    p = make_file(1, "cfg");
    ck_assert_msg(stat(p, &after) == 0, "stat: %s", strerror(errno));

    errno = 0;
    int rc = seg_open(p, 'R', 32, &r);
    int err = errno;
    if (after.st_dev == before.st_dev && after.st_ino == before.st_ino) {
        ck_assert_msg(rc == 0, "seg_open after re-creating the file with the same inode: expected 0 (nothing"
                      " can tell), got %d (errno %d, %s)", rc, err, strerror(err));
    } else if (ftok(p, 'R') == old_key) {
        ck_assert_msg(rc == -1 && err == ESTALE, "seg_open after re-creating the file (new inode %lu, same key):"
                      " expected -1/ESTALE, got %d (errno %d, %s)", (unsigned long) after.st_ino, rc, err,
                      strerror(err));
        expect_refused(&r, w.shmid, 1, "seg_open of a re-created file");
    } else {
        ck_assert_msg(rc == -1 && err == ENOENT, "seg_open after re-creating the file (inode %lu -> %lu: a new"
                      " key): expected -1/ENOENT, got %d (errno %d, %s)", (unsigned long) before.st_ino,
                      (unsigned long) after.st_ino, rc, err, strerror(err));
        ck_assert_msg(nattch_of(w.shmid) == 1, "the old segment: expected it untouched, attached once");
    }
}
END_TEST

START_TEST(seg_open_detects_stale_identity)
{
    const char *p = make_file(0, "id");
    struct seg w, r;
    create_ok(p, 'I', 32, &w);

    /* A file 65536 inodes away has the same key: the header must tell. */
    LT_WRITE(w.hdr->ino, LT_READ(w.hdr->ino) + 65536);
    expect_fail(seg_open(p, 'I', 32, &r), ESTALE, "seg_open of a segment made for an inode 65536 away");
    expect_refused(&r, w.shmid, 1, "seg_open, other inode");
    LT_WRITE(w.hdr->ino, LT_READ(w.hdr->ino) - 65536);

    /* ... so has a file on a device whose number ends in the same 8 bits. */
    LT_WRITE(w.hdr->dev, LT_READ(w.hdr->dev) + 256);
    expect_fail(seg_open(p, 'I', 32, &r), ESTALE, "seg_open of a segment made for a device 256 away");
    expect_refused(&r, w.shmid, 1, "seg_open, other device");
    LT_WRITE(w.hdr->dev, LT_READ(w.hdr->dev) - 256);

    /* ... and the same file with a proj_id 256 away. */
    expect_fail(seg_open(p, 'I' + 256, 32, &r), ESTALE, "seg_open with proj_id 'I'+256 (same key, other proj_id)");
    expect_refused(&r, w.shmid, 1, "seg_open, other proj_id");

    open_ok(p, 'I', 32, &r, "seg_open with the header restored");
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(ftok_errors_follow_stat)
{
    const char *f = make_file(0, "plain");
    char below[4352];
    snprintf(below, sizeof below, "%s/below", f);
    expect_fail(lab_ftok(NULL, 1), EINVAL, "lab_ftok(NULL, 1)");
    expect_fail(lab_ftok("", 1), ENOENT, "lab_ftok(\"\", 1)");
    expect_fail(lab_ftok(below, 1), ENOTDIR, "lab_ftok of a path through a plain file");
    expect_fail(ftok(below, 1), ENOTDIR, "glibc's ftok of a path through a plain file");
}
END_TEST

START_TEST(collide_rejects_bad_arguments)
{
    char a[4352], b[4352], missing[4352];
    expect_fail(collide_bounded(NULL, 1, 10, a, b, sizeof a), EINVAL, "ftok_collide(NULL dir)");
    expect_fail(collide_bounded(dir, 1, 10, NULL, b, sizeof a), EINVAL, "ftok_collide(NULL a)");
    expect_fail(collide_bounded(dir, 1, 10, a, NULL, sizeof a), EINVAL, "ftok_collide(NULL b)");
    expect_fail(collide_bounded(dir, 1, 1, a, b, sizeof a), EINVAL, "ftok_collide(max_files 1)");
    expect_fail(collide_bounded(dir, 1, COLLIDE_MAX_FILES + 1, a, b, sizeof a), EINVAL,
                "ftok_collide(max_files COLLIDE_MAX_FILES + 1)");
    /* dir + "/ftok-000000" + '\0' needs strlen(dir) + 13 bytes. */
    expect_fail(collide_bounded(dir, 1, 10, a, b, strlen(dir) + 12), ERANGE, "ftok_collide(len one byte short)");
    ck_assert_msg(count_entries(dir) == 0, "after a rejected ftok_collide: expected no file made, found %d",
                  count_entries(dir));
    snprintf(missing, sizeof missing, "%s/missing", dir);
    expect_fail(collide_bounded(missing, 1, 10, a, b, sizeof a), ENOENT, "ftok_collide in a missing folder");

    /* Someone's file under the second name: EEXIST, and it is not ours to remove. */
    const char *theirs = make_file(0, "ftok-000001");
    int fd = open(theirs, O_WRONLY);
    ck_assert_msg(fd != -1 && write(fd, "keep", 4) == 4, "write: %s", strerror(errno));
    close(fd);
    expect_fail(collide_bounded(dir, 1, COLLIDE_ENOUGH, a, b, sizeof a), EEXIST,
                "ftok_collide when ftok-000001 already exists");
    struct stat st;
    ck_assert_msg(stat(theirs, &st) == 0 && st.st_size == 4,
                  "ftok_collide: expected the file it did not make left alone (4 bytes)");
    ck_assert_msg(count_entries(dir) == 1, "after ftok_collide failed: expected only the other file left,"
                  " found %d files", count_entries(dir));
}
END_TEST

START_TEST(collide_gives_up_after_max_files)
{
    struct statfs sf;
    ck_assert_msg(statfs(dir, &sf) == 0, "statfs: %s", strerror(errno));
    char a[4352], b[4352];
    errno = 0;
    int rc = collide_bounded(dir, 1, 100, a, b, sizeof a);
    int err = errno;
    if (sf.f_type == TMPFS_MAGIC) {
        /* tmpfs numbers inodes in increasing order: 100 new files have 100
           distinct low 16 bits, so no collision is possible. */
        ck_assert_msg(rc == -1 && err == EAGAIN, "ftok_collide(max_files 100) on tmpfs: expected -1/EAGAIN,"
                      " got %d (errno %d, %s)", rc, err, strerror(err));
        ck_assert_msg(count_entries(dir) == 0, "after ftok_collide gave up: expected every file it made"
                      " removed, found %d", count_entries(dir));
    } else if (rc == 0) {
        ck_assert_msg(ftok(a, 1) == ftok(b, 1), "ftok_collide(max_files 100) returned a pair with two keys");
    } else {
        ck_assert_msg(err == EAGAIN && count_entries(dir) == 0,
                      "ftok_collide(max_files 100): expected EAGAIN and nothing left, got errno %d and %d files",
                      err, count_entries(dir));
    }
}
END_TEST

START_TEST(seg_open_checks_magic_version_size)
{
    /* Too small to hold a header at all. */
    const char *tiny = make_file(0, "tiny");
    int id = foreign_segment(tiny, 'M', 8);
    struct seg w, r;
    expect_fail(seg_open(tiny, 'M', 8, &r), EBADMSG, "seg_open of an 8-byte segment");
    expect_refused(&r, id, 0, "seg_open of an 8-byte segment");

    const char *p = make_file(1, "v");
    create_ok(p, 'V', 32, &w);
    LT_WRITE(w.hdr->version, SEG_VERSION + 1);
    expect_fail(seg_open(p, 'V', 32, &r), EPROTONOSUPPORT, "seg_open of a segment with version SEG_VERSION + 1");
    expect_refused(&r, w.shmid, 1, "seg_open, other version");
    LT_WRITE(w.hdr->magic, LT_READ(w.hdr->magic) ^ 1);
    expect_fail(seg_open(p, 'V', 32, &r), EBADMSG, "seg_open, wrong magic and version (magic is checked first)");
    LT_WRITE(w.hdr->magic, LT_READ(w.hdr->magic) ^ 1);
    LT_WRITE(w.hdr->ino, LT_READ(w.hdr->ino) + 65536);
    expect_fail(seg_open(p, 'V', 32, &r), EPROTONOSUPPORT,
                "seg_open, wrong version and identity (version is checked first)");
    LT_WRITE(w.hdr->version, SEG_VERSION);
    expect_fail(seg_open(p, 'V', 16, &r), ESTALE, "seg_open, wrong identity and size (identity is checked first)");
    LT_WRITE(w.hdr->ino, LT_READ(w.hdr->ino) - 65536);

    expect_fail(seg_open(p, 'V', 16, &r), EMSGSIZE, "seg_open asking for 16 bytes of a 32-byte segment");
    expect_refused(&r, w.shmid, 1, "seg_open, other size");
    LT_WRITE(w.hdr->size, 1 << 20);
    expect_fail(seg_open(p, 'V', 1 << 20, &r), EMSGSIZE,
                "seg_open of a header claiming 1 MiB in a segment of 32 bytes");
    expect_refused(&r, w.shmid, 1, "seg_open, header larger than the segment");
    LT_WRITE(w.hdr->size, 32);
    open_ok(p, 'V', 32, &r, "seg_open with the header restored");
}
END_TEST

START_TEST(seg_create_refuses_taken_key)
{
    const char *p = make_file(0, "taken");
    int id = foreign_segment(p, 'T', 4096);
    char *mine = shmat(id, NULL, 0);
    ck_assert_msg(mine != (void *) -1, "shmat: %s", strerror(errno));
    strcpy(mine, "precious");

    struct seg s;
    expect_fail(seg_create(p, 'T', 64, &s), EEXIST, "seg_create when a segment has the key");
    ck_assert_msg(s.shmid == -1 && s.hdr == NULL, "after a refused seg_create: expected shmid -1 and hdr NULL,"
                  " got %d and %p", s.shmid, (void *) s.hdr);
    ck_assert_msg(nattch_of(id) == 1 && strcmp(mine, "precious") == 0,
                  "the segment that had the key: expected it untouched (attached once, \"precious\")");
    shmdt(mine);
}
END_TEST

START_TEST(seg_create_rejects_bad_arguments)
{
    const char *p = make_file(0, "bad");
    char missing[4352];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    struct seg s;
    expect_fail(seg_create(NULL, 1, 16, &s), EINVAL, "seg_create(NULL path)");
    expect_fail(seg_create(p, 1, 16, NULL), EINVAL, "seg_create(NULL s)");
    expect_fail(seg_create(p, 1, 0, &s), EINVAL, "seg_create(size 0)");
    expect_fail(seg_create(p, 0, 16, &s), EINVAL, "seg_create(proj_id 0)");
    expect_fail(seg_create(p, 256, 16, &s), EINVAL, "seg_create(proj_id 256: low 8 bits 0)");
    expect_fail(seg_create(missing, 1, 16, &s), ENOENT, "seg_create of a missing file");
    expect_fail(seg_open(p, 0, 16, &s), EINVAL, "seg_open(proj_id 0)");
    expect_fail(seg_open(p, 1, 16, &s), ENOENT, "seg_open when no segment has the key");
    /* Nothing may have been made under any key those calls could compute. */
    const int projs[] = { 0, 1, 256 };
    for (size_t i = 0; i < sizeof projs / sizeof *projs; i++) {
        key_t key = ftok(p, projs[i]);
        track_key(key);
        errno = 0;
        int id = shmget(key, 0, 0);
        ck_assert_msg(id == -1 && errno == ENOENT, "after only failed calls: expected no segment with key %#010x"
                      " (proj_id %d), found shmid %d", (unsigned) key, projs[i], id);
    }
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(seg_close_keeps_segment_for_next_opener)
{
    const char *p = make_file(0, "keep");
    struct seg w;
    create_ok(p, 'K', 32, &w);
    int id = w.shmid;
    lt_put_str(w.data, "still here");
    ck_assert_msg(seg_close(&w) == 0, "seg_close: expected 0, got -1 (%s)", strerror(errno));
    ck_assert_msg(w.shmid == -1 && w.hdr == NULL && w.data == NULL,
                  "after seg_close: expected shmid -1, hdr and data NULL; got %d, %p, %p", w.shmid,
                  (void *) w.hdr, w.data);
    ck_assert_msg(nattch_of(id) == 0, "after seg_close: expected the segment kept, attached 0 times");
    expect_fail(seg_close(&w), EINVAL, "seg_close of a closed handle");
    expect_fail(seg_close(NULL), EINVAL, "seg_close(NULL)");
    expect_fail(seg_remove(NULL), EINVAL, "seg_remove(NULL)");
    open_ok(p, 'K', 32, &w, "seg_open after seg_close");
    ck_assert_msg(strcmp(lt_get_str(w.data, 64), "still here") == 0, "seg_open after seg_close: expected \"still here\","
                  " got \"%.40s\"", lt_get_str(w.data, 64));
}
END_TEST

START_TEST(seg_remove_while_other_handle_attached)
{
    const char *p = make_file(0, "rm");
    struct seg w, r;
    create_ok(p, 'D', 32, &w);
    int id = w.shmid;
    open_ok(p, 'D', 32, &r, "seg_open of a new segment");
    lt_put_str(w.data, "read me after removal");
    ck_assert_msg(seg_remove(&w) == 0, "seg_remove: expected 0, got -1 (%s)", strerror(errno));
    expect_fail(shmget(ftok(p, 'D'), 0, 0), ENOENT, "shmget of the removed segment's key");
    ck_assert_msg(strcmp(lt_get_str(r.data, 64), "read me after removal") == 0,
                  "the other handle after seg_remove: expected the payload still readable");
    expect_fail(seg_remove(&w), EINVAL, "seg_remove of a removed handle");
    ck_assert_msg(seg_close(&r) == 0, "seg_close of the last handle: expected 0, got -1 (%s)", strerror(errno));
    expect_segment_gone(id, "IPC_STAT once the last handle is closed");
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("03-ftok hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, ftok_follows_the_file_not_the_name);
    tcase_add_test(core, collide_keeps_others_files_and_names_the_pair);
    tcase_add_test(core, seg_shared_between_processes);
    tcase_add_test(core, seg_open_after_recreate_never_trusts_a_stale_key);
    tcase_add_test(core, seg_open_detects_stale_identity);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, ftok_errors_follow_stat);
    tcase_add_test(errors, collide_rejects_bad_arguments);
    tcase_add_test(errors, collide_gives_up_after_max_files);
    tcase_add_test(errors, seg_open_checks_magic_version_size);
    tcase_add_test(errors, seg_create_refuses_taken_key);
    tcase_add_test(errors, seg_create_rejects_bad_arguments);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, seg_close_keeps_segment_for_next_opener);
    tcase_add_test(cleanup, seg_remove_while_other_handle_attached);
    suite_add_tcase(s, cleanup);

    return s;
}
