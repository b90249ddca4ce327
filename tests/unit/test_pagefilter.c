// SPDX-License-Identifier: MIT
/*
 * payload/pagefilter.c on synthetic struct pages laid out as Debian 12's
 * 6.1 arm64 kernel lays them out.  The VMCOREINFO values are those of a
 * real crash of 6.1.0-56-arm64 in QEMU (tests/e2e): SIZE(page)=64,
 * OFFSET(page.flags)=0, .lru=.compound_head=8, .compound_dtor=16,
 * .compound_order=17, .mapping=24, .private=40, ._mapcount=48,
 * ._refcount=52, PG_lru=4, PG_private=13, PG_swapcache=10,
 * PG_swapbacked=19, PG_slab=9, PG_hwpoison=22, PG_head_mask=1<<16,
 * PAGE_BUDDY_MAPCOUNT_VALUE=-129, PAGE_OFFLINE_MAPCOUNT_VALUE=-257,
 * HUGETLB_PAGE_DTOR=2, LENGTH(zone.free_area)=11, KASLR with
 * PHYS_OFFSET=0xffffa4ce80000000, mem_section in the linear map, the
 * vmemmap under a 2M block.  The same pages are then read as other kernel
 * eras write them (6.6's PG_hugetlb, 6.12's page types, 2.6's PG_buddy)
 * and through each way of finding struct pages (mem_section, SYMBOL(vmemmap),
 * the derived vmemmap, non-extreme and indirect mem_section).  Every level
 * bit, free blocks and compound pages across batch boundaries, hugetlb,
 * hwpoison, offline, unaccepted, and corrupt pages (kept and counted).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload/kvaddr.h"
#include "payload/pagefilter.h"
#include "payload/stream.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

/* --- a sparse physical memory ------------------------------------------ */

struct region {
	uint64_t pa;
	uint64_t size;
	uint8_t *buf;
};

static struct region regions[6];
static int nregions;
static unsigned long nreads;

static void mem_free(void)
{
	int i;

	for (i = 0; i < nregions; i++)
		free(regions[i].buf);
	nregions = 0;
}

static void mem_add(uint64_t pa, uint64_t size)
{
	regions[nregions].pa = pa;
	regions[nregions].size = size;
	regions[nregions].buf = calloc(1, size);
	nregions++;
}

static uint8_t *mem_ptr(uint64_t pa, uint64_t len)
{
	int i;

	for (i = 0; i < nregions; i++)
		if (pa >= regions[i].pa &&
		    pa - regions[i].pa + len <= regions[i].size)
			return regions[i].buf + (pa - regions[i].pa);
	return NULL;
}

