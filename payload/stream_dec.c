// SPDX-License-Identifier: MIT
/*
 * Record stream decoder: docs/stream-format.md.  Records are checked
 * (envelope, CRC32C, sequence, every count and offset of the body) before
 * any callback sees them.  Page runs arrive in increasing PFN order, so
 * the decoder needs only a cursor to know what is missing: the PFNs of
 * the PT_LOAD map between the end of the last run it took and the start
 * of the next one.  Nothing is allocated; memory use is fixed.
 */
#include "payload/stream_dec.h"

#include <errno.h>
#include <string.h>

#include "payload/crc32c.h"

int stream_rec_check(const void *rec, size_t len)
{
	const uint8_t *b = rec;

	if (!b || len < STREAM_REC_MIN || len > STREAM_REC_MAX)
		return -EBADMSG;
	if (b[STREAM_REC_OFF_MAGIC] != STREAM_MAGIC0 ||
	    b[STREAM_REC_OFF_MAGIC + 1] != STREAM_MAGIC1 ||
	    stream_get32(b + STREAM_REC_OFF_LEN) != len)
		return -EBADMSG;
	if (crc32c(0, b, len - STREAM_REC_CRC_SIZE) !=
	    stream_get32(b + len - STREAM_REC_CRC_SIZE))
		return -EBADMSG;
	if (b[STREAM_REC_OFF_VERSION] != STREAM_VERSION_MAJOR)
		return -ENOTSUP;
	return 0;
}

void stream_dec_init(struct stream_dec *d, const struct stream_dec_ops *ops,
		     void *ctx)
{
	static const struct stream_dec_ops no_ops;

	memset(d, 0, sizeof(*d));
	d->ops = ops ? ops : &no_ops;
	d->ctx = ctx;
}

/* --- the PT_LOAD map in PFNs ------------------------------------------- */

static bool map_complete(const struct stream_dec *d, unsigned kind)
{
	return d->map_seen[kind] && !d->map_gap[kind] &&
	       d->map_next[kind] == d->map_total[kind];
}

/* Sort and merge the LOAD ranges once both they and the page size are known. */
static bool map_usable(struct stream_dec *d)
{
	uint64_t ps, first, end;
	uint32_t i, j, n = 0;

	if (d->spans_built)
		return true;
	if (!d->page_shift || !map_complete(d, STREAM_MAP_LOAD))
		return false;
	ps = 1ull << d->page_shift;
	for (i = 0; i < d->map_total[STREAM_MAP_LOAD]; i++) {
		if (!d->map[i].size)
			continue;
		/* Entries were checked to end below STREAM_PHYS_LIMIT. */
		first = d->map[i].paddr >> d->page_shift;
		end = (d->map[i].paddr + d->map[i].size + ps - 1) >> d->page_shift;
		for (j = n; j > 0 && d->spans[j - 1].first > first; j--)
			d->spans[j] = d->spans[j - 1];
		d->spans[j].first = first;
		d->spans[j].end = end;
		n++;
	}
	for (i = 0, j = 0; i < n; i++) {
		if (j && d->spans[i].first <= d->spans[j - 1].end) {
			if (d->spans[i].end > d->spans[j - 1].end)
				d->spans[j - 1].end = d->spans[i].end;
		} else {
			d->spans[j++] = d->spans[i];
		}
	}
	d->nspans = j;
	d->spans_built = true;
	return true;
}

