# make bench: the nanobenchmarks, forkwait and ctxswitch (long-lived
# address spaces yielding to each other) in every mode this tree
# supports, under TCG and (where it works) KVM, beside the paper's
# Figure 4.  A measurement, never a pass/fail test.  See grade/bench -h.
#
#   make bench                    native and every lab's mode, TCG + KVM
#   make bench ACCEL=tcg          TCG only (ACCEL=kvm: KVM only)
#   make bench BENCH_FORKS=40000  forkwait at the paper's size
#   make bench BENCH_SWITCHES=2000  a shorter ctxswitch
#   make bench BENCH_RUNS=5       boots per configuration (the median counts)
#   make bench BENCH_CONFIGS='te te:shadow=rebuild'   only these, and native
#
# Monitor configurations come from VMM_MODES (each lab adds its mode) and
# BENCH_VMM_CONFIGS, where a lab or the user may add variants, e.g.
# 'te:shadow=rebuild' (after ':' the monitor's options, commas for spaces).

BENCH_FORKS ?= 10000
BENCH_SWITCHES ?= 20000
BENCH_RUNS ?= 3
BENCH_VMM_CONFIGS ?=
# Per-boot timeout in seconds; empty: grade/bench's default.
BENCH_TIMEOUT ?=
# Both accelerators unless the user chose one with ACCEL.
BENCH_ACCELS ?= $(if $(filter command line environment%,$(origin ACCEL)),$(ACCEL),tcg kvm)

BENCH_CONFIGS = $(strip $(VMM_MODES) $(BENCH_VMM_CONFIGS))
BENCH_FLAGS = --modes "$(BENCH_CONFIGS)" --accels "$(BENCH_ACCELS)" \
	--forks $(BENCH_FORKS) --switches $(BENCH_SWITCHES) --runs $(BENCH_RUNS) --out $(OBJDIR)/bench \
	$(if $(BENCH_TIMEOUT),--timeout $(BENCH_TIMEOUT))

.PHONY: bench test-bench
bench: $(OBJDIR)/kernel $(if $(BENCH_CONFIGS),$(OBJDIR)/vmm)
	grade/bench $(strip $(BENCH_FLAGS))

# The parser, tables, CSV/JSON and charts on canned consoles; no QEMU.
test-bench:
	$(V)python3 grade/test/bench_test.py

CHECK_TARGETS += test-bench
