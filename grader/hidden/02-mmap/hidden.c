/* hidden.c — Lab 02's hidden tests: the thorough ones.

   Core:    ftruncate grows a file before mapping (never shrinks it); stores
            by parent and child both reach the file; a child's MAP_PRIVATE
            store stays in the child; anonymous memory starts zeroed and is
            shared; mm_probe() finds SIGBUS only past end of file; bytes
            stored past end of file in the last page are not in the file
            (pinned on tmpfs, where the page keeps them).
   Errors:  bad arguments give EINVAL; failed maps leave *m cleared and no
            descriptor open; a child's store past end of file gives EIO.
   Cleanup: the file keeps its contents after mm_unmap().

   Helpers are the public tests' own, from tests/common.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labtest.h"
#include "lab.h"
#include "tests/common.h"

#define TMPFS_MAGIC 0x01021994          /* statfs(2) f_type of tmpfs (<linux/magic.h>) */

/* ---- Helpers ---------------------------------------------------------- */

static int count_fds(void)
{
    /* The descriptors of the lab process, where the student's code runs. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", (long) lt_lab_pid());
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "opendir %s: %s", path, strerror(errno));
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* ---- Core --------------------------------------------------------------- */

START_TEST(ftruncate_grows_file_before_mapping)
{
    size_t len = 3 * (size_t) page + 10;
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("grown"), len, MM_SHARED), &m,
                  "mm_map_file(new file, 3 pages + 10 bytes)");
    ck_assert_msg(file_size("grown") == (off_t) len,
                  "a new file mapped for %zu bytes: expected size %zu, got %lld (grow it before mapping)",
                  len, len, (long long) file_size("grown"));
    lab_store(m.addr + len - 1, "!", 1);        /* the last byte is in the file: no SIGBUS */
    ck_assert_msg(mm_sync(&m) == 0, "mm_sync: %s", strerror(errno));
    char c = 0;
    read_file("grown", (off_t) len - 1, &c, 1);
    ck_assert_msg(c == '!', "the last byte, read(2) after a store and mm_sync: expected '!', got %d", c);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));

    /* A longer file is never shrunk. */
    close(make_file("long", 5 * (size_t) page, 'L'));
    expect_mapped(mm_map_file(&m, file_in_dir("long"), (size_t) page, MM_PRIVATE), &m,
                  "mm_map_file(5-page file, 1 page)");
    ck_assert_msg(file_size("long") == 5 * page,
                  "mapping 1 page of a 5-page file: expected the size to stay %ld, got %lld",
                  5 * page, (long long) file_size("long"));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(shared_file_stores_from_both_processes)
{
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("both"), (size_t) page, MM_SHARED), &m,
                  "mm_map_file(both, 1 page, MM_SHARED)");
    lab_store(m.addr, "parent", 6);
    ck_assert_msg(mm_child_write(&m, 2000, "child", 5) == 0, "mm_child_write: %s", strerror(errno));
    ck_assert_msg(mm_sync(&m) == 0, "mm_sync: expected 0, got -1 (%s)", strerror(errno));
    char a[7] = "", b[6] = "";
    read_file("both", 0, a, 6);
    read_file("both", 2000, b, 5);
    ck_assert_msg(memcmp(a, "parent", 6) == 0 && memcmp(b, "child", 5) == 0,
                  "the file after the parent's and the child's stores: expected \"parent\" at 0 and"
                  " \"child\" at 2000, got \"%.6s\" and \"%.5s\"", a, b);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(private_child_store_stays_in_child)
{
    close(make_file("cow", (size_t) page, 'A'));
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("cow"), (size_t) page, MM_PRIVATE), &m,
                  "mm_map_file(cow, MM_PRIVATE)");
    ck_assert_msg(m.shared == 0, "an MM_PRIVATE region: expected shared 0, got %d", m.shared);
    ck_assert_msg(mm_child_write(&m, 0, "child", 5) == 0, "mm_child_write: %s", strerror(errno));
    ck_assert_msg(memcmp(lab_bytes(m.addr, 5), "AAAAA", 5) == 0,
                  "the parent's MAP_PRIVATE mapping after the child's store: expected \"AAAAA\", got \"%.5s\"",
                  (const char *) lab_bytes(m.addr, 16));
    expect_file_holds("cow", 0, "AAAAA", "the file after a child's MAP_PRIVATE store");
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(anonymous_memory_starts_zeroed_and_is_shared)
{
    struct mm_region m;
    size_t len = 3 * (size_t) page;
    expect_mapped(mm_map_anon(&m, len), &m, "mm_map_anon(3 pages)");
    ck_assert_msg(m.shared == 1, "mm_map_anon: expected shared 1, got %d", m.shared);
    const unsigned char *fresh = lab_bytes(m.addr, len);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(fresh[i] == 0, "new anonymous memory: byte %zu expected 0, got %d", i, fresh[i]);
    ck_assert_msg(mm_child_write(&m, len - 4, "end", 4) == 0, "mm_child_write at the end: %s", strerror(errno));
    ck_assert_msg(memcmp(lab_bytes(m.addr + len - 4, 4), "end", 4) == 0,
                  "anonymous shared memory after the child's store at %zu: expected \"end\", got \"%.3s\"",
                  len - 4, (const char *) lab_bytes(m.addr + len - 4, 4));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
}
END_TEST

