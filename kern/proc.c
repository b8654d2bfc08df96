/*
 * Processes: creation from an ELF image linked into the kernel, fork
 * with copy-on-write, exit, wait and kill.
 *
 * fork copies no memory: it shares every page between parent and child,
 * read-only and marked PTE_COW in both, and the page-fault handler makes
 * the copy on the first write.  This is what a Unix kernel does, and it
 * is what makes forkwait hard on a virtual machine monitor: every fork
 * rewrites hundreds of page-table entries, and every first write after
 * it is a page fault (Adams & Agesen §6.1).
 */
#include <inc/elf.h>
#include <inc/error.h>
#include <inc/memlayout.h>
#include <inc/string.h>
#include <inc/syscall.h>
#include <inc/x86.h>
#include <kern/gdt.h>
#include <kern/kern.h>
#include <kern/pmap.h>
#include <kern/proc.h>

struct proc procs[NPROC];
struct proc *curproc;
int init_pid;
static int next_pid = 1;

void
proc_init(void)
{
	memset(procs, 0, sizeof(procs));
}

struct proc *
proc_find(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

int
proc_nlive(void)
{
	int n = 0;
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE && procs[i].state != P_ZOMBIE)
			n++;
	return n;
}

const struct userbin *
userbin_find(const char *name)
{
	for (uint32_t i = 0; i < nuserbins; i++)
		if (strcmp(userbins[i].name, name) == 0)
			return &userbins[i];
	return NULL;
}

/* A free slot with a fresh address space and user-mode registers. */
static int
proc_alloc(struct proc *parent, const char *name, struct proc **out)
{
	struct proc *p = NULL;
	for (int i = 0; i < NPROC && !p; i++)
		if (procs[i].state == P_FREE)
			p = &procs[i];
	if (!p)
		return -E_NO_PROC;

	pde_t *pgdir = pgdir_create();
	if (!pgdir)
		return -E_NO_MEM;
	memset(p, 0, sizeof(*p));
	p->pgdir = pgdir;
	p->pid = next_pid++;
	p->parent = parent;
	strlcpy(p->name, name, sizeof(p->name));

	p->tf.tf_ds = p->tf.tf_es = p->tf.tf_ss = GD_UD | 3;
	p->tf.tf_fs = p->tf.tf_gs = GD_UD | 3;
	p->tf.tf_cs = GD_UT | 3;
	/* Interrupts on, IOPL 0: user code can neither cli nor touch ports. */
	p->tf.tf_eflags = FL_IF | FL_RESERVED1;
	p->state = P_RUNNABLE;
	*out = p;
	return 0;
}

/* Give the slot back; the address space must already be gone. */
static void
proc_free(struct proc *p)
{
	assert(p->pgdir == NULL);
	p->state = P_FREE;
}

static void
proc_release_memory(struct proc *p)
{
	if (!p->pgdir)
		return;
	if (rcr3() == PADDR(p->pgdir))
		lcr3(kern_cr3);
	pgdir_destroy(p->pgdir);
	p->pgdir = NULL;
}

/*
 * Map and fill the loadable segments of a checked ELF image.  Pages are
 * read-only unless some segment on them is writeable.
 */
static int
load_segments(struct proc *p, const struct elf_image *img)
{
	for (unsigned i = 0; i < img->phnum; i++) {
		const struct elf32_phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (ph->p_vaddr < UTEXT ||
		    ph->p_vaddr + ph->p_memsz > USTACKTOP - USTACKSIZE)
			return -E_BAD_ELF;
		int perm = PTE_U | ((ph->p_flags & PF_W) ? PTE_W : 0);
		uint32_t va = ROUNDDOWN(ph->p_vaddr, PGSIZE);
		for (; va < ph->p_vaddr + ph->p_memsz; va += PGSIZE) {
			pte_t *pte;
			struct pageinfo *pp = page_lookup(p->pgdir, va, &pte);
			if (pp) {
				*pte |= perm;
				continue;
			}
			pp = page_alloc(ALLOC_ZERO);
			if (!pp)
				return -E_NO_MEM;
			if (page_insert(p->pgdir, pp, va, perm) < 0) {
				page_free(pp);
				return -E_NO_MEM;
			}
		}
		/* Copy the file bytes through the kernel's map of each page. */
		for (uint32_t off = 0; off < ph->p_filesz;) {
			uint32_t dva = ph->p_vaddr + off;
			uint32_t n = MIN(PGSIZE - PGOFF(dva), ph->p_filesz - off);
			struct pageinfo *pp = page_lookup(p->pgdir, dva, NULL);
			memcpy((char *)page2kva(pp) + PGOFF(dva),
			       img->data + ph->p_offset + off, n);
			off += n;
		}
	}
	return 0;
}

/*
 * Build the initial user stack: the argument strings at the top, then
 * the argv array, then argv and argc, with %esp pointing at argc.
 */
static int
setup_stack(struct proc *p, int argc, const char *const *argv)
{
	uint32_t sp = USTACKTOP;
	uint32_t uargv[MAXARGS + 1];

	if (argc > MAXARGS)
		return -E_INVAL;
	for (int i = argc - 1; i >= 0; i--) {
		size_t len = strnlen(argv[i], MAXARGLEN);
		if (len == MAXARGLEN)
			return -E_INVAL;
		sp -= len + 1;
		if (copyout(p->pgdir, sp, argv[i], len + 1) < 0)
			return -E_NO_MEM;
		uargv[i] = sp;
	}
	uargv[argc] = 0;
	sp = ROUNDDOWN(sp, 4) - (argc + 1) * 4;
	if (copyout(p->pgdir, sp, uargv, (argc + 1) * 4) < 0)
		return -E_NO_MEM;
	uint32_t frame[2] = { (uint32_t)argc, sp };
	sp -= sizeof(frame);
	if (copyout(p->pgdir, sp, frame, sizeof(frame)) < 0)
		return -E_NO_MEM;
	p->tf.tf_esp = sp;
	return 0;
}

