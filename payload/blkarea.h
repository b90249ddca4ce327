/* SPDX-License-Identifier: MIT */
/*
 * The on-disk layout of a dump area (docs/block.md): a GPT partition
 * named tinydump.part= or a raw byte range tinydump.blk=OFFSET,LENGTH of a
 * block device.  Byte offsets inside the area, whatever the block size:
 *
 *   0     area header  (128-byte record: magic, version, where the area
 *                       is, generation, state, crash id, CRC32C)
 *   4096  commit block (128-byte record, written last: generation, crash
 *                       id, stream length, status, CRC32C)
 *   8192  the record stream, records back to back exactly as
 *         payload/stream_enc.c emits them, to the end of the area
 *
 * A dump is complete on disk only when a commit record of the header's
 * generation and crash id is there.  Encoding, decoding and the area's
 * block I/O are shared by the payload's block sink and the host tool;
 * every write goes through blkarea_write_blocks(), which asserts that it
 * stays inside the area.
 */
#ifndef TINYDUMP_PAYLOAD_BLKAREA_H
#define TINYDUMP_PAYLOAD_BLKAREA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/blk.h"
#include "payload/stream.h"

/* --- layout --------------------------------------------------------------- */
#define BLKAREA_HEADER_OFF 0u
#define BLKAREA_COMMIT_OFF 4096u
#define BLKAREA_STREAM_OFF 8192u
/* Records are read as whole blocks; 4096 keeps every offset above aligned. */
#define BLKAREA_BLOCK_MIN 512u
#define BLKAREA_BLOCK_MAX 4096u
/* The smallest area: the two records and 64 KiB of stream. */
#define BLKAREA_MIN_LEN (BLKAREA_STREAM_OFF + 65536u)

#define BLKAREA_VERSION_MAJOR 1
#define BLKAREA_VERSION_MINOR 0
#define BLKAREA_MAGIC_LEN     8
/* The header's magic is the signature `tinydump prepare` writes. */
#define BLKAREA_HDR_MAGIC    "TINYDUMP"
#define BLKAREA_COMMIT_MAGIC "TDCOMMIT"
/* Records are 128 bytes in version 1.0; a later minor version may grow
 * them up to 512 (the CRC is always the record's last 4 bytes). */
#define BLKAREA_REC_SIZE     128u
#define BLKAREA_REC_SIZE_MAX 512u

/* Area header record, little-endian. */
#define BLKAREA_HDR_OFF_MAGIC	    0  /* u8[8] "TINYDUMP" */
#define BLKAREA_HDR_OFF_VMAJOR	    8  /* u16 1 */
#define BLKAREA_HDR_OFF_VMINOR	    10 /* u16 0 */
#define BLKAREA_HDR_OFF_SIZE	    12 /* u32 record bytes, CRC included */
#define BLKAREA_HDR_OFF_AREA_OFFSET 16 /* u64 area's first byte on the disk */
#define BLKAREA_HDR_OFF_AREA_LENGTH 24 /* u64 area bytes */
#define BLKAREA_HDR_OFF_COMMIT_OFF  32 /* u32 BLKAREA_COMMIT_OFF */
#define BLKAREA_HDR_OFF_STREAM_OFF  36 /* u32 BLKAREA_STREAM_OFF */
#define BLKAREA_HDR_OFF_GENERATION  40 /* u64 +1 at every dump */
#define BLKAREA_HDR_OFF_STATE	    48 /* u32 BLKAREA_STATE_* */
#define BLKAREA_HDR_OFF_FLAGS	    52 /* u32 0 */
#define BLKAREA_HDR_OFF_CRASH_ID    56 /* u8[16] the dump's, 0 when EMPTY */
#define BLKAREA_HDR_OFF_HOST_TIME   72 /* u64 Unix time of prepare/consume */
#define BLKAREA_HDR_OFF_RESERVED    80 /* 0 up to the CRC */

