/*
 * UMIP, user-mode instruction prevention (SDM vol.3 §2.5, CR4 bit 11):
 * with it set, sgdt, sidt, sldt, str and smsw fault with #GP(0) at
 * CPL > 0.  A ring-3 guest program then cannot read the monitor's
 * descriptor tables, task register or cr0: te turns the fault into an
 * EXIT_PRIV, and emulate_sensitive answers with the guest's own values,
 * as the CPU would natively.  Needs a CPU that has UMIP (QEMU's TCG
 * emulates it: grade/qemu-run asks for +umip).
 */
#include <inc/deprivilege.h>
#include <inc/registry.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/x86.h>

bool umip_enabled;

/* CPUID.(EAX=7,ECX=0):ECX bit 2 (SDM vol.2 "CPUID"), asked once. */
static bool
cpu_has_umip(void)
{
	static int has = -1;
	if (has < 0) {
		uint32_t max, ecx = 0;
		cpuid(0, &max, NULL, NULL, NULL);
		if (max >= 7)
			cpuid(7, NULL, NULL, &ecx, NULL);
		has = !!(ecx & (1u << 2));
	}
	return has;
}

static int
set_umip(const char *value)
{
	if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
		cprintf("vmm: umip=%s: say on or off\n", value);
		return -1;
	}
	umip_enabled = strcmp(value, "on") == 0;
	if (umip_enabled && !cpu_has_umip()) {
		cprintf("vmm: umip=on: this CPU has no UMIP (cpuid 7: ecx "
			"bit 2 clear)\n");
		return -1;
	}
	return 0;
}

static const struct vmm_option umip_option = {
	"umip", "umip=on|off",
	set_umip,
};
VMM_OPTION(umip_option);

void
umip_load(struct vcpu *v)
{
	/* The guest turns UMIP on for itself only where its cpuid says the
	 * CPU has it; umip=on was refused on a CPU without. */
	bool want = (umip_enabled || (v->vcr4 & CR4_UMIP)) && cpu_has_umip();
	uint32_t cr4 = rcr4();
	if (want != !!(cr4 & CR4_UMIP))
		lcr4(want ? cr4 | CR4_UMIP : cr4 & ~CR4_UMIP);
}

bool
umip_insn(const struct x86_insn *in)
{
	if (in->encoding != X86_ENC_LEGACY || !in->has_modrm)
		return false;
	if (in->opcode == 0x0F00)
		return in->reg == 0 || in->reg == 1; /* sldt, str */
	if (in->opcode == 0x0F01)
		return (in->mod != 3 && (in->reg == 0 || in->reg == 1)) ||
		       in->reg == 4; /* sgdt, sidt, smsw */
	return false;
}
