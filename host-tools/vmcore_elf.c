// SPDX-License-Identifier: MIT
/*
 * ELF64 core writer, laid out as /proc/vmcore presents a crash
 * (fs/proc/vmcore.c): one PT_NOTE holding the merged notes, PT_LOADs for
 * the kernel image, then PT_LOADs for RAM in physical order.  Virtual
 * addresses come from VMCOREINFO (host-tools/dumpmeta.c), never from the
 * elfcorehdr, whose vaddrs kexec-tools gets wrong on some kernels
 * (REFERENCE.md §7).  A RAM PT_LOAD covers only pages whose content is in
 * the dump: it is split around excluded, unreadable and missing pages, so
 * a reader finds no program header for them rather than invented zeros.
 * The kernel image PT_LOADs point at the same file bytes as the RAM ones.
 * More than 65534 program headers use PN_XNUM (gABI; section header 0).
 */
#include "host-tools/vmcore.h"
#include "host-tools/fileio.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload/elf64.h"

#define ELF_SHDR_SIZE	64u
#define ELF_SH_INFO	44
#define ELF_E_SHOFF	40
#define ELF_E_FLAGS	48
#define ELF_E_SHENTSIZE 58
#define ELF_E_SHNUM	60
#define PH_BATCH	1024u
#define DATA_BUF	(1u << 20)

struct seg {
	uint64_t paddr, size, vaddr, offset;
};

struct segs {
	struct seg *s;
	size_t n, cap;
};

static int segs_add(struct segs *v, uint64_t paddr, uint64_t size,
		    uint64_t vaddr)
{
	struct seg *s;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 256;
		s = realloc(v->s, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		v->s = s;
		v->cap = cap;
	}
	v->s[v->n].paddr = paddr;
	v->s[v->n].size = size;
	v->s[v->n].vaddr = vaddr;
	v->s[v->n].offset = 0;
	v->n++;
	return 0;
}

/* --- segments --------------------------------------------------------------
 */

/* vaddr of @paddr: VMCOREINFO's linear map, else the map entry's p_vaddr. */
static uint64_t ram_vaddr(const struct dumpmeta *m, uint64_t paddr,
			  const struct stream_range *r, const char **src)
{
	uint64_t v;

	if (dumpmeta_linear(m, paddr, &v)) {
		*src = "VMCOREINFO";
		return v;
	}
	if (r && r->vaddr && r->vaddr != UINT64_MAX) {
		if (!*src || strcmp(*src, "VMCOREINFO"))
			*src = "stream map";
		return r->vaddr + (paddr - r->paddr);
	}
	if (!*src)
		*src = "none";
	return 0;
}

/* First PFN of a known LOAD entry above @pfn, or UINT64_MAX. */
static uint64_t next_load(const struct collect *c, uint64_t pfn)
{
	uint32_t i;
	uint64_t first;

	for (i = 0; i < c->nloads_sorted; i++) {
		first = c->loads_sorted[i].paddr >> c->shift;
		if (first > pfn)
			return first;
	}
	return UINT64_MAX;
}

/* Runs of present pages, cut where a known LOAD entry starts or ends. */
static int ram_segments(const struct collect *c, const struct dumpmeta *m,
			struct segs *v, const char **src)
{
	const struct stream_range *r;
	uint64_t pfn = 0, first, count, p, end, stop, lend;
	uint32_t idx;
	int ret;

	while (collect_next_present(c, pfn, &first, &count)) {
		end = first + count;
		for (p = first; p < end; p = stop) {
			r = NULL;
			if (collect_in_load(c, p, &idx)) {
				r = &c->loads_sorted[idx];
				lend =
				    (r->paddr + r->size + c->page_size - 1) >>
				    c->shift;
				stop = lend < end ? lend : end;
			} else {
				lend = next_load(c, p);
				stop = lend < end ? lend : end;
			}
			ret = segs_add(v, p << c->shift, (stop - p) << c->shift,
				       ram_vaddr(m, p << c->shift, r, src));
			if (ret)
				return ret;
		}
		pfn = end;
	}
	return 0;
}

