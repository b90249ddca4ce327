// SPDX-License-Identifier: MIT
/*
 * Parser of the ELF core header a kdump loader leaves at /chosen
 * linux,elfcorehdr (kexec-tools kexec/crashdump-elf.c, or the kernel's
 * crash_prepare_elf64_headers for kexec_file_load), and of the crash notes
 * it points at.  All of it is untrusted input: every count and offset is
 * bounds-checked, nothing is allocated, the caller provides the storage.
 * Rules and their reasons: docs/elfcorehdr.md.
 */
#ifndef TINYDUMP_PAYLOAD_ELFCORE_H
#define TINYDUMP_PAYLOAD_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PT_LOAD ranges must be whole pages of this size (Linux System RAM is). */
#define ELFCORE_PAGE_SIZE 4096u
/* Nothing lies above AArch64's largest physical address size (52 bits). */
#define ELFCORE_PHYS_LIMIT (1ull << 52)
/* p_vaddr kexec-tools writes for kernel text when /proc/kallsyms lacks _text.
 */
#define ELFCORE_VADDR_UNKNOWN UINT64_MAX

/* Note owners in crash notes: KEXEC_CORE_NOTE_NAME, VMCOREINFO_NOTE_NAME. */
#define ELFCORE_NOTE_CORE	"CORE"
#define ELFCORE_NOTE_VMCOREINFO "VMCOREINFO"

/* A physical range of the dead kernel's RAM to dump. */
struct elfcore_load {
	uint64_t paddr; /* start, page aligned */
	uint64_t size;	/* bytes, whole pages, never 0 */
	uint64_t vaddr; /* as written in the header: informative, untrusted */
};

/* A PT_NOTE segment: a buffer in the dead kernel's memory holding notes. */
struct elfcore_note_seg {
	uint64_t paddr; /* where to read it */
	uint64_t size;	/* at most this many bytes (p_memsz) */
};

/* A physical range to take out of the loads (e.g. a capture reservation). */
struct elfcore_range {
	uint64_t start;
	uint64_t size;
};

/*
 * struct elfcore.flags: what was found and repaired; none is fatal.
 * FILESZ_MISMATCH: p_filesz != p_memsz (p_memsz used).
 * OFFSET_MISMATCH: p_offset != p_paddr (p_paddr used).
 * BAD_LOAD:        a PT_LOAD dropped as invalid (see elfcore_parse()).
 * UNKNOWN_TEXT:    a PT_LOAD with p_vaddr ELFCORE_VADDR_UNKNOWN dropped.
 * CONTAINED:       a PT_LOAD inside another dropped.
 * CLIPPED:         a PT_LOAD overlapping another clipped.
 * BAD_NOTE:        a PT_NOTE dropped as empty or overflowing.
 * TRUNCATED:       more entries than capacity; some were lost.
 * EXCLUDED:        elfcore_exclude() removed memory.
 * OTHER_PHDR:      program headers of other types were ignored.
 * OUTSIDE:         elfcore_intersect() removed memory.
 */
#define ELFCORE_F_FILESZ_MISMATCH (1u << 0)
#define ELFCORE_F_OFFSET_MISMATCH (1u << 1)
#define ELFCORE_F_BAD_LOAD	  (1u << 2)
#define ELFCORE_F_UNKNOWN_TEXT	  (1u << 3)
#define ELFCORE_F_CONTAINED	  (1u << 4)
#define ELFCORE_F_CLIPPED	  (1u << 5)
#define ELFCORE_F_BAD_NOTE	  (1u << 6)
#define ELFCORE_F_TRUNCATED	  (1u << 7)
#define ELFCORE_F_EXCLUDED	  (1u << 8)
#define ELFCORE_F_OTHER_PHDR	  (1u << 9)
#define ELFCORE_F_OUTSIDE	  (1u << 10)

/**
 * struct elfcore - the parsed header; set up with elfcore_init()
 * @loads:      caller's array for the PT_LOAD ranges
 * @loads_cap:  its capacity in entries
 * @nloads:     entries used: sorted by paddr, disjoint
 * @notes:      caller's array for the PT_NOTE segments
 * @notes_cap:  its capacity
 * @nnotes:     entries used, in header order
 * @phnum:      program headers in the header
 * @nbad_loads: PT_LOADs dropped as invalid (ELFCORE_F_BAD_LOAD/_UNKNOWN_TEXT)
 * @nbad_notes: PT_NOTEs dropped as invalid
 * @flags:      ELFCORE_F_*
 */
