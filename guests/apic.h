/*
 * The local APIC (xAPIC) as the guests in guests/ program it: register
 * offsets and bits from Intel SDM vol.3 ch.11 ("Advanced Programmable
 * Interrupt Controller"), table 11-1 for the map.
 */
#ifndef VMMLAB_GUESTS_APIC_H
#define VMMLAB_GUESTS_APIC_H

#include <inc/types.h>

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_BSP 0x100	   /* this CPU is the bootstrap processor */
#define APIC_BASE_ENABLE 0x800	   /* the APIC is globally enabled */
#define APIC_BASE_ADDR 0xFFFFF000u /* the page of the registers */
#define APIC_DEFAULT_BASE 0xFEE00000u

/* Register offsets (SDM table 11-1). */
#define APIC_ID 0x020
#define APIC_VERSION 0x030
#define APIC_TPR 0x080
#define APIC_PPR 0x0A0
#define APIC_EOI 0x0B0
#define APIC_SVR 0x0F0
#define APIC_ISR 0x100 /* 8 registers, 0x10 apart, 32 vectors each */
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3E0

#define APIC_ID_SHIFT 24
#define APIC_VERSION_MASK 0xFF
#define APIC_MAXLVT_SHIFT 16
#define APIC_MAXLVT_MASK 0xFF

#define SVR_ENABLE 0x100 /* APIC software enable */
#define LVT_MASKED 0x10000
#define LVT_TIMER_PERIODIC 0x20000
#define TIMER_DIV_16 0x3 /* divide configuration 0011: divide by 16 */

/* ICR (SDM §11.6.1). */
#define ICR_FIXED 0x000
#define ICR_PHYSICAL 0x000
#define ICR_DELIVERY_PENDING 0x1000
#define ICR_ASSERT 0x4000
#define ICR_SELF 0x40000 /* destination shorthand 01 */
#define ICR_DEST_SHIFT 24

/* Where the registers are: physical = virtual in these guests. */
extern volatile uint8_t *apic;

static inline uint32_t
apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(apic + reg);
}

static inline void
apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(apic + reg) = v;
}

/* Bit vec of the 256-bit register array at reg (ISR, TMR, IRR). */
static inline int
apic_bit(uint32_t reg, int vec)
{
	return (apic_read(reg + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

#endif
