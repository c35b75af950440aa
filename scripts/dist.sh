#!/bin/sh
# dist.sh — build the student tarball: the kit as a student gets it.
#
# Everything but the reference solutions, the hidden tests, the adversarial
# corpus, the instructor's notes, the courseware's own tests and CI, except
# what the handouts send students to: the claims suites (tests/claims/, no
# lab's code in them: make claims) and tests/keystore-cli.sh.  Its README is
# the student's (README.student.md).  `make test` checks the result: it
# unpacks it, grades it, and looks for solution text in it.
#
#   $ make dist        # -> build/dist/shmlab-student.tar.gz
set -eu
name=shmlab-student
out=build/dist
rm -rf "${out:?}/$name" "$out/$name.tar.gz"
mkdir -p "$out/$name"
find . -type f \
    -not -path './.git/*' -not -path './build/*' -not -path './node_modules/*' \
    -not -path './solutions/*' -not -path './grader/hidden/*' -not -path './grader/corpus/*' \
    -not -path './instructor/*' -not -path './.ci/*' -print |
    sed 's|^\./||' | grep -v '^tests/' | sort >"$out/$name.files"
{ find tests/claims -type f; echo tests/keystore-cli.sh; } | sort >>"$out/$name.files"
tar -cf - -T "$out/$name.files" | tar -xf - -C "$out/$name"
rm "$out/$name.files"
mv "$out/$name/README.student.md" "$out/$name/README.md"
tar -czf "$out/$name.tar.gz" -C "$out" "$name"
rm -rf "${out:?}/$name"
echo "$out/$name.tar.gz"
