/* report.c — what the grader tells people: a table on stdout, and files.

   results.json  Gradescope's format (score, tests[] with name, score,
                 max_score, status, output as Markdown, visibility); hidden tests are
                 "after_published".  Rewritten after every lab, and first of
                 all before anything runs, so a run that dies part-way still
                 leaves a score and a reason behind.
   report.txt    the table printed on stdout, without colour.
   results.tsv   one line per test, for scripts and the courseware's own
                 tests: lab, test, visibility, outcome, score, max, seconds,
                 reason.
   junit.xml, results.tap   the same for CI systems (export.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "grader.h"

const char *outcome_name(enum outcome o)
{
    static const char *const names[] = {
        [OUT_NOT_RUN] = "not-run", [OUT_PASS] = "pass", [OUT_FAIL] = "fail",
        [OUT_CRASH] = "crash", [OUT_TIMEOUT] = "timeout",
        [OUT_MEMORY_ERROR] = "memory-error", [OUT_IPC_LEAK] = "ipc-leak", [OUT_ERROR] = "error",
    };
    return names[o];
}

static void lab_totals(const struct lab *lab, int *score, int *max)
{
    *score = *max = 0;
    for (int i = 0; i < lab->ntests; i++) {
        *score += lab->tests[i].score;
        *max += lab->tests[i].points;
    }
}

void report_table(FILE *out, const struct options *opt, const struct lab *labs, int nlabs,
                  bool color)
{
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "";
    const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "";
    const char *off = color ? "\033[0m" : "";
    int total = 0, total_max = 0;

    fprintf(out, "\n%sshmlab grade%s  %s\n", bold, off, opt->submission);
    char cap[96] = "memory capped per process (no cgroup here)";
    if (opt->cgroup)
        snprintf(cap, sizeof cap, "%lu GiB and %d processes per test (%s)", TEST_MEMORY_MAX >> 30,
                 TEST_PROCESSES_MAX, opt->cgroup);
    fprintf(out, "%s%s, %s; %s; logs in %s%s\n", dim,
           opt->sanitize ? "ASan+UBSan build" : "valgrind memcheck",
           isolation_name(opt->iso), cap, opt->out, off);
    char beside[64] = "";
    if (opt->beside_waits > 0)
        snprintf(beside, sizeof beside, " (%d more beside tests that only waited)", opt->beside_waits);
    fprintf(out, "%smachine: %.1f CPU, %d test%s at once%s, %.2fx slower than the reference"
            " (time limits and patience scaled by it)%s\n", dim, available_cpus(), opt->jobs,
            opt->jobs == 1 ? "" : "s", beside,
            opt->sanitize ? opt->slowdown_native : opt->slowdown_valgrind, off);
    for (int l = 0; l < nlabs; l++) {
        const struct lab *lab = &labs[l];
        int score, max;
        lab_totals(lab, &score, &max);
        total += score;
        total_max += max;
        fprintf(out, "\n%s%-10s %-52s %3d/%d%s\n", bold, lab->slug, lab->title, score, max, off);
        if (lab->build_error[0]) {
            fprintf(out, "  %s0 points: %s%s\n", red, lab->build_error, off);
            continue;
        }
        for (int i = 0; i < lab->ntests; i++) {
            const struct test *t = &lab->tests[i];
            bool ok = t->outcome == OUT_PASS;
            char figure[64] = "";
            if (t->has_metric)  /* the @leaderboard test's own figure */
                snprintf(figure, sizeof figure, " (measured: %.4g, natively)", t->metric);
            fprintf(out, "  %s%-12s%s %3d/%-3d %s%s%s\n", ok ? green : red, outcome_name(t->outcome), off,
                   t->score, t->points, t->name, t->hidden ? " (hidden)" : "", figure);
            if (ok)
                continue;
            fprintf(out, "  %s             %s%s\n", dim, t->reason, off);
            for (int h = 0; h < HINT_LANGS; h++)
                if (t->hint[h][0])
                    fprintf(out, "               %s\n", t->hint[h]);
        }
    }
    fprintf(out, "\n%sTotal %d/%d%s\n", bold, total, total_max, off);
}

/* Bytes that are not UTF-8 become '?': jansson refuses invalid UTF-8, and
   a test whose reason carried a student's raw bytes would drop out of
   results.json. */
