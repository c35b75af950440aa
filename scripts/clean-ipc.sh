#!/bin/sh
# clean-ipc.sh — remove the calling user's leftover System V IPC objects.
#
# What `ipcrm` would do by hand after a crashed run: every shared memory
# segment this user owns that nobody has attached (nattch 0), and every
# semaphore set and message queue this user owns.  Attached segments are in
# use by a live process and are left alone.
#
#   $ make clean-ipc
set -eu
uid=$(id -u)
removed=0
# /proc/sysvipc/shm columns: key shmid perms size cpid lpid nattch uid ...
for id in $(awk -v uid="$uid" 'NR > 1 && $7 == 0 && $8 == uid { print $2 }' /proc/sysvipc/shm); do
    ipcrm -m "$id" && echo "removed shared memory segment $id" && removed=$((removed + 1))
done
# /proc/sysvipc/sem columns: key semid perms nsems uid ...
for id in $(awk -v uid="$uid" 'NR > 1 && $5 == uid { print $2 }' /proc/sysvipc/sem); do
    ipcrm -s "$id" && echo "removed semaphore set $id" && removed=$((removed + 1))
done
# /proc/sysvipc/msg columns: key msqid perms cbytes qnum lspid lrpid uid ...
for id in $(awk -v uid="$uid" 'NR > 1 && $8 == uid { print $2 }' /proc/sysvipc/msg); do
    ipcrm -q "$id" && echo "removed message queue $id" && removed=$((removed + 1))
done
echo "clean-ipc: removed $removed object(s) owned by uid $uid"
