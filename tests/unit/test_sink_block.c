// SPDX-License-Identifier: MIT
/*
 * payload/sink_block.c: a synthetic crash is encoded by payload/stream_enc.c
 * (lz4 blocks, zero and excluded pages, a dmesg text) into a sink set
 * holding the block sink over a RAM disk (tests/unit/ramdisk.c) and a
 * memory sink, as dump.c runs sinks; then the area is read back with the
 * host's code (blkarea_inspect(), host-tools/collect.c) and checked:
 *
 * - the stream in the area equals the encoder's output byte for byte;
 * - the write log: header, flush, whole 16 KiB chunks in order, flush,
 *   commit, flush, and never a block outside the area;
 * - a dump too big for the area is cut, with a CUT trailer and commit;
 * - a power cut after any number of writes reads as uncommitted, and the
 *   missing PFNs are exactly those of the page records that did not land,
 *   also over an older dump left in the area;
 * - raw ranges with and without the signature, with a wrong length; disks
 *   without a GPT or the partition, duplicate names: nothing is written;
 * - write and flush errors, 4096-byte blocks, a second dump's generation.
 *
 * With --write-image it writes a stream into an image file instead and
 * exits (tests/test_block_cli.py):
 *   test_sink_block --write-image IMAGE [--bootargs ARGS]
 *       (--stream FILE | --synthetic PAGES [--seed N])
 *       [--cut-after-writes N]
 * and prints a JSON line: status, crash id, stream bytes, records, write
 * calls, the area's offset, and the PFNs the landed page records describe.
 */
#include <errno.h>
#include <getopt.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/console.h"
#include "host-tools/blkfile.h"
#include "host-tools/collect.h"
#include "payload/blkarea.h"
#include "payload/config.h"
#include "payload/log.h"
#include "payload/sink_block.h"
#include "payload/stream_enc.h"
#include "tests/unit/check.h"
#include "tests/unit/gptbuild.h"
#include "tests/unit/ramdisk.h"

#define PS	4096u
#define RAM_PFN 0x40000u

static uint8_t stage[BLOCK_SINK_STAGE_SIZE]
    __attribute__((aligned(BLOCK_SINK_STAGE_ALIGN)));

/* --- the console: what the sink logs -------------------------------------- */

static char con_buf[1 << 16];
static size_t con_len;

static int con_putc(struct console *con, uint8_t ch)
{
	(void)con;
	if (con_len < sizeof(con_buf) - 1)
		con_buf[con_len++] = (char)ch;
	con_buf[con_len] = '\0';
	return 0;
}

static int con_getc(struct console *con)
{
	(void)con;
	return -EAGAIN;
}

static int con_flush(struct console *con)
{
	(void)con;
	return 0;
}

static const struct console_ops con_ops = {con_putc, con_getc, con_flush};
static struct console test_con = {.ops = &con_ops, .driver = "test"};

static void con_clear(void)
{
	con_len = 0;
	con_buf[0] = '\0';
}

/* --- a sink that keeps every record in memory ----------------------------- */

#define MEM_RECS_MAX 65536

struct mem_sink {
	struct sink sink;
	uint8_t *buf;
	size_t n, cap;
	size_t off[MEM_RECS_MAX];
	size_t count;
};

static int mem_write(struct sink *s, const void *rec, size_t len)
{
	struct mem_sink *m = (struct mem_sink *)s;

	if (m->n + len > m->cap) {
		m->cap = (m->n + len) * 2;
		m->buf = realloc(m->buf, m->cap);
		if (!m->buf)
			return -ENOMEM;
	}
	if (m->count < MEM_RECS_MAX)
		m->off[m->count++] = m->n;
	memcpy(m->buf + m->n, rec, len);
	m->n += len;
	return 0;
}

static const struct sink_ops mem_ops = {.write = mem_write};

static void mem_init(struct mem_sink *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
	m->sink.ops = &mem_ops;
	m->sink.name = "memory";
}

/* --- the synthetic crash -------------------------------------------------- */

struct crash {
	uint64_t pages;
	uint32_t seed;
	uint8_t id[STREAM_CRASH_ID_LEN];
};

static void crash_make(struct crash *c, uint64_t pages, uint32_t seed)
{
	c->pages = pages;
	c->seed = seed;
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++)
		c->id[i] = (uint8_t)(seed * 37u + i * 11u + 1u);
}

static uint8_t page_state(const struct crash *c, uint64_t pfn)
{
	uint32_t k = (uint32_t)(pfn * 2654435761u) ^ c->seed;

	k %= 7;
	return k == 0	? STREAM_PAGE_ZERO
	       : k == 1 ? (uint8_t)(STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE)
			: STREAM_PAGE_DUMPED;
}

/* Every fourth page incompressible, the others text-like. */
static void page_fill(const struct crash *c, uint64_t pfn, uint8_t *p)
{
	uint32_t x = (uint32_t)pfn * 747796405u + c->seed + 1u;

	for (unsigned i = 0; i < PS; i++) {
		if (pfn % 4 == 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (uint8_t)x;
		} else {
			p[i] =
			    (uint8_t)("tinydump block sink "[i % 20] + pfn % 3);
		}
	}
}

