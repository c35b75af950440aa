/* source_check.c — what a submitted lab.c may reach, checked before it is
   compiled.  A first line of defence with a clear reason, not the defence:
   the verdict itself never depends on it (see grader/runner/split.h).

   - lab.c must be a regular file reached through no symbolic link below the
     submission folder (a link to solutions/ is someone else's work);
   - preprocessed alone (cc -E -MD: nothing of a file it names is ever
     compiled, so no compiler message can show its contents), it may have
     read only itself, the lab's lab.h and system headers: an #include of
     "../../solutions/04-race/lab.c" or "/etc/shadow" is refused by name;
   - its own lines hold no inline assembly (.incbin reads any file) and no
     constructor or destructor (code that runs outside the API's calls);
   - compiled (lab.o, read with binutils' nm and objdump): no section that
     runs code before or after main (.init_array and kin, however it was
     spelt), no global definition that lab.h does not name, and no call
     outside grader/allowed-calls (plus the lab's own allowed-calls). */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader.h"

int path_has_no_symlink(const char *root, const char *rel, char *why, size_t len)
{
    char path[PATH_MAX * 2];
    size_t at = (size_t) snprintf(path, sizeof path, "%s/", root);
    for (const char *p = rel; *p && at < sizeof path - 1;) {
        size_t n = strcspn(p, "/");
        snprintf(path + at, sizeof path - at, "%.*s", (int) n, p);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
            snprintf(why, len, "%s is a symbolic link: submit the files themselves", path);
            return -1;
        }
        at = strlen(path);
        p += n;
        if (*p == '/') {
            path[at++] = '/';
            path[at] = '\0';
            p++;
        }
    }
    return 0;
}

static int allowed_dependency(const char *dep, const char *own_lab_c, const char *lab_h)
{
    static const char *const system_dirs[] = { "/usr/include/", "/usr/lib/gcc/", "/usr/local/include/", NULL };
    char real[PATH_MAX];
    if (realpath(dep, real) == NULL)
        return 0;
    if (strcmp(real, own_lab_c) == 0 || strcmp(real, lab_h) == 0)
        return 1;
    for (int i = 0; system_dirs[i] != NULL; i++)
        if (strncmp(real, system_dirs[i], strlen(system_dirs[i])) == 0)
            return 1;
    return 0;
}

/* The next path in a make rule (cc -MD): words split by blanks and
   backslash-newlines, "\ " an escaped space.  NULL at the end. */
static const char *next_word(FILE *f, char *word, size_t size)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (c == '\\') {
            int d = getc(f);
            if (d == '\n')
                c = ' ';
            else if (d == ' ' || d == '#' || d == '\\') {
                if (n + 1 < size)
                    word[n++] = (char) d;
                continue;
            } else if (d != EOF)
                ungetc(d, f);
        }
        if (isspace(c)) {
            if (n > 0)
                break;
            continue;
        }
        if (n + 1 < size)
            word[n++] = (char) c;
    }
    word[n] = '\0';
    return n > 0 ? word : NULL;
}

