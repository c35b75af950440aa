/* util.c — small file and string helpers the grader's parts share. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader.h"

int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) == -1 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove(path);
}

int fresh_dir(const char *path)
{
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 && errno != ENOENT)
        return -1;
    return mkdir_p(path);
}

FILE *open_test_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd == -1)
        return NULL;
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (f == NULL)
        close(fd);
    return f;
}

void one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
}

/* A CSV field, quoted when it needs to be (RFC 4180).  A field that a
   spreadsheet would read as a formula (it begins with = + - @, a tab or a
   carriage return: a student folder named "=HYPERLINK(...)") gets a leading
   ' and is quoted, so it stays text. */
void csv_field(FILE *f, const char *text)
{
    bool formula = strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0';
    if (!formula && strpbrk(text, ",\"\n\r") == NULL) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Every results file is written to path.tmp and renamed over path, so that a
   reader (Gradescope, an LMS import, a script) never sees half a file. */
FILE *open_tmp(const char *path, char *tmp, size_t len)
{
    snprintf(tmp, len, "%s.tmp", path);
    return fopen(tmp, "w");
}

int close_and_rename(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

double read_number(const char *path)
{
    double v = -1;
    FILE *f = fopen(path, "re");
    if (f != NULL && fscanf(f, "%lf", &v) != 1)
        v = -1;
    if (f != NULL)
        fclose(f);
    return v;
}

double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}
