#!/bin/sh
# exports-check.sh — a results folder's junit.xml, results.tap and
# results.json, read by real parsers (libxml2's xmllint, Perl's TAP::Parser
# and JSON::PP), say what its results.tsv says: as many tests, the same ones
# failing, the same hidden.  The fixture's t_fail carries <&"'>, a control
# byte and a byte that is not UTF-8 in its reason.
#
#   $ sh tests/exports-check.sh build/test/solutions
set -u
dir=$1
command -v xmllint >/dev/null 2>&1 || sh scripts/install-deps.sh libxml2-utils >/dev/null
command -v prove >/dev/null 2>&1 || sh scripts/install-deps.sh perl >/dev/null
tsv="$dir/results.tsv"
want_tests=$(tail -n +2 "$tsv" | wc -l)
want_failed=$(tail -n +2 "$tsv" | awk -F'\t' '$4 != "pass"' | wc -l)
want_hidden=$(tail -n +2 "$tsv" | awk -F'\t' '$3 == "hidden"' | wc -l)
problems=""
xmllint --noout "$dir/junit.xml" 2>"$dir/junit.err" || problems="$problems\njunit.xml is not well-formed XML: $(head -n 3 "$dir/junit.err")"
count() { xmllint --xpath "$1" "$dir/junit.xml" 2>/dev/null; }
got=$(count 'count(//testsuite/testcase)')
[ "$got" = "$want_tests" ] || problems="$problems\njunit.xml: $got testcases, results.tsv: $want_tests tests"
got=$(count 'count(//testcase[failure or error])')
[ "$got" = "$want_failed" ] || problems="$problems\njunit.xml: $got failing, results.tsv: $want_failed"
got=$(count 'count(//testcase/properties/property[@name="visibility"][@value="hidden"])')
[ "$got" = "$want_hidden" ] || problems="$problems\njunit.xml: $got hidden, results.tsv: $want_hidden"
got=$(count 'sum(/testsuites/@tests)')
[ "$got" = "$want_tests" ] || problems="$problems\njunit.xml: <testsuites tests=\"$got\">, results.tsv: $want_tests tests"
tap=$(perl -MTAP::Parser -e '
    open my $fh, "<", $ARGV[0] or die "cannot read $ARGV[0]: $!\n";
    my $p = TAP::Parser->new({ tap => do { local $/; <$fh> } });   # read, never run
    my ($hidden, $yaml) = (0, 0);
    while (my $r = $p->next) {
        $yaml++ if $r->is_yaml;
        $hidden++ if $r->is_yaml && ref $r->data eq "HASH" && ($r->data->{visibility} // "") eq "hidden";
    }
    printf "%d %d %d %d %s %d\n", scalar($p->tests_run), scalar($p->failed), $hidden, $yaml,
        ($p->parse_errors ? "errors" : "clean"), $p->version;' "$dir/results.tap" 2>&1)
[ "$tap" = "$want_tests $want_failed $want_hidden $want_tests clean 13" ] ||
    problems="$problems\nresults.tap: TAP::Parser says '$tap' (tests failed hidden yaml-blocks parse version), want '$want_tests $want_failed $want_hidden $want_tests clean 13'"
# results.json (Gradescope's) must hold every test too, whatever bytes a reason carried.
json=$(perl -MJSON::PP -e '
    open my $fh, "<:raw", $ARGV[0] or die "cannot read $ARGV[0]: $!\n";
    my $r = JSON::PP->new->utf8->decode(do { local $/; <$fh> });
    my @t = @{ $r->{tests} };
    printf "%d %d\n", scalar(@t), scalar(grep { $_->{status} ne "passed" } @t);' "$dir/results.json" 2>&1)
[ "$json" = "$want_tests $want_failed" ] ||
    problems="$problems\nresults.json: JSON::PP says '$json' (tests failed), want '$want_tests $want_failed'"
[ -z "$problems" ] || { printf '%s%b\n' "$dir" "$problems"; exit 1; }
