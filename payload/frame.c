// SPDX-License-Identifier: MIT
/*
 * Serial framing of records: docs/stream-format.md, "Serial framing".
 * Binary frames use COBS (Cheshire and Baker, "Consistent Overhead Byte
 * Stuffing", IEEE/ACM ToN 1999): 0x00 never occurs inside a frame, so a
 * 0x00 always resynchronises.  ASCII mode uses Z85 (ZeroMQ RFC 32).  The
 * encoder holds one FRAME_ENC_CHUNK of output; the deframer one record.
 */
#include "payload/frame.h"

#include <errno.h>
#include <string.h>

#define BEGIN_TAG "#TINYDUMP:BEGIN "
#define END_TAG "#TINYDUMP:END "

static const char z85_chars[85] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	".-:+=^!/*?&<>()[]{}@%$#";

/* Z85 digit of each character from 0x20 to 0x7f; 0xff: not a digit. */
static const uint8_t z85_digit[96] = {
	0xff, 0x44, 0xff, 0x54, 0x53, 0x52, 0x48, 0xff, 0x4b, 0x4c, 0x46, 0x41,
	0xff, 0x3f, 0x3e, 0x45, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x40, 0xff, 0x49, 0x42, 0x4a, 0x47, 0x51, 0x24, 0x25, 0x26,
	0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32,
	0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x4d,
	0xff, 0x4e, 0x43, 0xff, 0xff, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
	0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x4f, 0xff, 0x50, 0xff, 0xff,
};

static const char hex_chars[16] = "0123456789abcdef";

/* --- encoder ------------------------------------------------------------- */

void frame_enc_init(struct frame_enc *f, enum frame_mode mode, frame_out_fn out,
		    void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->out = out;
	f->ctx = ctx;
}

static int enc_flush(struct frame_enc *f)
{
	size_t n = f->n;

	f->n = 0;
	return n ? f->out(f->ctx, f->chunk, n) : 0;
}

static int enc_put(struct frame_enc *f, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t k;
	int ret;

	while (len) {
		if (f->n == FRAME_ENC_CHUNK) {
			ret = enc_flush(f);
			if (ret < 0)
				return ret;
		}
		k = FRAME_ENC_CHUNK - f->n;
		if (k > len)
			k = len;
		memcpy(f->chunk + f->n, p, k);
		f->n += k;
		p += k;
		len -= k;
	}
	return 0;
}

static int enc_byte(struct frame_enc *f, uint8_t c)
{
	return enc_put(f, &c, 1);
}

static int enc_str(struct frame_enc *f, const char *s)
{
	return enc_put(f, s, strlen(s));
}

static int enc_id(struct frame_enc *f)
{
	char hex[2 * STREAM_CRASH_ID_LEN];
	unsigned i;

	for (i = 0; i < STREAM_CRASH_ID_LEN; i++) {
		hex[2 * i] = hex_chars[f->id[i] >> 4];
		hex[2 * i + 1] = hex_chars[f->id[i] & 15];
	}
	return enc_put(f, hex, sizeof(hex));
}

int frame_enc_begin(struct frame_enc *f, const uint8_t *id)
{
	int ret;

	memcpy(f->id, id, STREAM_CRASH_ID_LEN);
	/* A fresh line first: the console may be in the middle of one. */
	ret = enc_str(f, "\r\n" BEGIN_TAG "v1 id=");
	if (!ret)
		ret = enc_id(f);
	if (!ret)
		ret = enc_str(f, f->mode == FRAME_ASCII ? " mode=ascii#\r\n" :
							   " mode=bin#\r\n");
	if (!ret)
		ret = enc_flush(f);
	return ret;
}

int frame_enc_end(struct frame_enc *f)
{
	int ret;

	ret = enc_str(f, "\r\n" END_TAG "id=");
	if (!ret)
		ret = enc_id(f);
	if (!ret)
		ret = enc_str(f, "#\r\n");
	if (!ret)
		ret = enc_flush(f);
	return ret;
}

