// SPDX-License-Identifier: MIT
/*
 * kdump-compressed vmcore writer (makedumpfile's "KDUMP   " format,
 * header version 6), plain or as flattened records.  Layout, from
 * makedumpfile's diskdump_mod.h and write_kdump_header() and crash's
 * diskdump.c as REFERENCE.md §3 lists them: block 0 disk_dump_header,
 * block 1.. kdump_sub_header + the merged notes, bitmap 1 (PFN exists),
 * bitmap 2 (PFN dumped), one page_desc per set bit of bitmap 2 in PFN
 * order, the shared zero page, the page data.  Every field is written
 * byte by byte, little-endian (the dump is aarch64 LE; crash on an LE
 * host reads it as its own structs).
 */
#include "host-tools/vmcore.h"
#include "host-tools/fileio.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "payload/stream.h"

#define FLAT_BUF_SIZE (1u << 20)
#define DESC_BATCH    4096u

/* --- output: pwrite, or flattened records {be64 offset, be64 size} data --- */
struct vout {
	int fd;
	bool flat;
	uint8_t *buf;
	size_t blen;
	uint64_t boff;
	uint64_t end;
};

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int flat_record(struct vout *o, uint64_t off, const void *data,
		       size_t len)
{
	uint8_t h[16];
	int ret;

	put_be64(h, off);
	put_be64(h + 8, len);
	ret = write_all(o->fd, h, sizeof(h));
	return ret ? ret : write_all(o->fd, data, len);
}

static int vout_flush(struct vout *o)
{
	int ret = 0;

	if (o->flat && o->blen)
		ret = flat_record(o, o->boff, o->buf, o->blen);
	o->blen = 0;
	return ret;
}

static int vout_write(struct vout *o, uint64_t off, const void *data,
		      size_t len)
{
	int ret;

	if (off + len > o->end)
		o->end = off + len;
	if (!o->flat)
		return pwrite_all(o->fd, data, len, off);
	/* Coalesce writes that continue each other into one record. */
	if (o->blen &&
	    (off != o->boff + o->blen || o->blen + len > FLAT_BUF_SIZE)) {
		ret = vout_flush(o);
		if (ret)
			return ret;
	}
	if (len > FLAT_BUF_SIZE)
		return flat_record(o, off, data, len);
	if (!o->blen)
		o->boff = off;
	memcpy(o->buf + o->blen, data, len);
	o->blen += len;
	return 0;
}

static int vout_init(struct vout *o, int fd, bool flat)
{
	uint8_t h[FLAT_HEADER_SIZE];

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->flat = flat;
	if (!flat)
		return 0;
	o->buf = malloc(FLAT_BUF_SIZE);
	if (!o->buf)
		return -ENOMEM;
	memset(h, 0, sizeof(h));
	memcpy(h, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE) - 1);
	put_be64(h + 16, FLAT_TYPE);
	put_be64(h + 24, FLAT_VERSION);
	return write_all(fd, h, sizeof(h));
}

static int vout_finish(struct vout *o)
{
	uint8_t end[16];
	int ret;

	if (!o->flat)
		return ftruncate(o->fd, (off_t)o->end) ? -EIO : 0;
	ret = vout_flush(o);
	memset(end, 0xff, sizeof(end)); /* {-1, -1} */
	return ret ? ret : write_all(o->fd, end, sizeof(end));
}

/* --- header and sub header ---------------------------------------------------
 */

struct layout {
	uint32_t bs;
	uint64_t max_mapnr;
	uint64_t notes_len;
	uint64_t sub_blocks, bm_blocks; /* bm_blocks: one bitmap */
	uint64_t off_bm1, off_bm2, off_desc, off_data;
	uint64_t ndesc;
};

static void put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = strlen(s);

	memcpy(p, s, n < max ? n : max - 1);
}

