/* SPDX-License-Identifier: MIT */
/*
 * Exception handling: report and reset, or recover a probed access.
 */
#ifndef TINYDUMP_PURGATORY_EXCEPTION_H
#define TINYDUMP_PURGATORY_EXCEPTION_H

#include <stdint.h>

#include "include/compiler.h"

struct console;

/* What the fatal path does once it has reported. */
enum fatal_exit {
	FATAL_EXIT_RESET,	/* PSCI SYSTEM_RESET (default) */
	FATAL_EXIT_OFF,		/* PSCI SYSTEM_OFF */
	FATAL_EXIT_HALT,	/* wfi forever: leaves memory for a debugger */
};

/* Saved by purgatory/vectors.S, in this order. */
struct exception_frame {
	uint64_t x[31];
	uint64_t sp;	/* interrupted SP_EL0 */
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/* What the fatal path may use; set up by payload_main as it learns it. */
struct exception_ctx {
	struct console *con;		/* NULL: nothing to report on */
	int psci_conduit;		/* enum psci_conduit; -1: unknown, try both */
	enum fatal_exit after;
	int depth;			/* exceptions being handled right now */
	int fault_in_handler;		/* test hook: fault while reporting */
	uintptr_t fault_in_handler_addr;	/* an unmapped address to read */
};

/*
 * The exception handler runs with no caller to pass it state, so this one
 * context is global (the only global state besides the page tables).
 */
extern struct exception_ctx exception_ctx;

void exception_handle(struct exception_frame *frame, unsigned long vector);

/** exception_ec_name() - a short name for an ESR exception class. */
const char *exception_ec_name(unsigned ec);

/**
 * system_exit() - the one way out: halt, or PSCI SYSTEM_OFF/RESET through
 * the DT's conduit (both conduits when the DT was unusable), as
 * exception_ctx.after says; parks the CPU if nothing worked.
 */
void __noreturn system_exit(void);

/**
 * fatal() - report @why and take the fatal exit: PSCI reset (or the
 * configured action) through the known conduit, else both, else park.
 */
void __noreturn fatal(const char *why);

/* Assembly routines from purgatory/cpu.S. */
long psci_smc(unsigned long fn, unsigned long a1, unsigned long a2,
	      unsigned long a3);
long psci_hvc(unsigned long fn, unsigned long a1, unsigned long a2,
	      unsigned long a3);
int probe_read64(uintptr_t addr, uint64_t *val);
int probe_copy_page(void *dst, const void *src);
uint64_t at_s1e1r(uintptr_t va);
void __noreturn cpu_park(void);

#endif
