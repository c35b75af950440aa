/* keystore.c — the key store from the command line: put, get, delete and
   list secrets in one shared memory segment, from as many terminals (and
   processes) at once as you like.  Built on lab.c's API.

   The store is found by a System V key: --key KEY, or ftok(PATH, 'K') with
   --path PATH (default: your home directory).  `put` creates the store when
   there is none (--capacity records, default 64); `rm` removes it.

   $ sh scripts/lab-program.sh 7 keystore --help
   $ keystore put alice bank s3cr3t --id 7
   $ keystore get alice bank
   s3cr3t
   $ keystore ls
   alice       bank        id 7    6 bytes
   $ keystore del alice bank; keystore get alice bank; echo $?
   keystore: get alice bank: no such record
   1

   Exit status: 0 done; 1 no such record, or no store; 2 bad usage (unknown
   command, wrong arguments, id or secret too long); 3 the store is full;
   4 any other failure (not a key store, permission, system error).  Every
   error is one line on stderr, starting with "keystore: ". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "lab.h"

enum { EXIT_OK = 0, EXIT_NOTFOUND = 1, EXIT_USAGE = 2, EXIT_FULL = 3, EXIT_OTHER = 4 };

#define DEFAULT_CAPACITY 64

static const char usage_text[] =
    "usage: keystore [--key KEY | --path PATH] [--capacity N] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  put CLIENT SERVER SECRET [--id N]   store SECRET for (CLIENT, SERVER), replacing\n"
    "                                      any old one; creates the store if needed\n"
    "  get CLIENT SERVER                   print the secret\n"
    "  del CLIENT SERVER                   delete the record (its bytes are wiped)\n"
    "  ls                                  list records: ids, key id, length (no secrets)\n"
    "  rm                                  remove the whole store (wiped first)\n"
    "\n"
    "options:\n"
    "  -k, --key KEY        System V key of the store (decimal, 0x hex or 0 octal)\n"
    "  -p, --path PATH      use ftok(PATH, 'K') as the key (default: $HOME)\n"
    "  -c, --capacity N     records in a store that put creates (default 64, max 4096)\n"
    "  -h, --help           this help\n"
    "\n"
    "ids: 1 to 11 printable characters, no spaces; secrets: up to 128 bytes.\n"
    "exit status: 0 ok, 1 no such record or store, 2 usage, 3 store full, 4 other error\n";

/* One line on stderr, then the exit status the caller returns. */
static int fail(int status, const char *what, const char *msg)
{
    fprintf(stderr, "keystore: %s: %s\n", what, msg);
    return status;
}

/* Exit status and one-line message for errno after a failed library call. */
static int fail_errno(const char *what, key_t key)
{
    char msg[160];
    int err = errno, status = EXIT_OTHER;
    switch (err) {
    case ENOENT:
        status = EXIT_NOTFOUND;
        snprintf(msg, sizeof msg, "no such record");
        break;
    case ENAMETOOLONG:
        status = EXIT_USAGE;
        snprintf(msg, sizeof msg, "an id is longer than %d characters", KS_ID_MAX);
        break;
    case EINVAL:
        status = EXIT_USAGE;
        snprintf(msg, sizeof msg, "ids must be 1 to %d printable characters without spaces",
                 KS_ID_MAX);
        break;
    case EMSGSIZE:
        status = EXIT_USAGE;
        snprintf(msg, sizeof msg, "the secret is longer than %d bytes", KS_SECKEY_SIZE);
        break;
    case ENOSPC:
        status = EXIT_FULL;
        snprintf(msg, sizeof msg, "the store is full (delete a record, or rm and put"
                 " with a larger --capacity)");
        break;
    case EPROTO:
        snprintf(msg, sizeof msg, "key 0x%08x holds a segment that is not a key store of"
                 " this version (see ipcs -m; ipcrm -M 0x%08x)", (unsigned) key, (unsigned) key);
        break;
    case EIDRM:
        snprintf(msg, sizeof msg, "the store was removed meanwhile");
        break;
    default:
        snprintf(msg, sizeof msg, "%s", strerror(err));
    }
    return fail(status, what, msg);
}

