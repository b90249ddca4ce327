// SPDX-License-Identifier: MIT
/*
 * drivers/pci/ecam.c against an ECAM configuration-space model: type 0
 * and type 1 headers, BARs with sizing semantics (32/64-bit, I/O,
 * prefetchable; all ones written, size mask read back), the Command
 * register, bridges routing configuration cycles to their secondary bus,
 * multi-function devices and a single-function one that answers for every
 * function number.  A QEMU virt shaped host (ECAM above 4 GiB, a 32-bit
 * and a 64-bit memory window) with functions the dead kernel left
 * mastering the bus.
 */
#include <errno.h>
#include <string.h>

#include "drivers/pci/pci.h"
#include "include/compiler.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fdt_build.h"

#define ECAM 0x4010000000ull		/* QEMU virt, highmem on */
#define ECAM_MODEL_BUSES 4
#define MEM32_BASE 0x10000000ull
#define MEM32_SIZE 0x2eff0000ull
#define MEM64_BASE 0x8000000000ull
#define MEM64_SIZE 0x8000000000ull

#define CMD_IO 0x1
#define CMD_MEM 0x2
#define CMD_MASTER 0x4
#define CMD_INTX_DISABLE 0x400
#define CMD_RW (CMD_IO | CMD_MEM | CMD_MASTER | CMD_INTX_DISABLE)
#define BAR_IO 0x1
#define BAR_64 0x4
#define BAR_PREF 0x8

struct mfn {
	bool present;
	uint8_t bus, dev, fn;
	bool alias;		/* answers for every function number */
	uint8_t cfg[4096];	/* ECAM: the extended space too */
	uint64_t bar_size[6];	/* lower slot of a 64-bit BAR only */
	uint8_t bar_flags[6];
	unsigned int bar_writes_decoding;	/* BAR written with decode on */
	unsigned int cmd_wide_writes;		/* COMMAND written 32 bits wide */
	unsigned int accesses;
};

#define FNS_MAX 24
static struct mfn fns[FNS_MAX];
static unsigned int nfns;
static unsigned int model_violations;

static uint16_t rd16(const struct mfn *f, unsigned int off)
{
	return (uint16_t)(f->cfg[off] | f->cfg[off + 1] << 8);
}

static uint32_t rd32(const struct mfn *f, unsigned int off)
{
	return (uint32_t)rd16(f, off) | (uint32_t)rd16(f, off + 2) << 16;
}

static void wr16(struct mfn *f, unsigned int off, uint16_t v)
{
	f->cfg[off] = (uint8_t)v;
	f->cfg[off + 1] = (uint8_t)(v >> 8);
}

static void wr32(struct mfn *f, unsigned int off, uint32_t v)
{
	wr16(f, off, (uint16_t)v);
	wr16(f, off + 2, (uint16_t)(v >> 16));
}

static unsigned int hdr_type(const struct mfn *f)
{
	return f->cfg[0x0e] & 0x7f;
}

static struct mfn *add_fn(uint8_t bus, uint8_t dev, uint8_t fn,
			  uint16_t vendor, uint16_t device, uint32_t class_code,
			  unsigned int type)
{
	struct mfn *f = &fns[nfns++];

	memset(f, 0, sizeof(*f));
	f->present = true;
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	wr16(f, 0x00, vendor);
	wr16(f, 0x02, device);
	wr32(f, 0x08, class_code << 8 | 0x01);
	f->cfg[0x0e] = (uint8_t)type;
	if (type == 1)
		f->cfg[0x24] = f->cfg[0x26] = 0x01;	/* 64-bit prefetchable */
	return f;
}

/* A BAR as the dead kernel left it: size, kind, an old address. */
static void add_bar(struct mfn *f, unsigned int i, uint64_t size,
		    uint8_t flags, uint64_t old)
{
	f->bar_size[i] = size;
	f->bar_flags[i] = flags;
	wr32(f, 0x10 + 4 * i, (uint32_t)(old & ~(size - 1)) | flags);
	if (flags & BAR_64)
		wr32(f, 0x14 + 4 * i, (uint32_t)(old >> 32));
}

static const struct mfn *bridge_for(unsigned int bus);

static bool bus_visible(unsigned int bus)
{
	return bus == 0 || bridge_for(bus) != NULL;
}

static const struct mfn *bridge_for(unsigned int bus)
{
	for (unsigned int i = 0; i < nfns; i++) {
		const struct mfn *b = &fns[i];

		if (b->present && hdr_type(b) == 1 && b->cfg[0x19] &&
		    b->cfg[0x19] <= bus && bus <= b->cfg[0x1a] &&
		    b->bus < bus && bus_visible(b->bus))
			return b;
	}
	return NULL;
}