static uint64_t ram_end_of(void *ctx, uint64_t paddr)
{
	const struct collect *c = ctx;
	const struct stream_range *r;
	uint32_t idx;

	if (!collect_in_load(c, paddr >> c->shift, &idx))
		return 0;
	r = &c->loads_sorted[idx];
	return r->paddr + r->size;
}

/* The kernel image's pieces: where it overlaps RAM segments, same bytes. */
static int kimage_segments(const struct collect *c, const struct dumpmeta *m,
			   const struct segs *ram, struct segs *k,
			   struct vmcore_result *res)
{
	const struct dumpmeta_kimage *ki = &res->kimage;
	uint64_t a, b;
	size_t i;
	int ret;

	res->have_kimage = dumpmeta_kimage(m, c->page_size, ram_end_of,
					   (void *)c, &res->kimage);
	if (!res->have_kimage)
		return 0;
	for (i = 0; i < ram->n; i++) {
		a = ram->s[i].paddr > ki->paddr ? ram->s[i].paddr : ki->paddr;
		b = ram->s[i].paddr + ram->s[i].size < ki->paddr + ki->size
			? ram->s[i].paddr + ram->s[i].size
			: ki->paddr + ki->size;
		if (a >= b)
			continue;
		ret = segs_add(k, a, b - a, ki->vaddr + (a - ki->paddr));
		if (ret)
			return ret;
		k->s[k->n - 1].offset =
		    ram->s[i].offset + (a - ram->s[i].paddr);
	}
	return 0;
}

/* --- writing
 * ------------------------------------------------------------------ */

static void put_phdr(uint8_t *p, uint32_t type, uint64_t off, uint64_t vaddr,
		     uint64_t paddr, uint64_t size, uint64_t align)
{
	memset(p, 0, ELF64_PHDR_SIZE);
	elf64_put32(p + ELF64_P_TYPE, type);
	elf64_put32(p + ELF64_P_FLAGS,
		    type == PT_LOAD ? PF_R | PF_W | PF_X : 0);
	elf64_put64(p + ELF64_P_OFFSET, off);
	elf64_put64(p + ELF64_P_VADDR, vaddr);
	elf64_put64(p + ELF64_P_PADDR, paddr);
	elf64_put64(p + ELF64_P_FILESZ, size);
	elf64_put64(p + ELF64_P_MEMSZ, size);
	elf64_put64(p + ELF64_P_ALIGN, align);
}

static int write_ehdr(int fd, uint64_t phnum, uint64_t shoff, bool incomplete)
{
	uint8_t e[ELF64_EHDR_SIZE], sh[ELF_SHDR_SIZE];
	bool xnum = phnum >= PN_XNUM;
	int ret;

	memset(e, 0, sizeof(e));
	elf64_core_ehdr_init(e);
	elf64_put32(e + ELF_E_FLAGS, incomplete ? ELF_DUMP_INCOMPLETE : 0);
	elf64_put16(e + ELF64_E_PHNUM, xnum ? PN_XNUM : (uint16_t)phnum);
	if (xnum) {
		/* gABI extended numbering: the count in sh_info of section 0.
		 */
		elf64_put64(e + ELF_E_SHOFF, shoff);
		elf64_put16(e + ELF_E_SHENTSIZE, ELF_SHDR_SIZE);
		elf64_put16(e + ELF_E_SHNUM, 1);
		memset(sh, 0, sizeof(sh));
		elf64_put32(sh + ELF_SH_INFO, (uint32_t)phnum);
		ret = pwrite_all(fd, sh, sizeof(sh), shoff);
		if (ret)
			return ret;
	}
	return pwrite_all(fd, e, sizeof(e), 0);
}

