// SPDX-License-Identifier: MIT
/*
 * Tests of the host tool's receiving and writing code (host-tools/
 * collect.c, dumpmeta.c, vmcore_kdump.c, vmcore_elf.c, report.c,
 * vmread.c): a synthetic arm64 crash (two RAM ranges, a kernel image with
 * a 3.5-5.9 style printk buffer and init_uts_ns, two CPUs' NT_PRSTATUS,
 * VMCOREINFO) is encoded with payload/stream_enc.c and lz4, framed with
 * payload/frame.c amid console lines, fed to the collector in random
 * chunks, and written as kdump, flat and ELF.  Every page of each output
 * is checked against the original, and the bitmaps and program headers
 * against the page states.  Then records are dropped, duplicated,
 * corrupted and cut off, and the missing PFNs must be exactly those of
 * the page records that did not arrive.  Where the host has them,
 * readelf, vmcore-dmesg and makedumpfile -R check the files too.
 *
 * With "--write-streams DIR" (or TINYDUMP_WRITE_STREAMS=DIR) it only
 * writes sample streams and their expectations for
 * tests/test_tinydump_cli.py, and exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "host-tools/collect.h"
#include "host-tools/dumpmeta.h"
#include "host-tools/elfcore_build.h"
#include "host-tools/report.h"
#include "host-tools/vmcore.h"
#include "host-tools/vmread.h"
#include "payload/elf64.h"
#include "payload/frame.h"
#include "payload/stream_enc.h"
#include "tests/unit/check.h"

#define PS	 4096u
#define SHIFT	 12u
#define RUN_PFNS 128u /* small page records: drops lose small ranges */

/* The dead machine: RAM A holds the kernel image and the printk buffer. */
#define RAM_A	       0x40000000ull
#define RAM_A_PAGES    2048ull
#define RAM_B	       0x80000000ull
#define RAM_B_PAGES    1024ull
#define PHYS_OFFSET    RAM_A
#define PAGE_OFFSET    0xffff000000000000ull
#define KTEXT_VA       0xffff800008000000ull /* _text; _stext is 64 KiB on */
#define KTEXT_PA       0x40200000ull
#define KIMAGE_VOFFSET (KTEXT_VA - KTEXT_PA)
#define KIMAGE_PAGES   1024ull /* special pages: always dumped */
#define VARS_VA	       (KTEXT_VA + 0x300000)
#define UTS_VA	       (KTEXT_VA + 0x301000)
/* Page tables for readers that walk them (makedumpfile): 4 KiB, 48 bits. */
#define PGD_VA	   (KTEXT_VA + 0x310000) /* swapper_pg_dir */
#define PUD_LIN_PA (KTEXT_PA + 0x311000)
#define PUD_KIM_PA (KTEXT_PA + 0x312000)
#define PMD_KIM_PA (KTEXT_PA + 0x313000)
#define VMEMMAP	   0xfffffc0000000000ull /* FLATMEM's mem_map: never read */
#define DESC_TABLE 3ull
#define DESC_BLOCK 1ull
#define LOGBUF_PA  0x40700000ull
#define LOGBUF_LEN 16384u
#define CRASHTIME  1700000000ull
#define PFN_LO	   (RAM_A >> SHIFT)
#define PFN_HI	   ((RAM_B >> SHIFT) + RAM_B_PAGES)

static struct stream_range load_map[] = {
    /* vaddrs as a broken elfcorehdr gives them (page_offset taken as 0) */
    {RAM_A, RAM_A_PAGES *PS, RAM_A},
    {RAM_B, RAM_B_PAGES *PS, RAM_B},
};
static const struct stream_range resv_map[] = {{0x50000000ull, 64ull << 20, 0}};

static const uint8_t crash_id[STREAM_CRASH_ID_LEN] = {
    0xc0, 0xff, 0xee, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
};
#define CRASH_ID_HEX "c0ffee112233445566778899aabbccdd"

static const char *const dmesg_lines[] = {
    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
    "Kernel panic - not syncing: sysrq triggered crash",
    "tinydump test: the last words of the dead kernel",
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* --- the dead kernel's memory ------------------------------------------------
 */

struct obj {
	uint64_t pa;
	size_t len;
	uint8_t data[PS];
};

static struct obj objs[12];
static size_t nobjs;
static uint8_t notes[4096];
static size_t notes_len;
static char dmesg_text[1024];
static uint8_t alt_zero_mode; /* PN_XNUM test: alternate zero/excluded */

static void add_obj(uint64_t pa, const void *data, size_t len)
{
	objs[nobjs].pa = pa;
	objs[nobjs].len = len;
	memcpy(objs[nobjs].data, data, len);
	nobjs++;
}

static bool special(uint64_t pfn)
{
	return (pfn >= KTEXT_PA >> SHIFT &&
		pfn < (KTEXT_PA >> SHIFT) + KIMAGE_PAGES) ||
	       (pfn >= LOGBUF_PA >> SHIFT &&
		pfn < (LOGBUF_PA + LOGBUF_LEN) >> SHIFT);
}

/* What the payload's filter says: a stream page state. */
static uint8_t classify(uint64_t pfn)
{
	uint64_t h = mix(pfn) % 32;

	if (alt_zero_mode)
		return pfn & 1 ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE
			       : STREAM_PAGE_ZERO;
	if (special(pfn) || h >= 10)
		return STREAM_PAGE_DUMPED;
	if (h < 4)
		return STREAM_PAGE_ZERO;
	if (h < 8)
		return STREAM_PAGE_EXCLUDED | STREAM_EXCL_FREE;
	return h == 8 ? STREAM_PAGE_EXCLUDED | STREAM_EXCL_CACHE
		      : STREAM_PAGE_UNREADABLE;
}

/* Dumped pages with all-zero data (sent as data, not as state). */
static bool zero_data(uint64_t pfn)
{
	return !special(pfn) && mix(pfn) % 32 >= 10 && mix(pfn) % 32 < 12;
}

static void page_fill(uint64_t pfn, uint8_t *p)
{
	uint64_t h = mix(pfn), s = h | 1, pa = pfn << SHIFT, a, b;
	size_t i, n;

	memset(p, 0, PS);
	if (classify(pfn) != STREAM_PAGE_DUMPED || zero_data(pfn))
		return;
	if (h % 3 == 0) {
		for (i = 0; i < PS; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			p[i] = (uint8_t)s;
		}
	} else {
		for (i = 0; i < PS; i += n) {
			char line[80];

			n = (size_t)snprintf(line, sizeof(line),
					     "pfn %llx off %zu: data %llx\n",
					     (unsigned long long)pfn, i,
					     (unsigned long long)(h + i));
			n = n < PS - i ? n : PS - i;
			memcpy(p + i, line, n);
		}
	}
	for (i = 0; i < nobjs; i++) {
		a = objs[i].pa > pa ? objs[i].pa : pa;
		b = objs[i].pa + objs[i].len < pa + PS
			? objs[i].pa + objs[i].len
			: pa + PS;
		if (a < b)
			memcpy(p + (a - pa), objs[i].data + (a - objs[i].pa),
			       b - a);
	}
}

static bool in_load(uint64_t pfn)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (pfn >= load_map[i].paddr >> SHIFT &&
		    pfn < (load_map[i].paddr + load_map[i].size) >> SHIFT)
			return true;
	return false;
}

