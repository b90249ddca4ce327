// SPDX-License-Identifier: MIT
/*
 * payload/elfcore.c on headers shaped like kexec-tools' (built with
 * host-tools/elfcore_build.c): per-CPU crash-note PT_NOTEs, the VMCOREINFO
 * PT_NOTE, a kernel-text PT_LOAD and System RAM PT_LOADs around the
 * capture reservation; Debian 12's garbage text entry; broken ELF headers;
 * overlaps; the reservation; notes with bad sizes and terminators.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host-tools/elfcore_build.h"
#include "payload/elf64.h"
#include "payload/elfcore.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

/* The machine of REFERENCE.md section 7: 1 GiB at 0x40000000, 64M reserved. */
#define RAM_BASE    0x40000000ull
#define RAM_END	    0x80000000ull
#define RESV_BASE   0x76c00000ull
#define RESV_SIZE   0x04000000ull
#define PAGE_OFFSET 0xffff000000000000ull
#define TEXT_PA	    0x40210000ull
#define TEXT_SIZE   0x01c50000ull
#define TEXT_VA	    0xffff800008000000ull
#define NOTES_CPU0  0x7fdd1000ull
#define NOTES_CPU1  0x7fdf1000ull
#define NOTES_SIZE  0x1a0ull
#define VMCI_PA	    0x42740000ull
#define VMCI_SIZE   0x1024ull

#define LIN(pa) (PAGE_OFFSET + ((pa)-RAM_BASE))

static struct elfcore_load loads[16];
static struct elfcore_note_seg notes[16];

/* Serialize into an exact-size heap copy, so ASan sees any over-read. */
static uint8_t *finish(struct elfcore_build *b, size_t *len)
{
	uint8_t *buf = elfcore_build_serialize(b, len);

	elfcore_build_free(b);
	return buf;
}

static struct elfcore_build *kexec_shape(void)
{
	struct elfcore_build *b = elfcore_build_new();

	elfcore_build_add_note(b, NOTES_CPU0, NOTES_SIZE);
	elfcore_build_add_note(b, NOTES_CPU1, NOTES_SIZE);
	elfcore_build_add_note(b, VMCI_PA, VMCI_SIZE);
	elfcore_build_add_load(b, TEXT_PA, TEXT_SIZE, TEXT_VA);
	elfcore_build_add_load(b, RAM_BASE, RESV_BASE - RAM_BASE,
			       LIN(RAM_BASE));
	elfcore_build_add_load(b, RESV_BASE + RESV_SIZE,
			       RAM_END - RESV_BASE - RESV_SIZE,
			       LIN(RESV_BASE + RESV_SIZE));
	return b;
}

static int parse(struct elfcore *ec, const uint8_t *buf, size_t len)
{
	memset(loads, 0xa5, sizeof(loads));
	elfcore_init(ec, loads, 16, notes, 16);
	return elfcore_parse(ec, buf, len);
}

static void test_kexec_tools_shape(void)
{
	struct elfcore_range resv = {RESV_BASE, RESV_SIZE};
	struct elfcore ec;
	size_t len;
	uint8_t *buf = finish(kexec_shape(), &len);

	CHECK_EQ(len, ELFCORE_BUILD_ALIGN);
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.phnum, 6);
	CHECK_EQ(ec.nnotes, 3);
	CHECK_EQ(notes[0].paddr, NOTES_CPU0);
	CHECK_EQ(notes[1].paddr, NOTES_CPU1);
	CHECK_EQ(notes[2].paddr, VMCI_PA);
	CHECK_EQ(notes[2].size, VMCI_SIZE);
	/* The text entry repeats RAM: dropped. */
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, RAM_BASE);
	CHECK_EQ(loads[0].size, RESV_BASE - RAM_BASE);
	CHECK_EQ(loads[0].vaddr, LIN(RAM_BASE));
	CHECK_EQ(loads[1].paddr, RESV_BASE + RESV_SIZE);
	CHECK_EQ(loads[1].size, RAM_END - RESV_BASE - RESV_SIZE);
	CHECK_EQ(ec.flags, ELFCORE_F_CONTAINED);
	CHECK_EQ(ec.nbad_loads, 0);
	/* kexec-tools already left the reservation out. */
	CHECK_EQ(elfcore_exclude(&ec, &resv, 1), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK(!(ec.flags & ELFCORE_F_EXCLUDED));
	/* Only the header, without the padding, is enough. */
	CHECK_EQ(parse(&ec, buf, ELF64_EHDR_SIZE + 6 * ELF64_PHDR_SIZE), 0);
	CHECK_EQ(ec.nloads, 2);
	free(buf);
}

