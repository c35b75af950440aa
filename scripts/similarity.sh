#!/bin/sh
# similarity.sh — which students' lab.c look alike, lab by lab, with sim_c
# (Debian's similarity-tester): identical submissions first, then every pair
# ranked by the share of its code found in the other, the starter left out.
#
#   $ sh scripts/similarity.sh path/to/class build/similarity
#   -> build/similarity/similarity.csv   every pair (RFC 4180, formula-safe)
#      build/similarity/similarity.html  per lab: identical and top pairs
#
# A student is a sub-folder of the class; lab N is <student>/NN-slug/lab.c
# or <student>/labs/NN-slug/lab.c, as for the grader.  Student files are
# hostile: only regular files, reached through no symlink, of at most 1 MiB
# are read; the rest are skipped with a note.  SIM_TOP (default 20) is how
# many pairs per lab the page shows.
#
# How it compares (see sim_c(1)):
#   sim_c -i -p -a -e -r 24
#     -p percentages ("A consists for x % of B material"), which implies -s:
#        a file is never compared to itself, so with one file per student
#        every match is between two students;
#     -a -e every file against every other file on its own, in both
#        directions: the man page's recipe for exact percentages;
#     -r 24 sim's default run: shorter matches are coincidence.
# sim has no "base file" option (MOSS's -b), and its old-file separator only
# narrows what is compared, so the starter is taken out of each submission
# first, by sim itself:  sim_c -i -n -S -r 24 SUBMISSIONS / starter.c  lists
# every run of a submission that is also in the starter (layout, comments
# and names ignored, so a reformatted starter goes too), and those lines are
# blanked.  The same run length on both sides: any starter stretch long
# enough to make a match between two students is long enough to be cut;
# what is left of it (a signature) counts only next to shared code of their
# own.  A lab.c that is the starter untouched has nothing left and matches
# no one.  Lines are first broken after each ; { } of code, so a file
# written on one line is not blanked whole by one starter run.
#
# "identical" means byte-identical files with code of their own (tokens left
# after the starter is cut): the strongest sign, without flagging two
# students who both handed in the starter.
set -eu
export LC_ALL=C

me=similarity
[ $# -eq 2 ] || { echo "usage: sh scripts/similarity.sh CLASS_DIR OUT_DIR" >&2; exit 2; }
class=$1
out=$2
case $class in -*) class=./$class ;; esac
case $out in -*) out=./$out ;; esac
[ -d "$class" ] || { echo "$me: no class folder '$class'" >&2; exit 2; }
command -v sim_c >/dev/null 2>&1 ||
    { echo "$me: sim_c is missing; run:  sh scripts/install-deps.sh similarity-tester" >&2; exit 2; }
ls -d labs/[0-9][0-9]-*/ >/dev/null 2>&1 || { echo "$me: run me from the kit's root (no labs/ here)" >&2; exit 2; }

RUN=24
MAX=1048576
top=${SIM_TOP:-20}
case $top in ''|*[!0-9]*) echo "$me: SIM_TOP must be a number" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/similarity.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
nl='
'

# Break lines after each ; { } outside strings, characters, comments and
# preprocessor lines: sim reports runs as whole lines, and this keeps a line
# to one statement.  substr() per character keeps it linear on long lines.
split_lines() {
    awk '{
        n = length($0); start = 1
        if (!incomment && $0 ~ /^[ \t]*#/) { print; next }
        for (k = 1; k <= n; k++) {
            c = substr($0, k, 1)
            if (incomment) { if (c == "*" && substr($0, k + 1, 1) == "/") { k++; incomment = 0 } continue }
            if (quote != "") { if (c == "\\") k++; else if (c == quote) quote = ""; continue }
            if (c == "/" && substr($0, k + 1, 1) == "*") { k++; incomment = 1; continue }
            if (c == "/" && substr($0, k + 1, 1) == "/") break
            if (c == "\"" || c == "\047") { quote = c; continue }
            if (c == ";" || c == "{" || c == "}") { print substr($0, start, k - start + 1); start = k + 1 }
        }
        quote = ""
        if (start <= n || start == 1) print substr($0, start)
    }'
}

# note LAB INDEX REASON: a skipped file or folder, for both outputs.
note() {
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$work/notes"
    echo "$me: skipped $1: $(sed -n "$2p" "$work/names"): $3" >&2
}

# The students: the glob keeps every name intact (spaces, quotes, newlines);
# a name with a newline cannot be a line of $work/names, so it is skipped.
: >"$work/names"
: >"$work/notes"
: >"$work/skip"
i=0
for s in "$class"/*; do
    [ -d "$s" ] || continue
    i=$((i + 1))
    name=${s##*/}
    case $name in
        *"$nl"*)
            printf '%s' "$name" | tr '\n' '?' >>"$work/names"; echo >>"$work/names"
            echo "$i" >>"$work/skip"; note all "$i" "its folder name has a newline"; continue ;;
    esac
    printf '%s\n' "$name" >>"$work/names"
    if [ -L "$s" ]; then echo "$i" >>"$work/skip"; note all "$i" "its folder is a symlink"; fi
