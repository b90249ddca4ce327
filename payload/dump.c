// SPDX-License-Identifier: MIT
/*
 * The dump sequence: walk the ELF core header kexec left in /chosen
 * (docs/elfcorehdr.md), map the dead kernel's RAM read-only, merge the
 * per-CPU and VMCOREINFO notes, then stream every page of the PT_LOAD
 * ranges (docs/stream-format.md) to the sinks: zero pages by state,
 * others lz4-compressed in blocks of DUMP_BLOCK_PAGES, pages that fault
 * as unreadable.  No allocation: every buffer is in struct dump_buffers.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "drivers/timer.h"
#include "payload/config.h"
#include "payload/dmesg.h"
#include "payload/dump.h"
#include "payload/elfcore.h"
#include "payload/engine.h"
#include "payload/kvaddr.h"
#include "payload/pagefilter.h"
#include "payload/frame.h"
#include "payload/log.h"
#include "payload/lz4_block.h"
#include "payload/sink.h"
#include "payload/devices.h"
#include "payload/net/netconsole.h"
#include "payload/net/udp_link.h"
#include "payload/sink_block.h"
#include "payload/sink_net.h"
#include "payload/sink_serial.h"
#include "payload/stream_enc.h"
#include "payload/version.h"
#include "payload/vmcoreinfo.h"
#include "purgatory/exception.h"
#include "purgatory/sysreg.h"

/* Every buffer the dump uses, sized up front (docs/memory.md). */
struct dump_buffers {
	/* the block sink's staging (first: the most aligned) */
	uint8_t blk_stage[BLOCK_SINK_STAGE_SIZE]
		__attribute__((aligned(BLOCK_SINK_STAGE_ALIGN)));
	uint8_t record[DUMP_RECORD_SIZE];	/* one record being built */
	uint8_t stage[DUMP_STAGE_SIZE] __attribute__((aligned(16)));
	struct lz4_block_state lz4;		/* payload/lz4_block.c */
	uint8_t notes[DUMP_NOTES_MAX];		/* merged notes */
	struct elfcore_load loads[DUMP_MAX_LOADS];
	struct elfcore_note_seg note_segs[DUMP_MAX_NOTE_SEGS];
	struct vmcoreinfo_entry vmcoreinfo[VMCOREINFO_DEFAULT_ENTRIES];
	struct stream_range map[DUMP_MAX_LOADS];
	uint8_t page[DUMP_PAGE_SIZE] __attribute__((aligned(16)));	/* small reads */
};

struct dump {
	const struct dump_input *in;
	struct dump_buffers *buf;
	struct elfcore ec;
	bool have_map;			/* a usable PT_LOAD map */
	struct elfcore_merge merge;
	struct vmcoreinfo vi;
	bool have_vmcoreinfo;
	struct kvaddr kv;			/* the dead kernel's addresses */
	bool have_kv;
	struct pagefilter pf;			/* dump levels 2, 4, 8, 16 */
	bool have_pf;
	struct dmesg dmesg;
	bool have_dmesg;
	uint64_t crashtime;
	uint8_t crash_id[STREAM_CRASH_ID_LEN];
	struct dt_range mem[DUMP_MAX_MEM_RANGES];
	int nmem;
	struct dt_range nomap[DUMP_MAX_MEM_RANGES];
	int nnomap;
	struct sink_set sinks;
	struct serial_sink serial;
	struct block_sink block;
	struct blkarea area;		/* the block sink's target */
	struct udp_link ulink;		/* the net sink's path */
	struct net_sink net;
	struct stream_enc enc;
	struct engine engine;
	uint64_t total_pages, done_pages, faulted_pages;
	uint64_t start_us, last_progress_us;
	bool stalled;		/* tinydump.debug=stall-at-kib= happened */
};

static struct dump_buffers dump_buffers;

#define PAGE_SHIFT 12

/* --- ranges ------------------------------------------------------------- */

static void sort_ranges(struct dt_range *r, int n)
{
	for (int i = 1; i < n; i++) {
		struct dt_range key = r[i];
		int j = i - 1;

		while (j >= 0 && r[j].base > key.base) {
			r[j + 1] = r[j];
			j--;
		}
		r[j + 1] = key;
	}
}

