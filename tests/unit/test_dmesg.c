// SPDX-License-Identifier: MIT
/*
 * payload/dmesg.c on synthetic printk buffers: a lockless
 * printk_ringbuffer laid out as Linux 6.1 arm64 lays it out (VMCOREINFO
 * keys and offsets from a real Debian 6.1 vmcore) and a log_buf of
 * struct printk_log records (3.5-5.9), in a fake memory whose 4 KiB
 * virtual pages map to scattered physical pages.  Expected strings are
 * derived by hand from vmcore-dmesg's rules (kexec-tools
 * util_lib/elf_info.c); when /usr/sbin/vmcore-dmesg (or
 * $TINYDUMP_VMCORE_DMESG) exists, the same memory is also written as an
 * ELF core and its output compared byte for byte.  Corrupt variants must
 * end with counts, never a crash or an endless walk.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload/dmesg.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

#define PG 4096u
#define NPAGES 16u
#define VA_BASE UINT64_C(0xffff800010000000)
#define PA_BASE UINT64_C(0x40000000)

/* Where things live (virtual). */
#define VA_PRB_SYM (VA_BASE + 0x000)
#define VA_PRB (VA_BASE + 0x100)
#define VA_LOGSYM (VA_BASE + 0x200) /* log_buf, _len, _first_idx, _next_idx */
#define VA_DESCS (VA_BASE + 0x1000)
#define VA_INFOS (VA_BASE + 0x2000)
#define VA_DATA (VA_BASE + 0x5000 - 0x100) /* straddles two pages */
#define VA_LOGBUF (VA_BASE + 0x8000 - 0x40)

#define ID_MASK ((UINT64_C(1) << 62) - 1)

/* ------------------------------------------------------------------ */
/* Fake memory: VA page i -> PA page perm(i); reads checked. */

struct fake {
	uint8_t *mem;
	uint64_t pa_of[NPAGES];
	int fail_page;		/* VA page whose translation fails, or -1 */
	unsigned int crossings;	/* reads crossing a 4 KiB page */
	unsigned long reads;
};

static void fake_init(struct fake *f)
{
	unsigned int i;

	f->mem = calloc(NPAGES, PG);
	for (i = 0; i < NPAGES; i++)
		f->pa_of[i] = PA_BASE + (uint64_t)((i * 5 + 3) % NPAGES) * PG;
	f->fail_page = -1;
	f->crossings = 0;
	f->reads = 0;
}

static void fake_free(struct fake *f)
{
	free(f->mem);
	f->mem = NULL;
}

static int fake_va_to_pa(void *ctx, uint64_t va, uint64_t *pa)
{
	struct fake *f = ctx;
	uint64_t i;

	if (va < VA_BASE || va - VA_BASE >= (uint64_t)NPAGES * PG)
		return -EFAULT;
	i = (va - VA_BASE) / PG;
	if ((int)i == f->fail_page)
		return -EFAULT;
	*pa = f->pa_of[i] + (va & (PG - 1));
	return 0;
}

static int fake_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct fake *f = ctx;

	f->reads++;
	if (pa < PA_BASE || pa - PA_BASE > (uint64_t)NPAGES * PG ||
	    len > (uint64_t)NPAGES * PG - (pa - PA_BASE))
		return -EFAULT;
	if (len && (pa & ~(uint64_t)(PG - 1)) !=
			   ((pa + len - 1) & ~(uint64_t)(PG - 1)))
		f->crossings++;
	memcpy(buf, f->mem + (pa - PA_BASE), len);
	return 0;
}

static const struct dmesg_ops fake_ops = { fake_va_to_pa, fake_read };

static void fake_write(struct fake *f, uint64_t va, const void *src,
		       size_t len)
{
	const uint8_t *s = src;

	while (len) {
		size_t n = PG - (va & (PG - 1));
		uint64_t pa;

		if (n > len)
			n = len;
		if (va < VA_BASE || va - VA_BASE >= (uint64_t)NPAGES * PG)
			abort();
		pa = f->pa_of[(va - VA_BASE) / PG] + (va & (PG - 1));
		memcpy(f->mem + (pa - PA_BASE), s, n);
		va += n;
		s += n;
		len -= n;
	}
}

static void put64(struct fake *f, uint64_t va, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	fake_write(f, va, b, 8);
}

static void put32(struct fake *f, uint64_t va, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	fake_write(f, va, b, 4);
}

static void put16(struct fake *f, uint64_t va, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	fake_write(f, va, b, 2);
}

/* ------------------------------------------------------------------ */
/* VMCOREINFO: 6.1 arm64's printk keys, with lines dropped or added. */

