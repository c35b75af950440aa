/* class.c — grade a whole class: one sub-folder per student.

   Each student is graded by a child grader process of its own (this same
   program, --submission STUDENT --jobs 1, or more in a class smaller than
   the core count), opt->jobs of them at a time: a submission that wrecks
   its grader wrecks only its own row.  Output order
   is the sorted folder order whatever finishes first.

   OUT/students/<student>/  that student's results.json, results.tsv, report.txt,
                            logs (a folder of its own: no student, not even one
                            named "gradebook.csv", lands beside the gradebook)
   OUT/gradebook.csv        student, one column per lab, total, status
   OUT/canvas.csv, moodle.csv  the same grades for LMS import (lms.c), named
                            by --roster where one is given

   $ build/bin/shmlab-grade --class submissions/ --out build/grade/class */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

#define MAX_STUDENTS 2000

struct student {
    char name[256];
    pid_t pid;
    int status;                /* the child grader's wait status */
    int scores[MAX_LABS];
    int total;
};

static int is_student(const struct dirent *e)
{
    return e->d_name[0] != '.' && e->d_type == DT_DIR;
}

/* OUT/students/<student>[/file]: every student's results live there. */
static void student_path(const struct options *opt, const struct student *s, const char *file,
                         char *path, size_t len)
{
    snprintf(path, len, "%s/students/%s%s%s", opt->out, s->name, file[0] ? "/" : "", file);
}

/* Start the child grader for one student; its output goes to grader.log. */
static pid_t start_student(const struct options *opt, const char *self, const struct student *s, int nstudents)
{
    char sub[PATH_MAX * 2], out[PATH_MAX * 2], log[PATH_MAX * 2 + 16];
    snprintf(sub, sizeof sub, "%s/%s", opt->class_dir, s->name);
    student_path(opt, s, "", out, sizeof out);
    student_path(opt, s, "grader.log", log, sizeof log);
    if (fresh_dir(out) == -1)
        return -1;
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The class's grader stopped (killed, not only Ctrl-C's whole group):
       this one stops too, and its tests with it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1)
        _exit(2);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    /* The cores go round the students: one test at a time each when
       there are more students than cores, more when there are fewer (a
       class of one runs as one submission does). */
    char scale[32], slowdown[64], jobs[16];
    int running = nstudents < opt->jobs ? nstudents : opt->jobs;
    snprintf(jobs, sizeof jobs, "%d", running > 0 && opt->jobs / running > 1 ? opt->jobs / running : 1);
    snprintf(scale, sizeof scale, "%g", opt->timeout_scale);
    snprintf(slowdown, sizeof slowdown, "%.3f,%.3f", opt->slowdown_native, opt->slowdown_valgrind);
    const char *argv[26] = { self, "--courseware", opt->courseware, "--submission", sub,
                             "--out", out, "--jobs", jobs, "--timeout-scale", scale,
                             "--slowdown", slowdown };
    int n = 13;
    /* The labs' own tests, built once for the class (grade_class). */
    if (opt->no_speedups) {
        argv[n++] = "--no-speedups";
    } else {
        argv[n++] = "--trusted";
        argv[n++] = opt->trusted;
    }
    if (opt->only_lab) {
        argv[n++] = "--lab";
        argv[n++] = opt->only_lab;
    }
    if (opt->public_only)
        argv[n++] = "--public-only";
    if (opt->sanitize)
        argv[n++] = "--sanitize";
    /* Every option that changes how a test runs reaches each student's grader. */
    if (opt->no_namespace)
        argv[n++] = "--no-namespace";
    if (opt->no_static_checks)
        argv[n++] = "--no-static-checks";
    argv[n] = NULL;
    execv(self, (char *const *) argv);
    _exit(2);
}

/* Add up one student's results.tsv per lab (missing file: all zero). */
static void read_scores(const struct options *opt, const struct lab *labs, int nlabs, struct student *s)
{
    char path[PATH_MAX * 2], line[4096];
    student_path(opt, s, "results.tsv", path, sizeof path);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f) != NULL) {
        char lab[64];
        int score;
        if (sscanf(line, "%63[^\t]\t%*[^\t]\t%*[^\t]\t%*[^\t]\t%d", lab, &score) != 2)
            continue;
        for (int l = 0; l < nlabs; l++)
            if (strcmp(labs[l].slug, lab) == 0) {
                s->scores[l] += score;
                s->total += score;
            }
    }
    if (f)
        fclose(f);
}

static const char *status_text(const struct student *s, char *buf, size_t len)
{
    if (WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)
        return "ok";
    if (WIFEXITED(s->status))
        snprintf(buf, len, "grader failed (exit %d): see students/%s/grader.log", WEXITSTATUS(s->status), s->name);
    else
        snprintf(buf, len, "grader killed by signal %d: see students/%s/grader.log", WTERMSIG(s->status), s->name);
    return buf;
}