static struct mfn *lookup(unsigned int bus, unsigned int dev, unsigned int fn)
{
	if (!bus_visible(bus))
		return NULL;
	for (unsigned int i = 0; i < nfns; i++) {
		struct mfn *f = &fns[i];

		if (f->present && f->bus == bus && f->dev == dev &&
		    (f->fn == fn || f->alias))
			return f;
	}
	return NULL;
}

static unsigned int nbars(const struct mfn *f)
{
	return hdr_type(f) == 1 ? 2 : 6;
}

static uint64_t e_read(void *ctx, uintptr_t off, unsigned int width)
{
	unsigned int bus = (unsigned int)(off >> 20), dev = (off >> 15) & 31;
	unsigned int fn = (off >> 12) & 7, reg = off & 0xfff;
	struct mfn *f = lookup(bus, dev, fn);
	uint64_t v = 0;

	(void)ctx;
	if (off % width) {
		model_violations++;
		fprintf(stderr, "ecam: unaligned %u-byte read\n", width);
	}
	if (!f)
		return width == 4 ? 0xffffffffu : width == 2 ? 0xffff : 0xff;
	f->accesses++;
	if (reg >= sizeof(f->cfg))
		return 0;
	for (unsigned int i = 0; i < width; i++)
		v |= (uint64_t)f->cfg[reg + i] << (8 * i);
	return v;
}

static void bar_write(struct mfn *f, unsigned int i, uint32_t v)
{
	unsigned int reg = 0x10 + 4 * i;
	bool upper = i > 0 && (f->bar_flags[i - 1] & BAR_64) &&
		     f->bar_size[i - 1];
	uint64_t size = upper ? f->bar_size[i - 1] : f->bar_size[i];
	uint16_t cmd = rd16(f, 0x04);

	if (cmd & (CMD_MEM | CMD_IO)) {
		f->bar_writes_decoding++;
		model_violations++;
		fprintf(stderr, "ecam %02x:%02x.%u: BAR%u written while "
			"decoding\n", f->bus, f->dev, f->fn, i);
	}
	if (upper) {
		wr32(f, reg, v & (uint32_t)(~(size - 1) >> 32));
		return;
	}
	if (!size) {
		wr32(f, reg, 0);	/* not implemented: reads as 0 */
		return;
	}
	if (f->bar_flags[i] & BAR_IO)
		wr32(f, reg, (v & ~(uint32_t)(size - 1) & ~3u) | BAR_IO);
	else
		wr32(f, reg, (v & (uint32_t)~(size - 1) & ~0xfu) |
				     f->bar_flags[i]);
}

static void e_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v)
{
	unsigned int bus = (unsigned int)(off >> 20), dev = (off >> 15) & 31;
	unsigned int fn = (off >> 12) & 7, reg = off & 0xfff;
	struct mfn *f = lookup(bus, dev, fn);
	unsigned int bar_end = 0x10 + 4 * (f ? nbars(f) : 0);
	unsigned int rom = f && hdr_type(f) == 1 ? 0x38 : 0x30;

	(void)ctx;
	if (off % width) {
		model_violations++;
		fprintf(stderr, "ecam: unaligned %u-byte write\n", width);
	}
	if (!f)
		return;
	f->accesses++;
	if (reg >= 0x10 && reg < bar_end) {
		if (width != 4) {
			model_violations++;
			fprintf(stderr, "ecam: %u-byte BAR write\n", width);
			return;
		}
		bar_write(f, (reg - 0x10) / 4, (uint32_t)v);
		return;
	}
	if (reg == rom) {
		wr32(f, reg, (uint32_t)v & 0xffff0001u);	/* 64 KiB ROM */
		return;
	}
	if (reg == 0x04) {
		if (width == 4)
			f->cmd_wide_writes++;	/* would clear Status bits */
		wr16(f, 0x04, (uint16_t)(v & CMD_RW));
		return;
	}
	if (reg < 0x10) {
		model_violations++;
		fprintf(stderr, "ecam: write to read-only +0x%x\n", reg);
		return;
	}
	for (unsigned int i = 0; i < width; i++) {
		unsigned int r = reg + i;
		uint8_t b = (uint8_t)(v >> (8 * i));

		if (hdr_type(f) == 1 && (r == 0x1c || r == 0x1d || r == 0x20 ||
					 r == 0x22 || r == 0x24 || r == 0x26))
			b = (uint8_t)((b & 0xf0) | (f->cfg[r] & 0x0f));
		if (r < sizeof(f->cfg))
			f->cfg[r] = b;
	}
}

