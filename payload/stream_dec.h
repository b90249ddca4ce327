// SPDX-License-Identifier: MIT
/*
 * Record stream decoder (docs/stream-format.md), for the host tools but
 * freestanding-clean: takes records one at a time (deframed by
 * payload/frame.h or read from a sink), checks CRC, sequence, types and
 * bounds, and reports what it finds through callbacks, including the
 * exact PFN ranges that lost or damaged records leave missing.  Input is
 * untrusted: any bytes are handled, in bounded time and memory.
 */
#ifndef TINYDUMP_PAYLOAD_STREAM_DEC_H
#define TINYDUMP_PAYLOAD_STREAM_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/stream.h"

/* Why a PFN range is missing (flags of stream_dec_ops.missing). */
#define STREAM_MISS_LOST 0x01	   /* records were lost or damaged */
#define STREAM_MISS_SKIPPED 0x02   /* no record lost, but no run covered it */
#define STREAM_MISS_TAIL 0x04	   /* after the last page record received */
#define STREAM_MISS_UNCLIPPED 0x08 /* map unknown: the range may span holes */
#define STREAM_MISS_OPEN 0x10	   /* end unknown: count is 0 */

/* A page run as received; every PFN of it has one state. */
struct stream_run_extent {
	uint64_t pfn;
	uint32_t count;
	uint8_t state; /* STREAM_PAGE_* */
};

/* A block of dumped pages: PFNs pfn .. pfn + npages - 1, in order. */
struct stream_run_block {
	uint64_t pfn;
	uint32_t npages;
	uint32_t stored_len;
	uint8_t flags; /* STREAM_BLOCK_LZ4: decompress to npages * page_size */
	const uint8_t *data; /* inside the record given to stream_dec_record() */
};

struct stream_run {
	uint32_t seq;
	uint64_t first_pfn;
	uint32_t npages;
	unsigned page_shift;
	unsigned nextents, nblocks;
	struct stream_run_extent ext[STREAM_RUN_MAX_EXTENTS];
	struct stream_run_block blk[STREAM_RUN_MAX_BLOCKS];
};

/*
 * Callbacks; any may be NULL.  A negative return from the int ones is
 * passed back by stream_dec_record() (the record still counts as taken).
 */
struct stream_dec_ops {
	int (*header)(void *ctx, const struct stream_header *h);
	/* A chunk of the merged notes, to put at @offset of @total bytes. */
	int (*notes)(void *ctx, uint32_t offset, const void *data, size_t len,
		     uint32_t total);
	/* One map entry: @kind STREAM_MAP_LOAD/_RESV, its @index in the list. */
	int (*map)(void *ctx, unsigned kind, uint32_t index,
		   const struct stream_range *r);
	int (*pages)(void *ctx, const struct stream_run *run);
	/* A chunk of text @kind, at @offset of that kind's text. */
	int (*text)(void *ctx, unsigned kind, uint32_t offset, const void *data,
		    size_t len);
	int (*trailer)(void *ctx, const struct stream_trailer *t);
	/* Sequence numbers first_seq .. first_seq + count - 1 never arrived. */
	void (*lost)(void *ctx, uint32_t first_seq, uint32_t count);
	/* PFNs first .. first + count - 1 are not in the dump (STREAM_MISS_*). */
	void (*missing)(void *ctx, uint64_t first_pfn, uint64_t count,
			unsigned flags);
};

struct stream_dec_summary {
	bool complete;	       /* everything arrived and adds up */
	bool header_seen, trailer_seen;
	bool map_complete;     /* both lists, every entry */
	bool notes_complete;
	bool totals_match;     /* the trailer's totals equal what arrived */
	uint8_t trailer_status; /* STREAM_STATUS_* when trailer_seen */
	int32_t trailer_error;
	uint32_t records_ok;	  /* taken (includes records_invalid) */
	uint32_t records_bad;	  /* envelope or CRC wrong: dropped */
	uint32_t records_dup;	  /* sequence number seen before */
	uint32_t records_foreign; /* another stream's tag */
	uint32_t records_invalid; /* good CRC, broken content: dropped */
	uint32_t records_unknown; /* unknown type: skipped */
	uint64_t seq_lost;	  /* sequence numbers that never arrived */
	uint32_t lost_ranges;
	uint64_t pfn_missing;	  /* PFNs reported missing (OPEN ones: 0) */
	uint32_t missing_ranges;
	uint32_t text_gaps;	  /* text chunks not at their kind's end */
	struct stream_totals got; /* what arrived, as the trailer counts it */
};

/* Decoder state: opaque, ~35 KiB; place it statically or on the heap. */
struct stream_dec {
	const struct stream_dec_ops *ops;
	void *ctx;
	bool started, finished;
	uint32_t tag;
	uint64_t next_seq;
	bool have_header;
	struct stream_header hdr;
	unsigned page_shift; /* 0 until the header or a page run tells */
	bool have_trailer;
	uint32_t trailer_seq;
	struct stream_trailer trailer;
	bool map_seen[2], map_gap[2];
	uint32_t map_total[2], map_next[2];
	struct {
		uint64_t paddr, size;
	} map[STREAM_MAP_MAX];
	bool spans_built;
	uint32_t nspans;
	struct {
		uint64_t first, end;
	} spans[STREAM_MAP_MAX]; /* LOAD map in PFNs: sorted, merged */
	bool notes_seen, notes_gap;
	uint32_t notes_total, notes_next;
	uint32_t text_next[STREAM_TEXT_KINDS];
	uint64_t cursor;     /* PFN after the last page run taken */
	bool lost_since_run; /* records lost since that run */
	struct stream_dec_summary sum;
	struct stream_run run;
};

/**
 * stream_dec_init() - set up a decoder for one stream
 * @d:   the state to fill
 * @ops: callbacks (kept by reference), NULL for none
 * @ctx: their first argument
 */
void stream_dec_init(struct stream_dec *d, const struct stream_dec_ops *ops,
		     void *ctx);

/**
 * stream_dec_record() - take one record
 * @d:   the decoder
 * @rec: the record's bytes (only read during the call)
 * @len: how many
 *
 * The first good record fixes the stream's tag.  A gap in the sequence
 * numbers is reported through ops->lost, and the PFNs it leaves without
 * a page run through ops->missing when the next page run (or
 * stream_dec_finish()) shows them.
 *
 * Return: 0 when taken; -EBADMSG for a bad envelope or CRC, -ENOTSUP for
 * another major version, -ENODEV for another stream's record, -EALREADY
 * for a duplicate, -EPROTO for a good record with invalid content, or a
 * callback's error.
 */
int stream_dec_record(struct stream_dec *d, const void *rec, size_t len);

/**
 * stream_dec_finish() - end of input: report the tail, fill the summary
 * @d:   the decoder
 * @sum: where to copy the summary, or NULL
 *
 * PFNs of the map after the last page run taken are reported missing
 * (STREAM_MISS_TAIL).  Calling it again only copies the summary.
 *
 * Return: 0 when the stream is complete, -ENODATA when it is partial.
 */
int stream_dec_finish(struct stream_dec *d, struct stream_dec_summary *sum);

#endif
