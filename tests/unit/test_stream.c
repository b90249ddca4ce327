// SPDX-License-Identifier: MIT
/*
 * Tests of the record stream (payload/stream_enc.c, payload/stream_dec.c)
 * and its serial framing (payload/frame.c): a synthetic crash goes through
 * encoder -> framer -> console with text interleaved -> deframer ->
 * decoder, clean and corrupted (bit flips, dropped and inserted bytes at
 * several rates), truncated, cut and aborted.  Every page the decoder
 * accepts is compared with the original, and the PFNs it reports missing
 * must be exactly those of the page records that did not arrive.
 */
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload/crc32c.h"
#include "payload/frame.h"
#include "payload/stream_dec.h"
#include "payload/stream_enc.h"
#include "tests/unit/check.h"

#define PS 4096u
#define SHIFT 12u
#define NPFN 2000u
#define MAX_LINES 4096
#define MAX_RECS 8192
#define LINE_LEN 96

/* The dead kernel's memory: three PT_LOAD ranges with holes between. */
static const struct stream_range load_map[] = {
	{ 0x40000000ull, 600ull * PS, 0xffff000000000000ull },
	{ 0x40400000ull, 800ull * PS, 0xffff000000400000ull },
	{ 0x80000000ull, 600ull * PS, 0xffff000040000000ull },
};
static const struct stream_range resv_map[] = {
	{ 0x60000000ull, 512ull * 1024, 0 },
};
#define FREE_FIRST (0x40400ull + 100)
#define FREE_END (0x40400ull + 400)

static uint8_t crash_id[STREAM_CRASH_ID_LEN] = {
	0x3c, 0x5a, 0x11, 0x07, 0x9e, 0x42, 0xd0, 0x81,
	0x6b, 0x2f, 0xa4, 0x19, 0xc7, 0x55, 0xe3, 0x08,
};

static uint8_t notes[70000];
static char dmesg[20000];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t rng_state = 1;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int pfn_index(uint64_t pfn)
{
	uint64_t base = 0, first, n;
	size_t i;

	for (i = 0; i < sizeof(load_map) / sizeof(load_map[0]); i++) {
		first = load_map[i].paddr >> SHIFT;
		n = load_map[i].size >> SHIFT;
		if (pfn >= first && pfn < first + n)
			return (int)(base + pfn - first);
		base += n;
	}
	return -1;
}

/* What the payload's filter would say about a page. */
static uint8_t classify(uint64_t pfn)
{
	uint64_t h = mix(pfn);

	if (pfn >= FREE_FIRST && pfn < FREE_END)
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE;
	switch (h % 16) {
	case 0:
		return STREAM_PAGE_ZERO;
	case 1:
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_ZERO;
	case 2:
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE;
	case 3:
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_USER;
	case 4:
		if ((h >> 8) & 1)
			return STREAM_PAGE_UNREADABLE;
		break;
	}
	return STREAM_PAGE_DUMPED;
}

/* The dead kernel's page contents: incompressible or text-like. */
static void page_fill(uint64_t pfn, uint8_t *p)
{
	uint64_t h = mix(pfn), s = h | 1;
	size_t i, n;

	if (classify(pfn) != STREAM_PAGE_DUMPED) {
		memset(p, 0, PS);
		return;
	}
	if (h % 3 == 0) {
		for (i = 0; i < PS; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			p[i] = (uint8_t)s;
		}
		return;
	}
	for (i = 0; i < PS; i += n) {
		char line[80];

		n = (size_t)snprintf(line, sizeof(line),
				     "pfn %llx word %zu: task_struct %llx\n",
				     (unsigned long long)pfn, i,
				     (unsigned long long)(h + i));
		if (n > PS - i)
			n = PS - i;
		memcpy(p + i, line, n);
	}
}

