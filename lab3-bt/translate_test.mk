# HANDOUT: lab>=4
# lab3-bt: the translator's host unit test (lab3-bt/translate_test.c fakes
# guest memory, the page walk, the monitor's page allocator and trace
# table, and bt_glue.S's entry points).  translate.c and tc.c are built
# as the monitor builds them (VMM_IMAGE), with the decoder that reads
# both the guest's code and the translation.
#
# They keep cache addresses in uint32_t, as the 32-bit monitor may: the
# test links without PIE and maps the cache below 2 GiB, so the casts
# (which -Wpointer-to-int-cast flags on the 64-bit host) lose nothing.
TRANSLATE_TEST_SRCS := lab3-bt/translate.c lab3-bt/tc.c vmm/decode.c \
	lab3-bt/translate_test.c
TRANSLATE_TEST_HDRS := lab3-bt/bt.h lib/test_table.h inc/x86decode.h \
	inc/gmem.h inc/vcpu.h inc/counters.h inc/trace.h inc/engine.h \
	inc/registry.h inc/mmu.h kern/kbase.h kern/pmap.h
TRANSLATE_TEST_CFLAGS := -DVMM_IMAGE -fno-pie -no-pie \
	-Wno-pointer-to-int-cast -Wno-int-to-pointer-cast

$(OBJDIR)/host/lab3-bt/translate_test: $(TRANSLATE_TEST_SRCS) $(TRANSLATE_TEST_HDRS)
	@mkdir -p $(@D)
	@echo "+ hostcc $@"
	$(V)$(HOSTCC) $(HOST_CFLAGS) $(TRANSLATE_TEST_CFLAGS) -o $@ \
		$(TRANSLATE_TEST_SRCS) -lcunit

UNIT_TESTS += $(OBJDIR)/host/lab3-bt/translate_test
