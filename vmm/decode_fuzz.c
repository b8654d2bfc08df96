/*
 * libFuzzer target for the instruction decoder: `make decode-fuzz`
 * builds it with AddressSanitizer and UndefinedBehaviorSanitizer and
 * runs it for a while.
 *
 * The monitor decodes bytes the guest controls, so x86_decode must be
 * safe on any input.  For every input this checks that the decoder
 * reads nothing beyond what it is given (the sanitizer watches a copy
 * of exactly that size), returns one of its documented values, and
 * describes a decoded instruction consistently:
 *   - its length is 1..15 and within the input; fields are in range;
 *   - decoding exactly its own bytes gives the same instruction, and
 *     one byte fewer gives X86_ERR_TRUNCATED;
 *   - an invalid prefix of the input stays invalid whatever follows.
 */

#include <stdlib.h>
#include <string.h>

#include <inc/x86decode.h>

/* Stop the fuzzer with a crash it reports, on a broken promise. */
#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond))                                           \
			abort();                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode n bytes of data from a buffer of exactly n bytes. */
static int
decode_exact(const uint8_t *data, size_t n, struct x86_insn *in)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	CHECK(copy != NULL);
	memcpy(copy, data, n);
	rc = x86_decode(copy, n, in);
	free(copy);
	return rc;
}

/* Field ranges of a decoded instruction. */
static void
check_fields(const struct x86_insn *in, int rc)
{
	CHECK(in->len == rc);
	CHECK(in->encoding <= X86_ENC_XOP);
	CHECK(in->opsize == 1 || in->opsize == 2 || in->opsize == 4);
	CHECK(in->addrsize == 2 || in->addrsize == 4);
	CHECK(in->flow <= X86_FLOW_OTHER);
	CHECK(in->seg == X86_SEG_NONE || in->seg <= X86_SEG_GS);
	CHECK(in->imm_size == 0 || in->imm_size == 1 || in->imm_size == 2 ||
	      in->imm_size == 4);
	CHECK(in->disp_size == 0 || in->disp_size == 1 ||
	      in->disp_size == 2 || in->disp_size == 4);
	CHECK(x86_insn_name(in) != NULL);
	if (!in->has_modrm)
		return;
	CHECK(in->mod < 4 && in->reg < 8 && in->rm < 8);
	if (in->mod == 3)
		return;
	CHECK(in->base < X86_NGPR || in->base == X86_REG_NONE);
	CHECK(in->index < X86_NGPR || in->index == X86_REG_NONE);
	CHECK(in->scale == 1 || in->scale == 2 || in->scale == 4 ||
	      in->scale == 8);
	CHECK(!in->has_sib || in->addrsize == 4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t gpr[X86_NGPR] = { 0x11111111, 0x22222222,
						0x33333333, 0x44444444,
						0x55555555, 0x66666666,
						0x77777777, 0x88888888 };
	struct x86_insn in, again;
	uint8_t longer[2 * X86_MAX_INSN_LEN];
	int rc;

	rc = decode_exact(data, size, &in);
	CHECK(rc == X86_ERR_INVALID || rc == X86_ERR_TRUNCATED ||
	      rc == X86_ERR_TOO_LONG || (rc >= 1 && rc <= X86_MAX_INSN_LEN));
	if (rc == X86_ERR_TRUNCATED)
		CHECK(size < X86_MAX_INSN_LEN);
	if (rc == X86_ERR_INVALID && size <= X86_MAX_INSN_LEN) {
		/* the verdict did not depend on bytes it was not given */
		memset(longer, 0x90, sizeof(longer));
		memcpy(longer, data, size);
		CHECK(x86_decode(longer, sizeof(longer), &again) ==
		      X86_ERR_INVALID);
	}
	if (rc <= 0)
		return 0;

	CHECK((size_t)rc <= size);
	check_fields(&in, rc);
	if (((in.has_modrm && in.mod != 3) || (in.attr & X86_ATTR_MOFFS)) &&
	    !(in.attr & X86_ATTR_VSIB)) {
		uint32_t off = x86_effective_offset(&in, gpr);

		CHECK(in.addrsize == 4 || off <= 0xffff);
		CHECK(x86_insn_seg(&in) <= X86_SEG_GS);
	}
	if (in.attr & X86_ATTR_REL)
		(void)x86_branch_target(&in, 0xc0100000);

	CHECK(decode_exact(data, rc, &again) == rc);
	CHECK(again.opcode == in.opcode && again.imm == in.imm &&
	      again.disp == in.disp && again.attr == in.attr &&
	      again.flow == in.flow && again.opsize == in.opsize);
	CHECK(decode_exact(data, rc - 1, &again) == X86_ERR_TRUNCATED);
	return 0;
}