/* --- growable byte buffer ------------------------------------------------ */
struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static void bytes_put(struct bytes *b, const void *data, size_t len)
{
	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

/* --- sending side ------------------------------------------------------ */
struct rec_info {
	uint32_t seq;
	uint8_t type;
	uint64_t pfn;
	uint32_t npages;
	size_t end_off; /* where its frame ends in the output */
};

struct sender {
	enum frame_mode mode;
	struct frame_enc fe;
	struct bytes out;
	struct rec_info recs[MAX_RECS];
	size_t nrecs;
	unsigned text_every; /* interleave a console line every N records */
	char lines[MAX_LINES][LINE_LEN];
	size_t nlines;
	size_t protect_end; /* output offset after the last MAP record */
	unsigned inserted;
};

static void add_line(struct sender *s, bool newline)
{
	char *l;

	if (s->nlines == MAX_LINES)
		return;
	l = s->lines[s->nlines++];
	snprintf(l, LINE_LEN, "[%5u.%06u] cpu%u: console line %u%s",
		 s->inserted / 7, s->inserted * 7919 % 1000000, s->inserted % 4,
		 s->inserted, newline ? "" : " (cut)");
	s->inserted++;
	bytes_put(&s->out, l, strlen(l));
	if (newline)
		bytes_put(&s->out, "\r\n", 2);
}

static int sender_out(void *ctx, const void *buf, size_t len)
{
	struct sender *s = ctx;
	const uint8_t *p = buf;
	size_t i;

	CHECK(len <= FRAME_ENC_CHUNK);
	if (s->mode == FRAME_BINARY || !s->text_every) {
		bytes_put(&s->out, buf, len);
		return 0;
	}
	/* Armoured records can take console lines between their own lines. */
	for (i = 0; i < len; i++) {
		bytes_put(&s->out, p + i, 1);
		if (p[i] == '\n' && rng() % (s->text_every * 20) == 0)
			add_line(s, true);
	}
	return 0;
}

static int sender_write(void *ctx, const void *rec, size_t len)
{
	struct sender *s = ctx;
	const uint8_t *r = rec;
	struct rec_info *ri;
	int ret;

	if (s->text_every && s->nrecs % s->text_every == 1)
		add_line(s, s->mode == FRAME_ASCII || s->nrecs % 3 != 1);
	if (s->nrecs == MAX_RECS)
		abort();
	ri = &s->recs[s->nrecs++];
	memset(ri, 0, sizeof(*ri));
	ri->seq = stream_get32(r + STREAM_REC_OFF_SEQ);
	ri->type = r[STREAM_REC_OFF_TYPE];
	if (ri->type == STREAM_REC_PAGES) {
		ri->pfn = stream_get64(r + STREAM_REC_HDR_SIZE);
		ri->npages = stream_get32(r + STREAM_REC_HDR_SIZE + 8);
	}
	ret = frame_enc_record(&s->fe, rec, len);
	ri->end_off = s->out.n;
	if (ri->type == STREAM_REC_MAP)
		s->protect_end = s->out.n;
	return ret;
}

struct dump_opts {
	enum frame_mode mode;
	unsigned text_every;
	uint64_t limit;	      /* sink capacity in record bytes, 0: none */
	uint64_t abort_at_pfn; /* stop there with ABORTED, 0: never */
	uint32_t run_pfns;     /* 0: default */
};

static uint8_t enc_buf[STREAM_ENC_BUF_SIZE];

/* Dump the synthetic crash the way the payload does.  Returns 0 or the
 * error that ended the dump (then the trailer says CUT or ABORTED). */
static int dump(struct sender *s, const struct dump_opts *o,
		struct stream_enc *e)
{
	struct stream_header h;
	uint8_t pages[4 * PS];
	size_t i, room;
	uint64_t pfn, first, end;
	uint32_t k;
	void *buf;
	int ret, n;

	memset(s, 0, sizeof(*s));
	s->mode = o->mode;
	s->text_every = o->text_every;
	frame_enc_init(&s->fe, o->mode, sender_out, s);
	CHECK_EQ(frame_enc_begin(&s->fe, crash_id), 0);
	CHECK_EQ(stream_enc_init(e, sender_write, s, enc_buf, sizeof(enc_buf)), 0);
	if (o->run_pfns)
		e->run_max_pfns = o->run_pfns;
	stream_enc_set_limit(e, o->limit);

	memset(&h, 0, sizeof(h));
	h.page_size = PS;
	h.machine = STREAM_EM_AARCH64;
	h.endian = STREAM_ENDIAN_LITTLE;
	h.dump_level = 31;
	memcpy(h.crash_id, crash_id, sizeof(crash_id));
	h.crashtime = 1732390000;
	h.max_pfn = 0x80258;
	h.map_count = 3;
	h.resv_count = 1;
	h.notes_size = sizeof(notes);
	strcpy(h.producer, "tinydump test");
	ret = stream_enc_header(e, &h);
	if (!ret) /* two calls: notes may come in pieces */
		ret = stream_enc_notes(e, notes, 1000);
	if (!ret)
		ret = stream_enc_notes(e, notes + 1000, sizeof(notes) - 1000);
	if (!ret)
		ret = stream_enc_map(e, STREAM_MAP_LOAD, load_map, 3);
	if (!ret)
		ret = stream_enc_map(e, STREAM_MAP_RESV, resv_map, 1);
	if (!ret)
		ret = stream_enc_text(e, STREAM_TEXT_DMESG, dmesg, strlen(dmesg));
	for (i = 0; !ret && i < 3; i++) {
		first = load_map[i].paddr >> SHIFT;
		end = first + (load_map[i].size >> SHIFT);
		ret = stream_enc_pages_begin(e, first);
		for (pfn = first; !ret && pfn < end; pfn += k) {
			uint8_t st = classify(pfn);

			if (o->abort_at_pfn && pfn == o->abort_at_pfn) {
				ret = -EIO;
				break;
			}
			if (st != STREAM_PAGE_DUMPED) {
				k = 1;
				ret = stream_enc_pages_skip(e, st, 1);
				continue;
			}
			/* Blocks of 1 to 4 consecutive dumped pages. */
			for (k = 1; k < 1 + mix(pfn ^ 0x55) % 4 && pfn + k < end &&
				    classify(pfn + k) == STREAM_PAGE_DUMPED;
			     k++)
				;
			for (uint32_t j = 0; j < k; j++)
				page_fill(pfn + j, pages + j * PS);
			ret = stream_enc_pages_buf(e, k, &buf, &room);
			if (ret)
				break;
			CHECK_EQ(room, k * PS);
			n = LZ4_compress_default((const char *)pages, buf, (int)room,
						 (int)room - 1);
			if (n > 0) {
				ret = stream_enc_pages_commit(e, k, (uint32_t)n,
							      STREAM_BLOCK_LZ4);
			} else {
				memcpy(buf, pages, room);
				ret = stream_enc_pages_commit(e, k, (uint32_t)room, 0);
			}
		}
	}
	if (!ret)
		ret = stream_enc_text(e, STREAM_TEXT_LOG, "dump done\n", 10);
	if (!ret)
		CHECK_EQ(stream_enc_trailer(e, STREAM_STATUS_COMPLETE, 0), 0);
	else if (ret == -ENOSPC)
		CHECK_EQ(stream_enc_trailer(e, STREAM_STATUS_CUT, ret), 0);
	else
		CHECK_EQ(stream_enc_trailer(e, STREAM_STATUS_ABORTED, ret), 0);
	CHECK_EQ(frame_enc_end(&s->fe), 0);
	return ret;
}

/* --- receiving side ---------------------------------------------------- */
struct receiver {
	struct frame_dec fd;
	struct stream_dec sd;
	uint8_t recbuf[STREAM_REC_MAX];
	uint8_t recv[NPFN]; /* state + 1, 0 = nothing */
	uint8_t miss[NPFN];
	uint8_t taken[MAX_RECS];
	uint8_t notes[sizeof(notes)];
	char dmesg[sizeof(dmesg)];
	size_t dmesg_len;
	char lines[MAX_LINES][LINE_LEN];
	size_t nlines;
	unsigned begin_markers, end_markers;
	unsigned bad_pages, good_pages, bad_state, outside, double_cover;
	unsigned double_miss, outside_miss, miss_flags;
	uint64_t open_misses;
	bool header;
};

static int rx_pages(void *ctx, const struct stream_run *run)
{
	struct receiver *r = ctx;
	static uint8_t tmp[STREAM_DATA_MAX], orig[PS];
	unsigned i, j;
	uint64_t pfn;
	int idx, n;

	for (i = 0; i < run->nextents; i++) {
		for (pfn = run->ext[i].pfn; pfn < run->ext[i].pfn + run->ext[i].count;
		     pfn++) {
			idx = pfn_index(pfn);
			if (idx < 0) {
				r->outside++;
				continue;
			}
			if (r->recv[idx] || r->miss[idx])
				r->double_cover++;
			r->recv[idx] = (uint8_t)(run->ext[i].state + 1);
			if (run->ext[i].state != classify(pfn))
				r->bad_state++;
		}
	}
	for (i = 0; i < run->nblocks; i++) {
		const struct stream_run_block *b = &run->blk[i];
		int raw = (int)(b->npages * PS);

		if (b->flags & STREAM_BLOCK_LZ4) {
			n = LZ4_decompress_safe((const char *)b->data, (char *)tmp,
						(int)b->stored_len, raw);
			if (n != raw) {
				r->bad_pages += b->npages;
				continue;
			}
		} else {
			memcpy(tmp, b->data, (size_t)raw);
		}
		for (j = 0; j < b->npages; j++) {
			page_fill(b->pfn + j, orig);
			if (memcmp(orig, tmp + j * PS, PS))
				r->bad_pages++;
			else
				r->good_pages++;
		}
	}
	return 0;
}

static void rx_missing(void *ctx, uint64_t first, uint64_t count,
		       unsigned flags)
{
	struct receiver *r = ctx;
	uint64_t pfn;
	int idx;

	r->miss_flags |= flags;
	if (flags & STREAM_MISS_OPEN) {
		r->open_misses++;
		return;
	}
	for (pfn = first; pfn < first + count; pfn++) {
		idx = pfn_index(pfn);
		if (idx < 0) {
			r->outside_miss++;
			continue;
		}
		if (r->miss[idx] || r->recv[idx])
			r->double_miss++;
		r->miss[idx] = 1;
	}
}

static int rx_notes(void *ctx, uint32_t off, const void *data, size_t len,
		    uint32_t total)
{
	struct receiver *r = ctx;

	CHECK_EQ(total, sizeof(notes));
	if (off <= sizeof(r->notes) && len <= sizeof(r->notes) - off)
		memcpy(r->notes + off, data, len);
	return 0;
}

static int rx_text(void *ctx, unsigned kind, uint32_t off, const void *data,
		   size_t len)
{
	struct receiver *r = ctx;

	if (kind == STREAM_TEXT_DMESG && off <= sizeof(r->dmesg) &&
	    len <= sizeof(r->dmesg) - off) {
		memcpy(r->dmesg + off, data, len);
		if (off + len > r->dmesg_len)
			r->dmesg_len = off + len;
	}
	return 0;
}

static int rx_header(void *ctx, const struct stream_header *h)
{
	struct receiver *r = ctx;

	r->header = true;
	CHECK_EQ(h->page_size, PS);
	CHECK_EQ(h->machine, STREAM_EM_AARCH64);
	CHECK_EQ(h->crashtime, 1732390000);
	CHECK(!memcmp(h->crash_id, crash_id, sizeof(crash_id)));
	CHECK_STR(h->producer, "tinydump test");
	return 0;
}

static const struct stream_dec_ops rx_ops = {
	.header = rx_header,
	.notes = rx_notes,
	.pages = rx_pages,
	.text = rx_text,
	.missing = rx_missing,
};

static void rx_record(void *ctx, const uint8_t *rec, size_t len)
{
	struct receiver *r = ctx;
	uint32_t seq = stream_get32(rec + STREAM_REC_OFF_SEQ);

	if (stream_dec_record(&r->sd, rec, len) == 0 && seq < MAX_RECS)
		r->taken[seq] = 1;
}

static void rx_textline(void *ctx, const char *line, size_t len, bool clean)
{
	struct receiver *r = ctx;

	if (!clean || r->nlines == MAX_LINES)
		return;
	if (len >= LINE_LEN)
		len = LINE_LEN - 1;
	memcpy(r->lines[r->nlines], line, len);
	r->lines[r->nlines++][len] = 0;
}

static void rx_marker(void *ctx, unsigned kind, unsigned mode,
		      const uint8_t *id)
{
	struct receiver *r = ctx;

	(void)mode;
	if (memcmp(id, crash_id, sizeof(crash_id)))
		return;
	if (kind == FRAME_MARKER_BEGIN)
		r->begin_markers++;
	else
		r->end_markers++;
}

static const struct frame_dec_ops rx_frame_ops = {
	.record = rx_record,
	.text = rx_textline,
	.marker = rx_marker,
};

static struct receiver *receive(const uint8_t *p, size_t n, bool chunked,
				struct stream_dec_summary *sum)
{
	struct receiver *r = calloc(1, sizeof(*r));
	size_t off = 0, k;

	if (!r)
		abort();
	stream_dec_init(&r->sd, &rx_ops, r);
	frame_dec_init(&r->fd, &rx_frame_ops, r, r->recbuf, sizeof(r->recbuf));
	while (off < n) {
		k = chunked ? 1 + rng() % 3000 : n - off;
		if (k > n - off)
			k = n - off;
		frame_dec_feed(&r->fd, p + off, k);
		off += k;
	}
	frame_dec_finish(&r->fd);
	stream_dec_finish(&r->sd, sum);
	return r;
}

/*
 * The PFNs reported missing must be exactly the PFNs of the map that no
 * page record taken by the decoder covers (lost, damaged or never sent),
 * and no PFN may be both received and missing.  With the map unknown the
 * reports are upper bounds: they must cover at least those PFNs.
 */
static void check_exact(const struct sender *s, const struct receiver *r,
			bool map_known)
{
	static uint8_t want[NPFN];
	unsigned wrong = 0, unaccounted = 0, i;
	uint64_t pfn;
	int idx;

	memset(want, 1, sizeof(want));
	for (i = 0; i < s->nrecs; i++) {
		if (s->recs[i].type != STREAM_REC_PAGES || !r->taken[s->recs[i].seq])
			continue;
		for (pfn = s->recs[i].pfn; pfn < s->recs[i].pfn + s->recs[i].npages;
		     pfn++) {
			idx = pfn_index(pfn);
			if (idx >= 0)
				want[idx] = 0;
		}
	}
	for (i = 0; i < NPFN; i++) {
		if (map_known && want[i] != r->miss[i])
			wrong++;
		if (!map_known && want[i] && !r->miss[i] && !r->open_misses)
			wrong++;
		if (!r->recv[i] && !r->miss[i] && !r->open_misses)
			unaccounted++;
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(unaccounted, 0);
	CHECK_EQ(r->double_cover, 0);
	CHECK_EQ(r->double_miss, 0);
	CHECK_EQ(r->outside, 0);
	if (map_known)
		CHECK_EQ(r->outside_miss, 0);
	CHECK_EQ(r->bad_pages, 0);
	CHECK_EQ(r->bad_state, 0);
}

static struct stream_enc enc;

static void test_roundtrip(enum frame_mode mode)
{
	struct dump_opts o = { .mode = mode, .text_every = 5 };
	struct stream_dec_summary sum;
	struct sender *s = calloc(1, sizeof(*s));
	struct receiver *r;
	size_t i, expect_dumped = 0, pages_raw;

	if (!s)
		abort();
	CHECK_EQ(dump(s, &o, &enc), 0);
	r = receive(s->out.p, s->out.n, true, &sum);
	CHECK(sum.complete);
	CHECK(sum.totals_match);
	CHECK(sum.header_seen && sum.trailer_seen && sum.map_complete &&
	      sum.notes_complete);
	CHECK_EQ(sum.seq_lost, 0);
	CHECK_EQ(sum.pfn_missing, 0);
	CHECK_EQ(sum.records_ok, s->nrecs);
	CHECK_EQ(r->fd.stats.records, s->nrecs);
	CHECK_EQ(r->fd.stats.bad_frames, 0);
	CHECK_EQ(r->fd.stats.noise_bytes, 0);
	CHECK_EQ(r->begin_markers, 1);
	CHECK_EQ(r->end_markers, 1);
	check_exact(s, r, true);
	for (i = 0; i < NPFN; i++)
		CHECK(r->recv[i] != 0);
	for (i = 0; i < 3; i++) {
		uint64_t pfn, first = load_map[i].paddr >> SHIFT;

		for (pfn = first; pfn < first + (load_map[i].size >> SHIFT); pfn++)
			expect_dumped += classify(pfn) == STREAM_PAGE_DUMPED;
	}
	CHECK_EQ(r->good_pages, expect_dumped);
	CHECK_EQ(sum.got.pages_dumped, expect_dumped);
	CHECK_EQ(sum.got.pages_excluded[STREAM_EXCL_FREE], FREE_END - FREE_FIRST);
	CHECK(!memcmp(r->notes, notes, sizeof(notes)));
	CHECK_EQ(r->dmesg_len, strlen(dmesg));
	CHECK(!memcmp(r->dmesg, dmesg, strlen(dmesg)));
	/* Console lines come out as they went in, in order. */
	CHECK(s->nlines > 10);
	CHECK_EQ(r->nlines, s->nlines);
	for (i = 0; i < s->nlines && i < r->nlines; i++)
		CHECK_STR(r->lines[i], s->lines[i]);
	pages_raw = expect_dumped * PS;
	printf("%s round trip: %zu records, %zu console lines, %zu bytes on the "
	       "wire for %zu bytes of dumped pages (%.1f%%)\n",
	       mode == FRAME_ASCII ? "ascii" : "binary", s->nrecs, s->nlines,
	       s->out.n, pages_raw, 100.0 * (double)s->out.n / (double)pages_raw);
	free(r);
	free(s->out.p);
	free(s);
}

enum corrupt_kind { FLIP, DROP, INSERT };

static size_t corrupt(const uint8_t *in, size_t n, uint8_t *out,
		      enum corrupt_kind kind, double rate, size_t protect)
{
	uint64_t thresh = (uint64_t)(rate * 18446744073709551616.0);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		bool hit = i >= protect && rng() < thresh;

		if (!hit) {
			out[o++] = in[i];
		} else if (kind == FLIP) {
			out[o++] = in[i] ^ (uint8_t)(1u << (rng() % 8));
		} else if (kind == INSERT) {
			out[o++] = (uint8_t)rng();
			out[o++] = in[i];
		}
	}
	return o;
}

static void test_corruption(enum frame_mode mode)
{
	static const char *const names[] = { "flip", "drop", "insert" };
	static const double rates[] = { 1e-6, 1e-5, 1e-4, 1e-3 };
	struct dump_opts o = { .mode = mode, .text_every = 7, .run_pfns = 64 };
	struct stream_dec_summary sum;
	struct sender *s = calloc(1, sizeof(*s));
	struct receiver *r;
	unsigned kind, ri, pages_recs, taken_pages, i;
	uint8_t *bad;
	size_t n;

	if (!s)
		abort();
	CHECK_EQ(dump(s, &o, &enc), 0);
	bad = malloc(2 * s->out.n);
	if (!bad)
		abort();
	for (kind = FLIP; kind <= INSERT; kind++) {
		for (ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
			rng_state = 0x9e3779b97f4a7c15ull ^ (kind * 131 + ri);
			n = corrupt(s->out.p, s->out.n, bad, kind, rates[ri],
				    s->protect_end);
			r = receive(bad, n, true, &sum);
			check_exact(s, r, true);
			CHECK(sum.header_seen && sum.map_complete);
			CHECK(!(r->miss_flags & STREAM_MISS_UNCLIPPED));
			pages_recs = taken_pages = 0;
			for (i = 0; i < s->nrecs; i++) {
				if (s->recs[i].type != STREAM_REC_PAGES)
					continue;
				pages_recs++;
				taken_pages += r->taken[s->recs[i].seq];
			}
			if (taken_pages < pages_recs)
				CHECK(!sum.complete && sum.pfn_missing > 0);
			printf("%s %-6s %.0e: page records %u/%u taken, lost %llu "
			       "seq in %u ranges, missing %llu PFNs in %u ranges "
			       "(exact), bad frames %u, resyncs %u, %s\n",
			       mode == FRAME_ASCII ? "ascii " : "binary", names[kind],
			       rates[ri], taken_pages, pages_recs,
			       (unsigned long long)sum.seq_lost, sum.lost_ranges,
			       (unsigned long long)sum.pfn_missing,
			       sum.missing_ranges, r->fd.stats.bad_frames,
			       r->fd.stats.resyncs,
			       sum.complete ? "complete" : "partial");
			free(r);
		}
	}
	free(bad);
	free(s->out.p);
	free(s);
}

/* The header and the map are lost: missing ranges become upper bounds. */
static void test_header_lost(void)
{
	struct dump_opts o = { .mode = FRAME_BINARY, .run_pfns = 64 };
	struct stream_dec_summary sum;
	struct sender *s = calloc(1, sizeof(*s));
	struct receiver *r;
	uint8_t *cut;
	size_t a, b, n, i, lose = 0;

	if (!s)
		abort();
	CHECK_EQ(dump(s, &o, &enc), 0);
	cut = malloc(s->out.n);
	if (!cut)
		abort();
	/* Drop the frames of records 0 .. the LOAD map, and one page record
	 * that straddles the hole between the first two ranges. */
	a = 0;
	b = s->protect_end;
	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].type == STREAM_REC_PAGES &&
		    s->recs[i].pfn + s->recs[i].npages == 0x40258)
			lose = i;
	CHECK(lose > 0);
	n = 0;
	memcpy(cut, s->out.p, a);
	n = a;
	memcpy(cut + n, s->out.p + b, s->recs[lose - 1].end_off - b);
	n += s->recs[lose - 1].end_off - b;
	memcpy(cut + n, s->out.p + s->recs[lose].end_off,
	       s->out.n - s->recs[lose].end_off);
	n += s->out.n - s->recs[lose].end_off;
	r = receive(cut, n, false, &sum);
	CHECK(!sum.header_seen);
	CHECK(!sum.complete);
	CHECK(sum.trailer_seen);
	CHECK(r->miss_flags & STREAM_MISS_UNCLIPPED);
	CHECK(r->miss_flags & STREAM_MISS_LOST);
	CHECK(r->outside_miss > 0); /* the hole, which it cannot know */
	check_exact(s, r, false);
	printf("header+map lost: missing %llu PFNs in %u ranges (upper bound, "
	       "holes included), %llu lost seq\n",
	       (unsigned long long)sum.pfn_missing, sum.missing_ranges,
	       (unsigned long long)sum.seq_lost);
	free(r);
	free(cut);
	free(s->out.p);
	free(s);
}

