#!/bin/sh
# setup.sh — Gradescope runs this once, as root, when it builds the autograder
# image: install shmlab's packages and build the grader.
set -eu
cd /autograder/source/shmlab
sh scripts/install-deps.sh
make build/bin/shmlab-grade
