// SPDX-License-Identifier: MIT
/*
 * The fixture generator (host-tools/fixture_lib.c) against the payload's
 * own parsers: the header parses as payload/elfcore.c rules say, the
 * loads left after the reservation is taken out are the manifest's, the
 * note segments read from the fixture's memory merge into one NT_PRSTATUS
 * per CPU and a VMCOREINFO that says what the manifest says, and each
 * broken variant fails the way it should.  Also: same seed, same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host-tools/fixture_lib.h"
#include "payload/elf64.h"
#include "payload/elfcore.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

static struct elfcore_load loads[64];
static struct elfcore_note_seg segs[64];
static uint8_t merged[64 * 1024];

/* Parse the header as the payload does: property size, then the reservation. */
static int parse(const struct fixture *fx, struct elfcore *ec)
{
	const struct fixture_blob *h = fixture_blob_find(fx, "elfcorehdr.bin");
	struct elfcore_range resv = {fx->opts.resv_base, fx->opts.resv_size};
	uint8_t *copy;
	int ret;

	CHECK(h != NULL);
	if (!h)
		return -ENOENT;
	CHECK_EQ(h->paddr, fx->hdr_paddr);
	CHECK(fx->hdr_size <= h->size);
	/* An exact-size copy: ASan sees any read past the property. */
	copy = malloc(fx->hdr_size);
	memcpy(copy, h->data, fx->hdr_size);
	elfcore_init(ec, loads, 64, segs, 64);
	ret = elfcore_parse(ec, copy, fx->hdr_size);
	if (ret == 0)
		CHECK_EQ(elfcore_exclude(ec, &resv, 1), 0);
	free(copy);
	return ret;
}

static void merge(const struct fixture *fx, const struct elfcore *ec,
		  struct elfcore_merge *m)
{
	elfcore_merge_init(m, merged, sizeof(merged));
	for (size_t i = 0; i < ec->nnotes; i++) {
		uint8_t *seg = malloc(ec->notes[i].size);

		fixture_read(fx, ec->notes[i].paddr, seg, ec->notes[i].size);
		elfcore_merge_notes(m, seg, ec->notes[i].size);
		free(seg);
	}
}

/* The parsed loads cover exactly the fixture's loads and unreadable
 * ranges (clipping may leave adjacent pieces: merged here). */
static void check_loads(const struct fixture *fx, const struct elfcore *ec)
{
	struct fixture_range got[64], want[2 * FIXTURE_MAX_RANGES];
	size_t ngot = 0, nwant = 0;

	for (size_t i = 0; i < ec->nloads; i++) {
		if (ngot && got[ngot - 1].paddr + got[ngot - 1].size ==
				ec->loads[i].paddr)
			got[ngot - 1].size += ec->loads[i].size;
		else
			got[ngot++] = (struct fixture_range){ec->loads[i].paddr,
							     ec->loads[i].size};
	}
	for (size_t l = 0, u = 0; l < fx->nloads || u < fx->nunreadable;) {
		if (l < fx->nloads &&
		    (u == fx->nunreadable ||
		     fx->loads[l].paddr < fx->unreadable[u].paddr))
			want[nwant++] = fx->loads[l++];
		else
			want[nwant++] = fx->unreadable[u++];
	}
	CHECK_EQ(ngot, nwant);
	for (size_t i = 0; i < ngot && i < nwant; i++) {
		CHECK_EQ(got[i].paddr, want[i].paddr);
		CHECK_EQ(got[i].size, want[i].size);
	}
}