static void attach_ecam(void)
{
	struct fake_device dev = {
		.base = (uintptr_t)ECAM,
		.size = ECAM_MODEL_BUSES << 20,
		.read = e_read,
		.write = e_write,
	};

	fake_mmio_attach(&dev);
}

/* --- DT and environment ---------------------------------------------------- */

#define MAPS_MAX 64
struct maps {
	unsigned int n;
	uint64_t base[MAPS_MAX], size[MAPS_MAX];
};

static struct maps maps;

static int rec_map(void *ctx, uint64_t base, uint64_t size)
{
	struct maps *m = ctx;

	CHECK(base % 4096 == 0 && size % 4096 == 0 && size);
	if (m->n < MAPS_MAX) {
		m->base[m->n] = base;
		m->size[m->n] = size;
	}
	m->n++;
	return 0;
}

static char dtb[8192];
static int bus_range_cells = 2;	/* a broken tree may have another count */
static struct dev_env env = { .map_device = rec_map, .ctx = &maps };

/* QEMU 7.2 virt's ranges: I/O, 32-bit memory, 64-bit memory. */
static const uint32_t qemu_ranges[] = {
	0x01000000, 0, 0, 0, 0x3eff0000, 0, 0x10000,
	0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000,
	0x03000000, 0x80, 0, 0x80, 0, 0x80, 0,
};

static void build_dt(const uint32_t *ranges, int nranges, uint64_t reg_size,
		     const uint32_t *bus_range, const char *status)
{
	struct fdtb b;

	fdtb_start(&b, dtb, sizeof(dtb));
	fdtb_node(&b, "pcie@10000000");
	fdtb_str(&b, "compatible", "pci-host-ecam-generic");
	fdtb_str(&b, "device_type", "pci");
	fdtb_u32(&b, "#address-cells", 3);
	fdtb_u32(&b, "#size-cells", 2);
	fdtb_reg64(&b, ECAM, reg_size);
	if (bus_range)
		fdtb_cells(&b, "bus-range", bus_range_cells, bus_range);
	fdtb_cells(&b, "ranges", nranges, ranges);
	if (status)
		fdtb_str(&b, "status", status);
	fdtb_end(&b);
	env.fdt = fdtb_finish(&b);
	memset(&maps, 0, sizeof(maps));
}

static void reset_model(void)
{
	fake_mmio_reset();
	memset(fns, 0, sizeof(fns));
	nfns = 0;
	model_violations = 0;
	attach_ecam();
}

static const struct mfn *find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned int i = 0; i < nfns; i++)
		if (fns[i].bus == bus && fns[i].dev == dev && fns[i].fn == fn)
			return &fns[i];
	return NULL;
}

static const struct pci_func *out_find(const struct pci_func *out, int n,
				       uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (int i = 0; i < n; i++)
		if (out[i].bus == bus && out[i].dev == dev && out[i].fn == fn)
			return &out[i];
	return NULL;
}

static bool mapped(uint64_t base, uint64_t size)
{
	for (unsigned int i = 0; i < MIN(maps.n, (unsigned int)MAPS_MAX); i++)
		if (maps.base[i] <= base &&
		    base + size <= maps.base[i] + maps.size[i])
			return true;
	return false;
}

/* The BAR's PCI address as the model holds it. */
static uint64_t bar_addr(const struct mfn *f, unsigned int i)
{
	uint64_t a = rd32(f, 0x10 + 4 * i) & ~0xfull;

	if (f->bar_flags[i] & BAR_64)
		a |= (uint64_t)rd32(f, 0x14 + 4 * i) << 32;
	return a;
}

/* --- the QEMU-shaped scenario ---------------------------------------------- */

/*
 * 00:00.0 host bridge; 00:01.0 virtio-net (I/O, 32-bit, 64-bit pref BARs)
 * mastering; 00:02.{0,1,3} one multi-function device; 00:03.0 a
 * single-function device that answers for every function; 00:04.0 a root
 * port with 01:00.0 behind it; 00:05.0 a bridge whose bus numbers do not
 * nest; 00:06.0 a 64 GiB BAR; 00:07.0 a 1 GiB 32-bit BAR that cannot fit;
 * 00:08.1 with no function 0.
 */