done
nstudents=$i

# Copy what is safe to read: the directories on the way are no symlinks, and
# dd refuses a symlink swapped in since (nofollow), does not block on a FIFO
# (nonblock), and reads one byte more than the limit to tell it was over.
# fetch SRC DEST: 0 when DEST holds SRC; otherwise the reason on stdout.
fetch() {
    if [ -L "$1" ]; then echo "lab.c is a symlink"; return 1; fi
    if [ ! -f "$1" ]; then echo "lab.c is not a regular file"; return 1; fi
    if ! dd if="$1" of="$2" bs=$((MAX + 1)) count=1 iflag=nofollow,nonblock,fullblock 2>/dev/null; then
        echo "lab.c cannot be read"; return 1
    fi
    if [ "$(wc -c <"$2")" -gt "$MAX" ]; then echo "lab.c is over 1 MiB"; return 1; fi
}

: >"$work/rows"
: >"$work/labs"
for labdir in labs/[0-9][0-9]-*/; do
    slug=$(basename "$labdir")
    [ -f "labs/$slug/lab.c" ] || continue
    echo "$slug" >>"$work/labs"
    d=$work/$slug
    mkdir -p "$d/own"
    split_lines <"labs/$slug/lab.c" >"$d/starter.c"
    : >"$d/list"
    i=0
    while IFS= read -r name; do
        i=$((i + 1))
        grep -qx "$i" "$work/skip" && continue
        s=$class/$name
        # The grader's order: <slug>/lab.c if it is there, else labs/<slug>/lab.c.
        if [ -e "$s/$slug/lab.c" ] || [ -L "$s/$slug/lab.c" ] || [ -L "$s/$slug" ]; then
            dir=$s/$slug
        elif [ -L "$s/labs" ]; then
            note "$slug" "$i" "its labs folder is a symlink"; continue
        else
            dir=$s/labs/$slug
        fi
        if [ -L "$dir" ]; then note "$slug" "$i" "its $slug folder is a symlink"; continue; fi
        [ -e "$dir/lab.c" ] || [ -L "$dir/lab.c" ] || continue      # not handed in
        if ! why=$(fetch "$dir/lab.c" "$d/$i.raw"); then note "$slug" "$i" "$why"; rm -f "$d/$i.raw"; continue; fi
        split_lines <"$d/$i.raw" >"$d/$i.c"
        echo "$i" >>"$d/list"
    done <"$work/names"

    # The starter's runs in each submission, as line ranges; blank them.
    (cd "$d" && { sed 's/$/.c/' list; echo /; echo starter.c; } | sim_c -i -n -S -r "$RUN") >"$d/starter-runs" 2>/dev/null || :
    (cd "$d" && awk '
        FILENAME == "starter-runs" {
            if (match($0, /^[0-9]+\.c: line [0-9]+-[0-9]+/)) {
                split(substr($0, 1, RLENGTH), p, /[.: -]+/)
                for (l = p[4]; l <= p[5]; l++) cut[p[1], l] = 1
            }
            next
        }
        FNR == 1 { if (to != "") close(to); to = "own/" FILENAME }
        { k = FILENAME; sub(/\.c$/, "", k); print ((k, FNR) in cut) ? "" : $0 > to }' \
        starter-runs $(sed 's/$/.c/' list))

    (cd "$d" && sha256sum -- $(sed 's/$/.raw/' list) </dev/null) >"$d/sums" 2>/dev/null || : >"$d/sums"
    (cd "$d/own" && sed 's/$/.c/' ../list | sim_c -i -p -a -e -r "$RUN") >"$d/percent" 2>/dev/null || :

    # One row per pair: lab, a, b, percent, a_in_b, b_in_a, identical.
    awk -v lab="$slug" '
        FILENAME ~ /list$/ { id[++n] = $1; next }
        FILENAME ~ /sums$/ { k = $2; sub(/\.raw$/, "", k); sum[k] = $1; next }
        /^File [0-9]+\.c: [0-9]+ tokens/ { k = $2; sub(/\.c:$/, "", k); tokens[k] = $3; next }
        / consists for [0-9]+ % of [0-9]+\.c material$/ {
            a = $1; b = $7; sub(/\.c$/, "", a); sub(/\.c$/, "", b); pct[a, b] = $4 }
        END {
            for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) {
                a = id[x]; b = id[y]; ab = pct[a, b] + 0; ba = pct[b, a] + 0
                same = (sum[a] != "" && sum[a] == sum[b] && tokens[a] > 0) ? "yes" : "no"
                printf "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\n", lab, a, b, (ab > ba ? ab : ba), ab, ba, same, (ab < ba ? ab : ba)
            }
        }' "$d/list" "$d/sums" "$d/percent" >>"$work/rows"
