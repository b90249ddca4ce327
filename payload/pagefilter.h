// SPDX-License-Identifier: MIT
/*
 * makedumpfile's dump levels (-d) on the dead kernel's struct pages: which
 * page frames are page cache, user data, free, hwpoisoned or offline, in
 * makedumpfile's order (makedumpfile.c __exclude_unnecessary_pages,
 * page_is_buddy_v3, is_cache_page, isHugetlb, isSlab, isOffline).  The
 * struct pages are found through SYMBOL(vmemmap), mem_section or the arm64
 * vmemmap layout, read in batches through payload/kvaddr.  Memory use is
 * fixed: no bitmap, no allocation.  Semantics, and where they differ from
 * makedumpfile: docs/filtering.md.
 */
#ifndef TINYDUMP_PAYLOAD_PAGEFILTER_H
#define TINYDUMP_PAYLOAD_PAGEFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/kvaddr.h"
#include "payload/stream.h"
#include "payload/vmcoreinfo.h"

/* Dump level bits (makedumpfile DL_EXCLUDE_*). */
#define PAGEFILTER_ZERO		 0x01 /* zero pages: by content, elsewhere */
#define PAGEFILTER_CACHE	 0x02 /* page cache without private data */
#define PAGEFILTER_CACHE_PRIVATE 0x04 /* page cache, with or without */
#define PAGEFILTER_USER		 0x08 /* anonymous and hugetlbfs pages */
#define PAGEFILTER_FREE		 0x10 /* buddy (and unaccepted) free pages */
#define PAGEFILTER_LEVEL_MAX	 0x1f

/* Bytes of struct pages read at once, and the largest struct page taken. */
#define PAGEFILTER_BUF_SIZE 32768u
#define PAGEFILTER_PAGE_MAX 256u

/*
 * struct pagefilter.missing: what VMCOREINFO does not allow; the pages
 * concerned are kept (dumped), never guessed away.
 * MEMMAP:     no way to find struct pages (or their layout): nothing is
 *             filtered.
 * CACHE:      no NUMBER(PG_lru)/NUMBER(PG_private): bits 2 and 4 off.
 * SWAPCACHE:  no NUMBER(PG_swapcache)/NUMBER(PG_swapbacked): swap cache
 *             pages are not page cache here.
 * SLAB:       neither NUMBER(PG_slab) nor PAGE_SLAB_MAPCOUNT_VALUE: the
 *             tests that must rule slab out (free, anon, offline) are off.
 * USER:       bit 8 off (no slab test or no mapping offset).
 * HUGETLB:    hugetlbfs pages not recognised: kept.
 * COMPOUND:   compound order unknown: a head decides for itself only.
 * TAIL:       no OFFSET(page.compound_head): tails decide for themselves.
 * FREE:       bit 16 off (no buddy marker, order or free_area length).
 * UNACCEPTED: PAGE_UNACCEPTED_MAPCOUNT_VALUE absent (no such pages).
 * HWPOISON:   NUMBER(PG_hwpoison) absent (CONFIG_MEMORY_FAILURE=n).
 * OFFLINE:    PAGE_OFFLINE_MAPCOUNT_VALUE unusable: offline pages kept.
 */
#define PAGEFILTER_M_MEMMAP	(1u << 0)
#define PAGEFILTER_M_CACHE	(1u << 1)
#define PAGEFILTER_M_SWAPCACHE	(1u << 2)
#define PAGEFILTER_M_SLAB	(1u << 3)
#define PAGEFILTER_M_USER	(1u << 4)
#define PAGEFILTER_M_HUGETLB	(1u << 5)
#define PAGEFILTER_M_COMPOUND	(1u << 6)
#define PAGEFILTER_M_TAIL	(1u << 7)
#define PAGEFILTER_M_FREE	(1u << 8)
#define PAGEFILTER_M_UNACCEPTED (1u << 9)
#define PAGEFILTER_M_HWPOISON	(1u << 10)
#define PAGEFILTER_M_OFFLINE	(1u << 11)
#define PAGEFILTER_M_COUNT	12u

