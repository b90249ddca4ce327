// SPDX-License-Identifier: MIT
/*
 * The record stream's wire format, shared by the payload (encoder) and the
 * host tools (decoder): record types, field offsets, limits and the
 * little-endian accessors every field goes through.  No struct is ever
 * laid over wire bytes.  The format is specified in docs/stream-format.md;
 * a change here is a change there, and a new version number.
 */
#ifndef TINYDUMP_PAYLOAD_STREAM_H
#define TINYDUMP_PAYLOAD_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Format version: major changes break decoders, minor ones only append. */
#define STREAM_VERSION_MAJOR 1
#define STREAM_VERSION_MINOR 0

/* --- record envelope: 16-byte header, body, CRC32C ----------------------- */
#define STREAM_MAGIC0 0x54 /* 'T' */
#define STREAM_MAGIC1 0x44 /* 'D' */

#define STREAM_REC_OFF_MAGIC 0	 /* u8[2] "TD" */
#define STREAM_REC_OFF_VERSION 2 /* u8 STREAM_VERSION_MAJOR */
#define STREAM_REC_OFF_TYPE 3	 /* u8 STREAM_REC_* */
#define STREAM_REC_OFF_LEN 4	 /* u32 whole record: header + body + CRC */
#define STREAM_REC_OFF_SEQ 8	 /* u32 0 for the header record, then +1 */
#define STREAM_REC_OFF_TAG 12	 /* u32 crash id bytes 0..3, little-endian */
#define STREAM_REC_HDR_SIZE 16
#define STREAM_REC_CRC_SIZE 4 /* u32 CRC32C of bytes [0, len - 4) */
#define STREAM_REC_OVERHEAD (STREAM_REC_HDR_SIZE + STREAM_REC_CRC_SIZE)
#define STREAM_REC_MIN STREAM_REC_OVERHEAD

/* Record types. */
#define STREAM_REC_HEADER 0x01
#define STREAM_REC_NOTES 0x02
#define STREAM_REC_MAP 0x03
#define STREAM_REC_PAGES 0x04
#define STREAM_REC_TEXT 0x05
#define STREAM_REC_TRAILER 0x0f

/* --- limits ------------------------------------------------------------ */
/* Payload bytes of one record: page data of a run, a notes or text chunk. */
#define STREAM_DATA_MAX 65536u
#define STREAM_RUN_MAX_EXTENTS 64u
#define STREAM_RUN_MAX_BLOCKS 16u
#define STREAM_RUN_MAX_PFNS 0xffffffu /* PFNs one page record may describe */
#define STREAM_MAP_MAX 1024u	      /* entries of each map kind */
#define STREAM_PAGE_SHIFT_MIN 12u     /* 4 KiB */
#define STREAM_PAGE_SHIFT_MAX 16u     /* 64 KiB */
#define STREAM_PHYS_LIMIT (1ull << 52) /* AArch64's largest PA size */
/* No PFN at or above this (the bound for the smallest page size). */
#define STREAM_PFN_LIMIT (STREAM_PHYS_LIMIT >> STREAM_PAGE_SHIFT_MIN)

/* --- HEADER body (96 bytes; later minor versions may append) ----------- */
#define STREAM_HDR_OFF_VMAJOR 0	    /* u16 */
#define STREAM_HDR_OFF_VMINOR 2	    /* u16 */
#define STREAM_HDR_OFF_PAGE_SIZE 4  /* u32 4096, 16384 or 65536 */
#define STREAM_HDR_OFF_MACHINE 8    /* u16 ELF e_machine, EM_AARCH64 */
#define STREAM_HDR_OFF_ENDIAN 10    /* u8 ELF EI_DATA of the dump: 1 = LSB */
#define STREAM_HDR_OFF_LEVEL 11	    /* u8 dump level 0..31 */
#define STREAM_HDR_OFF_FLAGS 12	    /* u32 STREAM_HDR_F_* */
#define STREAM_HDR_OFF_CRASH_ID 16  /* u8[16] random per crash */
#define STREAM_HDR_OFF_CRASHTIME 32 /* u64 VMCOREINFO CRASHTIME, 0 unknown */
#define STREAM_HDR_OFF_MAX_PFN 40   /* u64 end PFN of the highest PT_LOAD */
#define STREAM_HDR_OFF_MAP_COUNT 48 /* u32 PT_LOAD entries that follow */
#define STREAM_HDR_OFF_RESV_COUNT 52 /* u32 reservation entries */
#define STREAM_HDR_OFF_NOTES_SIZE 56 /* u32 bytes of the merged notes */
#define STREAM_HDR_OFF_RESERVED 60   /* u32 0 */
#define STREAM_HDR_OFF_PRODUCER 64   /* char[32] NUL-padded, e.g. "tinydump 0.1.0" */
#define STREAM_HDR_SIZE 96
/* Header flags. */
#define STREAM_HDR_F_NO_MAP 0x1 /* no usable ELF core header: no page records */
#define STREAM_PRODUCER_LEN 32
#define STREAM_CRASH_ID_LEN 16
#define STREAM_EM_AARCH64 183
#define STREAM_ENDIAN_LITTLE 1

