/*
 * What the vt engine's files share (lab4-vt/).
 */
#ifndef VMMLAB_LAB4_VT_H
#define VMMLAB_LAB4_VT_H

#include <inc/types.h>

struct vmcb;

/*
 * A debug build (make VMM_DEBUG=1) checks the VMCB with vmcb_check before
 * every vmrun; every build checks it when vmrun refuses it.
 */
#ifdef VMM_DEBUG
#define VT_DEBUG_CHECK true
#else
#define VT_DEBUG_CHECK false
#endif

/* vmcb_break.c: break the field the vmcb_break= option names, if any. */
void vmcb_break_apply(struct vmcb *vmcb);
/* ... and after a vmrun that the CPU accepted. */
void vmcb_break_ran(void);

#endif
