/* SPDX-License-Identifier: MIT */
/*
 * An in-memory block device for unit tests (struct blk_ops of
 * drivers/blk.h): every write and flush is logged, so a test can prove
 * what was written where and in which order; reads, writes and flushes
 * can be made to fail; and "power cut after N writes" drops every write
 * after the Nth, as a machine that lost power would.
 */
#ifndef TINYDUMP_TESTS_UNIT_RAMDISK_H
#define TINYDUMP_TESTS_UNIT_RAMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/blk.h"

#define RAMDISK_LOG_MAX 65536

enum ramdisk_op { RAMDISK_WRITE, RAMDISK_FLUSH };

struct ramdisk_entry {
	enum ramdisk_op op;
	uint64_t lba;
	uint32_t count;
};

/**
 * struct ramdisk - the device and its knobs
 * @dev:          the interface (first)
 * @data:         blocks * block_size bytes, what reads see
 * @log:          writes and flushes in order (@nlog of them; writes that
 *                failed or were dropped are not logged)
 * @writes:       write calls so far, dropped and failed ones included
 * @reads:        read calls so far
 * @flushes:      flush calls so far
 * @cut_after:    0, or drop (silently) every write after this many
 * @fail_write:   0, or fail the write call with this number (1-based)
 * @fail_read_lo: reads touching [lo, hi) fail with -EIO (hi 0: none)
 * @fail_read_hi:
 * @fail_flush:   flushes fail with -EIO
 */
struct ramdisk {
	struct blk_dev dev;
	uint8_t *data;
	struct ramdisk_entry *log;
	unsigned nlog;
	unsigned writes, reads, flushes;
	unsigned cut_after;
	unsigned fail_write;
	uint64_t fail_read_lo, fail_read_hi;
	bool fail_flush;
};

/** ramdisk_init() - @blocks zeroed blocks of @block_size. Return: 0 or -ENOMEM.
 */
int ramdisk_init(struct ramdisk *rd, uint32_t block_size, uint64_t blocks);

/** ramdisk_free() - release it. */
void ramdisk_free(struct ramdisk *rd);

/** ramdisk_reset_log() - forget the log and counters, keep the data and knobs.
 */
void ramdisk_reset_log(struct ramdisk *rd);

/**
 * ramdisk_writes_within() - did every logged write stay inside blocks
 * [@first, @first + @count)
 */
bool ramdisk_writes_within(const struct ramdisk *rd, uint64_t first,
			   uint64_t count);

/** ramdisk_block() - the bytes of block @lba. */
uint8_t *ramdisk_block(struct ramdisk *rd, uint64_t lba);

#endif
