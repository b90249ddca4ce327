// SPDX-License-Identifier: MIT
/*
 * The block sink: finds the dump area (GPT partition by name, or a signed
 * raw range) and writes the record stream into it with the commit
 * protocol of docs/block.md:
 *
 *   open:  header := WRITING, generation + 1, crash id; flush
 *   write: records packed into the staging buffer, whole chunks written
 *   close: the staged tail (zero-padded to a block); flush;
 *          commit := generation, crash id, stream length, status; flush
 *
 * The two flushes order the writes on any device with a volatile cache:
 * a commit never becomes durable before the stream it describes, and the
 * stream is never overwritten before the header says a new dump began.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "include/compiler.h"
#include "payload/gpt.h"
#include "payload/log.h"
#include "payload/sink_block.h"

/* --- the target ----------------------------------------------------------- */

static int find_range(struct blkarea *a, struct blk_dev *dev,
		      const struct tinydump_config *cfg, void *buf, size_t size)
{
	uint32_t bs = dev->block_size;
	char what[BLKAREA_WHAT_LEN];
	int ret;

	snprintf(what, sizeof(what), "range 0x%lx+0x%lx of %.24s",
		 (unsigned long)cfg->blk_offset, (unsigned long)cfg->blk_length,
		 dev->name);
	if (!bs || cfg->blk_offset % bs || cfg->blk_length % bs) {
		blkarea_init(a, dev, 0, 0, false, what);
		snprintf(a->msg, sizeof(a->msg),
			 "%s: tinydump.blk= must be "
			 "multiples of the %u-byte block size",
			 what, bs);
		return -EINVAL;
	}
	ret = blkarea_init(a, dev, cfg->blk_offset / bs, cfg->blk_length / bs,
			   false, what);
	if (ret)
		return ret;
	ret = blkarea_load_header(a, buf, size);
	if (ret)
		return ret;
	if (!a->have_header) {
		/* Only a range someone prepared is ours to overwrite. */
		snprintf(a->msg, sizeof(a->msg),
			 "%s: no tinydump area signature "
			 "there (error %d; `tinydump prepare` writes it): not "
			 "written",
			 what, a->hdr_error);
		return a->hdr_error == -ENODEV ? -ENODEV : -EINVAL;
	}
	if (a->hdr.area_offset != a->offset ||
	    a->hdr.area_length != a->length) {
		snprintf(a->msg, sizeof(a->msg),
			 "%s: its signature was written "
			 "for 0x%lx+0x%lx: not written",
			 what, (unsigned long)a->hdr.area_offset,
			 (unsigned long)a->hdr.area_length);
		return -EINVAL;
	}
	return 0;
}

static int find_partition(struct blkarea *a, struct blk_dev *dev,
			  const struct tinydump_config *cfg, void *buf,
			  size_t size)
{
	char what[BLKAREA_WHAT_LEN];
	struct gpt_part p;
	struct gpt g;
	int ret;

	snprintf(what, sizeof(what), "GPT partition '%s' of %.16s", cfg->part,
		 dev->name);
	blkarea_init(a, NULL, 0, 0, true, what);
	ret = gpt_read(&g, dev, buf, size);
	if (!ret && g.backup)
		log_printf("block: %s: %s\n", dev->name, g.msg);
	if (!ret)
		ret = gpt_find(&g, cfg->part, buf, size, &p);
	if (ret) {
		/* No GPT or no partition of that name: the disk is not ours. */
		snprintf(a->msg, sizeof(a->msg), "%.40s: %.160s: not written",
			 dev->name, g.msg);
		return ret == -ENOENT ? -ENODEV : ret;
	}
	snprintf(what, sizeof(what), "GPT partition '%s' (#%u) of %.16s",
		 p.name, p.index + 1, dev->name);
	ret = blkarea_init(a, dev, p.first_lba, p.last_lba - p.first_lba + 1,
			   true, what);
	if (ret)
		return ret;
	/* A header is not required (the name makes it ours): read it for the
	 * generation and to say what is overwritten. */
	return blkarea_load_header(a, buf, size);
}

