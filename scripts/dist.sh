#!/bin/sh
# dist.sh — build the student tarball: the kit as a student gets it.
#
# Everything but the reference solutions, the hidden tests, the adversarial
# corpus, the courseware's own tests and CI.  `make test` checks the result:
# it unpacks it, grades it, and looks for solution text in it.
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
    -not -path './tests/*' -not -path './.ci/*' -print |
    sed 's|^\./||' | sort >"$out/$name.files"
tar -cf - -T "$out/$name.files" | tar -xf - -C "$out/$name"
rm "$out/$name.files"
tar -czf "$out/$name.tar.gz" -C "$out" "$name"
rm -rf "${out:?}/$name"
echo "$out/$name.tar.gz"
