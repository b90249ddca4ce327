// SPDX-License-Identifier: MIT
/*
 * payload/vmcoreinfo.c on an arm64 VMCOREINFO as a 6.1 kernel writes it
 * (formats: include/linux/vmcore_info.h, arch/arm64/kernel/vmcore_info.c)
 * and on malformed texts.  Every text is copied into a heap buffer of its
 * exact length, without a NUL, so ASan catches any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

static const char arm64_text[] =
    "OSRELEASE=6.1.0-56-arm64\n"
    "BUILD-ID=5f1c3a1e0d9b4c2a8e7f6d5c4b3a29180716f5e4\n"
    "PAGESIZE=4096\n"
    "SYMBOL(init_uts_ns)=ffff80000a0d7c38\n"
    "OFFSET(uts_namespace.name)=0\n"
    "SYMBOL(node_online_map)=ffff80000a0c2f90\n"
    "SYMBOL(swapper_pg_dir)=ffff800009c5e000\n"
    "SYMBOL(_stext)=ffff800008010000\n"
    "SYMBOL(vmemmap)=fffffc0000000000\n"
    "SYMBOL(mem_section)=ffff0000ff7f6000\n"
    "LENGTH(mem_section)=1024\n"
    "SIZE(mem_section)=16\n"
    "OFFSET(mem_section.section_mem_map)=0\n"
    "NUMBER(SECTION_SIZE_BITS)=27\n"
    "NUMBER(MAX_PHYSMEM_BITS)=48\n"
    "SIZE(page)=64\n"
    "SIZE(pglist_data)=5824\n"
    "SIZE(zone)=1664\n"
    "OFFSET(page.flags)=0\n"
    "OFFSET(page._refcount)=52\n"
    "OFFSET(page.mapping)=24\n"
    "OFFSET(page.lru)=8\n"
    "OFFSET(page._mapcount)=48\n"
    "OFFSET(page.private)=40\n"
    "OFFSET(page.compound_head)=8\n"
    "LENGTH(zone.free_area)=11\n"
    "NUMBER(PG_lru)=4\n"
    "NUMBER(PG_private)=13\n"
    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
    "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
    "SYMBOL(kallsyms_names)=ffff800009a2b3c0\n"
    "NUMBER(VA_BITS)=48\n"
    "NUMBER(kimage_voffset)=0xffff7fffc7e00000\n"
    "NUMBER(PHYS_OFFSET)=0x40000000\n"
    "NUMBER(TCR_EL1_T1SZ)=0x10\n"
    "KERNELOFFSET=10000\n"
    "NUMBER(KERNELPACMASK)=0xff80000000000000\n"
    "CRASHTIME=1700000000\n";

static char *copy(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	memcpy(p, s, len);
	return p;
}

static void test_arm64(void)
{
	struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	struct vmcoreinfo vi;
	size_t len = sizeof(arm64_text) - 1, vlen;
	char *t = copy(arm64_text, len);
	const char *val;
	uint64_t u;
	int64_t s;

	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&vi, t, len), 0);
	CHECK_EQ(vi.count, 38);
	CHECK_EQ(vi.nmalformed, 0);
	CHECK_EQ(vi.nduplicate, 0);
	CHECK(!vi.truncated);

	CHECK_EQ(vmcoreinfo_get(&vi, "OSRELEASE", &val, &vlen), 0);
	CHECK_EQ(vlen, strlen("6.1.0-56-arm64"));
	CHECK(!memcmp(val, "6.1.0-56-arm64", vlen));
	CHECK_EQ(vmcoreinfo_get(&vi, "OSRELEAS", &val, &vlen), -ENODEV);
	CHECK_EQ(vmcoreinfo_get(&vi, "OSRELEASEX", &val, &vlen), -ENODEV);

	CHECK_EQ(vmcoreinfo_symbol(&vi, "swapper_pg_dir", &u), 0);
	CHECK_EQ(u, 0xffff800009c5e000ull);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "_stext", &u), 0);
	CHECK_EQ(u, 0xffff800008010000ull);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "_stex", &u), -ENODEV);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "vmemmap", &u), 0);
	CHECK_EQ(u, 0xfffffc0000000000ull);
	CHECK_EQ(vmcoreinfo_size(&vi, "page", &u), 0);
	CHECK_EQ(u, 64);
	CHECK_EQ(vmcoreinfo_size(&vi, "mem_section", &u), 0);
	CHECK_EQ(u, 16);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", "flags", &u), 0);
	CHECK_EQ(u, 0);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", "_refcount", &u), 0);
	CHECK_EQ(u, 52);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", "_mapcount", &u), 0);
	CHECK_EQ(u, 48);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", "flag", &u), -ENODEV);
	CHECK_EQ(vmcoreinfo_length(&vi, "zone.free_area", &u), 0);
	CHECK_EQ(u, 11);
	CHECK_EQ(vmcoreinfo_length(&vi, "mem_section", &u), 0);
	CHECK_EQ(u, 1024);

	CHECK_EQ(vmcoreinfo_number(&vi, "VA_BITS", &s), 0);
	CHECK_EQ(s, 48);
	CHECK_EQ(vmcoreinfo_number(&vi, "kimage_voffset", &s), 0);
	CHECK_EQ((uint64_t)s, 0xffff7fffc7e00000ull);
	CHECK_EQ(vmcoreinfo_number(&vi, "PHYS_OFFSET", &s), 0);
	CHECK_EQ(s, 0x40000000);
	CHECK_EQ(vmcoreinfo_number(&vi, "TCR_EL1_T1SZ", &s), 0);
	CHECK_EQ(s, 16);
	CHECK_EQ(vmcoreinfo_number(&vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s), 0);
	CHECK_EQ(s, -129);
	CHECK_EQ(vmcoreinfo_number(&vi, "KERNELPACMASK", &s), 0);
	CHECK_EQ((uint64_t)s, 0xff80000000000000ull);
	CHECK_EQ(vmcoreinfo_number(&vi, "NOPE", &s), -ENODEV);

	CHECK_EQ(vmcoreinfo_u64(&vi, "KERNELOFFSET", 16, &u), 0);
	CHECK_EQ(u, 0x10000);
	CHECK_EQ(vmcoreinfo_u64(&vi, "CRASHTIME", 10, &u), 0);
	CHECK_EQ(u, 1700000000);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 10, &u), 0);
	CHECK_EQ(u, 4096);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 0, &u), 0);
	CHECK_EQ(u, 4096);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 16, &u), 0);
	CHECK_EQ(u, 0x4096);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 8, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_u64(&vi, "OSRELEASE", 10, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_u64(&vi, "NUMBER(kimage_voffset)", 0, &u), 0);
	CHECK_EQ(u, 0xffff7fffc7e00000ull);
	CHECK_EQ(vmcoreinfo_u64(&vi, "NUMBER(kimage_voffset)", 10, &u),
		 -EINVAL);
	CHECK_EQ(
	    vmcoreinfo_u64(&vi, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", 10, &u),
	    -EINVAL);

	CHECK_EQ(vmcoreinfo_u64(NULL, "PAGESIZE", 10, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_u64(&vi, NULL, 10, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_u64(&vi, "PAGESIZE", 10, NULL), -EINVAL);
	CHECK_EQ(vmcoreinfo_symbol(&vi, NULL, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_offset(&vi, "page", NULL, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, NULL, &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_get(&vi, "PAGESIZE", NULL, &vlen), -EINVAL);
	free(t);
}

static int parse_str(struct vmcoreinfo *vi, struct vmcoreinfo_entry *ent,
		     size_t cap, const char *s, size_t len, char **keep)
{
	*keep = copy(s, len);
	vmcoreinfo_init(vi, ent, cap);
	return vmcoreinfo_parse(vi, *keep, len);
}

#define PARSE(vi, ent, s, keep)                                                \
	parse_str(vi, ent, sizeof(ent) / sizeof(ent[0]), s, sizeof(s) - 1, keep)

static void test_malformed(void)
{
	static const char text[] = "GOOD=1\n"
				   "no equals sign\n"
				   "=novalue\n"
				   "\n"
				   "CTRL=a\x01"
				   "b\n"
				   "CR=5\r\n"
				   "HIGH=\xc3\xa9\n"
				   "EMPTY=\n"
				   "EQ=a=b\n"
				   "GOOD2=2\n"
				   "CRASHTIME=17";
	static const char text_nul[] = "A=1\nB=2\n\0C=3\n";
	static const char text_cut_nul[] = "A=1\nB=2\0\0\0\0";
	struct vmcoreinfo_entry ent[16];
	struct vmcoreinfo vi;
	char line[400], *t;
	const char *val;
	size_t vlen;
	uint64_t u;

	CHECK_EQ(PARSE(&vi, ent, text, &t), 0);
	CHECK_EQ(vi.count, 4); /* GOOD, EMPTY, EQ, GOOD2 */
	CHECK_EQ(vi.nmalformed, 6);
	CHECK(vi.truncated);
	CHECK_EQ(vmcoreinfo_u64(&vi, "GOOD2", 10, &u), 0);
	CHECK_EQ(u, 2);
	/* The cut-off CRASHTIME=17 must not be taken for a time. */
	CHECK_EQ(vmcoreinfo_u64(&vi, "CRASHTIME", 10, &u), -ENODEV);
	CHECK_EQ(vmcoreinfo_get(&vi, "EMPTY", &val, &vlen), 0);
	CHECK_EQ(vlen, 0);
	CHECK_EQ(vmcoreinfo_u64(&vi, "EMPTY", 10, &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_get(&vi, "EQ", &val, &vlen), 0);
	CHECK_EQ(vlen, 3);
	CHECK(!memcmp(val, "a=b", 3));
	CHECK_EQ(vmcoreinfo_get(&vi, "CR", &val, &vlen), -ENODEV);
	free(t);

	/* A NUL ends the text (note padding); a line cut by it is malformed. */
	CHECK_EQ(PARSE(&vi, ent, text_nul, &t), 0);
	CHECK_EQ(vi.count, 2);
	CHECK_EQ(vi.nmalformed, 0);
	free(t);
	CHECK_EQ(PARSE(&vi, ent, text_cut_nul, &t), 0);
	CHECK_EQ(vi.count, 1);
	CHECK(vi.truncated);
	free(t);

	/* Longest allowed line, then one byte more. */
	memset(line, 'x', sizeof(line));
	line[0] = 'K';
	line[1] = '=';
	line[VMCOREINFO_LINE_MAX] = '\n';
	t = copy(line, VMCOREINFO_LINE_MAX + 1);
	vmcoreinfo_init(&vi, ent, 16);
	CHECK_EQ(vmcoreinfo_parse(&vi, t, VMCOREINFO_LINE_MAX + 1), 0);
	CHECK_EQ(vi.count, 1);
	CHECK_EQ(vmcoreinfo_get(&vi, "K", &val, &vlen), 0);
	CHECK_EQ(vlen, VMCOREINFO_LINE_MAX - 2);
	free(t);
	line[VMCOREINFO_LINE_MAX] = 'x';
	line[VMCOREINFO_LINE_MAX + 1] = '\n';
	t = copy(line, VMCOREINFO_LINE_MAX + 2);
	vmcoreinfo_init(&vi, ent, 16);
	CHECK_EQ(vmcoreinfo_parse(&vi, t, VMCOREINFO_LINE_MAX + 2), 0);
	CHECK_EQ(vi.count, 0);
	CHECK_EQ(vi.nmalformed, 1);
	free(t);

	/* Empty input; NULL. */
	vmcoreinfo_init(&vi, ent, 16);
	CHECK_EQ(vmcoreinfo_parse(&vi, NULL, 0), 0);
	CHECK_EQ(vmcoreinfo_parse(&vi, NULL, 1), -EINVAL);
	CHECK_EQ(vmcoreinfo_parse(NULL, "A=1\n", 4), -EINVAL);
	CHECK_EQ(vi.count, 0);
}

