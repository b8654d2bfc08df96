# lab2-shadow: the write emulator for trace faults and its unit test.
#
# The top-level GNUmakefile includes every lab*/*.mk; the monitor's
# objects are compiled by its $(OBJDIR)/vmm-objs/%.o rule (kern/Makefrag).

VMM_OBJS += $(OBJDIR)/vmm-objs/lab2-shadow/wemu.o

# Host unit test: the emulator against the host CPU running the same
# instruction bytes natively (an x86-64 host), with the lab 1 decoder.
WEMU_TEST_DEPS := lib/test_table.h lab2-shadow/wemu.c lab2-shadow/wemu.h \
	lab2-shadow/wemu_test.c vmm/decode.c inc/x86decode.h \
	inc/mmu.h inc/types.h

$(OBJDIR)/host/lab2-shadow/wemu_test: $(WEMU_TEST_DEPS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ lab2-shadow/wemu.c \
		lab2-shadow/wemu_test.c vmm/decode.c -lcunit

UNIT_TESTS += $(OBJDIR)/host/lab2-shadow/wemu_test
