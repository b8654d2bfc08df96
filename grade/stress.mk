# The reliability campaigns (included by grade/Makefrag; issue 12).
#
#   make stress              grade/stress: kcrashme, crashme, memstress, the
#                            decoder against Capstone and a soak, natively
#                            and in every mode; STRESS=short (the default,
#                            part of make check) or STRESS=full (for
#                            instructors: an hour and more)
#   make fuzz-decode         the decoder's libFuzzer target for
#                            DECODE_FUZZ_TIME seconds (make decode-fuzz)
#
# SOAK_SECONDS overrides the soak's time per monitor mode (short 10, full
# 1800); STRESS_JOBS=1 runs one boot at a time instead of two.

STRESS ?= short

.PHONY: stress fuzz-decode

stress: $(OBJDIR)/kernel $(GRADE_VMM) $(DECODE_DIR)/decode_test
	$(V)STRESS=$(STRESS) grade/stress

fuzz-decode: decode-fuzz

CHECK_TARGETS += stress
