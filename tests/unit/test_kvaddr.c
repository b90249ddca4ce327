// SPDX-License-Identifier: MIT
/*
 * payload/kvaddr.c on synthetic page tables for every granule and VA size
 * the arm64 kernel allows (4K: 39, 48; 16K: 36, 47, 48; 64K: 42, 48, 52
 * with FEAT_LPA PAs above 2^48), table and block descriptors at every
 * level (allowed and not), the linear-map and kernel-image fast paths on
 * Debian 12's real VMCOREINFO (KASLR: PHYS_OFFSET 0xffffa4ce80000000),
 * the 52-bit kernel on 48-bit hardware, the old (pre-5.4) layout, LPA2
 * refusal, invalid descriptors, self-referencing tables and unreadable
 * table memory.  Descriptor layouts: Arm ARM D8.3.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload/kvaddr.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

/* --- a sparse physical memory ------------------------------------------ */

struct region {
	uint64_t pa;
	uint64_t size;
	uint8_t *buf;
};

struct mem {
	struct region r[4];
	int n;
	unsigned long reads;
};

static struct mem mem;

static void mem_reset(void)
{
	int i;

	for (i = 0; i < mem.n; i++)
		free(mem.r[i].buf);
	memset(&mem, 0, sizeof(mem));
}

static void mem_add(uint64_t pa, uint64_t size)
{
	struct region *r = &mem.r[mem.n++];

	r->pa = pa;
	r->size = size;
	r->buf = calloc(1, size);
}

static uint8_t *mem_ptr(uint64_t pa, uint64_t len)
{
	int i;

	for (i = 0; i < mem.n; i++)
		if (pa >= mem.r[i].pa &&
		    pa - mem.r[i].pa + len <= mem.r[i].size)
			return mem.r[i].buf + (pa - mem.r[i].pa);
	return NULL;
}

static void mem_put64(uint64_t pa, uint64_t v)
{
	uint8_t *p = mem_ptr(pa, 8);
	int i;

	if (!p) {
		fprintf(stderr, "mem_put64: %#llx not backed\n",
			(unsigned long long)pa);
		abort();
	}
	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t mem_get64(uint64_t pa)
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
	mem.reads++;
	if ((pa & 7) || !mem_ptr(pa, 8))
		return -EFAULT;
	*val = mem_get64(pa);
	return 0;
}

/* --- VMCOREINFO -------------------------------------------------------- */

static char vi_text[4096];
static size_t vi_len;
static struct vmcoreinfo_entry vi_ent[VMCOREINFO_DEFAULT_ENTRIES];
static struct vmcoreinfo vi;

static void vi_begin(void)
{
	vi_len = 0;
	vi_text[0] = '\0';
}

static void vi_add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vi_len += (size_t)vsnprintf(vi_text + vi_len, sizeof(vi_text) - vi_len,
				    fmt, ap);
	va_end(ap);
}

static void vi_end(void)
{
	vmcoreinfo_init(&vi, vi_ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&vi, vi_text, vi_len), 0);
}

/* --- a page-table builder (independent of the code under test) --------- */

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (4ull << 20)
/* Above 2^48, below 2^52: only reachable with FEAT_LPA. */
#define HIGH_BASE 0xa000000000000ull
#define HIGH_SIZE (256ull << 10)
/* Attribute bits set in every descriptor: the walker must ignore them.
 * Leaf: AttrIndx, AP, SH, AF, nG, DBM, Contiguous, PXN, UXN, software. */
#define LEAF_ATTRS                                                             \
	((7ull << 2) | (3ull << 6) | (3ull << 8) | (1ull << 10) |              \
	 (1ull << 11) | (1ull << 51) | (1ull << 52) | (1ull << 53) |           \
	 (1ull << 54) | (0xfull << 55))
/* Table: PXNTable, UXNTable, APTable, NSTable, and a software bit. */
#define TABLE_ATTRS                                                            \
	((1ull << 59) | (1ull << 60) | (3ull << 61) | (1ull << 63) |           \
	 (1ull << 58))

struct pt {
	unsigned int ps; /* page shift */
	unsigned int va_bits;
	unsigned int start;
	unsigned int top_bits;
	bool lpa;
	uint64_t root;
	uint64_t bump;	    /* next free table in RAM */
	uint64_t high_bump; /* next free table above 2^48 */
};

static unsigned int pt_shift(const struct pt *t, unsigned int level)
{
	return t->ps + (3 - level) * (t->ps - 3);
}