/* The console stops halfway: no trailer, the tail is missing. */
static void test_truncated(enum frame_mode mode)
{
	struct dump_opts o = { .mode = mode, .text_every = 9 };
	struct stream_dec_summary sum;
	struct sender *s = calloc(1, sizeof(*s));
	struct receiver *r;

	if (!s)
		abort();
	CHECK_EQ(dump(s, &o, &enc), 0);
	r = receive(s->out.p, s->out.n * 3 / 5, true, &sum);
	CHECK(!sum.complete);
	CHECK(!sum.trailer_seen);
	CHECK(sum.header_seen);
	CHECK(sum.pfn_missing > 0);
	CHECK(r->miss_flags & STREAM_MISS_TAIL);
	check_exact(s, r, true);
	printf("%s truncated at 60%%: partial, tail of %llu PFNs missing\n",
	       mode == FRAME_ASCII ? "ascii" : "binary",
	       (unsigned long long)sum.pfn_missing);
	free(r);
	free(s->out.p);
	free(s);
}

/* The sink fills up (CUT), or the dump fails (ABORTED). */
static void test_cut_and_abort(void)
{
	struct dump_opts o = { .mode = FRAME_BINARY, .limit = 400000 };
	struct stream_dec_summary sum;
	struct sender *s = calloc(1, sizeof(*s));
	struct receiver *r;

	if (!s)
		abort();
	CHECK_EQ(dump(s, &o, &enc), -ENOSPC);
	CHECK(enc.totals.stream_bytes <= 400000);
	r = receive(s->out.p, s->out.n, true, &sum);
	CHECK(sum.trailer_seen);
	CHECK_EQ(sum.trailer_status, STREAM_STATUS_CUT);
	CHECK_EQ(sum.trailer_error, -ENOSPC);
	CHECK(sum.totals_match);
	CHECK(!sum.complete);
	CHECK_EQ(sum.seq_lost, 0);
	CHECK(sum.pfn_missing > 0);
	check_exact(s, r, true);
	printf("cut at a 400000-byte sink: %llu record bytes, %llu PFNs missing\n",
	       (unsigned long long)enc.totals.stream_bytes,
	       (unsigned long long)sum.pfn_missing);
	free(r);
	free(s->out.p);

	o.limit = 0;
	o.abort_at_pfn = 0x40500;
	CHECK_EQ(dump(s, &o, &enc), -EIO);
	r = receive(s->out.p, s->out.n, false, &sum);
	CHECK_EQ(sum.trailer_status, STREAM_STATUS_ABORTED);
	CHECK_EQ(sum.trailer_error, -EIO);
	CHECK(sum.totals_match);
	CHECK(!sum.complete);
	/* The trailer was written after the open run was flushed: everything
	 * from the abort on is missing, and only that. */
	CHECK(r->miss[pfn_index(0x40500)]);
	CHECK(!r->miss[pfn_index(0x404ff)]);
	check_exact(s, r, true);
	free(r);
	free(s->out.p);
	free(s);
}

