// SPDX-License-Identifier: MIT
/*
 * GPT reader (UEFI spec 2.10 §5.2.3, §5.3).  The disk is input: every
 * field is checked before it is used, and a bad table is an error with a
 * message, never a crash.  The rules follow the spec's "GPT header
 * validity" list (§5.3.2): signature, HeaderCRC32 over HeaderSize bytes
 * with the CRC field zeroed, MyLBA, and the entry array's CRC over
 * NumberOfPartitionEntries * SizeOfPartitionEntry bytes; a bad primary
 * makes us use the backup at the last LBA, as the spec tells firmware to.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "include/compiler.h"
#include "payload/crc32.h"
#include "payload/gpt.h"
#include "payload/stream.h"

static int gpt_fail(struct gpt *g, int err, const char *fmt, ...)
    __printf(3, 4);

static int gpt_fail(struct gpt *g, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
	return err;
}

static bool gpt_is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool gpt_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

bool gpt_name_eq(const uint8_t *utf16le, const char *ascii)
{
	for (unsigned i = 0; i < GPT_NAME_UNITS; i++) {
		uint16_t unit = stream_get16(utf16le + 2 * i);
		uint8_t ch = (uint8_t)ascii[i];

		if (unit != ch)
			return false;
		if (!ch)
			return true;
	}
	/* 36 units used: the ASCII name must end there too. */
	return ascii[GPT_NAME_UNITS] == '\0';
}

static void gpt_name_ascii(const uint8_t *utf16le, char *out)
{
	unsigned i;

	for (i = 0; i < GPT_NAME_UNITS; i++) {
		uint16_t unit = stream_get16(utf16le + 2 * i);

		if (!unit)
			break;
		out[i] = unit >= 0x20 && unit < 0x7f ? (char)unit : '?';
	}
	out[i] = '\0';
}

/* Blocks holding @bytes. */
static uint64_t gpt_blocks(const struct blk_dev *d, uint64_t bytes)
{
	return (bytes + d->block_size - 1) / d->block_size;
}

static int gpt_read_blocks(struct gpt *g, uint64_t lba, uint32_t count,
			   void *buf, const char *what)
{
	int ret = blk_read(g->dev, lba, count, buf);

	if (ret)
		return gpt_fail(g, ret, "reading the %s at LBA %lu failed (%d)",
				what, (unsigned long)lba, ret);
	return 0;
}

static int gpt_check_mbr(struct gpt *g, uint8_t *buf)
{
	int ret = gpt_read_blocks(g, 0, 1, buf, "MBR");

	if (ret)
		return ret;
	if (stream_get16(buf + GPT_MBR_SIGNATURE_OFF) != GPT_MBR_SIGNATURE)
		return gpt_fail(g, -ENODEV,
				"no GPT: LBA 0 has no MBR signature");
	for (unsigned i = 0; i < GPT_MBR_PART_COUNT; i++)
		if (buf[GPT_MBR_PART_OFF + i * GPT_MBR_PART_SIZE +
			GPT_MBR_PART_OSTYPE] == GPT_MBR_OSTYPE_PROTECTIVE)
			return 0;
	return gpt_fail(g, -ENODEV,
			"no GPT: the MBR has no protective (0xEE) partition");
}

/* Called for each entry of the array, in order. */
typedef void (*gpt_entry_fn)(void *ctx, uint32_t index, const uint8_t *ent);

/*
 * Read the entry array of @g in chunks of @buf, check its CRC, and give
 * each entry to @fn (may be NULL) as it goes.
 */