static void test_debian12_garbage_text(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	elfcore_build_add_note(b, NOTES_CPU0, NOTES_SIZE);
	elfcore_build_add_note(b, VMCI_PA, VMCI_SIZE);
	/*
	 * kexec-tools 2.0.25 without _text: vaddr ~0; the paddr computed from
	 * 0 - _stext wraps.  Even a plausible paddr must not be trusted.
	 */
	elfcore_build_add_load(b, TEXT_PA - 0xffff800008010000ull,
			       0xffff80000a000000ull, UINT64_MAX);
	elfcore_build_add_load(b, 0x90000000ull, 0x200000ull, UINT64_MAX);
	/* RAM entries with wrong vaddrs (page_offset taken as 0). */
	elfcore_build_add_load(b, RAM_BASE, RESV_BASE - RAM_BASE, RAM_BASE);
	elfcore_build_add_load(b, RESV_BASE + RESV_SIZE,
			       RAM_END - RESV_BASE - RESV_SIZE,
			       RESV_BASE + RESV_SIZE);
	buf = finish(b, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(ec.nbad_loads, 2);
	CHECK(ec.flags & ELFCORE_F_UNKNOWN_TEXT);
	CHECK_EQ(loads[0].paddr, RAM_BASE);
	CHECK_EQ(loads[1].paddr, RESV_BASE + RESV_SIZE);
	CHECK_EQ(loads[1].vaddr, RESV_BASE + RESV_SIZE); /* copied, untrusted */
	CHECK_EQ(ec.nnotes, 2);
	free(buf);
}

static void test_bad_loads(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	elfcore_build_add_load(b, 0x1000, 0, 0);		     /* empty */
	elfcore_build_add_load(b, 0xfffffffffffff000ull, 0x2000, 0); /* wraps */
	elfcore_build_add_load(b, 0x10000, UINT64_MAX & ~0xfffull,
			       0);			  /* wraps */
	elfcore_build_add_load(b, 1ull << 52, 0x1000, 0); /* > 52 bits */
	elfcore_build_add_load(b, (1ull << 52) - 0x1000, 0x2000,
			       0);			  /* crosses */
	elfcore_build_add_load(b, 0x40000800, 0x1000, 0); /* unaligned */
	elfcore_build_add_load(b, 0x40000000, 0x1800, 0); /* unaligned */
	elfcore_build_add_load(b, (1ull << 52) - 0x1000, 0x1000,
			       7);		      /* ok, top */
	elfcore_build_add_load(b, 0x2000, 0x1000, 5); /* ok */
	buf = finish(b, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nbad_loads, 7);
	CHECK_EQ(ec.flags, ELFCORE_F_BAD_LOAD);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, 0x2000);
	CHECK_EQ(loads[0].vaddr, 5);
	CHECK_EQ(loads[1].paddr, (1ull << 52) - 0x1000);
	free(buf);
}

static void test_overlaps(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	/* Unsorted, duplicated, contained, partially overlapping, adjacent. */
	elfcore_build_add_load(b, 0x9000, 0x3000, 0x109000);
	elfcore_build_add_load(b, 0x3000, 0x5000, 0x103000); /* [3000,8000) */
	elfcore_build_add_load(b, 0x1000, 0x4000, 0x101000); /* [1000,5000) */
	elfcore_build_add_load(b, 0x1000, 0x4000, 0x201000); /* duplicate */
	elfcore_build_add_load(b, 0x2000, 0x1000, 0x302000); /* inside */
	elfcore_build_add_load(b, 0x1000, 0x1000,
			       0x401000); /* inside, same start */
	elfcore_build_add_load(b, 0xa000, 0x1000, 0x50a000); /* inside last */
	elfcore_build_add_load(b, 0xb000, 0x2000, 0x60b000); /* [b000,d000) */
	buf = finish(b, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.flags, ELFCORE_F_CONTAINED | ELFCORE_F_CLIPPED);
	CHECK_EQ(ec.nloads, 4);
	CHECK_EQ(loads[0].paddr, 0x1000);
	CHECK_EQ(loads[0].size, 0x4000);
	CHECK_EQ(loads[1].paddr, 0x5000); /* clipped to start at 0x5000 */
	CHECK_EQ(loads[1].size, 0x3000);
	CHECK_EQ(loads[1].vaddr, 0x105000); /* moved with the start */
	CHECK_EQ(loads[2].paddr, 0x9000);
	CHECK_EQ(loads[2].size, 0x3000);
	CHECK_EQ(loads[3].paddr, 0xc000);
	CHECK_EQ(loads[3].size, 0x1000);
	CHECK_EQ(loads[3].vaddr, 0x60c000);
	free(buf);
}

