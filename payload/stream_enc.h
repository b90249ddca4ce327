// SPDX-License-Identifier: MIT
/*
 * Record stream encoder (docs/stream-format.md): builds each record in one
 * buffer the caller provides, seals it with a sequence number and a
 * CRC32C, and hands whole records to a write callback (a sink, or the
 * serial framer of payload/frame.h).  No allocation; page data is
 * compressed by the caller straight into the record buffer.
 */
#ifndef TINYDUMP_PAYLOAD_STREAM_ENC_H
#define TINYDUMP_PAYLOAD_STREAM_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/stream.h"

/* Receives one whole record; returns 0 or a negative errno. */
typedef int (*stream_write_fn)(void *ctx, const void *rec, size_t len);

/* The smallest buffer stream_enc_init() takes (a page run needs more). */
#define STREAM_ENC_BUF_MIN 512u
/* A buffer of this size takes every record the format allows. */
#define STREAM_ENC_BUF_SIZE STREAM_REC_MAX
/* Default PFNs per page record: a lost record loses at most 256 MiB of
 * page states at 4 KiB pages. */
#define STREAM_ENC_RUN_PFNS 65536u

/**
 * struct stream_enc - encoder state; fields are private except as noted
 * @run_max_pfns: PFNs per page record, 1..STREAM_RUN_MAX_PFNS; may be
 *                lowered after stream_enc_init() for finer loss reports.
 * @totals:       what was sent so far (read-only for callers).
 */
struct stream_enc {
	stream_write_fn write;
	void *ctx;
	uint8_t *buf;
	size_t size;
	uint32_t seq;
	uint32_t tag;
	uint64_t limit;
	unsigned page_shift;
	bool header_done, trailer_done;
	uint32_t notes_size, notes_sent;
	uint32_t map_count[2], map_sent[2];
	uint32_t text_off[STREAM_TEXT_KINDS];
	uint32_t run_max_pfns;
	/* the open page run */
	bool run_open;
	uint64_t run_first;
	uint32_t run_npages, run_dumped, run_dumped_max, run_data;
	unsigned run_next, run_nblk;
	uint32_t run_ext[STREAM_RUN_MAX_EXTENTS];
	uint8_t run_blk[STREAM_RUN_MAX_BLOCKS][STREAM_BLOCK_SIZE];
	uint64_t end_pfn;
	struct stream_totals totals;
};

/**
 * stream_enc_init() - set up an encoder
 * @e:     the state to fill
 * @write: called with each finished record
 * @ctx:   its first argument
 * @buf:   where records are built; STREAM_ENC_BUF_SIZE bytes take every
 *         record, a smaller buffer makes smaller records
 * @size:  its size, at least STREAM_ENC_BUF_MIN
 *
 * Return: 0, or -EINVAL for a NULL argument or a buffer that is too small.
 */
int stream_enc_init(struct stream_enc *e, stream_write_fn write, void *ctx,
		    void *buf, size_t size);

/**
 * stream_enc_set_limit() - how many record bytes the sink can take
 * @e:     the encoder
 * @bytes: the capacity, 0 for no limit
 *
 * From then on a record that would leave no room for the trailer is
 * refused with -ENOSPC, so stream_enc_trailer(e, STREAM_STATUS_CUT, ...)
 * always fits.
 */
void stream_enc_set_limit(struct stream_enc *e, uint64_t bytes);

/**
 * stream_enc_header() - emit the HEADER record, always the first
 * @e: the encoder
 * @h: the fields; version_* are filled in here, producer may be empty
 *
 * The header announces how many notes bytes and map entries follow;
 * stream_enc_notes() and stream_enc_map() must then send exactly that.
 *
 * Return: 0, -EINVAL for a second header, a bad page size, counts over
 * STREAM_MAP_MAX or a buffer too small for one page, -ENOSPC when the
 * limit is reached, or the write callback's error.
 */
int stream_enc_header(struct stream_enc *e, const struct stream_header *h);

/**
 * stream_enc_notes() - emit NOTES records for the next bytes of the notes
 * @e:    the encoder
 * @data: bytes that continue the merged notes blob
 * @len:  how many; may be called several times until notes_size is sent
 *
 * Return: 0, -EINVAL before the header or past notes_size, -ENOSPC when
 * the limit is reached, or the write callback's error.
 */
int stream_enc_notes(struct stream_enc *e, const void *data, size_t len);

