// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/elfcore.c: the input is parsed as an ELF
 * core header (with a capacity taken from the input, to reach -ENOSPC),
 * the PT_LOADs have ranges taken from the input excluded, and the input is
 * also merged as one and as two note segments; every note found is walked
 * and decoded.  Invariants of the output are checked: loads sorted,
 * disjoint, page aligned, non-empty, below 2^52, clear of the excluded
 * ranges; merged notes inside the output buffer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/elf64.h"
#include "payload/elfcore.h"
#include "payload/vmcoreinfo.h"

#define LOADS_MAX 64
#define NOTES_MAX 16

static void check_loads(const struct elfcore *ec)
{
	const struct elfcore_load *l = ec->loads;
	size_t i;

	if (ec->nloads > ec->loads_cap || ec->nnotes > ec->notes_cap)
		__builtin_trap();
	for (i = 0; i < ec->nloads; i++) {
		if (!l[i].size ||
		    (l[i].paddr | l[i].size) % ELFCORE_PAGE_SIZE ||
		    l[i].paddr >= ELFCORE_PHYS_LIMIT ||
		    l[i].size > ELFCORE_PHYS_LIMIT - l[i].paddr)
			__builtin_trap();
		if (i && l[i].paddr < l[i - 1].paddr + l[i - 1].size)
			__builtin_trap();
	}
	for (i = 0; i < ec->nnotes; i++)
		if (!ec->notes[i].size)
			__builtin_trap();
}

static void check_excluded(const struct elfcore *ec,
			   const struct elfcore_range *r, size_t n)
{
	size_t i, k;
	uint64_t end;

	for (k = 0; k < n; k++) {
		if (!r[k].size)
			continue;
		end = r[k].start + r[k].size;
		if (end < r[k].start)
			end = UINT64_MAX;
		for (i = 0; i < ec->nloads; i++)
			if (ec->loads[i].paddr < end &&
			    r[k].start < ec->loads[i].paddr + ec->loads[i].size)
				__builtin_trap();
	}
}

/* Every load lies inside one of the (page-narrowed) keep ranges' union. */
static void check_inside(const struct elfcore *ec,
			 const struct elfcore_range *k, size_t n)
{
	uint64_t p, end;
	size_t i, j;
	int ok;

	for (i = 0; i < ec->nloads; i++) {
		/* Walk the load page by page only for small loads. */
		if (ec->loads[i].size > 64 * ELFCORE_PAGE_SIZE)
			continue;
		for (p = ec->loads[i].paddr;
		     p < ec->loads[i].paddr + ec->loads[i].size;
		     p += ELFCORE_PAGE_SIZE) {
			ok = 0;
			for (j = 0; j < n; j++) {
				end = k[j].start + k[j].size;
				if (end < k[j].start)
					end = UINT64_MAX;
				if (k[j].start <= p &&
				    p + ELFCORE_PAGE_SIZE <= end)
					ok = 1;
			}
			if (!ok)
				__builtin_trap();
		}
	}
}

static void walk(const uint8_t *blob, size_t len)
{
	struct elfcore_prstatus pr;
	struct elfcore_note n;
	size_t pos = 0;

	while (elfcore_note_next(blob, len, &pos, &n) == 0) {
		if (n.offset + n.size > len || pos > len)
			__builtin_trap();
		if (elfcore_note_is(&n, ELFCORE_NOTE_CORE, NT_PRSTATUS))
			(void)elfcore_prstatus_parse(n.desc, n.descsz, &pr);
	}
}

static void merge(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  size_t cap)
{
	static uint8_t out[16384];
	static struct vmcoreinfo_entry ent[64];
	struct elfcore_merge m;
	struct vmcoreinfo vi;

	elfcore_merge_init(&m, out, cap);
	(void)elfcore_merge_notes(&m, a, alen);
	(void)elfcore_merge_notes(&m, b, blen);
	if (m.len > m.cap)
		__builtin_trap();
	walk(out, m.len);
	if (m.has_vmcoreinfo) {
		if (m.vmcoreinfo_off + m.vmcoreinfo_len > m.len)
			__builtin_trap();
		vmcoreinfo_init(&vi, ent, 64);
		(void)vmcoreinfo_parse(&vi,
				       (const char *)out + m.vmcoreinfo_off,
				       m.vmcoreinfo_len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elfcore_load loads[LOADS_MAX];
	static struct elfcore_note_seg notes[NOTES_MAX];
	struct elfcore_range r[2] = {{0, 0}, {0, 0}}, k[2];
	struct elfcore ec;
	/* e_ident[9] is padding: nonzero there means a smaller capacity. */
	size_t cap =
	    size > 9 && data[9] ? data[9] % (LOADS_MAX + 1) : LOADS_MAX;
	size_t split;

	elfcore_init(&ec, loads, cap, notes, NOTES_MAX);
	(void)elfcore_parse(&ec, data, size);
	check_loads(&ec);
	/* Exclusion ranges from ELF header fields the parser ignores. */
	if (size >= 64) {
		r[0].start = elf64_get64(data + 24) & (ELFCORE_PHYS_LIMIT - 1);
		r[0].size = elf64_get64(data + 40) >> (data[8] & 63);
		r[1].start =
		    elf64_get32(data + 48) * (uint64_t)ELFCORE_PAGE_SIZE;
		r[1].size =
		    elf64_get16(data + 58) * (uint64_t)ELFCORE_PAGE_SIZE;
	}
	(void)elfcore_exclude(&ec, r, 2);
	check_loads(&ec);
	check_excluded(&ec, r, 2);
	/* Keep ranges (a DT's /memory) from more ignored header bytes. */
	if (size >= 64) {
		k[0].start =
		    elf64_get16(data + 60) * (uint64_t)ELFCORE_PAGE_SIZE;
		k[0].size = elf64_get16(data + 62) *
			    (uint64_t)ELFCORE_PAGE_SIZE * 3 / 2;
		k[1].start = elf64_get64(data + 24) & 0xffffffffffull;
		k[1].size = elf64_get32(data + 10);
		if (elfcore_intersect(&ec, k, 2) != -EINVAL)
			check_inside(&ec, k, 2);
		check_loads(&ec);
	}

	/* The input as note segments: whole, and split at a 4-byte boundary. */
	merge(data, size, NULL, 0, 16384);
	split = size ? ((data[0] * 4u) % (size + 1)) & ~(size_t)3 : 0;
	merge(data, split, data + split, size - split,
	      size > 1 ? data[1] * 64u : 0);
	walk(data, size);
	return 0;
}
