#!/bin/sh
# lab-dir.sh — print the folder of lab N (4, 04 or 04-race all find labs/04-race).
#
#   $ sh scripts/lab-dir.sh 4
#   labs/04-race
set -eu
n=${1:-}
case "$n" in
    "") echo "usage: give the lab's number, e.g. LAB=4" >&2; exit 2 ;;
    [0-9]|[0-9][0-9]) pattern=$(printf '%02d' "$(expr "$n" + 0)")-* ;;
    *) pattern=$n ;;
esac
for d in labs/$pattern; do
    [ -d "$d" ] && { echo "$d"; exit 0; }
done
echo "no lab '$n' in labs/ (have: $(ls labs | tr '\n' ' '))" >&2
exit 2