static void check_notes(const struct fixture *fx, const struct elfcore *ec,
			bool want_vmcoreinfo)
{
	static struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	struct elfcore_merge m;
	struct elfcore_note note;
	struct elfcore_prstatus pr;
	struct vmcoreinfo vi;
	unsigned cpu = 0, valid = 0;
	size_t pos = 0;
	uint64_t v, stext, voff;
	int64_t n;

	for (unsigned i = 0; i < fx->ncpus; i++)
		valid += fx->cpus[i].valid;
	merge(fx, ec, &m);
	CHECK_EQ(m.nprstatus, valid);
	CHECK_EQ(m.has_vmcoreinfo, want_vmcoreinfo);
	/* The register sets, in CPU order, skipping broken ones. */
	while (elfcore_note_next(m.out, m.len, &pos, &note) == 0) {
		if (!elfcore_note_is(&note, ELFCORE_NOTE_CORE, NT_PRSTATUS))
			continue;
		while (cpu < fx->ncpus && !fx->cpus[cpu].valid)
			cpu++;
		CHECK(cpu < fx->ncpus);
		if (cpu >= fx->ncpus)
			break;
		CHECK_EQ(elfcore_prstatus_parse(note.desc, note.descsz, &pr),
			 0);
		CHECK_EQ(pr.pc, fx->cpus[cpu].pc);
		CHECK_EQ(pr.pc, FIXTURE_PC_BASE + cpu);
		CHECK_EQ(pr.sp, fx->cpus[cpu].sp);
		CHECK_EQ(pr.regs[30], fx->cpus[cpu].regs[30]);
		CHECK_EQ(pr.pid, fx->cpus[cpu].pid);
		cpu++;
	}
	if (!want_vmcoreinfo)
		return;
	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&vi, (const char *)m.out + m.vmcoreinfo_off,
				  m.vmcoreinfo_len),
		 0);
	CHECK_EQ(vi.nmalformed, 0);
	CHECK_EQ(vi.nduplicate, 0);
	CHECK_EQ(vmcoreinfo_u64(&vi, "CRASHTIME", 10, &v), 0);
	CHECK_EQ(v, fx->crashtime);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 10, &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(vmcoreinfo_u64(&vi, "KERNELOFFSET", 16, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(vmcoreinfo_number(&vi, "VA_BITS", &n), 0);
	CHECK_EQ(n, 48);
	CHECK_EQ(vmcoreinfo_number(&vi, "TCR_EL1_T1SZ", &n), 0);
	CHECK_EQ(n, 16);
	CHECK_EQ(vmcoreinfo_number(&vi, "PHYS_OFFSET", &n), 0);
	CHECK_EQ((uint64_t)n, fx->opts.ram_base);
	CHECK_EQ(vmcoreinfo_number(&vi, "kimage_voffset", &n), 0);
	voff = (uint64_t)n;
	CHECK_EQ(voff, fx->kimage_voffset);
	CHECK_EQ(vmcoreinfo_number(&vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &n), 0);
	CHECK_EQ(n, -129);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "_stext", &stext), 0);
	CHECK_EQ(stext, FIXTURE_STEXT_VA);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "swapper_pg_dir", &v), 0);
	CHECK_EQ(v, fx->swapper_pg_dir);
	CHECK_EQ(vmcoreinfo_size(&vi, "page", &v), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", "_mapcount", &v), 0);
	CHECK_EQ(v, 48);
	/* __pa(_stext) and __pa(swapper_pg_dir) are in a PT_LOAD. */
	for (unsigned k = 0; k < 2; k++) {
		uint64_t pa = (k ? fx->swapper_pg_dir : stext) - voff;
		bool inside = false;

		for (size_t i = 0; i < fx->nloads; i++)
			inside |= pa >= fx->loads[i].paddr &&
				  pa < fx->loads[i].paddr + fx->loads[i].size;
		CHECK(inside);
	}
	{
		const char *val;
		size_t len;

		CHECK_EQ(vmcoreinfo_get(&vi, "OSRELEASE", &val, &len), 0);
		CHECK(len == strlen(FIXTURE_OSRELEASE) &&
		      !memcmp(val, FIXTURE_OSRELEASE, len));
	}
}

static void build(struct fixture *fx, struct fixture_opts *o)
{
	CHECK_EQ(fixture_build(fx, o), 0);
}

static void test_default(void)
{
	static struct fixture fx;
	struct fixture_opts o;
	struct elfcore ec;
	uint64_t total = 0;

	fixture_opts_default(&o);
	build(&fx, &o);
	CHECK_EQ(parse(&fx, &ec), 0);
	/* kexec-tools' shape: CPU notes, VMCOREINFO, text, RAM. */
	CHECK_EQ(ec.phnum, o.cpus + 1 + 1 + fx.nloads);
	CHECK_EQ(ec.nnotes, o.cpus + 1);
	CHECK_EQ(ec.flags, ELFCORE_F_CONTAINED);
	CHECK_EQ(ec.nbad_loads, 0);
	check_loads(&fx, &ec);
	check_notes(&fx, &ec, true);
	/* One range above 4 GiB, holes between them, none in the reservation.
	 */
	CHECK(fx.nloads >= 3);
	CHECK(fx.loads[fx.nloads - 1].paddr >= 0x100000000ull);
	for (size_t i = 0; i < fx.nloads; i++) {
		total += fx.loads[i].size;
		if (i)
			CHECK(fx.loads[i].paddr >
			      fx.loads[i - 1].paddr + fx.loads[i - 1].size);
		CHECK(fx.loads[i].paddr + fx.loads[i].size <= o.resv_base ||
		      fx.loads[i].paddr >= o.resv_base + o.resv_size);
	}
	CHECK(total <= 8u << 20);
	/* Every kind of page, and the counts add up. */
	CHECK(fx.pages[FIXTURE_PAGE_RANDOM] > 0);
	CHECK(fx.pages[FIXTURE_PAGE_ZERO] > 0);
	CHECK(fx.pages[FIXTURE_PAGE_TEXT] > 0);
	CHECK(fx.pages[FIXTURE_PAGE_SPARSE] > 0);
	CHECK_EQ(fx.pages[FIXTURE_PAGE_NOTES], o.cpus);
	CHECK_EQ(fx.pages[0] + fx.pages[1] + fx.pages[2] + fx.pages[3] +
		     fx.pages[4],
		 total / FIXTURE_PAGE_SIZE);
	CHECK_EQ(fx.zero_pages, fx.pages[FIXTURE_PAGE_ZERO]);
	CHECK(fx.expect_map);
	CHECK_EQ(fx.hdr_paddr, o.resv_base + o.resv_size - 4096);
	CHECK_EQ(fx.hdr_size, 1024);
	fixture_free(&fx);
}