static unsigned int pt_index(const struct pt *t, unsigned int level,
			     uint64_t va)
{
	unsigned int bits = level == t->start ? t->top_bits : t->ps - 3;

	return (unsigned int)((va >> pt_shift(t, level)) &
			      ((1ull << bits) - 1));
}

static uint64_t pt_enc(const struct pt *t, uint64_t pa)
{
	uint64_t d = pa & ((1ull << 48) - 1);

	if (t->lpa)
		d |= (pa >> 36) & 0xf000;
	return d;
}

static uint64_t pt_dec(const struct pt *t, uint64_t d)
{
	uint64_t pa = d & ((1ull << 48) - 1) & ~((1ull << t->ps) - 1);

	if (t->lpa)
		pa |= (d & 0xf000) << 36;
	return pa;
}

static uint64_t pt_alloc(struct pt *t, bool high)
{
	uint64_t *b = high ? &t->high_bump : &t->bump, pa = *b;

	*b += 1ull << t->ps;
	if (!mem_ptr(pa, 1ull << t->ps)) {
		fprintf(stderr, "pt_alloc: out of table memory\n");
		abort();
	}
	return pa;
}

static void pt_init(struct pt *t, unsigned int ps, unsigned int va_bits,
		    bool lpa)
{
	unsigned int levels = (va_bits - ps + ps - 4) / (ps - 3);

	memset(t, 0, sizeof(*t));
	t->ps = ps;
	t->va_bits = va_bits;
	t->start = 4 - levels;
	t->top_bits = va_bits - pt_shift(t, t->start);
	t->lpa = lpa;
	t->bump = RAM_BASE;
	t->high_bump = HIGH_BASE;
	t->root = pt_alloc(t, false);
}

/* The entry of @va at @level, creating tables above it (the table just
 * below the top goes above 2^48 when @high). */
static uint64_t pt_slot(struct pt *t, uint64_t va, unsigned int level,
			bool high)
{
	uint64_t table = t->root, e, d;
	unsigned int l;

	for (l = t->start; l < level; l++) {
		e = table + 8ull * pt_index(t, l, va);
		d = mem_get64(e);
		if (!(d & 1)) {
			uint64_t nt = pt_alloc(t, high && l == t->start);

			d = pt_enc(t, nt) | 3 | TABLE_ATTRS;
			mem_put64(e, d);
		}
		table = pt_dec(t, d);
	}
	return table + 8ull * pt_index(t, level, va);
}

static void pt_map(struct pt *t, uint64_t va, uint64_t pa, unsigned int level,
		   bool high)
{
	uint64_t d = pt_enc(t, pa) | LEAF_ATTRS | (level == 3 ? 3 : 1);

	mem_put64(pt_slot(t, va, level, high), d);
}

/* --- one granule / VA size --------------------------------------------- */

struct cfg {
	unsigned int ps;
	unsigned int va_bits;
	bool lpa;
};

static const struct cfg cfgs[] = {
    {12, 39, false}, {12, 48, false}, {14, 36, false}, {14, 47, false},
    {14, 48, false}, {16, 42, false}, {16, 48, false}, {16, 52, true},
};

/* A flipped (5.4+) layout: kernel image at the start of the upper half. */
static void cfg_vmcoreinfo(const struct cfg *c, const struct pt *t,
			   uint64_t stext, uint64_t swapper, uint64_t voff,
			   uint64_t phys_offset)
{
	vi_begin();
	vi_add("OSRELEASE=6.1.0-56-arm64\n");
	vi_add("PAGESIZE=%u\n", 1u << c->ps);
	vi_add("SYMBOL(swapper_pg_dir)=%llx\n", (unsigned long long)swapper);
	vi_add("SYMBOL(_stext)=%llx\n", (unsigned long long)stext);
	vi_add("NUMBER(MAX_PHYSMEM_BITS)=%u\n", c->lpa ? 52 : 48);
	vi_add("NUMBER(VA_BITS)=%u\n", c->va_bits);
	vi_add("NUMBER(kimage_voffset)=0x%llx\n", (unsigned long long)voff);
	vi_add("NUMBER(PHYS_OFFSET)=0x%llx\n", (unsigned long long)phys_offset);
	vi_add("NUMBER(TCR_EL1_T1SZ)=0x%x\n", 64 - c->va_bits);
	(void)t;
	vi_end();
}

