// SPDX-License-Identifier: MIT
/*
 * The host's receiving end of a record stream (docs/stream-format.md):
 * takes raw bytes (a console capture with frames, or concatenated records
 * as stream.tdr or a dump partition holds them), deframes and decodes them
 * with payload/frame.c and payload/stream_dec.c, and keeps what arrived:
 * one state byte per PFN, page data in a sparse temporary file, the notes,
 * the map, texts, the trailer.  Pages are never kept in RAM.  The vmcore
 * writers (host-tools/vmcore_*.c) and the reports read it back.
 */
#ifndef TINYDUMP_HOST_TOOLS_COLLECT_H
#define TINYDUMP_HOST_TOOLS_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/frame.h"
#include "payload/stream.h"
#include "payload/stream_dec.h"

/* Per-PFN state as received; COLLECT_EXCLUDED | STREAM_EXCL_* reason. */
#define COLLECT_NONE	   0 /* no good record described the PFN */
#define COLLECT_DUMPED	   1 /* data in the page store */
#define COLLECT_ZERO	   2 /* all zero, part of the dump */
#define COLLECT_UNREADABLE 3 /* the payload could not read it */
#define COLLECT_CORRUPT	   4 /* listed as dumped; its block did not decode */
#define COLLECT_EXCLUDED   0x80

/* PFNs per chunk of the state table (allocated when first touched). */
#define COLLECT_CHUNK_SHIFT 20

/* Notes larger than this are not kept (Linux's are a few tens of KiB). */
#define COLLECT_NOTES_MAX (64u << 20)
/* Status messages (TEXT kind 3) kept for the report, at most. */
#define COLLECT_MSG_MAX 65536u

enum collect_input {
	COLLECT_IN_UNKNOWN = 0,
	COLLECT_IN_FRAMED,  /* console bytes: frames, markers, text lines */
	COLLECT_IN_RECORDS, /* records back to back (stream.tdr, partition) */
};

struct collect;

/**
 * struct collect_opts - what to keep and whom to tell
 * @store:        keep files (page store, texts, stream.tdr) in a directory
 * @keep_records: write the records taken to DIR/stream.tdr
 * @keep_raw:     ... also when the input is records already
 * @open_dir:     called once, before the first file is made: returns the
 *                directory (created; malloc()ed, collect frees it), or NULL
 *                on failure; the header is known by then if it arrived
 * @console:      a console line outside frames (framed input only)
 * @ctx:          first argument of the callbacks
 */
struct collect_opts {
	bool store;
	bool keep_records;
	bool keep_raw;
	char *(*open_dir)(void *ctx, const struct collect *c);
	void (*console)(void *ctx, const char *line, size_t len, bool clean);
	void *ctx;
};

/* A PFN range. */
struct collect_range {
	uint64_t first;
	uint64_t count;
};

struct collect_ranges {
	struct collect_range *r;
	size_t n, cap;
};

/* Totals over the state table, filled by collect_finish(). */
struct collect_counts {
	uint64_t dumped, zero, unreadable, corrupt, excluded;
	uint64_t excluded_by[STREAM_EXCL_REASONS];
	uint64_t missing; /* PFNs in missing ranges */
};

struct collect {
	struct collect_opts o;
	char *dir;
	int err;   /* first local error (I/O, memory): negative errno */
	bool done; /* END marker, trailer of raw records, or another stream */

	/* input */
	enum collect_input input;
	uint8_t sniff[3];
	size_t nsniff;
	uint64_t bytes_in;
	struct frame_dec fdec;
	uint8_t *fbuf;
	uint8_t *rbuf; /* raw-record reassembly */
	size_t rlen;
	bool rsync; /* raw reader: in sync */
	uint32_t raw_bad;

	/* markers */
	bool begin_seen, end_seen, other_stream;
	bool have_id;
	uint8_t id[STREAM_CRASH_ID_LEN];
	bool tag_filter;
	uint32_t want_tag;
	uint32_t filtered; /* records of another stream, not decoded */

	/* decoder and what it gave */
	struct stream_dec *dec;
	uint32_t taken; /* records taken (also written to stream.tdr) */
	bool have_header;
	struct stream_header hdr;
	unsigned shift;
	uint32_t page_size;
	uint8_t *notes;
	uint32_t notes_total;
	bool notes_dropped;
	struct stream_range *load, *resv;
	bool *load_have, *resv_have;
	uint32_t load_total, resv_total;
	bool have_trailer;
	struct stream_trailer trl;
	uint64_t pfns_described; /* progress: PFNs of runs taken */
	uint64_t first_run_pfn;
	bool any_run;

	/* PFN states */
	uint8_t **chunk;
	size_t nchunk;
	uint64_t state_end; /* highest PFN with a state, + 1 */

	/* page store: page (pfn - pbase) at byte (pfn - pbase) << shift */
	int pfd;
	uint64_t pbase;
	uint8_t *pbuf;

	/* texts: DIR files for LOG and DMESG, MESSAGE in memory */
	int tfd[STREAM_TEXT_KINDS];
	uint64_t tlen[STREAM_TEXT_KINDS];
	char *msg;
	size_t msg_len;

	int rfd; /* stream.tdr */

