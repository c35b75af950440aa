/* export.c — the same results for CI systems: JUnit XML and TAP 13.

   junit.xml     one <testsuite> per lab, one <testcase> per test; a failing
                 test has <failure type="OUTCOME" message="REASON"> (a grader
                 fault: <error>); score, max_score and visibility (hidden
                 tests: "hidden") as <property> elements.
   results.tap   TAP version 13: "ok N - LAB: TEST" or "not ok", each with a
                 YAML block (outcome, score, max_score, visibility, seconds,
                 reason).

   Reasons carry text from the test (and so, indirectly, from the student):
   anything outside printable ASCII becomes '?', so both files stay valid
   XML and YAML whatever the submission printed. */
#include <stdio.h>
#include <string.h>

#include "grader.h"

static const char *reason_of(const struct lab *lab, const struct test *t)
{
    return lab->build_error[0] ? lab->build_error : t->reason;
}

static bool passed(const struct test *t)
{
    return t->outcome == OUT_PASS;
}

/* Printable ASCII only; XML's five specials as entities. */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
        }
    }
}

/* A YAML single-quoted scalar: ' doubled, printable ASCII only. */
static void yaml_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '\'')
            fputs("''", f);
        else
            fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
    fputc('\'', f);
}


int write_junit(const char *path, const struct lab *labs, int nlabs)
{
    char tmp[PATH_MAX + 8];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    int tests = 0, failures = 0, errors = 0;
    double seconds = 0;
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].ntests; i++) {
            const struct test *t = &labs[l].tests[i];
            tests++;
            errors += t->outcome == OUT_ERROR;
            failures += !passed(t) && t->outcome != OUT_ERROR;
            seconds += t->seconds;
        }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"shmlab\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.2f\">\n",
            tests, failures, errors, seconds);
    for (int l = 0; l < nlabs; l++) {
        const struct lab *lab = &labs[l];
        int lf = 0, le = 0;
        double ls = 0;
        for (int i = 0; i < lab->ntests; i++) {
            le += lab->tests[i].outcome == OUT_ERROR;
            lf += !passed(&lab->tests[i]) && lab->tests[i].outcome != OUT_ERROR;
            ls += lab->tests[i].seconds;
        }
        fprintf(f, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.2f\">\n",
                lab->slug, lab->ntests, lf, le, ls);
        for (int i = 0; i < lab->ntests; i++) {
            const struct test *t = &lab->tests[i];
            fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.2f\">\n", lab->slug, t->name,
                    t->seconds);
            fprintf(f, "      <properties>\n"
                       "        <property name=\"score\" value=\"%d\"/>\n"
                       "        <property name=\"max_score\" value=\"%d\"/>\n"
                       "        <property name=\"visibility\" value=\"%s\"/>\n"
                       "      </properties>\n", t->score, t->points, t->hidden ? "hidden" : "public");
            if (!passed(t)) {
                const char *element = t->outcome == OUT_ERROR ? "error" : "failure";
                fprintf(f, "      <%s type=\"%s\" message=\"", element, outcome_name(t->outcome));
                xml_text(f, reason_of(lab, t));
                fprintf(f, "\">");
                xml_text(f, reason_of(lab, t));
                fprintf(f, "</%s>\n", element);
            }
            fprintf(f, "    </testcase>\n");
        }
        fprintf(f, "  </testsuite>\n");
    }
    fprintf(f, "</testsuites>\n");
    return close_and_rename(f, tmp, path);
}

int write_tap(const char *path, const struct lab *labs, int nlabs)
{
    char tmp[PATH_MAX + 8];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    int n = 0;
    for (int l = 0; l < nlabs; l++)
        n += labs[l].ntests;
    fprintf(f, "TAP version 13\n1..%d\n", n);
    n = 0;
    for (int l = 0; l < nlabs; l++)
        for (int i = 0; i < labs[l].ntests; i++) {
            const struct test *t = &labs[l].tests[i];
            fprintf(f, "%s %d - %s: %s\n", passed(t) ? "ok" : "not ok", ++n, labs[l].slug, t->name);
            fprintf(f, "  ---\n  outcome: %s\n  score: %d\n  max_score: %d\n  visibility: %s\n"
                       "  seconds: %.2f\n", outcome_name(t->outcome), t->score, t->points,
                    t->hidden ? "hidden" : "public", t->seconds);
            if (!passed(t)) {
                fprintf(f, "  reason: ");
                yaml_quoted(f, reason_of(&labs[l], t));
                fputc('\n', f);
            }
            fprintf(f, "  ...\n");
        }
    return close_and_rename(f, tmp, path);
}
