/* SPDX-License-Identifier: MIT */
/*
 * A read-only GUID Partition Table reader over blk_read() (UEFI spec 2.10
 * §5.2.3 protective MBR, §5.3.2 GPT header, §5.3.3 partition entries):
 * the primary header at LBA 1 with its header and entry-array CRCs, the
 * backup header at the last LBA when the primary is unusable, and a lookup
 * of a partition by name.  Shared by the payload (the block sink's target)
 * and the host tool (tinydump recv --block, prepare).  No allocation: the
 * caller lends a scratch buffer.
 */
#ifndef TINYDUMP_PAYLOAD_GPT_H
#define TINYDUMP_PAYLOAD_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/blk.h"

/* Protective MBR (UEFI 2.10 §5.2.3, Table 5.3/5.4). */
#define GPT_MBR_SIGNATURE_OFF	  510 /* u16 0xAA55 */
#define GPT_MBR_SIGNATURE	  0xAA55u
#define GPT_MBR_PART_OFF	  446 /* four 16-byte partition records */
#define GPT_MBR_PART_SIZE	  16
#define GPT_MBR_PART_COUNT	  4
#define GPT_MBR_PART_OSTYPE	  4	/* u8 within a record */
#define GPT_MBR_OSTYPE_PROTECTIVE 0xEEu /* "GPT Protective" */

/* GPT header (UEFI 2.10 §5.3.2, Table 5.5). */
#define GPT_HDR_SIGNATURE	  "EFI PART"
#define GPT_HDR_SIGNATURE_LEN	  8
#define GPT_HDR_OFF_SIGNATURE	  0  /* u8[8] */
#define GPT_HDR_OFF_REVISION	  8  /* u32 0x00010000 */
#define GPT_HDR_OFF_HEADER_SIZE	  12 /* u32 92 .. block size */
#define GPT_HDR_OFF_HEADER_CRC	  16 /* u32, computed with this field 0 */
#define GPT_HDR_OFF_RESERVED	  20 /* u32 0 */
#define GPT_HDR_OFF_MY_LBA	  24 /* u64 */
#define GPT_HDR_OFF_ALTERNATE_LBA 32 /* u64 */
#define GPT_HDR_OFF_FIRST_USABLE  40 /* u64 */
#define GPT_HDR_OFF_LAST_USABLE	  48 /* u64, inclusive */
#define GPT_HDR_OFF_DISK_GUID	  56 /* u8[16] */
#define GPT_HDR_OFF_ENTRIES_LBA	  72 /* u64 */
#define GPT_HDR_OFF_NUM_ENTRIES	  80 /* u32 */
#define GPT_HDR_OFF_ENTRY_SIZE	  84 /* u32 128 * 2^n */
#define GPT_HDR_OFF_ENTRIES_CRC	  88 /* u32 */
#define GPT_HDR_MIN_SIZE	  92
#define GPT_REVISION_1_0	  0x00010000u
#define GPT_PRIMARY_LBA		  1

/* GPT partition entry (UEFI 2.10 §5.3.3, Table 5.6). */
#define GPT_ENT_OFF_TYPE_GUID  0  /* u8[16], all zero: unused entry */
#define GPT_ENT_OFF_PART_GUID  16 /* u8[16] */
#define GPT_ENT_OFF_FIRST_LBA  32 /* u64 */
#define GPT_ENT_OFF_LAST_LBA   40 /* u64, inclusive */
#define GPT_ENT_OFF_ATTRIBUTES 48 /* u64 */
#define GPT_ENT_OFF_NAME       56 /* 36 UTF-16LE code units */
#define GPT_ENT_MIN_SIZE       128
#define GPT_NAME_UNITS	       36
#define GPT_GUID_LEN	       16

/* Our limits: the entry array is read once per lookup, so bound it. */
#define GPT_ENTRY_SIZE_MAX    4096u
#define GPT_ENTRIES_BYTES_MAX (1024u * 1024u)
/* Block sizes we read (every disk we drive has 512 or 4096). */
#define GPT_BLOCK_MIN 512u
#define GPT_BLOCK_MAX 4096u
/* The smallest scratch buffer gpt_read() and gpt_find() take. */
#define GPT_SCRATCH_MIN 4096u
#define GPT_MSG_LEN	160

/**
 * struct gpt - a GPT found on a device
 * @dev:           the device
 * @header_lba:    where the header in use is (1, or the backup's LBA)
 * @backup:        true when the primary was unusable and the backup is used
 * @first_usable:  the usable range of LBAs, inclusive
 * @last_usable:
 * @entries_lba:   the entry array of the header in use
 * @num_entries:   entries in it
 * @entry_size:    bytes per entry
 * @entries_crc:   its CRC-32, as the header gives it
 * @disk_guid:     the disk's GUID, as stored (mixed-endian)
 * @msg:           why the last call failed, or what it noticed (e.g. the
 *                 primary header is bad and the backup is used); "" if
 *                 nothing
 */