done

# Identical first, then by percent, the weaker direction, and names' order.
sort -t "$(printf '\t')" -k1,1 -k7,7r -k4,4nr -k8,8nr -k2,2n -k3,3n "$work/rows" >"$work/sorted"

mkdir -p "$out"
# Both outputs from one pass.  Names come from a file and paths from the
# environment, never from -v: awk would read their backslashes as escapes.
SIM_CSV=$out/similarity.csv SIM_HTML=$out/similarity.html SIM_CLASS=$class SIM_TOP=$top \
awk -F'\t' '
    function cell(s) {
        # A spreadsheet runs a cell that starts with = + - @ (or tab, CR) as
        # a formula: a leading quote makes it text.  Then RFC 4180 quoting.
        if (s ~ /^[=+@\t\r-]/) s = "\047" s
        gsub(/"/, "\"\"", s)
        return "\"" s "\""
    }
    function h(s) {
        gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
        gsub(/"/, "\\&quot;", s); gsub(/\047/, "\\&#39;", s)
        return s
    }
    function row(lab, a, b, pc, ab, ba, same, why) {
        printf "%s,%s,%s,%s,%s,%s,%s,%s\r\n", cell(lab), cell(a), cell(b), pc, ab, ba, cell(same), cell(why) > csv
    }
    # notes LAB: its skipped rows in the CSV, its list on the page.
    function notes(lab,   c, r, j, f, items) {
        c = split(noted[lab], r, "\t")
        for (j = 2; j <= c; j++) {
            split(note[r[j]], f, "\t")
            row(lab, name[f[2]], "", "", "", "", "", "skipped: " f[3])
            items = items "<li>" h(name[f[2]]) ": " h(f[3]) "</li>\n"
        }
        if (items != "") printf "<p class=\"skip\">Skipped:</p>\n<ul class=\"skip\">\n%s</ul>\n", items > html
    }
    function header() {
        print "\"lab\",\"student_a\",\"student_b\",\"percent\",\"a_in_b\",\"b_in_a\",\"identical\",\"note\"\r" > csv
        printf "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>shmlab similarity: %s</title>\n", h(class) > html
        print "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .6em;text-align:left}tr.identical{background:#f8c8c8;font-weight:bold}.skip{color:#666}</style>\n</head>\n<body>" > html
        printf "<h1>Similarity: %s</h1>\n<p>sim_c -p -a -e -r 24 on each lab.c, the starter cut out. Identical files first (highlighted), then the top %d pairs by the larger of the two shares: &ldquo;A in B&rdquo; is how much of A&rsquo;s own code is also in B.</p>\n", h(class), top > html
        notes("all")
    }
    # next_lab: close the section of the current lab, open the next one.
    function next_lab() {
        if (cur > 0) {
            if (shown > 0) print "</table>" > html
            else print "<p>No pair shares code of its own.</p>" > html
            printf "<p>%d pairs compared, all of them in similarity.csv.</p>\n", pairs > html
            notes(order[cur])
        }
        if (++cur > nlabs) return
        printf "<h2>%s</h2>\n", h(order[cur]) > html
        shown = pairs = 0
    }
    BEGIN {
        csv = ENVIRON["SIM_CSV"]; html = ENVIRON["SIM_HTML"]; top = ENVIRON["SIM_TOP"] + 0; class = ENVIRON["SIM_CLASS"]
    }
    FILENAME ~ /names$/ { name[FNR] = $0; next }
    FILENAME ~ /labs$/  { order[++nlabs] = $0; next }
    FILENAME ~ /notes$/ { noted[$1] = noted[$1] "\t" FNR; note[FNR] = $0; next }
    # The rows come grouped by lab, in the order of the labs file: stream them.
    {
        if (cur == 0) header()
        while (cur <= nlabs && order[cur] != $1) next_lab()
        pairs++
        row($1, name[$2], name[$3], $4, $5, $6, $7, "")
        if ($7 == "yes" || ($4 > 0 && shown < top)) {
            if (shown++ == 0)
                print "<table>\n<tr><th>#</th><th>student A</th><th>student B</th><th>similarity %</th><th>A in B %</th><th>B in A %</th><th>identical</th></tr>" > html
            printf "<tr%s><td>%d</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td></tr>\n",
                $7 == "yes" ? " class=\"identical\"" : "", shown, h(name[$2]), h(name[$3]), $4, $5, $6, $7 > html
        }
    }
    END {
        if (cur == 0) header()
        while (cur <= nlabs) next_lab()
        print "</body>\n</html>" > html
    }' "$work/names" "$work/labs" "$work/notes" "$work/sorted"

identical=$(awk -F'\t' '$7 == "yes"' "$work/sorted" | wc -l)
echo "$me: $nstudents students, $(wc -l <"$work/sorted") pairs, $identical identical; $(wc -l <"$work/notes") skipped"
echo "$out/similarity.csv"
echo "$out/similarity.html"
