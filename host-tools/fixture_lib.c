// SPDX-License-Identifier: MIT
/*
 * Synthetic crashes (see fixture_lib.h).  Layout, for RAM at B (QEMU virt:
 * B = 0x40000000):
 *   B + 2 MiB         2 MiB  "kernel image": text, per-CPU crash notes,
 *                            swapper_pg_dir (a zero page)
 *   B + 64 MiB        1 MiB  ordinary RAM
 *   B + 256 MiB       4 KiB  the VMCOREINFO note, outside every PT_LOAD
 *   B + 512 MiB       4 KiB  a one-page range
 *   max(4G, end-1G)   1 MiB  RAM above 4 GiB (if RAM reaches that far)
 *   reservation            payload at its base, shim and elfcorehdr in
 *                            its last two pages
 * The header is what kexec-tools 2.0.25 writes (kexec/crashdump-elf.c,
 * REFERENCE.md 0.4 and 7): a PT_NOTE per CPU, one for VMCOREINFO, the
 * kernel-text PT_LOAD, then the RAM PT_LOADs.
 */
#include "host-tools/fixture_lib.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host-tools/elfcore_build.h"
#include "payload/elf64.h"
#include "payload/elfcore.h"

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* Linux's note_buf_t (CRASH_CORE_NOTE_BYTES) and VMCOREINFO_NOTE_SIZE. */
#define CRASH_NOTES_SIZE     (2 * ELF64_NHDR_SIZE + 8 + ELFCORE_PRSTATUS_SIZE)
#define VMCOREINFO_NOTE_SIZE (2 * ELF64_NHDR_SIZE + 12 + FIXTURE_PAGE_SIZE)

/* The "kernel image" range: where QEMU virt's Linux sits, RAM + 2 MiB
 * (QEMU keeps RAM's first MiB for its own DTB), and offsets inside it. */
#define KERNEL_OFF	 (2 * MIB)
#define TEXT_SIZE	 0x160000ull /* the kernel-text PT_LOAD */
#define SWAPPER_OFF	 0x170000ull /* swapper_pg_dir */
#define PERCPU_OFF	 0x180000ull /* CPU n's notes: + n * PERCPU_STRIDE */
#define PERCPU_STRIDE	 0x8000ull
#define PERCPU_NOTES_OFF 0x9c0ull /* crash_notes inside the per-CPU area */

#define UNBACKED_SIZE (64 * KIB)

static const char *const corrupt_names[FIXTURE_CORRUPT_KINDS] = {
    [FIXTURE_CORRUPT_NONE] = "none",
    [FIXTURE_CORRUPT_TRUNCATED] = "truncated",
    [FIXTURE_CORRUPT_ABSURD_PHNUM] = "absurd-phnum",
    [FIXTURE_CORRUPT_BAD_MAGIC] = "bad-magic",
    [FIXTURE_CORRUPT_OVERLAPPING] = "overlapping-ranges",
    [FIXTURE_CORRUPT_NO_VMCOREINFO] = "no-vmcoreinfo",
    [FIXTURE_CORRUPT_BAD_NOTE_SIZES] = "bad-note-sizes",
};

static const char *const kind_names[FIXTURE_PAGE_KINDS] = {
    "random", "zero", "text", "sparse", "notes",
};

/* splitmix64: small, seedable, the same on every host. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return rng_next(s) % n;
}

void fixture_opts_default(struct fixture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->ram_base = 0x40000000ull;
	o->ram_size = 6 * GIB;
	o->resv_base = 0x7f000000ull;
	o->resv_size = 1 * MIB;
	o->cpus = 2;
}

int fixture_corrupt_parse(const char *name, enum fixture_corrupt *out)
{
	for (unsigned i = 0; i < FIXTURE_CORRUPT_KINDS; i++) {
		if (name && !strcmp(name, corrupt_names[i])) {
			*out = (enum fixture_corrupt)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *fixture_corrupt_name(enum fixture_corrupt kind)
{
	return (unsigned)kind < FIXTURE_CORRUPT_KINDS ? corrupt_names[kind]
						      : "?";
}

int fixture_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, shift = 0, d;
	unsigned base = 10;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = (uint64_t)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (uint64_t)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (uint64_t)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static struct fixture_blob *add_blob(struct fixture *fx, const char *name,
				     uint64_t paddr, size_t size)
{
	struct fixture_blob *b;

	if (fx->nblobs == FIXTURE_MAX_BLOBS)
		return NULL;
	b = &fx->blobs[fx->nblobs];
	b->data = calloc(1, size ? size : 1);
	if (!b->data)
		return NULL;
	if (name)
		snprintf(b->name, sizeof(b->name), "%s", name);
	else
		snprintf(b->name, sizeof(b->name), "mem-%" PRIx64 ".bin",
			 paddr);
	b->paddr = paddr;
	b->size = size;
	fx->nblobs++;
	return b;
}

static const char *const words[] = {
    "kernel",	 "usb",	   "eth0",	  "irq",	"mm",	      "page",
    "alloc",	 "sched",  "ext4",	  "mounted",	"filesystem", "cpu",
    "online",	 "random", "crng",	  "init",	"done",	      "virtio",
    "blk",	 "timer",  "clocksource", "arch_timer", "psci",	      "smp",
    "workqueue", "panic",  "Oops",	  "pstate",	"x29",	      "lr",
};

/* Log-like lines: compressible, like the page cache and printk buffers. */
static void fill_text(uint8_t *p, uint64_t *rng)
{
	size_t o = 0;
	char line[160];
	int n;

	while (o < FIXTURE_PAGE_SIZE) {
		n = snprintf(
		    line, sizeof(line), "[%5u.%06u] %s: %s %s %s %u\n",
		    (unsigned)rng_below(rng, 100000),
		    (unsigned)rng_below(rng, 1000000),
		    words[rng_below(rng, sizeof(words) / sizeof(*words))],
		    words[rng_below(rng, sizeof(words) / sizeof(*words))],
		    words[rng_below(rng, sizeof(words) / sizeof(*words))],
		    words[rng_below(rng, sizeof(words) / sizeof(*words))],
		    (unsigned)rng_below(rng, 4096));
		for (int i = 0; i < n && o < FIXTURE_PAGE_SIZE; i++)
			p[o++] = (uint8_t)line[i];
	}
}