static const char *const lockless_keys[] = {
	"OSRELEASE=6.1.0-test",
	"PAGESIZE=4096",
	"SYMBOL(prb)=ffff800010000000",
	"SYMBOL(printk_rb_static)=ffff800010000100",
	"SYMBOL(clear_seq)=ffff800010000300",
	"SIZE(printk_ringbuffer)=88",
	"OFFSET(printk_ringbuffer.desc_ring)=0",
	"OFFSET(printk_ringbuffer.text_data_ring)=48",
	"OFFSET(printk_ringbuffer.fail)=80",
	"SIZE(prb_desc_ring)=48",
	"OFFSET(prb_desc_ring.count_bits)=0",
	"OFFSET(prb_desc_ring.descs)=8",
	"OFFSET(prb_desc_ring.infos)=16",
	"OFFSET(prb_desc_ring.head_id)=24",
	"OFFSET(prb_desc_ring.tail_id)=32",
	"SIZE(prb_desc)=24",
	"OFFSET(prb_desc.state_var)=0",
	"OFFSET(prb_desc.text_blk_lpos)=8",
	"SIZE(prb_data_blk_lpos)=16",
	"OFFSET(prb_data_blk_lpos.begin)=0",
	"OFFSET(prb_data_blk_lpos.next)=8",
	"SIZE(printk_info)=88",
	"OFFSET(printk_info.seq)=0",
	"OFFSET(printk_info.ts_nsec)=8",
	"OFFSET(printk_info.text_len)=16",
	"OFFSET(printk_info.caller_id)=20",
	"OFFSET(printk_info.dev_info)=24",
	"SIZE(prb_data_ring)=32",
	"OFFSET(prb_data_ring.size_bits)=0",
	"OFFSET(prb_data_ring.data)=8",
	"OFFSET(prb_data_ring.head_lpos)=16",
	"OFFSET(prb_data_ring.tail_lpos)=24",
	"SIZE(atomic_long_t)=8",
	"OFFSET(atomic_long_t.counter)=0",
	"SIZE(latched_seq)=24",
	"OFFSET(latched_seq.val)=8",
	"NUMBER(VA_BITS)=48",
	NULL,
};

/* 5.x x86-64/arm64 struct printk_log without CONFIG_PRINTK_CALLER. */
static const char *const structured_keys[] = {
	"OSRELEASE=5.4.0-test",
	"PAGESIZE=4096",
	"SYMBOL(log_buf)=ffff800010000200",
	"SYMBOL(log_buf_len)=ffff800010000208",
	"SYMBOL(log_first_idx)=ffff80001000020c",
	"SYMBOL(clear_idx)=ffff800010000214",
	"SYMBOL(log_next_idx)=ffff800010000210",
	"SIZE(printk_log)=16",
	"OFFSET(printk_log.ts_nsec)=0",
	"OFFSET(printk_log.len)=8",
	"OFFSET(printk_log.text_len)=10",
	"OFFSET(printk_log.dict_len)=12",
	NULL,
};

struct vi_text {
	char text[4096];
	size_t len;
	struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	struct vmcoreinfo vi;
};

/* @drop: a key prefix to leave out; @extra: lines appended (they win). */
static void make_vi(struct vi_text *v, const char *const *keys,
		    const char *drop, const char *const *extra)
{
	size_t i;

	v->len = 0;
	for (i = 0; keys[i]; i++) {
		if (drop && !strncmp(keys[i], drop, strlen(drop)))
			continue;
		v->len += (size_t)snprintf(v->text + v->len,
					   sizeof(v->text) - v->len, "%s\n",
					   keys[i]);
	}
	for (i = 0; extra && extra[i]; i++)
		v->len += (size_t)snprintf(v->text + v->len,
					   sizeof(v->text) - v->len, "%s\n",
					   extra[i]);
	vmcoreinfo_init(&v->vi, v->ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&v->vi, v->text, v->len), 0);
}

/* ------------------------------------------------------------------ */
/* A lockless ring written as the kernel writes it (data_alloc()). */

struct ring {
	struct fake *f;
	unsigned int count_bits, size_bits;
	uint64_t head_lpos;
	uint64_t tail_id, head_id, next_id;
	uint64_t seq;
};

static void ring_store_ids(struct ring *r)
{
	put64(r->f, VA_PRB + 24, r->head_id);
	put64(r->f, VA_PRB + 32, r->tail_id);
}

static void ring_init(struct ring *r, struct fake *f, unsigned int count_bits,
		      unsigned int size_bits, uint64_t first_id,
		      uint64_t first_lpos)
{
	r->f = f;
	r->count_bits = count_bits;
	r->size_bits = size_bits;
	r->head_lpos = first_lpos;
	r->tail_id = first_id;
	r->head_id = first_id;
	r->next_id = first_id;
	r->seq = 0;
	put64(f, VA_PRB_SYM, VA_PRB);
	put32(f, VA_PRB + 0, count_bits);
	put64(f, VA_PRB + 8, VA_DESCS);
	put64(f, VA_PRB + 16, VA_INFOS);
	put32(f, VA_PRB + 48, size_bits);
	put64(f, VA_PRB + 56, VA_DATA);
	ring_store_ids(r);
}

/*
 * Append a record: @state 0..3, @tlen_override < 0 to store the real
 * length.  An empty text gets NO_LPOS (data-less) as the kernel does.
 */