/* Where struct pages are found. */
#define PAGEFILTER_MAP_NONE	0 /* not found: nothing filtered */
#define PAGEFILTER_MAP_VMEMMAP	1 /* page = vmemmap + pfn * SIZE(page) */
#define PAGEFILTER_MAP_SECTIONS 2 /* mem_section[], as makedumpfile */

/**
 * typedef pagefilter_read_fn - read physical memory of the dead kernel
 * @ctx: the caller's context
 * @pa:  physical address
 * @buf: destination
 * @len: bytes, at most PAGEFILTER_BUF_SIZE
 *
 * All or nothing: a range that cannot be read in full fails.
 * Return: 0, or a negative errno.
 */
typedef int (*pagefilter_read_fn)(void *ctx, uint64_t pa, void *buf,
				  size_t len);

/**
 * struct pagefilter_stats - what was decided, and what looked wrong
 * @examined:        struct pages read and classified
 * @kept:            PFNs kept (state 0)
 * @excluded:        PFNs excluded, by STREAM_EXCL_* reason
 * @no_memmap:       PFNs in a mem_section without a mem_map (kept)
 * @unreadable:      PFNs whose struct page could not be translated or read
 *                   (kept)
 * @bad_buddy_order: free-page heads with page.private >=
 *                   LENGTH(zone.free_area) (kept, as makedumpfile)
 * @bad_alignment:   free or unaccepted blocks not aligned to their size
 *                   (kept; makedumpfile would exclude from there)
 * @bad_compound:    compound heads with an order that is misaligned, too
 *                   large, or whose first tail does not point back (the
 *                   head then decides for itself only)
 * @contradictory:   pages flagged head and tail at once, or free and slab
 *                   (treated as makedumpfile does: tail, not free)
 */
struct pagefilter_stats {
	uint64_t examined;
	uint64_t kept;
	uint64_t excluded[STREAM_EXCL_REASONS];
	uint64_t no_memmap;
	uint64_t unreadable;
	uint64_t bad_buddy_order;
	uint64_t bad_alignment;
	uint64_t bad_compound;
	uint64_t contradictory;
};

/**
 * struct pagefilter - the filter; set up by pagefilter_init()
 * @kv:         address translation (shared with the caller)
 * @status:     0, or the pagefilter_init() error
 * @level:      the dump level asked for
 * @honoured:   its bits 2, 4, 8 and 16 that can be honoured
 * @scan:       struct pages are read at all: a level bit above, or
 *              NUMBER(PG_hwpoison) exported (makedumpfile's rule)
 * @missing:    PAGEFILTER_M_*
 * @map:        PAGEFILTER_MAP_*
 * @pending:    an exclusion running past the last batch: [@pend_start,
 *              @pend_end) with state @pend_state
 * @stats:      counters
 *
 * The rest is private: the layout learnt from VMCOREINFO, the cached
 * mem_section lookup, and the struct page buffer.
 */
struct pagefilter {
	struct kvaddr *kv;
	int status;
	unsigned int level;
	unsigned int honoured;
	bool scan;
	uint32_t missing;
	int map;
	struct pagefilter_stats stats;
	uint64_t pend_start;
	uint64_t pend_end;
	uint8_t pend_state;

	/* private: struct page layout */
	unsigned int page_shift;
	uint32_t sz_page;
	uint32_t off_flags, off_mapping, off_mapcount, off_private, off_head;
	bool has_mapcount, has_private, has_head;
	uint64_t head_mask;
	int order_mode;
	uint32_t off_order;
	int huge_mode;
	uint32_t off_dtor;
	uint64_t huge_dtor;
	unsigned int max_order;
	uint64_t free_area_len;
	/* private: flag masks (0: not exported) and _mapcount values */
	uint64_t f_lru, f_private, f_swapcache, f_swapbacked, f_slab;
	uint64_t f_hwpoison, f_buddy, f_hugetlb;
	bool has_v_buddy, has_v_slab, has_v_offline, has_v_hugetlb;
	bool has_v_unaccepted;
	uint32_t v_buddy, v_slab, v_offline, v_hugetlb, v_unaccepted;
	/* private: where struct pages are */
	uint64_t vmemmap;
	uint64_t ms_base;
	bool ms_extreme;
	uint64_t ms_size, ms_map_off, ms_per_root, ms_nr;
	unsigned int ms_pfn_shift;
	bool sec_valid;
	int sec_err;
	uint64_t sec_nr, sec_map;
	/* private: the batch buffer and the look-ahead page */
	uint64_t buf_pfn;
	uint32_t buf_count;
	uint8_t buf[PAGEFILTER_BUF_SIZE];
	uint8_t next[PAGEFILTER_PAGE_MAX];
};

