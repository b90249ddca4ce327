// SPDX-License-Identifier: MIT
/*
 * Dump areas on the host: locate (the payload's block_target_find()),
 * inspect, consume, prepare.  docs/block.md describes the layout and the
 * rules; the host only ever writes the area header and commit block.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host-tools/blkhost.h"
#include "payload/gpt.h"
#include "payload/sink_block.h"

static int blkhost_fail(struct blkhost *h, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int blkhost_fail(struct blkhost *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
	va_end(ap);
	return err;
}

int blkhost_open(struct blkhost *h, const char *path, bool writable)
{
	int ret;

	memset(h, 0, sizeof(*h));
	h->f.fd = -1;
	h->buf = aligned_alloc(4096, BLKHOST_BUF_SIZE);
	if (!h->buf)
		return blkhost_fail(h, -ENOMEM, "out of memory");
	ret = blkfile_open(&h->f, path, writable, 0);
	if (ret) {
		free(h->buf);
		h->buf = NULL;
		return blkhost_fail(h, ret, "%s: %s", path, strerror(-ret));
	}
	return 0;
}

void blkhost_close(struct blkhost *h)
{
	if (h->f.fd >= 0)
		blkfile_close(&h->f);
	free(h->buf);
	h->buf = NULL;
}

/* The area header at byte @offset, before its length is known. */
static int peek_header(struct blkhost *h, uint64_t offset,
		       struct blkarea_header *hdr)
{
	struct blk_dev *d = &h->f.dev;
	struct blkarea probe;
	int ret;

	if (offset % d->block_size)
		return blkhost_fail(h, -EINVAL,
				    "%s: offset %llu is not a "
				    "multiple of the %u-byte block size",
				    d->name, (unsigned long long)offset,
				    d->block_size);
	ret = blkarea_init(&probe, d, offset / d->block_size,
			   BLKAREA_MIN_LEN / d->block_size, false, "area");
	if (ret)
		return blkhost_fail(h, -EINVAL,
				    "%s: no room for a dump area "
				    "at offset %llu",
				    d->name, (unsigned long long)offset);
	ret = blkarea_load_header(&probe, h->buf, BLKHOST_BUF_SIZE);
	if (ret)
		return blkhost_fail(h, ret, "%s: %s", d->name, probe.msg);
	if (!probe.have_header)
		return blkhost_fail(
		    h, probe.hdr_error == -ENODEV ? -ENODEV : -EBADMSG,
		    "%s: offset %llu: %s", d->name, (unsigned long long)offset,
		    probe.hdr_error == -ENODEV
			? "no tinydump area signature "
			  "(`tinydump prepare` writes it)"
			: "the area header is damaged or "
			  "of another version");
	*hdr = probe.hdr;
	return 0;
}

int blkhost_locate(struct blkhost *h, const struct blkhost_target *t)
{
	struct blk_dev *d = &h->f.dev;
	struct tinydump_config cfg;
	struct blkarea_header hdr;
	struct gpt g;
	int ret;

	config_defaults(&cfg);
	if (t->part) {
		if (strlen(t->part) >= sizeof(cfg.part))
			return blkhost_fail(h, -EINVAL,
					    "a GPT partition name "
					    "has at most %u characters",
					    GPT_NAME_UNITS);
		strcpy(cfg.part, t->part);
	}
	if (t->have_offset) {
		cfg.blk_offset = t->offset;
		cfg.blk_length = t->length;
		if (!t->length) {
			ret = peek_header(h, t->offset, &hdr);
			if (ret)
				return ret;
			cfg.blk_length = hdr.area_length;
		}
	}
	ret = block_target_find(&h->area, d, &cfg, h->buf, BLKHOST_BUF_SIZE);
	if (!ret)
		return 0;
	blkhost_fail(h, ret, "%s", h->area.msg);
	/* No GPT at all: maybe this is the partition itself. */
	if (t->have_offset || ret != -ENODEV ||
	    gpt_read(&g, d, h->buf, BLKHOST_BUF_SIZE) != -ENODEV)
		return ret;
	if (peek_header(h, 0, &hdr) || hdr.area_length % d->block_size ||
	    hdr.area_length / d->block_size > d->blocks) {
		return blkhost_fail(h, -ENODEV,
				    "%s: no GPT, and no tinydump "
				    "area at its start",
				    d->name);
	}
	ret = blkarea_init(&h->area, d, 0, hdr.area_length / d->block_size,
			   true, "the tinydump area at its start");
	if (!ret)
		snprintf(h->area.what, sizeof(h->area.what),
			 "the tinydump area at the start of %.40s", d->name);
	return ret ? blkhost_fail(h, ret, "%s", h->area.msg) : 0;
}

int blkhost_inspect(struct blkhost *h)
{
	int ret = blkarea_inspect(&h->area, h->buf, BLKHOST_BUF_SIZE, &h->st);

	if (ret)
		return blkhost_fail(h, ret, "%s", h->area.msg);
	return 0;
}

