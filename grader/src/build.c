/* build.c — compile one submitted lab.c against the courseware's own files.

   Never in place and never with the submission's Makefile: only lab.c is
   copied into a fresh folder, then compiled with fixed flags, with the
   courseware's lab.h forced in first (-include) so a changed signature is a
   compile error rather than a silent mismatch.  Two programs come out:
   labproc (lab.c + the dispatcher generated from lab.h: the only one that
   holds student code) and runner (the tests, the stubs and libcheck: no
   student code), see grader/runner/split.h.  Any failure here scores the
   lab 0 with the compiler's first error as the one-line reason. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

#ifndef CHECK_CFLAGS
#define CHECK_CFLAGS ""
#endif
#ifndef CHECK_LIBS
#define CHECK_LIBS "-lcheck"
#endif

#define MAX_SOURCE_BYTES (1 << 20)  /* a lab.c larger than 1 MiB is not a lab */
#define COMPILE_TIMEOUT_S 60
#define MAX_ARGS 64

/* The fixed flags.  _GNU_SOURCE is defined empty, so a lab.c that says
   `#define _GNU_SOURCE` itself redefines it identically (no warning). */
static const char *const base_flags[] = {
    "-std=c11", "-D_GNU_SOURCE=", "-Wall", "-Wextra", "-Werror", "-g", "-O0", "-pthread", NULL
};
/* The lab process of the tests marked thread-sanitizer (labproc-tsan). */
#define TSAN_FLAG "-fsanitize=thread"
static const char *const sanitize_flags[] = {
    "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
    "-fno-omit-frame-pointer", NULL
};

/* Split a flags string from pkg-config into argv words (no quoting in it). */
static void push_words(const char **argv, int *argc, char *words)
{
    for (char *w = strtok(words, " \t\n"); w != NULL && *argc < MAX_ARGS - 1; w = strtok(NULL, " \t\n"))
        argv[(*argc)++] = w;
}

static void push_list(const char **argv, int *argc, const char *const *list)
{
    for (; *list != NULL && *argc < MAX_ARGS - 1; list++)
        argv[(*argc)++] = *list;
}

/* Run argv in dir with stdout+stderr appended to log; the exit status, or -1
   when it could not run or was killed at the time limit.  confine (or
   NULL: the courseware's own sources) is for the compiler reading a
   student's lab.c: it runs as a test would, in namespaces that hide the
   kit, the submissions, the results and the homes, with dir as its only
   folder and, as root, as a uid of its own. */
static int run_logged_as(const char *const argv[], const char *dir, const char *log,
                         const struct options *confine)
{
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd == -1 || null == -1)
            _exit(127);
        dup2(null, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        setpgid(0, 0);
        uid_t uid = confine ? sandbox_uid() : 0;
        if (confine ? sandbox_enter_folder(confine, dir) == -1 : chdir(dir) == -1) {
            dprintf(fd, "grader: cannot enter %s: %s\n", dir, strerror(errno));
            _exit(127);
        }
        /* A source that names /dev/zero or a FIFO must not eat the machine:
           the compiler's memory, output and CPU are capped (the wall clock
           too, below). */
        struct rlimit as = { 2UL << 30, 2UL << 30 }, fsize = { 256UL << 20, 256UL << 20 };
        struct rlimit cpu = { COMPILE_TIMEOUT_S, COMPILE_TIMEOUT_S }, nproc = { 64, 64 };
        setrlimit(RLIMIT_AS, &as);
        setrlimit(RLIMIT_FSIZE, &fsize);
        setrlimit(RLIMIT_CPU, &cpu);
        if (uid != 0) {
            setrlimit(RLIMIT_NPROC, &nproc);
            if (chown(".", uid, uid) == -1 || setgroups(0, NULL) == -1 || setgid(uid) == -1 ||
                setuid(uid) == -1) {
                dprintf(fd, "grader: cannot drop to uid %ld: %s\n", (long) uid, strerror(errno));
                _exit(127);
            }
        }
        execvp(argv[0], (char *const *) argv);
        dprintf(fd, "grader: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    struct timespec start, now, nap = { 0, 20 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (w == -1 && errno != EINTR)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > COMPILE_TIMEOUT_S) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        nanosleep(&nap, NULL);
    }
}

