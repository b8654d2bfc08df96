/* The guest's clean stop: one line saying why, the counters, power off. */
#include <inc/counters.h>
#include <inc/stdio.h>
#include <inc/vcpu.h>
#include <kern/kern.h>
#include <vmm/vmm.h>

void
vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cprintf("vmm: ");
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);
	cprintf("vmm: stopping the guest (eip %08x, cs %04x, %s mode)\n",
		v->tf.tf_eip, v->tf.tf_cs, v->vcpl ? "user" : "kernel");
	v->stopped = true;
	counters_print();
	poweroff(EXIT_VMM_GUEST_FAILED);
}
