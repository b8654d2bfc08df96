/*
 * The binary translator's joints (lab 3).  docs/DESIGN.md §10 tells the
 * story; this header joins bt.c (the engine), translate.c (guest code to
 * translated code), tc.c (the translation cache: units, lookup, chaining,
 * invalidation), adapt.c (adaptive retranslation), inspect.c (btdump=N)
 * and bt_glue.S (the routines translated code jumps to).
 *
 * Translated code runs at ring 1 with %cs = the monitor's flat ring-1
 * code segment (KSEL_ENGINE0) and %gs = a small data segment whose base
 * is the bt_area below (KSEL_ENGINE1): "%gs:VIF" in translated code is
 * the guest's virtual IF, reached without a trap (Adams & Agesen §3.2).
 */
#ifndef VMMLAB_LAB3_BT_H
#define VMMLAB_LAB3_BT_H

/* Offsets into struct bt_area, shared with bt_glue.S and the emitter. */
#define BTA_VIF 0	 /* the guest's IF: 0 or FL_IF */
#define BTA_VIOPL 4	 /* the guest's IOPL bits */
#define BTA_VCS 8	 /* %cs as the guest sees it (zero-extended) */
#define BTA_VSS 12	 /* %ss as the guest sees it */
#define BTA_VGS 16	 /* the guest's own %gs */
#define BTA_TGT 20	 /* an indirect branch's guest target */
#define BTA_S_EAX 24	 /* scratch: saved %eax */
#define BTA_S_ECX 28	 /* scratch: saved %ecx */
#define BTA_S_FLAGS 32	 /* scratch: the eflags image of an iret to user */
#define BTA_S_JMP 36	 /* scratch: where an indirect branch goes */
#define BTA_PENDING 40	 /* nonzero: a virtual interrupt is pending */
#define BTA_RESUME 44	 /* (unused) */
#define BTA_RESUME_EIP 48 /* the guest eip of an iret in bt_iret_user */
#define BTA_IND_HITS 52	 /* inline lookups that hit */
#define BTA_VCR0 56	 /* the guest's control registers, for mov from */
#define BTA_VCR2 60	 /* %crN in translated code (they change only */
#define BTA_VCR3 64	 /* in the monitor: copied at every entry) */
#define BTA_VCR4 68
#define BTA_S_EDX 72	 /* scratch: saved %edx (the direct gate) */
/* User mode as the guest sees it (its IF and IOPL, which the CPU's are
 * not there: IF 1, IOPL 0), kept by whatever last entered user mode:
 * bt_iret_user or the monitor. */
#define BTA_U_IF 76	 /* the guest's IF in user mode: 0 or FL_IF */
#define BTA_U_IOPL 80	 /* its IOPL bits */
#define BTA_U_DELTA 84	 /* added to the CPU's eflags image in user mode,
			    gives the guest's: U_IF + U_IOPL - FL_IF */
#define BTA_ZERO 88	 /* always 0 */
/* The direct system-call gate (bt_gate in bt_glue.S, bt.c's gate_*):
 * what the monitor found when it made vector GATE_VEC direct, checked
 * against the guest's memory at every entry.  Comparisons are made by
 * lea and jecxz, so expected values are kept negated. */
#define BTA_GATE_ADDR 92  /* the guest's IDT entry, a linear address */
#define BTA_GATE_NLO 96	  /* -(its low word) */
#define BTA_GATE_NHI 100  /* -(its high word) */
#define BTA_GATE_TSS 104  /* the guest's TSS, a linear address */
#define BTA_GATE_NSS0 108 /* -(the TSS's ss0, as the monitor found it) */
#define BTA_GATE_SS 112	  /* the selector ss0 loads as at ring 1 */
#define BTA_GATE_VSS 116  /* ss0 as the guest sees it (bt_area vss) */
#define BTA_GATE_VCS 120  /* the gate's %cs as the guest sees it */
#define BTA_GATE_EIP 124  /* the handler: the gate's offset */
#define BTA_GATE_VIFP 128 /* BTA_U_IF (a trap gate) or BTA_ZERO */
#define BTA_GATE_HITS 132 /* system calls that took the gate */
/* The ring-1 stack the gate enters on (the TSS's ss1:esp1 = the bt_area
 * segment : BTA_TRAMP): the CPU's five-word frame below it. */
#define BTA_TRAMP 2048
/* The hash starts on the area's second page: translated code writes
 * only the first, which is all the hole guard (vmm/holeguard.c) leaves
 * writable to ring 1, so the guest cannot aim the inline lookup. */
#define BTA_HASH 4096	 /* guest eip -> translated code, 8 bytes each */

/* The hash is indexed by the eip's low 16 bits: movzwl, which leaves
 * the flags alone, is the whole hash function. */