static void build_qemu_like(void)
{
	struct mfn *f;

	reset_model();
	add_fn(0, 0, 0, 0x1b36, 0x0008, 0x060000, 0);

	f = add_fn(0, 1, 0, 0x1af4, 0x1000, 0x020000, 0);
	add_bar(f, 0, 32, BAR_IO, 0x1000);
	add_bar(f, 1, 0x1000, 0, 0x10040000);
	add_bar(f, 4, 0x4000, BAR_64 | BAR_PREF, 0x8000000000ull);
	wr16(f, 0x04, CMD_IO | CMD_MEM | CMD_MASTER);
	wr32(f, 0x30, 0x10000001);	/* expansion ROM left enabled */

	f = add_fn(0, 2, 0, 0x8086, 0x10d3, 0x020000, 0x80);
	add_bar(f, 0, 0x20000, 0, 0x10100000);
	f = add_fn(0, 2, 1, 0x8086, 0x10d3, 0x020000, 0);
	add_bar(f, 0, 0x20000, 0, 0x10120000);
	f = add_fn(0, 2, 3, 0x8086, 0x10d3, 0x020000, 0);
	add_bar(f, 0, 0x20000, 0, 0x10140000);
	wr16(f, 0x04, CMD_MEM | CMD_MASTER);

	f = add_fn(0, 3, 0, 0x1234, 0x1111, 0x030000, 0);
	f->alias = true;
	add_bar(f, 0, 0x100000, BAR_PREF, 0x11000000);

	f = add_fn(0, 4, 0, 0x1b36, 0x000c, 0x060400, 1);
	add_bar(f, 0, 0x1000, 0, 0x10200000);
	f->cfg[0x18] = 0;
	f->cfg[0x19] = 1;
	f->cfg[0x1a] = 1;
	wr16(f, 0x04, CMD_MEM | CMD_MASTER);
	f = add_fn(1, 0, 0, 0x1af4, 0x1042, 0x010000, 0);
	add_bar(f, 1, 0x1000, 0, 0x10400000);
	add_bar(f, 4, 0x4000, BAR_64 | BAR_PREF, 0x8000004000ull);
	wr16(f, 0x04, CMD_MEM | CMD_MASTER);

	f = add_fn(0, 5, 0, 0x1b36, 0x000c, 0x060400, 1);
	f->cfg[0x19] = 0;		/* secondary below its own bus */
	f->cfg[0x1a] = 0;
	wr16(f, 0x04, CMD_MASTER);

	f = add_fn(0, 6, 0, 0x10de, 0x2330, 0x030200, 0);
	add_bar(f, 0, 64ull << 30, BAR_64 | BAR_PREF, 0);

	f = add_fn(0, 7, 0, 0x10de, 0x1111, 0x030000, 0);
	add_bar(f, 0, 1ull << 30, 0, 0);

	f = add_fn(0, 8, 1, 0x5555, 0x0001, 0xff0000, 0);
	wr16(f, 0x04, CMD_MASTER);	/* unreachable: no function 0 */

	build_dt(qemu_ranges, 21, 0x10000000, (const uint32_t[]){ 0, 0xff },
		 NULL);
}

static void check_no_overlap(const struct pci_func *out, int n)
{
	for (int i = 0; i < n; i++)
		for (unsigned int a = 0; a < PCI_BARS; a++) {
			uint64_t s = out[i].bar_size[a], b = out[i].bar[a];

			if (!b)
				continue;
			CHECK(b % s == 0);	/* natural alignment */
			for (int j = 0; j < n; j++)
				for (unsigned int c = 0; c < PCI_BARS; c++) {
					uint64_t t = out[j].bar_size[c];
					uint64_t d = out[j].bar[c];

					if (!d || (i == j && a == c))
						continue;
					CHECK(b + s <= d || d + t <= b);
				}
		}
}