static void test_cfg(const struct cfg *c)
{
	uint64_t page = 1ull << c->ps, upper, stext, swapper, voff, base, va;
	uint64_t pa, span, l2size, phys_offset = 0xffffa4ce80000000ull;
	unsigned long reads;
	struct kvaddr kv;
	struct pt t;
	unsigned int vmin = c->va_bits > 48 ? 48 : c->va_bits, l;
	int r;

	mem_reset();
	mem_add(RAM_BASE, RAM_SIZE);
	mem_add(HIGH_BASE, HIGH_SIZE);
	pt_init(&t, c->ps, c->va_bits, c->lpa);

	upper = (uint64_t) - (1ull << (vmin - 1));
	stext = upper + 0x8010000;
	swapper = stext + 0x1000000;
	voff = swapper - t.root;
	cfg_vmcoreinfo(c, &t, stext, swapper, voff, phys_offset);

	r = kvaddr_init(&kv, &vi, read64, NULL);
	CHECK_EQ(r, 0);
	CHECK(kv.can_walk);
	CHECK_EQ(kv.pgd_pa, t.root);
	CHECK_EQ(kv.start_level, t.start);
	CHECK_EQ(kv.top_bits, t.top_bits);
	CHECK(kv.flipped);

	/* Linear map: (va - PAGE_OFFSET) + PHYS_OFFSET, wrapping. */
	va = (uint64_t) - (1ull << c->va_bits) +
	     0x5b31cff50380ull % (1ull << (c->va_bits - 1));
	CHECK_EQ(kvaddr_to_phys_span(&kv, va, &pa, &span), 0);
	CHECK_EQ(pa, va - (uint64_t) - (1ull << c->va_bits) + phys_offset);
	CHECK_EQ(kv.stats.linear, 1);
	/* The last linear address, and the first one past the region. */
	va = (uint64_t) - (1ull << (c->va_bits - 1)) - 8;
	CHECK_EQ(kvaddr_to_phys_span(&kv, va, &pa, &span), 0);
	CHECK_EQ(span, 8);
	CHECK_EQ(kv.stats.linear, 2);

	/* Kernel image: _stext and swapper_pg_dir by arithmetic. */
	CHECK_EQ(kvaddr_to_phys(&kv, stext + 0x40, &pa), 0);
	CHECK_EQ(pa, stext + 0x40 - voff);
	CHECK_EQ(kvaddr_to_phys(&kv, swapper + page - 8, &pa), 0);
	CHECK_EQ(pa, t.root + page - 8);
	CHECK_EQ(kv.stats.kimage, 2);
	CHECK_EQ(kv.stats.walks, 0);

	/* A block the walk finds right below _stext ends where the kernel-
	 * image window starts: translations never depend on the path. */
	l2size = 1ull << pt_shift(&t, 2);
	va = stext & ~(l2size - 1);
	pt_map(&t, va, 5 * l2size, 2, false);
	CHECK_EQ(kvaddr_to_phys_span(&kv, va + 0x100, &pa, &span), 0);
	CHECK_EQ(pa, 5 * l2size + 0x100);
	CHECK_EQ(span, stext - va - 0x100);
	CHECK_EQ(kvaddr_to_phys_span(&kv, stext - 8, &pa, &span), 0);
	CHECK_EQ(span, 8);
	CHECK_EQ(kvaddr_to_phys(&kv, stext, &pa), 0);
	CHECK_EQ(pa, stext - voff);

	/* Pages: each level's table, the leaf at level 3. */
	base = (uint64_t) - (1ull << (vmin - 2));
	pt_map(&t, base, RAM_BASE + 0x300000, 3, false);
	pt_map(&t, base + page, 0x123450000ull << 4, 3, false);
	kvaddr_flush(&kv);
	mem.reads = 0;
	CHECK_EQ(kvaddr_to_phys_span(&kv, base + 0x123, &pa, &span), 0);
	CHECK_EQ(pa, RAM_BASE + 0x300000 + 0x123);
	CHECK_EQ(span, page - 0x123);
	CHECK_EQ(mem.reads, 4 - t.start);
	/* The same page again: the cached leaf, no read. */
	reads = mem.reads;
	CHECK_EQ(kvaddr_to_phys_span(&kv, base + page - 64, &pa, &span), 0);
	CHECK_EQ(pa, RAM_BASE + 0x300000 + page - 64);
	CHECK_EQ(span, 64);
	CHECK_EQ(mem.reads, reads);
	/* The next page: the cached last-level table, one read. */
	CHECK_EQ(kvaddr_to_phys(&kv, base + page + 8, &pa), 0);
	CHECK_EQ(pa, (0x123450000ull << 4) + 8);
	CHECK_EQ(mem.reads, reads + 1);
	CHECK(kv.stats.table_hits >= 1);
	/* Its neighbour is not mapped: an invalid descriptor, and the whole
	 * page with it. */
	CHECK_EQ(kvaddr_to_phys_span(&kv, base + 2 * page + 8, &pa, &span),
		 -EFAULT);
	CHECK_EQ(span, page - 8);
	/* Nothing at all in another top-level entry: all of it fails. */
	va = base + 0x10 +
	     (1ull << pt_shift(&t, t.start)) * (t.top_bits < 4 ? 0 : 11);
	if (t.top_bits >= 4) {
		CHECK_EQ(kvaddr_to_phys_span(&kv, va, &pa, &span), -EFAULT);
		CHECK_EQ(span, (1ull << pt_shift(&t, t.start)) - 0x10);
	}
	/* Invalid with other bits set (bit 0 alone decides), at the last
	 * level and above it. */
	mem_put64(pt_slot(&t, base + 6 * page, 3, false),
		  pt_enc(&t, RAM_BASE) | LEAF_ATTRS | 2);
	CHECK_EQ(kvaddr_to_phys(&kv, base + 6 * page, &pa), -EFAULT);
	if (t.start < 2) {
		va = base + (1ull << pt_shift(&t, t.start + 1)) * 3;
		mem_put64(pt_slot(&t, va, t.start + 1, false),
			  pt_enc(&t, RAM_BASE) | TABLE_ATTRS | 2);
		CHECK_EQ(kvaddr_to_phys(&kv, va, &pa), -EFAULT);
	}
	/* A user address is not the kernel's. */
	CHECK_EQ(kvaddr_to_phys_span(&kv, 0x400000, &pa, &span), -EINVAL);
	CHECK_EQ(span, 0);
	CHECK_EQ(kvaddr_to_phys(&kv, base & ~(1ull << 63), &pa), -EINVAL);
	/* 0b01 at level 3 is reserved. */
	mem_put64(pt_slot(&t, base + 3 * page, 3, false),
		  pt_enc(&t, RAM_BASE) | 1);
	CHECK_EQ(kvaddr_to_phys(&kv, base + 3 * page, &pa), -EINVAL);

	/* Blocks: where the granule allows them, they translate; elsewhere
	 * they are malformed. */
	for (l = t.start; l < 3; l++) {
		uint64_t size = 1ull << pt_shift(&t, l);
		uint64_t bva = base + 2 * size; /* another entry at level l */
		uint64_t bpa = size;		/* block aligned */
		bool allowed = (c->ps == 12 && (l == 1 || l == 2)) ||
			       (c->ps == 14 && l == 2) ||
			       (c->ps == 16 && (l == 2 || (l == 1 && c->lpa)));

		/* 16K/48's level 0 has two entries: the other one is the
		 * linear map, never walked. */
		if (l == t.start && t.top_bits < 4)
			continue;
		if (c->lpa && l == 1)
			bpa = 3ull << 48; /* a 4T block above 2^48 */
		kvaddr_flush(&kv);
		pt_map(&t, bva, bpa, l, false);
		r = kvaddr_to_phys_span(&kv, bva + size / 2 + 0x18, &pa, &span);
		if (allowed) {
			CHECK_EQ(r, 0);
			CHECK_EQ(pa, bpa + size / 2 + 0x18);
			CHECK_EQ(span, size / 2 - 0x18);
			/* The cached leaf covers the whole block. */
			reads = mem.reads;
			CHECK_EQ(kvaddr_to_phys(&kv, bva + size - 8, &pa), 0);
			CHECK_EQ(pa, bpa + size - 8);
			CHECK_EQ(mem.reads, reads);
		} else {
			CHECK_EQ(r, -EINVAL);
		}
	}
	/* L2 block with PA bits above 2^48 (FEAT_LPA, 64K only). */
	if (c->lpa) {
		l2size = 1ull << pt_shift(&t, 2);
		va = base + 8 * (1ull << pt_shift(&t, t.start));
		pt_map(&t, va, 0xfull << 48 | 7 * l2size, 2, true);
		CHECK_EQ(kvaddr_to_phys(&kv, va + 0x1234, &pa), 0);
		CHECK_EQ(pa, (0xfull << 48) + 7 * l2size + 0x1234);
		/* A page below a table that lives above 2^48. */
		va = base + 9 * (1ull << pt_shift(&t, t.start));
		pt_map(&t, va, 0x5ull << 48 | 0x10000, 3, true);
		CHECK_EQ(kvaddr_to_phys(&kv, va + 0x10, &pa), 0);
		CHECK_EQ(pa, (0x5ull << 48) + 0x10010);
	}
	/* Reading through a translation. */
	pt_map(&t, base + 5 * page, RAM_BASE + 0x3f0000, 3, false);
	mem_put64(RAM_BASE + 0x3f0000 + 0x28, 0x1122334455667788ull);
	{
		uint64_t v = 0;

		CHECK_EQ(kvaddr_read64(&kv, base + 5 * page + 0x28, &v), 0);
		CHECK_EQ(v, 0x1122334455667788ull);
		CHECK_EQ(kvaddr_read64(&kv, base + 5 * page + 0x29, &v),
			 -EINVAL);
	}
	mem_reset();
}