static void put(uint64_t pa, uint64_t v, int bytes)
{
	uint8_t *p = mem_ptr(pa, (uint64_t)bytes);
	int i;

	if (!p) {
		fprintf(stderr, "put: %#llx not backed\n",
			(unsigned long long)pa);
		abort();
	}
	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(uint64_t pa)
{
	uint8_t *p = mem_ptr(pa, 8);
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int read64(void *ctx, uint64_t pa, uint64_t *val)
{
	(void)ctx;
	nreads++;
	if (!mem_ptr(pa, 8))
		return -EFAULT;
	*val = get64(pa);
	return 0;
}

static int readmem(void *ctx, uint64_t pa, void *buf, size_t len)
{
	uint8_t *p = mem_ptr(pa, len);

	(void)ctx;
	nreads++;
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

/* --- the Debian 6.1 world ---------------------------------------------- */

#define PHYS_OFFSET    0xffffa4ce80000000ull
#define PAGE_OFFSET    0xffff000000000000ull
#define KIMAGE_VOFFSET 0xffffa06576a00000ull
#define SWAPPER_VA     0xffffa065b8258000ull
#define SWAPPER_PA     0x41858000ull
#define VMEMMAP	       0xfffffd6cc6000000ull /* derived, see below */
#define MEMSEC_PA      0x4ff50380ull	     /* the section roots */
#define SECTIONS_PA    0x4ff80000ull	     /* root 0's mem_sections */
#define SP8_PA	       0x4c000000ull	     /* struct pages of section 8 */
#define SP9_PA	       0x4d000000ull	     /* some of section 9's */
#define BASE	       0x40000ull	     /* first RAM PFN */
#define SEC9	       0x48000ull
#define WINDOW	       8192u

#define PG_LRU	      (1ull << 4)
#define PG_PRIVATE    (1ull << 13)
#define PG_SWAPCACHE  (1ull << 10)
#define PG_SWAPBACKED (1ull << 19)
#define PG_SLAB	      (1ull << 9)
#define PG_HWPOISON   (1ull << 22)
#define PG_HEAD	      (1ull << 16)
#define PG_BUDDY_OLD  (1ull << 20) /* the v2 world's NUMBER(PG_buddy) */
#define PG_HUGETLB    (1ull << 8)  /* the 6.6 world's, in folio._flags_1 */
/* Node/zone bits high in page->flags, and a flag no test looks at (the
 * low byte stays clear: in 6.6+ a first tail's low byte is the order). */
#define FLAGS_NOISE (0xbff0000000000000ull | (1ull << 11))

#define OFF_FLAGS    0
#define OFF_HEAD     8
#define OFF_DTOR     16
#define OFF_ORDER    17
#define OFF_MAPPING  24
#define OFF_PRIVATE  40
#define OFF_MAPCOUNT 48
#define OFF_REFCOUNT 52
#define SZ_PAGE	     64

static uint64_t lm(uint64_t pa)
{
	return pa - PHYS_OFFSET + PAGE_OFFSET;
}

static uint64_t page_va(uint64_t pfn)
{
	return VMEMMAP + pfn * SZ_PAGE;
}

/* Section 9's vmemmap pages: 0 and 3 mapped, 1 invalid, 2 unbacked. */
static const uint64_t sec9_map[4] = {SP9_PA + 0x3000, 0, 0x7e000000,
				     SP9_PA + 0x1000};

/* Where a struct page lies in the test's memory (NULL: not backed). */
static uint64_t page_pa(uint64_t pfn)
{
	uint64_t off;

	if (pfn >= BASE && pfn < SEC9)
		return SP8_PA + (pfn - BASE) * SZ_PAGE;
	if (pfn >= SEC9 && pfn < SEC9 + 4 * 64) {
		off = (pfn - SEC9) * SZ_PAGE;
		if (!sec9_map[off >> 12] || !mem_ptr(sec9_map[off >> 12], 1))
			return 0;
		return sec9_map[off >> 12] + (off & 0xfff);
	}
	return 0;
}

/* --- page tables: 4K granule, 48-bit VAs -------------------------------- */

static uint64_t bump;

static unsigned int idx(unsigned int level, uint64_t va)
{
	return (unsigned int)((va >> (12 + 9 * (3 - level))) & 511);
}

static uint64_t slot(uint64_t va, unsigned int level)
{
	uint64_t table = SWAPPER_PA, e, d;
	unsigned int l;

	for (l = 0; l < level; l++) {
		e = table + 8ull * idx(l, va);
		d = get64(e);
		if (!(d & 1)) {
			d = bump | 3 | (1ull << 59);
			bump += 0x1000;
			put(e, d, 8);
		}
		table = d & 0xfffffffff000ull;
	}
	return table + 8ull * idx(level, va);
}

static void map_leaf(uint64_t va, uint64_t pa, unsigned int level)
{
	put(slot(va, level), pa | 0x711 | (level == 3 ? 3 : 1) | (1ull << 54),
	    8);
}

/* --- VMCOREINFO -------------------------------------------------------- */

/* The real one, minus the lines no filter reads (printk, kallsyms). */
static const char debian_vi[] = "OSRELEASE=6.1.0-56-arm64\n"
				"PAGESIZE=4096\n"
				"SYMBOL(swapper_pg_dir)=ffffa065b8258000\n"
				"SYMBOL(_stext)=ffffa065b6c10000\n"
				"SYMBOL(mem_section)=ffff5b31cff50380\n"
				"LENGTH(mem_section)=16384\n"
				"SIZE(mem_section)=32\n"
				"OFFSET(mem_section.section_mem_map)=0\n"
				"NUMBER(SECTION_SIZE_BITS)=27\n"
				"NUMBER(MAX_PHYSMEM_BITS)=48\n"
				"SIZE(page)=64\n"
				"OFFSET(page.flags)=0\n"
				"OFFSET(page._refcount)=52\n"
				"OFFSET(page.mapping)=24\n"
				"OFFSET(page.lru)=8\n"
				"OFFSET(page._mapcount)=48\n"
				"OFFSET(page.private)=40\n"
				"OFFSET(page.compound_dtor)=16\n"
				"OFFSET(page.compound_order)=17\n"
				"OFFSET(page.compound_head)=8\n"
				"LENGTH(zone.free_area)=11\n"
				"NUMBER(PG_lru)=4\n"
				"NUMBER(PG_private)=13\n"
				"NUMBER(PG_swapcache)=10\n"
				"NUMBER(PG_swapbacked)=19\n"
				"NUMBER(PG_slab)=9\n"
				"NUMBER(PG_hwpoison)=22\n"
				"NUMBER(PG_head_mask)=65536\n"
				"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
				"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
				"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
				"NUMBER(VA_BITS)=48\n"
				"NUMBER(MODULES_VADDR)=0xffff800000000000\n"
				"NUMBER(VMEMMAP_START)=0xfffffc0000000000\n"
				"NUMBER(kimage_voffset)=0xffffa06576a00000\n"
				"NUMBER(PHYS_OFFSET)=0xffffa4ce80000000\n"
				"NUMBER(TCR_EL1_T1SZ)=0x10\n"
				"KERNELOFFSET=2065aec00000\n"
				"CRASHTIME=1795465846\n";

static char vi_text[8192];
static size_t vi_len;
static struct vmcoreinfo_entry vi_ent[VMCOREINFO_DEFAULT_ENTRIES];
static struct vmcoreinfo vi;

/* debian_vi without the lines whose key starts with one of @drop (a
 * NULL-terminated list), then @extra. */
static void make_vi(const char *const *drop, const char *extra)
{
	const char *p = debian_vi, *nl;
	size_t n;
	int k;

	vi_len = 0;
	while (*p) {
		bool skip = false;

		nl = strchr(p, '\n');
		n = (size_t)(nl - p) + 1;
		for (k = 0; drop && drop[k]; k++)
			if (!strncmp(p, drop[k], strlen(drop[k])))
				skip = true;
		if (!skip) {
			memcpy(vi_text + vi_len, p, n);
			vi_len += n;
		}
		p += n;
	}
	if (extra) {
		memcpy(vi_text + vi_len, extra, strlen(extra));
		vi_len += strlen(extra);
	}
	vmcoreinfo_init(&vi, vi_ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&vi, vi_text, vi_len), 0);
}

/* --- the scenario -------------------------------------------------------- */

/* How the kernel era marks page types. */
struct world {
	const char *name;
	uint32_t buddy, offline, hugetlb, slab, unaccepted; /* _mapcount */
	bool slab_flag;	     /* PG_slab in flags (before 6.10) */
	bool buddy_flag;     /* PG_buddy in flags (before 2.6.38) */
	bool has_unaccepted; /* PAGE_UNACCEPTED_MAPCOUNT_VALUE exported */
	const char *const *drop;
	const char *extra;
};

#define MC_NONE 0xffffffffu /* _mapcount -1: no type */

static const struct world w61 = {
    "6.1", (uint32_t)-129, (uint32_t)-257, 0xf4000000u, MC_NONE, 0xf7000000u,
    true,  false,	   false,	   NULL,	NULL,
};

static const char *const drop66[] = {"OFFSET(page.compound_order)",
				     "OFFSET(page.compound_dtor)",
				     "NUMBER(HUGE", NULL};
static const struct world w66 = {
    "6.6",
    (uint32_t)-129,
    (uint32_t)-257,
    0xf4000000u,
    MC_NONE,
    0xf7000000u,
    true,
    false,
    false,
    drop66,
    "NUMBER(PG_hugetlb)=8\n",
};

/* 6.12: page types in the top byte of _mapcount (PGTY_buddy 0xf0,
 * offline 0xf1, hugetlb 0xf4, slab 0xf5, unaccepted 0xf7), printed with
 * %ld: negative, or positive where the compiler kept it unsigned. */
static const char *const drop612[] = {"OFFSET(page.compound_order)",
				      "OFFSET(page.compound_dtor)",
				      "NUMBER(HUGE",
				      "NUMBER(PG_slab)",
				      "NUMBER(PAGE_",
				      NULL};
static const struct world w612 = {
    "6.12",
    0xf0000000u,
    0xf1000000u,
    0xf4000000u,
    0xf5000000u,
    0xf7000000u,
    false,
    false,
    true,
    drop612,
    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
    "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=4043309056\n"
    "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
    "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
    "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n",
};

static const char *const dropv2[] = {"NUMBER(PAGE_BUDDY", NULL};
static const struct world wv2 = {
    "PG_buddy",
    MC_NONE,
    (uint32_t)-257,
    0xf4000000u,
    MC_NONE,
    0xf7000000u,
    true,
    true,
    false,
    dropv2,
    "NUMBER(PG_buddy)=20\n",
};

/* What a page is, and so what each level makes of it. */
enum kind {
	K_KEEP,
	K_CACHE,     /* bit 2 or 4 */
	K_CACHE_PRI, /* bit 4 */
	K_USER,	     /* bit 8 */
	K_FREE,	     /* bit 16 */
	K_UNACCEPTED,
	K_HWPOISON,	      /* always */
	K_OFFLINE,	      /* always */
	K_CACHE_PRI_HWPOISON, /* bit 4, else hwpoison */
};

static enum kind expect[WINDOW];

static void pg_write(uint64_t pfn, uint64_t flags, uint64_t mapping,
		     uint32_t mapcount, uint64_t private, uint64_t head)
{
	uint64_t pa = page_pa(pfn);

	put(pa + OFF_FLAGS, flags | FLAGS_NOISE, 8);
	put(pa + OFF_HEAD, head, 8);
	put(pa + 16, 0, 8);
	put(pa + OFF_MAPPING, mapping, 8);
	put(pa + 32, 0, 8);
	put(pa + OFF_PRIVATE, private, 8);
	put(pa + OFF_MAPCOUNT, mapcount, 4);
	put(pa + OFF_REFCOUNT, 1, 4);
}

static void set_kind(uint64_t off, uint64_t n, enum kind k)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		expect[off + i] = k;
}

/* A compound page: head flags/mapping/mapcount, order in the first tail
 * (6.1: compound_order; 6.6+: the low byte of its flags), hugetlb marks
 * for every era, tails pointing back. */
static void compound(uint64_t pfn, unsigned int order, uint64_t flags,
		     uint64_t mapping, uint32_t mapcount, bool huge,
		     uint64_t tail_head)
{
	uint64_t i, pa1;

	pg_write(pfn, flags | PG_HEAD, mapping, mapcount, 0, 0);
	for (i = 1; i < (1ull << order); i++)
		pg_write(pfn + i, 0, 0x400 /* TAIL_MAPPING */, MC_NONE, 0,
			 page_va(pfn) | 1);
	pa1 = page_pa(pfn + 1);
	put(pa1 + OFF_FLAGS, order | (huge ? PG_HUGETLB : 0), 8);
	put(pa1 + OFF_DTOR, huge ? 2 : 1, 1);
	put(pa1 + OFF_ORDER, order, 1);
	if (tail_head)
		put(pa1 + OFF_HEAD, tail_head, 8);
}

static void buddy(const struct world *w, uint64_t pfn, uint64_t order)
{
	if (w->buddy_flag)
		pg_write(pfn, PG_BUDDY_OLD, 0, MC_NONE, order, 0);
	else
		pg_write(pfn, 0, 0, w->buddy, order, 0);
}

static void slab_page(const struct world *w, uint64_t pfn, uint64_t mapping,
		      uint32_t mapcount)
{
	if (w->slab_flag)
		pg_write(pfn, PG_SLAB, mapping, mapcount, 0, 0);
	else
		pg_write(pfn, 0, mapping, w->slab, 0, 0);
}

#define FILE_MAPPING 0xffff5b31c1234560ull
#define ANON_MAPPING 0xffff5b31c2345670ull

/* Write the window's struct pages for @w; fill expect[]. */
static void build_pages(const struct world *w)
{
	uint64_t i, b = BASE;

	for (i = 0; i < WINDOW; i++)
		pg_write(b + i, 0, 0, MC_NONE, 0, 0);
	memset(expect, 0, sizeof(expect));

	pg_write(b + 1, PG_LRU, FILE_MAPPING, MC_NONE, 0, 0);
	set_kind(1, 1, K_CACHE);
	pg_write(b + 2, PG_LRU | PG_PRIVATE, FILE_MAPPING, MC_NONE, 0, 0);
	set_kind(2, 1, K_CACHE_PRI);
	pg_write(b + 3, PG_SWAPBACKED | PG_SWAPCACHE, 0, MC_NONE, 0, 0);
	set_kind(3, 1, K_CACHE);
	/* PG_swapcache alone (PG_owner_priv_1 to others): not cache. */
	pg_write(b + 4, PG_SWAPCACHE, FILE_MAPPING, MC_NONE, 0, 0);
	pg_write(b + 5, PG_LRU | PG_SWAPBACKED, ANON_MAPPING | 1, 0, 0, 0);
	set_kind(5, 1, K_USER);
	pg_write(b + 6, PG_LRU, ANON_MAPPING | 3 /* KSM */, 0, 0, 0);
	set_kind(6, 1, K_USER);
	pg_write(b + 7, 0, ANON_MAPPING | 2 /* movable */, MC_NONE, 0, 0);
	/* Slab: its "mapping" is not anon even when odd. */
	slab_page(w, b + 8, ANON_MAPPING | 1, MC_NONE);
	if (w->slab_flag && !w->buddy_flag) /* slab claiming to be free */
		slab_page(w, b + 9, 0, w->buddy);
	pg_write(b + 10, PG_HWPOISON, 0, MC_NONE, 0, 0);
	set_kind(10, 1, K_HWPOISON);
	pg_write(b + 11, 0, 0, w->offline, 0, 0);
	set_kind(11, 1, K_OFFLINE);
	if (w->slab_flag)
		slab_page(w, b + 12, 0, w->offline);
	/* Cache with private data, hwpoisoned: cache first, if asked. */
	pg_write(b + 13, PG_LRU | PG_PRIVATE | PG_HWPOISON, FILE_MAPPING,
		 MC_NONE, 0, 0);
	set_kind(13, 1, K_CACHE_PRI_HWPOISON);

	buddy(w, b + 16, 4);
	set_kind(16, 16, K_FREE);
	buddy(w, b + 34, 2);  /* misaligned: kept */
	buddy(w, b + 40, 11); /* order >= LENGTH(zone.free_area): kept */
	buddy(w, b + 41, 0);
	set_kind(41, 1, K_FREE);

	compound(b + 64, 4, PG_LRU | PG_SWAPBACKED, ANON_MAPPING | 1, 0, false,
		 0);
	set_kind(64, 16, K_USER);
	compound(b + 80, 2, PG_LRU, FILE_MAPPING, MC_NONE, false, 0);
	set_kind(80, 4, K_CACHE);
	compound(b + 96, 5, 0, FILE_MAPPING, w->hugetlb, true, 0);
	set_kind(96, 32, K_USER);
	/* A head whose order is not aligned: decides for itself. */
	compound(b + 130, 2, PG_LRU | PG_SWAPBACKED, ANON_MAPPING | 1, 0, false,
		 0);
	set_kind(130, 1, K_USER);
	/* A head its first tail does not point back at. */
	compound(b + 136, 3, PG_LRU, FILE_MAPPING, MC_NONE, false,
		 page_va(b + 200) | 1);
	set_kind(136, 1, K_CACHE);
	/* A lone tail page, anon: tails never decide. */
	pg_write(b + 144, PG_LRU, ANON_MAPPING | 1, 0, 0, page_va(b + 1) | 1);
	/* Head and tail at once. */
	pg_write(b + 145, PG_HEAD | PG_LRU, FILE_MAPPING, MC_NONE, 0,
		 page_va(b + 1) | 1);
	/* A hwpoisoned compound head takes its tails along; a hwpoisoned
	 * tail does not count. */
	compound(b + 148, 2, PG_HWPOISON, 0, MC_NONE, false, 0);
	set_kind(148, 4, K_HWPOISON);
	compound(b + 152, 2, 0, 0, MC_NONE, false, 0);
	put(page_pa(b + 154) + OFF_FLAGS, PG_HWPOISON, 8);

	/* Across batch boundaries (512-aligned and odd batches alike). */
	buddy(w, b + 1024, 10);
	set_kind(1024, 1024, K_FREE);
	compound(b + 2560, 9, 0, FILE_MAPPING, w->hugetlb, true, 0);
	set_kind(2560, 512, K_USER);
	compound(b + 3584, 9, PG_LRU | PG_SWAPBACKED, ANON_MAPPING | 1, 0,
		 false, 0);
	set_kind(3584, 512, K_USER);
	buddy(w, b + 4096 + 2048, 11 - 1);
	set_kind(4096 + 2048, 1024, K_FREE);
	/* Unaccepted memory: MAX_PAGE_ORDER blocks (1 << 10 pages). */
	pg_write(b + 5120, 0, 0, w->unaccepted, 0, 0);
	if (w->has_unaccepted)
		set_kind(5120, 1024, K_UNACCEPTED);
	/* A type value with low bits in use is not that type (72c3414). */
	pg_write(b + 7168, 0, 0, w->buddy ^ 1, 0, 0);
	/* The window's last two PFNs: a head and its tail (in the next
	 * batch when batches are one PFN). */
	compound(b + WINDOW - 2, 1, PG_LRU, FILE_MAPPING, MC_NONE, false, 0);
	set_kind(WINDOW - 2, 2, K_CACHE);
}

static uint8_t want(enum kind k, unsigned int level)
{
	switch (k) {
	case K_CACHE:
		return (level & 6) ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE
				   : 0;
	case K_CACHE_PRI:
		return (level & 4)
			   ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE_PRIVATE
			   : 0;
	case K_USER:
		return (level & 8) ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER
				   : 0;
	case K_FREE:
		return (level & 16) ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE
				    : 0;
	case K_UNACCEPTED:
		return (level & 16)
			   ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_UNACCEPTED
			   : 0;
	case K_HWPOISON:
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_HWPOISON;
	case K_OFFLINE:
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_OFFLINE;
	case K_CACHE_PRI_HWPOISON:
		return STREAM_PAGE_EXCLUDED |
		       ((level & 4) ? STREAM_EXCL_CACHE_PRIVATE
				    : STREAM_EXCL_HWPOISON);
	default:
		return 0;
	}
}

/* --- memory and tables ------------------------------------------------- */

static void build_memory(void)
{
	uint64_t va, i;

	mem_free();
	mem_add(0x41800000, 0x100000); /* page tables, swapper_pg_dir */
	mem_add(0x4ff50000, 0x40000);  /* mem_section roots, sections */
	mem_add(SP8_PA, 0x200000);     /* section 8's struct pages */
	mem_add(SP9_PA, 0x10000);      /* four of section 9's */
	bump = 0x41800000;

	/* 6.1: vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT),
	 * memstart_addr = PHYS_OFFSET, negative. */
	va = page_va(BASE);
	CHECK_EQ(va, 0xfffffd6cc7000000ull);
	map_leaf(va, SP8_PA, 2); /* a 2M block: 32768 struct pages */
	for (i = 0; i < 4; i++)
		if (sec9_map[i])
			map_leaf(page_va(SEC9) + i * 0x1000, sec9_map[i], 3);
	/* Section 9's fifth vmemmap page: an invalid PTE next to valid. */
	put(slot(page_va(SEC9) + 4 * 0x1000, 3), 0, 8);

	/* mem_section: roots at SYMBOL(mem_section) (4.15+), root 0 holds
	 * sections 0..127; 8 and 9 (RAM 0x40000000..0x50000000) present. */
	put(MEMSEC_PA, lm(SECTIONS_PA), 8);
	put(SECTIONS_PA + 8 * 32, VMEMMAP | 0x7, 8);
	put(SECTIONS_PA + 9 * 32, VMEMMAP | 0xf, 8);
	put(SECTIONS_PA + 10 * 32, VMEMMAP | 0x6, 8); /* not present */
}

/* --- running ---------------------------------------------------------- */

static struct kvaddr kv;
static struct pagefilter pf;
static uint8_t states[WINDOW];

static int setup(unsigned int level)
{
	int r = kvaddr_init(&kv, &vi, read64, NULL);

	CHECK_EQ(r, 0);
	return pagefilter_init(&pf, &vi, &kv, level);
}

/* Classify the window in batches of @batch (0: one call). */
static void run(unsigned int batch)
{
	uint64_t pfn = BASE, end = BASE + WINDOW;
	unsigned int n;

	while (pfn < end) {
		n = batch && end - pfn > batch ? batch
					       : (unsigned int)(end - pfn);
		CHECK_EQ(pagefilter_classify(&pf, pfn, n, states + (pfn - BASE),
					     readmem, NULL),
			 0);
		pfn += n;
	}
}

static unsigned int mismatches(unsigned int level)
{
	unsigned int i, bad = 0;

	for (i = 0; i < WINDOW; i++) {
		if (states[i] != want(expect[i], level)) {
			if (bad < 5)
				fprintf(stderr,
					"level %u pfn +%u: got %#x want %#x\n",
					level, i, states[i],
					want(expect[i], level));
			bad++;
		}
	}
	return bad;
}

static const unsigned int levels[] = {0, 1, 2, 4, 6, 8, 16, 30, 31};
static const unsigned int batches[] = {512, 0, 100, 1, 513};

static void test_world(const struct world *w, const char *const *drop,
		       const char *extra, int map)
{
	unsigned int li, bi;

	build_memory();
	build_pages(w);
	make_vi(drop ? drop : w->drop, extra ? extra : w->extra);
	for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		for (bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++) {
			CHECK_EQ(setup(levels[li]), 0);
			CHECK_EQ(pf.map, map);
			CHECK_EQ(pf.honoured, levels[li] & 0x1e);
			CHECK(pf.scan);
			run(batches[bi]);
			if (mismatches(levels[li]))
				fprintf(stderr,
					"  in world %s, map %d, "
					"batch %u\n",
					w->name, map, batches[bi]);
			CHECK_EQ(mismatches(levels[li]), 0);
		}
	}
	/* The implausible pages of the window, counted (one call). */
	CHECK_EQ(setup(31), 0);
	run(0);
	CHECK_EQ(pf.stats.bad_alignment, 1);   /* +34 */
	CHECK_EQ(pf.stats.bad_buddy_order, 1); /* +40 */
	CHECK_EQ(pf.stats.bad_compound, 2);    /* +130, +136 */
	CHECK_EQ(pf.stats.contradictory,       /* +145, and +9 */
		 w->slab_flag && !w->buddy_flag ? 2 : 1);
	CHECK_EQ(pf.stats.unreadable, 0);
	CHECK_EQ(pf.stats.no_memmap, 0);
	CHECK_EQ(pf.stats.kept + pf.stats.excluded[STREAM_EXCL_FREE] +
		     pf.stats.excluded[STREAM_EXCL_USER] +
		     pf.stats.excluded[STREAM_EXCL_CACHE] +
		     pf.stats.excluded[STREAM_EXCL_CACHE_PRIVATE] +
		     pf.stats.excluded[STREAM_EXCL_HWPOISON] +
		     pf.stats.excluded[STREAM_EXCL_OFFLINE] +
		     pf.stats.excluded[STREAM_EXCL_UNACCEPTED],
		 WINDOW);
}

