// SPDX-License-Identifier: MIT
/*
 * The dead kernel's printk buffer, formatted as kexec-tools' vmcore-dmesg
 * formats it (util_lib/elf_info.c, checked against v2.0.25 and 2.0.31+,
 * whose dmesg code is the same).  Layouts: Linux
 * kernel/printk/printk_ringbuffer.h, kernel/printk/printk.c
 * (log_buf_vmcoreinfo_setup() names every key read here).
 *
 * The output, one record after another (nothing else, no header):
 *  - "[%5llu.%06llu] " from ts_nsec: seconds, then microseconds (the
 *    nanoseconds are dropped, not rounded), then one space.  vmcore-dmesg
 *    divides with imaxdiv() on a signed intmax_t and prints the quotients
 *    with %llu, so a ts_nsec >= 2^63 prints as two huge numbers: emulated.
 *  - the text bytes: 0x20..0x7e and the C-locale spaces 0x09..0x0d as they
 *    are (so an embedded '\n' starts a new output line with no prefix);
 *    any other byte as "\x%02x" (lowercase hex).
 *  - '\n'.
 *  No level, facility, caller id, sequence number or device info is
 *  printed, and continuation lines get no special treatment (the kernel
 *  merged pr_cont() fragments into one record already, or, before 5.10,
 *  they are separate records and print as separate lines).
 *
 * Lockless ring (dump_dmesg_lockless): ids from tail_id to head_id
 * inclusive, each (id + 1) & DESC_ID_MASK.  A descriptor is printed only if
 * DESC_ID(state_var) == id and its state (top two bits) is committed (1)
 * or finalized (2).  begin/next are the text lpos modulo the ring size;
 * begin == next (data-less: FAILED_LPOS, NO_LPOS/EMPTY_LINE_LPOS) prints
 * the prefix and '\n' alone; begin > next (wrapped block) means the data
 * is at offset 0; the text follows the block's 8-byte id and is
 * min(text_len, next - begin) bytes long.
 *
 * log_buf records (dump_dmesg_structured): from log_first_idx until
 * log_next_idx.  Every header visited is printed, including the len == 0
 * wrap marker (the kernel zeroes it, so it prints "[    0.000000] \n"),
 * after which the walk continues at offset 0.  vmcore-dmesg stops with an
 * error after printing a record whose successor lies past
 * log_buf_len - SIZE(printk_log), or at a second marker: so do we.
 *
 * Everything read is untrusted: sizes and offsets are bounded, at most
 * 2^count_bits descriptors (or 2 * log_buf_len / SIZE(printk_log) headers)
 * are visited, and anomalies are counted in struct dmesg_stats.
 */
#include "payload/dmesg.h"

#include <errno.h>
#include <string.h>

/* kernel/printk/printk_ringbuffer.h, for a 64-bit unsigned long. */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK ((UINT64_C(1) << DESC_FLAGS_SHIFT) - 1)
#define DESC_STATE_COMMITTED 1u
#define DESC_STATE_FINALIZED 2u
/* A data block starts with the descriptor id, an unsigned long. */
#define DATA_BLOCK_ID_SIZE 8u

/*
 * Bounds on what the dead kernel says.  log_buf_len is at most 2^31
 * (LOG_BUF_LEN_MAX in printk.c), so size_bits <= 31; the kernel makes
 * 2^(size_bits - PRB_AVGBITS) descriptors (PRB_AVGBITS is 5), so
 * count_bits <= size_bits.  Structures are small: a bound of 4 KiB on
 * every size and offset keeps the arithmetic far from overflowing.
 */
