#!/bin/sh
# bench.sh — throughput of pipe, FIFO, Unix socket, lab 01's shared memory
# ring and memcpy, message sizes 64 B ... 1 MiB, two regimes (make bench).
#
# Builds bench/bench.c with -O2 into build/bench/, linked with the reference
# ring (solutions/01-pipe-vs-shm/lab.c) when the kit has one, the student's
# labs/01-pipe-vs-shm/lab.c otherwise; natively, never under valgrind.  Prints
# the table and the ratios shm/pipe and shm/memcpy, and writes
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
mkdir -p "$out"
${CC:-cc} -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror -O2 -g -pthread -I"$lab" \
    -o "$out/bench" bench/bench.c "$src" -lm
echo "bench: ring from $src; $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
exec "$out/bench" --out "$out" "$@"
