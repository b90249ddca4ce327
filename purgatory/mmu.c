// SPDX-License-Identifier: MIT
/*
 * Identity map and MMU enable.  Parts of this file run with the MMU off,
 * where every access is Device memory: it is built with -mstrict-align
 * and without library calls (Makefile EARLY_CFLAGS).
 *
 * Descriptor formats: Arm ARM D8.3 "Translation table descriptor formats";
 * stage 1, 4 KiB granule: level 0 tables only, level 1 1 GiB blocks,
 * level 2 2 MiB blocks, level 3 pages.
 */
#include <errno.h>

#include "include/compiler.h"
#include "purgatory/mmu.h"
#include "purgatory/sysreg.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define TABLE_ENTRIES 512
#define VA_BITS 48

#define DESC_VALID BIT64(0)
#define DESC_TABLE BIT64(1)	/* levels 0-2: next-level table */
#define DESC_PAGE BIT64(1)	/* level 3: page */
#define DESC_ATTRIDX(i) ((uint64_t)(i) << 2)
#define DESC_AP_RO BIT64(7)	/* AP[2]: read-only */
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF BIT64(10)
#define DESC_PXN BIT64(53)
#define DESC_UXN BIT64(54)
#define DESC_ADDR_MASK GENMASK64(47, 12)

extern char __pgtables_start[], __pgtables_end[];

static struct mmu mmu_state;

struct mmu *mmu_get(void)
{
	return &mmu_state;
}

static unsigned level_shift(unsigned level)
{
	return PAGE_SHIFT + 9 * (3 - level);
}

static uint64_t leaf_attrs(enum mmu_kind kind)
{
	uint64_t normal = DESC_ATTRIDX(MT_NORMAL) | DESC_SH_INNER | DESC_AF;

	switch (kind) {
	case MMU_CODE:
		return normal | DESC_UXN;
	case MMU_RAM_RW:
		return normal | DESC_PXN | DESC_UXN;
	case MMU_RAM_RO:
		return normal | DESC_AP_RO | DESC_PXN | DESC_UXN;
	case MMU_DEVICE:
	default:
		return DESC_ATTRIDX(MT_DEVICE_nGnRE) | DESC_AF | DESC_PXN |
		       DESC_UXN;
	}
}

/* A zeroed table page from the pool (BSS: zeroed by head.S already). */
static uint64_t *table_alloc(struct mmu *m)
{
	uint64_t *t;

	if (m->pool_next + PAGE_SIZE > m->pool_end)
		return NULL;
	t = (uint64_t *)m->pool_next;
	m->pool_next += PAGE_SIZE;
	m->tables_used++;
	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		t[i] = 0;
	return t;
}

static int map_level(struct mmu *m, uint64_t *table, unsigned level,
		     uint64_t pa, uint64_t end, uint64_t attrs)
{
	unsigned shift = level_shift(level);
	uint64_t entry_size = 1ull << shift;

	while (pa < end) {
		unsigned idx = (pa >> shift) & (TABLE_ENTRIES - 1);
		uint64_t next = ALIGN_DOWN(pa, entry_size) + entry_size;
		uint64_t chunk_end = MIN(end, next);
		uint64_t desc = table[idx];
		bool whole = IS_ALIGNED(pa, entry_size) && chunk_end == next;
		int ret;

		if (!(desc & DESC_VALID)) {
			if (level == 3) {
				table[idx] = pa | attrs | DESC_VALID | DESC_PAGE;
				pa = chunk_end;
				continue;
			}
			if (whole && level >= 1) {
				table[idx] = pa | attrs | DESC_VALID;
				pa = chunk_end;
				continue;
			}
			uint64_t *sub = table_alloc(m);

			if (!sub)
				return -ENOMEM;
			table[idx] = (uintptr_t)sub | DESC_VALID | DESC_TABLE;
			desc = table[idx];
		}
		if (level < 3 && (desc & DESC_TABLE)) {
			ret = map_level(m, (uint64_t *)(uintptr_t)(desc & DESC_ADDR_MASK),
					level + 1, pa, chunk_end, attrs);
			if (ret)
				return ret;
		}
		/* else: a block or page is there already; the first mapping wins. */
		pa = chunk_end;
	}
	return 0;
}