static void fill_utsname(uint8_t *u, const struct dumpmeta *m)
{
	unsigned i;

	if (m->has_uts)
		for (i = 0; i < DUMPMETA_UTS_FIELDS; i++)
			put_str(u + i * DUMPMETA_UTS_LEN, m->uts[i],
				DUMPMETA_UTS_LEN);
	else
		put_str(u, "Linux", DUMPMETA_UTS_LEN);
	if (!m->has_uts && m->has_osrelease)
		put_str(u + DUMPMETA_UTS_RELEASE * DUMPMETA_UTS_LEN,
			m->osrelease, DUMPMETA_UTS_LEN);
	/* crash picks its machine code from this field. */
	memset(u + DUMPMETA_UTS_MACHINE * DUMPMETA_UTS_LEN, 0,
	       DUMPMETA_UTS_LEN);
	put_str(u + DUMPMETA_UTS_MACHINE * DUMPMETA_UTS_LEN, "aarch64",
		DUMPMETA_UTS_LEN);
}

static int write_headers(struct vout *o, const struct collect *c,
			 const struct dumpmeta *m, const struct layout *l,
			 bool incomplete)
{
	size_t sub_len = (size_t)(l->sub_blocks * l->bs);
	uint64_t crashtime = m->has_crashtime ? m->crashtime : c->hdr.crashtime;
	uint8_t *b, *sh;
	int ret;

	b = calloc(1, l->bs + sub_len);
	if (!b)
		return -ENOMEM;
	memcpy(b, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	stream_put32(b + KDUMP_DH_VERSION, KDUMP_HEADER_VERSION);
	fill_utsname(b + KDUMP_DH_UTSNAME, m);
	stream_put64(b + KDUMP_DH_TIMESTAMP, crashtime);
	stream_put32(b + KDUMP_DH_STATUS,
		     KDUMP_COMPRESSED_ZLIB |
			 (incomplete ? KDUMP_COMPRESSED_INCOMPLETE : 0));
	stream_put32(b + KDUMP_DH_BLOCK_SIZE, l->bs);
	stream_put32(b + KDUMP_DH_SUB_HDR_SIZE, (uint32_t)l->sub_blocks);
	stream_put32(b + KDUMP_DH_BITMAP_BLOCKS, (uint32_t)(2 * l->bm_blocks));
	stream_put32(b + KDUMP_DH_MAX_MAPNR, l->max_mapnr > UINT32_MAX
						 ? UINT32_MAX
						 : (uint32_t)l->max_mapnr);
	stream_put32(b + KDUMP_DH_NR_CPUS, m->ncpus);

	sh = b + l->bs;
	stream_put64(sh + KDUMP_SH_PHYS_BASE,
		     m->has_phys_offset ? m->phys_offset : 0);
	stream_put32(sh + KDUMP_SH_DUMP_LEVEL, c->hdr.dump_level);
	if (l->notes_len) {
		memcpy(sh + KDUMP_SH_SIZE, c->notes, l->notes_len);
		stream_put64(sh + KDUMP_SH_OFFSET_NOTE, l->bs + KDUMP_SH_SIZE);
		stream_put64(sh + KDUMP_SH_SIZE_NOTE, l->notes_len);
	}
	if (l->notes_len && m->has_vmcoreinfo) {
		stream_put64(sh + KDUMP_SH_OFFSET_VMCOREINFO,
			     l->bs + KDUMP_SH_SIZE + m->vmcoreinfo_off);
		stream_put64(sh + KDUMP_SH_SIZE_VMCOREINFO, m->vmcoreinfo_len);
	}
	stream_put64(sh + KDUMP_SH_MAX_MAPNR_64, l->max_mapnr);
	ret = vout_write(o, 0, b, l->bs + sub_len);
	free(b);
	return ret;
}

/* --- bitmaps
 * ------------------------------------------------------------------ */

static void set_bit(uint8_t *bm, uint64_t bit)
{
	bm[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

static void set_bits(uint8_t *bm, uint64_t from, uint64_t to)
{
	for (; from < to && (from & 7); from++)
		set_bit(bm, from);
	if (to - from >= 8) {
		memset(bm + (from >> 3), 0xff, (to - from) >> 3);
		from += (to - from) & ~7ull;
	}
	for (; from < to; from++)
		set_bit(bm, from);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Bitmap blocks for PFNs [p0, p0 + 8 * bs): 1 exists, 2 in the file. */
static void bitmap_block(const struct collect *c, uint64_t p0, uint32_t bs,
			 uint32_t *li, uint8_t *b1, uint8_t *b2)
{
	uint64_t p1 = p0 + 8ull * bs, first, end, pfn, ci, stop;
	const struct stream_range *r;
	uint8_t s;

	memset(b1, 0, bs);
	memset(b2, 0, bs);
	for (; *li < c->nloads_sorted; (*li)++) {
		r = &c->loads_sorted[*li];
		first = r->paddr >> c->shift;
		end = (r->paddr + r->size + c->page_size - 1) >> c->shift;
		if (first >= p1)
			break;
		if (end > p0)
			set_bits(b1, (first > p0 ? first : p0) - p0,
				 (end < p1 ? end : p1) - p0);
		if (end > p1)
			break; /* continues into the next block */
	}
	for (pfn = p0; pfn < p1 && pfn < c->state_end;) {
		ci = pfn >> COLLECT_CHUNK_SHIFT;
		stop = (ci + 1) << COLLECT_CHUNK_SHIFT;
		if (stop > p1)
			stop = p1;
		if (stop > c->state_end)
			stop = c->state_end;
		if (ci >= c->nchunk || !c->chunk[ci]) {
			pfn = stop;
			continue;
		}
		for (; pfn < stop; pfn++) {
			s = c->chunk[ci]
				    [pfn & ((1ull << COLLECT_CHUNK_SHIFT) - 1)];
			if (s != COLLECT_NONE)
				set_bit(b1, pfn - p0);
			if (collect_present(s))
				set_bit(b2, pfn - p0);
		}
	}
}

static int write_bitmaps(struct vout *o, const struct collect *c,
			 const struct layout *l)
{
	uint8_t *b1 = malloc(l->bs), *b2 = malloc(l->bs);
	uint32_t li = 0;
	uint64_t k;
	int ret = 0;

	if (!b1 || !b2)
		ret = -ENOMEM;
	for (k = 0; !ret && k < l->bm_blocks; k++) {
		bitmap_block(c, k * 8ull * l->bs, l->bs, &li, b1, b2);
		/* All-zero blocks stay holes (plain) or unwritten (flat). */
		if (!all_zero(b1, l->bs))
			ret = vout_write(o, l->off_bm1 + k * l->bs, b1, l->bs);
		if (!ret && !all_zero(b2, l->bs))
			ret = vout_write(o, l->off_bm2 + k * l->bs, b2, l->bs);
	}
	free(b1);
	free(b2);
	return ret;
}

/* --- page descriptors and data
 * ------------------------------------------------- */

struct pages_ctx {
	struct vout *o;
	const struct collect *c;
	const struct layout *l;
	struct vmcore_result *res;
	uint8_t *page, *zbuf, *descs;
	uLong zcap;
	uint32_t nd;	     /* descriptors in @descs */
	uint64_t desc_index; /* index of descs[0] */
	uint64_t data_off;
	uint64_t zero_off;
};

static void put_desc(uint8_t *d, uint64_t off, uint32_t size, uint32_t flags)
{
	stream_put64(d, off);
	stream_put32(d + 8, size);
	stream_put32(d + 12, flags);
	stream_put64(d + 16, 0);
}

static int flush_descs(struct pages_ctx *p)
{
	int ret;

	if (!p->nd)
		return 0;
	ret = vout_write(p->o, p->l->off_desc + p->desc_index * KDUMP_PD_SIZE,
			 p->descs, (size_t)p->nd * KDUMP_PD_SIZE);
	p->desc_index += p->nd;
	p->nd = 0;
	return ret;
}

static int add_desc(struct pages_ctx *p, uint64_t off, uint32_t size,
		    uint32_t flags)
{
	put_desc(p->descs + (size_t)p->nd * KDUMP_PD_SIZE, off, size, flags);
	return ++p->nd == DESC_BATCH ? flush_descs(p) : 0;
}

static int one_page(struct pages_ctx *p, uint64_t pfn)
{
	uint32_t bs = p->l->bs, size, flags = 0;
	const uint8_t *data = p->page;
	uLongf zlen = p->zcap;
	int ret;

	if (collect_state(p->c, pfn) == COLLECT_ZERO) {
		p->res->zero_pages++;
		return add_desc(p, p->zero_off, bs, 0);
	}
	ret = collect_read_pages(p->c, pfn, 1, p->page);
	if (ret)
		return ret;
	if (all_zero(p->page, bs)) {
		p->res->zero_pages++;
		return add_desc(p, p->zero_off, bs, 0);
	}
	size = bs;
	if (compress2(p->zbuf, &zlen, p->page, bs, Z_BEST_SPEED) == Z_OK &&
	    zlen < bs) {
		data = p->zbuf;
		size = (uint32_t)zlen;
		flags = KDUMP_COMPRESSED_ZLIB;
		p->res->zlib_pages++;
	} else {
		p->res->raw_pages++;
	}
	ret = vout_write(p->o, p->data_off, data, size);
	if (ret)
		return ret;
	ret = add_desc(p, p->data_off, size, flags);
	p->data_off += size;
	return ret;
}

static int write_pages(struct vout *o, const struct collect *c,
		       const struct layout *l, struct vmcore_result *res)
{
	struct pages_ctx p = {.o = o, .c = c, .l = l, .res = res};
	uint64_t pfn = 0, first, count, i;
	int ret;

	p.zcap = compressBound(l->bs);
	p.page = calloc(1, l->bs);
	p.zbuf = malloc(p.zcap);
	p.descs = malloc((size_t)DESC_BATCH * KDUMP_PD_SIZE);
	ret = p.page && p.zbuf && p.descs ? 0 : -ENOMEM;
	/* pd_zero's page comes first: every zero page points at it. */
	p.zero_off = l->off_data;
	p.data_off = l->off_data + l->bs;
	if (!ret)
		ret = vout_write(o, p.zero_off, p.page, l->bs);
	while (!ret && collect_next_present(c, pfn, &first, &count)) {
		for (i = 0; !ret && i < count; i++)
			ret = one_page(&p, first + i);
		pfn = first + count;
	}
	if (!ret)
		ret = flush_descs(&p);
	if (!ret && p.desc_index != l->ndesc)
		ret = -EIO; /* the table and bitmap 2 must agree */
	free(p.page);
	free(p.zbuf);
	free(p.descs);
	return ret;
}

/* --- the whole file
 * -------------------------------------------------------------- */

static void plan(const struct collect *c, struct layout *l)
{
	uint64_t bs = c->page_size;

	memset(l, 0, sizeof(*l));
	l->bs = c->page_size;
	l->max_mapnr = collect_pfn_end(c);
	l->notes_len = c->notes ? c->notes_total : 0;
	l->sub_blocks = (KDUMP_SH_SIZE + l->notes_len + bs - 1) / bs;
	l->bm_blocks = ((l->max_mapnr + 7) / 8 + bs - 1) / bs;
	if (!l->bm_blocks)
		l->bm_blocks = 1;
	l->off_bm1 = (1 + l->sub_blocks) * bs;
	l->off_bm2 = l->off_bm1 + l->bm_blocks * bs;
	l->off_desc = l->off_bm2 + l->bm_blocks * bs;
	l->ndesc = c->cnt.dumped + c->cnt.zero;
	l->off_data = l->off_desc + l->ndesc * KDUMP_PD_SIZE;
}

int vmcore_write_kdump(const struct collect *c, const struct dumpmeta *m,
		       int fd, bool flat, bool incomplete,
		       struct vmcore_result *res)
{
	struct layout l;
	struct vout o;
	int ret;

	memset(res, 0, sizeof(*res));
	plan(c, &l);
	if (2 * l.bm_blocks > UINT32_MAX || l.sub_blocks > INT32_MAX)
		return -EFBIG;
	ret = vout_init(&o, fd, flat);
	if (!ret)
		ret = write_headers(&o, c, m, &l, incomplete);
	if (!ret)
		ret = write_bitmaps(&o, c, &l);
	if (!ret)
		ret = write_pages(&o, c, &l, res);
	if (!ret)
		ret = vout_finish(&o);
	res->bytes = o.end;
	free(o.buf);
	return ret == -ENOMEM ? ret : ret ? -EIO : 0;
}