static int check_dependencies(const struct lab *lab, char *why, size_t len)
{
    char dfile[PATH_MAX + 16], own[PATH_MAX + 16], own_real[PATH_MAX], lab_h[PATH_MAX + 16];
    char lab_h_real[PATH_MAX], word[PATH_MAX * 2];
    snprintf(dfile, sizeof dfile, "%s/lab.d", lab->build_dir);
    snprintf(own, sizeof own, "%s/lab.c", lab->build_dir);
    snprintf(lab_h, sizeof lab_h, "%s/lab.h", lab->build_dir);   /* the copy it was given */
    if (realpath(own, own_real) == NULL || realpath(lab_h, lab_h_real) == NULL) {
        snprintf(why, len, "grader: cannot resolve %s or %s", own, lab_h);
        return -1;
    }
    FILE *f = fopen(dfile, "r");
    if (f == NULL) {
        snprintf(why, len, "grader: the preprocessor wrote no dependency list (%s)", dfile);
        return -1;
    }
    int rc = 0;
    while (rc == 0 && next_word(f, word, sizeof word) != NULL) {
        size_t n = strlen(word);
        if (word[n - 1] == ':')
            continue;               /* the rule's target */
        char dep[PATH_MAX * 2 + 16];
        if (word[0] == '/')
            snprintf(dep, sizeof dep, "%s", word);
        else
            snprintf(dep, sizeof dep, "%s/%s", lab->build_dir, word);
        if (!allowed_dependency(dep, own_real, lab_h_real)) {
            snprintf(why, len, "lab.c includes %s: only lab.h and system headers may be included", word);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int is_ident(int c)
{
    return isalnum(c) || c == '_';
}

/* Does line hold word as a whole identifier? */
static int has_word(const char *line, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(line, word); p != NULL; p = strstr(p + 1, word))
        if ((p == line || !is_ident((unsigned char) p[-1])) && !is_ident((unsigned char) p[n]))
            return 1;
    return 0;
}

/* The preprocessed text (lab.i): its lines that came from lab.c itself,
   after macros (a macro cannot hide asm by pasting it together). */
static int check_own_lines(const struct lab *lab, char *why, size_t len)
{
    static const char *const banned[][2] = {
        { "asm", "inline assembly" }, { "__asm__", "inline assembly" }, { "__asm", "inline assembly" },
        { "constructor", "a constructor (code that runs before main)" },
        { "__constructor__", "a constructor (code that runs before main)" },
        { "destructor", "a destructor (code that runs after main)" },
        { "__destructor__", "a destructor (code that runs after main)" },
    };
    char ifile[PATH_MAX + 16], line[4096];
    snprintf(ifile, sizeof ifile, "%s/lab.i", lab->build_dir);
    FILE *f = fopen(ifile, "r");
    if (f == NULL) {
        snprintf(why, len, "grader: the preprocessor wrote nothing (%s)", ifile);
        return -1;
    }
    int own = 0, rc = 0;
    long lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        long n;
        char file[PATH_MAX];
        if (line[0] == '#' && sscanf(line, "# %ld \"%4095[^\"]\"", &n, file) == 2) {
            own = strcmp(file, "lab.c") == 0;
            lineno = n;
            continue;
        }
        if (own)
            for (size_t i = 0; i < sizeof banned / sizeof banned[0] && rc == 0; i++)
                if (has_word(line, banned[i][0])) {
                    snprintf(why, len, "lab.c:%ld: %s is not allowed in a lab", lineno, banned[i][1]);
                    rc = -1;
                }
        if (strchr(line, '\n') != NULL)
            lineno++;
    }
    fclose(f);
    return rc;
}

int check_preprocessed(const struct lab *lab, char *why, size_t len)
{
    return check_dependencies(lab, why, len) == 0 && check_own_lines(lab, why, len) == 0 ? 0 : -1;
}

/* ---- the compiled object ---------------------------------------------------- */

#define TOOL_OUTPUT_MAX (1 << 20)

/* Run argv in dir (no shell); its standard output, NUL-terminated, in a
   malloc'd buffer (NULL if it could not run or failed). */
static char *capture(const char *dir, const char *const argv[])
{
    int p[2];
    if (pipe(p) == -1)
        return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        if (chdir(dir) == 0)
            execvp(argv[0], (char *const *) argv);
        _exit(127);
    }
    close(p[1]);
    char *buf = pid == -1 ? NULL : malloc(TOOL_OUTPUT_MAX);
    size_t n = 0;
    ssize_t got;
    while (buf && n < TOOL_OUTPUT_MAX - 1 && (got = read(p[0], buf + n, TOOL_OUTPUT_MAX - 1 - n)) > 0)
        n += (size_t) got;
    close(p[0]);
    int status;
    if (pid != -1 && (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The whole of path (bounded), or "" if it does not exist. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, TOOL_OUTPUT_MAX);
    if (f && buf)
        buf[fread(buf, 1, TOOL_OUTPUT_MAX - 1, f)] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* Does a line of list (name, "prefix*" or "*suffix"; # comments) allow name? */
static bool listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = list; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != '\0')) {
        size_t n = strcspn(line, "\n");
        if (n == 0 || line[0] == '#')
            continue;
        if (line[n - 1] == '*' && len >= n - 1 && strncmp(line, name, n - 1) == 0)
            return true;
        if (line[0] == '*' && n > 1 && len >= n - 1 && strncmp(line + 1, name + len - (n - 1), n - 1) == 0)
            return true;
        if (n == len && strncmp(line, name, n) == 0)
            return true;
    }
    return false;
}

/* "lab.c:LINE: " from nm -l's "\t/path/lab.c:LINE" (the compiler's cwd
   may be /tmp/test), or "lab.c: " where nm knows no line. */
