/* SPDX-License-Identifier: MIT */
/*
 * EL1 exception vectors (Arm ARM D1.10.2 "Exception vectors").
 *
 * Normal code runs with SPSel = 0 on its own stack; every exception saves
 * a struct exception_frame (purgatory/exception.h) on SP_EL1 and calls
 * exception_handle(frame, vector).  The handler either fixes the frame up
 * (a probed access that faulted: it resumes at a recovery label) and we
 * return with eret, or it reports and resets and never comes back.
 *
 * Group "current EL with SP0" is the expected one; "current EL with SPx"
 * means a fault inside the handler itself, which the handler answers with
 * a short report and an immediate reset.
 */
#include "purgatory/asm.h"

#define FRAME_SIZE	(36 * 8)	/* x0-x30, sp, elr, spsr, esr, far */

	.macro	vector_entry, kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	mov	x1, #\kind
	b	exception_common
	.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.globl	exception_vectors
exception_vectors:
	vector_entry 0		/* current EL, SP0: synchronous */
	vector_entry 1		/*                  IRQ */
	vector_entry 2		/*                  FIQ */
	vector_entry 3		/*                  SError */
	vector_entry 4		/* current EL, SPx: synchronous */
	vector_entry 5		/*                  IRQ */
	vector_entry 6		/*                  FIQ */
	vector_entry 7		/*                  SError */
	vector_entry 8		/* lower EL, AArch64 (cannot happen) */
	vector_entry 9
	vector_entry 10
	vector_entry 11
	vector_entry 12		/* lower EL, AArch32 (cannot happen) */
	vector_entry 13
	vector_entry 14
	vector_entry 15

/*
 * exception_common
 * In:  sp = frame with x0/x1 saved, x1 = vector number.
 * Saves the rest, calls exception_handle(frame, vector), restores, erets.
 */
exception_common:
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #16 * 15]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #16 * 16]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #16 * 17]
	mov	x0, sp
	bl	exception_handle
	/* Returned: the handler fixed the frame up. */
	ldp	x2, x3, [sp, #16 * 16]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #16 * 15]
	add	sp, sp, #FRAME_SIZE
	eret