#define BT_HASH_BITS 16
#define BT_HASH_SIZE (1 << BT_HASH_BITS)
/* Past the hash: one byte per selector low byte, 1 where its RPL is 1 or
 * 2 (the segment-load check, translate.c's selector_check). */
#define BTA_SELTAB (BTA_HASH + BT_HASH_SIZE * 8)
/* An entry holds -eip (so that "lea (target, entry)" is 0 on a hit and
 * jecxz can test it without touching the flags); empty: -0xFFFFFFFF,
 * the negation of an eip in the hole that no guest code has. */
#define BT_HASH_EMPTY 1u

/* Translated code calls the monitor with "int $BT_CALLOUT_VEC" followed
 * by three longs: kind, a0, a1. */
#define BT_CALLOUT_VEC 0xEF
#define CO_CONT 1    /* continuation: a0 guest target, a1 the rel32 to patch */
#define CO_EMULATE 2 /* a0 guest eip, a1 its length: emulate it */
#define CO_SOFTINT 3 /* a0 guest eip of an int n / int3 / into */
#define CO_IND 4     /* an indirect branch missed the hash: %gs:TGT */
#define CO_IRQ 5     /* a virtual interrupt may be taken: at a0, go on at a1 */
#define CO_UD 6	     /* a0 guest eip: bytes that are no instruction */
#define CO_SIMULATE 7 /* a0 guest eip, a1 length: a write to a traced page,
			 done by the monitor without a trap (adaptive) */
#define CO_IRET 9	 /* an iret back into the guest kernel: %gs:RESUME_EIP */
#define CO_EMULATE_END 8 /* as CO_EMULATE, but no translation follows it:
			    the unit ends (far transfers, a 16-bit iret) */
#define CO_IO 10	 /* a0 guest eip, a1 CO_IO_* fields: in/out, no string */
#define CO_IO_LEN(a) ((a) & 0xF)
#define CO_IO_SIZE(a) (((a) >> 4) & 0x7)
#define CO_IO_IN 0x80
#define CO_IO_DX 0x100		   /* the port is %dx, not the immediate */
#define CO_IO_PORT(a) ((a) >> 16) /* the immediate port */
#define CO_SEGLOAD 11 /* a0 guest eip of a load of segment register a1
			 (X86_SEG_*) whose selector (in %eax; the guest's
			 %eax and %ecx in the bt_area) names one of the
			 monitor's descriptors or has RPL 1 or 2 */