#define DMESG_BITS_MAX 31u
#define DMESG_STRUCT_MAX 4096u

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Read kernel virtual memory, translating each 4 KiB piece on its own. */
static int read_va(const struct dmesg *dm, uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		size_t n = DMESG_PIECE - (size_t)(va & (DMESG_PIECE - 1));
		uint64_t pa;

		if (n > len)
			n = len;
		if (dm->ops->va_to_pa(dm->ctx, va, &pa) ||
		    dm->ops->read(dm->ctx, pa, p, n))
			return -EIO;
		va += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_u64(const struct dmesg *dm, uint64_t va, uint64_t *v)
{
	uint8_t b[8];

	if (read_va(dm, va, b, sizeof(b)))
		return -EIO;
	*v = get64(b);
	return 0;
}

static int read_u32(const struct dmesg *dm, uint64_t va, uint32_t *v)
{
	uint8_t b[4];

	if (read_va(dm, va, b, sizeof(b)))
		return -EIO;
	*v = get32(b);
	return 0;
}

static int read_u16(const struct dmesg *dm, uint64_t va, uint16_t *v)
{
	uint8_t b[2];

	if (read_va(dm, va, b, sizeof(b)))
		return -EIO;
	*v = get16(b);
	return 0;
}

/*
 * Record metadata for dmesg_next_record(), beyond what VMCOREINFO names.
 * Linux 5.10+ kernel/printk/printk_ringbuffer.h, struct printk_info:
 * u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id.  Linux
 * 3.5-5.9 kernel/printk/printk.c, struct printk_log (3.5-3.10: struct
 * log): u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3.
 * Bit-fields fill a byte from its least significant bit on little-endian
 * arm64 (AAPCS64 "Bit-fields"), so flags is bits 0-4 and level bits 5-7.
 * LOG_CONT is 8 in both (enum printk_info_flags / enum log_flags).
 */
#define REC_LOCKLESS_FAC_AFTER_TLEN 2u
#define REC_LOCKLESS_CALLER_AFTER_TLEN 4u
#define REC_LOG_FAC_AFTER_TLEN 4u
#define REC_LOG_FAC_AFTER_DLEN 2u
#define REC_FLAGS_MASK 0x1fu
#define REC_LEVEL_SHIFT 5u
#define REC_LOG_CONT 8u

/* One record to print: its timestamp and where its text is. */
struct dmesg_rec {
	uint64_t ts;
	uint64_t text_va;
	uint32_t text_len;
	uint64_t meta_va;	/* printk_info or printk_log header */
};

/*
 * The next committed or finalized descriptor of the lockless ring.
 * Return: 1 and @r, or 0 at the end.
 */
static int next_lockless(const struct dmesg *dm, struct dmesg_cursor *cur,
			 struct dmesg_stats *st, struct dmesg_rec *r)
{
	while (!cur->done && cur->step < dm->nids) {
		uint64_t id = (dm->first_id + cur->step) & DESC_ID_MASK;
		uint64_t slot = id & (dm->count - 1);
		uint64_t desc = dm->descs + slot * dm->desc_sz;
		uint64_t info = dm->infos + slot * dm->info_sz;
		uint64_t sv, begin, next, ts;
		uint32_t state;
		uint16_t tlen;
		uint64_t len;

		cur->step++;
		if (read_u64(dm, desc + dm->off_sv, &sv)) {
			st->read_errors++;
			continue;
		}
		state = (uint32_t)(sv >> DESC_FLAGS_SHIFT);
		if ((sv & DESC_ID_MASK) != id ||
		    (state != DESC_STATE_COMMITTED &&
		     state != DESC_STATE_FINALIZED)) {
			st->uncommitted++;
			continue;
		}
		if (read_u64(dm, desc + dm->off_begin, &begin) ||
		    read_u64(dm, desc + dm->off_next, &next) ||
		    read_u64(dm, info + dm->off_ts, &ts) ||
		    read_u16(dm, info + dm->off_tlen, &tlen)) {
			st->read_errors++;
			continue;
		}
		r->ts = ts;
		r->text_va = 0;
		r->text_len = 0;
		r->meta_va = info;
		begin &= dm->size - 1;
		next &= dm->size - 1;
		if (begin == next) {
			st->dataless++;
			return 1;
		}
		if (begin > next)
			begin = 0;
		begin += DATA_BLOCK_ID_SIZE;
		len = tlen;
		if (next >= begin) {
			if (next - begin < len) {
				len = next - begin;
				st->truncated++;
			}
		} else {
			/*
			 * A block shorter than its id: vmcore-dmesg's unsigned
			 * next - begin wraps and it keeps text_len.  Keep it
			 * too, as far as the ring goes.
			 */
			st->bad_lpos++;
		}
		if (begin >= dm->size) {
			len = 0;
		} else if (len > dm->size - begin) {
			len = dm->size - begin;
			st->bad_lpos++;
		}
		r->text_va = dm->data + begin;
		r->text_len = (uint32_t)len;
		return 1;
	}
	cur->done = true;
	return 0;
}

/*
 * The next struct printk_log of log_buf.
 * Return: 1 and @r, or 0 at the end.
 */
static int next_structured(const struct dmesg *dm, struct dmesg_cursor *cur,
			   struct dmesg_stats *st, struct dmesg_rec *r)
{
	uint64_t hdr, ts, room, idx;
	uint16_t len, tlen;

	if (cur->done || cur->idx == dm->next_idx) {
		cur->done = true;
		return 0;
	}
	/* Kept by the checks below and in dmesg_init(). */
	hdr = dm->log_buf + cur->idx;
	if (read_u64(dm, hdr + dm->loff_ts, &ts) ||
	    read_u16(dm, hdr + dm->loff_len, &len) ||
	    read_u16(dm, hdr + dm->loff_tlen, &tlen)) {
		st->read_errors++;
		cur->done = true;
		return 0;
	}
	r->ts = ts;
	r->text_va = hdr + dm->log_sz;
	r->text_len = tlen;
	r->meta_va = hdr;
	room = (uint64_t)dm->buf_len - cur->idx - dm->log_sz;
	if (tlen > room) {
		r->text_len = (uint32_t)room;
		st->bad_lpos++;
	}

	if (!len) {
		/* The wrap marker: printed, then on at offset 0, once. */
		if (cur->wrapped) {
			st->bad_records++;
			cur->done = true;
		} else {
			cur->idx = 0;
			cur->wrapped = true;
		}
	} else if (len < dm->log_sz) {
		/* No kernel writes this; it would make the walk crawl. */
		st->bad_records++;
		cur->done = true;
	} else {
		idx = (uint64_t)cur->idx + len;
		if (idx > (uint64_t)dm->buf_len - dm->log_sz) {
			st->bad_records++;
			cur->done = true;
		} else {
			cur->idx = (uint32_t)idx;
		}
	}
	return 1;
}

static int next_record(const struct dmesg *dm, struct dmesg_cursor *cur,
		       struct dmesg_stats *st, struct dmesg_rec *r)
{
	int got;

	if (dm->kind == DMESG_LOCKLESS)
		got = next_lockless(dm, cur, st, r);
	else
		got = next_structured(dm, cur, st, r);
	if (got)
		cur->nrec++;
	return got;
}

/* Decimal, right-aligned in @width with @pad; returns the length. */
static size_t put_dec(char *p, uint64_t v, unsigned int width, char pad)
{
	char tmp[20];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n + i < width)
		p[i++] = pad;
	while (n)
		p[i++] = tmp[--n];
	return i;
}