static void read_memory_layout(struct dump *d)
{
	d->nmem = dt_memory(d->in->fdt, d->mem, DUMP_MAX_MEM_RANGES);
	if (d->nmem == -ENOSPC) {
		d->nmem = DUMP_MAX_MEM_RANGES;
		log_printf("dump: more than %d /memory ranges; using the first\n",
			   DUMP_MAX_MEM_RANGES);
	}
	if (d->nmem < 0)
		d->nmem = 0;
	d->nnomap = dt_reserved_nomap(d->in->fdt, d->nomap, DUMP_MAX_MEM_RANGES);
	if (d->nnomap == -ENOSPC)
		d->nnomap = DUMP_MAX_MEM_RANGES;
	if (d->nnomap < 0)
		d->nnomap = 0;
	sort_ranges(d->mem, d->nmem);
	sort_ranges(d->nomap, d->nnomap);
	for (int i = 0; i < d->nnomap; i++)
		log_printf("memory: no-map 0x%lx-0x%lx is never read\n",
			   (unsigned long)d->nomap[i].base,
			   (unsigned long)(d->nomap[i].base + d->nomap[i].size - 1));
}

static int map_ro(struct dump *d, uint64_t start, uint64_t end)
{
	start = ALIGN_UP(start, DUMP_PAGE_SIZE);
	end = ALIGN_DOWN(end, DUMP_PAGE_SIZE);
	if (start >= end)
		return 0;
	return mmu_map(d->in->mmu, start, end - start, MMU_RAM_RO);
}

/*
 * Map [start, end) read-only where it is RAM the DT knows (/memory) and
 * not no-map.  The rest stays unmapped: reading it faults and the page is
 * reported unreadable; not even a speculative access reaches it.
 */
static int map_dump_range(struct dump *d, uint64_t start, uint64_t end)
{
	int ret = 0;

	for (int i = 0; i < d->nmem && !ret; i++) {
		uint64_t s = MAX(start, d->mem[i].base);
		uint64_t e = MIN(end, d->mem[i].base + d->mem[i].size);
		uint64_t cur = s;

		if (s >= e)
			continue;
		for (int j = 0; j < d->nnomap && !ret; j++) {
			uint64_t ns = ALIGN_DOWN(d->nomap[j].base, DUMP_PAGE_SIZE);
			uint64_t ne = ALIGN_UP(d->nomap[j].base + d->nomap[j].size,
					       DUMP_PAGE_SIZE);

			if (ne <= cur || ns >= e)
				continue;
			if (ns > cur)
				ret = map_ro(d, cur, ns);
			cur = MAX(cur, ne);
		}
		if (!ret && cur < e)
			ret = map_ro(d, cur, e);
	}
	return ret;
}

/* --- the ELF core header ------------------------------------------------ */

