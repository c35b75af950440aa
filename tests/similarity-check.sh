#!/bin/sh
# similarity-check.sh — scripts/similarity.sh on a small class built from the
# kit: copies rank first, a renamed and reformatted copy ranks high, two
# untouched starters do not, hostile names and files do no harm.  The CSV and
# the page are read with python3's csv module and html.parser, not grep.
# Exits 0 when all holds, else prints what did not.
#
#   $ sh tests/similarity-check.sh
#   $ SIMILARITY_SH=/tmp/broken.sh sh tests/similarity-check.sh   # must fail
set -eu
cd "$(dirname "$0")/.."
script=${SIMILARITY_SH:-scripts/similarity.sh}
command -v sim_c >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 ||
    sh scripts/install-deps.sh similarity-tester python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/similarity-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
class=$tmp/class
hostile='=HYPERLINK("x")<b>'
mallory='mal lory'
nl='
'

# The class, lab by lab:
#   ann   the reference solutions          bob   ann's files, byte for byte
#   cara  ann's, names changed, re-laid out (what sim must see through)
#   flat  ann's on one line (but # lines): one starter run must not blank it
#   dan   the starter (NN-slug/lab.c)      eve   the starter (labs/NN-slug/lab.c)
#   $hostile  a corpus attack, as a patch to the solution or the starter
#   $mallory  04: a symlink to a copy of ann's file outside the class (were
#             it followed, it would rank identical to ann); 01: a FIFO;
#             02: a directory; 03: over 1 MiB; the others: the starter
#   copycat   a symlink to ann's folder;  "new<LF>line" a name with a newline
for src in labs/[0-9][0-9]-*/; do
    slug=$(basename "$src")
    mkdir -p "$class/ann/$slug" "$class/bob/$slug" "$class/cara/$slug" "$class/dan/$slug" "$class/flat/$slug" \
             "$class/eve/labs/$slug" "$class/$mallory/$slug" "$class/new${nl}line/$slug"
    cp "solutions/$slug/lab.c" "$class/ann/$slug/lab.c"
    cp "solutions/$slug/lab.c" "$class/bob/$slug/lab.c"
    sed -e 's/\bi\b/idx/g; s/\bn\b/count/g; s/\bbuf\b/buffer/g; s/\bfd\b/desc/g; s/\br\b/self/g' \
        -e 's/\baddr\b/mem/g; s/\bshmid\b/seg_id/g; s/\bsemid\b/sem_id/g; s/\blen\b/size/g' \
        -e 's/^    /\t/; s/) {$/)\n{/; s|/\*.*\*/||; s|^ *//.*||' \
        "solutions/$slug/lab.c" >"$class/cara/$slug/lab.c"
    sed 's|//.*||' "solutions/$slug/lab.c" |
        awk '/^[ \t]*#/ { print; next } { printf "%s ", $0 } END { print "" }' >"$class/flat/$slug/lab.c"
    cp "labs/$slug/lab.c" "$class/dan/$slug/lab.c"
    cp "labs/$slug/lab.c" "$class/eve/labs/$slug/lab.c"
    cp "solutions/$slug/lab.c" "$class/new${nl}line/$slug/lab.c"
    for base in patch:solutions starter.patch:labs; do
        for p in grader/corpus/static-checks/"$slug.${base%%:*}" grader/corpus/leak-segment/"$slug.${base%%:*}"; do
            [ -f "$p" ] && [ ! -f "$class/$hostile/$slug/lab.c" ] || continue
            mkdir -p "$class/$hostile/$slug"
            cp "${base#*:}/$slug/lab.c" "$class/$hostile/$slug/lab.c"
            (cd "$class/$hostile/$slug" && git apply --unsafe-paths "$OLDPWD/$p")
        done
    done
    case $slug in
        01-*) mkfifo "$class/$mallory/$slug/lab.c" ;;
        02-*) mkdir "$class/$mallory/$slug/lab.c" ;;
        03-*) { cat "solutions/$slug/lab.c"; yes 'int pad;' | head -c 1100000; } >"$class/$mallory/$slug/lab.c" ;;
        04-*) cp "solutions/$slug/lab.c" "$tmp/outside.c"; ln -s "$tmp/outside.c" "$class/$mallory/$slug/lab.c" ;;
        *) cp "labs/$slug/lab.c" "$class/$mallory/$slug/lab.c" ;;
    esac
done
ln -s ann "$class/copycat"

# Refusals: one line, naming the fix.
if err=$(sh "$script" "$tmp/no-such-class" "$tmp/out" 2>&1); then echo "FAIL: a missing class folder was accepted"; exit 1; fi
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || { echo "FAIL: a missing class folder gives more than one line: $err"; exit 1; }
if err=$(PATH=$tmp/empty /bin/sh "$script" "$class" "$tmp/out" 2>&1); then echo "FAIL: ran without sim_c"; exit 1; fi
case $err in
    *"sh scripts/install-deps.sh similarity-tester"*) ;;
    *) echo "FAIL: without sim_c it does not say how to install it: $err"; exit 1 ;;
esac

start=$(date +%s)
if ! log=$(sh "$script" "$class" "$tmp/out" 2>&1); then echo "FAIL: similarity.sh failed:"; echo "$log"; exit 1; fi
echo "similarity.sh ran in $(($(date +%s) - start)) s"

HOSTILE=$hostile MALLORY=$mallory python3 - "$tmp/out" labs/[0-9][0-9]-*/ <<'EOF'
import csv, html.parser, os, sys