static void test_numbers(void)
{
	static const char text[] = "NUMBER(max)=9223372036854775807\n"
				   "NUMBER(min)=-9223372036854775808\n"
				   "NUMBER(over)=9223372036854775808\n"
				   "NUMBER(under)=-9223372036854775809\n"
				   "NUMBER(hex64)=0xFFFFFFFFFFFFFFFF\n"
				   "NUMBER(hex65)=0x10000000000000000\n"
				   "NUMBER(neghex)=-0x10\n"
				   "NUMBER(dash)=-\n"
				   "NUMBER(bare0x)=0x\n"
				   "NUMBER(space)= 5\n"
				   "NUMBER(plus)=+5\n"
				   "NUMBER(trail)=5 \n"
				   "NUMBER(zero)=0\n"
				   "SYMBOL(long)=00000000ffff800009c5e000\n"
				   "SYMBOL(big)=1ffff800009c5e000\n"
				   "SYMBOL(prefixed)=0xffff800009c5e000\n"
				   "SYMBOL(g)=ffffg\n"
				   "SIZE(u64max)=18446744073709551615\n"
				   "SIZE(u64over)=18446744073709551616\n"
				   "SIZE(neg)=-1\n"
				   "SIZE(hex)=0x10\n";
	struct vmcoreinfo_entry ent[32];
	struct vmcoreinfo vi;
	uint64_t u;
	int64_t s;
	char *t;

	CHECK_EQ(PARSE(&vi, ent, text, &t), 0);
	CHECK_EQ(vi.count, 21);
	CHECK_EQ(vmcoreinfo_number(&vi, "max", &s), 0);
	CHECK_EQ(s, INT64_MAX);
	CHECK_EQ(vmcoreinfo_number(&vi, "min", &s), 0);
	CHECK_EQ(s, INT64_MIN);
	CHECK_EQ(vmcoreinfo_number(&vi, "over", &s), -ERANGE);
	CHECK_EQ(vmcoreinfo_number(&vi, "under", &s), -ERANGE);
	CHECK_EQ(vmcoreinfo_number(&vi, "hex64", &s), 0);
	CHECK_EQ(s, -1);
	CHECK_EQ(vmcoreinfo_number(&vi, "hex65", &s), -ERANGE);
	CHECK_EQ(vmcoreinfo_number(&vi, "neghex", &s), 0);
	CHECK_EQ(s, -16);
	CHECK_EQ(vmcoreinfo_number(&vi, "dash", &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, "bare0x", &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, "space", &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, "plus", &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, "trail", &s), -EINVAL);
	CHECK_EQ(vmcoreinfo_number(&vi, "zero", &s), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "long", &u), 0);
	CHECK_EQ(u, 0xffff800009c5e000ull);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "big", &u), -ERANGE);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "prefixed", &u), 0);
	CHECK_EQ(u, 0xffff800009c5e000ull);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "g", &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_size(&vi, "u64max", &u), 0);
	CHECK_EQ(u, UINT64_MAX);
	CHECK_EQ(vmcoreinfo_size(&vi, "u64over", &u), -ERANGE);
	CHECK_EQ(vmcoreinfo_size(&vi, "neg", &u), -EINVAL);
	CHECK_EQ(vmcoreinfo_size(&vi, "hex", &u), -EINVAL);
	free(t);
}