static int gpt_walk(struct gpt *g, uint8_t *buf, size_t size, gpt_entry_fn fn,
		    void *ctx)
{
	const uint32_t bs = g->dev->block_size;
	const uint64_t total = (uint64_t)g->num_entries * g->entry_size;
	/* Chunks hold whole blocks and whole entries (both powers of 2). */
	const size_t unit = MAX(bs, g->entry_size);
	const size_t chunk = size / unit * unit;
	uint64_t done = 0, lba = g->entries_lba;
	uint32_t crc = 0, index = 0;
	int ret;

	if (!chunk)
		return gpt_fail(g, -EINVAL,
				"GPT entries of %u bytes do not "
				"fit the %lu-byte buffer",
				g->entry_size, (unsigned long)size);
	while (done < total) {
		uint64_t left = total - done;
		uint32_t nblk =
		    (uint32_t)MIN(chunk / bs, gpt_blocks(g->dev, left));
		size_t bytes = (size_t)MIN((uint64_t)nblk * bs, left);

		ret = gpt_read_blocks(g, lba, nblk, buf, "GPT entry array");
		if (ret)
			return ret;
		crc = crc32_ieee(crc, buf, bytes);
		for (size_t off = 0; fn && off < bytes; off += g->entry_size)
			fn(ctx, index++, buf + off);
		done += bytes;
		lba += nblk;
	}
	if (crc != g->entries_crc)
		return gpt_fail(g, -EBADMSG,
				"the GPT entry array at LBA %lu "
				"has a bad CRC (0x%08x, header says 0x%08x)",
				(unsigned long)g->entries_lba, crc,
				g->entries_crc);
	return 0;
}

/* Check the header at @lba; fill @g from it when it is valid. */
static int gpt_check_header(struct gpt *g, uint64_t lba, uint8_t *buf,
			    size_t size, const char *which)
{
	static const uint8_t zero_crc[4];
	const struct blk_dev *d = g->dev;
	uint32_t hsize, crc, want, esize, nent;
	uint64_t array_blocks;
	int ret;

	ret = gpt_read_blocks(g, lba, 1, buf, which);
	if (ret)
		return ret;
	if (memcmp(buf + GPT_HDR_OFF_SIGNATURE, GPT_HDR_SIGNATURE,
		   GPT_HDR_SIGNATURE_LEN))
		return gpt_fail(g, -ENODEV,
				"no %s: no \"EFI PART\" signature "
				"at LBA %lu",
				which, (unsigned long)lba);
	hsize = stream_get32(buf + GPT_HDR_OFF_HEADER_SIZE);
	if (hsize < GPT_HDR_MIN_SIZE || hsize > d->block_size)
		return gpt_fail(g, -EBADMSG,
				"%s at LBA %lu: bad header size "
				"%u",
				which, (unsigned long)lba, hsize);
	/* The CRC is computed with its own field zeroed (§5.3.2). */
	crc = crc32_ieee(0, buf, GPT_HDR_OFF_HEADER_CRC);
	crc = crc32_ieee(crc, zero_crc, sizeof(zero_crc));
	crc = crc32_ieee(crc, buf + GPT_HDR_OFF_RESERVED,
			 hsize - GPT_HDR_OFF_RESERVED);
	want = stream_get32(buf + GPT_HDR_OFF_HEADER_CRC);
	if (crc != want)
		return gpt_fail(g, -EBADMSG,
				"%s at LBA %lu: bad header CRC "
				"(0x%08x, stored 0x%08x)",
				which, (unsigned long)lba, crc, want);
	if (stream_get64(buf + GPT_HDR_OFF_MY_LBA) != lba)
		return gpt_fail(
		    g, -EBADMSG,
		    "%s at LBA %lu says it is at LBA "
		    "%lu",
		    which, (unsigned long)lba,
		    (unsigned long)stream_get64(buf + GPT_HDR_OFF_MY_LBA));
	g->first_usable = stream_get64(buf + GPT_HDR_OFF_FIRST_USABLE);
	g->last_usable = stream_get64(buf + GPT_HDR_OFF_LAST_USABLE);
	g->entries_lba = stream_get64(buf + GPT_HDR_OFF_ENTRIES_LBA);
	nent = stream_get32(buf + GPT_HDR_OFF_NUM_ENTRIES);
	esize = stream_get32(buf + GPT_HDR_OFF_ENTRY_SIZE);
	g->entries_crc = stream_get32(buf + GPT_HDR_OFF_ENTRIES_CRC);
	memcpy(g->disk_guid, buf + GPT_HDR_OFF_DISK_GUID, GPT_GUID_LEN);
	if (g->first_usable > g->last_usable || g->last_usable >= d->blocks)
		return gpt_fail(g, -EBADMSG,
				"%s: usable LBAs %lu..%lu do not "
				"fit the %lu-block device",
				which, (unsigned long)g->first_usable,
				(unsigned long)g->last_usable,
				(unsigned long)d->blocks);
	/* SizeOfPartitionEntry is 128 * 2^n (§5.3.2). */
	if (esize < GPT_ENT_MIN_SIZE || !gpt_pow2(esize) ||
	    esize > GPT_ENTRY_SIZE_MAX)
		return gpt_fail(g, -EBADMSG, "%s: bad entry size %u", which,
				esize);
	if ((uint64_t)nent * esize > GPT_ENTRIES_BYTES_MAX)
		return gpt_fail(g, -EBADMSG,
				"%s: %u entries of %u bytes: more "
				"than we read",
				which, nent, esize);
	array_blocks = gpt_blocks(d, (uint64_t)nent * esize);
	if (g->entries_lba == 0 || g->entries_lba >= d->blocks ||
	    array_blocks > d->blocks - g->entries_lba ||
	    (lba >= g->entries_lba && lba < g->entries_lba + array_blocks))
		return gpt_fail(g, -EBADMSG,
				"%s: the entry array at LBA %lu "
				"(%lu blocks) is not on the device or covers "
				"the header",
				which, (unsigned long)g->entries_lba,
				(unsigned long)array_blocks);
	g->num_entries = nent;
	g->entry_size = esize;
	g->header_lba = lba;
	return gpt_walk(g, buf, size, NULL, NULL);
}

