// SPDX-License-Identifier: MIT
/*
 * Record stream encoder: docs/stream-format.md.  Every record is built in
 * the one caller-provided buffer, sealed (sequence number, CRC32C) and
 * passed whole to the write callback.  A page run keeps its data at a
 * fixed place in that buffer while it grows and gets its extent and block
 * tables appended behind the data when it is closed, so the caller can
 * compress pages straight into the record without a copy.
 */
#include "payload/stream_enc.h"

#include <errno.h>
#include <string.h>

#include "payload/crc32c.h"

/* Where a page run's data starts inside the record buffer. */
#define RUN_DATA_OFF (STREAM_REC_HDR_SIZE + STREAM_RUN_HDR_SIZE)

int stream_enc_init(struct stream_enc *e, stream_write_fn write, void *ctx,
		    void *buf, size_t size)
{
	if (!e || !write || !buf || size < STREAM_ENC_BUF_MIN)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->write = write;
	e->ctx = ctx;
	e->buf = buf;
	e->size = size < STREAM_REC_MAX ? size : STREAM_REC_MAX;
	e->run_max_pfns = STREAM_ENC_RUN_PFNS;
	return 0;
}

void stream_enc_set_limit(struct stream_enc *e, uint64_t bytes)
{
	e->limit = bytes;
}

/* Seal the record whose body is already in place and hand it over. */
static int enc_emit(struct stream_enc *e, uint8_t type, size_t body_len)
{
	size_t len = STREAM_REC_OVERHEAD + body_len;
	uint8_t *b = e->buf;
	int ret;

	if (len > e->size || e->trailer_done)
		return -EINVAL;
	/* Numbers never wrap (they name records); the last is the trailer's. */
	if (e->seq >= UINT32_MAX - (type != STREAM_REC_TRAILER))
		return -ENOSPC;
	if (e->limit && type != STREAM_REC_TRAILER &&
	    (e->totals.stream_bytes + len + STREAM_TRAILER_REC_SIZE > e->limit))
		return -ENOSPC;
	b[STREAM_REC_OFF_MAGIC] = STREAM_MAGIC0;
	b[STREAM_REC_OFF_MAGIC + 1] = STREAM_MAGIC1;
	b[STREAM_REC_OFF_VERSION] = STREAM_VERSION_MAJOR;
	b[STREAM_REC_OFF_TYPE] = type;
	stream_put32(b + STREAM_REC_OFF_LEN, (uint32_t)len);
	stream_put32(b + STREAM_REC_OFF_SEQ, e->seq);
	stream_put32(b + STREAM_REC_OFF_TAG, e->tag);
	stream_put32(b + len - STREAM_REC_CRC_SIZE,
		     crc32c(0, b, len - STREAM_REC_CRC_SIZE));
	/* A number handed to the sink is used up even if the write fails:
	 * a receiver must never see one number on two different records. */
	e->seq++;
	ret = e->write(e->ctx, b, len);
	if (ret < 0)
		return ret;
	e->totals.records++;
	e->totals.stream_bytes += len;
	return 0;
}

/* Largest body payload (after a @hdr-byte body header) one record holds. */
static size_t enc_chunk_max(const struct stream_enc *e, size_t hdr)
{
	size_t n = e->size - STREAM_REC_OVERHEAD - hdr;

	return n < STREAM_DATA_MAX ? n : STREAM_DATA_MAX;
}

static bool enc_ready(const struct stream_enc *e)
{
	return e->header_done && !e->trailer_done;
}

