// SPDX-License-Identifier: MIT
/*
 * ELF core header walk, PT_LOAD cleanup (drop garbage, dedupe, clip,
 * exclude the capture reservation), note iteration and merging, arm64
 * NT_PRSTATUS decoding.  Layouts: payload/elf64.h (System V gABI, Arm IHI
 * 0056); note merging follows what Linux fs/proc/vmcore.c does for
 * /proc/vmcore.  Rules and reasons: docs/elfcorehdr.md.
 */
#include "payload/elfcore.h"

#include <errno.h>
#include <string.h>

#include "include/compiler.h"
#include "payload/elf64.h"

#define ELFCORE_PAGE_MASK ((uint64_t)ELFCORE_PAGE_SIZE - 1)

void elfcore_init(struct elfcore *ec, struct elfcore_load *loads,
		  size_t loads_cap, struct elfcore_note_seg *notes,
		  size_t notes_cap)
{
	memset(ec, 0, sizeof(*ec));
	ec->loads = loads;
	ec->loads_cap = loads ? loads_cap : 0;
	ec->notes = notes;
	ec->notes_cap = notes ? notes_cap : 0;
}

int elfcore_check_header(const void *buf, size_t len, unsigned int *phnum)
{
	const uint8_t *b = buf;
	uint64_t phoff, table;
	unsigned int n;

	if (!b || len < ELF64_EHDR_SIZE)
		return -EINVAL;
	if (b[EI_MAG0] != ELFMAG0 || b[EI_MAG1] != ELFMAG1 ||
	    b[EI_MAG2] != ELFMAG2 || b[EI_MAG3] != ELFMAG3)
		return -ENODEV;
	if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB ||
	    elf64_get16(b + ELF64_E_TYPE) != ET_CORE ||
	    elf64_get16(b + ELF64_E_MACHINE) != EM_AARCH64)
		return -ENOTSUP;
	if (b[EI_VERSION] != EV_CURRENT ||
	    elf64_get32(b + ELF64_E_VERSION) != EV_CURRENT ||
	    elf64_get16(b + ELF64_E_EHSIZE) != ELF64_EHDR_SIZE ||
	    elf64_get16(b + ELF64_E_PHENTSIZE) != ELF64_PHDR_SIZE)
		return -EPROTO;
	n = elf64_get16(b + ELF64_E_PHNUM);
	if (n == PN_XNUM)
		return -ENOTSUP;
	if (n == 0)
		return -EPROTO;
	/* n < 2^16, so the table size cannot overflow; the offset can. */
	phoff = elf64_get64(b + ELF64_E_PHOFF);
	table = (uint64_t)n * ELF64_PHDR_SIZE;
	if (phoff < ELF64_EHDR_SIZE || phoff > len || table > len - phoff)
		return -EPROTO;
	if (phnum)
		*phnum = n;
	return 0;
}

/* Is [paddr, paddr + size) a non-empty range below ELFCORE_PHYS_LIMIT? */
static bool elfcore_range_ok(uint64_t paddr, uint64_t size)
{
	return size != 0 && paddr < ELFCORE_PHYS_LIMIT &&
	       size <= ELFCORE_PHYS_LIMIT - paddr;
}

/* Order: paddr ascending, then size descending (container first). */
static bool elfcore_load_before(const struct elfcore_load *a,
				const struct elfcore_load *b)
{
	if (a->paddr != b->paddr)
		return a->paddr < b->paddr;
	return a->size > b->size;
}

static void elfcore_sift_down(struct elfcore_load *a, size_t root, size_t n)
{
	struct elfcore_load t;
	size_t child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n &&
		    elfcore_load_before(&a[child], &a[child + 1]))
			child++;
		if (!elfcore_load_before(&a[root], &a[child]))
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

/* Heapsort: O(n log n) for any input, no recursion, no extra memory. */
static void elfcore_sort_loads(struct elfcore_load *a, size_t n)
{
	struct elfcore_load t;
	size_t i;

	for (i = n / 2; i-- > 0;)
		elfcore_sift_down(a, i, n);
	for (i = n; i-- > 1;) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		elfcore_sift_down(a, 0, i);
	}
}

/*
 * Sorted input; drop entries inside the last kept one, clip those that
 * start inside it.  Kept entries are disjoint and sorted, so the last kept
 * one always has the highest end.  Ends never overflow: every range was
 * checked to end at or below ELFCORE_PHYS_LIMIT.
 */