static void test_many_sorted(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore_load big[200];
	struct elfcore ec;
	size_t len, i;
	uint8_t *buf;
	int bad = 0;

	/* 200 entries in a scrambled order, each page i at paddr i * 0x2000. */
	for (i = 0; i < 200; i++)
		elfcore_build_add_load(b, ((i * 73) % 200) * 0x2000, 0x1000, i);
	buf = finish(b, &len);
	elfcore_init(&ec, big, 200, NULL, 0);
	CHECK_EQ(elfcore_parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nloads, 200);
	for (i = 0; i < 200; i++)
		if (big[i].paddr != i * 0x2000)
			bad++;
	CHECK_EQ(bad, 0);
	free(buf);
}

static void test_reservation(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore_range r[2];
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	/* One RAM entry over the reservation (not how kexec-tools does it). */
	elfcore_build_add_note(b, VMCI_PA, VMCI_SIZE);
	elfcore_build_add_load(b, RAM_BASE, RAM_END - RAM_BASE, LIN(RAM_BASE));
	buf = finish(b, &len);

	CHECK_EQ(parse(&ec, buf, len), 0);
	r[0].start = RESV_BASE;
	r[0].size = RESV_SIZE;
	CHECK_EQ(elfcore_exclude(&ec, r, 1), 0);
	CHECK(ec.flags & ELFCORE_F_EXCLUDED);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, RAM_BASE);
	CHECK_EQ(loads[0].size, RESV_BASE - RAM_BASE);
	CHECK_EQ(loads[1].paddr, RESV_BASE + RESV_SIZE);
	CHECK_EQ(loads[1].size, RAM_END - RESV_BASE - RESV_SIZE);
	CHECK_EQ(loads[1].vaddr, LIN(RESV_BASE + RESV_SIZE));

	/* Two ranges (a low one too), unaligned: widened to whole pages. */
	CHECK_EQ(parse(&ec, buf, len), 0);
	r[0].start = RESV_BASE + 0x10;
	r[0].size = RESV_SIZE - 0x20;
	r[1].start = RAM_BASE;
	r[1].size = 0x1001;
	CHECK_EQ(elfcore_exclude(&ec, r, 2), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, RAM_BASE + 0x2000);
	CHECK_EQ(loads[0].vaddr, LIN(RAM_BASE + 0x2000));
	CHECK_EQ(loads[0].size, RESV_BASE - RAM_BASE - 0x2000);
	CHECK_EQ(loads[1].paddr, RESV_BASE + RESV_SIZE);

	/* Tail, whole, and a range running past 2^64. */
	CHECK_EQ(parse(&ec, buf, len), 0);
	r[0].start = 0x70000000;
	r[0].size = UINT64_MAX;
	CHECK_EQ(elfcore_exclude(&ec, r, 1), 0);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].size, 0x70000000 - RAM_BASE);
	r[0].start = 0;
	r[0].size = 0x80000000;
	CHECK_EQ(elfcore_exclude(&ec, r, 1), 0);
	CHECK_EQ(ec.nloads, 0);

	/* Zero-size range: ignored; NULL with n > 0: error. */
	CHECK_EQ(parse(&ec, buf, len), 0);
	r[0].start = RAM_BASE;
	r[0].size = 0;
	CHECK_EQ(elfcore_exclude(&ec, r, 1), 0);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(elfcore_exclude(&ec, NULL, 1), -EINVAL);
	CHECK_EQ(elfcore_exclude(&ec, NULL, 0), 0);

	/* No room to split: the part above is lost, the reservation never kept.
	 */
	elfcore_init(&ec, loads, 1, notes, 16);
	CHECK_EQ(elfcore_parse(&ec, buf, len), 0);
	r[0].start = RESV_BASE;
	r[0].size = RESV_SIZE;
	CHECK_EQ(elfcore_exclude(&ec, r, 1), -ENOSPC);
	CHECK(ec.flags & ELFCORE_F_TRUNCATED);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].paddr, RAM_BASE);
	CHECK_EQ(loads[0].size, RESV_BASE - RAM_BASE);
	free(buf);
}

static uint8_t *loads_header(const uint64_t (*r)[2], size_t n, size_t *len)
{
	struct elfcore_build *b = elfcore_build_new();
	size_t i;

	for (i = 0; i < n; i++)
		elfcore_build_add_load(b, r[i][0], r[i][1],
				       PAGE_OFFSET + r[i][0]);
	return finish(b, len);
}

