# Find a compiler that can build freestanding i386 code.
#
# Preference: an explicit GCCPREFIX, else an i386-elf- or i686-elf- cross
# toolchain, else the host gcc with -m32 (Debian: gcc-multilib).
# Every image is built with -m32, which cross compilers accept too.

ifndef GCCPREFIX
GCCPREFIX := $(shell \
	for p in i386-elf- i686-elf-; do \
		if command -v $${p}gcc >/dev/null 2>&1 && \
		   $${p}objdump -i 2>/dev/null | grep -q '^elf32-i386$$'; then \
			echo $$p; exit 0; \
		fi; \
	done; echo "")
endif

CC := $(GCCPREFIX)gcc
LD := $(GCCPREFIX)ld
OBJCOPY := $(GCCPREFIX)objcopy
OBJDUMP := $(GCCPREFIX)objdump
NM := $(GCCPREFIX)nm
HOSTCC ?= cc

# The compiler's own freestanding headers (stdint.h, stdarg.h, ...): the
# only system headers the images may see.
GCC_INC := $(shell $(CC) -m32 -print-file-name=include)

# 64-bit division and friends for the freestanding images.
LIBGCC := $(shell $(CC) -m32 -print-libgcc-file-name)

# Can $(CC) -m32 compile at all?  Checked by the targets that need it,
# so that 'make doctor' and 'make deps' still work on a bare machine.
CC_M32_OK := $(shell echo 'int x;' | $(CC) -m32 -ffreestanding -c -x c -o /dev/null - >/dev/null 2>&1 && echo yes)