static void report_header_flags(uint32_t f, unsigned nbad)
{
	static const struct {
		uint32_t bit;
		const char *what;
	} names[] = {
		{ ELFCORE_F_FILESZ_MISMATCH, "p_filesz != p_memsz (p_memsz used)" },
		{ ELFCORE_F_OFFSET_MISMATCH, "p_offset != p_paddr (p_paddr used)" },
		{ ELFCORE_F_BAD_LOAD, "unusable PT_LOAD entries dropped" },
		{ ELFCORE_F_UNKNOWN_TEXT, "kernel-text PT_LOAD with vaddr ~0 dropped "
					  "(kexec-tools without _text in kallsyms)" },
		{ ELFCORE_F_CONTAINED, "PT_LOADs repeating RAM merged" },
		{ ELFCORE_F_CLIPPED, "overlapping PT_LOADs clipped" },
		{ ELFCORE_F_BAD_NOTE, "unusable PT_NOTE entries dropped" },
		{ ELFCORE_F_TRUNCATED, "more entries than the payload keeps" },
		{ ELFCORE_F_EXCLUDED, "the capture reservation taken out" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (f & names[i].bit)
			log_printf("elfcorehdr: %s\n", names[i].what);
	if (nbad)
		log_printf("elfcorehdr: %u PT_LOAD entries were unusable\n", nbad);
}

static void read_elfcorehdr(struct dump *d)
{
	const struct dt_chosen *ch = d->in->chosen;
	struct elfcore_range resv[2];
	int ret;

	elfcore_init(&d->ec, d->buf->loads, DUMP_MAX_LOADS, d->buf->note_segs,
		     DUMP_MAX_NOTE_SEGS);
	if (!ch->has_elfcorehdr) {
		log_printf("elfcorehdr: none in /chosen (linux,elfcorehdr): "
			   "no memory map, nothing to dump from memory\n");
		return;
	}
	if (!mmu_is_mapped(ch->elfcorehdr_addr, ch->elfcorehdr_size)) {
		log_printf("elfcorehdr: 0x%lx (%lu bytes) is not readable: no "
			   "memory map\n", (unsigned long)ch->elfcorehdr_addr,
			   (unsigned long)ch->elfcorehdr_size);
		return;
	}
	ret = elfcore_parse(&d->ec, (const void *)(uintptr_t)ch->elfcorehdr_addr,
			    ch->elfcorehdr_size);
	if (ret && ret != -ENOSPC) {
		log_printf("elfcorehdr: at 0x%lx (%lu bytes) is unusable (error %d, "
			   "flags 0x%x): no memory map; dumping notes and logs only\n",
			   (unsigned long)ch->elfcorehdr_addr,
			   (unsigned long)ch->elfcorehdr_size, ret,
			   (unsigned)d->ec.flags);
		report_header_flags(d->ec.flags, d->ec.nbad_loads);
		d->ec.nloads = 0;
		return;
	}
	for (int i = 0; i < ch->n_usable && i < 2; i++) {
		resv[i].start = ch->usable[i].base;
		resv[i].size = ch->usable[i].size;
	}
	elfcore_exclude(&d->ec, resv, (size_t)ch->n_usable);
	report_header_flags(d->ec.flags, d->ec.nbad_loads);
	d->have_map = d->ec.nloads > 0;
	if (!d->have_map)
		log_printf("elfcorehdr: no PT_LOAD left: no memory map\n");
	log_printf("elfcorehdr: %u program headers, %zu RAM ranges, %zu note "
		   "segments\n", d->ec.phnum, d->ec.nloads, d->ec.nnotes);
}

/* Is [pa, pa + size) RAM of the dead kernel (in /memory, not ours)? */
static bool dead_kernel_ram(const struct dump *d, uint64_t pa, uint64_t size)
{
	const struct dt_chosen *ch = d->in->chosen;
	bool in_mem = false;

	for (int i = 0; i < d->nmem; i++)
		if (pa >= d->mem[i].base && pa + size >= pa &&
		    pa + size <= d->mem[i].base + d->mem[i].size)
			in_mem = true;
	for (int i = 0; i < ch->n_usable; i++)
		if (pa < ch->usable[i].base + ch->usable[i].size &&
		    ch->usable[i].base < pa + size)
			return false;
	return in_mem;
}

/*
 * Copy [pa, pa + len) through the stage buffer, page by page, with faults
 * caught.  Returns a pointer into the stage buffer, or NULL.
 */
static const uint8_t *read_phys(struct dump *d, uint64_t pa, size_t len)
{
	uint64_t first = ALIGN_DOWN(pa, DUMP_PAGE_SIZE);
	uint64_t end = ALIGN_UP(pa + len, DUMP_PAGE_SIZE);

	if (end - first > DUMP_STAGE_SIZE)
		return NULL;
	if (map_dump_range(d, first, end) || !mmu_is_mapped(first, end - first))
		return NULL;
	for (uint64_t p = first; p < end; p += DUMP_PAGE_SIZE)
		if (probe_copy_page(&d->buf->stage[p - first], (const void *)(uintptr_t)p))
			return NULL;
	return &d->buf->stage[pa - first];
}

static void read_notes(struct dump *d)
{
	elfcore_merge_init(&d->merge, d->buf->notes, sizeof(d->buf->notes));
	for (size_t i = 0; i < d->ec.nnotes; i++) {
		const struct elfcore_note_seg *seg = &d->ec.notes[i];
		uint64_t size = MIN(seg->size, (uint64_t)DUMP_STAGE_SIZE - DUMP_PAGE_SIZE);
		const uint8_t *p;

		if (!dead_kernel_ram(d, seg->paddr, size)) {
			log_printf("notes: segment at 0x%lx is not in RAM: skipped\n",
				   (unsigned long)seg->paddr);
			continue;
		}
		p = read_phys(d, seg->paddr, size);
		if (!p) {
			log_printf("notes: segment at 0x%lx is unreadable\n",
				   (unsigned long)seg->paddr);
			continue;
		}
		elfcore_merge_notes(&d->merge, p, size);
	}
	log_printf("notes: %u notes, %u CPU register sets (NT_PRSTATUS), "
		   "VMCOREINFO %s\n", d->merge.nnotes, d->merge.nprstatus,
		   d->merge.has_vmcoreinfo ? "found" : "MISSING");
	if (d->merge.flags)
		log_printf("notes: irregular note segments (flags 0x%x)\n",
			   (unsigned)d->merge.flags);
}

static void read_vmcoreinfo(struct dump *d)
{
	const char *val;
	size_t len;

	vmcoreinfo_init(&d->vi, d->buf->vmcoreinfo, VMCOREINFO_DEFAULT_ENTRIES);
	if (!d->merge.has_vmcoreinfo)
		return;
	vmcoreinfo_parse(&d->vi, (const char *)d->buf->notes + d->merge.vmcoreinfo_off,
			 d->merge.vmcoreinfo_len);
	d->have_vmcoreinfo = d->vi.count > 0;
	if (vmcoreinfo_u64(&d->vi, "CRASHTIME", 10, &d->crashtime))
		d->crashtime = 0;
	if (vmcoreinfo_get(&d->vi, "OSRELEASE", &val, &len) == 0)
		log_printf("vmcoreinfo: %zu keys, kernel %.*s, crash time %lu\n",
			   d->vi.count, (int)len, val, (unsigned long)d->crashtime);
	if (d->vi.nmalformed)
		log_printf("vmcoreinfo: %u malformed lines skipped\n",
			   d->vi.nmalformed);
}

/* --- the dead kernel's addresses and log -------------------------------- */

/* Read the dead kernel's RAM with faults caught (a page at a time). */
static int dump_read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct dump *d = ctx;
	uint8_t *out = buf;

	while (len) {
		uint64_t page = ALIGN_DOWN(pa, DUMP_PAGE_SIZE);
		size_t off = pa - page, n = MIN(len, DUMP_PAGE_SIZE - off);

		if (!mmu_is_mapped(page, DUMP_PAGE_SIZE) ||
		    probe_copy_page(d->buf->page, (const void *)(uintptr_t)page))
			return -EFAULT;
		memcpy(out, &d->buf->page[off], n);
		out += n;
		pa += n;
		len -= n;
	}
	return 0;
}

static int dump_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	return dump_read_phys(ctx, pa, val, sizeof(*val));
}

