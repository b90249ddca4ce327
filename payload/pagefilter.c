// SPDX-License-Identifier: MIT
/*
 * makedumpfile's dump levels on the dead kernel's struct pages.  The order
 * of the tests and their conditions follow makedumpfile.c
 * (__exclude_unnecessary_pages at b7587f1, with 72c3414's whole-value
 * page-type compares); the struct page layout comes from VMCOREINFO
 * (kernel/vmcore_info.c).  Struct pages are untrusted input: anything
 * implausible keeps the page and is counted.  docs/filtering.md.
 */
#include "payload/pagefilter.h"

#include <errno.h>
#include <string.h>

/* SECTION_MARKED_PRESENT and SECTION_MAP_MASK (include/linux/mmzone.h;
 * makedumpfile masks the low 5 bits for every kernel). */
#define PF_SECTION_PRESENT  0x1ull
#define PF_SECTION_MAP_MASK (~0x1full)
/* PAGE_MAPPING_ANON: bit 0 of page->mapping. */
#define PF_MAPPING_ANON 0x1ull
/* A tail page's compound_head has bit 0 set. */
#define PF_TAIL_BIT 0x1ull
/* Compound order in the low byte of folio._flags_1 (6.6+). */
#define PF_FLAGS1_ORDER 0xffull
/* The largest compound page believed: 4 TiB, arm64's largest hugetlb size
 * (a PUD block with 64K pages). */
#define PF_MAX_COMPOUND_SHIFT 42u
/* Reads allowed while looking for the first present mem_section. */
#define PF_SECTION_SCAN_READS 65536u

enum { PF_ORDER_NONE, PF_ORDER_FLAGS1, PF_ORDER_FIELD };
enum { PF_HUGE_NONE, PF_HUGE_MAPCOUNT, PF_HUGE_PGFLAG, PF_HUGE_DTOR };

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

const char *pagefilter_missing_text(uint32_t bit)
{
	switch (bit) {
	case PAGEFILTER_M_MEMMAP:
		return "struct pages cannot be found or their layout is "
		       "unknown: nothing is filtered";
	case PAGEFILTER_M_CACHE:
		return "no NUMBER(PG_lru)/NUMBER(PG_private): page cache kept";
	case PAGEFILTER_M_SWAPCACHE:
		return "no NUMBER(PG_swapcache)/NUMBER(PG_swapbacked): swap "
		       "cache kept";
	case PAGEFILTER_M_SLAB:
		return "no NUMBER(PG_slab) nor PAGE_SLAB_MAPCOUNT_VALUE: slab "
		       "pages cannot be ruled out";
	case PAGEFILTER_M_USER:
		return "user data cannot be told from slab: user pages kept";
	case PAGEFILTER_M_HUGETLB:
		return "hugetlb pages not recognisable: kept";
	case PAGEFILTER_M_COMPOUND:
		return "compound order unknown: compound pages decided per "
		       "page";
	case PAGEFILTER_M_TAIL:
		return "no OFFSET(page.compound_head): tail pages decided on "
		       "their own";
	case PAGEFILTER_M_FREE:
		return "no buddy marker, page.private or "
		       "LENGTH(zone.free_area): "
		       "free pages kept";
	case PAGEFILTER_M_UNACCEPTED:
		return "no PAGE_UNACCEPTED_MAPCOUNT_VALUE (no unaccepted "
		       "memory)";
	case PAGEFILTER_M_HWPOISON:
		return "no NUMBER(PG_hwpoison) (CONFIG_MEMORY_FAILURE=n)";
	case PAGEFILTER_M_OFFLINE:
		return "no usable PAGE_OFFLINE_MAPCOUNT_VALUE: offline pages "
		       "kept";
	default:
		return "unknown";
	}
}

/* NUMBER(@name) as a bit of page->flags: 0 if absent or not a bit. */
static uint64_t pf_flag(const struct vmcoreinfo *vi, const char *name)
{
	int64_t v;

	if (vmcoreinfo_number(vi, name, &v) || v < 0 || v > 63)
		return 0;
	return 1ull << v;
}

/* NUMBER(@name) as a 32-bit _mapcount/page_type value: makedumpfile
 * compares _mapcount with (int)NUMBER(), i.e. the low 32 bits. */
