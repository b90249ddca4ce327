// SPDX-License-Identifier: MIT
/*
 * The merged notes of a dump: NT_PRSTATUS per CPU (payload/elfcore.h) and
 * the VMCOREINFO keys (payload/vmcoreinfo.h), plus the arm64 address rules
 * built on them.  The rules follow the kernel's own definitions
 * (arch/arm64/include/asm/memory.h: PAGE_OFFSET, __phys_to_virt,
 * kimage_voffset) as REFERENCE.md §2 summarises them; docs/tinydump.md
 * says why the elfcorehdr's own vaddrs are not used.
 */
#include "host-tools/dumpmeta.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "payload/elf64.h"

static bool get_number(const struct dumpmeta *m, const char *name,
		       uint64_t *out)
{
	int64_t v;

	if (vmcoreinfo_number(&m->vi, name, &v))
		return false;
	*out = (uint64_t)v;
	return true;
}

/* The layout before 5.4 put the kernel image below the linear map. */
static void derive_linear(struct dumpmeta *m)
{
	uint64_t stext, va;

	if (!m->has_va_bits || !m->has_phys_offset || m->va_bits < 36 ||
	    m->va_bits > 52 || m->vabits_actual < 36 || m->vabits_actual > 52)
		return;
	va = m->va_bits < 48 ? m->va_bits : 48;
	m->flipped = !(vmcoreinfo_symbol(&m->vi, "_stext", &stext) == 0 &&
		       stext < 0 - (1ull << (va - 1)));
	if (m->flipped)
		m->page_offset = 0 - (1ull << m->vabits_actual);
	else
		m->page_offset = 0 - (1ull << (m->va_bits - 1));
	m->linear_ok = true;
}

static void derive_text(struct dumpmeta *m)
{
	uint64_t v;

	if (!vmcoreinfo_symbol(&m->vi, "_text", &v)) {
		m->text_vaddr = v;
		m->text_rule = "SYMBOL(_text)";
		m->text_ok = true;
	} else if (!vmcoreinfo_symbol(&m->vi, "_stext", &v) &&
		   v >= DUMPMETA_STEXT_OFFSET) {
		m->text_vaddr = v - DUMPMETA_STEXT_OFFSET;
		m->text_rule = "SYMBOL(_stext) - 0x10000";
		m->text_ok = true;
	}
	if (!vmcoreinfo_symbol(&m->vi, "_end", &v)) {
		m->end_vaddr = v;
		m->has_end = true;
	}
}

static void parse_vmcoreinfo(struct dumpmeta *m)
{
	const char *val;
	size_t len;
	uint64_t t1sz;

	vmcoreinfo_parse(&m->vi, (const char *)m->notes + m->vmcoreinfo_off,
			 m->vmcoreinfo_len);
	if (!vmcoreinfo_get(&m->vi, "OSRELEASE", &val, &len)) {
		if (len >= sizeof(m->osrelease))
			len = sizeof(m->osrelease) - 1;
		memcpy(m->osrelease, val, len);
		m->osrelease[len] = 0;
		m->has_osrelease = true;
	}
	m->has_pagesize = !vmcoreinfo_u64(&m->vi, "PAGESIZE", 10, &m->pagesize);
	m->has_crashtime =
	    !vmcoreinfo_u64(&m->vi, "CRASHTIME", 10, &m->crashtime);
	m->has_kernel_offset =
	    !vmcoreinfo_u64(&m->vi, "KERNELOFFSET", 16, &m->kernel_offset);
	m->has_phys_offset = get_number(m, "PHYS_OFFSET", &m->phys_offset);
	m->has_va_bits = get_number(m, "VA_BITS", &m->va_bits);
	m->has_kimage_voffset =
	    get_number(m, "kimage_voffset", &m->kimage_voffset);
	m->vabits_actual = m->va_bits;
	if (get_number(m, "TCR_EL1_T1SZ", &t1sz) && t1sz > 0 && t1sz < 64) {
		m->has_t1sz = true;
		m->vabits_actual = 64 - t1sz;
	}
	derive_linear(m);
	derive_text(m);
}

