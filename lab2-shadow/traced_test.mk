# lab2-shadow: the traced shadow MMU's host unit test, on a simulated
# machine (traced_test_support.c: guest memory, a shadow page pool, a
# TLB) under simulated guest page tables.
#
# traced.c is built as the monitor builds it, with the code it reaches:
# the write emulator, and from the monitor core the decoder, the vcpu's
# instruction fetch, the guest-table walk, traces and the true-fault
# check (vmm/shadow.c).  The libc's memset/strcmp/strtol stand in for
# lib/'s; the support file provides cprintf, _panic and vcpu_fail.
TRACED_TEST_SRCS := lab2-shadow/traced.c vmm/wemu.c \
	lab2-shadow/traced_test.c lab2-shadow/traced_test_support.c \
	vmm/gwalk.c vmm/decode.c vmm/shadow.c vmm/vcpu.c vmm/trace.c
TRACED_TEST_HDRS := lib/test_table.h inc/shadow.h inc/gmem.h inc/vcpu.h inc/counters.h \
	inc/registry.h inc/mmu.h inc/x86decode.h inc/trace.h inc/engine.h \
	inc/wemu.h

$(OBJDIR)/host/lab2-shadow/traced_test: $(TRACED_TEST_SRCS) $(TRACED_TEST_HDRS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(TRACED_TEST_SRCS) -lcunit

UNIT_TESTS += $(OBJDIR)/host/lab2-shadow/traced_test
