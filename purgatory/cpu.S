/* SPDX-License-Identifier: MIT */
/*
 * Small CPU routines whose faults the exception handler may recover from
 * (a table of { faulting instruction, recovery label } pairs, like Linux's
 * exception table but an explicit list: purgatory/exception.c), and the
 * last-resort exits.
 */
#include "purgatory/asm.h"

	.text

/*
 * psci_smc / psci_hvc: SMC Calling Convention call (ARM DEN 0028).
 * In:  x0 = function id, x1-x3 = arguments.
 * Out: x0 = result; -1 (NOT_SUPPORTED) if the conduit itself is missing:
 *      an UNDEFINED smc/hvc traps, and the handler resumes at *_fault.
 */
	.globl	psci_smc, psci_smc_insn, psci_smc_fault
psci_smc:
psci_smc_insn:
	smc	#0
	ret
psci_smc_fault:
	mov	x0, #-1
	ret

	.globl	psci_hvc, psci_hvc_insn, psci_hvc_fault
psci_hvc:
psci_hvc_insn:
	hvc	#0
	ret
psci_hvc_fault:
	mov	x0, #-1
	ret

/*
 * probe_read64: read a 64-bit word that may not be readable (a range the
 * dead kernel described but the bus does not answer, or one we left
 * unmapped).
 * In:  x0 = address, x1 = where to store the value.
 * Out: x0 = 0, or -EFAULT (-14) when the load faulted.
 */
	.globl	probe_read64, probe_read64_insn, probe_read64_fault
probe_read64:
probe_read64_insn:
	ldr	x2, [x0]
	str	x2, [x1]
	mov	x0, #0
	ret
probe_read64_fault:
	mov	x0, #-14
	ret

/*
 * probe_copy_page: copy 4096 bytes that may fault part way.
 * In:  x0 = destination, x1 = source (both 16-byte aligned).
 * Out: x0 = 0, or -EFAULT (-14).  Clobbers x2-x5.
 */
	.globl	probe_copy_page, probe_copy_page_insn, probe_copy_page_fault
probe_copy_page:
	mov	x4, #4096
1:
probe_copy_page_insn:
	ldp	x2, x3, [x1], #16
	stp	x2, x3, [x0], #16
	subs	x4, x4, #16
	b.ne	1b
	mov	x0, #0
	ret
probe_copy_page_fault:
	mov	x0, #-14
	ret

/*
 * at_s1e1r: translate an address as an EL1 read would and return PAR_EL1
 * (Arm ARM D8 "Address translation instructions").
 * In: x0 = virtual address.  Out: x0 = PAR_EL1.
 */
	.globl	at_s1e1r
at_s1e1r:
	at	s1e1r, x0
	isb
	mrs	x0, par_el1
	ret

/*
 * cpu_park: last resort when nothing can reset the board: mask
 * everything and wait for interrupt forever (a debugger or a watchdog
 * can still take over).
 */
	.globl	cpu_park
cpu_park:
	msr	daifset, #0xf
1:	wfi
	b	1b

/* payload_main returned (it must not): treat as fatal. */
	.globl	payload_fatal_return
payload_fatal_return:
	b	fatal_return_handler