int dumpmeta_parse(struct dumpmeta *m, const void *notes, size_t len)
{
	struct elfcore_note n;
	size_t pos = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	m->notes = notes;
	m->notes_len = notes ? len : 0;
	m->ent = calloc(VMCOREINFO_DEFAULT_ENTRIES, sizeof(*m->ent));
	/* Every CPU note takes more than 400 bytes: this bounds them. */
	m->cpu =
	    calloc(m->notes_len / ELFCORE_PRSTATUS_SIZE + 1, sizeof(*m->cpu));
	if (!m->ent || !m->cpu) {
		dumpmeta_free(m);
		return -ENOMEM;
	}
	vmcoreinfo_init(&m->vi, m->ent, VMCOREINFO_DEFAULT_ENTRIES);
	while (m->notes_len) {
		ret = elfcore_note_next(m->notes, m->notes_len, &pos, &n);
		if (ret == -ENODEV)
			break;
		if (ret < 0) {
			m->notes_bad = true;
			break;
		}
		m->nnotes++;
		if (elfcore_note_is(&n, ELFCORE_NOTE_CORE, NT_PRSTATUS) &&
		    !elfcore_prstatus_parse(n.desc, n.descsz,
					    &m->cpu[m->ncpus]))
			m->ncpus++;
		else if (elfcore_note_is(&n, ELFCORE_NOTE_VMCOREINFO, 0) &&
			 !m->has_vmcoreinfo) {
			m->has_vmcoreinfo = true;
			m->vmcoreinfo_off = (size_t)(n.desc - m->notes);
			m->vmcoreinfo_len = n.descsz;
		}
	}
	if (m->has_vmcoreinfo)
		parse_vmcoreinfo(m);
	return 0;
}

void dumpmeta_free(struct dumpmeta *m)
{
	free(m->ent);
	free(m->cpu);
	m->ent = NULL;
	m->cpu = NULL;
}

bool dumpmeta_linear(const struct dumpmeta *m, uint64_t paddr, uint64_t *vaddr)
{
	if (!m->linear_ok)
		return false;
	*vaddr = paddr - m->phys_offset + m->page_offset;
	return true;
}

bool dumpmeta_kimage(const struct dumpmeta *m, uint64_t page_size,
		     uint64_t (*ram_end)(void *ctx, uint64_t paddr), void *ctx,
		     struct dumpmeta_kimage *out)
{
	uint64_t va, pa, end, size, re;

	if (!m->text_ok || !m->has_kimage_voffset)
		return false;
	va = m->text_vaddr & ~(page_size - 1);
	pa = va - m->kimage_voffset;
	if (pa & (page_size - 1))
		return false;
	if (m->has_end && m->end_vaddr > va &&
	    m->end_vaddr - va <= (1ull << 32)) {
		size = m->end_vaddr - va;
		out->size_rule = "SYMBOL(_end)";
	} else {
		size = DUMPMETA_KIMAGE_MAX;
		out->size_rule = "64 MiB at most";
		re = ram_end ? ram_end(ctx, pa) : 0;
		if (re > pa && re - pa < size) {
			size = re - pa;
			out->size_rule = "end of its RAM range";
		}
	}
	end = (pa + size + page_size - 1) & ~(page_size - 1);
	out->vaddr = va;
	out->paddr = pa;
	out->size = end - pa;
	return true;
}

/* init_uts_ns.name: six NUL-terminated strings that must look right. */
static bool uts_plausible(const struct dumpmeta *m,
			  char (*uts)[DUMPMETA_UTS_LEN])
{
	unsigned i;

	for (i = 0; i < DUMPMETA_UTS_FIELDS; i++)
		if (!memchr(uts[i], 0, DUMPMETA_UTS_LEN))
			return false;
	return !strcmp(uts[DUMPMETA_UTS_SYSNAME], "Linux") &&
	       (!m->has_osrelease ||
		!strcmp(uts[DUMPMETA_UTS_RELEASE], m->osrelease));
}