static void test_intersect(void)
{
	static const uint64_t two[][2] = {{0x1000, 0x4000}, {0x8000, 0x8000}};
	static const uint64_t one[][2] = {{0, 0x10000}};
	static const uint64_t deb[][2] = {
	    {RAM_BASE, RESV_BASE - RAM_BASE},
	    {0x90000000ull, 0x200000}, /* aligned garbage outside RAM */
	};
	struct elfcore_range k[3];
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	/* Keep ranges in reverse order. */
	buf = loads_header(two, 2, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	k[0] = (struct elfcore_range){0x9000, 0x17000};
	k[1] = (struct elfcore_range){0x2000, 0x1000};
	CHECK_EQ(elfcore_intersect(&ec, k, 2), 0);
	CHECK(ec.flags & ELFCORE_F_OUTSIDE);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, 0x2000);
	CHECK_EQ(loads[0].size, 0x1000);
	CHECK_EQ(loads[0].vaddr, PAGE_OFFSET + 0x2000);
	CHECK_EQ(loads[1].paddr, 0x9000);
	CHECK_EQ(loads[1].size, 0x7000);
	/* No whole page, nothing, NULL: refused, nothing changed. */
	k[0] = (struct elfcore_range){0x9800, 0x1000};
	CHECK_EQ(elfcore_intersect(&ec, k, 1), -EINVAL);
	CHECK_EQ(elfcore_intersect(&ec, k, 0), -EINVAL);
	CHECK_EQ(elfcore_intersect(&ec, NULL, 1), -EINVAL);
	CHECK_EQ(elfcore_intersect(NULL, k, 1), -EINVAL);
	CHECK_EQ(ec.nloads, 2);
	/* Everything, past 2^64: no change. */
	CHECK_EQ(parse(&ec, buf, len), 0);
	k[0] = (struct elfcore_range){0, UINT64_MAX};
	k[1] = (struct elfcore_range){UINT64_MAX, UINT64_MAX};
	CHECK_EQ(elfcore_intersect(&ec, k, 2), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK(!(ec.flags & ELFCORE_F_OUTSIDE));
	free(buf);

	/* One load over several keep ranges: overlapping, adjacent, unaligned.
	 */
	buf = loads_header(one, 1, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	k[0] = (struct elfcore_range){0x4000, 0x1000};
	k[1] = (struct elfcore_range){0x1800, 0x1000}; /* -> [2000,2000) */
	k[2] = (struct elfcore_range){0x3000, 0x1800}; /* -> [3000,4000) */
	CHECK_EQ(elfcore_intersect(&ec, k, 3), 0);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].paddr, 0x3000);
	CHECK_EQ(loads[0].size, 0x2000);
	CHECK_EQ(parse(&ec, buf, len), 0);
	k[0] = (struct elfcore_range){0x1000, 0x1000};
	k[1] = (struct elfcore_range){0x6000, 0x1000};
	k[2] = (struct elfcore_range){0x2000, 0x1000};
	CHECK_EQ(elfcore_intersect(&ec, k, 3), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(loads[0].paddr, 0x1000);
	CHECK_EQ(loads[0].size, 0x2000);
	CHECK_EQ(loads[1].paddr, 0x6000);
	CHECK_EQ(loads[1].vaddr, PAGE_OFFSET + 0x6000);
	/* No room to split: never keeps what lies outside. */
	elfcore_init(&ec, loads, 1, NULL, 0);
	CHECK_EQ(elfcore_parse(&ec, buf, len), 0);
	CHECK_EQ(elfcore_intersect(&ec, k, 3), -ENOSPC);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].paddr, 0x1000);
	CHECK_EQ(loads[0].size, 0x2000);
	free(buf);

	/* Aligned garbage outside /memory goes; RAM stays. */
	buf = loads_header(deb, 2, &len);
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nloads, 2);
	k[0] = (struct elfcore_range){RAM_BASE, RAM_END - RAM_BASE};
	CHECK_EQ(elfcore_intersect(&ec, k, 1), 0);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].paddr, RAM_BASE);
	CHECK_EQ(loads[0].size, RESV_BASE - RAM_BASE);
	free(buf);
}