static void utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *) s;
    while (*p) {
        int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 4 : 0;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                len = 0;
        if (len == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
            len = 0;        /* overlong, or a UTF-16 surrogate */
        if (len == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
            len = 0;
        if (len == 0) {
            *p++ = '?';
            continue;
        }
        p += len;
    }
}

/* A failure as Markdown (Gradescope's "md" output format): the outcome in
   bold, then the reason verbatim in a code fence one backtick longer than
   any run of backticks in it (CommonMark: such a fence cannot be closed from
   inside, so a reason can neither format itself nor break out), then the
   hints.  The reason is a student's text; the hints are the courseware's. */
static void markdown_output(char *out, size_t len, const char *outcome, const char *reason,
                            const struct test *t)
{
    int longest = 0, run = 0;
    for (const char *p = reason; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    char fence[REASON_MAX + 4];
    int n = longest < 3 ? 3 : longest + 1;
    memset(fence, '`', (size_t) n);
    fence[n] = '\0';
    int used = snprintf(out, len, "**%s**\n\n%s\n%s\n%s\n", outcome, fence, reason, fence);
    for (int h = 0; h < HINT_LANGS && used >= 0 && (size_t) used < len; h++)
        if (t->hint[h][0])
            used += snprintf(out + used, len - (size_t) used, "\n%s\n", t->hint[h]);
}

static json_t *test_json(const struct lab *lab, const struct test *t)
{
    char name[256], output[2 * REASON_MAX + HINT_LANGS * HINT_MAX + 64];
    snprintf(name, sizeof name, "%s: %s", lab->slug, t->name);
    if (lab->build_error[0])
        markdown_output(output, sizeof output, "not run", lab->build_error, t);
    else if (t->outcome == OUT_PASS)
        snprintf(output, sizeof output, "pass");
    else
        markdown_output(output, sizeof output, outcome_name(t->outcome), t->reason, t);
    utf8_clean(output);
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s}", "name", name, "score", t->score,
                     "max_score", t->points, "status", t->outcome == OUT_PASS ? "passed" : "failed",
                     "output", output, "output_format", "md",
                     "visibility", t->hidden ? "after_published" : "visible");
}

/* Write path through a temporary file and rename, so a reader never sees
   half a file. */
static int write_json(const char *path, json_t *root)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) == -1)
        return -1;
    return rename(tmp, path);
}

static int write_tsv(const char *path, const struct lab *labs, int nlabs)
{
    char tmp[PATH_MAX + 8];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    fprintf(f, "lab\ttest\tvisibility\toutcome\tscore\tmax_score\tseconds\treason\n");
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].ntests; i++) {
            const struct test *t = &labs[l].tests[i];
            fprintf(f, "%s\t%s\t%s\t%s\t%d\t%d\t%.2f\t%s\n", labs[l].slug, t->name,
                    t->hidden ? "hidden" : "public", outcome_name(t->outcome), t->score,
                    t->points, t->seconds, labs[l].build_error[0] ? labs[l].build_error : t->reason);
        }
    return close_and_rename(f, tmp, path);
}

int write_results(const struct options *opt, const struct lab *labs, int nlabs,
                  bool finished, const char *note)
{
    json_t *tests = json_array();
    int total = 0;
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].ntests; i++) {
            json_array_append_new(tests, test_json(&labs[l], &labs[l].tests[i]));
            total += labs[l].tests[i].score;
        }
    json_t *root = json_pack("{s:i, s:s, s:s, s:o}", "score", total, "output_format", "md", "output",
                             finished ? note : "grading did not finish: the scores so far are partial",
                             "tests", tests);
    json_t *board = root ? leaderboard_json(opt, labs, nlabs) : NULL;
    if (board)
        json_object_set_new(root, "leaderboard", board);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results.json", opt->out);
    int rc = root ? write_json(path, root) : -1;
    json_decref(root);
    snprintf(path, sizeof path, "%s/results.tsv", opt->out);
    if (write_tsv(path, labs, nlabs) == -1)
        rc = -1;
    snprintf(path, sizeof path, "%s/junit.xml", opt->out);
    if (write_junit(path, labs, nlabs) == -1)
        rc = -1;
    snprintf(path, sizeof path, "%s/results.tap", opt->out);
    if (write_tap(path, labs, nlabs) == -1)
        rc = -1;
    snprintf(path, sizeof path, "%s/metrics.tsv", opt->out);
    if (write_metrics(path, labs, nlabs) == -1)
        rc = -1;
    return rc;
}