static int dump_va_to_pa(void *ctx, uint64_t va, uint64_t *pa)
{
	return kvaddr_to_phys(&((struct dump *)ctx)->kv, va, pa);
}

static const struct dmesg_ops dump_dmesg_ops = {
	.va_to_pa = dump_va_to_pa,
	.read = dump_read_phys,
};

/* The last tinydump.dmesg_lines records on the console, as vmcore-dmesg. */
static void print_dmesg_tail(struct dump *d)
{
	unsigned lines = d->in->cfg->dmesg_lines;
	char piece[256];
	size_t len;
	bool eor;

	if (!d->have_dmesg || !lines)
		return;
	log_printf("dmesg: the dead kernel's last %u log records:\n", lines);
	dmesg_tail(&d->dmesg, lines);
	while (dmesg_next_chunk(&d->dmesg, piece, sizeof(piece), &len, &eor) > 0)
		log_write_console(piece, len);
	log_printf("dmesg: end\n");
}

/*
 * The dead kernel's address layout (linear map, kernel image, page tables
 * from swapper_pg_dir), then its page filter for the dump level.
 */
static void read_kernel_layout(struct dump *d)
{
	unsigned level = (unsigned)d->in->cfg->level;
	int ret;

	if (!d->have_vmcoreinfo)
		return;
	ret = kvaddr_init(&d->kv, &d->vi, dump_read64, d);
	d->have_kv = ret == 0;
	if (ret)
		log_printf("kernel: addresses cannot be translated (%d: %s)\n", ret,
			   d->kv.why ? d->kv.why : "no reason given");
	if (!(level & ~PAGEFILTER_ZERO))
		return;
	if (!d->have_kv) {
		log_printf("filter: level %u needs address translation: only zero "
			   "pages are left out\n", level);
		return;
	}
	ret = pagefilter_init(&d->pf, &d->vi, &d->kv, level);
	d->have_pf = ret == 0 && d->pf.honoured;
	for (uint32_t bit = 1; bit < (1u << PAGEFILTER_M_COUNT); bit <<= 1)
		if (d->pf.missing & bit)
			log_printf("filter: %s\n", pagefilter_missing_text(bit));
	if (ret)
		log_printf("filter: struct pages not found (%d): only zero pages "
			   "are left out\n", ret);
	else
		log_printf("filter: level %u: excluding%s%s%s%s (struct pages via %s)\n",
			   level, d->pf.honoured & PAGEFILTER_CACHE ? " cache" : "",
			   d->pf.honoured & PAGEFILTER_CACHE_PRIVATE ? " cache+private" : "",
			   d->pf.honoured & PAGEFILTER_USER ? " user" : "",
			   d->pf.honoured & PAGEFILTER_FREE ? " free" : "",
			   d->pf.map == PAGEFILTER_MAP_VMEMMAP ? "vmemmap" :
							       "mem_section");
}

/* The dump level the stream states: what is really applied. */
static uint8_t applied_level(const struct dump *d)
{
	unsigned level = (unsigned)d->in->cfg->level & PAGEFILTER_ZERO;

	if (d->have_pf)
		level |= d->pf.honoured;
	return (uint8_t)level;
}