struct gpt {
	struct blk_dev *dev;
	uint64_t header_lba;
	bool backup;
	uint64_t first_usable, last_usable;
	uint64_t entries_lba;
	uint32_t num_entries, entry_size, entries_crc;
	uint8_t disk_guid[GPT_GUID_LEN];
	char msg[GPT_MSG_LEN];
};

/**
 * struct gpt_part - one partition entry
 * @index:      its number in the entry array, from 0 (Linux names it
 *              index + 1: mmcblk0p<index + 1>)
 * @first_lba:  first block
 * @last_lba:   last block, inclusive
 * @attributes: the attribute bits
 * @type_guid:  partition type GUID, as stored
 * @part_guid:  unique partition GUID, as stored
 * @name:       the name with every non-ASCII code unit shown as '?'
 */
struct gpt_part {
	uint32_t index;
	uint64_t first_lba, last_lba;
	uint64_t attributes;
	uint8_t type_guid[GPT_GUID_LEN];
	uint8_t part_guid[GPT_GUID_LEN];
	char name[GPT_NAME_UNITS + 1];
};

/**
 * gpt_read() - find and check the GPT of @dev
 * @g:    filled in
 * @dev:  the device (block size GPT_BLOCK_MIN..GPT_BLOCK_MAX, power of 2)
 * @buf:  scratch, at least GPT_SCRATCH_MIN bytes, 8-byte aligned
 * @size: its size
 *
 * Needs a protective MBR (an 0xEE record and the 0xAA55 signature at
 * LBA 0), then takes the primary header at LBA 1 if its signature, size,
 * header CRC, MyLBA, usable range, entry geometry and entry-array CRC are
 * right, else the backup header at the last LBA checked the same way.
 * g->msg says what was wrong when it fails, and notes a bad primary when
 * the backup is used.
 *
 * Return: 0; -ENODEV for no GPT (no protective MBR, no "EFI PART"
 * signature at either place); -EBADMSG when the headers are there but
 * neither is valid (bad CRC, bad fields); -EINVAL for bad arguments or a
 * block size we do not read; -EIO or -ETIMEDOUT from the device.
 */
int gpt_read(struct gpt *g, struct blk_dev *dev, void *buf, size_t size);

/**
 * gpt_find() - the partition named @name
 * @g:    a GPT from gpt_read()
 * @name: ASCII name, 1..36 characters, compared exactly (case matters)
 *        with each entry's UTF-16LE name
 * @buf:  scratch as for gpt_read()
 * @size: its size
 * @out:  the partition, when found
 *
 * Reads the entry array again and checks its CRC again.  The partition
 * must lie in the header's usable range and on the device.
 *
 * Return: 0; -ENOENT when no entry has the name; -EEXIST when two or
 * more do (nothing is chosen); -EBADMSG when the array no longer matches
 * its CRC or the entry's range is bad; -EINVAL for a bad name or
 * arguments; -EIO or -ETIMEDOUT from the device.  g->msg says which.
 */
int gpt_find(struct gpt *g, const char *name, void *buf, size_t size,
	     struct gpt_part *out);

/**
 * gpt_find_overlap() - the first used partition sharing a block with
 * LBAs [@first, @last]
 * @g:     a GPT from gpt_read()
 * @first: first LBA of the range
 * @last:  last LBA, inclusive
 * @buf:   scratch as for gpt_read()
 * @size:  its size
 * @out:   the partition, when one overlaps
 *
 * Return: 0 when one overlaps, -ENOENT when none does, -EBADMSG for an
 * entry array that no longer matches its CRC, -EINVAL, -EIO, -ETIMEDOUT.
 */
int gpt_find_overlap(struct gpt *g, uint64_t first, uint64_t last, void *buf,
		     size_t size, struct gpt_part *out);

/**
 * gpt_name_eq() - does a GPT partition name equal an ASCII name
 * @utf16le: the entry's 36 UTF-16LE code units (72 bytes)
 * @ascii:   NUL-terminated; up to 36 characters
 *
 * The name ends at the first 0 unit or after 36 units.  Each unit must
 * equal the ASCII character's code (no case folding, as Linux's
 * /dev/disk/by-partlabel and sgdisk compare).
 *
 * Return: true when equal.
 */
bool gpt_name_eq(const uint8_t *utf16le, const char *ascii);

#endif