/* The folder and what the confined compiler wrote in it go back to the
   grader's uid: the compile's uid owns nothing once it is over. */
static void reclaim(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lchown(path, geteuid(), getegid()) == -1 && errno != ENOENT)
            fprintf(stderr, "grader: cannot reclaim %s: %s\n", path, strerror(errno));
    }
    if (d)
        closedir(d);
}

static int run_logged(const char *const argv[], const char *dir, const char *log)
{
    return run_logged_as(argv, dir, log, NULL);
}

/* The compiler's first error line in log, for the one-line reason. */
static void first_error(const char *log, char *out, size_t outlen)
{
    FILE *f = fopen(log, "r");
    char line[1024];
    out[0] = '\0';
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "error:") || strstr(line, "undefined reference") ||
            strstr(line, "multiple definition") || strstr(line, "fatal")) {
            char *msg = line;
            if (strncmp(msg, "/usr/bin/ld: ", 13) == 0)
                msg += 13;
            snprintf(out, outlen, "%s", msg);
            one_line(out);
            break;
        }
    }
    fclose(f);
}

/* Copy a regular file (not a symlink out of the submission) of at most max
   bytes. */
static int copy_file(const char *from, const char *to, off_t max, char *why, size_t whylen)
{
    struct stat st;
    if (lstat(from, &st) == -1) {
        const char *base = strrchr(from, '/');
        snprintf(why, whylen, "no %s: %s: %s", base ? base + 1 : from, from, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > max) {
        snprintf(why, whylen, "%s is not a regular file under %ld MiB", from, (long) (max >> 20));
        return -1;
    }
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[8192];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc == -1)
        snprintf(why, whylen, "cannot copy %s: %s", from, strerror(errno));
    return rc;
}

/* The submission's lab.c, at most MAX_SOURCE_BYTES. */
static int copy_source(const char *from, const char *to, char *why, size_t whylen)
{
    return copy_file(from, to, MAX_SOURCE_BYTES, why, whylen);
}

/* Compile one source into an object (or, preprocess_only, preprocess it into
   obj and write its dependencies to lab.d).  define (or NULL) is one -D
   flag; sanitized says whether the sanitizer flags apply (the student's
   process).  student: src is the submitted lab.c, compiled confined (see
   run_logged_as) with the copy of lab.h beside it forced in first. */
static int compile_as(const struct options *opt, const struct lab *lab, const char *src,
                      const char *obj, bool student, const char *define, bool sanitized,
                      bool preprocess_only, const char *log)
{
    const char *argv[MAX_ARGS];
    int argc = 0;
    char inc_lab[PATH_MAX + 4], inc_runner[PATH_MAX + 32];
    char prefix_map[PATH_MAX + 32], hidden_map[PATH_MAX + 32], runner_map[PATH_MAX + 64];
    char check_cflags[] = CHECK_CFLAGS;

    argv[argc++] = opt->cc;
    push_list(argv, &argc, base_flags);
    if (opt->sanitize && sanitized)
        push_list(argv, &argc, sanitize_flags);
    if (define != NULL)
        argv[argc++] = define;
    /* Assertion messages name tests/public.c, not the grading machine's paths. */
    snprintf(prefix_map, sizeof prefix_map, "-fmacro-prefix-map=%s/=", lab->dir);
    argv[argc++] = prefix_map;
    snprintf(runner_map, sizeof runner_map, "-fmacro-prefix-map=%s/grader/runner/=grader/runner/",
             opt->courseware);
    argv[argc++] = runner_map;
    if (lab->hidden_dir[0]) {
        snprintf(hidden_map, sizeof hidden_map, "-fmacro-prefix-map=%s/=", lab->hidden_dir);
        argv[argc++] = hidden_map;
    }
    if (student) {
        argv[argc++] = "-include";      /* from the working folder: the copy */
        argv[argc++] = "lab.h";
    } else {
        snprintf(inc_lab, sizeof inc_lab, "-I%s", lab->dir);
        snprintf(inc_runner, sizeof inc_runner, "-I%s/grader/runner", opt->courseware);
        argv[argc++] = inc_lab;
        argv[argc++] = inc_runner;
    }
    push_words(argv, &argc, check_cflags);
    if (preprocess_only) {
        argv[argc++] = "-E";
        argv[argc++] = "-MD";
        argv[argc++] = "-MF";
        argv[argc++] = "lab.d";
    } else {
        argv[argc++] = "-c";
    }
    argv[argc++] = src;
    argv[argc++] = "-o";
    argv[argc++] = obj;
    argv[argc] = NULL;
    if (!student)
        return run_logged(argv, lab->build_dir, log);
    int rc = run_logged_as(argv, lab->build_dir, log, opt);
    reclaim(lab->build_dir);
    return rc;
}