/**
 * stream_enc_map() - emit MAP records for the next entries of a list
 * @e:    the encoder
 * @kind: STREAM_MAP_LOAD or STREAM_MAP_RESV
 * @r:    entries that continue the list
 * @n:    how many; may be called several times until the header's count
 *
 * LOAD entries are the PT_LOAD ranges after de-duplication: page runs
 * must lie within them.
 *
 * Return: 0, -EINVAL before the header, for a bad kind or past the count,
 * -ENOSPC when the limit is reached, or the write callback's error.
 */
int stream_enc_map(struct stream_enc *e, unsigned kind,
		   const struct stream_range *r, size_t n);

/**
 * stream_enc_text() - emit TEXT records
 * @e:    the encoder
 * @kind: STREAM_TEXT_LOG, STREAM_TEXT_DMESG or STREAM_TEXT_MESSAGE
 * @text: bytes continuing that kind's text (any bytes; usually UTF-8)
 * @len:  how many
 *
 * Closes an open page run first (stream_enc_pages_flush()).
 *
 * Return: 0, -EINVAL before the header or for a bad kind, -ENOSPC when the
 * limit is reached, or the write callback's error.
 */
int stream_enc_text(struct stream_enc *e, unsigned kind, const void *text,
		    size_t len);

/**
 * stream_enc_pages_begin() - move the page cursor to @pfn
 * @e:   the encoder
 * @pfn: the next PFN to describe; never below the cursor
 *
 * Page records describe PFNs in increasing order.  Start each map range
 * here; a jump closes the open run, so a run never covers a hole.
 *
 * Return: 0, -EINVAL before the header, after the trailer, for @pfn below
 * the cursor or at/above STREAM_PFN_LIMIT, or what a flush returns.
 */
int stream_enc_pages_begin(struct stream_enc *e, uint64_t pfn);

/**
 * stream_enc_pages_skip() - describe @count pages without data
 * @e:     the encoder
 * @state: STREAM_PAGE_ZERO, STREAM_PAGE_UNREADABLE or
 *         STREAM_PAGE_EXCLUDED | reason
 * @count: pages from the cursor on; records are closed as they fill
 *
 * Return: 0, -EINVAL for a bad state or no open cursor, or what a flush
 * returns (then some of the pages may have been sent).
 */
int stream_enc_pages_skip(struct stream_enc *e, uint8_t state,
			  uint64_t count);

/**
 * stream_enc_pages_buf() - where the next block of dumped pages goes
 * @e:      the encoder
 * @npages: pages in the block, from the cursor on (1 or more)
 * @buf:    set to the place for the block's stored bytes
 * @room:   set to @npages * page size: compress into room - 1 bytes, and
 *          copy the pages raw when that fails
 *
 * Closes the open run first if the block would not fit in it.  The bytes
 * become part of the stream with stream_enc_pages_commit().
 *
 * Return: 0, -EINVAL for no open cursor or @npages more than one record
 * holds, or what a flush returns.
 */
int stream_enc_pages_buf(struct stream_enc *e, uint32_t npages, void **buf,
			 size_t *room);

/**
 * stream_enc_pages_commit() - append the block written at stream_enc_pages_buf()
 * @e:          the encoder
 * @npages:     as given to stream_enc_pages_buf()
 * @stored_len: bytes written: < room with STREAM_BLOCK_LZ4, == room raw
 * @flags:      STREAM_BLOCK_LZ4 or 0
 *
 * Return: 0, or -EINVAL when the arguments do not match the rules above.
 */
int stream_enc_pages_commit(struct stream_enc *e, uint32_t npages,
			    uint32_t stored_len, unsigned flags);

/**
 * stream_enc_pages_flush() - send the open page run as a record now
 * @e: the encoder
 *
 * Nothing is sent for an empty run.  The cursor stays where it is.
 *
 * Return: 0, -ENOSPC when the limit is reached (the run is then dropped:
 * its PFNs are not in the stream), or the write callback's error.
 */
int stream_enc_pages_flush(struct stream_enc *e);

/**
 * stream_enc_trailer() - close the stream with the TRAILER record
 * @e:      the encoder
 * @status: STREAM_STATUS_COMPLETE, _CUT or _ABORTED
 * @error:  a negative errno for CUT/ABORTED (e.g. -ENOSPC, -EIO), else 0
 *
 * Flushes the open run (its failure turns a COMPLETE into CUT or ABORTED).
 * Nothing may follow.
 *
 * Return: 0, -EINVAL before the header or twice, or the write callback's
 * error.
 */
int stream_enc_trailer(struct stream_enc *e, unsigned status, int error);

#endif