static void where(const char *location, char *out, size_t len)
{
    const char *colon = location ? strrchr(location, ':') : NULL;
    if (colon && strstr(location, "lab.c:") == colon - 5)
        snprintf(out, len, "lab.c:%ld: ", strtol(colon + 1, NULL, 10));
    else
        snprintf(out, len, "lab.c: ");
}

/* ASan and UBSan register their own module constructor and destructor in
   .init_array.NNNNN / .fini_array.NNNNN: under --sanitize those numbered
   sections are theirs.  A student's own one there passes this first line
   only in that mode, and the split harness holds without it. */
static bool sanitizer_section(const struct options *opt, const char *name)
{
    const char *dot = strrchr(name, '.');
    return opt->sanitize && dot != name && strlen(dot + 1) == 5 && strspn(dot + 1, "0123456789") == 5 &&
           (strncmp(name, ".init_array.", 12) == 0 || strncmp(name, ".fini_array.", 12) == 0);
}

static int check_sections(const struct options *opt, const struct lab *lab, char *why, size_t len)
{
    static const char *const early[] = { ".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors",
                                         ".init", ".fini", NULL };
    const char *const argv[] = { "objdump", "-h", "lab.o", NULL };
    char *out = capture(lab->build_dir, argv);
    if (out == NULL) {
        snprintf(why, len, "grader: objdump -h lab.o failed (binutils: sh scripts/install-deps.sh)");
        return -1;
    }
    int rc = 0;
    for (char *line = strtok(out, "\n"); line && rc == 0; line = strtok(NULL, "\n")) {
        char name[256];
        if (sscanf(line, " %*d %255s", name) != 1)
            continue;
        for (int i = 0; early[i] && rc == 0; i++) {
            size_t n = strlen(early[i]);
            if (strncmp(name, early[i], n) == 0 && (name[n] == '\0' || name[n] == '.') &&
                !sanitizer_section(opt, name)) {
                snprintf(why, len, "lab.c: a %s section (code that runs outside the API's calls) is not"
                         " allowed in a lab", name);
                rc = -1;
            }
        }
    }
    free(out);
    return rc;
}

static int check_symbols(const struct options *opt, const struct lab *lab, char *why, size_t len)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/lab.h", lab->build_dir);
    char *header = slurp(path);
    snprintf(path, sizeof path, "%s/grader/allowed-calls", opt->courseware);
    char *allowed = slurp(path);
    snprintf(path, sizeof path, "%s/allowed-calls", lab->dir);
    char *extra = slurp(path);
    const char *const argv[] = { "nm", "-l", "lab.o", NULL };
    char *out = header && allowed && extra ? capture(lab->build_dir, argv) : NULL;
    int rc = 0;
    if (out == NULL || allowed[0] == '\0') {
        snprintf(why, len, "grader: cannot read lab.o's symbols or %s/grader/allowed-calls", opt->courseware);
        rc = -1;
    }
    for (char *line = out ? strtok(out, "\n") : NULL; line && rc == 0; line = strtok(NULL, "\n")) {
        char type = 0, name[256] = "", at[64];
        char *tab = strchr(line, '\t');
        if (tab)
            *tab++ = '\0';
        /* "ADDRESS TYPE NAME", or "TYPE NAME" for an undefined symbol */
        char w1[256], w2[256], w3[256];
        int words = sscanf(line, "%255s %255s %255s", w1, w2, w3);
        if (words < 2 || (words == 2 ? strlen(w1) : strlen(w2)) != 1)
            continue;
        type = words == 2 ? w1[0] : w2[0];
        snprintf(name, sizeof name, "%s", words == 2 ? w2 : w3);
        where(tab, at, sizeof at);
        bool reference = type == 'U' || type == 'w' || type == 'v';
        if (reference && !listed(allowed, name) && !listed(extra, name)) {
            snprintf(why, len, "%s%s is not among the calls a lab may make (grader/allowed-calls)", at, name);
            rc = -1;
        } else if (!reference && isupper((unsigned char) type) && !has_word(header, name)) {
            snprintf(why, len, "%s%s is defined outside lab.h's API: make it static", at, name);
            rc = -1;
        }
    }
    free(out);
    free(header);
    free(allowed);
    free(extra);
    return rc;
}

int check_object(const struct options *opt, const struct lab *lab, char *why, size_t len)
{
    return check_sections(opt, lab, why, len) == 0 && check_symbols(opt, lab, why, len) == 0 ? 0 : -1;
}
