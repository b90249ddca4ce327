// SPDX-License-Identifier: MIT
/*
 * A minimal scan of PCI Express hosts with a generic ECAM window
 * ("pci-host-ecam-generic", QEMU virt): stop every function mastering the
 * bus, size and assign memory BARs from the DT's windows, and remember
 * enough to let one function run again (pci_enable()).
 *
 * PCI Express Base Spec 4.0 §7.2.2 (ECAM: bus << 20 | dev << 15 | fn <<
 * 12); PCI Local Bus Spec 3.0 §6.1 (configuration header), §6.2.2 (Command
 * register), §6.2.5.1 (BAR sizing); PCI-to-PCI Bridge Architecture Spec
 * 1.2 §3.2 (type 1 header: bus numbers, memory window, 1 MiB granules);
 * IEEE 1275 PCI bus binding §2.2.1 and Linux's
 * Documentation/devicetree/bindings/pci/host-generic-pci.yaml ("reg" is the
 * ECAM window of the first bus in "bus-range"; "ranges" has three PCI
 * address cells).  No recursion: bridges are walked with an explicit stack.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/mmio.h"
#include "drivers/pci/pci.h"
#include "fdt/dt.h"
#include "include/compiler.h"
#include "payload/log.h"

/* Configuration header, PCI 3.0 §6.1 (both header types). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO BIT(0)
#define PCI_COMMAND_MEMORY BIT(1)
#define PCI_COMMAND_MASTER BIT(2)
#define PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_COMMAND_DECODE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)
#define PCI_CLASS_REVISION 0x08		/* class code in bits 31:8 */
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_ROM_ADDRESS 0x30		/* type 0 */
#define PCI_ROM_ADDRESS1 0x38		/* type 1 */
#define PCI_ROM_ADDRESS_ENABLE BIT(0)
#define PCI_VENDOR_NONE 0xffff		/* no function answers */

/* Base Address Registers, PCI 3.0 §6.2.5.1. */
#define PCI_BAR_SPACE_IO BIT(0)
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_32 0x0u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH BIT(3)
#define PCI_BAR_MEM_MASK 0xfffffff0u
#define PCI_BARS_NORMAL 6
#define PCI_BARS_BRIDGE 2

/* Type 1 header, PCI-to-PCI Bridge Architecture 1.2 §3.2. */
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_MEMORY_BASE 0x20		/* bits 15:4 = address bits 31:20 */
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_WINDOW_ADDR_MASK 0xfff0u
#define PCI_IO_WINDOW_OFF 0xf0u		/* base 0xf000 above limit 0x0fff */
#define PCI_BRIDGE_WINDOW_ALIGN (1ull << 20)

/*
 * PCIe extended capabilities, PCIe Base 4.0 §7.6.3: a list from 0x100,
 * each header ID in bits 15:0, next offset in bits 31:20.  SR-IOV, §9.3.3:
 * VF Enable in its Control register; virtual functions are not found by
 * enumeration (their Vendor ID reads 0xffff) and have a Bus Master Enable
 * of their own, so the only way to stop them is to make them go away.
 */
#define PCI_EXT_CAP_START 0x100
#define PCI_EXT_CAP_ID_MASK 0xffffu
#define PCI_EXT_CAP_NEXT_SHIFT 20
#define PCI_EXT_CAP_NEXT_MASK 0xffcu
#define PCI_EXT_CAP_ID_SRIOV 0x0010
#define PCI_SRIOV_CTRL 0x08
#define PCI_SRIOV_CTRL_VFE BIT(0)	/* VF Enable */
#define PCI_SRIOV_CTRL_MSE BIT(3)	/* VF Memory Space Enable */
/* 4 KiB of configuration space hold at most this many capabilities. */
#define PCI_EXT_CAP_MAX ((4096 - PCI_EXT_CAP_START) / 4)

/* ECAM, PCIe Base 4.0 §7.2.2. */
#define PCI_ECAM_BUS_SHIFT 20
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_FN_SHIFT 12
#define PCI_ECAM_BUS_SIZE (1ull << PCI_ECAM_BUS_SHIFT)
#define PCI_BUSES 256
#define PCI_DEVICES 32
#define PCI_FUNCTIONS 8

