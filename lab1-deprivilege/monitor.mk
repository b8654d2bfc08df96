# lab1-deprivilege: the trap-and-emulate monitor (mode=te).
LAB1_VMM_SRCS := vmm_init.c vmm_run.c te.c te_entry.S vcpu.c vcpu_fail.c gmem.c \
	gwalk.c segments.c reflect.c emulate.c shadow.c shadow_select.c \
	shadow_hw.c loader.c \
	counters.c mon_vmm.c
VMM_OBJS += $(patsubst %,$(OBJDIR)/vmm-objs/lab1-deprivilege/%.o,$(basename $(LAB1_VMM_SRCS)))
VMM_MODES += te