struct elfcore {
	struct elfcore_load *loads;
	size_t loads_cap;
	size_t nloads;
	struct elfcore_note_seg *notes;
	size_t notes_cap;
	size_t nnotes;
	unsigned int phnum;
	unsigned int nbad_loads;
	unsigned int nbad_notes;
	uint32_t flags;
};

/**
 * elfcore_init() - attach caller storage and clear the results
 * @ec:        the parser state
 * @loads:     room for @loads_cap PT_LOAD ranges (may be NULL if 0)
 * @loads_cap: capacity of @loads
 * @notes:     room for @notes_cap PT_NOTE segments (may be NULL if 0)
 * @notes_cap: capacity of @notes
 */
void elfcore_init(struct elfcore *ec, struct elfcore_load *loads,
		  size_t loads_cap, struct elfcore_note_seg *notes,
		  size_t notes_cap);

/**
 * elfcore_check_header() - validate the ELF header of a core header
 * @buf:   the header bytes, any alignment
 * @len:   their length
 * @phnum: if not NULL, receives e_phnum
 *
 * Checks: ELF magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT (e_ident and
 * e_version), ET_CORE, EM_AARCH64, e_ehsize 64, e_phentsize 56, e_phnum in
 * 1..PN_XNUM-1, and the program header table [e_phoff, +e_phnum*56) lying
 * inside @buf after the ELF header.
 *
 * Return: 0; -EINVAL if @buf is NULL or @len < 64; -ENODEV if there is no
 * ELF magic; -ENOTSUP for another class, byte order, type or machine, or
 * extended numbering (PN_XNUM); -EPROTO for an inconsistent header.
 */
int elfcore_check_header(const void *buf, size_t len, unsigned int *phnum);

/**
 * elfcore_parse() - collect the PT_LOAD ranges and PT_NOTE segments
 * @ec:  initialised by elfcore_init(); results replace earlier ones
 * @buf: the header bytes (what linux,elfcorehdr points at), any alignment
 * @len: their length (the property's size)
 *
 * Physical addresses come from p_paddr, sizes from p_memsz; p_vaddr is
 * copied but never trusted.  A PT_LOAD is dropped (counted in nbad_loads)
 * if its size is 0, paddr + size overflows or passes ELFCORE_PHYS_LIMIT,
 * paddr or size is not a multiple of ELFCORE_PAGE_SIZE, or p_vaddr is
 * ELFCORE_VADDR_UNKNOWN (kexec-tools' kernel-text entry written without
 * _text: its paddr/size are garbage, and a sound one repeats RAM anyway).
 * The rest are sorted by paddr; an entry inside another is dropped (the
 * kernel-text entry inside System RAM) and a partial overlap is clipped,
 * so @ec->loads ends sorted and disjoint.  A PT_NOTE is dropped if its
 * size is 0 or paddr + size overflows or passes ELFCORE_PHYS_LIMIT.
 *
 * Return: 0; the errors of elfcore_check_header(); -ENOSPC if there were
 * more valid entries than capacity (the arrays hold the first that fit,
 * processed as above, and ELFCORE_F_TRUNCATED is set).
 */
int elfcore_parse(struct elfcore *ec, const void *buf, size_t len);

/**
 * elfcore_exclude() - remove physical ranges from the PT_LOAD ranges
 * @ec:     parsed by elfcore_parse()
 * @ranges: ranges to remove, e.g. linux,usable-memory-range (the capture
 *          reservation is the payload's memory, not the dead kernel's)
 * @n:      number of @ranges; entries of size 0 are ignored
 *
 * Each range is widened to whole pages (start rounded down, end up) and
 * clamped at ELFCORE_PHYS_LIMIT, so a range running past 2^64 is fine.  A
 * load that straddles a range is split in two, which needs a free entry.
 *
 * Return: 0; -EINVAL if @ec is NULL or @ranges is NULL with @n > 0;
 * -ENOSPC if a split found no room (the part above that range was
 * dropped, never the part inside it; ELFCORE_F_TRUNCATED is set).
 */
