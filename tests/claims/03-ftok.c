/* 03-ftok.c — the claims of handouts/en/03-ftok.md, checked on this machine:
   what glibc's ftok(3) computes, how it fails, and what the filesystem does
   to the key.  Each test's comment names the handout section it backs.

   Files are made in one fresh folder under /dev/shm (the tmpfs whose inode
   numbering the handout measured) and removed.  Runs natively, in the
   host's IPC namespace: the one segment it may make (key 0xffffffff) is
   made with IPC_EXCL and removed again.

   $ cc -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread \
        tests/claims/03-ftok.c $(pkg-config --cflags --libs check) -o claims-03
   $ ./claims-03                     # exit 0: every claim holds */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/dev/shm/shmlab-claims-03-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp(%s): %s", dir, strerror(errno));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (unlink(p) == -1)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static const char *file(const char *name)
{
    static char p[4][256];
    static int next;
    char *path = p[next++ % 4];
    snprintf(path, sizeof p[0], "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "open(%s): %s", path, strerror(errno));
    close(fd);
    return path;
}

static struct stat stat_of(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "stat(%s): %s", path, strerror(errno));
    return st;
}

/* Background, "What ftok computes": the key is proj_id & 0xff in bits
   31..24, st_dev & 0xff in bits 23..16, st_ino & 0xffff in bits 15..0. */
START_TEST(ftok_packs_three_fields)
{
    const char *paths[] = { "/", "/etc/passwd", dir, file("f") };
    const int projs[] = { 1, 'A', 0xff };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        for (size_t j = 0; j < sizeof projs / sizeof *projs; j++) {
            struct stat st = stat_of(paths[i]);
            unsigned want = ((unsigned) projs[j] & 0xffU) << 24 | ((unsigned) st.st_dev & 0xffU) << 16 |
                            ((unsigned) st.st_ino & 0xffffU);
            key_t got = ftok(paths[i], projs[j]);
            ck_assert_msg((unsigned) got == want, "ftok(%s, %#x): expected %#010x, got %#010x", paths[i], projs[j],
                          want, (unsigned) got);
        }
}
END_TEST

/* Background, "What ftok computes": only 8 bits of proj_id are used: 1 and
   257 give one key, so do 0 and 256.  glibc accepts 0 (the man page asks
   for nonzero) and the key's top byte is then 0. */
START_TEST(ftok_uses_low_8_bits_of_proj_id)
{
    const char *p = file("g");
    ck_assert_msg(ftok(p, 1) == ftok(p, 257), "ftok(p, 1) vs ftok(p, 257): expected one key");
    ck_assert_msg(ftok(p, 0) == ftok(p, 256), "ftok(p, 0) vs ftok(p, 256): expected one key");
    key_t k0 = ftok(p, 0);
    ck_assert_msg(k0 != (key_t) -1 && ((unsigned) k0 >> 24) == 0,
                  "ftok(p, 0): expected glibc to accept it with top byte 0, got %#010x", (unsigned) k0);
}
END_TEST

/* Background, "How ftok fails": a missing path (or "") is -1 with ENOENT, a
   path through a plain file ENOTDIR: stat(2)'s errors. */
START_TEST(ftok_fails_as_stat_does)
{
    char below[256], missing[256];
    snprintf(below, sizeof below, "%s/below", file("plain"));
    snprintf(missing, sizeof missing, "%s/missing", dir);
    errno = 0;
    ck_assert_msg(ftok(missing, 1) == (key_t) -1 && errno == ENOENT, "ftok(missing): expected -1/ENOENT, got %s",
                  strerror(errno));
    errno = 0;
    ck_assert_msg(ftok("", 1) == (key_t) -1 && errno == ENOENT, "ftok(\"\"): expected -1/ENOENT, got %s",
                  strerror(errno));
    errno = 0;
    ck_assert_msg(ftok(below, 1) == (key_t) -1 && errno == ENOTDIR,
                  "ftok(file/below): expected -1/ENOTDIR, got %s",
                  strerror(errno));
}
END_TEST

/* Background, "How ftok fails": the file's own permission bits do not
   matter (stat needs none): a file with mode 000 has a key like any other. */
START_TEST(ftok_ignores_file_permissions)
{
    const char *p = file("locked");
    key_t before = ftok(p, 'p');
    ck_assert_msg(chmod(p, 0) == 0, "chmod: %s", strerror(errno));
    key_t after = ftok(p, 'p');
    ck_assert_msg(after != (key_t) -1 && after == before, "ftok of a mode-000 file: expected its key %#010x, got"
                  " %#010x (%s)", (unsigned) before, (unsigned) after, strerror(errno));
}
END_TEST

/* Background, "How ftok fails", and Common misconceptions (seed 003 passes
   ftok's result on unchecked): (key_t) -1 is an
   ordinary key, 0xffffffff, not IPC_PRIVATE and not an error: shmget
   accepts it, so every program that ignores ftok's failure shares one
   segment.  (IPC_EXCL: if someone already has it, EEXIST proves the same.) */