static void test_capacity_and_flags(void)
{
	struct elfcore_build *b = elfcore_build_new();
	struct elfcore_build_phdr ph = {0};
	struct elfcore ec;
	size_t len;
	uint8_t *buf;

	elfcore_build_add_note(b, NOTES_CPU0, NOTES_SIZE);
	elfcore_build_add_note(b, NOTES_CPU1, NOTES_SIZE);
	elfcore_build_add_note(b, 0x1000, 0);		 /* empty */
	elfcore_build_add_note(b, UINT64_MAX - 4, 0x10); /* wraps */
	elfcore_build_add_load(b, 0x3000, 0x1000, 0);
	elfcore_build_add_load(b, 0x1000, 0x1000, 0);
	ph.type = PT_LOAD; /* p_offset 0, p_filesz 0: both mismatch */
	ph.paddr = 0x8000;
	ph.memsz = 0x1000;
	elfcore_build_add_phdr(b, &ph);
	ph.type = PT_NOTE; /* the same for a note, kept */
	ph.paddr = 0x9000;
	ph.memsz = 0x100;
	elfcore_build_add_phdr(b, &ph);
	ph.type = 0x6474e551; /* PT_GNU_STACK: not ours */
	elfcore_build_add_phdr(b, &ph);
	ph.type = PT_NULL;
	elfcore_build_add_phdr(b, &ph);
	buf = finish(b, &len);

	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nloads, 3);
	CHECK_EQ(ec.nnotes, 3);
	CHECK_EQ(notes[2].paddr, 0x9000);
	CHECK_EQ(ec.nbad_notes, 2);
	CHECK_EQ(ec.flags, ELFCORE_F_BAD_NOTE | ELFCORE_F_FILESZ_MISMATCH |
			       ELFCORE_F_OFFSET_MISMATCH |
			       ELFCORE_F_OTHER_PHDR);

	/* Capacity 1 each: the first that fit, still sorted, and -ENOSPC. */
	elfcore_init(&ec, loads, 1, notes, 1);
	CHECK_EQ(elfcore_parse(&ec, buf, len), -ENOSPC);
	CHECK(ec.flags & ELFCORE_F_TRUNCATED);
	CHECK_EQ(ec.nloads, 1);
	CHECK_EQ(loads[0].paddr, 0x3000);
	CHECK_EQ(ec.nnotes, 1);
	CHECK_EQ(notes[0].paddr, NOTES_CPU0);

	/* No storage at all. */
	elfcore_init(&ec, NULL, 0, NULL, 0);
	CHECK_EQ(elfcore_parse(&ec, buf, len), -ENOSPC);
	CHECK_EQ(ec.nloads, 0);
	CHECK_EQ(elfcore_parse(NULL, buf, len), -EINVAL);
	free(buf);
}

static void test_broken_headers(void)
{
	struct elfcore ec;
	uint8_t *good, *buf;
	unsigned int phnum = 0;
	size_t len, hdr = ELF64_EHDR_SIZE + 6 * ELF64_PHDR_SIZE;

	good = finish(kexec_shape(), &len);
	buf = malloc(len);

#define MUTATE(stmt, want)                                                     \
	do {                                                                   \
		memcpy(buf, good, len);                                        \
		stmt;                                                          \
		CHECK_EQ(parse(&ec, buf, len), want);                          \
		CHECK_EQ(ec.nloads + ec.nnotes, 0);                            \
	} while (0)

	CHECK_EQ(elfcore_check_header(good, len, &phnum), 0);
	CHECK_EQ(phnum, 6);
	CHECK_EQ(elfcore_check_header(good, len, NULL), 0);
	CHECK_EQ(elfcore_check_header(NULL, len, NULL), -EINVAL);
	CHECK_EQ(elfcore_check_header(good, ELF64_EHDR_SIZE - 1, NULL),
		 -EINVAL);
	CHECK_EQ(elfcore_check_header(good, 0, NULL), -EINVAL);
	/* Truncated program header table. */
	CHECK_EQ(parse(&ec, good, hdr - 1), -EPROTO);
	CHECK_EQ(parse(&ec, good, ELF64_EHDR_SIZE), -EPROTO);

	MUTATE(buf[0] = 0, -ENODEV);
	MUTATE(buf[EI_MAG3] = 'G', -ENODEV);
	MUTATE(buf[EI_CLASS] = 1, -ENOTSUP);
	MUTATE(buf[EI_DATA] = 2, -ENOTSUP);
	MUTATE(elf64_put16(buf + ELF64_E_TYPE, 2), -ENOTSUP);
	MUTATE(elf64_put16(buf + ELF64_E_MACHINE, 62), -ENOTSUP);
	MUTATE(buf[EI_VERSION] = 0, -EPROTO);
	MUTATE(elf64_put32(buf + ELF64_E_VERSION, 2), -EPROTO);
	MUTATE(elf64_put16(buf + ELF64_E_EHSIZE, 52), -EPROTO);
	MUTATE(elf64_put16(buf + ELF64_E_PHENTSIZE, 32), -EPROTO);
	MUTATE(elf64_put16(buf + ELF64_E_PHNUM, 0), -EPROTO);
	MUTATE(elf64_put16(buf + ELF64_E_PHNUM, PN_XNUM), -ENOTSUP);
	/* e_phnum absurd for the buffer: 0xfffe * 56 > 1024. */
	MUTATE(elf64_put16(buf + ELF64_E_PHNUM, 0xfffe), -EPROTO);
	MUTATE(elf64_put16(buf + ELF64_E_PHNUM, 18), -EPROTO);
	MUTATE(elf64_put64(buf + ELF64_E_PHOFF, 0), -EPROTO);
	MUTATE(elf64_put64(buf + ELF64_E_PHOFF, 63), -EPROTO);
	MUTATE(elf64_put64(buf + ELF64_E_PHOFF, UINT64_MAX - 8), -EPROTO);
	MUTATE(elf64_put64(buf + ELF64_E_PHOFF, len), -EPROTO);
	MUTATE(
	    elf64_put64(buf + ELF64_E_PHOFF, len - hdr + ELF64_EHDR_SIZE + 1),
	    -EPROTO);
#undef MUTATE
	/* A table at the very end of the buffer, unaligned, is fine. */
	memset(buf, 0, len);
	memcpy(buf, good, ELF64_EHDR_SIZE);
	memcpy(buf + len - (hdr - ELF64_EHDR_SIZE), good + ELF64_EHDR_SIZE,
	       hdr - ELF64_EHDR_SIZE);
	elf64_put64(buf + ELF64_E_PHOFF, len - (hdr - ELF64_EHDR_SIZE));
	CHECK_EQ(parse(&ec, buf, len), 0);
	CHECK_EQ(ec.nloads, 2);
	CHECK_EQ(ec.nnotes, 3);
	/* A misaligned copy of the whole header parses the same. */
	memcpy(buf + 1, good, len - 1);
	CHECK_EQ(parse(&ec, buf + 1, len - 1), 0);
	CHECK_EQ(ec.nloads, 2);
	free(buf);
	free(good);
}

