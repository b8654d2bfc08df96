/*
 * Link-time registration.  Each lab adds what it provides -- execution
 * engines, shadow MMUs, monitor options -- to a named section; the
 * monitor finds every entry without a central list that would have to
 * name labs a handout does not contain.  GNU ld defines __start_NAME
 * and __stop_NAME around any section whose name is a C identifier.
 */
#ifndef VMMLAB_INC_REGISTRY_H
#define VMMLAB_INC_REGISTRY_H

#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/types.h>

#define REGISTER(sect, type, object)                                           \
	static const type *const registry_##sect##_##object                    \
		__attribute__((used, section(#sect))) = &object

/* Weak, so that a registry no linked lab adds to is simply empty (both
 * bounds resolve to 0) rather than a link error. */
#define REGISTRY_DECLARE(sect, type)                                           \
	extern const type *const __start_##sect[] __attribute__((weak));       \
	extern const type *const __stop_##sect[] __attribute__((weak))

#define REGISTRY_FOREACH(sect, type, var)                                      \
	for (const type *const *var = __start_##sect; var < __stop_##sect;     \
	     var++)

/* A monitor option "key=value" that a lab understands. */
struct vmm_option {
	const char *key;
	const char *help;		  /* e.g. "shadow=rebuild|traced" */
	int (*set)(const char *value); /* 0, or -1 after printing why */
};
#define VMM_OPTION(object) REGISTER(vmm_options, struct vmm_option, object)
REGISTRY_DECLARE(vmm_options, struct vmm_option);

/* For an option's set: "on" or "off" into *flag (0), anything else one
 * line saying so (-1). */
static inline int
vmm_option_on_off(const char *key, const char *value, bool *flag)
{
	if (strcmp(value, "on") == 0)
		*flag = true;
	else if (strcmp(value, "off") == 0)
		*flag = false;
	else {
		cprintf("vmm: %s=%s: say on or off\n", key, value);
		return -1;
	}
	return 0;
}

/* Something a lab reports when the guest powers off, after the counters
 * (lab 3's btdump=N profile, say).  Its lines start with "vmm: " too. */
struct vmm_poweroff_hook {
	const char *name;
	void (*report)(void);
};
#define VMM_POWEROFF_HOOK(object)                                              \
	REGISTER(vmm_poweroff_hooks, struct vmm_poweroff_hook, object)
REGISTRY_DECLARE(vmm_poweroff_hooks, struct vmm_poweroff_hook);

#endif
