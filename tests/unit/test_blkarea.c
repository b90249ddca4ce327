// SPDX-License-Identifier: MIT
/*
 * payload/blkarea.c: the header and commit records byte for byte at the
 * offsets docs/block.md gives, round trips, every rejection (magic,
 * version, size, CRC, state, layout, status), blkarea_init()'s checks,
 * the bounds assertion of blkarea_write_blocks() (a child process must
 * die on a write past the area), and blkarea_inspect()'s verdicts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payload/blkarea.h"
#include "payload/crc32c.h"
#include "tests/unit/check.h"
#include "tests/unit/ramdisk.h"

static uint8_t scratch[16384] __attribute__((aligned(4096)));

static const uint8_t id_a[16] = {0xa1, 0xa2, 0xa3, 0xa4, 5,  6,	 7,  8,
				 9,    10,   11,   12,	 13, 14, 15, 16};
static const uint8_t id_b[16] = {0xb1, 0xb2, 0xb3, 0xb4};

static void reseal(uint8_t *rec)
{
	stream_put32(rec + 124, crc32c(0, rec, 124));
}

static void test_header_bytes(void)
{
	struct blkarea_header h = {0}, d;
	uint8_t rec[BLKAREA_REC_SIZE_MAX];

	h.area_offset = 0x100000;
	h.area_length = 0x400000;
	h.generation = 0x1122334455667788ull;
	h.state = BLKAREA_STATE_WRITING;
	memcpy(h.crash_id, id_a, 16);
	h.host_time = 1700000000;
	memset(rec, 0xee, sizeof(rec));
	blkarea_header_encode(&h, rec);
	/* The layout of docs/block.md. */
	CHECK(!memcmp(rec, "TINYDUMP", 8));
	CHECK_EQ(stream_get16(rec + 8), 1);
	CHECK_EQ(stream_get16(rec + 10), 0);
	CHECK_EQ(stream_get32(rec + 12), 128);
	CHECK_EQ(stream_get64(rec + 16), 0x100000);
	CHECK_EQ(stream_get64(rec + 24), 0x400000);
	CHECK_EQ(stream_get32(rec + 32), 4096);
	CHECK_EQ(stream_get32(rec + 36), 8192);
	CHECK_EQ(stream_get64(rec + 40), 0x1122334455667788ull);
	CHECK_EQ(stream_get32(rec + 48), 2);
	CHECK_EQ(stream_get32(rec + 52), 0);
	CHECK(!memcmp(rec + 56, id_a, 16));
	CHECK_EQ(stream_get64(rec + 72), 1700000000);
	for (int i = 80; i < 124; i++)
		CHECK_EQ(rec[i], 0);
	CHECK_EQ(stream_get32(rec + 124), crc32c(0, rec, 124));
	CHECK_EQ(rec[128], 0xee); /* nothing past the record */

	CHECK_EQ(blkarea_header_decode(rec, &d), 0);
	CHECK_EQ(d.area_offset, h.area_offset);
	CHECK_EQ(d.area_length, h.area_length);
	CHECK_EQ(d.generation, h.generation);
	CHECK_EQ(d.state, h.state);
	CHECK(!memcmp(d.crash_id, id_a, 16));
	CHECK_EQ(d.host_time, h.host_time);
	CHECK_EQ(d.commit_off, BLKAREA_COMMIT_OFF);
	CHECK_EQ(d.stream_off, BLKAREA_STREAM_OFF);

	/* Rejections. */
	rec[100] ^= 1;
	CHECK_EQ(blkarea_header_decode(rec, &d), -EBADMSG); /* CRC */
	rec[100] ^= 1;
	rec[0] = 't';
	CHECK_EQ(blkarea_header_decode(rec, &d), -ENODEV); /* magic */
	rec[0] = 'T';
	stream_put16(rec + 8, 2);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), -ENOTSUP); /* version */
	stream_put16(rec + 8, 1);
	stream_put32(rec + 48, 7);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), -EBADMSG); /* state */
	stream_put32(rec + 48, BLKAREA_STATE_EMPTY);
	stream_put32(rec + 36, 4096);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), -EBADMSG); /* layout */
	stream_put32(rec + 36, 8192);
	stream_put64(rec + 24, 4096);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), -EBADMSG); /* too small */
	stream_put64(rec + 24, 0x400000);
	stream_put32(rec + 12, 64);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), -EBADMSG); /* size */
	stream_put32(rec + 12, 128);
	reseal(rec);
	CHECK_EQ(blkarea_header_decode(rec, &d), 0);
	CHECK_EQ(d.state, BLKAREA_STATE_EMPTY);
	/* A later minor version with a longer record still reads. */
	stream_put16(rec + 10, 3);
	stream_put32(rec + 12, 256);
	memset(rec + 124, 0, 132);
	stream_put32(rec + 252, crc32c(0, rec, 252));
	CHECK_EQ(blkarea_header_decode(rec, &d), 0);
	CHECK_EQ(d.version_minor, 3);
	CHECK_STR(blkarea_state_name(BLKAREA_STATE_CONSUMED), "consumed");
	CHECK_STR(blkarea_state_name(9), "unknown");
}

