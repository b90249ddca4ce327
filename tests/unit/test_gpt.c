// SPDX-License-Identifier: MIT
/*
 * payload/crc32.c against zlib's crc32() and the catalogue check value;
 * payload/gpt.c on GPT disks built by tests/unit/gptbuild.c on a RAM disk:
 * a good table, a corrupt primary with a good backup (header CRC, entry
 * array CRC, MyLBA), both corrupt, no MBR, a non-protective MBR, no GPT
 * header, name comparison (case, prefixes, 36 units, non-ASCII), no
 * partition, duplicate names, a partition outside the usable range, read
 * errors, 4096-byte blocks and 256-byte entries.  Reading never writes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "payload/crc32.h"
#include "payload/gpt.h"
#include "payload/stream.h"
#include "tests/unit/check.h"
#include "tests/unit/gptbuild.h"
#include "tests/unit/ramdisk.h"

static uint8_t scratch[16384] __attribute__((aligned(4096)));

static void test_crc32(void)
{
	static uint8_t buf[1000];
	uint32_t x = 12345;

	CHECK_EQ(crc32_ieee(0, "123456789", 9), 0xCBF43926u);
	CHECK_EQ(crc32_ieee(0, "", 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t len = 0; len < sizeof(buf); len += 37)
		CHECK_EQ(crc32_ieee(0, buf, len), crc32(0, buf, (uInt)len));
	/* Continued over a split equals the whole. */
	CHECK_EQ(crc32_ieee(crc32_ieee(0, buf, 333), buf + 333, 667),
		 crc32(0, buf, 1000));
}

/* A 64 MiB disk: rootfs, tinydump, data. */
static const struct gptb_part std_parts[] = {
    {.name = "rootfs", .first_lba = 2048, .last_lba = 67583},
    {.name = "tinydump", .first_lba = 67584, .last_lba = 100351},
    {.name = "data", .first_lba = 100352, .last_lba = 131000},
};

static void std_disk(struct ramdisk *rd, uint32_t bs)
{
	CHECK_EQ(ramdisk_init(rd, bs, (64u << 20) / bs), 0);
	gptb_write(rd, std_parts, 3, 128, 128);
}