static void elfcore_dedupe_loads(struct elfcore *ec)
{
	struct elfcore_load *a = ec->loads, e;
	size_t i, out = 0;
	uint64_t prev_end, d;

	for (i = 0; i < ec->nloads; i++) {
		e = a[i];
		if (out) {
			prev_end = a[out - 1].paddr + a[out - 1].size;
			if (e.paddr + e.size <= prev_end) {
				ec->flags |= ELFCORE_F_CONTAINED;
				continue;
			}
			if (e.paddr < prev_end) {
				d = prev_end - e.paddr;
				e.paddr += d;
				e.size -= d;
				e.vaddr += d;
				ec->flags |= ELFCORE_F_CLIPPED;
			}
		}
		a[out++] = e;
	}
	ec->nloads = out;
}

static void elfcore_add_load(struct elfcore *ec, const uint8_t *ph)
{
	uint64_t paddr = elf64_get64(ph + ELF64_P_PADDR);
	uint64_t memsz = elf64_get64(ph + ELF64_P_MEMSZ);
	uint64_t vaddr = elf64_get64(ph + ELF64_P_VADDR);

	if (elf64_get64(ph + ELF64_P_FILESZ) != memsz)
		ec->flags |= ELFCORE_F_FILESZ_MISMATCH;
	if (elf64_get64(ph + ELF64_P_OFFSET) != paddr)
		ec->flags |= ELFCORE_F_OFFSET_MISMATCH;
	if (vaddr == ELFCORE_VADDR_UNKNOWN) {
		ec->flags |= ELFCORE_F_UNKNOWN_TEXT;
		ec->nbad_loads++;
		return;
	}
	if (!elfcore_range_ok(paddr, memsz) || (paddr & ELFCORE_PAGE_MASK) ||
	    (memsz & ELFCORE_PAGE_MASK)) {
		ec->flags |= ELFCORE_F_BAD_LOAD;
		ec->nbad_loads++;
		return;
	}
	if (ec->nloads == ec->loads_cap) {
		ec->flags |= ELFCORE_F_TRUNCATED;
		return;
	}
	ec->loads[ec->nloads].paddr = paddr;
	ec->loads[ec->nloads].size = memsz;
	ec->loads[ec->nloads].vaddr = vaddr;
	ec->nloads++;
}

static void elfcore_add_note_seg(struct elfcore *ec, const uint8_t *ph)
{
	uint64_t paddr = elf64_get64(ph + ELF64_P_PADDR);
	uint64_t memsz = elf64_get64(ph + ELF64_P_MEMSZ);

	if (elf64_get64(ph + ELF64_P_FILESZ) != memsz)
		ec->flags |= ELFCORE_F_FILESZ_MISMATCH;
	if (elf64_get64(ph + ELF64_P_OFFSET) != paddr)
		ec->flags |= ELFCORE_F_OFFSET_MISMATCH;
	if (!elfcore_range_ok(paddr, memsz)) {
		ec->flags |= ELFCORE_F_BAD_NOTE;
		ec->nbad_notes++;
		return;
	}
	if (ec->nnotes == ec->notes_cap) {
		ec->flags |= ELFCORE_F_TRUNCATED;
		return;
	}
	ec->notes[ec->nnotes].paddr = paddr;
	ec->notes[ec->nnotes].size = memsz;
	ec->nnotes++;
}

int elfcore_parse(struct elfcore *ec, const void *buf, size_t len)
{
	const uint8_t *b = buf, *ph;
	unsigned int phnum, i;
	uint64_t phoff;
	int ret;

	if (!ec)
		return -EINVAL;
	ec->nloads = ec->nnotes = 0;
	ec->phnum = ec->nbad_loads = ec->nbad_notes = 0;
	ec->flags = 0;
	ret = elfcore_check_header(buf, len, &phnum);
	if (ret)
		return ret;
	ec->phnum = phnum;
	phoff = elf64_get64(b + ELF64_E_PHOFF);
	for (i = 0; i < phnum; i++) {
		ph = b + phoff + (size_t)i * ELF64_PHDR_SIZE;
		switch (elf64_get32(ph + ELF64_P_TYPE)) {
		case PT_LOAD:
			elfcore_add_load(ec, ph);
			break;
		case PT_NOTE:
			elfcore_add_note_seg(ec, ph);
			break;
		case PT_NULL:
			break;
		default:
			ec->flags |= ELFCORE_F_OTHER_PHDR;
			break;
		}
	}
	elfcore_sort_loads(ec->loads, ec->nloads);
	elfcore_dedupe_loads(ec);
	return (ec->flags & ELFCORE_F_TRUNCATED) ? -ENOSPC : 0;
}

/* Where a caller's range ends, saturated at ELFCORE_PHYS_LIMIT (page aligned).
 */
static uint64_t elfcore_range_end(const struct elfcore_range *r)
{
	if (r->start >= ELFCORE_PHYS_LIMIT ||
	    r->size >= ELFCORE_PHYS_LIMIT - r->start)
		return ELFCORE_PHYS_LIMIT;
	return r->start + r->size;
}

