# Grading (included by grade/Makefrag).
#
#   make grade           every suite: grade/native.bats, then the others
#                        by name (grade/badinput.bats, grade/labN.bats)
#   make grade-SUITE     one suite, e.g. grade-native, grade-lab1
#   TEST=regex           only the tests whose names match, e.g.
#                        make grade-lab1 TEST='hello|forkwait'
#   EX=N                 only exercise N's tests: those tagged exN in the
#                        suite (bats test_tags), which are its milestone
#                        and the tests that exercise N, done in order, is
#                        the first to make pass; e.g. make grade-lab1 EX=3.
#                        With TEST=, the tests both select.  Needs bats 1.8.
#   make test-grade      the grading helpers' own tests (no QEMU)
#
# Each prints its tests as they complete and a score table, writes TAP,
# JUnit XML and a Gradescope-style results.json under $(OBJDIR)/grade/,
# and fails below full marks.  ACCEL=kvm, GRADE_TIMEOUT_SCALE=N and
# GRADE_FAIL_FAST=1 (stop a suite at its first failed test with points)
# pass through; each suite picks its own monitor mode.  See
# handouts/lab0.md.

# native first, then the rest by name (badinput, lab1, lab2 ...).
GRADE_SUITES := $(patsubst grade/%.bats,%,$(wildcard grade/native.bats) \
	$(sort $(filter-out grade/native.bats,$(wildcard grade/*.bats))))

# A suite that boots the monitor needs it built, once the tree has one.
GRADE_VMM := $(if $(VMM_MODES),$(OBJDIR)/vmm)
GRADE_RUN = ACCEL=$(ACCEL) GRADE_OUT=$(OBJDIR)/grade \
	$(if $(TEST),GRADE_FILTER='$(TEST)') $(if $(EX),GRADE_EX='$(EX)') \
	grade/grade.sh

.PHONY: grade test-grade $(addprefix grade-,$(GRADE_SUITES))

grade: $(OBJDIR)/kernel $(GRADE_VMM)
	$(V)$(GRADE_RUN) $(GRADE_SUITES)

grade-native: $(OBJDIR)/kernel
	$(V)$(GRADE_RUN) native

$(addprefix grade-,$(filter-out native,$(GRADE_SUITES))): grade-%: \
		$(OBJDIR)/kernel $(GRADE_VMM)
	$(V)$(GRADE_RUN) $*

test-grade:
	$(V)bats grade/test/lib.bats

CHECK_TARGETS += test-grade grade

# BEGIN INSTRUCTOR
# make handout-check: for every lab with a grade suite, the reference
# passes it; the lab's handout builds and fails every test with points
# (but those tagged handout-pass); the handout with every region solved
# passes; and with any one region cut, some test with points fails.
# FULL=1 names every failing test per region; KEEP=1 keeps the trees.
# Instructor-only, like the cutter.
.PHONY: handout-check
handout-check:
	$(V)grade/handout-check
# The reference tree's check proves its tests test something.
CHECK_TARGETS += handout-check
# make milestone-check LAB=N (no LAB: every lab, 1 to 4, whose tests carry
# exK tags): lab N's score with its exercises 1..k solved and the rest
# cut, for k = 0 .. n, which must rise at every k, and the tests that
# begin to pass at k must be those tagged exk (grade/handout-check,
# MILESTONES=1).  It grades the lab n+1 times, so it is not part of make
# check.
.PHONY: milestone-check
milestone-check:
	$(V)MILESTONES=1 LABS="$(LAB)" grade/handout-check
# END INSTRUCTOR
