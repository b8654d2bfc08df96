# vmm: the memory-instruction emulator and its unit test.  The monitor
# links it through vmm/Makefrag's core list: lab 2's traces, lab 3's
# adaptive translation and the core's own emulation (writes a guest
# kernel makes with cr0.WP clear, device registers in memory) use it.

# Host unit test: the emulator against the host CPU running the same
# instruction bytes natively (an x86-64 host), with the decoder.
WEMU_TEST_DEPS := lib/test_table.h vmm/wemu.c inc/wemu.h \
	vmm/wemu_test.c vmm/decode.c inc/x86decode.h \
	inc/mmu.h inc/types.h

$(OBJDIR)/host/vmm/wemu_test: $(WEMU_TEST_DEPS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ vmm/wemu.c \
		vmm/wemu_test.c vmm/decode.c -lcunit

UNIT_TESTS += $(OBJDIR)/host/vmm/wemu_test
