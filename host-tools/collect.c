// SPDX-License-Identifier: MIT
/*
 * Receiving a record stream on the host: docs/stream-format.md for the
 * format, docs/tinydump.md for the files.  Bytes go through the deframer
 * (console captures) or a small raw-record scanner (stream.tdr, a dump
 * partition) into the decoder; its callbacks fill a per-PFN state table
 * (chunks of 1 Mi PFNs, allocated when touched) and write page data,
 * decompressed, into a sparse unlinked temporary file in the output
 * directory.  Nothing here trusts the input beyond what the decoder has
 * checked; every size that reaches malloc() or a file offset is bounded.
 */
#include "host-tools/collect.h"
#include "host-tools/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_PFNS (1ull << COLLECT_CHUNK_SHIFT)
#define RBUF_SIZE  (2 * STREAM_REC_MAX)

static const char *const text_file[STREAM_TEXT_KINDS] = {
    [STREAM_TEXT_LOG] = "console.log",
    [STREAM_TEXT_DMESG] = "vmcore-dmesg.txt",
};

/* --- small helpers ------------------------------------------------------- */

static int fail(struct collect *c, int err)
{
	if (!c->err)
		c->err = err;
	return err;
}

/* The output directory, asked for when the first file is needed. */
static int need_dir(struct collect *c)
{
	if (c->dir)
		return 0;
	if (!c->o.store || !c->o.open_dir)
		return -ENOENT;
	c->dir = c->o.open_dir(c->o.ctx, c);
	return c->dir ? 0 : fail(c, -EIO);
}

/* Open DIR/@name for writing; -1 on failure (c->err set). */
static int open_in_dir(struct collect *c, const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	if (need_dir(c) < 0)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->dir, name) >=
	    sizeof(path)) {
		fail(c, -ENAMETOOLONG);
		return -1;
	}
	fd = open(path, flags | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		fail(c, -EIO);
	return fd;
}

