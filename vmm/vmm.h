/*
 * The monitor core's own joints (vmm/): what its files share and no lab
 * needs.  What the labs use of the core is in inc/ (vmm.h, vcpu.h,
 * gmem.h, engine.h, shadow.h, trace.h, vdev.h, counters.h).
 */
#ifndef VMMLAB_VMM_VMM_H
#define VMMLAB_VMM_VMM_H

#include <inc/engine.h>
#include <inc/vcpu.h>
#include <inc/vmm.h>
#include <kern/kbase.h>

/*
 * The monitor's address space, all inside the hole (docs/DESIGN.md §2):
 *
 *   0xFC000000  direct map of host-physical [0, KMAPSIZE): the monitor's
 *               image, stacks, page pool (shadow page tables)
 *   0xFF800000  GMEM_NSLOTS mapping slots for guest-physical pages
 *
 * Guest memory is the host-physical block [GUEST_BASE, GUEST_BASE + mem).
 */
#define GMEM_SLOTS 0xFF800000u
#define GMEM_NSLOTS 1024
#define GUEST_BASE KMAPSIZE
#define GUEST_MEM_DEFAULT_MIB 64
#define GUEST_MEM_MIN_MIB 4
#define GUEST_MEM_MAX_MIB 512

/* gmem.c */
void gmem_init(void);

/* Take the write bit from the hole's mappings and run the guest with
 * CR0.WP set, if the option allows and the guest shares the hole. */
void hole_guard_arm(bool shared_hole);

/* run.c: the main loop. */
void vmm_run(struct vcpu *v) __attribute__((noreturn));

/* shadow_hw.c: pages the shadow MMU holds now (allocated, not freed). */
extern unsigned shadow_pages_live;

/* poolreport.c: called with each byte of the guest's serial output. */
void poolreport_guest_putc(uint8_t c);

/* loader.c: the guest image and its multiboot information. */
int load_guest(struct vcpu *v, const void *image, size_t size,
	       const char *cmdline);

#endif