static int enc_dumped(struct stream_enc *e, const struct crash *c, uint64_t pfn,
		      uint32_t n)
{
	static uint8_t src[8 * PS];
	void *dst;
	size_t room;
	int k, ret;

	for (uint32_t i = 0; i < n; i++)
		page_fill(c, pfn + i, src + (size_t)i * PS);
	ret = stream_enc_pages_buf(e, n, &dst, &room);
	if (ret)
		return ret;
	k = LZ4_compress_default((const char *)src, dst, (int)room,
				 (int)room - 1);
	if (k > 0)
		return stream_enc_pages_commit(e, n, (uint32_t)k,
					       STREAM_BLOCK_LZ4);
	memcpy(dst, src, room);
	return stream_enc_pages_commit(e, n, (uint32_t)room, 0);
}

/*
 * The dump as payload/dump.c runs it: limit from the sinks, open, header,
 * map, dmesg, pages, trailer, close.  Return: the status given to close,
 * or -1 when no sink opened.
 */
static int crash_dump(const struct crash *c, struct sink_set *set)
{
	static uint8_t buf[STREAM_ENC_BUF_SIZE];
	static const char dmesg[] = "<0>Kernel panic - not syncing: test\n";
	struct stream_range map = {.paddr = (uint64_t)RAM_PFN * PS,
				   .size = c->pages * PS,
				   .vaddr = 0xffff000000000000ull};
	uint64_t pfn = RAM_PFN, end = RAM_PFN + c->pages;
	struct stream_header h;
	struct stream_enc e;
	unsigned status;
	int ret;

	stream_enc_init(&e, sinks_write, set, buf, sizeof(buf));
	e.run_max_pfns = 512; /* many page records */
	stream_enc_set_limit(&e, sinks_capacity(set));
	if (sinks_open(set, c->id))
		return -1;
	memset(&h, 0, sizeof(h));
	h.page_size = PS;
	h.machine = STREAM_EM_AARCH64;
	h.endian = STREAM_ENDIAN_LITTLE;
	h.dump_level = 31;
	memcpy(h.crash_id, c->id, sizeof(c->id));
	h.crashtime = 1700000000 + c->seed;
	h.max_pfn = end;
	h.map_count = 1;
	strcpy(h.producer, "test_sink_block");
	ret = stream_enc_header(&e, &h);
	if (!ret)
		ret = stream_enc_map(&e, STREAM_MAP_LOAD, &map, 1);
	if (!ret)
		ret = stream_enc_text(&e, STREAM_TEXT_DMESG, dmesg,
				      sizeof(dmesg) - 1);
	if (!ret)
		ret = stream_enc_pages_begin(&e, pfn);
	while (!ret && pfn < end) {
		uint8_t s = page_state(c, pfn);
		uint32_t n = 1;

		while (pfn + n < end && page_state(c, pfn + n) == s &&
		       (s != STREAM_PAGE_DUMPED || n < 8))
			n++;
		ret = s == STREAM_PAGE_DUMPED ? enc_dumped(&e, c, pfn, n)
					      : stream_enc_pages_skip(&e, s, n);
		pfn += n;
	}
	if (!ret)
		ret = stream_enc_pages_flush(&e);
	status = !ret		  ? STREAM_STATUS_COMPLETE
		 : ret == -ENOSPC ? STREAM_STATUS_CUT
				  : STREAM_STATUS_ABORTED;
	stream_enc_trailer(&e, status, ret);
	sinks_close(set, status);
	return (int)status;
}

/* --- reading back with the host's code ------------------------------------ */

struct readback {
	struct blkarea_state st;
	struct collect c;
	uint64_t fed;
	int fin;
};

static void readback(struct ramdisk *rd, struct blkarea *a, struct readback *r)
{
	struct collect_opts o = {0};
	const uint8_t *p;
	uint64_t len, k;

	memset(r, 0, sizeof(*r));
	r->fin = -ENOENT;
	CHECK_EQ(blkarea_inspect(a, stage, sizeof(stage), &r->st), 0);
	CHECK_EQ(collect_init(&r->c, &o), 0);
	if (r->st.verdict != BLKAREA_COMMITTED &&
	    r->st.verdict != BLKAREA_UNCOMMITTED)
		return;
	len = r->st.verdict == BLKAREA_COMMITTED ? r->st.commit.stream_bytes
						 : blkarea_capacity(a);
	collect_expect_records(&r->c, a->hdr.crash_id);
	p = rd->data + a->offset + BLKAREA_STREAM_OFF;
	/* Odd chunk sizes: records are cut anywhere. */
	for (uint64_t off = 0; off < len && !collect_done(&r->c); off += k) {
		k = len - off < 9973 ? len - off : 9973;
		CHECK_EQ(collect_feed(&r->c, p + off, (size_t)k), 0);
	}
	r->fed = len;
	r->fin = collect_finish(&r->c);
}

