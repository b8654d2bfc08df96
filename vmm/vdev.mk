# vmm: the virtual devices (port bus, 8259A pair, 8254,
# 16550 on COM1, port 0x80, power-off port, local APIC) and their unit test.
#
# The top-level GNUmakefile includes every lab*/*.mk; the monitor's
# objects are compiled by its $(OBJDIR)/vmm-objs/%.o rule (kern/Makefrag).

VDEV_SRCS := vmm/vdev.c vmm/vdev_pic.c \
	vmm/vdev_pit.c vmm/vdev_uart.c vmm/vdev_lapic.c
VDEV_HDRS := lib/test_table.h inc/vdev.h inc/counters.h inc/assert.h inc/string.h \
	inc/types.h

# Host unit test: the devices driven through the port bus by the guest
# OS's own driver sequences (it includes kern/picirq.h and kern/timer.h).
VDEV_TEST_SRCS := vmm/vdev_test.c \
	vmm/vdev_test_support.c

$(OBJDIR)/host/vmm/vdev_test: $(VDEV_SRCS) $(VDEV_HDRS) \
		$(VDEV_TEST_SRCS) kern/picirq.h kern/timer.h inc/trap.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(VDEV_SRCS) $(VDEV_TEST_SRCS) -lcunit

UNIT_TESTS += $(OBJDIR)/host/vmm/vdev_test
