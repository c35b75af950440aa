/* symbols.c — a cheaper start for valgrind in the sandbox.

   Every lab process under memcheck starts by reading the detached debug
   information of ld.so and libc (Debian's libc6-dbg, which valgrind needs
   for its mandatory redirections in ld.so).  Its DWARF is what costs:
   here 0.34 s per start with it, 0.21 s with only the symbol tables, on a
   test of about 0.4 s.  Function names are all valgrind's redirections and
   the reports of a lab process need from those files (lab.c's own lines
   come from labproc itself), so the sandbox sees, over each such file, a
   read-only copy stripped of its DWARF (objcopy --strip-debug).  Whatever
   cannot be prepared stays as it is: slower, never different.

   The files are the ones of the objects this grader has loaded (the lab
   process links the same ld.so and libc), found by GNU build ID. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader.h"

#define MAX_SYMBOL_FILES 8
#define SYSTEM_DEBUG "/usr/lib/debug/.build-id"

static struct { char system[PATH_MAX]; char stripped[PATH_MAX]; } files[MAX_SYMBOL_FILES];
static int nfiles;
static char ids[MAX_SYMBOL_FILES][2 * 64 + 1];
static int nids;

/* The GNU build IDs of the loaded objects (in hex), from their PT_NOTEs. */
static int collect_id(struct dl_phdr_info *info, size_t size, void *data)
{
    (void) size; (void) data;
    for (int i = 0; i < info->dlpi_phnum && nids < MAX_SYMBOL_FILES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *) (info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *) p;
            const unsigned char *name = p + sizeof *n;
            const unsigned char *desc = name + ((n->n_namesz + 3) & ~3U);
            if (desc + n->n_descsz > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                n->n_descsz >= 2 && n->n_descsz <= 64) {
                for (unsigned k = 0; k < n->n_descsz; k++)
                    snprintf(ids[nids] + 2 * k, 3, "%02x", desc[k]);
                nids++;
                break;
            }
            p = desc + ((n->n_descsz + 3) & ~3U);
        }
    }
    return 0;
}

/* objcopy --strip-debug from to; 0 when it did. */
static int strip_debug(const char *from, const char *to)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null != -1) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execlp("objcopy", "objcopy", "--strip-debug", from, to, (char *) NULL);
        _exit(127);
    }
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void prepare_symbols(const char *dir)
{
    nids = nfiles = 0;
    dl_iterate_phdr(collect_id, NULL);
    if (mkdir_p(dir) == -1)
        return;
    for (int i = 0; i < nids; i++) {
        char system[PATH_MAX], stripped[PATH_MAX], tmp[PATH_MAX + 16];
        snprintf(system, sizeof system, "%s/%.2s/%s.debug", SYSTEM_DEBUG, ids[i], ids[i] + 2);
        snprintf(stripped, sizeof stripped, "%s/%s.debug", dir, ids[i]);
        snprintf(tmp, sizeof tmp, "%s.%ld", stripped, (long) getpid());
        struct stat st;
        if (stat(system, &st) == -1 || !S_ISREG(st.st_mode))
            continue;
        /* A class's graders share dir: each file is made whole, then renamed. */
        if (access(stripped, R_OK) == -1 && (strip_debug(system, tmp) == -1 || rename(tmp, stripped) == -1)) {
            unlink(tmp);
            continue;
        }
        snprintf(files[nfiles].system, sizeof files[nfiles].system, "%s", system);
        snprintf(files[nfiles].stripped, sizeof files[nfiles].stripped, "%s", stripped);
        nfiles++;
    }
}

int symbols_prepared(void)
{
    return nfiles;
}

void bind_symbols(void)
{
    for (int i = 0; i < nfiles; i++)
        if (mount(files[i].stripped, files[i].system, NULL, MS_BIND, NULL) == 0 &&
            mount(NULL, files[i].system, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) == -1)
            umount2(files[i].system, MNT_DETACH);   /* writable: not for a test to see */
}
