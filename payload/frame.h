// SPDX-License-Identifier: MIT
/*
 * Serial framing of the record stream (docs/stream-format.md, "Serial
 * framing"): one record per frame, so a receiver finds the stream in a
 * console full of human-readable lines, passes those lines through and
 * resynchronises after noise.  Binary mode: 0x00, a marker byte >= 0x80,
 * the record in COBS, 0x00.  ASCII mode (7-bit consoles): Z85 lines
 * prefixed "~R" (first line of a record) or "~r".  The encoder streams
 * out through a callback in small chunks; the deframer takes bytes in
 * chunks of any size and recognises both modes.
 */
#ifndef TINYDUMP_PAYLOAD_FRAME_H
#define TINYDUMP_PAYLOAD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/stream.h"

#define FRAME_DELIM 0x00
#define FRAME_MARK_RECORD 0xd7	/* after FRAME_DELIM: a record follows */
#define FRAME_MARK_REQUEST 0xd8 /* reserved: host-to-payload request */
#define FRAME_COBS_RUN 254	/* data bytes one COBS code byte covers */

#define FRAME_ASCII_BYTES 56 /* record bytes per armoured line: 70 chars */
#define FRAME_ASCII_LINE_MAX (2 + FRAME_ASCII_BYTES / 4 * 5) /* w/o CR LF */

#define FRAME_LINE_MAX 512  /* longest text line buffered; longer is split */
#define FRAME_ENC_CHUNK 128 /* encoder output per callback, at most */

enum frame_mode {
	FRAME_BINARY = 0,
	FRAME_ASCII = 1,
};

/* Receives encoder output; returns 0 or a negative errno. */
typedef int (*frame_out_fn)(void *ctx, const void *buf, size_t len);

struct frame_enc {
	frame_out_fn out;
	void *ctx;
	enum frame_mode mode;
	uint8_t id[STREAM_CRASH_ID_LEN];
	size_t n;
	uint8_t chunk[FRAME_ENC_CHUNK];
};

/**
 * frame_enc_init() - set up a framing encoder
 * @f:    the state to fill
 * @mode: FRAME_BINARY or FRAME_ASCII
 * @out:  called with the output, FRAME_ENC_CHUNK bytes at most per call
 * @ctx:  its first argument
 */
void frame_enc_init(struct frame_enc *f, enum frame_mode mode, frame_out_fn out,
		    void *ctx);

/**
 * frame_enc_begin() - write the line "#TINYDUMP:BEGIN v1 id=<hex> mode=bin#"
 * @f:  the encoder
 * @id: the crash id (STREAM_CRASH_ID_LEN bytes), also used by frame_enc_end()
 *
 * Return: 0 or the output callback's error.
 */
int frame_enc_begin(struct frame_enc *f, const uint8_t *id);

/**
 * frame_enc_record() - write one record as a frame
 * @f:   the encoder
 * @rec: the record
 * @len: its length, at most STREAM_REC_MAX
 *
 * Return: 0, -EINVAL for a bad length, or the output callback's error.
 */
int frame_enc_record(struct frame_enc *f, const void *rec, size_t len);

/**
 * frame_enc_write() - frame_enc_record() as a stream_write_fn
 * @f:   the struct frame_enc
 * @rec: the record
 * @len: its length
 *
 * Return: as frame_enc_record().
 */
int frame_enc_write(void *f, const void *rec, size_t len);

/**
 * frame_enc_end() - write the line "#TINYDUMP:END id=<hex>#"
 * @f: the encoder
 *
 * Return: 0 or the output callback's error.
 */
int frame_enc_end(struct frame_enc *f);

/* --- deframer (host) ---------------------------------------------------- */

#define FRAME_MARKER_BEGIN 1
#define FRAME_MARKER_END 2

/* Callbacks; any may be NULL.  Pointers are valid during the call only. */
struct frame_dec_ops {
	/* A record whose envelope and CRC are good (stream_rec_check()). */
	void (*record)(void *ctx, const uint8_t *rec, size_t len);
	/* A console line without CR/LF; clean: only printable ASCII and tab. */
	void (*text)(void *ctx, const char *line, size_t len, bool clean);
	/* A BEGIN or END marker line; @mode is enum frame_mode (BEGIN). */
	void (*marker)(void *ctx, unsigned kind, unsigned mode,
		       const uint8_t *id);
};

struct frame_dec_stats {
	uint64_t bytes;	      /* fed in */
	uint32_t records;     /* handed to ops->record */
	uint32_t bad_frames;  /* frames and armoured records dropped */
	uint32_t resyncs;     /* good records found again after a drop */
	uint32_t ascii_lines; /* armoured lines taken */
	uint32_t text_lines;  /* lines given to ops->text */
	uint32_t markers;
	uint64_t noise_bytes; /* bytes of text lines that are not clean */
};

struct frame_dec {
	const struct frame_dec_ops *ops;
	void *ctx;
	uint8_t *buf;
	size_t size, len;
	unsigned state;
	unsigned cobs_left;
	bool cobs_zero, overflow;
	bool asc_active;
	bool lost_sync;
	bool line_long, line_dirty;
	size_t line_len;
	char line[FRAME_LINE_MAX];
	struct frame_dec_stats stats;
};

/**
 * frame_dec_init() - set up a deframer
 * @d:    the state to fill
 * @ops:  callbacks (kept by reference), NULL for none
 * @ctx:  their first argument
 * @buf:  where records are reassembled: STREAM_REC_MAX bytes take all
 * @size: its size
 */
void frame_dec_init(struct frame_dec *d, const struct frame_dec_ops *ops,
		    void *ctx, void *buf, size_t size);

/**
 * frame_dec_feed() - take the next bytes of the console
 * @d:    the deframer
 * @data: bytes, any content, cut anywhere
 * @len:  how many
 */
void frame_dec_feed(struct frame_dec *d, const void *data, size_t len);

/**
 * frame_dec_finish() - end of input: pass on a last unterminated line,
 * count an unfinished frame as bad
 * @d: the deframer
 */
void frame_dec_finish(struct frame_dec *d);

#endif
