# make handin: grade, then pack the student's work (included by
# grade/Makefrag; grade/handin says what the tarball holds).
#
#   make handin              make grade, then obj/handin-labN.tar.gz
#   make handin HANDIN_GRADE=0   pack the results of the last make grade
#
# N is the tree's highest lab (0 with none).

HANDIN_LAB := $(if $(LAB_NUMS),$(lastword $(LAB_NUMS)),0)
HANDIN_GRADE ?= 1

.PHONY: handin
handin:
	$(V)grade/handin --lab $(HANDIN_LAB) $(if $(filter 0,$(HANDIN_GRADE)),--no-grade)
