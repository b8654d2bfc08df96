/*
 * Host unit tests of lib/: how lib/'s code is linked next to the host's
 * C library.
 *
 * lib/string.c and lib/printfmt.c define memcpy, strlen, snprintf, ...,
 * the very names the host's libc defines.  Linked into a host program
 * under those names they would replace libc's for the whole process
 * (CUnit's and libc's own calls included) or be shadowed by them,
 * depending on how the linker resolves the clash; either way a test
 * could not be sure which one it ran.  So the host test build compiles
 * every lib/ file with
 *
 *	-ffreestanding -include lib/test_rename.h
 *
 * and this header gives every public name of lib/ a vl_ prefix: the
 * objects define vl_memcpy, vl_snprintf, vl_elf_parse, ... and call
 * one another by those names.  -ffreestanding, as in the i386 builds,
 * keeps the compiler from treating the renamed functions as builtins
 * or turning their loops into calls to libc's memset and memcpy.
 * lib/Makefrag checks with nm that the objects define no global name
 * without the prefix, so a function added to lib/ must be added here
 * (twice: below, and in the list that undoes it).
 *
 * The tests (through lib/unittest.h) read inc/'s prototypes with the
 * renaming on, then include this header again with VL_UNRENAME defined
 * to drop the macros: in a test, vl_strlen is ours and strlen is the
 * host's, and the host's headers are read before any of this.
 *
 * Not include-guarded: it is read twice on purpose.
 */

#ifndef VL_UNRENAME

/* lib/printfmt.c */
#define strerror vl_strerror
#define printfmt vl_printfmt
#define vprintfmt vl_vprintfmt
#define snprintf vl_snprintf
#define vsnprintf vl_vsnprintf

/* lib/string.c */
#define strlen vl_strlen
#define strnlen vl_strnlen
#define strcpy vl_strcpy
#define strlcpy vl_strlcpy
#define strcmp vl_strcmp
#define strncmp vl_strncmp
#define strchr vl_strchr
#define strstr vl_strstr
#define memset vl_memset
#define memcpy vl_memcpy
#define memmove vl_memmove
#define memcmp vl_memcmp
#define strtol vl_strtol
#define strtoul vl_strtoul
#define atoi vl_atoi

/* lib/elf.c */
#define elf_parse vl_elf_parse
#define elf_sections vl_elf_sections

/* lib/multiboot.c */
#define mb_find_header vl_mb_find_header
#define mb_mmap_next vl_mb_mmap_next

/* lib/cmdline.c */
#define cmdline_skip_image vl_cmdline_skip_image
#define cmdline_split vl_cmdline_split
#define cmdline_get vl_cmdline_get
#define cmdline_find_dashes vl_cmdline_find_dashes
#define cmdline_after_dashes vl_cmdline_after_dashes
#define cmdline_check_keys vl_cmdline_check_keys

#else /* VL_UNRENAME */

#undef strerror
#undef printfmt
#undef vprintfmt
#undef snprintf
#undef vsnprintf

#undef strlen
#undef strnlen
#undef strcpy
#undef strlcpy
#undef strcmp
#undef strncmp
#undef strchr
#undef strstr
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strtol
#undef strtoul
#undef atoi

#undef elf_parse
#undef elf_sections

#undef mb_find_header
#undef mb_mmap_next

#undef cmdline_skip_image
#undef cmdline_split
#undef cmdline_get
#undef cmdline_find_dashes
#undef cmdline_after_dashes
#undef cmdline_check_keys

#endif /* VL_UNRENAME */