static void test_good(void)
{
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;

	std_disk(&rd, 512);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(!g.backup);
	CHECK_EQ(g.header_lba, 1);
	CHECK_EQ(g.first_usable, 34);
	CHECK_EQ(g.last_usable, rd.dev.blocks - 34);
	CHECK_EQ(g.num_entries, 128);
	CHECK_EQ(g.entry_size, 128);
	CHECK_STR(g.msg, "");
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.index, 1);
	CHECK_EQ(p.first_lba, 67584);
	CHECK_EQ(p.last_lba, 100351);
	CHECK_STR(p.name, "tinydump");
	CHECK_EQ(p.type_guid[0], 0xa1);
	CHECK_EQ(gpt_find(&g, "rootfs", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.index, 0);
	CHECK_EQ(gpt_find(&g, "data", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.last_lba, 131000);
	/* The smallest buffer works too (several chunks of the array). */
	CHECK_EQ(gpt_find(&g, "data", scratch, GPT_SCRATCH_MIN, &p), 0);
	/* Reading never writes. */
	CHECK_EQ(rd.writes, 0);
	CHECK_EQ(rd.flushes, 0);
	ramdisk_free(&rd);
}

static void test_names(void)
{
	static const uint16_t accented[GPT_NAME_UNITS] = {'t', 0xe9, 's', 't'};
	static const char long36[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct gptb_part parts[] = {
	    {.name = "tinydump", .first_lba = 2048, .last_lba = 4095},
	    {.name = long36, .first_lba = 4096, .last_lba = 6143},
	    {.name16 = accented, .first_lba = 6144, .last_lba = 8191},
	    {.name = "TinyDumpX", .first_lba = 8192, .last_lba = 10239},
	};
	uint8_t raw[72];
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;

	CHECK_EQ(ramdisk_init(&rd, 512, 32768), 0);
	gptb_write(&rd, parts, 4, 128, 128);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	/* Exact, case-sensitive: no prefix, no longer name, no folding. */
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(gpt_find(&g, "tinydum", scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK_EQ(gpt_find(&g, "tinydump2", scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK_EQ(gpt_find(&g, "TinyDump", scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK_EQ(gpt_find(&g, "TINYDUMP", scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK(strstr(g.msg, "no GPT partition is named 'TINYDUMP'") != NULL);
	CHECK(strstr(g.msg, "4 partitions") != NULL);
	/* All 36 units used: no terminator in the entry. */
	CHECK_EQ(gpt_find(&g, long36, scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.index, 1);
	CHECK_STR(p.name, long36);
	/* A non-ASCII unit never equals an ASCII character. */
	CHECK_EQ(gpt_find(&g, "t?st", scratch, sizeof(scratch), &p), -ENOENT);
	CHECK_EQ(gpt_find(&g, "test", scratch, sizeof(scratch), &p), -ENOENT);
	/* Names we refuse to look for. */
	CHECK_EQ(gpt_find(&g, "", scratch, sizeof(scratch), &p), -EINVAL);
	CHECK_EQ(gpt_find(&g, "abcdefghijklmnopqrstuvwxyz0123456789x", scratch,
			  sizeof(scratch), &p),
		 -EINVAL);
	CHECK_EQ(gpt_find(&g, "caf\xc3\xa9", scratch, sizeof(scratch), &p),
		 -EINVAL);
	/* gpt_name_eq() directly. */
	memset(raw, 0, sizeof(raw));
	stream_put16(raw, 'a');
	stream_put16(raw + 2, 'b');
	CHECK(gpt_name_eq(raw, "ab"));
	CHECK(!gpt_name_eq(raw, "a"));
	CHECK(!gpt_name_eq(raw, "abc"));
	CHECK(!gpt_name_eq(raw, "AB"));
	stream_put16(raw + 2, 0x0162); /* 'b' in the low byte, not ASCII */
	CHECK(!gpt_name_eq(raw, "ab"));
	ramdisk_free(&rd);
}

static void test_backup(void)
{
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;
	uint64_t last;

	/* Primary header CRC broken: the backup at the last LBA is used. */
	std_disk(&rd, 512);
	last = rd.dev.blocks - 1;
	ramdisk_block(&rd, 1)[GPT_HDR_OFF_FIRST_USABLE] ^= 1;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(g.backup);
	CHECK_EQ(g.header_lba, last);
	CHECK_EQ(g.entries_lba, last - 32);
	CHECK(strstr(g.msg, "primary GPT header at LBA 1: bad header CRC") !=
	      NULL);
	CHECK(strstr(g.msg, "using the backup") != NULL);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.first_lba, 67584);
	ramdisk_free(&rd);

	/* Primary entry array damaged (its CRC no longer matches). */
	std_disk(&rd, 512);
	ramdisk_block(&rd, 2)[GPT_ENT_OFF_NAME] = 'X';
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(g.backup);
	CHECK(strstr(g.msg, "entry array at LBA 2 has a bad CRC") != NULL);
	CHECK_EQ(gpt_find(&g, "rootfs", scratch, sizeof(scratch), &p), 0);
	ramdisk_free(&rd);

	/* A primary whose MyLBA is wrong, CRC right. */
	std_disk(&rd, 512);
	stream_put64(ramdisk_block(&rd, 1) + GPT_HDR_OFF_MY_LBA, 7);
	gptb_reseal(&rd, 1);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(g.backup);
	CHECK(strstr(g.msg, "says it is at LBA 7") != NULL);
	ramdisk_free(&rd);

	/* A primary that is gone (zeroed): the backup. */
	std_disk(&rd, 512);
	memset(ramdisk_block(&rd, 1), 0, 512);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(g.backup);
	ramdisk_free(&rd);

	/* Both damaged: -EBADMSG, a message naming both. */
	std_disk(&rd, 512);
	last = rd.dev.blocks - 1;
	ramdisk_block(&rd, 1)[GPT_HDR_OFF_LAST_USABLE] ^= 1;
	ramdisk_block(&rd, last)[GPT_HDR_OFF_LAST_USABLE] ^= 1;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EBADMSG);
	CHECK(strstr(g.msg, "primary GPT header") != NULL);
	CHECK(strstr(g.msg, "backup GPT header") != NULL);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p),
		 -EINVAL);
	ramdisk_free(&rd);

	/* Primary and backup absent, protective MBR present: no GPT. */
	std_disk(&rd, 512);
	memset(ramdisk_block(&rd, 1), 0, 512);
	memset(ramdisk_block(&rd, rd.dev.blocks - 1), 0, 512);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -ENODEV);
	ramdisk_free(&rd);

	/* The backup's read fails, the primary is damaged: the I/O error. */
	std_disk(&rd, 512);
	ramdisk_block(&rd, 1)[GPT_HDR_OFF_LAST_USABLE] ^= 1;
	rd.fail_read_lo = rd.dev.blocks - 1;
	rd.fail_read_hi = rd.dev.blocks;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EIO);
	CHECK_EQ(rd.writes, 0);
	ramdisk_free(&rd);
}

static void test_no_gpt(void)
{
	struct ramdisk rd;
	struct gpt g;

	/* A blank disk. */
	CHECK_EQ(ramdisk_init(&rd, 512, 8192), 0);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -ENODEV);
	CHECK(strstr(g.msg, "no MBR signature") != NULL);
	/* An MBR disk: signature, a Linux (0x83) partition, no 0xEE. */
	stream_put16(ramdisk_block(&rd, 0) + GPT_MBR_SIGNATURE_OFF,
		     GPT_MBR_SIGNATURE);
	ramdisk_block(&rd, 0)[GPT_MBR_PART_OFF + GPT_MBR_PART_OSTYPE] = 0x83;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -ENODEV);
	CHECK(strstr(g.msg, "no protective") != NULL);
	/* Protective record but no header anywhere. */
	ramdisk_block(
	    &rd,
	    0)[GPT_MBR_PART_OFF + GPT_MBR_PART_SIZE + GPT_MBR_PART_OSTYPE] =
	    GPT_MBR_OSTYPE_PROTECTIVE;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -ENODEV);
	CHECK(strstr(g.msg, "no \"EFI PART\" signature") != NULL);
	/* Reading LBA 0 fails. */
	rd.fail_read_lo = 0;
	rd.fail_read_hi = 1;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EIO);
	CHECK(strstr(g.msg, "reading the MBR") != NULL);
	/* Bad arguments. */
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, 1024), -EINVAL);
	CHECK_EQ(gpt_read(&g, NULL, scratch, sizeof(scratch)), -EINVAL);
	rd.dev.block_size = 520;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EINVAL);
	CHECK_EQ(rd.writes, 0);
	ramdisk_free(&rd);
}