static void test_qemu_like(void)
{
	struct pci_func out[PCI_FUNCS_MAX];
	const struct pci_func *p, *ep, *rp;
	const struct mfn *m;
	int n;

	build_qemu_like();
	memset(out, 0, sizeof(out));
	n = pci_scan_all(&env, out, PCI_FUNCS_MAX);
	CHECK_EQ(n, 11);
	CHECK_EQ(model_violations, 0);

	/* Every function found stopped: no decoding, no mastering. */
	for (unsigned int i = 0; i < nfns; i++) {
		uint16_t cmd = rd16(&fns[i], 0x04);

		if (fns[i].dev == 8)
			continue;
		CHECK_EQ(cmd & (CMD_IO | CMD_MEM | CMD_MASTER), 0);
		CHECK(cmd & CMD_INTX_DISABLE);
		CHECK_EQ(fns[i].bar_writes_decoding, 0);
		CHECK_EQ(fns[i].cmd_wide_writes, 0);
	}
	CHECK_EQ(find(0, 8, 1)->accesses, 0);

	/* The records. */
	p = out_find(out, n, 0, 1, 0);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_EQ(p->vendor, 0x1af4);
	CHECK_EQ(p->device, 0x1000);
	CHECK_EQ(p->class_code, 0x020000);
	CHECK_EQ(p->cfg, (uintptr_t)(ECAM + (1 << 15)));
	CHECK_EQ(p->bar[0], 0);			/* I/O: not assigned */
	CHECK_EQ(p->bar_size[0], 0);
	CHECK_EQ(p->bar_size[1], 0x1000);
	CHECK(p->bar[1] >= MEM32_BASE && p->bar[1] < MEM32_BASE + MEM32_SIZE);
	CHECK_EQ(p->bar_size[4], 0x4000);
	CHECK(p->bar[4] >= MEM32_BASE && p->bar[4] < MEM32_BASE + MEM32_SIZE);
	CHECK_EQ(p->bar[5], 0);
	m = find(0, 1, 0);
	CHECK_EQ(bar_addr(m, 1), p->bar[1]);	/* identity ranges */
	CHECK_EQ(bar_addr(m, 4), p->bar[4]);
	CHECK_EQ(rd32(m, 0x10), 0x1000 | BAR_IO);	/* I/O BAR untouched */
	CHECK_EQ(rd32(m, 0x30) & 1, 0);		/* ROM decode off */
	CHECK(mapped(p->bar[1], 0x1000));
	CHECK(mapped(p->bar[4], 0x4000));

	/* Multi-function: 0, 1 and 3, not 2; the aliasing one once. */
	CHECK(out_find(out, n, 0, 2, 0) && out_find(out, n, 0, 2, 1) &&
	      out_find(out, n, 0, 2, 3));
	CHECK(!out_find(out, n, 0, 2, 2));
	CHECK(out_find(out, n, 0, 3, 0) != NULL);
	CHECK(!out_find(out, n, 0, 3, 1));
	CHECK(!out_find(out, n, 0, 8, 1));

	/* The root port and the function behind it. */
	rp = out_find(out, n, 0, 4, 0);
	ep = out_find(out, n, 1, 0, 0);
	CHECK(rp && ep);
	if (!rp || !ep)
		return;
	CHECK_EQ(rp->class_code, 0x060400);
	CHECK_EQ(ep->cfg, (uintptr_t)(ECAM + (1 << 20)));
	m = find(0, 4, 0);
	{
		uint64_t base = (uint64_t)(rd16(m, 0x20) & 0xfff0) << 16;
		uint64_t limit = ((uint64_t)(rd16(m, 0x22) & 0xfff0) << 16) |
				 0xfffff;

		CHECK(base >= MEM32_BASE && limit < MEM32_BASE + MEM32_SIZE);
		CHECK(base <= limit);
		/* Both BARs behind it in its window, the 64-bit one too. */
		CHECK(ep->bar[1] >= base && ep->bar[1] + 0x1000 - 1 <= limit);
		CHECK(ep->bar[4] >= base && ep->bar[4] + 0x4000 - 1 <= limit);
		/* Nothing else in it. */
		for (int i = 0; i < n; i++)
			for (unsigned int a = 0; a < PCI_BARS; a++)
				if (out[i].bar[a] && &out[i] != ep)
					CHECK(out[i].bar[a] > limit ||
					      out[i].bar[a] + out[i].bar_size[a] <=
						      base);
		/* I/O and prefetchable windows off (base above limit). */
		CHECK(m->cfg[0x1c] > m->cfg[0x1d]);
		CHECK((rd16(m, 0x24) & 0xfff0) > (rd16(m, 0x26) & 0xfff0));
		/* Bus numbers are the dead kernel's. */
		CHECK_EQ(m->cfg[0x19], 1);
		CHECK_EQ(m->cfg[0x1a], 1);
	}

	/* The bridge that does not nest: stopped, numbers untouched. */
	m = find(0, 5, 0);
	CHECK_EQ(rd16(m, 0x04) & CMD_MASTER, 0);
	CHECK_EQ(m->cfg[0x19], 0);

	/* 64 GiB in the 64-bit window; 1 GiB 32-bit: no room anywhere. */
	p = out_find(out, n, 0, 6, 0);
	CHECK(p && p->bar[0] >= MEM64_BASE && p->bar_size[0] == 64ull << 30);
	p = out_find(out, n, 0, 7, 0);
	CHECK(p && p->bar[0] == 0 && p->bar_size[0] == 1ull << 30);
	check_no_overlap(out, n);
	CHECK(mapped(ECAM, 1 << 20));

	/* pci_enable: the function and the bridge above it, nothing more. */
	pci_enable(ep);
	CHECK_EQ(rd16(find(1, 0, 0), 0x04) & (CMD_MEM | CMD_MASTER | CMD_IO),
		 CMD_MEM | CMD_MASTER);
	CHECK_EQ(rd16(find(0, 4, 0), 0x04) & (CMD_MEM | CMD_MASTER),
		 CMD_MEM | CMD_MASTER);
	CHECK_EQ(rd16(find(0, 5, 0), 0x04) & CMD_MASTER, 0);
	CHECK_EQ(rd16(find(0, 1, 0), 0x04) & CMD_MASTER, 0);
	pci_disable(ep);
	CHECK_EQ(rd16(find(1, 0, 0), 0x04) & (CMD_MEM | CMD_MASTER), 0);
	/* On the root bus: no bridge to open. */
	pci_enable(out_find(out, n, 0, 1, 0));
	CHECK_EQ(rd16(find(0, 1, 0), 0x04) & (CMD_MEM | CMD_MASTER | CMD_IO),
		 CMD_MEM | CMD_MASTER);
	/* An unassigned BAR: never decoding. */
	pci_enable(out_find(out, n, 0, 7, 0));
	CHECK_EQ(rd16(find(0, 7, 0), 0x04) & CMD_MEM, 0);
	pci_enable(NULL);
	CHECK_EQ(model_violations, 0);
}