static uint64_t ring_add(struct ring *r, unsigned int state, uint64_t ts,
			 const char *text, size_t len, uint32_t caller,
			 long tlen_override)
{
	uint64_t size = UINT64_C(1) << r->size_bits;
	uint64_t id = r->next_id;
	uint64_t slot = id & ((UINT64_C(1) << r->count_bits) - 1);
	uint64_t desc = VA_DESCS + slot * 24, info = VA_INFOS + slot * 88;
	uint64_t begin, next, off;

	if (!len) {
		begin = next = 0x3;
	} else {
		uint64_t blk = 8 + ((len + 7) & ~(uint64_t)7);
		static const uint8_t zero[8];

		begin = r->head_lpos;
		next = begin + blk;
		if ((begin >> r->size_bits) != (next >> r->size_bits)) {
			next = (next & ~(size - 1)) + blk;
			off = 0;
		} else {
			off = begin & (size - 1);
		}
		put64(r->f, VA_DATA + off, id);
		fake_write(r->f, VA_DATA + off + 8, text, len);
		fake_write(r->f, VA_DATA + off + 8 + len, zero,
			   blk - 8 - len);
		r->head_lpos = next;
	}
	put64(r->f, desc + 0, (uint64_t)state << 62 | id);
	put64(r->f, desc + 8, begin);
	put64(r->f, desc + 16, next);
	put64(r->f, info + 0, r->seq++);
	put64(r->f, info + 8, ts);
	put16(r->f, info + 16,
	      (uint16_t)(tlen_override >= 0 ? (size_t)tlen_override : len));
	put32(r->f, info + 20, caller);
	r->head_id = id;
	r->next_id = (id + 1) & ID_MASK;
	ring_store_ids(r);
	return id;
}

/* ------------------------------------------------------------------ */
/* Running the decoder and vmcore-dmesg. */

struct out {
	char buf[1 << 16];
	size_t len;
	unsigned int records;	/* pieces with eor */
	unsigned int spans;	/* pieces that did not start a record cleanly */
};

static void run(struct dmesg *dm, size_t cap, struct out *o)
{
	char piece[4096];
	size_t n;
	bool eor, start = true;
	int ret, guard = 0;

	o->len = 0;
	o->records = 0;
	o->spans = 0;
	while ((ret = dmesg_next_chunk(dm, piece, cap, &n, &eor)) == 1) {
		if (n < 1 || n > cap || o->len + n > sizeof(o->buf)) {
			o->spans++;
			break;
		}
		if (start && piece[0] != '[')
			o->spans++;
		memcpy(o->buf + o->len, piece, n);
		o->len += n;
		start = eor;
		if (eor)
			o->records++;
		if (++guard > 1000000)
			break;
	}
	CHECK_EQ(ret, 0);
	o->buf[o->len] = '\0';
}

static bool write_elf(const struct fake *f, const struct vi_text *v,
		      const char *path)
{
	size_t nph = 1 + NPAGES, note_off = sizeof(Elf64_Ehdr) +
					    nph * sizeof(Elf64_Phdr);
	size_t note_len = 12 + 12 + ((v->len + 3) & ~(size_t)3);
	size_t data_off = (note_off + note_len + PG - 1) & ~(size_t)(PG - 1);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint32_t nh[3] = { 11, (uint32_t)v->len, 0 };
	static const uint8_t pad[PG];
	FILE *fp = fopen(path, "wb");
	unsigned int i;
	bool ok;

	if (!fp)
		return false;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_AARCH64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = (Elf64_Half)nph;
	fwrite(&eh, sizeof(eh), 1, fp);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = note_off;
	ph.p_filesz = ph.p_memsz = note_len;
	fwrite(&ph, sizeof(ph), 1, fp);
	for (i = 0; i < NPAGES; i++) {
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = PF_R | PF_W | PF_X;
		ph.p_offset = data_off + (size_t)i * PG;
		ph.p_vaddr = VA_BASE + (uint64_t)i * PG;
		ph.p_paddr = f->pa_of[i];
		ph.p_filesz = ph.p_memsz = PG;
		fwrite(&ph, sizeof(ph), 1, fp);
	}
	fwrite(nh, sizeof(nh), 1, fp);
	fwrite("VMCOREINFO\0\0", 12, 1, fp);
	fwrite(v->text, v->len, 1, fp);
	fwrite(pad, note_len - 24 - v->len, 1, fp);
	fwrite(pad, data_off - note_off - note_len, 1, fp);
	for (i = 0; i < NPAGES; i++)
		fwrite(f->mem + (f->pa_of[i] - PA_BASE), PG, 1, fp);
	ok = !ferror(fp);
	return !fclose(fp) && ok;
}

static const char *vmcore_dmesg_path(void)
{
	const char *p = getenv("TINYDUMP_VMCORE_DMESG");

	if (!p)
		p = "/usr/sbin/vmcore-dmesg";
	return access(p, X_OK) ? NULL : p;
}

static unsigned int ref_runs;

