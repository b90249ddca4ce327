// SPDX-License-Identifier: MIT
/*
 * `tinydump info` on vmcores.  A flattened file is indexed once (its
 * {be64 offset, be64 size} records, sorted by offset) and then read like
 * the kdump file `makedumpfile -R` would rebuild, gaps reading as zeros.
 * Layouts: host-tools/vmcore.h (kdump), payload/elf64.h (ELF).
 */
#include "host-tools/vmread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-tools/dumpmeta.h"
#include "host-tools/fileio.h"
#include "host-tools/vmcore.h"
#include "payload/elf64.h"
#include "payload/stream.h"

#define NOTES_MAX    (64u << 20)
#define RANGES_SHOWN 20
#define LOADS_SHOWN  40
#define DESC_BATCH   4096u
#define ELF_E_FLAGS  48

struct flat_ent {
	uint64_t off, size, pos;
};

struct vmr {
	int fd;
	bool flat;
	struct flat_ent *e;
	size_t n;
};

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct flat_ent *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int flat_index(struct vmr *r)
{
	uint64_t pos = FLAT_HEADER_SIZE, fsize;
	struct flat_ent *e;
	struct stat st;
	uint8_t h[16];
	size_t cap = 0;

	if (fstat(r->fd, &st))
		return -EIO;
	fsize = (uint64_t)st.st_size;
	for (;;) {
		if (pread_all(r->fd, h, sizeof(h), pos))
			return -EPROTO; /* no end marker */
		pos += sizeof(h);
		if (get_be64(h) == UINT64_MAX && get_be64(h + 8) == UINT64_MAX)
			break;
		if (get_be64(h) >> 62 || get_be64(h + 8) > fsize - pos ||
		    pos > fsize)
			return -EPROTO;
		if (r->n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = realloc(r->e, cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			r->e = e;
		}
		r->e[r->n].off = get_be64(h);
		r->e[r->n].size = get_be64(h + 8);
		r->e[r->n].pos = pos;
		r->n++;
		pos += get_be64(h + 8);
	}
	qsort(r->e, r->n, sizeof(*r->e), ent_cmp);
	return 0;
}

/* Read the rebuilt file's bytes: later records win, gaps are zeros. */
static int vmr_read(const struct vmr *r, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t a, b;
	size_t i;

	size_t lo = 0, hi, mid;

	if (!r->flat)
		return pread_all(r->fd, buf, len, off);
	memset(buf, 0, len);
	/* The last record starting at or before @off, then those after it. */
	hi = r->n;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (r->e[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (i = lo; i < r->n; i++) {
		a = r->e[i].off > off ? r->e[i].off : off;
		b = r->e[i].off + r->e[i].size < off + len
			? r->e[i].off + r->e[i].size
			: off + len;
		if (r->e[i].off >= off + len)
			break;
		if (a < b && pread_all(r->fd, p + (a - off), b - a,
				       r->e[i].pos + (a - r->e[i].off)))
			return -EIO;
	}
	return 0;
}

enum vmread_kind vmread_probe(int fd)
{
	uint8_t b[16] = {0};

	if (pread(fd, b, sizeof(b), 0) < 8)
		return VMREAD_NONE;
	if (!memcmp(b, KDUMP_SIGNATURE, KDUMP_SIG_LEN))
		return VMREAD_KDUMP;
	if (!memcmp(b, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)))
		return VMREAD_FLAT;
	if (b[EI_MAG0] == ELFMAG0 && b[EI_MAG1] == ELFMAG1 &&
	    b[EI_MAG2] == ELFMAG2 && b[EI_MAG3] == ELFMAG3)
		return VMREAD_ELF;
	return VMREAD_NONE;
}

static void print_notes(const uint8_t *notes, size_t len, FILE *out)
{
	struct dumpmeta m;

	if (dumpmeta_parse(&m, notes, len)) {
		fprintf(out, "notes: out of memory\n");
		return;
	}
	dumpmeta_print(&m, out);
	dumpmeta_free(&m);
}

/* --- kdump
 * --------------------------------------------------------------------- */

struct kd {
	uint32_t bs, status, sub_blocks, bm_blocks, version;
	uint64_t max_mapnr, bm_len, off_bm1, off_bm2, off_desc;
	uint64_t bm1_pages, bm2_pages;
};

static void kd_header(const uint8_t *h, struct kd *k, FILE *out)
{
	static const char *const names[] = {"sysname", "nodename",
					    "release", "version",
					    "machine", "domainname"};
	char s[DUMPMETA_UTS_LEN];
	unsigned i;

	k->version = stream_get32(h + KDUMP_DH_VERSION);
	k->status = stream_get32(h + KDUMP_DH_STATUS);
	k->bs = stream_get32(h + KDUMP_DH_BLOCK_SIZE);
	k->sub_blocks = stream_get32(h + KDUMP_DH_SUB_HDR_SIZE);
	k->bm_blocks = stream_get32(h + KDUMP_DH_BITMAP_BLOCKS);
	k->max_mapnr = stream_get32(h + KDUMP_DH_MAX_MAPNR);
	fprintf(out, "kdump-compressed vmcore, header version %" PRIu32 "\n",
		k->version);
	for (i = 0; i < DUMPMETA_UTS_FIELDS; i++) {
		memcpy(s, h + KDUMP_DH_UTSNAME + i * DUMPMETA_UTS_LEN,
		       sizeof(s));
		s[sizeof(s) - 1] = 0;
		fprintf(out, "  utsname.%-10s %s\n", names[i], s);
	}
	fprintf(out, "  timestamp          %" PRIu64 "\n",
		stream_get64(h + KDUMP_DH_TIMESTAMP));
	fprintf(out, "  status             0x%" PRIx32 "%s%s\n", k->status,
		k->status & KDUMP_COMPRESSED_ZLIB ? " zlib" : "",
		k->status & KDUMP_COMPRESSED_INCOMPLETE ? " INCOMPLETE" : "");
	fprintf(out,
		"  block_size         %" PRIu32
		"\n  sub_hdr_size       %" PRIu32
		"\n  bitmap_blocks      %" PRIu32
		"\n  nr_cpus            %" PRIu32 "\n",
		k->bs, k->sub_blocks, k->bm_blocks,
		stream_get32(h + KDUMP_DH_NR_CPUS));
}

static int kd_sub(const struct vmr *r, struct kd *k, FILE *out)
{
	uint8_t sh[KDUMP_SH_SIZE], *notes;
	uint64_t off_note, size_note;
	int ret;

	if (vmr_read(r, k->bs, sh, sizeof(sh)))
		return -EIO;
	if (k->version >= 6)
		k->max_mapnr = stream_get64(sh + KDUMP_SH_MAX_MAPNR_64);
	off_note = stream_get64(sh + KDUMP_SH_OFFSET_NOTE);
	size_note = stream_get64(sh + KDUMP_SH_SIZE_NOTE);
	fprintf(out,
		"  phys_base          0x%" PRIx64
		"\n  dump_level         %" PRIu32
		"\n  max_mapnr          %" PRIu64 "\n",
		stream_get64(sh + KDUMP_SH_PHYS_BASE),
		stream_get32(sh + KDUMP_SH_DUMP_LEVEL), k->max_mapnr);
	fprintf(out,
		"  notes              %" PRIu64 " bytes at %" PRIu64
		"; VMCOREINFO %" PRIu64 " bytes at %" PRIu64 "\n",
		size_note, off_note,
		stream_get64(sh + KDUMP_SH_SIZE_VMCOREINFO),
		stream_get64(sh + KDUMP_SH_OFFSET_VMCOREINFO));
	if (!size_note || size_note > NOTES_MAX)
		return 0;
	notes = malloc(size_note);
	if (!notes)
		return -ENOMEM;
	ret = vmr_read(r, off_note, notes, size_note);
	if (!ret)
		print_notes(notes, size_note, out);
	free(notes);
	return ret;
}

static void range_out(FILE *out, uint64_t first, uint64_t end, unsigned *n)
{
	if (++*n <= RANGES_SHOWN)
		fprintf(out,
			"  PFN 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
			" pages)\n",
			first, end - 1, end - first);
}

/* Bitmap totals, and the ranges of PFNs that exist but are not dumped. */
static int kd_bitmaps(const struct vmr *r, struct kd *k, FILE *out)
{
	uint8_t *b1 = malloc(k->bs), *b2 = malloc(k->bs);
	uint64_t blk, i, pfn, start = 0;
	unsigned nranges = 0;
	bool in = false, e, d;
	int ret = b1 && b2 ? 0 : -ENOMEM;

	fprintf(out, "present but not dumped (bitmap 1 and not bitmap 2):\n");
	for (blk = 0; !ret && blk < k->bm_blocks / 2; blk++) {
		ret = vmr_read(r, k->off_bm1 + blk * k->bs, b1, k->bs);
		if (!ret)
			ret = vmr_read(r, k->off_bm2 + blk * k->bs, b2, k->bs);
		for (i = 0; !ret && i < 8ull * k->bs; i++) {
			pfn = blk * 8ull * k->bs + i;
			e = b1[i >> 3] >> (i & 7) & 1;
			d = b2[i >> 3] >> (i & 7) & 1;
			k->bm1_pages += e;
			k->bm2_pages += d;
			if ((e && !d) != in) {
				if (in)
					range_out(out, start, pfn, &nranges);
				in = !in;
				start = pfn;
			}
		}
	}
	if (!ret && in)
		range_out(out, start, blk * 8ull * k->bs, &nranges);
	if (nranges > RANGES_SHOWN)
		fprintf(out, "  ... %u ranges in all\n", nranges);
	else if (!nranges)
		fprintf(out, "  none\n");
	free(b1);
	free(b2);
	return ret;
}

/* Count the page descriptors by kind. */
static int kd_descs(const struct vmr *r, const struct kd *k, FILE *out)
{
	uint64_t i, zero_off = k->off_desc + k->bm2_pages * KDUMP_PD_SIZE;
	uint64_t nzero = 0, nzlib = 0, nraw = 0, nbad = 0, off, n, j;
	uint8_t *d = malloc(DESC_BATCH * KDUMP_PD_SIZE), *x;
	uint32_t size, flags;

	if (!d)
		return -ENOMEM;
	for (i = 0; i < k->bm2_pages; i += n) {
		n = k->bm2_pages - i < DESC_BATCH ? k->bm2_pages - i
						  : DESC_BATCH;
		if (vmr_read(r, k->off_desc + i * KDUMP_PD_SIZE, d,
			     n * KDUMP_PD_SIZE)) {
			free(d);
			return -EIO;
		}
		for (j = 0, x = d; j < n; j++, x += KDUMP_PD_SIZE) {
			off = stream_get64(x);
			size = stream_get32(x + 8);
			flags = stream_get32(x + 12);
			if (off == zero_off)
				nzero++;
			else if (size > k->bs || !off)
				nbad++;
			else if (flags & KDUMP_COMPRESSED_ZLIB)
				nzlib++;
			else
				nraw++;
		}
	}
	free(d);
	fprintf(out,
		"pages: %" PRIu64 " exist (bitmap 1), %" PRIu64
		" in the file (bitmap 2): %" PRIu64 " zlib, %" PRIu64
		" raw, %" PRIu64 " zero%s\n",
		k->bm1_pages, k->bm2_pages, nzlib, nraw, nzero,
		nbad ? ", some descriptors invalid" : "");
	return 0;
}

static int kdump_info(const struct vmr *r, FILE *out)
{
	uint8_t h[KDUMP_DH_SIZE];
	struct kd k;
	int ret;

	memset(&k, 0, sizeof(k));
	if (vmr_read(r, 0, h, sizeof(h)))
		return 1;
	if (r->flat)
		fprintf(out,
			"flattened format (makedumpfile -F), %zu records\n",
			r->n);
	kd_header(h, &k, out);
	if (k.bs < 1024 || k.bs > (1u << 20) || (k.bs & (k.bs - 1)) ||
	    k.bm_blocks % 2 || k.sub_blocks > (1u << 20)) {
		fprintf(out, "malformed header\n");
		return 1;
	}
	ret = kd_sub(r, &k, out);
	k.off_bm1 = (1ull + k.sub_blocks) * k.bs;
	k.off_bm2 = k.off_bm1 + (uint64_t)k.bm_blocks / 2 * k.bs;
	k.off_desc = k.off_bm1 + (uint64_t)k.bm_blocks * k.bs;
	if (!ret)
		ret = kd_bitmaps(r, &k, out);
	if (!ret)
		ret = kd_descs(r, &k, out);
	if (ret) {
		fprintf(out, "read error\n");
		return 1;
	}
	return k.status & KDUMP_COMPRESSED_INCOMPLETE ? 2 : 0;
}

/* --- ELF
 * ------------------------------------------------------------------------- */

static int elf_phnum(int fd, const uint8_t *e, uint64_t *phnum)
{
	uint8_t sh[64];

	*phnum = elf64_get16(e + ELF64_E_PHNUM);
	if (*phnum != PN_XNUM)
		return 0;
	if (pread_all(fd, sh, sizeof(sh), elf64_get64(e + 40)))
		return -EIO;
	*phnum = elf64_get32(sh + 44);
	return 0;
}

static int elf_info(int fd, FILE *out)
{
	uint8_t e[ELF64_EHDR_SIZE], p[ELF64_PHDR_SIZE], *notes = NULL, *q;
	uint64_t phnum, i, nload = 0, bytes = 0, off, sz, total = 0;
	bool incomplete;
	int ret = 0;

	if (pread_all(fd, e, sizeof(e), 0) || e[EI_CLASS] != ELFCLASS64 ||
	    e[EI_DATA] != ELFDATA2LSB || elf_phnum(fd, e, &phnum)) {
		fprintf(out, "not a little-endian ELF64 file\n");
		return 1;
	}
	incomplete = elf64_get32(e + ELF_E_FLAGS) & ELF_DUMP_INCOMPLETE;
	fprintf(out,
		"ELF64 core: type %u, machine %u%s, %" PRIu64
		" program headers%s\n",
		elf64_get16(e + ELF64_E_TYPE), elf64_get16(e + ELF64_E_MACHINE),
		elf64_get16(e + ELF64_E_MACHINE) == EM_AARCH64 ? " (aarch64)"
							       : "",
		phnum, incomplete ? ", INCOMPLETE (e_flags)" : "");
	fprintf(out, "PT_LOAD              vaddr              paddr            "
		     "size     offset\n");
	for (i = 0; i < phnum && !ret; i++) {
		ret = pread_all(fd, p, sizeof(p),
				elf64_get64(e + ELF64_E_PHOFF) + i * sizeof(p));
		if (ret)
			break;
		off = elf64_get64(p + ELF64_P_OFFSET);
		sz = elf64_get64(p + ELF64_P_FILESZ);
		if (elf64_get32(p + ELF64_P_TYPE) == PT_LOAD) {
			if (++nload <= LOADS_SHOWN)
				fprintf(
				    out,
				    "  %4" PRIu64 "  %016" PRIx64
				    "  %012" PRIx64 "  %10" PRIx64 "  %" PRIx64
				    "\n",
				    nload - 1, elf64_get64(p + ELF64_P_VADDR),
				    elf64_get64(p + ELF64_P_PADDR), sz, off);
			bytes += sz;
		} else if (elf64_get32(p + ELF64_P_TYPE) == PT_NOTE && sz &&
			   total + sz <= NOTES_MAX) {
			q = realloc(notes, total + sz);
			if (!q) {
				ret = -ENOMEM;
				break;
			}
			notes = q;
			ret = pread_all(fd, notes + total, sz, off);
			total += sz;
		}
	}
	if (nload > LOADS_SHOWN)
		fprintf(out, "  ... %" PRIu64 " PT_LOADs in all\n", nload);
	fprintf(out, "PT_LOAD bytes: %" PRIu64 " (%" PRIu64 " 4 KiB pages)\n",
		bytes, bytes / 4096);
	if (!ret)
		print_notes(notes, total, out);
	free(notes);
	if (ret)
		fprintf(out, "read error\n");
	return ret ? 1 : incomplete ? 2 : 0;
}

int vmread_info(int fd, enum vmread_kind kind, FILE *out)
{
	struct vmr r = {.fd = fd, .flat = kind == VMREAD_FLAT};
	int ret;

	if (kind == VMREAD_ELF)
		return elf_info(fd, out);
	if (r.flat && flat_index(&r)) {
		fprintf(out, "malformed flattened file\n");
		free(r.e);
		return 1;
	}
	ret = kdump_info(&r, out);
	free(r.e);
	return ret;
}