/* printk records of 3.5-5.9: {u64 ts; u16 len, text_len, dict_len; u8 u8}. */
static size_t build_logbuf(uint8_t *buf)
{
	size_t off = 0, i, tl, len;

	for (i = 0; i < sizeof(dmesg_lines) / sizeof(dmesg_lines[0]); i++) {
		tl = strlen(dmesg_lines[i]);
		len = (16 + tl + 7) & ~(size_t)7;
		memset(buf + off, 0, len);
		stream_put64(buf + off, (i + 1) * 1000000000ull);
		stream_put16(buf + off + 8, (uint16_t)len);
		stream_put16(buf + off + 10, (uint16_t)tl);
		memcpy(buf + off + 16, dmesg_lines[i], tl);
		off += len;
	}
	return off;
}

/* The linear map in 1 GiB blocks, the kernel image in 2 MiB blocks. */
static void build_page_tables(void)
{
	static uint8_t t[PS];
	uint64_t i;

	memset(t, 0, PS);
	stream_put64(t + 8 * ((PAGE_OFFSET >> 39) & 511),
		     PUD_LIN_PA | DESC_TABLE);
	stream_put64(t + 8 * ((KTEXT_VA >> 39) & 511), PUD_KIM_PA | DESC_TABLE);
	add_obj(PGD_VA - KIMAGE_VOFFSET, t, PS);
	memset(t, 0, PS);
	stream_put64(t, RAM_A | DESC_BLOCK);
	stream_put64(t + 8 * ((RAM_B - PHYS_OFFSET) >> 30), RAM_B | DESC_BLOCK);
	add_obj(PUD_LIN_PA, t, PS);
	memset(t, 0, PS);
	stream_put64(t + 8 * ((KTEXT_VA >> 30) & 511), PMD_KIM_PA | DESC_TABLE);
	add_obj(PUD_KIM_PA, t, PS);
	memset(t, 0, PS);
	for (i = 0; i < 3; i++)
		stream_put64(t + 8 * (((KTEXT_VA >> 21) & 511) + i),
			     (KTEXT_PA + (i << 21)) | DESC_BLOCK);
	add_obj(PMD_KIM_PA, t, PS);
}

static void build_memory(void)
{
	static const char *const uts[] = {"Linux",	"testhost",
					  "6.1.0-test", "#1 SMP PREEMPT",
					  "aarch64",	"(none)"};
	uint8_t buf[512], vars[40];
	size_t next, i, n;

	nobjs = 0;
	next = build_logbuf(buf);
	add_obj(LOGBUF_PA, buf, next);
	memset(vars, 0, sizeof(vars));
	stream_put64(vars,
		     PAGE_OFFSET + (LOGBUF_PA - PHYS_OFFSET)); /* log_buf */
	stream_put32(vars + 8, LOGBUF_LEN);		       /* _len */
	stream_put32(vars + 16, 0);			       /* first */
	stream_put32(vars + 24, (uint32_t)next);	       /* next */
	stream_put64(vars + 32, VMEMMAP);		       /* mem_map */
	add_obj(VARS_VA - KIMAGE_VOFFSET, vars, sizeof(vars));
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 6; i++)
		memcpy(buf + i * DUMPMETA_UTS_LEN, uts[i], strlen(uts[i]));
	add_obj(UTS_VA - KIMAGE_VOFFSET, buf, 6 * DUMPMETA_UTS_LEN);
	build_page_tables();
	for (i = 0, n = 0; i < sizeof(dmesg_lines) / sizeof(dmesg_lines[0]);
	     i++)
		n += (size_t)snprintf(dmesg_text + n, sizeof(dmesg_text) - n,
				      "[%5zu.000000] %s\n", i + 1,
				      dmesg_lines[i]);
}