/* Parse a number in [lo, hi] (any base strtol understands); -1 if bad. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char *argv[])
{
    const char *path = getenv("HOME") ? getenv("HOME") : "/";
    int have_key = 0;
    long key = 0, capacity = DEFAULT_CAPACITY, id = 0;
    char *args[5];
    int nargs = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "-k") == 0 || strcmp(a, "--key") == 0) {
            if (!has_value || parse_long(argv[++i], 1, 0xffffffffL, &key) == -1)
                return fail(EXIT_USAGE, a,
                            "expected a key such as 0x4b530001 (not 0: IPC_PRIVATE)");
            have_key = 1;
        } else if (strcmp(a, "-p") == 0 || strcmp(a, "--path") == 0) {
            if (!has_value)
                return fail(EXIT_USAGE, a, "expected a path");
            path = argv[++i];
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--capacity") == 0) {
            if (!has_value || parse_long(argv[++i], 1, KS_CAPACITY_MAX, &capacity) == -1)
                return fail(EXIT_USAGE, a, "expected a number of records from 1 to 4096");
        } else if (strcmp(a, "--id") == 0) {
            if (!has_value || parse_long(argv[++i], -2147483647L - 1, 2147483647L, &id) == -1)
                return fail(EXIT_USAGE, a, "expected a key id (an int)");
        } else if (a[0] == '-' && a[1] != '\0') {
            return fail(EXIT_USAGE, a, "unknown option (see keystore --help)");
        } else if (nargs < 5) {
            args[nargs++] = argv[i];
        } else {
            return fail(EXIT_USAGE, a, "too many arguments (see keystore --help)");
        }
    }
    if (nargs == 0)
        return fail(EXIT_USAGE, "usage",
                    "keystore [options] put|get|del|ls|rm ... (see keystore --help)");

    const char *cmd = args[0];
    static const struct { const char *name; int nargs; } known[] = {
        { "put", 4 }, { "get", 3 }, { "del", 3 }, { "ls", 1 }, { "rm", 1 },
    };
    int k = 0;
    while (k < 5 && strcmp(cmd, known[k].name) != 0)
        k++;
    if (k == 5)
        return fail(EXIT_USAGE, cmd,
                    "unknown command: use put, get, del, ls or rm (see keystore --help)");
    if (nargs != known[k].nargs)
        return fail(EXIT_USAGE, cmd, "wrong number of arguments (see keystore --help)");

    /* The key: given, or derived from an existing file (ftok needs one). */
    key_t skey = (key_t) key;
    if (!have_key && (skey = ftok(path, KS_PROJ_ID)) == -1) {
        char what[300];
        snprintf(what, sizeof what, "ftok %s", path);
        return fail(EXIT_OTHER, what, strerror(errno));
    }

    char what[64];
    snprintf(what, sizeof what, "%s%s%s%s%s", cmd, nargs > 1 ? " " : "", nargs > 1 ? args[1] : "",
             nargs > 2 ? " " : "", nargs > 2 ? args[2] : "");
    struct keystore ks;
    int rc = strcmp(cmd, "put") == 0 ? ks_open_or_create(&ks, skey, (unsigned) capacity)
                                      : ks_open(&ks, skey);
    if (rc == -1) {
        if (errno == ENOENT) {
            char msg[96];
            snprintf(msg, sizeof msg, "no key store at key 0x%08x (put creates one)",
                     (unsigned) skey);
            return fail(EXIT_NOTFOUND, what, msg);
        }
        return fail_errno(what, skey);
    }

    int status = EXIT_OK;
    if (strcmp(cmd, "put") == 0) {
        if (ks_put(&ks, args[1], args[2], (int) id, args[3], strlen(args[3])) == -1)
            status = fail_errno(what, skey);
    } else if (strcmp(cmd, "get") == 0) {
        struct ks_entry e;
        if (ks_get(&ks, args[1], args[2], &e) == -1) {
            status = fail_errno(what, skey);
        } else {
            fwrite(e.seckey, 1, e.seckey_len, stdout);
            putchar('\n');
            explicit_bzero(&e, sizeof e);
        }
    } else if (strcmp(cmd, "del") == 0) {
        if (ks_del(&ks, args[1], args[2]) == -1)
            status = fail_errno(what, skey);
    } else if (strcmp(cmd, "ls") == 0) {
        static struct ks_entry list[KS_CAPACITY_MAX];
        int n = ks_list(&ks, list, KS_CAPACITY_MAX);
        if (n == -1)
            status = fail_errno(what, skey);
        for (int i = 0; i < n && i < KS_CAPACITY_MAX; i++)
            printf("%-11s %-11s id %-6d %zu bytes\n", list[i].client_id, list[i].server_id,
                   list[i].seckeyid, list[i].seckey_len);
    } else {                            /* rm */
        if (ks_destroy(&ks) == -1)
            return fail_errno(what, skey);
        return EXIT_OK;
    }
    if (ks_close(&ks) == -1 && status == EXIT_OK)
        status = fail_errno(what, skey);
    if (fflush(stdout) != 0 && status == EXIT_OK)
        status = fail(EXIT_OTHER, what, strerror(errno));
    return status;
}