void dumpmeta_read_uts(struct dumpmeta *m, dumpmeta_read_fn read, void *ctx)
{
	char uts[DUMPMETA_UTS_FIELDS][DUMPMETA_UTS_LEN];
	uint64_t sym, off, tries[2] = {0, 4};
	unsigned i, n = 2;

	if (!m->has_kimage_voffset ||
	    vmcoreinfo_symbol(&m->vi, "init_uts_ns", &sym))
		return;
	if (!vmcoreinfo_offset(&m->vi, "uts_namespace", "name", &off)) {
		tries[0] = off;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		if (read(ctx, sym + tries[i] - m->kimage_voffset, uts,
			 sizeof(uts)))
			continue;
		if (uts_plausible(m, uts)) {
			memcpy(m->uts, uts, sizeof(uts));
			m->has_uts = true;
			return;
		}
	}
}

/* --- printing ----------------------------------------------------------------
 */

static void print_vmcoreinfo(const struct dumpmeta *m, FILE *f)
{
	if (!m->has_vmcoreinfo) {
		fprintf(f, "VMCOREINFO: none\n");
		return;
	}
	fprintf(f, "VMCOREINFO: %zu bytes, %zu keys\n", m->vmcoreinfo_len,
		m->vi.count);
	fprintf(f, "  OSRELEASE     %s\n",
		m->has_osrelease ? m->osrelease : "?");
	if (m->has_pagesize)
		fprintf(f, "  PAGESIZE      %" PRIu64 "\n", m->pagesize);
	if (m->has_crashtime)
		fprintf(f, "  CRASHTIME     %" PRIu64 "\n", m->crashtime);
	if (m->has_kernel_offset)
		fprintf(f, "  KERNELOFFSET  0x%" PRIx64 "\n", m->kernel_offset);
	if (m->has_phys_offset)
		fprintf(f, "  PHYS_OFFSET   0x%" PRIx64 "\n", m->phys_offset);
	if (m->has_va_bits)
		fprintf(f, "  VA_BITS       %" PRIu64 "%s\n", m->va_bits,
			m->has_t1sz ? "" : " (no TCR_EL1_T1SZ)");
	if (m->has_t1sz)
		fprintf(f, "  vabits_actual %" PRIu64 " (64 - TCR_EL1_T1SZ)\n",
			m->vabits_actual);
	if (m->has_kimage_voffset)
		fprintf(f, "  kimage_voffset 0x%" PRIx64 "\n",
			m->kimage_voffset);
	if (m->linear_ok)
		fprintf(f, "  PAGE_OFFSET   0x%" PRIx64 " (%s layout)\n",
			m->page_offset, m->flipped ? "5.4+" : "pre-5.4");
	if (m->text_ok)
		fprintf(f, "  _text         0x%" PRIx64 " (%s)\n",
			m->text_vaddr, m->text_rule);
	if (m->has_uts)
		fprintf(
		    f, "  utsname       %s %s %s %s %s\n",
		    m->uts[DUMPMETA_UTS_SYSNAME], m->uts[DUMPMETA_UTS_NODENAME],
		    m->uts[DUMPMETA_UTS_RELEASE], m->uts[DUMPMETA_UTS_VERSION],
		    m->uts[DUMPMETA_UTS_MACHINE]);
}