START_TEST(probe_finds_sigbus_only_past_eof)
{
    int fd = make_file("probe", (size_t) page + 1, 'p');     /* 1 page and 1 byte */
    struct mm_region m;
    expect_mapped(mm_map_fd(&m, fd, 4 * (size_t) page, MM_SHARED), &m, "mm_map_fd(1 page + 1 byte file, 4 pages)");
    int in_file = mm_probe(&m, 0);
    int last_page = mm_probe(&m, 2 * (size_t) page - 1);     /* the page holding end of file */
    int past = mm_probe(&m, 2 * (size_t) page);              /* wholly past end of file */
    int far = mm_probe(&m, 4 * (size_t) page - 1);
    ck_assert_msg(in_file == 0 && last_page == 0,
                  "mm_probe inside the file and in the page holding end of file: expected 0 and 0, got %d and %d",
                  in_file, last_page);
    ck_assert_msg(past == SIGBUS && far == SIGBUS,
                  "mm_probe in pages wholly past end of file: expected SIGBUS (%d) twice, got %d and %d",
                  SIGBUS, past, far);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    close(fd);
}
END_TEST

/* Stores past end of file inside the last page: not part of the file, on
   every file system.  What becomes of the bytes is the file system's
   business; this test pins tmpfs (/dev/shm), where the page cache page is
   the file's only copy and keeps them: made longer with ftruncate, the file
   shows them.  (ext4 zeroes them when it writes the page back, see the
   handout.) */