static void read_dmesg(struct dump *d)
{
	int ret;

	if (!d->have_kv) {
		log_printf("dmesg: no address layout: the log cannot be found\n");
		return;
	}
	ret = dmesg_init(&d->dmesg, &d->vi, &dump_dmesg_ops, d);
	d->have_dmesg = ret == 0;
	if (ret)
		log_printf("dmesg: the dead kernel's log is unreadable (%d)\n", ret);
	print_dmesg_tail(d);
	/* netconsole gets the whole log, with the kernel's own levels and
	 * sequence numbers in the extended format. */
	if (d->have_dmesg && d->in->nc) {
		dmesg_rewind(&d->dmesg);
		netconsole_send_dmesg(d->in->nc, &d->dmesg, NULL);
	}
}

/* The whole log into the stream (TEXT, kind dmesg), before any page. */
static int stream_dmesg(struct dump *d)
{
	uint8_t *buf = d->buf->stage;
	size_t fill = 0, len;
	bool eor;
	int ret = 0;

	if (!d->have_dmesg)
		return 0;
	dmesg_rewind(&d->dmesg);
	while (!ret) {
		int more = dmesg_next_chunk(&d->dmesg, (char *)buf + fill,
					    DUMP_STAGE_SIZE - fill, &len, &eor);

		if (more > 0)
			fill += len;
		if (fill && (more <= 0 || DUMP_STAGE_SIZE - fill < DMESG_PIECE)) {
			ret = stream_enc_text(&d->enc, STREAM_TEXT_DMESG, buf, fill);
			fill = 0;
		}
		if (more <= 0)
			break;
	}
	if (d->dmesg.stats.read_errors)
		log_printf("dmesg: %u reads failed while streaming the log\n",
			   (unsigned)d->dmesg.stats.read_errors);
	return ret;
}

/* --- crash identity ------------------------------------------------------ */

/* SplitMix64 finaliser: spreads every input bit over the output. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * A random id per crash: kexec-tools puts getrandom() output in
 * /chosen/kaslr-seed on every load, QEMU and firmware give rng-seed; the
 * counter and the CPU's identity separate boards that lack both.
 */
static void make_crash_id(struct dump *d)
{
	const void *fdt = d->in->fdt;
	int chosen = fdt_path_offset(fdt, "/chosen");
	uint64_t h = mix64(read_sysreg(cntpct_el0)) ^ mix64(read_sysreg(mpidr_el1) + 1);
	const uint8_t *p;
	int len = 0;

	h ^= mix64(d->crashtime + 2);
	p = fdt_getprop(fdt, chosen, "kaslr-seed", &len);
	for (int i = 0; p && i < len; i++)
		h = mix64(h ^ p[i]);
	p = fdt_getprop(fdt, chosen, "rng-seed", &len);
	for (int i = 0; p && i < len; i++)
		h = mix64(h ^ p[i]);
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i += 8) {
		uint64_t v = mix64(h + i + read_sysreg(cntpct_el0));

		memcpy(&d->crash_id[i], &v, 8);
		h = v;
	}
}

/* --- sinks --------------------------------------------------------------- */

bool dump_sink_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

/* The sink names tinydump.sink= knows (docs/config.md). */
static const char *const known_sinks[] = { "serial", "block", "net" };

static void report_unknown_sinks(const char *list)
{
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(known_sinks); i++)
			known |= len == strlen(known_sinks[i]) &&
				 !strncmp(p, known_sinks[i], len);
		if (len && !known)
			log_printf("dump: unknown sink '%.*s' in tinydump.sink= "
				   "(known: serial, block, net): ignored\n",
				   (int)len, p);
		p += len + (end ? 1 : 0);
	}
}

/* devices_find_blk()'s question: does this disk hold our dump area? */
static int accept_blk(void *ctx, struct blk_dev *dev)
{
	struct dump *d = ctx;

	return block_target_find(&d->area, dev, d->in->cfg, d->buf->blk_stage,
				 sizeof(d->buf->blk_stage));
}

static void setup_block(struct dump *d)
{
	struct blk_dev *dev;
	int ret = devices_find_blk(d->in->dev, d->in->cfg->blkdev, accept_blk, d,
				   &dev);

	if (!ret)
		ret = block_sink_init(&d->block, &d->area, d->buf->blk_stage,
				      sizeof(d->buf->blk_stage));
	if (ret) {
		log_printf("dump: block sink: no dump area on any disk (%d): "
			   "nothing written to disks\n", ret);
		return;
	}
	d->sinks.sink[d->sinks.n++] = &d->block.sink;
}

