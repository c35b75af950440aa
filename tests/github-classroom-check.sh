#!/bin/sh
# github-classroom-check.sh — make github-classroom's template, read the way
# GitHub and the reporter read it: classroom.yml parsed with PyYAML, every
# runner result base64-decoded and parsed as JSON, and the reporter's two
# sums computed as its source does (its table: tests passed / tests x
# max_score per runner; Classroom's total: the tests' scores added up).  One
# lab is graded in the template for real, as the workflow's step runs it:
# the starter (0 points), the reference (all public points), the two mixed,
# and a step that never ran (every test gets its fallback, 0 of its points).
# Exits 0 when all holds, else prints what did not.
#
#   $ sh tests/github-classroom-check.sh
set -eu
cd "$(dirname "$0")/.."
py=/usr/bin/python3                     # Debian's, where python3-yaml installs
[ -x $py ] && $py -c 'import yaml' 2>/dev/null || sh scripts/install-deps.sh python3 python3-yaml >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/github-classroom-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
lab=02-mmap
n=2
tpl=$tmp/template

sh scripts/github-classroom.sh "$tpl" >"$tmp/make.log" 2>&1 || { echo "FAIL: github-classroom.sh:"; cat "$tmp/make.log"; exit 1; }
for secret in solutions grader/hidden instructor tests/run.sh; do
    [ ! -e "$tpl/$secret" ] || { echo "FAIL: the template holds $secret/ (students can read it)"; exit 1; }
done
# The workflow's own steps, in the template: build the grader, grade a lab.
(cd "$tpl" && make -s build/bin/shmlab-grade) >"$tmp/build.log" 2>&1 || { echo "FAIL: the template's grader does not build:"; tail -n 5 "$tmp/build.log"; exit 1; }
(cd "$tpl" && sh scripts/classroom-runner.sh $n "$tmp/starter.out") >"$tmp/runner.log" 2>&1 &&
cp "solutions/$lab/lab.c" "$tpl/labs/$lab/lab.c" &&
(cd "$tpl" && sh scripts/classroom-runner.sh $n "$tmp/solution.out") >>"$tmp/runner.log" 2>&1 ||
    { echo "FAIL: classroom-runner.sh:"; tail -n 5 "$tmp/runner.log"; exit 1; }
: >"$tmp/never.out"

$py - "$tpl" "$lab" "$tmp" <<'EOF'
import base64, json, os, re, sys, yaml

tpl, lab, tmp = sys.argv[1:]
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

def public_tests(slug):
    tests = []
    for line in open(os.path.join(tpl, 'labs', slug, 'points'), encoding='utf-8'):
        f = line.split('#')[0].split()
        if len(f) >= 2 and not f[0].startswith('@'):
            tests.append((f[0], int(f[1])))
    return tests
labs = sorted(d for d in os.listdir(os.path.join(tpl, 'labs')) if re.match(r'\d\d-', d))
public = {s: public_tests(s) for s in labs}

wf = yaml.safe_load(open(os.path.join(tpl, '.github/workflows/classroom.yml'), encoding='utf-8'))
job = wf['jobs']['run-autograding-tests']
steps = job['steps']
check(set(wf.get('on', [])) >= {'push'}, 'the workflow does not run on push: %r' % wf.get('on'))
lab_steps = {s['id']: s for s in steps if re.fullmatch(r'lab\d+', str(s.get('id', '')))}
check(set(lab_steps) == {'lab' + s[:2] for s in labs}, 'lab steps %r' % sorted(lab_steps))
for sid, s in lab_steps.items():
    check(s.get('run') == 'sudo sh scripts/classroom-runner.sh %s "$GITHUB_OUTPUT"' % sid[3:],
          '%s runs %r' % (sid, s.get('run')))
    check(isinstance(s.get('timeout-minutes'), int) and s['timeout-minutes'] > 0, '%s has no time limit' % sid)
check(job.get('timeout-minutes', 0) >= sum(s['timeout-minutes'] for s in lab_steps.values()),
      'the job times out before its steps can')
rep = [s for s in steps if str(s.get('uses', '')).startswith('classroom-resources/autograding-grading-reporter@')]
check(len(rep) == 1 and steps[-1] is rep[0], 'the reporter is not the one last step')
rep = rep[0]
runners = str(rep['with']['runners'])
check(re.fullmatch(r'([a-zA-Z0-9]+,)*[a-zA-Z0-9]+', runners) is not None, 'runners %r is not what the reporter accepts' % runners)
runners = runners.split(',')
env = rep['env']
check(sorted(r.upper() + '_RESULTS' for r in runners) == sorted(env), 'runners and the env variables differ')

