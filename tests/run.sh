#!/bin/sh
# run.sh — the courseware's own test suite: what `make test` and CI run.
#
# It grades the reference solutions (full marks under valgrind and under
# ASan+UBSan), the starters (they build and score 0 without crashing or
# hanging the grader), the adversarial corpus (each submission to its exact
# expected outcome per test), the grader's own fixture lab, and runs the
# claims suite against the live kernel.  Ends with "N passed, N failed".
#
#   $ make test
set -u
cd "$(dirname "$0")/.."
GRADER=build/bin/shmlab-grade
OUT=build/test
passed=0
failed=0
rm -rf "$OUT"
mkdir -p "$OUT"
ipc_objects() { awk 'NR > 1 { print FILENAME, $2 }' /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | sort; }
ipc_before=$(ipc_objects)
test_cgroups() { find /sys/fs/cgroup -maxdepth 6 -type d -name 'shmlab-test-*' 2>/dev/null | sort; }
cgroups_before=$(test_cgroups)

ok()   { passed=$((passed + 1)); echo "ok      $1"; }
fail() { failed=$((failed + 1)); echo "FAILED  $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/        /'; }

# expect NAME COMMAND...: the command must exit 0.
expect() {
    what=$1; shift
    if log=$("$@" 2>&1); then ok "$what"; else fail "$what" "$(echo "$log" | tail -n 15)"; fi
}

# grade NAME ARGS...: run the grader into $OUT/NAME; its exit status must be 0.
grade() {
    run=$1; shift
    if ! "$GRADER" --quiet --out "$OUT/$run" "$@" >"$OUT/$run.log" 2>&1; then
        fail "grader ran on $run" "$(tail -n 5 "$OUT/$run.log")"
        return 1
    fi
}

# tsv NAME: the results table of a grading run, without its header.
tsv() { tail -n +2 "$OUT/$1/results.tsv"; }

labs=$(ls -d labs/[0-9][0-9]-*/ | xargs -n1 basename)

# -- every lab is complete -------------------------------------------------
for slug in $labs; do
    missing=""
    for f in labs/$slug/lab.h labs/$slug/lab.c labs/$slug/tests/public.c labs/$slug/points \
             labs/$slug/demo.c solutions/$slug/lab.c grader/hidden/$slug/hidden.c \
             grader/hidden/$slug/points handouts/en/$slug.md slides/$slug.md; do
        [ -f "$f" ] || missing="$missing $f"
    done
    if [ -z "$missing" ]; then ok "$slug has every part of a lab"; else fail "$slug has every part of a lab" "missing:$missing"; fi
    total=$(cat labs/$slug/points grader/hidden/$slug/points 2>/dev/null |
            awk '!/^[ \t]*(#|@|$)/ { s += $2 } END { print s + 0 }')
    if [ "$total" -eq 100 ]; then ok "$slug points add up to 100"; else fail "$slug points add up to 100" "they add up to $total"; fi
    if grep -q ENOSYS "solutions/$slug/lab.c"; then fail "$slug solution has no ENOSYS stub"; else ok "$slug solution has no ENOSYS stub"; fi
    # Every test names the handout section it exercises: its hint.
    bare=$(cat labs/$slug/points grader/hidden/$slug/points 2>/dev/null | sed 's/#.*//' |
           awk '!/^[ \t]*(@|$)/ && NF < 3 { print $1 }')
    if [ -z "$bare" ]; then ok "$slug: every test has a hint (a handout section)"
    else fail "$slug: every test has a hint (a handout section)" "no section: $bare"; fi
done

# -- the handouts and decks: what they name exists, and hides nothing ---------
for slug in $labs; do
    # No hidden test is named anywhere a student reads.
    leaked=""
    for t in $(awk '!/^[ \t]*(#|@|$)/ { print $1 }' "grader/hidden/$slug/points"); do
        for f in handouts/*/"$slug.md" "slides/$slug.md"; do
            grep -qw -- "$t" "$f" && leaked="$leaked $f:$t"
        done
    done
    if [ -z "$leaked" ]; then ok "$slug: no handout or deck names a hidden test"
    else fail "$slug: no handout or deck names a hidden test" "named:$leaked"; fi
    # "Check your understanding": 3 to 5 questions in each language, as many
    # answers in the instructor's notes.
    answers=$(grep -c '^[0-9]\. ' "instructor/$slug.md" 2>/dev/null)
    bad=""
    for f in handouts/*/"$slug.md"; do
        n=$(awk '/\{#check-your-understanding\}/ { on = 1; next } on && /^## / { on = 0 } on && /^[0-9]\. / { n++ }
                 END { print n + 0 }' "$f")
        [ "$n" -ge 3 ] && [ "$n" -le 5 ] && [ "$n" = "${answers:-0}" ] || bad="$bad $f: $n questions, ${answers:-no} answers;"
    done
    if [ -z "$bad" ]; then ok "$slug: each handout asks 3-5 questions, instructor/$slug.md answers them"
    else fail "$slug: each handout asks 3-5 questions, instructor/$slug.md answers them" "$bad"; fi
done
# Every test a handout names (a name of four words or more) is a claims test,
# a public test or a function of lab.h: none is misspelt or gone.
named=$(grep -oh '`[a-z][a-z0-9]*\(_[a-z0-9]*\)\{3,\}`' handouts/*/*.md | tr -d '`' | sort -u)
known=$( { grep -oh "^START_TEST([a-z0-9_]*" tests/claims/*.c labs/*/tests/public.c | sed 's/START_TEST(//'
           grep -oh "^[a-z].* \**[a-z_0-9]*(" labs/*/lab.h | sed 's/.*[ *]\([a-z_0-9]*\)($/\1/'; } | sort -u)
unknown=$(printf '%s\n' "$named" | comm -23 - "$(printf '%s\n' "$known" >"$OUT/known-names"; echo "$OUT/known-names")")
if [ -z "$unknown" ]; then ok "every test a handout names exists (a claims test, a public test or lab.h)"
else fail "every test a handout names exists (a claims test, a public test or lab.h)" "unknown: $unknown"; fi

# A hint naming a section no handout has is the courseware's bug: the grader
# refuses to start and names the line.
dangling=$OUT/dangling-hint
mkdir -p "$dangling/labs" "$dangling/handouts"
cp -r labs/01-pipe-vs-shm "$dangling/labs/" && cp -r handouts/en handouts/zh-CN "$dangling/handouts/"
sed -i '0,/^[a-z_0-9]* *[0-9][0-9]* *[a-z]/s/^\([a-z_0-9]* *[0-9][0-9]*\) .*/\1 no-such-section/' \
    "$dangling/labs/01-pipe-vs-shm/points"
if "$GRADER" --quiet --public-only --courseware "$dangling" --out "$dangling/out" >"$dangling.log" 2>&1; then
    fail "the grader refuses a hint whose section no handout has" "it graded: $(tail -n 3 "$dangling.log")"
elif grep -q 'points:[0-9]*: test .* points to section no-such-section' "$dangling.log"; then
    ok "the grader refuses a hint whose section no handout has"
else fail "the grader refuses a hint whose section no handout has" "$(tail -n 3 "$dangling.log")"; fi
# A @leaderboard test runs without valgrind, so it may carry no points.
cp labs/01-pipe-vs-shm/points "$dangling/labs/01-pipe-vs-shm/points"
sed -i 's/^ring_throughput 0 /ring_throughput 2 /' "$dangling/labs/01-pipe-vs-shm/points"
if "$GRADER" --quiet --public-only --courseware "$dangling" --out "$dangling/out" >"$dangling.log" 2>&1; then
    fail "the grader refuses a @leaderboard test that carries points" "it graded: $(tail -n 3 "$dangling.log")"
elif grep -q '@leaderboard test ring_throughput must carry 0 points' "$dangling.log"; then
    ok "the grader refuses a @leaderboard test that carries points"
else fail "the grader refuses a @leaderboard test that carries points" "$(tail -n 3 "$dangling.log")"; fi

# -- the reference solutions score full marks under valgrind ----------------
if grade solutions --submission solutions; then
    for slug in $labs; do
        bad=$(tsv solutions | awk -F'\t' -v l="$slug" '$1 == l && $4 != "pass" { print $2 ": " $4 " " $8 }')
        if [ -z "$bad" ]; then ok "$slug solution passes every test under valgrind"; else fail "$slug solution passes every test under valgrind" "$bad"; fi
        # The points files and the compiled tests must name the same tests.
        listed=$(build/test/solutions/$slug/build/runner --list 2>&1 | awk '{ print $2 }' | sort)
        pointed=$(tsv solutions | awk -F'\t' -v l="$slug" '$1 == l { print $2 }' | sort)
        if [ "$listed" = "$pointed" ]; then ok "$slug points files list exactly the compiled tests"
        else fail "$slug points files list exactly the compiled tests" "$(printf 'compiled:\n%s\npoints:\n%s' "$listed" "$pointed")"; fi
    done
fi

# Where the time went: a build and a tests row per lab, read by bench-grader.
rows=$(awk -F'\t' 'NR > 1 && ($1 == "build" || $1 == "tests") && $4 + 0 >= 0' "$OUT/solutions/timing.tsv" 2>/dev/null | wc -l)
if [ "$rows" -eq $((2 * $(echo "$labs" | wc -w))) ]; then ok "timing.tsv says each lab's build and test time"
else fail "timing.tsv says each lab's build and test time" "$rows rows: $(head -n 3 "$OUT/solutions/timing.tsv" 2>&1)"; fi
# Tests that only wait leave their core to another (grader/src/waits.c):
# the references sleep enough that some test must have started beside them,
# wherever there is a namespace and a CPU-counting cgroup per test and the
# memory for another test at its cap.
beside=$(awk -F'\t' '$1 == "beside-waits" { print $3 }' "$OUT/solutions/timing.tsv" 2>/dev/null)
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if grep -q 'namespace per test; .*(cgroup v' "$OUT/solutions/report.txt" 2>/dev/null &&
   { [ -f /sys/fs/cgroup/cgroup.controllers ] || [ -d /sys/fs/cgroup/cpuacct ]; } &&
   [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] && [ "${avail_kb:-0}" -ge $((6 << 20)) ]; then
    if [ "${beside:-0}" -gt 0 ]; then ok "tests that only wait let others start beside them ($beside of the references' tests did)"
    else fail "tests that only wait let others start beside them" "beside-waits: '${beside}' in $OUT/solutions/timing.tsv"; fi
else
    echo "SKIP    tests started beside waiting ones: no namespace and CPU-counting cgroup per test, or under 6 GiB free, here"
fi

# -- ... and under AddressSanitizer + UndefinedBehaviorSanitizer ------------
if grade sanitize --submission solutions --sanitize; then
    for slug in $labs; do
        bad=$(tsv sanitize | awk -F'\t' -v l="$slug" '$1 == l && $4 != "pass" { print $2 ": " $4 " " $8 }')
        if [ -z "$bad" ]; then ok "$slug solution passes every test under ASan+UBSan"; else fail "$slug solution passes every test under ASan+UBSan" "$bad"; fi
    done
fi

# -- the starters build, fail cleanly and score 0 ---------------------------
if grade starters --submission labs; then
    for slug in $labs; do
        bad=$(tsv starters | awk -F'\t' -v l="$slug" '$1 == l && ($4 != "fail" || $5 != 0) { print $2 ": " $4 " " $5 " " $8 }')
        if [ -z "$bad" ]; then ok "$slug starter builds and every test fails cleanly with 0 points"
        else fail "$slug starter builds and every test fails cleanly with 0 points" "$bad"; fi
        # ... and each failure shows its hint, in English and Chinese.
        n=$(tsv starters | awk -F'\t' -v l="$slug" '$1 == l' | wc -l)
        en=$(grep -c "^ *hint: handouts/en/$slug.md#[a-z0-9_-]* \"" "$OUT/starters/report.txt")
        zh=$(grep -c "^ *提示: handouts/zh-CN/$slug.md#[a-z0-9_-]* \"" "$OUT/starters/report.txt")
        if [ "$en" -eq "$n" ] && [ "$zh" -eq "$n" ]; then ok "$slug starter's report shows a hint under each failure"
        else fail "$slug starter's report shows a hint under each failure" "$n tests, $en English hints, $zh Chinese"; fi
    done
fi

# -- junit.xml and results.tap, read by real parsers --------------------------
for run in solutions starters; do
    expect "junit.xml and results.tap say what results.tsv says ($run; tests/exports-check.sh)" \
        sh tests/exports-check.sh "$OUT/$run"
done

# -- make check's contract: non-zero exit when a test fails ----------------
for slug in $labs; do
    if "$GRADER" --quiet --public-only --strict --lab "$slug" --out "$OUT/strict-starter" >/dev/null 2>&1; then
        fail "$slug: --strict exits non-zero on the starter"
    else ok "$slug: --strict exits non-zero on the starter"; fi
    expect "$slug: --strict exits 0 on the solution" \
        "$GRADER" --quiet --public-only --strict --lab "$slug" --submission solutions --out "$OUT/strict-solution"
done

# -- the student tarball: no solutions, no hidden tests; it builds and grades
sh scripts/dist.sh >/dev/null 2>"$OUT/dist.log" || fail "make dist builds the tarball" "$(cat "$OUT/dist.log")"
rm -rf "$OUT/dist" && mkdir -p "$OUT/dist" && tar -xzf build/dist/shmlab-student.tar.gz -C "$OUT/dist"
kit="$OUT/dist/shmlab-student"
leaked=$(cd "$kit" && { ls -d solutions grader/hidden grader/corpus instructor .ci README.student.md 2>/dev/null
                        find tests -type f ! -path 'tests/claims/*' ! -path tests/keystore-cli.sh 2>/dev/null; })
if [ -z "$leaked" ]; then ok "dist holds no solutions, hidden tests, corpus, instructor notes or suite"; else fail "dist holds no solutions, hidden tests, corpus, instructor notes or suite" "$leaked"; fi
# ... but what the handouts send students to, and the student's README.
missing=$(for f in tests/keystore-cli.sh tests/claims/*.c; do [ -f "$kit/$f" ] || echo "$f"; done)
if [ -z "$missing" ] && cmp -s README.student.md "$kit/README.md"; then ok "dist ships the claims suites, tests/keystore-cli.sh and the student's README"
else fail "dist ships the claims suites, tests/keystore-cli.sh and the student's README" "missing: $missing; README: $(head -n 1 "$kit/README.md")"; fi
if make -s -C "$kit" claims >"$OUT/dist-claims.log" 2>&1; then ok "dist: make claims runs every claims suite"
else fail "dist: make claims runs every claims suite" "$(tail -n 10 "$OUT/dist-claims.log")"; fi
# Solution-only lines (code the starter lacks) long enough to be that
# solution's own (40+ characters: a slide may well show a one-line call),
# looked for anywhere in the kit.
for slug in $labs; do
    diff "labs/$slug/lab.c" "solutions/$slug/lab.c" | sed -n 's/^> *//p' |
        awk 'length >= 40 && !/^(\/\*|\*|\/\/)/' | sort -u >"$OUT/dist-$slug.solution-lines"
done
find "$kit" -type f -exec cat {} + | sed 's/^[ \t]*//' | sort -u >"$OUT/dist.lines"
found=$(cat "$OUT"/dist-*.solution-lines | sort -u | comm -12 - "$OUT/dist.lines")
if [ -z "$found" ]; then ok "dist contains no line of solution code"; else fail "dist contains no line of solution code" "$found"; fi
if make -s -C "$kit" grade >"$OUT/dist-grade.log" 2>&1; then
    bad=$(tail -n +2 "$kit/build/grade/labs/results.tsv" | awk -F'\t' '$3 != "public" || $5 != 0 { print $1 " " $2 ": " $3 " " $5 }')
    nlabs=$(tail -n +2 "$kit/build/grade/labs/results.tsv" | cut -f1 | sort -u | wc -l)
    if [ -z "$bad" ] && [ "$nlabs" -eq "$(echo "$labs" | wc -w)" ]; then ok "dist: make grade runs the public tests of every lab on the starters"
    else fail "dist: make grade runs the public tests of every lab on the starters" "$bad (labs graded: $nlabs)"; fi
else
    fail "dist: make grade runs" "$(tail -n 10 "$OUT/dist-grade.log")"
fi

# -- the Gradescope autograder: results.json whatever happens -------------------
if sh scripts/gradescope.sh 4 >"$OUT/gradescope.log" 2>&1 &&
   make -s -C build/gradescope/autograder/shmlab build/bin/shmlab-grade >>"$OUT/gradescope.log" 2>&1; then
    gs="$OUT/gradescope"
    rm -rf "$gs" && mkdir -p "$gs/submission"
    ln -s "$PWD/build/gradescope/autograder" "$gs/source"
    printf 'int race_create(void) { return }\n' >"$gs/submission/lab.c"
    AUTOGRADER="$gs" sh build/gradescope/autograder/run_autograder >>"$OUT/gradescope.log" 2>&1
    if grep -q '"score": 0' "$gs/results/results.json" && grep -q 'error' "$gs/results/results.json"; then
        ok "gradescope: a lab.c that does not compile gets results.json with 0 and the reason"
    else fail "gradescope: a lab.c that does not compile gets results.json with 0 and the reason" "$(cat "$gs/results/results.json" 2>&1)"; fi
    mv build/gradescope/autograder/shmlab/build/bin/shmlab-grade "$OUT/grader-moved"
    rm -f "$gs/results/results.json"
    AUTOGRADER="$gs" sh build/gradescope/autograder/run_autograder >>"$OUT/gradescope.log" 2>&1
    if grep -q 'autograder could not run' "$gs/results/results.json"; then
        ok "gradescope: results.json is written even when the grader cannot run"
    else fail "gradescope: results.json is written even when the grader cannot run" "$(cat "$gs/results/results.json" 2>&1)"; fi
else
    fail "make gradescope builds the autograder" "$(tail -n 10 "$OUT/gradescope.log")"
fi

# -- ... and as Gradescope runs it: setup.sh and run_autograder as root, in a
# simulated /autograder tree, the references as the submission: full marks.
for lab in 4 all; do
    what="gradescope ($([ "$lab" = all ] && echo "every lab" || echo "lab $lab alone")): setup.sh + run_autograder give the reference full marks"
    if log=$(sh tests/gradescope-check.sh "$OUT/gradescope-$lab" $([ "$lab" = all ] || echo "$lab") 2>&1); then
        case $log in skipped:*) echo "skip    $what ($log)";; *) ok "$what";; esac
    else fail "$what" "$log"; fi
done

# -- LMS gradebooks from class grading, with and without a roster
expect "class grading writes canvas.csv and moodle.csv, named by a roster; bad rosters stop it (tests/lms-check.sh)" \
    sh tests/lms-check.sh "$GRADER" "$OUT/lms"

# -- GitHub Classroom's template: the workflow read by PyYAML, its runner
# results as the reporter adds them up, one lab graded in the template.
expect "make github-classroom: a workflow whose per-test scores add up alike in the reporter and Classroom (tests/github-classroom-check.sh)" \
    sh tests/github-classroom-check.sh

# -- the similarity report: copies first, the starter left out, hostile names harmless
expect "make similarity: copies rank first, the starter does not count, CSV and HTML parse (tests/similarity-check.sh)" \
    sh tests/similarity-check.sh

# -- the same verdict on a starved machine: a CPU hog on every core, and a
# 0.5-CPU / 768 MiB cgroup (Gradescope's default container) where one can be made.
for how in hog cgroup; do
    what="stability ($([ "$how" = hog ] && echo "a CPU hog on every core" || echo "0.5 CPU, 768 MiB")): references full marks, starters 0"
    if log=$(sh tests/stability.sh "$GRADER" "$OUT/stability" "$how" 2>&1); then
        case $log in skipped:*) echo "skip    $what ($log)";; *) ok "$what ($log)";; esac
    else fail "$what" "$log"; fi