/*
 * "[%5llu.%06llu] " as vmcore-dmesg computes it: imaxdiv() on the value
 * taken as a signed intmax_t, truncating toward zero, quotients printed
 * unsigned.  At most 1 + 20 + 1 + 20 + 2 = 44 bytes.
 */
static size_t format_prefix(char *p, uint64_t ts_nsec)
{
	int64_t ts = (int64_t)ts_nsec;
	int64_t sec = ts / 1000000000;
	int64_t usec = (ts % 1000000000) / 1000;
	size_t n = 0;

	p[n++] = '[';
	n += put_dec(p + n, (uint64_t)sec, 5, ' ');
	p[n++] = '.';
	n += put_dec(p + n, (uint64_t)usec, 6, '0');
	p[n++] = ']';
	p[n++] = ' ';
	return n;
}

/* isprint() || isspace() in the C locale. */
static bool byte_plain(uint8_t c)
{
	return (c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d);
}

static void start_record(struct dmesg *dm, const struct dmesg_rec *r)
{
	dm->in_record = true;
	dm->pend_len = (uint8_t)format_prefix(dm->pend, r->ts);
	dm->pend_pos = 0;
	dm->text_va = r->text_va;
	dm->text_left = r->text_len;
	dm->tbuf_len = 0;
	dm->tbuf_pos = 0;
	dm->newline_done = false;
}

static bool record_finished(const struct dmesg *dm)
{
	return dm->newline_done && dm->pend_pos == dm->pend_len;
}