/* More functions than room: all stopped, the first few recorded. */
static void test_max(void)
{
	struct pci_func out[3];
	int n;

	build_qemu_like();
	n = pci_scan_all(&env, out, 3);
	CHECK_EQ(n, 11);
	CHECK_EQ(out[0].dev, 0);
	CHECK_EQ(out[1].dev, 1);
	CHECK_EQ(out[2].dev, 2);
	for (unsigned int i = 0; i < nfns; i++)
		if (fns[i].dev != 8)
			CHECK_EQ(rd16(&fns[i], 0x04) & CMD_MASTER, 0);
	/* Only the recorded functions' BARs are mapped. */
	CHECK(!mapped(MEM64_BASE, 4096));
	CHECK_EQ(pci_scan_all(&env, NULL, 0), 11);
	CHECK_EQ(model_violations, 0);
}

/* A 64-bit prefetchable window: what the 32-bit window cannot hold. */
static void test_pref_window(void)
{
	static const uint32_t ranges[] = {
		0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x100000,
		0x43000000, 0x10, 0, 0x10, 0, 0x1, 0,
	};
	struct pci_func out[4];
	const struct mfn *m;
	struct mfn *f;
	int n;

	reset_model();
	f = add_fn(0, 0, 0, 0x1111, 0x2222, 0x018000, 0);
	add_bar(f, 0, 0x1000, 0, 0);			/* 32-bit */
	add_bar(f, 2, 4 << 20, BAR_64 | BAR_PREF, 0);	/* too big low */
	add_bar(f, 4, 2 << 20, BAR_PREF, 0);		/* 32-bit pref */
	wr16(f, 0x04, CMD_MEM | CMD_MASTER);
	build_dt(ranges, 14, 1 << 20, NULL, NULL);
	n = pci_scan_all(&env, out, 4);
	CHECK_EQ(n, 1);
	CHECK(out[0].bar[0] >= 0x10000000 && out[0].bar[0] < 0x10100000);
	CHECK_EQ(out[0].bar[2], 0x1000000000ull);
	CHECK_EQ(out[0].bar_size[4], 2 << 20);
	CHECK_EQ(out[0].bar[4], 0);	/* 32-bit: not in the high window */
	m = find(0, 0, 0);
	CHECK_EQ(bar_addr(m, 2), 0x1000000000ull);
	CHECK_EQ(rd16(m, 0x04) & CMD_MASTER, 0);
	/* A one-bus window: bus-range is absent (0-255), reg holds one. */
	CHECK(mapped(ECAM, 1 << 20));
	CHECK(!mapped(ECAM + (1 << 20), 4096));
	CHECK_EQ(model_violations, 0);
}

/* A window that is not at the same PCI and CPU address. */
static void test_translated_window(void)
{
	static const uint32_t ranges[] = {
		0x02000000, 0, 0x00000000, 0x0, 0x40000000, 0, 0x10000000,
	};
	struct pci_func out[2];
	struct mfn *f;

	reset_model();
	f = add_fn(0, 0, 0, 0x1111, 0x3333, 0x010802, 0);
	add_bar(f, 0, 0x4000, BAR_64, 0);
	build_dt(ranges, 7, 1 << 20, (const uint32_t[]){ 0, 0 }, NULL);
	CHECK_EQ(pci_scan_all(&env, out, 2), 1);
	/* PCI address 0 is never handed out; CPU = PCI + 0x40000000. */
	CHECK_EQ(bar_addr(f, 0), 0x4000);
	CHECK_EQ(out[0].bar[0], 0x40004000);
	CHECK(mapped(0x40004000, 0x4000));
	CHECK_EQ(model_violations, 0);
}