int blkhost_consume(struct blkhost *h)
{
	struct blkarea_header hdr = h->area.hdr;
	int ret;

	hdr.state = BLKAREA_STATE_CONSUMED;
	hdr.host_time = (uint64_t)time(NULL);
	ret = blkarea_write_header(&h->area, &hdr, h->buf, BLKHOST_BUF_SIZE);
	return ret ? blkhost_fail(h, ret, "%s", h->area.msg) : 0;
}

/* Without --force a raw range stays clear of the GPT and its partitions. */
static int check_clear_of_gpt(struct blkhost *h, uint64_t first, uint64_t last)
{
	struct blk_dev *d = &h->f.dev;
	struct gpt_part p;
	struct gpt g;
	int ret;

	ret = gpt_read(&g, d, h->buf, BLKHOST_BUF_SIZE);
	if (ret == -ENODEV)
		return 0; /* not a GPT disk: the range is the user's word */
	if (ret)
		return blkhost_fail(h, ret,
				    "%s: %s: not touching it without "
				    "--force",
				    d->name, g.msg);
	if (first < g.first_usable || last > g.last_usable)
		return blkhost_fail(h, -EPERM,
				    "refusing: blocks %llu..%llu "
				    "overlap the GPT's own blocks (usable "
				    "%llu..%llu); --force overrides",
				    (unsigned long long)first,
				    (unsigned long long)last,
				    (unsigned long long)g.first_usable,
				    (unsigned long long)g.last_usable);
	ret = gpt_find_overlap(&g, first, last, h->buf, BLKHOST_BUF_SIZE, &p);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return blkhost_fail(h, ret, "%s: %s", d->name, g.msg);
	return blkhost_fail(h, -EPERM,
			    "refusing: the range overlaps GPT "
			    "partition %u '%s' (blocks %llu..%llu); use "
			    "--part for a partition, or --force",
			    p.index + 1, p.name,
			    (unsigned long long)p.first_lba,
			    (unsigned long long)p.last_lba);
}

static int prepare_range(struct blkhost *h, const struct blkhost_target *t,
			 bool force)
{
	struct blk_dev *d = &h->f.dev;
	uint32_t bs = d->block_size;
	char what[BLKAREA_WHAT_LEN];
	int ret;

	if (!t->length)
		return blkhost_fail(h, -EINVAL,
				    "prepare needs --length with "
				    "--offset");
	if (t->offset % bs || t->length % bs)
		return blkhost_fail(h, -EINVAL,
				    "--offset and --length must be "
				    "multiples of the %u-byte block size",
				    bs);
	if (t->length < BLKAREA_MIN_LEN)
		return blkhost_fail(h, -EINVAL,
				    "--length must be at least %u "
				    "bytes",
				    BLKAREA_MIN_LEN);
	if (t->offset > h->f.size || t->length > h->f.size - t->offset)
		return blkhost_fail(h, -EINVAL,
				    "refusing: the range ends at "
				    "byte %llu, beyond the end of %s (%llu "
				    "bytes)",
				    (unsigned long long)(t->offset + t->length),
				    d->name, (unsigned long long)h->f.size);
	if (!force) {
		ret = check_clear_of_gpt(h, t->offset / bs,
					 (t->offset + t->length) / bs - 1);
		if (ret)
			return ret;
	}
	snprintf(what, sizeof(what), "range %llu+%llu of %.40s",
		 (unsigned long long)t->offset, (unsigned long long)t->length,
		 d->name);
	ret = blkarea_init(&h->area, d, t->offset / bs, t->length / bs, false,
			   what);
	return ret ? blkhost_fail(h, ret, "%s", h->area.msg) : 0;
}

int blkhost_prepare(struct blkhost *h, const struct blkhost_target *t,
		    bool force)
{
	struct blkarea *a = &h->area;
	struct blkarea_header hdr;
	uint64_t generation;
	int ret;

	if (t->have_offset) {
		ret = prepare_range(h, t, force);
	} else {
		ret = blkhost_locate(h, t);
	}
	if (ret)
		return ret;
	ret = blkarea_load_header(a, h->buf, BLKHOST_BUF_SIZE);
	if (ret)
		return blkhost_fail(h, ret, "%s", a->msg);
	if (a->have_header && a->hdr.state == BLKAREA_STATE_WRITING && !force)
		return blkhost_fail(h, -EBUSY,
				    "refusing: %s holds a dump that "
				    "was not saved (`tinydump recv --block` "
				    "first, or --force)",
				    a->what);
	/* A new generation, so no old commit record can match. */
	generation = a->have_header ? a->hdr.generation + 1 : 0;
	memset(&hdr, 0, sizeof(hdr));
	hdr.generation = generation;
	hdr.state = BLKAREA_STATE_EMPTY;
	hdr.host_time = (uint64_t)time(NULL);
	memset(h->buf, 0, BLKHOST_BUF_SIZE);
	ret = blkarea_write_blocks(a, BLKAREA_COMMIT_OFF / h->f.dev.block_size,
				   1, h->buf);
	if (!ret)
		ret = blkarea_write_header(a, &hdr, h->buf, BLKHOST_BUF_SIZE);
	if (ret)
		return blkhost_fail(h, ret, "%s: writing failed: %s", a->what,
				    strerror(-ret));
	return 0;
}