/* A per-CPU crash_notes buffer: NT_PRSTATUS "CORE" + the empty note. */
static size_t cpu_notes(uint8_t *seg, size_t cap, int32_t pid, uint64_t pc)
{
	uint8_t desc[ELFCORE_PRSTATUS_SIZE];
	uint64_t regs[31];
	size_t n;
	int i;

	for (i = 0; i < 31; i++)
		regs[i] = 0x1000u * (unsigned)pid + (unsigned)i;
	elfcore_build_prstatus(desc, pid, regs, 0xffff80000c003e40ull, pc,
			       0x600003c5);
	memset(seg, 0, cap);
	n = elfcore_build_note(seg, cap, "CORE", NT_PRSTATUS, desc,
			       sizeof(desc));
	n += elfcore_build_terminator(seg + n, cap - n);
	return n;
}

static const char vmci_text[] = "OSRELEASE=6.1.0-56-arm64\n"
				"PAGESIZE=4096\n"
				"SYMBOL(swapper_pg_dir)=ffff800009c5e000\n"
				"NUMBER(kimage_voffset)=0xffff7fffc7e00000\n"
				"CRASHTIME=1700000000\n";

static size_t vmci_note(uint8_t *seg, size_t cap)
{
	size_t n;

	memset(seg, 0, cap);
	n = elfcore_build_note(seg, cap, "VMCOREINFO", 0, vmci_text,
			       sizeof(vmci_text) - 1);
	n += elfcore_build_terminator(seg + n, cap - n);
	return n;
}