static void test_worlds(void)
{
	static const char *const no_memsec[] = {"SYMBOL(mem_section)", NULL};

	/* Debian 6.1 as it is: makedumpfile's mem_section path. */
	test_world(&w61, NULL, NULL, PAGEFILTER_MAP_SECTIONS);
	/* With SYMBOL(vmemmap), as 6.x kernels with it export. */
	test_world(&w61, NULL, "SYMBOL(vmemmap)=fffffd6cc6000000\n",
		   PAGEFILTER_MAP_VMEMMAP);
	/* Neither: VMEMMAP_START and PHYS_OFFSET (5.11+). */
	test_world(&w61, no_memsec, NULL, PAGEFILTER_MAP_VMEMMAP);
	test_world(&w66, NULL, NULL, PAGEFILTER_MAP_SECTIONS);
	test_world(&w612, NULL, NULL, PAGEFILTER_MAP_SECTIONS);
	test_world(&wv2, NULL, NULL, PAGEFILTER_MAP_SECTIONS);
}

/* A free block is remembered across calls and holes between them. */
static void test_pending(void)
{
	uint8_t st[600];

	build_memory();
	build_pages(&w61);
	make_vi(NULL, NULL);
	CHECK_EQ(setup(16), 0);
	/* +1024 is an order-10 block: [+1024, +2048). */
	CHECK_EQ(pagefilter_classify(&pf, BASE + 1000, 100, st, readmem, NULL),
		 0);
	CHECK_EQ(st[23], 0);
	CHECK_EQ(st[24], STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE);
	CHECK_EQ(st[99], STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE);
	CHECK_EQ(pf.pend_start, BASE + 1100);
	CHECK_EQ(pf.pend_end, BASE + 2048);
	/* A hole, then a batch running past the block's end. */
	nreads = 0;
	CHECK_EQ(pagefilter_classify(&pf, BASE + 1500, 600, st, readmem, NULL),
		 0);
	CHECK_EQ(st[0], STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE);
	CHECK_EQ(st[547], STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE);
	CHECK_EQ(st[548], 0);
	CHECK_EQ(st[599], 0);
	/* The block's struct pages were not read: one batch read after. */
	CHECK(nreads <= 2);
	/* pagefilter_reset() forgets it. */
	CHECK_EQ(pagefilter_classify(&pf, BASE + 1024, 1, st, readmem, NULL),
		 0);
	CHECK_EQ(pf.pend_end, BASE + 2048);
	pagefilter_reset(&pf);
	CHECK_EQ(pagefilter_classify(&pf, BASE + 1025, 1, st, readmem, NULL),
		 0);
	CHECK_EQ(st[0], 0);
}

