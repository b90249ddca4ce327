/* SPDX-License-Identifier: MIT */
/* Assembly helpers for position-independent code. */
#ifndef TINYDUMP_PURGATORY_ASM_H
#define TINYDUMP_PURGATORY_ASM_H

/* Size of the thread control block before picolibc's TLS block on AArch64. */
#define TLS_TCB_SIZE 16

#ifdef __ASSEMBLY__
/* adr_l: PC-relative address of a symbol anywhere within +-4 GiB. */
	.macro	adr_l, dst, sym
	adrp	\dst, \sym
	add	\dst, \dst, :lo12:\sym
	.endm
#endif

#endif