/* Compare with vmcore-dmesg's output for the same memory, if we can. */
static void check_reference(const struct fake *f, const struct vi_text *v,
			    const struct out *o, const char *what)
{
	const char *tool = vmcore_dmesg_path();
	char path[] = "/tmp/test_dmesg_XXXXXX", cmd[256];
	static char ref[1 << 16];
	size_t n = 0, k;
	FILE *p;
	int fd;

	if (!tool)
		return;
	fd = mkstemp(path);
	if (fd < 0)
		return;
	close(fd);
	if (!write_elf(f, v, path)) {
		unlink(path);
		CHECK(!"could not write the ELF core");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", tool, path);
	p = popen(cmd, "r");
	if (p) {
		while ((k = fread(ref + n, 1, sizeof(ref) - 1 - n, p)) > 0)
			n += k;
		pclose(p);
	}
	unlink(path);
	ref[n] = '\0';
	ref_runs++;
	if (n != o->len || memcmp(ref, o->buf, n)) {
		fprintf(stderr, "%s: differs from vmcore-dmesg:\n--- ours\n%s"
			"--- vmcore-dmesg\n%s---\n", what, o->buf, ref);
		CHECK(!"output equals vmcore-dmesg's");
	} else {
		check_passed++;
	}
}

/* ------------------------------------------------------------------ */
/* Lockless ring. */

static const char rec_bytes[] = "bytes \x01\x1b[0m\x7f\xc3\xa9 \x0b\x0c\r end";

static const char expect_lockless[] =
	"[    0.000000] Booting Linux on physical CPU 0x0000000000\n"
	"[    1.234567] multi\nline\ttab\n"
	"[    5.000000] \n"
	"[12345.678901] bytes \\x01\\x1b[0m\\x7f\\xc3\\xa9 \x0b\x0c\r end\n"
	"[    0.999999] committed, caller id not printed\n"
	"[    0.000001] short\\x00\\x00\\x00\n"
	"[    7.000000] this one wraps to the start of the text ring and "
	"crosses nothing else: 0123456789abcdefghijklmnopqrstuvwxyz\n"
	"[18446744064486179580.18446744073708696841] ts_nsec >= 2^63\n"
	"[123456789.000000] last\n";

/* The scenario; returns the number of records printed. */
static void build_lockless(struct fake *f, struct ring *r)
{
	static const char wraps[] =
		"this one wraps to the start of the text ring and crosses "
		"nothing else: 0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t id;

	/* Ids wrap past DESC_ID_MASK; the first block straddles a page. */
	ring_init(r, f, 4, 9, ID_MASK - 2, 3 * 512 + 0xe0);
	ring_add(r, 2, 0, "Booting Linux on physical CPU 0x0000000000", 42,
		 0, -1);
	ring_add(r, 2, 1234567891, "multi\nline\ttab", 14, 1, -1);
	ring_add(r, 2, 5000000000, "", 0, 1, -1);		/* data-less */
	ring_add(r, 0, 6000000000, "reserved", 8, 1, -1);	/* skipped */
	ring_add(r, 2, UINT64_C(12345678901234), rec_bytes,
		 sizeof(rec_bytes) - 1, 1, -1);
	ring_add(r, 1, 999999999, "committed, caller id not printed", 32,
		 0x80000001u, -1);
	ring_add(r, 3, 1, "reusable", 8, 1, -1);		/* skipped */
	ring_add(r, 2, 1000, "short", 5, 1, 300);	/* text_len > block */
	/* Put the head so that the next block wraps to offset 0. */
	r->head_lpos = (r->head_lpos | 511) + 1 + 512 - 40;
	ring_add(r, 2, 7000000000, wraps, sizeof(wraps) - 1, 1, -1);
	ring_add(r, 2, UINT64_C(0x8000000000000000), "ts_nsec >= 2^63", 15,
		 1, -1);
	/* A descriptor that holds another id: skipped. */
	id = ring_add(r, 2, 1, "stale", 5, 1, -1);
	put64(f, VA_DESCS + (id & 15) * 24, (UINT64_C(2) << 62) |
						 ((id + 16) & ID_MASK));
	ring_add(r, 2, UINT64_C(123456789000000000), "last", 4, 1, -1);
}

static void test_lockless(void)
{
	static const size_t caps[] = { 1, 3, 4, 7, 64, 4096 };
	struct fake f;
	struct ring r;
	struct vi_text v;
	struct dmesg dm;
	static struct out o;
	uint64_t n;
	size_t i;

	fake_init(&f);
	build_lockless(&f, &r);
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dm.kind, DMESG_LOCKLESS);
	CHECK_EQ(dm.nids, 12);
	CHECK_EQ(dmesg_count_records(&dm, &n), 0);
	CHECK_EQ(n, 9);

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		dmesg_rewind(&dm);
		memset(&dm.stats, 0, sizeof(dm.stats));
		run(&dm, caps[i], &o);
		CHECK_STR(o.buf, expect_lockless);
		CHECK_EQ(o.records, 9);
		CHECK_EQ(o.spans, 0);
		CHECK_EQ(dm.stats.records, 9);
		CHECK_EQ(dm.stats.uncommitted, 3);
		CHECK_EQ(dm.stats.dataless, 1);
		CHECK_EQ(dm.stats.truncated, 1);
		CHECK_EQ(dm.stats.bad_lpos, 0);
		CHECK_EQ(dm.stats.bad_ids, 0);
		CHECK_EQ(dm.stats.read_errors, 0);
	}
	CHECK_EQ(f.crossings, 0);
	check_reference(&f, &v, &o, "lockless");

	/* The last 3 records; then more than there are. */
	CHECK_EQ(dmesg_tail(&dm, 3), 0);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, strstr(expect_lockless, "[    7.000000]"));
	CHECK_EQ(dmesg_tail(&dm, 100), 0);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, expect_lockless);
	CHECK_EQ(dmesg_tail(&dm, 0), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.len, 0);

	/* Skipping drops a half-printed record. */
	dmesg_rewind(&dm);
	{
		char piece[8];
		size_t len;
		bool eor;

		CHECK_EQ(dmesg_next_chunk(&dm, piece, sizeof(piece), &len,
					  &eor), 1);
		CHECK(!eor);
		CHECK_EQ(dmesg_skip_records(&dm, 6), 6);
		run(&dm, 4096, &o);
		CHECK_STR(o.buf, strstr(expect_lockless, "[18446744064"));
		CHECK_EQ(dmesg_skip_records(&dm, 5), 0);
	}

	/* A page of the text ring that does not translate: text cut. */
	f.fail_page = (int)((VA_DATA + 0x100 - VA_BASE) / PG);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.records, 9);
	/* Ring offsets 0x100.. are on the failing page; 0..0xff are not. */
	CHECK(!strncmp(o.buf, "[    0.000000] Booting Linux on physica\n"
		       "[    1.234567] \n[    5.000000] \n",
		       strlen("[    0.000000] Booting Linux on physica\n"
			      "[    1.234567] \n[    5.000000] \n")));
	CHECK(strstr(o.buf, "[    7.000000] this one wraps") != NULL);
	CHECK(dm.stats.read_errors > 0);
	f.fail_page = -1;
	fake_free(&f);
}

