/* SPDX-License-Identifier: MIT */
/*
 * Test shim: does in QEMU what kexec's last step does on a board, so the
 * payload can be started at any address.  QEMU's -device loader puts this
 * at some address with the PC there; the test harness patches the two
 * parameters at offset 0x100 (DTB address, payload entry) into its copy.
 *
 * Secondary CPUs (raspi3b starts all four) wait forever.  At EL3 (boards
 * whose QEMU model has EL3 on), drop to EL2 if the CPU has it, else EL1,
 * as firmware would before Linux runs.
 */
	.text
	.globl	_start
_start:
	msr	daifset, #0xf
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff		/* Aff0 */
	cbnz	x9, secondary

	mrs	x9, CurrentEL
	cmp	x9, #(3 << 2)
	b.ne	at_el2_or_el1
	mrs	x10, id_aa64pfr0_el1
	ubfx	x10, x10, #8, #4	/* ID_AA64PFR0_EL1.EL2 */
	/* SCR_EL3: NS | RES1 (bits 5:4) | SMD | HCE | RW */
	mov	x9, #((1 << 0) | (3 << 4) | (1 << 7) | (1 << 8) | (1 << 10))
	msr	scr_el3, x9
	mov	x9, #0x3c9		/* EL2h, DAIF masked */
	mov	x11, #0x3c5		/* EL1h, DAIF masked */
	cmp	x10, #0
	csel	x9, x11, x9, eq
	msr	spsr_el3, x9
	adr	x9, at_el2_or_el1
	msr	elr_el3, x9
	isb
	eret

at_el2_or_el1:
	adr	x9, params
	ldr	x0, [x9]		/* DTB */
	ldr	x10, [x9, #8]		/* payload entry */
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x10

secondary:
	wfe
	b	secondary

	.org	0x100
params:
	.quad	0			/* DTB address */
	.quad	0			/* payload entry */