static void test_seeds(void)
{
	static struct fixture a, b, c;
	struct fixture_opts o;
	bool same = true, differ = false;

	fixture_opts_default(&o);
	build(&a, &o);
	build(&b, &o);
	o.seed = 2;
	build(&c, &o);
	CHECK_EQ(a.nblobs, b.nblobs);
	CHECK_EQ(a.nblobs, c.nblobs);
	for (size_t i = 0; i < a.nblobs && i < c.nblobs; i++) {
		same &=
		    a.blobs[i].size == b.blobs[i].size &&
		    !memcmp(a.blobs[i].data, b.blobs[i].data, a.blobs[i].size);
		differ |=
		    a.blobs[i].size == c.blobs[i].size &&
		    memcmp(a.blobs[i].data, c.blobs[i].data, a.blobs[i].size);
	}
	CHECK(same);
	CHECK(differ);
	CHECK_EQ(a.crashtime, b.crashtime);
	CHECK(a.crashtime != c.crashtime);
	fixture_free(&a);
	fixture_free(&b);
	fixture_free(&c);
}

static void test_garbage_text(void)
{
	static struct fixture fx;
	struct fixture_opts o;
	struct elfcore ec;

	fixture_opts_default(&o);
	o.garbage_text = true;
	o.cpus = 4;
	build(&fx, &o);
	CHECK_EQ(parse(&fx, &ec), 0);
	CHECK(ec.flags & ELFCORE_F_UNKNOWN_TEXT);
	CHECK_EQ(ec.nbad_loads, 1);
	check_loads(&fx, &ec);
	check_notes(&fx, &ec, true);
	/* Debian's vaddrs: page_offset taken as 0. */
	CHECK_EQ(ec.loads[0].vaddr, fx.loads[0].paddr - o.ram_base);
	fixture_free(&fx);
}

static void test_no_memory_range(void)
{
	static struct fixture fx;
	struct fixture_opts o;
	struct elfcore ec;
	uint64_t ram_end;

	fixture_opts_default(&o);
	o.no_memory_range = true;
	build(&fx, &o);
	ram_end = o.ram_base + o.ram_size;
	CHECK_EQ(fx.nunreadable, 1);
	CHECK(fx.unreadable[0].paddr >= ram_end);
	CHECK_EQ(fx.unreadable[0].paddr, 0x200000000ull);
	CHECK_EQ(fx.nmemory, 2);
	CHECK_EQ(parse(&fx, &ec), 0);
	check_loads(&fx, &ec);
	/* With /memory as the DT has it, the range is cut away. */
	{
		struct elfcore_range ram = {o.ram_base, o.ram_size};

		CHECK_EQ(elfcore_intersect(&ec, &ram, 1), 0);
		CHECK_EQ(ec.nloads, fx.nloads);
		CHECK(ec.flags & ELFCORE_F_OUTSIDE);
	}
	fixture_free(&fx);
}

static void test_corrupt(void)
{
	static struct fixture fx;
	static const struct {
		enum fixture_corrupt kind;
		int parse_ret;
	} cases[] = {
	    {FIXTURE_CORRUPT_TRUNCATED, -EPROTO},
	    {FIXTURE_CORRUPT_ABSURD_PHNUM, -EPROTO},
	    {FIXTURE_CORRUPT_BAD_MAGIC, -ENODEV},
	    {FIXTURE_CORRUPT_OVERLAPPING, 0},
	    {FIXTURE_CORRUPT_NO_VMCOREINFO, 0},
	    {FIXTURE_CORRUPT_BAD_NOTE_SIZES, 0},
	};
	struct fixture_opts o;
	struct elfcore ec;
	enum fixture_corrupt k;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		fixture_opts_default(&o);
		o.corrupt = cases[i].kind;
		CHECK_EQ(
		    fixture_corrupt_parse(fixture_corrupt_name(o.corrupt), &k),
		    0);
		CHECK_EQ(k, o.corrupt);
		build(&fx, &o);
		CHECK_EQ(parse(&fx, &ec), cases[i].parse_ret);
		CHECK_EQ(fx.expect_map, cases[i].parse_ret == 0);
		switch (o.corrupt) {
		case FIXTURE_CORRUPT_OVERLAPPING:
			CHECK(ec.flags & ELFCORE_F_CLIPPED);
			CHECK(ec.flags & ELFCORE_F_CONTAINED);
			CHECK(ec.phnum > o.cpus + 2 + fx.nloads);
			check_loads(&fx, &ec);
			check_notes(&fx, &ec, true);
			break;
		case FIXTURE_CORRUPT_NO_VMCOREINFO:
			CHECK_EQ(ec.nnotes, o.cpus);
			check_loads(&fx, &ec);
			check_notes(&fx, &ec, false);
			break;
		case FIXTURE_CORRUPT_BAD_NOTE_SIZES:
			CHECK(ec.flags & ELFCORE_F_BAD_NOTE);
			CHECK_EQ(ec.nbad_notes, 2);
			CHECK(!fx.cpus[0].valid);
			check_loads(&fx, &ec);
			check_notes(&fx, &ec, true);
			{
				struct elfcore_merge m;

				merge(&fx, &ec, &m);
				CHECK(m.flags & ELFCORE_MF_BAD_NOTE);
			}
			break;
		default:
			break;
		}
		fixture_free(&fx);
	}
	CHECK_EQ(fixture_corrupt_parse("nonsense", &k), -EINVAL);
}