/* --- NOTES body: one chunk of the merged ELF notes ---------------------- */
#define STREAM_NOTES_OFF_TOTAL 0  /* u32 == header notes_size */
#define STREAM_NOTES_OFF_OFFSET 4 /* u32 where this chunk goes */
#define STREAM_NOTES_HDR_SIZE 8	  /* then the bytes */

/* --- MAP body: a chunk of one list of physical ranges ------------------- */
#define STREAM_MAP_OFF_KIND 0	/* u8 STREAM_MAP_LOAD / STREAM_MAP_RESV */
#define STREAM_MAP_OFF_TOTAL 4	/* u32 entries in the whole list */
#define STREAM_MAP_OFF_FIRST 8	/* u32 index of this chunk's first entry */
#define STREAM_MAP_OFF_COUNT 12 /* u32 entries in this chunk */
#define STREAM_MAP_HDR_SIZE 16
#define STREAM_MAP_ENTRY_SIZE 24 /* u64 paddr, u64 size, u64 vaddr */
#define STREAM_MAP_LOAD 0	 /* PT_LOAD ranges: what is dumped */
#define STREAM_MAP_RESV 1	 /* reserved ranges, e.g. the crash kernel's */

/* --- PAGES body: a run of consecutive PFNs ------------------------------ */
#define STREAM_RUN_OFF_PFN 0	  /* u64 first PFN */
#define STREAM_RUN_OFF_NPAGES 8	  /* u32 PFNs in the run, 1..STREAM_RUN_MAX_PFNS */
#define STREAM_RUN_OFF_SHIFT 12	  /* u8 log2(page size) */
#define STREAM_RUN_OFF_NEXTENTS 13 /* u8 1..STREAM_RUN_MAX_EXTENTS */
#define STREAM_RUN_OFF_NBLOCKS 14 /* u8 0..STREAM_RUN_MAX_BLOCKS */
#define STREAM_RUN_OFF_RESERVED 15 /* u8 0 */
#define STREAM_RUN_HDR_SIZE 16	  /* then data, extents, blocks (at the end) */
#define STREAM_EXTENT_SIZE 4	  /* u32: count in bits 0..23, state in 24..31 */
#define STREAM_EXTENT_MAX_COUNT 0xffffffu
#define STREAM_BLOCK_SIZE 8 /* u32 stored length, u16 pages, u8 flags, u8 0 */
#define STREAM_BLOCK_LZ4 0x01 /* LZ4 block format; else stored raw */

/* Page states (one byte; an extent gives a state to consecutive PFNs). */
#define STREAM_PAGE_DUMPED 0x00	    /* data in a block of this record */
#define STREAM_PAGE_ZERO 0x01	    /* all zero bytes, in the dump */
#define STREAM_PAGE_UNREADABLE 0x02 /* reading it faulted: no data */
#define STREAM_PAGE_EXCLUDED 0x80   /* | reason: filtered out by the level */
#define STREAM_PAGE_REASON_MASK 0x0f

/* Exclusion reasons (makedumpfile's dump level bits and forced ones). */
#define STREAM_EXCL_OTHER 0	  /* unspecified */
#define STREAM_EXCL_ZERO 1	  /* level bit 1: zero page */
#define STREAM_EXCL_CACHE 2	  /* level bit 2: page cache */
#define STREAM_EXCL_CACHE_PRIVATE 3 /* level bit 4: cache with private */
#define STREAM_EXCL_USER 4	  /* level bit 8: user data */
#define STREAM_EXCL_FREE 5	  /* level bit 16: free */
#define STREAM_EXCL_HWPOISON 6	  /* when struct pages are scanned */
#define STREAM_EXCL_OFFLINE 7	  /* when struct pages are scanned */
#define STREAM_EXCL_UNACCEPTED 8  /* with level bit 16 */
#define STREAM_EXCL_REASONS 16

/* --- TEXT body: a chunk of one text, e.g. the dead kernel's dmesg ------- */
#define STREAM_TEXT_OFF_KIND 0	 /* u8 STREAM_TEXT_* */
#define STREAM_TEXT_OFF_FLAGS 1	 /* u8 0 */
#define STREAM_TEXT_OFF_OFFSET 4 /* u32 bytes of this kind before this chunk */
#define STREAM_TEXT_HDR_SIZE 8
#define STREAM_TEXT_LOG 1     /* the payload's own console log */
#define STREAM_TEXT_DMESG 2   /* the dead kernel's printk buffer */
#define STREAM_TEXT_MESSAGE 3 /* status text, e.g. why the dump aborted */
#define STREAM_TEXT_KINDS 4   /* kinds are 1..STREAM_TEXT_KINDS - 1 */