static void setup_net(struct dump *d)
{
	const struct net_config *nc = d->in->netcfg;
	int ret;

	if (!d->in->net) {
		log_printf("dump: net sink: the network is down\n");
		return;
	}
	/* Our port: the receiver answers to where the herald came from. */
	ret = udp_link_init(&d->ulink, d->in->net, nc->dump_ip, nc->dump_port,
			    nc->dump_port);
	if (!ret)
		ret = net_sink_init(&d->net, &d->ulink.link, NULL);
	if (ret) {
		log_printf("dump: net sink: cannot start (%d)\n", ret);
		return;
	}
	d->sinks.sink[d->sinks.n++] = &d->net.sink;
}

static void setup_sinks(struct dump *d)
{
	const struct tinydump_config *cfg = d->in->cfg;

	d->sinks.n = 0;
	report_unknown_sinks(cfg->sinks);
	if (dump_sink_listed(cfg->sinks, "serial")) {
		if (serial_sink_init(&d->serial, d->in->con,
				     cfg->serial == SERIAL_ASCII ? FRAME_ASCII :
								   FRAME_BINARY) == 0)
			d->sinks.sink[d->sinks.n++] = &d->serial.sink;
		else
			log_printf("dump: serial sink: no console UART\n");
	}
	if (dump_sink_listed(cfg->sinks, "block"))
		setup_block(d);
	if (dump_sink_listed(cfg->sinks, "net"))
		setup_net(d);
}

/* --- pages ---------------------------------------------------------------- */

static void progress(struct dump *d, bool final)
{
	uint64_t now = timer_now_us();
	uint64_t secs_x10, out = d->enc.totals.stream_bytes;
	unsigned pct;

	if (!final && now - d->last_progress_us < DUMP_PROGRESS_US)
		return;
	d->last_progress_us = now;
	secs_x10 = (now - d->start_us) / 100000u;
	pct = d->total_pages ? (unsigned)(d->done_pages * 100 / d->total_pages) : 100;
	log_printf("dump: %lu/%lu pages (%u%%), %lu KiB sent, %lu KiB/s%s\n",
		   (unsigned long)d->done_pages, (unsigned long)d->total_pages, pct,
		   (unsigned long)(out >> 10),
		   (unsigned long)(secs_x10 ? (out >> 10) * 10 / secs_x10 : 0),
		   final ? " (done)" : "");
}

/*
 * tinydump.debug=stall-at-kib=N: once N KiB of stream are out, stop as if
 * the power went (tests kill QEMU at the message to prove that a cut dump
 * reads back as partial).  Bounded like everything else: after
 * DUMP_DEBUG_STALL_US the dump goes on.
 */
static void debug_stall(struct dump *d)
{
	static const char key[] = "stall-at-kib=";
	uint64_t kib, until;

	if (d->stalled || strncmp(d->in->cfg->debug, key, sizeof(key) - 1) ||
	    config_parse_u64(d->in->cfg->debug + sizeof(key) - 1,
			     strlen(d->in->cfg->debug + sizeof(key) - 1), &kib) ||
	    d->enc.totals.stream_bytes < kib << 10)
		return;
	d->stalled = true;
	log_printf("dump: debug: stalling at %lu KiB of stream\n",
		   (unsigned long)(d->enc.totals.stream_bytes >> 10));
	for (until = timer_now_us() + DUMP_DEBUG_STALL_US; timer_now_us() < until;)
		;
}

/*
 * Pages [pfn, pfn + n), all mapped, with the filter's verdicts @verdict
 * (0: keep): copy the kept ones with faults caught, then let the engine
 * describe them all (data in lz4 blocks, zero, unreadable, excluded).
 */
static int dump_block(struct dump *d, uint64_t pfn, unsigned n,
		      const uint8_t *verdict)
{
	uint8_t pre[DUMP_BLOCK_PAGES];

	for (unsigned k = 0; k < n; k++) {
		pre[k] = verdict[k] ? verdict[k] : ENGINE_EXAMINE;
		if (pre[k] == ENGINE_EXAMINE &&
		    probe_copy_page(&d->buf->stage[k * DUMP_PAGE_SIZE],
				    (const void *)(uintptr_t)((pfn + k) << PAGE_SHIFT))) {
			pre[k] = STREAM_PAGE_UNREADABLE;
			d->faulted_pages++;
		}
	}
	return engine_block(&d->engine, d->buf->stage, n, pre);
}