/* PFNs of the LOAD range that landed page records describe. */
static uint64_t described_pfns(const struct mem_sink *m, uint64_t landed)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->count; i++) {
		const uint8_t *rec = m->buf + m->off[i];
		uint32_t len = stream_get32(rec + STREAM_REC_OFF_LEN);

		if (m->off[i] + len > landed)
			break;
		if (rec[STREAM_REC_OFF_TYPE] == STREAM_REC_PAGES)
			n += stream_get32(rec + STREAM_REC_HDR_SIZE +
					  STREAM_RUN_OFF_NPAGES);
	}
	return n;
}

/* Bytes of stream the logged writes put on the disk (from its start). */
static uint64_t landed_stream_bytes(const struct ramdisk *rd,
				    const struct blkarea *a)
{
	uint64_t first = a->first_lba + BLKAREA_STREAM_OFF / rd->dev.block_size;
	uint64_t next = first;

	for (unsigned i = 0; i < rd->nlog; i++) {
		const struct ramdisk_entry *e = &rd->log[i];

		if (e->op == RAMDISK_WRITE && e->lba >= first) {
			CHECK_EQ(e->lba, next); /* in order, no gaps */
			next = e->lba + e->count;
		}
	}
	return (next - first) * rd->dev.block_size;
}

/* A 64 MiB disk with "rootfs" and a "tinydump" partition of @mib MiB. */
static void gpt_disk(struct ramdisk *rd, uint32_t bs, unsigned mib)
{
	struct gptb_part parts[] = {
	    {.name = "rootfs",
	     .first_lba = (1u << 20) / bs,
	     .last_lba = (8u << 20) / bs - 1},
	    {.name = "tinydump",
	     .first_lba = (8u << 20) / bs,
	     .last_lba = ((8u + mib) << 20) / bs - 1},
	};

	CHECK_EQ(ramdisk_init(rd, bs, (64u << 20) / bs), 0);
	gptb_write(rd, parts, 2, 128, 128);
}

struct run {
	struct tinydump_config cfg;
	struct blkarea area;
	struct block_sink bs;
	struct mem_sink mem;
	struct sink_set set;
	int status;
};

static struct run run; /* big: records offsets */

/* Find the area, dump @c through block + memory sinks. */
static int run_dump(struct ramdisk *rd, const char *bootargs,
		    const struct crash *c)
{
	int ret;

	config_defaults(&run.cfg);
	config_parse(&run.cfg, bootargs, NULL, NULL);
	ret = block_target_find(&run.area, &rd->dev, &run.cfg, stage,
				sizeof(stage));
	if (ret)
		return ret;
	CHECK_EQ(block_sink_init(&run.bs, &run.area, stage, sizeof(stage)), 0);
	mem_init(&run.mem);
	run.set.n = 2;
	run.set.sink[0] = &run.bs.sink;
	run.set.sink[1] = &run.mem.sink;
	run.status = crash_dump(c, &run.set);
	return 0;
}

/* The log of one good dump: the commit protocol, in order. */
static void check_write_log(const struct ramdisk *rd, const struct blkarea *a,
			    size_t stream_bytes)
{
	uint32_t bs = rd->dev.block_size;
	uint32_t chunk = BLOCK_SINK_STAGE_SIZE / bs;
	uint64_t next = a->first_lba + BLKAREA_STREAM_OFF / bs;
	unsigned i = 0, nwrites = 0;

	/* Reads (the finder's) came first; the log holds writes/flushes. */
	CHECK(rd->nlog >= 5);
	CHECK_EQ(rd->log[i].op, RAMDISK_WRITE);
	CHECK_EQ(rd->log[i].lba, a->first_lba); /* header */
	CHECK_EQ(rd->log[i].count, 1);
	CHECK_EQ(rd->log[++i].op, RAMDISK_FLUSH);
	while (++i < rd->nlog && rd->log[i].op == RAMDISK_WRITE &&
	       rd->log[i].lba >= next && rd->log[i].lba != a->first_lba) {
		CHECK_EQ(rd->log[i].lba, next);
		if (rd->log[i].lba + rd->log[i].count <
		    a->first_lba + BLKAREA_STREAM_OFF / bs +
			(stream_bytes + bs - 1) / bs)
			CHECK_EQ(rd->log[i].count, chunk); /* whole chunks */
		next += rd->log[i].count;
		nwrites++;
	}
	CHECK_EQ((next - a->first_lba - BLKAREA_STREAM_OFF / bs) * bs,
		 (stream_bytes + bs - 1) / bs * bs);
	CHECK(nwrites >= 1);
	CHECK_EQ(rd->log[i].op, RAMDISK_FLUSH);
	CHECK_EQ(rd->log[++i].op, RAMDISK_WRITE);
	CHECK_EQ(rd->log[i].lba, a->first_lba + BLKAREA_COMMIT_OFF / bs);
	CHECK_EQ(rd->log[i].count, 1);
	CHECK_EQ(rd->log[++i].op, RAMDISK_FLUSH);
	CHECK_EQ(i + 1, rd->nlog);
}

