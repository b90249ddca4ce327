// SPDX-License-Identifier: MIT
/*
 * What a dump's merged ELF notes say: the per-CPU NT_PRSTATUS registers
 * and the VMCOREINFO keys tinydump uses, and the arm64 address rules
 * derived from them (linear map, kernel image): docs/tinydump.md,
 * "Virtual addresses"; REFERENCE.md §2 for the VMCOREINFO keys.  Shared
 * by the vmcore writers, the reports and `tinydump info`.
 */
#ifndef TINYDUMP_HOST_TOOLS_DUMPMETA_H
#define TINYDUMP_HOST_TOOLS_DUMPMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "payload/elfcore.h"
#include "payload/vmcoreinfo.h"

/* arm64 places _stext this far after _text (vmlinux.lds.S, SEGMENT_ALIGN). */
#define DUMPMETA_STEXT_OFFSET 0x10000ull
/* The kernel image PT_LOAD without SYMBOL(_end) is at most this long. */
#define DUMPMETA_KIMAGE_MAX (64ull << 20)
/* struct new_utsname: six strings of this size. */
#define DUMPMETA_UTS_LEN 65

enum {
	DUMPMETA_UTS_SYSNAME,
	DUMPMETA_UTS_NODENAME,
	DUMPMETA_UTS_RELEASE,
	DUMPMETA_UTS_VERSION,
	DUMPMETA_UTS_MACHINE,
	DUMPMETA_UTS_DOMAIN,
	DUMPMETA_UTS_FIELDS
};

/* Reads bytes of the dead kernel's physical memory; 0 or -errno. */
typedef int (*dumpmeta_read_fn)(void *ctx, uint64_t paddr, void *buf,
				size_t len);

/**
 * struct dumpmeta - the parsed notes; fields are valid when their has_ flag is
 * @notes, @notes_len:  the blob (not owned)
 * @nnotes:             notes walked
 * @notes_bad:          the walk stopped at a malformed note
 * @ncpus:              CORE NT_PRSTATUS notes, in note order
 * @cpu:                their registers (malloc()ed)
 * @vmcoreinfo_off:     offset of the VMCOREINFO note's descriptor in @notes
 * @vmcoreinfo_len:     its length
 * @vi:                 the parsed VMCOREINFO (points into @notes)
 * @vabits_actual:      64 - NUMBER(TCR_EL1_T1SZ), or NUMBER(VA_BITS)
 * @page_offset:        start of the linear map (when @linear_ok)
 * @flipped:            5.4+ layout: linear map in the lower half
 * @text_vaddr:         _text, by @text_rule
 * @uts:                init_uts_ns.name read from the dump (@has_uts)
 */
struct dumpmeta {
	const uint8_t *notes;
	size_t notes_len;
	unsigned nnotes;
	bool notes_bad;
	unsigned ncpus;
	struct elfcore_prstatus *cpu;

	bool has_vmcoreinfo;
	size_t vmcoreinfo_off, vmcoreinfo_len;
	struct vmcoreinfo vi;
	struct vmcoreinfo_entry *ent;

	char osrelease[DUMPMETA_UTS_LEN];
	bool has_osrelease;
	bool has_pagesize, has_crashtime, has_kernel_offset, has_phys_offset;
	bool has_va_bits, has_t1sz, has_kimage_voffset, has_end;
	uint64_t pagesize, crashtime, kernel_offset, phys_offset;
	uint64_t va_bits, vabits_actual, kimage_voffset, end_vaddr;

	bool linear_ok, flipped;
	uint64_t page_offset;
	bool text_ok;
	uint64_t text_vaddr;
	const char *text_rule;

	bool has_uts;
	char uts[DUMPMETA_UTS_FIELDS][DUMPMETA_UTS_LEN];
};

/* The kernel image mapping, as the ELF writer emits it. */
struct dumpmeta_kimage {
	uint64_t vaddr, paddr, size; /* page aligned */
	const char *size_rule;
};

/**
 * dumpmeta_parse() - walk a merged notes blob
 * @m:     the result (zeroed here)
 * @notes: the blob: ELF notes back to back (kept by reference)
 * @len:   its length
 *
 * Return: 0 (missing pieces are flags in @m), or -ENOMEM.
 */
int dumpmeta_parse(struct dumpmeta *m, const void *notes, size_t len);

/**
 * dumpmeta_free() - release what dumpmeta_parse() allocated
 * @m: the parsed notes
 */
void dumpmeta_free(struct dumpmeta *m);

/**
 * dumpmeta_linear() - the linear-map address of a physical address
 * @m:     the parsed notes
 * @paddr: physical address
 * @vaddr: receives paddr - PHYS_OFFSET + PAGE_OFFSET
 * Return: true if VMCOREINFO gave what the rule needs (@m->linear_ok).
 */
bool dumpmeta_linear(const struct dumpmeta *m, uint64_t paddr, uint64_t *vaddr);

/**
 * dumpmeta_kimage() - where the kernel image is mapped
 * @m:         the parsed notes
 * @page_size: the dump's page size
 * @ram_end:   end (exclusive) of the RAM range holding a physical address,
 *             0 if unknown; may be NULL
 * @ctx:       its first argument
 * @out:       the mapping
 *
 * vaddr = _text (SYMBOL(_text), else SYMBOL(_stext) - 0x10000), paddr =
 * vaddr - NUMBER(kimage_voffset), size up to SYMBOL(_end) when exported,
 * else to the end of the RAM range that holds paddr, at most 64 MiB.
 *
 * Return: true if the image can be placed.
 */
bool dumpmeta_kimage(const struct dumpmeta *m, uint64_t page_size,
		     uint64_t (*ram_end)(void *ctx, uint64_t paddr), void *ctx,
		     struct dumpmeta_kimage *out);

/**
 * dumpmeta_read_uts() - read init_uts_ns.name from the dump's memory
 * @m:    the parsed notes
 * @read: reads physical memory
 * @ctx:  its first argument
 *
 * Uses SYMBOL(init_uts_ns), NUMBER(kimage_voffset) and
 * OFFSET(uts_namespace.name) (0 and 4 are tried without it); the result
 * is kept only if sysname is "Linux" and release matches OSRELEASE.
 */
void dumpmeta_read_uts(struct dumpmeta *m, dumpmeta_read_fn read, void *ctx);

/**
 * dumpmeta_print() - VMCOREINFO highlights and every CPU's registers
 * @m: the parsed notes
 * @f: where to print
 */
void dumpmeta_print(const struct dumpmeta *m, FILE *f);

/**
 * dumpmeta_json() - the same as JSON members (no braces around them)
 * @m:      the parsed notes
 * @f:      where to print
 * @indent: spaces before each member
 */
void dumpmeta_json(const struct dumpmeta *m, FILE *f, int indent);

/**
 * dumpmeta_json_str() - print a JSON string literal (quotes, escapes)
 * @f:   where
 * @s:   bytes
 * @len: how many
 */
void dumpmeta_json_str(FILE *f, const char *s, size_t len);

#endif
