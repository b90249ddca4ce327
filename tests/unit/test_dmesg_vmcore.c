// SPDX-License-Identifier: MIT
/*
 * payload/dmesg.c on a real ELF vmcore: $TINYDUMP_TEST_VMCORE (skipped
 * when unset).  Virtual addresses are translated as the payload does,
 * from VMCOREINFO (arm64: the linear map through NUMBER(PHYS_OFFSET) and
 * NUMBER(VA_BITS), the kernel image through NUMBER(kimage_voffset)), and
 * physical memory is read through the PT_LOADs' p_paddr; every
 * translation is also checked against the PT_LOADs' p_vaddr when those
 * cover it.  The output must equal kexec-tools' vmcore-dmesg on the same
 * file ($TINYDUMP_VMCORE_DMESG, default /usr/sbin/vmcore-dmesg), or the
 * text in $TINYDUMP_TEST_VMCORE_DMESG.  TINYDUMP_TEST_VMCORE_PRINT=1
 * prints our output.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload/dmesg.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"

struct core {
	int fd;
	Elf64_Phdr *ph;
	unsigned int nph;
	bool have_linear, have_kimage;
	uint64_t page_offset, linear_end, phys_offset, kimage_voffset;
	unsigned long translations, elf_agree, elf_disagree;
};

static int elf_vaddr(const struct core *c, uint64_t va, uint64_t *pa)
{
	unsigned int i;

	for (i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];

		if (p->p_type == PT_LOAD && va >= p->p_vaddr &&
		    va - p->p_vaddr < p->p_memsz) {
			*pa = p->p_paddr + (va - p->p_vaddr);
			return 0;
		}
	}
	return -EFAULT;
}

static int core_va_to_pa(void *ctx, uint64_t va, uint64_t *pa)
{
	struct core *c = ctx;
	uint64_t epa;
	int ret = -EFAULT;

	c->translations++;
	if (c->have_linear && va >= c->page_offset && va < c->linear_end) {
		*pa = va - c->page_offset + c->phys_offset;
		ret = 0;
	} else if (c->have_kimage && va >= c->linear_end) {
		*pa = va - c->kimage_voffset;
		ret = 0;
	}
	if (!elf_vaddr(c, va, &epa)) {
		if (ret) {
			*pa = epa;
			ret = 0;
		} else if (epa == *pa) {
			c->elf_agree++;
		} else {
			c->elf_disagree++;
		}
	}
	return ret;
}

static int core_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct core *c = ctx;
	unsigned int i;

	for (i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];

		if (p->p_type == PT_LOAD && pa >= p->p_paddr &&
		    pa - p->p_paddr < p->p_filesz &&
		    len <= p->p_filesz - (pa - p->p_paddr)) {
			off_t off = (off_t)(p->p_offset + (pa - p->p_paddr));

			return pread(c->fd, buf, len, off) == (ssize_t)len ?
				       0 : -EIO;
		}
	}
	return -EFAULT;
}

static const struct dmesg_ops core_ops = { core_va_to_pa, core_read };

/* The VMCOREINFO note's text, malloc'd. */
static char *find_vmcoreinfo(const struct core *c, size_t *len)
{
	unsigned int i;

	for (i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];
		char *buf;
		size_t off = 0;

		if (p->p_type != PT_NOTE || p->p_filesz > (1u << 24))
			continue;
		buf = malloc(p->p_filesz);
		if (!buf || pread(c->fd, buf, p->p_filesz, (off_t)p->p_offset) !=
				    (ssize_t)p->p_filesz) {
			free(buf);
			continue;
		}
		while (off + 12 <= p->p_filesz) {
			uint32_t nsz, dsz, type;
			size_t name, desc;

			memcpy(&nsz, buf + off, 4);
			memcpy(&dsz, buf + off + 4, 4);
			memcpy(&type, buf + off + 8, 4);
			name = off + 12;
			desc = name + ((nsz + 3u) & ~3u);
			if (desc > p->p_filesz || dsz > p->p_filesz - desc)
				break;
			if (nsz == 11 && !memcmp(buf + name, "VMCOREINFO", 11)) {
				char *t = malloc(dsz ? dsz : 1);

				memcpy(t, buf + desc, dsz);
				*len = dsz;
				free(buf);
				return t;
			}
			off = desc + ((dsz + 3u) & ~(size_t)3);
		}
		free(buf);
	}
	return NULL;
}

struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			abort();
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void collect(struct dmesg *dm, struct text *t, uint64_t *records)
{
	char piece[512];
	size_t n;
	bool eor;

	t->len = 0;
	*records = 0;
	while (dmesg_next_chunk(dm, piece, sizeof(piece), &n, &eor) == 1) {
		text_add(t, piece, n);
		*records += eor;
	}
}

static bool reference(const char *vmcore, struct text *ref)
{
	const char *file = getenv("TINYDUMP_TEST_VMCORE_DMESG");
	const char *tool = getenv("TINYDUMP_VMCORE_DMESG");
	char cmd[4096], buf[65536];
	FILE *p;
	size_t n;

	ref->len = 0;
	if (file) {
		p = fopen(file, "rb");
		if (!p)
			return false;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			text_add(ref, buf, n);
		fclose(p);
		printf("test_dmesg_vmcore: reference %s\n", file);
		return true;
	}
	if (!tool)
		tool = "/usr/sbin/vmcore-dmesg";
	if (access(tool, X_OK))
		return false;
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", tool, vmcore);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		text_add(ref, buf, n);
	if (pclose(p))
		fprintf(stderr, "test_dmesg_vmcore: %s exited non-zero\n", tool);
	printf("test_dmesg_vmcore: reference %s %s\n", tool, vmcore);
	return true;
}

