#!/bin/sh
# unprivileged.sh — an instructor without root grades a class in which one
# student attacks (grader/corpus/steal-and-scribble: reads the home and the
# kit, writes into both, kill(-1, SIGKILL)) and one hands in the reference.
# The instructor is a uid with no account (setpriv), with a HOME holding a
# secret and an .ssh key, and a copy of the whole kit (solutions and hidden
# tests included) that it owns.  Afterwards: the grader finished, the attack
# scored what the starter scores and the reference 100, nothing of the home
# or the kit reached the results, the home, the kit and the other student's
# lab.c are byte for byte as before, and no process of that uid is left.
#
#   $ sh tests/unprivileged.sh build/bin/shmlab-grade    (as root: it becomes the instructor)
# Exit 0 when all holds, 1 with the reasons, 77 when not root.
set -u
grader=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root to become an unprivileged instructor"; exit 77; }
lab=04-race
instructor=4242
top=$(mktemp -d "${TMPDIR:-/tmp}/shmlab-unprivileged.XXXXXX") || exit 1
chmod 755 "$top"
home=$top/home kit=$top/kit class=$top/class out=$top/out
mkdir -p "$home/.ssh" "$kit/build/bin" "$class/mallory/$lab" "$class/victor/$lab"
secret="TOPSECRET-$$-$(date +%s)"
echo "$secret" >"$home/secret"
echo "$secret-key" >"$home/.ssh/id_rsa"
chmod 600 "$home/secret" "$home/.ssh/id_rsa"
# The kit as an instructor unpacks it (not the corpus: its patch names PWNED).
git ls-files | grep -v '^grader/corpus/' | tar -cf - -T - | tar -xf - -C "$kit"
cp "$grader" "$kit/build/bin/shmlab-grade"
cp "labs/$lab/lab.c" "$class/mallory/$lab/lab.c"
(cd "$class/mallory/$lab" && git apply --unsafe-paths "$OLDPWD/grader/corpus/steal-and-scribble/$lab.starter.patch") ||
    { echo "the attack does not apply to the starter"; exit 1; }
cp "solutions/$lab/lab.c" "$class/victor/$lab/lab.c"
chown -R "$instructor:$instructor" "$top"
fingerprint() { (cd "$top" && find home kit class -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(fingerprint)

problems=""
(cd "$kit" && setpriv --reuid="$instructor" --regid="$instructor" --clear-groups \
    env HOME="$home" PWD="$kit" OLDPWD="$home" \
    build/bin/shmlab-grade --quiet --no-static-checks --lab 4 --class "$class" --out "$out") >"$top/grade.log" 2>&1 ||
    problems="$problems\nthe grader exited $? ($(tail -n 3 "$top/grade.log"))"
printf 'student,%s,total,status\nmallory,0,0,ok\nvictor,100,100,ok\n' "$lab" | diff - "$out/gradebook.csv" >/dev/null ||
    problems="$problems\ngradebook is not mallory 0, victor 100: $(cat "$out/gradebook.csv" 2>/dev/null)"
grep -rqs -e "$secret" "$out" && problems="$problems\nthe home's secret reached the results"
grep -rqs -F -e "$(sed -n 2p "grader/hidden/$lab/hidden.c")" "$out" &&
    [ -n "$(sed -n 2p "grader/hidden/$lab/hidden.c")" ] && problems="$problems\nthe hidden tests reached the results"
stolen=$(find "$out" -name 'stolen-*' | head -n 3)
[ -z "$stolen" ] || problems="$problems\nthe attack copied files into its folder: $stolen"
after=$(fingerprint)
[ "$before" = "$after" ] ||
    problems="$problems\nthe home, the kit or a student's lab.c changed:\n$(printf '%s\n' "$before" >"$top/b"; printf '%s\n' "$after" | diff "$top/b" - | head -n 5)"
left=$(ps -eo uid=,pid=,args= | awk -v u="$instructor" '$1 == u' | head -n 3)
[ -z "$left" ] || problems="$problems\nprocesses of the instructor's uid are left: $left"
if [ -n "$problems" ]; then
    printf 'kept in %s%b\n' "$top" "$problems"
    exit 1
fi
rm -rf "$top"