static void test_commit_bytes(void)
{
	struct blkarea_commit c = {0}, d;
	uint8_t rec[BLKAREA_REC_SIZE_MAX];

	c.generation = 42;
	memcpy(c.crash_id, id_b, 16);
	c.stream_bytes = 123456789;
	c.capacity = 987654321;
	c.status = STREAM_STATUS_CUT;
	c.flags = BLKAREA_CMT_F_FULL;
	c.error = -28;
	c.records = 777;
	blkarea_commit_encode(&c, rec);
	CHECK(!memcmp(rec, "TDCOMMIT", 8));
	CHECK_EQ(stream_get32(rec + 12), 128);
	CHECK_EQ(stream_get64(rec + 16), 42);
	CHECK(!memcmp(rec + 24, id_b, 16));
	CHECK_EQ(stream_get64(rec + 40), 123456789);
	CHECK_EQ(stream_get64(rec + 48), 987654321);
	CHECK_EQ(stream_get32(rec + 56), 1);
	CHECK_EQ(stream_get32(rec + 60), 1);
	CHECK_EQ((int32_t)stream_get32(rec + 64), -28);
	CHECK_EQ(stream_get32(rec + 68), 777);
	CHECK_EQ(stream_get32(rec + 124), crc32c(0, rec, 124));
	CHECK_EQ(blkarea_commit_decode(rec, &d), 0);
	CHECK_EQ(d.stream_bytes, c.stream_bytes);
	CHECK_EQ(d.status, c.status);
	CHECK_EQ(d.error, -28);
	CHECK_EQ(d.records, 777);
	rec[50] ^= 4;
	CHECK_EQ(blkarea_commit_decode(rec, &d), -EBADMSG);
	rec[50] ^= 4;
	stream_put32(rec + 56, 3);
	reseal(rec);
	CHECK_EQ(blkarea_commit_decode(rec, &d), -EBADMSG); /* status */
	stream_put32(rec + 56, 0);
	stream_put64(rec + 40, 987654322);
	reseal(rec);
	CHECK_EQ(blkarea_commit_decode(rec, &d), -EBADMSG); /* > capacity */
	/* A header is not a commit. */
	memcpy(rec, "TINYDUMP", 8);
	CHECK_EQ(blkarea_commit_decode(rec, &d), -ENODEV);
}

static void test_init(void)
{
	struct ramdisk rd;
	struct blkarea a;

	CHECK_EQ(ramdisk_init(&rd, 512, 4096), 0);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 1000, 2000, false, "x"), 0);
	CHECK_EQ(a.offset, 512000);
	CHECK_EQ(a.length, 1024000);
	CHECK_EQ(blkarea_capacity(&a), 1024000 - 8192);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 1000, 3097, false, "x"), -EINVAL);
	CHECK(strstr(a.msg, "not on the") != NULL);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 4096, 1, false, "x"), -EINVAL);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 0, 143, false, "x"), -EINVAL);
	CHECK(strstr(a.msg, "too small") != NULL);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 0, 144, false, "x"), 0);
	rd.dev.block_size = 8192;
	CHECK_EQ(blkarea_init(&a, &rd.dev, 0, 100, false, "x"), -EINVAL);
	CHECK(strstr(a.msg, "block size 8192") != NULL);
	rd.dev.block_size = 512;
	CHECK_EQ(blkarea_init(&a, NULL, 0, 100, false, "x"), -EINVAL);
	ramdisk_free(&rd);
}

/* A write one block past the area must stop the program (assert). */
static void test_bounds_assert(void)
{
	struct ramdisk rd;
	struct blkarea a;
	int status;
	pid_t pid;

	CHECK_EQ(ramdisk_init(&rd, 512, 4096), 0);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 1000, 200, false, "x"), 0);
	CHECK_EQ(blkarea_write_blocks(&a, 199, 1, scratch), 0);
	CHECK_EQ(blkarea_write_blocks(&a, 168, 32, scratch), 0);
	CHECK(ramdisk_writes_within(&rd, 1000, 200));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* Quiet the child's assert message for the log's sake. */
		freopen("/dev/null", "w", stderr);
		blkarea_write_blocks(&a, 199, 2, scratch);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		blkarea_write_blocks(&a, 200, 1, scratch);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	/* Nothing reached the disk past the area. */
	CHECK(ramdisk_writes_within(&rd, 1000, 200));
	CHECK_EQ(blkarea_read_blocks(&a, 200, 1, scratch), -EINVAL);
	ramdisk_free(&rd);
}

