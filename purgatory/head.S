/* SPDX-License-Identifier: MIT */
/*
 * The first code of payload.bin: the arm64 Image header and the entry.
 * (kexec-tools runs its own purgatory before us; this folder is ours.)
 *
 * Boot contract (Linux Documentation/arch/arm64/booting.rst, and kexec's
 * cpu_soft_restart in arch/arm64/kernel/machine_kexec.c): entered at EL2 or
 * EL1, MMU and D-cache off, DAIF masked, x0 = physical address of the DTB,
 * x1-x3 = 0, at any 4 KiB-aligned address (we declare "place anywhere").
 *
 * Sequence: at EL2, configure EL2 to stay out of the way and drop to EL1;
 * process our own R_AARCH64_RELATIVE relocations (static-pie linked at 0);
 * zero BSS; set SP, TPIDR_EL0 (picolibc's errno is thread-local) and
 * VBAR_EL1; build the first identity map and turn on MMU and caches
 * (mmu_early_enable, C built with -mstrict-align); call payload_main.
 *
 * Register use until C:
 *   x19  DTB physical address (from x0)
 *   x20  CurrentEL at entry
 *   x21  load address (= runtime address of _head)
 *   x22  image_size
 */
#include "purgatory/asm.h"
#include "purgatory/sysreg.h"

	.section .head.text, "ax"
	.globl _head
_head:
	b	primary_entry		/* code0: branch to the entry */
	.long	0			/* code1 */
	.quad	0			/* text_offset: load at the base itself */
	.quad	__image_size		/* image_size: file + BSS + tables + stack */
	.quad	__image_flags		/* flags: LE, 4K pages, place anywhere */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.ascii	"ARM\x64"		/* magic, 0x644d5241 */
	.long	0			/* res5: no PE/COFF header */

/*
 * primary_entry
 * In:  x0 = DTB, CPU at EL2 or EL1, MMU off.
 * Out: does not return.
 */
primary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	mrs	x20, CurrentEL
	cmp	x20, #CURRENTEL_EL2
	b.eq	el2_setup
	cmp	x20, #CURRENTEL_EL1
	b.eq	el1_entry
	/*
	 * EL3 (or EL0, impossible): kexec never enters there.  Nothing safe
	 * to do without firmware knowledge; stop the core quietly.
	 */
1:	wfi
	b	1b

/*
 * el2_setup: leave EL2 configured so that EL1 runs untrapped (AArch64 EL1,
 * no stage 2, timers and FP accessible), with a stub vector table that
 * answers stray HVCs, then drop to EL1h with DAIF masked.
 * Clobbers: x0, x1.
 */
el2_setup:
	ldr	x0, =HCR_EL2_RW		/* also clears E2H/TGE a VHE host left */
	msr	hcr_el2, x0
	isb
	mov	x0, #(CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN)
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	msr	vttbr_el2, xzr
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	adr	x0, el2_stub_vectors
	msr	vbar_el2, x0
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	adr	x0, el1_entry
	msr	elr_el2, x0
	isb
	eret

el1_entry:
	/* MMU, caches and alignment checks off until our tables exist. */
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	ldr	x0, =CPACR_EL1_FPEN
	msr	cpacr_el1, x0
	isb

	adr	x21, _head
	ldr	x22, =__image_size
	bl	relocate
	bl	zero_bss

	/*
	 * Normal code runs on SP_EL0 (SPSel = 0); exceptions switch to SP_EL1,
	 * a stack of their own, so a fault caused by a bad SP still reports.
	 */
	msr	spsel, #1
	adr_l	x0, __exc_stack_top
	mov	sp, x0
	msr	spsel, #0
	adr_l	x0, __stack_top
	mov	sp, x0
	/*
	 * picolibc's local-exec TLS (errno): TP = TLS block - 16-byte TCB
	 * (AArch64 TLS variant 1; linker/payload.ld asserts the alignment).
	 * Whatever the dead kernel left in TPIDR_EL0 must not be used.
	 */
	adr_l	x0, __tls_base
	sub	x0, x0, #TLS_TCB_SIZE
	msr	tpidr_el0, x0
	adr_l	x0, exception_vectors
	msr	vbar_el1, x0
	isb

	mov	x0, x21			/* load base */
	mov	x1, x22			/* image_size */
	mov	x2, x19			/* DTB */
	bl	mmu_early_enable

	mov	x0, x19			/* DTB */
	lsr	x1, x20, #CURRENTEL_EL_SHIFT	/* entry EL */
	mov	x2, x21			/* load base */
	bl	payload_main
	/* payload_main does not return; if it did, reset like any failure. */
	b	payload_fatal_return

/*
 * relocate: apply .rela.dyn.  A static-pie link at address 0 leaves only
 * R_AARCH64_RELATIVE entries (scripts/check-relocs.py fails the build
 * otherwise): *(base + r_offset) = base + r_addend.
 * In: x21 = base.  Clobbers: x0-x5.
 */
relocate:
	adr_l	x0, __rela_start
	adr_l	x1, __rela_end
1:	cmp	x0, x1
	b.hs	2f
	ldp	x2, x3, [x0], #16	/* r_offset, r_info */
	ldr	x4, [x0], #8		/* r_addend */
	cmp	w3, #R_AARCH64_RELATIVE
	b.ne	1b			/* R_AARCH64_NONE; others fail the build */
	add	x4, x4, x21
	str	x4, [x21, x2]
	b	1b
2:	ret

/*
 * zero_bss: clear [__bss_start, __bss_end), both 16-byte aligned.  Plain
 * stores: DC ZVA faults on the Device memory we run on with the MMU off.
 * Clobbers: x0, x1.
 */
zero_bss:
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:	ret

/*
 * el2_stub_vectors: EL2 is empty once we run at EL1.  An HVC from EL1
 * (a PSCI probe through the wrong conduit) returns PSCI NOT_SUPPORTED (-1);
 * anything else taken to EL2 parks the core (it cannot report: no console
 * state is reachable from here, and it cannot happen with the traps off).
 */
	.macro	el2_vector_park
	.balign	0x80
1:	wfi
	b	1b
	.endm

	.balign	0x800
el2_stub_vectors:
	.rept	8			/* current EL with SP0 and SPx */
	el2_vector_park
	.endr
	.balign	0x80			/* lower EL, AArch64, synchronous */
	mrs	x18, esr_el2
	lsr	x18, x18, #ESR_EC_SHIFT
	cmp	x18, #ESR_EC_HVC64
	b.ne	1f
	mov	x0, #-1			/* PSCI_RET_NOT_SUPPORTED */
	eret
1:	wfi
	b	1b
	.rept	7			/* lower EL: IRQ, FIQ, SError; AArch32 */
	el2_vector_park
	.endr