/* DT "ranges" phys.hi, IEEE 1275 PCI binding: npt000ss bbbbbbbb ... */
#define PCI_DT_ADDR_CELLS 3
#define PCI_DT_SPACE_SHIFT 24
#define PCI_DT_SPACE_MASK 0x3u
#define PCI_DT_SPACE_MEM32 2u
#define PCI_DT_SPACE_MEM64 3u
#define PCI_DT_PREFETCH BIT(30)

/*
 * ECAM is mapped bus by bus, in 2 MiB steps clipped to the window: a
 * 2 MiB-aligned window then costs block entries, not a page table.
 */
#define PCI_ECAM_MAP_STEP (2ull << 20)
/* Every BAR on its own 4 KiB page: a page maps one function's registers. */
#define PCI_BAR_MIN_ALIGN 4096ull
#define PCI_4G (1ull << 32)

#define PCI_LOG_LINE 224	/* one function's log line */
#define PCI_WINDOWS_MAX 4	/* memory windows per host; QEMU has two */
#define PCI_DEPTH_MAX 8		/* bridges deep below the root bus */
#define PCI_BRIDGES_MAX 16	/* bridges pci_enable() can open */

struct pci_window {
	uint64_t pci_base, cpu_base, size;
	uint64_t next;		/* next free PCI address */
	bool pref;
};

struct pci_host {
	const struct dev_env *env;
	const char *name;
	uint64_t ecam;		/* config space of bus bus_start */
	unsigned int bus_start, bus_end;
	struct pci_window win[PCI_WINDOWS_MAX];
	unsigned int nwin;
	/* The window behind bridges: non-prefetchable and below 4 GiB, the
	 * one kind a bridge's memory window forwards.  -1: none. */
	int bridge_win;
	uint8_t visited[PCI_BUSES / 8];
	struct pci_func *out;
	int max, found;
};

/* One bus being scanned: the root bus or the one behind a bridge. */
struct pci_level {
	uint64_t bridge_cfg;	/* 0 for the root bus */
	uint64_t win_start;	/* the bridge's memory window starts here */
	unsigned int bus, sub;	/* this bus; the last bus number below it */
	unsigned int devfn;	/* next device << 3 | function to look at */
	bool multi;		/* the current device has several functions */
};

/* What pci_enable() needs to open the path to a function behind bridges. */
struct pci_bridge {
	uint64_t cfg;
	uint64_t ecam_lo, ecam_hi;	/* the host's ECAM window */
	uint8_t bus, secondary;
};

static struct pci_bridges {
	struct pci_bridge b[PCI_BRIDGES_MAX];
	unsigned int n;
} pci_bridges;

static uint64_t pci_cfg(const struct pci_host *h, unsigned int bus,
			unsigned int dev, unsigned int fn)
{
	return h->ecam +
	       ((uint64_t)(bus - h->bus_start) << PCI_ECAM_BUS_SHIFT) +
	       ((uint64_t)dev << PCI_ECAM_DEV_SHIFT) +
	       ((uint64_t)fn << PCI_ECAM_FN_SHIFT);
}

static uint8_t cfg_read8(uint64_t cfg, unsigned int off)
{
	return mmio_read8((uintptr_t)(cfg + off));
}

static uint16_t cfg_read16(uint64_t cfg, unsigned int off)
{
	return mmio_read16((uintptr_t)(cfg + off));
}

static uint32_t cfg_read32(uint64_t cfg, unsigned int off)
{
	return mmio_read32((uintptr_t)(cfg + off));
}

static void cfg_write8(uint64_t cfg, unsigned int off, uint8_t v)
{
	mmio_write8((uintptr_t)(cfg + off), v);
}

/* 16-bit: a 32-bit write at COMMAND would clear Status's RW1C bits. */
static void cfg_write16(uint64_t cfg, unsigned int off, uint16_t v)
{
	mmio_write16((uintptr_t)(cfg + off), v);
}

