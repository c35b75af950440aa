#!/bin/sh
# claims.sh — build and run the claims suites: every statement a handout
# makes about the kernel or libc, asserted on this machine (tests/claims/,
# one file per lab, plus seed-errors.c).  They use no lab's code, so they
# ship in the student kit too.  One "ok" or "FAILED" line per suite; exits 1
# if one failed.
#
#   $ make claims          # every suite
#   $ make claims LAB=4    # tests/claims/04-*.c only
set -u
cd "$(dirname "$0")/.."
out=${OUT:-build/claims}
pattern='*'
if [ -n "${1:-}" ]; then
    slug=$(basename "$(sh scripts/lab-dir.sh "$1")") || exit 2
    pattern="${slug%%-*}-*"
fi
mkdir -p "$out"
failed=0
for src in tests/claims/$pattern.c; do
    [ -f "$src" ] || { echo "claims: no suite tests/claims/$pattern.c" >&2; exit 2; }
    name=$(basename "$src" .c)
    if ! log=$(${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -g -pthread -o "$out/$name" "$src" \
                $(pkg-config --cflags --libs check) -latomic 2>&1); then
        echo "FAILED  claims $name.c compiles"; echo "$log" | tail -n 15 | sed 's/^/        /'
        failed=$((failed + 1)); continue
    fi
    if log=$("$out/$name" 2>&1); then
        echo "ok      claims $name.c hold on this kernel"
    else
        echo "FAILED  claims $name.c hold on this kernel"; echo "$log" | tail -n 15 | sed 's/^/        /'
        failed=$((failed + 1))
    fi
done
[ "$failed" -eq 0 ]