static void test_bad_tables(void)
{
	struct gptb_part dup[] = {
	    {.name = "tinydump", .first_lba = 2048, .last_lba = 4095},
	    {.name = "other", .first_lba = 4096, .last_lba = 6143},
	    {.name = "tinydump", .first_lba = 6144, .last_lba = 8191},
	};
	struct gptb_part outside[] = {
	    {.name = "tinydump", .first_lba = 2048, .last_lba = 32767},
	};
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;

	CHECK_EQ(ramdisk_init(&rd, 512, 32768), 0);
	gptb_write(&rd, dup, 3, 128, 128);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p),
		 -EEXIST);
	CHECK(strstr(g.msg, "2 GPT partitions are named 'tinydump' (entries 1 "
			    "and 3): none is used") != NULL);
	CHECK_EQ(gpt_find(&g, "other", scratch, sizeof(scratch), &p), 0);
	/* No partitions at all. */
	gptb_write(&rd, dup, 0, 128, 128);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK(strstr(g.msg, "(0 partitions)") != NULL);
	/* Past the last usable LBA (the backup's array). */
	gptb_write(&rd, outside, 1, 128, 128);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p),
		 -EBADMSG);
	CHECK(strstr(g.msg, "outside the usable") != NULL);
	/* Header fields that do not fit: entries of 100 bytes; too many. */
	gptb_write(&rd, dup, 1, 128, 128);
	stream_put32(ramdisk_block(&rd, 1) + GPT_HDR_OFF_ENTRY_SIZE, 100);
	gptb_reseal(&rd, 1);
	stream_put32(ramdisk_block(&rd, rd.dev.blocks - 1) +
			 GPT_HDR_OFF_NUM_ENTRIES,
		     1u << 20);
	gptb_reseal(&rd, rd.dev.blocks - 1);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EBADMSG);
	CHECK(strstr(g.msg, "bad entry size 100") != NULL);
	CHECK(strstr(g.msg, "more than we read") != NULL);
	/* A header size past the block; usable range off the disk. */
	gptb_write(&rd, dup, 1, 128, 128);
	stream_put32(ramdisk_block(&rd, 1) + GPT_HDR_OFF_HEADER_SIZE, 600);
	stream_put64(ramdisk_block(&rd, rd.dev.blocks - 1) +
			 GPT_HDR_OFF_LAST_USABLE,
		     rd.dev.blocks);
	gptb_reseal(&rd, rd.dev.blocks - 1);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), -EBADMSG);
	CHECK(strstr(g.msg, "bad header size 600") != NULL);
	CHECK(strstr(g.msg, "do not fit") != NULL);
	CHECK_EQ(rd.writes, 0);
	ramdisk_free(&rd);
}