/* --- direct encoder and decoder checks -------------------------------- */
struct capture {
	uint8_t rec[8][1024];
	size_t len[8];
	unsigned n;
};

static int capture_write(void *ctx, const void *rec, size_t len)
{
	struct capture *c = ctx;

	if (c->n < 8 && len <= sizeof(c->rec[0])) {
		memcpy(c->rec[c->n], rec, len);
		c->len[c->n] = len;
	}
	c->n++;
	return 0;
}

static void reseal(uint8_t *rec, size_t len)
{
	stream_put32(rec + len - 4, crc32c(0, rec, len - 4));
}

static void test_encoder_rules(void)
{
	static uint8_t small[1024];
	struct stream_header h = { .page_size = PS, .map_count = 1, .notes_size = 4 };
	struct stream_range m = { 0x1000000, 64 * PS, 0 };
	struct capture c = { 0 };
	struct stream_enc e;
	void *buf;
	size_t room;

	memcpy(h.crash_id, crash_id, sizeof(crash_id));
	CHECK_EQ(stream_enc_init(&e, capture_write, &c, small, 100), -EINVAL);
	CHECK_EQ(stream_enc_init(&e, capture_write, &c, small, sizeof(small)), 0);
	CHECK_EQ(stream_enc_text(&e, STREAM_TEXT_LOG, "x", 1), -EINVAL);
	/* 1 KiB cannot hold a 4 KiB page. */
	CHECK_EQ(stream_enc_header(&e, &h), -EINVAL);

	CHECK_EQ(stream_enc_init(&e, capture_write, &c, enc_buf, sizeof(enc_buf)), 0);
	h.page_size = 8192 + 1;
	CHECK_EQ(stream_enc_header(&e, &h), -EINVAL);
	h.page_size = PS;
	CHECK_EQ(stream_enc_header(&e, &h), 0);
	CHECK_EQ(stream_enc_header(&e, &h), -EINVAL);
	CHECK_EQ(stream_enc_notes(&e, "abcde", 5), -EINVAL);
	CHECK_EQ(stream_enc_pages_begin(&e, 0x1000), -EINVAL); /* map first */
	CHECK_EQ(stream_enc_map(&e, 2, &m, 1), -EINVAL);
	CHECK_EQ(stream_enc_map(&e, STREAM_MAP_LOAD, &m, 1), 0);
	CHECK_EQ(stream_enc_map(&e, STREAM_MAP_LOAD, &m, 1), -EINVAL);
	CHECK_EQ(stream_enc_text(&e, 0, "x", 1), -EINVAL);
	CHECK_EQ(stream_enc_text(&e, STREAM_TEXT_KINDS, "x", 1), -EINVAL);
	CHECK_EQ(stream_enc_pages_skip(&e, STREAM_PAGE_ZERO, 1), -EINVAL);
	CHECK_EQ(stream_enc_pages_begin(&e, 0x1000), 0);
	CHECK_EQ(stream_enc_pages_skip(&e, STREAM_PAGE_DUMPED, 1), -EINVAL);
	CHECK_EQ(stream_enc_pages_skip(&e, 0x40, 1), -EINVAL);
	CHECK_EQ(stream_enc_pages_skip(&e, STREAM_PAGE_ZERO, 2), 0);
	CHECK_EQ(stream_enc_pages_buf(&e, 0, &buf, &room), -EINVAL);
	CHECK_EQ(stream_enc_pages_buf(&e, 17, &buf, &room), -EINVAL);
	CHECK_EQ(stream_enc_pages_buf(&e, 2, &buf, &room), 0);
	CHECK_EQ(room, 2 * PS);
	memset(buf, 0xab, room);
	CHECK_EQ(stream_enc_pages_commit(&e, 2, 2 * PS, STREAM_BLOCK_LZ4), -EINVAL);
	CHECK_EQ(stream_enc_pages_commit(&e, 2, 100, 0), -EINVAL);
	CHECK_EQ(stream_enc_pages_commit(&e, 2, 2 * PS, 0), 0);
	CHECK_EQ(stream_enc_pages_begin(&e, 0x1001), -EINVAL); /* backwards */
	CHECK_EQ(c.n, 2);					/* run still open */
	CHECK_EQ(stream_enc_pages_begin(&e, 0x1010), 0);	/* jump: flush */
	CHECK_EQ(c.n, 3);
	CHECK_EQ(e.totals.pages_zero, 2);
	CHECK_EQ(e.totals.pages_dumped, 2);
	CHECK_EQ(stream_enc_pages_skip(&e, STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE,
				       5),
		 0);
	CHECK_EQ(stream_enc_trailer(&e, 7, 0), -EINVAL);
	CHECK_EQ(stream_enc_trailer(&e, STREAM_STATUS_COMPLETE, 0), 0);
	CHECK_EQ(c.n, 5);
	CHECK_EQ(e.totals.pages_excluded[STREAM_EXCL_FREE], 5);
	CHECK_EQ(stream_enc_trailer(&e, STREAM_STATUS_COMPLETE, 0), -EINVAL);
	CHECK_EQ(stream_enc_text(&e, STREAM_TEXT_LOG, "x", 1), -EINVAL);
	CHECK_EQ(stream_rec_check(c.rec[4], c.len[4]), 0);
	CHECK_EQ(c.rec[4][STREAM_REC_OFF_TYPE], STREAM_REC_TRAILER);
	CHECK_EQ(stream_get32(c.rec[4] + STREAM_REC_OFF_SEQ), 4);
	CHECK_EQ(c.len[4], STREAM_TRAILER_REC_SIZE);
}