/* An array of structs: pointers, counters, flags, as in a slab page. */
static void fill_pattern(uint8_t *p, uint64_t *rng)
{
	uint64_t base = FIXTURE_PAGE_OFFSET + (rng_next(rng) & 0x3ffff000ull);

	for (unsigned i = 0; i < FIXTURE_PAGE_SIZE / 32; i++) {
		elf64_put64(p + 32 * i, base + 32 * i);
		elf64_put64(p + 32 * i + 8, base + 32 * (i + 1));
		elf64_put32(p + 32 * i + 16, i);
		elf64_put32(p + 32 * i + 20, 0x5a5a0000u | (i & 7));
		elf64_put64(p + 32 * i + 24, 0);
	}
}

static enum fixture_page_kind fill_page(uint8_t *p, uint64_t *rng,
					enum fixture_page_kind kind)
{
	uint64_t off;

	switch (kind) {
	case FIXTURE_PAGE_RANDOM:
		for (unsigned i = 0; i < FIXTURE_PAGE_SIZE; i += 8)
			elf64_put64(p + i, rng_next(rng));
		break;
	case FIXTURE_PAGE_TEXT:
		if (rng_below(rng, 3))
			fill_text(p, rng);
		else
			fill_pattern(p, rng);
		break;
	case FIXTURE_PAGE_SPARSE:
		/* The page's edges too: a zero check that skips one is wrong.
		 */
		switch (rng_below(rng, 4)) {
		case 0:
			off = 0;
			break;
		case 1:
			off = FIXTURE_PAGE_SIZE - 1;
			break;
		default:
			off = rng_below(rng, FIXTURE_PAGE_SIZE);
		}
		p[off] = (uint8_t)(1 + rng_below(rng, 255));
		break;
	default:
		break;
	}
	return kind;
}

static enum fixture_page_kind pick_kind(uint64_t *rng)
{
	uint64_t r = rng_below(rng, 100);

	if (r < 30)
		return FIXTURE_PAGE_RANDOM;
	if (r < 60)
		return FIXTURE_PAGE_ZERO;
	if (r < 85)
		return FIXTURE_PAGE_TEXT;
	return FIXTURE_PAGE_SPARSE;
}

/* Page kinds, one byte per page of each RAM blob, for the counts. */
struct kind_map {
	uint8_t *k[FIXTURE_MAX_BLOBS];
};

static int fill_range(struct fixture *fx, struct fixture_blob *b,
		      struct kind_map *km, uint64_t *rng)
{
	size_t npages = b->size / FIXTURE_PAGE_SIZE;
	uint8_t *kinds = calloc(1, npages);
	enum fixture_page_kind kind;

	if (!kinds)
		return -ENOMEM;
	km->k[b - fx->blobs] = kinds;
	for (size_t i = 0; i < npages; i++) {
		/* Every kind early in each range, then a seeded mix. */
		if (npages == 1)
			kind = FIXTURE_PAGE_SPARSE;
		else if (i < 4)
			kind = (enum fixture_page_kind)i;
		else
			kind = pick_kind(rng);
		kinds[i] = (uint8_t)fill_page(b->data + i * FIXTURE_PAGE_SIZE,
					      rng, kind);
	}
	return 0;
}