/**
 * pagefilter_init() - learn the struct page layout and what can be done
 * @pf:    the filter
 * @vi:    the dead kernel's VMCOREINFO
 * @kv:    its address layout, from kvaddr_init(); stays in use
 * @level: makedumpfile dump level, 0..31 (bit 1, zero pages, is the
 *         content test done elsewhere and ignored here)
 *
 * Finds the struct pages (SYMBOL(vmemmap); else mem_section, reading its
 * roots through @kv; else NUMBER(VMEMMAP_START) and PHYS_OFFSET on 5.11+)
 * and every number each level bit needs.  A bit that cannot be honoured
 * is dropped from @pf->honoured with a reason in @pf->missing: its pages
 * are dumped.  pagefilter_classify() works after any return; after an
 * error it keeps every page.
 *
 * Return: 0; -ENODEV if struct pages cannot be found or read (nothing
 * will be filtered); -EINVAL if @pf or @vi is NULL, or @level > 31.
 */
int pagefilter_init(struct pagefilter *pf, const struct vmcoreinfo *vi,
		    struct kvaddr *kv, unsigned int level);

/**
 * pagefilter_struct_page_addr() - where the struct page of a PFN is
 * @pf:  from pagefilter_init()
 * @pfn: page frame number
 * @va:  receives the kernel virtual address of its struct page
 *
 * Return: 0; -ENODEV if the PFN has no struct page (no mem_map in its
 * section, or no way to find one); -EIO if a mem_section could not be
 * read; -EINVAL if @pf or @va is NULL or the PFN is out of range.
 */
int pagefilter_struct_page_addr(struct pagefilter *pf, uint64_t pfn,
				uint64_t *va);

/**
 * pagefilter_classify() - decide a batch of consecutive PFNs
 * @pf:        from pagefilter_init()
 * @first_pfn: first PFN of the batch
 * @n:         PFNs in it (any number; makedumpfile uses 512)
 * @state_out: receives per PFN 0 (keep) or STREAM_PAGE_EXCLUDED | reason
 *             (STREAM_EXCL_CACHE, _CACHE_PRIVATE, _USER, _FREE,
 *             _UNACCEPTED, _HWPOISON, _OFFLINE)
 * @read:      reads the struct pages (physical memory)
 * @ctx:       passed to @read
 *
 * Call with batches in increasing PFN order, skipping holes as you like:
 * an exclusion (a free block, a compound page) that runs past the end of
 * a batch is remembered and applied to the PFNs it covers in later
 * calls.  Pages whose struct page is missing, unreadable or implausible
 * are kept and counted in @pf->stats.
 *
 * Return: 0; -EINVAL if @pf is NULL, @state_out is NULL with @n > 0,
 * @read is NULL while struct pages must be read, or the batch wraps
 * around 2^64.
 */
int pagefilter_classify(struct pagefilter *pf, uint64_t first_pfn,
			unsigned int n, uint8_t *state_out,
			pagefilter_read_fn read, void *ctx);

/**
 * pagefilter_reset() - forget the pending exclusion and cached lookups
 * @pf: from pagefilter_init()
 *
 * For a new pass over the PFNs; the statistics stay.
 */
void pagefilter_reset(struct pagefilter *pf);

/**
 * pagefilter_missing_text() - a sentence for one PAGEFILTER_M_* bit
 * @bit: one PAGEFILTER_M_* value
 *
 * Return: static text; "unknown" for anything else.
 */
const char *pagefilter_missing_text(uint32_t bit);

#endif
