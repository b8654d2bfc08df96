/*
 * The rule table of lar, lsl, verr and verw: given the descriptor a
 * selector names, may the code at privilege cpl see it, and what does
 * the instruction report?  A pure function (no vcpu, no memory), so the
 * host unit test (segcheck_test.c) checks it rule by rule and the
 * emulator (sensitive.c) applies it to the guest's own tables.
 *
 * SDM vol.2 "LAR", "LSL", "VERR, VERW"; vol.3 §5.10.  None of the four
 * faults on a selector it may not use: each clears ZF instead, and none
 * looks at the present bit.
 */
#include <inc/deprivilege.h>

/* System descriptor types lar may report (SDM vol.2 "LAR", Table 3-52). */
static bool
lar_system_type(unsigned type)
{
	switch (type) {
	case STS_T16A:
	case STS_LDT:
	case STS_T16B:
	case STS_CG16:
	case STS_TG:
	case STS_T32A:
	case STS_T32B:
	case STS_CG32:
		return true;
	}
	return false;
}

/* ... and lsl: only the ones that have a limit, not the gates. */
static bool
lsl_system_type(unsigned type)
{
	switch (type) {
	case STS_T16A:
	case STS_LDT:
	case STS_T16B:
	case STS_T32A:
	case STS_T32B:
		return true;
	}
	return false;
}

/* A descriptor's second dword as the CPU reads it (SDM vol.3 Figure 3-8). */
static uint32_t
descriptor_high(const struct segdesc *d)
{
	return d->sd_base_23_16 | d->sd_type << 8 | d->sd_s << 12 |
	       d->sd_dpl << 13 | d->sd_p << 15 | d->sd_lim_19_16 << 16 |
	       d->sd_avl << 20 | d->sd_rsv1 << 21 | d->sd_db << 22 |
	       d->sd_g << 23 | (uint32_t)d->sd_base_31_24 << 24;
}

bool
segment_check(enum seg_check op, const struct segdesc *d, uint16_t sel,
	      int cpl, uint32_t *value)
{
	/* A null selector (index 0 of the GDT) and one beyond the table's
	 * limit name no descriptor. */
	if ((sel & 0xFFFC) == 0)
		return false;
	if (!d)
		return false;

	unsigned rpl = SEL_RPL(sel);
	unsigned dpl = d->sd_dpl;
	/* "Visible": DPL no more privileged than either CPL or RPL. */
	bool visible = dpl >= (unsigned)cpl && dpl >= rpl;
	bool code = d->sd_s && (d->sd_type & STA_X);
	bool conforming = code && (d->sd_type & STA_C);

	switch (op) {
	case SEG_CHECK_LAR:
	case SEG_CHECK_LSL:
		if (!d->sd_s) {
			bool known = op == SEG_CHECK_LAR
					     ? lar_system_type(d->sd_type)
					     : lsl_system_type(d->sd_type);
			if (!known)
				return false;
		}
		/* A conforming code segment is visible at any privilege. */
		if (!conforming && !visible)
			return false;
		if (value)
			*value = op == SEG_CHECK_LAR
					 ? descriptor_high(d) & LAR_RIGHTS_MASK
					 : segdesc_limit(d);
		return true;
	case SEG_CHECK_VERR:
		if (!d->sd_s)
			return false;
		if (code && !(d->sd_type & STA_R))
			return false;
		return conforming || visible;
	case SEG_CHECK_VERW:
		if (!d->sd_s || code)
			return false;
		return visible && (d->sd_type & STA_W);
	}
	return false;
}
