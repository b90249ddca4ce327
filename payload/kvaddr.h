// SPDX-License-Identifier: MIT
/*
 * Kernel virtual to physical addresses of the dead arm64 kernel, from its
 * VMCOREINFO alone: the linear map and the kernel image by arithmetic,
 * everything else (vmemmap, vmalloc, modules) by walking swapper_pg_dir.
 * Layout rules: arch/arm64/include/asm/memory.h and pgtable-hwdef.h, the
 * Arm ARM D8 (VMSAv8-64 translation) and makedumpfile's arch/arm64.c;
 * where ours differ and why: docs/filtering.md.
 */
#ifndef TINYDUMP_PAYLOAD_KVADDR_H
#define TINYDUMP_PAYLOAD_KVADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "payload/vmcoreinfo.h"

/* A kernel release as one number, e.g. KVADDR_VERSION(6, 1, 0). */
#define KVADDR_VERSION(a, b, c) (((uint32_t)(a) << 16) | ((b) << 8) | (c))

/* Translation levels of VMSAv8-64: 0..3 (no level -1: that is LPA2). */
#define KVADDR_LEVELS 4u

/**
 * typedef kvaddr_read64_fn - read one little-endian u64 of physical memory
 * @ctx: the caller's context
 * @pa:  physical address, 8-byte aligned
 * @val: receives the value
 *
 * The payload reads through a fault-safe probe, host tests from a memory
 * image.  Return: 0, or a negative errno if @pa cannot be read.
 */
typedef int (*kvaddr_read64_fn)(void *ctx, uint64_t pa, uint64_t *val);

/**
 * struct kvaddr_stats - what translations cost
 * @linear:     answered by the linear-map arithmetic
 * @kimage:     answered by the kernel-image arithmetic
 * @leaf_hits:  answered by the cached last leaf (page or block)
 * @walks:      page-table walks started
 * @table_hits: walks that started below the top level (cached table)
 * @reads:      descriptors read
 * @faults:     walks that ended on an invalid or malformed descriptor
 */
struct kvaddr_stats {
	uint64_t linear;
	uint64_t kimage;
	uint64_t leaf_hits;
	uint64_t walks;
	uint64_t table_hits;
	uint64_t reads;
	uint64_t faults;
};

/**
 * struct kvaddr - the dead kernel's address layout; set up by kvaddr_init()
 * @status:         0 if the layout is known, else the kvaddr_init() error
 * @why:            a sentence on what is missing or unsupported (static
 *                  text), or NULL; set even when @status is 0 but page-table
 *                  walks are impossible
 * @kernel_version: OSRELEASE as KVADDR_VERSION(), 0 if unknown
 * @page_shift:     log2(PAGESIZE): 12, 14 or 16
 * @va_bits:        NUMBER(VA_BITS), the kernel's configured VA size
 * @vabits_actual:  the VA size in use (64 - NUMBER(TCR_EL1_T1SZ))
 * @flipped:        the 5.4+ layout: linear map in the lower half
 * @lpa:            64K pages with 52-bit PAs: PA[51:48] in desc[15:12]
 * @lm_start:       first address of the linear region
 * @lm_size:        its size in bytes
 * @lm_base:        the VA that maps to @phys_offset (PAGE_OFFSET)
 * @phys_offset:    NUMBER(PHYS_OFFSET), a 64-bit pattern
 * @has_kimage:     NUMBER(kimage_voffset) is known
 * @kimage_voffset: kernel image VA - PA
 * @kimage_start:   kernel-image fast path: [@kimage_start, @kimage_end)
 * @kimage_end:     (empty when @has_kimage is false)
 * @can_walk:       swapper_pg_dir's PA is known
 * @pgd_pa:         swapper_pg_dir's PA
 * @start_level:    level of swapper_pg_dir's table (0..2)
 * @top_bits:       index bits of the top-level table
 * @read64:         the reader given to kvaddr_init()
 * @ctx:            its context
 * @tc:             per level, the last table seen: VA tag, its PA
 * @leaf:           the last leaf mapping: VA, PA, size - 1
 * @stats:          counters
 */
struct kvaddr {
	int status;
	const char *why;
	uint32_t kernel_version;
	unsigned int page_shift;
	unsigned int va_bits;
	unsigned int vabits_actual;
	bool flipped;
	bool lpa;
	uint64_t lm_start;
	uint64_t lm_size;
	uint64_t lm_base;
	uint64_t phys_offset;
	bool has_kimage;
	uint64_t kimage_voffset;
	uint64_t kimage_start;
	uint64_t kimage_end;
	bool can_walk;
	uint64_t pgd_pa;
	unsigned int start_level;
	unsigned int top_bits;
	kvaddr_read64_fn read64;
	void *ctx;
	struct {
		bool valid;
		uint64_t tag;
		uint64_t table;
	} tc[KVADDR_LEVELS];
	struct {
		bool valid;
		uint64_t va;
		uint64_t pa;
		uint64_t mask;
	} leaf;
	struct kvaddr_stats stats;
};