int stream_enc_header(struct stream_enc *e, const struct stream_header *h)
{
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE;
	size_t data_room, i;
	unsigned shift;
	int ret;

	if (!h || e->header_done || e->seq != 0)
		return -EINVAL;
	for (shift = STREAM_PAGE_SHIFT_MIN; shift <= STREAM_PAGE_SHIFT_MAX;
	     shift++)
		if (h->page_size == 1u << shift)
			break;
	if (shift > STREAM_PAGE_SHIFT_MAX || h->map_count > STREAM_MAP_MAX ||
	    h->resv_count > STREAM_MAP_MAX)
		return -EINVAL;
	/* The buffer must hold a record with at least one dumped page. */
	if (e->size < STREAM_REC_OVERHEAD + STREAM_RUN_HDR_SIZE +
			      STREAM_RUN_TABLES_MAX + h->page_size)
		return -EINVAL;
	data_room = e->size - STREAM_REC_OVERHEAD - STREAM_RUN_HDR_SIZE -
		    STREAM_RUN_TABLES_MAX;
	if (data_room > STREAM_DATA_MAX)
		data_room = STREAM_DATA_MAX;

	memset(p, 0, STREAM_HDR_SIZE);
	stream_put16(p + STREAM_HDR_OFF_VMAJOR, STREAM_VERSION_MAJOR);
	stream_put16(p + STREAM_HDR_OFF_VMINOR, STREAM_VERSION_MINOR);
	stream_put32(p + STREAM_HDR_OFF_PAGE_SIZE, h->page_size);
	stream_put16(p + STREAM_HDR_OFF_MACHINE, h->machine);
	p[STREAM_HDR_OFF_ENDIAN] = h->endian;
	p[STREAM_HDR_OFF_LEVEL] = h->dump_level;
	stream_put32(p + STREAM_HDR_OFF_FLAGS, h->flags);
	memcpy(p + STREAM_HDR_OFF_CRASH_ID, h->crash_id, STREAM_CRASH_ID_LEN);
	stream_put64(p + STREAM_HDR_OFF_CRASHTIME, h->crashtime);
	stream_put64(p + STREAM_HDR_OFF_MAX_PFN, h->max_pfn);
	stream_put32(p + STREAM_HDR_OFF_MAP_COUNT, h->map_count);
	stream_put32(p + STREAM_HDR_OFF_RESV_COUNT, h->resv_count);
	stream_put32(p + STREAM_HDR_OFF_NOTES_SIZE, h->notes_size);
	for (i = 0; i < STREAM_PRODUCER_LEN && h->producer[i]; i++)
		p[STREAM_HDR_OFF_PRODUCER + i] = (uint8_t)h->producer[i];

	e->tag = stream_get32(h->crash_id);
	ret = enc_emit(e, STREAM_REC_HEADER, STREAM_HDR_SIZE);
	if (ret < 0)
		return ret;
	e->header_done = true;
	e->page_shift = shift;
	e->run_dumped_max = (uint32_t)(data_room >> shift);
	e->notes_size = h->notes_size;
	e->map_count[STREAM_MAP_LOAD] = h->map_count;
	e->map_count[STREAM_MAP_RESV] = h->resv_count;
	return 0;
}

int stream_enc_notes(struct stream_enc *e, const void *data, size_t len)
{
	const uint8_t *src = data;
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE;
	size_t max = enc_chunk_max(e, STREAM_NOTES_HDR_SIZE), n;
	int ret;

	if (!enc_ready(e) || (len && !data) ||
	    len > (size_t)(e->notes_size - e->notes_sent))
		return -EINVAL;
	ret = stream_enc_pages_flush(e);
	if (ret < 0)
		return ret;
	while (len) {
		n = len < max ? len : max;
		stream_put32(p + STREAM_NOTES_OFF_TOTAL, e->notes_size);
		stream_put32(p + STREAM_NOTES_OFF_OFFSET, e->notes_sent);
		memcpy(p + STREAM_NOTES_HDR_SIZE, src, n);
		ret = enc_emit(e, STREAM_REC_NOTES, STREAM_NOTES_HDR_SIZE + n);
		if (ret < 0)
			return ret;
		e->notes_sent += (uint32_t)n;
		src += n;
		len -= n;
	}
	return 0;
}