/* Commit record, little-endian. */
#define BLKAREA_CMT_OFF_MAGIC	     0	/* u8[8] "TDCOMMIT" */
#define BLKAREA_CMT_OFF_VMAJOR	     8	/* u16 */
#define BLKAREA_CMT_OFF_VMINOR	     10 /* u16 */
#define BLKAREA_CMT_OFF_SIZE	     12 /* u32 record bytes, CRC included */
#define BLKAREA_CMT_OFF_GENERATION   16 /* u64 == the header's */
#define BLKAREA_CMT_OFF_CRASH_ID     24 /* u8[16] == the header's */
#define BLKAREA_CMT_OFF_STREAM_BYTES 40 /* u64 record bytes from STREAM_OFF */
#define BLKAREA_CMT_OFF_CAPACITY     48 /* u64 record bytes the area takes */
#define BLKAREA_CMT_OFF_STATUS	     56 /* u32 STREAM_STATUS_* of the close */
#define BLKAREA_CMT_OFF_FLAGS	     60 /* u32 BLKAREA_CMT_F_* */
#define BLKAREA_CMT_OFF_ERROR	     64 /* s32 the sink's first error, 0 */
#define BLKAREA_CMT_OFF_RECORDS	     68 /* u32 records written */
#define BLKAREA_CMT_OFF_RESERVED     72 /* 0 up to the CRC */

/* Header states. */
#define BLKAREA_STATE_EMPTY    1 /* prepared or reset: no dump */
#define BLKAREA_STATE_WRITING  2 /* a dump began: see the commit */
#define BLKAREA_STATE_CONSUMED 3 /* the dump was saved by the host */

/* Commit flags. */
#define BLKAREA_CMT_F_FULL 0x1 /* a record was refused: no room */
/* A write failed; stream_bytes counts what was written before it. */
#define BLKAREA_CMT_F_WRITE_ERROR 0x2

/* --- decoded forms -------------------------------------------------------- */

struct blkarea_header {
	uint16_t version_major, version_minor;
	uint64_t area_offset, area_length;
	uint32_t commit_off, stream_off;
	uint64_t generation;
	uint32_t state;
	uint32_t flags;
	uint8_t crash_id[STREAM_CRASH_ID_LEN];
	uint64_t host_time;
};

struct blkarea_commit {
	uint16_t version_major, version_minor;
	uint64_t generation;
	uint8_t crash_id[STREAM_CRASH_ID_LEN];
	uint64_t stream_bytes, capacity;
	uint32_t status, flags;
	int32_t error;
	uint32_t records;
};

/**
 * blkarea_header_encode() - a header record
 * @h:   the fields; version and layout offsets are filled in here
 * @out: BLKAREA_REC_SIZE bytes
 */
void blkarea_header_encode(const struct blkarea_header *h, uint8_t *out);

/**
 * blkarea_header_decode() - check and read a header record
 * @rec: at least BLKAREA_REC_SIZE_MAX bytes (the start of the area's
 *       first block)
 * @h:   filled in when it is valid
 *
 * Return: 0; -ENODEV without the magic (no area here); -ENOTSUP for
 * another major version; -EBADMSG for a bad size, CRC, state or layout.
 */
int blkarea_header_decode(const uint8_t *rec, struct blkarea_header *h);

/** blkarea_commit_encode() - a commit record into @out (BLKAREA_REC_SIZE). */
void blkarea_commit_encode(const struct blkarea_commit *c, uint8_t *out);

/**
 * blkarea_commit_decode() - check and read a commit record
 * Return: 0, -ENODEV without the magic, -ENOTSUP for another major
 * version, -EBADMSG for a bad size, CRC or status.
 */
int blkarea_commit_decode(const uint8_t *rec, struct blkarea_commit *c);

/** blkarea_state_name() - "empty", "writing", "consumed" or "unknown". */
const char *blkarea_state_name(uint32_t state);

/* --- an area on a device -------------------------------------------------- */

#define BLKAREA_WHAT_LEN 96
#define BLKAREA_MSG_LEN	 256

/**
 * struct blkarea - where a dump area is, and what its header said
 * @dev:          the device
 * @first_lba:    the area's first block
 * @nblocks:      its length in blocks
 * @offset:       the same in bytes
 * @length:
 * @partition:    a GPT partition (else a raw range)
 * @what:         for messages: "GPT partition 'tinydump' (#3)", ...
 * @have_header:  a valid header was read (blkarea_load_header())
 * @hdr:          that header
 * @hdr_error:    why there is none: -ENODEV, -ENOTSUP, -EBADMSG, -EIO
 * @msg:          the last problem in words, "" when none
 */
struct blkarea {
	struct blk_dev *dev;
	uint64_t first_lba, nblocks;
	uint64_t offset, length;
	bool partition;
	char what[BLKAREA_WHAT_LEN];
	bool have_header;
	struct blkarea_header hdr;
	int hdr_error;
	char msg[BLKAREA_MSG_LEN];
};