static void test_merge(void)
{
	static uint8_t seg0[NOTES_SIZE + 0x40], seg1[NOTES_SIZE + 0x40];
	static uint8_t segv[VMCI_SIZE], out[4096];
	struct elfcore_merge m;
	struct elfcore_note n;
	struct elfcore_prstatus pr;
	struct vmcoreinfo_entry ent[16];
	struct vmcoreinfo vi;
	uint64_t v;
	size_t pos, a, c;

	a = cpu_notes(seg0, sizeof(seg0), 1234, 0xffff800008123456ull);
	CHECK_EQ(a, 12 + 8 + 392 + 12);
	cpu_notes(seg1, sizeof(seg1), 0, 0xffff800008001000ull);
	c = vmci_note(segv, sizeof(segv));
	CHECK_EQ(c, 12 + 12 + ((sizeof(vmci_text) - 1 + 3) & ~3ul) + 12);

	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg0, sizeof(seg0)), 0);
	CHECK_EQ(elfcore_merge_notes(&m, seg1, sizeof(seg1)), 0);
	CHECK_EQ(elfcore_merge_notes(&m, segv, sizeof(segv)), 0);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.nnotes, 3);
	CHECK_EQ(m.nprstatus, 2);
	CHECK(m.has_vmcoreinfo);
	/* Terminators dropped: 2 x (12+8+392) + the VMCOREINFO note. */
	CHECK_EQ(m.len, 2 * (a - 12) + (c - 12));
	CHECK_EQ(m.vmcoreinfo_off, 2 * (a - 12) + 12 + 12);
	CHECK_EQ(m.vmcoreinfo_len, sizeof(vmci_text) - 1);
	CHECK(!memcmp(out + m.vmcoreinfo_off, vmci_text, m.vmcoreinfo_len));

	/* The merged blob walks as one segment; PRSTATUS decodes. */
	pos = 0;
	CHECK_EQ(elfcore_note_next(out, m.len, &pos, &n), 0);
	CHECK(elfcore_note_is(&n, ELFCORE_NOTE_CORE, NT_PRSTATUS));
	CHECK(!elfcore_note_is(&n, ELFCORE_NOTE_CORE, 0));
	CHECK(!elfcore_note_is(&n, "COR", NT_PRSTATUS));
	CHECK(!elfcore_note_is(&n, "COREX", NT_PRSTATUS));
	CHECK_EQ(n.descsz, ELFCORE_PRSTATUS_SIZE);
	CHECK_EQ(elfcore_prstatus_parse(n.desc, n.descsz, &pr), 0);
	CHECK_EQ(pr.pid, 1234);
	CHECK_EQ(pr.regs[0], 0x1000u * 1234);
	CHECK_EQ(pr.regs[30], 0x1000u * 1234 + 30);
	CHECK_EQ(pr.sp, 0xffff80000c003e40ull);
	CHECK_EQ(pr.pc, 0xffff800008123456ull);
	CHECK_EQ(pr.pstate, 0x600003c5);
	CHECK_EQ(pr.fpvalid, 0);
	CHECK_EQ(elfcore_prstatus_parse(n.desc, n.descsz - 8, &pr), -EPROTO);
	CHECK_EQ(elfcore_prstatus_parse(n.desc, n.descsz + 4, &pr), -EPROTO);
	CHECK_EQ(elfcore_prstatus_parse(NULL, 392, &pr), -EINVAL);
	CHECK_EQ(elfcore_note_next(out, m.len, &pos, &n), 0);
	CHECK_EQ(elfcore_prstatus_parse(n.desc, n.descsz, &pr), 0);
	CHECK_EQ(pr.pid, 0);
	CHECK_EQ(elfcore_note_next(out, m.len, &pos, &n), 0);
	CHECK(elfcore_note_is(&n, ELFCORE_NOTE_VMCOREINFO, 0));
	CHECK_EQ(elfcore_note_next(out, m.len, &pos, &n), -ENODEV);
	CHECK_EQ(pos, m.len);

	/* And the VMCOREINFO text found there parses. */
	vmcoreinfo_init(&vi, ent, 16);
	CHECK_EQ(vmcoreinfo_parse(&vi, (const char *)out + m.vmcoreinfo_off,
				  m.vmcoreinfo_len),
		 0);
	CHECK_EQ(vmcoreinfo_symbol(&vi, "swapper_pg_dir", &v), 0);
	CHECK_EQ(v, 0xffff800009c5e000ull);

	/* Output too small for the second note: -ENOSPC, first note kept. */
	elfcore_merge_init(&m, out, a - 12 + 100);
	CHECK_EQ(elfcore_merge_notes(&m, seg0, sizeof(seg0)), 0);
	CHECK_EQ(elfcore_merge_notes(&m, seg1, sizeof(seg1)), -ENOSPC);
	CHECK(m.flags & ELFCORE_MF_FULL);
	CHECK_EQ(m.nnotes, 1);
	CHECK_EQ(m.len, a - 12);
	elfcore_merge_init(&m, NULL, 100);
	CHECK_EQ(m.cap, 0);
	CHECK_EQ(elfcore_merge_notes(&m, seg0, sizeof(seg0)), -ENOSPC);
	CHECK_EQ(elfcore_merge_notes(NULL, seg0, sizeof(seg0)), -EINVAL);
}