/* Set a page of a RAM blob to a kind, zeroing it. */
static void reset_page(struct fixture *fx, struct kind_map *km, uint64_t pa,
		       enum fixture_page_kind kind)
{
	for (size_t i = 0; i < fx->nblobs; i++) {
		struct fixture_blob *b = &fx->blobs[i];

		if (km->k[i] && pa >= b->paddr && pa < b->paddr + b->size) {
			size_t pg = (pa - b->paddr) / FIXTURE_PAGE_SIZE;

			if (km->k[i][pg] != FIXTURE_PAGE_NOTES)
				memset(b->data + pg * FIXTURE_PAGE_SIZE, 0,
				       FIXTURE_PAGE_SIZE);
			km->k[i][pg] = (uint8_t)kind;
		}
	}
}

static uint8_t *blob_at(struct fixture *fx, uint64_t pa, size_t len)
{
	for (size_t i = 0; i < fx->nblobs; i++) {
		struct fixture_blob *b = &fx->blobs[i];

		if (pa >= b->paddr && pa - b->paddr + len <= b->size)
			return b->data + (pa - b->paddr);
	}
	return NULL;
}

/* Append to the VMCOREINFO text as the kernel's vmcoreinfo_append_str(). */
static void vi_add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static int make_vmcoreinfo(struct fixture *fx, uint64_t *rng)
{
	const size_t cap = FIXTURE_PAGE_SIZE;
	char *t = calloc(1, cap);
	size_t n = 0;
	uint64_t text = FIXTURE_TEXT_VA;

	if (!t)
		return -ENOMEM;
	vi_add(t, cap, &n, "OSRELEASE=%s\n", FIXTURE_OSRELEASE);
	vi_add(t, cap, &n,
	       "BUILD-ID=%016" PRIx64 "%016" PRIx64 "%08" PRIx32 "\n",
	       rng_next(rng), rng_next(rng), (uint32_t)rng_next(rng));
	vi_add(t, cap, &n, "PAGESIZE=%u\n", FIXTURE_PAGE_SIZE);
	vi_add(t, cap, &n, "SYMBOL(init_uts_ns)=%" PRIx64 "\n",
	       text + 0x1c1a2e8);
	vi_add(t, cap, &n, "OFFSET(uts_namespace.name)=0\n");
	vi_add(t, cap, &n, "SYMBOL(node_online_map)=%" PRIx64 "\n",
	       text + 0x1bd3b00);
	vi_add(t, cap, &n, "SYMBOL(swapper_pg_dir)=%" PRIx64 "\n",
	       fx->swapper_pg_dir);
	vi_add(t, cap, &n, "SYMBOL(_stext)=%" PRIx64 "\n", FIXTURE_STEXT_VA);
	vi_add(t, cap, &n, "SYMBOL(vmap_area_list)=%" PRIx64 "\n",
	       text + 0x1b2c4d0);
	vi_add(t, cap, &n, "SYMBOL(mem_section)=%" PRIx64 "\n",
	       0xffff0000ff7f6000ull);
	vi_add(t, cap, &n, "LENGTH(mem_section)=64\n");
	vi_add(t, cap, &n, "SIZE(mem_section)=16\n");
	vi_add(t, cap, &n, "OFFSET(mem_section.section_mem_map)=0\n");
	vi_add(t, cap, &n, "NUMBER(SECTION_SIZE_BITS)=27\n");
	vi_add(t, cap, &n, "NUMBER(MAX_PHYSMEM_BITS)=48\n");
	vi_add(t, cap, &n, "SIZE(page)=64\n");
	vi_add(t, cap, &n, "SIZE(pglist_data)=6656\n");
	vi_add(t, cap, &n, "SIZE(zone)=1664\n");
	vi_add(t, cap, &n, "SIZE(free_area)=104\n");
	vi_add(t, cap, &n, "SIZE(list_head)=16\n");
	vi_add(t, cap, &n, "SIZE(nodemask_t)=8\n");
	vi_add(t, cap, &n, "OFFSET(page.flags)=0\n");
	vi_add(t, cap, &n, "OFFSET(page._refcount)=52\n");
	vi_add(t, cap, &n, "OFFSET(page.mapping)=24\n");
	vi_add(t, cap, &n, "OFFSET(page.lru)=8\n");
	vi_add(t, cap, &n, "OFFSET(page._mapcount)=48\n");
	vi_add(t, cap, &n, "OFFSET(page.private)=40\n");
	vi_add(t, cap, &n, "OFFSET(page.compound_dtor)=16\n");
	vi_add(t, cap, &n, "OFFSET(page.compound_order)=17\n");
	vi_add(t, cap, &n, "OFFSET(page.compound_head)=8\n");
	vi_add(t, cap, &n, "OFFSET(pglist_data.node_zones)=0\n");
	vi_add(t, cap, &n, "OFFSET(pglist_data.nr_zones)=6400\n");
	vi_add(t, cap, &n, "OFFSET(pglist_data.node_start_pfn)=6424\n");
	vi_add(t, cap, &n, "OFFSET(pglist_data.node_spanned_pages)=6440\n");
	vi_add(t, cap, &n, "OFFSET(pglist_data.node_id)=6448\n");
	vi_add(t, cap, &n, "OFFSET(zone.free_area)=192\n");
	vi_add(t, cap, &n, "OFFSET(zone.vm_stat)=1536\n");
	vi_add(t, cap, &n, "OFFSET(zone.spanned_pages)=104\n");
	vi_add(t, cap, &n, "OFFSET(free_area.free_list)=0\n");
	vi_add(t, cap, &n, "OFFSET(list_head.next)=0\n");
	vi_add(t, cap, &n, "OFFSET(list_head.prev)=8\n");
	vi_add(t, cap, &n, "LENGTH(zone.free_area)=11\n");
	vi_add(t, cap, &n, "SYMBOL(prb)=%" PRIx64 "\n", text + 0x1a3e1b8);
	vi_add(t, cap, &n, "SYMBOL(printk_rb_static)=%" PRIx64 "\n",
	       text + 0x1a3e1c0);
	vi_add(t, cap, &n, "SYMBOL(clear_seq)=%" PRIx64 "\n", text + 0x1d8c7a0);
	vi_add(t, cap, &n, "SIZE(printk_ringbuffer)=80\n");
	vi_add(t, cap, &n, "OFFSET(printk_ringbuffer.desc_ring)=0\n");
	vi_add(t, cap, &n, "OFFSET(printk_ringbuffer.text_data_ring)=48\n");
	vi_add(t, cap, &n, "OFFSET(printk_ringbuffer.fail)=72\n");
	vi_add(t, cap, &n, "LENGTH(free_area.free_list)=6\n");
	vi_add(t, cap, &n, "NUMBER(NR_FREE_PAGES)=0\n");
	vi_add(t, cap, &n, "NUMBER(PG_lru)=4\n");
	vi_add(t, cap, &n, "NUMBER(PG_private)=13\n");
	vi_add(t, cap, &n, "NUMBER(PG_swapcache)=10\n");
	vi_add(t, cap, &n, "NUMBER(PG_swapbacked)=19\n");
	vi_add(t, cap, &n, "NUMBER(PG_slab)=9\n");
	vi_add(t, cap, &n, "NUMBER(PG_hwpoison)=22\n");
	vi_add(t, cap, &n, "NUMBER(PG_head_mask)=65536\n");
	vi_add(t, cap, &n, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n");
	vi_add(t, cap, &n, "NUMBER(HUGETLB_PAGE_DTOR)=2\n");
	vi_add(t, cap, &n, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n");
	/* arch/arm64: VA_BITS with %d, the addresses in 0x-hex. */
	vi_add(t, cap, &n, "NUMBER(VA_BITS)=48\n");
	vi_add(t, cap, &n, "NUMBER(MODULES_VADDR)=0x%" PRIx64 "\n",
	       0xffff800000000000ull);
	vi_add(t, cap, &n, "NUMBER(MODULES_END)=0x%" PRIx64 "\n",
	       0xffff800008000000ull);
	vi_add(t, cap, &n, "NUMBER(VMALLOC_START)=0x%" PRIx64 "\n",
	       0xffff800008000000ull);
	vi_add(t, cap, &n, "NUMBER(VMALLOC_END)=0x%" PRIx64 "\n",
	       0xfffffbfff0000000ull);
	vi_add(t, cap, &n, "NUMBER(VMEMMAP_START)=0x%" PRIx64 "\n",
	       0xfffffc0000000000ull);
	vi_add(t, cap, &n, "NUMBER(VMEMMAP_END)=0x%" PRIx64 "\n",
	       0xfffffe0000000000ull);
	vi_add(t, cap, &n, "NUMBER(kimage_voffset)=0x%" PRIx64 "\n",
	       fx->kimage_voffset);
	vi_add(t, cap, &n, "NUMBER(PHYS_OFFSET)=0x%" PRIx64 "\n",
	       fx->opts.ram_base);
	vi_add(t, cap, &n, "NUMBER(TCR_EL1_T1SZ)=0x10\n");
	vi_add(t, cap, &n, "KERNELPACMASK=0x0\n");
	vi_add(t, cap, &n, "KERNELOFFSET=0\n");
	/* crash_save_vmcoreinfo() appends this at panic. */
	vi_add(t, cap, &n, "CRASHTIME=%" PRIu64 "\n", fx->crashtime);
	fx->vmcoreinfo = t;
	fx->vmcoreinfo_len = n;
	return 0;
}

static void make_cpu(struct fixture_cpu *c, unsigned cpu, uint64_t notes_pa)
{
	c->notes_paddr = notes_pa;
	c->notes_size = CRASH_NOTES_SIZE;
	for (unsigned i = 0; i < 29; i++)
		c->regs[i] = 0xc0de000000000000ull | (uint64_t)cpu << 16 | i;
	c->sp = 0xffff80000a003d50ull - cpu * 0x4000ull;
	c->regs[29] = c->sp + 0x40;			      /* fp */
	c->regs[30] = 0xffff80000820017cull + cpu * 0x100ull; /* lr */
	c->pc = FIXTURE_PC_BASE + cpu;
	c->pstate = 0x600003c5; /* EL1h, DAIF masked, Z and C set */
	c->pid = (int32_t)(4242 + cpu);
	c->valid = true;
}

static int write_cpu_notes(struct fixture *fx, unsigned cpu, bool broken)
{
	struct fixture_cpu *c = &fx->cpus[cpu];
	uint8_t desc[ELFCORE_PRSTATUS_SIZE];
	uint8_t *p = blob_at(fx, c->notes_paddr, c->notes_size);
	size_t n;

	if (!p)
		return -EINVAL;
	elfcore_build_prstatus(desc, c->pid, c->regs, c->sp, c->pc, c->pstate);
	n = elfcore_build_note(p, c->notes_size, ELFCORE_NOTE_CORE, NT_PRSTATUS,
			       desc, sizeof(desc));
	if (!n || !elfcore_build_terminator(p + n, c->notes_size - n))
		return -EINVAL;
	if (broken) {
		/* n_descsz far past the buffer: the note overruns it. */
		elf64_put32(p + ELF64_N_DESCSZ, 0x7ffffff0u);
		c->valid = false;
	}
	return 0;
}

static int add_range(struct fixture_range *r, size_t *n, uint64_t pa,
		     uint64_t size)
{
	if (*n == FIXTURE_MAX_RANGES)
		return -ENOSPC;
	r[*n].paddr = pa;
	r[*n].size = size;
	(*n)++;
	return 0;
}

static uint64_t ram_vaddr(const struct fixture *fx, uint64_t pa)
{
	/* Debian's kexec-tools took page_offset as 0 (REFERENCE.md 7). */
	if (fx->opts.garbage_text)
		return pa - fx->opts.ram_base;
	return FIXTURE_PAGE_OFFSET + (pa - fx->opts.ram_base);
}

static int make_header(struct fixture *fx)
{
	const struct fixture_opts *o = &fx->opts;
	struct elfcore_build *b = elfcore_build_new();
	struct fixture_blob *blob;
	uint8_t *buf;
	size_t len;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (unsigned i = 0; i < fx->ncpus; i++)
		ret |= elfcore_build_add_note(b, fx->cpus[i].notes_paddr,
					      fx->cpus[i].notes_size);
	if (o->corrupt == FIXTURE_CORRUPT_BAD_NOTE_SIZES) {
		/* An empty PT_NOTE and one that wraps around 2^64. */
		ret |= elfcore_build_add_note(b, fx->cpus[0].notes_paddr, 0);
		ret |= elfcore_build_add_note(b, 0xfffffffffffff000ull, 0x2000);
	}
	if (o->corrupt != FIXTURE_CORRUPT_NO_VMCOREINFO)
		ret |= elfcore_build_add_note(b, fx->vmcoreinfo_paddr,
					      VMCOREINFO_NOTE_SIZE);
	if (o->garbage_text)
		ret |= elfcore_build_add_load(b, 0xffff7fffc8000000ull,
					      0x0000800037ff0000ull,
					      ELFCORE_VADDR_UNKNOWN);
	else
		ret |= elfcore_build_add_load(b, o->ram_base + KERNEL_OFF,
					      TEXT_SIZE, FIXTURE_TEXT_VA);
	for (size_t i = 0; i < fx->nloads; i++) {
		uint64_t pa = fx->loads[i].paddr, sz = fx->loads[i].size;

		if (o->corrupt == FIXTURE_CORRUPT_OVERLAPPING &&
		    sz >= 1 * MIB) {
			/* Two overlapping halves, a repeat, one inside. */
			uint64_t q = sz / 4;

			ret |= elfcore_build_add_load(b, pa + q, sz - q,
						      ram_vaddr(fx, pa + q));
			ret |= elfcore_build_add_load(b, pa, 3 * q,
						      ram_vaddr(fx, pa));
			ret |= elfcore_build_add_load(b, pa, 3 * q,
						      ram_vaddr(fx, pa));
			ret |= elfcore_build_add_load(b, pa + q, q,
						      ram_vaddr(fx, pa + q));
			continue;
		}
		ret |= elfcore_build_add_load(b, pa, sz, ram_vaddr(fx, pa));
	}
	for (size_t i = 0; i < fx->nunreadable; i++)
		ret |= elfcore_build_add_load(
		    b, fx->unreadable[i].paddr, fx->unreadable[i].size,
		    ram_vaddr(fx, fx->unreadable[i].paddr));
	if (ret) {
		elfcore_build_free(b);
		return -ENOMEM;
	}
	buf = elfcore_build_serialize(b, &len);
	elfcore_build_free(b);
	if (!buf)
		return -ENOMEM;
	if (len > FIXTURE_PAGE_SIZE) {
		free(buf);
		return -EINVAL;
	}
	fx->hdr_size = len;
	switch (o->corrupt) {
	case FIXTURE_CORRUPT_TRUNCATED:
		/* The property ends inside the third program header. */
		fx->hdr_size = ELF64_EHDR_SIZE + 2 * ELF64_PHDR_SIZE + 20;
		break;
	case FIXTURE_CORRUPT_ABSURD_PHNUM:
		elf64_put16(buf + ELF64_E_PHNUM, 0xfff0);
		break;
	case FIXTURE_CORRUPT_BAD_MAGIC:
		buf[EI_MAG1] = 'X';
		break;
	default:
		break;
	}
	blob = add_blob(fx, "elfcorehdr.bin", fx->hdr_paddr, len);
	if (!blob) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(blob->data, buf, len);
	free(buf);
	return 0;
}

static int check_layout(const struct fixture *fx)
{
	const struct fixture_opts *o = &fx->opts;
	uint64_t ram_end = o->ram_base + o->ram_size;

	if (o->resv_base < o->ram_base ||
	    o->resv_size > ram_end - o->resv_base ||
	    o->resv_base + o->resv_size > ram_end)
		return -EINVAL;
	for (size_t i = 0; i < fx->nblobs; i++) {
		const struct fixture_blob *b = &fx->blobs[i];

		if (b->paddr < o->ram_base || b->paddr + b->size > ram_end)
			return -EINVAL;
		if (b->paddr != fx->hdr_paddr &&
		    overlaps(b->paddr, b->size, o->resv_base, o->resv_size))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (overlaps(b->paddr, b->size, fx->blobs[j].paddr,
				     fx->blobs[j].size))
				return -EINVAL;
	}
	return 0;
}

int fixture_build(struct fixture *fx, const struct fixture_opts *o)
{
	struct kind_map km;
	uint64_t rng, ram_end, hi, pa;
	struct fixture_blob *b;
	int ret;

	memset(fx, 0, sizeof(*fx));
	memset(&km, 0, sizeof(km));
	if (!o)
		return -EINVAL;
	fx->opts = *o;
	ram_end = o->ram_base + o->ram_size;
	if (o->cpus < 1 || o->cpus > FIXTURE_MAX_CPUS ||
	    (unsigned)o->corrupt >= FIXTURE_CORRUPT_KINDS ||
	    o->ram_base % (2 * MIB) || o->ram_size % (2 * MIB) ||
	    o->ram_size < 768 * MIB || ram_end < o->ram_base ||
	    ram_end > ELFCORE_PHYS_LIMIT / 2 || o->resv_base % (64 * KIB) ||
	    o->resv_size % FIXTURE_PAGE_SIZE || o->resv_size < 64 * KIB)
		return -EINVAL;
	rng = o->seed;
	fx->ncpus = o->cpus;
	fx->crashtime = 1700000000ull + rng_below(&rng, 100000000ull);
	fx->kimage_voffset = FIXTURE_TEXT_VA - (o->ram_base + KERNEL_OFF);
	fx->swapper_pg_dir = FIXTURE_TEXT_VA + SWAPPER_OFF;
	fx->hdr_paddr = o->resv_base + o->resv_size - FIXTURE_PAGE_SIZE;
	fx->shim_paddr = fx->hdr_paddr - FIXTURE_PAGE_SIZE;
	fx->expect_map = o->corrupt != FIXTURE_CORRUPT_TRUNCATED &&
			 o->corrupt != FIXTURE_CORRUPT_ABSURD_PHNUM &&
			 o->corrupt != FIXTURE_CORRUPT_BAD_MAGIC;

	/* RAM ranges, sorted. */
	add_range(fx->loads, &fx->nloads, o->ram_base + KERNEL_OFF, 2 * MIB);
	add_range(fx->loads, &fx->nloads, o->ram_base + 64 * MIB, 1 * MIB);
	add_range(fx->loads, &fx->nloads, o->ram_base + 512 * MIB,
		  FIXTURE_PAGE_SIZE);
	if (ram_end >= 4 * GIB + 64 * MIB) {
		hi = ram_end - 1 * GIB;
		if (hi < 4 * GIB)
			hi = 4 * GIB;
		add_range(fx->loads, &fx->nloads, hi & ~(2 * MIB - 1), 1 * MIB);
	}
	add_range(fx->memory, &fx->nmemory, o->ram_base, o->ram_size);
	if (o->no_memory_range) {
		/* The next 1 GiB boundary past RAM: nothing there in QEMU
		 * virt (its high devices start at 256 GiB), so a read takes
		 * a synchronous external abort.  /memory claims it. */
		pa = (ram_end + 1 * GIB) & ~(1 * GIB - 1);
		add_range(fx->unreadable, &fx->nunreadable, pa, UNBACKED_SIZE);
		add_range(fx->memory, &fx->nmemory, pa, UNBACKED_SIZE);
	}
	for (size_t i = 0; i < fx->nloads; i++) {
		b = add_blob(fx, NULL, fx->loads[i].paddr, fx->loads[i].size);
		if (!b) {
			ret = -ENOMEM;
			goto out;
		}
		ret = fill_range(fx, b, &km, &rng);
		if (ret)
			goto out;
	}

	/* swapper_pg_dir: empty tables (a walk finds nothing mapped). */
	reset_page(fx, &km, o->ram_base + KERNEL_OFF + SWAPPER_OFF,
		   FIXTURE_PAGE_ZERO);
	for (unsigned i = 0; i < fx->ncpus; i++) {
		pa = o->ram_base + KERNEL_OFF + PERCPU_OFF + i * PERCPU_STRIDE +
		     PERCPU_NOTES_OFF;
		make_cpu(&fx->cpus[i], i, pa);
		reset_page(fx, &km, pa & ~(uint64_t)(FIXTURE_PAGE_SIZE - 1),
			   FIXTURE_PAGE_NOTES);
		ret = write_cpu_notes(
		    fx, i,
		    i == 0 && o->corrupt == FIXTURE_CORRUPT_BAD_NOTE_SIZES);
		if (ret)
			goto out;
	}

	/* The VMCOREINFO note, page-allocated as the kernel does. */
	ret = make_vmcoreinfo(fx, &rng);
	if (ret)
		goto out;
	fx->vmcoreinfo_paddr = o->ram_base + 256 * MIB;
	fx->vmcoreinfo_size = VMCOREINFO_NOTE_SIZE;
	b = add_blob(fx, NULL, fx->vmcoreinfo_paddr, VMCOREINFO_NOTE_SIZE);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	{
		size_t n = elfcore_build_note(
		    b->data, b->size, ELFCORE_NOTE_VMCOREINFO, 0,
		    fx->vmcoreinfo, (uint32_t)fx->vmcoreinfo_len);

		if (!n || !elfcore_build_terminator(b->data + n, b->size - n)) {
			ret = -EINVAL;
			goto out;
		}
	}

	ret = make_header(fx);
	if (ret)
		goto out;
	ret = check_layout(fx);
	if (ret)
		goto out;

	/* Counts, after every overlay. */
	for (size_t i = 0; i < fx->nblobs; i++) {
		const struct fixture_blob *rb = &fx->blobs[i];

		if (!km.k[i])
			continue;
		for (size_t pg = 0; pg < rb->size / FIXTURE_PAGE_SIZE; pg++) {
			const uint8_t *p = rb->data + pg * FIXTURE_PAGE_SIZE;
			size_t k = 0;

			fx->pages[km.k[i][pg]]++;
			while (k < FIXTURE_PAGE_SIZE && !p[k])
				k++;
			if (k == FIXTURE_PAGE_SIZE)
				fx->zero_pages++;
		}
	}
out:
	for (size_t i = 0; i < FIXTURE_MAX_BLOBS; i++)
		free(km.k[i]);
	return ret;
}

void fixture_read(const struct fixture *fx, uint64_t paddr, void *buf,
		  size_t len)
{
	uint8_t *out = buf;

	memset(buf, 0, len);
	for (size_t i = 0; i < fx->nblobs; i++) {
		const struct fixture_blob *b = &fx->blobs[i];
		uint64_t s = paddr > b->paddr ? paddr : b->paddr;
		uint64_t e = paddr + len < b->paddr + b->size
				 ? paddr + len
				 : b->paddr + b->size;

		if (s < e)
			memcpy(out + (s - paddr), b->data + (s - b->paddr),
			       e - s);
	}
}

const struct fixture_blob *fixture_blob_find(const struct fixture *fx,
					     const char *name)
{
	for (size_t i = 0; i < fx->nblobs; i++)
		if (!strcmp(fx->blobs[i].name, name))
			return &fx->blobs[i];
	return NULL;
}

void fixture_free(struct fixture *fx)
{
	if (!fx)
		return;
	for (size_t i = 0; i < fx->nblobs; i++)
		free(fx->blobs[i].data);
	free(fx->vmcoreinfo);
	memset(fx, 0, sizeof(*fx));
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char path[4096];
	FILE *f;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	if (len && fwrite(data, 1, len, f) != len)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	return ret;
}

static void json_ranges(FILE *f, const char *key, const struct fixture_range *r,
			size_t n)
{
	fprintf(f, "  \"%s\": [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
			r[i].paddr, r[i].size);
	fprintf(f, "],\n");
}

static void mem_name(char *buf, size_t cap, uint64_t size)
{
	if (size % GIB == 0)
		snprintf(buf, cap, "%" PRIu64 "G", size / GIB);
	else
		snprintf(buf, cap, "%" PRIu64 "M", size / MIB);
}

static int write_manifest(const struct fixture *fx, const char *dir)
{
	char path[4096], mem[32];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/manifest.json", dir) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	mem_name(mem, sizeof(mem), fx->opts.ram_size);
	fprintf(f, "{\n  \"machine\": \"virt\",\n  \"mem\": \"%s\",\n", mem);
	fprintf(f, "  \"seed\": %" PRIu64 ",\n", fx->opts.seed);
	fprintf(f, "  \"ram\": [%" PRIu64 ", %" PRIu64 "],\n",
		fx->opts.ram_base, fx->opts.ram_size);
	fprintf(f, "  \"reservation\": [%" PRIu64 ", %" PRIu64 "],\n",
		fx->opts.resv_base, fx->opts.resv_size);
	fprintf(f, "  \"elfcorehdr\": [%" PRIu64 ", %" PRIu64 "],\n",
		fx->hdr_paddr, fx->hdr_size);
	fprintf(f, "  \"shim\": %" PRIu64 ",\n", fx->shim_paddr);
	fprintf(f, "  \"blobs\": [");
	for (size_t i = 0; i < fx->nblobs; i++)
		fprintf(f, "%s[\"%s\", %" PRIu64 "]", i ? ", " : "",
			fx->blobs[i].name, fx->blobs[i].paddr);
	fprintf(f, "],\n");
	json_ranges(f, "loads", fx->loads, fx->nloads);
	json_ranges(f, "unreadable", fx->unreadable, fx->nunreadable);
	json_ranges(f, "memory", fx->memory, fx->nmemory);
	fprintf(f, "  \"cpus\": [");
	for (unsigned i = 0; i < fx->ncpus; i++) {
		const struct fixture_cpu *c = &fx->cpus[i];

		fprintf(f,
			"%s\n    {\"cpu\": %u, \"valid\": %s, \"pc\": %" PRIu64
			", \"x30\": %" PRIu64 ", \"sp\": %" PRIu64
			", \"pid\": %" PRId32 ", \"pstate\": %" PRIu64
			", \"notes\": [%" PRIu64 ", %" PRIu64 "]}",
			i ? "," : "", i, c->valid ? "true" : "false", c->pc,
			c->regs[30], c->sp, c->pid, c->pstate, c->notes_paddr,
			c->notes_size);
	}
	fprintf(f, "\n  ],\n");
	fprintf(f, "  \"crashtime\": %" PRIu64 ",\n", fx->crashtime);
	fprintf(f, "  \"osrelease\": \"%s\",\n", FIXTURE_OSRELEASE);
	if (fx->opts.corrupt == FIXTURE_CORRUPT_NO_VMCOREINFO)
		fprintf(f, "  \"vmcoreinfo\": null,\n");
	else
		fprintf(f, "  \"vmcoreinfo\": [%" PRIu64 ", %" PRIu64 "],\n",
			fx->vmcoreinfo_paddr, fx->vmcoreinfo_size);
	fprintf(f, "  \"kimage_voffset\": %" PRIu64 ",\n", fx->kimage_voffset);
	fprintf(f, "  \"garbage_text\": %s,\n",
		fx->opts.garbage_text ? "true" : "false");
	if (fx->opts.corrupt == FIXTURE_CORRUPT_NONE)
		fprintf(f, "  \"corrupt\": null,\n");
	else
		fprintf(f, "  \"corrupt\": \"%s\",\n",
			fixture_corrupt_name(fx->opts.corrupt));
	fprintf(f, "  \"expect_map\": %s,\n",
		fx->expect_map ? "true" : "false");
	fprintf(f, "  \"pages\": {");
	for (unsigned k = 0; k < FIXTURE_PAGE_KINDS; k++)
		fprintf(f, "\"%s\": %" PRIu64 ", ", kind_names[k],
			fx->pages[k]);
	fprintf(f, "\"all_zero\": %" PRIu64 "}\n}\n", fx->zero_pages);
	if (fclose(f))
		return -EIO;
	return 0;
}

int fixture_write(const struct fixture *fx, const char *dir)
{
	int ret;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	for (size_t i = 0; i < fx->nblobs; i++) {
		ret = write_file(dir, fx->blobs[i].name, fx->blobs[i].data,
				 fx->blobs[i].size);
		if (ret)
			return ret;
	}
	return write_manifest(fx, dir);
}