static int compile(const struct options *opt, const struct lab *lab, const char *src,
                   const char *obj, bool student, const char *define, bool sanitized,
                   const char *log)
{
    return compile_as(opt, lab, src, obj, student, define, sanitized, false, log);
}

/* Do files a and b in dir hold the same bytes? */
static bool same_file(const char *dir, const char *a, const char *b)
{
    char pa[PATH_MAX + 32], pb[PATH_MAX + 32];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
    bool same = fa != NULL && fb != NULL;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        same = ca == cb;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa != NULL)
        fclose(fa);
    if (fb != NULL)
        fclose(fb);
    return same;
}

/* The courseware's own sources did not build: its bug, not the student's. */
static int tests_broken(struct lab *lab, const char *log)
{
    char first[PATH_MAX];
    first_error(log, first, sizeof first);
    snprintf(lab->build_error, sizeof lab->build_error,
             "grader: the lab's own tests do not compile: %.400s", first);
    return -1;
}

/* Link objs (NULL-terminated) into out, with libcheck if with_check;
   flag (or NULL) is one more option (TSAN_FLAG for labproc-tsan). */
static int link_program(const struct options *opt, struct lab *lab, const char *out,
                        const char *const *objs, bool sanitized, bool with_check, const char *flag,
                        const char *log)
{
    const char *argv[MAX_ARGS];
    int argc = 0;
    char check_libs[] = CHECK_LIBS;
    argv[argc++] = opt->cc;
    if (opt->sanitize && sanitized)
        push_list(argv, &argc, sanitize_flags);
    if (flag != NULL)
        argv[argc++] = flag;
    argv[argc++] = "-pthread";
    argv[argc++] = "-o";
    argv[argc++] = out;
    push_list(argv, &argc, objs);
    if (with_check)
        push_words(argv, &argc, check_libs);
    argv[argc] = NULL;
    if (run_logged(argv, lab->build_dir, log) != 0) {
        first_error(log, lab->build_error, sizeof lab->build_error);
        if (lab->build_error[0] == '\0')
            snprintf(lab->build_error, sizeof lab->build_error, "link failed (see %s)", log);
        return -1;
    }
    return 0;
}

/* The courseware's side of a lab, built in lab->build_dir: the API stubs and
   dispatcher generated from lab.h, the lab process's own objects, the
   runner (the tests + the stubs + libcheck, no student code: see
   grader/runner/split.h) and, for tests marked thread-sanitizer, the
   ThreadSanitizer objects.  Nothing of a submission goes in, so it is
   built once per run and shared by every submission graded in it. */