static void build_notes(void)
{
	uint8_t desc[ELFCORE_PRSTATUS_SIZE];
	uint64_t regs[31];
	char vi[2048];
	size_t n;
	int cpu, r;

	notes_len = 0;
	for (cpu = 0; cpu < 2; cpu++) {
		for (r = 0; r < 31; r++)
			regs[r] = 0x1000ull * (uint64_t)(cpu + 1) + (uint64_t)r;
		elfcore_build_prstatus(desc, 100 + cpu, regs,
				       0xffff80000a003d00ull + (uint64_t)cpu,
				       0xffff800008123450ull + (uint64_t)cpu,
				       0x60400005);
		notes_len += elfcore_build_note(
		    notes + notes_len, sizeof(notes) - notes_len, "CORE",
		    NT_PRSTATUS, desc, sizeof(desc));
	}
	n = (size_t)snprintf(
	    vi, sizeof(vi),
	    "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
	    "SYMBOL(_stext)=%llx\nSYMBOL(swapper_pg_dir)=%llx\n"
	    "SYMBOL(mem_map)=%llx\nSYMBOL(log_buf)=%llx\n"
	    "SYMBOL(log_buf_len)=%llx\nSYMBOL(log_first_idx)=%llx\n"
	    "SYMBOL(log_next_idx)=%llx\nSIZE(printk_log)=16\n"
	    "OFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
	    "OFFSET(printk_log.text_len)=10\nSYMBOL(init_uts_ns)=%llx\n"
	    "SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	    "OFFSET(page.mapping)=24\n"
	    "OFFSET(uts_namespace.name)=0\nNUMBER(VA_BITS)=48\n"
	    "NUMBER(kimage_voffset)=0x%llx\nNUMBER(PHYS_OFFSET)=0x%llx\n"
	    "NUMBER(TCR_EL1_T1SZ)=0x10\nKERNELOFFSET=0\nCRASHTIME=%llu\n",
	    (unsigned long long)(KTEXT_VA + DUMPMETA_STEXT_OFFSET),
	    (unsigned long long)PGD_VA, (unsigned long long)VARS_VA + 32,
	    (unsigned long long)VARS_VA, (unsigned long long)VARS_VA + 8,
	    (unsigned long long)VARS_VA + 16, (unsigned long long)VARS_VA + 24,
	    (unsigned long long)UTS_VA, (unsigned long long)KIMAGE_VOFFSET,
	    (unsigned long long)PHYS_OFFSET, (unsigned long long)CRASHTIME);
	notes_len +=
	    elfcore_build_note(notes + notes_len, sizeof(notes) - notes_len,
			       "VMCOREINFO", 0, vi, (uint32_t)n);
}

/* --- encoding: records captured in one buffer
 * ------------------------------------ */

#define MAX_RECS 4096

struct recs {
	uint8_t *b;
	size_t n, cap;
	size_t off[MAX_RECS], len[MAX_RECS];
	size_t count;
};

static int rec_out(void *ctx, const void *rec, size_t len)
{
	struct recs *r = ctx;

	if (r->count == MAX_RECS)
		return -ENOSPC;
	if (r->n + len > r->cap) {
		r->cap = (r->n + len) * 2;
		r->b = realloc(r->b, r->cap);
		if (!r->b)
			return -ENOMEM;
	}
	memcpy(r->b + r->n, rec, len);
	r->off[r->count] = r->n;
	r->len[r->count++] = len;
	r->n += len;
	return 0;
}

