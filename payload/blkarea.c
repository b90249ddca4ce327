// SPDX-License-Identifier: MIT
/*
 * Dump area records and I/O (docs/block.md).  Records are encoded field by
 * field with the stream's little-endian accessors (no struct is laid over
 * disk bytes) and sealed with a CRC32C (payload/crc32c.h) in their last
 * four bytes.  What is read from a disk is input: checked, never trusted.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "include/compiler.h"
#include "payload/blkarea.h"
#include "payload/crc32c.h"

static void blkarea_msg(struct blkarea *a, const char *fmt, ...) __printf(2, 3);

static void blkarea_msg(struct blkarea *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
}

/* --- records -------------------------------------------------------------- */

static void rec_seal(uint8_t *rec, uint32_t size)
{
	stream_put32(rec + size - 4, crc32c(0, rec, size - 4));
}

/*
 * Common checks of a record: magic, major version, size, CRC.
 * Return: 0, -ENODEV, -ENOTSUP or -EBADMSG.
 */
static int rec_check(const uint8_t *rec, const char *magic, unsigned off_size)
{
	uint32_t size;

	if (memcmp(rec, magic, BLKAREA_MAGIC_LEN))
		return -ENODEV;
	if (stream_get16(rec + BLKAREA_MAGIC_LEN) != BLKAREA_VERSION_MAJOR)
		return -ENOTSUP;
	size = stream_get32(rec + off_size);
	if (size < BLKAREA_REC_SIZE || size > BLKAREA_REC_SIZE_MAX || size & 3)
		return -EBADMSG;
	if (crc32c(0, rec, size - 4) != stream_get32(rec + size - 4))
		return -EBADMSG;
	return 0;
}

void blkarea_header_encode(const struct blkarea_header *h, uint8_t *out)
{
	memset(out, 0, BLKAREA_REC_SIZE);
	memcpy(out + BLKAREA_HDR_OFF_MAGIC, BLKAREA_HDR_MAGIC,
	       BLKAREA_MAGIC_LEN);
	stream_put16(out + BLKAREA_HDR_OFF_VMAJOR, BLKAREA_VERSION_MAJOR);
	stream_put16(out + BLKAREA_HDR_OFF_VMINOR, BLKAREA_VERSION_MINOR);
	stream_put32(out + BLKAREA_HDR_OFF_SIZE, BLKAREA_REC_SIZE);
	stream_put64(out + BLKAREA_HDR_OFF_AREA_OFFSET, h->area_offset);
	stream_put64(out + BLKAREA_HDR_OFF_AREA_LENGTH, h->area_length);
	stream_put32(out + BLKAREA_HDR_OFF_COMMIT_OFF, BLKAREA_COMMIT_OFF);
	stream_put32(out + BLKAREA_HDR_OFF_STREAM_OFF, BLKAREA_STREAM_OFF);
	stream_put64(out + BLKAREA_HDR_OFF_GENERATION, h->generation);
	stream_put32(out + BLKAREA_HDR_OFF_STATE, h->state);
	stream_put32(out + BLKAREA_HDR_OFF_FLAGS, h->flags);
	memcpy(out + BLKAREA_HDR_OFF_CRASH_ID, h->crash_id,
	       STREAM_CRASH_ID_LEN);
	stream_put64(out + BLKAREA_HDR_OFF_HOST_TIME, h->host_time);
	rec_seal(out, BLKAREA_REC_SIZE);
}