/**
 * kvaddr_kernel_version() - OSRELEASE as a number
 * @vi:  the VMCOREINFO table
 * @ver: receives KVADDR_VERSION(major, minor, patch); patch is capped at 255
 *
 * Return: 0; -ENODEV if OSRELEASE is absent; -EINVAL if it does not start
 * with "major.minor" or an argument is NULL.
 */
int kvaddr_kernel_version(const struct vmcoreinfo *vi, uint32_t *ver);

/**
 * kvaddr_init() - learn the dead kernel's address layout
 * @kv:     the state to fill
 * @vi:     its VMCOREINFO: PAGESIZE, NUMBER(VA_BITS), NUMBER(PHYS_OFFSET),
 *          and when present NUMBER(TCR_EL1_T1SZ), SYMBOL(_stext),
 *          NUMBER(kimage_voffset), SYMBOL(swapper_pg_dir),
 *          NUMBER(MAX_PHYSMEM_BITS), SYMBOL(mem_section), OSRELEASE
 * @read64: reads page-table descriptors (physical addresses)
 * @ctx:    passed to @read64
 *
 * Linear-map addresses translate as the kernel's __lm_to_phys():
 * (va - PAGE_OFFSET) + PHYS_OFFSET in 64-bit wrap-around arithmetic, which
 * holds for KASLR's "negative" PHYS_OFFSET too.  Kernel-image addresses
 * from SYMBOL(_stext) up to the end of swapper_pg_dir's page (both lie in
 * [_text, _end), the kernel's own kimage range, which VMCOREINFO does not
 * give) translate as va - kimage_voffset.  Everything else is walked.
 *
 * Return: 0 if the layout is known (@kv->can_walk tells whether walks work,
 * @kv->why why not); -ENODEV if a required key is missing; -ENOTSUP for a
 * page size / VA size combination not supported, notably FEAT_LPA2 (4K or
 * 16K pages with 52-bit VAs or PAs); -EINVAL if the values contradict each
 * other or an argument is NULL.  The same code is kept in @kv->status.
 */
int kvaddr_init(struct kvaddr *kv, const struct vmcoreinfo *vi,
		kvaddr_read64_fn read64, void *ctx);

/**
 * kvaddr_to_phys_span() - translate, and say how far the mapping goes on
 * @kv:   from kvaddr_init()
 * @va:   kernel virtual address
 * @pa:   receives the physical address
 * @span: if not NULL, receives the bytes from @va to the end of the page or
 *        block that maps it (for the linear map and kernel image: to the
 *        end of that region), so [@pa, @pa + *@span) is contiguous; on
 *        -EFAULT, -EIO or a malformed descriptor, the bytes from @va to the
 *        end of the failing entry's range, all of which fail alike (0 for
 *        other errors)
 *
 * A walk reads at most one descriptor per level (never more than four), so
 * a table that points at itself ends the walk, it does not loop.  The last
 * table of each level and the last leaf are cached: translating the next
 * struct page of a vmemmap costs no read, or one.
 *
 * Return: 0; -EFAULT if @va is not mapped (an invalid descriptor); -EINVAL
 * if @va is outside the kernel's half of the address space, or a
 * descriptor is malformed (a block where the granule allows none, a
 * reserved encoding at level 3); -EIO if @read64 failed; -ENODEV if walks
 * are impossible (@kv->why); or @kv->status if kvaddr_init() failed.
 */
int kvaddr_to_phys_span(struct kvaddr *kv, uint64_t va, uint64_t *pa,
			uint64_t *span);

/**
 * kvaddr_to_phys() - translate a kernel virtual address
 * @kv: from kvaddr_init()
 * @va: kernel virtual address
 * @pa: receives the physical address
 *
 * Return: as kvaddr_to_phys_span().
 */
int kvaddr_to_phys(struct kvaddr *kv, uint64_t va, uint64_t *pa);

/**
 * kvaddr_read64() - read a u64 of the dead kernel at a virtual address
 * @kv:  from kvaddr_init()
 * @va:  kernel virtual address, 8-byte aligned
 * @val: receives the value
 *
 * Return: as kvaddr_to_phys_span(); -EINVAL if @va is not aligned; -EIO if
 * the read failed.
 */
int kvaddr_read64(struct kvaddr *kv, uint64_t va, uint64_t *val);

/**
 * kvaddr_flush() - forget the cached tables and leaf
 * @kv: from kvaddr_init()
 *
 * Only needed if the memory behind @read64 changes (tests do that).
 */
void kvaddr_flush(struct kvaddr *kv);

#endif