static int build_trusted_here(const struct options *opt, struct lab *lab, const char *log)
{
    char gen[PATH_MAX + 32], header[PATH_MAX + 8], src[6][PATH_MAX + 48];
    const char *rt = "grader/runner";
    snprintf(gen, sizeof gen, "%s/%s/gen-api.sh", opt->courseware, rt);
    snprintf(header, sizeof header, "%s/lab.h", lab->dir);
    const char *const gen_argv[] = { "sh", gen, opt->cc, header, "api.c", NULL };
    if (run_logged(gen_argv, lab->build_dir, log) != 0)
        return tests_broken(lab, log);
    snprintf(src[0], sizeof src[0], "%s/%s/labproc.c", opt->courseware, rt);
    snprintf(src[1], sizeof src[1], "%s/%s/runner.c", opt->courseware, rt);
    snprintf(src[2], sizeof src[2], "%s/%s/split.c", opt->courseware, rt);
    snprintf(src[3], sizeof src[3], "%s/tests/public.c", lab->dir);
    snprintf(src[4], sizeof src[4], "%s/hidden.c", lab->hidden_dir);
    snprintf(src[5], sizeof src[5], "%s/%s/lab-faults.c", opt->courseware, rt);
    const char *test = NULL;
    bool hidden = lab->hidden_dir[0] != '\0';
    if (compile(opt, lab, "api.c", "api-lab.o", false, "-DLT_LAB_SIDE", true, log) != 0 ||
        compile(opt, lab, src[0], "labproc.o", false, NULL, true, log) != 0 ||
        compile(opt, lab, src[5], "lab-faults.o", false, NULL, true, log) != 0 ||
        compile(opt, lab, "api.c", "api-test.o", false, test, false, log) != 0 ||
        compile(opt, lab, src[1], "runner.o", false, test, false, log) != 0 ||
        compile(opt, lab, src[2], "split.o", false, test, false, log) != 0 ||
        compile(opt, lab, src[3], "public.o", false, test, false, log) != 0 ||
        (hidden && compile(opt, lab, src[4], "hidden.o", false, test, false, log) != 0))
        return tests_broken(lab, log);
    if (lab->has_tsan &&
        (compile(opt, lab, "api.c", "api-lab-tsan.o", false, "-DLT_LAB_SIDE", false, log) != 0 ||
         compile(opt, lab, src[0], "labproc-tsan.o", false, TSAN_FLAG, false, log) != 0 ||
         compile(opt, lab, src[5], "lab-faults-tsan.o", false, TSAN_FLAG, false, log) != 0))
        return tests_broken(lab, log);
    const char *const test_objs[] = { "runner.o", "split.o", "api-test.o", "public.o",
                                      hidden ? "hidden.o" : NULL, NULL };
    if (link_program(opt, lab, "runner", test_objs, false, true, NULL, log) != 0)
        return -1;
    /* The runner holds the hidden tests: the test's uid may run it, never
       read it (labproc stays readable: valgrind reads it, and it holds
       nothing but the student's code). */
    char runner[PATH_MAX + 16];
    snprintf(runner, sizeof runner, "%s/runner", lab->build_dir);
    chmod(runner, 0711);
    return 0;
}

/* Where lab's shared courseware build lives: <trusted>/<slug>. */
static void trusted_dir(const struct options *opt, const struct lab *lab, char *dir, size_t len)
{
    snprintf(dir, len, "%s/%s", opt->trusted, lab->slug);
}

/* Into <trusted>/<slug>, for a class's graders; its runner, linked last,
   is what says the build is whole (trusted_ready). */
int build_trusted(const struct options *opt, struct lab *lab)
{
    struct lab here = *lab;
    char log[PATH_MAX + 16];
    trusted_dir(opt, lab, here.build_dir, sizeof here.build_dir);
    snprintf(log, sizeof log, "%s/compile.log", here.build_dir);
    int rc = fresh_dir(here.build_dir) == 0 ? build_trusted_here(opt, &here, log) : -1;
    if (rc == -1 && here.build_error[0] == '\0')
        snprintf(here.build_error, sizeof here.build_error, "grader: cannot build the lab's tests in %s: %s",
                 here.build_dir, strerror(errno));
    memcpy(lab->build_error, here.build_error, sizeof lab->build_error);
    return rc;
}

/* The trusted build a class's grader shared: there, and whole (its runner
   is linked last)? */
static bool trusted_ready(const struct options *opt, const struct lab *lab)
{
    char dir[PATH_MAX], runner[PATH_MAX + 16];
    trusted_dir(opt, lab, dir, sizeof dir);
    snprintf(runner, sizeof runner, "%s/runner", dir);
    return !opt->no_speedups && access(runner, X_OK) == 0;
}

/* Copy from into to, mode kept (the runner: each submission gets a copy of
   its own, which no other submission's tests can reach). */
static int copy_program(const char *from, const char *to)
{
    char why[REASON_MAX];
    struct stat st;
    if (stat(from, &st) == -1 || copy_file(from, to, 64L << 20, why, sizeof why) == -1)
        return -1;
    return chmod(to, st.st_mode & 07777);
}

/* labproc = lab.c + the trusted lab-side objects; runner = a copy of the
   shared one.  Only labproc gets the sanitizers: it is where the
   student's code runs. */