/* An empty ring as the kernel defines it: DESC0_ID, reusable. */
static void test_lockless_empty(void)
{
	struct fake f;
	struct ring r;
	struct vi_text v;
	struct dmesg dm;
	static struct out o;
	uint64_t desc0 = (-(UINT64_C(16) + 1)) & ID_MASK;

	fake_init(&f);
	ring_init(&r, &f, 4, 9, desc0, 0);
	put64(&f, VA_DESCS + 15 * 24, (UINT64_C(3) << 62) | desc0);
	put64(&f, VA_DESCS + 15 * 24 + 8, 1);
	put64(&f, VA_DESCS + 15 * 24 + 16, 1);
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.len, 0);
	CHECK_EQ(dm.stats.uncommitted, 1);
	check_reference(&f, &v, &o, "empty ring");
	fake_free(&f);
}

/* A full ring whose head lapped the descriptor array several times. */
static void test_lockless_full(void)
{
	struct fake f;
	struct ring r;
	struct vi_text v;
	struct dmesg dm;
	static struct out o;
	char text[32], want[64];
	unsigned int i;
	uint64_t n;

	fake_init(&f);
	ring_init(&r, &f, 3, 10, 100, 0);
	for (i = 0; i < 40; i++) {
		int len = snprintf(text, sizeof(text), "record %u", i);

		ring_add(&r, 2, (uint64_t)i * 1000000, text, (size_t)len, 1,
			 -1);
	}
	/* The kernel keeps the last 8: tail = head - 7. */
	r.tail_id = (r.head_id - 7) & ID_MASK;
	ring_store_ids(&r);
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dmesg_count_records(&dm, &n), 0);
	CHECK_EQ(n, 8);
	run(&dm, 4096, &o);
	snprintf(want, sizeof(want), "[    0.032000] record 32\n");
	CHECK(!strncmp(o.buf, want, strlen(want)));
	CHECK(strstr(o.buf, "[    0.039000] record 39\n") != NULL);
	CHECK_EQ(o.records, 8);
	check_reference(&f, &v, &o, "full ring");
	fake_free(&f);
}