int dmesg_next_chunk(struct dmesg *dm, char *out, size_t cap, size_t *len,
		     bool *eor)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!dm || !out || !cap || !len || !eor || dm->kind == DMESG_NONE)
		return -EINVAL;
	*len = 0;
	*eor = false;
	if (!dm->in_record) {
		struct dmesg_rec r;

		dm->raw_left = 0;
		if (!next_record(dm, &dm->cur, &dm->stats, &r))
			return 0;
		start_record(dm, &r);
	}

	while (n < cap && !record_finished(dm)) {
		if (dm->pend_pos < dm->pend_len) {
			out[n++] = dm->pend[dm->pend_pos++];
		} else if (dm->tbuf_pos < dm->tbuf_len) {
			uint8_t c = dm->tbuf[dm->tbuf_pos++];

			if (byte_plain(c)) {
				out[n++] = (char)c;
			} else {
				dm->pend[0] = '\\';
				dm->pend[1] = 'x';
				dm->pend[2] = hex[c >> 4];
				dm->pend[3] = hex[c & 15];
				dm->pend_len = 4;
				dm->pend_pos = 0;
			}
		} else if (dm->text_left) {
			/* Within one piece, so a failure cuts no more than it. */
			uint32_t k = DMESG_PIECE - (uint32_t)(dm->text_va &
							      (DMESG_PIECE - 1));

			if (k > DMESG_TEXT_BUF)
				k = DMESG_TEXT_BUF;
			if (k > dm->text_left)
				k = dm->text_left;

			if (read_va(dm, dm->text_va, dm->tbuf, k)) {
				/* Cut the text here; the record still ends. */
				dm->stats.read_errors++;
				dm->text_left = 0;
			} else {
				dm->tbuf_len = k;
				dm->tbuf_pos = 0;
				dm->text_va += k;
				dm->text_left -= k;
			}
		} else {
			dm->pend[0] = '\n';
			dm->pend_len = 1;
			dm->pend_pos = 0;
			dm->newline_done = true;
		}
	}
	if (record_finished(dm)) {
		dm->in_record = false;
		dm->stats.records++;
		*eor = true;
	}
	*len = n;
	return 1;
}

static void cursor_start(const struct dmesg *dm, struct dmesg_cursor *cur)
{
	memset(cur, 0, sizeof(*cur));
	cur->idx = dm->first_idx;
}

void dmesg_rewind(struct dmesg *dm)
{
	if (!dm || dm->kind == DMESG_NONE)
		return;
	cursor_start(dm, &dm->cur);
	dm->in_record = false;
	dm->raw_left = 0;
}

int dmesg_next_record(struct dmesg *dm, struct dmesg_record *rec)
{
	struct dmesg_rec r;
	uint8_t meta[2];

	if (!dm || !rec || dm->kind == DMESG_NONE)
		return -EINVAL;
	dm->in_record = false;
	dm->raw_left = 0;
	if (!next_record(dm, &dm->cur, &dm->stats, &r))
		return 0;
	dm->stats.records++;
	memset(rec, 0, sizeof(*rec));
	rec->ts_nsec = r.ts;
	rec->text_len = r.text_len;
	rec->seq = dm->cur.nrec - 1;
	rec->level = DMESG_LEVEL_UNKNOWN;
	if (dm->has_seq) {
		if (read_u64(dm, r.meta_va + dm->off_seq, &rec->seq))
			dm->stats.read_errors++;
		else
			rec->seq_known = true;
	}
	if (dm->has_meta) {
		if (read_va(dm, r.meta_va + dm->off_fac, meta, sizeof(meta))) {
			dm->stats.read_errors++;
		} else {
			rec->facility = meta[0];
			rec->level = (uint8_t)(meta[1] >> REC_LEVEL_SHIFT);
			rec->cont = (meta[1] & REC_FLAGS_MASK) & REC_LOG_CONT;
			rec->meta_known = true;
		}
	}
	dm->raw_va = r.text_va;
	dm->raw_left = r.text_len;
	return 1;
}

int dmesg_read_text(struct dmesg *dm, void *buf, size_t cap)
{
	uint32_t n;

	if (!dm || !buf || dm->kind == DMESG_NONE)
		return -EINVAL;
	if (!dm->raw_left || !cap)
		return 0;
	/* Within one piece, so a failure cuts no more than it. */
	n = DMESG_PIECE - (uint32_t)(dm->raw_va & (DMESG_PIECE - 1));
	if (n > dm->raw_left)
		n = dm->raw_left;
	if (n > cap)
		n = (uint32_t)cap;
	if (read_va(dm, dm->raw_va, buf, n)) {
		dm->stats.read_errors++;
		dm->raw_left = 0;
		return 0;
	}
	dm->raw_va += n;
	dm->raw_left -= n;
	return (int)n;
}