/*
 * Remove [rs, re) from the sorted, disjoint loads.  Every load ends at or
 * below ELFCORE_PHYS_LIMIT, and so does re: no sum here can overflow.
 */
static int elfcore_cut(struct elfcore *ec, uint64_t rs, uint64_t re,
		       uint32_t flag)
{
	struct elfcore_load *a = ec->loads;
	uint64_t le, d;
	size_t i = 0;
	int ret = 0;

	while (rs < re && i < ec->nloads) {
		le = a[i].paddr + a[i].size;
		if (re <= a[i].paddr || rs >= le) {
			i++;
			continue;
		}
		ec->flags |= flag;
		if (rs <= a[i].paddr && re >= le) {
			/* Covered: remove. */
			memmove(&a[i], &a[i + 1],
				(ec->nloads - i - 1) * sizeof(*a));
			ec->nloads--;
		} else if (rs <= a[i].paddr) {
			/* Covers the head. */
			d = re - a[i].paddr;
			a[i].paddr += d;
			a[i].vaddr += d;
			a[i].size -= d;
			i++;
		} else if (re >= le) {
			/* Covers the tail. */
			a[i].size = rs - a[i].paddr;
			i++;
		} else if (ec->nloads < ec->loads_cap) {
			/* Inside: split, the upper part goes after. */
			memmove(&a[i + 2], &a[i + 1],
				(ec->nloads - i - 1) * sizeof(*a));
			a[i + 1].paddr = re;
			a[i + 1].size = le - re;
			a[i + 1].vaddr = a[i].vaddr + (re - a[i].paddr);
			ec->nloads++;
			a[i].size = rs - a[i].paddr;
			i += 2;
		} else {
			/* No room for the upper part: lose it, never keep [rs,
			 * re). */
			ec->flags |= ELFCORE_F_TRUNCATED;
			ret = -ENOSPC;
			a[i].size = rs - a[i].paddr;
			i++;
		}
	}
	return ret;
}

int elfcore_exclude(struct elfcore *ec, const struct elfcore_range *ranges,
		    size_t n)
{
	uint64_t rs, re;
	size_t r;
	int ret = 0;

	if (!ec || (!ranges && n))
		return -EINVAL;
	for (r = 0; r < n; r++) {
		if (!ranges[r].size)
			continue;
		/* Widened to whole pages; ELFCORE_PHYS_LIMIT is page aligned.
		 */
		rs = MIN(ranges[r].start, ELFCORE_PHYS_LIMIT) &
		     ~ELFCORE_PAGE_MASK;
		re = ALIGN_UP(elfcore_range_end(&ranges[r]), ELFCORE_PAGE_SIZE);
		if (elfcore_cut(ec, rs, re, ELFCORE_F_EXCLUDED))
			ret = -ENOSPC;
	}
	return ret;
}

/* The whole pages of a keep range: [*ks, *ke), possibly empty. */
static void elfcore_keep_pages(const struct elfcore_range *r, uint64_t *ks,
			       uint64_t *ke)
{
	*ks = ALIGN_UP(MIN(r->start, ELFCORE_PHYS_LIMIT), ELFCORE_PAGE_SIZE);
	*ke = ALIGN_DOWN(elfcore_range_end(r), ELFCORE_PAGE_SIZE);
}

int elfcore_intersect(struct elfcore *ec, const struct elfcore_range *keep,
		      size_t n)
{
	uint64_t g, gap_end, ks, ke;
	size_t j, k;
	bool any = false, covered;
	int ret = 0;

	if (!ec || !keep)
		return -EINVAL;
	for (j = 0; j < n; j++) {
		elfcore_keep_pages(&keep[j], &ks, &ke);
		any |= ks < ke;
	}
	if (!any)
		return -EINVAL;
	/*
	 * Remove each gap of the union of @keep: a gap starts at 0 or at the
	 * end of a range (when no other range covers that point) and ends at
	 * the nearest range start above it.  O(n^2) with no storage.
	 */
	for (j = 0; j <= n; j++) {
		if (j == n) {
			g = 0;
		} else {
			elfcore_keep_pages(&keep[j], &ks, &g);
			if (ks >= g)
				continue;
		}
		covered = false;
		gap_end = ELFCORE_PHYS_LIMIT;
		for (k = 0; k < n; k++) {
			elfcore_keep_pages(&keep[k], &ks, &ke);
			if (ks >= ke)
				continue;
			if (ks <= g && g < ke)
				covered = true;
			else if (ks > g && ks < gap_end)
				gap_end = ks;
		}
		if (!covered && elfcore_cut(ec, g, gap_end, ELFCORE_F_OUTSIDE))
			ret = -ENOSPC;
	}
	return ret;
}

static uint64_t elfcore_pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

int elfcore_note_next(const void *seg, size_t len, size_t *pos,
		      struct elfcore_note *note)
{
	const uint8_t *b = seg, *h;
	uint64_t namesz, descsz, size;
	size_t p;