/* A table pointing at itself at every level: the walk ends, it does not
 * loop, and reads one descriptor per level at most. */
static void test_self_loop(void)
{
	const struct cfg c = {12, 48, false};
	uint64_t upper, stext, swapper, va = 0xffff800000000000ull, pa;
	struct kvaddr kv;
	struct pt t;
	unsigned int l;
	int r;

	mem_reset();
	mem_add(RAM_BASE, RAM_SIZE);
	pt_init(&t, c.ps, c.va_bits, false);
	upper = (uint64_t) - (1ull << 47);
	stext = upper + 0x8010000;
	swapper = stext + 0x1000000;
	cfg_vmcoreinfo(&c, &t, stext, swapper, swapper - t.root, 0x40000000);
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	/* Every index of @va points back at the root. */
	for (l = 0; l < 4; l++)
		mem_put64(t.root + 8ull * pt_index(&t, l, va),
			  pt_enc(&t, t.root) | 3);
	mem.reads = 0;
	r = kvaddr_to_phys(&kv, va, &pa);
	/* At level 3 the self-pointer reads as a page: the root itself. */
	CHECK_EQ(r, 0);
	CHECK_EQ(pa, t.root);
	CHECK_EQ(mem.reads, 4);
	/* A different VA whose path loops but ends on an invalid entry. */
	kvaddr_flush(&kv);
	mem.reads = 0;
	r = kvaddr_to_phys(&kv, va + 0x1000, &pa);
	CHECK(r == -EFAULT || r == 0);
	CHECK(mem.reads <= 4);
	/* Loop through a block-shaped entry at level 0: malformed. */
	kvaddr_flush(&kv);
	mem_put64(t.root + 8ull * pt_index(&t, 0, va), pt_enc(&t, t.root) | 1);
	CHECK_EQ(kvaddr_to_phys(&kv, va, &pa), -EINVAL);
	mem_reset();
}