static void test_decoder_rules(void)
{
	struct stream_header h = { .page_size = PS, .map_count = 1 };
	struct stream_range m = { 0x1000000, 64 * PS, 0 };
	struct capture c = { 0 };
	struct stream_dec_summary sum;
	struct stream_dec *d = calloc(1, sizeof(*d));
	struct stream_enc e;
	uint8_t rec[1024];
	size_t len;

	if (!d)
		abort();
	memcpy(h.crash_id, crash_id, sizeof(crash_id));
	CHECK_EQ(stream_enc_init(&e, capture_write, &c, enc_buf, sizeof(enc_buf)), 0);
	e.run_max_pfns = 16;
	CHECK_EQ(stream_enc_header(&e, &h), 0);			 /* seq 0 */
	CHECK_EQ(stream_enc_map(&e, STREAM_MAP_LOAD, &m, 1), 0); /* 1 */
	CHECK_EQ(stream_enc_pages_begin(&e, 0x1000), 0);
	CHECK_EQ(stream_enc_pages_skip(&e, STREAM_PAGE_ZERO, 64), 0); /* 2..4 */
	CHECK_EQ(stream_enc_trailer(&e, STREAM_STATUS_COMPLETE, 0), 0); /* 5, 6 */
	CHECK_EQ(c.n, 7);

	stream_dec_init(d, NULL, NULL);
	CHECK_EQ(stream_dec_record(d, c.rec[0], c.len[0] - 1), -EBADMSG);
	memcpy(rec, c.rec[0], c.len[0]);
	rec[20] ^= 1;
	CHECK_EQ(stream_dec_record(d, rec, c.len[0]), -EBADMSG);
	rec[20] ^= 1;
	rec[STREAM_REC_OFF_VERSION] = 2;
	reseal(rec, c.len[0]);
	CHECK_EQ(stream_dec_record(d, rec, c.len[0]), -ENOTSUP);
	CHECK_EQ(stream_dec_record(d, c.rec[0], c.len[0]), 0);
	CHECK_EQ(stream_dec_record(d, c.rec[0], c.len[0]), -EALREADY);
	/* Another crash's record. */
	memcpy(rec, c.rec[1], c.len[1]);
	rec[STREAM_REC_OFF_TAG] ^= 0xff;
	reseal(rec, c.len[1]);
	CHECK_EQ(stream_dec_record(d, rec, c.len[1]), -ENODEV);
	CHECK_EQ(stream_dec_record(d, c.rec[1], c.len[1]), 0);
	/* A page run outside the map, with a good CRC: invalid, and its PFNs
	 * count as lost. */
	len = c.len[2];
	memcpy(rec, c.rec[2], len);
	stream_put64(rec + STREAM_REC_HDR_SIZE, 0x2000);
	reseal(rec, len);
	CHECK_EQ(stream_dec_record(d, rec, len), -EPROTO);
	/* An extent table that does not add up. */
	len = c.len[3];
	memcpy(rec, c.rec[3], len);
	stream_put32(rec + STREAM_REC_OFF_SEQ, 3);
	rec[len - 4 - 4] = 31;
	reseal(rec, len);
	CHECK_EQ(stream_dec_record(d, rec, len), -EPROTO);
	CHECK_EQ(stream_dec_record(d, c.rec[3], c.len[3]), -EALREADY);
	CHECK_EQ(stream_dec_record(d, c.rec[4], c.len[4]), 0);
	CHECK_EQ(stream_dec_record(d, c.rec[5], c.len[5]), 0);
	CHECK_EQ(stream_dec_record(d, c.rec[6], c.len[6]), 0);
	CHECK_EQ(stream_dec_finish(d, &sum), -ENODATA);
	CHECK_EQ(sum.records_invalid, 2);
	CHECK_EQ(sum.records_bad, 3);
	CHECK_EQ(sum.records_dup, 2);
	CHECK_EQ(sum.records_foreign, 1);
	CHECK_EQ(sum.pfn_missing, 16 + 16); /* the runs of seq 2 and 3 */
	CHECK_EQ(sum.missing_ranges, 1);
	CHECK(!sum.totals_match);

	/* The same records in order give a complete stream. */
	stream_dec_init(d, NULL, NULL);
	for (unsigned i = 0; i < 7; i++)
		CHECK_EQ(stream_dec_record(d, c.rec[i], c.len[i]), 0);
	CHECK_EQ(stream_dec_finish(d, &sum), 0);
	CHECK(sum.complete);
	CHECK_EQ(sum.got.pages_zero, 64);
	/* Nothing after the trailer. */
	CHECK_EQ(stream_dec_record(d, c.rec[6], c.len[6]), -EALREADY);
	free(d);
}

