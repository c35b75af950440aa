/* leaderboard.c — a lab's @leaderboard figure, for Gradescope.

   The lab's @leaderboard test (its points file) measures something in the
   trusted runner, lab 01's ring throughput say, and sends it with its pass
   ("pass metric VALUE").  Every results folder gets metrics.tsv (lab, test,
   value) for those tests.  With --leaderboard-reference DIR, results.json
   also gets Gradescope's "leaderboard": per such lab, the submission's
   figure over the one in DIR/metrics.tsv, which run_autograder measures for
   the reference solution in the same container just before: a ratio, so the
   figure means the same on every machine.  A failed test's ratio is 0. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "grader.h"

int write_metrics(const char *path, const struct lab *labs, int nlabs)
{
    char tmp[PATH_MAX + 8];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    fprintf(f, "lab\ttest\tvalue\n");
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].ntests; i++)
            if (labs[l].tests[i].has_metric)
                fprintf(f, "%s\t%s\t%.6g\n", labs[l].slug, labs[l].tests[i].name, labs[l].tests[i].metric);
    return close_and_rename(f, tmp, path);
}

/* The reference's figure for lab/test, or a value <= 0 if it has none. */
static double reference_metric(const char *dir, const char *lab, const char *test)
{
    char path[PATH_MAX + 16], line[512], l[64], t[128];
    double v, found = 0;
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "%63[^\t]\t%127[^\t]\t%lf", l, t, &v) == 3 && strcmp(l, lab) == 0 &&
            strcmp(t, test) == 0)
            found = v;
    if (f)
        fclose(f);
    return found;
}

json_t *leaderboard_json(const struct options *opt, const struct lab *labs, int nlabs)
{
    if (opt->leaderboard_ref == NULL)
        return NULL;
    json_t *board = json_array();
    for (int l = 0; board && l < nlabs; l++) {
        const struct lab *lab = &labs[l];
        for (int i = 0; i < lab->ntests; i++) {
            const struct test *t = &lab->tests[i];
            if (!t->native)
                continue;
            double ref = reference_metric(opt->leaderboard_ref, lab->slug, t->name);
            if (ref <= 0)
                continue;       /* the reference did not run here: no fair ratio */
            double ratio = t->outcome == OUT_PASS && t->has_metric ? t->metric / ref : 0;
            json_array_append_new(board, json_pack("{s:s, s:f, s:s}", "name", lab->leaderboard_title,
                                                   "value", (double) (long) (ratio * 1000 + 0.5) / 1000,
                                                   "order", "desc"));
        }
    }
    if (board && json_array_size(board) == 0) {
        json_decref(board);
        return NULL;
    }
    return board;
}