out, labs = sys.argv[1], [os.path.basename(p.rstrip('/')) for p in sys.argv[2:]]
hostile, mallory = os.environ['HOSTILE'], os.environ['MALLORY']
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

with open(os.path.join(out, 'similarity.csv'), newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f, strict=True))
header = ['lab', 'student_a', 'student_b', 'percent', 'a_in_b', 'b_in_a', 'identical', 'note']
check(rows and rows[0] == header, 'header is %r' % (rows[:1],))
rows = [dict(zip(header, r)) for r in rows[1:]]
check(all(len(r) == len(header) for r in rows), 'a row has the wrong number of cells')
pairs = [r for r in rows if r['student_b']]
skips = [r for r in rows if not r['student_b']]
def pair(lab, a, b):
    got = [r for r in pairs if r['lab'] == lab and {r['student_a'], r['student_b']} == {a, b}]
    return got[0] if len(got) == 1 else None

for cell in (c for r in rows for c in r.values()):
    check(cell[:1] not in ('=', '+', '-', '@'), 'a cell starts a formula: %r' % cell)
check(any("'" + hostile in (r['student_a'], r['student_b']) for r in pairs),
      'no pair names the hostile student as quoted text %r' % ("'" + hostile))

for lab in labs:
    mine = [r for r in pairs if r['lab'] == lab]
    check(mine and {mine[0]['student_a'], mine[0]['student_b']} == {'ann', 'bob'} and mine[0]['identical'] == 'yes',
          '%s: the first pair is not ann-bob, identical: %r' % (lab, mine[:1]))
    check([r for r in mine if r['identical'] == 'yes'] == mine[:1], '%s: another pair is called identical' % lab)
    pcts = [int(r['percent']) for r in mine if r['identical'] == 'no']
    check(pcts == sorted(pcts, reverse=True), '%s: pairs are not ranked by percent' % lab)
    c = pair(lab, 'ann', 'cara')
    check(c is not None and int(c['percent']) >= 80, '%s: ann-cara is not high: %r' % (lab, c))
    fl = pair(lab, 'ann', 'flat')
    check(fl is not None and int(fl['percent']) >= 80, '%s: ann-flat (one line) is not high: %r' % (lab, fl))
    d = pair(lab, 'dan', 'eve')
    check(d is not None and int(d['percent']) < 20 and d['identical'] == 'no',
          '%s: dan-eve (both the starter) look similar: %r' % (lab, d))
    check(c is not None and d is not None and mine.index(c) < mine.index(d), '%s: dan-eve ranks above ann-cara' % lab)
    check(pair(lab, 'ann', 'dan') is not None and int(pair(lab, 'ann', 'dan')['percent']) < 20,
          '%s: the starter counts as ann\'s code: %r' % (lab, pair(lab, 'ann', 'dan')))
    m = [r for r in mine if mallory in (r['student_a'], r['student_b'])]
    why = [r['note'] for r in skips if r['lab'] == lab and r['student_a'] == mallory]
    expect = {'01': 'not a regular file', '02': 'not a regular file', '03': 'over 1 MiB', '04': 'symlink'}.get(lab[:2])
    if expect:
        check(not m, '%s: %s was compared: %r' % (lab, mallory, m[:1]))
        check(len(why) == 1 and expect in why[0], '%s: %s skipped without the note %r: %r' % (lab, mallory, expect, why))
    else:
        check(m and not why, '%s: %s (a regular file) was not compared' % (lab, mallory))
check(not any('copycat' in (r['student_a'], r['student_b']) for r in pairs), 'the symlinked folder copycat was compared')
check(any(r['lab'] == 'all' and r['student_a'] == 'copycat' and 'symlink' in r['note'] for r in skips),
      'copycat is not noted as skipped')
check(not any('line' in r['student_a'] + r['student_b'] and 'new' in r['student_a'] + r['student_b'] for r in pairs),
      'the student with a newline in the name was compared')
check(any(r['lab'] == 'all' and 'newline' in r['note'] for r in skips), 'the newline name is not noted as skipped')

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.cells, self.row, self.identical = [], [], [], None, []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == 'tr':
            self.row = {'class': dict(attrs).get('class'), 'cells': []}
        if tag == 'td':
            self.cells = []
    def handle_endtag(self, tag):
        if tag == 'td' and self.row is not None:
            self.row['cells'].append(''.join(self.cells))
        if tag == 'tr' and self.row is not None:
            if self.row['class'] == 'identical':
                self.identical.append(self.row['cells'])
            self.row = None
    def handle_data(self, data):
        self.text.append(data)
        self.cells.append(data)
page = Page()
with open(os.path.join(out, 'similarity.html'), encoding='utf-8') as f:
    page.feed(f.read())
page.close()
check('b' not in page.tags and 'script' not in page.tags and 'link' not in page.tags,
      'a student name became markup: tags %r' % sorted(set(page.tags)))
check(hostile in ''.join(page.text), 'the hostile name is not on the page as text')
check(len(page.identical) == len(labs) and all(set(c[1:3]) == {'ann', 'bob'} for c in page.identical),
      'the highlighted identical rows are not ann-bob once per lab: %r' % page.identical)

if problems:
    print('FAIL:')
    print('\n'.join('  ' + p for p in problems))
    sys.exit(1)
print('ok: %d labs, %d pairs, %d skipped' % (len(labs), len(pairs), len(skips)))
EOF