	if (!seg || !pos || !note)
		return -EINVAL;
	p = *pos;
	if (p & 3)
		return -EPROTO;
	if (p > len || len - p < ELF64_NHDR_SIZE)
		return -ENODEV;
	h = b + p;
	namesz = elf64_get32(h + ELF64_N_NAMESZ);
	descsz = elf64_get32(h + ELF64_N_DESCSZ);
	if (namesz == 0)
		return -ENODEV;
	size = ELF64_NHDR_SIZE + elfcore_pad4(namesz) + elfcore_pad4(descsz);
	if (size > len - p)
		return -EPROTO;
	note->type = elf64_get32(h + ELF64_N_TYPE);
	note->namesz = (uint32_t)namesz;
	note->descsz = (uint32_t)descsz;
	note->name = (const char *)(h + ELF64_NHDR_SIZE);
	note->desc = h + ELF64_NHDR_SIZE + elfcore_pad4(namesz);
	note->offset = p;
	note->size = (size_t)size;
	*pos = p + (size_t)size;
	return 0;
}

bool elfcore_note_is(const struct elfcore_note *note, const char *name,
		     uint32_t type)
{
	size_t n;

	if (!note || !name || note->type != type)
		return false;
	n = strlen(name);
	if (note->namesz == n + 1)
		return !memcmp(note->name, name, n) && note->name[n] == '\0';
	return note->namesz == n && !memcmp(note->name, name, n);
}

void elfcore_merge_init(struct elfcore_merge *m, void *out, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->out = out;
	m->cap = out ? cap : 0;
}

int elfcore_merge_notes(struct elfcore_merge *m, const void *seg, size_t len)
{
	struct elfcore_note n;
	size_t pos = 0;
	unsigned int found = 0;
	int ret;

	if (!m || (!seg && len))
		return -EINVAL;
	if (!seg) {
		m->flags |= ELFCORE_MF_EMPTY_SEGMENT;
		return 0;
	}
	for (;;) {
		ret = elfcore_note_next(seg, len, &pos, &n);
		if (ret == -ENODEV) {
			/* Ran out of bytes without seeing a terminator? */
			if (pos > len || len - pos < ELF64_NHDR_SIZE)
				m->flags |= ELFCORE_MF_NO_TERMINATOR;
			ret = 0;
			break;
		}
		if (ret) {
			m->flags |= ELFCORE_MF_BAD_NOTE;
			break;
		}
		if (n.size > m->cap - m->len) {
			m->flags |= ELFCORE_MF_FULL;
			ret = -ENOSPC;
			break;
		}
		if (elfcore_note_is(&n, ELFCORE_NOTE_CORE, NT_PRSTATUS)) {
			m->nprstatus++;
		} else if (elfcore_note_is(&n, ELFCORE_NOTE_VMCOREINFO, 0)) {
			if (m->has_vmcoreinfo) {
				m->flags |= ELFCORE_MF_DUP_VMCOREINFO;
			} else {
				m->has_vmcoreinfo = true;
				m->vmcoreinfo_off =
				    m->len +
				    (size_t)(n.desc - (const uint8_t *)seg) -
				    n.offset;
				m->vmcoreinfo_len = n.descsz;
			}
		}
		memcpy(m->out + m->len, (const uint8_t *)seg + n.offset,
		       n.size);
		m->len += n.size;
		m->nnotes++;
		found++;
	}
	if (!found)
		m->flags |= ELFCORE_MF_EMPTY_SEGMENT;
	return ret;
}

int elfcore_prstatus_parse(const void *desc, size_t len,
			   struct elfcore_prstatus *out)
{
	const uint8_t *d = desc, *r;
	unsigned int i;

	if (!desc || !out)
		return -EINVAL;
	if (len != ELFCORE_PRSTATUS_SIZE)
		return -EPROTO;
	out->signo = (int32_t)elf64_get32(d + ELFCORE_PRSTATUS_SIGNO);
	out->cursig = (int16_t)elf64_get16(d + ELFCORE_PRSTATUS_CURSIG);
	out->pid = (int32_t)elf64_get32(d + ELFCORE_PRSTATUS_PID);
	out->ppid = (int32_t)elf64_get32(d + ELFCORE_PRSTATUS_PPID);
	r = d + ELFCORE_PRSTATUS_REG;
	for (i = 0; i < 31; i++)
		out->regs[i] = elf64_get64(r + 8 * i);
	out->sp = elf64_get64(r + 8 * 31);
	out->pc = elf64_get64(r + 8 * 32);
	out->pstate = elf64_get64(r + 8 * 33);
	out->fpvalid = (int32_t)elf64_get32(d + ELFCORE_PRSTATUS_FPVALID);
	return 0;
}