/* What the filter says of [pfn, pfn + n): 0 keep, or excluded | reason. */
static void filter_window(struct dump *d, uint64_t pfn, unsigned n, uint8_t *verdict)
{
	memset(verdict, 0, n);
	if (d->have_pf)
		pagefilter_classify(&d->pf, pfn, n, verdict, dump_read_phys, d);
}

static int dump_load(struct dump *d, const struct elfcore_load *l)
{
	uint64_t pfn = l->paddr >> PAGE_SHIFT;
	uint64_t end = pfn + (l->size >> PAGE_SHIFT);
	uint8_t verdict[DUMP_FILTER_WINDOW];
	uint64_t win = pfn, win_end = pfn;
	int ret = stream_enc_pages_begin(&d->enc, pfn);

	while (!ret && pfn < end) {
		uint64_t n = 0;

		if (pfn >= win_end) {
			win = pfn;
			win_end = MIN(end, pfn + DUMP_FILTER_WINDOW);
			filter_window(d, win, (unsigned)(win_end - win), verdict);
		}
		/* Pages we did not map (not RAM per the DT, no-map): unreadable. */
		while (pfn + n < win_end && !mmu_is_mapped((pfn + n) << PAGE_SHIFT,
							   DUMP_PAGE_SIZE))
			n++;
		if (n) {
			ret = stream_enc_pages_skip(&d->enc, STREAM_PAGE_UNREADABLE, n);
			d->faulted_pages += n;
		} else {
			uint64_t max = MIN(win_end - pfn, (uint64_t)DUMP_BLOCK_PAGES);

			while (n < max && mmu_is_mapped((pfn + n) << PAGE_SHIFT,
							DUMP_PAGE_SIZE))
				n++;
			ret = dump_block(d, pfn, (unsigned)n, &verdict[pfn - win]);
		}
		pfn += n;
		d->done_pages += n;
		progress(d, false);
		debug_stall(d);
	}
	return ret;
}

/* --- the stream ------------------------------------------------------------ */

static int stream_start(struct dump *d)
{
	struct stream_header h = { 0 };
	const struct dt_chosen *ch = d->in->chosen;
	struct stream_range resv[2];
	int ret;

	h.page_size = DUMP_PAGE_SIZE;
	h.machine = STREAM_EM_AARCH64;
	h.endian = STREAM_ENDIAN_LITTLE;
	h.dump_level = applied_level(d);
	h.flags = d->have_map ? 0 : STREAM_HDR_F_NO_MAP;
	memcpy(h.crash_id, d->crash_id, sizeof(h.crash_id));
	h.crashtime = d->crashtime;
	h.map_count = (uint32_t)d->ec.nloads;
	h.resv_count = (uint32_t)MIN(ch->n_usable, 2);
	h.notes_size = (uint32_t)d->merge.len;
	for (size_t i = 0; i < d->ec.nloads; i++) {
		d->buf->map[i].paddr = d->ec.loads[i].paddr;
		d->buf->map[i].size = d->ec.loads[i].size;
		d->buf->map[i].vaddr = d->ec.loads[i].vaddr;
		h.max_pfn = (d->ec.loads[i].paddr + d->ec.loads[i].size) >> PAGE_SHIFT;
	}
	for (unsigned i = 0; i < h.resv_count; i++) {
		resv[i].paddr = ch->usable[i].base;
		resv[i].size = ch->usable[i].size;
		resv[i].vaddr = 0;
	}
	strncpy(h.producer, "tinydump " TINYDUMP_VERSION, STREAM_PRODUCER_LEN);

	ret = stream_enc_header(&d->enc, &h);
	if (!ret && d->merge.len)
		ret = stream_enc_notes(&d->enc, d->buf->notes, d->merge.len);
	if (!ret && d->ec.nloads)
		ret = stream_enc_map(&d->enc, STREAM_MAP_LOAD, d->buf->map,
				     d->ec.nloads);
	if (!ret && h.resv_count)
		ret = stream_enc_map(&d->enc, STREAM_MAP_RESV, resv, h.resv_count);
	return ret;
}

static const char *status_name(unsigned status)
{
	return status == STREAM_STATUS_COMPLETE ? "complete" :
	       status == STREAM_STATUS_CUT	 ? "cut: a sink is full" :
						   "aborted";
}