/*
 * A host bridge under a bus with its own "ranges": "reg" and the CPU side
 * of "ranges" both go through it (child 0 is CPU 0x40_0000_0000).
 */
static void test_under_soc(void)
{
	static const uint32_t soc_ranges[] = { 0, 0, 0x40, 0, 0x40, 0 };
	static const uint32_t ranges[] = {
		0x02000000, 0, 0x10000000, 0, 0x20000000, 0, 0x100000,
	};
	struct pci_func out[2];
	struct fdtb b;
	struct mfn *f;

	reset_model();
	f = add_fn(0, 0, 0, 0x1111, 0x4444, 0x010802, 0);
	add_bar(f, 0, 0x4000, 0, 0);
	fdtb_start(&b, dtb, sizeof(dtb));
	fdtb_node(&b, "soc");
	fdtb_u32(&b, "#address-cells", 2);
	fdtb_u32(&b, "#size-cells", 2);
	fdtb_cells(&b, "ranges", 6, soc_ranges);
	fdtb_node(&b, "pcie@10000000");
	fdtb_str(&b, "compatible", "pci-host-ecam-generic");
	fdtb_u32(&b, "#address-cells", 3);
	fdtb_u32(&b, "#size-cells", 2);
	fdtb_reg64(&b, ECAM - 0x4000000000ull, 1 << 20);
	fdtb_cells(&b, "ranges", 7, ranges);
	fdtb_end(&b);
	fdtb_end(&b);
	env.fdt = fdtb_finish(&b);
	memset(&maps, 0, sizeof(maps));
	CHECK_EQ(pci_scan_all(&env, out, 2), 1);
	CHECK_EQ(bar_addr(f, 0), 0x10000000);
	CHECK_EQ(out[0].bar[0], 0x4020000000ull);
	CHECK(mapped(ECAM, 1 << 20));
	CHECK(mapped(0x4020000000ull, 0x4000));
	CHECK_EQ(model_violations, 0);
}

static void test_bad_dt(void)
{
	struct pci_func out[2];

	reset_model();
	/* No host bridge. */
	{
		struct fdtb b;

		fdtb_start(&b, dtb, sizeof(dtb));
		env.fdt = fdtb_finish(&b);
	}
	CHECK_EQ(pci_scan_all(&env, out, 2), -ENODEV);
	/* Disabled. */
	build_dt(qemu_ranges, 21, 0x10000000, NULL, "disabled");
	CHECK_EQ(pci_scan_all(&env, out, 2), -ENODEV);
	/* A bus-range that is not two cells, one that runs backwards. */
	bus_range_cells = 1;
	build_dt(qemu_ranges, 21, 0x10000000, (const uint32_t[]){ 0 }, NULL);
	bus_range_cells = 2;
	CHECK_EQ(pci_scan_all(&env, out, 2), -EINVAL);
	build_dt(qemu_ranges, 21, 0x10000000, (const uint32_t[]){ 5, 1 }, NULL);
	CHECK_EQ(pci_scan_all(&env, out, 2), -EINVAL);
	/* ranges not whole entries. */
	build_dt(qemu_ranges, 20, 0x10000000, NULL, NULL);
	CHECK_EQ(pci_scan_all(&env, out, 2), -EINVAL);
	/* An ECAM window smaller than a bus. */
	build_dt(qemu_ranges, 21, 0x1000, NULL, NULL);
	CHECK_EQ(pci_scan_all(&env, out, 2), -EINVAL);
	CHECK_EQ(maps.n, 0);
	/* Bad arguments. */
	CHECK_EQ(pci_scan_all(NULL, out, 2), -EINVAL);
	CHECK_EQ(pci_scan_all(&env, NULL, 2), -EINVAL);
	CHECK_EQ(pci_scan_all(&env, out, -1), -EINVAL);
}

/*
 * bus-range 0-1 though the bridge says 1-3: it does not nest in what the
 * window holds, so nothing behind it is touched, and the bridge stays
 * stopped.  A second bridge behind the first (depth 2) with a 1-bus reg.
 */
