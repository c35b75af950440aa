/* labs.c — find the labs and read their points files.

   A lab is any folder labs/NN-slug/ holding a `points` file; its hidden tests,
   if any, are grader/hidden/NN-slug/ with a points file of their own.  Nothing
   here names a lab: adding one is adding folders.

   points file:   # comment
                  @title The i++ race across processes
                  @timeout 5          base seconds per test, natively
                  @leaderboard ring_throughput Ring throughput (x the reference)
                                      that test (0 points) runs natively and
                                      its figure goes to Gradescope's
                                      leaderboard, as a ratio to the
                                      reference's (--leaderboard-reference)
                  test_name  10  the-ring
                                      one test per line: name, points, and
                                      optionally the id of the handout
                                      section it exercises (a heading ending
                                      in {#the-ring} in handouts/en/NN-slug.md,
                                      and in the zh-CN one where it exists):
                                      the hint shown under a failure
                  test_name  6  the-ring  thread-sanitizer
                                      a fourth word: the test's lab process
                                      is the ThreadSanitizer build, run
                                      natively (a data race fails it) */
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

/* The handout languages a hint is given in, and how each introduces it. */
static const char *const hint_lang[HINT_LANGS] = { "en", "zh-CN" };
static const char *const hint_word[HINT_LANGS] = { "hint", "提示" };

/* Fill t->hint[] from the handouts' heading "... {#section}": -1 (message
   printed) when a handout that exists has no such heading, the courseware's
   bug.  The English handout must exist; the others are optional. */
static int resolve_hint(const struct options *opt, const struct lab *lab, struct test *t,
                        const char *section, const char *points, int lineno)
{
    char anchor[160];
    snprintf(anchor, sizeof anchor, "{#%s}", section);
    for (int l = 0; l < HINT_LANGS; l++) {
        char rel[PATH_MAX], path[PATH_MAX * 2], line[1024];
        snprintf(rel, sizeof rel, "handouts/%s/%s.md", hint_lang[l], lab->slug);
        snprintf(path, sizeof path, "%s/%s", opt->courseware, rel);
        FILE *f = fopen(path, "r");
        if (f == NULL && l > 0)
            continue;
        bool found = false;
        while (f && !found && fgets(line, sizeof line, f) != NULL) {
            line[strcspn(line, "\r\n")] = '\0';
            char *at = strstr(line, anchor);
            if (line[0] != '#' || at == NULL || at[strlen(anchor)] != '\0')
                continue;
            while (at > line && at[-1] == ' ')
                at--;
            *at = '\0';
            const char *title = line + strspn(line, "# ");
            snprintf(t->hint[l], sizeof t->hint[l], "%s: %s#%s \"%s\"", hint_word[l], rel,
                     section, title);
            found = true;
        }
        if (f)
            fclose(f);
        if (!found) {
            fprintf(stderr, "grader: %s:%d: test %s points to section %s, which %s has no heading for\n",
                    points, lineno, t->name, section, rel);
            return -1;
        }
    }
    return 0;
}

/* Read one points file into lab; -1 (message printed) on a malformed file,
   which is the courseware's bug, not a student's. */
static int read_points(const struct options *opt, struct lab *lab, const char *path, bool hidden)
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
        char name[128], section[128] = "", flag[32] = "";
        double num;
        int skip = 0;
        if (strncmp(p, "@title", 6) == 0 && isspace((unsigned char) p[6])) {
            if (!hidden) {
                snprintf(lab->title, sizeof lab->title, "%s", p + 7 + strspn(p + 7, " \t"));
                one_line(lab->title);
            }
        } else if (sscanf(p, "@timeout %lf", &num) == 1 && num > 0) {
            if (!hidden)
                lab->timeout_s = num;
        } else if (!hidden && sscanf(p, "@leaderboard %127s %n", name, &skip) == 1 && skip > 0 &&
                   p[skip] != '\0') {
            snprintf(lab->leaderboard, sizeof lab->leaderboard, "%s", name);
            snprintf(lab->leaderboard_title, sizeof lab->leaderboard_title, "%s", p + skip);
            one_line(lab->leaderboard_title);
        } else if (sscanf(p, "%127s %lf %127s %31s", name, &num, section, flag) >= 2 && name[0] != '@' &&
                   num >= 0 && num == (int) num && lab->ntests < MAX_TESTS &&
                   (flag[0] == '\0' || strcmp(flag, "thread-sanitizer") == 0)) {
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
            t->tsan = flag[0] != '\0';
            lab->has_tsan |= t->tsan;
            if (section[0] && resolve_hint(opt, lab, t, section, path, lineno) == -1)
                rc = -1;
        } else {
            fprintf(stderr, "grader: %s:%d: expected 'test_name points [section [thread-sanitizer]]', '@title TEXT', "
                    "'@timeout SECONDS' or '@leaderboard TEST TITLE'\n", path, lineno);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* The @leaderboard test: it must be one of the lab's tests and carry no
   points (it runs without the memory check).  With --leaderboard-only it is
   the only test kept; a lab without one is then not graded (returns 1). */
static int mark_leaderboard(const struct options *opt, struct lab *lab)
{
    if (lab->leaderboard[0] == '\0')
        return opt->leaderboard_only ? 1 : 0;
    for (int i = 0; i < lab->ntests; i++) {
        struct test *t = &lab->tests[i];
        if (strcmp(t->name, lab->leaderboard) != 0)
            continue;
        if (t->points != 0) {
            fprintf(stderr, "grader: %s/points: the @leaderboard test %s must carry 0 points "
                    "(it runs without valgrind), not %d\n", lab->dir, t->name, t->points);
            return -1;
        }
        t->native = true;
        if (opt->leaderboard_only) {
            lab->tests[0] = *t;
            lab->ntests = 1;
        }
        return 0;
    }
    fprintf(stderr, "grader: %s/points: @leaderboard names %s, which is not one of its tests\n",
            lab->dir, lab->leaderboard);
    return -1;
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
        if (read_points(opt, lab, points, false) == -1)
            rc = -1;
        if (opt->public_only)
            continue;
        snprintf(lab->hidden_dir, sizeof lab->hidden_dir, "%s/grader/hidden/%s",
                 opt->courseware, e->d_name);
        snprintf(points, sizeof points, "%s/points", lab->hidden_dir);
        if (!is_file(points))
            lab->hidden_dir[0] = '\0';
        else if (read_points(opt, lab, points, true) == -1)
            rc = -1;
    }
    closedir(d);
    /* After the hidden points too: the public one may name a hidden test. */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int m = mark_leaderboard(opt, &labs[i]);
        if (m == -1)
            rc = -1;
        if (m != 1 && kept++ != i)
            labs[kept - 1] = labs[i];
    }
    n = kept;
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