/* --- framing ------------------------------------------------------------ */
static int bytes_out(void *ctx, const void *buf, size_t len)
{
	bytes_put(ctx, buf, len);
	return 0;
}

struct got_rec {
	uint8_t rec[STREAM_REC_MAX];
	size_t len;
	unsigned n;
};

static void got_record(void *ctx, const uint8_t *rec, size_t len)
{
	struct got_rec *g = ctx;

	memcpy(g->rec, rec, len);
	g->len = len;
	g->n++;
}

/* Records of awkward content survive COBS and Z85, fed a byte at a time. */
static void test_framing_edges(void)
{
	static const size_t sizes[] = { 20, 21, 253, 254, 255, 256, 508, 509,
					1000, STREAM_REC_MAX };
	static const struct frame_dec_ops ops = { .record = got_record };
	static uint8_t rec[STREAM_REC_MAX], dbuf[STREAM_REC_MAX];
	static const uint8_t hello[8] = { 0x86, 0x4f, 0xd2, 0x6f,
					  0xb5, 0x59, 0xf7, 0x5b };
	struct got_rec *g = calloc(1, sizeof(*g));
	struct frame_enc fe;
	struct frame_dec fd;
	struct bytes b = { 0 };
	unsigned mode, fill, si;
	size_t i, len;

	if (!g)
		abort();
	/* Z85's reference vector (ZeroMQ RFC 32). */
	frame_enc_init(&fe, FRAME_ASCII, bytes_out, &b);
	CHECK_EQ(frame_enc_record(&fe, hello, sizeof(hello)), 0);
	CHECK_EQ(b.n, 14);
	CHECK(b.n == 14 && !memcmp(b.p, "~RHelloWorld\r\n", 14));
	b.n = 0;
	CHECK_EQ(frame_enc_record(&fe, hello, 0), -EINVAL);
	CHECK_EQ(frame_enc_record(&fe, hello, STREAM_REC_MAX + 1), -EINVAL);

	for (mode = FRAME_BINARY; mode <= FRAME_ASCII; mode++) {
		for (fill = 0; fill < 3; fill++) {
			for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
				len = sizes[si];
				for (i = 0; i < len; i++)
					rec[i] = fill == 0 ? 0 :
						 fill == 1 ? 0xff :
							     (uint8_t)(rng() % 3);
				rec[0] = STREAM_MAGIC0;
				rec[1] = STREAM_MAGIC1;
				rec[2] = STREAM_VERSION_MAJOR;
				stream_put32(rec + 4, (uint32_t)len);
				reseal(rec, len);
				b.n = 0;
				frame_enc_init(&fe, mode, bytes_out, &b);
				CHECK_EQ(frame_enc_record(&fe, rec, len), 0);
				g->n = 0;
				frame_dec_init(&fd, &ops, g, dbuf, sizeof(dbuf));
				for (i = 0; i < b.n; i++)
					frame_dec_feed(&fd, b.p + i, 1);
				frame_dec_finish(&fd);
				CHECK_EQ(g->n, 1);
				CHECK(g->len == len && !memcmp(g->rec, rec, len));
				CHECK_EQ(fd.stats.bad_frames, 0);
				if (mode == FRAME_ASCII) {
					for (i = 0; i < b.n; i++)
						CHECK(b.p[i] == '\r' || b.p[i] == '\n' ||
						      (b.p[i] >= 0x20 && b.p[i] < 0x7f));
				} else {
					for (i = 1; i + 1 < b.n; i++)
						if (!b.p[i])
							break;
					CHECK_EQ(i, b.n - 1); /* no 0x00 inside */
				}
			}
		}
	}
	/* Armoured lines are at most 74 characters with CR LF. */
	b.n = 0;
	frame_enc_init(&fe, FRAME_ASCII, bytes_out, &b);
	CHECK_EQ(frame_enc_record(&fe, rec, 1000), 0);
	for (i = 0, len = 0; i < b.n; i++, len++) {
		if (b.p[i] == '\n') {
			CHECK(len + 1 <= 74);
			len = (size_t)-1;
		}
	}
	free(b.p);
	free(g);
}