static void summary(struct dump *d, unsigned status, int error)
{
	const struct stream_totals *t = &d->enc.totals;
	uint64_t us = timer_now_us() - d->start_us, excluded = 0;

	for (unsigned i = 0; i < STREAM_EXCL_REASONS; i++)
		excluded += t->pages_excluded[i];

	log_printf("dump: %s%s; %lu pages: %lu with data, %lu zero, %lu "
		   "excluded, %lu unreadable; %lu KiB of memory in %lu KiB of "
		   "stream (%lu records) in %lu.%03lu s\n", status_name(status),
		   error ? " (error)" : "", (unsigned long)d->done_pages,
		   (unsigned long)t->pages_dumped, (unsigned long)t->pages_zero,
		   (unsigned long)excluded, (unsigned long)t->pages_unreadable,
		   (unsigned long)(t->raw_bytes >> 10),
		   (unsigned long)(t->stream_bytes >> 10), (unsigned long)t->records,
		   (unsigned long)(us / 1000000), (unsigned long)(us / 1000 % 1000));
	if (d->serial.sink.ops && d->serial.sink.bytes)
		log_printf("dump: serial: %lu record bytes, %lu bytes on the wire\n",
			   (unsigned long)d->serial.sink.bytes,
			   (unsigned long)d->serial.wire_bytes);
	if (d->block.sink.ops && d->block.sink.bytes)
		log_printf("dump: block: %lu record bytes to %s\n",
			   (unsigned long)d->block.sink.bytes, d->area.dev->name);
	if (error)
		log_printf("dump: stopped by error %d\n", error);
	if (d->have_pf && (d->pf.stats.unreadable || d->pf.stats.bad_buddy_order ||
			   d->pf.stats.bad_alignment || d->pf.stats.bad_compound ||
			   d->pf.stats.contradictory))
		log_printf("filter: kept as implausible: %lu unreadable struct pages, "
			   "%lu bad buddy orders, %lu misaligned free blocks, %lu bad "
			   "compound pages, %lu contradictory flags\n",
			   (unsigned long)d->pf.stats.unreadable,
			   (unsigned long)d->pf.stats.bad_buddy_order,
			   (unsigned long)d->pf.stats.bad_alignment,
			   (unsigned long)d->pf.stats.bad_compound,
			   (unsigned long)d->pf.stats.contradictory);
}

int dump_run(const struct dump_input *in)
{
	static struct dump dump;
	struct dump *d = &dump;
	unsigned status = STREAM_STATUS_COMPLETE;
	const char *log;
	size_t log_len;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	d->in = in;
	d->buf = &dump_buffers;
	d->start_us = d->last_progress_us = timer_now_us();

	read_memory_layout(d);
	read_elfcorehdr(d);
	for (size_t i = 0; i < d->ec.nloads && !ret; i++) {
		ret = map_dump_range(d, d->ec.loads[i].paddr,
				     d->ec.loads[i].paddr + d->ec.loads[i].size);
		d->total_pages += d->ec.loads[i].size >> PAGE_SHIFT;
	}
	if (ret)
		log_printf("dump: mapping the dead kernel's RAM failed (%d): "
			   "what is not mapped is reported unreadable\n", ret);
	read_notes(d);
	read_vmcoreinfo(d);
	read_kernel_layout(d);
	read_dmesg(d);
	make_crash_id(d);

	setup_sinks(d);
	if (!d->sinks.n) {
		log_printf("dump: no usable sink: nothing is dumped\n");
		return -ENODEV;
	}
	log_printf("dump: %lu pages (%lu MiB) to %s, level %d\n",
		   (unsigned long)d->total_pages,
		   (unsigned long)(d->total_pages >> (20 - PAGE_SHIFT)),
		   d->sinks.sink[0]->name, in->cfg->level);

	stream_enc_init(&d->enc, sinks_write, &d->sinks, d->buf->record,
			sizeof(d->buf->record));
	stream_enc_set_limit(&d->enc, sinks_capacity(&d->sinks));
	d->engine.enc = &d->enc;
	d->engine.lz4_state = &d->buf->lz4;
	d->engine.drop_zero = in->cfg->level & 1;
	ret = sinks_open(&d->sinks, d->crash_id);
	if (!ret)
		ret = stream_start(d);
	if (!ret)
		ret = stream_dmesg(d);
	for (size_t i = 0; i < d->ec.nloads && !ret; i++)
		ret = dump_load(d, &d->ec.loads[i]);
	if (!ret)
		ret = stream_enc_pages_flush(&d->enc);
	progress(d, true);
	if (ret)
		status = ret == -ENOSPC ? STREAM_STATUS_CUT : STREAM_STATUS_ABORTED;
	summary(d, status, ret);
	/* The payload's own console log goes in too, for the report. */
	log_captured(&log, &log_len);
	if (log_len)
		stream_enc_text(&d->enc, STREAM_TEXT_LOG, log, log_len);
	stream_enc_trailer(&d->enc, status, ret);
	sinks_close(&d->sinks, status);
	return ret;
}