static int link_programs(const struct options *opt, struct lab *lab, const char *dir, const char *log)
{
    char obj[7][PATH_MAX + 32];
    const char *names[] = { "api-lab.o", "labproc.o", "lab-faults.o", "api-lab-tsan.o",
                            "labproc-tsan.o", "lab-faults-tsan.o", "runner" };
    for (int i = 0; i < 7; i++)
        snprintf(obj[i], sizeof obj[i], "%s/%s", dir, names[i]);
    /* The ThreadSanitizer build, for the tests marked so: lab.c compiled
       again (confined, as above), natively run, no valgrind. */
    if (lab->has_tsan) {
        /* The same program, or the verdict is about another one: lab.c
           must not ask whether it is being built for ThreadSanitizer
           (#ifdef __SANITIZE_THREAD__ and its like). */
        char deps[PATH_MAX + 16];
        snprintf(deps, sizeof deps, "%s/lab.d", lab->build_dir);
        unlink(deps);                   /* reclaimed: the confined compiler may not overwrite it */
        if (compile_as(opt, lab, "lab.c", "lab-tsan.i", true, TSAN_FLAG, false, true, log) != 0 ||
            !same_file(lab->build_dir, "lab.i", "lab-tsan.i")) {
            snprintf(lab->build_error, sizeof lab->build_error, "lab.c: it preprocesses differently when built"
                     " for ThreadSanitizer (does it test __SANITIZE_THREAD__?): the code tested must be the"
                     " code graded");
            return -1;
        }
        if (compile(opt, lab, "lab.c", "lab-tsan.o", true, TSAN_FLAG, false, log) != 0) {
            first_error(log, lab->build_error, sizeof lab->build_error);
            return -1;
        }
        const char *const tsan_objs[] = { "lab-tsan.o", obj[3], obj[4], obj[5], NULL };
        if (link_program(opt, lab, "labproc-tsan", tsan_objs, false, false, TSAN_FLAG, log) != 0)
            return -1;
    }
    const char *const lab_objs[] = { "lab.o", obj[0], obj[1], obj[2], NULL };
    if (link_program(opt, lab, "labproc", lab_objs, true, false, NULL, log) != 0)
        return -1;
    char runner[PATH_MAX + 16];
    snprintf(runner, sizeof runner, "%s/runner", lab->build_dir);
    if (strcmp(dir, lab->build_dir) != 0 && copy_program(obj[6], runner) == -1) {
        snprintf(lab->build_error, sizeof lab->build_error, "grader: cannot copy the lab's runner: %s",
                 strerror(errno));
        return -1;
    }
    return 0;
}

int build_lab(const struct options *opt, struct lab *lab)
{
    char src[PATH_MAX * 2], log[PATH_MAX + 16], path[PATH_MAX * 2];

    snprintf(lab->build_dir, sizeof lab->build_dir, "%s/%s/build", opt->out, lab->slug);
    if (fresh_dir(lab->build_dir) == -1) {
        snprintf(lab->build_error, sizeof lab->build_error,
                 "grader: cannot make %s: %s", lab->build_dir, strerror(errno));
        return -1;
    }
    snprintf(log, sizeof log, "%s/compile.log", lab->build_dir);
    /* The lab's own tests first: without them nothing of lab.c can run.
       Built here unless a class's grader built them for every student. */
    char tdir[PATH_MAX];
    double t0 = now_s();
    if (trusted_ready(opt, lab))
        trusted_dir(opt, lab, tdir, sizeof tdir);
    else if (snprintf(tdir, sizeof tdir, "%s", lab->build_dir), build_trusted_here(opt, lab, log) == -1)
        return -1;
    lab->trusted_s = now_s() - t0;

    /* The submission is either shaped like labs/ (<slug>/lab.c) or a whole
       copy of the kit (labs/<slug>/lab.c). */
    snprintf(src, sizeof src, "%s/%s/lab.c", opt->submission, lab->slug);
    if (access(src, F_OK) == -1) {
        snprintf(path, sizeof path, "%s/labs/%s/lab.c", opt->submission, lab->slug);
        if (access(path, F_OK) == 0)
            snprintf(src, sizeof src, "%s", path);
    }
    snprintf(path, sizeof path, "%s/lab.c", lab->build_dir);
    const char *rel = src + strlen(opt->submission) + 1;
    if (path_has_no_symlink(opt->submission, rel, lab->build_error, sizeof lab->build_error) == -1 ||
        copy_source(src, path, lab->build_error, sizeof lab->build_error) == -1)
        return -1;
    /* The compiler of lab.c sees only this folder: lab.h comes along. */
    char header[PATH_MAX + 8], header_copy[PATH_MAX + 8];
    snprintf(header, sizeof header, "%s/lab.h", lab->dir);
    snprintf(header_copy, sizeof header_copy, "%s/lab.h", lab->build_dir);
    if (copy_source(header, header_copy, lab->build_error, sizeof lab->build_error) == -1)
        return -1;

    /* Preprocessed alone first: what it includes and what its own lines
       say are checked before anything of it is compiled. */
    if (compile_as(opt, lab, "lab.c", "lab.i", true, NULL, false, true, log) != 0) {
        first_error(log, lab->build_error, sizeof lab->build_error);
        if (lab->build_error[0] == '\0')
            snprintf(lab->build_error, sizeof lab->build_error, "lab.c does not preprocess (see %s)", log);
        return -1;
    }
    if (!opt->no_static_checks && check_preprocessed(lab, lab->build_error, sizeof lab->build_error) == -1)
        return -1;

    /* The student's file first: its errors are the ones to report. */
    if (compile(opt, lab, "lab.c", "lab.o", true, NULL, true, log) != 0) {
        first_error(log, lab->build_error, sizeof lab->build_error);
        if (lab->build_error[0] == '\0')
            snprintf(lab->build_error, sizeof lab->build_error, "lab.c does not compile (see %s)", log);
        return -1;
    }
    if (!opt->no_static_checks && check_object(opt, lab, lab->build_error, sizeof lab->build_error) == -1)
        return -1;
    return link_programs(opt, lab, tdir, log);
}