static int enc_dumped(struct stream_enc *e, uint64_t pfn, uint32_t n)
{
	static uint8_t src[8 * PS];
	void *dst;
	size_t room;
	uint32_t i;
	int k, ret;

	for (i = 0; i < n; i++)
		page_fill(pfn + i, src + (size_t)i * PS);
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

static int enc_range(struct stream_enc *e, const struct stream_range *r)
{
	uint64_t pfn = r->paddr >> SHIFT, end = pfn + (r->size >> SHIFT);
	uint32_t n;
	uint8_t s;
	int ret = stream_enc_pages_begin(e, pfn);

	while (!ret && pfn < end) {
		s = classify(pfn);
		for (n = 1; pfn + n < end && classify(pfn + n) == s &&
			    (s != STREAM_PAGE_DUMPED || n < 8);
		     n++)
			;
		ret = s == STREAM_PAGE_DUMPED ? enc_dumped(e, pfn, n)
					      : stream_enc_pages_skip(e, s, n);
		pfn += n;
	}
	return ret;
}

/* The whole stream; @limit > 0 makes a sink that fills (trailer "cut"). */
static void encode(struct recs *r, uint64_t limit)
{
	static uint8_t buf[STREAM_ENC_BUF_SIZE];
	struct stream_header h;
	struct stream_enc e;
	static const char log[] = "tinydump 0.1.0: dumping 3072 pages\n";
	int ret;

	memset(r, 0, sizeof(*r));
	stream_enc_init(&e, rec_out, r, buf, sizeof(buf));
	e.run_max_pfns = RUN_PFNS;
	stream_enc_set_limit(&e, limit);
	memset(&h, 0, sizeof(h));
	h.page_size = PS;
	h.machine = STREAM_EM_AARCH64;
	h.endian = STREAM_ENDIAN_LITTLE;
	h.dump_level = 31;
	memcpy(h.crash_id, crash_id, sizeof(crash_id));
	h.crashtime = CRASHTIME;
	h.max_pfn = PFN_HI;
	h.map_count = 2;
	h.resv_count = 1;
	h.notes_size = (uint32_t)notes_len;
	strcpy(h.producer, "tinydump 0.1.0");
	CHECK_EQ(stream_enc_header(&e, &h), 0);
	CHECK_EQ(stream_enc_notes(&e, notes, notes_len), 0);
	CHECK_EQ(stream_enc_map(&e, STREAM_MAP_LOAD, load_map, 2), 0);
	CHECK_EQ(stream_enc_map(&e, STREAM_MAP_RESV, resv_map, 1), 0);
	CHECK_EQ(stream_enc_text(&e, STREAM_TEXT_LOG, log, strlen(log)), 0);
	CHECK_EQ(stream_enc_text(&e, STREAM_TEXT_DMESG, dmesg_text,
				 strlen(dmesg_text)),
		 0);
	ret = enc_range(&e, &load_map[0]);
	if (!ret)
		ret = enc_range(&e, &load_map[1]);
	if (ret == -ENOSPC)
		CHECK_EQ(stream_enc_trailer(&e, STREAM_STATUS_CUT, -ENOSPC), 0);
	else
		CHECK_EQ(stream_enc_trailer(&e, STREAM_STATUS_COMPLETE, 0), 0);
}

/* --- framing with console noise
 * ----------------------------------------------------- */

struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static int bytes_out(void *ctx, const void *data, size_t len)
{
	struct bytes *b = ctx;

	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			return -ENOMEM;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return 0;
}

/* What to do to record i on the way: 0 send, 1 drop, 2 send twice, 3 flip. */
typedef int (*rec_fate)(const struct recs *r, size_t i);

static int fate_send(const struct recs *r, size_t i)
{
	(void)r;
	(void)i;
	return 0;
}

static void frame(const struct recs *r, enum frame_mode mode, rec_fate fate,
		  struct bytes *out)
{
	static const char pre[] =
	    "[  123.456789] sysrq: Trigger a crash\r\n"
	    "[  123.457000] Kernel panic - not syncing\r\n";
	uint8_t tmp[STREAM_REC_MAX];
	struct frame_enc f;
	size_t i;
	int what;

	memset(out, 0, sizeof(*out));
	bytes_out(out, pre, sizeof(pre) - 1);
	frame_enc_init(&f, mode, bytes_out, out);
	frame_enc_begin(&f, crash_id);
	for (i = 0; i < r->count; i++) {
		what = fate(r, i);
		if (i % 50 == 7)
			bytes_out(out, "tinydump: still dumping\r\n", 25);
		if (what == 1)
			continue;
		memcpy(tmp, r->b + r->off[i], r->len[i]);
		if (what == 3)
			tmp[r->len[i] / 2] ^= 0x40;
		frame_enc_record(&f, tmp, r->len[i]);
		if (what == 2)
			frame_enc_record(&f, tmp, r->len[i]);
	}
	frame_enc_end(&f);
	bytes_out(out, "\r\ntinydump: done, resetting\r\n", 29);
}

/* --- expectations
 * ------------------------------------------------------------------ */

/* Which PFNs the delivered page records described. */
static void covered(const struct recs *r, rec_fate fate, size_t upto,
		    uint8_t *cov)
{
	const uint8_t *b;
	uint64_t first, n, j;
	size_t i;

	memset(cov, 0, PFN_HI);
	for (i = 0; i < r->count && i < upto; i++) {
		b = r->b + r->off[i];
		if (b[STREAM_REC_OFF_TYPE] != STREAM_REC_PAGES ||
		    fate(r, i) == 1 || fate(r, i) == 3)
			continue;
		first =
		    stream_get64(b + STREAM_REC_HDR_SIZE + STREAM_RUN_OFF_PFN);
		n = stream_get32(b + STREAM_REC_HDR_SIZE +
				 STREAM_RUN_OFF_NPAGES);
		for (j = 0; j < n; j++)
			cov[first + j] = 1;
	}
}

/* The missing ranges, as report.json prints them. */
static void expect_missing_json(const uint8_t *cov, char *out, size_t cap)
{
	uint64_t pfn, start = 0;
	size_t n = 0;
	bool in = false, miss;

	n += (size_t)snprintf(out + n, cap - n, "[");
	for (pfn = PFN_LO; pfn <= PFN_HI; pfn++) {
		miss = pfn < PFN_HI && in_load(pfn) && !cov[pfn];
		if (miss == in)
			continue;
		if (in)
			n += (size_t)snprintf(
			    out + n, cap - n, "%s[%" PRIu64 ", %" PRIu64 "]",
			    n > 1 ? ", " : "", start, pfn - 1);
		in = miss;
		start = pfn;
	}
	snprintf(out + n, cap - n, "]");
}

/* --- running the collector
 * ------------------------------------------------------------ */

static char tmpdir[64];

static char *test_open_dir(void *ctx, const struct collect *c)
{
	(void)c;
	return strdup(ctx);
}

static void clean_dir(const char *dir)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	closedir(dp);
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int collect_bytes(struct collect *c, const uint8_t *p, size_t n)
{
	struct collect_opts o = {
	    .store = true,
	    .keep_records = true,
	    .keep_raw = true,
	    .open_dir = test_open_dir,
	    .ctx = tmpdir,
	};
	size_t k;

	clean_dir(tmpdir);
	CHECK_EQ(collect_init(c, &o), 0);
	while (n && !collect_done(c)) {
		k = 1 + rng() % 9000;
		k = k < n ? k : n;
		CHECK_EQ(collect_feed(c, p, k), 0);
		p += k;
		n -= k;
	}
	return collect_finish(c);
}

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	struct stat st;
	char *b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	b = calloc(1, (size_t)st.st_size + 1);
	if (b && read(fd, b, (size_t)st.st_size) != st.st_size) {
		free(b);
		b = NULL;
	}
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return b;
}

static int out_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
}

static bool have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static int run(const char *fmt, const char *a)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, a, a, a);
	return system(cmd);
}

/* --- checking a kdump file
 * ---------------------------------------------------------- */

static bool bit(const uint8_t *bm, uint64_t pfn)
{
	return bm[pfn >> 3] >> (pfn & 7) & 1;
}

static void check_kdump_pages(const uint8_t *f, size_t flen,
			      const struct collect *c, uint64_t off_bm2,
			      uint64_t off_desc)
{
	static uint8_t want[PS], got[PS];
	uint64_t pfn, idx = 0, off;
	uint32_t size, flags;
	uLongf glen;
	bool bad = false;

	for (pfn = 0; pfn < PFN_HI && !bad; pfn++) {
		if (!bit(f + off_bm2, pfn))
			continue;
		const uint8_t *d = f + off_desc + idx++ * KDUMP_PD_SIZE;

		off = stream_get64(d);
		size = stream_get32(d + 8);
		flags = stream_get32(d + 12);
		if (off + size > flen || size > PS) {
			bad = true;
			break;
		}
		glen = PS;
		if (flags & KDUMP_COMPRESSED_ZLIB)
			bad = uncompress(got, &glen, f + off, size) != Z_OK ||
			      glen != PS;
		else
			memcpy(got, f + off, PS);
		page_fill(pfn, want);
		if (bad || memcmp(got, want, PS))
			bad = true;
		(void)c;
	}
	CHECK(!bad);
	CHECK_EQ(idx, c->cnt.dumped + c->cnt.zero);
}

