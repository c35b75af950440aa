#!/bin/sh
# setup.sh — Gradescope runs this once, as root, when it builds the autograder
# image: install shmlab's packages and build the grader.
#
#   $ AUTOGRADER=/tmp/fake-autograder sh setup.sh     # try it locally
set -eu
cd "${AUTOGRADER:-/autograder}/source/shmlab"
sh scripts/install-deps.sh
make build/bin/shmlab-grade