int stream_enc_map(struct stream_enc *e, unsigned kind,
		   const struct stream_range *r, size_t n)
{
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE, *q;
	size_t max = enc_chunk_max(e, STREAM_MAP_HDR_SIZE) / STREAM_MAP_ENTRY_SIZE;
	size_t i, k;
	int ret;

	if (!enc_ready(e) || kind > STREAM_MAP_RESV || (n && !r) ||
	    n > (size_t)(e->map_count[kind] - e->map_sent[kind]))
		return -EINVAL;
	ret = stream_enc_pages_flush(e);
	if (ret < 0)
		return ret;
	while (n) {
		k = n < max ? n : max;
		memset(p, 0, STREAM_MAP_HDR_SIZE);
		p[STREAM_MAP_OFF_KIND] = (uint8_t)kind;
		stream_put32(p + STREAM_MAP_OFF_TOTAL, e->map_count[kind]);
		stream_put32(p + STREAM_MAP_OFF_FIRST, e->map_sent[kind]);
		stream_put32(p + STREAM_MAP_OFF_COUNT, (uint32_t)k);
		q = p + STREAM_MAP_HDR_SIZE;
		for (i = 0; i < k; i++, q += STREAM_MAP_ENTRY_SIZE) {
			stream_put64(q, r[i].paddr);
			stream_put64(q + 8, r[i].size);
			stream_put64(q + 16, r[i].vaddr);
		}
		ret = enc_emit(e, STREAM_REC_MAP,
			       STREAM_MAP_HDR_SIZE + k * STREAM_MAP_ENTRY_SIZE);
		if (ret < 0)
			return ret;
		e->map_sent[kind] += (uint32_t)k;
		r += k;
		n -= k;
	}
	return 0;
}

int stream_enc_text(struct stream_enc *e, unsigned kind, const void *text,
		    size_t len)
{
	const uint8_t *src = text;
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE;
	size_t max = enc_chunk_max(e, STREAM_TEXT_HDR_SIZE), n;
	int ret;

	if (!enc_ready(e) || kind == 0 || kind >= STREAM_TEXT_KINDS ||
	    (len && !text) || len > UINT32_MAX - e->text_off[kind] ||
	    len > UINT32_MAX - e->totals.text_bytes)
		return -EINVAL;
	ret = stream_enc_pages_flush(e);
	if (ret < 0)
		return ret;
	while (len) {
		n = len < max ? len : max;
		memset(p, 0, STREAM_TEXT_HDR_SIZE);
		p[STREAM_TEXT_OFF_KIND] = (uint8_t)kind;
		stream_put32(p + STREAM_TEXT_OFF_OFFSET, e->text_off[kind]);
		memcpy(p + STREAM_TEXT_HDR_SIZE, src, n);
		ret = enc_emit(e, STREAM_REC_TEXT, STREAM_TEXT_HDR_SIZE + n);
		if (ret < 0)
			return ret;
		e->text_off[kind] += (uint32_t)n;
		e->totals.text_bytes += (uint32_t)n;
		src += n;
		len -= n;
	}
	return 0;
}

/* --- page runs ----------------------------------------------------------- */

static uint64_t run_cursor(const struct stream_enc *e)
{
	return e->run_first + e->run_npages;
}

/* run_max_pfns as set by the caller, kept within the format's bounds. */
static uint32_t run_max(const struct stream_enc *e)
{
	if (e->run_max_pfns == 0)
		return 1;
	return e->run_max_pfns < STREAM_RUN_MAX_PFNS ? e->run_max_pfns
						     : STREAM_RUN_MAX_PFNS;
}

static void run_reset(struct stream_enc *e)
{
	e->run_first = run_cursor(e);
	e->run_npages = 0;
	e->run_dumped = 0;
	e->run_data = 0;
	e->run_next = 0;
	e->run_nblk = 0;
}

/* Extend the run's last extent or start one; false if the table is full. */
static bool run_extent(struct stream_enc *e, uint8_t state, uint32_t n)
{
	uint32_t *last = e->run_next ? &e->run_ext[e->run_next - 1] : NULL;

	/* Counts fit: a run has at most STREAM_RUN_MAX_PFNS PFNs. */
	if (last && (*last >> 24) == state) {
		*last += n;
		return true;
	}
	if (e->run_next == STREAM_RUN_MAX_EXTENTS)
		return false;
	e->run_ext[e->run_next++] = (uint32_t)state << 24 | n;
	return true;
}