static bool gpt_args_ok(const struct blk_dev *d, const void *buf, size_t size)
{
	return d && d->ops && buf && size >= GPT_SCRATCH_MIN &&
	       !((uintptr_t)buf & 7) && gpt_pow2(d->block_size) &&
	       d->block_size >= GPT_BLOCK_MIN &&
	       d->block_size <= GPT_BLOCK_MAX && d->blocks >= 3;
}

int gpt_read(struct gpt *g, struct blk_dev *dev, void *buf, size_t size)
{
	char primary_msg[GPT_MSG_LEN], backup_msg[GPT_MSG_LEN];
	int ret, primary;

	if (!g)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->dev = dev;
	if (!gpt_args_ok(dev, buf, size))
		return gpt_fail(g, -EINVAL,
				"GPT: unusable device (block size "
				"%u, %lu blocks) or buffer",
				dev ? dev->block_size : 0,
				dev ? (unsigned long)dev->blocks : 0ul);
	ret = gpt_check_mbr(g, buf);
	if (ret)
		return ret;
	primary = gpt_check_header(g, GPT_PRIMARY_LBA, buf, size,
				   "primary GPT header");
	if (!primary)
		return 0;
	memcpy(primary_msg, g->msg, sizeof(primary_msg));
	ret = gpt_check_header(g, dev->blocks - 1, buf, size,
			       "backup GPT header");
	if (!ret) {
		g->backup = true;
		snprintf(g->msg, sizeof(g->msg), "%.100s: using the backup",
			 primary_msg);
		return 0;
	}
	/* Neither: say both; an I/O error or a damaged table wins over
	 * "absent", since something that looks like a GPT is there. */
	if (primary != -ENODEV && (ret == -ENODEV || ret == -EBADMSG))
		ret = primary;
	memcpy(backup_msg, g->msg, sizeof(backup_msg));
	snprintf(g->msg, sizeof(g->msg), "%.75s; %.75s", primary_msg,
		 backup_msg);
	g->entry_size = 0; /* nothing usable: gpt_find() refuses */
	return ret;
}

static void gpt_entry_decode(const uint8_t *ent, uint32_t index,
			     struct gpt_part *out)
{
	out->index = index;
	out->first_lba = stream_get64(ent + GPT_ENT_OFF_FIRST_LBA);
	out->last_lba = stream_get64(ent + GPT_ENT_OFF_LAST_LBA);
	out->attributes = stream_get64(ent + GPT_ENT_OFF_ATTRIBUTES);
	memcpy(out->type_guid, ent + GPT_ENT_OFF_TYPE_GUID, GPT_GUID_LEN);
	memcpy(out->part_guid, ent + GPT_ENT_OFF_PART_GUID, GPT_GUID_LEN);
	gpt_name_ascii(ent + GPT_ENT_OFF_NAME, out->name);
}

