/* SPDX-License-Identifier: MIT */
/*
 * arm64 system register fields the entry code and MMU set-up use, by their
 * Arm ARM names (DDI 0487, chapter D19 "AArch64 System Register
 * Descriptions").  Usable from C and from assembly.
 */
#ifndef TINYDUMP_PURGATORY_SYSREG_H
#define TINYDUMP_PURGATORY_SYSREG_H

#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##ul
#endif

/* CurrentEL: EL in bits [3:2]. */
#define CURRENTEL_EL_SHIFT 2
#define CURRENTEL_EL1 (_UL(1) << CURRENTEL_EL_SHIFT)
#define CURRENTEL_EL2 (_UL(2) << CURRENTEL_EL_SHIFT)
#define CURRENTEL_EL3 (_UL(3) << CURRENTEL_EL_SHIFT)

/* HCR_EL2 */
#define HCR_EL2_RW (_UL(1) << 31)	/* EL1 is AArch64 */
#define HCR_EL2_E2H (_UL(1) << 34)

/* CNTHCTL_EL2 (E2H == 0 layout) */
#define CNTHCTL_EL2_EL1PCTEN (_UL(1) << 0)	/* EL1 may read CNTPCT_EL0 */
#define CNTHCTL_EL2_EL1PCEN (_UL(1) << 1)	/* EL1 may use the physical timer */

/* CPTR_EL2 (E2H == 0): RES1 bits 13:12, 9:0; TFP (bit 10) clear = no FP trap. */
#define CPTR_EL2_RES1 _UL(0x33ff)

/* SPSR: return to EL1h with D, A, I, F masked. */
#define SPSR_MODE_EL1H _UL(0x5)
#define SPSR_DAIF (_UL(0xf) << 6)
#define SPSR_EL1H_MASKED (SPSR_MODE_EL1H | SPSR_DAIF)

/* SCTLR_EL1 */
#define SCTLR_EL1_M (_UL(1) << 0)	/* stage 1 MMU enable */
#define SCTLR_EL1_A (_UL(1) << 1)	/* alignment check */
#define SCTLR_EL1_C (_UL(1) << 2)	/* data cacheability */
#define SCTLR_EL1_SA (_UL(1) << 3)	/* SP alignment check */
#define SCTLR_EL1_I (_UL(1) << 12)	/* instruction cacheability */
#define SCTLR_EL1_WXN (_UL(1) << 19)
#define SCTLR_EL1_EE (_UL(1) << 25)
/* RES1 in ARMv8.0: bits 29, 28, 23, 22, 20, 11. */
#define SCTLR_EL1_RES1 ((_UL(1) << 29) | (_UL(1) << 28) | (_UL(1) << 23) | \
			(_UL(1) << 22) | (_UL(1) << 20) | (_UL(1) << 11))

/* CPACR_EL1.FPEN = 0b11: no FP/SIMD traps (picolibc and gcc use SIMD). */
#define CPACR_EL1_FPEN (_UL(3) << 20)

/* MAIR_EL1 attribute encodings and the indices the page tables use. */
#define MAIR_ATTR_DEVICE_nGnRE _UL(0x04)
#define MAIR_ATTR_NORMAL_WB _UL(0xff)	/* inner/outer WB, RA, WA, non-transient */
#define MAIR_ATTR_NORMAL_NC _UL(0x44)
#define MT_DEVICE_nGnRE 0
#define MT_NORMAL 1
#define MT_NORMAL_NC 2
#define MAIR_EL1_VALUE ((MAIR_ATTR_DEVICE_nGnRE << (8 * MT_DEVICE_nGnRE)) | \
			(MAIR_ATTR_NORMAL_WB << (8 * MT_NORMAL)) |         \
			(MAIR_ATTR_NORMAL_NC << (8 * MT_NORMAL_NC)))

/* TCR_EL1 */
#define TCR_T0SZ_SHIFT 0
#define TCR_IRGN0_WBWA (_UL(1) << 8)
#define TCR_ORGN0_WBWA (_UL(1) << 10)
#define TCR_SH0_INNER (_UL(3) << 12)
#define TCR_TG0_4K (_UL(0) << 14)
#define TCR_EPD1 (_UL(1) << 23)	/* no TTBR1 walks: we only use TTBR0 */
#define TCR_IPS_SHIFT 32

/* ID_AA64MMFR0_EL1.PARange, bits [3:0]. */
#define ID_AA64MMFR0_PARANGE_MASK _UL(0xf)

/* PAR_EL1 after AT */
#define PAR_F (_UL(1) << 0)
#define PAR_ATTR_SHIFT 56
#define PAR_PA_MASK _UL(0x0000fffffffff000)

/* ESR_ELx */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK _UL(0x3f)
#define ESR_EC_UNKNOWN 0x00
#define ESR_EC_HVC64 0x16
#define ESR_EC_SMC64 0x17
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_DABT_CUR 0x25

/* The one relocation type a static-pie link leaves (ELF for AArch64, 5.7.9). */
#define R_AARCH64_RELATIVE 1027

#ifndef __ASSEMBLY__
#define read_sysreg(r)                                              \
	({                                                          \
		unsigned long __v;                                  \
		__asm__ volatile("mrs %0, " #r : "=r"(__v));        \
		__v;                                                \
	})
#define write_sysreg(v, r)                                          \
	__asm__ volatile("msr " #r ", %x0" : : "rZ"((unsigned long)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#endif

#endif