int stream_enc_pages_flush(struct stream_enc *e)
{
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE;
	uint8_t *t = e->buf + RUN_DATA_OFF + e->run_data;
	struct stream_totals *tot = &e->totals;
	unsigned i, state;
	uint32_t count;
	int ret;

	if (!e->run_open || !e->run_npages)
		return 0;
	stream_put64(p + STREAM_RUN_OFF_PFN, e->run_first);
	stream_put32(p + STREAM_RUN_OFF_NPAGES, e->run_npages);
	p[STREAM_RUN_OFF_SHIFT] = (uint8_t)e->page_shift;
	p[STREAM_RUN_OFF_NEXTENTS] = (uint8_t)e->run_next;
	p[STREAM_RUN_OFF_NBLOCKS] = (uint8_t)e->run_nblk;
	p[STREAM_RUN_OFF_RESERVED] = 0;
	for (i = 0; i < e->run_next; i++, t += STREAM_EXTENT_SIZE)
		stream_put32(t, e->run_ext[i]);
	for (i = 0; i < e->run_nblk; i++, t += STREAM_BLOCK_SIZE)
		memcpy(t, e->run_blk[i], STREAM_BLOCK_SIZE);
	ret = enc_emit(e, STREAM_REC_PAGES,
		       STREAM_RUN_HDR_SIZE + e->run_data +
			       e->run_next * STREAM_EXTENT_SIZE +
			       e->run_nblk * STREAM_BLOCK_SIZE);
	if (ret == 0) {
		for (i = 0; i < e->run_next; i++) {
			state = e->run_ext[i] >> 24;
			count = e->run_ext[i] & STREAM_EXTENT_MAX_COUNT;
			if (state == STREAM_PAGE_DUMPED)
				tot->pages_dumped += count;
			else if (state == STREAM_PAGE_ZERO)
				tot->pages_zero += count;
			else if (state == STREAM_PAGE_UNREADABLE)
				tot->pages_unreadable += count;
			else
				tot->pages_excluded[state & STREAM_PAGE_REASON_MASK] +=
					count;
		}
		tot->raw_bytes += (uint64_t)e->run_dumped << e->page_shift;
		tot->stored_bytes += e->run_data;
		e->end_pfn = run_cursor(e);
	}
	run_reset(e);
	return ret;
}

int stream_enc_pages_begin(struct stream_enc *e, uint64_t pfn)
{
	int ret;

	if (!enc_ready(e) ||
	    e->map_sent[STREAM_MAP_LOAD] != e->map_count[STREAM_MAP_LOAD] ||
	    pfn >= STREAM_PFN_LIMIT || (e->run_open && pfn < run_cursor(e)))
		return -EINVAL;
	if (e->run_open && pfn == run_cursor(e))
		return 0;
	ret = stream_enc_pages_flush(e);
	e->run_open = true;
	e->run_first = pfn;
	e->run_npages = 0;
	return ret;
}

int stream_enc_pages_skip(struct stream_enc *e, uint8_t state,
			  uint64_t count)
{
	uint32_t n;
	int ret;

	if (!enc_ready(e) || !e->run_open || !stream_state_valid(state) ||
	    state == STREAM_PAGE_DUMPED ||
	    count > STREAM_PFN_LIMIT - run_cursor(e))
		return -EINVAL;
	while (count) {
		n = e->run_npages < run_max(e) ? run_max(e) - e->run_npages : 0;
		if (n > count)
			n = (uint32_t)count;
		if (!n || !run_extent(e, state, n)) {
			ret = stream_enc_pages_flush(e);
			if (ret < 0)
				return ret;
			continue;
		}
		e->run_npages += n;
		count -= n;
	}
	return 0;
}

/* Would a block of @npages dumped pages still fit in the open run? */
static bool run_fits(const struct stream_enc *e, uint32_t npages)
{
	bool extend = e->run_next &&
		      (e->run_ext[e->run_next - 1] >> 24) == STREAM_PAGE_DUMPED;

	return e->run_dumped + npages <= e->run_dumped_max &&
	       e->run_nblk < STREAM_RUN_MAX_BLOCKS &&
	       e->run_npages + npages <= run_max(e) &&
	       (extend || e->run_next < STREAM_RUN_MAX_EXTENTS);
}

