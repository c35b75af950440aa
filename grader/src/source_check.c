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
     constructor or destructor (code that runs outside the API's calls). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
        { "destructor", "a destructor (code that runs after main)" },
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