int blkarea_header_decode(const uint8_t *rec, struct blkarea_header *h)
{
	struct blkarea_header v;
	int ret = rec_check(rec, BLKAREA_HDR_MAGIC, BLKAREA_HDR_OFF_SIZE);

	if (ret)
		return ret;
	v.version_major = stream_get16(rec + BLKAREA_HDR_OFF_VMAJOR);
	v.version_minor = stream_get16(rec + BLKAREA_HDR_OFF_VMINOR);
	v.area_offset = stream_get64(rec + BLKAREA_HDR_OFF_AREA_OFFSET);
	v.area_length = stream_get64(rec + BLKAREA_HDR_OFF_AREA_LENGTH);
	v.commit_off = stream_get32(rec + BLKAREA_HDR_OFF_COMMIT_OFF);
	v.stream_off = stream_get32(rec + BLKAREA_HDR_OFF_STREAM_OFF);
	v.generation = stream_get64(rec + BLKAREA_HDR_OFF_GENERATION);
	v.state = stream_get32(rec + BLKAREA_HDR_OFF_STATE);
	v.flags = stream_get32(rec + BLKAREA_HDR_OFF_FLAGS);
	memcpy(v.crash_id, rec + BLKAREA_HDR_OFF_CRASH_ID, STREAM_CRASH_ID_LEN);
	v.host_time = stream_get64(rec + BLKAREA_HDR_OFF_HOST_TIME);
	/* Version 1's layout is fixed; a reader must not guess another. */
	if (v.commit_off != BLKAREA_COMMIT_OFF ||
	    v.stream_off != BLKAREA_STREAM_OFF ||
	    v.area_length < BLKAREA_MIN_LEN ||
	    v.area_length % BLKAREA_BLOCK_MIN ||
	    v.area_offset % BLKAREA_BLOCK_MIN ||
	    v.area_offset + v.area_length < v.area_offset)
		return -EBADMSG;
	if (v.state != BLKAREA_STATE_EMPTY &&
	    v.state != BLKAREA_STATE_WRITING &&
	    v.state != BLKAREA_STATE_CONSUMED)
		return -EBADMSG;
	*h = v;
	return 0;
}

void blkarea_commit_encode(const struct blkarea_commit *c, uint8_t *out)
{
	memset(out, 0, BLKAREA_REC_SIZE);
	memcpy(out + BLKAREA_CMT_OFF_MAGIC, BLKAREA_COMMIT_MAGIC,
	       BLKAREA_MAGIC_LEN);
	stream_put16(out + BLKAREA_CMT_OFF_VMAJOR, BLKAREA_VERSION_MAJOR);
	stream_put16(out + BLKAREA_CMT_OFF_VMINOR, BLKAREA_VERSION_MINOR);
	stream_put32(out + BLKAREA_CMT_OFF_SIZE, BLKAREA_REC_SIZE);
	stream_put64(out + BLKAREA_CMT_OFF_GENERATION, c->generation);
	memcpy(out + BLKAREA_CMT_OFF_CRASH_ID, c->crash_id,
	       STREAM_CRASH_ID_LEN);
	stream_put64(out + BLKAREA_CMT_OFF_STREAM_BYTES, c->stream_bytes);
	stream_put64(out + BLKAREA_CMT_OFF_CAPACITY, c->capacity);
	stream_put32(out + BLKAREA_CMT_OFF_STATUS, c->status);
	stream_put32(out + BLKAREA_CMT_OFF_FLAGS, c->flags);
	stream_put32(out + BLKAREA_CMT_OFF_ERROR, (uint32_t)c->error);
	stream_put32(out + BLKAREA_CMT_OFF_RECORDS, c->records);
	rec_seal(out, BLKAREA_REC_SIZE);
}

int blkarea_commit_decode(const uint8_t *rec, struct blkarea_commit *c)
{
	struct blkarea_commit v;
	int ret = rec_check(rec, BLKAREA_COMMIT_MAGIC, BLKAREA_CMT_OFF_SIZE);

	if (ret)
		return ret;
	v.version_major = stream_get16(rec + BLKAREA_CMT_OFF_VMAJOR);
	v.version_minor = stream_get16(rec + BLKAREA_CMT_OFF_VMINOR);
	v.generation = stream_get64(rec + BLKAREA_CMT_OFF_GENERATION);
	memcpy(v.crash_id, rec + BLKAREA_CMT_OFF_CRASH_ID, STREAM_CRASH_ID_LEN);
	v.stream_bytes = stream_get64(rec + BLKAREA_CMT_OFF_STREAM_BYTES);
	v.capacity = stream_get64(rec + BLKAREA_CMT_OFF_CAPACITY);
	v.status = stream_get32(rec + BLKAREA_CMT_OFF_STATUS);
	v.flags = stream_get32(rec + BLKAREA_CMT_OFF_FLAGS);
	v.error = (int32_t)stream_get32(rec + BLKAREA_CMT_OFF_ERROR);
	v.records = stream_get32(rec + BLKAREA_CMT_OFF_RECORDS);
	if (v.status > STREAM_STATUS_ABORTED || v.stream_bytes > v.capacity)
		return -EBADMSG;
	*c = v;
	return 0;
}

