#!/bin/sh
# lab-program.sh — build and run one of a lab's programs (its demo, or a tool
# such as lab 07's keystore) from labs/NN-slug/PROGRAM.c.
#
# The program links the reference solution when the kit has one (an
# instructor's copy), the student's own lab.c otherwise.  Built with -O2: a
# demo is about what real, optimised code does.
#
#   $ sh scripts/lab-program.sh 4 demo            # make demo LAB=4
#   $ sh scripts/lab-program.sh 7 keystore ls     # arguments go to the program
set -eu
dir=$(sh scripts/lab-dir.sh "${1:-}")
program=${2:?usage: lab-program.sh LAB PROGRAM [ARGS...]}
shift 2
slug=$(basename "$dir")
src=solutions/$slug/lab.c
[ -f "$src" ] || src=$dir/lab.c
mkdir -p build/bin
bin=build/bin/$slug-$program
${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -O2 -g -pthread -I"$dir" \
    -o "$bin" "$dir/$program.c" "$src"
exec "$bin" "$@"