START_TEST(minus_one_is_an_ordinary_key)
{
    errno = 0;
    int id = shmget((key_t) -1, 4096, IPC_CREAT | IPC_EXCL | 0600);
    int err = errno;
    if (id != -1)
        shmctl(id, IPC_RMID, NULL);
    ck_assert_msg(id != -1 || err == EEXIST, "shmget((key_t) -1, IPC_CREAT|IPC_EXCL): expected a segment (or"
                  " EEXIST: one exists), got %s", strerror(err));
    ck_assert_msg((key_t) -1 != IPC_PRIVATE, "expected (key_t) -1 to differ from IPC_PRIVATE");
}
END_TEST

/* Background, "What ftok computes": ftok follows symbolic links, and hard
   links and renames keep the key: it names an inode, not a path. */
START_TEST(ftok_names_the_inode_not_the_path)
{
    const char *t = file("target");
    char s[256], h[256], r[256];
    snprintf(s, sizeof s, "%s/sym", dir);
    snprintf(h, sizeof h, "%s/hard", dir);
    snprintf(r, sizeof r, "%s/renamed", dir);
    ck_assert_msg(symlink(t, s) == 0 && link(t, h) == 0, "symlink/link: %s", strerror(errno));
    key_t k = ftok(t, 'k');
    ck_assert_msg(ftok(s, 'k') == k && ftok(h, 'k') == k, "symlink and hard link: expected the target's key");
    ck_assert_msg(rename(t, r) == 0 && ftok(r, 'k') == k, "after rename: expected the same key");
}
END_TEST

/* Background, "A re-created file" (measured): on tmpfs a file removed and
   made again at once gets a new inode number, hence a new key. */
START_TEST(tmpfs_recreate_gets_new_inode_and_key)
{
    struct statfs sf;
    ck_assert_msg(statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC, "/dev/shm: expected tmpfs");
    const char *p = file("again");
    struct stat before = stat_of(p);
    key_t k1 = ftok(p, 'r');
    ck_assert_msg(unlink(p) == 0, "unlink: %s", strerror(errno));
    p = file("again");
    struct stat after = stat_of(p);
    ck_assert_msg(after.st_ino != before.st_ino, "tmpfs, rm + create at once: expected a new inode, got %lu again",
                  (unsigned long) after.st_ino);
    ck_assert_msg(ftok(p, 'r') != k1, "tmpfs, rm + create at once: expected a new key, got %#010x again",
                  (unsigned) k1);
}
END_TEST

/* Background, "Collisions": in one folder (one device) the keys differ only
   in 16 bits of inode, so 65537 files always hold two with one key, and
   their inode numbers are a multiple of 65536 apart. */
START_TEST(collision_within_65537_files)
{
    static long owner[65536];
    for (long i = 0; i < 65536; i++)
        owner[i] = -1;
    char p[256];
    long found = -1, other = -1, first_ino = 0, second_ino = 0;
    for (long i = 0; i <= 65536 && found == -1; i++) {
        snprintf(p, sizeof p, "%s/c%06ld", dir, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
        ck_assert_msg(fd != -1, "open(%s): %s", p, strerror(errno));
        struct stat st;
        ck_assert_msg(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
        close(fd);
        long slot = (long) ((unsigned) ftok(p, 'c') & 0xffffU);
        if (owner[slot] != -1) {
            char q[256];
            snprintf(q, sizeof q, "%s/c%06ld", dir, owner[slot]);
            if (ftok(q, 'c') == ftok(p, 'c')) {
                found = i;
                other = owner[slot];
                first_ino = (long) stat_of(q).st_ino;
                second_ino = (long) st.st_ino;
            }
        }
        owner[slot] = i;
    }
    ck_assert_msg(found != -1, "65537 files in one folder: expected two with one key");
    ck_assert_msg((second_ino - first_ino) % 65536 == 0, "the pair's inodes: expected 65536*n apart, got %ld",
                  second_ino - first_ino);
    ck_assert_msg(found - other <= 65536, "the pair: expected it within 65537 files, got %ld apart",
                  found - other);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("03-ftok claims");
    TCase *tc = tcase_create("Core");
    /* Unchecked: the folder is made and removed by this process, so it goes
       even when a test (run in a child) fails half-way. */
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, ftok_packs_three_fields);
    tcase_add_test(tc, ftok_uses_low_8_bits_of_proj_id);
    tcase_add_test(tc, ftok_fails_as_stat_does);
    tcase_add_test(tc, ftok_ignores_file_permissions);
    tcase_add_test(tc, minus_one_is_an_ordinary_key);
    tcase_add_test(tc, ftok_names_the_inode_not_the_path);
    tcase_add_test(tc, tmpfs_recreate_gets_new_inode_and_key);
    tcase_add_test(tc, collision_within_65537_files);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