done

# -- the grader's own fixture: one test per outcome it must tell apart ------
sh tests/grader-fixture.sh "$GRADER" "$OUT/fixture" && ok "grader tells every outcome apart (tests/grader-fixture)" ||
    fail "grader tells every outcome apart (tests/grader-fixture)" "$(cat "$OUT/fixture.log" 2>/dev/null | tail -n 20)"
expect "junit.xml and results.tap say what results.tsv says (the fixture: every outcome)" \
    sh tests/exports-check.sh "$OUT/fixture"

# -- the adversarial corpus: each graded to its exact expected outcome ------
for dir in grader/corpus/*/; do
    name=$(basename "$dir")
    sub="$OUT/corpus-src/$name"
    rm -rf "$sub"
    mkdir -p "$sub"
    # Only the labs the entry names: a patch to the solution, a patch to the
    # starter (an attack must score what the starter scores), or a whole lab.c.
    for slug in $labs; do
        for base in patch:solutions starter.patch:labs; do
            [ -f "$dir/$slug.${base%%:*}" ] || continue
            mkdir -p "$sub/$slug"
            cp "${base#*:}/$slug/lab.c" "$sub/$slug/lab.c"
            (cd "$sub/$slug" && git apply --unsafe-paths "$OLDPWD/$dir/$slug.${base%%:*}") ||
                { fail "corpus $name: $slug.${base%%:*} applies to ${base#*:}/$slug/lab.c"; continue 3; }
        done
        if [ ! -f "$sub/$slug/lab.c" ] && [ -f "$dir/$slug/lab.c" ]; then
            mkdir -p "$sub/$slug"
            cp "$dir/$slug/lab.c" "$sub/$slug/lab.c"
        fi
    done
    # An entry may add grader options (e.g. a shorter time limit) in "options".
    grade "corpus-$name" --submission "$sub" $(cat "$dir/options" 2>/dev/null) || continue
    # An entry that "needs" a cgroup keeps its score and outcomes where the
    # grader could make none, and says it skipped its reasons.
    expected=$dir/expected
    if grep -qx cgroup "$dir/needs" 2>/dev/null && grep -q 'no cgroup here' "$OUT/corpus-$name/report.txt"; then
        grep -v '^reason' "$dir/expected" >"$OUT/corpus-$name.expected"
        expected=$OUT/corpus-$name.expected
        echo "skip    corpus $name: its reasons (the grader could make no cgroup here)"
    fi
    diff=$(sh tests/compare-grades.sh "$expected" "$OUT/corpus-$name/results.tsv" 2>&1) ||
        diff="compare-grades.sh failed: $diff"
    if [ -z "$diff" ]; then ok "corpus $name graded exactly as expected"; else fail "corpus $name graded exactly as expected" "$diff"; fi
    if [ -s "$OUT/corpus-$name/results.json" ]; then ok "corpus $name: results.json written"; else fail "corpus $name: results.json written"; fi
done

# -- the grader's speed-ups change no verdict: the references, the starters and
# the corpus as one class, graded with them and with --no-speedups ----------
if log=$(sh tests/speedups-check.sh "$GRADER" "$OUT" 2>&1); then
    ok "the class corpus: byte-identical gradebooks with and without the speed-ups ($log)"
else fail "the class corpus: byte-identical gradebooks with and without the speed-ups" "$log"; fi

# -- an unprivileged instructor, a class with an attacker in it ------------
log=$(sh tests/unprivileged.sh "$GRADER" 2>&1); rc=$?
case $rc in
    0) ok "unprivileged instructor: the attack reads, writes and kills nothing (tests/unprivileged.sh)" ;;
    77) echo "skip    unprivileged instructor: $log" ;;
    *) fail "unprivileged instructor: the attack reads, writes and kills nothing (tests/unprivileged.sh)" "$log" ;;
esac

# -- the claims: what the handouts say, checked on this kernel -------------
claims_log=$(OUT=$OUT/claims sh scripts/claims.sh 2>&1)
passed=$((passed + $(printf '%s\n' "$claims_log" | grep -c '^ok')))
failed=$((failed + $(printf '%s\n' "$claims_log" | grep -c '^FAILED')))
printf '%s\n' "$claims_log"
printf '%s\n' "$claims_log" | grep -q '^ok' || fail "the claims suites ran (scripts/claims.sh)" "$claims_log"

# -- lab 07's command-line tool, from several processes at once -------------
expect "keystore CLI: exit codes, --help, one-line errors, concurrent use (tests/keystore-cli.sh)" \
    sh tests/keystore-cli.sh

# -- the decks and handouts render, and a browser shows them -----------------
expect "slides and handouts render and show in headless Chromium (tests/render-check.sh)" \
    sh tests/render-check.sh

# -- nothing of ours is left in the System V tables --------------------------
ipc_objects >"$OUT/ipc-after"
left=$(echo "$ipc_before" | comm -13 - "$OUT/ipc-after")
if [ -z "$left" ]; then ok "no System V object left after the suite"
else fail "no System V object left after the suite" "$left"; fi

# -- ... and no process of a test (as root, a test runs as uid 200000 + its
# supervisor's pid: grader/src/sandbox.c), setsid() storms included -------
if [ "$(id -u)" = 0 ]; then
    left=$(ps -eo uid=,pid=,args= | awk '$1 >= 200000' | head -n 5)
    if [ -z "$left" ]; then ok "no process of a test left after the suite"
    else fail "no process of a test left after the suite" "$left"; fi
fi

# -- ... and no test's cgroup (grader/src/cgroup.c) --------------------------
# (Compared with what was there before: a run killed earlier, elsewhere on
# this machine, is not this suite's.)
left=$(test_cgroups | comm -13 "$(printf '%s\n' "$cgroups_before" >"$OUT/cgroups-before"; echo "$OUT/cgroups-before")" - | head -n 5)
if [ -z "$left" ]; then ok "no cgroup of a test left after the suite"
else fail "no cgroup of a test left after the suite" "$left"; fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
