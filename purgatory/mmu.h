/* SPDX-License-Identifier: MIT */
/*
 * The payload's identity map (VA == PA), 4 KiB granule, 48-bit VA, four
 * levels (Arm ARM D8 "The AArch64 Virtual Memory System Architecture").
 */
#ifndef TINYDUMP_PURGATORY_MMU_H
#define TINYDUMP_PURGATORY_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mmu_kind {
	MMU_CODE,	/* the payload image: normal WB, read/write/execute */
	MMU_RAM_RW,	/* our reservation: normal WB, read/write, no execute */
	MMU_RAM_RO,	/* the dead kernel's RAM: normal WB, read-only, no exec */
	MMU_DEVICE,	/* registers: Device-nGnRE, read/write, no execute */
};

struct mmu {
	uint64_t *root;		/* level 0 table */
	uintptr_t pool_next;	/* next free table page */
	uintptr_t pool_end;
	unsigned pa_bits;	/* from ID_AA64MMFR0_EL1.PARange, at most 48 */
	unsigned tables_used;
	unsigned tables_total;
	bool dtb_mapped;	/* the DTB looked sane and is mapped */
	uint64_t dtb_size;
};

/**
 * mmu_early_enable() - build the first identity map (the image, and the
 * DTB when its header looks sane) and turn on MMU, D- and I-caches.
 * Called by head.S with the MMU off; runs before any library code.
 */
void mmu_early_enable(uintptr_t base, uint64_t image_size, uintptr_t dtb);

/** mmu_get() - the one translation regime's state. */
struct mmu *mmu_get(void);

/**
 * mmu_map() - identity-map [pa, pa + size) with @kind attributes, using
 * 1 GiB and 2 MiB blocks where the range allows.  Pages already mapped
 * keep their first mapping (map the most specific ranges first).
 * Return: 0, -EINVAL for a range beyond the PA size or not page-aligned,
 * -ENOMEM when the table pool (linker/payload.ld PGTABLE_PAGES) is spent.
 */
int mmu_map(struct mmu *m, uint64_t pa, uint64_t size, enum mmu_kind kind);

/** mmu_is_mapped() - whether every page of [pa, pa + size) is mapped. */
bool mmu_is_mapped(uint64_t pa, uint64_t size);

#endif
