/*
 * The ports no device model claims, and what the monitor does with them
 * (docs/DESIGN.md §7).  A guest the project did not write probes ports
 * ours never touches; each range gets a stated policy rather than
 * whatever falls out:
 *
 *   0xCF8-0xCFF  PCI configuration mechanism #1: "no devices".  The
 *                address register (0xCF8, 32 bits) holds what the guest
 *                writes; every configuration read answers all ones, the
 *                value of an empty slot, and writes are dropped.
 *   0x3B0-0x3DF  the VGA's registers: the monitor shows no screen (the
 *                guest's text buffer is ordinary memory), so they read
 *                all ones and drop writes, quietly.
 *   passthrough= ranges the run names (fw_cfg, or FIRST-LAST in hex)
 *                reach the real ports, at the access's own size: QEMU's
 *                fw_cfg, a test device.  Off by default: the monitor
 *                then owns every port of the machine.
 *   any other    reads all ones, writes dropped (vdev.c); the first
 *                access to each such port is logged with the guest's
 *                eip, once, and every one is counted (io.unknown).
 */
#include <inc/counters.h>
#include <inc/registry.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/vcpu.h>
#include <inc/vdev.h>
#include <inc/vmm.h>
#include <inc/x86.h>

/* ---- PCI configuration mechanism #1, with no device behind it ---- */

#define PCI_ADDR_PORT 0xCF8
#define PCI_DATA_LAST 0xCFF
#define PCI_ADDR_SIZE 4

static uint32_t pci_addr;

static uint32_t
pci_in(void *dev, uint16_t port, int size)
{
	(void)dev;
	if (port == PCI_ADDR_PORT && size == PCI_ADDR_SIZE)
		return pci_addr;
	/* The data ports, or a part of the address register: an empty
	 * slot (or nothing selected) reads all ones. */
	return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

static void
pci_out(void *dev, uint16_t port, int size, uint32_t v)
{
	(void)dev;
	if (port == PCI_ADDR_PORT && size == PCI_ADDR_SIZE)
		pci_addr = v;
	/* Configuration writes to an empty slot go nowhere. */
}

#define VGA_FIRST 0x3B0
#define VGA_LAST 0x3DF

/* ---- passthrough= ---- */

#define MAX_PASSTHROUGH 4

/* QEMU's fw_cfg I/O interface: selector 0x510, data 0x511, DMA 0x514. */
#define FW_CFG_FIRST 0x510
#define FW_CFG_LAST 0x51B

static struct vdev_range passthrough[MAX_PASSTHROUGH];
static int npassthrough;

static uint32_t
real_in(void *dev, uint16_t port, int size)
{
	(void)dev;
	if (size == 1)
		return inb(port);
	if (size == 2)
		return inw(port);
	return inl(port);
}

static void
real_out(void *dev, uint16_t port, int size, uint32_t v)
{
	(void)dev;
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

/* Parse one passthrough= item: fw_cfg, or FIRST-LAST (or one port), hex. */
static int
passthrough_item(const char *item, size_t len)
{
	char buf[24];
	uint32_t first, last;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memmove(buf, item, len);
	buf[len] = '\0';
	if (strcmp(buf, "fw_cfg") == 0) {
		first = FW_CFG_FIRST;
		last = FW_CFG_LAST;
	} else {
		char *end;
		first = strtol(buf, &end, 16);
		last = first;
		if (*end == '-')
			last = strtol(end + 1, &end, 16);
		if (end == buf || *end != '\0' || first > last ||
		    last > 0xFFFF)
			return -1;
	}
	if (npassthrough == MAX_PASSTHROUGH)
		return -1;
	passthrough[npassthrough++] = (struct vdev_range){
		.first = (uint16_t)first,
		.last = (uint16_t)last,
		.name = "passthrough",
		.in = real_in,
		.out = real_out,
		.wide = true,
	};
	return 0;
}

static int
set_passthrough(const char *value)
{
	npassthrough = 0;
	while (*value) {
		const char *comma = strchr(value, ',');
		size_t len = comma ? (size_t)(comma - value) : strlen(value);
		if (passthrough_item(value, len) < 0) {
			cprintf("vmm: passthrough=%s: give fw_cfg or port "
				"ranges FIRST-LAST in hex, at most %d, "
				"comma-separated\n",
				value, MAX_PASSTHROUGH);
			return -1;
		}
		value += len + (comma != NULL);
	}
	return 0;
}

static const struct vmm_option passthrough_option = {
	"passthrough", "passthrough=fw_cfg|FIRST-LAST,...", set_passthrough
};
VMM_OPTION(passthrough_option);

/* ---- Unknown ports: log the first access to each ---- */

static uint8_t logged[0x10000 / 8];

static void
unknown_port(uint16_t port, int size, bool write)
{
	if (logged[port / 8] & (1u << (port % 8)))
		return;
	logged[port / 8] |= 1u << (port % 8);
	cprintf("vmm: guest %s port %#x (%d byte%s) at eip %08x: no device "
		"there, %s\n",
		write ? "writes" : "reads", port, size, size > 1 ? "s" : "",
		vcpu0.tf.tf_eip,
		write ? "the write is dropped" : "it reads all ones");
}

void
vdev_attach_ports(void)
{
	static const struct vdev_range pci = {
		.first = PCI_ADDR_PORT,
		.last = PCI_DATA_LAST,
		.name = "pci-config",
		.in = pci_in,
		.out = pci_out,
		.wide = true,
	};

	static const struct vdev_range vga = {
		.first = VGA_FIRST,
		.last = VGA_LAST,
		.name = "vga",
	};

	for (int i = 0; i < npassthrough; i++)
		if (vdev_register(&passthrough[i]) < 0)
			cprintf("vmm: passthrough=%x-%x: a device of the "
				"monitor's has those ports; not passed "
				"through\n",
				passthrough[i].first, passthrough[i].last);
	/* A passthrough= range over the PCI ports wins. */
	(void)vdev_register(&pci);
	(void)vdev_register(&vga);
	vdev_unknown_hook = unknown_port;
}
