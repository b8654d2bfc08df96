/*
 * fwcfg: QEMU's firmware configuration device, read the way firmware and
 * small kernels read it to learn about the machine: a 16-bit selector
 * written to port 0x510, then the item's bytes read one at a time from
 * port 0x511 (QEMU's docs/specs/fw_cfg.rst, "Selector Register" and
 * "Data Register").  Under the monitor these ports reach QEMU's device
 * only with --vmm-args passthrough=fw_cfg.
 */
#include <inc/x86.h>
#include <guests/rt.h>

const char guest_name[] = "fwcfg";

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

/* Items (QEMU's include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MAX_CPUS 0x000F

#define FW_CFG_SIG_LEN 4
#define FW_CFG_ID_TRADITIONAL 0x1 /* the port interface */
#define FW_CFG_ID_DMA 0x2	  /* the DMA interface */

/* Select item key and read n bytes of it. */
static void
fw_cfg_read(uint16_t key, uint8_t *buf, int n)
{
	int i;

	outw(FW_CFG_PORT_SEL, key);
	for (i = 0; i < n; i++)
		buf[i] = inb(FW_CFG_PORT_DATA);
}

/* An item that is a little-endian integer of n bytes (n <= 4). */
static uint32_t
fw_cfg_read_le(uint16_t key, int n)
{
	uint8_t b[4];
	uint32_t v = 0;
	int i;

	fw_cfg_read(key, b, n);
	for (i = n - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

void
guest_main(void)
{
	uint8_t sig[FW_CFG_SIG_LEN];
	char text[FW_CFG_SIG_LEN + 1];
	uint32_t id, cpus, max_cpus;
	int i;

	fw_cfg_read(FW_CFG_SIGNATURE, sig, FW_CFG_SIG_LEN);
	for (i = 0; i < FW_CFG_SIG_LEN; i++)
		text[i] = sig[i] >= 0x20 && sig[i] < 0x7F ? (char)sig[i] : '.';
	text[FW_CFG_SIG_LEN] = '\0';
	say("signature (selector 0x%04x): \"%s\" (bytes %02x %02x %02x %02x)",
	    FW_CFG_SIGNATURE, text, sig[0], sig[1], sig[2], sig[3]);
	check(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
	      1, "no fw_cfg device: the signature is not \"QEMU\"");

	id = fw_cfg_read_le(FW_CFG_ID, 4);
	say("interface ID (selector 0x%04x): %#x: port interface %s, DMA %s",
	    FW_CFG_ID, id, id & FW_CFG_ID_TRADITIONAL ? "yes" : "no",
	    id & FW_CFG_ID_DMA ? "yes" : "no");
	check(id & FW_CFG_ID_TRADITIONAL, 2,
	      "the interface ID does not offer the port interface");

	cpus = fw_cfg_read_le(FW_CFG_NB_CPUS, 2);
	max_cpus = fw_cfg_read_le(FW_CFG_MAX_CPUS, 2);
	say("CPU count (selector 0x%04x): %u, at most %u (selector 0x%04x)",
	    FW_CFG_NB_CPUS, cpus, max_cpus, FW_CFG_MAX_CPUS);
	check(cpus >= 1 && cpus <= max_cpus, 3, "%u CPUs, at most %u?", cpus,
	      max_cpus);

	/* Reading on past an item's end gives zeros. */
	fw_cfg_read(FW_CFG_SIGNATURE, sig, FW_CFG_SIG_LEN);
	i = inb(FW_CFG_PORT_DATA);
	say("the byte after the signature: %#x", i);
	say("done");
}
