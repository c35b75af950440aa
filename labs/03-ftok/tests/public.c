/* public.c — Lab 03's public tests: ftok pitfalls, and a segment that says
   whose it is.

   Core:    lab_ftok gives glibc's key and keeps only 8 bits of proj_id;
            ftok_collide finds two files with one key; a segment made by
            seg_create is found and trusted by seg_open.
   Errors:  a missing path is ENOENT; a segment that is not ours is refused.
   Cleanup: seg_remove frees the key.

   Files are made in a fresh folder under /dev/shm (tmpfs) when it is there,
   $TMPDIR or /tmp otherwise, and removed with everything in it (the fixture
   and helpers are in tests/common.h, shared with the grader's hidden tests).

   $ make check LAB=3                        # all public tests, under valgrind
   $ ./runner --run ftok_matches_glibc       # one test (after make check) */
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

/* ---- Core --------------------------------------------------------------- */

START_TEST(ftok_matches_glibc)
{
    const char *paths[] = { "/", dir, make_file(0, "a.txt"), make_file(1, "b.txt") };
    const int projs[] = { 1, 'A', 0x7f, 0xff };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        for (size_t j = 0; j < sizeof projs / sizeof *projs; j++) {
            key_t want = ftok(paths[i], projs[j]);
            ck_assert_msg(want != (key_t) -1, "glibc ftok(%s): %s", paths[i], strerror(errno));
            key_t got = lab_ftok(paths[i], projs[j]);
            ck_assert_msg(got == want, "lab_ftok(\"%s\", %#x): expected glibc's key %#010x, got %#010x",
                          paths[i], projs[j], (unsigned) want, (unsigned) got);
        }
    }
}
END_TEST

START_TEST(ftok_keeps_only_low_8_bits_of_proj_id)
{
    const char *p = make_file(0, "f");
    const int pairs[][2] = { { 1, 257 }, { 0, 256 }, { 'A', 'A' + 512 }, { 0xff, -1 } };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        key_t k0 = lab_ftok(p, pairs[i][0]), k1 = lab_ftok(p, pairs[i][1]);
        ck_assert_msg(k0 != (key_t) -1 && k0 == k1,
                      "lab_ftok(f, %d) and lab_ftok(f, %d): expected one key (only 8 bits of proj_id"
                      " count), got %#010x and %#010x",
                      pairs[i][0], pairs[i][1], (unsigned) k0, (unsigned) k1);
        unsigned top = (unsigned) k0 >> 24;
        ck_assert_msg(top == ((unsigned) pairs[i][0] & 0xffU),
                      "lab_ftok(f, %d): expected the top byte to be %#x, got %#x",
                      pairs[i][0], (unsigned) pairs[i][0] & 0xffU, top);
        ck_assert_msg(k1 == ftok(p, pairs[i][1]), "lab_ftok(f, %d): expected glibc's %#010x, got %#010x",
                      pairs[i][1], (unsigned) ftok(p, pairs[i][1]), (unsigned) k1);
    }
}
END_TEST

START_TEST(collide_finds_two_files_with_one_key)
{
    /* One folder is one device, so the keys differ only in 16 bits of the
       inode: COLLIDE_ENOUGH files always hold two with one key. */
    char a[4352] = "", b[4352] = "";
    errno = 0;
    int rc = collide_bounded(dir, 'C', COLLIDE_ENOUGH, a, b, sizeof a);
    int err = errno;
    ck_assert_msg(rc == 0, "ftok_collide(dir, 'C', COLLIDE_ENOUGH, ...): expected 0 (a collision is"
                  " certain within %ld files), got %d (errno %d, %s)", COLLIDE_ENOUGH, rc, err, strerror(err));
    ck_assert_msg(strncmp(a, dir, strlen(dir)) == 0 && strncmp(b, dir, strlen(dir)) == 0,
                  "ftok_collide: expected two paths in %s, got \"%s\" and \"%s\"", dir, a, b);
    struct stat sa, sb;
    ck_assert_msg(stat(a, &sa) == 0 && stat(b, &sb) == 0,
                  "ftok_collide: expected both files to exist, got \"%s\" and \"%s\"", a, b);
    ck_assert_msg(sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev,
                  "ftok_collide: expected two different files, got one file twice (inode %lu)",
                  (unsigned long) sa.st_ino);
    key_t ka = ftok(a, 'C'), kb = ftok(b, 'C');
    ck_assert_msg(ka != (key_t) -1 && ka == kb,
                  "glibc's ftok of the pair: expected one key, got %#010x and %#010x (inodes %lu, %lu)",
                  (unsigned) ka, (unsigned) kb, (unsigned long) sa.st_ino, (unsigned long) sb.st_ino);
    unsigned long gap = sa.st_ino > sb.st_ino ? sa.st_ino - sb.st_ino : sb.st_ino - sa.st_ino;
    ck_assert_msg(gap % 65536 == 0, "the pair's inodes: expected them 65536*n apart, got %lu apart", gap);
    int n = count_entries(dir);
    ck_assert_msg(n == 2, "after ftok_collide: expected only the two colliding files left, found %d", n);
}
END_TEST