const char *blkarea_state_name(uint32_t state)
{
	switch (state) {
	case BLKAREA_STATE_EMPTY:
		return "empty";
	case BLKAREA_STATE_WRITING:
		return "writing";
	case BLKAREA_STATE_CONSUMED:
		return "consumed";
	default:
		return "unknown";
	}
}

/* --- the area on its device ----------------------------------------------- */

static bool blkarea_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int blkarea_init(struct blkarea *a, struct blk_dev *dev, uint64_t first_lba,
		 uint64_t nblocks, bool partition, const char *what)
{
	uint32_t bs;

	if (!a)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->dev = dev;
	a->partition = partition;
	a->hdr_error = -ENODEV;
	snprintf(a->what, sizeof(a->what), "%s", what ? what : "dump area");
	if (!dev || !dev->ops) {
		blkarea_msg(a, "%s: no device", a->what);
		return -EINVAL;
	}
	bs = dev->block_size;
	if (!blkarea_pow2(bs) || bs < BLKAREA_BLOCK_MIN ||
	    bs > BLKAREA_BLOCK_MAX) {
		blkarea_msg(a,
			    "%s: block size %u is not one we use (512..4096)",
			    a->what, bs);
		return -EINVAL;
	}
	if (first_lba >= dev->blocks || nblocks > dev->blocks - first_lba) {
		blkarea_msg(a,
			    "%s: blocks %lu+%lu are not on the %lu-block "
			    "device",
			    a->what, (unsigned long)first_lba,
			    (unsigned long)nblocks, (unsigned long)dev->blocks);
		return -EINVAL;
	}
	if (nblocks < BLKAREA_MIN_LEN / bs) {
		blkarea_msg(a,
			    "%s: %lu bytes is too small for a dump area "
			    "(at least %u)",
			    a->what, (unsigned long)(nblocks * bs),
			    BLKAREA_MIN_LEN);
		return -EINVAL;
	}
	a->first_lba = first_lba;
	a->nblocks = nblocks;
	a->offset = first_lba * bs;
	a->length = nblocks * bs;
	return 0;
}

uint64_t blkarea_capacity(const struct blkarea *a)
{
	return a->length > BLKAREA_STREAM_OFF ? a->length - BLKAREA_STREAM_OFF
					      : 0;
}

int blkarea_write_blocks(struct blkarea *a, uint64_t rel, uint32_t count,
			 const void *buf)
{
	bool inside = count && rel < a->nblocks && count <= a->nblocks - rel &&
		      a->first_lba + a->nblocks <= a->dev->blocks;

	/* Never outside the area: the rest of the disk is someone's data. */
	assert(inside);
	if (!inside)
		return -EINVAL;
	return blk_write(a->dev, a->first_lba + rel, count, buf);
}

int blkarea_read_blocks(struct blkarea *a, uint64_t rel, uint32_t count,
			void *buf)
{
	if (!count || rel >= a->nblocks || count > a->nblocks - rel)
		return -EINVAL;
	return blk_read(a->dev, a->first_lba + rel, count, buf);
}

/* Read the block holding the record at byte @off of the area. */
static int read_rec_block(struct blkarea *a, uint32_t off, uint8_t *buf,
			  size_t size, const char *what)
{
	uint32_t bs = a->dev->block_size;
	int ret;

	assert(size >= bs && size >= BLKAREA_REC_SIZE_MAX);
	ret = blkarea_read_blocks(a, off / bs, 1, buf);
	if (ret)
		blkarea_msg(a, "%s: reading the %s failed (%d)", a->what, what,
			    ret);
	return ret;
}

static int write_rec_block(struct blkarea *a, uint32_t off, uint8_t *buf,
			   const char *what)
{
	int ret = blkarea_write_blocks(a, off / a->dev->block_size, 1, buf);

	/* Durable before anything else is written: the ordering is the
	 * whole of the power-loss rule (docs/block.md). */
	if (!ret)
		ret = blk_flush(a->dev);
	if (ret)
		blkarea_msg(a, "%s: writing the %s failed (%d)", a->what, what,
			    ret);
	return ret;
}