static void print_cpu(const struct elfcore_prstatus *p, unsigned i, FILE *f)
{
	unsigned r;

	fprintf(f, "CPU %u: pid %" PRId32 "  signal %" PRId32 "\n", i, p->pid,
		p->signo);
	fprintf(f,
		"  pc  %016" PRIx64 "  lr  %016" PRIx64 "  sp  %016" PRIx64
		"  pstate %08" PRIx64 "\n",
		p->pc, p->regs[30], p->sp, p->pstate);
	for (r = 0; r < 31; r++)
		fprintf(f, "%s x%-2u %016" PRIx64 "%s", r % 4 ? "" : " ", r,
			p->regs[r], r % 4 == 3 || r == 30 ? "\n" : " ");
}

void dumpmeta_print(const struct dumpmeta *m, FILE *f)
{
	unsigned i;

	fprintf(f, "notes: %zu bytes, %u notes%s\n", m->notes_len, m->nnotes,
		m->notes_bad ? " (walk stopped at a malformed note)" : "");
	print_vmcoreinfo(m, f);
	fprintf(f, "CPUs (CORE NT_PRSTATUS notes): %u\n", m->ncpus);
	for (i = 0; i < m->ncpus; i++)
		print_cpu(&m->cpu[i], i, f);
}

void dumpmeta_json_str(FILE *f, const char *s, size_t len)
{
	size_t i;
	unsigned char ch;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_opt_u64(FILE *f, int ind, const char *key, bool has,
			 uint64_t v, bool hex)
{
	fprintf(f, ",\n%*s\"%s\": ", ind, "", key);
	if (!has)
		fputs("null", f);
	else if (hex)
		fprintf(f, "\"0x%" PRIx64 "\"", v);
	else
		fprintf(f, "%" PRIu64, v);
}

void dumpmeta_json(const struct dumpmeta *m, FILE *f, int ind)
{
	const struct elfcore_prstatus *p;
	unsigned i, r;

	fprintf(f, "%*s\"osrelease\": ", ind, "");
	if (m->has_osrelease)
		dumpmeta_json_str(f, m->osrelease, strlen(m->osrelease));
	else
		fputs("null", f);
	json_opt_u64(f, ind, "vmcoreinfo_pagesize", m->has_pagesize,
		     m->pagesize, false);
	json_opt_u64(f, ind, "kerneloffset", m->has_kernel_offset,
		     m->kernel_offset, true);
	json_opt_u64(f, ind, "phys_offset", m->has_phys_offset, m->phys_offset,
		     true);
	json_opt_u64(f, ind, "va_bits", m->has_va_bits, m->va_bits, false);
	json_opt_u64(f, ind, "page_offset", m->linear_ok, m->page_offset, true);
	json_opt_u64(f, ind, "kimage_voffset", m->has_kimage_voffset,
		     m->kimage_voffset, true);
	json_opt_u64(f, ind, "text_vaddr", m->text_ok, m->text_vaddr, true);
	fprintf(f, ",\n%*s\"nodename\": ", ind, "");
	if (m->has_uts)
		dumpmeta_json_str(f, m->uts[DUMPMETA_UTS_NODENAME],
				  strlen(m->uts[DUMPMETA_UTS_NODENAME]));
	else
		fputs("null", f);
	fprintf(f, ",\n%*s\"cpus\": [", ind, "");
	for (i = 0; i < m->ncpus; i++) {
		p = &m->cpu[i];
		fprintf(f,
			"%s\n%*s{\"pid\": %" PRId32 ", \"pc\": \"0x%" PRIx64
			"\", \"lr\": \"0x%" PRIx64 "\", \"sp\": \"0x%" PRIx64
			"\", \"pstate\": \"0x%" PRIx64 "\", \"x\": [",
			i ? "," : "", ind + 2, "", p->pid, p->pc, p->regs[30],
			p->sp, p->pstate);
		for (r = 0; r < 31; r++)
			fprintf(f, "%s\"0x%" PRIx64 "\"", r ? ", " : "",
				p->regs[r]);
		fputs("]}", f);
	}
	if (m->ncpus)
		fprintf(f, "\n%*s", ind, "");
	fputc(']', f);
}