static void test_geometries(void)
{
	struct gptb_part parts[] = {
	    {.name = "a", .first_lba = 256, .last_lba = 511},
	    {.name = "tinydump", .first_lba = 512, .last_lba = 4095},
	};
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;

	/* 4096-byte blocks: the array is 4 blocks, usable from LBA 6. */
	CHECK_EQ(ramdisk_init(&rd, 4096, 8192), 0);
	gptb_write(&rd, parts, 2, 128, 128);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(g.first_usable, 6);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.first_lba, 512);
	/* The primary broken there too. */
	ramdisk_block(&rd, 1)[GPT_HDR_OFF_DISK_GUID] ^= 1;
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK(g.backup);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	ramdisk_free(&rd);

	/* 256-byte entries, 200 of them (not a whole number of blocks). */
	CHECK_EQ(ramdisk_init(&rd, 512, 16384), 0);
	gptb_write(&rd, parts, 2, 200, 256);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(g.entry_size, 256);
	CHECK_EQ(gpt_find(&g, "tinydump", scratch, sizeof(scratch), &p), 0);
	CHECK_EQ(p.index, 1);
	CHECK_EQ(gpt_find(&g, "a", scratch, GPT_SCRATCH_MIN, &p), 0);
	ramdisk_free(&rd);
}

static void test_overlap(void)
{
	struct ramdisk rd;
	struct gpt g;
	struct gpt_part p;

	std_disk(&rd, 512);
	CHECK_EQ(gpt_read(&g, &rd.dev, scratch, sizeof(scratch)), 0);
	CHECK_EQ(gpt_find_overlap(&g, 100, 2047, scratch, sizeof(scratch), &p),
		 -ENOENT);
	CHECK_EQ(gpt_find_overlap(&g, 100, 2048, scratch, sizeof(scratch), &p),
		 0);
	CHECK_STR(p.name, "rootfs");
	CHECK_EQ(
	    gpt_find_overlap(&g, 100351, 100351, scratch, sizeof(scratch), &p),
	    0);
	CHECK_STR(p.name, "tinydump");
	CHECK_EQ(
	    gpt_find_overlap(&g, 131001, 131038, scratch, sizeof(scratch), &p),
	    -ENOENT);
	ramdisk_free(&rd);
}

int main(void)
{
	test_crc32();
	test_good();
	test_names();
	test_backup();
	test_no_gpt();
	test_bad_tables();
	test_geometries();
	test_overlap();
	return check_summary("test_gpt");
}
