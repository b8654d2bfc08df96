/*
 * Basic types for every image built from this tree: the guest OS, the
 * monitor, user programs and (through the host compiler) the unit tests.
 *
 * The freestanding builds see only the compiler's own <stdint.h>,
 * <stddef.h> and <stdbool.h> (the build passes -nostdinc plus the
 * compiler's include directory), so these names mean the same thing in
 * every build.
 */
#ifndef VMMLAB_INC_TYPES_H
#define VMMLAB_INC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Address types.  The monitor juggles three kinds of address and mixing
 * them up is the classic VMM bug, so each has its own name:
 *   gva_t  guest-virtual  (what the guest's %eip or a guest pointer holds)
 *   gpa_t  guest-physical (what the guest's page tables map to)
 *   hpa_t  host-physical  (what the real MMU sees)
 * The guest OS itself only uses physaddr_t and plain pointers.
 */
typedef uint32_t physaddr_t;
typedef uint32_t gva_t;
typedef uint32_t gpa_t;
typedef uint32_t hpa_t;

/* Page numbers and sizes in the 32-bit world. */
typedef uint32_t ppn_t;

#define MIN(a, b)                                                              \
	({                                                                     \
		__typeof__(a) _a = (a);                                        \
		__typeof__(b) _b = (b);                                        \
		_a <= _b ? _a : _b;                                            \
	})
#define MAX(a, b)                                                              \
	({                                                                     \
		__typeof__(a) _a = (a);                                        \
		__typeof__(b) _b = (b);                                        \
		_a >= _b ? _a : _b;                                            \
	})

/* Round down/up to a multiple of n (n need not be a power of two). */
#define ROUNDDOWN(a, n)                                                        \
	({                                                                     \
		uint32_t _a = (uint32_t)(a);                                   \
		(__typeof__(a))(_a - _a % (n));                                \
	})
#define ROUNDUP(a, n)                                                          \
	({                                                                     \
		uint32_t _n = (uint32_t)(n);                                   \
		(__typeof__(a))(ROUNDDOWN((uint32_t)(a) + _n - 1, _n));        \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STATIC_ASSERT(cond) _Static_assert(cond, #cond)

#endif
