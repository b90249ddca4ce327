// SPDX-License-Identifier: MIT
/*
 * Synchronous exceptions and the fatal exit.  A probed access that faults
 * (purgatory/cpu.S) resumes at its recovery label; anything else is
 * reported with the decoded class, ESR, ELR, FAR, SPSR and x0-x30, then the
 * board is reset through PSCI.  A fault while reporting gets a one-line
 * report and an immediate reset; a third level parks the core.  Printing
 * here uses no library code: the fault may have been inside it.
 * ESR encodings: Arm ARM D19.2 "ESR_EL1", table "EC".
 */
#include <stddef.h>

#include "drivers/console.h"
#include "drivers/psci.h"
#include "purgatory/exception.h"
#include "purgatory/sysreg.h"

struct exception_ctx exception_ctx = {
	.psci_conduit = -1,
};

/* Fixup sites: a faulting instruction and where to resume. */
extern char psci_smc_insn[], psci_smc_fault[];
extern char psci_hvc_insn[], psci_hvc_fault[];
extern char probe_read64_insn[], probe_read64_fault[];
extern char probe_copy_page_insn[], probe_copy_page_fault[];

static uintptr_t fixup_for(uintptr_t pc)
{
	const struct {
		const char *insn, *fault;
	} table[] = {
		{ psci_smc_insn, psci_smc_fault },
		{ psci_hvc_insn, psci_hvc_fault },
		{ probe_read64_insn, probe_read64_fault },
		{ probe_copy_page_insn, probe_copy_page_fault },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (pc == (uintptr_t)table[i].insn)
			return (uintptr_t)table[i].fault;
	return 0;
}

const char *exception_ec_name(unsigned ec)
{
	switch (ec) {
	case 0x00: return "unknown reason (undefined instruction)";
	case 0x01: return "trapped WFI/WFE";
	case 0x07: return "SVE/SIMD/FP access trap";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC";
	case ESR_EC_HVC64: return "HVC";
	case ESR_EC_SMC64: return "SMC";
	case 0x18: return "trapped system register access";
	case 0x20: return "instruction abort from a lower EL";
	case ESR_EC_IABT_CUR: return "instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: return "data abort from a lower EL";
	case ESR_EC_DABT_CUR: return "data abort";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "floating-point exception";
	case 0x2f: return "SError";
	case 0x30: case 0x31: return "breakpoint";
	case 0x32: case 0x33: return "software step";
	case 0x34: case 0x35: return "watchpoint";
	case 0x3c: return "BRK instruction";
	default: return "unrecognised exception class";
	}
}

static const char *const vector_names[] = {
	"synchronous", "IRQ", "FIQ", "SError",
};

/* --- library-free output ---------------------------------------------- */

static void out(const char *s)
{
	struct console *con = exception_ctx.con;
	size_t n = 0;

	if (!con)
		return;
	while (s[n])
		n++;
	console_write_text(con, s, n);
}

static void out_hex(uint64_t v, unsigned digits)
{
	char buf[19];
	unsigned i = 0;

	buf[i++] = '0';
	buf[i++] = 'x';
	for (int d = (int)digits - 1; d >= 0; d--)
		buf[i++] = "0123456789abcdef"[(v >> (4 * d)) & 0xf];
	buf[i] = '\0';
	out(buf);
}

static void out_reg(const char *name, uint64_t v)
{
	out(name);
	out("=");
	out_hex(v, 16);
}

static void report(const struct exception_frame *f, unsigned long vector)
{
	unsigned ec = (f->esr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	out("\n*** tinydump: unexpected exception: ");
	out(vector_names[vector & 3]);
	out((vector & 4) ? " (inside the exception handler)" : "");
	out("\n*** EC=");
	out_hex(ec, 2);
	out(" (");
	out(exception_ec_name(ec));
	out(")\n");
	out_reg("ESR", f->esr);
	out(" ");
	out_reg("ELR", f->elr);
	out(" ");
	out_reg("FAR", f->far);
	out("\n");
	out_reg("SPSR", f->spsr);
	out(" ");
	out_reg("SP", f->sp);
	out("\n");
	for (unsigned i = 0; i < 31; i++) {
		char name[4] = { 'x', 0, 0, 0 };

		if (i < 10) {
			name[1] = (char)('0' + i);
		} else {
			name[1] = (char)('0' + i / 10);
			name[2] = (char)('0' + i % 10);
		}
		if (i < 10)
			out(" ");
		out(name);
		out("=");
		out_hex(f->x[i], 16);
		out((i % 4 == 3 || i == 30) ? "\n" : " ");
	}
}

void system_exit(void)
{
	int conduit = exception_ctx.psci_conduit;

	if (exception_ctx.after == FATAL_EXIT_HALT) {
		out("tinydump: halting (tinydump.after=halt)\n");
		console_flush(exception_ctx.con);
		cpu_park();
	}
	if (conduit == PSCI_CONDUIT_NONE) {
		/* The DT was readable and has no /psci (e.g. Raspberry Pi 3). */
		out("tinydump: no /psci node in the device tree: cannot reset; halting\n");
		console_flush(exception_ctx.con);
		cpu_park();
	}
	out(exception_ctx.after == FATAL_EXIT_OFF ? "tinydump: powering off" :
						     "tinydump: resetting");
	out(" through PSCI (");
	out(conduit < 0 ? "smc, then hvc" : psci_conduit_name(conduit));
	out(")\n");
	console_flush(exception_ctx.con);
	psci_system_exit(conduit < 0 ? PSCI_CONDUIT_NONE : (enum psci_conduit)conduit,
			 exception_ctx.after == FATAL_EXIT_OFF ? PSCI_ACTION_OFF :
								 PSCI_ACTION_RESET);
	out("tinydump: PSCI did not act; parking the CPU\n");
	console_flush(exception_ctx.con);
	cpu_park();
}

void exception_handle(struct exception_frame *f, unsigned long vector)
{
	uintptr_t fix = (vector & 3) == 0 ? fixup_for(f->elr) : 0;

	if (fix) {
		f->elr = fix;
		return;
	}
	exception_ctx.depth++;
	if (exception_ctx.depth > 2)
		cpu_park();	/* even the short report faulted */
	if (exception_ctx.depth == 2) {
		out("\n*** tinydump: exception while handling an exception: EC=");
		out_hex((f->esr >> ESR_EC_SHIFT) & ESR_EC_MASK, 2);
		out(" ELR=");
		out_hex(f->elr, 16);
		out(" FAR=");
		out_hex(f->far, 16);
		out("\n");
		system_exit();
	}
	report(f, vector);
	if (exception_ctx.fault_in_handler) {
		/* Test hook (tinydump.debug=fault-in-handler): fault here. */
		out("*** tinydump: debug: faulting inside the handler\n");
		(void)*(volatile uint64_t *)exception_ctx.fault_in_handler_addr;
	}
	system_exit();
}

void fatal(const char *why)
{
	exception_ctx.depth++;
	out("\n*** tinydump: fatal: ");
	out(why);
	out("\n");
	system_exit();
}

/* head.S lands here if payload_main ever returns. */
void __noreturn fatal_return_handler(void);
void fatal_return_handler(void)
{
	fatal("payload_main returned");
}