static void test_bus_range(void)
{
	struct pci_func out[8];
	struct mfn *f;
	int n;

	reset_model();
	f = add_fn(0, 0, 0, 0x1b36, 0x000c, 0x060400, 1);
	f->cfg[0x19] = 1;
	f->cfg[0x1a] = 3;
	wr16(f, 0x04, CMD_MASTER);
	f = add_fn(1, 0, 0, 0x1af4, 0x1041, 0x020000, 0);
	wr16(f, 0x04, CMD_MASTER);
	build_dt(qemu_ranges, 21, 0x10000000, (const uint32_t[]){ 0, 1 },
		 NULL);
	n = pci_scan_all(&env, out, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(find(1, 0, 0)->accesses, 0);
	CHECK_EQ(rd16(find(0, 0, 0), 0x04) & CMD_MASTER, 0);

	/* Nested bridges: 00:00.0 -> bus 1 -> 01:00.0 -> bus 2 -> 02:03.0. */
	reset_model();
	f = add_fn(0, 0, 0, 0x1b36, 0x000c, 0x060400, 1);
	f->cfg[0x19] = 1;
	f->cfg[0x1a] = 2;
	f = add_fn(1, 0, 0, 0x10b5, 0x8608, 0x060400, 1);
	f->cfg[0x19] = 2;
	f->cfg[0x1a] = 2;
	f = add_fn(2, 3, 0, 0x1af4, 0x1042, 0x010000, 0);
	add_bar(f, 0, 0x200000, 0, 0);
	wr16(f, 0x04, CMD_MASTER);
	f = add_fn(0, 1, 0, 0x1af4, 0x1041, 0x020000, 0);
	add_bar(f, 0, 0x1000, 0, 0);
	build_dt(qemu_ranges, 21, 0x10000000, NULL, NULL);
	n = pci_scan_all(&env, out, 8);
	CHECK_EQ(n, 4);
	{
		const struct pci_func *ep = out_find(out, n, 2, 3, 0);
		const struct mfn *b0 = find(0, 0, 0), *b1 = find(1, 0, 0);

		CHECK(ep && ep->bar[0]);
		if (ep) {
			uint64_t lo0 = (uint64_t)(rd16(b0, 0x20) & 0xfff0) << 16;
			uint64_t hi0 = (uint64_t)(rd16(b0, 0x22) & 0xfff0) << 16;
			uint64_t lo1 = (uint64_t)(rd16(b1, 0x20) & 0xfff0) << 16;
			uint64_t hi1 = (uint64_t)(rd16(b1, 0x22) & 0xfff0) << 16;

			CHECK(lo0 <= lo1 && hi1 <= hi0);
			CHECK(ep->bar[0] >= lo1 &&
			      ep->bar[0] + 0x200000 <= hi1 + 0x100000);
			pci_enable(ep);
			CHECK(rd16(b0, 0x04) & CMD_MASTER);
			CHECK(rd16(b1, 0x04) & CMD_MASTER);
			CHECK(rd16(find(2, 3, 0), 0x04) & CMD_MASTER);
		}
		/* The root-bus device after the bridge: outside its window. */
		ep = out_find(out, n, 0, 1, 0);
		CHECK(ep && ep->bar[0] &&
		      ((ep->bar[0] >> 20) > (rd16(b0, 0x22) >> 4) ||
		       ep->bar[0] + 0x1000 <=
			       (uint64_t)(rd16(b0, 0x20) & 0xfff0) << 16));
	}
	check_no_overlap(out, n);
	CHECK_EQ(model_violations, 0);
}

/* SR-IOV virtual functions left enabled: VF Enable cleared. */
static void test_sriov(void)
{
	struct pci_func out[4];
	struct mfn *f;

	reset_model();
	f = add_fn(0, 0, 0, 0x8086, 0x1572, 0x020000, 0);
	wr32(f, 0x100, 0x14010001);		/* AER, next at 0x140 */
	wr32(f, 0x140, 0x00010010);		/* SR-IOV, last */
	wr16(f, 0x148, 0x0009);			/* VF Enable, VF MSE */
	wr16(f, 0x04, CMD_MEM | CMD_MASTER);
	f = add_fn(0, 1, 0, 0x8086, 0x1572, 0x020000, 0);
	wr32(f, 0x100, 0x10010001);		/* a list that loops */
	f = add_fn(0, 2, 0, 0x8086, 0x1572, 0x020000, 0);
	wr32(f, 0x100, 0x00010010);		/* SR-IOV, VFs off */
	wr16(f, 0x108, 0x0000);
	build_dt(qemu_ranges, 21, 1 << 20, NULL, NULL);
	CHECK_EQ(pci_scan_all(&env, out, 4), 3);
	CHECK_EQ(rd16(find(0, 0, 0), 0x148) & 0x0009, 0);
	CHECK_EQ(rd16(find(0, 0, 0), 0x04) & CMD_MASTER, 0);
	CHECK_EQ(rd16(find(0, 2, 0), 0x108), 0);
	CHECK_EQ(model_violations, 0);
}

int main(void)
{
	test_qemu_like();
	test_max();
	test_pref_window();
	test_translated_window();
	test_under_soc();
	test_bad_dt();
	test_bus_range();
	test_sriov();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_pci_ecam");
}