	/* decoder reports, and the results of collect_finish() */
	struct collect_ranges dec_missing;
	bool finished;
	struct stream_dec_summary sum;
	struct collect_ranges missing, unreadable;
	struct collect_counts cnt;
	struct stream_range *loads_sorted; /* known LOAD entries, by paddr */
	uint32_t nloads_sorted;
	bool map_complete;
};

/**
 * collect_init() - set up an empty collector
 * @c: the state
 * @o: options (copied)
 *
 * Return: 0 or -ENOMEM.
 */
int collect_init(struct collect *c, const struct collect_opts *o);

/**
 * collect_expect_records() - the input is records back to back of the
 * stream with crash id @id (a dump area on a block device)
 * @c:  the collector, before the first collect_feed()
 * @id: the crash id the area's header names
 *
 * The input kind is not sniffed (the stream's first bytes may be lost),
 * and records of any other crash id, such as an earlier dump's left in
 * the area, are counted as foreign and not decoded.
 */
void collect_expect_records(struct collect *c,
			    const uint8_t id[STREAM_CRASH_ID_LEN]);

/**
 * collect_feed() - take the next input bytes
 * @c:    the collector
 * @data: bytes cut anywhere
 * @len:  how many
 *
 * The first bytes decide the input kind: "TD" and the format's major
 * version are records back to back, anything else a console capture.
 * Bytes after collect_done() turned true are ignored.
 *
 * Return: 0, or a local error (-EIO writing DIR, -ENOMEM); the collector
 * is unusable then except for collect_free().
 */
int collect_feed(struct collect *c, const void *data, size_t len);

/**
 * collect_done() - has the stream ended (END marker, trailer, next stream)
 * @c: the collector
 * Return: true when more input would not be used.
 */
bool collect_done(const struct collect *c);

/**
 * collect_finish() - end of input: settle the states, count, find ranges
 * @c: the collector
 *
 * Return: 0 for a complete dump, -ENODATA for a partial one, -ENOENT when
 * no record of a stream was found, or a local error.
 */
int collect_finish(struct collect *c);

/**
 * collect_state() - the state of one PFN (COLLECT_*)
 * @c:   the collector
 * @pfn: the page frame
 * Return: the state, COLLECT_NONE for a PFN nothing described.
 */
uint8_t collect_state(const struct collect *c, uint64_t pfn);

/**
 * collect_present() - is the PFN's content in the dump (dumped or zero)
 * @s: a state from collect_state()
 * Return: true for COLLECT_DUMPED and COLLECT_ZERO.
 */
static inline bool collect_present(uint8_t s)
{
	return s == COLLECT_DUMPED || s == COLLECT_ZERO;
}

/**
 * collect_next_present() - the next run of present PFNs
 * @c:     the collector
 * @from:  where to start looking
 * @first: receives the run's first PFN
 * @count: receives its length
 *
 * Return: true if there is one at or after @from.
 */
bool collect_next_present(const struct collect *c, uint64_t from,
			  uint64_t *first, uint64_t *count);

/**
 * collect_read_pages() - read dumped pages back from the page store
 * @c:   the collector
 * @pfn: the first page, whose state is COLLECT_DUMPED
 * @n:   how many (consecutive, all dumped)
 * @buf: n * page size bytes
 *
 * Return: 0, -ENODATA when there is no page store, or -EIO.
 */
int collect_read_pages(const struct collect *c, uint64_t pfn, uint64_t n,
		       void *buf);

/**
 * collect_read_phys() - read bytes of the dead kernel's memory
 * @c:     the collector
 * @paddr: physical address
 * @buf:   where to put them
 * @len:   how many
 *
 * Zero pages read as zeros.
 *
 * Return: 0, -ENOENT if a page is not in the dump, or -EIO.
 */
int collect_read_phys(const struct collect *c, uint64_t paddr, void *buf,
		      size_t len);

/**
 * collect_pfn_end() - PFN after the highest one the dump knows about
 * @c: the collector
 * Return: max of the header's max PFN, the LOAD ends and the states.
 */
uint64_t collect_pfn_end(const struct collect *c);

/**
 * collect_in_load() - is @pfn inside a known LOAD entry
 * @c:   the collector, after collect_finish()
 * @pfn: the page frame
 * @idx: receives the index into c->loads_sorted when true (may be NULL)
 * Return: true if inside.
 */
bool collect_in_load(const struct collect *c, uint64_t pfn, uint32_t *idx);

/**
 * collect_load_pages() - pages of the LOAD map known so far
 * @c: the collector
 * Return: the sum of the received LOAD entries' sizes in pages.
 */
uint64_t collect_load_pages(const struct collect *c);

/**
 * collect_crash_id() - the crash id as 32 hex digits
 * @c:   the collector
 * @out: 33 bytes
 * Return: true if known (from the header or a BEGIN marker).
 */
bool collect_crash_id(const struct collect *c, char *out);

/**
 * collect_close_files() - close the texts and stream.tdr, keep the store
 * @c: the collector
 * Return: 0 or -EIO if a close failed.
 */
int collect_close_files(struct collect *c);

/**
 * collect_free() - release everything (the page store file is unlinked)
 * @c: the collector
 */
void collect_free(struct collect *c);

/**
 * collect_no_memory_map() - the payload had no usable ELF core header
 * (STREAM_HDR_F_NO_MAP): the stream holds notes and logs, no memory.
 */
bool collect_no_memory_map(const struct collect *c);

#endif