static void test_lockless_corrupt(void)
{
	struct fake f;
	struct ring r;
	struct vi_text v;
	struct dmesg dm;
	static struct out o;
	uint64_t id;
	static const char *const small_desc[] = { "SIZE(prb_desc)=8", NULL };
	static const char *const big_off[] = {
		"OFFSET(printk_info.ts_nsec)=99999", NULL };
	static const char *const info_tight[] = {
		"OFFSET(printk_info.text_len)=87", NULL };

	fake_init(&f);
	build_lockless(&f, &r);

	/* Missing or impossible keys. */
	make_vi(&v, lockless_keys, "OFFSET(prb_desc.state_var)", NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	CHECK_EQ(dmesg_next_chunk(&dm, o.buf, 16, &o.len, &(bool){ 0 }),
		 -EINVAL);
	make_vi(&v, lockless_keys, NULL, small_desc);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	make_vi(&v, lockless_keys, NULL, big_off);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	make_vi(&v, lockless_keys, NULL, info_tight);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);

	make_vi(&v, lockless_keys, NULL, NULL);
	/* count_bits 60, size_bits 40. */
	put32(&f, VA_PRB + 0, 60);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	put32(&f, VA_PRB + 0, 4);
	put32(&f, VA_PRB + 48, 40);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	put32(&f, VA_PRB + 48, 9);
	/* More descriptors than text bytes: no kernel makes that. */
	put32(&f, VA_PRB + 0, 10);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	put32(&f, VA_PRB + 0, 4);

	/* prb pointing nowhere; descs pointing nowhere. */
	put64(&f, VA_PRB_SYM, 0x1234);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EIO);
	put64(&f, VA_PRB_SYM, VA_PRB);
	put64(&f, VA_PRB + 8, 0xdead0000);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.len, 0);
	CHECK_EQ(dm.stats.read_errors, 12);
	put64(&f, VA_PRB + 8, VA_DESCS);

	/* tail far behind head: clamped to 2^count_bits ids. */
	put64(&f, VA_PRB + 32, 0);
	put64(&f, VA_PRB + 24, UINT64_C(1) << 61);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dm.nids, 16);
	CHECK_EQ(dm.stats.bad_ids, 1);
	run(&dm, 4096, &o);
	CHECK_EQ(dm.stats.records + dm.stats.uncommitted +
			 dm.stats.read_errors, 16);
	/* Flag bits in head_id. */
	put64(&f, VA_PRB + 24, r.head_id | UINT64_C(3) << 62);
	put64(&f, VA_PRB + 32, r.tail_id);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dm.stats.bad_ids, 1);
	CHECK_EQ(dm.nids, 12);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, expect_lockless);
	ring_store_ids(&r);

	/* Blocks shorter than their id, and text_len 65535. */
	fake_free(&f);
	fake_init(&f);
	ring_init(&r, &f, 4, 9, 7, 0);
	id = ring_add(&r, 2, 0, "abc", 3, 0, -1);
	put64(&f, VA_DESCS + (id & 15) * 24 + 16, 4); /* next = begin + 4 */
	ring_add(&r, 2, 0, "x", 1, 0, 65535);
	id = ring_add(&r, 2, 0, "end of ring", 11, 0, 65535);
	/* begin at the ring's last 8 bytes, next below it: begin -> 0. */
	put64(&f, VA_DESCS + (id & 15) * 24 + 8, 512 - 4);
	put64(&f, VA_DESCS + (id & 15) * 24 + 16, 512 + 2);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.records, 3);
	CHECK_EQ(dm.stats.bad_lpos, 3);
	CHECK_EQ(dm.stats.truncated, 1);
	CHECK(o.len < 3 * (44 + 4 * 512 + 1));
	{
		static const char want[] =
			"[    0.000000] abc\n[    0.000000] x\\x00\\x00\\x00"
			"\\x00\\x00\\x00\\x00\n[    0.000000] abc\\x00";

		CHECK(!strncmp(o.buf, want, strlen(want)));
	}
	CHECK_EQ(f.crossings, 0);
	fake_free(&f);
}

/* ------------------------------------------------------------------ */
/* log_buf records (3.5-5.9). */

static uint32_t log_add(struct fake *f, uint32_t idx, uint64_t ts,
			const char *text, uint16_t tlen, const char *dict,
			uint16_t dlen, long len_override)
{
	uint32_t len = (16u + tlen + dlen + 7u) & ~7u;

	put64(f, VA_LOGBUF + idx, ts);
	put16(f, VA_LOGBUF + idx + 8,
	      (uint16_t)(len_override >= 0 ? (uint32_t)len_override : len));
	put16(f, VA_LOGBUF + idx + 10, tlen);
	put16(f, VA_LOGBUF + idx + 12, dlen);
	put16(f, VA_LOGBUF + idx + 14, 0x3006); /* facility 6, level 3 */
	fake_write(f, VA_LOGBUF + idx + 16, text, tlen);
	fake_write(f, VA_LOGBUF + idx + 16 + tlen, dict, dlen);
	return idx + len;
}

static void log_syms(struct fake *f, uint32_t len, uint32_t first,
		     uint32_t next)
{
	put64(f, VA_LOGSYM + 0, VA_LOGBUF);
	put32(f, VA_LOGSYM + 8, len);
	put32(f, VA_LOGSYM + 12, first);
	put32(f, VA_LOGSYM + 16, next);
}

static const char expect_structured[] =
	"[    3.000000] tail end\n"
	"[    3.500000] xx\\x02\n"
	"[    0.000000] \n"
	"[    4.000000] [wrapped]\n"
	"[    4.000001] with dict\n"
	"[  100.000000] multi\nline\n";

/* first_idx 160, a wrap marker at 208, next_idx 104. */
static void build_structured(struct fake *f)
{
	static const uint8_t zero[16];
	uint32_t i;

	i = log_add(f, 160, 3000000000, "tail end", 8, "", 0, -1);
	i = log_add(f, i, 3500000000, "xx\x02", 3, "", 0, -1);
	CHECK_EQ(i, 208);
	fake_write(f, VA_LOGBUF + i, zero, sizeof(zero)); /* the marker */
	i = log_add(f, 0, 4000000000, "[wrapped]", 9, "", 0, -1);
	i = log_add(f, i, 4000001000, "with dict", 9, "SUBSYSTEM=pci", 13,
		    -1);
	i = log_add(f, i, 100000000000, "multi\nline", 10, "", 0, -1);
	CHECK_EQ(i, 104);
	/* Stale records between next_idx and first_idx are not printed. */
	log_add(f, 104, 1, "stale", 5, "", 0, -1);
	log_syms(f, 256, 160, 104);
}

