#!/bin/sh
# compare-grades.sh — compare a grading run with what it must have given.
#
# EXPECTED holds lines   outcome LAB TEST OUTCOME   (TEST may be *: all of
# the lab's tests),   score LAB POINTS   and   reason LAB TEXT   (every test
# of the lab failed with a reason holding TEXT);  tests not named must pass.
# Prints one line per difference; prints nothing when the run matches.
#
#   $ sh tests/compare-grades.sh grader/corpus/segfault/expected build/test/corpus-segfault/results.tsv
set -eu
awk -F'\t' '
    FNR == NR {
        if ($0 ~ /^[ \t]*(#|$)/) next
        split($0, w, /[ \t]+/)
        if (w[1] == "outcome") { want[w[2] SUBSEP w[3]] = w[4]; checked[w[2]] = 1 }
        else if (w[1] == "score") { score[w[2]] = w[3]; checked[w[2]] = 1 }
        else if (w[1] == "reason") {
            text = $0; sub(/^[ \t]*reason[ \t]+[^ \t]+[ \t]+/, "", text)
            reason[w[2]] = text; checked[w[2]] = 1
        }
        else print FILENAME ":" FNR ": expected outcome or score lines"
        next
    }
    FNR > 1 && ($1 in checked) {
        seen[$1] = 1
        want_o = ($1 SUBSEP $2) in want ? want[$1 SUBSEP $2] : (($1 SUBSEP "*") in want ? want[$1 SUBSEP "*"] : "pass")
        if ($4 != want_o) print $1 " " $2 ": expected " want_o ", got " $4 " (" $8 ")"
        got[$1] += $5
        if (($1 in reason) && index($8, reason[$1]) == 0)
            print $1 " " $2 ": expected a reason holding \"" reason[$1] "\", got \"" $8 "\""
    }
    END {
        for (l in score) {
            if (!(l in seen)) print l ": not graded at all"
            else if (got[l] != score[l]) print l ": expected score " score[l] ", got " got[l]
        }
    }
' "$1" "$2"
