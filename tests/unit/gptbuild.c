// SPDX-License-Identifier: MIT
/*
 * GPT images for unit tests (UEFI spec 2.10 §5.2.3, §5.3), CRCs by zlib.
 */
#include <string.h>
#include <zlib.h>

#include "payload/gpt.h"
#include "payload/stream.h"
#include "tests/unit/gptbuild.h"

static uint64_t array_blocks(const struct ramdisk *rd, uint32_t n, uint32_t es)
{
	uint32_t bs = rd->dev.block_size;

	return ((uint64_t)n * es + bs - 1) / bs;
}

uint64_t gptb_first_usable(const struct ramdisk *rd, uint32_t num_entries,
			   uint32_t entry_size)
{
	return 2 + array_blocks(rd, num_entries, entry_size);
}

void gptb_reseal(struct ramdisk *rd, uint64_t header_lba)
{
	uint8_t *h = ramdisk_block(rd, header_lba);
	uint32_t size = stream_get32(h + GPT_HDR_OFF_HEADER_SIZE);

	stream_put32(h + GPT_HDR_OFF_HEADER_CRC, 0);
	stream_put32(h + GPT_HDR_OFF_HEADER_CRC, (uint32_t)crc32(0, h, size));
}

static void header(struct ramdisk *rd, uint64_t lba, uint64_t alt,
		   uint64_t entries_lba, uint32_t n, uint32_t es, uint32_t ecrc,
		   uint64_t first_usable, uint64_t last_usable)
{
	uint8_t *h = ramdisk_block(rd, lba);

	memset(h, 0, rd->dev.block_size);
	memcpy(h, GPT_HDR_SIGNATURE, 8);
	stream_put32(h + GPT_HDR_OFF_REVISION, GPT_REVISION_1_0);
	stream_put32(h + GPT_HDR_OFF_HEADER_SIZE, GPT_HDR_MIN_SIZE);
	stream_put64(h + GPT_HDR_OFF_MY_LBA, lba);
	stream_put64(h + GPT_HDR_OFF_ALTERNATE_LBA, alt);
	stream_put64(h + GPT_HDR_OFF_FIRST_USABLE, first_usable);
	stream_put64(h + GPT_HDR_OFF_LAST_USABLE, last_usable);
	memset(h + GPT_HDR_OFF_DISK_GUID, 0x5a, 16);
	stream_put64(h + GPT_HDR_OFF_ENTRIES_LBA, entries_lba);
	stream_put32(h + GPT_HDR_OFF_NUM_ENTRIES, n);
	stream_put32(h + GPT_HDR_OFF_ENTRY_SIZE, es);
	stream_put32(h + GPT_HDR_OFF_ENTRIES_CRC, ecrc);
	gptb_reseal(rd, lba);
}

void gptb_write(struct ramdisk *rd, const struct gptb_part *parts, unsigned n,
		uint32_t num_entries, uint32_t entry_size)
{
	uint64_t blocks = rd->dev.blocks,
		 ab = array_blocks(rd, num_entries, entry_size);
	uint8_t *mbr = ramdisk_block(rd, 0);
	uint8_t *arr = ramdisk_block(rd, 2);
	uint32_t ecrc;

	memset(mbr, 0, rd->dev.block_size);
	mbr[GPT_MBR_PART_OFF + GPT_MBR_PART_OSTYPE] = GPT_MBR_OSTYPE_PROTECTIVE;
	stream_put32(mbr + GPT_MBR_PART_OFF + 8, 1);
	stream_put32(mbr + GPT_MBR_PART_OFF + 12, blocks - 1 > 0xffffffffu
						      ? 0xffffffffu
						      : (uint32_t)(blocks - 1));
	stream_put16(mbr + GPT_MBR_SIGNATURE_OFF, GPT_MBR_SIGNATURE);
	memset(arr, 0, ab * rd->dev.block_size);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = arr + (size_t)i * entry_size;

		memset(e + GPT_ENT_OFF_TYPE_GUID, 0xa0 + (int)i, 16);
		memset(e + GPT_ENT_OFF_PART_GUID, 0xb0 + (int)i, 16);
		stream_put64(e + GPT_ENT_OFF_FIRST_LBA, parts[i].first_lba);
		stream_put64(e + GPT_ENT_OFF_LAST_LBA, parts[i].last_lba);
		for (unsigned k = 0; k < GPT_NAME_UNITS; k++) {
			uint16_t u = parts[i].name16 ? parts[i].name16[k]
				     : k < strlen(parts[i].name)
					 ? (uint8_t)parts[i].name[k]
					 : 0;

			stream_put16(e + GPT_ENT_OFF_NAME + 2 * k, u);
		}
	}
	ecrc = (uint32_t)crc32(0, arr, num_entries * entry_size);
	/* The backup array sits just before the backup header. */
	memcpy(ramdisk_block(rd, blocks - 1 - ab), arr,
	       ab * rd->dev.block_size);
	header(rd, 1, blocks - 1, 2, num_entries, entry_size, ecrc, 2 + ab,
	       blocks - 2 - ab);
	header(rd, blocks - 1, 1, blocks - 1 - ab, num_entries, entry_size,
	       ecrc, 2 + ab, blocks - 2 - ab);
}