int blkarea_load_header(struct blkarea *a, void *buf, size_t size)
{
	int ret = read_rec_block(a, BLKAREA_HEADER_OFF, buf, size, "header");

	a->have_header = false;
	if (ret) {
		a->hdr_error = ret;
		return ret;
	}
	a->hdr_error = blkarea_header_decode(buf, &a->hdr);
	a->have_header = !a->hdr_error;
	switch (a->hdr_error) {
	case 0:
		break;
	case -ENODEV:
		blkarea_msg(a, "%s: no tinydump area signature", a->what);
		break;
	case -ENOTSUP:
		blkarea_msg(a,
			    "%s: a tinydump area of another format version "
			    "(%u)",
			    a->what,
			    stream_get16((const uint8_t *)buf +
					 BLKAREA_HDR_OFF_VMAJOR));
		break;
	default:
		blkarea_msg(a,
			    "%s: the tinydump area header is damaged (bad "
			    "CRC or fields)",
			    a->what);
		break;
	}
	return 0;
}

int blkarea_write_header(struct blkarea *a, const struct blkarea_header *h,
			 void *buf, size_t size)
{
	struct blkarea_header v = *h;
	uint32_t bs = a->dev->block_size;
	int ret;

	assert(size >= bs);
	(void)size;
	v.version_major = BLKAREA_VERSION_MAJOR;
	v.version_minor = BLKAREA_VERSION_MINOR;
	v.area_offset = a->offset;
	v.area_length = a->length;
	v.commit_off = BLKAREA_COMMIT_OFF;
	v.stream_off = BLKAREA_STREAM_OFF;
	memset(buf, 0, bs);
	blkarea_header_encode(&v, buf);
	ret = write_rec_block(a, BLKAREA_HEADER_OFF, buf, "header");
	if (ret)
		return ret;
	a->hdr = v;
	a->have_header = true;
	a->hdr_error = 0;
	return 0;
}

int blkarea_load_commit(struct blkarea *a, void *buf, size_t size,
			struct blkarea_commit *c)
{
	int ret =
	    read_rec_block(a, BLKAREA_COMMIT_OFF, buf, size, "commit record");

	return ret ? ret : blkarea_commit_decode(buf, c);
}

int blkarea_write_commit(struct blkarea *a, const struct blkarea_commit *c,
			 void *buf, size_t size)
{
	assert(size >= a->dev->block_size);
	(void)size;
	memset(buf, 0, a->dev->block_size);
	blkarea_commit_encode(c, buf);
	return write_rec_block(a, BLKAREA_COMMIT_OFF, buf, "commit record");
}

int blkarea_inspect(struct blkarea *a, void *buf, size_t size,
		    struct blkarea_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->commit_error = -ENODEV;
	ret = blkarea_load_header(a, buf, size);
	if (ret)
		return ret;
	if (!a->have_header) {
		st->verdict = BLKAREA_UNSIGNED;
		return 0;
	}
	if (a->hdr.state == BLKAREA_STATE_EMPTY) {
		st->verdict = BLKAREA_EMPTY;
		return 0;
	}
	if (a->hdr.state == BLKAREA_STATE_CONSUMED) {
		st->verdict = BLKAREA_CONSUMED;
		return 0;
	}
	ret = blkarea_load_commit(a, buf, size, &st->commit);
	if (ret == -EIO || ret == -ETIMEDOUT || ret == -EINVAL)
		return ret;
	st->commit_error = ret;
	if (!ret &&
	    (st->commit.generation != a->hdr.generation ||
	     memcmp(st->commit.crash_id, a->hdr.crash_id, STREAM_CRASH_ID_LEN)))
		st->commit_error = -ESTALE; /* an earlier dump's commit */
	if (!st->commit_error && st->commit.stream_bytes > blkarea_capacity(a))
		st->commit_error = -EBADMSG;
	st->verdict =
	    st->commit_error ? BLKAREA_UNCOMMITTED : BLKAREA_COMMITTED;
	return 0;
}
