#!/bin/sh
# gradescope.sh — build the Gradescope autograder zip: setup.sh,
# run_autograder and the kit with its hidden tests (no corpus; a one-lab zip
# holds only that lab's hidden tests).  The only solutions it holds are those
# of labs with a @leaderboard test (lab 01): run_autograder times them in the
# same container, for the leaderboard's ratio; like the hidden tests, the
# sandbox keeps them from the student's code.
#
#   $ make gradescope            # students upload lab folders (04-race/lab.c …)
#   $ make gradescope LAB=4      # a one-lab assignment: students upload lab.c
#   -> build/gradescope/autograder.zip   (its unzipped tree: build/gradescope/autograder/)
set -eu
lab=${1:-}
keep_hidden=grader/hidden
[ -z "$lab" ] || keep_hidden=grader/hidden/$(basename "$(sh scripts/lab-dir.sh "$lab")")
out=build/gradescope
tree=$out/autograder
rm -rf "$out"
mkdir -p "$tree/shmlab"
find . -type f \
    -not -path './.git/*' -not -path './build/*' -not -path './node_modules/*' -not -path './solutions/*' \
    -not -path './grader/corpus/*' -not -path './tests/*' -not -path './instructor/*' \
    -not -path './.ci/*' -print |
    sed 's|^\./||' | awk -v keep="$keep_hidden/" '!/^grader\/hidden\/[0-9]/ || index($0, keep) == 1' |
    tar -cf - -T - | tar -xf - -C "$tree/shmlab"
for points in labs/[0-9][0-9]-*/points; do
    slug=$(basename "$(dirname "$points")")
    [ -z "$lab" ] || [ "$keep_hidden" = "grader/hidden/$slug" ] || continue
    if grep -q '^[ \t]*@leaderboard[ \t]' "$points" && [ -f "solutions/$slug/lab.c" ]; then
        mkdir -p "$tree/shmlab/solutions/$slug"
        cp "solutions/$slug/lab.c" "$tree/shmlab/solutions/$slug/lab.c"
    fi
done
cp grader/gradescope/setup.sh "$tree/setup.sh"
sed "s/@LAB@/$lab/" grader/gradescope/run_autograder >"$tree/run_autograder"
chmod +x "$tree/setup.sh" "$tree/run_autograder"
command -v zip >/dev/null 2>&1 || sh scripts/install-deps.sh zip
(cd "$tree" && zip -qr ../autograder.zip .)
echo "$out/autograder.zip"
