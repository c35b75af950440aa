#!/bin/sh
# install-deps.sh — make sure this Debian/Ubuntu machine has what shmlab needs.
#
# Checks each package and installs the missing ones with apt-get: directly as
# root, through sudo otherwise (asking for a password only on a terminal).
# When it cannot install, it stops with the one command to run.
#
#   $ sh scripts/install-deps.sh        # make grade and make test call it
#   $ sh scripts/install-deps.sh zip    # also what one target needs
set -eu

# check: libcheck, the unit-test framework; valgrind: memcheck for every test;
# jansson/expat: results.json and valgrind's XML in the grader; libcsv: a
# class's roster (--roster); libtsan (below): -fsanitize=thread.
PACKAGES="check libsubunit-dev pkg-config valgrind libjansson-dev libexpat1-dev libcsv-dev $*"

missing=""
# ThreadSanitizer's runtime (the grader's thread-sanitizer tests): gcc
# normally brings it; its package is named after gcc's version.
probe=$(mktemp -d)
if ! echo 'int main(void) { return 0; }' | ${CC:-cc} -fsanitize=thread -x c - -o "$probe/t" 2>/dev/null; then
    gcc_major=$(${CC:-cc} -dumpversion 2>/dev/null | cut -d. -f1)
    case "$gcc_major" in
    1[2-9]) missing=" libtsan2" ;;
    *) missing=" libtsan0" ;;
    esac
fi
rm -rf "$probe"
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "shmlab: missing packages:$missing (install them with your system's package manager)" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    sudo="sudo"
else
    echo "shmlab: missing packages; run:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "shmlab: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