struct counter {
	uint64_t bytes;
	struct frame_enc fe;
};

static int count_out(void *ctx, const void *buf, size_t len)
{
	struct counter *c = ctx;

	(void)buf;
	c->bytes += len;
	return 0;
}

static int count_write(void *ctx, const void *rec, size_t len)
{
	struct counter *c = ctx;

	return frame_enc_record(&c->fe, rec, len);
}

/* Framing overhead on records of 16 incompressible pages (64 KiB). */
static void test_overhead(void)
{
	struct stream_header h = { .page_size = PS, .map_count = 1 };
	struct stream_range m = { 0, 64ull * 16 * PS, 0 };
	unsigned mode, i, j;
	struct counter c;
	struct stream_enc e;
	uint8_t *p;
	void *vp;
	size_t room;
	double ov;

	memcpy(h.crash_id, crash_id, sizeof(crash_id));
	for (mode = FRAME_BINARY; mode <= FRAME_ASCII; mode++) {
		memset(&c, 0, sizeof(c));
		frame_enc_init(&c.fe, mode, count_out, &c);
		CHECK_EQ(stream_enc_init(&e, count_write, &c, enc_buf,
					 sizeof(enc_buf)),
			 0);
		CHECK_EQ(stream_enc_header(&e, &h), 0);
		CHECK_EQ(stream_enc_map(&e, STREAM_MAP_LOAD, &m, 1), 0);
		CHECK_EQ(stream_enc_pages_begin(&e, 0), 0);
		c.bytes = 0;
		e.totals.stream_bytes = 0;
		for (i = 0; i < 64; i++) {
			CHECK_EQ(stream_enc_pages_buf(&e, 16, &vp, &room), 0);
			p = vp;
			for (j = 0; j < room; j++)
				p[j] = (uint8_t)rng();
			CHECK_EQ(stream_enc_pages_commit(&e, 16, (uint32_t)room, 0), 0);
		}
		CHECK_EQ(stream_enc_pages_flush(&e), 0);
		ov = 100.0 * ((double)c.bytes / (double)e.totals.stream_bytes - 1);
		printf("%s framing overhead: %.3f%% (%llu bytes for %llu bytes of "
		       "records of %u bytes); with record headers %.3f%% over "
		       "the raw pages\n",
		       mode == FRAME_ASCII ? "ascii" : "binary", ov,
		       (unsigned long long)c.bytes,
		       (unsigned long long)e.totals.stream_bytes,
		       (unsigned)(e.totals.stream_bytes / 64),
		       100.0 * ((double)c.bytes / (64.0 * 16 * PS) - 1));
		if (mode == FRAME_BINARY)
			CHECK(ov < 1.0);
		else
			CHECK(ov < 35.0);
	}
}

