/*
 * Command-line parsing for both images.  Multiboot loaders put the image
 * name first ("obj/kernel init=hello"); the guest OS reads "key=value"
 * words and "init=PROG args..."; the monitor reads "mode=te key=value --
 * GUEST-CMDLINE" and passes everything after "--" on untouched.
 */
#ifndef VMMLAB_INC_CMDLINE_H
#define VMMLAB_INC_CMDLINE_H

#include <inc/types.h>

#define CMDLINE_MAXARGS 32
#define CMDLINE_MAX 1024

/* Skip the leading image name that a multiboot loader prepends. */
const char *cmdline_skip_image(const char *s);

/*
 * Split s in place at runs of spaces and tabs into at most max words.
 * Returns the number of words, or -E_INVAL if there are more than max.
 */
int cmdline_split(char *s, char **argv, int max);

/* The value of the first word "key=value" in argv[0..argc), or NULL. */
const char *cmdline_get(int argc, char *const *argv, const char *key);

/*
 * The monitor's split: the index of the word "--" in argv, or argc if
 * there is none.  Words after it belong to the guest.
 */
int cmdline_find_dashes(int argc, char *const *argv);

/*
 * The text after the first " -- " word in s (unsplit), or NULL.  This is
 * the guest's command line exactly as the user typed it.
 */
const char *cmdline_after_dashes(const char *s);

/*
 * Check that every word in argv[0..argc) has the form key=value with a
 * key from the NULL-terminated list known.  Returns -1 if all are known,
 * else the index of the first bad word.
 */
int cmdline_check_keys(int argc, char *const *argv, const char *const *known);

#endif