#define CO_RET 12 /* a ret's first run: a0 its prediction's disp32, a1 the
		     rel32 of its miss jump (RET_HIT_REL past it: the hit
		     jump's); the target is in %gs:TGT */
#define CO_GATE 13 /* bt_gate leaves the system call to the monitor */
#define CO_IND_PRED 14 /* a jmp * or call *'s first run: as CO_RET, and
			  the target goes at a0 + IND_AGAIN too */
#define CALLOUT_BYTES 14
/* A translated ret (translate.c) from the miss jump's rel32 to the hit
 * jump's: the rel32 (4), movl %gs:S_ECX,%ecx (7), lea (7), E9 (1). */
#define RET_HIT_REL 19
/* ... and from the hit jump's rel32 to the immediate of the movl
 * $target, %gs:TGT after it: the rel32 (4), 65 C7 05 disp32 (7). */
#define RET_SLOW_IMM 11
/* A translated jmp * or call * (translate.c, emit_ind): from its
 * prediction's disp32 to the second one (disp32 4, jecxz 2, 8D 89 2),
 * and from the miss jump's rel32 to the hit jump's (the rel32 4, movl
 * %gs:S_ECX,%ecx 7, E9 1); its slow path is a ret's (RET_SLOW_IMM). */
#define IND_AGAIN 8
#define IND_HIT_REL 12
/* The prediction before the first run: -0xFFFFFFFF, as if 0xFFFFFFFF,
 * an eip in the hole: a return there takes the lookup and faults. */
#define RET_NO_PREDICTION 1u

#ifndef __ASSEMBLER__

#include <inc/engine.h>
#include <inc/types.h>
#include <inc/vcpu.h>

struct bt_area {
	uint32_t vif, viopl, vcs, vss, vgs, tgt;
	uint32_t s_eax, s_ecx, s_flags, s_jmp;
	uint32_t pending, resume, resume_eip;
	uint32_t ind_hits;
	uint32_t vcr0, vcr2, vcr3, vcr4;
	uint32_t s_edx, u_if, u_iopl, u_delta, zero;
	uint32_t gate_addr, gate_nlo, gate_nhi, gate_tss, gate_nss0;
	uint32_t gate_ss, gate_vss, gate_vcs, gate_eip, gate_vifp;
	uint32_t gate_hits;
	uint32_t pad[(BTA_TRAMP - 20 - 136) / 4];
	uint32_t tramp[5]; /* eip, cs, eflags, esp, ss: user code's */
	uint32_t pad2[(BTA_HASH - BTA_TRAMP) / 4];
	struct {
		uint32_t neg_eip, tc;
	} hash[BT_HASH_SIZE];
	uint8_t seltab[256];
};
_Static_assert(__builtin_offsetof(struct bt_area, hash) == BTA_HASH,
	       "BTA_HASH is the hash's offset");
_Static_assert(__builtin_offsetof(struct bt_area, seltab) == BTA_SELTAB,
	       "BTA_SELTAB is seltab's offset");

/* The most guest instructions in one translation unit (§3.2). */
#define TU_MAX_INSNS 12

/*
 * A translation unit: up to TU_MAX_INSNS guest instructions starting at
 * eip, whose code lies in guest frame gpa (and gpa2 if it crosses into a
 * second page), translated to tc[0..len).  points[] says, for each place
 * in the translation where the guest's state is exactly its state before
 * one of its instructions, which one: a fault or an interrupt there can
 * be handed to the guest precisely (§3.2).
 */
struct tu_point {
	uint16_t tc_off;
	uint8_t flags;	/* PT_*: what to undo first */
	gva_t eip;	/* the guest instruction the state stands before */
};
/* The guest's %eax is in %gs:BTA_S_EAX here, not in %eax. */
#define PT_EAX_SAVED 0x01
/* Precise, but not a place to go on from (the real %gs is the guest's). */
#define PT_NO_RESUME 0x02
/* The guest's %ecx is in %gs:BTA_S_ECX here, not in %ecx. */
#define PT_ECX_SAVED 0x04
#define TU_MAX_POINTS 64

struct tu {
	gva_t eip;
	gpa_t gpa, gpa2;    /* frames of its code (gpa2: 0 if one page) */
	uint8_t *tc;
	uint16_t len;	    /* bytes of translation, stubs included */
	uint8_t ninsns;
	uint8_t npoints;
	bool live;	    /* false once invalidated */
	uint32_t samples;   /* real interrupts that landed in it (inspect.c) */
	struct tu_point points[TU_MAX_POINTS];
	struct tu *hash_next; /* lookup chain */
};

/* tc.c */
extern struct bt_area *bt_area;
extern uint32_t bt_gen; /* bumped whenever translations go away */
extern struct tu *tus;	/* the units since the last flush, in cache order */
extern uint32_t ntus;
int tc_init(struct vcpu *v, uint32_t kib);
void tc_flush(struct vcpu *v, const char *why);
struct tu *tc_lookup(gva_t eip, gpa_t gpa);
struct tu *tc_find_by_addr(uintptr_t tc);
bool tu_precise(const struct tu *tu, uintptr_t tc, gva_t *eip,
		uint8_t *flags);
void tc_hash_fill(gva_t eip, const struct tu *tu);
uintptr_t tc_hash_probe(gva_t eip);
void tc_chain(struct vcpu *v, uint32_t site, struct tu *to);
void tc_check_mappings(struct vcpu *v);
void tc_register(struct vcpu *v, struct tu *tu);
bool tc_code_pages_room(void);
void tc_invalidate(struct tu *tu);
void tc_invalidate_eip(gva_t eip);
bool tc_patch(uint8_t *site, struct tu *to);
/* Emission into the cache (translate.c). */
uint8_t *tc_alloc(size_t bytes);
bool tc_holds(uintptr_t a);
uint8_t *tc_cursor(void);
void tc_set_cursor(uint8_t *p);
size_t tc_free_bytes(void);
struct tu *tc_new_tu(void);
void tc_abandon_tu(struct tu *tu);

/* translate.c */
struct tu *bt_translate(struct vcpu *v, gva_t eip, gpa_t gpa);

/* adapt.c: adaptive retranslation (§3.3). */
extern bool bt_adapt_on;
bool bt_adapted(gva_t eip);
void bt_trace_fault(struct vcpu *v, gva_t eip, uintptr_t tc);
bool bt_simulate(struct vcpu *v, gva_t eip, uint32_t len);
struct tu *bt_unit_at(struct vcpu *v, gva_t eip);

/* inspect.c: the profile (btdump=N) */
void bt_profile_sample(uintptr_t tc);

/* bt_glue.S: routines translated code jumps to. */
void bt_ind_lookup(void);
extern const char bt_glue_start[], bt_glue_end[];
void bt_iret_user(void);
extern char bt_iret_user_load[], bt_iret_user_insn[];
void bt_gate(void);
extern const char bt_gate_saved[], bt_gate_gs[], bt_gate_end[];

#endif
#endif