/* Random bytes and random text: nothing taken, nothing broken. */
static void test_garbage(void)
{
	struct stream_dec_summary sum;
	uint8_t *junk = malloc(1 << 20);
	struct receiver *r;
	size_t i;

	if (!junk)
		abort();
	for (i = 0; i < (1 << 20); i++)
		junk[i] = (uint8_t)rng();
	r = receive(junk, 1 << 20, true, &sum);
	CHECK_EQ(sum.records_ok, 0);
	CHECK(!sum.complete);
	free(r);
	/* Printable junk, with lines that look like armour and markers. */
	for (i = 0; i < (1 << 20); i++) {
		uint64_t x = rng() % 100;

		junk[i] = x < 3 ? '\n' : x < 5 ? '~' : x < 6 ? 'R' : x < 7 ? '#' :
			  (uint8_t)(0x20 + rng() % 95);
	}
	r = receive(junk, 1 << 20, true, &sum);
	CHECK_EQ(sum.records_ok, 0);
	CHECK(r->fd.stats.text_lines > 1000);
	free(r);
	free(junk);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(notes); i++)
		notes[i] = (uint8_t)(mix(i) >> 11);
	for (i = 0; i + 1 < sizeof(dmesg); i++)
		dmesg[i] = i % 64 == 63 ? '\n' : (char)('a' + mix(i) % 26);

	test_encoder_rules();
	test_decoder_rules();
	test_framing_edges();
	test_roundtrip(FRAME_BINARY);
	test_roundtrip(FRAME_ASCII);
	test_corruption(FRAME_BINARY);
	test_corruption(FRAME_ASCII);
	test_header_lost();
	test_truncated(FRAME_BINARY);
	test_truncated(FRAME_ASCII);
	test_cut_and_abort();
	test_overhead();
	test_garbage();
	return check_summary("test_stream");
}