int elfcore_exclude(struct elfcore *ec, const struct elfcore_range *ranges,
		    size_t n);

/**
 * elfcore_intersect() - keep only the parts of the loads inside @keep
 * @ec:   parsed by elfcore_parse()
 * @keep: ranges that may be dumped, e.g. the DT's /memory reg entries:
 *        a load outside all RAM is garbage, and reading it could hit MMIO
 * @n:    number of @keep ranges, in any order, overlaps allowed
 *
 * Each range is narrowed to whole pages (start rounded up, end down).
 * Only call it with a trustworthy list: on UEFI systems the DT may have
 * no /memory at all.  Removed memory sets ELFCORE_F_OUTSIDE.
 *
 * Return: 0; -EINVAL if @ec or @keep is NULL or @keep holds no whole page
 * (nothing is changed then); -ENOSPC as for elfcore_exclude().
 */
int elfcore_intersect(struct elfcore *ec, const struct elfcore_range *keep,
		      size_t n);

/**
 * struct elfcore_note - one note inside a note segment
 * @type:   n_type
 * @namesz: n_namesz (counting the name's NUL if any)
 * @descsz: n_descsz
 * @name:   the name bytes inside the segment (not NUL-terminated if the
 *          producer left the NUL out)
 * @desc:   the descriptor bytes inside the segment
 * @offset: offset of the note header in the segment
 * @size:   header + name + descriptor, each padded to 4 bytes
 */
struct elfcore_note {
	uint32_t type;
	uint32_t namesz;
	uint32_t descsz;
	const char *name;
	const uint8_t *desc;
	size_t offset;
	size_t size;
};

/**
 * elfcore_note_next() - read the note at *@pos and advance past it
 * @seg:  the note segment's bytes (read by the caller from memory)
 * @len:  their length
 * @pos:  in: offset of the next note (start with 0); out: the one after
 * @note: receives the note
 *
 * Like fs/proc/vmcore.c, a header whose n_namesz is 0 ends the segment:
 * that covers the all-zero note Linux writes after the real ones.  Fewer
 * than 12 bytes left also ends it.
 *
 * Return: 0 and a note; -ENODEV at the end (a terminator, or the end of
 * @seg); -EPROTO if the note does not fit in what is left of @seg or *@pos
 * is not 4-byte aligned; -EINVAL if @seg, @pos or @note is NULL.
 */
int elfcore_note_next(const void *seg, size_t len, size_t *pos,
		      struct elfcore_note *note);

/**
 * elfcore_note_is() - does a note have this owner name and type
 * @note: a note from elfcore_note_next()
 * @name: the owner, e.g. ELFCORE_NOTE_CORE
 * @type: n_type
 *
 * The name matches with its NUL counted in n_namesz (as Linux writes it)
 * or without it.
 *
 * Return: true if both match.
 */
bool elfcore_note_is(const struct elfcore_note *note, const char *name,
		     uint32_t type);

/* struct elfcore_merge.flags */
#define ELFCORE_MF_BAD_NOTE	  (1u << 0) /* a segment's tail was malformed */
#define ELFCORE_MF_NO_TERMINATOR  (1u << 1) /* a segment ran to its end */
#define ELFCORE_MF_FULL		  (1u << 2) /* the output ran out of room */
#define ELFCORE_MF_DUP_VMCOREINFO (1u << 3) /* a second VMCOREINFO: ignored */
#define ELFCORE_MF_EMPTY_SEGMENT  (1u << 4) /* a segment held no note */

/**
 * struct elfcore_merge - notes of all segments concatenated, as /proc/vmcore
 * presents them (fs/proc/vmcore.c merge_note_headers_elf64): the real notes
 * of each segment in order, without the empty terminators.
 * @out:             the caller's output buffer
 * @cap:             its size
 * @len:             bytes of notes in @out
 * @nnotes:          notes in @out
 * @nprstatus:       of which NT_PRSTATUS notes owned by "CORE" (one per CPU)
 * @has_vmcoreinfo:  a "VMCOREINFO" note of type 0 was found
 * @vmcoreinfo_off:  offset of its descriptor (the text) in @out
 * @vmcoreinfo_len:  length of its descriptor
 * @flags:           ELFCORE_MF_*
 */
