/* Error codes returned (negated) by system calls and library functions. */
#ifndef VMMLAB_INC_ERROR_H
#define VMMLAB_INC_ERROR_H

enum {
	E_UNSPECIFIED = 1, /* unspecified or unknown problem */
	E_INVAL,	   /* invalid parameter */
	E_NO_MEM,	   /* out of memory */
	E_NO_PROC,	   /* too many processes */
	E_NOT_FOUND,	   /* no such program */
	E_CHILD,	   /* no such child to wait for */
	E_FAULT,	   /* bad user pointer */
	E_BAD_ELF,	   /* malformed ELF image */
	MAXERROR
};

/* A short message for an error code (negative or positive). */
const char *strerror(int err);

#endif
