# vmm: the trace table's host unit test (vmm/trace_test.c fakes the page
# walk, the shadow MMU and the memory it needs).
TRACE_TEST_DEPS := vmm/trace.c vmm/trace_test.c inc/trace.h inc/shadow.h \
	inc/engine.h inc/registry.h inc/vcpu.h inc/gmem.h lib/test_table.h

$(OBJDIR)/host/vmm/trace_test: $(TRACE_TEST_DEPS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) -o $@ vmm/trace.c vmm/trace_test.c -lcunit

UNIT_TESTS += $(OBJDIR)/host/vmm/trace_test