static int ranges_add(struct collect_ranges *rs, uint64_t first, uint64_t count)
{
	struct collect_range *r;
	size_t cap;

	if (!count)
		return 0;
	if (rs->n && rs->r[rs->n - 1].first + rs->r[rs->n - 1].count == first) {
		rs->r[rs->n - 1].count += count;
		return 0;
	}
	if (rs->n == rs->cap) {
		cap = rs->cap ? rs->cap * 2 : 64;
		r = realloc(rs->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n].first = first;
	rs->r[rs->n].count = count;
	rs->n++;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct collect_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sort and merge overlapping or touching ranges in place. */
static void ranges_normalize(struct collect_ranges *rs)
{
	size_t i, j = 0;
	uint64_t end;

	if (rs->n < 2)
		return;
	qsort(rs->r, rs->n, sizeof(rs->r[0]), range_cmp);
	for (i = 1; i < rs->n; i++) {
		end = rs->r[j].first + rs->r[j].count;
		if (rs->r[i].first <= end) {
			if (rs->r[i].first + rs->r[i].count > end)
				rs->r[j].count = rs->r[i].first +
						 rs->r[i].count -
						 rs->r[j].first;
		} else {
			rs->r[++j] = rs->r[i];
		}
	}
	rs->n = j + 1;
}

/* --- the state table ------------------------------------------------------ */

uint8_t collect_state(const struct collect *c, uint64_t pfn)
{
	uint64_t i = pfn >> COLLECT_CHUNK_SHIFT;

	if (i >= c->nchunk || !c->chunk[i])
		return COLLECT_NONE;
	return c->chunk[i][pfn & (CHUNK_PFNS - 1)];
}

static int set_states(struct collect *c, uint64_t pfn, uint64_t count,
		      uint8_t st)
{
	uint64_t i, off, n;
	uint8_t **p;

	if (pfn >= STREAM_PFN_LIMIT || count > STREAM_PFN_LIMIT - pfn)
		return fail(c, -EINVAL);
	while (count) {
		i = pfn >> COLLECT_CHUNK_SHIFT;
		if (i >= c->nchunk) {
			p = realloc(c->chunk, (i + 1) * sizeof(*p));
			if (!p)
				return fail(c, -ENOMEM);
			memset(p + c->nchunk, 0,
			       (i + 1 - c->nchunk) * sizeof(*p));
			c->chunk = p;
			c->nchunk = i + 1;
		}
		if (!c->chunk[i]) {
			c->chunk[i] = calloc(1, CHUNK_PFNS);
			if (!c->chunk[i])
				return fail(c, -ENOMEM);
		}
		off = pfn & (CHUNK_PFNS - 1);
		n = CHUNK_PFNS - off < count ? CHUNK_PFNS - off : count;
		memset(c->chunk[i] + off, st, n);
		pfn += n;
		count -= n;
		if (pfn > c->state_end)
			c->state_end = pfn;
	}
	return 0;
}

bool collect_next_present(const struct collect *c, uint64_t from,
			  uint64_t *first, uint64_t *count)
{
	uint64_t pfn = from, start;
	uint64_t i;
	const uint8_t *ch;

	while (pfn < c->state_end) {
		i = pfn >> COLLECT_CHUNK_SHIFT;
		ch = c->chunk[i];
		if (!ch) {
			pfn = (i + 1) << COLLECT_CHUNK_SHIFT;
			continue;
		}
		if (!collect_present(ch[pfn & (CHUNK_PFNS - 1)])) {
			pfn++;
			continue;
		}
		start = pfn;
		while (pfn < c->state_end &&
		       collect_present(collect_state(c, pfn)))
			pfn++;
		*first = start;
		*count = pfn - start;
		return true;
	}
	return false;
}

/* Add the runs of [first, end) whose state @want accepts to @out. */
static int add_runs(struct collect *c, uint64_t first, uint64_t end,
		    bool (*want)(uint8_t), struct collect_ranges *out)
{
	uint64_t pfn = first, start, i, stop;
	bool in = false;
	int ret;

	start = first;
	while (pfn < end) {
		i = pfn >> COLLECT_CHUNK_SHIFT;
		if (i >= c->nchunk || !c->chunk[i]) {
			/* A whole unallocated chunk: every state NONE. */
			stop = (i + 1) << COLLECT_CHUNK_SHIFT;
			if (stop > end)
				stop = end;
			if (want(COLLECT_NONE) != in) {
				if (in &&
				    (ret = ranges_add(out, start, pfn - start)))
					return fail(c, ret);
				in = !in;
				start = pfn;
			}
			pfn = stop;
			continue;
		}
		if (want(c->chunk[i][pfn & (CHUNK_PFNS - 1)]) != in) {
			if (in && (ret = ranges_add(out, start, pfn - start)))
				return fail(c, ret);
			in = !in;
			start = pfn;
		}
		pfn++;
	}
	if (in && (ret = ranges_add(out, start, end - start)))
		return fail(c, ret);
	return 0;
}

static bool is_missing(uint8_t s)
{
	return s == COLLECT_NONE || s == COLLECT_CORRUPT;
}

static bool is_corrupt(uint8_t s)
{
	return s == COLLECT_CORRUPT;
}

static bool is_unreadable(uint8_t s)
{
	return s == COLLECT_UNREADABLE;
}

/* --- the page store --------------------------------------------------------
 */

static int store_open(struct collect *c)
{
	char path[PATH_MAX];

	if (c->pfd >= 0)
		return 0;
	if (need_dir(c) < 0)
		return c->err;
	if ((size_t)snprintf(path, sizeof(path), "%s/.tinydump-pages-XXXXXX",
			     c->dir) >= sizeof(path))
		return fail(c, -ENAMETOOLONG);
	c->pfd = mkstemp(path);
	if (c->pfd < 0)
		return fail(c, -EIO);
	/* Unlinked at once: it vanishes with the process, whatever happens. */
	unlink(path);
	return 0;
}

static int store_pages(struct collect *c, uint64_t pfn, const uint8_t *data,
		       uint32_t n)
{
	int ret;

	if (!c->o.store)
		return 0;
	ret = store_open(c);
	if (ret < 0)
		return ret;
	ret = pwrite_all(c->pfd, data, (size_t)n << c->shift,
			 (pfn - c->pbase) << c->shift);
	return ret < 0 ? fail(c, ret) : 0;
}

int collect_read_pages(const struct collect *c, uint64_t pfn, uint64_t n,
		       void *buf)
{
	uint8_t *p = buf;
	size_t len = (size_t)n << c->shift;
	uint64_t off = (pfn - c->pbase) << c->shift;
	ssize_t k;

	if (c->pfd < 0)
		return -ENODATA;
	while (len) {
		k = pread(c->pfd, p, len, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -EIO;
		if (k == 0) { /* a sparse tail: zeros were written as data */
			memset(p, 0, len);
			break;
		}
		p += k;
		off += (uint64_t)k;
		len -= (size_t)k;
	}
	return 0;
}

int collect_read_phys(const struct collect *c, uint64_t paddr, void *buf,
		      size_t len)
{
	uint8_t *out = buf, *page;
	uint64_t ps = c->page_size, pfn, in;
	size_t k;
	uint8_t s;
	int ret;

	page = malloc(ps);
	if (!page)
		return -ENOMEM;
	while (len) {
		pfn = paddr >> c->shift;
		in = paddr & (ps - 1);
		k = ps - in < len ? (size_t)(ps - in) : len;
		s = collect_state(c, pfn);
		if (s == COLLECT_ZERO) {
			memset(out, 0, k);
		} else if (s == COLLECT_DUMPED) {
			ret = collect_read_pages(c, pfn, 1, page);
			if (ret < 0) {
				free(page);
				return ret;
			}
			memcpy(out, page + in, k);
		} else {
			free(page);
			return -ENOENT;
		}
		out += k;
		paddr += k;
		len -= k;
	}
	free(page);
	return 0;
}

/* --- decoder callbacks ---------------------------------------------------- */

static int on_header(void *ctx, const struct stream_header *h)
{
	struct collect *c = ctx;
	unsigned s = STREAM_PAGE_SHIFT_MIN;

	while ((1u << s) < h->page_size)
		s++;
	c->have_header = true;
	c->hdr = *h;
	if (!c->any_run) {
		c->shift = s;
		c->page_size = h->page_size;
	}
	if (!c->have_id) {
		memcpy(c->id, h->crash_id, sizeof(c->id));
		c->have_id = true;
	}
	return 0;
}

static int on_notes(void *ctx, uint32_t offset, const void *data, size_t len,
		    uint32_t total)
{
	struct collect *c = ctx;

	if (c->notes_dropped)
		return 0;
	if (!c->notes) {
		if (total > COLLECT_NOTES_MAX) {
			c->notes_dropped = true;
			return 0;
		}
		c->notes = calloc(1, total ? total : 1);
		if (!c->notes)
			return fail(c, -ENOMEM);
		c->notes_total = total;
	}
	/* The decoder checked offset + len <= total and total constant. */
	memcpy(c->notes + offset, data, len);
	return 0;
}

static int on_map(void *ctx, unsigned kind, uint32_t index,
		  const struct stream_range *r)
{
	struct collect *c = ctx;

	if (kind == STREAM_MAP_LOAD) {
		c->load[index] = *r;
		c->load_have[index] = true;
		c->load_total = c->dec->map_total[STREAM_MAP_LOAD];
	} else {
		c->resv[index] = *r;
		c->resv_have[index] = true;
		c->resv_total = c->dec->map_total[STREAM_MAP_RESV];
	}
	return 0;
}

static int take_block(struct collect *c, const struct stream_run_block *b)
{
	size_t raw = (size_t)b->npages << c->shift;
	const uint8_t *data = b->data;
	int n;

	if (b->flags == STREAM_BLOCK_LZ4) {
		n = LZ4_decompress_safe((const char *)b->data, (char *)c->pbuf,
					(int)b->stored_len, (int)raw);
		if (n < 0 || (size_t)n != raw)
			return set_states(c, b->pfn, b->npages,
					  COLLECT_CORRUPT);
		data = c->pbuf;
	}
	if (store_pages(c, b->pfn, data, b->npages) < 0)
		return c->err;
	return set_states(c, b->pfn, b->npages, COLLECT_DUMPED);
}

static int on_pages(void *ctx, const struct stream_run *run)
{
	struct collect *c = ctx;
	const struct stream_run_extent *x;
	uint8_t st;
	unsigned i;
	int ret;

	if (!c->any_run) {
		/* Runs only go up, so the first one is the store's base. */
		c->any_run = true;
		c->first_run_pfn = run->first_pfn;
		c->pbase = run->first_pfn;
		c->shift = run->page_shift;
		c->page_size = 1u << run->page_shift;
	}
	for (i = 0; i < run->nextents; i++) {
		x = &run->ext[i];
		if (x->state == STREAM_PAGE_DUMPED)
			continue;
		if (x->state == STREAM_PAGE_ZERO)
			st = COLLECT_ZERO;
		else if (x->state == STREAM_PAGE_UNREADABLE)
			st = COLLECT_UNREADABLE;
		else
			st = COLLECT_EXCLUDED |
			     (x->state & STREAM_PAGE_REASON_MASK);
		ret = set_states(c, x->pfn, x->count, st);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < run->nblocks; i++) {
		ret = take_block(c, &run->blk[i]);
		if (ret < 0)
			return ret;
	}
	c->pfns_described += run->npages;
	return 0;
}

static int on_text(void *ctx, unsigned kind, uint32_t offset, const void *data,
		   size_t len)
{
	struct collect *c = ctx;
	int ret;

	if (offset + (uint64_t)len > c->tlen[kind])
		c->tlen[kind] = offset + (uint64_t)len;
	if (kind == STREAM_TEXT_MESSAGE) {
		if (!c->msg)
			c->msg = calloc(1, COLLECT_MSG_MAX);
		if (!c->msg)
			return fail(c, -ENOMEM);
		if (offset < COLLECT_MSG_MAX) {
			if (len > COLLECT_MSG_MAX - offset)
				len = COLLECT_MSG_MAX - offset;
			memcpy(c->msg + offset, data, len);
			if (offset + len > c->msg_len)
				c->msg_len = offset + len;
		}
		return 0;
	}
	if (!c->o.store || !text_file[kind])
		return 0;
	if (c->tfd[kind] < 0) {
		c->tfd[kind] =
		    open_in_dir(c, text_file[kind], O_CREAT | O_TRUNC);
		if (c->tfd[kind] < 0)
			return c->err;
	}
	ret = pwrite_all(c->tfd[kind], data, len, offset);
	return ret < 0 ? fail(c, ret) : 0;
}

static int on_trailer(void *ctx, const struct stream_trailer *t)
{
	struct collect *c = ctx;

	c->have_trailer = true;
	c->trl = *t;
	return 0;
}

static void on_missing(void *ctx, uint64_t first, uint64_t count,
		       unsigned flags)
{
	struct collect *c = ctx;

	(void)flags;
	if (ranges_add(&c->dec_missing, first, count) < 0)
		fail(c, -ENOMEM);
}

static const struct stream_dec_ops dec_ops = {
    .header = on_header,
    .notes = on_notes,
    .map = on_map,
    .pages = on_pages,
    .text = on_text,
    .trailer = on_trailer,
    .missing = on_missing,
};

/* --- records in
 * --------------------------------------------------------------- */

static void keep_record(struct collect *c, const uint8_t *rec, size_t len)
{
	if (!c->o.store || !c->o.keep_records ||
	    (c->input == COLLECT_IN_RECORDS && !c->o.keep_raw))
		return;
	if (c->rfd < 0) {
		c->rfd = open_in_dir(c, "stream.tdr", O_CREAT | O_TRUNC);
		if (c->rfd < 0)
			return;
	}
	if (write_all(c->rfd, rec, len) < 0)
		fail(c, -EIO);
}

static void take_record(struct collect *c, const uint8_t *rec, size_t len)
{
	uint32_t tag = stream_get32(rec + STREAM_REC_OFF_TAG);
	int ret;

	if (c->err || c->done)
		return;
	if (c->tag_filter && tag != c->want_tag) {
		c->filtered++;
		return;
	}
	ret = stream_dec_record(c->dec, rec, len);
	if (ret == -EBADMSG || ret == -ENOTSUP || ret == -ENODEV ||
	    ret == -EALREADY || ret == -EPROTO)
		return;
	c->taken++;
	if (!c->err)
		keep_record(c, rec, len);
	if (rec[STREAM_REC_OFF_TYPE] == STREAM_REC_TRAILER &&
	    c->input == COLLECT_IN_RECORDS)
		c->done = true;
}

static void on_frame_record(void *ctx, const uint8_t *rec, size_t len)
{
	take_record(ctx, rec, len);
}

static void on_frame_text(void *ctx, const char *line, size_t len, bool clean)
{
	struct collect *c = ctx;

	if (c->o.console && !c->done)
		c->o.console(c->o.ctx, line, len, clean);
}

static void on_frame_marker(void *ctx, unsigned kind, unsigned mode,
			    const uint8_t *id)
{
	struct collect *c = ctx;
	bool same = c->have_id && !memcmp(id, c->id, sizeof(c->id));

	(void)mode;
	if (c->done)
		return;
	if (kind == FRAME_MARKER_BEGIN) {
		if (!c->taken) {
			/* Follow this stream: earlier frames were someone
			 * else's. */
			memcpy(c->id, id, sizeof(c->id));
			c->have_id = true;
			c->tag_filter = true;
			c->want_tag = stream_get32(id);
			c->begin_seen = true;
		} else if (same) {
			c->begin_seen = true;
		} else {
			c->other_stream = true; /* a new crash: ours ended */
			c->done = true;
		}
	} else if (kind == FRAME_MARKER_END && (same || !c->have_id)) {
		c->end_seen = true;
		if (c->taken)
			c->done = true;
	}
}

static const struct frame_dec_ops frame_ops = {
    .record = on_frame_record,
    .text = on_frame_text,
    .marker = on_frame_marker,
};

/* Take the records at the start of rbuf; keep an unfinished one. */
static void raw_scan(struct collect *c, bool eof)
{
	size_t pos = 0, left;
	const uint8_t *b;
	uint32_t n;

	while (!c->done && !c->err && pos < c->rlen) {
		left = c->rlen - pos;
		b = c->rbuf + pos;
		if (b[0] == 0) { /* padding between records, or an empty tail */
			pos++;
			continue;
		}
		if (left < STREAM_REC_HDR_SIZE && !eof)
			break;
		if (left >= STREAM_REC_HDR_SIZE && b[0] == STREAM_MAGIC0 &&
		    b[1] == STREAM_MAGIC1) {
			n = stream_get32(b + STREAM_REC_OFF_LEN);
			if (n >= STREAM_REC_MIN && n <= STREAM_REC_MAX) {
				if (left < n && !eof)
					break;
				if (left >= n && !stream_rec_check(b, n)) {
					c->rsync = true;
					take_record(c, b, n);
					pos += n;
					continue;
				}
			}
		}
		if (c->rsync) {
			c->raw_bad++;
			c->rsync = false;
		}
		pos++;
	}
	if (c->done || eof)
		pos = c->rlen;
	memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
	c->rlen -= pos;
}

static void raw_feed(struct collect *c, const uint8_t *p, size_t len)
{
	size_t k;

	while (len && !c->done && !c->err) {
		k = RBUF_SIZE - c->rlen < len ? RBUF_SIZE - c->rlen : len;
		memcpy(c->rbuf + c->rlen, p, k);
		c->rlen += k;
		p += k;
		len -= k;
		raw_scan(c, false);
	}
}

static void dispatch(struct collect *c, const uint8_t *p, size_t len)
{
	if (c->input == COLLECT_IN_RECORDS)
		raw_feed(c, p, len);
	else
		frame_dec_feed(&c->fdec, p, len);
}

void collect_expect_records(struct collect *c,
			    const uint8_t id[STREAM_CRASH_ID_LEN])
{
	c->input = COLLECT_IN_RECORDS;
	memcpy(c->id, id, sizeof(c->id));
	c->have_id = true;
	c->tag_filter = true;
	c->want_tag = stream_get32(id);
}

int collect_feed(struct collect *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t k;

	if (c->err)
		return c->err;
	c->bytes_in += len;
	if (c->input == COLLECT_IN_UNKNOWN) {
		k = sizeof(c->sniff) - c->nsniff < len
			? sizeof(c->sniff) - c->nsniff
			: len;
		memcpy(c->sniff + c->nsniff, p, k);
		c->nsniff += k;
		p += k;
		len -= k;
		if (c->nsniff < sizeof(c->sniff))
			return 0;
		c->input = c->sniff[0] == STREAM_MAGIC0 &&
				   c->sniff[1] == STREAM_MAGIC1 &&
				   c->sniff[2] == STREAM_VERSION_MAJOR
			       ? COLLECT_IN_RECORDS
			       : COLLECT_IN_FRAMED;
		dispatch(c, c->sniff, c->nsniff);
	}
	if (len && !c->done)
		dispatch(c, p, len);
	return c->err;
}

bool collect_done(const struct collect *c)
{
	return c->done || c->err;
}

/* --- end of input
 * ---------------------------------------------------------------- */

static int load_cmp(const void *a, const void *b)
{
	const struct stream_range *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static void sort_loads(struct collect *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->load_total && i < STREAM_MAP_MAX; i++)
		if (c->load_have[i] && c->load[i].size)
			c->loads_sorted[n++] = c->load[i];
	qsort(c->loads_sorted, n, sizeof(c->loads_sorted[0]), load_cmp);
	c->nloads_sorted = n;
	c->map_complete = c->have_header && n == c->hdr.map_count;
	for (i = 0; i < c->load_total && c->map_complete; i++)
		if (!c->load_have[i])
			c->map_complete = false;
}

static void load_pfns(const struct collect *c, const struct stream_range *r,
		      uint64_t *first, uint64_t *end)
{
	uint64_t ps = c->page_size;

	*first = r->paddr >> c->shift;
	*end = (r->paddr + r->size + ps - 1) >> c->shift;
}

static void count_states(struct collect *c)
{
	struct collect_counts *k = &c->cnt;
	uint64_t i, j;
	uint8_t s;

	for (i = 0; i < c->nchunk; i++) {
		if (!c->chunk[i])
			continue;
		for (j = 0; j < CHUNK_PFNS; j++) {
			s = c->chunk[i][j];
			if (s == COLLECT_DUMPED)
				k->dumped++;
			else if (s == COLLECT_ZERO)
				k->zero++;
			else if (s == COLLECT_UNREADABLE)
				k->unreadable++;
			else if (s == COLLECT_CORRUPT)
				k->corrupt++;
			else if (s & COLLECT_EXCLUDED) {
				k->excluded++;
				k->excluded_by[s & STREAM_PAGE_REASON_MASK]++;
			}
		}
	}
}

static void find_ranges(struct collect *c)
{
	uint64_t first, end;
	uint32_t i;
	size_t j;

	for (i = 0; i < c->nloads_sorted; i++) {
		load_pfns(c, &c->loads_sorted[i], &first, &end);
		add_runs(c, first, end, is_missing, &c->missing);
	}
	/* Corrupt blocks outside the known map, and what only the decoder saw.
	 */
	add_runs(c, 0, c->state_end, is_corrupt, &c->missing);
	if (!c->map_complete)
		for (j = 0; j < c->dec_missing.n; j++)
			if (ranges_add(&c->missing, c->dec_missing.r[j].first,
				       c->dec_missing.r[j].count) < 0)
				fail(c, -ENOMEM);
	ranges_normalize(&c->missing);
	for (j = 0; j < c->missing.n; j++)
		c->cnt.missing += c->missing.r[j].count;
	add_runs(c, 0, c->state_end, is_unreadable, &c->unreadable);
}

int collect_finish(struct collect *c)
{
	bool complete;

	if (!c->finished) {
		c->finished = true;
		if (c->input == COLLECT_IN_UNKNOWN && c->nsniff) {
			c->input = COLLECT_IN_FRAMED;
			dispatch(c, c->sniff, c->nsniff);
		}
		if (c->input == COLLECT_IN_RECORDS)
			raw_scan(c, true);
		else
			frame_dec_finish(&c->fdec);
		stream_dec_finish(c->dec, &c->sum);
		sort_loads(c);
		count_states(c);
		find_ranges(c);
	}
	if (c->err)
		return c->err;
	if (!c->taken)
		return -ENOENT;
	/*
	 * A stream whose header says the payload had no usable ELF core header
	 * carries notes and logs but no memory: never "complete".
	 */
	complete = c->sum.complete && !c->cnt.corrupt && !c->cnt.missing &&
		   !collect_no_memory_map(c);
	return complete ? 0 : -ENODATA;
}

bool collect_no_memory_map(const struct collect *c)
{
	return c->have_header && (c->hdr.flags & STREAM_HDR_F_NO_MAP);
}

/* --- queries
 * --------------------------------------------------------------------- */

uint64_t collect_pfn_end(const struct collect *c)
{
	uint64_t end = c->state_end, first, e;
	uint32_t i;

	if (c->have_header && c->hdr.max_pfn > end)
		end = c->hdr.max_pfn < STREAM_PFN_LIMIT ? c->hdr.max_pfn
							: STREAM_PFN_LIMIT;
	for (i = 0; i < c->load_total && i < STREAM_MAP_MAX; i++) {
		if (!c->load_have[i])
			continue;
		load_pfns(c, &c->load[i], &first, &e);
		if (e > end)
			end = e;
	}
	return end;
}

bool collect_in_load(const struct collect *c, uint64_t pfn, uint32_t *idx)
{
	uint32_t lo = 0, hi = c->nloads_sorted, mid;
	uint64_t first, end;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		load_pfns(c, &c->loads_sorted[mid], &first, &end);
		if (pfn < first) {
			hi = mid;
		} else if (pfn >= end) {
			lo = mid + 1;
		} else {
			if (idx)
				*idx = mid;
			return true;
		}
	}
	return false;
}

uint64_t collect_load_pages(const struct collect *c)
{
	uint64_t n = 0, first, end;
	uint32_t i;

	for (i = 0; i < c->load_total && i < STREAM_MAP_MAX; i++) {
		if (!c->load_have[i])
			continue;
		load_pfns(c, &c->load[i], &first, &end);
		n += end - first;
	}
	return n;
}

bool collect_crash_id(const struct collect *c, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	out[0] = 0;
	if (!c->have_id)
		return false;
	for (i = 0; i < STREAM_CRASH_ID_LEN; i++) {
		out[2 * i] = hex[c->id[i] >> 4];
		out[2 * i + 1] = hex[c->id[i] & 15];
	}
	out[2 * STREAM_CRASH_ID_LEN] = 0;
	return true;
}

/* --- life cycle
 * ------------------------------------------------------------------ */

int collect_init(struct collect *c, const struct collect_opts *o)
{
	unsigned i;

	memset(c, 0, sizeof(*c));
	c->o = *o;
	c->pfd = -1;
	c->rfd = -1;
	for (i = 0; i < STREAM_TEXT_KINDS; i++)
		c->tfd[i] = -1;
	c->shift = STREAM_PAGE_SHIFT_MIN;
	c->page_size = 1u << STREAM_PAGE_SHIFT_MIN;
	c->rsync = true;
	c->dec = malloc(sizeof(*c->dec));
	c->fbuf = malloc(STREAM_REC_MAX);
	c->rbuf = malloc(RBUF_SIZE);
	c->pbuf = malloc(STREAM_DATA_MAX);
	c->load = calloc(STREAM_MAP_MAX, sizeof(*c->load));
	c->resv = calloc(STREAM_MAP_MAX, sizeof(*c->resv));
	c->load_have = calloc(STREAM_MAP_MAX, sizeof(bool));
	c->resv_have = calloc(STREAM_MAP_MAX, sizeof(bool));
	c->loads_sorted = calloc(STREAM_MAP_MAX, sizeof(*c->loads_sorted));
	if (!c->dec || !c->fbuf || !c->rbuf || !c->pbuf || !c->load ||
	    !c->resv || !c->load_have || !c->resv_have || !c->loads_sorted) {
		collect_free(c);
		return -ENOMEM;
	}
	stream_dec_init(c->dec, &dec_ops, c);
	frame_dec_init(&c->fdec, &frame_ops, c, c->fbuf, STREAM_REC_MAX);
	return 0;
}

int collect_close_files(struct collect *c)
{
	int ret = 0;
	unsigned i;

	for (i = 0; i < STREAM_TEXT_KINDS; i++) {
		if (c->tfd[i] >= 0 && close(c->tfd[i]) < 0)
			ret = -EIO;
		c->tfd[i] = -1;
	}
	if (c->rfd >= 0 && close(c->rfd) < 0)
		ret = -EIO;
	c->rfd = -1;
	return ret;
}

void collect_free(struct collect *c)
{
	size_t i;

	collect_close_files(c);
	if (c->pfd >= 0)
		close(c->pfd);
	c->pfd = -1;
	for (i = 0; i < c->nchunk; i++)
		free(c->chunk[i]);
	free(c->chunk);
	free(c->dec);
	free(c->fbuf);
	free(c->rbuf);
	free(c->pbuf);
	free(c->load);
	free(c->resv);
	free(c->load_have);
	free(c->resv_have);
	free(c->loads_sorted);
	free(c->notes);
	free(c->msg);
	free(c->dir);
	free(c->dec_missing.r);
	free(c->missing.r);
	free(c->unreadable.r);
	memset(c, 0, sizeof(*c));
	c->pfd = -1;
	c->rfd = -1;
	for (i = 0; i < STREAM_TEXT_KINDS; i++)
		c->tfd[i] = -1;
}
