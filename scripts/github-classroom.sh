#!/bin/sh
# github-classroom.sh — build a GitHub Classroom template repository: the
# student kit (what make dist ships: no solutions, no hidden tests) and
# .github/workflows/classroom.yml, which grades each lab's public tests with
# shmlab and reports through classroom-resources/autograding-grading-reporter.
#
# The workflow builds the grader once, runs one step per lab
# (scripts/classroom-runner.sh: one runner result per test, see there why)
# and hands every test's result to the reporter.  Should a lab's step not
# finish, the reporter gets that test's fallback instead, written here: the
# error result worth 0 of the test's points, so Classroom's maximum stays the
# public points and the reporter never stops on a missing result.
#
#   $ make github-classroom              # -> build/github-classroom/
#   $ sh scripts/github-classroom.sh DIR # the template repository in DIR
set -eu
out=${1:-build/github-classroom}
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/.github/workflows/classroom.yml" ]; then
    echo "github-classroom: $out exists and is not a template this script made; not touching it" >&2
    exit 2
fi

# The kit exactly as make dist ships it, so the template holds nothing a
# student may not read: the workflow and all it runs sit in the student's repo.
tarball=$(sh scripts/dist.sh)
rm -rf "$out"
mkdir -p "$out"
tar -xzf "$tarball" -C "$out" --strip-components=1
mkdir -p "$out/.github/workflows"

b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
labs=$(ls -d labs/[0-9][0-9]-*/ | xargs -n1 basename)
wf=$out/.github/workflows/classroom.yml
steps=$out/.github/steps.tmp
env=$out/.github/env.tmp
: >"$steps"
: >"$env"
runners=""
total_minutes=20
for slug in $labs; do
    n=${slug%%-*}
    tests=$(sed 's/#.*//' "labs/$slug/points" | awk '$1 !~ /^@/ && NF >= 2 { print $1, $2 }')
    points=$(echo "$tests" | awk '{ s += $2 } END { print s + 0 }')
    # The step's limit is the runner's own budget plus two minutes: the
    # runner stops the grader first and still writes every result.
    minutes=$(( ($(sh scripts/classroom-runner.sh --limit "$n") + 59) / 60 + 2 ))
    total_minutes=$((total_minutes + minutes))
    cat >>"$steps" <<EOF
      - name: "Lab $slug: public tests ($points points)"
        id: lab$n
        if: \${{ !cancelled() }}
        timeout-minutes: $minutes
        run: sudo sh scripts/classroom-runner.sh $n "\$GITHUB_OUTPUT"
EOF
    i=0
    echo "$tests" | while read -r name pts; do
        i=$((i + 1))
        id=lab${n}t$(printf '%02d' "$i")
        fallback=$(b64 "{\"version\":1,\"status\":\"error\",\"max_score\":$pts,\"tests\":[{\"name\":\"$slug: $name\",\"status\":\"error\",\"score\":0,\"message\":\"not graded: the step of lab $slug did not finish\",\"line_no\":0}]}")
        echo "          $(echo "$id" | tr a-z A-Z)_RESULTS: \"\${{ steps.lab$n.outputs.$name || '$fallback' }}\"" >>"$env"
        echo "$id"
    done >"$out/.github/ids.tmp"
    runners="$runners${runners:+,}$(paste -sd, "$out/.github/ids.tmp")"
done

cat >"$wf" <<EOF
# classroom.yml — written by shmlab's make github-classroom: do not edit by
# hand; change labs/*/points and run it again.
#
# Grades the public tests of every lab with shmlab (the same grader and
# verdicts as make check) and reports to GitHub Classroom.  Each test is a
# runner of its own, worth its points from labs/NN-slug/points: the reporter's
# table counts (passed / tests) x max_score per runner, Classroom adds up the
# tests' scores, and only one-test runners make both the points shmlab gives.
# The student's repository holds this file, so its score is feedback, not a
# verdict: hidden tests and the grade of record stay with make grade or
# Gradescope.
name: Autograding Tests
"on":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: $total_minutes
    defaults:
      run:
        shell: sh
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Install check, valgrind, jansson and expat
        timeout-minutes: 10
        run: sudo sh scripts/install-deps.sh
      - name: Build the grader
        timeout-minutes: 5
        run: make build/bin/shmlab-grade
EOF
cat "$steps" >>"$wf"
cat >>"$wf" <<EOF
      - name: Autograding Reporter
        if: \${{ !cancelled() }}
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
EOF
cat "$env" >>"$wf"
cat >>"$wf" <<EOF
        with:
          runners: $runners
EOF
rm -f "$steps" "$env" "$out/.github/ids.tmp"
echo "$out"