/* Table memory that cannot be read: -EIO, at the root and below it. */
static void test_unreadable(void)
{
	const struct cfg c = {16, 48, false};
	uint64_t upper, stext, swapper, va, pa;
	struct kvaddr kv;
	struct pt t;

	mem_reset();
	mem_add(RAM_BASE, RAM_SIZE);
	pt_init(&t, c.ps, c.va_bits, false);
	upper = (uint64_t) - (1ull << 47);
	stext = upper + 0x8010000;
	swapper = stext + 0x1000000;
	va = (uint64_t) - (1ull << 46);
	cfg_vmcoreinfo(&c, &t, stext, swapper, swapper - t.root, 0x40000000);
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	/* A table descriptor to unbacked memory. */
	mem_put64(t.root + 8ull * pt_index(&t, t.start, va),
		  pt_enc(&t, 0x7000000000ull) | 3);
	CHECK_EQ(kvaddr_to_phys(&kv, va, &pa), -EIO);
	CHECK(kv.stats.faults >= 1);
	mem_reset();
	/* The root itself unbacked. */
	mem_add(0x80000000, 0x10000);
	kvaddr_flush(&kv);
	CHECK_EQ(kvaddr_to_phys(&kv, va, &pa), -EIO);
	mem_reset();
}

/* Debian 12's kernel (6.1.0-56-arm64 in QEMU, KASLR): the lines of a real
 * VMCOREINFO that matter.  PHYS_OFFSET is "negative" because the linear
 * map is randomised. */
static const char debian_vi[] = "OSRELEASE=6.1.0-56-arm64\n"
				"PAGESIZE=4096\n"
				"SYMBOL(swapper_pg_dir)=ffffa065b8258000\n"
				"SYMBOL(_stext)=ffffa065b6c10000\n"
				"SYMBOL(mem_section)=ffff5b31cff50380\n"
				"NUMBER(MAX_PHYSMEM_BITS)=48\n"
				"NUMBER(VA_BITS)=48\n"
				"NUMBER(MODULES_VADDR)=0xffff800000000000\n"
				"NUMBER(VMEMMAP_START)=0xfffffc0000000000\n"
				"NUMBER(kimage_voffset)=0xffffa06576a00000\n"
				"NUMBER(PHYS_OFFSET)=0xffffa4ce80000000\n"
				"NUMBER(TCR_EL1_T1SZ)=0x10\n"
				"KERNELOFFSET=2065aec00000\n";