static int write_phdrs(int fd, const struct segs *k, const struct segs *ram,
		       uint64_t notes_off, uint64_t notes_len, uint64_t align)
{
	uint8_t *b = malloc((size_t)PH_BATCH * ELF64_PHDR_SIZE);
	uint64_t off = ELF64_EHDR_SIZE, i, n = 0, total = 1 + k->n + ram->n;
	const struct seg *s;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < total && !ret; i++) {
		if (i == 0)
			put_phdr(b + n * ELF64_PHDR_SIZE, PT_NOTE, notes_off, 0,
				 0, notes_len, 0);
		else {
			s = i <= k->n ? &k->s[i - 1] : &ram->s[i - 1 - k->n];
			put_phdr(b + n * ELF64_PHDR_SIZE, PT_LOAD, s->offset,
				 s->vaddr, s->paddr, s->size, align);
		}
		if (++n == PH_BATCH || i + 1 == total) {
			ret = pwrite_all(fd, b, n * ELF64_PHDR_SIZE, off);
			off += n * ELF64_PHDR_SIZE;
			n = 0;
		}
	}
	free(b);
	return ret;
}

/* Dumped pages go out in batches; zero pages stay holes. */
static int write_ram(int fd, const struct collect *c, const struct segs *ram,
		     struct vmcore_result *res)
{
	uint8_t *buf = malloc(DATA_BUF);
	uint64_t per = DATA_BUF >> c->shift, i, pfn, end, run;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < ram->n && !ret; i++) {
		pfn = ram->s[i].paddr >> c->shift;
		end = pfn + (ram->s[i].size >> c->shift);
		while (pfn < end && !ret) {
			if (collect_state(c, pfn) == COLLECT_ZERO) {
				res->zero_pages++;
				pfn++;
				continue;
			}
			for (run = 1;
			     run < per && pfn + run < end &&
			     collect_state(c, pfn + run) == COLLECT_DUMPED;
			     run++)
				;
			ret = collect_read_pages(c, pfn, run, buf);
			if (!ret)
				ret = pwrite_all(
				    fd, buf, run << c->shift,
				    ram->s[i].offset +
					((pfn << c->shift) - ram->s[i].paddr));
			res->raw_pages += run;
			pfn += run;
		}
	}
	free(buf);
	return ret;
}

int vmcore_write_elf(const struct collect *c, const struct dumpmeta *m, int fd,
		     bool incomplete, struct vmcore_result *res)
{
	struct segs ram = {0}, k = {0};
	uint64_t phnum, notes_off, notes_len, off, ps = c->page_size, shoff = 0;
	size_t i;
	int ret;

	memset(res, 0, sizeof(*res));
	notes_len = c->notes ? c->notes_total : 0;
	ret = ram_segments(c, m, &ram, &res->vaddr_source);
	if (!res->vaddr_source)
		res->vaddr_source = m->linear_ok ? "VMCOREINFO" : "none";
	/* File offsets: headers, notes, then each RAM segment's pages. */
	if (!ret)
		ret = kimage_segments(c, m, &ram, &k, res); /* to count them */
	phnum = 1 + k.n + ram.n;
	k.n = 0;
	notes_off = ELF64_EHDR_SIZE + phnum * ELF64_PHDR_SIZE;
	if (phnum >= PN_XNUM) {
		shoff = notes_off;
		notes_off += ELF_SHDR_SIZE;
	}
	off = (notes_off + notes_len + ps - 1) & ~(ps - 1);
	for (i = 0; i < ram.n; i++) {
		ram.s[i].offset = off;
		off += ram.s[i].size;
	}
	/* Now that RAM has offsets, place the kernel image pieces for real. */
	if (!ret)
		ret = kimage_segments(c, m, &ram, &k, res);
	if (!ret) {
		phnum = 1 + k.n + ram.n;
		res->xnum = phnum >= PN_XNUM;
		res->segments = ram.n;
		res->kimage_segs = (unsigned)k.n;
		ret = write_ehdr(fd, phnum, shoff, incomplete);
	}
	if (!ret)
		ret = write_phdrs(fd, &k, &ram, notes_off, notes_len, 0);
	if (!ret && notes_len)
		ret = pwrite_all(fd, c->notes, notes_len, notes_off);
	if (!ret)
		ret = write_ram(fd, c, &ram, res);
	if (!ret && ftruncate(fd, (off_t)off))
		ret = -EIO;
	res->bytes = off;
	free(ram.s);
	free(k.s);
	return ret == -ENOMEM ? ret : ret ? -EIO : 0;
}