int mmu_map(struct mmu *m, uint64_t pa, uint64_t size, enum mmu_kind kind)
{
	uint64_t end = pa + size;
	int ret;

	if (!size)
		return 0;
	if (!IS_ALIGNED(pa, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
	    end < pa || end > (1ull << m->pa_bits))
		return -EINVAL;
	ret = map_level(m, m->root, 0, pa, end, leaf_attrs(kind));
	/* Make the new entries visible to the table walker before use. */
	__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
	return ret;
}

bool mmu_is_mapped(uint64_t pa, uint64_t size)
{
	struct mmu *m = &mmu_state;
	uint64_t end = pa + size;

	for (pa = ALIGN_DOWN(pa, PAGE_SIZE); pa < end; pa += PAGE_SIZE) {
		uint64_t *table = m->root;
		unsigned level;

		if (!table || pa >= (1ull << m->pa_bits))
			return false;
		for (level = 0; level <= 3; level++) {
			uint64_t desc = table[(pa >> level_shift(level)) &
					      (TABLE_ENTRIES - 1)];

			if (!(desc & DESC_VALID))
				return false;
			if (level == 3 || !(desc & DESC_TABLE))
				break;
			table = (uint64_t *)(uintptr_t)(desc & DESC_ADDR_MASK);
		}
	}
	return true;
}

static unsigned parange_bits(void)
{
	/* ID_AA64MMFR0_EL1.PARange encodings (Arm ARM D19.2). */
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48 };
	unsigned r = read_sysreg(id_aa64mmfr0_el1) & ID_AA64MMFR0_PARANGE_MASK;

	/* 52-bit PAs need the LPA descriptor formats; we stop at 48. */
	return r < ARRAY_SIZE(bits) ? bits[r] : VA_BITS;
}

static uint32_t be32_load(const volatile void *p)
{
	const volatile uint32_t *w = p;	/* 4-byte aligned: checked by caller */
	uint32_t v = *w;

	return __builtin_bswap32(v);
}

/*
 * A DTB we may map: 8-byte aligned (booting.rst), FDT magic, a total size
 * within the 2 MiB booting.rst allows.  Reading the header of a garbage
 * pointer can fault; the exception handler then resets.
 */
#define FDT_MAGIC_BE 0xd00dfeedu
#define DTB_MAX_SIZE (2u << 20)

static uint64_t dtb_sane_size(uintptr_t dtb)
{
	uint32_t size;

	if (!dtb || !IS_ALIGNED(dtb, 8))
		return 0;
	if (be32_load((const void *)dtb) != FDT_MAGIC_BE)
		return 0;
	size = be32_load((const void *)(dtb + 4));
	return size >= 40 && size <= DTB_MAX_SIZE ? size : 0;
}

static unsigned dcache_line(void)
{
	/* CTR_EL0.DminLine, bits [19:16]: log2 of words in the smallest line. */
	return 4u << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

/* Invalidate [start, end) to PoC: drop stale lines before caches go on. */
static void dcache_inval_range(uintptr_t start, uintptr_t end)
{
	unsigned line = dcache_line();

	for (uintptr_t p = ALIGN_DOWN(start, line); p < end; p += line)
		__asm__ volatile("dc ivac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

void mmu_early_enable(uintptr_t base, uint64_t image_size, uintptr_t dtb)
{
	struct mmu *m = &mmu_state;
	uint64_t dtb_size = dtb_sane_size(dtb);
	uint64_t tcr;

	m->pa_bits = parange_bits();
	m->pool_next = (uintptr_t)__pgtables_start;
	m->pool_end = (uintptr_t)__pgtables_end;
	m->tables_total = (m->pool_end - m->pool_next) / PAGE_SIZE;
	m->root = table_alloc(m);

	/* Cannot fail: the pool is sized for this (linker/payload.ld). */
	mmu_map(m, base, ALIGN_UP(image_size, PAGE_SIZE), MMU_CODE);
	if (dtb_size) {
		uint64_t start = ALIGN_DOWN(dtb, PAGE_SIZE);
		uint64_t end = ALIGN_UP(dtb + dtb_size, PAGE_SIZE);

		m->dtb_mapped = mmu_map(m, start, end - start, MMU_RAM_RO) == 0;
		m->dtb_size = dtb_size;
	}

	write_sysreg(MAIR_EL1_VALUE, mair_el1);
	tcr = ((64ul - VA_BITS) << TCR_T0SZ_SHIFT) | TCR_IRGN0_WBWA |
	      TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 |
	      ((uint64_t)(read_sysreg(id_aa64mmfr0_el1) &
			  ID_AA64MMFR0_PARANGE_MASK) << TCR_IPS_SHIFT);
	write_sysreg(tcr, tcr_el1);
	write_sysreg((uintptr_t)m->root, ttbr0_el1);

	/*
	 * Everything in the image (relocated data, BSS, these tables) was
	 * written with the caches off; lines cached before kexec must not
	 * shadow it once the caches are on.
	 */
	dcache_inval_range(base, base + image_size);
	__asm__ volatile("ic iallu\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
	write_sysreg(SCTLR_EL1_RES1 | SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I |
		     SCTLR_EL1_SA, sctlr_el1);
	isb();
}
