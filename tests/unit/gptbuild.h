/* SPDX-License-Identifier: MIT */
/*
 * A GPT writer for unit tests (the C twin of tests/qemu/disk.py): a
 * protective MBR, primary and backup headers and entry arrays with their
 * CRCs, computed with zlib's crc32() so that payload/crc32.c is checked
 * against an independent implementation.
 */
#ifndef TINYDUMP_TESTS_UNIT_GPTBUILD_H
#define TINYDUMP_TESTS_UNIT_GPTBUILD_H

#include <stdint.h>

#include "tests/unit/ramdisk.h"

/* A partition: an ASCII name, or 36 raw UTF-16 units in @name16. */
struct gptb_part {
	const char *name;
	const uint16_t *name16;
	uint64_t first_lba, last_lba;
};

/**
 * gptb_write() - write a GPT onto @rd
 * @rd:          the disk
 * @parts:       partitions, in entry order
 * @n:           how many
 * @num_entries: entries in the array (128 usually)
 * @entry_size:  bytes per entry (128 usually)
 */
void gptb_write(struct ramdisk *rd, const struct gptb_part *parts, unsigned n,
		uint32_t num_entries, uint32_t entry_size);

/** gptb_first_usable() - the first usable LBA gptb_write() gives. */
uint64_t gptb_first_usable(const struct ramdisk *rd, uint32_t num_entries,
			   uint32_t entry_size);

/** gptb_reseal_primary() - recompute the primary header's CRC (after an edit).
 */
void gptb_reseal(struct ramdisk *rd, uint64_t header_lba);

#endif