static void test_debian(void)
{
	struct kvaddr kv;
	uint64_t pa, span;

	mem_reset();
	vi_begin();
	vi_add("%s", debian_vi);
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK_EQ(kv.page_shift, 12);
	CHECK_EQ(kv.va_bits, 48);
	CHECK_EQ(kv.vabits_actual, 48);
	CHECK(kv.flipped);
	CHECK_EQ(kv.lm_start, 0xffff000000000000ull);
	CHECK_EQ(kv.kernel_version, KVADDR_VERSION(6, 1, 0));
	/* swapper_pg_dir: the kernel image's PA (what the walk starts at). */
	CHECK(kv.can_walk);
	CHECK_EQ(kv.pgd_pa, 0x41858000);
	CHECK_EQ(kv.start_level, 0);
	/* mem_section is in the linear map: 0xffff5b31cff50380 - PAGE_OFFSET
	 * + 0xffffa4ce80000000 wraps to 0x4ff50380. */
	CHECK_EQ(kvaddr_to_phys_span(&kv, 0xffff5b31cff50380ull, &pa, &span),
		 0);
	CHECK_EQ(pa, 0x4ff50380);
	CHECK_EQ(span, 0xffff800000000000ull - 0xffff5b31cff50380ull);
	/* RAM starts at 0x40000000: its linear address. */
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff5b31c0000000ull, &pa), 0);
	CHECK_EQ(pa, 0x40000000);
	/* _stext: KERNELOFFSET + MODULES_END + 64K lands at 0x40210000. */
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffffa065b6c10000ull, &pa), 0);
	CHECK_EQ(pa, 0x40210000);
	CHECK_EQ(kv.kimage_start, 0xffffa065b6c10000ull);
	CHECK_EQ(kv.kimage_end, 0xffffa065b8259000ull);
	/* Past swapper_pg_dir's page: .data/.bss need the walk (unbacked
	 * here, so the read fails). */
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffffa065b8259000ull, &pa), -EIO);
	CHECK_EQ(kv.stats.kimage, 1);
	CHECK_EQ(kv.stats.linear, 2);
}

/* A 52-bit kernel (64K pages) on 48-bit hardware, 5.11+: PAGE_OFFSET
 * stays -(1 << 52) while the linear map lives in the 48-bit range, and the
 * top-level table has 1024 entries of which TTBR1 uses the last 64
 * (TTBR1_BADDR_4852_OFFSET): index = (va >> 42) & 1023. */
