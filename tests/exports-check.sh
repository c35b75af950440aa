#!/bin/sh
# exports-check.sh — a results folder's junit.xml, results.tap and
# results.json, read by real parsers (libxml2's xmllint, Perl's TAP::Parser
# and JSON::PP), say what its results.tsv says: as many tests, the same ones
# failing, the same hidden.  The fixture's t_fail carries <&"'>, a control
# byte and a byte that is not UTF-8 in its reason, and Markdown that would
# break out of a code fence.
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
# Each failure's output is Markdown (output_format md): read by cmark, the
# CommonMark reference parser, it must be the outcome in bold, then one code
# block holding the reason as one line, and no HTML and no link anywhere, so
# nothing a student writes formats itself or breaks out of the fence.
command -v cmark >/dev/null 2>&1 || sh scripts/install-deps.sh cmark >/dev/null
md="$dir/markdown-check"
rm -rf "$md" && mkdir -p "$md"
perl -MJSON::PP -e '
    open my $fh, "<:raw", $ARGV[0] or die "cannot read $ARGV[0]: $!\n";
    my $r = JSON::PP->new->utf8->decode(do { local $/; <$fh> });
    my $n = 0;
    for my $t (@{ $r->{tests} }) {
        $n++;
        next if $t->{status} eq "passed";
        die "test $n: output_format is not md\n" unless ($t->{output_format} // "") eq "md";
        open my $out, ">:utf8", "$ARGV[1]/$n.md" or die; print $out $t->{output}; close $out;
    }' "$dir/results.json" "$md" || problems="$problems\nresults.json: cannot read the outputs"
n=0
tail -n +2 "$tsv" | cut -f 4,8 | while IFS="$(printf '\t')" read -r outcome reason; do
    n=$((n + 1))
    [ "$outcome" = pass ] && continue
    cmark --to xml "$md/$n.md" >"$md/$n.xml" 2>&1
    x() { xmllint --xpath "$1" "$md/$n.xml" 2>/dev/null; }
    blocks=$(x "count(//*[local-name()='code_block'])")
    html=$(x "count(//*[local-name()='html_inline' or local-name()='html_block' or local-name()='link' or local-name()='image'])")
    strong=$(x "count(/*/*[1][local-name()='paragraph']/*[local-name()='strong'])")
    # Compared without control bytes and those results.json had to replace
    # (not UTF-8): the two files spell them differently.
    code=$(x "string(//*[local-name()='code_block'])" | LC_ALL=C tr -d '\000-\037\177-\377?')
    want=$(printf '%s' "$reason" | LC_ALL=C tr -d '\000-\037\177-\377?')
    if [ "$blocks" != 1 ] || [ "$html" != 0 ] || [ "$strong" != 1 ] || [ "$code" != "$want" ]; then
        echo "results.json test $n: Markdown has $blocks code blocks, $html HTML/link nodes, $strong bold outcome;"
        echo "  code block: $code"
        echo "  reason:     $want"
    fi
done >"$md/problems"
[ -s "$md/problems" ] && problems="$problems\n$(head -n 9 "$md/problems")"
[ -z "$problems" ] || { printf '%s%b\n' "$dir" "$problems"; exit 1; }