static void test_options(void)
{
	static struct fixture fx;
	struct fixture_opts o;
	uint64_t v;

	CHECK_EQ(fixture_parse_size("6G", &v), 0);
	CHECK_EQ(v, 6ull << 30);
	CHECK_EQ(fixture_parse_size("0x40000000", &v), 0);
	CHECK_EQ(v, 0x40000000);
	CHECK_EQ(fixture_parse_size("512k", &v), 0);
	CHECK_EQ(v, 512 * 1024);
	CHECK_EQ(fixture_parse_size("12", &v), 0);
	CHECK_EQ(v, 12);
	CHECK_EQ(fixture_parse_size("", &v), -EINVAL);
	CHECK_EQ(fixture_parse_size("0x", &v), -EINVAL);
	CHECK_EQ(fixture_parse_size("1GB", &v), -EINVAL);
	CHECK_EQ(fixture_parse_size("99999999999999999999", &v), -ERANGE);
	CHECK_EQ(fixture_parse_size("0xffffffffffffffffG", &v), -ERANGE);

	/* 1 GiB of RAM: no range above 4 GiB, still a sound crash. */
	fixture_opts_default(&o);
	o.ram_size = 1ull << 30;
	build(&fx, &o);
	CHECK_EQ(fx.nloads, 3);
	fixture_free(&fx);
	/* Bad machines. */
	fixture_opts_default(&o);
	o.cpus = 0;
	CHECK_EQ(fixture_build(&fx, &o), -EINVAL);
	fixture_free(&fx);
	o.cpus = FIXTURE_MAX_CPUS + 1;
	CHECK_EQ(fixture_build(&fx, &o), -EINVAL);
	fixture_free(&fx);
	fixture_opts_default(&o);
	o.resv_base = 0x40200000; /* over the first range */
	CHECK_EQ(fixture_build(&fx, &o), -EINVAL);
	fixture_free(&fx);
	fixture_opts_default(&o);
	o.resv_base = 0x1c0000000ull; /* past RAM */
	CHECK_EQ(fixture_build(&fx, &o), -EINVAL);
	fixture_free(&fx);
	/* The most CPUs fit the header in one page. */
	fixture_opts_default(&o);
	o.cpus = FIXTURE_MAX_CPUS;
	o.corrupt = FIXTURE_CORRUPT_OVERLAPPING;
	build(&fx, &o);
	CHECK(fx.hdr_size <= 4096);
	fixture_free(&fx);
}

static void test_write(void)
{
	static struct fixture fx;
	struct fixture_opts o;
	char dir[] = "/tmp/tinydump-fixture-XXXXXX";
	char path[256];
	FILE *f;
	long size;

	fixture_opts_default(&o);
	build(&fx, &o);
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(fixture_write(&fx, dir), 0);
	for (size_t i = 0; i < fx.nblobs; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fx.blobs[i].name);
		f = fopen(path, "rb");
		CHECK(f != NULL);
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		CHECK_EQ(size, (long)fx.blobs[i].size);
		fclose(f);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = 0;
		CHECK(strstr(buf, "\"loads\": [[1075838976, 2097152]") != NULL);
		CHECK(strstr(buf, "\"elfcorehdr\": [2131750912, 1024]") !=
		      NULL);
		fclose(f);
	}
	unlink(path);
	rmdir(dir);
	fixture_free(&fx);
}

int main(void)
{
	test_default();
	test_seeds();
	test_garbage_text();
	test_no_memory_range();
	test_corrupt();
	test_options();
	test_write();
	return check_summary("test_fixture");
}