struct elfcore_merge {
	uint8_t *out;
	size_t cap;
	size_t len;
	unsigned int nnotes;
	unsigned int nprstatus;
	bool has_vmcoreinfo;
	size_t vmcoreinfo_off;
	size_t vmcoreinfo_len;
	uint32_t flags;
};

/**
 * elfcore_merge_init() - start an empty merged note blob
 * @m:   the merge state
 * @out: output buffer (must not overlap the segments added later)
 * @cap: its size
 */
void elfcore_merge_init(struct elfcore_merge *m, void *out, size_t cap);

/**
 * elfcore_merge_notes() - append the notes of one segment
 * @m:   from elfcore_merge_init()
 * @seg: the segment's bytes, as read from the address in its PT_NOTE
 * @len: their length (at most the PT_NOTE size)
 *
 * Call once per segment, in header order.  Notes are copied whole, with
 * their padding.  On an error the notes before the bad one stay in @m,
 * and the caller can go on with the next segment.
 *
 * Return: 0; -EPROTO if a note overran the segment (the rest of it was
 * dropped, as Linux does, ELFCORE_MF_BAD_NOTE); -ENOSPC if @m->out is full
 * (ELFCORE_MF_FULL); -EINVAL if @m is NULL or @seg is NULL with @len > 0.
 */
int elfcore_merge_notes(struct elfcore_merge *m, const void *seg, size_t len);

/*
 * struct elf_prstatus on arm64 (include/linux/elfcore.h,
 * struct elf_prstatus_common + elf_gregset_t + pr_fpvalid), LP64 layout:
 *   0 pr_info {si_signo, si_code, si_errno} 3 x int
 *  12 pr_cursig (short), 2 bytes padding
 *  16 pr_sigpend, 24 pr_sighold (unsigned long)
 *  32 pr_pid, 36 pr_ppid, 40 pr_pgrp, 44 pr_sid (pid_t)
 *  48 pr_utime, pr_stime, pr_cutime, pr_cstime (struct timeval, 16 each)
 * 112 pr_reg: struct user_pt_regs {regs[31], sp, pc, pstate} = 34 x u64
 * 384 pr_fpvalid (int), 4 bytes padding to the 8-byte alignment: 392.
 */
#define ELFCORE_PRSTATUS_SIZE	 392u
#define ELFCORE_PRSTATUS_SIGNO	 0
#define ELFCORE_PRSTATUS_CURSIG	 12
#define ELFCORE_PRSTATUS_PID	 32
#define ELFCORE_PRSTATUS_PPID	 36
#define ELFCORE_PRSTATUS_REG	 112
#define ELFCORE_PRSTATUS_NREG	 34
#define ELFCORE_PRSTATUS_FPVALID 384

/**
 * struct elfcore_prstatus - the fields of an arm64 NT_PRSTATUS we use
 * @signo:   pr_info.si_signo
 * @cursig:  pr_cursig
 * @pid:     pr_pid (the task running on that CPU; 0 for idle)
 * @ppid:    pr_ppid
 * @regs:    x0..x30
 * @sp:      stack pointer
 * @pc:      program counter
 * @pstate:  PSTATE
 * @fpvalid: pr_fpvalid
 */
struct elfcore_prstatus {
	int32_t signo;
	int16_t cursig;
	int32_t pid;
	int32_t ppid;
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
	int32_t fpvalid;
};

/**
 * elfcore_prstatus_parse() - decode an arm64 NT_PRSTATUS descriptor
 * @desc: the note's descriptor bytes, any alignment
 * @len:  n_descsz
 * @out:  receives the fields
 *
 * Return: 0; -EPROTO if @len is not ELFCORE_PRSTATUS_SIZE (another
 * architecture or layout); -EINVAL if @desc or @out is NULL.
 */
int elfcore_prstatus_parse(const void *desc, size_t len,
			   struct elfcore_prstatus *out);

#endif