static void test_52_on_48(void)
{
	uint64_t stext = 0xffff800008010000ull, swapper = stext + 0x1000000;
	uint64_t va = 0xfffffc0000000000ull, pa, root;
	struct kvaddr kv;
	struct pt t;

	mem_reset();
	mem_add(RAM_BASE, RAM_SIZE);
	pt_init(&t, 16, 52, false);
	root = t.root;
	CHECK_EQ(t.top_bits, 10);
	pt_map(&t, va, RAM_BASE + 0x200000, 3, false);
	CHECK(mem_get64(root + 8ull * ((va >> 42) & 1023)) & 1);
	CHECK((va >> 42 & 1023) >= 960);

	vi_begin();
	vi_add("OSRELEASE=6.8.0\nPAGESIZE=65536\n");
	vi_add("SYMBOL(swapper_pg_dir)=%llx\n", (unsigned long long)swapper);
	vi_add("SYMBOL(_stext)=%llx\n", (unsigned long long)stext);
	vi_add("NUMBER(VA_BITS)=52\nNUMBER(MAX_PHYSMEM_BITS)=48\n");
	vi_add("NUMBER(kimage_voffset)=0x%llx\n",
	       (unsigned long long)(swapper - root));
	vi_add("NUMBER(PHYS_OFFSET)=0xfff1000040000000\n");
	vi_add("NUMBER(TCR_EL1_T1SZ)=0x10\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK_EQ(kv.va_bits, 52);
	CHECK_EQ(kv.vabits_actual, 48);
	CHECK_EQ(kv.lm_start, 0xffff000000000000ull);
	CHECK_EQ(kv.lm_base, 0xfff0000000000000ull);
	/* memstart_addr = 0x40000000 - (_PAGE_OFFSET(48) - _PAGE_OFFSET(52))
	 * = 0xfff1000040000000: the first linear address maps to RAM. */
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff000000000000ull, &pa), 0);
	CHECK_EQ(pa, 0x40000000);
	CHECK_EQ(kvaddr_to_phys(&kv, va + 0x42, &pa), 0);
	CHECK_EQ(pa, RAM_BASE + 0x200042);
	/* Outside the 48 bits in use: not translatable. */
	CHECK_EQ(kvaddr_to_phys(&kv, 0xfff8000000000000ull, &pa), -EINVAL);

	/* 5.4-5.10: the linear map is based at _PAGE_OFFSET(48) with the
	 * exported (unadjusted) memstart_addr. */
	vi_add("OSRELEASE=5.10.0\nNUMBER(PHYS_OFFSET)=0x40000000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK_EQ(kv.lm_base, 0xffff000000000000ull);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff000000001000ull, &pa), 0);
	CHECK_EQ(pa, 0x40001000);
	/* Without TCR_EL1_T1SZ (5.4-5.8): mem_section's top bit decides. */
	vi_begin();
	vi_add("OSRELEASE=5.8.0\nPAGESIZE=65536\nNUMBER(VA_BITS)=52\n");
	vi_add("SYMBOL(_stext)=%llx\n", (unsigned long long)stext);
	vi_add("NUMBER(PHYS_OFFSET)=0x40000000\n");
	vi_add("SYMBOL(mem_section)=ffff000012340000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK_EQ(kv.vabits_actual, 48);
	CHECK(!kv.can_walk);
	CHECK(kv.why != NULL);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xfffffc0000000000ull, &pa), -ENODEV);
	vi_add("SYMBOL(mem_section)=fff0000012340000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK_EQ(kv.vabits_actual, 52);
	mem_reset();
}