static void check_kdump(const struct collect *c, const char *name,
			bool incomplete)
{
	size_t flen;
	uint8_t *f = (uint8_t *)slurp(name, &flen);
	uint64_t bs, sub, bmb, off_bm1, off_bm2, off_desc, pfn, offn, offv;
	bool ok1 = true, ok2 = true;
	uint8_t s;

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(!memcmp(f, "KDUMP   ", 8));
	CHECK_EQ(stream_get32(f + KDUMP_DH_VERSION), 6);
	CHECK_STR((char *)f + KDUMP_DH_UTSNAME + 4 * 65, "aarch64");
	CHECK_STR((char *)f + KDUMP_DH_UTSNAME + 65, "testhost");
	CHECK_STR((char *)f + KDUMP_DH_UTSNAME + 2 * 65, "6.1.0-test");
	CHECK_EQ(stream_get64(f + KDUMP_DH_TIMESTAMP), CRASHTIME);
	CHECK_EQ(stream_get32(f + KDUMP_DH_STATUS),
		 KDUMP_COMPRESSED_ZLIB |
		     (incomplete ? KDUMP_COMPRESSED_INCOMPLETE : 0));
	bs = stream_get32(f + KDUMP_DH_BLOCK_SIZE);
	CHECK_EQ(bs, PS);
	CHECK_EQ(stream_get32(f + KDUMP_DH_NR_CPUS), 2);
	CHECK_EQ(stream_get32(f + KDUMP_DH_MAX_MAPNR), PFN_HI);
	sub = stream_get32(f + KDUMP_DH_SUB_HDR_SIZE);
	CHECK_EQ(sub, (KDUMP_SH_SIZE + notes_len + PS - 1) / PS);
	bmb = stream_get32(f + KDUMP_DH_BITMAP_BLOCKS);
	CHECK_EQ(bmb, 2 * ((PFN_HI + 7) / 8 + PS - 1) / PS);
	CHECK_EQ(stream_get64(f + bs + KDUMP_SH_PHYS_BASE), PHYS_OFFSET);
	CHECK_EQ(stream_get32(f + bs + KDUMP_SH_DUMP_LEVEL), 31);
	CHECK_EQ(stream_get64(f + bs + KDUMP_SH_MAX_MAPNR_64), PFN_HI);
	offn = stream_get64(f + bs + KDUMP_SH_OFFSET_NOTE);
	CHECK_EQ(offn, bs + KDUMP_SH_SIZE);
	CHECK_EQ(stream_get64(f + bs + KDUMP_SH_SIZE_NOTE), notes_len);
	CHECK(!memcmp(f + offn, notes, notes_len));
	offv = stream_get64(f + bs + KDUMP_SH_OFFSET_VMCOREINFO);
	CHECK(offv > offn && offv < offn + notes_len &&
	      !memcmp(f + offv, "OSRELEASE=6.1.0-test\n", 21));
	CHECK(stream_get64(f + bs + KDUMP_SH_SIZE_VMCOREINFO) > 100);
	off_bm1 = (1 + sub) * bs;
	off_bm2 = off_bm1 + bmb / 2 * bs;
	off_desc = off_bm1 + bmb * bs;
	for (pfn = 0; pfn < 8 * bs * (bmb / 2); pfn++) {
		s = collect_state(c, pfn);
		if (bit(f + off_bm1, pfn) !=
		    (in_load(pfn) || s != COLLECT_NONE))
			ok1 = false;
		if (bit(f + off_bm2, pfn) != collect_present(s))
			ok2 = false;
	}
	CHECK(ok1);
	CHECK(ok2);
	check_kdump_pages(f, flen, c, off_bm2, off_desc);
	free(f);
}

/* --- checking an ELF file
 * ------------------------------------------------------------- */

static void check_elf(const struct collect *c, const struct vmcore_result *vr,
		      bool incomplete)
{
	static uint8_t want[PS];
	size_t flen, i, nload = 0, nk = 0;
	uint8_t *f = (uint8_t *)slurp("vmcore.elf", &flen), *p;
	uint8_t *seen = calloc(1, PFN_HI);
	uint64_t phnum, pa, va, off, sz, j;
	bool bad_content = false, bad_vaddr = false, bad_cover = false;

	CHECK(f && seen);
	if (!f || !seen)
		goto out;
	CHECK(f[EI_CLASS] == ELFCLASS64 && f[EI_DATA] == ELFDATA2LSB);
	CHECK_EQ(elf64_get16(f + ELF64_E_TYPE), ET_CORE);
	CHECK_EQ(elf64_get16(f + ELF64_E_MACHINE), EM_AARCH64);
	CHECK_EQ(elf64_get32(f + 48), incomplete ? ELF_DUMP_INCOMPLETE : 0);
	phnum = elf64_get16(f + ELF64_E_PHNUM);
	if (phnum == PN_XNUM)
		phnum = elf64_get32(f + elf64_get64(f + 40) + 44);
	p = f + ELF64_EHDR_SIZE;
	CHECK_EQ(elf64_get32(p + ELF64_P_TYPE), PT_NOTE);
	CHECK_EQ(elf64_get64(p + ELF64_P_FILESZ), notes_len);
	CHECK(!memcmp(f + elf64_get64(p + ELF64_P_OFFSET), notes, notes_len));
	for (i = 1; i < phnum; i++) {
		p = f + ELF64_EHDR_SIZE + i * ELF64_PHDR_SIZE;
		CHECK_EQ(elf64_get32(p + ELF64_P_TYPE), PT_LOAD);
		pa = elf64_get64(p + ELF64_P_PADDR);
		va = elf64_get64(p + ELF64_P_VADDR);
		off = elf64_get64(p + ELF64_P_OFFSET);
		sz = elf64_get64(p + ELF64_P_FILESZ);
		if (va >= KTEXT_VA) { /* kernel image: vaddr from _text */
			nk++;
			bad_vaddr |= va - KTEXT_VA != pa - KTEXT_PA;
		} else {
			nload++;
			bad_vaddr |= va != pa - PHYS_OFFSET + PAGE_OFFSET;
		}
		for (j = 0; j < sz / PS; j++) {
			uint64_t pfn = (pa >> SHIFT) + j;

			if (pfn >= PFN_HI ||
			    !collect_present(collect_state(c, pfn))) {
				bad_cover = true;
				break;
			}
			if (va < KTEXT_VA)
				seen[pfn]++;
			page_fill(pfn, want);
			if (off + (j + 1) * PS > flen ||
			    memcmp(f + off + j * PS, want, PS))
				bad_content = true;
		}
	}
	for (j = 0; j < PFN_HI; j++)
		if (seen[j] != collect_present(collect_state(c, j)))
			bad_cover = true;
	CHECK(!bad_vaddr);
	CHECK(!bad_cover);
	CHECK(!bad_content);
	CHECK_EQ(nload, vr->segments);
	CHECK_EQ(nk, vr->kimage_segs);
	CHECK(nk >= 1);
	CHECK_STR(vr->vaddr_source, "VMCOREINFO");
out:
	free(f);
	free(seen);
}