static void test_structured(void)
{
	struct fake f;
	struct vi_text v;
	struct dmesg dm;
	static struct out o;
	uint64_t n;
	static const char *const old_names[] = {
		"SIZE(log)=16", "OFFSET(log.ts_nsec)=0", "OFFSET(log.len)=8",
		"OFFSET(log.text_len)=10", NULL };
	static const char *const bad_len_sym[] = {
		"SYMBOL(log_buf_len)=ffff800010000000", NULL };

	fake_init(&f);
	build_structured(&f);
	make_vi(&v, structured_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dm.kind, DMESG_STRUCTURED);
	CHECK_EQ(dmesg_count_records(&dm, &n), 0);
	CHECK_EQ(n, 6);
	run(&dm, 5, &o);
	CHECK_STR(o.buf, expect_structured);
	CHECK_EQ(o.records, 6);
	CHECK_EQ(dm.stats.bad_records, 0);
	CHECK_EQ(f.crossings, 0);
	check_reference(&f, &v, &o, "structured");
	CHECK_EQ(dmesg_tail(&dm, 2), 0);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, strstr(expect_structured, "[    4.000001]"));

	/* 3.5-3.10 named the struct "log". */
	make_vi(&v, structured_keys, "SIZE(printk_log)", old_names);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, expect_structured);

	/* No buffer at all; the pre-3.5 character ring. */
	{
		static const char *const none[] = { "OSRELEASE=x", NULL };
		static const char *const legacy[] = {
			"SYMBOL(log_buf)=ffff800010000200",
			"SYMBOL(log_end)=ffff800010000208", NULL };

		make_vi(&v, none, NULL, NULL);
		CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -ENODEV);
		make_vi(&v, legacy, NULL, NULL);
		CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -ENOTSUP);
	}

	/* Impossible control values. */
	make_vi(&v, structured_keys, NULL, NULL);
	log_syms(&f, 256, 250, 104);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	CHECK_EQ(dm.stats.bad_records, 1);
	log_syms(&f, 0x80000001u, 160, 104);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	make_vi(&v, structured_keys, NULL, bad_len_sym);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), -EPROTO);
	make_vi(&v, structured_keys, NULL, NULL);

	/* A record whose successor is outside: printed, then stop. */
	log_syms(&f, 256, 160, 104);
	log_add(&f, 184, 3500000000, "xx\x02", 3, "", 0, 200);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_STR(o.buf, "[    3.000000] tail end\n[    3.500000] xx\\x02\n");
	CHECK_EQ(dm.stats.bad_records, 1);
	check_reference(&f, &v, &o, "structured, index outside");
	/* A length below the header: stop. */
	log_add(&f, 184, 3500000000, "xx\x02", 3, "", 0, 8);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(o.records, 2);
	CHECK_EQ(dm.stats.bad_records, 1);
	log_add(&f, 184, 3500000000, "xx\x02", 3, "", 0, -1);

	/* next_idx never reached: one wrap, then the second marker stops. */
	log_syms(&f, 256, 160, 112);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(dm.stats.bad_records, 1);
	CHECK_EQ(o.records, 8);
	CHECK(o.len >= 22 &&
	      !strcmp(o.buf + o.len - 22, "stale\n[    0.000000] \n"));
	check_reference(&f, &v, &o, "structured, cycle");

	/* text_len past the buffer's end: cut. */
	log_syms(&f, 256, 160, 104);
	log_add(&f, 184, 3500000000, "xx\x02", 3, "", 0, -1);
	put16(&f, VA_LOGBUF + 184 + 10, 60000);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	run(&dm, 4096, &o);
	CHECK_EQ(dm.stats.bad_lpos, 1);
	CHECK_EQ(o.records, 6);
	fake_free(&f);
}

/* dmesg_next_record() / dmesg_read_text(): what netconsole's extended
 * format needs, on both layouts. */
static void read_all_text(struct dmesg *dm, char *out, size_t *len,
			  size_t step)
{
	int k;

	*len = 0;
	while ((k = dmesg_read_text(dm, out + *len, step)) > 0)
		*len += (size_t)k;
	CHECK_EQ(k, 0);
}