static void report_diff(const struct text *a, const struct text *b)
{
	size_t i = 0, line = 1, start = 0;

	while (i < a->len && i < b->len && a->buf[i] == b->buf[i]) {
		if (a->buf[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "first difference at byte %zu, line %zu:\n ours: %.200s\n"
		" ref:  %.200s\n", i, line, a->buf + start, b->buf + start);
}

int main(void)
{
	const char *path = getenv("TINYDUMP_TEST_VMCORE");
	struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	struct vmcoreinfo vi;
	struct core c;
	struct dmesg dm;
	struct text ours = { 0 }, ref = { 0 }, tail = { 0 };
	Elf64_Ehdr eh;
	char *vtext;
	size_t vlen = 0;
	int64_t va_bits, phys_offset, voff;
	uint64_t records, total, tail_records;
	int ret;

	if (!path) {
		printf("test_dmesg_vmcore: SKIP (set TINYDUMP_TEST_VMCORE to "
		       "an ELF vmcore)\n");
		return check_summary("test_dmesg_vmcore");
	}
	memset(&c, 0, sizeof(c));
	c.fd = open(path, O_RDONLY);
	CHECK(c.fd >= 0);
	if (c.fd < 0)
		return check_summary("test_dmesg_vmcore");
	CHECK(pread(c.fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh));
	CHECK(!memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	      eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	      eh.e_phentsize == sizeof(Elf64_Phdr));
	c.nph = eh.e_phnum;
	c.ph = calloc(c.nph ? c.nph : 1, sizeof(Elf64_Phdr));
	CHECK(pread(c.fd, c.ph, c.nph * sizeof(Elf64_Phdr), (off_t)eh.e_phoff) ==
	      (ssize_t)(c.nph * sizeof(Elf64_Phdr)));

	vtext = find_vmcoreinfo(&c, &vlen);
	CHECK(vtext != NULL);
	if (!vtext)
		return check_summary("test_dmesg_vmcore");
	vmcoreinfo_init(&vi, ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&vi, vtext, vlen), 0);

	/* arm64 since 5.4: the linear map is the lower half of the top. */
	if (!vmcoreinfo_number(&vi, "VA_BITS", &va_bits) && va_bits > 32 &&
	    va_bits <= 52 &&
	    !vmcoreinfo_number(&vi, "PHYS_OFFSET", &phys_offset)) {
		c.have_linear = true;
		c.page_offset = ~UINT64_C(0) << va_bits;
		c.linear_end = c.page_offset + (UINT64_C(1) << (va_bits - 1));
		c.phys_offset = (uint64_t)phys_offset;
	}
	if (!vmcoreinfo_number(&vi, "kimage_voffset", &voff)) {
		c.have_kimage = true;
		c.kimage_voffset = (uint64_t)voff;
	}
	printf("test_dmesg_vmcore: %s: linear map %s, kimage %s\n", path,
	       c.have_linear ? "from VMCOREINFO" : "from PT_LOAD",
	       c.have_kimage ? "from VMCOREINFO" : "from PT_LOAD");

	ret = dmesg_init(&dm, &vi, &core_ops, &c);
	CHECK_EQ(ret, 0);
	if (ret)
		return check_summary("test_dmesg_vmcore");
	CHECK_EQ(dmesg_count_records(&dm, &total), 0);
	collect(&dm, &ours, &records);
	CHECK_EQ(records, total);
	CHECK(records > 0);
	printf("test_dmesg_vmcore: %s ring, %llu records, %zu bytes; "
	       "uncommitted %llu dataless %llu truncated %llu bad_lpos %llu "
	       "bad_ids %llu read_errors %llu bad_records %llu\n",
	       dm.kind == DMESG_LOCKLESS ? "lockless" : "log_buf",
	       (unsigned long long)records, ours.len,
	       (unsigned long long)dm.stats.uncommitted,
	       (unsigned long long)dm.stats.dataless,
	       (unsigned long long)dm.stats.truncated,
	       (unsigned long long)dm.stats.bad_lpos,
	       (unsigned long long)dm.stats.bad_ids,
	       (unsigned long long)dm.stats.read_errors,
	       (unsigned long long)dm.stats.bad_records);
	printf("test_dmesg_vmcore: %lu translations, %lu agree with p_vaddr, "
	       "%lu disagree\n", c.translations, c.elf_agree, c.elf_disagree);
	CHECK_EQ(dm.stats.read_errors, 0);
	CHECK_EQ(c.elf_disagree, 0);
	if (getenv("TINYDUMP_TEST_VMCORE_PRINT"))
		fwrite(ours.buf, 1, ours.len, stdout);

	/* The last 10 records are the output's tail. */
	CHECK_EQ(dmesg_tail(&dm, 10), 0);
	collect(&dm, &tail, &tail_records);
	CHECK_EQ(tail_records, total < 10 ? total : 10);
	CHECK(tail.len <= ours.len &&
	      !memcmp(tail.buf, ours.buf + ours.len - tail.len, tail.len));

	if (reference(path, &ref)) {
		bool same = ref.len == ours.len &&
			    !memcmp(ref.buf, ours.buf, ours.len);

		CHECK(same);
		if (same)
			printf("test_dmesg_vmcore: identical to the reference "
			       "(%zu bytes)\n", ref.len);
		else
			report_diff(&ours, &ref);
	} else {
		printf("test_dmesg_vmcore: no vmcore-dmesg, comparison "
		       "skipped\n");
	}
	free(ours.buf);
	free(ref.buf);
	free(tail.buf);
	free(vtext);
	free(c.ph);
	close(c.fd);
	return check_summary("test_dmesg_vmcore");
}