/* --- flat: rebuild the kdump file from the records
 * --------------------------------------- */

static void check_flat(void)
{
	size_t flen, klen, pos = FLAT_HEADER_SIZE;
	uint8_t *f = (uint8_t *)slurp("vmcore.flat", &flen);
	uint8_t *k = (uint8_t *)slurp("vmcore.kdump", &klen);
	uint8_t *r = calloc(1, klen + 1);
	uint64_t off, sz, end = 0;
	bool bad = false;
	int i;

	CHECK(f && k && r);
	if (!f || !k || !r)
		goto out;
	CHECK(!memcmp(f, "makedumpfile\0\0\0\0", 16));
	CHECK_EQ(f[23], 1);
	CHECK_EQ(f[31], 1);
	for (;;) {
		if (pos + 16 > flen) {
			bad = true;
			break;
		}
		for (i = 0, off = 0, sz = 0; i < 8; i++) {
			off = off << 8 | f[pos + i];
			sz = sz << 8 | f[pos + 8 + i];
		}
		pos += 16;
		if (off == UINT64_MAX && sz == UINT64_MAX)
			break;
		if (off + sz > klen || pos + sz > flen) {
			bad = true;
			break;
		}
		memcpy(r + off, f + pos, sz);
		pos += sz;
		end = off + sz > end ? off + sz : end;
	}
	CHECK(!bad);
	CHECK_EQ(pos, flen);
	CHECK_EQ(end, klen);
	CHECK(!memcmp(r, k, klen));
	if (have_tool("makedumpfile")) {
		CHECK_EQ(
		    run("makedumpfile -R %s/vmcore.rebuilt < %s/vmcore.flat "
			">/dev/null 2>&1 && cmp -s %s/vmcore.rebuilt "
			"%s/vmcore.kdump",
			tmpdir),
		    0);
		printf(
		    "makedumpfile -R rebuilt the kdump file byte for byte\n");
	} else {
		printf("makedumpfile not installed: -R not checked\n");
	}
out:
	free(f);
	free(k);
	free(r);
}

/* --- reports
 * -------------------------------------------------------------------------- */

static void write_report(const struct collect *c, const struct dumpmeta *m,
			 bool complete, const struct vmcore_result *vr)
{
	struct report r = {.c = c,
			   .m = m,
			   .complete = complete,
			   .format = "kdump",
			   .vmcore = "vmcore.kdump",
			   .vr = vr};
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/report.json", tmpdir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	report_json(&r, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.txt", tmpdir);
	f = fopen(path, "w");
	if (f) {
		report_text(&r, f);
		fclose(f);
	}
}

static bool json_has(const char *json, const char *s)
{
	bool ok = json && strstr(json, s);

	if (!ok)
		fprintf(stderr, "report.json lacks: %s\n", s);
	return ok;
}

static int read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	return collect_read_phys(ctx, paddr, buf, len);
}

/* Write all three formats and the report; check them. */
static void outputs(struct collect *c, int fin, bool check_files)
{
	struct vmcore_result vk, vf, ve;
	struct dumpmeta m;
	int fd;

	CHECK_EQ(dumpmeta_parse(&m, c->notes, c->notes_total), 0);
	dumpmeta_read_uts(&m, read_phys, c);
	CHECK(m.has_uts);
	CHECK_EQ(m.ncpus, 2);
	fd = out_file("vmcore.kdump");
	CHECK_EQ(vmcore_write_kdump(c, &m, fd, false, fin != 0, &vk), 0);
	close(fd);
	fd = out_file("vmcore.flat");
	CHECK_EQ(vmcore_write_kdump(c, &m, fd, true, fin != 0, &vf), 0);
	close(fd);
	fd = out_file("vmcore.elf");
	CHECK_EQ(vmcore_write_elf(c, &m, fd, fin != 0, &ve), 0);
	close(fd);
	CHECK_EQ(vk.zlib_pages + vk.raw_pages + vk.zero_pages,
		 c->cnt.dumped + c->cnt.zero);
	write_report(c, &m, fin == 0, &vk);
	if (check_files) {
		check_kdump(c, "vmcore.kdump", fin != 0);
		check_flat();
		check_elf(c, &ve, fin != 0);
	}
	dumpmeta_free(&m);
}

/* --- scenarios
 * ----------------------------------------------------------------------------
 */

static struct recs full;