START_TEST(tmpfs_tail_past_eof_not_in_file)
{
    char shmdir[64];
    snprintf(shmdir, sizeof shmdir, "/dev/shm/shmlab02-XXXXXX");
    ck_assert_msg(mkdtemp(shmdir) != NULL, "mkdtemp in /dev/shm: %s", strerror(errno));
    char path[128];
    snprintf(path, sizeof path, "%s/tail", shmdir);
    struct statfs sf;
    int fs_ok = statfs(shmdir, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int wrote = fd != -1 && write(fd, "0123456789", 10) == 10;
    struct mm_region m = { NULL, 0, -1, 0 };
    int mapped = wrote && fs_ok ? mm_map_fd(&m, fd, (size_t) page, MM_SHARED) : -1;
    int err = errno;
    struct stat st = { 0 };
    char got[20] = "";
    int synced = -1, grown = -1;
    if (mapped == 0) {
        lab_store(m.addr + 10, "TAILBYTES!", 10);              /* past end of file, same page */
        synced = mm_sync(&m);
        fstat(fd, &st);
        grown = ftruncate(fd, 20);
        if (pread(fd, got, 20, 0) != 20)
            got[0] = '\0';
        mm_unmap(&m);
    }
    if (fd != -1)
        close(fd);
    unlink(path);
    rmdir(shmdir);

    ck_assert_msg(fs_ok, "/dev/shm is not tmpfs here (f_type %lx): this test needs it",
                  (unsigned long) sf.f_type);
    ck_assert_msg(wrote, "test set-up: could not write a 10-byte file in /dev/shm");
    ck_assert_msg(mapped == 0, "mm_map_fd(10-byte file, 1 page): expected 0, got -1 (%s)", strerror(err));
    ck_assert_msg(synced == 0, "mm_sync after a store past end of file: expected 0, got %d", synced);
    ck_assert_msg(st.st_size == 10,
                  "stores past end of file: expected the size to stay 10, got %lld", (long long) st.st_size);
    ck_assert_msg(grown == 0 && memcmp(got, "0123456789TAILBYTES!", 20) == 0,
                  "tmpfs, after ftruncate to 20: expected \"0123456789TAILBYTES!\" (the page kept the"
                  " tail), got \"%.20s\"", got);
}
END_TEST

/* ---- Errors ------------------------------------------------------------- */

START_TEST(bad_arguments_rejected)
{
    struct mm_region m;
    expect_fail(mm_map_fd(NULL, 0, 10, MM_SHARED), EINVAL, "mm_map_fd(NULL, ...)");
    expect_fail(mm_map_file(&m, NULL, 10, MM_SHARED), EINVAL, "mm_map_file(&m, NULL path, ...)");
    expect_fail(mm_map_file(&m, file_in_dir("k"), 10, (enum mm_kind) 9), EINVAL, "mm_map_file(kind 9)");
    expect_fail(mm_map_anon(NULL, 10), EINVAL, "mm_map_anon(NULL, 10)");
    expect_fail(mm_map_file(&m, file_in_dir("huge"), SIZE_MAX, MM_SHARED), EFBIG,
                "mm_map_file(len SIZE_MAX): more than off_t can count");
    expect_fail(mm_sync(NULL), EINVAL, "mm_sync(NULL)");
    expect_fail(mm_probe(NULL, 0), EINVAL, "mm_probe(NULL, 0)");
    expect_mapped(mm_map_anon(&m, 100), &m, "mm_map_anon(100)");
    expect_fail(mm_child_write(&m, 90, "0123456789X", 11), EINVAL, "mm_child_write(off 90, 11 bytes) into 100");
    expect_fail(mm_child_write(&m, (size_t) -1, "x", 2), EINVAL, "mm_child_write(off SIZE_MAX, 2 bytes)");
    expect_fail(mm_child_write(&m, 0, NULL, 1), EINVAL, "mm_child_write(buf NULL)");
    ck_assert_msg(mm_child_write(&m, 90, "0123456789", 10) == 0,
                  "mm_child_write(off 90, 10 bytes) into 100: expected 0 (it fits exactly), got -1 (%s)",
                  strerror(errno));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    expect_fail(mm_sync(&m), EINVAL, "mm_sync of an unmapped region");
}
END_TEST

START_TEST(failed_map_leaves_nothing_open)
{
    struct mm_region m;
    int before = count_fds();
    expect_fail(mm_map_file(&m, "/nonexistent-shmlab/x", 10, MM_SHARED), ENOENT,
                "mm_map_file in a folder that does not exist");
    ck_assert_msg(m.addr == NULL && m.fd == -1, "after a failed mm_map_file: expected addr NULL, fd -1;"
                  " got %p, %d", (void *) m.addr, m.fd);
    /* A FIFO opens, but cannot be made longer: ftruncate fails with EINVAL
       and the descriptor must be closed again. */
    ck_assert_msg(mkfifo(file_in_dir("fifo"), 0600) == 0, "mkfifo: %s", strerror(errno));
    expect_fail(mm_map_file(&m, file_in_dir("fifo"), 10, MM_SHARED), EINVAL,
                "mm_map_file on a FIFO (ftruncate refuses it)");
    expect_fail(mm_map_fd(&m, -1, 10, MM_SHARED), EBADF, "mm_map_fd(fd -1)");
    int after = count_fds();
    ck_assert_msg(after == before, "failed mm_map_file calls left %d descriptor(s) open", after - before);
}
END_TEST

START_TEST(child_store_past_eof_reports_eio)
{
    int fd = make_file("eio", 100, 'e');
    struct mm_region m;
    expect_mapped(mm_map_fd(&m, fd, 2 * (size_t) page, MM_SHARED), &m, "mm_map_fd(100-byte file, 2 pages)");
    expect_fail(mm_child_write(&m, (size_t) page, "x", 1), EIO,
                "mm_child_write into the page past end of file (the child dies of SIGBUS)");
    ck_assert_msg(mm_child_write(&m, 50, "ok", 2) == 0, "mm_child_write inside the file: %s", strerror(errno));
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    close(fd);
}
END_TEST

/* ---- Cleanup ------------------------------------------------------------ */

START_TEST(unmapped_file_keeps_contents)
{
    struct mm_region m;
    expect_mapped(mm_map_file(&m, file_in_dir("keep"), 8192, MM_SHARED), &m, "mm_map_file(keep, 8192)");
    unsigned char bytes[8192];
    for (int i = 0; i < 8192; i++)
        bytes[i] = (unsigned char) (i * 7);
    lab_store(m.addr, bytes, sizeof bytes);
    ck_assert_msg(mm_unmap(&m) == 0, "mm_unmap: %s", strerror(errno));
    unsigned char got[8192];
    read_file("keep", 0, got, sizeof got);
    for (int i = 0; i < 8192; i++)
        ck_assert_msg(got[i] == (unsigned char) (i * 7),
                      "the file after mm_unmap: byte %d expected %d, got %d", i, (unsigned char) (i * 7), got[i]);
    ck_assert_msg(file_size("keep") == 8192, "size after mm_unmap: expected 8192, got %lld",
                  (long long) file_size("keep"));
}
END_TEST

Suite *lab_hidden_suite(void)
{
    Suite *s = suite_create("02-mmap hidden");

    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, ftruncate_grows_file_before_mapping);
    tcase_add_test(core, shared_file_stores_from_both_processes);
    tcase_add_test(core, private_child_store_stays_in_child);
    tcase_add_test(core, anonymous_memory_starts_zeroed_and_is_shared);
    tcase_add_test(core, probe_finds_sigbus_only_past_eof);
    tcase_add_test(core, tmpfs_tail_past_eof_not_in_file);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, bad_arguments_rejected);
    tcase_add_test(errors, failed_map_leaves_nothing_open);
    tcase_add_test(errors, child_store_past_eof_reports_eio);
    suite_add_tcase(s, errors);

    TCase *cleanup = tcase_create("Cleanup");
    tcase_add_checked_fixture(cleanup, setup, teardown);
    tcase_add_test(cleanup, unmapped_file_keeps_contents);
    suite_add_tcase(s, cleanup);

    return s;
}