/**
 * blkarea_init() - describe an area of @nblocks blocks from @first_lba
 * @a:         filled in
 * @dev:       the device: block size a power of 2 in
 *             BLKAREA_BLOCK_MIN..BLKAREA_BLOCK_MAX
 * @first_lba: first block
 * @nblocks:   length in blocks
 * @partition: a GPT partition (for the header's meaning only)
 * @what:      a short description for messages
 *
 * Return: 0; -EINVAL for a block size we cannot use, a range that is not
 * on the device, or an area under BLKAREA_MIN_LEN (a->msg says which).
 */
int blkarea_init(struct blkarea *a, struct blk_dev *dev, uint64_t first_lba,
		 uint64_t nblocks, bool partition, const char *what);

/** blkarea_capacity() - record bytes the area's stream part can take. */
uint64_t blkarea_capacity(const struct blkarea *a);

/**
 * blkarea_write_blocks() - write inside the area; the only way we write
 * @a:     the area
 * @rel:   block number from the area's start
 * @count: blocks
 * @buf:   the data
 *
 * A write past the area is a bug of ours: assert()ed, and refused with
 * -EINVAL should assert() ever be compiled out.
 *
 * Return: 0 or the device's error.
 */
int blkarea_write_blocks(struct blkarea *a, uint64_t rel, uint32_t count,
			 const void *buf);

/** blkarea_read_blocks() - read inside the area. Return: as blk_read(). */
int blkarea_read_blocks(struct blkarea *a, uint64_t rel, uint32_t count,
			void *buf);

/**
 * blkarea_load_header() - read the area's header into a->hdr
 * @a:    the area
 * @buf:  scratch of at least one block (and BLKAREA_REC_SIZE_MAX bytes)
 * @size: its size
 *
 * Sets a->have_header, a->hdr and a->hdr_error (and a->msg when there is
 * no valid header).
 *
 * Return: 0 when read (valid header or not: see a->have_header), or the
 * device's error.
 */
int blkarea_load_header(struct blkarea *a, void *buf, size_t size);

/**
 * blkarea_write_header() - write @h as the area's header, then flush
 * @a:    the area
 * @h:    the fields (area_offset and area_length are set from @a)
 * @buf:  scratch of at least one block
 * @size: its size
 *
 * The rest of the header's block is zeroed.  On success a->hdr is @h.
 *
 * Return: 0 or the device's error.
 */
int blkarea_write_header(struct blkarea *a, const struct blkarea_header *h,
			 void *buf, size_t size);

/**
 * blkarea_load_commit() - read and decode the commit record
 * Return: 0, the decoder's -ENODEV/-ENOTSUP/-EBADMSG, or the device's error.
 */
int blkarea_load_commit(struct blkarea *a, void *buf, size_t size,
			struct blkarea_commit *c);

/**
 * blkarea_write_commit() - write the commit record, then flush
 * Return: 0 or the device's error.
 */
int blkarea_write_commit(struct blkarea *a, const struct blkarea_commit *c,
			 void *buf, size_t size);

/* What an area holds (blkarea_inspect()). */
enum blkarea_verdict {
	BLKAREA_UNSIGNED = 0, /* no valid header: never prepared/written */
	BLKAREA_EMPTY,	      /* prepared or reset, no dump */
	BLKAREA_CONSUMED,     /* a dump that the host saved already */
	BLKAREA_COMMITTED,    /* a dump with its commit record */
	BLKAREA_UNCOMMITTED,  /* a dump whose commit never landed */
};

/**
 * struct blkarea_state - what blkarea_inspect() found
 * @verdict:      BLKAREA_*
 * @commit:       the commit record, when @commit_error is 0
 * @commit_error: 0, or why the commit does not count: -ENODEV none,
 *                -EBADMSG/-ENOTSUP damaged, -ESTALE another dump's
 */
struct blkarea_state {
	enum blkarea_verdict verdict;
	struct blkarea_commit commit;
	int commit_error;
};

/**
 * blkarea_inspect() - read header and commit and say what the area holds
 * @a:    the area
 * @buf:  scratch of at least one block
 * @size: its size
 * @st:   the answer
 *
 * A WRITING header counts as committed only with a valid commit record of
 * the same generation and crash id: anything else is a dump cut short
 * (power loss, reset, hang) and must be read as partial.
 *
 * Return: 0, or the device's error.
 */
int blkarea_inspect(struct blkarea *a, void *buf, size_t size,
		    struct blkarea_state *st);

#endif