/* Before 5.4: linear map in the upper half, image and vmalloc below. */
static void test_old_layout(void)
{
	struct kvaddr kv;
	uint64_t pa;

	mem_reset();
	vi_begin();
	vi_add("OSRELEASE=4.14.0\nPAGESIZE=4096\nNUMBER(VA_BITS)=48\n");
	vi_add("SYMBOL(_stext)=ffff000008081000\n");
	vi_add("SYMBOL(swapper_pg_dir)=ffff000009490000\n");
	vi_add("NUMBER(kimage_voffset)=0xfffeffffc7e00000\n");
	vi_add("NUMBER(PHYS_OFFSET)=0x40000000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(!kv.flipped);
	CHECK_EQ(kv.lm_start, 0xffff800000000000ull);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff800000123000ull, &pa), 0);
	CHECK_EQ(pa, 0x40123000);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffffffffffffe000ull, &pa), 0);
	CHECK_EQ(pa, 0x40000000 + 0x7fffffffe000ull);
	CHECK_EQ(kv.pgd_pa, 0xffff000009490000ull - 0xfffeffffc7e00000ull);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff000008081000ull, &pa), 0);
	CHECK_EQ(pa, 0x40281000);
	/* Without _stext, the release decides the layout. */
	vi_begin();
	vi_add("OSRELEASE=4.14.0\nPAGESIZE=4096\nNUMBER(VA_BITS)=48\n");
	vi_add("NUMBER(PHYS_OFFSET)=0x40000000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(!kv.flipped);
	vi_add("OSRELEASE=6.6.3-rt\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(kv.flipped);
	/* Pre-4.6: no kimage_voffset, swapper_pg_dir in the linear map. */
	vi_begin();
	vi_add("OSRELEASE=4.4.0\nPAGESIZE=4096\nNUMBER(VA_BITS)=39\n");
	vi_add("SYMBOL(_stext)=ffffffc000081000\n");
	vi_add("SYMBOL(swapper_pg_dir)=ffffffc000c5e000\n");
	vi_add("NUMBER(PHYS_OFFSET)=0x80000000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(kv.can_walk);
	CHECK_EQ(kv.pgd_pa, 0x80c5e000);
	CHECK_EQ(kv.kimage_end, 0);
}

static int init_text(const char *text)
{
	struct kvaddr kv;

	vi_begin();
	vi_add("%s", text);
	vi_end();
	return kvaddr_init(&kv, &vi, read64, NULL);
}

static void test_refusals(void)
{
	struct kvaddr kv;
	uint64_t pa;

	/* FEAT_LPA2: 4K or 16K pages with 52-bit VAs or PAs. */
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=52\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	CHECK_EQ(init_text("PAGESIZE=16384\nNUMBER(VA_BITS)=52\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
			   "NUMBER(MAX_PHYSMEM_BITS)=52\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	vi_begin();
	vi_add("PAGESIZE=4096\nNUMBER(VA_BITS)=52\nNUMBER(PHYS_OFFSET)=0\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), -ENOTSUP);
	CHECK(kv.why && strstr(kv.why, "LPA2"));
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff000000000000ull, &pa), -ENOTSUP);
	/* VA sizes a granule cannot have, page sizes arm64 has not. */
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=42\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	CHECK_EQ(init_text("PAGESIZE=65536\nNUMBER(VA_BITS)=39\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	CHECK_EQ(init_text("PAGESIZE=8192\nNUMBER(VA_BITS)=48\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENOTSUP);
	/* Missing or malformed keys. */
	CHECK_EQ(init_text("NUMBER(VA_BITS)=48\nNUMBER(PHYS_OFFSET)=0\n"),
		 -ENODEV);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(PHYS_OFFSET)=0\n"), -ENODEV);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
			   "SYMBOL(_stext)=ffff800008010000\n"),
		 -ENODEV);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -ENODEV); /* no layout */
	CHECK_EQ(init_text("PAGESIZE=4k\nNUMBER(VA_BITS)=48\n"), -EINVAL);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
			   "NUMBER(TCR_EL1_T1SZ)=0x19\n"
			   "SYMBOL(_stext)=ffff800008010000\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -EINVAL);
	CHECK_EQ(init_text("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
			   "NUMBER(MAX_PHYSMEM_BITS)=60\n"
			   "SYMBOL(_stext)=ffff800008010000\n"
			   "NUMBER(PHYS_OFFSET)=0\n"),
		 -EINVAL);
	CHECK_EQ(kvaddr_init(&kv, NULL, read64, NULL), -EINVAL);
	CHECK_EQ(kvaddr_init(NULL, &vi, read64, NULL), -EINVAL);
	CHECK_EQ(kvaddr_to_phys(NULL, 0, &pa), -EINVAL);

	/* Walks impossible, linear map fine. */
	vi_begin();
	vi_add("PAGESIZE=4096\nNUMBER(VA_BITS)=48\n"
	       "SYMBOL(_stext)=ffff800008010000\nNUMBER(PHYS_OFFSET)=0\n"
	       "SYMBOL(swapper_pg_dir)=ffff800009c5e000\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(!kv.can_walk);
	CHECK(kv.why && strstr(kv.why, "kimage_voffset"));
	CHECK_EQ(kvaddr_to_phys(&kv, 0xffff000000001000ull, &pa), 0);
	CHECK_EQ(pa, 0x1000);
	CHECK_EQ(kvaddr_to_phys(&kv, 0xfffffc0000000000ull, &pa), -ENODEV);
	vi_add("NUMBER(kimage_voffset)=0xffff7fffc7e00800\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(!kv.can_walk); /* swapper_pg_dir's PA would not be aligned */
	vi_add("SYMBOL(swapper_pg_dir)=ffff800009c5e008\n");
	vi_end();
	CHECK_EQ(kvaddr_init(&kv, &vi, read64, NULL), 0);
	CHECK(!kv.can_walk);
}

static void test_version(void)
{
	uint32_t v = 0;

	vi_begin();
	vi_add("OSRELEASE=6.1.0-56-arm64\n");
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), 0);
	CHECK_EQ(v, KVADDR_VERSION(6, 1, 0));
	vi_add("OSRELEASE=5.15.300+\n");
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), 0);
	CHECK_EQ(v, KVADDR_VERSION(5, 15, 255));
	vi_add("OSRELEASE=6.12-rc1\n");
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), 0);
	CHECK_EQ(v, KVADDR_VERSION(6, 12, 0));
	vi_add("OSRELEASE=linux\n");
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), -EINVAL);
	vi_add("OSRELEASE=6\n");
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), -EINVAL);
	vi_begin();
	vi_end();
	CHECK_EQ(kvaddr_kernel_version(&vi, &v), -ENODEV);
	CHECK_EQ(kvaddr_kernel_version(NULL, &v), -EINVAL);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		test_cfg(&cfgs[i]);
	test_self_loop();
	test_unreadable();
	test_debian();
	test_52_on_48();
	test_old_layout();
	test_refusals();
	test_version();
	mem_reset();
	return check_summary("test_kvaddr");
}
