/* labs.c — find the labs and read their points files.

   A lab is any folder labs/NN-slug/ holding a `points` file; its hidden tests,
   if any, are grader/hidden/NN-slug/ with a points file of their own.  Nothing
   here names a lab: adding one is adding folders.

   points file:   # comment
                  @title The i++ race across processes
                  @timeout 5          base seconds per test, natively
                  test_name  10       one test per line: name, points */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grader.h"

#define DEFAULT_TIMEOUT_S 5.0

static bool is_lab_slug(const char *name)
{
    return isdigit((unsigned char) name[0]) && isdigit((unsigned char) name[1]) &&
           name[2] == '-' && name[3] != '\0' && strlen(name) < sizeof ((struct lab *) 0)->slug;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Read one points file into lab; -1 (message printed) on a malformed file,
   which is the courseware's bug, not a student's. */
static int read_points(struct lab *lab, const char *path, bool hidden)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "grader: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "#\r\n")] = '\0';
        if (*p == '\0')
            continue;
        char name[128];
        double num;
        if (strncmp(p, "@title", 6) == 0 && isspace((unsigned char) p[6])) {
            if (!hidden) {
                snprintf(lab->title, sizeof lab->title, "%s", p + 7 + strspn(p + 7, " \t"));
                one_line(lab->title);
            }
        } else if (sscanf(p, "@timeout %lf", &num) == 1 && num > 0) {
            if (!hidden)
                lab->timeout_s = num;
        } else if (sscanf(p, "%127s %lf", name, &num) == 2 && name[0] != '@' &&
                   num >= 0 && num == (int) num && lab->ntests < MAX_TESTS) {
            for (int i = 0; i < lab->ntests; i++)
                if (strcmp(lab->tests[i].name, name) == 0) {
                    fprintf(stderr, "grader: %s:%d: test %s listed twice\n", path, lineno, name);
                    rc = -1;
                }
            struct test *t = &lab->tests[lab->ntests++];
            memset(t, 0, sizeof *t);
            snprintf(t->name, sizeof t->name, "%s", name);
            t->points = (int) num;
            t->hidden = hidden;
        } else {
            fprintf(stderr, "grader: %s:%d: expected 'test_name points', '@title TEXT' "
                    "or '@timeout SECONDS'\n", path, lineno);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int compare_labs(const void *a, const void *b)
{
    return strcmp(((const struct lab *) a)->slug, ((const struct lab *) b)->slug);
}

/* Fill labs[] sorted by number; returns how many, or -1 on a broken points file. */
int discover_labs(const struct options *opt, struct lab *labs, int max)
{
    char labs_dir[PATH_MAX];
    snprintf(labs_dir, sizeof labs_dir, "%s/labs", opt->courseware);
    DIR *d = opendir(labs_dir);
    if (d == NULL) {
        fprintf(stderr, "grader: %s: %s\n", labs_dir, strerror(errno));
        return -1;
    }
    int n = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (!is_lab_slug(e->d_name))
            continue;
        struct lab *lab = &labs[n];
        memset(lab, 0, sizeof *lab);
        snprintf(lab->slug, sizeof lab->slug, "%s", e->d_name);
        lab->number = atoi(e->d_name);
        lab->timeout_s = DEFAULT_TIMEOUT_S;
        snprintf(lab->dir, sizeof lab->dir, "%s/%s", labs_dir, e->d_name);
        char points[PATH_MAX + 16];
        snprintf(points, sizeof points, "%s/points", lab->dir);
        if (!is_file(points))
            continue;
        n++;
        if (read_points(lab, points, false) == -1)
            rc = -1;
        if (opt->public_only)
            continue;
        snprintf(lab->hidden_dir, sizeof lab->hidden_dir, "%s/grader/hidden/%s",
                 opt->courseware, e->d_name);
        snprintf(points, sizeof points, "%s/points", lab->hidden_dir);
        if (!is_file(points))
            lab->hidden_dir[0] = '\0';
        else if (read_points(lab, points, true) == -1)
            rc = -1;
    }
    closedir(d);
    qsort(labs, (size_t) n, sizeof *labs, compare_labs);
    if (rc == -1)
        return -1;
    return n;
}

/* "4", "04" and "04-race" all pick lab 04-race. */
int lab_matches(const struct lab *lab, const char *which)
{
    char *end;
    long num = strtol(which, &end, 10);
    if (end != which && *end == '\0')
        return num == lab->number;
    return strcmp(which, lab->slug) == 0;
}