static void test_records(void)
{
	static const uint64_t seqs[] = { 0, 1, 2, 4, 5, 7, 8, 9, 11 };
	static const char *const texts[] = {
		"Booting Linux on physical CPU 0x0000000000",
		"multi\nline\ttab", "", rec_bytes,
		"committed, caller id not printed", NULL, NULL,
		"ts_nsec >= 2^63", "last",
	};
	struct fake f;
	struct ring r;
	struct vi_text v;
	struct dmesg dm;
	struct dmesg_record rec;
	char text[512], piece[8];
	size_t len, i;
	bool eor;

	fake_init(&f);
	build_lockless(&f, &r);
	/* Facility and flags/level bytes after text_len, per slot. */
	for (i = 0; i < 16; i++) {
		uint8_t meta[2] = { (uint8_t)i,
				    (uint8_t)((i % 8) << 5 | (i & 1 ? 8 : 2)) };

		fake_write(&f, VA_INFOS + i * 88 + 18, meta, 2);
	}
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	for (i = 0; i < 9; i++) {
		unsigned slot = (unsigned)((13 + seqs[i]) & 15);

		CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
		CHECK(rec.seq_known && rec.meta_known);
		CHECK_EQ(rec.seq, seqs[i]);
		CHECK_EQ(rec.facility, slot);
		CHECK_EQ(rec.level, slot % 8);
		CHECK_EQ(rec.cont, slot & 1);
		read_all_text(&dm, text, &len, i % 2 ? 3 : sizeof(text));
		CHECK_EQ(len, rec.text_len);
		if (texts[i]) {
			CHECK_EQ(len, strlen(texts[i]));
			CHECK(!memcmp(text, texts[i], len));
		}
	}
	CHECK_EQ(dmesg_next_record(&dm, &rec), 0);
	CHECK_EQ(dm.stats.records, 9);
	CHECK_EQ(dmesg_read_text(&dm, text, sizeof(text)), 0);

	/* Mixed with chunks: a half-printed record is dropped; skipping
	 * and the tail count positions the same way. */
	dmesg_rewind(&dm);
	CHECK_EQ(dmesg_next_chunk(&dm, piece, sizeof(piece), &len, &eor), 1);
	CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
	CHECK_EQ(rec.seq, 1);
	CHECK_EQ(dmesg_tail(&dm, 2), 0);
	CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
	CHECK_EQ(rec.seq, 9);
	CHECK_EQ(rec.ts_nsec, UINT64_C(0x8000000000000000));

	/* Without OFFSET(printk_info.seq): positions; without caller_id,
	 * the level byte is not trusted. */
	make_vi(&v, lockless_keys, "OFFSET(printk_info.seq)", NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	for (i = 0; i < 9; i++) {
		CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
		CHECK(!rec.seq_known && rec.meta_known);
		CHECK_EQ(rec.seq, i);
	}
	make_vi(&v, lockless_keys, "OFFSET(printk_info.caller_id)", NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
	CHECK(rec.seq_known && !rec.meta_known);
	CHECK_EQ(rec.level, DMESG_LEVEL_UNKNOWN);
	CHECK_EQ(rec.facility, 0);

	/* An unreadable text page cuts the raw text too. */
	f.fail_page = (int)((VA_DATA + 0x100 - VA_BASE) / PG);
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
	read_all_text(&dm, text, &len, sizeof(text));
	CHECK(len < rec.text_len);
	CHECK(dm.stats.read_errors > 0);
	f.fail_page = -1;
	fake_free(&f);

	/* log_buf records: facility 6, byte 0x30 (level 1, flags 0x10). */
	fake_init(&f);
	build_structured(&f);
	make_vi(&v, structured_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
	for (i = 0; i < 6; i++) {
		CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
		CHECK(!rec.seq_known);
		CHECK_EQ(rec.seq, i);
		if (i == 2)	/* the zeroed wrap marker */
			continue;
		CHECK(rec.meta_known);
		CHECK_EQ(rec.facility, 6);
		CHECK_EQ(rec.level, 1);
		CHECK(!rec.cont);
		if (i == 4) {
			read_all_text(&dm, text, &len, 2);
			CHECK_EQ(len, 9);
			CHECK(!memcmp(text, "with dict", 9));
		}
	}
	CHECK_EQ(dmesg_next_record(&dm, &rec), 0);
	/* 3.5-3.10's "log": dict_len not exported, the layout is the same. */
	{
		static const char *const old_names[] = {
			"SIZE(log)=16", "OFFSET(log.ts_nsec)=0",
			"OFFSET(log.len)=8", "OFFSET(log.text_len)=10", NULL };

		make_vi(&v, structured_keys, "SIZE(printk_log)", old_names);
		CHECK_EQ(dmesg_init(&dm, &v.vi, &fake_ops, &f), 0);
		CHECK_EQ(dmesg_next_record(&dm, &rec), 1);
		CHECK(rec.meta_known);
		CHECK_EQ(rec.level, 1);
	}
	fake_free(&f);
	CHECK_EQ(dmesg_next_record(NULL, &rec), -EINVAL);
	CHECK_EQ(dmesg_next_record(&dm, NULL), -EINVAL);
	CHECK_EQ(dmesg_read_text(NULL, text, 1), -EINVAL);
}

static void test_args(void)
{
	struct dmesg dm;
	struct vi_text v;
	struct fake f;
	static const struct dmesg_ops half = { fake_va_to_pa, NULL };
	char c;
	size_t len;
	bool eor;
	uint64_t n;

	fake_init(&f);
	make_vi(&v, lockless_keys, NULL, NULL);
	CHECK_EQ(dmesg_init(NULL, &v.vi, &fake_ops, &f), -EINVAL);
	CHECK_EQ(dmesg_init(&dm, NULL, &fake_ops, &f), -EINVAL);
	CHECK_EQ(dmesg_init(&dm, &v.vi, &half, &f), -EINVAL);
	CHECK_EQ(dmesg_next_chunk(&dm, &c, 1, &len, &eor), -EINVAL);
	CHECK_EQ(dmesg_count_records(&dm, &n), -EINVAL);
	CHECK_EQ(dmesg_skip_records(&dm, 1), -EINVAL);
	CHECK_EQ(dmesg_tail(&dm, 1), -EINVAL);
	dmesg_rewind(&dm);
	fake_free(&f);
}

int main(void)
{
	test_args();
	test_lockless();
	test_lockless_empty();
	test_lockless_full();
	test_lockless_corrupt();
	test_structured();
	test_records();
	if (vmcore_dmesg_path())
		printf("test_dmesg: %u outputs compared with %s\n", ref_runs,
		       vmcore_dmesg_path());
	else
		printf("test_dmesg: vmcore-dmesg not found, reference "
		       "comparison skipped\n");
	return check_summary("test_dmesg");
}