static void cfg_write32(uint64_t cfg, unsigned int off, uint32_t v)
{
	mmio_write32((uintptr_t)(cfg + off), v);
}

static bool pci_visited(const struct pci_host *h, unsigned int bus)
{
	return h->visited[bus / 8] & (1u << (bus % 8));
}

static int pci_map_bus(struct pci_host *h, unsigned int bus)
{
	uint64_t end = h->ecam + ((uint64_t)(h->bus_end - h->bus_start + 1)
				  << PCI_ECAM_BUS_SHIFT);
	uint64_t at = pci_cfg(h, bus, 0, 0);
	uint64_t lo = MAX(ALIGN_DOWN(at, PCI_ECAM_MAP_STEP), h->ecam);
	uint64_t hi = MIN(ALIGN_DOWN(at, PCI_ECAM_MAP_STEP) + PCI_ECAM_MAP_STEP,
			  end);

	h->visited[bus / 8] |= (uint8_t)(1u << (bus % 8));
	return dev_map(h->env, lo, hi - lo);
}

/* Take @size bytes, naturally aligned, from @w; 0 when it has no room. */
static uint64_t pci_window_take(struct pci_window *w, uint64_t size,
				bool below_4g)
{
	uint64_t align = MAX(size, PCI_BAR_MIN_ALIGN);
	uint64_t a = ALIGN_UP(w->next, align);
	uint64_t end = w->pci_base + w->size;

	if (a < w->next || a > end || size > end - a)
		return 0;
	if (below_4g && (a >= PCI_4G || size > PCI_4G - a))
		return 0;
	w->next = a + size;
	return a;
}

/*
 * A PCI address for a BAR.  Behind a bridge only the bridge window will
 * do.  On the root bus: never a prefetchable window for a non-prefetchable
 * BAR (PCI 3.0 §6.2.5.1); windows below 4 GiB first (reachable with any
 * CPU physical address size), and prefetchable BARs in prefetchable
 * windows first.
 */
static bool pci_alloc(struct pci_host *h, uint64_t size, bool is64,
		      bool pref, bool behind, uint64_t *pci, uint64_t *cpu)
{
	if (behind) {
		struct pci_window *w;

		if (h->bridge_win < 0)
			return false;
		w = &h->win[h->bridge_win];
		*pci = pci_window_take(w, size, true);
		*cpu = w->cpu_base + (*pci - w->pci_base);
		return *pci != 0;
	}
	for (unsigned int pass = 0; pass < 4; pass++) {
		for (unsigned int i = 0; i < h->nwin; i++) {
			struct pci_window *w = &h->win[i];
			bool low = w->pci_base + w->size <= PCI_4G;

			if (w->pref && !pref)
				continue;
			if (low != (pass < 2))
				continue;
			if ((pass % 2 == 0) && w->pref != pref)
				continue;
			*pci = pci_window_take(w, size, !is64);
			if (*pci) {
				*cpu = w->cpu_base + (*pci - w->pci_base);
				return true;
			}
		}
	}
	return false;
}

static void pci_size_str(char *buf, size_t len, uint64_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB" };
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(unit) && size >= 1024 && !(size % 1024)) {
		size /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)size, unit[u]);
}

/*
 * Size memory BAR @i (decoding is off: the Command register was cleared):
 * write all ones, read back, restore.  Return: its size, 0 when it is not
 * implemented; *@is64 for a 64-bit BAR (two slots), *@pref prefetchable.
 */