static void test_inspect(void)
{
	struct ramdisk rd;
	struct blkarea a;
	struct blkarea_header h = {0};
	struct blkarea_commit c = {0};
	struct blkarea_state st;

	CHECK_EQ(ramdisk_init(&rd, 512, 8192), 0);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 2048, 4096, false, "area"), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNSIGNED);
	CHECK_EQ(a.hdr_error, -ENODEV);
	CHECK(strstr(a.msg, "no tinydump area signature") != NULL);

	h.state = BLKAREA_STATE_EMPTY;
	h.generation = 4;
	CHECK_EQ(blkarea_write_header(&a, &h, scratch, sizeof(scratch)), 0);
	/* Written where the area begins, with where the area is. */
	CHECK(!memcmp(ramdisk_block(&rd, 2048), "TINYDUMP", 8));
	CHECK_EQ(stream_get64(ramdisk_block(&rd, 2048) + 16), 2048 * 512);
	CHECK_EQ(stream_get64(ramdisk_block(&rd, 2048) + 24), 4096 * 512);
	CHECK_EQ(rd.log[0].op, RAMDISK_WRITE);
	CHECK_EQ(rd.log[1].op, RAMDISK_FLUSH);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_EMPTY);

	h.state = BLKAREA_STATE_WRITING;
	h.generation = 5;
	memcpy(h.crash_id, id_a, 16);
	CHECK_EQ(blkarea_write_header(&a, &h, scratch, sizeof(scratch)), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNCOMMITTED);
	CHECK_EQ(st.commit_error, -ENODEV);

	/* A commit of the previous generation: stale. */
	c.generation = 4;
	memcpy(c.crash_id, id_a, 16);
	c.capacity = blkarea_capacity(&a);
	c.stream_bytes = 1000;
	CHECK_EQ(blkarea_write_commit(&a, &c, scratch, sizeof(scratch)), 0);
	CHECK(!memcmp(ramdisk_block(&rd, 2048 + 8), "TDCOMMIT", 8));
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNCOMMITTED);
	CHECK_EQ(st.commit_error, -ESTALE);
	/* Same generation, another crash: stale too. */
	c.generation = 5;
	memcpy(c.crash_id, id_b, 16);
	CHECK_EQ(blkarea_write_commit(&a, &c, scratch, sizeof(scratch)), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.commit_error, -ESTALE);
	/* The right one. */
	memcpy(c.crash_id, id_a, 16);
	CHECK_EQ(blkarea_write_commit(&a, &c, scratch, sizeof(scratch)), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(st.commit.stream_bytes, 1000);
	/* Damaged. */
	ramdisk_block(&rd, 2048 + 8)[40] ^= 1;
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNCOMMITTED);
	CHECK_EQ(st.commit_error, -EBADMSG);
	ramdisk_block(&rd, 2048 + 8)[40] ^= 1;
	/* A commit claiming more than the area holds. */
	c.capacity = c.stream_bytes = blkarea_capacity(&a) + 512;
	CHECK_EQ(blkarea_write_commit(&a, &c, scratch, sizeof(scratch)), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNCOMMITTED);
	CHECK_EQ(st.commit_error, -EBADMSG);

	h.state = BLKAREA_STATE_CONSUMED;
	CHECK_EQ(blkarea_write_header(&a, &h, scratch, sizeof(scratch)), 0);
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_CONSUMED);

	/* A damaged header, and a read error. */
	ramdisk_block(&rd, 2048)[60] ^= 1;
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_UNSIGNED);
	CHECK_EQ(a.hdr_error, -EBADMSG);
	CHECK(strstr(a.msg, "damaged") != NULL);
	rd.fail_read_lo = 2048;
	rd.fail_read_hi = 2049;
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), -EIO);
	/* A failing write or flush is reported. */
	rd.fail_flush = true;
	CHECK_EQ(blkarea_write_header(&a, &h, scratch, sizeof(scratch)), -EIO);
	CHECK(strstr(a.msg, "writing the header failed") != NULL);
	CHECK(ramdisk_writes_within(&rd, 2048, 4096));
	ramdisk_free(&rd);

	/* 4096-byte blocks: header block 0, commit block 1, stream from 2. */
	CHECK_EQ(ramdisk_init(&rd, 4096, 1024), 0);
	CHECK_EQ(blkarea_init(&a, &rd.dev, 100, 100, true, "area"), 0);
	h.state = BLKAREA_STATE_WRITING;
	CHECK_EQ(blkarea_write_header(&a, &h, scratch, sizeof(scratch)), 0);
	c.generation = h.generation;
	memcpy(c.crash_id, h.crash_id, 16);
	c.capacity = blkarea_capacity(&a);
	c.stream_bytes = 0;
	CHECK_EQ(blkarea_write_commit(&a, &c, scratch, sizeof(scratch)), 0);
	CHECK(!memcmp(ramdisk_block(&rd, 101), "TDCOMMIT", 8));
	CHECK_EQ(blkarea_inspect(&a, scratch, sizeof(scratch), &st), 0);
	CHECK_EQ(st.verdict, BLKAREA_COMMITTED);
	ramdisk_free(&rd);
}

int main(void)
{
	test_header_bytes();
	test_commit_bytes();
	test_init();
	test_bounds_assert();
	test_inspect();
	return check_summary("test_blkarea");
}