int dmesg_count_records(const struct dmesg *dm, uint64_t *n)
{
	struct dmesg_cursor cur;
	struct dmesg_stats st;
	struct dmesg_rec r;

	if (!dm || !n || dm->kind == DMESG_NONE)
		return -EINVAL;
	cursor_start(dm, &cur);
	memset(&st, 0, sizeof(st));
	*n = 0;
	while (next_record(dm, &cur, &st, &r))
		(*n)++;
	return 0;
}

int64_t dmesg_skip_records(struct dmesg *dm, uint64_t n)
{
	struct dmesg_rec r;
	uint64_t i;

	if (!dm || dm->kind == DMESG_NONE)
		return -EINVAL;
	dm->in_record = false;
	dm->raw_left = 0;
	for (i = 0; i < n; i++)
		if (!next_record(dm, &dm->cur, &dm->stats, &r))
			break;
	return (int64_t)i;
}

int dmesg_tail(struct dmesg *dm, uint64_t n)
{
	uint64_t total;
	int ret;

	if (!dm || dm->kind == DMESG_NONE)
		return -EINVAL;
	dmesg_rewind(dm);
	ret = dmesg_count_records(dm, &total);
	if (ret)
		return ret;
	if (total > n)
		(void)dmesg_skip_records(dm, total - n);
	return 0;
}

/* A decimal SIZE()/OFFSET() below DMESG_STRUCT_MAX, or -EPROTO. */
static int get_size(const struct vmcoreinfo *vi, const char *name,
		    uint32_t *out)
{
	uint64_t v;

	if (vmcoreinfo_size(vi, name, &v) || !v || v > DMESG_STRUCT_MAX)
		return -EPROTO;
	*out = (uint32_t)v;
	return 0;
}

static int get_off(const struct vmcoreinfo *vi, const char *type,
		   const char *field, uint32_t *out)
{
	uint64_t v;

	if (vmcoreinfo_offset(vi, type, field, &v) || v >= DMESG_STRUCT_MAX)
		return -EPROTO;
	*out = (uint32_t)v;
	return 0;
}

/*
 * A field of @width bytes at @off must lie in a struct of @size bytes;
 * with @size 0 (SIZE() not exported) any offset below the bound is taken.
 */
static bool field_fits(uint32_t off, uint32_t width, uint32_t size)
{
	return size ? off + width <= size : true;
}