static uint64_t pci_bar_size(uint64_t cfg, unsigned int i, uint32_t orig,
			     bool *is64, bool *pref)
{
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t lo, hi = UINT32_MAX, orig_hi = 0;
	uint64_t mask;

	*is64 = (orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
	*pref = orig & PCI_BAR_MEM_PREFETCH;
	cfg_write32(cfg, reg, UINT32_MAX);
	lo = cfg_read32(cfg, reg);
	cfg_write32(cfg, reg, orig);
	if (*is64) {
		orig_hi = cfg_read32(cfg, reg + 4);
		cfg_write32(cfg, reg + 4, UINT32_MAX);
		hi = cfg_read32(cfg, reg + 4);
		cfg_write32(cfg, reg + 4, orig_hi);
	}
	mask = (uint64_t)hi << 32 | (lo & PCI_BAR_MEM_MASK);
	if (!(lo & PCI_BAR_MEM_MASK) && (!*is64 || !hi))
		return 0;
	return ~mask + 1;
}

/* Size and assign the memory BARs of @f; log them on @line. */
static void pci_assign_bars(struct pci_host *h, struct pci_func *f,
			    unsigned int nbars, bool behind, char *line,
			    size_t len)
{
	for (unsigned int i = 0; i < nbars; i++) {
		unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t orig = cfg_read32(f->cfg, reg);
		uint64_t size, pci = 0, cpu = 0;
		bool is64, pref;
		char sz[32];
		size_t used = strlen(line);

		if (orig & PCI_BAR_SPACE_IO)
			continue;	/* I/O space: not assigned (pci.md) */
		if ((orig & PCI_BAR_MEM_TYPE_MASK) != PCI_BAR_MEM_TYPE_32 &&
		    (orig & PCI_BAR_MEM_TYPE_MASK) != PCI_BAR_MEM_TYPE_64)
			continue;	/* "below 1 MiB": reserved in PCI 3.0 */
		if ((orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 &&
		    i + 1 >= nbars) {
			snprintf(line + used, len - used,
				 "; BAR%u: 64-bit in the last slot", i);
			break;
		}
		size = pci_bar_size(f->cfg, i, orig, &is64, &pref);
		if (!size) {
			i += is64;
			continue;
		}
		f->bar_size[i] = size;
		pci_size_str(sz, sizeof(sz), size);
		if ((size & (size - 1)) == 0 &&
		    pci_alloc(h, size, is64, pref, behind, &pci, &cpu)) {
			cfg_write32(f->cfg, reg, (uint32_t)pci);
			if (is64)
				cfg_write32(f->cfg, reg + 4,
					    (uint32_t)(pci >> 32));
			f->bar[i] = cpu;
			snprintf(line + used, len - used,
				 "; BAR%u %s%s at 0x%llx", i, sz,
				 pref ? " pref" : "",
				 (unsigned long long)cpu);
		} else {
			snprintf(line + used, len - used,
				 "; BAR%u %s%s: no room, unassigned", i, sz,
				 pref ? " pref" : "");
		}
		i += is64;
	}
}

/*
 * A bridge: its I/O and prefetchable windows off (we assign neither), its
 * memory window off until the bus behind it is done (pci_bridge_close()).
 * Its bus numbers are the dead kernel's; they must nest inside @parent.
 * Return: whether to scan the bus behind it, set up in @child.
 */
static bool pci_bridge_open(struct pci_host *h, const struct pci_level *parent,
			    unsigned int depth, const struct pci_func *f,
			    struct pci_level *child, char *line, size_t len)
{
	unsigned int sec = cfg_read8(f->cfg, PCI_SECONDARY_BUS);
	unsigned int sub = cfg_read8(f->cfg, PCI_SUBORDINATE_BUS);
	size_t used = strlen(line);
	struct pci_bridge *b;

	cfg_write8(f->cfg, PCI_IO_BASE, PCI_IO_WINDOW_OFF);
	cfg_write8(f->cfg, PCI_IO_LIMIT, 0);
	cfg_write16(f->cfg, PCI_PREF_MEMORY_BASE, PCI_WINDOW_ADDR_MASK);
	cfg_write16(f->cfg, PCI_PREF_MEMORY_LIMIT, 0);
	cfg_write32(f->cfg, PCI_PREF_BASE_UPPER32, 0);
	cfg_write32(f->cfg, PCI_PREF_LIMIT_UPPER32, 0);
	cfg_write16(f->cfg, PCI_MEMORY_BASE, PCI_WINDOW_ADDR_MASK);
	cfg_write16(f->cfg, PCI_MEMORY_LIMIT, 0);

	if (sec <= parent->bus || sec > sub || sub > parent->sub ||
	    pci_visited(h, sec)) {
		snprintf(line + used, len - used,
			 "; buses %u-%u do not nest, not scanned", sec, sub);
		return false;
	}
	if (depth >= PCI_DEPTH_MAX || pci_bridges.n >= PCI_BRIDGES_MAX) {
		snprintf(line + used, len - used,
			 "; bus %u: too deep or too many bridges, not scanned",
			 sec);
		return false;
	}
	if (pci_map_bus(h, sec)) {
		snprintf(line + used, len - used, "; bus %u: cannot map", sec);
		return false;
	}
	b = &pci_bridges.b[pci_bridges.n++];
	*b = (struct pci_bridge){
		.cfg = f->cfg,
		.ecam_lo = h->ecam,
		.ecam_hi = h->ecam + ((uint64_t)(h->bus_end - h->bus_start + 1)
				      << PCI_ECAM_BUS_SHIFT),
		.bus = f->bus,
		.secondary = (uint8_t)sec,
	};
	*child = (struct pci_level){
		.bridge_cfg = f->cfg,
		.bus = sec,
		.sub = sub,
	};
	if (h->bridge_win >= 0) {
		struct pci_window *w = &h->win[h->bridge_win];

		w->next = ALIGN_UP(w->next, PCI_BRIDGE_WINDOW_ALIGN);
		child->win_start = w->next;
	}
	snprintf(line + used, len - used, "; buses %u-%u behind it", sec, sub);
	return true;
}

/* The bus behind a bridge is done: open its memory window on what it got. */
static void pci_bridge_close(struct pci_host *h, const struct pci_level *l)
{
	struct pci_window *w;
	uint64_t end;

	if (!l->bridge_cfg || h->bridge_win < 0)
		return;
	w = &h->win[h->bridge_win];
	end = ALIGN_UP(w->next, PCI_BRIDGE_WINDOW_ALIGN);
	w->next = end;
	if (end <= l->win_start || end > PCI_4G)
		return;		/* nothing behind it: the window stays off */
	cfg_write16(l->bridge_cfg, PCI_MEMORY_BASE,
		    (uint16_t)((l->win_start >> 16) & PCI_WINDOW_ADDR_MASK));
	cfg_write16(l->bridge_cfg, PCI_MEMORY_LIMIT,
		    (uint16_t)(((end - 1) >> 16) & PCI_WINDOW_ADDR_MASK));
}

/*
 * Switch off SR-IOV virtual functions the dead kernel enabled.
 * Return: whether there were any.
 */
static bool pci_sriov_off(uint64_t cfg)
{
	unsigned int off = PCI_EXT_CAP_START;

	for (unsigned int i = 0;
	     i < PCI_EXT_CAP_MAX && off >= PCI_EXT_CAP_START; i++) {
		uint32_t hdr = cfg_read32(cfg, off);
		uint16_t ctrl;

		/* 0: no capability; all ones: no extended space (not PCIe). */
		if (!hdr || hdr == UINT32_MAX)
			return false;
		if ((hdr & PCI_EXT_CAP_ID_MASK) == PCI_EXT_CAP_ID_SRIOV) {
			ctrl = cfg_read16(cfg, off + PCI_SRIOV_CTRL);
			if (!(ctrl & PCI_SRIOV_CTRL_VFE))
				return false;
			cfg_write16(cfg, off + PCI_SRIOV_CTRL,
				    (uint16_t)(ctrl & ~(PCI_SRIOV_CTRL_VFE |
							PCI_SRIOV_CTRL_MSE)));
			return true;
		}
		off = (hdr >> PCI_EXT_CAP_NEXT_SHIFT) & PCI_EXT_CAP_NEXT_MASK;
	}
	return false;
}

/*
 * One function: stop it (Command: no decoding, no bus mastering, INTx
 * off; its SR-IOV virtual functions off), record it, size and assign its
 * BARs, map them when recorded.
 * Return: whether it is a bridge whose bus is to be scanned (@child).
 */
static bool pci_visit(struct pci_host *h, const struct pci_level *l,
		      unsigned int depth, uint64_t cfg, unsigned int dev,
		      unsigned int fn, uint8_t hdr, struct pci_level *child)
{
	struct pci_func f = {
		.cfg = (uintptr_t)cfg,
		.bus = (uint8_t)l->bus,
		.dev = (uint8_t)dev,
		.fn = (uint8_t)fn,
	};
	uint16_t cmd = cfg_read16(cfg, PCI_COMMAND);
	uint16_t stop = PCI_COMMAND_DECODE | PCI_COMMAND_MASTER;
	unsigned int type = hdr & PCI_HEADER_TYPE_MASK;
	bool behind = l->bridge_cfg != 0, descend = false;
	char line[PCI_LOG_LINE];

	/* First of all: no more DMA from it, nor decoding while we size. */
	cfg_write16(cfg, PCI_COMMAND,
		    (uint16_t)((cmd & ~stop) | PCI_COMMAND_INTX_DISABLE));
	f.vendor = cfg_read16(cfg, PCI_VENDOR_ID);
	f.device = cfg_read16(cfg, PCI_DEVICE_ID);
	f.class_code = cfg_read32(cfg, PCI_CLASS_REVISION) >> 8;
	snprintf(line, sizeof(line),
		 "pci %02x:%02x.%u [%04x:%04x] class %06x%s%s", f.bus, f.dev, f.fn, f.vendor, f.device, f.class_code,
		 cmd & PCI_COMMAND_MASTER ? ", bus master stopped" : "",
		 pci_sriov_off(cfg) ? ", SR-IOV VFs disabled" : "");

	switch (type) {
	case PCI_HEADER_TYPE_NORMAL:
		pci_assign_bars(h, &f, PCI_BARS_NORMAL, behind, line,
				sizeof(line));
		cfg_write32(cfg, PCI_ROM_ADDRESS,
			    cfg_read32(cfg, PCI_ROM_ADDRESS) &
				    ~(uint32_t)PCI_ROM_ADDRESS_ENABLE);
		break;
	case PCI_HEADER_TYPE_BRIDGE:
		pci_assign_bars(h, &f, PCI_BARS_BRIDGE, behind, line,
				sizeof(line));
		cfg_write32(cfg, PCI_ROM_ADDRESS1,
			    cfg_read32(cfg, PCI_ROM_ADDRESS1) &
				    ~(uint32_t)PCI_ROM_ADDRESS_ENABLE);
		descend = pci_bridge_open(h, l, depth, &f, child, line,
					  sizeof(line));
		break;
	default:
		/* CardBus and unknown layouts: stopped, nothing more. */
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "; header type %u left alone", type);
		break;
	}
	log_printf("%s\n", line);

	if (h->found < h->max) {
		h->out[h->found] = f;
		for (unsigned int i = 0; i < PCI_BARS; i++) {
			uint64_t lo, hi;

			if (!f.bar[i])
				continue;
			lo = ALIGN_DOWN(f.bar[i], PCI_BAR_MIN_ALIGN);
			hi = ALIGN_UP(f.bar[i] + f.bar_size[i],
				      PCI_BAR_MIN_ALIGN);
			if (dev_map(h->env, lo, hi - lo)) {
				log_printf("pci %02x:%02x.%u: BAR%u cannot be "
					   "mapped\n", f.bus, f.dev, f.fn, i);
				h->out[h->found].bar[i] = 0;
			}
		}
	}
	h->found++;
	return descend;
}

/* Every function on the root bus and, depth first, behind its bridges. */
static void pci_scan_host(struct pci_host *h)
{
	struct pci_level stack[PCI_DEPTH_MAX + 1];
	unsigned int depth = 1;

	if (pci_map_bus(h, h->bus_start)) {
		log_printf("pci: %s: cannot map its ECAM window\n", h->name);
		return;
	}
	stack[0] = (struct pci_level){ .bus = h->bus_start, .sub = h->bus_end };
	while (depth) {
		struct pci_level *l = &stack[depth - 1];
		unsigned int dev = l->devfn / PCI_FUNCTIONS;
		unsigned int fn = l->devfn % PCI_FUNCTIONS;
		uint64_t cfg;
		uint16_t vendor;
		uint8_t hdr;

		if (l->devfn >= PCI_DEVICES * PCI_FUNCTIONS) {
			pci_bridge_close(h, l);
			depth--;
			continue;
		}
		if (fn && !l->multi) {
			l->devfn = (dev + 1) * PCI_FUNCTIONS;
			continue;
		}
		l->devfn++;
		cfg = pci_cfg(h, l->bus, dev, fn);
		vendor = cfg_read16(cfg, PCI_VENDOR_ID);
		if (vendor == PCI_VENDOR_NONE || vendor == 0) {
			if (!fn)	/* no function 0: no device */
				l->devfn = (dev + 1) * PCI_FUNCTIONS;
			continue;
		}
		hdr = cfg_read8(cfg, PCI_HEADER_TYPE);
		if (!fn)
			l->multi = hdr & PCI_HEADER_MULTI_FUNCTION;
		if (pci_visit(h, l, depth, cfg, dev, fn, hdr, &stack[depth]))
			depth++;
	}
}

/* Memory windows from "ranges" (3 PCI cells, parent cells, size cells). */
static int pci_read_ranges(struct pci_host *h, const void *fdt, int node)
{
	int parent = fdt_parent_offset(fdt, node);
	int pac = dt_addr_cells(fdt, parent);
	int sc = dt_size_cells(fdt, node);
	uint32_t ac;
	const fdt32_t *r;
	int len, n;

	if (parent < 0 || pac < 0 || sc <= 0 ||
	    dt_prop_u32(fdt, node, "#address-cells", &ac) ||
	    ac != PCI_DT_ADDR_CELLS)
		return -EINVAL;
	r = fdt_getprop(fdt, node, "ranges", &len);
	if (!r)
		return -ENOENT;
	n = PCI_DT_ADDR_CELLS + pac + sc;
	if (len % (n * (int)sizeof(fdt32_t)))
		return -EINVAL;
	for (int i = 0; i < len / (n * (int)sizeof(fdt32_t)); i++, r += n) {
		uint32_t hi = fdt32_ld(r);
		unsigned int space =
			(hi >> PCI_DT_SPACE_SHIFT) & PCI_DT_SPACE_MASK;
		uint64_t pci = dt_read_cells(r + 1, 2);
		uint64_t cpu = dt_read_cells(r + PCI_DT_ADDR_CELLS, pac);
		uint64_t size = dt_read_cells(r + PCI_DT_ADDR_CELLS + pac, sc);
		struct pci_window *w;

		if (space != PCI_DT_SPACE_MEM32 && space != PCI_DT_SPACE_MEM64)
			continue;	/* I/O and configuration space */
		if (!size || pci + (size - 1) < pci ||
		    dt_translate(fdt, parent, &cpu) || cpu + (size - 1) < cpu) {
			log_printf("pci: %s: bad memory range %d ignored\n",
				   h->name, i);
			continue;
		}
		if (h->nwin >= PCI_WINDOWS_MAX) {
			log_printf("pci: %s: more than %u memory ranges\n",
				   h->name, PCI_WINDOWS_MAX);
			break;
		}
		w = &h->win[h->nwin++];
		*w = (struct pci_window){
			.pci_base = pci,
			.cpu_base = cpu,
			.size = size,
			/* PCI address 0 means "none" here: never handed out. */
			.next = pci ? pci : PCI_BAR_MIN_ALIGN,
			.pref = hi & PCI_DT_PREFETCH,
		};
		if (h->bridge_win < 0 && !w->pref && pci + size <= PCI_4G)
			h->bridge_win = (int)(h->nwin - 1);
	}
	return 0;
}

static int pci_host_init(struct pci_host *h, const struct dev_env *env,
			 int node)
{
	const void *fdt = env->fdt;
	uint64_t size, nbus;
	const fdt32_t *br;
	int len, ret;

	memset(h, 0, sizeof(*h));
	h->env = env;
	h->name = fdt_get_name(fdt, node, NULL);
	h->bridge_win = -1;
	ret = dt_reg(fdt, node, 0, &h->ecam, &size);
	if (ret)
		return ret;
	if (h->ecam % PCI_ECAM_BUS_SIZE || size < PCI_ECAM_BUS_SIZE)
		return -EINVAL;
	/* "bus-range" is optional: all 256 buses by default. */
	h->bus_end = PCI_BUSES - 1;
	br = fdt_getprop(fdt, node, "bus-range", &len);
	if (br) {
		if (len != 2 * (int)sizeof(fdt32_t))
			return -EINVAL;
		h->bus_start = fdt32_ld(br);
		h->bus_end = fdt32_ld(br + 1);
		if (h->bus_start > h->bus_end || h->bus_end >= PCI_BUSES)
			return -EINVAL;
	}
	nbus = MIN((uint64_t)(h->bus_end - h->bus_start + 1),
		   size >> PCI_ECAM_BUS_SHIFT);
	if (nbus < h->bus_end - h->bus_start + 1u) {
		log_printf("pci: %s: ECAM window holds buses %u-%u only\n",
			   h->name, h->bus_start,
			   h->bus_start + (unsigned int)nbus - 1);
		h->bus_end = h->bus_start + (unsigned int)nbus - 1;
	}
	return pci_read_ranges(h, fdt, node);
}

int pci_scan_all(const struct dev_env *env, struct pci_func *out, int max)
{
	const char *compat = "pci-host-ecam-generic";
	int node, found = 0, hosts = 0, err = -ENODEV;

	if (!env || !env->fdt || max < 0 || (!out && max))
		return -EINVAL;
	memset(&pci_bridges, 0, sizeof(pci_bridges));
	for (node = fdt_node_offset_by_compatible(env->fdt, -1, compat);
	     node >= 0;
	     node = fdt_node_offset_by_compatible(env->fdt, node, compat)) {
		struct pci_host h;
		int ret, kept = MIN(found, max);

		if (!dt_node_is_available(env->fdt, node))
			continue;
		ret = pci_host_init(&h, env, node);
		if (ret) {
			log_printf("pci: %s: unusable host bridge node (%d)\n",
				   fdt_get_name(env->fdt, node, NULL), ret);
			err = ret;
			continue;
		}
		h.out = out ? out + kept : NULL;
		h.max = max - kept;
		pci_scan_host(&h);
		found += h.found;
		hosts++;
	}
	return hosts ? found : err;
}

static void pci_command_set(uint64_t cfg, uint16_t clear, uint16_t set)
{
	uint16_t cmd = cfg_read16(cfg, PCI_COMMAND);

	cfg_write16(cfg, PCI_COMMAND, (uint16_t)((cmd & ~clear) | set));
}

void pci_enable(const struct pci_func *f)
{
	unsigned int bus;

	if (!f || !f->cfg)
		return;
	for (unsigned int i = 0; i < PCI_BARS; i++) {
		if (f->bar_size[i] && !f->bar[i]) {
			/* Decoding would use whatever address it holds. */
			log_printf("pci %02x:%02x.%u: BAR%u unassigned, not "
				   "enabled\n", f->bus, f->dev, f->fn, i);
			return;
		}
	}
	/* The bridges above it forward its registers and its DMA. */
	bus = f->bus;
	for (unsigned int d = 0; d < PCI_DEPTH_MAX; d++) {
		const struct pci_bridge *up = NULL;

		for (unsigned int i = 0; i < pci_bridges.n; i++) {
			const struct pci_bridge *b = &pci_bridges.b[i];

			if (b->secondary == bus && f->cfg >= b->ecam_lo &&
			    f->cfg < b->ecam_hi)
				up = b;
		}
		if (!up)
			break;
		pci_command_set(up->cfg, PCI_COMMAND_IO,
				PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		bus = up->bus;
	}
	pci_command_set(f->cfg, PCI_COMMAND_IO,
			PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void pci_disable(const struct pci_func *f)
{
	if (!f || !f->cfg)
		return;
	pci_command_set(f->cfg, PCI_COMMAND_DECODE | PCI_COMMAND_MASTER, 0);
}
