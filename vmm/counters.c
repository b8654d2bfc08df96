/* The monitor's event counters (inc/counters.h). */
#include <inc/counters.h>
#include <inc/engine.h>
#include <inc/stdio.h>
#include <inc/x86decode.h>

uint64_t vmm_counters[NCOUNTERS];
const char *const vmm_counter_names[NCOUNTERS] = {
#define X(id, name) [CNT_##id] = name,
	VMM_COUNTERS(X)
#undef X
};

/* Emulated instructions by opcode: the one-byte and 0F maps. */
#define NOPS 512
static uint64_t op_count[NOPS];
static const char *op_name[NOPS];

/* Port I/O by port, for the ports below 0x400 (ISA). */
#define NPORTS 0x400
static uint64_t port_in_count[NPORTS], port_out_count[NPORTS];

void
count_insn(const struct x86_insn *in)
{
	uint32_t op = in->opcode;
	uint32_t i = op < 0x100 ? op : ((op >> 8) == 0x0F ? 0x100 + (op & 0xFF) : 0);
	if (i == 0 && op != 0)
		return;
	op_count[i]++;
	op_name[i] = x86_insn_name(in);
}

/* Exits by kind, whatever engine produced them. */
static uint64_t exit_count[NEXIT_KINDS];

void
count_exit(int kind)
{
	if ((unsigned)kind < NEXIT_KINDS)
		exit_count[kind]++;
}

void
count_port(uint16_t port, bool in)
{
	if (port < NPORTS)
		(in ? port_in_count : port_out_count)[port]++;
}

/* A mnemonic as one word ("mov cr" -> "mov_cr"), for counter names. */
static const char *
one_word(const char *name)
{
	static char buf[32];
	size_t i;
	for (i = 0; name[i] && i < sizeof(buf) - 1; i++)
		buf[i] = name[i] == ' ' ? '_' : name[i];
	buf[i] = '\0';
	return buf;
}

/*
 * One "vmm: counter NAME VALUE" line per counter (make bench reads
 * them), then the per-instruction and per-port detail that is non-zero.
 */
void
counters_print(void)
{
	for (int i = 0; i < NCOUNTERS; i++)
		cprintf("vmm: counter %s %llu\n", vmm_counter_names[i],
			(unsigned long long)vmm_counters[i]);
	for (int k = 0; k < NEXIT_KINDS; k++)
		if (exit_count[k])
			cprintf("vmm: counter exit.%s %llu\n",
				exit_kind_name(k),
				(unsigned long long)exit_count[k]);
	for (int i = 0; i < NOPS; i++)
		if (op_count[i])
			cprintf("vmm: counter emulated.%s.%s%02x %llu\n",
				one_word(op_name[i]), i < 0x100 ? "" : "0f",
				i & 0xFF, (unsigned long long)op_count[i]);
	for (int p = 0; p < NPORTS; p++) {
		if (port_in_count[p])
			cprintf("vmm: counter io.in.0x%x %llu\n", p,
				(unsigned long long)port_in_count[p]);
		if (port_out_count[p])
			cprintf("vmm: counter io.out.0x%x %llu\n", p,
				(unsigned long long)port_out_count[p]);
	}
}
