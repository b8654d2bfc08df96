/*
 * Device registers in guest-physical memory (vmm/mmio.c): a device
 * registers its range, and every guest access to it -- which no shadow
 * or nested entry ever maps -- faults into the monitor and is emulated
 * against the device.
 */
#ifndef VMMLAB_INC_MMIO_H
#define VMMLAB_INC_MMIO_H

#include <inc/registry.h>
#include <inc/types.h>

struct vcpu;

/* base() when the device is not in the address space (disabled). */
#define MMIO_NONE 0xFFFFFFFFu

struct mmio_device {
	const char *name;
	gpa_t (*base)(void); /* where the guest put it now, or MMIO_NONE */
	uint32_t size;	     /* bytes */
	/* 32-bit registers at offsets reg = 0, 4, 8, ... from base. */
	uint32_t (*read)(uint32_t reg);
	void (*write)(uint32_t reg, uint32_t value);
};
#define MMIO_DEVICE(object) REGISTER(vmm_mmio, struct mmio_device, object)
REGISTRY_DECLARE(vmm_mmio, struct mmio_device);

/* The device whose range holds gpa, or NULL. */
const struct mmio_device *mmio_find(gpa_t gpa);
/*
 * A #PF at va: if the guest's tables lead to a device's registers, run
 * the instruction against the device (or give the guest the #PF it
 * meets) and return true.
 */
bool mmio_page_fault(struct vcpu *v, gva_t va, uint32_t hw_err);
/* The same for a nested page fault at gpa (npt=on). */
bool mmio_nested_fault(struct vcpu *v, gpa_t gpa);

/*
 * Perform the guest instruction at eip as the CPU would, with the write
 * emulator: memory at the guest's privilege (a device's range to the
 * device), registers, flags and eip committed, the trace clients told
 * what it wrote to RAM, and a page fault it meets raised for the guest.
 * Returns WEMU_OK or WEMU_FAULT (done either way), WEMU_UNSUPPORTED
 * (nothing done: the caller says why it needed it), or VCPU_NO_CODE (the
 * code at eip cannot be read; nothing done).
 */
#define VCPU_NO_CODE (-3)
int vcpu_perform(struct vcpu *v);

#endif