static void test_duplicates_and_capacity(void)
{
	static const char text[] = "CRASHTIME=1\n"
				   "A=1\n"
				   "B=2\n"
				   "C=3\n"
				   "CRASHTIME=1700000000\n"
				   "D=4\n"
				   "E=5\n";
	struct vmcoreinfo_entry ent[4], big[8];
	struct vmcoreinfo vi;
	uint64_t u;
	char *t, *t2;

	/* Last wins, and a duplicate takes no new entry. */
	CHECK_EQ(PARSE(&vi, big, text, &t), 0);
	CHECK_EQ(vi.count, 6);
	CHECK_EQ(vi.nduplicate, 1);
	CHECK_EQ(vmcoreinfo_u64(&vi, "CRASHTIME", 10, &u), 0);
	CHECK_EQ(u, 1700000000);
	/* A second text adds to the table and overrides. */
	t2 = copy("A=9\nF=6\n", 8);
	CHECK_EQ(vmcoreinfo_parse(&vi, t2, 8), 0);
	CHECK_EQ(vi.count, 7);
	CHECK_EQ(vmcoreinfo_u64(&vi, "A", 10, &u), 0);
	CHECK_EQ(u, 9);
	free(t2);
	free(t);

	/* Four entries: D and E do not fit; the rest is usable. */
	CHECK_EQ(PARSE(&vi, ent, text, &t), -ENOSPC);
	CHECK_EQ(vi.count, 4);
	CHECK_EQ(vi.ndropped, 2);
	CHECK_EQ(vmcoreinfo_u64(&vi, "CRASHTIME", 10, &u), 0);
	CHECK_EQ(u, 1700000000);
	CHECK_EQ(vmcoreinfo_u64(&vi, "E", 10, &u), -ENODEV);
	free(t);

	/* No storage. */
	vmcoreinfo_init(&vi, NULL, 4);
	CHECK_EQ(vmcoreinfo_parse(&vi, "A=1\n", 4), -ENOSPC);
	CHECK_EQ(vi.count, 0);
	CHECK_EQ(vmcoreinfo_u64(&vi, "A", 10, &u), -ENODEV);
}

int main(void)
{
	test_arm64();
	test_malformed();
	test_numbers();
	test_duplicates_and_capacity();
	return check_summary("test_vmcoreinfo");
}