int block_target_find(struct blkarea *a, struct blk_dev *dev,
		      const struct tinydump_config *cfg, void *buf, size_t size)
{
	int ret;

	if (!a || !dev || !dev->ops || !cfg || !buf || size < GPT_SCRATCH_MIN ||
	    size < dev->block_size)
		return -EINVAL;
	if (cfg->blk_length)
		ret = find_range(a, dev, cfg, buf, size);
	else
		ret = find_partition(a, dev, cfg, buf, size);
	if (ret) {
		if (!a->msg[0])
			snprintf(a->msg, sizeof(a->msg),
				 "%s: error %d: not "
				 "written",
				 a->what, ret);
		log_printf("block: %s\n", a->msg);
		return ret;
	}
	a->msg[0] = '\0';
	log_printf("block: dump area: %s, %lu KiB at byte 0x%lx\n", a->what,
		   (unsigned long)(a->length >> 10), (unsigned long)a->offset);
	return 0;
}

/* --- the sink ------------------------------------------------------------- */

static uint32_t stage_blocks(const struct block_sink *bs, size_t bytes)
{
	uint32_t b = bs->area.dev->block_size;

	return (uint32_t)((bytes + b - 1) / b);
}

/* Write the first @bytes of the stage (rounded up to blocks). */
static int write_stage(struct block_sink *bs, size_t bytes)
{
	uint32_t n = stage_blocks(bs, bytes);
	int ret;

	/* The stream lies between the commit block and the area's end. */
	assert(bs->next_block >= BLKAREA_STREAM_OFF / bs->area.dev->block_size);
	assert(bs->next_block + n <= bs->area.nblocks);
	ret = blkarea_write_blocks(&bs->area, bs->next_block, n, bs->stage);
	if (ret) {
		bs->write_error = ret;
		log_printf("block: %s: write of %u blocks at area block %lu "
			   "failed (%d): the rest of the dump is not written\n",
			   bs->area.what, n, (unsigned long)bs->next_block,
			   ret);
		return ret;
	}
	bs->next_block += n;
	return 0;
}

static int block_open(struct sink *s, const uint8_t id[STREAM_CRASH_ID_LEN])
{
	struct block_sink *bs = (struct block_sink *)s;
	struct blkarea *a = &bs->area;
	struct blkarea_header h;
	int ret;

	memset(&h, 0, sizeof(h));
	h.generation = a->have_header ? a->hdr.generation + 1 : 1;
	if (a->have_header && a->hdr.state == BLKAREA_STATE_WRITING)
		log_printf("block: %s: overwriting a dump that was not saved "
			   "(generation %lu)\n",
			   a->what, (unsigned long)a->hdr.generation);
	h.state = BLKAREA_STATE_WRITING;
	memcpy(h.crash_id, id, STREAM_CRASH_ID_LEN);
	ret = blkarea_write_header(a, &h, bs->stage, bs->stage_size);
	if (ret) {
		log_printf("block: %s\n", a->msg);
		return ret;
	}
	bs->fill = 0;
	bs->next_block = BLKAREA_STREAM_OFF / a->dev->block_size;
	bs->taken = bs->durable = 0;
	bs->records = 0;
	bs->full = false;
	bs->write_error = 0;
	bs->opened = true;
	return 0;
}

static int block_write(struct sink *s, const void *rec, size_t len)
{
	struct block_sink *bs = (struct block_sink *)s;
	const uint8_t *p = rec;
	size_t k;
	int ret;

	if (!bs->opened)
		return -EINVAL;
	if (bs->write_error)
		return bs->write_error;
	if (len > s->capacity - bs->taken) {
		/* stream_enc_set_limit() keeps this from happening. */
		bs->full = true;
		return -ENOSPC;
	}
	while (len) {
		k = MIN(len, bs->stage_size - bs->fill);
		memcpy(bs->stage + bs->fill, p, k);
		bs->fill += k;
		p += k;
		len -= k;
		bs->taken += k;
		if (bs->fill == bs->stage_size) {
			ret = write_stage(bs, bs->stage_size);
			if (ret)
				return ret;
			bs->durable += bs->stage_size;
			bs->fill = 0;
		}
	}
	bs->records++;
	return 0;
}