static int init_lockless(struct dmesg *dm, const struct vmcoreinfo *vi,
			 uint64_t prb_sym)
{
	uint32_t rb_sz = 0, dr_sz = 0, tr_sz = 0, desc_sz, info_sz;
	uint32_t o_desc_ring, o_text_ring, o_count_bits, o_descs, o_infos;
	uint32_t o_head, o_tail, o_size_bits, o_data, o_counter;
	uint32_t o_sv, o_lpos, o_begin, o_next, o_ts, o_tlen, o_seq, o_caller;
	uint32_t count_bits, size_bits;
	uint64_t prb, desc_ring, text_ring, head, tail, dist;

	if (get_size(vi, "prb_desc", &desc_sz) ||
	    get_size(vi, "printk_info", &info_sz) ||
	    get_off(vi, "printk_ringbuffer", "desc_ring", &o_desc_ring) ||
	    get_off(vi, "printk_ringbuffer", "text_data_ring", &o_text_ring) ||
	    get_off(vi, "prb_desc_ring", "count_bits", &o_count_bits) ||
	    get_off(vi, "prb_desc_ring", "descs", &o_descs) ||
	    get_off(vi, "prb_desc_ring", "infos", &o_infos) ||
	    get_off(vi, "prb_desc_ring", "head_id", &o_head) ||
	    get_off(vi, "prb_desc_ring", "tail_id", &o_tail) ||
	    get_off(vi, "prb_data_ring", "size_bits", &o_size_bits) ||
	    get_off(vi, "prb_data_ring", "data", &o_data) ||
	    get_off(vi, "prb_desc", "state_var", &o_sv) ||
	    get_off(vi, "prb_desc", "text_blk_lpos", &o_lpos) ||
	    get_off(vi, "prb_data_blk_lpos", "begin", &o_begin) ||
	    get_off(vi, "prb_data_blk_lpos", "next", &o_next) ||
	    get_off(vi, "printk_info", "ts_nsec", &o_ts) ||
	    get_off(vi, "printk_info", "text_len", &o_tlen) ||
	    get_off(vi, "atomic_long_t", "counter", &o_counter))
		return -EPROTO;
	/* Optional: they only tighten the checks. */
	(void)get_size(vi, "printk_ringbuffer", &rb_sz);
	(void)get_size(vi, "prb_desc_ring", &dr_sz);
	(void)get_size(vi, "prb_data_ring", &tr_sz);

	if (!field_fits(o_sv + o_counter, 8, desc_sz) ||
	    !field_fits(o_lpos + o_begin, 8, desc_sz) ||
	    !field_fits(o_lpos + o_next, 8, desc_sz) ||
	    !field_fits(o_ts, 8, info_sz) || !field_fits(o_tlen, 2, info_sz) ||
	    !field_fits(o_desc_ring, dr_sz ? dr_sz : 1, rb_sz) ||
	    !field_fits(o_text_ring, tr_sz ? tr_sz : 1, rb_sz) ||
	    !field_fits(o_count_bits, 4, dr_sz) ||
	    !field_fits(o_descs, 8, dr_sz) || !field_fits(o_infos, 8, dr_sz) ||
	    !field_fits(o_head + o_counter, 8, dr_sz) ||
	    !field_fits(o_tail + o_counter, 8, dr_sz) ||
	    !field_fits(o_size_bits, 4, tr_sz) || !field_fits(o_data, 8, tr_sz))
		return -EPROTO;

	if (read_u64(dm, prb_sym, &prb))
		return -EIO;
	desc_ring = prb + o_desc_ring;
	text_ring = prb + o_text_ring;
	/*
	 * vmcore-dmesg reads infos at prb + OFFSET(prb_desc_ring.infos),
	 * which is the same address: desc_ring is printk_ringbuffer's first
	 * member in every kernel.
	 */
	if (read_u32(dm, desc_ring + o_count_bits, &count_bits) ||
	    read_u64(dm, desc_ring + o_descs, &dm->descs) ||
	    read_u64(dm, desc_ring + o_infos, &dm->infos) ||
	    read_u64(dm, desc_ring + o_head + o_counter, &head) ||
	    read_u64(dm, desc_ring + o_tail + o_counter, &tail) ||
	    read_u32(dm, text_ring + o_size_bits, &size_bits) ||
	    read_u64(dm, text_ring + o_data, &dm->data))
		return -EIO;
	/* The kernel sizes the descriptors as text bytes >> PRB_AVGBITS. */
	if (size_bits > DMESG_BITS_MAX || count_bits > size_bits ||
	    !dm->descs || !dm->infos || !dm->data)
		return -EPROTO;

	dm->count = UINT64_C(1) << count_bits;
	dm->size = UINT64_C(1) << size_bits;
	dm->desc_sz = desc_sz;
	dm->info_sz = info_sz;
	dm->off_sv = (uint64_t)o_sv + o_counter;
	dm->off_begin = (uint64_t)o_lpos + o_begin;
	dm->off_next = (uint64_t)o_lpos + o_next;
	dm->off_ts = o_ts;
	dm->off_tlen = o_tlen;

	/* Optional: only dmesg_next_record() uses them. */
	if (!get_off(vi, "printk_info", "seq", &o_seq) &&
	    field_fits(o_seq, 8, info_sz)) {
		dm->has_seq = true;
		dm->off_seq = o_seq;
	}
	/* The bit-field byte has no OFFSET(); caller_id right after pins it. */
	if (!get_off(vi, "printk_info", "caller_id", &o_caller) &&
	    o_caller == o_tlen + REC_LOCKLESS_CALLER_AFTER_TLEN) {
		dm->has_meta = true;
		dm->off_fac = o_tlen + REC_LOCKLESS_FAC_AFTER_TLEN;
	}

	if ((head | tail) & ~DESC_ID_MASK) {
		dm->stats.bad_ids++;
		head &= DESC_ID_MASK;
		tail &= DESC_ID_MASK;
	}
	/* The kernel keeps head - tail below the descriptor count. */
	dist = (head - tail) & DESC_ID_MASK;
	if (dist >= dm->count) {
		dm->stats.bad_ids++;
		dist = dm->count - 1;
	}
	dm->first_id = (head - dist) & DESC_ID_MASK;
	dm->nids = dist + 1;
	return 0;
}