/* Struct pages that cannot be read, sections without a mem_map. */
static void test_unreadable(void)
{
	static uint8_t st[1024];
	uint64_t i, va;

	build_memory();
	build_pages(&w61);
	for (i = 0; i < 4 * 64; i++)
		if (page_pa(SEC9 + i))
			pg_write(SEC9 + i, PG_LRU, FILE_MAPPING, MC_NONE, 0, 0);
	make_vi(NULL, NULL);
	CHECK_EQ(setup(31), 0);
	nreads = 0;
	CHECK_EQ(pagefilter_classify(&pf, SEC9, 1024, st, readmem, NULL), 0);
	/* An unmapped vmemmap page costs one walk, not one per struct page
	 * (memory that fails to read is retried per struct page: 2 x 64). */
	CHECK(nreads < 200);
	for (i = 0; i < 64; i++)
		CHECK_EQ(st[i], STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE);
	for (i = 64; i < 192; i++) /* invalid PTE, then unbacked memory */
		CHECK_EQ(st[i], 0);
	for (i = 192; i < 256; i++)
		CHECK_EQ(st[i], STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE);
	for (i = 256; i < 1024; i++)
		CHECK_EQ(st[i], 0);
	CHECK_EQ(pf.stats.unreadable, 128 + 768);
	CHECK_EQ(pf.stats.examined, 128);
	/* Section 10 has no mem_map; 11 not even a mem_section present. */
	CHECK_EQ(pagefilter_classify(&pf, 0x50000 - 4, 1024, st, readmem, NULL),
		 0);
	CHECK_EQ(pf.stats.no_memmap, 1020);
	CHECK_EQ(pf.stats.unreadable, 128 + 768 + 4);
	for (i = 0; i < 1024; i++)
		CHECK_EQ(st[i], 0);
	/* Addresses of struct pages. */
	CHECK_EQ(pagefilter_struct_page_addr(&pf, BASE, &va), 0);
	CHECK_EQ(va, 0xfffffd6cc7000000ull);
	CHECK_EQ(pagefilter_struct_page_addr(&pf, SEC9 + 1, &va), 0);
	CHECK_EQ(va, page_va(SEC9 + 1));
	CHECK_EQ(pagefilter_struct_page_addr(&pf, 0x50000, &va), -ENODEV);
	CHECK_EQ(pagefilter_struct_page_addr(&pf, 1ull << 40, &va), -ENODEV);
	CHECK_EQ(pagefilter_struct_page_addr(NULL, 0, &va), -EINVAL);
	/* mem_section memory itself unreadable: the root array gone. */
	regions[1].size = 0x100;
	pagefilter_reset(&pf);
	CHECK_EQ(pagefilter_struct_page_addr(&pf, BASE, &va), -EIO);
	CHECK_EQ(pagefilter_classify(&pf, BASE, 512, st, readmem, NULL), 0);
	CHECK_EQ(pf.stats.unreadable, 128 + 768 + 4 + 512);
}