/* --- tests ---------------------------------------------------------------- */

static void test_complete(void)
{
	struct ramdisk rd;
	struct readback r;
	struct crash c;
	const uint8_t *disk;

	gpt_disk(&rd, 512, 16);
	crash_make(&c, 3000, 1);
	con_clear();
	CHECK_EQ(run_dump(&rd, "console=ttyAMA0 tinydump.sink=block", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	CHECK(strstr(con_buf,
		     "block: dump area: GPT partition 'tinydump' "
		     "(#2) of ramdisk, 16384 KiB at byte 0x800000") != NULL);
	CHECK_EQ(run.bs.sink.error, 0);
	CHECK(run.mem.n > 3 * BLOCK_SINK_STAGE_SIZE); /* several chunks */
	CHECK_EQ(run.bs.taken, run.mem.n);
	CHECK_EQ(run.bs.durable, run.mem.n);
	/* Byte for byte, and only zeros after it in the last block. */
	disk = rd.data + run.area.offset + BLKAREA_STREAM_OFF;
	CHECK(!memcmp(disk, run.mem.buf, run.mem.n));
	for (size_t i = run.mem.n; i % 512; i++)
		CHECK_EQ(disk[i], 0);
	CHECK(ramdisk_writes_within(&rd, run.area.first_lba, run.area.nblocks));
	check_write_log(&rd, &run.area, run.mem.n);

	readback(&rd, &run.area, &r);
	CHECK_EQ(r.st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(run.area.hdr.state, BLKAREA_STATE_WRITING);
	CHECK_EQ(run.area.hdr.generation, 1);
	CHECK(!memcmp(run.area.hdr.crash_id, c.id, 16));
	CHECK_EQ(r.st.commit.status, STREAM_STATUS_COMPLETE);
	CHECK_EQ(r.st.commit.flags, 0);
	CHECK_EQ(r.st.commit.stream_bytes, run.mem.n);
	CHECK_EQ(r.st.commit.records, run.mem.count);
	CHECK_EQ(r.st.commit.capacity, (16u << 20) - BLKAREA_STREAM_OFF);
	CHECK_EQ(r.fin, 0);
	CHECK_EQ(r.c.taken, run.mem.count);
	CHECK_EQ(r.c.cnt.missing, 0);
	CHECK_EQ(r.c.cnt.dumped + r.c.cnt.zero + r.c.cnt.excluded, c.pages);
	CHECK(r.c.have_trailer && r.c.trl.status == STREAM_STATUS_COMPLETE);
	collect_free(&r.c);

	/* A second, smaller dump: generation 2; the first's records left
	 * past its end are not read (the commit gives the length). */
	crash_make(&c, 500, 2);
	ramdisk_reset_log(&rd);
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	check_write_log(&rd, &run.area, run.mem.n);
	readback(&rd, &run.area, &r);
	CHECK_EQ(run.area.hdr.generation, 2);
	CHECK_EQ(r.st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(r.fin, 0);
	CHECK_EQ(r.c.filtered, 0);
	CHECK_EQ(r.c.cnt.dumped + r.c.cnt.zero + r.c.cnt.excluded, 500);
	collect_free(&r.c);
	ramdisk_free(&rd);
}

static void test_cut(void)
{
	struct ramdisk rd;
	struct readback r;
	struct crash c;
	struct gptb_part small[] = {
	    {.name = "tinydump", .first_lba = 2048, .last_lba = 2048 + 511},
	};

	CHECK_EQ(ramdisk_init(&rd, 512, 16384), 0);
	gptb_write(&rd, small, 1, 128, 128); /* a 256 KiB partition */
	crash_make(&c, 3000, 3);
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_CUT);
	CHECK(run.mem.n <= (256u << 10) - BLKAREA_STREAM_OFF);
	CHECK(run.mem.n > (256u << 10) - BLKAREA_STREAM_OFF - STREAM_REC_MAX -
			      STREAM_TRAILER_REC_SIZE);
	CHECK(!memcmp(rd.data + run.area.offset + BLKAREA_STREAM_OFF,
		      run.mem.buf, run.mem.n));
	CHECK(ramdisk_writes_within(&rd, 2048, 512));
	check_write_log(&rd, &run.area, run.mem.n);
	CHECK(strstr(con_buf, "did not fit") != NULL);
	CHECK(strstr(con_buf, "it was cut") != NULL);
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(r.st.commit.status, STREAM_STATUS_CUT);
	CHECK_EQ(r.fin, -ENODATA);
	CHECK(r.c.have_trailer && r.c.trl.status == STREAM_STATUS_CUT);
	CHECK_EQ(r.c.trl.error, -ENOSPC);
	CHECK(r.c.cnt.missing > 0);
	CHECK_EQ(r.c.cnt.missing,
		 c.pages - described_pfns(&run.mem, run.mem.n));
	collect_free(&r.c);
	ramdisk_free(&rd);
}

/* Power lost after @cut writes, over an older complete dump. */
static void power_cut_case(unsigned cut, bool older, uint32_t seed)
{
	struct ramdisk rd;
	struct readback r;
	struct crash a, b;
	uint64_t landed, described;

	gpt_disk(&rd, 512, 4);
	if (older) {
		crash_make(&a, 2500, 10);
		CHECK_EQ(run_dump(&rd, "", &a), 0);
		CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	}
	crash_make(&b, 2500, seed);
	ramdisk_reset_log(&rd);
	rd.cut_after = cut;
	CHECK_EQ(run_dump(&rd, "", &b), 0);
	rd.cut_after = 0;
	CHECK(ramdisk_writes_within(&rd, run.area.first_lba, run.area.nblocks));
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.st.verdict, BLKAREA_UNCOMMITTED);
	CHECK(!memcmp(run.area.hdr.crash_id, b.id, 16));
	CHECK_EQ(r.st.commit_error, older ? -ESTALE : -ENODEV);
	landed = landed_stream_bytes(&rd, &run.area);
	described = described_pfns(&run.mem, landed);
	if (landed < run.mem.off[2]) {
		/* Header and map did not land: nothing to read. */
		CHECK(r.fin == -ENOENT || r.fin == -ENODATA);
	} else {
		CHECK_EQ(r.fin, landed >= run.mem.n ? 0 : -ENODATA);
		CHECK_EQ(r.c.cnt.missing, b.pages - described);
		CHECK_EQ(r.c.taken,
			 landed >= run.mem.n ? run.mem.count : r.c.taken);
		if (older && landed < run.mem.n)
			CHECK(r.c.filtered > 0); /* the older dump's records */
	}
	collect_free(&r.c);
	ramdisk_free(&rd);
}

static void test_power_cut(void)
{
	/* Writes: header, then stream chunks (a 2500-page dump is about
	 * 40), tail, commit.  Cut after the header, inside the stream, and
	 * just before the commit. */
	static const unsigned cuts[] = {1, 2, 3, 5, 17, 30};

	struct ramdisk rd;
	struct crash c;
	unsigned total;

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		power_cut_case(cuts[i], false, 11 + (uint32_t)i);
		power_cut_case(cuts[i], true, 11 + (uint32_t)i);
	}
	/* Everything but the commit: the stream is whole, yet uncommitted;
	 * and everything but the last stream chunk. */
	gpt_disk(&rd, 512, 4);
	crash_make(&c, 2500, 40);
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	total = rd.writes;
	CHECK(total > 30);
	ramdisk_free(&rd);
	power_cut_case(total - 1, false, 40);
	power_cut_case(total - 1, true, 40);
	power_cut_case(total - 2, false, 40);
	power_cut_case(total - 2, true, 40);
}

static void test_raw_range(void)
{
	struct ramdisk rd;
	struct readback r;
	struct crash c;
	struct blkarea a;
	struct blkarea_header h = {0};

	CHECK_EQ(ramdisk_init(&rd, 512, 32768), 0); /* 16 MiB, no GPT */
	crash_make(&c, 1000, 5);
	/* No signature: not written, not even a byte. */
	con_clear();
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100000,4M", &c), -ENODEV);
	CHECK_EQ(rd.writes, 0);
	CHECK(strstr(con_buf, "no tinydump area signature") != NULL);
	CHECK(strstr(con_buf, "not written") != NULL);
	/* `tinydump prepare`'s signature. */
	CHECK_EQ(blkarea_init(&a, &rd.dev, 2048, 8192, false, "raw"), 0);
	h.state = BLKAREA_STATE_EMPTY;
	CHECK_EQ(blkarea_write_header(&a, &h, stage, sizeof(stage)), 0);
	ramdisk_reset_log(&rd);
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100000,4M", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	CHECK(ramdisk_writes_within(&rd, 2048, 8192));
	check_write_log(&rd, &run.area, run.mem.n);
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(r.fin, 0);
	CHECK_EQ(run.area.hdr.generation, 1);
	collect_free(&r.c);
	/* The same signature, a range that disagrees: refused. */
	ramdisk_reset_log(&rd);
	con_clear();
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100000,2M", &c), -EINVAL);
	CHECK(strstr(con_buf, "signature was written for 0x100000+0x400000") !=
	      NULL);
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100200,4M", &c), -ENODEV);
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100100,4M", &c), -EINVAL);
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100000,16M", &c), -EINVAL);
	CHECK_EQ(run_dump(&rd, "tinydump.blk=0x100000,4K", &c), -EINVAL);
	CHECK_EQ(rd.writes, 0);
	/* tinydump.blk= wins over tinydump.part=. */
	CHECK_EQ(run_dump(&rd, "tinydump.part=x tinydump.blk=1M,4M", &c), 0);
	CHECK_EQ(run.area.offset, 1u << 20);
	ramdisk_free(&rd);
}

static void test_not_ours(void)
{
	struct gptb_part other[] = {
	    {.name = "rootfs", .first_lba = 2048, .last_lba = 8191},
	    {.name = "crash", .first_lba = 8192, .last_lba = 16383},
	};
	struct gptb_part dup[] = {
	    {.name = "tinydump", .first_lba = 2048, .last_lba = 8191},
	    {.name = "tinydump", .first_lba = 8192, .last_lba = 16383},
	};
	struct ramdisk rd;
	struct readback r;
	struct crash c;

	crash_make(&c, 200, 6);
	/* A blank disk: no GPT. */
	CHECK_EQ(ramdisk_init(&rd, 512, 32768), 0);
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), -ENODEV);
	CHECK(strstr(con_buf, "no GPT") != NULL);
	CHECK_EQ(rd.writes, 0);
	/* A GPT without the partition. */
	gptb_write(&rd, other, 2, 128, 128);
	ramdisk_reset_log(&rd);
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), -ENODEV);
	CHECK(strstr(con_buf, "no GPT partition is named 'tinydump'") != NULL);
	CHECK_EQ(rd.writes, 0);
	/* ... but tinydump.part= names another. */
	CHECK_EQ(run_dump(&rd, "tinydump.part=crash", &c), 0);
	CHECK(ramdisk_writes_within(&rd, 8192, 8192));
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.fin, 0);
	collect_free(&r.c);
	/* Two partitions of the name: neither. */
	gptb_write(&rd, dup, 2, 128, 128);
	ramdisk_reset_log(&rd);
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), -EEXIST);
	CHECK(strstr(con_buf, "2 GPT partitions are named 'tinydump'") != NULL);
	CHECK_EQ(rd.writes, 0);
	/* A partition too small for an area. */
	other[1].last_lba = 8192 + 100;
	other[1].name = "tinydump";
	gptb_write(&rd, other, 2, 128, 128);
	ramdisk_reset_log(&rd);
	CHECK_EQ(run_dump(&rd, "", &c), -EINVAL);
	CHECK_EQ(rd.writes, 0);
	ramdisk_free(&rd);
}

