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

/* Copy the submission's lab.c: a regular file (not a symlink out of the
   submission), at most MAX_SOURCE_BYTES. */
static int copy_source(const char *from, const char *to, char *why, size_t whylen)
{
    struct stat st;
    if (lstat(from, &st) == -1) {
        const char *base = strrchr(from, '/');
        snprintf(why, whylen, "no %s: %s: %s", base ? base + 1 : from, from, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MAX_SOURCE_BYTES) {
        snprintf(why, whylen, "%s is not a regular file under 1 MiB", from);
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

/* labproc = lab.c + the dispatcher generated from lab.h; runner = the tests
   + the stubs, no student code (grader/runner/split.h).  Only labproc gets
   the sanitizers: it is where the student's code runs. */
static int link_programs(const struct options *opt, struct lab *lab, const char *log)
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
    /* The ThreadSanitizer build, for the tests marked so: lab.c compiled
       again (confined, as above), natively run, no valgrind. */
    const char *const tsan_objs[] = { "lab-tsan.o", "api-lab-tsan.o", "labproc-tsan.o", "lab-faults-tsan.o", NULL };
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
        if (compile(opt, lab, "api.c", "api-lab-tsan.o", false, "-DLT_LAB_SIDE", false, log) != 0 ||
            compile(opt, lab, src[0], "labproc-tsan.o", false, TSAN_FLAG, false, log) != 0 ||
            compile(opt, lab, src[5], "lab-faults-tsan.o", false, TSAN_FLAG, false, log) != 0)
            return tests_broken(lab, log);
        if (link_program(opt, lab, "labproc-tsan", tsan_objs, false, false, TSAN_FLAG, log) != 0)
            return -1;
    }
    const char *const lab_objs[] = { "lab.o", "api-lab.o", "labproc.o", "lab-faults.o", NULL };
    const char *const test_objs[] = { "runner.o", "split.o", "api-test.o", "public.o",
                                      hidden ? "hidden.o" : NULL, NULL };
    if (link_program(opt, lab, "labproc", lab_objs, true, false, NULL, log) != 0 ||
        link_program(opt, lab, "runner", test_objs, false, true, NULL, log) != 0)
        return -1;
    /* The runner holds the hidden tests: the test's uid may run it, never
       read it (labproc stays readable: valgrind reads it, and it holds
       nothing but the student's code). */
    char runner[PATH_MAX + 16];
    snprintf(runner, sizeof runner, "%s/runner", lab->build_dir);
    chmod(runner, 0711);
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
    return link_programs(opt, lab, log);
}
