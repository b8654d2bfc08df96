# vmm: the instruction decoder, its tests and its fuzzer.
#
# The monitor links the decoder through vmm/Makefrag's core list.
#
#   $(OBJDIR)/host/vmm/decode_test  CUnit tests against
#                            Capstone; reads obj/kernel, obj/vmm (if built)
#                            and /usr/lib32/libc.so.6 when it runs
#   make decode-fuzz         libFuzzer + ASan/UBSan for DECODE_FUZZ_TIME s

DECODE_DIR := $(OBJDIR)/host/vmm
DECODE_DEPS := vmm/decode.c inc/x86decode.h inc/types.h

$(DECODE_DIR)/decode_test: $(DECODE_DEPS) vmm/decode_test.c \
		lib/test_table.h
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ vmm/decode.c \
		vmm/decode_test.c -lcunit -lcapstone

UNIT_TESTS += $(DECODE_DIR)/decode_test
# decode_test sweeps the monitor's code too (in a tree that has one).
unit: $$(if $$(VMM_MODES),$(OBJDIR)/vmm)

# The fuzzer needs clang's libFuzzer; the corpus it grows and any crash
# it finds stay under $(DECODE_DIR).
DECODE_FUZZ_TIME ?= 60

$(DECODE_DIR)/decode_fuzz: $(DECODE_DEPS) vmm/decode_fuzz.c
	@mkdir -p $(@D)
	@echo "+ clang (libFuzzer) $@"
	$(V)clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I$(TOP) -DVMMLAB_HOSTED -o $@ \
		vmm/decode.c vmm/decode_fuzz.c

.PHONY: decode-fuzz
decode-fuzz:
	@if ! command -v clang >/dev/null 2>&1; then \
		echo "decode-fuzz: clang is not installed; it is needed for" \
		     "libFuzzer (apt-get install clang)" >&2; \
		exit 1; \
	fi
	@$(MAKE) --no-print-directory $(DECODE_DIR)/decode_fuzz
	@mkdir -p $(DECODE_DIR)/fuzz_corpus
	$(V)$(DECODE_DIR)/decode_fuzz -max_total_time=$(DECODE_FUZZ_TIME) \
		-max_len=32 -print_final_stats=1 \
		-artifact_prefix=$(DECODE_DIR)/ $(DECODE_DIR)/fuzz_corpus