static int write_gradebook(const struct options *opt, const struct lab *labs, int nlabs,
                           const struct student *students, int n)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 40], buf[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/gradebook.csv", opt->out);
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    fputs("student", f);
    for (int l = 0; l < nlabs; l++)
        fprintf(f, ",%s", labs[l].slug);
    fputs(",total,status\n", f);
    for (int i = 0; i < n; i++) {
        csv_field(f, students[i].name);
        for (int l = 0; l < nlabs; l++)
            fprintf(f, ",%d", students[i].scores[l]);
        fprintf(f, ",%d,", students[i].total);
        csv_field(f, status_text(&students[i], buf, sizeof buf));
        fputc('\n', f);
    }
    return close_and_rename(f, tmp, path);
}

int grade_class(const struct options *opt, const char *self, const struct lab *labs, int nlabs)
{
    /* Every lab's courseware side once, for all the students' graders. */
    if (!opt->no_speedups) {
        struct lab *copy = malloc(sizeof *copy * (size_t) nlabs);
        if (copy == NULL) {
            fprintf(stderr, "grader: out of memory\n");
            return 2;
        }
        memcpy(copy, labs, sizeof *copy * (size_t) nlabs);
        build_labs(opt, copy, nlabs, false);
        free(copy);
    }
    /* The roster first: a bad one stops us before an hour of grading. */
    struct roster *roster = NULL;
    if (opt->roster && (roster = roster_read(opt->roster)) == NULL)
        return 2;
    struct dirent **names;
    int n = scandir(opt->class_dir, &names, is_student, alphasort);
    if (n == -1) {
        fprintf(stderr, "grader: %s: %s\n", opt->class_dir, strerror(errno));
        return 2;
    }
    if (n > MAX_STUDENTS)
        n = MAX_STUDENTS;
    struct student *students = calloc((size_t) (n ? n : 1), sizeof *students);
    char folders[PATH_MAX + 16];
    snprintf(folders, sizeof folders, "%s/students", opt->out);
    if (students == NULL || mkdir_p(folders) == -1) {
        fprintf(stderr, "grader: cannot prepare %s: %s\n", opt->out, strerror(errno));
        return 2;
    }
    for (int i = 0; i < n; i++) {
        snprintf(students[i].name, sizeof students[i].name, "%s", names[i]->d_name);
        free(names[i]);
    }
    free(names);

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool progress = isatty(STDERR_FILENO) && !opt->quiet;
    int next = 0, running = 0, done = 0;
    while (done < n) {
        while (running < opt->jobs && next < n) {
            students[next].pid = start_student(opt, self, &students[next], n);
            if (students[next].pid == -1) {
                students[next].status = 2 << 8;  /* as if it had exited 2 */
                done++;
            } else {
                running++;
            }
            next++;
        }
        if (running == 0)
            continue;
        int status;
        pid_t pid = wait(&status);
        if (pid == -1 && errno == EINTR)
            continue;
        if (pid == -1)
            break;
        for (int i = 0; i < n; i++)
            if (students[i].pid == pid) {
                students[i].status = status;
                read_scores(opt, labs, nlabs, &students[i]);
                running--;
                done++;
            }
        if (progress && done > 0) {
            /* ETA from the pace so far: submissions differ, so it settles as they go. */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double spent = (double) (now.tv_sec - start.tv_sec) + (double) (now.tv_nsec - start.tv_nsec) / 1e9;
            long left = (long) (spent / done * (n - done) + 0.5);
            fprintf(stderr, "\r  graded %d/%d submissions, about %ldm%02lds left ", done, n, left / 60, left % 60);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (progress)
        fprintf(stderr, "\r%60s\r", "");

    int rc = write_gradebook(opt, labs, nlabs, students, n) == 0 ? 0 : 2;
    struct class_row *rows = calloc((size_t) (n ? n : 1), sizeof *rows);
    for (int i = 0; rows && i < n; i++)
        rows[i] = (struct class_row) { students[i].name, students[i].scores,
                                       WIFEXITED(students[i].status) && WEXITSTATUS(students[i].status) == 0 };
    if (rows == NULL || write_lms(opt, roster, labs, nlabs, rows, n) == -1)
        rc = 2;
    free(rows);
    roster_free(roster);
    if (!opt->quiet) {
        int max_total = 0;
        printf("\nshmlab grade  class %s: %d submission%s in %.1f s\n\n%-24s", opt->class_dir, n,
               n == 1 ? "" : "s",
               (double) (end.tv_sec - start.tv_sec) + (double) (end.tv_nsec - start.tv_nsec) / 1e9,
               "student");
        for (int l = 0; l < nlabs; l++) {
            int max = 0;
            for (int t = 0; t < labs[l].ntests; t++)
                max += labs[l].tests[t].points;
            max_total += max;
            printf(" %7.7s", labs[l].slug);
        }
        printf("   total/%d\n", max_total);
        for (int i = 0; i < n; i++) {
            char buf[PATH_MAX + 300];
            printf("%-24.24s", students[i].name);
            for (int l = 0; l < nlabs; l++)
                printf(" %7d", students[i].scores[l]);
            const char *st = status_text(&students[i], buf, sizeof buf);
            printf("   %5d%s%s\n", students[i].total, strcmp(st, "ok") ? "   " : "", strcmp(st, "ok") ? st : "");
        }
        printf("\ngradebook: %s/gradebook.csv (for an LMS: canvas.csv, moodle.csv); per student: "
               "%s/students/<student>/report.txt\n", opt->out, opt->out);
    }
    free(students);
    return rc;
}