# Each runner: which step output it reads, and its fallback.
expr = re.compile(r"\$\{\{ steps\.(lab\d+)\.outputs\.(\w+) \|\| '([A-Za-z0-9+/=]+)' \}\}")
source, fallback = {}, {}
for r in runners:
    m = expr.fullmatch(str(env.get(r.upper() + '_RESULTS', '')))
    check(m is not None, '%s: env value %r' % (r, env.get(r.upper() + '_RESULTS')))
    if m:
        source[r] = (m.group(1), m.group(2))
        fallback[r] = m.group(3)
wanted = sorted(('lab' + s[:2], t) for s in labs for t, _ in public[s])
check(sorted(source.values()) == wanted, 'runners do not map one to one onto the public tests')
points = {('lab' + s[:2], t): p for s in labs for t, p in public[s]}

def decode(b64):
    return json.loads(base64.b64decode(b64).decode('utf-8', 'replace'))
for r, b in fallback.items():
    res = decode(b)
    check(res['status'] == 'error' and res['max_score'] == points.get(source[r]) and len(res['tests']) == 1
          and res['tests'][0]['score'] == 0, '%s: fallback %r' % (r, res))

def outputs(path):
    out = {}
    for line in open(path, encoding='utf-8'):
        k, _, v = line.rstrip('\n').partition('=')
        check(k not in out, '%s: %s written twice' % (path, k))
        out[k] = v
    return out

def reporter(step_outputs):
    """The reporter's arithmetic (src/helpers/test-helpers.js, notify-classroom.js)."""
    results = []
    for r in runners:
        sid, name = source[r]
        value = step_outputs.get(sid, {}).get(name, '') or fallback[r]   # GitHub's a || b
        results.append((r, decode(value)))
    table = sum(sum(t['status'] == 'pass' for t in res['tests']) / len(res['tests']) * res['max_score']
                for _, res in results if res['max_score'])
    total = sum(t['score'] for _, res in results if res['max_score'] for t in res['tests'])
    maximum = sum(res['max_score'] for _, res in results if res['max_score'])
    return results, table, total, maximum

sid = 'lab' + lab[:2]
lab_points = sum(p for _, p in public[lab])
all_points = sum(points.values())
runs = {k: outputs(os.path.join(tmp, k + '.out')) for k in ('starter', 'solution', 'never')}
for k in ('starter', 'solution'):
    check(sorted(runs[k]) == sorted(t for t, _ in public[lab]), '%s: results for %r' % (k, sorted(runs[k])))
half = dict(list(runs['solution'].items())[::2])
mixed = {**runs['starter'], **half}
swapped = {**runs['solution'], **{t: runs['starter'][t] for t in half}}
for k, outs, want in (('starter', runs['starter'], 0), ('solution', runs['solution'], lab_points),
                      ('mixed', mixed, None), ('mixed the other way', swapped, None),
                      ('never ran', runs['never'], 0)):
    results, table, total, maximum = reporter({sid: outs})
    mine = [res for r, res in results if source[r][0] == sid]
    statuses = sorted({t['status'] for res in mine for t in res['tests']})
    expect = {'starter': ['fail'], 'solution': ['pass'], 'never ran': ['error']}.get(k, ['fail', 'pass'])
    check(statuses == expect, '%s: statuses %r, want %r' % (k, statuses, expect))
    if want is None:
        want = sum(points[(sid, t)] for t in runs['solution'] if (t in half) == (k == 'mixed'))
    check(abs(table - total) < 1e-9, "%s: the reporter's table says %g, Classroom %g" % (k, table, total))
    check(total == want, '%s: Classroom total %g, want %g' % (k, total, want))
    check(maximum == all_points, '%s: maximum %g, want the public points %g' % (k, maximum, all_points))
    for res in mine:
        t = res['tests'][0]
        check(t['status'] == 'pass' or t['message'], '%s: %s failed without a message' % (k, t['name']))

if problems:
    print('FAIL:')
    print('\n'.join('  ' + p for p in problems[:20]))
    sys.exit(1)
print('ok: %d labs, %d runners, %d public points; %s graded as the starter, the reference, mixed and not run'
      % (len(labs), len(runners), all_points, lab))
EOF