struct gpt_search {
	const char *name;
	unsigned matches, used;
	uint32_t second;
	struct gpt_part *out;
};

static void gpt_search_entry(void *ctx, uint32_t index, const uint8_t *ent)
{
	struct gpt_search *s = ctx;

	if (gpt_is_zero(ent + GPT_ENT_OFF_TYPE_GUID, GPT_GUID_LEN))
		return; /* an unused entry (§5.3.3) */
	s->used++;
	if (!gpt_name_eq(ent + GPT_ENT_OFF_NAME, s->name))
		return;
	if (s->matches++) {
		if (s->matches == 2)
			s->second = index;
		return;
	}
	gpt_entry_decode(ent, index, s->out);
}

int gpt_find(struct gpt *g, const char *name, void *buf, size_t size,
	     struct gpt_part *out)
{
	struct gpt_part found;
	struct gpt_search s = {.name = name, .out = &found};
	size_t len;
	int ret;

	if (!g || !out)
		return -EINVAL;
	g->msg[0] = '\0';
	if (!gpt_args_ok(g->dev, buf, size) || !g->entry_size)
		return gpt_fail(g, -EINVAL, "GPT: no table read, or no buffer");
	for (len = 0; name && len <= GPT_NAME_UNITS && name[len]; len++)
		;
	if (!len || len > GPT_NAME_UNITS)
		return gpt_fail(g, -EINVAL,
				"a GPT partition name has 1 to %u "
				"characters",
				GPT_NAME_UNITS);
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)name[i] < 0x20 || (uint8_t)name[i] >= 0x7f)
			return gpt_fail(g, -EINVAL,
					"partition names to look "
					"for are printable ASCII");
	memset(&found, 0, sizeof(found));
	ret = gpt_walk(g, buf, size, gpt_search_entry, &s);
	if (ret)
		return ret;
	if (!s.matches)
		return gpt_fail(g, -ENOENT,
				"no GPT partition is named '%s' "
				"(%u partitions)",
				name, s.used);
	if (s.matches > 1)
		return gpt_fail(g, -EEXIST,
				"%u GPT partitions are named "
				"'%s' (entries %u and %u): none is used",
				s.matches, name, found.index + 1, s.second + 1);
	if (found.first_lba > found.last_lba ||
	    found.first_lba < g->first_usable ||
	    found.last_lba > g->last_usable || found.last_lba >= g->dev->blocks)
		return gpt_fail(g, -EBADMSG,
				"GPT partition '%s' has LBAs "
				"%lu..%lu, outside the usable %lu..%lu",
				name, (unsigned long)found.first_lba,
				(unsigned long)found.last_lba,
				(unsigned long)g->first_usable,
				(unsigned long)g->last_usable);
	*out = found;
	return 0;
}

struct gpt_overlap {
	uint64_t first, last;
	bool hit;
	struct gpt_part *out;
};

static void gpt_overlap_entry(void *ctx, uint32_t index, const uint8_t *ent)
{
	struct gpt_overlap *o = ctx;
	uint64_t first = stream_get64(ent + GPT_ENT_OFF_FIRST_LBA);
	uint64_t last = stream_get64(ent + GPT_ENT_OFF_LAST_LBA);

	if (o->hit || gpt_is_zero(ent + GPT_ENT_OFF_TYPE_GUID, GPT_GUID_LEN))
		return;
	if (first <= o->last && last >= o->first) {
		o->hit = true;
		gpt_entry_decode(ent, index, o->out);
	}
}

int gpt_find_overlap(struct gpt *g, uint64_t first, uint64_t last, void *buf,
		     size_t size, struct gpt_part *out)
{
	struct gpt_overlap o = {.first = first, .last = last, .out = out};
	int ret;

	if (!g || !out)
		return -EINVAL;
	g->msg[0] = '\0';
	if (!gpt_args_ok(g->dev, buf, size) || !g->entry_size)
		return gpt_fail(g, -EINVAL, "GPT: no table read, or no buffer");
	ret = gpt_walk(g, buf, size, gpt_overlap_entry, &o);
	if (ret)
		return ret;
	return o.hit ? 0 : -ENOENT;
}