static bool pf_mapcount_value(const struct vmcoreinfo *vi, const char *name,
			      uint32_t *out)
{
	int64_t v;

	if (vmcoreinfo_number(vi, name, &v) || v < INT32_MIN ||
	    v > (int64_t)UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* OFFSET(page.@field), if a field of @width bytes fits in a struct page. */
static bool pf_page_offset(const struct pagefilter *pf,
			   const struct vmcoreinfo *vi, const char *field,
			   uint32_t width, uint32_t *out)
{
	uint64_t off;

	if (vmcoreinfo_offset(vi, "page", field, &off) ||
	    off + width > pf->sz_page)
		return false;
	*out = (uint32_t)off;
	return true;
}

/* Offset of a folio field inside the first tail page (folio - page). */
static bool pf_folio_offset(const struct pagefilter *pf,
			    const struct vmcoreinfo *vi, const char *field,
			    uint32_t *out)
{
	uint64_t off;

	if (vmcoreinfo_offset(vi, "folio", field, &off) || off < pf->sz_page ||
	    off - pf->sz_page + 1 > pf->sz_page)
		return false;
	*out = (uint32_t)(off - pf->sz_page);
	return true;
}

static bool pf_is_kvaddr(const struct pagefilter *pf, uint64_t va)
{
	unsigned int b = pf->kv->vabits_actual;

	return (va >> b) == (UINT64_MAX >> b);
}

/* --- where struct pages are ------------------------------------------- */

/* The mem_section that describes section @nr: its address. */
static int pf_section_addr(struct pagefilter *pf, uint64_t base, uint64_t nr,
			   uint64_t *addr)
{
	uint64_t root;
	int r;

	if (!pf->ms_extreme) {
		*addr = base + nr * pf->ms_size;
		return 0;
	}
	r = kvaddr_read64(pf->kv, base + (nr / pf->ms_per_root) * 8, &root);
	if (r)
		return -EIO;
	if (!root)
		return -ENODEV;
	*addr = root + (nr % pf->ms_per_root) * pf->ms_size;
	return 0;
}

/* section_mem_map of section @nr: 0 and the coded mem_map if present. */
static int pf_section_map(struct pagefilter *pf, uint64_t base, uint64_t nr,
			  uint64_t *coded)
{
	uint64_t addr, map;
	int r;

	r = pf_section_addr(pf, base, nr, &addr);
	if (r)
		return r;
	if (kvaddr_read64(pf->kv, addr + pf->ms_map_off, &map))
		return -EIO;
	if (!(map & PF_SECTION_PRESENT))
		return -ENODEV;
	*coded = map & PF_SECTION_MAP_MASK;
	return 0;
}

/*
 * Does @base hold the section roots?  makedumpfile's validate_mem_section()
 * checks every section below max_mapnr; we check the first present one:
 * its mem_map must be a kernel address.  Bounded by PF_SECTION_SCAN_READS.
 */
static bool pf_sections_valid(struct pagefilter *pf, uint64_t base)
{
	uint64_t nr = 0, coded, root, va;
	unsigned int reads = 0;
	int r;

	while (nr < pf->ms_nr && reads < PF_SECTION_SCAN_READS) {
		if (pf->ms_extreme && nr % pf->ms_per_root == 0) {
			reads++;
			if (kvaddr_read64(pf->kv,
					  base + (nr / pf->ms_per_root) * 8,
					  &root))
				return false;
			if (!root) {
				nr += pf->ms_per_root;
				continue;
			}
		}
		reads += 1 + pf->ms_extreme;
		r = pf_section_map(pf, base, nr, &coded);
		if (r == -EIO)
			return false;
		if (!r) {
			va = coded + (nr << pf->ms_pfn_shift) * pf->sz_page;
			return pf_is_kvaddr(pf, va);
		}
		nr++;
	}
	return false;
}

static bool pf_setup_sections(struct pagefilter *pf,
			      const struct vmcoreinfo *vi)
{
	uint64_t sym, size, off, len, page = 1ull << pf->page_shift, ptr;
	int64_t ssb, mpb;

	if (vmcoreinfo_symbol(vi, "mem_section", &sym) ||
	    vmcoreinfo_size(vi, "mem_section", &size) ||
	    vmcoreinfo_offset(vi, "mem_section", "section_mem_map", &off) ||
	    vmcoreinfo_number(vi, "SECTION_SIZE_BITS", &ssb))
		return false;
	if (vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &mpb))
		mpb = 48; /* makedumpfile's guess for arm64 */
	/* The kernel needs a power-of-two mem_section (SECTION_ROOT_MASK). */
	if (size < 8 || size > page || (size & (size - 1)) || off + 8 > size ||
	    ssb <= pf->page_shift || ssb > mpb || mpb > 52)
		return false;
	pf->ms_size = size;
	pf->ms_map_off = off;
	pf->ms_pfn_shift = (unsigned int)ssb - pf->page_shift;
	pf->ms_nr = 1ull << (mpb - ssb);
	pf->ms_per_root = page / size;
	/* makedumpfile's is_sparsemem_extreme(). */
	pf->ms_extreme =
	    vmcoreinfo_length(vi, "mem_section", &len) ||
	    len == (pf->ms_nr + pf->ms_per_root - 1) / pf->ms_per_root;
	/* VMCOREINFO gives the roots' address (4.15+); older kernels gave
	 * the address of the pointer to them. */
	if (pf_sections_valid(pf, sym)) {
		pf->ms_base = sym;
		return true;
	}
	if (pf->ms_extreme && !kvaddr_read64(pf->kv, sym, &ptr) &&
	    pf_sections_valid(pf, ptr)) {
		pf->ms_base = ptr;
		return true;
	}
	return false;
}

/* 5.11+ arm64: vmemmap = (struct page *)VMEMMAP_START -
 * (memstart_addr >> PAGE_SHIFT), memstart_addr signed (KASLR makes it
 * negative), memstart_addr = PHYS_OFFSET. */
static bool pf_setup_derived(struct pagefilter *pf, const struct vmcoreinfo *vi)
{
	struct kvaddr *kv = pf->kv;
	uint64_t pfn_off;
	int64_t start;

	if (!kv->flipped || kv->kernel_version < KVADDR_VERSION(5, 11, 0) ||
	    vmcoreinfo_number(vi, "VMEMMAP_START", &start))
		return false;
	pfn_off = kv->phys_offset >> kv->page_shift;
	if (kv->phys_offset >> 63)
		pfn_off |= ~(UINT64_MAX >> kv->page_shift);
	pf->vmemmap = (uint64_t)start - pfn_off * pf->sz_page;
	return true;
}

/* The struct page of @pfn: 0, its VA, and how many PFNs from @pfn on have
 * contiguous struct pages (or share the error). */
static int pf_struct_va(struct pagefilter *pf, uint64_t pfn, uint64_t *va,
			uint64_t *contig)
{
	uint64_t nr, end;
	int r;

	if (pf->map == PAGEFILTER_MAP_VMEMMAP) {
		*va = pf->vmemmap + pfn * pf->sz_page;
		*contig = UINT64_MAX - pfn;
		return 0;
	}
	if (pf->map != PAGEFILTER_MAP_SECTIONS) {
		*contig = UINT64_MAX - pfn;
		return -ENODEV;
	}
	nr = pfn >> pf->ms_pfn_shift;
	if (nr >= pf->ms_nr) {
		*contig = UINT64_MAX - pfn;
		return -ENODEV;
	}
	end = (nr + 1) << pf->ms_pfn_shift;
	*contig = end - pfn;
	if (!pf->sec_valid || pf->sec_nr != nr) {
		pf->sec_valid = true;
		pf->sec_nr = nr;
		pf->sec_err = pf_section_map(pf, pf->ms_base, nr, &pf->sec_map);
	}
	r = pf->sec_err;
	if (r)
		return r;
	*va = pf->sec_map + pfn * pf->sz_page;
	return 0;
}

int pagefilter_struct_page_addr(struct pagefilter *pf, uint64_t pfn,
				uint64_t *va)
{
	uint64_t contig;

	if (!pf || !va || pfn > (UINT64_MAX >> 12))
		return -EINVAL;
	return pf_struct_va(pf, pfn, va, &contig);
}

/*
 * Read @count struct pages at @va into @dst; returns how many arrived.
 * When none did, *@bad receives how many from the first one are known to
 * fail too: those starting in a range kvaddr could not translate (the
 * reader's failures say nothing about neighbours, whatever its
 * granularity: 1).
 */
static uint32_t pf_read_structs(struct pagefilter *pf, uint64_t va,
				uint32_t count, uint8_t *dst,
				pagefilter_read_fn read, void *ctx,
				uint64_t *bad)
{
	uint64_t bytes = (uint64_t)count * pf->sz_page, off = 0, pa, span;
	uint64_t chunk, piece, base;

	*bad = 1;
	while (off < bytes) {
		if (kvaddr_to_phys_span(pf->kv, va + off, &pa, &span)) {
			if (!off && span > pf->sz_page)
				*bad = (span + pf->sz_page - 1) / pf->sz_page;
			break;
		}
		chunk = bytes - off < span ? bytes - off : span;
		if (!read(ctx, pa, dst + off, (size_t)chunk)) {
			off += chunk;
			continue;
		}
		/* All or nothing: go on a struct page at a time, so one bad
		 * spot spares the struct pages before it. */
		for (base = off; off < base + chunk; off += piece) {
			piece = pf->sz_page - off % pf->sz_page;
			if (piece > base + chunk - off)
				piece = base + chunk - off;
			if (read(ctx, pa + (off - base), dst + off,
				 (size_t)piece))
				return (uint32_t)(off / pf->sz_page);
		}
	}
	return (uint32_t)(off / pf->sz_page);
}

/* The struct page of @pfn + 1 (a head's first tail), or NULL. */
static const uint8_t *pf_next_page(struct pagefilter *pf, uint64_t pfn,
				   pagefilter_read_fn read, void *ctx)
{
	uint64_t va, contig, bad;

	if (pfn - pf->buf_pfn < pf->buf_count)
		return pf->buf + (pfn - pf->buf_pfn) * pf->sz_page;
	if (pf_struct_va(pf, pfn, &va, &contig) ||
	    pf_read_structs(pf, va, 1, pf->next, read, ctx, &bad) != 1)
		return NULL;
	return pf->next;
}

/* --- the decision ---------------------------------------------------- */

static bool pf_is_slab(const struct pagefilter *pf, uint64_t flags,
		       uint32_t mapcount)
{
	if (pf->has_v_slab && pf->has_mapcount && mapcount == pf->v_slab)
		return true;
	return pf->f_slab && (flags & pf->f_slab);
}

/* is_cache_page(): on the LRU, or in the swap cache (PG_swapcache only
 * means that with PG_swapbacked, since 4.10). */
static bool pf_is_cache(const struct pagefilter *pf, uint64_t flags)
{
	if (flags & pf->f_lru)
		return true;
	return pf->f_swapcache && pf->f_swapbacked &&
	       (flags & pf->f_swapbacked) && (flags & pf->f_swapcache);
}

/* Order and hugetlb-ness of a compound head, from its first tail. */
static unsigned int pf_compound(struct pagefilter *pf, uint64_t pfn,
				uint32_t mapcount, bool *huge,
				pagefilter_read_fn read, void *ctx)
{
	const uint8_t *next;
	uint64_t order = 0, flags1, head_va, contig;

	*huge = pf->huge_mode == PF_HUGE_MAPCOUNT && mapcount == pf->v_hugetlb;
	if (pf->order_mode == PF_ORDER_NONE &&
	    pf->huge_mode <= PF_HUGE_MAPCOUNT)
		return 0;
	if (pfn == UINT64_MAX)
		return 0;
	next = pf_next_page(pf, pfn + 1, read, ctx);
	if (!next)
		return 0;
	flags1 = ld64(next + pf->off_flags);
	if (pf->order_mode == PF_ORDER_FLAGS1)
		order = flags1 & PF_FLAGS1_ORDER;
	else if (pf->order_mode == PF_ORDER_FIELD)
		order = next[pf->off_order];
	if (pf->huge_mode == PF_HUGE_PGFLAG)
		*huge = flags1 & pf->f_hugetlb;
	else if (pf->huge_mode == PF_HUGE_DTOR)
		*huge = next[pf->off_dtor] == pf->huge_dtor;
	if (!order)
		return 0;
	/* makedumpfile drops orders >= 64 and misaligned heads; so do we,
	 * and orders beyond any arm64 page size, and heads their first tail
	 * does not point back at. */
	if (order > pf->max_order || (pfn & ((1ull << order) - 1))) {
		pf->stats.bad_compound++;
		return 0;
	}
	if (pf->has_head &&
	    (pf_struct_va(pf, pfn, &head_va, &contig) ||
	     ld64(next + pf->off_head) != (head_va | PF_TAIL_BIT))) {
		pf->stats.bad_compound++;
		return 0;
	}
	return (unsigned int)order;
}

/* Decide @pfn from its struct page @pg: the state, and how many PFNs from
 * @pfn it covers (*nr). */
static uint8_t pf_decide(struct pagefilter *pf, uint64_t pfn, const uint8_t *pg,
			 uint64_t *nr, pagefilter_read_fn read, void *ctx)
{
	uint64_t flags = ld64(pg + pf->off_flags);
	uint64_t mapping = ld64(pg + pf->off_mapping);
	uint32_t mapcount = pf->has_mapcount ? ld32(pg + pf->off_mapcount) : 0;
	uint64_t private = pf->has_private ? ld64(pg + pf->off_private) : 0;
	uint64_t chead = pf->has_head ? ld64(pg + pf->off_head) : 0;
	unsigned int order = 0, h = pf->honoured, o;
	bool head = pf->head_mask && (flags & pf->head_mask);
	bool huge = false, slab, anon, buddy;
	uint8_t reason;

	*nr = 1;
	if (head)
		order = pf_compound(pf, pfn, mapcount, &huge, read, ctx);
	/* Tails were excluded with their head, or stay. */
	if (chead & PF_TAIL_BIT) {
		if (head)
			pf->stats.contradictory++;
		return 0;
	}
	slab = pf_is_slab(pf, flags, mapcount);
	anon = (mapping & PF_MAPPING_ANON) && !slab;
	if (pf->f_buddy)
		buddy = flags & pf->f_buddy; /* page_is_buddy_v2 */
	else
		buddy = pf->has_v_buddy && mapcount == pf->v_buddy;
	if (buddy && !pf->f_buddy && slab) {
		pf->stats.contradictory++;
		buddy = false;
	}

	if ((h & PAGEFILTER_FREE) && buddy) {
		if (private >= pf->free_area_len) {
			pf->stats.bad_buddy_order++;
			return 0;
		}
		if (pfn & ((1ull << private) - 1)) {
			pf->stats.bad_alignment++;
			return 0;
		}
		*nr = 1ull << private;
		reason = STREAM_EXCL_FREE;
	} else if ((h & PAGEFILTER_FREE) && pf->has_v_unaccepted &&
		   mapcount == pf->v_unaccepted) {
		/* Unaccepted blocks are MAX_PAGE_ORDER (the last free_area). */
		o = (unsigned int)pf->free_area_len - 1;
		if (pfn & ((1ull << o) - 1)) {
			pf->stats.bad_alignment++;
			return 0;
		}
		*nr = 1ull << o;
		reason = STREAM_EXCL_UNACCEPTED;
	} else if ((h & PAGEFILTER_CACHE) && pf_is_cache(pf, flags) &&
		   !(flags & pf->f_private) && !anon) {
		*nr = 1ull << order;
		reason = STREAM_EXCL_CACHE;
	} else if ((h & PAGEFILTER_CACHE_PRIVATE) && pf_is_cache(pf, flags) &&
		   !anon) {
		*nr = 1ull << order;
		reason = (flags & pf->f_private) ? STREAM_EXCL_CACHE_PRIVATE
						 : STREAM_EXCL_CACHE;
	} else if ((h & PAGEFILTER_USER) && (anon || huge)) {
		*nr = 1ull << order;
		reason = STREAM_EXCL_USER;
	} else if (flags & pf->f_hwpoison) {
		*nr = 1ull << order;
		reason = STREAM_EXCL_HWPOISON;
	} else if (pf->has_v_offline && !slab && mapcount == pf->v_offline) {
		*nr = 1ull << order;
		reason = STREAM_EXCL_OFFLINE;
	} else {
		return 0;
	}
	/* A range running past 2^64 PFNs is nonsense: keep. */
	if (pfn + *nr < pfn) {
		*nr = 1;
		pf->stats.bad_alignment++;
		return 0;
	}
	return STREAM_PAGE_EXCLUDED | reason;
}

/* --- setup ------------------------------------------------------------- */

static void pf_setup_compound(struct pagefilter *pf,
			      const struct vmcoreinfo *vi)
{
	int64_t dtor;

	pf->max_order = PF_MAX_COMPOUND_SHIFT - pf->page_shift;
	/* makedumpfile init_compound_offset() and the 6.6+/6.9+ variants;
	 * fields are read as one byte (u16 before 4.16: the low byte, this
	 * being little-endian). */
	if (pf->has_mapcount &&
	    pf_mapcount_value(vi, "PAGE_HUGETLB_MAPCOUNT_VALUE",
			      &pf->v_hugetlb)) {
		pf->order_mode = PF_ORDER_FLAGS1;
		pf->huge_mode = PF_HUGE_MAPCOUNT;
	} else if (pf_flag(vi, "PG_hugetlb")) {
		pf->f_hugetlb = pf_flag(vi, "PG_hugetlb");
		pf->order_mode = PF_ORDER_FLAGS1;
		pf->huge_mode = PF_HUGE_PGFLAG;
	} else {
		if ((pf_folio_offset(pf, vi, "_folio_order", &pf->off_order) ||
		     pf_page_offset(pf, vi, "compound_order", 1,
				    &pf->off_order)) &&
		    pf->off_order)
			pf->order_mode = PF_ORDER_FIELD;
		if ((pf_folio_offset(pf, vi, "_folio_dtor", &pf->off_dtor) ||
		     pf_page_offset(pf, vi, "compound_dtor", 1,
				    &pf->off_dtor)) &&
		    pf->off_dtor &&
		    !vmcoreinfo_number(vi, "HUGETLB_PAGE_DTOR", &dtor) &&
		    dtor >= 0 && dtor <= 255) {
			pf->huge_mode = PF_HUGE_DTOR;
			pf->huge_dtor = (uint64_t)dtor;
		}
	}
	if (!pf->head_mask)
		pf->order_mode = PF_ORDER_NONE;
	if (pf->order_mode == PF_ORDER_NONE)
		pf->missing |= PAGEFILTER_M_COMPOUND;
	if (pf->huge_mode == PF_HUGE_NONE || !pf->head_mask)
		pf->missing |= PAGEFILTER_M_HUGETLB;
	if (!pf->has_head)
		pf->missing |= PAGEFILTER_M_TAIL;
}

static void pf_setup_levels(struct pagefilter *pf, const struct vmcoreinfo *vi)
{
	bool slab_ok;
	int64_t mask;

	pf->f_lru = pf_flag(vi, "PG_lru");
	pf->f_private = pf_flag(vi, "PG_private");
	pf->f_swapcache = pf_flag(vi, "PG_swapcache");
	pf->f_swapbacked = pf_flag(vi, "PG_swapbacked");
	pf->f_slab = pf_flag(vi, "PG_slab");
	pf->f_hwpoison = pf_flag(vi, "PG_hwpoison");
	pf->f_buddy = pf_flag(vi, "PG_buddy");
	if (!vmcoreinfo_number(vi, "PG_head_mask", &mask))
		pf->head_mask = (uint64_t)mask;
	pf->has_v_buddy =
	    pf->has_mapcount &&
	    pf_mapcount_value(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &pf->v_buddy);
	pf->has_v_slab =
	    pf->has_mapcount &&
	    pf_mapcount_value(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &pf->v_slab);
	pf->has_v_offline = pf->has_mapcount &&
			    pf_mapcount_value(vi, "PAGE_OFFLINE_MAPCOUNT_VALUE",
					      &pf->v_offline);
	pf->has_v_unaccepted =
	    pf->has_mapcount &&
	    pf_mapcount_value(vi, "PAGE_UNACCEPTED_MAPCOUNT_VALUE",
			      &pf->v_unaccepted);
	if (vmcoreinfo_length(vi, "zone.free_area", &pf->free_area_len) ||
	    pf->free_area_len < 1 || pf->free_area_len > 32)
		pf->free_area_len = 0;
	pf_setup_compound(pf, vi);

	slab_ok = pf->f_slab || pf->has_v_slab;
	if (!slab_ok)
		pf->missing |= PAGEFILTER_M_SLAB;
	pf->honoured =
	    pf->level & (PAGEFILTER_CACHE | PAGEFILTER_CACHE_PRIVATE |
			 PAGEFILTER_USER | PAGEFILTER_FREE);
	if (!pf->f_lru || !pf->f_private) {
		pf->f_lru = pf->f_private = 0;
		pf->missing |= PAGEFILTER_M_CACHE;
		pf->honoured &= ~(PAGEFILTER_CACHE | PAGEFILTER_CACHE_PRIVATE);
	}
	if (!pf->f_swapcache || !pf->f_swapbacked)
		pf->missing |= PAGEFILTER_M_SWAPCACHE;
	if (!slab_ok) {
		pf->missing |= PAGEFILTER_M_USER;
		pf->honoured &= ~PAGEFILTER_USER;
	}
	/* Free pages: page_is_buddy_v3 (the _mapcount marker, slab ruled
	 * out), or v2 (PG_buddy) on kernels before 2.6.38. */
	if (!pf->has_private || !pf->free_area_len ||
	    (!pf->f_buddy && !(pf->has_v_buddy && slab_ok))) {
		pf->missing |= PAGEFILTER_M_FREE;
		pf->honoured &= ~PAGEFILTER_FREE;
	}
	if (!pf->has_v_unaccepted || !pf->free_area_len) {
		pf->has_v_unaccepted = false;
		pf->missing |= PAGEFILTER_M_UNACCEPTED;
	}
	if (!pf->f_hwpoison)
		pf->missing |= PAGEFILTER_M_HWPOISON;
	if (!pf->has_v_offline || !slab_ok) {
		pf->has_v_offline = false;
		pf->missing |= PAGEFILTER_M_OFFLINE;
	}
	/* makedumpfile walks the mem_map when a level bit above asks for it
	 * or PG_hwpoison is exported: hwpoison and offline pages go then,
	 * whatever the level. */
	pf->scan = (pf->level & (PAGEFILTER_CACHE | PAGEFILTER_CACHE_PRIVATE |
				 PAGEFILTER_USER)) ||
		   (pf->honoured & PAGEFILTER_FREE) || pf->f_hwpoison;
}

int pagefilter_init(struct pagefilter *pf, const struct vmcoreinfo *vi,
		    struct kvaddr *kv, unsigned int level)
{
	uint64_t v;

	if (!pf)
		return -EINVAL;
	memset(pf, 0, offsetof(struct pagefilter, buf));
	pf->kv = kv;
	pf->level = level;
	pf->missing = PAGEFILTER_M_MEMMAP;
	pf->status = -EINVAL;
	if (!vi || level > PAGEFILTER_LEVEL_MAX)
		return -EINVAL;
	pf->status = -ENODEV;
	if (!kv || kv->status)
		return -ENODEV;
	pf->page_shift = kv->page_shift;

	/* The struct page layout makedumpfile's get_mem_type() insists on
	 * (minus _refcount, which no test reads). */
	if (vmcoreinfo_size(vi, "page", &v) || v < 32 ||
	    v > PAGEFILTER_PAGE_MAX || (v & 7))
		return -ENODEV;
	pf->sz_page = (uint32_t)v;
	if (!pf_page_offset(pf, vi, "flags", 8, &pf->off_flags) ||
	    !pf_page_offset(pf, vi, "mapping", 8, &pf->off_mapping))
		return -ENODEV;
	pf->has_mapcount =
	    pf_page_offset(pf, vi, "_mapcount", 4, &pf->off_mapcount);
	pf->has_private =
	    pf_page_offset(pf, vi, "private", 8, &pf->off_private);
	pf->has_head =
	    pf_page_offset(pf, vi, "compound_head", 8, &pf->off_head);

	if (!vmcoreinfo_symbol(vi, "vmemmap", &pf->vmemmap))
		pf->map = PAGEFILTER_MAP_VMEMMAP;
	else if (pf_setup_sections(pf, vi))
		pf->map = PAGEFILTER_MAP_SECTIONS;
	else if (pf_setup_derived(pf, vi))
		pf->map = PAGEFILTER_MAP_VMEMMAP;
	else
		return -ENODEV;
	/* A vmemmap is only reachable through the page tables. */
	if (pf->map == PAGEFILTER_MAP_VMEMMAP && !kv->can_walk) {
		pf->map = PAGEFILTER_MAP_NONE;
		return -ENODEV;
	}

	pf->missing = 0;
	pf->status = 0;
	pf_setup_levels(pf, vi);
	return 0;
}

void pagefilter_reset(struct pagefilter *pf)
{
	if (!pf)
		return;
	pf->pend_start = pf->pend_end = 0;
	pf->pend_state = 0;
	pf->sec_valid = false;
	pf->buf_count = 0;
}

/* --- the batch --------------------------------------------------------- */

/* Fill the buffer from @pfn (below @end); 0, or an error and how many PFNs
 * from @pfn share it (*skip). */
static int pf_load(struct pagefilter *pf, uint64_t pfn, uint64_t end,
		   uint64_t *skip, pagefilter_read_fn read, void *ctx)
{
	uint64_t va, contig, count, bad;
	int r;

	pf->buf_count = 0;
	r = pf_struct_va(pf, pfn, &va, &contig);
	if (r) {
		*skip = contig < end - pfn ? contig : end - pfn;
		return r;
	}
	count = end - pfn;
	if (count > contig)
		count = contig;
	if (count > PAGEFILTER_BUF_SIZE / pf->sz_page)
		count = PAGEFILTER_BUF_SIZE / pf->sz_page;
	pf->buf_count =
	    pf_read_structs(pf, va, (uint32_t)count, pf->buf, read, ctx, &bad);
	pf->buf_pfn = pfn;
	if (!pf->buf_count) {
		/* An unmapped stretch of vmemmap is skipped in one go. */
		*skip = bad < count ? bad : count;
		return -EIO;
	}
	return 0;
}

static void pf_fill(struct pagefilter *pf, uint8_t *out, uint64_t count,
		    uint8_t state)
{
	memset(out, state, (size_t)count);
	if (state)
		pf->stats.excluded[state & STREAM_PAGE_REASON_MASK] += count;
	else
		pf->stats.kept += count;
}

int pagefilter_classify(struct pagefilter *pf, uint64_t first_pfn,
			unsigned int n, uint8_t *state_out,
			pagefilter_read_fn read, void *ctx)
{
	uint64_t end = first_pfn + n, pfn = first_pfn, stop, nr, skip;
	const uint8_t *pg;
	uint8_t st;
	int r;

	if (!pf || (!state_out && n) || end < first_pfn ||
	    (pf->scan && !pf->status && !read && n))
		return -EINVAL;
	pf->buf_count = 0;
	while (pfn < end) {
		uint8_t *out = state_out + (pfn - first_pfn);

		/* The rest of a free block or compound page from before. */
		if (pfn >= pf->pend_start && pfn < pf->pend_end) {
			stop = pf->pend_end < end ? pf->pend_end : end;
			pf_fill(pf, out, stop - pfn, pf->pend_state);
			pfn = stop;
			continue;
		}
		stop = end;
		if (pf->pend_start > pfn && pf->pend_start < end)
			stop = pf->pend_start;
		if (!pf->scan || pf->status) {
			pf_fill(pf, out, stop - pfn, 0);
			pfn = stop;
			continue;
		}
		if (pfn - pf->buf_pfn >= pf->buf_count) {
			r = pf_load(pf, pfn, stop, &skip, read, ctx);
			if (r) {
				if (r == -ENODEV)
					pf->stats.no_memmap += skip;
				else
					pf->stats.unreadable += skip;
				pf_fill(pf, out, skip, 0);
				pfn += skip;
				continue;
			}
		}
		pg = pf->buf + (pfn - pf->buf_pfn) * pf->sz_page;
		pf->stats.examined++;
		st = pf_decide(pf, pfn, pg, &nr, read, ctx);
		if (!st) {
			pf_fill(pf, out, 1, 0);
			pfn++;
			continue;
		}
		stop = pfn + nr < end ? pfn + nr : end;
		pf_fill(pf, out, stop - pfn, st);
		if (pfn + nr > end) {
			pf->pend_start = end;
			pf->pend_end = pfn + nr;
			pf->pend_state = st;
		}
		pfn = stop;
	}
	return 0;
}