/* COBS: each code byte k says k - 1 data bytes follow, then a zero unless
 * k is 0xff; the zero after the last group is implied and dropped. */
static int enc_cobs(struct frame_enc *f, const uint8_t *p, size_t len)
{
	size_t n;
	int ret;

	for (;;) {
		for (n = 0; n < FRAME_COBS_RUN && n < len && p[n]; n++)
			;
		ret = enc_byte(f, (uint8_t)(n + 1));
		if (!ret)
			ret = enc_put(f, p, n);
		if (ret < 0)
			return ret;
		if (n == FRAME_COBS_RUN) {
			p += n;
			len -= n;
			continue; /* no zero consumed; ends with a 0x01 code */
		}
		if (n == len)
			return 0;
		p += n + 1; /* the zero the code stands for */
		len -= n + 1;
	}
}

static int enc_z85_line(struct frame_enc *f, const uint8_t *p, size_t len,
			bool first)
{
	char out[FRAME_ASCII_LINE_MAX + 2];
	size_t o = 0, i, k;
	uint32_t v;

	out[o++] = '~';
	out[o++] = first ? 'R' : 'r';
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) /* Z85 groups are big-endian */
			v = v << 8 | (i + k < len ? p[i + k] : 0);
		for (k = 5; k-- > 0; v /= 85)
			out[o + k] = z85_chars[v % 85];
		o += 5;
	}
	out[o++] = '\r';
	out[o++] = '\n';
	return enc_put(f, out, o);
}

int frame_enc_record(struct frame_enc *f, const void *rec, size_t len)
{
	const uint8_t *p = rec;
	size_t off, n;
	int ret;

	if (!rec || len == 0 || len > STREAM_REC_MAX)
		return -EINVAL;
	if (f->mode == FRAME_ASCII) {
		for (off = 0; off < len; off += n) {
			n = len - off < FRAME_ASCII_BYTES ? len - off :
							    FRAME_ASCII_BYTES;
			ret = enc_z85_line(f, p + off, n, off == 0);
			if (ret < 0)
				return ret;
		}
		return enc_flush(f);
	}
	ret = enc_byte(f, FRAME_DELIM);
	if (!ret)
		ret = enc_byte(f, FRAME_MARK_RECORD);
	if (!ret)
		ret = enc_cobs(f, p, len);
	if (!ret)
		ret = enc_byte(f, FRAME_DELIM);
	if (!ret)
		ret = enc_flush(f);
	return ret;
}

int frame_enc_write(void *f, const void *rec, size_t len)
{
	return frame_enc_record(f, rec, len);
}

/* --- deframer ------------------------------------------------------------ */

enum {
	S_TEXT,	 /* in console text */
	S_DELIM, /* after a 0x00: a marker byte would start a frame */
	S_FRAME, /* inside a COBS frame */
};

void frame_dec_init(struct frame_dec *d, const struct frame_dec_ops *ops,
		    void *ctx, void *buf, size_t size)
{
	static const struct frame_dec_ops no_ops;

	memset(d, 0, sizeof(*d));
	d->ops = ops ? ops : &no_ops;
	d->ctx = ctx;
	d->buf = buf;
	d->size = buf ? size : 0;
}

static void dec_bad(struct frame_dec *d)
{
	d->stats.bad_frames++;
	d->lost_sync = true;
}

static void dec_deliver(struct frame_dec *d, size_t len)
{
	if (stream_rec_check(d->buf, len) < 0) {
		dec_bad(d);
		return;
	}
	if (d->lost_sync) {
		d->stats.resyncs++;
		d->lost_sync = false;
	}
	d->stats.records++;
	if (d->ops->record)
		d->ops->record(d->ctx, d->buf, len);
}