static void test_bad_notes(void)
{
	static uint8_t seg[1024], out[4096];
	struct elfcore_merge m;
	struct elfcore_note n;
	size_t a, pos;

	/* Missing VMCOREINFO: only CPU notes. */
	a = cpu_notes(seg, sizeof(seg), 7, 0);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), 0);
	CHECK(!m.has_vmcoreinfo);
	CHECK_EQ(m.nprstatus, 1);

	/* No terminator: the segment is exactly one note. */
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, a - 12), 0);
	CHECK_EQ(m.nnotes, 1);
	CHECK(m.flags & ELFCORE_MF_NO_TERMINATOR);
	/* ... or ends with a few stray bytes: same. */
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, a - 1), 0);
	CHECK_EQ(m.nnotes, 1);
	CHECK(m.flags & ELFCORE_MF_NO_TERMINATOR);

	/* Segment cut inside the note: dropped, as Linux does. */
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, a - 16), -EPROTO);
	CHECK(m.flags & ELFCORE_MF_BAD_NOTE);
	CHECK_EQ(m.nnotes, 0);
	CHECK_EQ(m.len, 0);

	/* Offline CPU: all zero.  Empty and NULL segments too. */
	memset(seg, 0, sizeof(seg));
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), 0);
	CHECK_EQ(m.nnotes, 0);
	CHECK_EQ(m.flags, ELFCORE_MF_EMPTY_SEGMENT);
	CHECK_EQ(elfcore_merge_notes(&m, NULL, 0), 0);
	CHECK_EQ(elfcore_merge_notes(&m, NULL, 4), -EINVAL);
	CHECK_EQ(elfcore_merge_notes(&m, seg, 0), 0);
	CHECK_EQ(m.nnotes, 0);

	/* Huge n_descsz / n_namesz after a good note: good one kept. */
	a = cpu_notes(seg, sizeof(seg), 7, 0);
	elf64_put32(seg + a - 12 + ELF64_N_NAMESZ, 5);
	elf64_put32(seg + a - 12 + ELF64_N_DESCSZ, 0xffffffffu);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), -EPROTO);
	CHECK_EQ(m.nnotes, 1);
	CHECK_EQ(m.nprstatus, 1);
	elf64_put32(seg + a - 12 + ELF64_N_NAMESZ, 0xfffffffdu);
	elf64_put32(seg + a - 12 + ELF64_N_DESCSZ, 0);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), -EPROTO);
	CHECK_EQ(m.nnotes, 1);

	/* n_namesz 0 with a descriptor still ends the segment (vmcore.c). */
	elf64_put32(seg + a - 12 + ELF64_N_NAMESZ, 0);
	elf64_put32(seg + a - 12 + ELF64_N_DESCSZ, 64);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), 0);
	CHECK_EQ(m.nnotes, 1);
	CHECK_EQ(m.flags, 0);

	/* Two VMCOREINFO notes: the first is reported. */
	memset(seg, 0, sizeof(seg));
	a = elfcore_build_note(seg, sizeof(seg), "VMCOREINFO", 0, "A=1\n", 4);
	a += elfcore_build_note(seg + a, sizeof(seg) - a, "VMCOREINFO", 0,
				"B=22\n", 5);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), 0);
	CHECK(m.flags & ELFCORE_MF_DUP_VMCOREINFO);
	CHECK_EQ(m.vmcoreinfo_len, 4);
	CHECK(!memcmp(out + m.vmcoreinfo_off, "A=1\n", 4));

	/* VMCOREINFO with the wrong type, or a name without its NUL. */
	memset(seg, 0, sizeof(seg));
	a = elfcore_build_note(seg, sizeof(seg), "VMCOREINFO", 1, "A=1\n", 4);
	elfcore_merge_init(&m, out, sizeof(out));
	CHECK_EQ(elfcore_merge_notes(&m, seg, sizeof(seg)), 0);
	CHECK(!m.has_vmcoreinfo);
	CHECK_EQ(m.nnotes, 1);
	memset(seg, 0, sizeof(seg));
	elfcore_build_note(seg, sizeof(seg), "CORE", NT_PRSTATUS, NULL, 0);
	elf64_put32(seg + ELF64_N_NAMESZ, 4);
	pos = 0;
	CHECK_EQ(elfcore_note_next(seg, sizeof(seg), &pos, &n), 0);
	CHECK(elfcore_note_is(&n, "CORE", NT_PRSTATUS));
	CHECK_EQ(n.size, 16);
	/* A NUL-less name must not match a longer one's prefix. */
	CHECK(!elfcore_note_is(&n, "CORE1", NT_PRSTATUS));
	CHECK(!elfcore_note_is(NULL, "CORE", NT_PRSTATUS));

	/* Iterator edge cases. */
	pos = 2;
	CHECK_EQ(elfcore_note_next(seg, sizeof(seg), &pos, &n), -EPROTO);
	pos = sizeof(seg) + 4;
	CHECK_EQ(elfcore_note_next(seg, sizeof(seg), &pos, &n), -ENODEV);
	pos = sizeof(seg) - 8;
	CHECK_EQ(elfcore_note_next(seg, sizeof(seg), &pos, &n), -ENODEV);
	pos = 0;
	CHECK_EQ(elfcore_note_next(NULL, 0, &pos, &n), -EINVAL);
	CHECK_EQ(elfcore_note_next(seg, sizeof(seg), NULL, &n), -EINVAL);
	CHECK_EQ(elfcore_note_next(seg, 11, &pos, &n), -ENODEV);
}

int main(void)
{
	test_kexec_tools_shape();
	test_debian12_garbage_text();
	test_bad_loads();
	test_overlaps();
	test_many_sorted();
	test_reservation();
	test_intersect();
	test_capacity_and_flags();
	test_broken_headers();
	test_merge();
	test_bad_notes();
	return check_summary("test_elfcore");
}
