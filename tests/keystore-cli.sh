#!/bin/sh
# keystore-cli.sh — the lab 07 command-line tool, tested from the shell:
# --help, exit codes, one-line errors, several processes at once, and `rm`
# leaving no segment behind.  One line per check; exits 1 if any failed.
#
# It builds the tool with scripts/lab-program.sh (which links the reference
# solution when the kit has one), picks a System V key nobody uses (checked
# in /proc/sysvipc/shm), and removes its segment on the way out, whatever
# happened.  Runs in the host's IPC namespace, next to other users' objects.
#
#   $ sh tests/keystore-cli.sh
set -u
cd "$(dirname "$0")/.."
BIN=build/bin/07-keystore-keystore
TMP=$(mktemp -d "${TMPDIR:-/tmp}/keystore-cli.XXXXXX") || exit 1
passed=0
failed=0

ok()   { passed=$((passed + 1)); echo "ok      $1"; }
bad()  { failed=$((failed + 1)); echo "FAILED  $1${2:+ ($2)}"; }

# A key no segment uses: 0x6b5cXXXX from our pid, moved on while taken.
in_use() { awk -v k="$1" 'NR > 1 && $1 == k { found = 1 } END { exit !found }' /proc/sysvipc/shm; }
n=$(( $$ & 0xffff ))
while :; do
    dec=$(( 0x6b5c0000 + n ))
    in_use "$dec" || break
    n=$(( (n + 1) & 0xffff ))
done
KEY=$(printf '0x%08x' "$dec")

cleanup() {
    in_use "$dec" && ipcrm -M "$KEY" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ks() { "$BIN" --key "$KEY" "$@"; }

# run NAME STATUS CMD...: CMD must exit with STATUS; its stdout and stderr
# are kept in $TMP/out and $TMP/err.
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -eq "$want" ]; then return 0; fi
    bad "$name" "exit status $got, expected $want: $(head -c 200 "$TMP/err")"
    return 1
}

# one_line_error NAME: stderr is exactly one line starting "keystore: ".
one_line_error() {
    lines=$(wc -l <"$TMP/err")
    if [ "$lines" -eq 1 ] && grep -q '^keystore: ' "$TMP/err" && [ ! -s "$TMP/out" ]; then
        ok "$1"
    else
        bad "$1" "stderr has $lines lines: $(head -c 200 "$TMP/err")"
    fi
}

# -- build, --help ----------------------------------------------------------
if sh scripts/lab-program.sh 7 keystore --help >"$TMP/out" 2>"$TMP/err" &&
   grep -q '^usage: keystore' "$TMP/out" && [ ! -s "$TMP/err" ]; then
    ok "keystore builds; --help prints the usage on stdout and exits 0"
else
    bad "keystore builds; --help prints the usage on stdout and exits 0" "$(head -c 300 "$TMP/err")"
    exit 1
fi
if run "-h" 0 "$BIN" -h; then
    if grep -q 'exit status' "$TMP/out"; then ok "-h: the same help, with the exit statuses"
    else bad "-h: the same help, with the exit statuses" "no exit statuses in it"; fi
fi

# -- usage errors: exit 2, one line ----------------------------------------
run "no command: exit 2" 2 "$BIN" && one_line_error "no command: exit 2, one-line error"
run "unknown command: exit 2" 2 ks frobnicate && one_line_error "unknown command: exit 2, one-line error"
run "unknown option: exit 2" 2 ks --bogus ls && one_line_error "unknown option: exit 2, one-line error"
run "wrong argument count: exit 2" 2 ks get onlyone && one_line_error "get with one id: exit 2, one-line error"

# -- no store yet -------------------------------------------------------------
run "get before any put: exit 1" 1 ks get alice bank && one_line_error "get with no store: exit 1, one-line error"
run "rm with no store: exit 1" 1 ks rm && one_line_error "rm with no store: exit 1, one-line error"

# -- put, get, ls, del ----------------------------------------------------------
if run "put creates the store" 0 ks --capacity 128 put alice bank 's3cr3t value' --id 7; then
    if in_use "$dec"; then ok "put creates the store (a segment under $KEY)"
    else bad "put creates the store" "no segment under $KEY"; fi