int stream_enc_pages_buf(struct stream_enc *e, uint32_t npages, void **buf,
			 size_t *room)
{
	int ret;

	if (!enc_ready(e) || !e->run_open || !buf || !room || npages == 0 ||
	    npages > e->run_dumped_max || npages > run_max(e) ||
	    npages > STREAM_PFN_LIMIT - run_cursor(e))
		return -EINVAL;
	if (!run_fits(e, npages)) {
		ret = stream_enc_pages_flush(e);
		if (ret < 0)
			return ret;
	}
	*buf = e->buf + RUN_DATA_OFF + e->run_data;
	*room = (size_t)npages << e->page_shift;
	return 0;
}

int stream_enc_pages_commit(struct stream_enc *e, uint32_t npages,
			    uint32_t stored_len, unsigned flags)
{
	uint8_t *b;
	uint64_t raw;

	if (!enc_ready(e) || !e->run_open || npages == 0 ||
	    npages > e->run_dumped_max || !run_fits(e, npages))
		return -EINVAL;
	raw = (uint64_t)npages << e->page_shift;
	if (flags == STREAM_BLOCK_LZ4) {
		if (stored_len == 0 || stored_len >= raw)
			return -EINVAL;
	} else if (flags != 0 || stored_len != raw) {
		return -EINVAL;
	}
	if (!run_extent(e, STREAM_PAGE_DUMPED, npages))
		return -EINVAL;
	b = e->run_blk[e->run_nblk++];
	stream_put32(b, stored_len);
	stream_put16(b + 4, (uint16_t)npages);
	b[6] = (uint8_t)flags;
	b[7] = 0;
	e->run_npages += npages;
	e->run_dumped += npages;
	e->run_data += stored_len;
	return 0;
}

int stream_enc_trailer(struct stream_enc *e, unsigned status, int error)
{
	uint8_t *p = e->buf + STREAM_REC_HDR_SIZE;
	const struct stream_totals *t = &e->totals;
	unsigned i;
	int ret;

	if (!enc_ready(e) || status > STREAM_STATUS_ABORTED)
		return -EINVAL;
	ret = stream_enc_pages_flush(e);
	if (ret < 0 && status == STREAM_STATUS_COMPLETE) {
		status = ret == -ENOSPC ? STREAM_STATUS_CUT : STREAM_STATUS_ABORTED;
		error = ret;
	}
	memset(p, 0, STREAM_TRL_SIZE);
	p[STREAM_TRL_OFF_STATUS] = (uint8_t)status;
	stream_put32(p + STREAM_TRL_OFF_ERROR, (uint32_t)error);
	stream_put64(p + STREAM_TRL_OFF_END_PFN, e->end_pfn);
	stream_put64(p + STREAM_TRL_OFF_DUMPED, t->pages_dumped);
	stream_put64(p + STREAM_TRL_OFF_ZERO, t->pages_zero);
	stream_put64(p + STREAM_TRL_OFF_UNREADABLE, t->pages_unreadable);
	for (i = 0; i < STREAM_EXCL_REASONS; i++)
		stream_put64(p + STREAM_TRL_OFF_EXCLUDED + 8 * i,
			     t->pages_excluded[i]);
	stream_put64(p + STREAM_TRL_OFF_RAW_BYTES, t->raw_bytes);
	stream_put64(p + STREAM_TRL_OFF_STORED_BYTES, t->stored_bytes);
	stream_put64(p + STREAM_TRL_OFF_STREAM_BYTES, t->stream_bytes);
	stream_put32(p + STREAM_TRL_OFF_RECORDS, t->records);
	stream_put32(p + STREAM_TRL_OFF_TEXT_BYTES, t->text_bytes);
	ret = enc_emit(e, STREAM_REC_TRAILER, STREAM_TRL_SIZE);
	e->trailer_done = true;
	return ret;
}