static void asc_drop(struct frame_dec *d)
{
	if (d->asc_active)
		dec_bad(d);
	d->asc_active = false;
	d->len = 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "#TINYDUMP:BEGIN v1 id=<32 hex> mode=bin|ascii#", "#TINYDUMP:END id=<hex>#" */
static bool parse_marker(struct frame_dec *d, const char *s, size_t len)
{
	uint8_t id[STREAM_CRASH_ID_LEN];
	unsigned kind, mode = FRAME_BINARY, i;
	bool have_id = false;
	size_t pos, end, tl;
	int hi, lo;

	if (len >= sizeof(BEGIN_TAG) - 1 &&
	    !memcmp(s, BEGIN_TAG, sizeof(BEGIN_TAG) - 1)) {
		kind = FRAME_MARKER_BEGIN;
		pos = sizeof(BEGIN_TAG) - 1;
	} else if (len >= sizeof(END_TAG) - 1 &&
		   !memcmp(s, END_TAG, sizeof(END_TAG) - 1)) {
		kind = FRAME_MARKER_END;
		pos = sizeof(END_TAG) - 1;
	} else {
		return false;
	}
	if (s[len - 1] != '#')
		return false;
	len--;
	while (pos < len) {
		for (end = pos; end < len && s[end] != ' '; end++)
			;
		tl = end - pos;
		if (tl == 3 + 2 * STREAM_CRASH_ID_LEN && !memcmp(s + pos, "id=", 3)) {
			for (i = 0; i < STREAM_CRASH_ID_LEN; i++) {
				hi = hex_digit(s[pos + 3 + 2 * i]);
				lo = hex_digit(s[pos + 4 + 2 * i]);
				if (hi < 0 || lo < 0)
					return false;
				id[i] = (uint8_t)(hi << 4 | lo);
			}
			have_id = true;
		} else if (tl == 10 && !memcmp(s + pos, "mode=ascii", 10)) {
			mode = FRAME_ASCII;
		} else if (tl == 8 && !memcmp(s + pos, "mode=bin", 8)) {
			mode = FRAME_BINARY;
		} else if (tl == 2 && !memcmp(s + pos, "v1", 2)) {
			/* the only version so far */
		} else if (tl) {
			return false;
		}
		pos = end + 1;
	}
	if (!have_id)
		return false;
	d->stats.markers++;
	if (d->ops->marker)
		d->ops->marker(d->ctx, kind, mode, id);
	return true;
}

/* An armoured line: "~R" or "~r", then whole Z85 groups. */
static bool parse_ascii(struct frame_dec *d, const char *s, size_t len)
{
	uint8_t tmp[FRAME_ASCII_BYTES];
	size_t n, i, k, want;
	uint64_t v;
	unsigned c;

	if (len < 7 || len > FRAME_ASCII_LINE_MAX || s[0] != '~' ||
	    (s[1] != 'R' && s[1] != 'r') || (len - 2) % 5)
		return false;
	for (i = 2, n = 0; i < len; i += 5, n += 4) {
		v = 0;
		for (k = 0; k < 5; k++) {
			c = (unsigned char)s[i + k];
			if (c < 0x20 || c >= 0x80 || z85_digit[c - 0x20] == 0xff)
				return false;
			v = v * 85 + z85_digit[c - 0x20];
		}
		if (v > UINT32_MAX)
			return false;
		tmp[n] = (uint8_t)(v >> 24);
		tmp[n + 1] = (uint8_t)(v >> 16);
		tmp[n + 2] = (uint8_t)(v >> 8);
		tmp[n + 3] = (uint8_t)v;
	}
	d->stats.ascii_lines++;
	if (s[1] == 'R') {
		asc_drop(d);
		d->asc_active = true;
	} else if (!d->asc_active) {
		/* The rest of a record whose first line was lost. */
		if (!d->lost_sync)
			dec_bad(d);
		return true;
	}
	if (n > d->size - d->len) {
		asc_drop(d);
		return true;
	}
	memcpy(d->buf + d->len, tmp, n);
	d->len += n;
	if (d->len < STREAM_REC_OFF_LEN + 4)
		return true;
	want = stream_get32(d->buf + STREAM_REC_OFF_LEN);
	if (want < STREAM_REC_MIN || want > d->size || want > STREAM_REC_MAX) {
		asc_drop(d);
		return true;
	}
	if (d->len < want)
		return true;
	if (d->len - want > 3) { /* more lines than the record needs */
		asc_drop(d);
		return true;
	}
	dec_deliver(d, want);
	d->asc_active = false;
	d->len = 0;
	return true;
}

static void dec_line(struct frame_dec *d, bool complete)
{
	const char *s = d->line;
	size_t len = d->line_len;

	d->line_len = 0;
	if (!d->line_long && complete && len && !d->line_dirty &&
	    (parse_ascii(d, s, len) || parse_marker(d, s, len))) {
		d->line_dirty = false;
		return;
	}
	if (len) {
		d->stats.text_lines++;
		if (d->ops->text)
			d->ops->text(d->ctx, s, len, !d->line_dirty);
	}
	d->line_dirty = false;
	/* A split line's tail is text too, whatever it looks like. */
	d->line_long = !complete;
}

static void dec_text_byte(struct frame_dec *d, uint8_t c)
{
	if (c == '\n') {
		dec_line(d, true);
		d->line_long = false;
		return;
	}
	if (c == '\r')
		return;
	if (d->line_len == FRAME_LINE_MAX)
		dec_line(d, false);
	if ((c < 0x20 && c != '\t') || c >= 0x7f) {
		d->line_dirty = true;
		d->stats.noise_bytes++;
	}
	d->line[d->line_len++] = (char)c;
}

static void frame_start(struct frame_dec *d)
{
	asc_drop(d);
	d->len = 0;
	d->cobs_left = 0;
	d->cobs_zero = false;
	d->overflow = false;
	d->state = S_FRAME;
}

static void frame_put(struct frame_dec *d, uint8_t c)
{
	if (d->len < d->size)
		d->buf[d->len++] = c;
	else
		d->overflow = true;
}

static void frame_end(struct frame_dec *d)
{
	size_t len = d->len;

	d->len = 0;
	d->state = S_DELIM;
	if (d->overflow || d->cobs_left || !len) {
		dec_bad(d);
		return;
	}
	dec_deliver(d, len);
}

void frame_dec_feed(struct frame_dec *d, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;
	uint8_t c;

	d->stats.bytes += len;
	for (i = 0; i < len; i++) {
		c = p[i];
		switch (d->state) {
		case S_TEXT:
			if (c == FRAME_DELIM) {
				/* Text cut short by a frame ends there. */
				if (d->line_len)
					dec_line(d, false);
				d->line_long = false;
				d->state = S_DELIM;
			} else {
				dec_text_byte(d, c);
			}
			break;
		case S_DELIM:
			if (c == FRAME_MARK_RECORD) {
				frame_start(d);
			} else if (c != FRAME_DELIM) {
				d->state = S_TEXT;
				dec_text_byte(d, c);
			}
			break;
		default: /* S_FRAME */
			if (c == FRAME_DELIM) {
				frame_end(d);
			} else if (d->cobs_left) {
				frame_put(d, c);
				d->cobs_left--;
			} else {
				/* A code byte: the zero of the last group first. */
				if (d->cobs_zero)
					frame_put(d, 0);
				d->cobs_left = c - 1u;
				d->cobs_zero = c != 0xff;
			}
			break;
		}
	}
}

void frame_dec_finish(struct frame_dec *d)
{
	if (d->state == S_FRAME)
		dec_bad(d);
	d->state = S_TEXT;
	d->len = 0;
	asc_drop(d);
	if (d->line_len)
		dec_line(d, false);
	d->line_long = false;
}