/* --- TRAILER body (200 bytes; later minor versions may append) ---------- */
#define STREAM_TRL_OFF_STATUS 0	    /* u8 STREAM_STATUS_* */
#define STREAM_TRL_OFF_ERROR 4	    /* s32 negative errno, 0 if complete */
#define STREAM_TRL_OFF_END_PFN 8    /* u64 PFN after the last page record */
#define STREAM_TRL_OFF_DUMPED 16    /* u64 pages per state ... */
#define STREAM_TRL_OFF_ZERO 24
#define STREAM_TRL_OFF_UNREADABLE 32
#define STREAM_TRL_OFF_EXCLUDED 40  /* u64[16] by reason */
#define STREAM_TRL_OFF_RAW_BYTES 168 /* u64 dumped pages * page size */
#define STREAM_TRL_OFF_STORED_BYTES 176 /* u64 block bytes of page records */
#define STREAM_TRL_OFF_STREAM_BYTES 184 /* u64 bytes of records before */
#define STREAM_TRL_OFF_RECORDS 192  /* u32 records before it, as sent */
#define STREAM_TRL_OFF_TEXT_BYTES 196 /* u32 text bytes of all kinds */
#define STREAM_TRL_SIZE 200
#define STREAM_STATUS_COMPLETE 0
#define STREAM_STATUS_CUT 1	/* the sink was full */
#define STREAM_STATUS_ABORTED 2 /* error gives why */

/* Whole-record sizes. */
#define STREAM_TRAILER_REC_SIZE (STREAM_REC_OVERHEAD + STREAM_TRL_SIZE)
#define STREAM_RUN_TABLES_MAX                                                 \
	(STREAM_RUN_MAX_EXTENTS * STREAM_EXTENT_SIZE +                        \
	 STREAM_RUN_MAX_BLOCKS * STREAM_BLOCK_SIZE)
/* The largest record of any type (a full page run): 65956 bytes. */
#define STREAM_REC_MAX                                                        \
	(STREAM_REC_OVERHEAD + STREAM_RUN_HDR_SIZE + STREAM_DATA_MAX +        \
	 STREAM_RUN_TABLES_MAX)

/* --- little-endian accessors -------------------------------------------- */
static inline uint16_t stream_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t stream_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t stream_get64(const uint8_t *p)
{
	return (uint64_t)stream_get32(p) | (uint64_t)stream_get32(p + 4) << 32;
}

static inline void stream_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void stream_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void stream_put64(uint8_t *p, uint64_t v)
{
	stream_put32(p, (uint32_t)v);
	stream_put32(p + 4, (uint32_t)(v >> 32));
}

/* --- decoded forms, used by both sides ---------------------------------- */

/* One physical range of a map (vaddr 0 for reservations). */
struct stream_range {
	uint64_t paddr;
	uint64_t size;
	uint64_t vaddr;
};

/* The HEADER record's fields. */
struct stream_header {
	uint16_t version_major, version_minor; /* set by the encoder */
	uint32_t page_size;
	uint16_t machine;
	uint8_t endian;
	uint8_t dump_level;
	uint32_t flags;
	uint8_t crash_id[STREAM_CRASH_ID_LEN];
	uint64_t crashtime;
	uint64_t max_pfn;
	uint32_t map_count, resv_count, notes_size;
	char producer[STREAM_PRODUCER_LEN + 1]; /* always NUL-terminated */
};

/* Running totals: kept by the encoder, sent in the TRAILER. */
struct stream_totals {
	uint64_t pages_dumped, pages_zero, pages_unreadable;
	uint64_t pages_excluded[STREAM_EXCL_REASONS];
	uint64_t raw_bytes, stored_bytes, stream_bytes;
	uint32_t records, text_bytes;
};

/* The TRAILER record's fields. */
struct stream_trailer {
	uint8_t status; /* STREAM_STATUS_* */
	int32_t error;	/* negative errno, 0 when complete */
	uint64_t end_pfn;
	struct stream_totals totals;
};

/**
 * stream_state_valid() - is @state one of the page states above
 * Return: true for DUMPED, ZERO, UNREADABLE and EXCLUDED | reason.
 */
static inline bool stream_state_valid(uint8_t state)
{
	return state <= STREAM_PAGE_UNREADABLE ||
	       (state & (uint8_t)~STREAM_PAGE_REASON_MASK) == STREAM_PAGE_EXCLUDED;
}

/**
 * stream_rec_check() - validate a record's envelope
 * @rec: the bytes of one record, as deframed or read from a sink
 * @len: how many there are
 *
 * Checks the magic, the version, that the length field equals @len and
 * lies within [STREAM_REC_MIN, STREAM_REC_MAX], and the CRC32C.  The body
 * is not looked at (stream_dec_record() does that).
 *
 * Return: 0 if the envelope is good, -EBADMSG if magic, length or CRC are
 * wrong, -ENOTSUP for another major version.
 */
int stream_rec_check(const void *rec, size_t len);

#endif
