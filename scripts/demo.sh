#!/bin/sh
# demo.sh — build and run a lab's classroom demo.
#
# The demo links the reference solution when the kit has one (an
# instructor's copy), the student's own lab.c otherwise.  Built with -O2: the
# demo is about what real, optimised code does.
#
#   $ make demo LAB=4
set -eu
dir=$(sh scripts/lab-dir.sh "${1:-}")
slug=$(basename "$dir")
src=solutions/$slug/lab.c
[ -f "$src" ] || src=$dir/lab.c
mkdir -p build/demo
${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -O2 -g -pthread -I"$dir" \
    -o "build/demo/$slug" "$dir/demo.c" "$src"
shift || true
exec "build/demo/$slug" "$@"