static void check_level_all_kept(unsigned int level)
{
	unsigned int i, bad = 0;

	run(512);
	for (i = 0; i < WINDOW; i++)
		bad += states[i] != 0;
	CHECK_EQ(bad, 0);
	(void)level;
}

/* What is missing is reported, and its pages are kept. */
static void test_missing(void)
{
	static const char *const no_lru[] = {"NUMBER(PG_lru)", NULL};
	static const char *const no_slab[] = {"NUMBER(PG_slab)", NULL};
	static const char *const no_fa[] = {"LENGTH(zone.free_area)", NULL};
	static const char *const no_swap[] = {"NUMBER(PG_swapbacked)", NULL};
	static const char *const no_hwp[] = {"NUMBER(PG_hwpoison)", NULL};
	static const char *const no_head[] = {"OFFSET(page.compound_head)",
					      NULL};
	static const char *const no_order[] = {"OFFSET(page.compound_order)",
					       NULL};
	static const char *const no_dtor[] = {"NUMBER(HUGETLB", NULL};
	static const char *const no_page[] = {"SIZE(page)", NULL};
	static const char *const no_map[] = {"SYMBOL(mem_section)",
					     "NUMBER(VMEMMAP_START)", NULL};
	unsigned int i;

	build_memory();
	build_pages(&w61);

	make_vi(no_lru, NULL);
	CHECK_EQ(setup(31), 0);
	CHECK(pf.missing & PAGEFILTER_M_CACHE);
	CHECK_EQ(pf.honoured, 0x18);
	run(512);
	CHECK_EQ(states[1], 0);
	CHECK_EQ(states[5], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);
	CHECK(strstr(pagefilter_missing_text(PAGEFILTER_M_CACHE), "PG_lru"));

	make_vi(no_slab, NULL);
	CHECK_EQ(setup(31), 0);
	CHECK(pf.missing & PAGEFILTER_M_SLAB);
	CHECK(pf.missing & PAGEFILTER_M_USER);
	CHECK(pf.missing & PAGEFILTER_M_FREE);
	CHECK(pf.missing & PAGEFILTER_M_OFFLINE);
	CHECK_EQ(pf.honoured, 0x06);
	run(512);
	CHECK_EQ(states[1], STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE);
	CHECK_EQ(states[5], 0);
	CHECK_EQ(states[11], 0);
	CHECK_EQ(states[16], 0);

	make_vi(no_fa, NULL);
	CHECK_EQ(setup(16), 0);
	CHECK_EQ(pf.honoured, 0);
	CHECK(pf.missing & PAGEFILTER_M_FREE);
	CHECK(pf.scan); /* PG_hwpoison is exported */
	run(512);
	CHECK_EQ(states[16], 0);
	CHECK_EQ(states[10], STREAM_PAGE_EXCLUDED | STREAM_EXCL_HWPOISON);

	make_vi(no_swap, NULL);
	CHECK_EQ(setup(2), 0);
	CHECK(pf.missing & PAGEFILTER_M_SWAPCACHE);
	run(512);
	CHECK_EQ(states[3], 0);
	CHECK_EQ(states[1], STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE);

	/* No PG_hwpoison, level 0: makedumpfile does not walk the mem_map;
	 * offline pages stay too, and nothing is read. */
	make_vi(no_hwp, NULL);
	CHECK_EQ(setup(0), 0);
	CHECK(!pf.scan);
	CHECK(pf.missing & PAGEFILTER_M_HWPOISON);
	nreads = 0;
	check_level_all_kept(0);
	CHECK_EQ(nreads, 0);
	CHECK_EQ(setup(1), 0);
	CHECK(!pf.scan);

	/* No compound_head: tails decide for themselves (a THP's tails are
	 * TAIL_MAPPING, not anon: kept; the head takes its range anyway). */
	make_vi(no_head, NULL);
	CHECK_EQ(setup(8), 0);
	CHECK(pf.missing & PAGEFILTER_M_TAIL);
	run(512);
	CHECK_EQ(states[64], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);
	CHECK_EQ(states[79], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);
	CHECK_EQ(states[144], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);

	/* No compound order: a head decides for itself only. */
	make_vi(no_order, NULL);
	CHECK_EQ(setup(8), 0);
	CHECK(pf.missing & PAGEFILTER_M_COMPOUND);
	CHECK(!(pf.missing & PAGEFILTER_M_HUGETLB));
	run(512);
	CHECK_EQ(states[64], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);
	CHECK_EQ(states[65], 0);
	CHECK_EQ(states[96], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);
	CHECK_EQ(states[97], 0);

	/* No HUGETLB_PAGE_DTOR: hugetlb pages kept. */
	make_vi(no_dtor, NULL);
	CHECK_EQ(setup(8), 0);
	CHECK(pf.missing & PAGEFILTER_M_HUGETLB);
	run(512);
	CHECK_EQ(states[96], 0);
	CHECK_EQ(states[64], STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER);

	/* No struct page layout, no way to the struct pages. */
	make_vi(no_page, NULL);
	CHECK_EQ(setup(31), -ENODEV);
	CHECK(pf.missing & PAGEFILTER_M_MEMMAP);
	check_level_all_kept(31);
	make_vi(no_map, NULL);
	CHECK_EQ(setup(31), -ENODEV);
	CHECK_EQ(pf.map, PAGEFILTER_MAP_NONE);
	check_level_all_kept(31);
	CHECK_EQ(pf.stats.kept, WINDOW);

	/* Arguments. */
	make_vi(NULL, NULL);
	CHECK_EQ(setup(32), -EINVAL);
	CHECK_EQ(pagefilter_init(NULL, &vi, &kv, 0), -EINVAL);
	CHECK_EQ(pagefilter_init(&pf, NULL, &kv, 0), -EINVAL);
	CHECK_EQ(pagefilter_init(&pf, &vi, NULL, 31), -ENODEV);
	CHECK_EQ(setup(31), 0);
	CHECK_EQ(pagefilter_classify(&pf, BASE, 1, NULL, readmem, NULL),
		 -EINVAL);
	CHECK_EQ(pagefilter_classify(&pf, BASE, 1, states, NULL, NULL),
		 -EINVAL);
	CHECK_EQ(pagefilter_classify(&pf, UINT64_MAX, 2, states, readmem, NULL),
		 -EINVAL);
	CHECK_EQ(pagefilter_classify(&pf, BASE, 0, NULL, NULL, NULL), 0);
	CHECK_EQ(pagefilter_classify(NULL, BASE, 0, states, readmem, NULL),
		 -EINVAL);
	for (i = 0; i < PAGEFILTER_M_COUNT; i++)
		CHECK(strcmp(pagefilter_missing_text(1u << i), "unknown"));
	CHECK_STR(pagefilter_missing_text(1u << 31), "unknown");
}

