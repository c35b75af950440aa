#!/bin/sh
# gradescope-check.sh — the Gradescope autograder as Gradescope runs it.
#
# Builds the zip (LAB=n: a one-lab zip; no LAB: every lab), unzips it into a
# simulated /autograder tree (source/, submission/, results/), runs setup.sh
# and run_autograder there as root, as Gradescope does, with the reference
# solutions as the submission, and checks results.json gives full marks.
# A one-lab zip must hold only that lab's hidden tests.
#
#   $ sh tests/gradescope-check.sh build/test/gs4 4     # lab 04, students upload lab.c
#   $ sh tests/gradescope-check.sh build/test/gsall     # every lab, lab folders uploaded
set -u
root=$1
lab=${2:-}
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: Gradescope runs setup.sh and run_autograder as root; this is uid $(id -u)"
    exit 0
fi
command -v unzip >/dev/null 2>&1 || sh scripts/install-deps.sh unzip >/dev/null || exit 1
sh scripts/gradescope.sh $lab >/dev/null || { echo "make gradescope $lab failed"; exit 1; }
rm -rf "$root" && mkdir -p "$root/source" "$root/submission" "$root/results"
root=$(cd "$root" && pwd)
unzip -q build/gradescope/autograder.zip -d "$root/source" || { echo "unzip failed"; exit 1; }

if [ -n "$lab" ]; then
    slug=$(basename "$(sh scripts/lab-dir.sh "$lab")")
    others=$(ls "$root/source/shmlab/grader/hidden" | grep '^[0-9]' | grep -vx "$slug")
    [ -z "$others" ] || { echo "the lab $slug zip ships other labs' hidden tests: $others"; exit 1; }
    cp "solutions/$slug/lab.c" "$root/submission/lab.c"
    want=100
else
    cp -r solutions/. "$root/submission/"
    want=$(( $(ls -d labs/[0-9][0-9]-*/ | wc -l) * 100 ))
fi
AUTOGRADER=$root sh "$root/source/setup.sh" >"$root/setup.log" 2>&1 ||
    { echo "setup.sh failed:"; tail -n 5 "$root/setup.log"; exit 1; }
AUTOGRADER=$root sh "$root/source/run_autograder" >"$root/run.log" 2>&1
score=$(sed -n 's/^  "score": \([0-9.]*\),*$/\1/p' "$root/results/results.json" | head -n 1)
if [ "$score" != "$want" ]; then
    echo "results.json score: expected $want, got ${score:-nothing}"
    grep -B1 -A4 '"status": "failed"' "$root/results/results.json" | grep '"output"' | head -n 5
    exit 1
fi
# The leaderboard: the zip holds the solutions of @leaderboard labs and no
# other, and results.json ranks such a lab by a ratio to the reference timed
# in the same container (the reference against itself: some positive ratio;
# its size depends on the machine, so it is not checked).
boards=$(grep -l '^[ \t]*@leaderboard[ \t]' labs/[0-9][0-9]-*/points | xargs -r -n1 dirname | xargs -r -n1 basename)
[ -z "$lab" ] || boards=$(echo "$boards" | grep -x "$slug")
shipped=$(cd "$root/source/shmlab" && ls solutions 2>/dev/null)
[ "$shipped" = "$boards" ] || { echo "the zip ships solutions '$shipped', want those of @leaderboard labs: '$boards'"; exit 1; }
board=$(perl -MJSON::PP -e '
    open my $fh, "<:raw", $ARGV[0] or die; my $r = JSON::PP->new->utf8->decode(do { local $/; <$fh> });
    for (@{ $r->{leaderboard} // [] }) {
        die "leaderboard entry without a positive value\n" unless $_->{value} > 0 && $_->{order} eq "desc";
        print $_->{name}, "\n";
    }' "$root/results/results.json") || { echo "results.json: a bad leaderboard"; exit 1; }
want_board=$(for s in $boards; do sed -n 's/^[ \t]*@leaderboard[ \t]\{1,\}[^ \t]*[ \t]\{1,\}//p' "labs/$s/points"; done)
[ "$board" = "$want_board" ] || { echo "results.json leaderboard: '$board', want '$want_board'"; exit 1; }
