# shmlab — the one entry point.  `make help` lists the targets.
#
#   make grade                     grade the working tree's labs/ (yours)
#   make grade SUBMISSION=dir      grade another submission (dir/NN-slug/lab.c)
#   make grade CLASS=dir           grade a class: one sub-folder per student, in parallel
#                                  (ROSTER=file.csv: LMS identities for canvas.csv, moodle.csv)
#   make check LAB=4               the public tests of one lab, under valgrind
#   make test                      the courseware's own test suite (CI)
#   make claims                    the handouts' claims, checked on this kernel (LAB=n: one lab's)
#   make demo LAB=4                the classroom demonstration (ARGS=... for its options)
#   make keystore ARGS="put alice bob s3cret"   lab 07's key store from the shell (ARGS=--help)
#   make bench                     throughput and cost figures for the lectures
#   make bench-grader              grading time: one submission (with and without the speed-ups), a class serial vs parallel, where it goes
#   make clean-ipc                 remove your leftover System V objects
#   make slides                    every deck to HTML and PDF (build/slides/)
#   make handouts                  every handout to HTML (build/handouts/)
#   make dist                      the student tarball (no solutions, no hidden tests)
#   make gradescope                the Gradescope autograder zip (LAB=n: one lab, lab.c uploads)
#   make github-classroom          a GitHub Classroom template repository (build/github-classroom/)
#   make similarity CLASS=dir      which students' lab.c look alike, per lab (sim_c)

BUILD      := build
GRADER     := $(BUILD)/bin/shmlab-grade
GRADER_SRC := $(wildcard grader/src/*.c)
SUBMISSION ?= labs
CLASS      ?=
LAB        ?=
ROSTER     ?=
STRICT     := -std=c11 -D_GNU_SOURCE= -Wall -Wextra -Werror

.PHONY: help deps grade check test claims demo keystore bench bench-grader slides handouts dist gradescope github-classroom similarity clean clean-ipc

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@sh scripts/install-deps.sh

# The grader bakes in libcheck's flags, so tests compile the same way everywhere.
# Its snprintf calls truncate on purpose (bounded one-line reasons), hence
# -Wno-format-truncation.
$(GRADER): $(GRADER_SRC) grader/src/grader.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(STRICT) -Wno-format-truncation -g -O2 \
	    -DCHECK_CFLAGS="\"$$(pkg-config --cflags check)\"" \
	    -DCHECK_LIBS="\"$$(pkg-config --libs check)\"" \
	    $$(pkg-config --cflags jansson expat) -o $@ $(GRADER_SRC) \
	    $$(pkg-config --libs jansson expat) -lcsv

grade: $(GRADER)
	@$(GRADER) $(if $(CLASS),--class $(CLASS),--submission $(SUBMISSION)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(LAB),--lab $(LAB))

check: $(GRADER)
	@test -n "$(LAB)" || { echo "usage: make check LAB=n   (e.g. make check LAB=4)" >&2; exit 2; }
	@$(GRADER) --lab $(LAB) --public-only --strict --out $(BUILD)/check

# In the student tarball there is no tests/: the suite needs the solutions.
test: $(GRADER)
	@if [ -f tests/run.sh ]; then sh tests/run.sh; else \
	    echo "make test is the courseware's own suite; it needs the instructor's kit (solutions/, tests/)" >&2; exit 2; fi

claims: deps
	@sh scripts/claims.sh $(LAB)

slides:
	@sh scripts/render-slides.sh

handouts:
	@sh scripts/render-handouts.sh

dist:
	@sh scripts/dist.sh

gradescope: deps
	@sh scripts/gradescope.sh $(LAB)

github-classroom:
	@sh scripts/github-classroom.sh

similarity:
	@test -n "$(CLASS)" || { echo "usage: make similarity CLASS=path/to/class" >&2; exit 2; }
	@command -v sim_c >/dev/null 2>&1 || sh scripts/install-deps.sh similarity-tester
	@sh scripts/similarity.sh "$(CLASS)" "$(BUILD)/similarity/$$(basename "$(CLASS)")"

demo: deps
	@sh scripts/lab-program.sh "$(LAB)" demo $(ARGS)

keystore: deps
	@sh scripts/lab-program.sh 7 keystore $(ARGS)

bench: deps
	@sh scripts/bench.sh

bench-grader: $(GRADER)
	@sh scripts/bench-grader.sh

clean:
	rm -rf $(BUILD)

clean-ipc:
	@sh scripts/clean-ipc.sh