static int init_structured(struct dmesg *dm, const struct vmcoreinfo *vi)
{
	uint64_t sym_buf, sym_len, sym_first, sym_next, log_buf;
	uint32_t log_sz, o_ts, o_len, o_tlen, o_dlen, len, first, next;
	const char *t = "printk_log";

	if (vmcoreinfo_symbol(vi, "log_buf", &sym_buf) ||
	    vmcoreinfo_symbol(vi, "log_buf_len", &sym_len) ||
	    vmcoreinfo_symbol(vi, "log_first_idx", &sym_first) ||
	    vmcoreinfo_symbol(vi, "log_next_idx", &sym_next))
		return -EPROTO;
	/* 3.5-3.10 called the struct "log". */
	if (get_size(vi, t, &log_sz)) {
		t = "log";
		if (get_size(vi, t, &log_sz))
			return -EPROTO;
	}
	if (get_off(vi, t, "ts_nsec", &o_ts) || get_off(vi, t, "len", &o_len) ||
	    get_off(vi, t, "text_len", &o_tlen) ||
	    !field_fits(o_ts, 8, log_sz) || !field_fits(o_len, 2, log_sz) ||
	    !field_fits(o_tlen, 2, log_sz))
		return -EPROTO;

	if (read_u64(dm, sym_buf, &log_buf) || read_u32(dm, sym_len, &len) ||
	    read_u32(dm, sym_first, &first) || read_u32(dm, sym_next, &next))
		return -EIO;
	/* log_buf_len is an int before 3.17, a u32 after: at most 2^31. */
	if (!log_buf || len > UINT32_C(1) << 31 || len < log_sz ||
	    first > len - log_sz || next > len - log_sz) {
		dm->stats.bad_records++;
		return -EPROTO;
	}
	dm->log_buf = log_buf;
	dm->buf_len = len;
	dm->first_idx = first;
	dm->next_idx = next;
	dm->log_sz = log_sz;
	dm->loff_ts = o_ts;
	dm->loff_len = o_len;
	dm->loff_tlen = o_tlen;
	/*
	 * Facility and level follow dict_len, which follows text_len; the
	 * sequence number is not in the record (log_first_seq is not in
	 * VMCOREINFO), so dmesg_next_record() counts from the first one.
	 */
	if ((get_off(vi, t, "dict_len", &o_dlen) ||
	     o_dlen + REC_LOG_FAC_AFTER_DLEN ==
		     o_tlen + REC_LOG_FAC_AFTER_TLEN) &&
	    field_fits(o_tlen + REC_LOG_FAC_AFTER_TLEN, 2, log_sz)) {
		dm->has_meta = true;
		dm->off_fac = o_tlen + REC_LOG_FAC_AFTER_TLEN;
	}
	return 0;
}

int dmesg_init(struct dmesg *dm, const struct vmcoreinfo *vi,
	       const struct dmesg_ops *ops, void *ctx)
{
	uint64_t sym;
	int ret;

	if (!dm)
		return -EINVAL;
	memset(dm, 0, sizeof(*dm));
	if (!vi || !ops || !ops->va_to_pa || !ops->read)
		return -EINVAL;
	dm->ops = ops;
	dm->ctx = ctx;

	/* vmcore-dmesg's order: a non-zero prb, then log_first_idx. */
	if (!vmcoreinfo_symbol(vi, "prb", &sym) && sym) {
		ret = init_lockless(dm, vi, sym);
		if (ret)
			return ret;
		dm->kind = DMESG_LOCKLESS;
	} else if (!vmcoreinfo_symbol(vi, "log_first_idx", &sym) && sym) {
		ret = init_structured(dm, vi);
		if (ret)
			return ret;
		dm->kind = DMESG_STRUCTURED;
	} else if (!vmcoreinfo_symbol(vi, "log_end", &sym)) {
		return -ENOTSUP;
	} else {
		return -ENODEV;
	}
	dmesg_rewind(dm);
	return 0;
}
