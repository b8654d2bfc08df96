# lab1-deprivilege: the host unit test of the lar/lsl/verr/verw rule
# table (segcheck.c is a pure function of a descriptor, a selector and
# a CPL).
SEGCHECK_TEST_DEPS := lab1-deprivilege/segcheck.c \
	lab1-deprivilege/segcheck_test.c inc/deprivilege.h inc/mmu.h \
	lib/test_table.h

$(OBJDIR)/host/lab1-deprivilege/segcheck_test: $(SEGCHECK_TEST_DEPS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ lab1-deprivilege/segcheck.c \
		lab1-deprivilege/segcheck_test.c -lcunit

UNIT_TESTS += $(OBJDIR)/host/lab1-deprivilege/segcheck_test
