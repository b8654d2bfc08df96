/*
 * Execution engines and exits (docs/DESIGN.md §4).
 *
 * An engine runs a vcpu until something happens that the monitor must
 * handle, and describes it as an exit: a kind plus its details.  Lab 1's
 * te engine enters the guest with iret and turns the next trap into an
 * exit; lab 3's bt engine runs translated code and exits on a callout;
 * lab 4's vt engine runs vmrun and turns the VMCB's exit code into one.
 * Every engine feeds the same dispatch (vmm_handle_exit, vmm/exit.c), so
 * an I/O access is handled the same way whether it came from a #GP at
 * ring 1, a callout from the translation cache or an IOIO intercept.
 */
#ifndef VMMLAB_INC_ENGINE_H
#define VMMLAB_INC_ENGINE_H

#include <inc/registry.h>
#include <inc/types.h>

struct vcpu;

enum exit_kind {
	EXIT_EXCEPTION, /* the guest raised an exception: exc */
	EXIT_SOFTINT,	/* int n, int3 or into reached the monitor: softint */
	EXIT_PRIV,	/* a privileged instruction at eip trapped: priv */
	EXIT_IRQ,	/* a real device interrupted (vector known): irq */
	EXIT_INTR,	/* a physical interrupt is pending (vt): take it */
	EXIT_IRQ_WINDOW, /* the guest can now take a pending virtual
			    interrupt (vt: a VINTR intercept) */
	EXIT_IO,	/* port I/O at eip: io */
	EXIT_CR,	/* mov to or from a control register at eip: cr */
	EXIT_INVLPG,	/* invlpg at eip: invlpg */
	EXIT_NPF,	/* nested page fault (vt, npt=on): npf */
	EXIT_HLT,	/* hlt at eip: hlt */
	EXIT_SHUTDOWN,	/* the guest triple-faulted */
	EXIT_CALLOUT,	/* translated code called the monitor: callout */
	NEXIT_KINDS
};

/* What translated code may ask of the monitor (lab 3 adds kinds). */
enum callout_kind {
	CALLOUT_EMULATE,    /* emulate the guest instruction at eip */
	CALLOUT_IRQ_WINDOW, /* nothing to do but deliver a pending
			       virtual interrupt if the guest can take it */
};

/*
 * One exit.  Fields named len are the length of the guest instruction at
 * eip, when the engine knows it (0: the dispatch decodes it); eip itself
 * is in the vcpu.
 */
struct vmexit {
	enum exit_kind kind;
	union {
		struct {
			uint8_t vector;
			bool has_err;
			uint32_t err;
			uint32_t cr2; /* #PF: the faulting address */
		} exc;
		struct {
			uint8_t vector;
			uint8_t len; /* eip points at the instruction */
		} softint;
		struct {
			uint32_t err; /* the #GP's error code, for a fallback */
		} priv;
		struct {
			int irq;
		} irq;
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in;
			bool string; /* ins/outs */
			bool rep;
			uint8_t len;
		} io;
		struct {
			uint8_t cr;  /* 0, 2, 3, 4 */
			bool write;  /* mov to crN */
			uint8_t gpr; /* the general register (x86 numbering) */
			uint8_t len;
		} cr;
		struct {
			uint32_t va;
			uint8_t len;
		} invlpg;
		struct {
			uint32_t gpa;
			uint32_t err;
		} npf;
		struct {
			uint8_t len;
		} hlt;
		struct {
			enum callout_kind kind;
			uint32_t arg;
		} callout;
	};
};

/* The printed name of an exit kind ("io", "cr", ...), for counters. */
const char *exit_kind_name(enum exit_kind kind);

/*
 * How an engine gives the guest an exception or interrupt.  Lab 1's
 * reflection builds the frame the CPU would build, on the guest's stack,
 * through its virtual IDT (te, bt); lab 4 injects the event into the
 * VMCB and lets the CPU deliver it (vt).
 */
enum deliver {
	DELIVER_EXCEPTION, /* raised by the guest's execution */
	DELIVER_SOFTINT,   /* int n: the gate's DPL is checked */
	DELIVER_HWINT,	   /* a virtual device interrupt */
};

struct event {
	uint8_t vector;
	enum deliver kind;
	bool has_err;
	uint32_t err;
	uint8_t insn_len; /* DELIVER_SOFTINT: the int's length (eip is at it) */
};

struct event_ops {
	/* Can the guest take an external interrupt now (its IF, an
	 * interrupt shadow)? */
	bool (*irq_window)(struct vcpu *v);
	/* Deliver e as the CPU would. */
	void (*deliver)(struct vcpu *v, const struct event *e);
};

/*
 * What a shadow MMU needs from the engine: how to load the root the
 * guest's accesses are translated through and how to flush the TLB that
 * caches it.  te and bt use the real CPU's %cr3 and invlpg; vt writes
 * the VMCB's cr3 and asks for a flush on the next vmrun.
 */
struct shadow_hw {
	void (*load_root)(struct vcpu *v, uint32_t root_pa);
	void (*tlb_flush)(struct vcpu *v);
	void (*tlb_invlpg)(struct vcpu *v, uint32_t va);
	/* The guest runs in an address space of its own (vt): the
	   monitor's hole is not mapped in its roots. */
	bool own_space;
};

/* Give v event e through its engine's event_ops. */
void vmm_deliver(struct vcpu *v, const struct event *e);
/* The guest raises exception vector (with error code err if has_err). */
void vmm_raise(struct vcpu *v, int vector, bool has_err, uint32_t err);

struct engine {
	const char *name; /* the mode: "te", "bt", "vt", "hybrid" */
	const char *help; /* one line for the usage text */
	int lab;	  /* the lab that provides it */
	void (*init)(struct vcpu *v);
	/* Run v until an exit; describe it in *x. */
	void (*run)(struct vcpu *v, struct vmexit *x);
	const struct event_ops *events;
	const struct shadow_hw *mmu_hw;
};

/*
 * Register an engine: ENGINE(te, .help = ..., .run = ...) defines
 * engine_te with .name "te".  Its name is also put in the image's
 * vmm_modes section, one NUL-terminated string per engine, so tools
 * (grade/qemu-run) can list the modes an image has without booting it.
 */
#define ENGINE(mode, ...)                                                      \
	static const char engine_mode_##mode[]                                 \
		__attribute__((used, section("vmm_modes"), aligned(1))) = #mode; \
	const struct engine engine_##mode = { .name = engine_mode_##mode,       \
					      __VA_ARGS__ };                    \
	REGISTER(vmm_engines, struct engine, engine_##mode)
REGISTRY_DECLARE(vmm_engines, struct engine);

/* The engine named mode, or NULL. */
const struct engine *engine_find(const char *mode);

/*
 * The one dispatch: handle exit x of v, whatever engine produced it
 * (vmm/exit.c).  On return v is ready to run again.
 */
void vmm_handle_exit(struct vcpu *v, const struct vmexit *x);

#endif