static void test_complete(void)
{
	struct bytes in;
	struct collect c;
	size_t tlen;
	char *j, *t;
	int fin;

	frame(&full, FRAME_BINARY, fate_send, &in);
	fin = collect_bytes(&c, in.p, in.n);
	CHECK_EQ(fin, 0);
	CHECK(c.begin_seen && c.end_seen && c.have_trailer);
	CHECK_EQ(c.cnt.missing, 0);
	CHECK_EQ(c.taken, full.count);
	outputs(&c, fin, true);
	j = slurp("report.json", NULL);
	CHECK(json_has(j, "\"status\": \"complete\""));
	CHECK(json_has(j, "\"crash_id\": \"" CRASH_ID_HEX "\""));
	CHECK(json_has(j, "\"crashtime\": 1700000000"));
	CHECK(json_has(j, "\"producer\": \"tinydump 0.1.0\""));
	CHECK(json_has(j, "\"page_size\": 4096"));
	CHECK(json_has(j, "\"dump_level\": 31"));
	CHECK(json_has(j, "\"missing\": []"));
	CHECK(json_has(j,
		       "\"trailer\": {\"status\": \"complete\", \"error\": 0"));
	CHECK(json_has(j, "\"bad_frames\": 0, \"lost\": 0"));
	free(j);
	/* The texts, and the records for `convert` to redo it. */
	t = slurp("vmcore-dmesg.txt", NULL);
	CHECK(t && !strcmp(t, dmesg_text));
	free(t);
	t = slurp("console.log", NULL);
	CHECK(t && strstr(t, "dumping 3072 pages"));
	free(t);
	t = slurp("stream.tdr", &tlen);
	CHECK(t && tlen == full.n && !memcmp(t, full.b, full.n));
	free(t);
	if (have_tool("readelf")) {
		CHECK_EQ(run("readelf -a -W %s/vmcore.elf >%s/readelf.out "
			     "2>%s/readelf.err"
			     " && test ! -s %s/readelf.err",
			     tmpdir),
			 0);
		printf("readelf -a: no errors or warnings on the ELF vmcore\n");
	}
	if (access("/usr/sbin/vmcore-dmesg", X_OK) == 0) {
		CHECK_EQ(
		    run("/usr/sbin/vmcore-dmesg %s/vmcore.elf >%s/vd.out 2>&1"
			" && cmp -s %s/vd.out %s/vmcore-dmesg.txt",
			tmpdir),
		    0);
		printf("vmcore-dmesg read the printk buffer from the ELF "
		       "vmcore\n");
	}
	free(in.p);
	collect_free(&c);
}

/* The records file (stream.tdr) decodes like the capture. */
static void test_records_input(void)
{
	struct collect c;
	int fin = collect_bytes(&c, full.b, full.n);

	CHECK_EQ(fin, 0);
	CHECK(c.input == COLLECT_IN_RECORDS);
	CHECK_EQ(c.taken, full.count);
	CHECK(c.done); /* stopped at the trailer */
	collect_free(&c);
}

static size_t drop_a, drop_b;

static int fate_drop(const struct recs *r, size_t i)
{
	(void)r;
	return i == drop_a || i == drop_a + 1 || i == drop_b ? 1 : 0;
}

static int fate_dup_flip(const struct recs *r, size_t i)
{
	(void)r;
	return i == drop_a ? 3 : i % 5 == 0 ? 2 : 0;
}

/* Lost page records: exactly their PFNs are missing. */
static void test_dropped(rec_fate fate, const char *what, uint64_t bad_min)
{
	static uint8_t cov[PFN_HI];
	static char want[4096];
	struct bytes in;
	struct collect c;
	char *j, key[4200];
	int fin;

	frame(&full, FRAME_BINARY, fate, &in);
	fin = collect_bytes(&c, in.p, in.n);
	CHECK_EQ(fin, -ENODATA);
	covered(&full, fate, full.count, cov);
	expect_missing_json(cov, want, sizeof(want));
	outputs(&c, fin, true);
	j = slurp("report.json", NULL);
	snprintf(key, sizeof(key), "\"missing\": %s", want);
	CHECK(json_has(j, "\"status\": \"partial\""));
	CHECK(json_has(j, key));
	CHECK(c.cnt.missing > 0);
	CHECK(c.sum.seq_lost > 0);
	CHECK(c.fdec.stats.bad_frames >= bad_min);
	printf("%s: %" PRIu64 " PFNs missing in %zu ranges, as sent\n", what,
	       c.cnt.missing, c.missing.n);
	free(j);
	free(in.p);
	collect_free(&c);
}

/* No trailer: partial, trailer null, the tail missing. */
static void test_truncated(void)
{
	static uint8_t cov[PFN_HI];
	static char want[4096];
	struct collect c;
	size_t upto = full.count * 2 / 3;
	char *j, key[4200];
	int fin;

	fin = collect_bytes(&c, full.b, full.off[upto]);
	CHECK_EQ(fin, -ENODATA);
	covered(&full, fate_send, upto, cov);
	expect_missing_json(cov, want, sizeof(want));
	outputs(&c, fin, false);
	j = slurp("report.json", NULL);
	snprintf(key, sizeof(key), "\"missing\": %s", want);
	CHECK(json_has(j, "\"trailer\": null"));
	CHECK(json_has(j, key));
	free(j);
	collect_free(&c);
}

/* A sink that filled: trailer "cut". */
static void test_cut(void)
{
	static uint8_t cov[PFN_HI];
	static char want[4096];
	struct recs cut;
	struct bytes in;
	struct collect c;
	char *j, key[4200];
	int fin;

	encode(&cut, full.n / 2);
	frame(&cut, FRAME_ASCII, fate_send, &in);
	fin = collect_bytes(&c, in.p, in.n);
	CHECK_EQ(fin, -ENODATA);
	covered(&cut, fate_send, cut.count, cov);
	expect_missing_json(cov, want, sizeof(want));
	outputs(&c, fin, true);
	j = slurp("report.json", NULL);
	snprintf(key, sizeof(key), "\"missing\": %s", want);
	CHECK(json_has(j, "\"trailer\": {\"status\": \"cut\", \"error\": -28"));
	CHECK(json_has(j, key));
	free(j);
	free(in.p);
	free(cut.b);
	collect_free(&c);
}