/* One lab's build in build_labs, timed. */
static void build_one(const struct options *opt, struct lab *lab, bool whole)
{
    double t0 = now_s();
    if (!whole) {
        build_trusted(opt, lab);
    } else if (build_lab(opt, lab) == -1) {
        for (int i = 0; i < lab->ntests; i++) {
            lab->tests[i].outcome = OUT_NOT_RUN;
            memcpy(lab->tests[i].reason, lab->build_error, sizeof lab->tests[i].reason);
        }
    }
    lab->build_s = now_s() - t0;
}

void build_labs(const struct options *opt, struct lab *labs, int nlabs, bool whole)
{
    /* Each lab in a child process of its own, writing what it found
       (build_error, times, outcomes) into shared memory: compilers wait
       on files as much as they compute. */
    size_t size = sizeof *labs * (size_t) nlabs;
    int jobs = opt->no_speedups ? 1 : opt->jobs;
    struct lab *shared = jobs > 1 && nlabs > 1 ? mmap(NULL, size, PROT_READ | PROT_WRITE,
                                                      MAP_SHARED | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
    if (shared == MAP_FAILED) {
        for (int l = 0; l < nlabs; l++)
            build_one(opt, &labs[l], whole);
        return;
    }
    memcpy(shared, labs, size);
    pid_t pids[MAX_LABS];
    int next = 0, running = 0;
    fflush(NULL);
    while (next < nlabs || running > 0) {
        if (next < nlabs && running < jobs) {
            pids[next] = fork();
            if (pids[next] == 0) {
                build_one(opt, &shared[next], whole);
                _exit(0);
            }
            if (pids[next] == -1)
                build_one(opt, &shared[next], whole);
            else
                running++;
            next++;
            continue;
        }
        int status;
        pid_t w = wait(&status);
        if (w == -1 && errno == EINTR)
            continue;
        if (w == -1)
            break;
        for (int l = 0; l < next; l++) {
            if (pids[l] != w)
                continue;
            running--;
            pids[l] = -1;
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
                snprintf(shared[l].build_error, sizeof shared[l].build_error,
                         "grader: the build of %s stopped (status %d)", shared[l].slug, status);
                for (int i = 0; whole && i < shared[l].ntests; i++) {
                    shared[l].tests[i].outcome = OUT_NOT_RUN;
                    memcpy(shared[l].tests[i].reason, shared[l].build_error, sizeof shared[l].tests[i].reason);
                }
            }
        }
    }
    memcpy(labs, shared, size);
    munmap(shared, size);
}