static void test_errors(void)
{
	struct ramdisk rd;
	struct readback r;
	struct crash c;

	/* The 4th write (a stream chunk) fails: the sink stops, the commit
	 * says how much was written before. */
	gpt_disk(&rd, 512, 4);
	crash_make(&c, 2000, 7);
	rd.fail_write = 4;
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK_EQ(run.bs.write_error, -EIO);
	CHECK_EQ(run.bs.sink.error, -EIO);
	CHECK(strstr(con_buf, "the rest of the dump is not written") != NULL);
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.st.verdict, BLKAREA_COMMITTED);
	CHECK_EQ(r.st.commit.flags, BLKAREA_CMT_F_WRITE_ERROR);
	CHECK_EQ(r.st.commit.error, -EIO);
	CHECK_EQ(r.st.commit.stream_bytes, 2 * BLOCK_SINK_STAGE_SIZE);
	CHECK_EQ(r.fin, -ENODATA);
	CHECK_EQ(r.c.cnt.missing,
		 c.pages - described_pfns(&run.mem, 2 * BLOCK_SINK_STAGE_SIZE));
	collect_free(&r.c);
	ramdisk_free(&rd);

	/* The header write fails: the sink never opens, nothing follows
	 * (the memory sink takes the dump alone). */
	gpt_disk(&rd, 512, 4);
	rd.fail_write = 1;
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	CHECK_EQ(run.bs.sink.error, -EIO);
	CHECK_EQ(rd.nlog, 0);
	CHECK_EQ(rd.writes, 1);
	ramdisk_free(&rd);

	/* Flushes fail: no commit record, so the dump reads as partial. */
	gpt_disk(&rd, 512, 4);
	rd.fail_flush = true;
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK(strstr(con_buf, "writing the header failed") != NULL);
	rd.fail_flush = false;
	ramdisk_free(&rd);

	gpt_disk(&rd, 512, 4);
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	ramdisk_reset_log(&rd);
	/* Open succeeds (flush 1 OK), the close's flush fails. */
	{
		struct block_sink bs;
		uint8_t id[16] = {9};

		CHECK_EQ(block_sink_init(&bs, &run.area, stage, sizeof(stage)),
			 0);
		CHECK_EQ(bs.sink.ops->open(&bs.sink, id), 0);
		CHECK_EQ(bs.sink.ops->write(&bs.sink, "TDxx", 4), 0);
		rd.fail_flush = true;
		con_clear();
		CHECK_EQ(bs.sink.ops->close(&bs.sink, STREAM_STATUS_COMPLETE),
			 -EIO);
		CHECK(strstr(con_buf, "no commit record") != NULL);
		rd.fail_flush = false;
		readback(&rd, &run.area, &r);
		CHECK_EQ(r.st.verdict, BLKAREA_UNCOMMITTED);
		collect_free(&r.c);
	}
	ramdisk_free(&rd);
}