START_TEST(seg_create_then_open_shares_payload)
{
    const char *p = make_file(0, "seg");
    struct seg w, r;
    create_ok(p, 'S', 64, &w);
    ck_assert_msg(w.size == 64 && w.key == ftok(p, 'S'),
                  "seg_create: expected size 64 and key %#010x, got size %zu and key %#010x",
                  (unsigned) ftok(p, 'S'), w.size, (unsigned) w.key);
    ck_assert_msg(LT_READ(w.hdr->magic) == SEG_MAGIC && LT_READ(w.hdr->version) == SEG_VERSION &&
                  LT_READ(w.hdr->size) == 64,
                  "seg_create's header: expected magic %#x version %u size 64, got %#x %u %llu",
                  SEG_MAGIC, SEG_VERSION, LT_READ(w.hdr->magic), LT_READ(w.hdr->version),
                  (unsigned long long) LT_READ(w.hdr->size));
    ck_assert_msg(w.data == (void *) (w.hdr + 1), "seg_create: expected data right after the header");
    lt_put_str(w.data, "hello through the segment");

    r.shmid = -1;
    errno = 0;
    int rc = seg_open(p, 'S', 64, &r);
    int err = errno;
    ck_assert_msg(rc == 0, "seg_open of the segment seg_create made: expected 0, got %d (errno %d, %s)",
                  rc, err, strerror(err));
    ck_assert_msg(r.shmid == w.shmid, "seg_open: expected shmid %d, got %d", w.shmid, r.shmid);
    ck_assert_msg(r.data != NULL && strcmp(lt_get_str(r.data, 64), "hello through the segment") == 0,
                  "seg_open: expected the payload \"hello through the segment\", got \"%.40s\"",
                  r.data ? lt_get_str(r.data, 64) : "(null)");
    ck_assert_msg(r.size == 64, "seg_open: expected size 64, got %zu", r.size);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(ftok_missing_path_is_enoent)
{
    char p[4352];
    snprintf(p, sizeof p, "%s/no-such-file", dir);
    expect_fail(lab_ftok(p, 'x'), ENOENT, "lab_ftok of a missing file");
    expect_fail(ftok(p, 'x'), ENOENT, "glibc's ftok of a missing file");
}
END_TEST

START_TEST(seg_open_refuses_foreign_segment)
{
    /* Someone else's segment under our key: right size, not our header. */
    const char *p = make_file(0, "foreign");
    int id = foreign_segment(p, 'F', sizeof(struct seg_header) + 32);
    char *mine = shmat(id, NULL, 0);
    ck_assert_msg(mine != (void *) -1, "shmat: %s", strerror(errno));
    memset(mine, 'x', sizeof(struct seg_header) + 32);

    struct seg s;
    expect_fail(seg_open(p, 'F', 32, &s), EBADMSG, "seg_open of a segment without our magic");
    ck_assert_msg(s.shmid == -1 && s.hdr == NULL,
                  "after a refused seg_open: expected shmid -1 and hdr NULL, got %d and %p",
                  s.shmid, (void *) s.hdr);
    struct shmid_ds ds;
    ck_assert_msg(shmctl(id, IPC_STAT, &ds) == 0, "the foreign segment: expected it to still exist, got %s",
                  strerror(errno));
    ck_assert_msg(ds.shm_nattch == 1, "the foreign segment: expected 1 attach (the test's), got %lu:"
                  " seg_open must detach what it refuses", (unsigned long) ds.shm_nattch);
    ck_assert_msg(mine[0] == 'x', "the foreign segment: expected its bytes untouched");
    shmdt(mine);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(seg_remove_frees_the_key)
{
    const char *p = make_file(0, "gone");
    struct seg s;
    create_ok(p, 'G', 16, &s);
    int id = s.shmid;
    key_t key = ftok(p, 'G');
    errno = 0;
    int rc = seg_remove(&s);
    ck_assert_msg(rc == 0, "seg_remove: expected 0, got %d (%s)", rc, strerror(errno));
    ck_assert_msg(s.shmid == -1 && s.hdr == NULL && s.data == NULL,
                  "after seg_remove: expected shmid -1, hdr and data NULL; got %d, %p, %p",
                  s.shmid, (void *) s.hdr, s.data);
    expect_fail(shmget(key, 0, 0), ENOENT, "shmget of the removed segment's key");
    expect_segment_gone(id, "IPC_STAT of the removed segment's id");
}
END_TEST

Suite *lab_public_suite(void)
{
    Suite *s = suite_create("03-ftok public");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, ftok_matches_glibc);
    tcase_add_test(core, ftok_keeps_only_low_8_bits_of_proj_id);
    tcase_add_test(core, collide_finds_two_files_with_one_key);
    tcase_add_test(core, seg_create_then_open_shares_payload);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, ftok_missing_path_is_enoent);
    tcase_add_test(errors, seg_open_refuses_foreign_segment);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, seg_remove_frees_the_key);
    suite_add_tcase(s, cleanup);

    return s;
}