fi
if run "get prints the secret" 0 ks get alice bank; then
    if [ "$(cat "$TMP/out")" = "s3cr3t value" ]; then ok "get prints the secret, exit 0"
    else bad "get prints the secret" "printed '$(head -c 100 "$TMP/out")'"; fi
fi
if run "put replaces" 0 ks put alice bank newer --id 8 && run "get after replace" 0 ks get alice bank; then
    if [ "$(cat "$TMP/out")" = "newer" ]; then ok "a second put of the pair replaces the secret"
    else bad "a second put of the pair replaces the secret" "get printed '$(head -c 100 "$TMP/out")'"; fi
fi
if run "ls" 0 ks ls && [ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q '^alice *bank *id 8 *5 bytes$' "$TMP/out" &&
   ! grep -q newer "$TMP/out"; then ok "ls lists the record (ids, key id, length) without the secret"
else bad "ls lists the record without the secret" "$(head -c 200 "$TMP/out")"; fi
run "over-long id: exit 2" 2 ks put abcdefghijkl bank x && one_line_error "12-character id: exit 2, one-line error"
long=$(printf '%0129d' 0)
run "over-long secret: exit 2" 2 ks put alice bank "$long" && one_line_error "129-byte secret: exit 2, one-line error"
run "id with a space: exit 2" 2 ks put 'al ice' bank x && one_line_error "id with a space: exit 2, one-line error"
if run "del" 0 ks del alice bank && run "get after del: exit 1" 1 ks get alice bank; then
    one_line_error "del, then get: exit 1, one-line error"
fi
run "del again: exit 1" 1 ks del alice bank && one_line_error "del of a missing record: exit 1, one-line error"

# -- several processes at once ----------------------------------------------
# No store yet; 8 processes race to create it, then put 10 records each and
# read each one back.
run "rm before the concurrent puts" 0 ks rm
pids=""
for p in 1 2 3 4 5 6 7 8; do
    (
        i=0
        while [ $i -lt 10 ]; do
            ks --capacity 100 put "p$p" "s$i" "secret-$p-$i" --id $((p * 100 + i)) || exit 1
            [ "$(ks get "p$p" "s$i")" = "secret-$p-$i" ] || exit 2
            i=$((i + 1))
        done
    ) >"$TMP/conc.$p" 2>&1 &
    pids="$pids $!"
done
fails=0
for pid in $pids; do wait "$pid" || fails=$((fails + 1)); done
if [ "$fails" -eq 0 ]; then ok "8 processes creating the store and doing 10 put+get each at once: all exit 0"
else bad "8 processes x 10 put+get at once" "$fails processes failed: $(cat "$TMP"/conc.* | head -c 200)"; fi
if run "ls after the concurrent puts" 0 ks ls && [ "$(wc -l <"$TMP/out")" -eq 80 ]; then
    ok "ls after them: exactly 80 records"
else bad "ls after the concurrent puts: exactly 80 records" "got $(wc -l <"$TMP/out")"; fi

# 6 processes put the same pair at once: one record in the end.
pids=""
for p in 1 2 3 4 5 6; do ks put shared srv "v$p" >/dev/null 2>&1 & pids="$pids $!"; done
fails=0
for pid in $pids; do wait "$pid" || fails=$((fails + 1)); done
if [ "$fails" -eq 0 ] && run "ls shared" 0 ks ls && [ "$(grep -c '^shared ' "$TMP/out")" -eq 1 ]; then
    ok "6 processes putting one pair at once: all exit 0, one record"
else bad "6 processes putting one pair at once: one record" "$fails failed"; fi

# -- a full store: exit 3 ----------------------------------------------------
run "rm before the full-store check" 0 ks rm
ks --capacity 2 put a x 1 >/dev/null 2>&1
ks put b x 2 >/dev/null 2>&1
run "put into a full store: exit 3" 3 ks put c x 3 && one_line_error "put into a full store: exit 3, one-line error"

# -- rm leaves nothing ---------------------------------------------------------
if run "rm" 0 ks rm && ! in_use "$dec"; then ok "rm exits 0 and no segment is left under $KEY"
else bad "rm leaves no segment under $KEY"; fi
run "ls after rm: exit 1" 1 ks ls && one_line_error "ls after rm: exit 1, one-line error"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