static void test_api(void)
{
	struct ramdisk rd;
	struct block_sink bs;
	struct blkarea a;
	uint8_t id[16] = {1, 2, 3, 4};
	static uint8_t big[70000];

	gpt_disk(&rd, 512, 4);
	CHECK_EQ(run_dump(&rd, "", &(struct crash){.pages = 10}), 0);
	a = run.area;
	CHECK_EQ(blkarea_load_header(&a, stage, sizeof(stage)), 0);
	CHECK_EQ(a.hdr.generation, 1);
	CHECK_EQ(block_sink_init(&bs, &a, stage + 1, 4096), -EINVAL);
	CHECK_EQ(block_sink_init(&bs, &a, stage, 256), -EINVAL);
	CHECK_EQ(block_sink_init(&bs, &a, stage, 1000), -EINVAL);
	CHECK_EQ(block_sink_init(&bs, NULL, stage, 4096), -EINVAL);
	/* A 4 KiB stage works (records span several chunks). */
	CHECK_EQ(block_sink_init(&bs, &a, stage, 4096), 0);
	CHECK_STR(bs.sink.name, "block");
	CHECK_EQ(bs.sink.capacity, (4u << 20) - BLKAREA_STREAM_OFF);
	CHECK_EQ(bs.sink.ops->write(&bs.sink, "x", 1), -EINVAL); /* not open */
	CHECK_EQ(bs.sink.ops->close(&bs.sink, 0), 0); /* nothing to do */
	ramdisk_reset_log(&rd);
	CHECK_EQ(bs.sink.ops->open(&bs.sink, id), 0);
	memset(big, 0x77, sizeof(big));
	CHECK_EQ(bs.sink.ops->write(&bs.sink, big, sizeof(big)), 0);
	CHECK_EQ(rd.log[2].count, 8); /* 4 KiB chunks of 512-byte blocks */
	/* More than the room left: refused, marked full. */
	bs.sink.capacity = bs.taken + 10;
	CHECK_EQ(bs.sink.ops->write(&bs.sink, big, 11), -ENOSPC);
	CHECK(bs.full);
	CHECK_EQ(bs.sink.ops->write(&bs.sink, big, 10), 0);
	CHECK_EQ(bs.sink.ops->close(&bs.sink, STREAM_STATUS_CUT), 0);
	CHECK(!memcmp(rd.data + a.offset + BLKAREA_STREAM_OFF, big, 70000));
	CHECK(
	    !memcmp(rd.data + a.offset + BLKAREA_STREAM_OFF + 70000, big, 10));
	{
		struct blkarea_state st;

		CHECK_EQ(blkarea_inspect(&a, stage, sizeof(stage), &st), 0);
		CHECK_EQ(st.verdict, BLKAREA_COMMITTED);
		CHECK_EQ(st.commit.flags, BLKAREA_CMT_F_FULL);
		CHECK_EQ(st.commit.stream_bytes, 70010);
		CHECK_EQ(st.commit.records, 2);
		CHECK_EQ(a.hdr.generation, 2);
	}
	/* Opening over an unsaved dump says so. */
	con_clear();
	CHECK_EQ(run_dump(&rd, "", &(struct crash){.pages = 10}), 0);
	CHECK(strstr(con_buf, "overwriting a dump that was not saved") != NULL);
	ramdisk_free(&rd);
}