/* Index of the first span that ends after @pfn (nspans if none). */
static uint32_t span_after(const struct stream_dec *d, uint64_t pfn)
{
	uint32_t lo = 0, hi = d->nspans, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->spans[mid].end <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void report_missing(struct stream_dec *d, uint64_t first,
			   uint64_t count, unsigned flags)
{
	d->sum.pfn_missing += count;
	d->sum.missing_ranges++;
	if (d->ops->missing)
		d->ops->missing(d->ctx, first, count, flags);
}

/* PFNs [a, b) have no run: report the parts that the map says exist. */
static void dec_missing(struct stream_dec *d, uint64_t a, uint64_t b,
			unsigned flags)
{
	uint64_t lo, hi;
	uint32_t i;

	if (a >= b)
		return;
	if (!map_usable(d)) {
		report_missing(d, a, b - a, flags | STREAM_MISS_UNCLIPPED);
		return;
	}
	for (i = span_after(d, a); i < d->nspans && d->spans[i].first < b; i++) {
		lo = d->spans[i].first > a ? d->spans[i].first : a;
		hi = d->spans[i].end < b ? d->spans[i].end : b;
		if (lo < hi)
			report_missing(d, lo, hi - lo, flags);
	}
}

/* --- records ------------------------------------------------------------ */

static int dec_header(struct stream_dec *d, uint32_t seq, const uint8_t *p,
		      size_t n)
{
	struct stream_header *h = &d->hdr;
	unsigned shift, i;
	uint8_t c;

	if (n < STREAM_HDR_SIZE || seq != 0 || d->have_header ||
	    stream_get16(p + STREAM_HDR_OFF_VMAJOR) != STREAM_VERSION_MAJOR)
		return -EPROTO;
	memset(h, 0, sizeof(*h));
	h->version_major = stream_get16(p + STREAM_HDR_OFF_VMAJOR);
	h->version_minor = stream_get16(p + STREAM_HDR_OFF_VMINOR);
	h->page_size = stream_get32(p + STREAM_HDR_OFF_PAGE_SIZE);
	h->machine = stream_get16(p + STREAM_HDR_OFF_MACHINE);
	h->endian = p[STREAM_HDR_OFF_ENDIAN];
	h->dump_level = p[STREAM_HDR_OFF_LEVEL];
	h->flags = stream_get32(p + STREAM_HDR_OFF_FLAGS);
	memcpy(h->crash_id, p + STREAM_HDR_OFF_CRASH_ID, STREAM_CRASH_ID_LEN);
	h->crashtime = stream_get64(p + STREAM_HDR_OFF_CRASHTIME);
	h->max_pfn = stream_get64(p + STREAM_HDR_OFF_MAX_PFN);
	h->map_count = stream_get32(p + STREAM_HDR_OFF_MAP_COUNT);
	h->resv_count = stream_get32(p + STREAM_HDR_OFF_RESV_COUNT);
	h->notes_size = stream_get32(p + STREAM_HDR_OFF_NOTES_SIZE);
	for (i = 0; i < STREAM_PRODUCER_LEN; i++) {
		c = p[STREAM_HDR_OFF_PRODUCER + i];
		if (!c)
			break;
		/* Printable ASCII only: it ends up on terminals. */
		h->producer[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	for (shift = STREAM_PAGE_SHIFT_MIN; shift <= STREAM_PAGE_SHIFT_MAX; shift++)
		if (h->page_size == 1u << shift)
			break;
	if (shift > STREAM_PAGE_SHIFT_MAX || h->map_count > STREAM_MAP_MAX ||
	    h->resv_count > STREAM_MAP_MAX || stream_get32(h->crash_id) != d->tag)
		return -EPROTO;
	d->have_header = true;
	d->page_shift = shift;
	return d->ops->header ? d->ops->header(d->ctx, h) : 0;
}

static int dec_notes(struct stream_dec *d, const uint8_t *p, size_t n)
{
	uint32_t total, off, len;

	if (n < STREAM_NOTES_HDR_SIZE ||
	    n - STREAM_NOTES_HDR_SIZE > STREAM_DATA_MAX)
		return -EPROTO;
	total = stream_get32(p + STREAM_NOTES_OFF_TOTAL);
	off = stream_get32(p + STREAM_NOTES_OFF_OFFSET);
	len = (uint32_t)(n - STREAM_NOTES_HDR_SIZE);
	if (!len || off > total || len > total - off ||
	    (d->have_header && total != d->hdr.notes_size) ||
	    (d->notes_seen && total != d->notes_total) ||
	    (d->notes_seen && off < d->notes_next))
		return -EPROTO;
	if (off != d->notes_next)
		d->notes_gap = true;
	d->notes_seen = true;
	d->notes_total = total;
	d->notes_next = off + len;
	return d->ops->notes ?
		       d->ops->notes(d->ctx, off, p + STREAM_NOTES_HDR_SIZE, len,
				     total) :
		       0;
}

static int dec_map(struct stream_dec *d, const uint8_t *p, size_t n)
{
	struct stream_range r;
	unsigned kind = p[STREAM_MAP_OFF_KIND];
	uint32_t total, first, count, i, want;
	const uint8_t *q;
	int ret;

	if (n < STREAM_MAP_HDR_SIZE || kind > STREAM_MAP_RESV)
		return -EPROTO;
	total = stream_get32(p + STREAM_MAP_OFF_TOTAL);
	first = stream_get32(p + STREAM_MAP_OFF_FIRST);
	count = stream_get32(p + STREAM_MAP_OFF_COUNT);
	want = kind == STREAM_MAP_LOAD ? d->hdr.map_count : d->hdr.resv_count;
	if (total > STREAM_MAP_MAX || !count || first > total ||
	    count > total - first ||
	    (n - STREAM_MAP_HDR_SIZE) / STREAM_MAP_ENTRY_SIZE != count ||
	    (n - STREAM_MAP_HDR_SIZE) % STREAM_MAP_ENTRY_SIZE ||
	    (d->have_header && total != want) ||
	    (d->map_seen[kind] && total != d->map_total[kind]) ||
	    (d->map_seen[kind] && first < d->map_next[kind]))
		return -EPROTO;
	for (i = 0, q = p + STREAM_MAP_HDR_SIZE; i < count;
	     i++, q += STREAM_MAP_ENTRY_SIZE)
		if (stream_get64(q) > STREAM_PHYS_LIMIT ||
		    stream_get64(q + 8) > STREAM_PHYS_LIMIT - stream_get64(q))
			return -EPROTO;
	if (first != d->map_next[kind])
		d->map_gap[kind] = true;
	d->map_seen[kind] = true;
	d->map_total[kind] = total;
	d->map_next[kind] = first + count;
	for (i = 0, q = p + STREAM_MAP_HDR_SIZE; i < count;
	     i++, q += STREAM_MAP_ENTRY_SIZE) {
		r.paddr = stream_get64(q);
		r.size = stream_get64(q + 8);
		r.vaddr = stream_get64(q + 16);
		if (kind == STREAM_MAP_LOAD) {
			d->map[first + i].paddr = r.paddr;
			d->map[first + i].size = r.size;
		}
		if (d->ops->map) {
			ret = d->ops->map(d->ctx, kind, first + i, &r);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* Parse and check a PAGES body into d->run; no state changes. */
static int parse_run(struct stream_dec *d, uint32_t seq, const uint8_t *p,
		     size_t n)
{
	struct stream_run *run = &d->run;
	const uint8_t *data, *t;
	uint64_t pfn, sum = 0, stored = 0, dumped = 0;
	uint32_t w, left;
	unsigned i, b, shift;

	if (n < STREAM_RUN_HDR_SIZE)
		return -EPROTO;
	run->seq = seq;
	run->first_pfn = stream_get64(p + STREAM_RUN_OFF_PFN);
	run->npages = stream_get32(p + STREAM_RUN_OFF_NPAGES);
	shift = p[STREAM_RUN_OFF_SHIFT];
	run->page_shift = shift;
	run->nextents = p[STREAM_RUN_OFF_NEXTENTS];
	run->nblocks = p[STREAM_RUN_OFF_NBLOCKS];
	if (!run->npages || run->npages > STREAM_RUN_MAX_PFNS ||
	    shift < STREAM_PAGE_SHIFT_MIN || shift > STREAM_PAGE_SHIFT_MAX ||
	    (d->page_shift && shift != d->page_shift) || !run->nextents ||
	    run->nextents > STREAM_RUN_MAX_EXTENTS ||
	    run->nblocks > STREAM_RUN_MAX_BLOCKS ||
	    run->first_pfn >= STREAM_PFN_LIMIT ||
	    run->npages > STREAM_PFN_LIMIT - run->first_pfn)
		return -EPROTO;
	w = run->nextents * STREAM_EXTENT_SIZE + run->nblocks * STREAM_BLOCK_SIZE;
	if (n - STREAM_RUN_HDR_SIZE < w ||
	    n - STREAM_RUN_HDR_SIZE - w > STREAM_DATA_MAX)
		return -EPROTO;
	data = p + STREAM_RUN_HDR_SIZE;
	t = p + n - w;

	pfn = run->first_pfn;
	for (i = 0; i < run->nextents; i++, t += STREAM_EXTENT_SIZE) {
		w = stream_get32(t);
		run->ext[i].pfn = pfn;
		run->ext[i].count = w & STREAM_EXTENT_MAX_COUNT;
		run->ext[i].state = (uint8_t)(w >> 24);
		if (!run->ext[i].count || !stream_state_valid(run->ext[i].state))
			return -EPROTO;
		pfn += run->ext[i].count;
		sum += run->ext[i].count;
		if (run->ext[i].state == STREAM_PAGE_DUMPED)
			dumped += run->ext[i].count;
	}
	if (sum != run->npages || dumped > (STREAM_DATA_MAX >> shift))
		return -EPROTO;

	/* Blocks take the dumped pages in order, each inside one extent. */
	for (i = 0, b = 0; i < run->nextents; i++) {
		if (run->ext[i].state != STREAM_PAGE_DUMPED)
			continue;
		pfn = run->ext[i].pfn;
		left = run->ext[i].count;
		while (left) {
			struct stream_run_block *blk = &run->blk[b];
			uint64_t raw;

			if (b == run->nblocks)
				return -EPROTO;
			blk->stored_len = stream_get32(t);
			blk->npages = stream_get16(t + 4);
			blk->flags = t[6];
			raw = (uint64_t)blk->npages << shift;
			if (!blk->npages || blk->npages > left ||
			    (blk->flags == STREAM_BLOCK_LZ4 ?
				     !blk->stored_len || blk->stored_len >= raw :
				     blk->flags != 0 || blk->stored_len != raw))
				return -EPROTO;
			blk->pfn = pfn;
			blk->data = data + stored;
			stored += blk->stored_len;
			pfn += blk->npages;
			left -= blk->npages;
			t += STREAM_BLOCK_SIZE;
			b++;
		}
	}
	if (b != run->nblocks ||
	    stored != n - STREAM_RUN_HDR_SIZE -
			      run->nextents * STREAM_EXTENT_SIZE -
			      run->nblocks * STREAM_BLOCK_SIZE)
		return -EPROTO;
	return 0;
}

static int dec_pages(struct stream_dec *d, uint32_t seq, const uint8_t *p,
		     size_t n)
{
	struct stream_run *run = &d->run;
	struct stream_totals *got = &d->sum.got;
	uint64_t end;
	uint32_t i;
	unsigned flags;
	int ret;

	ret = parse_run(d, seq, p, n);
	if (ret < 0)
		return ret;
	end = run->first_pfn + run->npages;
	if (run->first_pfn < d->cursor)
		return -EPROTO; /* overlaps what was taken: out of order */
	if (!d->page_shift)
		d->page_shift = run->page_shift;
	if (map_usable(d)) {
		i = span_after(d, run->first_pfn);
		if (i == d->nspans || d->spans[i].first > run->first_pfn ||
		    d->spans[i].end < end)
			return -EPROTO; /* not inside the map */
	}
	/*
	 * Without the map, a jump of the cursor is a hole between ranges
	 * unless records went missing on the way.
	 */
	flags = d->lost_since_run ? STREAM_MISS_LOST : STREAM_MISS_SKIPPED;
	if (d->lost_since_run || map_usable(d))
		dec_missing(d, d->cursor, run->first_pfn, flags);
	d->cursor = end;
	d->lost_since_run = false;

	for (i = 0; i < run->nextents; i++) {
		uint8_t s = run->ext[i].state;

		if (s == STREAM_PAGE_DUMPED)
			got->pages_dumped += run->ext[i].count;
		else if (s == STREAM_PAGE_ZERO)
			got->pages_zero += run->ext[i].count;
		else if (s == STREAM_PAGE_UNREADABLE)
			got->pages_unreadable += run->ext[i].count;
		else
			got->pages_excluded[s & STREAM_PAGE_REASON_MASK] +=
				run->ext[i].count;
	}
	for (i = 0; i < run->nblocks; i++) {
		got->raw_bytes += (uint64_t)run->blk[i].npages << run->page_shift;
		got->stored_bytes += run->blk[i].stored_len;
	}
	return d->ops->pages ? d->ops->pages(d->ctx, run) : 0;
}

static int dec_text(struct stream_dec *d, const uint8_t *p, size_t n)
{
	unsigned kind;
	uint32_t off, len;

	if (n < STREAM_TEXT_HDR_SIZE || n - STREAM_TEXT_HDR_SIZE > STREAM_DATA_MAX)
		return -EPROTO;
	kind = p[STREAM_TEXT_OFF_KIND];
	off = stream_get32(p + STREAM_TEXT_OFF_OFFSET);
	len = (uint32_t)(n - STREAM_TEXT_HDR_SIZE);
	if (!kind || kind >= STREAM_TEXT_KINDS || !len || len > UINT32_MAX - off ||
	    off < d->text_next[kind])
		return -EPROTO;
	if (off != d->text_next[kind])
		d->sum.text_gaps++;
	d->text_next[kind] = off + len;
	d->sum.got.text_bytes += len;
	return d->ops->text ?
		       d->ops->text(d->ctx, kind, off, p + STREAM_TEXT_HDR_SIZE,
				    len) :
		       0;
}

static int dec_trailer(struct stream_dec *d, uint32_t seq, const uint8_t *p,
		       size_t n)
{
	struct stream_trailer *t = &d->trailer;
	struct stream_totals *x = &t->totals;
	unsigned i;

	if (n < STREAM_TRL_SIZE || p[STREAM_TRL_OFF_STATUS] > STREAM_STATUS_ABORTED)
		return -EPROTO;
	memset(t, 0, sizeof(*t));
	t->status = p[STREAM_TRL_OFF_STATUS];
	t->error = (int32_t)stream_get32(p + STREAM_TRL_OFF_ERROR);
	t->end_pfn = stream_get64(p + STREAM_TRL_OFF_END_PFN);
	x->pages_dumped = stream_get64(p + STREAM_TRL_OFF_DUMPED);
	x->pages_zero = stream_get64(p + STREAM_TRL_OFF_ZERO);
	x->pages_unreadable = stream_get64(p + STREAM_TRL_OFF_UNREADABLE);
	for (i = 0; i < STREAM_EXCL_REASONS; i++)
		x->pages_excluded[i] =
			stream_get64(p + STREAM_TRL_OFF_EXCLUDED + 8 * i);
	x->raw_bytes = stream_get64(p + STREAM_TRL_OFF_RAW_BYTES);
	x->stored_bytes = stream_get64(p + STREAM_TRL_OFF_STORED_BYTES);
	x->stream_bytes = stream_get64(p + STREAM_TRL_OFF_STREAM_BYTES);
	x->records = stream_get32(p + STREAM_TRL_OFF_RECORDS);
	x->text_bytes = stream_get32(p + STREAM_TRL_OFF_TEXT_BYTES);
	d->have_trailer = true;
	d->trailer_seq = seq;
	return d->ops->trailer ? d->ops->trailer(d->ctx, t) : 0;
}

int stream_dec_record(struct stream_dec *d, const void *rec, size_t len)
{
	const uint8_t *b = rec, *body;
	uint32_t seq, tag;
	size_t n;
	uint8_t type;
	int ret;

	ret = stream_rec_check(rec, len);
	if (ret < 0) {
		d->sum.records_bad++;
		return ret;
	}
	seq = stream_get32(b + STREAM_REC_OFF_SEQ);
	tag = stream_get32(b + STREAM_REC_OFF_TAG);
	type = b[STREAM_REC_OFF_TYPE];
	if (d->started && tag != d->tag) {
		d->sum.records_foreign++;
		return -ENODEV;
	}
	if (d->started && seq < d->next_seq) {
		d->sum.records_dup++;
		return -EALREADY;
	}
	if (d->have_trailer || d->finished) {
		/* Nothing follows the trailer; a late record is not ours. */
		d->sum.records_invalid++;
		return -EPROTO;
	}
	if (!d->started) {
		d->started = true;
		d->tag = tag;
	}
	if (seq > d->next_seq) {
		d->sum.seq_lost += seq - d->next_seq;
		d->sum.lost_ranges++;
		d->lost_since_run = true;
		if (d->ops->lost)
			d->ops->lost(d->ctx, (uint32_t)d->next_seq,
				     (uint32_t)(seq - d->next_seq));
	}
	d->next_seq = (uint64_t)seq + 1;
	d->sum.records_ok++;

	body = b + STREAM_REC_HDR_SIZE;
	n = len - STREAM_REC_OVERHEAD;
	switch (type) {
	case STREAM_REC_HEADER:
		ret = dec_header(d, seq, body, n);
		break;
	case STREAM_REC_NOTES:
		ret = dec_notes(d, body, n);
		break;
	case STREAM_REC_MAP:
		ret = dec_map(d, body, n);
		break;
	case STREAM_REC_PAGES:
		ret = dec_pages(d, seq, body, n);
		if (ret == -EPROTO)
			d->lost_since_run = true; /* its PFNs are unknown */
		break;
	case STREAM_REC_TEXT:
		ret = dec_text(d, body, n);
		break;
	case STREAM_REC_TRAILER:
		ret = dec_trailer(d, seq, body, n);
		break;
	default:
		d->sum.records_unknown++;
		ret = 0;
		break;
	}
	if (ret == -EPROTO) {
		d->sum.records_invalid++;
		return ret;
	}
	if (type != STREAM_REC_TRAILER) {
		d->sum.got.records++;
		d->sum.got.stream_bytes += len;
	}
	return ret;
}

static bool totals_equal(const struct stream_totals *a,
			 const struct stream_totals *b)
{
	unsigned i;

	for (i = 0; i < STREAM_EXCL_REASONS; i++)
		if (a->pages_excluded[i] != b->pages_excluded[i])
			return false;
	return a->pages_dumped == b->pages_dumped &&
	       a->pages_zero == b->pages_zero &&
	       a->pages_unreadable == b->pages_unreadable &&
	       a->raw_bytes == b->raw_bytes &&
	       a->stored_bytes == b->stored_bytes &&
	       a->stream_bytes == b->stream_bytes &&
	       a->records == b->records && a->text_bytes == b->text_bytes;
}

int stream_dec_finish(struct stream_dec *d, struct stream_dec_summary *sum)
{
	struct stream_dec_summary *s = &d->sum;
	uint64_t end;

	if (!d->finished && d->started) {
		d->finished = true;
		if (map_usable(d)) {
			end = d->nspans ? d->spans[d->nspans - 1].end : 0;
			dec_missing(d, d->cursor, end, STREAM_MISS_TAIL);
		} else if (d->have_trailer || d->have_header) {
			end = d->have_trailer ? d->trailer.end_pfn : d->hdr.max_pfn;
			dec_missing(d, d->cursor, end, STREAM_MISS_TAIL);
		} else {
			report_missing(d, d->cursor, 0,
				       STREAM_MISS_TAIL | STREAM_MISS_UNCLIPPED |
					       STREAM_MISS_OPEN);
		}
	}
	d->finished = true;
	s->header_seen = d->have_header;
	s->trailer_seen = d->have_trailer;
	s->map_complete = d->have_header &&
			  (!d->hdr.map_count || map_complete(d, STREAM_MAP_LOAD)) &&
			  (!d->hdr.resv_count || map_complete(d, STREAM_MAP_RESV));
	s->notes_complete = d->have_header &&
			    (!d->hdr.notes_size ||
			     (d->notes_seen && !d->notes_gap &&
			      d->notes_next == d->notes_total));
	if (d->have_trailer) {
		s->trailer_status = d->trailer.status;
		s->trailer_error = d->trailer.error;
		s->totals_match = totals_equal(&d->trailer.totals, &s->got);
	}
	s->complete = s->header_seen && s->trailer_seen && s->map_complete &&
		      s->notes_complete && s->totals_match &&
		      s->trailer_status == STREAM_STATUS_COMPLETE &&
		      !s->seq_lost && !s->pfn_missing && !s->missing_ranges &&
		      !s->text_gaps && !s->records_invalid;
	if (sum)
		*sum = *s;
	return s->complete ? 0 : -ENODATA;
}
