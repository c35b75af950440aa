#!/bin/sh
# bench.sh — throughput of pipe, FIFO, Unix socket, lab 01's shared memory
# ring and memcpy, message sizes 64 B ... 1 MiB, two regimes; round trips of
# 64 bytes over seven transports, lab 09's futex ring among them (make bench).
#
# Builds bench/bench.c and bench/pingpong.c with -O2 into build/bench/,
# linked with the reference rings (solutions/01-pipe-vs-shm/lab.c,
# solutions/09-futex/lab.c) when the kit has them, the student's lab.c
# otherwise; natively, never under valgrind.  Prints the tables and the
# ratios (REGIME NAME VALUE [>= TARGET] met|NOT met), and writes
# build/bench/throughput.svg (drawn by the program itself: no plot tool
# needed) and throughput.dat.
#
#   $ make bench
#   $ sh scripts/bench.sh --quick      # shorter runs, noisier figures
#   $ sh scripts/bench.sh --no-pin     # sender and receiver not pinned to CPUs
set -eu
out=build/bench
lab=labs/01-pipe-vs-shm
src=solutions/01-pipe-vs-shm/lab.c
[ -f "$src" ] || src=$lab/lab.c
futex=solutions/09-futex/lab.c
[ -f "$futex" ] || futex=labs/09-futex/lab.c
mkdir -p "$out"
# Lab 09's lab.c is compiled on its own: each lab.c includes its own lab.h.
${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -O2 -g -pthread -Ilabs/09-futex \
    -c -o "$out/futex.o" "$futex"
${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -O2 -g -pthread -I"$lab" \
    -o "$out/bench" bench/bench.c bench/pingpong.c "$src" "$out/futex.o" -lm -lrt
echo "bench: rings from $src and $futex; $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
exec "$out/bench" --out "$out" "$@"