/*
 * Create a process running the user program called name, with argv[0..
 * argc) as its arguments.  Returns its pid, -E_NOT_FOUND, -E_BAD_ELF
 * (with a message), -E_NO_PROC or -E_NO_MEM.
 */
int
proc_spawn(const char *name, int argc, const char *const *argv,
	   struct proc *parent, struct proc **out)
{
	const struct userbin *bin = userbin_find(name);
	if (!bin)
		return -E_NOT_FOUND;

	struct elf_image img;
	const char *why;
	if (elf_parse(bin->start, bin->size, &img, &why) < 0) {
		cprintf("kernel: program %s: %s\n", name, why);
		return -E_BAD_ELF;
	}

	struct proc *p;
	int r = proc_alloc(parent, name, &p);
	if (r < 0)
		return r;
	if ((r = load_segments(p, &img)) < 0 ||
	    (r = setup_stack(p, argc, argv)) < 0) {
		proc_release_memory(p);
		proc_free(p);
		return r;
	}
	p->tf.tf_eip = img.entry;
	if (out)
		*out = p;
	return p->pid;
}

/*
 * Share every user page of parent with a new child, copy-on-write.
 * Returns the child's pid (the child sees 0 in %eax) or an error.
 */
int
proc_fork(struct proc *parent)
{
	struct proc *child;
	int r = proc_alloc(parent, parent->name, &child);
	if (r < 0)
		return r;
	child->tf = parent->tf;
	child->tf.tf_regs.reg_eax = 0;
	child->sandboxed = parent->sandboxed;

	for (uint32_t pdx = 0; pdx < PDX(UTOP); pdx++) {
		if (!(parent->pgdir[pdx] & PTE_P))
			continue;
		pte_t *pt = KADDR(PTE_ADDR(parent->pgdir[pdx]));
		for (uint32_t ptx = 0; ptx < NPTENTRIES; ptx++) {
			if (!(pt[ptx] & PTE_P))
				continue;
			uint32_t va = (uint32_t)PGADDR(pdx, ptx, 0);
			if (pt[ptx] & (PTE_W | PTE_COW))
				pt[ptx] = (pt[ptx] & ~PTE_W) | PTE_COW;
			int perm = pt[ptx] & (PTE_U | PTE_W | PTE_COW);
			struct pageinfo *pp = pa2page(PTE_ADDR(pt[ptx]));
			if (page_insert(child->pgdir, pp, va, perm) < 0) {
				proc_release_memory(child);
				proc_free(child);
				lcr3(rcr3());
				return -E_NO_MEM;
			}
		}
	}
	/* The parent's PTEs lost PTE_W: flush them all at once. */
	lcr3(rcr3());
	return child->pid;
}

/* Hand a zombie child's status to its waiting parent and free the child. */
static void
reap(struct proc *parent, struct proc *child, uint32_t status_uva)
{
	if (status_uva)
		copyout(parent->pgdir, status_uva, &child->exit_status,
			sizeof(int));
	parent->tf.tf_regs.reg_eax = child->pid;
	proc_free(child);
}

/*
 * End process p with status: free its memory at once, orphan its
 * children, and either wake its waiting parent or leave a zombie.
 */
void
proc_exit(struct proc *p, int status)
{
	assert(p->state != P_FREE && p->state != P_ZOMBIE);
	p->exit_status = status;
	proc_release_memory(p);
	if (p->pid == init_pid)
		kern_init_exited(status);

	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->parent != p)
			continue;
		c->parent = NULL;
		if (c->state == P_ZOMBIE)
			proc_free(c);
	}

	struct proc *parent = p->parent;
	if (!parent) {
		proc_free(p);
	} else if (parent->state == P_WAIT_CHILD &&
		   (parent->wait_pid == -1 || parent->wait_pid == p->pid)) {
		reap(parent, p, parent->wait_status_uva);
		parent->state = P_RUNNABLE;
	} else {
		p->state = P_ZOMBIE;
	}
	if (p == curproc)
		curproc = NULL;
	if (proc_nlive() == 0)
		kern_all_exited();
}

/*
 * sys_wait for process p: reap a zombie child matching pid (-1: any),
 * returning its pid; 0 with WNOHANG if none has exited; -E_CHILD if
 * there is no such child.  Otherwise p blocks (state P_WAIT_CHILD) and
 * proc_exit completes the call.
 */
int
proc_wait(struct proc *p, int pid, uint32_t status_uva, int flags)
{
	bool have_child = false;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->parent != p)
			continue;
		if (pid != -1 && c->pid != pid)
			continue;
		have_child = true;
		if (c->state == P_ZOMBIE) {
			reap(p, c, status_uva);
			return c->pid;
		}
	}
	if (!have_child)
		return -E_CHILD;
	if (flags & WNOHANG)
		return 0;
	p->state = P_WAIT_CHILD;
	p->wait_pid = pid;
	p->wait_status_uva = status_uva;
	return 0;
}

static const char *const state_name[] = {
	[P_FREE] = "free",	     [P_RUNNABLE] = "runnable",
	[P_WAIT_CHILD] = "wait",     [P_WAIT_INPUT] = "input",
	[P_ZOMBIE] = "zombie",
};

void
proc_print_all(void)
{
	cprintf("  pid  ppid  state     runs  name\n");
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state == P_FREE)
			continue;
		cprintf("%5d %5d  %-8s %5u  %s%s\n", p->pid,
			p->parent ? p->parent->pid : 0, state_name[p->state],
			p->nruns, p->name, p == curproc ? " (current)" : "");
	}
}