/* Over 65534 program headers: PN_XNUM, the count in section header 0. */
static void test_xnum(void)
{
	struct vmcore_result vr;
	struct recs r;
	struct dumpmeta m;
	struct collect c;
	uint8_t e[ELF64_EHDR_SIZE], sh[64];
	char path[512];
	FILE *devnull;
	int fin, fd;

	alt_zero_mode = 1;
	load_map[0].size = 0x30000000ull; /* 196608 pages, every other zero */
	encode(&r, 0);
	fin = collect_bytes(&c, r.b, r.n);
	CHECK_EQ(fin, 0);
	dumpmeta_parse(&m, c.notes, c.notes_total);
	fd = out_file("vmcore.elf");
	CHECK_EQ(vmcore_write_elf(&c, &m, fd, false, &vr), 0);
	CHECK(vr.xnum);
	CHECK_EQ(vr.segments, (0x30000000ull / PS + RAM_B_PAGES) / 2);
	CHECK_EQ(pread(fd, e, sizeof(e), 0), (ssize_t)sizeof(e));
	CHECK_EQ(elf64_get16(e + ELF64_E_PHNUM), PN_XNUM);
	CHECK_EQ(pread(fd, sh, sizeof(sh), (off_t)elf64_get64(e + 40)),
		 (ssize_t)sizeof(sh));
	CHECK_EQ(elf64_get32(sh + 44), 1 + vr.segments + vr.kimage_segs);
	devnull = fopen("/dev/null", "w");
	CHECK_EQ(vmread_info(fd, VMREAD_ELF, devnull), 0);
	fclose(devnull);
	close(fd);
	if (have_tool("readelf")) {
		snprintf(path, sizeof(path),
			 "readelf -h %s/vmcore.elf 2>&1 | "
			 "grep -q 'Number of program headers: *65535 (%" PRIu64
			 ")'",
			 tmpdir, 1 + vr.segments + vr.kimage_segs);
		CHECK_EQ(system(path), 0);
		printf("readelf reads the PN_XNUM header count (%" PRIu64
		       " program headers)\n",
		       1 + vr.segments + vr.kimage_segs);
	}
	alt_zero_mode = 0;
	load_map[0].size = RAM_A_PAGES * PS;
	dumpmeta_free(&m);
	collect_free(&c);
	free(r.b);
}

/* `info` on each format reads what was written. */
static void test_info(void)
{
	static const char *const names[] = {"vmcore.kdump", "vmcore.flat",
					    "vmcore.elf"};
	static const enum vmread_kind kinds[] = {VMREAD_KDUMP, VMREAD_FLAT,
						 VMREAD_ELF};
	struct bytes in;
	struct collect c;
	char path[512], *out;
	FILE *f;
	size_t i;
	int fd, fin;

	frame(&full, FRAME_BINARY, fate_send, &in);
	fin = collect_bytes(&c, in.p, in.n);
	outputs(&c, fin, false);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		fd = open(path, O_RDONLY);
		CHECK_EQ(vmread_probe(fd), kinds[i]);
		snprintf(path, sizeof(path), "%s/info.out", tmpdir);
		f = fopen(path, "w");
		CHECK_EQ(vmread_info(fd, kinds[i], f), 0);
		fclose(f);
		close(fd);
		out = slurp("info.out", NULL);
		CHECK(out && strstr(out, "CPU 1: pid 101"));
		CHECK(out && strstr(out, "pc  ffff800008123451"));
		CHECK(out && strstr(out, "x30 000000000000201e"));
		CHECK(out && strstr(out, "OSRELEASE     6.1.0-test"));
		if (i < 2)
			CHECK(out && strstr(out, "zero") &&
			      strstr(out, "zlib"));
		free(out);
	}
	free(in.p);
	collect_free(&c);
}

/* --- sample streams for tests/test_tinydump_cli.py
 * ------------------------------------------ */

static void write_file(const char *dir, const char *name, const void *p,
		       size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static int write_streams(const char *dir)
{
	static uint8_t cov[PFN_HI];
	static char miss[4096], json[8192];
	struct bytes in;
	int n;

	mkdir(dir, 0755);
	frame(&full, FRAME_BINARY, fate_send, &in);
	write_file(dir, "complete.log", in.p, in.n);
	free(in.p);
	frame(&full, FRAME_ASCII, fate_send, &in);
	write_file(dir, "ascii.log", in.p, in.n);
	free(in.p);
	write_file(dir, "complete.tdr", full.b, full.n);
	frame(&full, FRAME_BINARY, fate_drop, &in);
	write_file(dir, "partial.log", in.p, in.n);
	free(in.p);
	write_file(dir, "truncated.tdr", full.b, full.off[full.count / 2]);
	covered(&full, fate_drop, full.count, cov);
	expect_missing_json(cov, miss, sizeof(miss));
	n = snprintf(json, sizeof(json),
		     "{\"crash_id\": \"%s\", \"crashtime\": %llu, "
		     "\"partial_missing\": %s, \"records\": %zu, "
		     "\"dmesg\": \"%s\", \"pfn_lo\": %llu, \"pfn_hi\": %llu}\n",
		     CRASH_ID_HEX, (unsigned long long)CRASHTIME, miss,
		     full.count, dmesg_lines[2], (unsigned long long)PFN_LO,
		     (unsigned long long)PFN_HI);
	write_file(dir, "expect.json", json, (size_t)n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("TINYDUMP_WRITE_STREAMS");
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--write-streams"))
		dir = argv[2];
	build_memory();
	build_notes();
	encode(&full, 0);
	/* Two lost runs of page records in RAM A, one in RAM B. */
	for (i = 0, drop_a = drop_b = 0; i < full.count; i++) {
		if (full.b[full.off[i] + STREAM_REC_OFF_TYPE] !=
		    STREAM_REC_PAGES)
			continue;
		if (!drop_a)
			drop_a = i + 3;
		drop_b = i - 2;
	}
	if (dir)
		return write_streams(dir);
	strcpy(tmpdir, "/tmp/tinydump-test-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_complete();
	test_records_input();
	test_dropped(fate_drop, "dropped records", 0);
	test_dropped(fate_dup_flip, "duplicated and corrupted records", 1);
	test_truncated();
	test_cut();
	test_xnum();
	test_info();
	clean_dir(tmpdir);
	rmdir(tmpdir);
	free(full.b);
	return check_summary("test_vmcore_writer");
}