static void test_4k_blocks(void)
{
	struct ramdisk rd;
	struct readback r;
	struct crash c;

	gpt_disk(&rd, 4096, 8);
	crash_make(&c, 2000, 8);
	CHECK_EQ(run_dump(&rd, "", &c), 0);
	CHECK_EQ(run.status, STREAM_STATUS_COMPLETE);
	CHECK_EQ(run.area.first_lba, (8u << 20) / 4096);
	check_write_log(&rd, &run.area, run.mem.n);
	CHECK(!memcmp(rd.data + run.area.offset + BLKAREA_STREAM_OFF,
		      run.mem.buf, run.mem.n));
	readback(&rd, &run.area, &r);
	CHECK_EQ(r.fin, 0);
	collect_free(&r.c);
	ramdisk_free(&rd);
}

/* --- --write-image: a stream into an image file, for the CLI tests -------- */

/* Drops every write after the Nth, like ramdisk.cut_after, over a file. */
struct cutdev {
	struct blk_dev dev;
	struct blk_dev *lower;
	unsigned writes, cut_after;
	uint64_t stream_lba, stream_end; /* stream blocks that landed */
};

static int cut_read(struct blk_dev *d, uint64_t lba, uint32_t n, void *buf)
{
	struct cutdev *c = (struct cutdev *)d;

	return blk_read(c->lower, lba, n, buf);
}