/* mem_section as a plain array (no SPARSEMEM_EXTREME), and as 4.13-4.14
 * exported it with EXTREME: the address of the pointer to the roots. */
static void test_mem_section_forms(void)
{
	static const char *const drop_ms[] = {"SYMBOL(mem_section)",
					      "LENGTH(mem_section)",
					      "NUMBER(MAX_PHYSMEM_BITS)", NULL};
	char extra[256];
	uint64_t flat = 0x4ff88000; /* past the roots and sections */

	build_memory();
	build_pages(&w61);
	/* 36-bit PAs: 512 sections of 32 bytes, in one array. */
	put(flat + 8 * 32, VMEMMAP | 0x7, 8);
	snprintf(extra, sizeof(extra),
		 "SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=512\n"
		 "NUMBER(MAX_PHYSMEM_BITS)=36\n",
		 (unsigned long long)lm(flat));
	make_vi(drop_ms, extra);
	CHECK_EQ(setup(31), 0);
	CHECK_EQ(pf.map, PAGEFILTER_MAP_SECTIONS);
	CHECK(!pf.ms_extreme);
	run(512);
	CHECK_EQ(mismatches(31), 0);

	/* The pointer to the roots, after the root array. */
	put(0x4ff70400, lm(MEMSEC_PA), 8);
	snprintf(extra, sizeof(extra), "SYMBOL(mem_section)=%llx\n",
		 (unsigned long long)lm(0x4ff70400));
	make_vi((const char *const[]){"SYMBOL(mem_section)", NULL}, extra);
	CHECK_EQ(setup(31), 0);
	CHECK_EQ(pf.map, PAGEFILTER_MAP_SECTIONS);
	CHECK(pf.ms_extreme);
	CHECK_EQ(pf.ms_base, lm(MEMSEC_PA));
	run(512);
	CHECK_EQ(mismatches(31), 0);

	/* A mem_section whose mem_map is not a kernel address: refused,
	 * and without VMEMMAP_START nothing is left. */
	put(SECTIONS_PA + 8 * 32, 0x12340001, 8);
	make_vi((const char *const[]){"NUMBER(VMEMMAP_START)", NULL}, NULL);
	CHECK_EQ(setup(31), -ENODEV);
	/* Without the roots at all. */
	put(MEMSEC_PA, 0, 8);
	CHECK_EQ(setup(31), -ENODEV);
}

int main(void)
{
	test_worlds();
	test_pending();
	test_unreadable();
	test_missing();
	test_mem_section_forms();
	mem_free();
	return check_summary("test_pagefilter");
}
