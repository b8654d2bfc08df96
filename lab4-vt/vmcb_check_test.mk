# lab4-vt: the VMCB checker's host unit test.  vmcb_check.c needs nothing
# but the VMCB, so it is built as it is (the libc's vsnprintf and strcmp
# stand in for lib/'s); the test drives it through its rule table.
VMCB_CHECK_TEST_SRCS := lab4-vt/vmcb_check.c lab4-vt/vmcb_check_test.c
VMCB_CHECK_TEST_HDRS := lab4-vt/vmcb_check.h lab4-vt/vmcb.h lib/test_table.h \
	inc/types.h inc/mmu.h inc/trap.h inc/stdio.h inc/string.h

$(OBJDIR)/host/lab4-vt/vmcb_check_test: $(VMCB_CHECK_TEST_SRCS) $(VMCB_CHECK_TEST_HDRS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(VMCB_CHECK_TEST_SRCS) -lcunit

UNIT_TESTS += $(OBJDIR)/host/lab4-vt/vmcb_check_test