static int cut_write(struct blk_dev *d, uint64_t lba, uint32_t n,
		     const void *buf)
{
	struct cutdev *c = (struct cutdev *)d;

	if (++c->writes > c->cut_after && c->cut_after)
		return 0;
	if (c->stream_lba && lba >= c->stream_lba && lba + n > c->stream_end)
		c->stream_end = lba + n;
	return blk_write(c->lower, lba, n, buf);
}

static int cut_flush(struct blk_dev *d)
{
	return blk_flush(((struct cutdev *)d)->lower);
}

static const struct blk_ops cut_ops = {cut_read, cut_write, cut_flush};

static int replay(struct sink_set *set, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;
	size_t off = 0;
	unsigned status = STREAM_STATUS_ABORTED;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < STREAM_REC_MIN ||
	    fseek(f, 0, SEEK_SET) || !(b = malloc((size_t)n)) ||
	    fread(b, 1, (size_t)n, f) != (size_t)n ||
	    b[STREAM_REC_OFF_TYPE] != STREAM_REC_HEADER) {
		fprintf(stderr, "test_sink_block: %s: not a stream\n", path);
		return -1;
	}
	fclose(f);
	if (sinks_open(set, b + STREAM_REC_HDR_SIZE + STREAM_HDR_OFF_CRASH_ID))
		return -1;
	while (off + STREAM_REC_HDR_SIZE <= (size_t)n) {
		uint32_t len = stream_get32(b + off + STREAM_REC_OFF_LEN);

		if (len < STREAM_REC_MIN || off + len > (size_t)n)
			break;
		if (sinks_write(set, b + off, len)) {
			status = STREAM_STATUS_CUT;
			break;
		}
		if (b[off + STREAM_REC_OFF_TYPE] == STREAM_REC_TRAILER)
			status = b[off + STREAM_REC_HDR_SIZE +
				   STREAM_TRL_OFF_STATUS];
		off += len;
	}
	sinks_close(set, status);
	free(b);
	return (int)status;
}

static int write_image(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"write-image", required_argument, NULL, 'i'},
	    {"bootargs", required_argument, NULL, 'b'},
	    {"stream", required_argument, NULL, 's'},
	    {"synthetic", required_argument, NULL, 'p'},
	    {"cut-after-writes", required_argument, NULL, 'c'},
	    {"seed", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	const char *image = NULL, *bootargs = "", *stream = NULL;
	unsigned long pages = 0, cut = 0, seed = 77;
	uint64_t landed;
	struct blkfile f;
	struct cutdev cd;
	struct crash c;
	char id[33];
	int ch, status;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			image = optarg;
			break;
		case 'b':
			bootargs = optarg;
			break;
		case 's':
			stream = optarg;
			break;
		case 'p':
			pages = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cut = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (!image || !stream == !pages || blkfile_open(&f, image, true, 0))
		return 2;
	cd.dev = f.dev;
	cd.dev.ops = &cut_ops;
	cd.lower = &f.dev;
	cd.writes = 0;
	cd.cut_after = (unsigned)cut;
	cd.stream_lba = cd.stream_end = 0;
	config_defaults(&run.cfg);
	config_parse(&run.cfg, bootargs, NULL, NULL);
	if (block_target_find(&run.area, &cd.dev, &run.cfg, stage,
			      sizeof(stage))) {
		fprintf(stderr, "test_sink_block: %s\n", run.area.msg);
		return 1;
	}
	CHECK_EQ(block_sink_init(&run.bs, &run.area, stage, sizeof(stage)), 0);
	mem_init(&run.mem);
	run.set.n = 2;
	run.set.sink[0] = &run.bs.sink;
	run.set.sink[1] = &run.mem.sink;
	cd.stream_lba = cd.stream_end =
	    run.area.first_lba + BLKAREA_STREAM_OFF / f.dev.block_size;
	crash_make(&c, pages, (uint32_t)seed);
	status = stream ? replay(&run.set, stream) : crash_dump(&c, &run.set);
	blkfile_close(&f);
	landed = (cd.stream_end - cd.stream_lba) * f.dev.block_size;
	for (int i = 0; i < 16; i++)
		sprintf(id + 2 * i, "%02x", run.bs.area.hdr.crash_id[i]);
	printf("{\"status\": %d, \"crash_id\": \"%s\", \"stream_bytes\": %llu, "
	       "\"records\": %zu, \"writes\": %u, \"area_offset\": %llu, "
	       "\"pages\": %lu, \"described\": %llu}\n",
	       status, id, (unsigned long long)run.bs.durable, run.mem.count,
	       cd.writes, (unsigned long long)run.area.offset, pages,
	       (unsigned long long)described_pfns(&run.mem, landed));
	return status < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	log_set_console(&test_con);
	if (argc > 1 && !strcmp(argv[1], "--write-image"))
		return write_image(argc, argv);
	test_complete();
	test_cut();
	test_power_cut();
	test_raw_range();
	test_not_ours();
	test_errors();
	test_api();
	test_4k_blocks();
	free(run.mem.buf);
	return check_summary("test_sink_block");
}