static const char *status_word(unsigned status)
{
	return status == STREAM_STATUS_COMPLETE ? "complete"
	       : status == STREAM_STATUS_CUT	? "cut"
						: "aborted";
}

static int block_close(struct sink *s, unsigned status)
{
	struct block_sink *bs = (struct block_sink *)s;
	struct blkarea *a = &bs->area;
	struct blkarea_commit c;
	size_t pad;
	int ret = 0;

	if (!bs->opened)
		return 0;
	bs->opened = false;
	if (bs->fill && !bs->write_error) {
		/* The tail's last block is zero-padded: readers skip zeros. */
		pad =
		    stage_blocks(bs, bs->fill) * a->dev->block_size - bs->fill;
		memset(bs->stage + bs->fill, 0, pad);
		if (!write_stage(bs, bs->fill))
			bs->durable += bs->fill;
		bs->fill = 0;
	}
	/* The stream must be durable before the commit that vouches for it:
	 * no flush, no commit (the dump then reads as partial). */
	ret = blk_flush(a->dev);
	if (ret) {
		log_printf("block: %s: flush failed (%d): no commit record, "
			   "the dump will read as partial\n",
			   a->what, ret);
		return ret;
	}
	memset(&c, 0, sizeof(c));
	c.generation = a->hdr.generation;
	memcpy(c.crash_id, a->hdr.crash_id, STREAM_CRASH_ID_LEN);
	c.stream_bytes = bs->durable;
	c.capacity = s->capacity;
	c.status =
	    status <= STREAM_STATUS_ABORTED ? status : STREAM_STATUS_ABORTED;
	c.flags = (bs->full ? BLKAREA_CMT_F_FULL : 0) |
		  (bs->write_error ? BLKAREA_CMT_F_WRITE_ERROR : 0);
	c.error = bs->write_error ? bs->write_error : s->error;
	c.records = bs->records;
	/* Last, after the flush: without it the dump reads as partial. */
	ret = blkarea_write_commit(a, &c, bs->stage, bs->stage_size);
	if (ret) {
		log_printf("block: %s: no commit record (%d): the dump will "
			   "read as partial\n",
			   a->what, ret);
		return ret;
	}
	log_printf("block: %s: %lu KiB of stream (%u records), %s%s\n", a->what,
		   (unsigned long)(bs->durable >> 10), bs->records,
		   status_word(c.status),
		   bs->write_error ? ", stopped by a write error" : "");
	if (status == STREAM_STATUS_CUT || bs->full)
		log_printf("block: the dump did not fit in %s (%lu KiB of "
			   "stream): it was cut, and the stream says so\n",
			   a->what, (unsigned long)(s->capacity >> 10));
	return bs->write_error;
}

static const struct sink_ops block_sink_ops = {
    .open = block_open,
    .write = block_write,
    .close = block_close,
};

int block_sink_init(struct block_sink *bs, const struct blkarea *area,
		    void *stage, size_t stage_size)
{
	uint32_t b;

	if (!bs || !area || !area->dev || !area->dev->ops || !stage)
		return -EINVAL;
	b = area->dev->block_size;
	if (!b || (uintptr_t)stage & 7 || stage_size < BLKAREA_REC_SIZE_MAX ||
	    stage_size < b || stage_size % b ||
	    area->length < BLKAREA_MIN_LEN || area->nblocks * b != area->length)
		return -EINVAL;
	memset(bs, 0, sizeof(*bs));
	bs->sink.ops = &block_sink_ops;
	bs->sink.name = "block";
	bs->sink.error = 0;
	bs->sink.bytes = 0;
	bs->sink.capacity = blkarea_capacity(area);
	bs->area = *area;
	bs->stage = stage;
	bs->stage_size = stage_size;
	return 0;
}
