# Install missing packages before anything that needs them is built or
# run, so that on a fresh Debian machine 'make qemu' and 'make check' are
# the only set-up.  This runs while the makefile is read, because the
# toolchain detection that follows depends on what is installed.  Sub-makes
# inherit VMMLAB_DEPS_CHECKED and skip it.

DEPS_RUN_GOALS := all qemu qemu-nox qemu-native qemu-gdb qemu-nox-gdb run-%
DEPS_ALL_GOALS := check unit grade grade-% bench handout-check gdb

ifndef VMMLAB_DEPS_CHECKED
DEPS_GOALS := $(if $(MAKECMDGOALS),$(MAKECMDGOALS),all)
DEPS_LEVEL := $(if $(filter $(DEPS_ALL_GOALS),$(DEPS_GOALS)),all,$(if $(filter $(DEPS_RUN_GOALS),$(DEPS_GOALS)),run,))
ifneq ($(DEPS_LEVEL),)
DEPS_STATUS := $(shell conf/deps.sh $(DEPS_LEVEL) >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error missing packages could not be installed (see above); then run make again)
endif
endif
export VMMLAB_DEPS_CHECKED := 1
endif
